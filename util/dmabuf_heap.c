// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Sub-allocating DMA-buf heap helper (see dmabuf_heap.h and
 * docs/dmabuf_heap.md).
 *
 * Free space: one bitmap of pages per slab, first-fit inside a slab, and
 * the fullest slab that can hold the request wins. A buddy allocator was
 * rejected because it rounds to powers of two: rings are often "2^n bytes
 * plus a shadow page", which buddy would nearly double. A page bitmap gives
 * exact page granularity, all state stays in private memory, and every
 * operation costs O(pages in slab / 64) word scans plus O(slabs) to pick a
 * slab (each slab caches its longest free run, so the pick is a compare).
 */
#define _GNU_SOURCE
#include "dmabuf_heap.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/dma-heap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORD_BITS 64U
/* Keeps page indexes in uint32_t; far above any sane ring. */
#define MAX_BUF_PAGES UINT32_MAX
#define MAX_CACHED_LIMIT 65536U

struct slab {
	uint8_t *base;
	size_t len;
	int fd;
	uint32_t npages;
	uint32_t free_pages;
	uint32_t max_run; /* longest free run in pages, kept current */
	bool dedicated; /* holds exactly one buffer, never cached */
	uint64_t *used; /* page belongs to a live buffer */
	uint64_t *head; /* page is the first page of a live buffer */
	uint64_t *dirty; /* page was handed out since the DMA-buf was made */
};

struct dmabuf_heap {
	pthread_mutex_t lock;
	pid_t owner;
	int heap_fd; /* -1 when an alloc_fd hook is the backend */
	dmabuf_heap_alloc_fd_fn alloc_fd;
	void *alloc_fd_ctx;
	size_t page_size;
	size_t slab_size;
	unsigned int max_cached;
	struct slab **slabs; /* sorted by base address for lookup by addr */
	size_t nslabs;
	size_t slabs_cap;
	struct dmabuf_heap_stats stats;
};

/* ---- page bitmaps ---- */

static size_t bitmap_words(size_t nbits)
{
	return (nbits + WORD_BITS - 1) / WORD_BITS;
}

static void bitmap_assign(uint64_t *map, size_t start, size_t n, bool set)
{
	size_t i = start, end = start + n;

	/* Whole words at a time: a dedicated buffer can be many pages. */
	while (i < end) {
		size_t bit = i % WORD_BITS;
		size_t span =
			WORD_BITS - bit < end - i ? WORD_BITS - bit : end - i;
		uint64_t mask =
			(span == WORD_BITS ? ~0ULL : ((1ULL << span) - 1))
			<< bit;

		if (set)
			map[i / WORD_BITS] |= mask;
		else
			map[i / WORD_BITS] &= ~mask;
		i += span;
	}
}

/* First index in [start, nbits) whose bit equals @want, or nbits. */
static size_t bitmap_find(const uint64_t *map, size_t nbits, size_t start,
			  bool want)
{
	size_t i = start / WORD_BITS;
	size_t nwords = bitmap_words(nbits);
	uint64_t word;

	if (start >= nbits)
		return nbits;
	word = want ? map[i] : ~map[i];
	word &= ~0ULL << (start % WORD_BITS);
	for (;;) {
		if (word) {
			size_t bit = i * WORD_BITS + __builtin_ctzll(word);

			return bit < nbits ? bit : nbits;
		}
		if (++i >= nwords)
			return nbits;
		word = want ? map[i] : ~map[i];
	}
}

static bool bitmap_all(const uint64_t *map, size_t start, size_t n, bool want)
{
	return bitmap_find(map, start + n, start, !want) == start + n;
}

/* ---- one slab ---- */

/* First free run of at least @n pages, or npages if there is none. */
static size_t slab_first_fit(const struct slab *s, size_t n)
{
	size_t pos = 0;

	while (pos < s->npages) {
		size_t start = bitmap_find(s->used, s->npages, pos, false);
		size_t end;

		if (start >= s->npages)
			break;
		end = bitmap_find(s->used, s->npages, start, true);
		if (end - start >= n)
			return start;
		pos = end;
	}
	return s->npages;
}

static uint32_t slab_longest_run(const struct slab *s)
{
	size_t pos = 0, best = 0;

	while (pos < s->npages) {
		size_t start = bitmap_find(s->used, s->npages, pos, false);
		size_t end;

		if (start >= s->npages)
			break;
		end = bitmap_find(s->used, s->npages, start, true);
		if (end - start > best)
			best = end - start;
		pos = end;
	}
	return best;
}

