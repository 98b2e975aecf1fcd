// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * libc interposer: turns /dev/infiniband/uverbsN and the DMA-buf heap into
 * emulated devices inside an unmodified process.
 *
 * Only absolute paths under /dev/infiniband and /dev/dma_heap are
 * emulated; nothing of the host's RDMA devices (or RDMA netlink) is ever
 * visible (netlink.c answers RDMA netlink for the emulated devices). A
 * uverbs fd's ioctl() goes to the emulated kernel (RDMA_VERBS_IOCTL), whose
 * --kernel old answers ENOTTY as a kernel without the ioctl uAPI does:
 * libibverbs then issues every command through write().
 *
 * Calls made by the driver half from inside an emu_kernel_* function go
 * straight to libc (driver_depth): the driver's own mmap/munmap/close must
 * not loop back into it.
 *
 * Fork: the child inherits the fds and a copy of this table, but not the
 * driver's threads, so it must never call into the driver for its parent's
 * device files: on an inherited uverbs fd, write() fails with EIO and
 * mmap() with ENODEV, and closing it only drops the fd (the parent's
 * context lives on, as with a real device whose file the parent still
 * holds). Opening the device anew in the child works. DMA-bufs are plain
 * memfds and stay fully usable in the child. Exec drops the table; an
 * inherited non-CLOEXEC device fd then acts as /dev/null.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/netlink.h>

#include "config.h"
#include "fault.h"
#include "heap.h"
#include "interpose.h"
#include "netlink.h"
#include "sysfs.h"

/* Every symbol we define is exported on purpose; give them prototypes. */
#define EMU_EXPORT __attribute__((visibility("default")))

/* ---- the real libc ------------------------------------------------- */

