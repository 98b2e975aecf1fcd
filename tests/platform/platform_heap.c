// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulated DMA-buf heap /dev/dma_heap/system_cc_shared:
 *   platform_heap absent    (no --cc) the node does not exist
 *   platform_heap present   (--cc) the node exists; DMA_HEAP_IOCTL_ALLOC
 *                           validates like the kernel; buffers map, share
 *                           their pages between mappings and fds, resolve
 *                           from dup'ed fds, and are freed when the last
 *                           fd and mapping go away
 *   platform_heap fail      (--cc --fail heap:2:ENOMEM) the second
 *                           allocation fails with ENOMEM
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "common/check.h"
#include "common/process.h"
#include "common/emu.h"

#define HEAP "/dev/dma_heap/system_cc_shared"

static size_t (*live_buffers)(void);
static size_t (*live_mappings)(void);
static int (*resolve)(int fd, uint64_t *size, void **kva);

static int heap_alloc(int heap, uint64_t len, uint32_t fd_flags,
		      uint64_t heap_flags, int *err)
{
	struct dma_heap_allocation_data d = {
		.len = len,
		.fd_flags = fd_flags,
		.heap_flags = heap_flags,
	};

	*err = 0;
	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d)) {
		*err = errno;
		return -1;
	}
	return d.fd;
}

static void test_absent(void)
{
	struct stat st;

	errno = 0;
	CHECK(stat(HEAP, &st) == -1 && errno == ENOENT, "stat: %s",
	      strerror(errno));
	errno = 0;
	CHECK(open(HEAP, O_RDWR | O_CLOEXEC) == -1 && errno == ENOENT,
	      "open: %s", strerror(errno));
	CHECK(access(HEAP, F_OK) == -1, "access says it exists");
}

static void test_validation(int heap)
{
	struct dma_heap_allocation_data d = { .len = 4096, .fd = 5 };
	int fd, err;

	fd = heap_alloc(heap, 0, O_RDWR | O_CLOEXEC, 0, &err);
	CHECK(fd < 0 && err == EINVAL, "len 0: %d/%d", fd, err);
	fd = heap_alloc(heap, 4096, O_RDWR | O_CLOEXEC | O_APPEND, 0, &err);
	CHECK(fd < 0 && err == EINVAL, "fd_flags O_APPEND: %d/%d", fd, err);
	fd = heap_alloc(heap, 4096, O_RDWR | O_CLOEXEC, 1, &err);
	CHECK(fd < 0 && err == EINVAL, "heap_flags 1: %d/%d", fd, err);
	errno = 0;
	CHECK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) == -1 && errno == EINVAL,
	      "fd preset: %s", strerror(errno));
	errno = 0;
	CHECK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, (void *)16) == -1 &&
		      errno == EFAULT,
	      "bad pointer: %s", strerror(errno));
	errno = 0;
	CHECK(ioctl(heap, _IO('H', 0x7f)) == -1 && errno == ENOTTY,
	      "unknown ioctl: %s", strerror(errno));
	CHECK(live_buffers() == 0, "a refused allocation left a buffer");
}

