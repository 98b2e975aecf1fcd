// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * What the emulated device sees of process memory.
 *
 * Copies go through process_vm_readv/writev on our own pid: the kernel
 * then checks the mapping and its protection for us and answers EFAULT
 * instead of delivering SIGSEGV, which is what a device (or an IOMMU) does
 * with a bad address.
 *
 * With --cc, guest memory is encrypted unless it is a shared-heap mapping:
 * the device reads ciphertext (modelled as plaintext XOR an address-keyed
 * stream, so it is deterministic but useless) and its writes are lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config.h"
#include "heap.h"
#include "memory.h"

/*
 * Under memcheck, bytes written with process_vm_writev look uninitialised
 * (valgrind cannot see a "remote" write land in its own guest). A device
 * DMA defines memory, so say so; a no-op outside valgrind.
 */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define EMU_MARK_DEFINED(va, len) \
	VALGRIND_MAKE_MEM_DEFINED((void *)(uintptr_t)(va), (len))
#endif
#endif
#ifndef EMU_MARK_DEFINED
#define EMU_MARK_DEFINED(va, len) ((void)(va), (void)(len))
#endif

size_t emu_page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}

static pid_t self_pid(void)
{
	/* Not cached: a forked child must read its own memory. */
	return getpid();
}

/* Set once process_vm_* turns out to be filtered (seccomp) or missing. */
static int vm_copy_blocked;

static int self_copy(void *local, uint64_t va, size_t len, bool to_process)
{
	struct iovec l = { local, len };
	struct iovec r = { (void *)(uintptr_t)va, len };
	ssize_t n;

	if (!len)
		return 0;
	if (va + len < va)
		return -EFAULT;
	if (!__atomic_load_n(&vm_copy_blocked, __ATOMIC_RELAXED)) {
		n = to_process ?
			    process_vm_writev(self_pid(), &l, 1, &r, 1, 0) :
			    process_vm_readv(self_pid(), &l, 1, &r, 1, 0);
		if (n == (ssize_t)len) {
			if (to_process)
				EMU_MARK_DEFINED(va, len);
			return 0;
		}
		if (n >= 0 || (errno != ENOSYS && errno != EPERM))
			return -EFAULT;
		__atomic_store_n(&vm_copy_blocked, 1, __ATOMIC_RELAXED);
	}
	/* No safety net left: right for every valid address. */
	if (to_process)
		memcpy((void *)(uintptr_t)va, local, len);
	else
		memcpy(local, (const void *)(uintptr_t)va, len);
	return 0;
}

int emu_mem_read(void *dst, uint64_t va, size_t len)
{
	return self_copy(dst, va, len, false);
}

int emu_mem_write(uint64_t va, const void *src, size_t len)
{
	return self_copy((void *)src, va, len, true);
}

/* Device accesses that hit private memory (--cc), for the exit report. */
static unsigned long private_reads, private_writes;
static unsigned long private_read_bytes, private_write_bytes;

static void count_private(unsigned long *calls, unsigned long *bytes, size_t n)
{
	__atomic_fetch_add(calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(bytes, n, __ATOMIC_RELAXED);
}

unsigned long emu_dma_private_reads(void)
{
	return __atomic_load_n(&private_reads, __ATOMIC_RELAXED);
}

unsigned long emu_dma_private_writes(void)
{
	return __atomic_load_n(&private_writes, __ATOMIC_RELAXED);
}

unsigned long emu_dma_private_read_bytes(void)
{
	return __atomic_load_n(&private_read_bytes, __ATOMIC_RELAXED);
}

unsigned long emu_dma_private_write_bytes(void)
{
	return __atomic_load_n(&private_write_bytes, __ATOMIC_RELAXED);
}

static uint64_t mix64(uint64_t x)
{
	/* splitmix64 finaliser: every input bit affects every output bit. */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void emu_scramble(uint64_t va, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t a = va + i;

		p[i] ^= mix64((a >> 3) ^ 0x63634d454d555245ULL) >>
			((a & 7) * 8);
	}
}

bool emu_dma_visible(uint64_t va, size_t len)
{
	uint64_t next;

	if (!emu_config()->cc)
		return true;
	if (!len)
		return true;
	return emu_heap_shared_prefix(va, len, &next) == len;
}

int emu_dma_read(void *dst, uint64_t va, size_t len)
{
	uint8_t *out = dst;
	size_t done = 0, priv = 0;
	uint64_t next;
	int ret = 0;

	if (va + len < va)
		return -EFAULT;
	if (!emu_config()->cc)
		return emu_mem_read(dst, va, len);
	while (done < len) {
		size_t chunk =
			emu_heap_shared_prefix(va + done, len - done, &next);
		bool shared = chunk != 0;

		if (!shared) {
			chunk = len - done;
			if (next - (va + done) < chunk)
				chunk = next - (va + done);
		}
		ret = emu_mem_read(out + done, va + done, chunk);
		if (ret)
			break;
		if (!shared) {
			emu_scramble(va + done, out + done, chunk);
			priv += chunk;
		}
		done += chunk;
	}
	if (priv)
		count_private(&private_reads, &private_read_bytes, priv);
	return ret;
}

int emu_dma_write(uint64_t va, const void *src, size_t len)
{
	const uint8_t *in = src;
	size_t done = 0, priv = 0;
	uint8_t probe;
	uint64_t next;
	int ret = 0;

	if (va + len < va)
		return -EFAULT;
	if (!emu_config()->cc)
		return emu_mem_write(va, src, len);
	while (done < len) {
		size_t chunk =
			emu_heap_shared_prefix(va + done, len - done, &next);

		if (chunk) {
			ret = emu_mem_write(va + done, in + done, chunk);
			if (ret)
				break;
			done += chunk;
			continue;
		}
		/*
		 * Private memory: the write is lost, but an unmapped target
		 * still faults. Probing one byte per page is enough.
		 */
		chunk = len - done;
		if (next - (va + done) < chunk)
			chunk = next - (va + done);
		while (chunk) {
			uint64_t at = va + done;
			size_t in_page = EMU_PAGE_SIZE - (at & ~EMU_PAGE_MASK);
			size_t n = chunk < in_page ? chunk : in_page;

			ret = emu_mem_read(&probe, at, 1);
			if (ret)
				goto out;
			done += n;
			chunk -= n;
			priv += n;
		}
	}
out:
	if (priv)
		count_private(&private_writes, &private_write_bytes, priv);
	return ret;
}