static bool slab_is_empty(const struct slab *s)
{
	return s->free_pages == s->npages;
}

/* ---- backend: where DMA-bufs come from ---- */

/* A new DMA-buf of @len bytes in *@fd. Returns 0 or an errno. */
static int backend_alloc_fd(struct dmabuf_heap *heap, size_t len, int *fd)
{
	struct dma_heap_allocation_data req = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	struct stat st;
	int ret;

	if (heap->alloc_fd) {
		*fd = -1;
		ret = heap->alloc_fd(heap->alloc_fd_ctx, len, fd);
		if (ret)
			return ret;
		if (*fd < 0)
			return EIO;
	} else {
		if (ioctl(heap->heap_fd, DMA_HEAP_IOCTL_ALLOC, &req))
			return errno;
		*fd = req.fd;
	}
	/*
	 * Touching a mapping past the end of the object raises SIGBUS, so
	 * refuse a backend that hands out less than asked for.
	 */
	if (fstat(*fd, &st) == 0 && st.st_size > 0 &&
	    (uint64_t)st.st_size < len) {
		close(*fd);
		*fd = -1;
		return EIO;
	}
	return 0;
}

/* ---- the sorted slab array ---- */

/* Index of the slab whose range holds @addr, or -1. */
static ssize_t slab_index_of(const struct dmabuf_heap *heap, const void *addr)
{
	const uint8_t *p = addr;
	size_t lo = 0, hi = heap->nslabs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct slab *s = heap->slabs[mid];

		if (p < s->base)
			hi = mid;
		else if (p >= s->base + s->len)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

static int slabs_reserve_one(struct dmabuf_heap *heap)
{
	struct slab **grown;
	size_t cap;

	if (heap->nslabs < heap->slabs_cap)
		return 0;
	cap = heap->slabs_cap ? heap->slabs_cap * 2 : 16;
	grown = realloc(heap->slabs, cap * sizeof(*grown));
	if (!grown)
		return ENOMEM;
	heap->slabs = grown;
	heap->slabs_cap = cap;
	return 0;
}

static void slabs_insert(struct dmabuf_heap *heap, struct slab *s)
{
	size_t i = 0;

	while (i < heap->nslabs && heap->slabs[i]->base < s->base)
		i++;
	memmove(&heap->slabs[i + 1], &heap->slabs[i],
		(heap->nslabs - i) * sizeof(*heap->slabs));
	heap->slabs[i] = s;
	heap->nslabs++;
}

static void slabs_remove(struct dmabuf_heap *heap, size_t i)
{
	memmove(&heap->slabs[i], &heap->slabs[i + 1],
		(heap->nslabs - i - 1) * sizeof(*heap->slabs));
	heap->nslabs--;
}

/* ---- slab life cycle ---- */

static int slab_create(struct dmabuf_heap *heap, size_t len, bool dedicated,
		       struct slab **out)
{
	size_t npages = len / heap->page_size;
	size_t words = bitmap_words(npages);
	struct slab *s;
	int ret;

	ret = slabs_reserve_one(heap);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s) + 3 * words * sizeof(uint64_t));
	if (!s)
		return ENOMEM;
	s->used = (uint64_t *)(s + 1);
	s->head = s->used + words;
	s->dirty = s->head + words;

	ret = backend_alloc_fd(heap, len, &s->fd);
	if (ret)
		goto err_free;
	s->base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->base == MAP_FAILED) {
		ret = errno;
		goto err_close;
	}
	/* A child must never share pages the device can write. */
	if (madvise(s->base, len, MADV_DONTFORK)) {
		ret = errno;
		goto err_unmap;
	}
	s->len = len;
	s->npages = npages;
	s->free_pages = npages;
	s->max_run = npages;
	s->dedicated = dedicated;
	slabs_insert(heap, s);

	heap->stats.live_slabs++;
	heap->stats.dedicated_bufs += dedicated;
	heap->stats.bytes_mapped += len;
	heap->stats.backend_allocs++;
	*out = s;
	return 0;

err_unmap:
	munmap(s->base, len);
err_close:
	close(s->fd);
err_free:
	free(s);
	return ret;
}

static void slab_release(struct dmabuf_heap *heap, size_t idx)
{
	struct slab *s = heap->slabs[idx];

	munmap(s->base, s->len);
	close(s->fd);
	slabs_remove(heap, idx);
	heap->stats.live_slabs--;
	heap->stats.dedicated_bufs -= s->dedicated;
	heap->stats.bytes_mapped -= s->len;
	heap->stats.backend_frees++;
	free(s);
}

