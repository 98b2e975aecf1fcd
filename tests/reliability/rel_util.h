/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Helpers shared by the reliability tests (tests/reliability/rel_*.c):
 * the emulator's test hooks (found with dlsym, so the programs also link
 * and start without it), resource counters for leak checks, and small
 * verbs building blocks (RC QPs connected inside one process, polling
 * with a deadline).
 */
#ifndef IRDMA_TESTS_REL_UTIL_H
#define IRDMA_TESTS_REL_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <infiniband/verbs.h>

#include "common/check.h"
#include "common/emu.h"
#include "common/process.h"
#include "common/verbs.h"

/* Fault kinds as tests/emu/platform/platform.h numbers them. */
enum rel_fault_kind {
	REL_FAULT_CMD = 0,
	REL_FAULT_HEAP = 1,
	REL_FAULT_MMAP = 2,
};

/* Exits unless the process runs under irdma-emu-run. */
void rel_need_emulator(void);
/* Arm the @n-th operation of @kind from now on to fail with @err. */
void rel_fault_arm(enum rel_fault_kind kind, unsigned long n, int err);
void rel_fault_clear_all(void);

/* What a process holds that a failed or finished verb must give back. */
struct rel_snapshot {
	unsigned long fds; /* entries in /proc/self/fd */
	unsigned long maps; /* lines of /proc/self/maps */
	unsigned long kobjs; /* live objects of the emulated driver */
	unsigned long heap_bufs; /* live DMA-bufs of the emulated heap */
	unsigned long heap_maps; /* their recorded user mappings */
};

void rel_snapshot(struct rel_snapshot *s);
/*
 * Compare with an earlier snapshot; prints what differs (prefixed with
 * @what) and returns false if anything does.
 */
bool rel_snapshot_same(const struct rel_snapshot *before,
		       const struct rel_snapshot *after, const char *what);

/* INIT -> RTR -> RTS of an RC QP towards @remote_qpn on @gid (loopback). */
int rel_rc_connect(struct ibv_qp *qp, uint32_t remote_qpn,
		   const union ibv_gid *gid);

#endif /* IRDMA_TESTS_REL_UTIL_H */
