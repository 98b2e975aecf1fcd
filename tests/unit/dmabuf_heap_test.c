// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Unit tests for util/dmabuf_heap. Each case is one ctest entry:
 *   dmabuf_heap_test <case>
 * Slabs are backed by memfds through the alloc_fd hook, except the "device"
 * case, which opens the real default heap (run it under irdma-emu-run --cc).
 */
#define _GNU_SOURCE
#include "dmabuf_heap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cases.h"
#include "common/check.h"
#include "common/process.h"

static size_t page_size;

/* ---- memfd backend with fault injection ---- */

struct memfd_backend {
	pthread_mutex_t lock;
	unsigned int calls;
	unsigned int fail_from; /* 1-based call that starts failing, 0 never */
	int fail_errno;
	bool short_object; /* hand out half of what was asked */
};

static int memfd_alloc_fd(void *ctx, size_t len, int *out)
{
	struct memfd_backend *b = ctx;
	bool fail, half;
	int fd;

	pthread_mutex_lock(&b->lock);
	b->calls++;
	fail = b->fail_from && b->calls >= b->fail_from;
	half = b->short_object;
	pthread_mutex_unlock(&b->lock);
	if (fail)
		return b->fail_errno;
	fd = memfd_create("dmabuf-heap-test", MFD_CLOEXEC);
	if (fd < 0)
		return errno;
	if (ftruncate(fd, half ? len / 2 : len)) {
		int err = errno;

		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* Backends live until exit: a heap's hook may be called until its close. */
static struct memfd_backend backends[8];
static unsigned int nbackends;

static struct memfd_backend *new_backend(void)
{
	struct memfd_backend *b;

	CHECK(nbackends < sizeof(backends) / sizeof(backends[0]));
	b = &backends[nbackends++];
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

static struct dmabuf_heap *open_memfd_heap(struct memfd_backend *b,
					   size_t slab_size, int max_cached)
{
	struct dmabuf_heap_attr attr = {
		.slab_size = slab_size,
		.alloc_fd = memfd_alloc_fd,
		.alloc_fd_ctx = b,
	};
	struct dmabuf_heap *heap;

	if (max_cached >= 0) {
		attr.flags |= DMABUF_HEAP_ATTR_MAX_CACHED;
		attr.max_cached_slabs = max_cached;
	}
	heap = dmabuf_heap_open(&attr);
	CHECK(heap);
	return heap;
}

static struct dmabuf_heap_stats stats_of(struct dmabuf_heap *heap)
{
	struct dmabuf_heap_stats st;

	CHECK_EQ(dmabuf_heap_get_stats(heap, &st), 0);
	return st;
}

/* Every 8-byte word of the buffer gets a value derived from @tag. */
static void fill(const struct dmabuf_heap_buf *b, uint64_t tag)
{
	uint64_t *w = b->addr;
	size_t i;

	for (i = 0; i < b->length / 8; i++)
		w[i] = tag ^ (i * 0x9e3779b97f4a7c15ULL);
}

static bool holds(const struct dmabuf_heap_buf *b, uint64_t tag)
{
	const uint64_t *w = b->addr;
	size_t i;

	for (i = 0; i < b->length / 8; i++)
		if (w[i] != (tag ^ (i * 0x9e3779b97f4a7c15ULL)))
			return false;
	return true;
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return false;
	return true;
}

/* The kernel's view (fd, offset) must show what the CPU wrote at addr. */
static void check_fd_view(const struct dmabuf_heap_buf *b)
{
	void *view = mmap(NULL, b->mapped_length, PROT_READ, MAP_SHARED, b->fd,
			  b->offset);

	CHECK(view != MAP_FAILED);
	CHECK(!memcmp(view, b->addr, b->length));
	munmap(view, b->mapped_length);
}

/* ---- cases ---- */

static void test_basic(void)
{
	struct memfd_backend *be = new_backend();
	struct dmabuf_heap *heap = open_memfd_heap(be, 64 * page_size, -1);
	static const size_t sizes[] = { 1,     4096, 4097,  3 * 4096,
					10000, 8,    65536, 5 * 4096 + 100 };
	struct dmabuf_heap_buf b[8];
	struct dmabuf_heap_stats st;
	size_t i, j, in_use = 0, req = 0;

	for (i = 0; i < 8; i++) {
		CHECK_EQ(dmabuf_heap_alloc(heap, sizes[i], &b[i]), 0);
		CHECK_EQ((uintptr_t)b[i].addr % page_size, 0);
		CHECK_EQ(b[i].offset % page_size, 0);
		CHECK_EQ(b[i].length, sizes[i]);
		CHECK_EQ(b[i].mapped_length,
			 (sizes[i] + page_size - 1) / page_size * page_size);
		CHECK(all_zero(b[i].addr, b[i].mapped_length));
		in_use += b[i].mapped_length;
		req += sizes[i];
	}
	/* All of these fit one slab: one fd shared by every buffer. */
	for (i = 1; i < 8; i++)
		CHECK_EQ(b[i].fd, b[0].fd);
	for (i = 0; i < 8; i++)
		for (j = 0; j < 8; j++) {
			uint8_t *a = b[i].addr, *c = b[j].addr;

			if (i == j)
				continue;
			CHECK(a + b[i].mapped_length <= c ||
			      c + b[j].mapped_length <= a);
		}
	for (i = 0; i < 8; i++)
		fill(&b[i], 0x1000 + i);
	for (i = 0; i < 8; i++) {
		CHECK(holds(&b[i], 0x1000 + i));
		check_fd_view(&b[i]);
	}

	st = stats_of(heap);
	CHECK_EQ(st.live_slabs, 1);
	CHECK_EQ(st.live_fds, 1); /* no heap device with a hook */
	CHECK_EQ(st.live_bufs, 8);
	CHECK_EQ(st.bytes_mapped, 64 * page_size);
	CHECK_EQ(st.bytes_in_use, in_use);
	CHECK_EQ(st.bytes_requested, req);

	/* Free every other one; the rest must be intact. */
	for (i = 0; i < 8; i += 2) {
		CHECK_EQ(dmabuf_heap_free(heap, &b[i]), 0);
		CHECK(!b[i].addr);
		CHECK_EQ(b[i].fd, -1);
	}
	for (i = 1; i < 8; i += 2)
		CHECK(holds(&b[i], 0x1000 + i));
	for (i = 1; i < 8; i += 2)
		CHECK_EQ(dmabuf_heap_free(heap, &b[i]), 0);
	st = stats_of(heap);
	CHECK_EQ(st.live_bufs, 0);
	CHECK_EQ(st.bytes_in_use, 0);
	CHECK_EQ(st.bytes_requested, 0);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
}

/* First fit reuses the lowest hole; freed pages come back zeroed. */
static void test_reuse(void)
{
	struct memfd_backend *be = new_backend();
	struct dmabuf_heap *heap = open_memfd_heap(be, 16 * page_size, 1);
	struct dmabuf_heap_buf a, b, c, d;
	struct dmabuf_heap_stats st;

	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &a), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 3 * page_size, &b), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &c), 0);
	CHECK_EQ(a.offset, 0);
	CHECK_EQ(b.offset, 2 * page_size);
	CHECK_EQ(c.offset, 5 * page_size);
	fill(&b, 0xb);
	CHECK_EQ(dmabuf_heap_free(heap, &b), 0);
	/* A 2-page request lands in b's old hole and is zero again. */
	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &d), 0);
	CHECK_EQ(d.offset, 2 * page_size);
	CHECK(all_zero(d.addr, d.mapped_length));
	CHECK_EQ(be->calls, 1);
	/* Does not fit the 1-page hole left at 4: goes after c. */
	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &b), 0);
	CHECK_EQ(b.offset, 6 * page_size);
	/* Fills the 1-page hole exactly. */
	CHECK_EQ(dmabuf_heap_free(heap, &c), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &c), 0);
	CHECK_EQ(c.offset, 4 * page_size);

	st = stats_of(heap);
	CHECK_EQ(st.live_slabs, 1);
	CHECK_EQ(st.backend_allocs, 1);
	CHECK_EQ(dmabuf_heap_free(heap, &a), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &b), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &c), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &d), 0);
	st = stats_of(heap);
	CHECK_EQ(st.live_slabs, 1); /* kept: the cache holds one */
	CHECK_EQ(st.cached_slabs, 1);
	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &a), 0);
	CHECK_EQ(stats_of(heap).cached_slabs, 0);
	CHECK_EQ(be->calls, 1); /* the cached slab was reused */
	CHECK_EQ(dmabuf_heap_free(heap, &a), 0);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
}

