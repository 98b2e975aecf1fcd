// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulated system_cc_shared DMA-buf heap.
 *
 * A buffer is a memfd sized to whole pages, with one private mapping the
 * emulator itself uses (kva). It lives while any fd, any user mapping or
 * any driver reference holds it; all three count in the same refcount.
 * User mappings are recorded in a sorted array so that memory.c can tell,
 * for any address, whether a device may see it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "config.h"
#include "fault.h"
#include "heap.h"
#include "memory.h"

struct emu_dmabuf {
	struct emu_fdobj base;
	uint64_t size;
	void *kva;
	dev_t dev; /* the memfd's inode identifies the buffer */
	ino_t ino;
	struct emu_dmabuf *next;
};

struct shared_map {
	uint64_t start, end; /* [start, end) */
	struct emu_dmabuf *buf;
	uint64_t offset; /* of start within buf */
};

static pthread_mutex_t bufs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_dmabuf *bufs;
static size_t nbufs;

/* Readers are the device (every DMA); writers are mmap/munmap. */
static pthread_rwlock_t maps_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct shared_map *maps;
static size_t nmaps, maps_cap;

/* Keep both locks consistent across fork() (see interpose.c). */
static void heap_prefork(void)
{
	pthread_mutex_lock(&bufs_lock);
	pthread_rwlock_wrlock(&maps_lock);
}

static void heap_postfork_parent(void)
{
	pthread_rwlock_unlock(&maps_lock);
	pthread_mutex_unlock(&bufs_lock);
}

/*
 * In the child the locker's thread id is gone, and glibc's rwlock unlock
 * tells a writer by its thread id: start over with fresh locks instead.
 */
static void heap_postfork_child(void)
{
	pthread_rwlock_init(&maps_lock, NULL);
	pthread_mutex_init(&bufs_lock, NULL);
}

__attribute__((constructor)) static void heap_init(void)
{
	pthread_atfork(heap_prefork, heap_postfork_parent, heap_postfork_child);
}

/* ---- the heap device node ------------------------------------------ */

static void heap_dev_release(struct emu_fdobj *obj)
{
	/* The node object is static; nothing to free. */
}

static struct emu_fdobj heap_dev = {
	.kind = EMU_FD_HEAP_DEV,
	.release = heap_dev_release,
};

int emu_heap_open_dev(int flags)
{
	int fd, ret;

	if (!emu_config()->cc) {
		errno = ENOENT;
		return -1;
	}
	fd = emu_real_openat(AT_FDCWD, "/dev/null",
			     O_RDWR | (flags & (O_CLOEXEC | O_NONBLOCK)), 0);
	if (fd < 0)
		return -1;
	/* Keep the static object from ever reaching zero. */
	if (!atomic_load(&heap_dev.refs))
		emu_fdobj_get(&heap_dev);
	ret = emu_fd_install(fd, &heap_dev);
	if (ret) {
		emu_real_close(fd);
		errno = -ret;
		return -1;
	}
	return fd;
}

/* ---- buffers --------------------------------------------------------- */

static void dmabuf_release(struct emu_fdobj *obj)
{
	struct emu_dmabuf *b = (struct emu_dmabuf *)obj, **pp;

	pthread_mutex_lock(&bufs_lock);
	for (pp = &bufs; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			nbufs--;
			break;
		}
	}
	pthread_mutex_unlock(&bufs_lock);
	emu_real_munmap(b->kva, b->size);
	free(b);
}

/*
 * A new buffer of @len bytes (rounded up to pages) and the fd that is the
 * application's DMA-buf handle. The emulator keeps no fd of its own, so a
 * buffer costs the application one fd, as on a real kernel.
 */
static struct emu_dmabuf *dmabuf_create(uint64_t len, bool cloexec, int *fdp)
{
	struct emu_dmabuf *b;
	struct stat st;
	int fd, err;

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->base.kind = EMU_FD_DMABUF;
	b->base.release = dmabuf_release;
	b->size = (len + EMU_PAGE_SIZE - 1) & EMU_PAGE_MASK;
	b->kva = MAP_FAILED;
	fd = memfd_create("irdma-emu-dmabuf", cloexec ? MFD_CLOEXEC : 0);
	if (fd < 0)
		goto err;
	if (ftruncate(fd, b->size) || emu_real_fstat(fd, &st))
		goto err;
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	b->kva = emu_real_mmap(NULL, b->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);
	if (b->kva == MAP_FAILED)
		goto err;
	pthread_mutex_lock(&bufs_lock);
	b->next = bufs;
	bufs = b;
	nbufs++;
	pthread_mutex_unlock(&bufs_lock);
	*fdp = fd;
	return b;
err:
	err = errno;
	if (fd >= 0)
		emu_real_close(fd);
	free(b);
	errno = err == EFBIG || err == EINVAL ? ENOMEM : err;
	return NULL;
}