/*
 * The fullest shared slab that still has a run of @n free pages: packing
 * into full slabs lets the others drain and go back to the kernel.
 */
static struct slab *pick_slab(struct dmabuf_heap *heap, size_t n)
{
	struct slab *best = NULL;
	size_t i;

	for (i = 0; i < heap->nslabs; i++) {
		struct slab *s = heap->slabs[i];

		if (s->dedicated || s->max_run < n)
			continue;
		if (!best || s->free_pages < best->free_pages)
			best = s;
	}
	return best;
}

/* ---- public API ---- */

static int parse_size(const char *str, size_t *out)
{
	const char *digits;
	unsigned long long v;
	int base = 10;
	char *end;

	if (!str || *str < '0' || *str > '9')
		return EINVAL;
	/* Decimal or 0x hex; a leading 0 must not silently mean octal. */
	if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X'))
		base = 16;
	digits = base == 16 ? str + 2 : str;
	if (!isxdigit((unsigned char)*digits))
		return EINVAL;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno)
		return EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v = v > (ULLONG_MAX >> 10) ? ULLONG_MAX : v << 10;
		end++;
		break;
	case 'm':
	case 'M':
		v = v > (ULLONG_MAX >> 20) ? ULLONG_MAX : v << 20;
		end++;
		break;
	case 'g':
	case 'G':
		v = v > (ULLONG_MAX >> 30) ? ULLONG_MAX : v << 30;
		end++;
		break;
	}
	if (*end || v > SIZE_MAX)
		return EINVAL;
	*out = v;
	return 0;
}

static int configure(struct dmabuf_heap *heap,
		     const struct dmabuf_heap_attr *attr)
{
	size_t slab = attr->slab_size ? attr->slab_size :
					DMABUF_HEAP_DEFAULT_SLAB_SIZE;
	size_t cached = DMABUF_HEAP_DEFAULT_MAX_CACHED;
	const char *env;

	if (attr->flags & ~DMABUF_HEAP_ATTR_MAX_CACHED)
		return EINVAL;
	if (attr->flags & DMABUF_HEAP_ATTR_MAX_CACHED)
		cached = attr->max_cached_slabs;

	env = secure_getenv(DMABUF_HEAP_ENV_SLAB_SIZE);
	if (env && parse_size(env, &slab))
		return EINVAL;
	env = secure_getenv(DMABUF_HEAP_ENV_MAX_CACHED);
	if (env && parse_size(env, &cached))
		return EINVAL;

	if (!slab || slab > DMABUF_HEAP_MAX_SLAB_SIZE ||
	    cached > MAX_CACHED_LIMIT)
		return EINVAL;
	heap->slab_size = (slab + heap->page_size - 1) & ~(heap->page_size - 1);
	heap->max_cached = cached;
	heap->stats.slab_size = heap->slab_size;
	heap->stats.max_cached_slabs = cached;
	return 0;
}

static int open_heap_device(struct dmabuf_heap *heap,
			    const struct dmabuf_heap_attr *attr)
{
	const char *dir = attr->dir ? attr->dir : DMABUF_HEAP_DEFAULT_DIR;
	const char *name = attr->name ? attr->name : DMABUF_HEAP_DEFAULT_NAME;
	char path[PATH_MAX];
	int len;

	/* A heap name is one directory entry, nothing that walks paths. */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return EINVAL;
	len = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (len < 0 || (size_t)len >= sizeof(path))
		return ENAMETOOLONG;
	heap->heap_fd = open(path, O_RDWR | O_CLOEXEC);
	if (heap->heap_fd < 0)
		return errno;
	return 0;
}

struct dmabuf_heap *dmabuf_heap_open(const struct dmabuf_heap_attr *attr)
{
	static const struct dmabuf_heap_attr defaults;
	struct dmabuf_heap *heap;
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	if (!attr)
		attr = &defaults;
	heap = calloc(1, sizeof(*heap));
	if (!heap) {
		errno = ENOMEM;
		return NULL;
	}
	heap->heap_fd = -1;
	heap->page_size = page > 0 ? (size_t)page : 4096;
	heap->owner = getpid();
	heap->alloc_fd = attr->alloc_fd;
	heap->alloc_fd_ctx = attr->alloc_fd_ctx;