/* Buffers spanning whole bitmap words, in a slab and dedicated. */
static void test_wide(void)
{
	struct memfd_backend *be = new_backend();
	struct dmabuf_heap *heap = open_memfd_heap(be, 512 * page_size, 0);
	struct dmabuf_heap_buf one, wide, after, big, ded;

	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &one), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 200 * page_size, &wide), 0);
	CHECK_EQ(wide.offset, page_size);
	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &after), 0);
	CHECK_EQ(after.offset, 201 * page_size);
	CHECK_EQ(dmabuf_heap_free(heap, &wide), 0);
	/* 300 pages do not fit the 200-page hole. */
	CHECK_EQ(dmabuf_heap_alloc(heap, 300 * page_size, &big), 0);
	CHECK_EQ(big.offset, 202 * page_size);
	CHECK_EQ(dmabuf_heap_alloc(heap, 200 * page_size, &wide), 0);
	CHECK_EQ(wide.offset, page_size);
	/* Exactly full: one more page needs a second slab. */
	CHECK_EQ(dmabuf_heap_alloc(heap, 10 * page_size, &ded), 0);
	CHECK_EQ(ded.offset, 502 * page_size);
	CHECK_EQ(dmabuf_heap_free(heap, &ded), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 11 * page_size, &ded), 0);
	CHECK(ded.fd != one.fd);
	CHECK_EQ(dmabuf_heap_free(heap, &ded), 0);
	/* A 1000-page dedicated buffer, freed and made again. */
	CHECK_EQ(dmabuf_heap_alloc(heap, 1000 * page_size, &ded), 0);
	fill(&ded, 0xd);
	CHECK(holds(&ded, 0xd));
	CHECK_EQ(dmabuf_heap_free(heap, &ded), 0);
	CHECK_EQ(dmabuf_heap_alloc_dedicated(heap, 1000 * page_size, &ded), 0);
	CHECK(all_zero(ded.addr, ded.mapped_length));
	CHECK_EQ(dmabuf_heap_free(heap, &ded), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &one), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &wide), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &after), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &big), 0);
	CHECK_EQ(stats_of(heap).live_slabs, 0);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
}