#define REAL_FN(ret, name, ...)                                \
	static ret (*real_##name)(__VA_ARGS__);                \
	static ret (*get_##name(void))(__VA_ARGS__)            \
	{                                                      \
		if (!real_##name)                              \
			real_##name = dlsym(RTLD_NEXT, #name); \
		return real_##name;                            \
	}

REAL_FN(int, openat, int, const char *, int, ...)
REAL_FN(int, close, int)
REAL_FN(int, dup, int)
REAL_FN(int, dup2, int, int)
REAL_FN(int, dup3, int, int, int)
REAL_FN(int, fcntl, int, int, ...)
REAL_FN(int, ioctl, int, unsigned long, ...)
REAL_FN(ssize_t, write, int, const void *, size_t)
REAL_FN(void *, mmap, void *, size_t, int, int, int, off_t)
REAL_FN(int, munmap, void *, size_t)
REAL_FN(int, fstat, int, struct stat *)
REAL_FN(int, fstatat, int, const char *, struct stat *, int)
REAL_FN(int, statx, int, const char *, int, unsigned int, struct statx *)
REAL_FN(int, faccessat, int, const char *, int, int)
REAL_FN(int, socket, int, int, int)
REAL_FN(int, close_range, unsigned int, unsigned int, int)
REAL_FN(void, closefrom, int)
REAL_FN(void *, mremap, void *, size_t, size_t, int, ...)

/* A missing libc symbol is an emulator bug; say so instead of crashing. */
#define CALL_REAL(name, fail, ...)                          \
	({                                                  \
		__typeof__(real_##name) fn_ = get_##name(); \
		if (!fn_) {                                 \
			errno = ENOSYS;                     \
		}                                           \
		fn_ ? fn_(__VA_ARGS__) : (fail);            \
	})

/*
 * The one optional argument, of @type, that a variadic libc call takes
 * after its last named parameter @last.
 */
#define VA_ONE_ARG(last, type)            \
	({                                \
		va_list ap_;              \
		type arg_;                \
		va_start(ap_, last);      \
		arg_ = va_arg(ap_, type); \
		va_end(ap_);              \
		arg_;                     \
	})

int emu_real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return CALL_REAL(openat, -1, dirfd, path, flags, mode);
}

int emu_real_close(int fd)
{
	return CALL_REAL(close, -1, fd);
}

int emu_real_fstat(int fd, struct stat *st)
{
	return CALL_REAL(fstat, -1, fd, st);
}

int emu_real_fcntl(int fd, int cmd, long arg)
{
	return CALL_REAL(fcntl, -1, fd, cmd, arg);
}

void *emu_real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	return CALL_REAL(mmap, MAP_FAILED, addr, len, prot, flags, fd, off);
}

int emu_real_munmap(void *addr, size_t len)
{
	return CALL_REAL(munmap, -1, addr, len);
}

static __thread unsigned int driver_depth;

static inline void driver_enter(void)
{
	driver_depth++;
}

static inline void driver_leave(void)
{
	driver_depth--;
}

/*
 * IRDMA_EMU_TRACE=1 logs every uverbs write() command and ioctl to stderr:
 * the way to check that libibverbs really took the write() path.
 */
static int trace_enabled = -1;

static bool tracing(void)
{
	if (trace_enabled < 0) {
		const char *v = getenv("IRDMA_EMU_TRACE");

		trace_enabled = v && *v && strcmp(v, "0");
	}
	return trace_enabled;
}

/* ---- the fd table ------------------------------------------------- */

static struct emu_fdobj *fd_table[EMU_FD_TABLE_SIZE];
static atomic_uint fd_table_used;
static pthread_mutex_t fd_table_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * fork() while another thread holds the table lock would leave the child
 * with a lock nobody will release: hold it across fork instead.
 */
static void fd_table_prefork(void)
{
	pthread_mutex_lock(&fd_table_lock);
}

static void fd_table_postfork(void)
{
	pthread_mutex_unlock(&fd_table_lock);
}

/* The child is single-threaded: a fresh lock is the safest unlock. */
static void fd_table_postfork_child(void)
{
	pthread_mutex_init(&fd_table_lock, NULL);
}

__attribute__((constructor)) static void fd_table_init(void)
{
	pthread_atfork(fd_table_prefork, fd_table_postfork,
		       fd_table_postfork_child);
}

void emu_fdobj_get(struct emu_fdobj *obj)
{
	atomic_fetch_add(&obj->refs, 1);
}

void emu_fdobj_put(struct emu_fdobj *obj)
{
	if (obj && atomic_fetch_sub(&obj->refs, 1) == 1)
		obj->release(obj);
}

int emu_fd_install(int fd, struct emu_fdobj *obj)
{
	struct emu_fdobj *old;

	if (fd < 0 || fd >= EMU_FD_TABLE_SIZE)
		return -EMFILE;
	emu_fdobj_get(obj);
	pthread_mutex_lock(&fd_table_lock);
	old = fd_table[fd];
	fd_table[fd] = obj;
	if (!old)
		atomic_fetch_add(&fd_table_used, 1);
	pthread_mutex_unlock(&fd_table_lock);
	/* A stale entry means an fd was closed behind our back (raw syscall). */
	emu_fdobj_put(old);
	return 0;
}

struct emu_fdobj *emu_fd_get(int fd)
{
	struct emu_fdobj *obj;

	if (fd < 0 || fd >= EMU_FD_TABLE_SIZE || !atomic_load(&fd_table_used))
		return NULL;
	pthread_mutex_lock(&fd_table_lock);
	obj = fd_table[fd];
	if (obj)
		emu_fdobj_get(obj);
	pthread_mutex_unlock(&fd_table_lock);
	return obj;
}

/* Remove @fd's entry; the table's reference passes to the caller. */
static struct emu_fdobj *fd_take(int fd)
{
	struct emu_fdobj *obj;

	if (fd < 0 || fd >= EMU_FD_TABLE_SIZE || !atomic_load(&fd_table_used))
		return NULL;
	pthread_mutex_lock(&fd_table_lock);
	obj = fd_table[fd];
	fd_table[fd] = NULL;
	if (obj)
		atomic_fetch_sub(&fd_table_used, 1);
	pthread_mutex_unlock(&fd_table_lock);
	return obj;
}

/* After a successful dup of @oldfd to @newfd, mirror its entry. */
static int fd_mirror(int oldfd, int newfd)
{
	struct emu_fdobj *obj = emu_fd_get(oldfd);
	int ret;

	if (!obj)
		return newfd;
	ret = emu_fd_install(newfd, obj);
	emu_fdobj_put(obj);
	if (ret) {
		emu_real_close(newfd);
		errno = -ret;
		return -1;
	}
	return newfd;
}

/* ---- uverbs device files ------------------------------------------ */

struct uverbs_obj {
	struct emu_fdobj base;
	struct emu_file *file;
	unsigned int devidx;
	pid_t owner; /* the process whose driver state @file is */
};

/* False in a forked child: the driver state is a stale copy there. */
static bool uverbs_is_ours(const struct uverbs_obj *u)
{
	return u->owner == getpid();
}

static void uverbs_release(struct emu_fdobj *base)
{
	struct uverbs_obj *u = (struct uverbs_obj *)base;

	if (uverbs_is_ours(u)) {
		driver_enter();
		emu_kernel_close(u->file);
		driver_leave();
	}
	free(u);
}

static int open_uverbs(unsigned int idx, int flags)
{
	struct uverbs_obj *u;
	int fd, ret, err;

	if ((flags & O_ACCMODE) != O_RDWR && (flags & O_ACCMODE) != O_RDONLY &&
	    (flags & O_ACCMODE) != O_WRONLY) {
		errno = EINVAL;
		return -1;
	}
	/* As for any existing char device: O_TRUNC and plain O_CREAT pass. */
	if (flags & O_DIRECTORY) {
		errno = ENOTDIR;
		return -1;
	}
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		errno = EEXIST;
		return -1;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		errno = ENOMEM;
		return -1;
	}
	/* A real fd so that poll/close/dup/fork work; /dev/null never blocks. */
	fd = emu_real_openat(AT_FDCWD, "/dev/null",
			     O_RDWR | (flags & (O_CLOEXEC | O_NONBLOCK)), 0);
	if (fd < 0) {
		free(u);
		return -1;
	}
	driver_enter();
	u->file = emu_kernel_open(idx, fd);
	err = errno;
	driver_leave();
	if (!u->file) {
		free(u);
		emu_real_close(fd);
		errno = err ? err : ENODEV;
		return -1;
	}
	u->base.kind = EMU_FD_UVERBS;
	u->base.release = uverbs_release;
	u->devidx = idx;
	u->owner = getpid();
	ret = emu_fd_install(fd, &u->base);
	if (ret) {
		uverbs_release(&u->base);
		emu_real_close(fd);
		errno = -ret;
		return -1;
	}
	return fd;
}

/* ---- path classification ------------------------------------------ */

enum dev_path {
	PATH_REAL, /* not ours: pass to libc */
	PATH_MISSING, /* an emulated directory's non-existent entry */
	PATH_IB_DIR, /* /dev/infiniband */
	PATH_UVERBS, /* /dev/infiniband/uverbs<idx> */
	PATH_HEAP_DIR, /* /dev/dma_heap (with cc) */
	PATH_HEAP, /* /dev/dma_heap/system_cc_shared (with cc) */
};

#define IB_DIR "/dev/infiniband"

static bool path_is(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) &&
	       (path[n] == 0 || (path[n] == '/' && path[n + 1] == 0));
}