	ret = configure(heap, attr);
	if (!ret && !heap->alloc_fd)
		ret = open_heap_device(heap, attr);
	if (!ret)
		ret = pthread_mutex_init(&heap->lock, NULL);
	if (ret) {
		if (heap->heap_fd >= 0)
			close(heap->heap_fd);
		free(heap);
		errno = ret;
		return NULL;
	}
	return heap;
}

/*
 * In a forked child the mappings are gone (MADV_DONTFORK) and the address
 * ranges may already be reused, so only dmabuf_heap_close() is allowed.
 */
static bool in_forked_child(const struct dmabuf_heap *heap)
{
	return getpid() != heap->owner;
}

int dmabuf_heap_close(struct dmabuf_heap *heap)
{
	bool child;
	int live;
	size_t i;

	if (!heap)
		return 0;
	child = in_forked_child(heap);
	/*
	 * The child has a single thread, and its copy of the lock may have
	 * been held by a parent thread at fork time, so it must not lock.
	 */
	if (!child)
		pthread_mutex_lock(&heap->lock);
	live = heap->stats.live_bufs > INT_MAX ? INT_MAX :
						 (int)heap->stats.live_bufs;
	for (i = 0; i < heap->nslabs; i++) {
		struct slab *s = heap->slabs[i];

		if (!child)
			munmap(s->base, s->len);
		close(s->fd);
		free(s);
	}
	free(heap->slabs);
	if (heap->heap_fd >= 0)
		close(heap->heap_fd);
	if (!child) {
		pthread_mutex_unlock(&heap->lock);
		pthread_mutex_destroy(&heap->lock);
	}
	free(heap);
	return live;
}

/*
 * Take @n pages at @first. Returns true if some of them were handed out
 * before and so must be zeroed; fresh DMA-buf pages are zero already.
 */
static bool slab_take(struct slab *s, size_t first, size_t n)
{
	bool dirty = !bitmap_all(s->dirty, first, n, false);

	bitmap_assign(s->used, first, n, true);
	bitmap_assign(s->head, first, 1, true);
	bitmap_assign(s->dirty, first, n, true);
	s->free_pages -= n;
	s->max_run = slab_longest_run(s);
	return dirty;
}

/*
 * Find room for @n pages, creating a slab or dedicated buffer if needed.
 * Called with the lock held.
 */
static int find_room(struct dmabuf_heap *heap, size_t n, bool dedicated,
		     struct slab **out)
{
	size_t bytes = n * heap->page_size;

	if (dedicated || bytes > heap->slab_size)
		return slab_create(heap, bytes, true, out);
	*out = pick_slab(heap, n);
	if (!*out)
		return slab_create(heap, heap->slab_size, false, out);
	/* Every empty shared slab in the list is a cached one. */
	if (slab_is_empty(*out))
		heap->stats.cached_slabs--;
	return 0;
}

static int alloc_buf(struct dmabuf_heap *heap, size_t len, bool dedicated,
		     struct dmabuf_heap_buf *buf)
{
	struct slab *s;
	size_t n, first;
	bool dirty;
	int ret;

	if (!heap || !buf || !len)
		return EINVAL;
	n = len / heap->page_size + !!(len % heap->page_size);
	if (n > MAX_BUF_PAGES || n > SIZE_MAX / heap->page_size)
		return EINVAL;
	if (in_forked_child(heap))
		return EPERM;

	pthread_mutex_lock(&heap->lock);
	ret = find_room(heap, n, dedicated, &s);
	if (ret) {
		pthread_mutex_unlock(&heap->lock);
		return ret;
	}
	first = slab_first_fit(s, n);
	dirty = slab_take(s, first, n);
	buf->addr = s->base + first * heap->page_size;
	buf->length = len;
	buf->mapped_length = n * heap->page_size;
	buf->fd = s->fd;
	buf->offset = first * heap->page_size;
	heap->stats.live_bufs++;
	heap->stats.bytes_in_use += buf->mapped_length;
	heap->stats.bytes_requested += len;
	pthread_mutex_unlock(&heap->lock);

	/* The pages are the caller's now; zero them outside the lock. */
	if (dirty)
		memset(buf->addr, 0, buf->mapped_length);
	return 0;
}

int dmabuf_heap_alloc(struct dmabuf_heap *heap, size_t len,
		      struct dmabuf_heap_buf *buf)
{
	return alloc_buf(heap, len, false, buf);
}