/*
 * A new buffer goes to the fullest slab that can hold it, not the first
 * one, so lightly used slabs can drain and go back to the kernel.
 */
static void test_packing(void)
{
	struct memfd_backend *be = new_backend();
	struct dmabuf_heap *heap = open_memfd_heap(be, 8 * page_size, 0);
	struct dmabuf_heap_buf p[16], x;
	struct dmabuf_heap_buf *low, *high;
	int i;

	for (i = 0; i < 16; i++)
		CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &p[i]), 0);
	CHECK(p[0].fd != p[8].fd);
	/* Make the higher-addressed slab the fuller one. */
	low = p[0].addr < p[8].addr ? &p[0] : &p[8];
	high = low == p ? &p[8] : &p[0];
	for (i = 0; i < 6; i++)
		CHECK_EQ(dmabuf_heap_free(heap, &low[i]), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &high[3]), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &x), 0);
	CHECK_EQ(x.fd, high[4].fd);
	CHECK_EQ(x.offset, 3 * page_size);
	/* Two pages only fit the emptier slab. */
	CHECK_EQ(dmabuf_heap_free(heap, &x), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &x), 0);
	CHECK_EQ(x.fd, low[7].fd);
	CHECK_EQ(x.offset, 0);
	CHECK_EQ(dmabuf_heap_close(heap), 1 + 2 + 7);
}

/*
 * Empty slabs go back to the kernel: the process fd count returns to its
 * baseline (plus the cached slabs) after everything is freed.
 */
static void check_slab_return(int max_cached)
{
	struct memfd_backend *be = new_backend();
	unsigned int base_fds = test_count_fds();
	struct dmabuf_heap *heap =
		open_memfd_heap(be, 8 * page_size, max_cached);
	struct dmabuf_heap_buf b[40];
	struct dmabuf_heap_stats st;
	int i;

	for (i = 0; i < 40; i++)
		CHECK_EQ(
			dmabuf_heap_alloc(heap, page_size * (1 + i % 3), &b[i]),
			0);
	st = stats_of(heap);
	CHECK(st.live_slabs >= 10);
	CHECK_EQ(test_count_fds(), base_fds + st.live_fds);
	/* Free out of order so slabs empty at different times. */
	for (i = 39; i >= 0; i -= 2)
		CHECK_EQ(dmabuf_heap_free(heap, &b[i]), 0);
	for (i = 0; i < 40; i += 2)
		CHECK_EQ(dmabuf_heap_free(heap, &b[i]), 0);
	st = stats_of(heap);
	CHECK_EQ(st.live_slabs, max_cached);
	CHECK_EQ(st.cached_slabs, max_cached);
	CHECK_EQ(st.bytes_mapped, max_cached * 8 * page_size);
	CHECK_EQ(st.backend_allocs - st.backend_frees, max_cached);
	CHECK_EQ(test_count_fds(), base_fds + max_cached);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	CHECK_EQ(test_count_fds(), base_fds);
}

static void test_slab_return(void)
{
	check_slab_return(0);
	check_slab_return(1);
	check_slab_return(3);
}

/* Ring-like sizes: 2^k pages, some with an extra shadow page. */
static size_t ring_size(unsigned int r)
{
	static const size_t pages[] = { 1, 2, 4, 8, 2, 3, 5, 9, 1, 16 };

	return pages[r % 10] * page_size;
}

/*
 * Ten thousand ring-sized buffers under RLIMIT_NOFILE 1024, within 5% of
 * the bytes they need.
 */
static struct dmabuf_heap *open_device_heap(size_t slab_size)
{
	struct dmabuf_heap_attr attr = { .slab_size = slab_size };
	struct dmabuf_heap *heap = dmabuf_heap_open(&attr);

	if (!heap) {
		fprintf(stderr, "open %s/%s: %s\n", DMABUF_HEAP_DEFAULT_DIR,
			DMABUF_HEAP_DEFAULT_NAME, strerror(errno));
		exit(1);
	}
	return heap;
}

