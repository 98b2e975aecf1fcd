/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The contract of the platform (tests/emu/platform/): everything the
 * operating system would do. It intercepts libc calls, emulates the
 * /dev/infiniband/uverbsN character devices and /dev/dma_heap/<name>,
 * publishes the devices in sysfs and RDMA netlink, and models what a device
 * can see of process memory (CoCo: only shared-heap memory is readable;
 * private memory is ciphertext).
 *
 * The platform calls the emu_kernel_* functions of the kernel model
 * (kernel/); the kernel model and the device (device/) call the rest of
 * this header. Nothing else crosses: no other platform header is included
 * outside platform/ (tools/check-boundaries.sh checks it). Async-event and
 * completion-channel fds are plain pipes the kernel model owns: libibverbs
 * read()s struct ib_uverbs_*_event_desc records from them.
 */
#ifndef IRDMA_EMU_PLATFORM_H
#define IRDMA_EMU_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel the emulated driver runs in (irdma-emu-run --kernel). */
enum emu_kernel {
	EMU_KERNEL_OLD,	/* write() ABI only: RDMA_VERBS_IOCTL is ENOTTY */
	EMU_KERNEL_7_2,	/* ioctl ABI, 7.2 UMEM attributes, CoCo VA refusal */
};

/* DMA-buf ring registrations the irdma driver offers (--ring-abi). */
enum emu_ring_abi {
	EMU_RING_ABI_WRITE_EXT = 1 << 0, /* reg_mr carrying a DMA-buf fd */
	EMU_RING_ABI_DMABUF_MR = 1 << 1, /* REG_DMABUF_MR + ring type attrs */
	EMU_RING_ABI_UMEM = 1 << 2,	 /* UMEM descriptors at create */
};

/* Configuration, parsed once from the environment irdma-emu-run sets. */
struct emu_config {
	unsigned int gen;	/* 1 (X722), 2 (E810), 3 (SRQ-capable gen) */
	bool cc;		/* CoCo guest: DMA bounce, shared heap only */
	enum emu_kernel kernel;
	unsigned int ring_abis;	/* enum emu_ring_abi bits */
	bool dmabuf_memreg;	/* ring_abis has write-ext (the extended reg_mr) */
	/* a kernel that gave alloc_ucontext comp_mask bit 5 another meaning */
	bool uctx_bit5_foreign;
	bool push;		/* the driver hands out push pages */
	unsigned int ndevices;
	char fabric[64];	/* fabric name, "" = private to this process */
	char sysfs[4096];	/* generated sysfs root */
};
const struct emu_config *emu_config(void);

/* Most devices a run can have (uverbs0 ... uverbs<EMU_MAX_DEVICES - 1>). */
#define EMU_MAX_DEVICES 16U

/* ---- the kernel model, called by the platform -------------------------- */

/* An open /dev/infiniband/uverbsN; opaque to the platform. */
struct emu_file;

/* open("/dev/infiniband/uverbs<devidx>"): returns NULL and sets errno. */
struct emu_file *emu_kernel_open(unsigned int devidx, int fd);
/* write(2) of a legacy uverbs command: bytes consumed or -errno. */
ssize_t emu_kernel_write(struct emu_file *f, const void *buf, size_t len);
/*
 * ioctl(2) on the uverbs fd: 0 or -errno (-ENOTTY for anything but
 * RDMA_VERBS_IOCTL, and for everything on --kernel old).
 */
int emu_kernel_ioctl(struct emu_file *f, unsigned long req, void *arg);
/*
 * mmap(2) at a page offset the driver handed out (e.g. the doorbell page).
 * Returns the address to give back, or MAP_FAILED with errno set.
 */
void *emu_kernel_mmap(struct emu_file *f, void *addr, size_t len, int prot,
		      int flags, off_t offset);
/* munmap(2) of an address range emu_kernel_mmap returned; 0 if not ours. */
int emu_kernel_munmap(void *addr, size_t len, bool *handled);
/* Last close of the fd: destroy everything the context still owns. */
void emu_kernel_close(struct emu_file *f);

/* ---- the platform, called by the kernel model and the device ---------- */

/*
 * Device DMA to/from process memory at a virtual address that a registered
 * MR or ring covers. With --cc, only memory mapped from a shared-heap DMA-buf
 * is visible: a read of anything else yields scrambled bytes, a write to it
 * is dropped. Returns 0, or -EFAULT if the range is not mapped at all.
 */
int emu_dma_read(void *dst, uint64_t va, size_t len);
int emu_dma_write(uint64_t va, const void *src, size_t len);
/* True if [va, va+len) is entirely shared-heap memory (always true w/o cc). */
bool emu_dma_visible(uint64_t va, size_t len);

/*
 * The page size of the emulated machine, the kernel's PAGE_SIZE: the real
 * one, since process memory is real (mmap, mincore, memfds). Not the
 * device's 4 KiB page, which is EMU_HW_PAGE_SIZE (device/hw.h).
 */
