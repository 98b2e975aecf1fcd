// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Counting the system calls a verb makes, at the libc boundary.
 *
 * Under the emulator most of a verb's system calls never reach the kernel
 * (the interposer answers writes to /dev/infiniband/uverbs* and ioctls on
 * the DMA-buf heap in-process), so strace would miss exactly the calls
 * that matter. Instead this program defines the libc entry points itself:
 * symbols of the executable come first in the dynamic linker's search
 * order (before LD_PRELOAD), so libibverbs' and the provider's calls land
 * here, are counted, and go on to the next definition (the emulator's
 * interposer, or libc). On real hardware each counted call would be one
 * system call.
 *
 * Counting is per thread and only while switched on, so the emulator's
 * device thread is never counted; calls made from inside a counted call
 * (the emulated kernel's own mmap/close) are not counted again.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_ioctl_cmds.h>

#include "bench.h"

static __thread bool counting;
static __thread unsigned int depth;
static __thread struct bench_syscount now;
static bool reached; /* set by the first interposed call of any thread */

/* Look the next definition up once; dlsym is thread safe. */
#define NEXT(name, ret, ...)                                               \
	typedef ret (*name##_fn)(__VA_ARGS__);                             \
	static name##_fn next_##name;                                      \
	if (!__atomic_load_n(&next_##name, __ATOMIC_ACQUIRE))              \
	__atomic_store_n(&next_##name, (name##_fn)dlsym(RTLD_NEXT, #name), \
			 __ATOMIC_RELEASE)

/* Is this call to be counted? Then count it in *field (may be NULL). */
static bool enter(uint64_t *field)
{
	bool outer = counting && !depth;

	__atomic_store_n(&reached, true, __ATOMIC_RELAXED);
	if (outer) {
		now.calls++;
		if (field)
			(*field)++;
	}
	depth++;
	return outer;
}

static void leave(void)
{
	depth--;
}

/* Make @call as one interposed call, counted in *@field (may be NULL). */
#define COUNTED(field, call)           \
	({                             \
		__typeof__(call) _ret; \
		enter(field);          \
		_ret = (call);         \
		leave();               \
		_ret;                  \
	})

void bench_syscount_start(void)
{
	memset(&now, 0, sizeof(now));
	counting = true;
}

void bench_syscount_stop(struct bench_syscount *out)
{
	counting = false;
	if (out)
		*out = now;
}

bool bench_syscount_works(void)
{
	/* Any library call below makes the flag true if we are reached. */
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return __atomic_load_n(&reached, __ATOMIC_RELAXED);
}

static void note_reg_mr(uint64_t length)
{
	now.reg_mrs++;
	now.reg_mr_bytes += length;
	now.reg_mr_pages += (length + 4095) / 4096;
}

/* A uverbs command written to the device: note REG_MR lengths. */
static void note_command(const void *buf, size_t len)
{
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_reg_mr reg;

	if (len < sizeof(hdr))
		return;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.command & IB_USER_VERBS_CMD_FLAG_EXTENDED)
		return;
	now.cmds++;
	if (hdr.command != IB_USER_VERBS_CMD_REG_MR ||
	    len < sizeof(hdr) + sizeof(reg))
		return;
	memcpy(&reg, (const char *)buf + sizeof(hdr), sizeof(reg));
	note_reg_mr(reg.length);
}

/*
 * The same for a command sent by RDMA_VERBS_IOCTL (the kernel's ioctl
 * ABI): a write() command carried by INVOKE_WRITE, or the MR methods.
 */
static void note_ioctl(const struct ib_uverbs_ioctl_hdr *hdr)
{
	const struct ib_uverbs_attr *a = hdr->attrs;
	uint64_t cmd = ~0ULL, length = 0;
	const void *core = NULL;
	unsigned int i;

	now.cmds++;
	for (i = 0; i < hdr->num_attrs; i++) {
		if (hdr->object_id == UVERBS_OBJECT_DEVICE &&
		    hdr->method_id == UVERBS_METHOD_INVOKE_WRITE) {
			if (a[i].attr_id == UVERBS_ATTR_WRITE_CMD)
				cmd = a[i].data;
			else if (a[i].attr_id == UVERBS_ATTR_CORE_IN &&
				 a[i].len >= sizeof(struct ib_uverbs_reg_mr))
				core = (const void *)(uintptr_t)a[i].data;
		} else if (hdr->object_id == UVERBS_OBJECT_MR &&
			   ((hdr->method_id == UVERBS_METHOD_REG_MR &&
			     a[i].attr_id == UVERBS_ATTR_REG_MR_LENGTH) ||
			    (hdr->method_id == UVERBS_METHOD_REG_DMABUF_MR &&
			     a[i].attr_id == UVERBS_ATTR_REG_DMABUF_MR_LENGTH))) {
			length = a[i].data;
		}
	}
	if (cmd == IB_USER_VERBS_CMD_REG_MR && core) {
		struct ib_uverbs_reg_mr reg;

		memcpy(&reg, core, sizeof(reg));
		note_reg_mr(reg.length);
	} else if (length) {
		note_reg_mr(length);
	}
}

ssize_t write(int fd, const void *buf, size_t len)
{
	NEXT(write, ssize_t, int, const void *, size_t);
	bool counted = enter(NULL);
	ssize_t ret;

	if (counted)
		note_command(buf, len);
	ret = next_write(fd, buf, len);
	leave();
	return ret;
}

ssize_t read(int fd, void *buf, size_t len)
{
	NEXT(read, ssize_t, int, void *, size_t);

	return COUNTED(NULL, next_read(fd, buf, len));
}

int ioctl(int fd, unsigned long req, ...)
{
	NEXT(ioctl, int, int, unsigned long, void *);
	va_list ap;
	void *arg;
	bool counted;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	counted = enter(&now.ioctls);
	if (counted && req == RDMA_VERBS_IOCTL && arg)
		note_ioctl(arg);
	ret = next_ioctl(fd, req, arg);
	leave();
	return ret;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	NEXT(mmap, void *, void *, size_t, int, int, int, off_t);

	return COUNTED(&now.mmaps, next_mmap(addr, len, prot, flags, fd, off));
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	NEXT(mmap64, void *, void *, size_t, int, int, int, off_t);

	return COUNTED(&now.mmaps,
		       next_mmap64(addr, len, prot, flags, fd, off));
}

int munmap(void *addr, size_t len)
{
	NEXT(munmap, int, void *, size_t);

	return COUNTED(&now.mmaps, next_munmap(addr, len));
}

int madvise(void *addr, size_t len, int advice)
{
	NEXT(madvise, int, void *, size_t, int);

	return COUNTED(&now.mmaps, next_madvise(addr, len, advice));
}

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	NEXT(mremap, void *, void *, size_t, size_t, int, void *);
	void *target = NULL;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		target = va_arg(ap, void *);
		va_end(ap);
	}
	return COUNTED(&now.mmaps,
		       next_mremap(old, old_len, new_len, flags, target));
}

/* The mode of an open-style call: passed only with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags)                                                    \
	({                                                                 \
		mode_t _mode = 0;                                          \
		va_list _ap;                                               \
		va_start(_ap, flags);                                      \
		if (((flags)&O_CREAT) || ((flags)&O_TMPFILE) == O_TMPFILE) \
			_mode = (mode_t)va_arg(_ap, int);                  \
		va_end(_ap);                                               \
		_mode;                                                     \
	})

int open(const char *path, int flags, ...)
{
	NEXT(open, int, const char *, int, mode_t);
	mode_t mode = MODE_ARG(flags);

	return COUNTED(&now.fd_ops, next_open(path, flags, mode));
}

int open64(const char *path, int flags, ...)
{
	NEXT(open64, int, const char *, int, mode_t);
	mode_t mode = MODE_ARG(flags);

	return COUNTED(&now.fd_ops, next_open64(path, flags, mode));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	NEXT(openat, int, int, const char *, int, mode_t);
	mode_t mode = MODE_ARG(flags);

	return COUNTED(&now.fd_ops, next_openat(dirfd, path, flags, mode));
}

int close(int fd)
{
	NEXT(close, int, int);

	return COUNTED(&now.fd_ops, next_close(fd));
}

int dup(int fd)
{
	NEXT(dup, int, int);

	return COUNTED(&now.fd_ops, next_dup(fd));
}

int fcntl(int fd, int cmd, ...)
{
	NEXT(fcntl, int, int, int, long);
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return COUNTED(&now.fd_ops, next_fcntl(fd, cmd, arg));
}

int ftruncate(int fd, off_t len)
{
	NEXT(ftruncate, int, int, off_t);

	return COUNTED(&now.fd_ops, next_ftruncate(fd, len));
}

int memfd_create(const char *name, unsigned int flags)
{
	NEXT(memfd_create, int, const char *, unsigned int);

	return COUNTED(&now.fd_ops, next_memfd_create(name, flags));
}