static void many_buffers(bool device)
{
	struct rlimit lim;
	unsigned int base_fds;
	struct dmabuf_heap *heap;
	struct dmabuf_heap_buf *b;
	struct dmabuf_heap_stats st;
	const int n = 10000;
	unsigned int seed = 1;
	int i;

	/* The soft limit a default `ulimit -n` gives (never above the hard). */
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
	if (lim.rlim_max == RLIM_INFINITY || lim.rlim_max > 1024)
		lim.rlim_cur = 1024;
	else
		lim.rlim_cur = lim.rlim_max;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
	base_fds = test_count_fds();
	/* Default 2 MiB slabs. */
	heap = device ? open_device_heap(0) :
			open_memfd_heap(new_backend(), 0, -1);
	b = calloc(n, sizeof(*b));
	CHECK(b);
	for (i = 0; i < n; i++) {
		uint64_t *w;

		CHECK_EQ(dmabuf_heap_alloc(heap, ring_size(i), &b[i]), 0);
		/* Tag the first and last word: overlap would clobber one. */
		w = b[i].addr;
		w[0] = i;
		w[b[i].length / 8 - 1] = ~(uint64_t)i;
	}
	st = stats_of(heap);
	CHECK_EQ(st.live_bufs, n);
	CHECK(st.live_fds < 200);
	CHECK(test_count_fds() < 1024);
	CHECK(st.bytes_mapped * 100 <= st.bytes_in_use * 105);
	fprintf(stderr,
		"many: %" PRIu64 " slabs, %" PRIu64 " MiB mapped, %" PRIu64
		" MiB in use\n",
		st.live_slabs, st.bytes_mapped >> 20, st.bytes_in_use >> 20);
	for (i = 0; i < n; i++) {
		uint64_t *w = b[i].addr;

		CHECK_EQ(w[0], i);
		CHECK_EQ(w[b[i].length / 8 - 1], ~(uint64_t)i);
	}
	/* Churn: free a random half, allocate it again. */
	for (i = 0; i < n; i++) {
		if (rand_r(&seed) & 1)
			continue;
		CHECK_EQ(dmabuf_heap_free(heap, &b[i]), 0);
		CHECK_EQ(dmabuf_heap_alloc(heap, ring_size(i + 3), &b[i]), 0);
	}
	st = stats_of(heap);
	fprintf(stderr,
		"after churn: %" PRIu64 " slabs, %" PRIu64
		" MiB mapped, %" PRIu64 " MiB in use\n",
		st.live_slabs, st.bytes_mapped >> 20, st.bytes_in_use >> 20);
	CHECK(st.live_fds < 250);
	/* Holes left by the churn are refilled: still within 5%. */
	CHECK(st.bytes_mapped * 100 <= st.bytes_in_use * 105);
	for (i = 0; i < n; i++)
		CHECK_EQ(dmabuf_heap_free(heap, &b[i]), 0);
	st = stats_of(heap);
	CHECK_EQ(st.live_bufs, 0);
	CHECK(st.live_slabs <= 1);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	CHECK_EQ(test_count_fds(), base_fds);
	free(b);
}

static void test_many(void)
{
	many_buffers(false);
}

static void test_large(void)
{
	struct memfd_backend *be = new_backend();
	unsigned int base_fds = test_count_fds();
	struct dmabuf_heap *heap = open_memfd_heap(be, 8 * page_size, 1);
	struct dmabuf_heap_buf small, exact, big;
	struct dmabuf_heap_stats st;

	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &small), 0);
	/* Exactly one slab: still a slab (a new one, small took a page). */
	CHECK_EQ(dmabuf_heap_alloc(heap, 8 * page_size, &exact), 0);
	CHECK(exact.fd != small.fd);
	CHECK_EQ(stats_of(heap).dedicated_bufs, 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 8 * page_size + 1, &big), 0);
	CHECK_EQ(big.offset, 0);
	CHECK_EQ(big.mapped_length, 9 * page_size);
	CHECK(big.fd != small.fd && big.fd != exact.fd);
	fill(&big, 0xbeef);
	check_fd_view(&big);
	st = stats_of(heap);
	CHECK_EQ(st.dedicated_bufs, 1);
	CHECK_EQ(st.live_slabs, 3);
	CHECK_EQ(st.bytes_mapped, (8 + 8 + 9) * page_size);
	CHECK_EQ(test_count_fds(), base_fds + 3);
	/* A dedicated buffer is never cached, even with room in the cache. */
	CHECK_EQ(dmabuf_heap_free(heap, &big), 0);
	st = stats_of(heap);
	CHECK_EQ(st.dedicated_bufs, 0);
	CHECK_EQ(st.live_slabs, 2);
	CHECK_EQ(st.cached_slabs, 0);
	CHECK_EQ(test_count_fds(), base_fds + 2);
	CHECK_EQ(dmabuf_heap_free(heap, &exact), 0);

	/* Forced dedicated: own DMA-buf at offset 0 even when it would fit. */
	CHECK_EQ(dmabuf_heap_alloc_dedicated(heap, 100, &big), 0);
	CHECK_EQ(big.offset, 0);
	CHECK_EQ(big.mapped_length, page_size);
	CHECK(big.fd != small.fd);
	CHECK_EQ(stats_of(heap).dedicated_bufs, 1);
	CHECK_EQ(test_count_fds(), base_fds + 3);
	CHECK_EQ(dmabuf_heap_alloc_dedicated(heap, 0, &exact), EINVAL);
	CHECK_EQ(dmabuf_heap_free(heap, &big), 0);
	CHECK_EQ(stats_of(heap).dedicated_bufs, 0);
	CHECK_EQ(test_count_fds(), base_fds + 2);

	CHECK_EQ(dmabuf_heap_free(heap, &small), 0);
	CHECK_EQ(stats_of(heap).live_slabs, 1);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	CHECK_EQ(test_count_fds(), base_fds);
}