static enum dev_path classify(const char *path, unsigned int *idx)
{
	const struct emu_config *cfg;
	const char *name;
	unsigned long v;
	char *end;

	if (!path || path[0] != '/' || strncmp(path, "/dev/", 5))
		return PATH_REAL;
	cfg = emu_config();
	if (path_is(path, IB_DIR))
		return PATH_IB_DIR;
	if (!strncmp(path, IB_DIR "/", sizeof(IB_DIR))) {
		name = path + sizeof(IB_DIR);
		if (strncmp(name, "uverbs", 6) || name[6] < '0' ||
		    name[6] > '9')
			return PATH_MISSING;
		errno = 0;
		v = strtoul(name + 6, &end, 10);
		if (*end || errno || v >= cfg->ndevices ||
		    (name[6] == '0' && name[7]))
			return PATH_MISSING;
		*idx = v;
		return PATH_UVERBS;
	}
	if (!strcmp(path, EMU_HEAP_PATH))
		return cfg->cc ? PATH_HEAP : PATH_MISSING;
	if (cfg->cc && path_is(path, EMU_HEAP_DIR))
		return PATH_HEAP_DIR;
	return PATH_REAL;
}

/* A plausible devtmpfs inode for an emulated node. */
static void fake_stat(struct stat *st, mode_t mode, dev_t rdev, ino_t ino)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, 5);
	st->st_ino = ino;
	st->st_mode = mode;
	st->st_nlink = S_ISDIR(mode) ? 2 : 1;
	st->st_rdev = rdev;
	st->st_blksize = 4096;
}

