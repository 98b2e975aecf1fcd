// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The exit summary (IRDMA_EMU_REPORT=1): what the process registered with
 * the emulated device over its lifetime, and whether the device ever had
 * to touch private (non-shared) memory. scripts/demo and tests grep the
 * wording: keep it stable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_priv.h"
#include "device/hw.h"
#include "platform/platform.h"

/*
 * Cumulative registrations per device: [type][0 = all, 1 = DMA-buf]. MRs
 * count when registered, rings when a QP/CQ/SRQ takes them into use (so a
 * CQ's separately registered shadow area is not a second CQ ring).
 */
static unsigned long regs[EMU_MAX_DEVICES][4][2];
static bool used[EMU_MAX_DEVICES];

/*
 * The rings queues were created on (one per QP, CQ or SRQ; shadow areas
 * not counted), [type][ABI that registered them]: plain memory by reg_mr,
 * the write-ext DMA-buf reg_mr, REG_DMABUF_MR with irdma's ring
 * attributes (dmabuf-mr), UMEM descriptors at create (umem).
 */
enum {
	RING_BY_VA,
	RING_BY_WRITE_EXT,
	RING_BY_DMABUF_MR,
	RING_BY_UMEM,
	RING_BY_N
};
static unsigned long rings_by[EMU_MAX_DEVICES][4][RING_BY_N];

static unsigned int ring_by(const struct emu_mr *mr)
{
	if (mr->ring_abi == EMU_RING_ABI_DMABUF_MR)
		return RING_BY_DMABUF_MR;
	if (mr->ring_abi == EMU_RING_ABI_UMEM)
		return RING_BY_UMEM;
	return mr->dmabuf ? RING_BY_WRITE_EXT : RING_BY_VA;
}

void emu_report_registration(const struct emu_mr *mr)
{
	unsigned int d = mr->obj.file->dev->index;
	unsigned int t = mr->mr_type < 4 ? mr->mr_type : 0;

	__atomic_store_n(&used[d], true, __ATOMIC_RELAXED);
	__atomic_add_fetch(&regs[d][t][0], 1, __ATOMIC_RELAXED);
	if (mr->dmabuf)
		__atomic_add_fetch(&regs[d][t][1], 1, __ATOMIC_RELAXED);
	if (t != EMU_MR_MEM)
		__atomic_add_fetch(&rings_by[d][t][ring_by(mr)], 1,
				   __ATOMIC_RELAXED);
}

static const char *const ring_by_names[RING_BY_N] = {
	[RING_BY_VA] = "VA",
	[RING_BY_WRITE_EXT] = "write-ext",
	[RING_BY_DMABUF_MR] = "dmabuf-mr",
	[RING_BY_UMEM] = "umem",
};

unsigned long emu_kernel_rings_by(const char *abi)
{
	unsigned long n = 0;
	unsigned int a, d, t;

	for (a = 0; a < RING_BY_N; a++)
		if (!strcmp(abi, ring_by_names[a]))
			break;
	for (d = 0; a < RING_BY_N && d < EMU_MAX_DEVICES; d++)
		for (t = 0; t < 4; t++)
			n += __atomic_load_n(&rings_by[d][t][a],
					     __ATOMIC_RELAXED);
	return n;
}

/* A third line: which ring ABI carried the rings. */
static void report_ring_abis(unsigned int d)
{
	const char *const *names = ring_by_names;
	char line[512];
	size_t used_len;
	unsigned int a;
	int n;

	n = snprintf(line, sizeof(line),
		     "irdma-emu[%d] uverbs%u: rings by ABI:", (int)getpid(), d);
	for (a = 0; n > 0 && (size_t)n < sizeof(line) && a < RING_BY_N; a++) {
		used_len = n;
		n += snprintf(line + used_len, sizeof(line) - used_len,
			      "%s %s QP %lu CQ %lu SRQ %lu", a ? "," : "",
			      names[a], rings_by[d][EMU_MR_QP][a],
			      rings_by[d][EMU_MR_CQ][a],
			      rings_by[d][EMU_MR_SRQ][a]);
	}
	if (n <= 0 || (size_t)n >= sizeof(line) - 1)
		return;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

/* A second line, so the first keeps its wording. */
static void report_push(unsigned int d)
{
	struct emu_push_stats s;
	char line[256];
	int n;

	emu_hw_push_stats(d, &s);
	n = snprintf(
		line, sizeof(line),
		"irdma-emu[%d] uverbs%u: push pages %lu, push doorbells %lu (foreign %lu, without their WQE %lu), WQEs marked pushed %lu (without a page %lu)\n",
		(int)getpid(), d, emu_push_pages_given(d), s.doorbells,
		s.foreign, s.no_copy, s.marked, s.bad_bits);
	if (n > 0 &&
	    write(STDERR_FILENO, line,
		  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		return;
}

unsigned long emu_push_violations(void)
{
	struct emu_push_stats s;
	unsigned long bad = 0;
	unsigned int d;

	for (d = 0; d < EMU_MAX_DEVICES; d++) {
		emu_hw_push_stats(d, &s);
		if (s.foreign + s.no_copy + s.bad_bits)
			fprintf(stderr,
				"irdma-emu: push: uverbs%u: %lu doorbells naming another QP, %lu without their WQE, %lu WQEs marked pushed without a page (pid %d)\n",
				d, s.foreign, s.no_copy, s.bad_bits,
				(int)getpid());
		bad += s.foreign + s.no_copy + s.bad_bits;
	}
	return bad;
}

void emu_kernel_report_at_exit(void)
{
	const char *want = getenv("IRDMA_EMU_REPORT");
	char reads[32], writes[32], line[512];
	unsigned int d;

	if (!want || strcmp(want, "1"))
		return;
	/* the platform's memory model counts these (only under --cc) */
	snprintf(reads, sizeof(reads), "%lu", emu_dma_private_reads());
	snprintf(writes, sizeof(writes), "%lu", emu_dma_private_writes());
	for (d = 0; d < EMU_MAX_DEVICES; d++) {
		unsigned long(*r)[2] = regs[d];

		if (!__atomic_load_n(&used[d], __ATOMIC_RELAXED))
			continue;
		int n = snprintf(
			line, sizeof(line),
			"irdma-emu[%d] uverbs%u: registered QP rings %lu (DMA-buf %lu), CQ rings %lu (DMA-buf %lu), SRQ rings %lu, MRs %lu (DMA-buf %lu); device accesses to private memory: reads %s, writes %s\n",
			(int)getpid(), d, r[EMU_MR_QP][0], r[EMU_MR_QP][1],
			r[EMU_MR_CQ][0], r[EMU_MR_CQ][1], r[EMU_MR_SRQ][0],
			r[EMU_MR_MEM][0], r[EMU_MR_MEM][1], reads, writes);

		/* one write(), so lines of processes sharing stderr stay whole */
		if (n > 0 &&
		    write(STDERR_FILENO, line,
			  (size_t)n < sizeof(line) ? (size_t)n :
						     sizeof(line) - 1) < 0)
			return;
		report_push(d);
		report_ring_abis(d);
	}
}