/* The backend fails at the Nth DMA-buf: clean errno, nothing leaked. */
static void test_backend_errors(void)
{
	struct memfd_backend *be = new_backend();
	unsigned int base_fds = test_count_fds();
	struct dmabuf_heap *heap = open_memfd_heap(be, 4 * page_size, 0);
	struct dmabuf_heap_buf b[16], x;
	struct dmabuf_heap_stats before;
	int i, got = 0;

	be->fail_from = 4;
	be->fail_errno = ENOMEM;
	for (i = 0; i < 16; i++) {
		int ret = dmabuf_heap_alloc(heap, 2 * page_size, &b[i]);

		if (ret) {
			CHECK_EQ(ret, ENOMEM);
			break;
		}
		got++;
	}
	CHECK_EQ(got, 6); /* 3 slabs of two buffers each */
	before = stats_of(heap);
	CHECK_EQ(dmabuf_heap_alloc(heap, 20 * page_size, &x), ENOMEM);
	be->fail_errno = EMFILE;
	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &x), EMFILE);
	CHECK_EQ(stats_of(heap).live_slabs, before.live_slabs);
	CHECK_EQ(stats_of(heap).bytes_mapped, before.bytes_mapped);
	CHECK_EQ(stats_of(heap).live_bufs, 6);
	CHECK_EQ(test_count_fds(), base_fds + 3);

	/* Freeing makes room again without the backend. */
	CHECK_EQ(dmabuf_heap_free(heap, &b[0]), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &b[0]), 0);

	/* A backend object shorter than asked is refused, not mapped. */
	be->fail_from = 0;
	be->short_object = true;
	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &x), EIO);
	CHECK_EQ(test_count_fds(), base_fds + 3);
	be->short_object = false;

	for (i = 0; i < got; i++)
		CHECK_EQ(dmabuf_heap_free(heap, &b[i]), 0);
	CHECK_EQ(stats_of(heap).live_slabs, 0);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	CHECK_EQ(test_count_fds(), base_fds);
}

static void test_bad_input(void)
{
	struct memfd_backend *be = new_backend();
	struct dmabuf_heap *heap = open_memfd_heap(be, 8 * page_size, 1);
	struct dmabuf_heap *other = open_memfd_heap(be, 8 * page_size, 1);
	struct dmabuf_heap_attr attr = { 0 };
	struct dmabuf_heap_buf a, b, t, o;
	uint64_t off;
	int fd;

	CHECK_EQ(dmabuf_heap_alloc(heap, 0, &a), EINVAL);
	CHECK_EQ(dmabuf_heap_alloc(heap, SIZE_MAX, &a), EINVAL);
	CHECK_EQ(dmabuf_heap_alloc(NULL, 10, &a), EINVAL);
	CHECK_EQ(dmabuf_heap_alloc(heap, 10, NULL), EINVAL);
	CHECK_EQ(dmabuf_heap_free(heap, NULL), EINVAL);
	CHECK_EQ(dmabuf_heap_free(NULL, &a), EINVAL);
	CHECK_EQ(dmabuf_heap_get_stats(heap, NULL), EINVAL);
	CHECK_EQ(dmabuf_heap_export_fd(heap, NULL, &fd, &off), EINVAL);
	CHECK_EQ(dmabuf_heap_close(NULL), 0);

	CHECK_EQ(dmabuf_heap_alloc(heap, 3 * page_size, &a), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &b), 0);
	CHECK_EQ(dmabuf_heap_alloc(other, page_size, &o), 0);
	fill(&a, 0xa);
	fill(&b, 0xb);

	/* Altered descriptors are refused and change nothing. */
	t = a;
	t.mapped_length = 2 * page_size;
	t.length = 2 * page_size;
	CHECK_EQ(dmabuf_heap_free(heap, &t), EINVAL);
	t = a;
	t.mapped_length = 5 * page_size;
	t.length = 5 * page_size;
	CHECK_EQ(dmabuf_heap_free(heap, &t), EINVAL);
	t = a;
	t.addr = (uint8_t *)a.addr + page_size;
	t.offset += page_size;
	t.mapped_length = t.length = page_size;
	CHECK_EQ(dmabuf_heap_free(heap, &t), EINVAL);
	t = a;
	t.offset += 8;
	CHECK_EQ(dmabuf_heap_free(heap, &t), EINVAL);
	t = a;
	t.fd = 0;
	CHECK_EQ(dmabuf_heap_free(heap, &t), EINVAL);
	t = a;
	t.length = 3 * page_size + 1;
	CHECK_EQ(dmabuf_heap_free(heap, &t), EINVAL);
	t = a;
	t.addr = &t;
	CHECK_EQ(dmabuf_heap_free(heap, &t), EINVAL);
	/* A buffer of another heap. */
	CHECK_EQ(dmabuf_heap_free(heap, &o), EINVAL);
	CHECK_EQ(dmabuf_heap_export_fd(heap, &o, &fd, &off), EINVAL);
	CHECK(holds(&a, 0xa) && holds(&b, 0xb));
	CHECK_EQ(stats_of(heap).live_bufs, 2);

	/* Double free, including through a stale copy. */
	t = a;
	CHECK_EQ(dmabuf_heap_free(heap, &a), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &a), EINVAL);
	CHECK_EQ(dmabuf_heap_free(heap, &t), EINVAL);
	CHECK_EQ(dmabuf_heap_export_fd(heap, &t, &fd, &off), EINVAL);
	CHECK(holds(&b, 0xb));
	CHECK_EQ(stats_of(heap).live_bufs, 1);

	/* close() reports what was leaked. */
	CHECK_EQ(dmabuf_heap_close(heap), 1);
	CHECK_EQ(dmabuf_heap_free(other, &o), 0);
	CHECK_EQ(dmabuf_heap_close(other), 0);

	/* Bad attributes and environment. */
	attr.alloc_fd = memfd_alloc_fd;
	attr.alloc_fd_ctx = be;
	attr.flags = 1u << 7;
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	attr.flags = 0;
	attr.slab_size = DMABUF_HEAP_MAX_SLAB_SIZE + 1;
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	attr.slab_size = 0;
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "12abc", 1);
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "0", 1);
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "0x", 1);
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "2G", 1);
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "99999999999999999999999", 1);
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "", 1);
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	unsetenv(DMABUF_HEAP_ENV_SLAB_SIZE);
	setenv(DMABUF_HEAP_ENV_MAX_CACHED, "-1", 1);
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	unsetenv(DMABUF_HEAP_ENV_MAX_CACHED);

	/* Device path problems, no hook. */
	memset(&attr, 0, sizeof(attr));
	attr.dir = "/nonexistent-dma-heap-dir";
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == ENOENT);
	attr.name = "../../etc/passwd";
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	attr.name = "..";
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
	attr.name = "";
	errno = 0;
	CHECK(!dmabuf_heap_open(&attr) && errno == EINVAL);
}