#define EMU_INO_BASE 0x6972646d00ULL

/* stat() of a classified path; returns -1 with errno or 0. */
static int stat_emulated(enum dev_path kind, unsigned int idx, struct stat *st)
{
	switch (kind) {
	case PATH_MISSING:
		errno = ENOENT;
		return -1;
	case PATH_IB_DIR:
		fake_stat(st, S_IFDIR | 0755, 0, EMU_INO_BASE);
		return 0;
	case PATH_UVERBS:
		fake_stat(st, S_IFCHR | 0666, emu_dev_uverbs_rdev(idx),
			  EMU_INO_BASE + 1 + idx);
		return 0;
	case PATH_HEAP_DIR:
		fake_stat(st, S_IFDIR | 0755, 0, EMU_INO_BASE + 0x100);
		return 0;
	case PATH_HEAP:
		fake_stat(st, S_IFCHR | 0666,
			  makedev(EMU_HEAP_MAJOR, EMU_HEAP_MINOR),
			  EMU_INO_BASE + 0x101);
		return 0;
	default:
		errno = EINVAL;
		return -1;
	}
}

static int open_emulated(enum dev_path kind, unsigned int idx, int flags)
{
	switch (kind) {
	case PATH_MISSING:
		errno = (flags & O_CREAT) ? EACCES : ENOENT;
		return -1;
	case PATH_IB_DIR:
	case PATH_HEAP_DIR:
		/* Nobody lists them; refusing beats showing the host's. */
		errno = EACCES;
		return -1;
	case PATH_UVERBS:
		return open_uverbs(idx, flags);
	case PATH_HEAP:
		return emu_heap_open_dev(flags);
	default:
		errno = EINVAL;
		return -1;
	}
}

/* ---- open ---------------------------------------------------------- */

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	enum dev_path kind;
	unsigned int idx = 0;

	if (driver_depth)
		return emu_real_openat(dirfd, path, flags, mode);
	kind = classify(path, &idx);
	if (kind == PATH_REAL)
		return emu_real_openat(dirfd, path, flags, mode);
	return open_emulated(kind, idx, flags);
}

EMU_EXPORT int open(const char *path, int flags, ...);
EMU_EXPORT int open64(const char *path, int flags, ...);
EMU_EXPORT int openat(int dirfd, const char *path, int flags, ...);
EMU_EXPORT int openat64(int dirfd, const char *path, int flags, ...);
EMU_EXPORT int __open_2(const char *path, int flags);
EMU_EXPORT int __open64_2(const char *path, int flags);
EMU_EXPORT int __openat_2(int dirfd, const char *path, int flags);
EMU_EXPORT int __openat64_2(int dirfd, const char *path, int flags);

/* The mode argument of a variadic open: only there with O_CREAT/O_TMPFILE. */
#define VA_OPEN_MODE(flags) \
	((flags) & (O_CREAT | __O_TMPFILE) ? VA_ONE_ARG(flags, mode_t) : 0)

int open(const char *path, int flags, ...)
{
	return do_openat(AT_FDCWD, path, flags, VA_OPEN_MODE(flags));
}

int open64(const char *path, int flags, ...)
{
	return do_openat(AT_FDCWD, path, flags | O_LARGEFILE,
			 VA_OPEN_MODE(flags));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	return do_openat(dirfd, path, flags, VA_OPEN_MODE(flags));
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	return do_openat(dirfd, path, flags | O_LARGEFILE, VA_OPEN_MODE(flags));
}

int __open_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags, 0);
}