/*
 * DMA_HEAP_IOCTL_ALLOC, with the kernel's checks: no fd passed in, only
 * access mode and O_CLOEXEC as fd flags, no heap flags, non-zero length.
 */
static int heap_alloc(void *arg)
{
	struct dma_heap_allocation_data req;
	struct emu_dmabuf *b;
	int fd, ret, err;

	if (emu_mem_read(&req, (uintptr_t)arg, sizeof(req)))
		return -EFAULT;
	if (req.fd || (req.fd_flags & ~(O_CLOEXEC | O_ACCMODE)) ||
	    req.heap_flags || !req.len)
		return -EINVAL;
	if (req.len > (1ULL << 40))
		return -ENOMEM;
	err = emu_fault_should_fail(EMU_FAULT_HEAP);
	if (err)
		return -err;
	b = dmabuf_create(req.len, req.fd_flags & O_CLOEXEC, &fd);
	if (!b)
		return -errno;
	ret = emu_fd_install(fd, &b->base);
	if (!ret) {
		req.fd = fd;
		ret = emu_mem_write((uintptr_t)arg, &req, sizeof(req));
		if (!ret)
			return 0;
		/* The caller cannot learn the fd: take it back. */
		close(fd);
		return ret;
	}
	emu_real_close(fd);
	atomic_store(&b->base.refs, 1);
	emu_fdobj_put(&b->base);
	return ret;
}

static int dmabuf_sync(void *arg)
{
	struct dma_buf_sync sync;

	if (emu_mem_read(&sync, (uintptr_t)arg, sizeof(sync)))
		return -EFAULT;
	if ((sync.flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK) ||
	    !(sync.flags & DMA_BUF_SYNC_RW))
		return -EINVAL;
	/* Memory is coherent here; the fence is a no-op. */
	return 0;
}