/* Environment beats the attr; sizes are rounded up to pages. */
static void test_tunables(void)
{
	struct memfd_backend *be = new_backend();
	struct dmabuf_heap *heap;
	struct dmabuf_heap_stats st;

	heap = open_memfd_heap(be, 3 * page_size + 1, 2);
	st = stats_of(heap);
	CHECK_EQ(st.slab_size, 4 * page_size);
	CHECK_EQ(st.max_cached_slabs, 2);
	dmabuf_heap_close(heap);

	heap = open_memfd_heap(be, 0, -1);
	st = stats_of(heap);
	CHECK_EQ(st.slab_size, DMABUF_HEAP_DEFAULT_SLAB_SIZE);
	CHECK_EQ(st.max_cached_slabs, DMABUF_HEAP_DEFAULT_MAX_CACHED);
	dmabuf_heap_close(heap);

	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "256K", 1);
	setenv(DMABUF_HEAP_ENV_MAX_CACHED, "0", 1);
	heap = open_memfd_heap(be, 3 * page_size, 2);
	st = stats_of(heap);
	CHECK_EQ(st.slab_size, 256 * 1024);
	CHECK_EQ(st.max_cached_slabs, 0);
	dmabuf_heap_close(heap);
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "0x100000", 1);
	heap = open_memfd_heap(be, 0, -1);
	CHECK_EQ(stats_of(heap).slab_size, 1 << 20);
	dmabuf_heap_close(heap);
	/* "010" is ten bytes, not octal eight: one page after rounding. */
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "010", 1);
	heap = open_memfd_heap(be, 0, -1);
	CHECK_EQ(stats_of(heap).slab_size, page_size);
	dmabuf_heap_close(heap);
	setenv(DMABUF_HEAP_ENV_SLAB_SIZE, "1m", 1);
	heap = open_memfd_heap(be, 0, -1);
	CHECK_EQ(stats_of(heap).slab_size, 1 << 20);
	dmabuf_heap_close(heap);
	unsetenv(DMABUF_HEAP_ENV_SLAB_SIZE);
	unsetenv(DMABUF_HEAP_ENV_MAX_CACHED);
}

static void test_export(void)
{
	struct memfd_backend *be = new_backend();
	unsigned int base_fds = test_count_fds();
	struct dmabuf_heap *heap = open_memfd_heap(be, 8 * page_size, 0);
	struct dmabuf_heap_buf a, b;
	uint64_t off = 12345;
	void *view;
	int fd;

	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &a), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &b), 0);
	fill(&b, 0xe);
	CHECK_EQ(dmabuf_heap_export_fd(heap, &b, &fd, &off), 0);
	CHECK(fd >= 0);
	CHECK(fd != b.fd);
	CHECK_EQ(off, b.offset);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	view = mmap(NULL, b.mapped_length, PROT_READ, MAP_SHARED, fd, off);
	CHECK(view != MAP_FAILED);
	CHECK(!memcmp(view, b.addr, b.length));
	munmap(view, b.mapped_length);
	/* The exported fd is the caller's: closing it leaves the heap alone. */
	close(fd);
	CHECK(holds(&b, 0xe));
	/* ... and it outlives the buffer. */
	CHECK_EQ(dmabuf_heap_export_fd(heap, &b, &fd, &off), 0);
	CHECK(fd >= 0);
	CHECK_EQ(dmabuf_heap_free(heap, &a), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &b), 0);
	CHECK_EQ(stats_of(heap).live_slabs, 0);
	CHECK_EQ(test_count_fds(), base_fds + 1);
	close(fd);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	CHECK_EQ(test_count_fds(), base_fds);
}

/* ---- threads ---- */

struct worker {
	pthread_t tid;
	struct dmabuf_heap *heap;
	unsigned int id;
	int failed;
};