int __open64_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags | O_LARGEFILE, 0);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags | O_LARGEFILE, 0);
}

/* ---- stat family --------------------------------------------------- */

/* fstat of a table fd: the node it was opened from, not /dev/null. */
static bool fstat_emulated(int fd, struct stat *st, int *ret)
{
	struct emu_fdobj *obj = emu_fd_get(fd);

	if (!obj)
		return false;
	switch (obj->kind) {
	case EMU_FD_UVERBS:
		*ret = stat_emulated(PATH_UVERBS,
				     ((struct uverbs_obj *)obj)->devidx, st);
		break;
	case EMU_FD_HEAP_DEV:
		*ret = stat_emulated(PATH_HEAP, 0, st);
		break;
	default:
		emu_fdobj_put(obj);
		return false; /* DMA-bufs: the memfd's own inode */
	}
	emu_fdobj_put(obj);
	return true;
}

static int do_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	enum dev_path kind;
	unsigned int idx = 0;
	int ret;

	if (driver_depth)
		return CALL_REAL(fstatat, -1, dirfd, path, st, flags);
	if ((flags & AT_EMPTY_PATH) && path && !path[0] &&
	    fstat_emulated(dirfd, st, &ret))
		return ret;
	kind = classify(path, &idx);
	if (kind == PATH_REAL)
		return CALL_REAL(fstatat, -1, dirfd, path, st, flags);
	return stat_emulated(kind, idx, st);
}

EMU_EXPORT int stat(const char *path, struct stat *st);
EMU_EXPORT int stat64(const char *path, struct stat64 *st);
EMU_EXPORT int lstat(const char *path, struct stat *st);
EMU_EXPORT int lstat64(const char *path, struct stat64 *st);
EMU_EXPORT int fstat(int fd, struct stat *st);
EMU_EXPORT int fstat64(int fd, struct stat64 *st);
EMU_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int fl);
EMU_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st,
			 int fl);
EMU_EXPORT int __xstat(int ver, const char *path, struct stat *st);
EMU_EXPORT int __xstat64(int ver, const char *path, struct stat *st);
EMU_EXPORT int __lxstat(int ver, const char *path, struct stat *st);
EMU_EXPORT int __lxstat64(int ver, const char *path, struct stat *st);
EMU_EXPORT int __fxstat(int ver, int fd, struct stat *st);
EMU_EXPORT int __fxstat64(int ver, int fd, struct stat *st);
EMU_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
			  int fl);
EMU_EXPORT int __fxstatat64(int ver, int dirfd, const char *path,
			    struct stat *st, int fl);
EMU_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask,
		     struct statx *stx);
EMU_EXPORT int access(const char *path, int mode);
EMU_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags);

/* On x86-64 (LP64) struct stat64 and struct stat are the same layout. */
_Static_assert(sizeof(struct stat64) == sizeof(struct stat),
	       "stat64 and stat differ on this ABI");

int stat(const char *path, struct stat *st)
{
	return do_fstatat(AT_FDCWD, path, st, 0);
}

int stat64(const char *path, struct stat64 *st)
{
	return do_fstatat(AT_FDCWD, path, (struct stat *)st, 0);
}

