// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The device's view of process memory (emu_dma_read/write/visible):
 *   platform_dma plain   (no --cc) every mapped byte is visible as is;
 *                        unmapped memory is -EFAULT, not a crash
 *   platform_dma cc      (--cc) shared-heap mappings are visible as is;
 *                        private memory reads as deterministic garbage and
 *                        swallows writes; unmapping a heap mapping makes
 *                        its addresses private again
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-heap.h>

#include "common/check.h"
#include "common/emu.h"

static int (*dma_read)(void *dst, uint64_t va, size_t len);
static int (*dma_write)(uint64_t va, const void *src, size_t len);
static bool (*dma_visible)(uint64_t va, size_t len);
static unsigned long (*private_reads)(void);
static unsigned long (*private_writes)(void);
static unsigned long (*private_read_bytes)(void);

#define LEN 256

static uint64_t va_of(const void *p)
{
	return (uintptr_t)p;
}

static void fill(char *p, size_t len, char seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = seed + i * 7;
}

/* A page nobody has mapped: map and unmap one. */
static void *unmapped_page(void)
{
	void *p =
		mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED, "mmap");
	munmap(p, 4096);
	return p;
}

static void test_plain(void)
{
	char *priv = malloc(LEN), got[LEN], data[LEN];

	fill(priv, LEN, 1);
	CHECK(dma_visible(va_of(priv), LEN), "private not visible w/o cc");
	CHECK(dma_read(got, va_of(priv), LEN) == 0, "read");
	CHECK(!memcmp(got, priv, LEN), "read returned other bytes");
	fill(data, LEN, 9);
	CHECK(dma_write(va_of(priv), data, LEN) == 0, "write");
	CHECK(!memcmp(priv, data, LEN), "write not applied");
	CHECK(dma_read(got, va_of(unmapped_page()), 16) == -EFAULT,
	      "read of unmapped memory");
	CHECK(dma_write(va_of(unmapped_page()), data, 16) == -EFAULT,
	      "write to unmapped memory");
	CHECK(private_reads() == 0 && private_writes() == 0,
	      "private accesses counted without cc");
	free(priv);
}

static char *heap_buffer(size_t len)
{
	struct dma_heap_allocation_data d = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open("/dev/dma_heap/system_cc_shared", O_RDWR | O_CLOEXEC);
	char *p;

	CHECK(heap >= 0, "open heap: %s", strerror(errno));
	CHECK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) == 0, "alloc: %s",
	      strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d.fd, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	close(d.fd);
	close(heap);
	return p;
}

static void test_cc(void)
{
	char *priv = malloc(LEN), *shared = heap_buffer(8192);
	char got[LEN], again[LEN], data[LEN], before[LEN];
	char *moved;
	size_t same = 0, i;

	/* Shared: the device sees and changes the real bytes. */
	fill(shared, LEN, 3);
	CHECK(dma_visible(va_of(shared), 8192), "heap not visible");
	CHECK(dma_read(got, va_of(shared), LEN) == 0, "read shared");
	CHECK(!memcmp(got, shared, LEN), "shared read differs");
	fill(data, LEN, 5);
	CHECK(dma_write(va_of(shared), data, LEN) == 0, "write shared");
	CHECK(!memcmp(shared, data, LEN), "shared write lost");

	CHECK(private_reads() == 0 && private_writes() == 0,
	      "shared accesses counted as private");

	/* Private: ciphertext, stable, and writes vanish. */
	fill(priv, LEN, 1);
	CHECK(!dma_visible(va_of(priv), LEN), "private visible with cc");
	CHECK(dma_read(got, va_of(priv), LEN) == 0, "read private");
	for (i = 0; i < LEN; i++)
		same += got[i] == priv[i];
	CHECK(same < LEN / 8, "private read leaks plaintext (%zu/%d bytes)",
	      same, LEN);
	CHECK(dma_read(again, va_of(priv), LEN) == 0 &&
		      !memcmp(got, again, LEN),
	      "scrambling is not deterministic");
	memcpy(before, priv, LEN);
	CHECK(dma_write(va_of(priv), data, LEN) == 0, "write private");
	CHECK(!memcmp(priv, before, LEN), "private write reached memory");
	CHECK(private_reads() == 2 && private_read_bytes() == 2 * LEN &&
		      private_writes() == 1,
	      "private accesses: %lu reads (%lu bytes), %lu writes",
	      private_reads(), private_read_bytes(), private_writes());

	/* A range straddling shared and private is not visible. */
	CHECK(!dma_visible(va_of(shared) + 8192 - 16, 32) ||
		      dma_visible(va_of(shared) + 8192, 16),
	      "straddling range visible");
	CHECK(dma_read(got, va_of(unmapped_page()), 16) == -EFAULT,
	      "read of unmapped memory");
	CHECK(dma_write(va_of(unmapped_page()), data, 16) == -EFAULT,
	      "write to unmapped memory");

	/* Unmapped heap memory is no longer shared. */
	CHECK(munmap(shared, 8192) == 0, "munmap");
	CHECK(!dma_visible(va_of(shared), 16), "stale shared record");

	/* A moved heap mapping is conservatively private at both ends. */
	shared = heap_buffer(4096);
	moved = mremap(shared, 4096, 8192, MREMAP_MAYMOVE);
	CHECK(moved != MAP_FAILED, "mremap: %s", strerror(errno));
	CHECK(!dma_visible(va_of(shared), 16) && !dma_visible(va_of(moved), 16),
	      "mremap kept a shared record");
	munmap(moved, 8192);
	free(priv);
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "plain") && strcmp(argv[1], "cc"))) {
		fprintf(stderr, "usage: %s plain|cc\n", argv[0]);
		return 2;
	}
	dma_read = test_emu_sym("emu_dma_read");
	dma_write = test_emu_sym("emu_dma_write");
	dma_visible = test_emu_sym("emu_dma_visible");
	private_reads = test_emu_sym("emu_dma_private_reads");
	private_writes = test_emu_sym("emu_dma_private_writes");
	private_read_bytes = test_emu_sym("emu_dma_private_read_bytes");
	if (!strcmp(argv[1], "plain"))
		test_plain();
	else
		test_cc();
	printf("PASS\n");
	return 0;
}