int dmabuf_heap_alloc_dedicated(struct dmabuf_heap *heap, size_t len,
				struct dmabuf_heap_buf *buf)
{
	return alloc_buf(heap, len, true, buf);
}

/*
 * The slab holding @buf if @buf describes exactly one live allocation of
 * this heap, else NULL; *@idx and *@first locate it. Lock held.
 */
static struct slab *lookup_buf(const struct dmabuf_heap *heap,
			       const struct dmabuf_heap_buf *buf, size_t *idx,
			       size_t *first)
{
	size_t n, start, end, off;
	ssize_t i;
	struct slab *s;

	if (!buf->addr || !buf->length || !buf->mapped_length ||
	    buf->mapped_length % heap->page_size ||
	    buf->length > buf->mapped_length ||
	    buf->mapped_length - buf->length >= heap->page_size)
		return NULL;
	i = slab_index_of(heap, buf->addr);
	if (i < 0)
		return NULL;
	s = heap->slabs[i];
	off = (uint8_t *)buf->addr - s->base;
	if (off % heap->page_size || buf->offset != off || buf->fd != s->fd)
		return NULL;
	start = off / heap->page_size;
	n = buf->mapped_length / heap->page_size;
	if (n > s->npages - start)
		return NULL;
	end = start + n;
	/* Starts here, covers all n pages, and the next buffer or hole ends it. */
	if (!bitmap_all(s->head, start, 1, true) ||
	    !bitmap_all(s->used, start, n, true) ||
	    bitmap_find(s->head, end, start + 1, true) != end)
		return NULL;
	if (end < s->npages && bitmap_all(s->used, end, 1, true) &&
	    !bitmap_all(s->head, end, 1, true))
		return NULL;
	*idx = i;
	*first = start;
	return s;
}

/* Give an emptied slab back to the kernel unless the cache has room. */
static void slab_emptied(struct dmabuf_heap *heap, size_t idx)
{
	struct slab *s = heap->slabs[idx];

	if (!s->dedicated && heap->stats.cached_slabs < heap->max_cached) {
		heap->stats.cached_slabs++;
		return;
	}
	slab_release(heap, idx);
}

int dmabuf_heap_free(struct dmabuf_heap *heap, struct dmabuf_heap_buf *buf)
{
	size_t idx, first, n;
	struct slab *s;

	if (!heap || !buf)
		return EINVAL;
	if (in_forked_child(heap))
		return EPERM;

	pthread_mutex_lock(&heap->lock);
	s = lookup_buf(heap, buf, &idx, &first);
	if (!s) {
		pthread_mutex_unlock(&heap->lock);
		return EINVAL;
	}
	n = buf->mapped_length / heap->page_size;
	bitmap_assign(s->used, first, n, false);
	bitmap_assign(s->head, first, 1, false);
	s->free_pages += n;
	s->max_run = slab_longest_run(s);
	heap->stats.live_bufs--;
	heap->stats.bytes_in_use -= buf->mapped_length;
	heap->stats.bytes_requested -= buf->length;
	if (slab_is_empty(s))
		slab_emptied(heap, idx);
	pthread_mutex_unlock(&heap->lock);

	buf->addr = NULL;
	buf->fd = -1;
	return 0;
}

int dmabuf_heap_export_fd(struct dmabuf_heap *heap,
			  const struct dmabuf_heap_buf *buf, int *fd,
			  uint64_t *offset)
{
	size_t idx, first;
	struct slab *s;
	int ret = 0;

	if (!heap || !buf || !fd || !offset)
		return EINVAL;
	if (in_forked_child(heap))
		return EPERM;

	pthread_mutex_lock(&heap->lock);
	s = lookup_buf(heap, buf, &idx, &first);
	if (!s) {
		pthread_mutex_unlock(&heap->lock);
		return EINVAL;
	}
	*fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	if (*fd < 0)
		ret = errno;
	else
		*offset = first * heap->page_size;
	pthread_mutex_unlock(&heap->lock);
	return ret;
}

int dmabuf_heap_get_stats(struct dmabuf_heap *heap,
			  struct dmabuf_heap_stats *stats)
{
	if (!heap || !stats)
		return EINVAL;
	if (in_forked_child(heap))
		return EPERM;

	pthread_mutex_lock(&heap->lock);
	*stats = heap->stats;
	stats->live_fds = stats->live_slabs + (heap->heap_fd >= 0);
	pthread_mutex_unlock(&heap->lock);
	return 0;
}