static void test_buffer(int heap)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_RW };
	uint64_t size;
	void *kva;
	char *a, *b;
	unsigned long nfds = test_count_fds();
	int fd, fd2, err;

	fd = heap_alloc(heap, 5000, O_RDWR | O_CLOEXEC, 0, &err);
	CHECK(fd >= 0, "alloc: %s", strerror(err));
	/* As on a real kernel, a DMA-buf costs its owner exactly one fd. */
	CHECK(test_count_fds() == nfds + 1, "a buffer costs %ld fds",
	      (long)(test_count_fds() - nfds));
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "O_CLOEXEC not honoured");
	CHECK(live_buffers() == 1, "live %zu", live_buffers());
	CHECK(resolve(fd, &size, &kva) == 0 && size == 8192,
	      "resolve: size %llu", (unsigned long long)size);

	a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(live_mappings() == 1, "mappings %zu", live_mappings());
	errno = 0;
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 8192) == MAP_FAILED &&
		      errno == EINVAL,
	      "mmap past the end: %s", strerror(errno));
	CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "sync: %s",
	      strerror(errno));
	sync.flags = 0;
	errno = 0;
	CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == -1 && errno == EINVAL,
	      "sync without direction: %s", strerror(errno));

	/* A dup'ed fd is the same buffer, for mmap and for the driver. */
	fd2 = dup(fd);
	CHECK(fd2 >= 0, "dup");
	CHECK(close(fd) == 0, "close");
	b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 4096);
	CHECK(b != MAP_FAILED, "mmap of the dup: %s", strerror(errno));
	strcpy(a + 4096, "shared page");
	CHECK(!strcmp(b, "shared page"), "mappings do not share pages");
	CHECK(!strcmp((char *)kva + 4096, "shared page"),
	      "driver view differs");
	CHECK(resolve(fd2, &size, &kva) == 0, "resolve dup");
	CHECK(resolve(1, &size, &kva) == -EBADF, "stdout resolved");

	/* Freed only when the last fd and mapping are gone. */
	CHECK(close(fd2) == 0, "close dup");
	CHECK(live_buffers() == 1, "freed while mapped");
	CHECK(munmap(a, 8192) == 0, "munmap a");
	CHECK(live_buffers() == 1 && live_mappings() == 1,
	      "freed while mapped (b)");
	CHECK(munmap(b, 4096) == 0, "munmap b");
	CHECK(live_buffers() == 0 && live_mappings() == 0,
	      "leak: %zu buffers %zu mappings", live_buffers(),
	      live_mappings());
}

/* munmap of the middle of a mapping keeps both ends recorded. */
static void test_split(int heap)
{
	int fd, err;
	char *a;

	fd = heap_alloc(heap, 3 * 4096, O_RDWR | O_CLOEXEC, 0, &err);
	CHECK(fd >= 0, "alloc: %s", strerror(err));
	a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED, "mmap");
	close(fd);
	CHECK(munmap(a + 4096, 4096) == 0, "munmap middle");
	CHECK(live_mappings() == 2, "mappings after split %zu",
	      live_mappings());
	CHECK(munmap(a, 3 * 4096) == 0, "munmap all");
	CHECK(live_buffers() == 0 && live_mappings() == 0, "leak after split");
}

static void test_fail(int heap)
{
	int fd, err;

	fd = heap_alloc(heap, 4096, O_RDWR | O_CLOEXEC, 0, &err);
	CHECK(fd >= 0, "first alloc: %s", strerror(err));
	close(fd);
	fd = heap_alloc(heap, 4096, O_RDWR | O_CLOEXEC, 0, &err);
	CHECK(fd < 0 && err == ENOMEM, "second alloc: want ENOMEM, got %d/%s",
	      fd, strerror(err));
	fd = heap_alloc(heap, 4096, O_RDWR | O_CLOEXEC, 0, &err);
	CHECK(fd >= 0, "third alloc: %s", strerror(err));
	close(fd);
	CHECK(live_buffers() == 0, "leak");
}

int main(int argc, char **argv)
{
	struct stat st;
	int heap;

	if (argc != 2) {
		fprintf(stderr, "usage: %s absent|present|fail\n", argv[0]);
		return 2;
	}
	live_buffers = test_emu_sym("emu_heap_live_buffers");
	live_mappings = test_emu_sym("emu_heap_live_mappings");
	resolve = test_emu_sym("emu_dmabuf_resolve");
	if (!strcmp(argv[1], "absent")) {
		test_absent();
		printf("PASS\n");
		return 0;
	}
	CHECK(stat(HEAP, &st) == 0 && S_ISCHR(st.st_mode), "stat: %s",
	      strerror(errno));
	CHECK(access(HEAP, R_OK) == 0, "access");
	heap = open(HEAP, O_RDWR | O_CLOEXEC);
	CHECK(heap >= 0, "open: %s", strerror(errno));
	if (!strcmp(argv[1], "fail")) {
		test_fail(heap);
	} else {
		test_validation(heap);
		test_buffer(heap);
		test_split(heap);
	}
	close(heap);
	printf("PASS\n");
	return 0;
}