#define WORKER_LIVE 24
#define WORKER_ROUNDS 3000

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct dmabuf_heap_buf live[WORKER_LIVE] = { 0 };
	uint64_t tags[WORKER_LIVE];
	unsigned int seed = w->id * 7919 + 1;
	unsigned int r;

	for (r = 0; r < WORKER_ROUNDS && !w->failed; r++) {
		unsigned int slot = rand_r(&seed) % WORKER_LIVE;
		struct dmabuf_heap_buf *b = &live[slot];

		if (b->addr) {
			if (!holds(b, tags[slot]) ||
			    dmabuf_heap_free(w->heap, b))
				w->failed = __LINE__;
			continue;
		}
		if (dmabuf_heap_alloc(w->heap,
				      (1 + rand_r(&seed) % 4) * page_size -
					      rand_r(&seed) % 64 * 8,
				      b)) {
			w->failed = __LINE__;
			break;
		}
		if (!all_zero(b->addr, b->mapped_length))
			w->failed = __LINE__;
		tags[slot] = ((uint64_t)w->id << 32) | r;
		fill(b, tags[slot]);
		sched_yield();
	}
	for (r = 0; r < WORKER_LIVE; r++) {
		if (!live[r].addr)
			continue;
		if (!holds(&live[r], tags[r]) ||
		    dmabuf_heap_free(w->heap, &live[r]))
			w->failed = __LINE__;
	}
	return NULL;
}

static void test_threads(void)
{
	struct memfd_backend *be = new_backend();
	unsigned int base_fds = test_count_fds();
	struct dmabuf_heap *heap = open_memfd_heap(be, 16 * page_size, 1);
	struct worker w[8];
	struct dmabuf_heap_stats st;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		w[i] = (struct worker){ .heap = heap, .id = i + 1 };
		CHECK_EQ(pthread_create(&w[i].tid, NULL, worker_main, &w[i]),
			 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].failed)
			fprintf(stderr, "worker %u failed at line %d\n", i,
				w[i].failed);
		CHECK_EQ(w[i].failed, 0);
	}
	st = stats_of(heap);
	CHECK_EQ(st.live_bufs, 0);
	CHECK_EQ(st.bytes_in_use, 0);
	CHECK(st.live_slabs <= 1);
	CHECK(st.backend_allocs > 1);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	CHECK_EQ(test_count_fds(), base_fds);
}

/* ---- fork ---- */

static sigjmp_buf segv_jump;

static void on_segv(int sig)
{
	siglongjmp(segv_jump, 1);
}

/* True if reading @p faults. */
static bool read_faults(const volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	bool faulted = false;

	sigaction(SIGSEGV, &sa, &old);
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(segv_jump, 1))
		faulted = true;
	else
		(void)*p;
	sigaction(SIGSEGV, &old, NULL);
	signal(SIGBUS, SIG_DFL);
	return faulted;
}

static bool is_mapped(void *addr)
{
	unsigned char vec;

	if (!mincore(addr, page_size, &vec))
		return true;
	CHECK_EQ(errno, ENOMEM);
	return false;
}

/*
 * Is the parent's buffer visible at its address? Normally the range is
 * simply unmapped in the child; a sanitizer runtime may already have put
 * its own memory into the hole, which is fine as long as it is not ours.
 */
static bool parent_pages_visible(const struct dmabuf_heap_buf *b, uint64_t tag)
{
	size_t off;

	for (off = 0; off < b->mapped_length; off += page_size) {
		const uint64_t *w =
			(const uint64_t *)((uint8_t *)b->addr + off);

		if (!is_mapped((void *)w)) {
			if (!read_faults((const uint8_t *)w))
				return true; /* mincore and a read disagree */
			continue;
		}
		if (*w == (tag ^ (off / 8 * 0x9e3779b97f4a7c15ULL)))
			return true;
	}
	return false;
}

/* Exit code 0: the child saw nothing of the heap's pages. */
static int fork_child(struct dmabuf_heap *heap, struct dmabuf_heap_buf *b,
		      uint64_t tag, void *control)
{
	struct dmabuf_heap_buf x;
	struct dmabuf_heap_stats st;
	bool ours = false;
	uint64_t off;
	void *reuse;
	int fd;

	/* The test can tell mapped from unmapped: private memory stays. */
	if (!is_mapped(control) || read_faults(control))
		return 10;
	if (parent_pages_visible(b, tag))
		return 11;
	if (dmabuf_heap_alloc(heap, page_size, &x) != EPERM)
		return 13;
	if (dmabuf_heap_free(heap, b) != EPERM)
		return 14;
	if (dmabuf_heap_export_fd(heap, b, &fd, &off) != EPERM)
		return 15;
	if (dmabuf_heap_get_stats(heap, &st) != EPERM)
		return 16;
	/*
	 * The range is free in the child and may be reused; close() must
	 * not unmap what the child put there.
	 */
	reuse = b->addr;
	if (!is_mapped(reuse)) {
		reuse = mmap(b->addr, page_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			     -1, 0);
		if (reuse != b->addr)
			return 17;
		memset(reuse, 7, page_size);
		ours = true;
	}
	/* The child may release its copies; the parent keeps its own. */
	if (dmabuf_heap_close(heap) != 1)
		return 18;
	if (!is_mapped(reuse) || (ours && *(uint8_t *)reuse != 7))
		return 19;
	return 0;
}

static void fork_with(bool device)
{
	struct dmabuf_heap *heap =
		device ? open_device_heap(8 * page_size) :
			 open_memfd_heap(new_backend(), 8 * page_size, 1);
	void *control = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct dmabuf_heap_buf b;
	int status;
	pid_t pid;

	CHECK(control != MAP_FAILED);
	memset(control, 1, page_size);
	CHECK_EQ(dmabuf_heap_alloc(heap, 2 * page_size, &b), 0);
	fill(&b, 0xf0f0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(fork_child(heap, &b, 0xf0f0, control));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* The parent is unaffected. */
	CHECK(holds(&b, 0xf0f0));
	check_fd_view(&b);
	CHECK_EQ(dmabuf_heap_free(heap, &b), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &b), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &b), 0);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	munmap(control, page_size);
}