int lstat(const char *path, struct stat *st)
{
	return do_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

int lstat64(const char *path, struct stat64 *st)
{
	return do_fstatat(AT_FDCWD, path, (struct stat *)st,
			  AT_SYMLINK_NOFOLLOW);
}

int fstat(int fd, struct stat *st)
{
	int ret;

	if (!driver_depth && fstat_emulated(fd, st, &ret))
		return ret;
	return emu_real_fstat(fd, st);
}

int fstat64(int fd, struct stat64 *st)
{
	return fstat(fd, (struct stat *)st);
}

int fstatat(int dirfd, const char *path, struct stat *st, int fl)
{
	return do_fstatat(dirfd, path, st, fl);
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int fl)
{
	return do_fstatat(dirfd, path, (struct stat *)st, fl);
}

/*
 * Pre-2.33 binaries call the versioned __xstat family. On x86-64 every
 * version value describes the same struct stat, so they all map onto the
 * modern entry points above.
 */
int __xstat(int ver, const char *path, struct stat *st)
{
	return do_fstatat(AT_FDCWD, path, st, 0);
}

int __xstat64(int ver, const char *path, struct stat *st)
{
	return do_fstatat(AT_FDCWD, path, st, 0);
}

int __lxstat(int ver, const char *path, struct stat *st)
{
	return do_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

int __lxstat64(int ver, const char *path, struct stat *st)
{
	return do_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

int __fxstat(int ver, int fd, struct stat *st)
{
	return fstat(fd, st);
}

int __fxstat64(int ver, int fd, struct stat *st)
{
	return fstat(fd, st);
}

int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int fl)
{
	return do_fstatat(dirfd, path, st, fl);
}

int __fxstatat64(int ver, int dirfd, const char *path, struct stat *st, int fl)
{
	return do_fstatat(dirfd, path, st, fl);
}

static void stat_to_statx(const struct stat *st, struct statx *stx)
{
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = st->st_blksize;
	stx->stx_nlink = st->st_nlink;
	stx->stx_mode = st->st_mode;
	stx->stx_ino = st->st_ino;
	stx->stx_rdev_major = major(st->st_rdev);
	stx->stx_rdev_minor = minor(st->st_rdev);
	stx->stx_dev_major = major(st->st_dev);
	stx->stx_dev_minor = minor(st->st_dev);
}

int statx(int dirfd, const char *path, int flags, unsigned int mask,
	  struct statx *stx)
{
	struct stat st;
	enum dev_path kind;
	unsigned int idx = 0;
	int ret;

	if (driver_depth)
		return CALL_REAL(statx, -1, dirfd, path, flags, mask, stx);
	if ((flags & AT_EMPTY_PATH) && !path[0] &&
	    fstat_emulated(dirfd, &st, &ret)) {
		if (!ret)
			stat_to_statx(&st, stx);
		return ret;
	}
	kind = classify(path, &idx);
	if (kind == PATH_REAL)
		return CALL_REAL(statx, -1, dirfd, path, flags, mask, stx);
	ret = stat_emulated(kind, idx, &st);
	if (!ret)
		stat_to_statx(&st, stx);
	return ret;
}

int faccessat(int dirfd, const char *path, int mode, int flags)
{
	enum dev_path kind;
	unsigned int idx = 0;
	struct stat st;

	if (driver_depth)
		return CALL_REAL(faccessat, -1, dirfd, path, mode, flags);
	kind = classify(path, &idx);
	if (kind == PATH_REAL)
		return CALL_REAL(faccessat, -1, dirfd, path, mode, flags);
	if (stat_emulated(kind, idx, &st))
		return -1;
	if ((mode & X_OK) && !S_ISDIR(st.st_mode)) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

int access(const char *path, int mode)
{
	return faccessat(AT_FDCWD, path, mode, 0);
}

/* ---- fd lifetime --------------------------------------------------- */

EMU_EXPORT int close(int fd);
EMU_EXPORT int dup(int fd);
EMU_EXPORT int dup2(int oldfd, int newfd);
EMU_EXPORT int dup3(int oldfd, int newfd, int flags);
EMU_EXPORT int fcntl(int fd, int cmd, ...);
EMU_EXPORT int fcntl64(int fd, int cmd, ...);

int close(int fd)
{
	struct emu_fdobj *obj;
	int ret, err;

	if (driver_depth)
		return emu_real_close(fd);
	obj = fd_take(fd);
	ret = emu_real_close(fd);
	err = errno;
	emu_fdobj_put(obj);
	errno = err;
	return ret;
}

int dup(int fd)
{
	int ret = CALL_REAL(dup, -1, fd);

	if (ret < 0 || driver_depth)
		return ret;
	return fd_mirror(fd, ret);
}

/* dup2/dup3 silently close @newfd: release what it was first. */
static int dup_onto(int oldfd, int newfd, int flags, bool is_dup3)
{
	struct emu_fdobj *was;
	int ret, err;

	if (driver_depth || oldfd == newfd)
		return is_dup3 ? CALL_REAL(dup3, -1, oldfd, newfd, flags) :
				 CALL_REAL(dup2, -1, oldfd, newfd);
	ret = is_dup3 ? CALL_REAL(dup3, -1, oldfd, newfd, flags) :
			CALL_REAL(dup2, -1, oldfd, newfd);
	if (ret < 0)
		return ret;
	was = fd_take(newfd);
	err = errno;
	emu_fdobj_put(was);
	errno = err;
	return fd_mirror(oldfd, ret);
}

int dup2(int oldfd, int newfd)
{
	return dup_onto(oldfd, newfd, 0, false);
}

int dup3(int oldfd, int newfd, int flags)
{
	return dup_onto(oldfd, newfd, flags, true);
}

/* Drop the entries of every fd in [lo, hi] (close_range, closefrom). */
static void fd_forget_range(unsigned int lo, unsigned int hi)
{
	unsigned int fd;

	if (hi >= EMU_FD_TABLE_SIZE)
		hi = EMU_FD_TABLE_SIZE - 1;
	for (fd = lo; fd <= hi && atomic_load(&fd_table_used); fd++)
		emu_fdobj_put(fd_take(fd));
}

EMU_EXPORT int close_range(unsigned int lo, unsigned int hi, int flags);
EMU_EXPORT void closefrom(int lo);

int close_range(unsigned int lo, unsigned int hi, int flags)
{
	int ret = CALL_REAL(close_range, -1, lo, hi, flags);

	/* CLOSE_RANGE_CLOEXEC only marks them; they stay open. */
	if (!ret && !driver_depth && !(flags & CLOSE_RANGE_CLOEXEC))
		fd_forget_range(lo, hi);
	return ret;
}

void closefrom(int lo)
{
	void (*fn)(int) = get_closefrom();

	if (!fn)
		return;
	fn(lo);
	if (!driver_depth && lo >= 0)
		fd_forget_range(lo, ~0U);
}

int fcntl(int fd, int cmd, ...)
{
	/* Every fcntl argument is an int, a pointer or absent. */
	long arg = VA_ONE_ARG(cmd, long);
	int ret = emu_real_fcntl(fd, cmd, arg);

	if (ret < 0 || driver_depth ||
	    (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC))
		return ret;
	return fd_mirror(fd, ret);
}

/* On LP64 fcntl64 is fcntl: one definition, two names. */
int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

/* ---- I/O ------------------------------------------------------------ */

EMU_EXPORT ssize_t write(int fd, const void *buf, size_t len);
EMU_EXPORT int ioctl(int fd, unsigned long req, ...);

ssize_t write(int fd, const void *buf, size_t len)
{
	struct emu_fdobj *obj = driver_depth ? NULL : emu_fd_get(fd);
	ssize_t ret;

	if (!obj)
		return CALL_REAL(write, -1, fd, buf, len);
	if (obj->kind != EMU_FD_UVERBS) {
		emu_fdobj_put(obj);
		return CALL_REAL(write, -1, fd, buf, len);
	}
	if (!uverbs_is_ours((struct uverbs_obj *)obj)) {
		emu_fdobj_put(obj);
		errno = EIO;
		return -1;
	}
	driver_enter();
	ret = emu_kernel_write(((struct uverbs_obj *)obj)->file, buf, len);
	driver_leave();
	emu_fdobj_put(obj);
	if (tracing()) {
		uint32_t cmd = 0;

		if (len >= sizeof(cmd))
			memcpy(&cmd, buf, sizeof(cmd));
		fprintf(stderr,
			"irdma-emu: fd %d write cmd 0x%x len %zu -> %zd\n", fd,
			cmd, len, ret);
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

int ioctl(int fd, unsigned long req, ...)
{
	void *arg = VA_ONE_ARG(req, void *);
	struct emu_fdobj *obj;
	int ret;

	obj = driver_depth ? NULL : emu_fd_get(fd);
	if (!obj)
		return CALL_REAL(ioctl, -1, fd, req, arg);
	if (obj->kind == EMU_FD_UVERBS) {
		struct uverbs_obj *u = (struct uverbs_obj *)obj;

		/* the kernel traces what it parsed; say what it refused */
		if (!uverbs_is_ours(u)) {
			ret = -EIO;
		} else {
			driver_enter();
			ret = emu_kernel_ioctl(u->file, req, arg);
			driver_leave();
		}
		if (ret == -ENOTTY && tracing())
			fprintf(stderr,
				"irdma-emu: fd %d ioctl 0x%lx -> ENOTTY\n", fd,
				req);
		if (ret < 0) {
			errno = -ret;
			ret = -1;
		}
	} else {
		ret = emu_heap_ioctl(obj, req, arg);
	}
	emu_fdobj_put(obj);
	return ret;
}

/* ---- memory mappings ------------------------------------------------ */

EMU_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off);
EMU_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
			off_t off);
EMU_EXPORT int munmap(void *addr, size_t len);

static void *mmap_uverbs(struct uverbs_obj *u, void *addr, size_t len, int prot,
			 int flags, off_t off)
{
	void *ret;
	int err = uverbs_is_ours(u) ? emu_fault_should_fail(EMU_FAULT_MMAP) :
				      ENODEV;

	if (err) {
		errno = err;
		return MAP_FAILED;
	}
	driver_enter();
	ret = emu_kernel_mmap(u->file, addr, len, prot, flags, off);
	driver_leave();
	return ret;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct emu_fdobj *obj = NULL;
	void *ret;

	if (driver_depth)
		return emu_real_mmap(addr, len, prot, flags, fd, off);
	if (!(flags & MAP_ANONYMOUS) && fd >= 0) {
		obj = emu_fd_get(fd);
		if (!obj)
			obj = emu_heap_lookup_fd(fd);
	}
	if (!obj) {
		ret = emu_real_mmap(addr, len, prot, flags, fd, off);
		/* MAP_FIXED may have replaced a recorded shared mapping. */
		if (ret != MAP_FAILED && (flags & MAP_FIXED))
			emu_heap_unmapped(ret, len);
		return ret;
	}
	switch (obj->kind) {
	case EMU_FD_UVERBS:
		ret = mmap_uverbs((struct uverbs_obj *)obj, addr, len, prot,
				  flags, off);
		break;
	case EMU_FD_DMABUF:
		ret = emu_heap_mmap(obj, addr, len, prot, flags, fd, off);
		break;
	default:
		errno = ENODEV;
		ret = MAP_FAILED;
		break;
	}
	emu_fdobj_put(obj);
	return ret;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	bool handled = false;
	int ret;

	if (driver_depth)
		return emu_real_munmap(addr, len);
	driver_enter();
	ret = emu_kernel_munmap(addr, len, &handled);
	driver_leave();
	if (handled) {
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
		return ret;
	}
	ret = emu_real_munmap(addr, len);
	if (!ret)
		emu_heap_unmapped(addr, len);
	return ret;
}

EMU_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags,
			...);

/*
 * A moved or resized heap mapping is no longer tracked as shared: both the
 * old and the new range count as private afterwards. That errs towards
 * "the device cannot see it", never towards exposing private memory.
 */
void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL, *ret;

	if (flags & MREMAP_FIXED)
		new_addr = VA_ONE_ARG(flags, void *);
	ret = CALL_REAL(mremap, MAP_FAILED, old, old_len, new_len, flags,
			new_addr);
	if (ret != MAP_FAILED && !driver_depth) {
		emu_heap_unmapped(old, old_len);
		emu_heap_unmapped(ret, new_len);
	}
	return ret;
}

/* ---- netlink -------------------------------------------------------- */

EMU_EXPORT int socket(int domain, int type, int protocol);

/*
 * A libibverbs built with libnl asks RDMA netlink for devices first; the
 * host's would show. netlink.c answers for the emulated devices instead
 * (IRDMA_EMU_NETLINK=0: refused, so libibverbs falls back to our sysfs, as
 * on a kernel without RDMA netlink).
 */
int socket(int domain, int type, int protocol)
{
	if (!driver_depth && domain == AF_NETLINK && protocol == NETLINK_RDMA)
		return emu_netlink_socket(type);
	return CALL_REAL(socket, -1, domain, type, protocol);
}
