/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The emulator is two halves that meet here:
 *
 *  - the *platform* (interpose.c, sysfs, heap.c, memory.c): everything the
 *    operating system would do. It intercepts libc calls, emulates the
 *    /dev/infiniband/uverbsN character devices and /dev/dma_heap/<name>, and
 *    models what a device can see of process memory (CoCo: only shared-heap
 *    memory is readable; private memory is ciphertext);
 *  - the *driver and device* (kernel_*.c, objects.h, hw_*.c, fabric.c): the
 *    irdma kernel driver's uverbs command handling and the hardware engine.
 *
 * The platform calls the emu_kernel_* functions; the driver half calls the
 * emu_dma_* / emu_dmabuf_* functions. Nothing else crosses. Async-event and
 * completion-channel fds are plain pipes the driver half owns: libibverbs
 * read()s struct ib_uverbs_*_event_desc records from them.
 */
#ifndef IRDMA_EMU_PLATFORM_H
#define IRDMA_EMU_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Configuration, parsed once from the environment irdma-emu-run sets. */
struct emu_config {
	unsigned int gen;	/* 1 (X722), 2 (E810), 3 (SRQ-capable gen) */
	bool cc;		/* CoCo guest: DMA bounce, shared heap only */
	bool dmabuf_memreg;	/* kernel knows the extended reg_mr */
	/* a kernel that gave alloc_ucontext comp_mask bit 5 another meaning */
	bool uctx_bit5_foreign;
	bool push;		/* the driver hands out push pages */
	unsigned int ndevices;
	char fabric[64];	/* fabric name, "" = private to this process */
	char sysfs[4096];	/* generated sysfs root */
};
const struct emu_config *emu_config(void);

/* ---- driver half, called by the platform ------------------------------ */

/* An open /dev/infiniband/uverbsN; opaque to the platform. */
struct emu_file;

/* open("/dev/infiniband/uverbs<devidx>"): returns NULL and sets errno. */
struct emu_file *emu_kernel_open(unsigned int devidx, int fd);
/* write(2) of a legacy uverbs command: bytes consumed or -errno. */
ssize_t emu_kernel_write(struct emu_file *f, const void *buf, size_t len);
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

/* ---- platform, called by the driver half ------------------------------ */

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
 * Resolve a DMA-buf fd of the emulated heap: its size, and an address at
 * which the emulator itself sees it. Returns 0 or -errno (-EBADF: not a
 * DMA-buf of ours).
 */
int emu_dmabuf_resolve(int fd, uint64_t *size, void **kva);

#endif /* IRDMA_EMU_PLATFORM_H */