static void test_fork(void)
{
	fork_with(false);
}

static void test_device_fork(void)
{
	fork_with(true);
}

/* ---- the real heap device (irdma-emu-run --cc or a CoCo guest) ---- */

static void test_device(void)
{
	unsigned int base_fds = test_count_fds();
	struct dmabuf_heap *heap = dmabuf_heap_open(NULL);
	struct dmabuf_heap_buf b[64];
	struct dmabuf_heap_stats st;
	unsigned int i;
	uint64_t off;
	int fd;

	if (!heap) {
		fprintf(stderr, "open %s/%s: %s\n", DMABUF_HEAP_DEFAULT_DIR,
			DMABUF_HEAP_DEFAULT_NAME, strerror(errno));
		exit(1);
	}
	for (i = 0; i < 64; i++) {
		CHECK_EQ(
			dmabuf_heap_alloc(heap, (1 + i % 5) * page_size, &b[i]),
			0);
		CHECK(all_zero(b[i].addr, b[i].mapped_length));
		fill(&b[i], i);
	}
	st = stats_of(heap);
	CHECK_EQ(st.live_fds, st.live_slabs + 1); /* + heap device */
	CHECK_EQ(st.live_slabs, 1);
	/* ">=": the emulator may hold fds of its own per DMA-buf. */
	CHECK(test_count_fds() >= base_fds + 2);
	for (i = 0; i < 64; i++) {
		CHECK(holds(&b[i], i));
		check_fd_view(&b[i]);
	}
	CHECK_EQ(dmabuf_heap_export_fd(heap, &b[5], &fd, &off), 0);
	CHECK(fd >= 0);
	CHECK_EQ(off, b[5].offset);
	close(fd);
	/* Reused pages come back zeroed from a real heap too. */
	CHECK_EQ(dmabuf_heap_free(heap, &b[0]), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, page_size, &b[0]), 0);
	CHECK_EQ(b[0].offset, 0);
	CHECK(all_zero(b[0].addr, b[0].mapped_length));
	CHECK_EQ(dmabuf_heap_free(heap, &b[1]), 0);
	CHECK_EQ(dmabuf_heap_alloc_dedicated(heap, 3 * page_size, &b[1]), 0);
	CHECK_EQ(b[1].offset, 0);
	CHECK(b[1].fd != b[2].fd);
	check_fd_view(&b[1]);
	for (i = 0; i < 64; i++)
		CHECK_EQ(dmabuf_heap_free(heap, &b[i]), 0);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	CHECK_EQ(test_count_fds(), base_fds);
}

static void test_device_many(void)
{
	many_buffers(true);
}

/* Under irdma-emu-run --fail heap:3:ENOMEM: the 3rd DMA-buf fails. */
static void test_device_enomem(void)
{
	unsigned int base_fds = test_count_fds();
	struct dmabuf_heap *heap = open_device_heap(4 * page_size);
	struct dmabuf_heap_buf b[3];

	CHECK_EQ(dmabuf_heap_alloc(heap, 4 * page_size, &b[0]), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 4 * page_size, &b[1]), 0);
	CHECK_EQ(dmabuf_heap_alloc(heap, 4 * page_size, &b[2]), ENOMEM);
	CHECK_EQ(stats_of(heap).live_slabs, 2);
	CHECK_EQ(stats_of(heap).live_fds, 3);
	CHECK(test_count_fds() >= base_fds + 3);
	/* The fault fired once; the heap carries on. */
	CHECK_EQ(dmabuf_heap_alloc(heap, 4 * page_size, &b[2]), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &b[0]), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &b[1]), 0);
	CHECK_EQ(dmabuf_heap_free(heap, &b[2]), 0);
	CHECK_EQ(dmabuf_heap_close(heap), 0);
	CHECK_EQ(test_count_fds(), base_fds);
}

/* Not a CoCo guest (irdma-emu-run without --cc): no heap, clean errno. */
static void test_no_device(void)
{
	errno = 0;
	CHECK(!dmabuf_heap_open(NULL));
	CHECK_EQ(errno, ENOENT);
}

static const struct test_case cases[] = {
	{ "basic", test_basic },
	{ "reuse", test_reuse },
	{ "packing", test_packing },
	{ "wide", test_wide },
	{ "slab_return", test_slab_return },
	{ "many", test_many },
	{ "large", test_large },
	{ "backend_errors", test_backend_errors },
	{ "bad_input", test_bad_input },
	{ "tunables", test_tunables },
	{ "export", test_export },
	{ "threads", test_threads },
	{ "fork", test_fork },
	{ "device", test_device },
	{ "device_many", test_device_many },
	{ "device_enomem", test_device_enomem },
	{ "device_fork", test_device_fork },
	{ "no_device", test_no_device },
};

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	/* The tests pick their own tunables. */
	unsetenv(DMABUF_HEAP_ENV_SLAB_SIZE);
	unsetenv(DMABUF_HEAP_ENV_MAX_CACHED);
	return TEST_RUN_CASES(cases, argc, argv);
}