int emu_heap_ioctl(struct emu_fdobj *obj, unsigned long req, void *arg)
{
	int ret = -ENOTTY;

	if (obj->kind == EMU_FD_HEAP_DEV && req == DMA_HEAP_IOCTL_ALLOC)
		ret = heap_alloc(arg);
	else if (obj->kind == EMU_FD_DMABUF && req == DMA_BUF_IOCTL_SYNC)
		ret = dmabuf_sync(arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

struct emu_fdobj *emu_heap_lookup_fd(int fd)
{
	struct emu_dmabuf *b;
	struct stat st;

	if (!__atomic_load_n(&nbufs, __ATOMIC_RELAXED) ||
	    emu_real_fstat(fd, &st))
		return NULL;
	pthread_mutex_lock(&bufs_lock);
	for (b = bufs; b; b = b->next) {
		if (b->dev == st.st_dev && b->ino == st.st_ino) {
			emu_fdobj_get(&b->base);
			break;
		}
	}
	pthread_mutex_unlock(&bufs_lock);
	return b ? &b->base : NULL;
}

/* ---- recorded mappings ------------------------------------------------ */

/* Index of the first mapping with end > va. Caller holds maps_lock. */
static size_t maps_search(uint64_t va)
{
	size_t lo = 0, hi = nmaps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (maps[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int maps_insert_locked(const struct shared_map *m)
{
	size_t at;

	if (nmaps == maps_cap) {
		size_t cap = maps_cap ? maps_cap * 2 : 64;
		struct shared_map *n = realloc(maps, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		maps = n;
		maps_cap = cap;
	}
	at = maps_search(m->start);
	memmove(&maps[at + 1], &maps[at], (nmaps - at) * sizeof(*maps));
	maps[at] = *m;
	nmaps++;
	return 0;
}

/*
 * Cut [start, end) out of the records. Buffers whose last mapping goes
 * away are collected in @drop (one reference each) for the caller to put
 * outside the lock. Returns the number collected.
 */
static size_t maps_cut_locked(uint64_t start, uint64_t end,
			      struct emu_dmabuf **drop, size_t max_drop,
			      bool *incomplete)
{
	size_t i = maps_search(start), ndrop = 0;

	while (i < nmaps && maps[i].start < end) {
		struct shared_map *m = &maps[i];

		if (m->start < start && m->end > end) {
			/* A hole in the middle: split into two records. */
			struct shared_map tail = *m;

			tail.offset += end - m->start;
			tail.start = end;
			m->end = start;
			if (maps_insert_locked(&tail)) {
				/* Out of memory: the tail counts as private. */
				*incomplete = true;
				return ndrop;
			}
			emu_fdobj_get(&tail.buf->base);
			return ndrop;
		}
		if (m->start < start) {
			m->end = start;
			i++;
			continue;
		}
		if (m->end > end) {
			m->offset += end - m->start;
			m->start = end;
			break;
		}
		if (ndrop == max_drop) {
			*incomplete = true;
			break;
		}
		drop[ndrop++] = m->buf;
		memmove(m, m + 1, (nmaps - i - 1) * sizeof(*maps));
		nmaps--;
	}
	return ndrop;
}

void emu_heap_unmapped(void *addr, size_t len)
{
	uint64_t start = (uintptr_t)addr, end = start + len;
	struct emu_dmabuf *drop[32];
	bool incomplete;
	size_t n, i;

	if (!len)
		return;
	do {
		incomplete = false;
		pthread_rwlock_wrlock(&maps_lock);
		n = nmaps ? maps_cut_locked(start, end, drop, 32, &incomplete) :
			    0;
		pthread_rwlock_unlock(&maps_lock);
		for (i = 0; i < n; i++)
			emu_fdobj_put(&drop[i]->base);
	} while (incomplete && n);
}

void *emu_heap_mmap(struct emu_fdobj *obj, void *addr, size_t len, int prot,
		    int flags, int fd, off_t off)
{
	struct emu_dmabuf *b = (struct emu_dmabuf *)obj;
	struct shared_map m;
	uint64_t pages;
	void *ret;
	int err;

	pages = (len + EMU_PAGE_SIZE - 1) & EMU_PAGE_MASK;
	if (!len || off < 0 || (off & ~EMU_PAGE_MASK) ||
	    (uint64_t)off > b->size || pages > b->size - off) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	ret = emu_real_mmap(addr, len, prot, flags, fd, off);
	if (ret == MAP_FAILED)
		return ret;
	/* Whatever was mapped there before is gone. */
	emu_heap_unmapped(ret, pages);
	/* A private COW copy is ordinary (encrypted) guest memory. */
	if (!(flags & MAP_SHARED))
		return ret;
	m.start = (uintptr_t)ret;
	m.end = m.start + pages;
	m.buf = b;
	m.offset = off;
	emu_fdobj_get(&b->base);
	pthread_rwlock_wrlock(&maps_lock);
	err = maps_insert_locked(&m);
	pthread_rwlock_unlock(&maps_lock);
	if (err) {
		emu_fdobj_put(&b->base);
		emu_real_munmap(ret, len);
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return ret;
}

size_t emu_heap_shared_prefix(uint64_t va, size_t len, uint64_t *next_shared)
{
	uint64_t cur = va, end = va + len;
	size_t i;

	pthread_rwlock_rdlock(&maps_lock);
	i = maps_search(va);
	/* Walk adjacent records: one range may span two mappings. */
	while (cur < end && i < nmaps && maps[i].start <= cur) {
		cur = maps[i].end;
		i++;
	}
	if (cur == va)
		*next_shared = i < nmaps ? maps[i].start : UINT64_MAX;
	pthread_rwlock_unlock(&maps_lock);
	if (cur > end)
		cur = end;
	return cur - va;
}

size_t emu_heap_live_buffers(void)
{
	size_t n;

	pthread_mutex_lock(&bufs_lock);
	n = nbufs;
	pthread_mutex_unlock(&bufs_lock);
	return n;
}

size_t emu_heap_live_mappings(void)
{
	size_t n;

	pthread_rwlock_rdlock(&maps_lock);
	n = nmaps;
	pthread_rwlock_unlock(&maps_lock);
	return n;
}

/* ---- the driver's view ------------------------------------------------ */

static struct emu_dmabuf *dmabuf_from_fd(int fd)
{
	struct emu_fdobj *obj = emu_fd_get(fd);

	if (obj && obj->kind != EMU_FD_DMABUF) {
		emu_fdobj_put(obj);
		return NULL;
	}
	if (!obj)
		obj = emu_heap_lookup_fd(fd);
	return (struct emu_dmabuf *)obj;
}

struct emu_dmabuf *emu_dmabuf_get(int fd, uint64_t *size, void **kva)
{
	struct emu_dmabuf *b = dmabuf_from_fd(fd);

	if (!b) {
		errno = EBADF;
		return NULL;
	}
	*size = b->size;
	*kva = b->kva;
	return b;
}

int emu_dmabuf_user_va(const struct emu_dmabuf *buf, uint64_t offset,
		       uint64_t len, uint64_t *va)
{
	int ret = -ENOENT;
	size_t i;

	pthread_rwlock_rdlock(&maps_lock);
	for (i = 0; i < nmaps; i++) {
		const struct shared_map *m = &maps[i];

		if (m->buf == buf && m->offset <= offset &&
		    len <= m->end - m->start &&
		    offset - m->offset <= m->end - m->start - len) {
			*va = m->start + (offset - m->offset);
			ret = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&maps_lock);
	return ret;
}

void emu_dmabuf_put(struct emu_dmabuf *buf)
{
	if (buf)
		emu_fdobj_put(&buf->base);
}

int emu_dmabuf_resolve(int fd, uint64_t *size, void **kva)
{
	struct emu_dmabuf *b = dmabuf_from_fd(fd);

	if (!b)
		return -EBADF;
	*size = b->size;
	*kva = b->kva;
	/*
	 * The fd still holds the buffer; the address stays valid until the
	 * process lets go of it. Use emu_dmabuf_get() to hold it longer.
	 */
	emu_fdobj_put(&b->base);
	return 0;
}
