/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The interposer's fd table and its way back to the real libc.
 *
 * Every emulated "device file" is backed by a real fd (so poll, close,
 * fork and exec behave), and the table maps that fd number to a refcounted
 * object saying what the fd really is. dup/dup2/dup3/F_DUPFD add table
 * entries for the same object; the object is released when its last fd is
 * closed and its last in-flight user drops its reference.
 */
#ifndef IRDMA_EMU_INTERPOSE_H
#define IRDMA_EMU_INTERPOSE_H

#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/types.h>

enum emu_fd_kind {
	EMU_FD_UVERBS = 1, /* /dev/infiniband/uverbsN */
	EMU_FD_HEAP_DEV, /* /dev/dma_heap/system_cc_shared */
	EMU_FD_DMABUF, /* a buffer the heap handed out */
	EMU_FD_NETLINK, /* an RDMA netlink socket (netlink.c) */
};

struct emu_fdobj {
	enum emu_fd_kind kind;
	atomic_uint refs;
	/* Called once, when refs drops to zero. */
	void (*release)(struct emu_fdobj *obj);
};

/* Highest fd number (exclusive) the table can describe. */
#define EMU_FD_TABLE_SIZE 65536

/* Take one reference for a new fd; -EMFILE if @fd is beyond the table. */
int emu_fd_install(int fd, struct emu_fdobj *obj);
/* The object behind @fd with a reference held, or NULL if not ours. */
struct emu_fdobj *emu_fd_get(int fd);
void emu_fdobj_get(struct emu_fdobj *obj);
void emu_fdobj_put(struct emu_fdobj *obj);

/* The libc functions we shadow, for the emulator's own use. */
int emu_real_openat(int dirfd, const char *path, int flags, mode_t mode);
int emu_real_close(int fd);
int emu_real_fstat(int fd, struct stat *st);
int emu_real_fcntl(int fd, int cmd, long arg);
void *emu_real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off);
int emu_real_munmap(void *addr, size_t len);

#endif /* IRDMA_EMU_INTERPOSE_H */