size_t emu_page_size(void);
#define EMU_PAGE_SIZE ((uint64_t)emu_page_size())
#define EMU_PAGE_MASK (~(EMU_PAGE_SIZE - 1))

/*
 * Resolve a DMA-buf fd of the emulated heap: its size, and an address at
 * which the emulator itself sees it. Returns 0 or -errno (-EBADF: not a
 * DMA-buf of ours).
 */
int emu_dmabuf_resolve(int fd, uint64_t *size, void **kva);
/*
 * Hold a buffer across a registration so that it stays valid after the
 * process closes its fd and unmaps it (as a kernel dma-buf attachment
 * does). Returns a handle or NULL with errno (EBADF).
 */
struct emu_dmabuf;
struct emu_dmabuf *emu_dmabuf_get(int fd, uint64_t *size, void **kva);
void emu_dmabuf_put(struct emu_dmabuf *buf);
/*
 * Where the process maps bytes [offset, offset + len) of @buf, for a
 * driver that must reach them as the process does: 0 with *va set if one
 * recorded mapping covers them all, -ENOENT otherwise.
 */
int emu_dmabuf_user_va(const struct emu_dmabuf *buf, uint64_t offset,
		       uint64_t len, uint64_t *va);

/*
 * With --cc: how many device accesses (emu_dma_read / emu_dma_write calls)
 * touched private memory so far -- reads that returned ciphertext, writes
 * that were lost -- and how many bytes of it. A correct CoCo setup keeps
 * both at zero; the kernel model prints them in its exit report.
 */
unsigned long emu_dma_private_reads(void);
unsigned long emu_dma_private_writes(void);
unsigned long emu_dma_private_read_bytes(void);
unsigned long emu_dma_private_write_bytes(void);

/*
 * Fault injection (IRDMA_EMU_FAIL, irdma-emu-run --fail; fault.h arms
 * it): the operations that can be made to fail.
 */
enum emu_fault_kind {
	EMU_FAULT_CMD, /* a uverbs write() command, before it executes */
	EMU_FAULT_HEAP, /* a DMA_HEAP_IOCTL_ALLOC */
	EMU_FAULT_MMAP, /* an mmap() of a uverbs fd */
	EMU_FAULT_NR_KINDS,
};
/*
 * Count one operation of @kind; returns the errno (> 0) it must fail with,
 * or 0 to proceed. Thread-safe.
 */
int emu_fault_should_fail(enum emu_fault_kind kind);

/* ---- identity of the emulated devices -------------------------------- */

/*
 * Everything here is a pure function of (gen, device index), so that two
 * processes on the same fabric agree on every GUID, MAC and GID without
 * talking to each other, and so that the kernel model (query_device,
 * create_ah) reports exactly what sysfs and netlink show.
 */
#define EMU_PCI_VENDOR_INTEL 0x8086U

/*
 * Entries published per port under ports/1/gids. Index 0 is the IPv6
 * link-local GID, index 1 the IPv4-mapped one; the rest read as zero.
 * query_port's gid_tbl_len must not exceed this.
 */
#define EMU_GID_TABLE_LEN 32U
#define EMU_GID_LINK_LOCAL 0U
#define EMU_GID_IPV4 1U

/* PCI device id the emulated device of generation @gen carries. */
uint16_t emu_dev_pci_device(unsigned int gen);
/* "x.y" firmware version string for sysfs fw_ver and query_device. */
const char *emu_dev_fw_ver(unsigned int gen);
/* Port MAC address of device @idx (locally administered, unicast). */
void emu_dev_mac(unsigned int idx, uint8_t mac[6]);
/* Node GUID (host byte order): the EUI-64 derived from the MAC. */
uint64_t emu_dev_node_guid(unsigned int idx);
/*
 * The 16-byte GID at @gid_index on port 1 of device @idx. Returns false
 * (and zeroes @gid) for an empty table entry.
 */
bool emu_dev_gid(unsigned int idx, unsigned int gid_index, uint8_t gid[16]);
/*
 * Device index whose GID table holds @gid (any index), or -1: how the
 * fabric resolves a destination GID to a device, and the engine a source
 * GID to the MAC a CQE reports, like ARP would.
 */
int emu_dev_find_gid(const uint8_t gid[16]);

/* ---- for irdma-emu-mksysfs (tools/) ---------------------------------- */

/*
 * Fill @cfg from the environment. Returns 0, or -EINVAL with a message in
 * @err when a variable holds something irdma-emu-run would never set;
 * @cfg then holds the defaults for everything that failed to parse.
 */
int emu_config_from_env(struct emu_config *cfg, char *err, size_t errlen);
/*
 * Create the sysfs tree for @cfg under @root (which must exist and be
 * empty). Returns 0 or -errno.
 */
int emu_sysfs_generate(const char *root, const struct emu_config *cfg);

#endif /* IRDMA_EMU_PLATFORM_H */
