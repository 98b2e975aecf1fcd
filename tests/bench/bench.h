/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * irdma-bench: fast path, control path and scale figures of an irdma
 * provider on the emulated device.
 *
 * The program has two roles. Started normally it is the *runner*: it
 * starts itself as a *worker* under build/bin/irdma-emu-run (and, for
 * instruction counts, under valgrind --tool=callgrind) once per provider
 * and phase, collects the workers' result lines and prints them, plus
 * ours/upstream ratios with --compare. Started under irdma-emu-run
 * without --worker it runs every phase the emulator's configuration
 * allows, in-process, for the provider that emulator loaded.
 *
 * Every figure is one line on stdout:
 *   bench=<name> provider=<label> metric=<metric> value=<number|na>
 * A figure that could not be measured has value=na and a trailing
 * reason=<word>; nothing else is ever printed on stdout.
 */
#ifndef IRDMA_BENCH_H
#define IRDMA_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <infiniband/verbs.h>

#include "common/device.h"

/* ---- options shared by runner and workers -------------------------- */

struct bench_opts {
	const char *label; /* provider label printed on each line */
	unsigned int gen; /* hardware generation for the emulator */
	bool quick; /* tiny loops: the ctest smoke test */
	bool instr; /* worker: count instructions (under callgrind) */
	bool perf; /* worker: count instructions with the CPU's counters */
	unsigned long fast_ops; /* ops per fast-path figure (timing) */
	unsigned long instr_ops; /* ops per fast-path figure (callgrind) */
	unsigned long ctl_ops; /* create+destroy pairs per control figure */
	unsigned long scale_max; /* stop the scale test at this many QPs */
};

/* ---- result lines (report.c) --------------------------------------- */

void bench_print(const char *bench, const char *label, const char *metric,
		 double value);
/* Like bench_print, with a trailing key=value note (e.g. "source=perf"). */
void bench_print_note(const char *bench, const char *label, const char *metric,
		      double value, const char *note);
void bench_print_na(const char *bench, const char *label, const char *metric,
		    const char *reason);
/* Short reason word for an errno value, e.g. "errno_ENOMEM". */
const char *bench_errno_word(int err);

/* ---- time ----------------------------------------------------------- */

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- one open device (verbs_env.c) --------------------------------- */

#define BENCH_BUF_SIZE (256 * 1024)

struct bench_dev {
	struct test_dev dev; /* context, PD, attributes, GID entry 0 */
	uint8_t *buf; /* BENCH_BUF_SIZE bytes, registered as mr on dev.pd */
	struct ibv_mr *mr;
	bool cc_bounce; /* IBV_DEVICE_CC_DMA_BOUNCE: a CoCo guest */
	/*
	 * With cc_data on a CoCo device: a CoCo parent domain for rings, and
	 * buf from ibv_alloc_buf() on it (the device sees nothing else).
	 */
	struct ibv_pd *cc_domain;
	struct ibv_buf *cc_buf;
};

/*
 * 0 or an errno; on failure nothing is left open. cc_data: on a CoCo
 * device, put the data buffer in shared memory and set up cc_domain.
 */
int bench_dev_open(struct bench_dev *d, bool cc_data);
void bench_dev_close(struct bench_dev *d);

/*
 * A parent domain over d->pd; cc asks for CoCo (shared, device-visible)
 * ring memory. NULL + errno on failure.
 */
struct ibv_pd *bench_parent_domain(struct bench_dev *d, bool cc);

/* A CQ of depth cqe; on a parent domain if domain is one, else plain. */
struct ibv_cq *bench_create_cq(struct bench_dev *d, struct ibv_pd *domain,
			       int cqe);
struct ibv_qp *bench_create_qp(struct bench_dev *d, struct ibv_pd *domain,
			       enum ibv_qp_type type, struct ibv_cq *scq,
			       struct ibv_cq *rcq, uint32_t depth,
			       uint32_t max_inline);
/* INIT -> RTR -> RTS; RC QPs are connected to peer_qpn (may be their own). */
int bench_qp_to_rts(struct bench_dev *d, struct ibv_qp *qp, uint32_t peer_qpn);
/* An address handle for the device's own GID (loopback). */
struct ibv_ah *bench_self_ah(struct bench_dev *d);

#define BENCH_QKEY 0x11111111u

/* ---- phases (workers) ----------------------------------------------- */

/* Each prints its own lines; returns 0 unless setup failed entirely. */
int bench_fastpath(const struct bench_opts *o);
int bench_ctlpath(const struct bench_opts *o);
int bench_scale(const struct bench_opts *o);
/* Name of fast-path figure i, NULL past the last one. */
const char *bench_fast_figure(unsigned int i);

/* ---- syscall counting at the libc boundary (syscount.c) ------------- */

struct bench_syscount {
	uint64_t calls; /* all counted calls */
	uint64_t cmds; /* uverbs commands: write()s and RDMA_VERBS_IOCTLs */
	uint64_t mmaps; /* mmap + munmap + mremap + madvise */
	uint64_t ioctls;
	uint64_t fd_ops; /* open/close/dup/fcntl/memfd_create/ftruncate */
	uint64_t reg_mr_bytes; /* sum of REG_MR lengths */
	uint64_t reg_mr_pages; /* the same, each rounded up to 4 KiB pages */
	uint64_t reg_mrs; /* REG_MR commands */
};

/*
 * Start/stop counting the calling thread's calls. Only calls made while
 * counting is on, on this thread, and not from inside another counted
 * call (the emulator's own nested calls) are counted.
 */
void bench_syscount_start(void);
void bench_syscount_stop(struct bench_syscount *out);
/* Is the interposition live (symbols exported and reached)? */
bool bench_syscount_works(void);

/* ---- runner (runner.c) ---------------------------------------------- */

struct bench_run_opts {
	struct bench_opts o;
	const char *providers[2]; /* "ours", "upstream" */
	unsigned int nproviders;
	unsigned int rounds;
	bool compare;
	bool push; /* irdma-emu-run --push: push pages on gen 2 and 3 */
	const char *only; /* NULL or a phase name */
	const char *self; /* absolute path of this program */
};

int bench_runner(const struct bench_run_opts *r);

#endif /* IRDMA_BENCH_H */
