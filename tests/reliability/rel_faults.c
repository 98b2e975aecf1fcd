// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Every failure path of object creation: the emulator fails the Nth
 * kernel command (then the Nth mmap, then the Nth DMA-buf heap
 * allocation) with a chosen errno while the test builds a context, PD,
 * CoCo parent domain, buffer, MRs, CQ, QP and SRQ. N walks from 1 until
 * the whole chain no longer reaches the fault. Each time the failing verb
 * must report an errno, everything built before it is torn down, and then
 * no fd, mapping, heap buffer or kernel object may be left over.
 *
 * Usage: rel_faults [--srq] [--plain-cq]
 *   --srq       the device has SRQs: build one too
 *   --plain-cq  ibv_create_cq instead of an extended CQ on the parent
 *               domain (gen 1 has no extended CQs)
 * Prints one line per fault kind with the number of steps failed in turn.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rel_util.h"

/* Stop after this many clean runs in a row: the chain has fewer steps. */
#define CLEAN_RUNS_TO_STOP 3
#define MAX_STEPS 400

struct chain {
	struct ibv_context *ctx;
	struct ibv_pd *pd, *par;
	struct ibv_buf *buf;
	void *mem;
	struct ibv_mr *buf_mr, *plain_mr;
	void *plain;
	struct ibv_cq_ex *cqx;
	struct ibv_cq *cq;
	struct ibv_qp *qp, *srq_qp;
	struct ibv_srq *srq;
	const char *failed_at; /* step that failed, NULL if all worked */
	int err;
};

static bool want_srq;
static bool plain_cq; /* gen 1: no extended CQs, so none on a parent domain */
static unsigned int violations;
static size_t page;

static bool step(struct chain *c, bool ok, const char *name)
{
	if (ok)
		return true;
	c->failed_at = name;
	c->err = errno;
	return false;
}

static struct ibv_qp *qp_on(struct chain *c, struct ibv_srq *srq)
{
	struct ibv_qp_init_attr a = {
		.send_cq = c->cq,
		.recv_cq = c->cq,
		.srq = srq,
		.cap = { .max_send_wr = 16,
			 .max_recv_wr = srq ? 0 : 16,
			 .max_send_sge = 2,
			 .max_recv_sge = srq ? 0 : 2,
			 .max_inline_data = 32 },
		.qp_type = IBV_QPT_RC,
	};

	return ibv_create_qp(c->par, &a);
}

/* Build everything in order; stop at the first failure. */
static void build(struct chain *c)
{
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 64,
		.wc_flags = IBV_WC_STANDARD_FLAGS,
		.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD,
	};
	struct ibv_srq_init_attr sa = {
		.attr = { .max_wr = 32, .max_sge = 2 },
	};

	if (!step(c, (c->ctx = test_open_first_device()) != NULL,
		  "ibv_open_device"))
		return;
	if (!step(c, (c->pd = ibv_alloc_pd(c->ctx)) != NULL, "ibv_alloc_pd"))
		return;
	pa.pd = c->pd;
	if (!step(c, (c->par = ibv_alloc_parent_domain(c->ctx, &pa)) != NULL,
		  "ibv_alloc_parent_domain(CoCo)"))
		return;
	if (!step(c,
		  (c->mem = ibv_alloc_buf(c->par, 2 * page, &c->buf)) != NULL,
		  "ibv_alloc_buf"))
		return;
	if (!step(c,
		  (c->buf_mr = ibv_reg_buf_mr(c->par, c->buf, c->mem, 2 * page,
					      IBV_ACCESS_LOCAL_WRITE)) != NULL,
		  "ibv_reg_buf_mr"))
		return;
	/* Linux 7.2 refuses private memory on a bounce device: no such step */
	if (!test_emu_va_refused() &&
	    !step(c,
		  (c->plain_mr = ibv_reg_mr(c->pd, c->plain, page,
					    IBV_ACCESS_LOCAL_WRITE)) != NULL,
		  "ibv_reg_mr"))
		return;
	ca.parent_domain = c->par;
	if (plain_cq) {
		if (!step(c,
			  (c->cq = ibv_create_cq(c->ctx, ca.cqe, NULL, NULL,
						 0)) != NULL,
			  "ibv_create_cq"))
			return;
	} else {
		if (!step(c, (c->cqx = ibv_create_cq_ex(c->ctx, &ca)) != NULL,
			  "ibv_create_cq_ex(parent domain)"))
			return;
		c->cq = ibv_cq_ex_to_cq(c->cqx);
	}
	if (!step(c, (c->qp = qp_on(c, NULL)) != NULL, "ibv_create_qp"))
		return;
	if (!want_srq)
		return;
	if (!step(c, (c->srq = ibv_create_srq(c->par, &sa)) != NULL,
		  "ibv_create_srq"))
		return;
	step(c, (c->srq_qp = qp_on(c, c->srq)) != NULL,
	     "ibv_create_qp(with SRQ)");
}

static void must(int ret, const char *what)
{
	CHECK(ret == 0, "teardown: %s returned %d (errno %d)", what, ret,
	      errno);
}

static void teardown(struct chain *c)
{
	if (c->srq_qp)
		must(ibv_destroy_qp(c->srq_qp), "destroy SRQ QP");
	if (c->srq)
		must(ibv_destroy_srq(c->srq), "destroy SRQ");
	if (c->qp)
		must(ibv_destroy_qp(c->qp), "destroy QP");
	if (c->cq)
		must(ibv_destroy_cq(c->cq), "destroy CQ");
	if (c->plain_mr)
		must(ibv_dereg_mr(c->plain_mr), "dereg plain MR");
	if (c->buf_mr)
		must(ibv_dereg_mr(c->buf_mr), "dereg buffer MR");
	if (c->buf)
		ibv_free_buf(c->buf);
	if (c->par)
		must(ibv_dealloc_pd(c->par), "dealloc parent domain");
	if (c->pd)
		must(ibv_dealloc_pd(c->pd), "dealloc PD");
	if (c->ctx)
		must(ibv_close_device(c->ctx), "close device");
}

static void run_chain(struct chain *c, void *plain)
{
	memset(c, 0, sizeof(*c));
	c->plain = plain;
	build(c);
	/* only creation is under test: tear down without faults */
	rel_fault_clear_all();
	teardown(c);
}

static const char *const kind_names[] = { "cmd", "heap", "mmap" };

/*
 * Walk N over every step of the chain for one fault kind; returns the
 * number of runs in which the injected fault made a verb fail.
 */
static unsigned int walk(enum rel_fault_kind kind, int inject, void *plain)
{
	unsigned int failed = 0, clean = 0;
	struct rel_snapshot before, after;
	unsigned long n;
	struct chain c;

	for (n = 1; clean < CLEAN_RUNS_TO_STOP; n++) {
		CHECK(n <= MAX_STEPS, "%s: chain never ends", kind_names[kind]);
		rel_snapshot(&before);
		rel_fault_arm(kind, n, inject);
		run_chain(&c, plain);
		rel_snapshot(&after);
		if (!c.failed_at) {
			clean++;
			continue;
		}
		clean = 0;
		failed++;
		printf("%s:%lu:%s -> %s fails: %s\n", kind_names[kind], n,
		       strerrorname_np(inject), c.failed_at,
		       c.err ? strerrorname_np(c.err) : "errno 0");
		if (!c.err) {
			fprintf(stderr, "BAD: %s failed without an errno\n",
				c.failed_at);
			violations++;
		} else if (c.err != inject) {
			fprintf(stderr,
				"BAD: %s:%lu: injected %s but %s reported %s\n",
				kind_names[kind], n, strerrorname_np(inject),
				c.failed_at, strerrorname_np(c.err));
			violations++;
		}
		if (!rel_snapshot_same(&before, &after, c.failed_at)) {
			fprintf(stderr,
				"BAD: leftovers after a failed %s (%s:%lu)\n",
				c.failed_at, kind_names[kind], n);
			violations++;
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct rel_snapshot before, after;
	unsigned int cmd, heap, mmap_steps;
	struct chain c;
	void *plain;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--srq"))
			want_srq = true;
		else if (!strcmp(argv[i], "--plain-cq"))
			plain_cq = true;
		else
			CHECK(0, "unknown argument %s", argv[i]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = (size_t)sysconf(_SC_PAGESIZE);
	plain = aligned_alloc(page, page);
	CHECK(plain, "aligned_alloc");
	rel_need_emulator();

	/*
	 * A clean run first: it loads the provider and lets the emulator and
	 * libc set up what they keep for the life of the process.
	 */
	run_chain(&c, plain);
	CHECK(!c.failed_at, "clean run: %s failed: %s", c.failed_at,
	      strerror(c.err));
	rel_snapshot(&before);
	run_chain(&c, plain);
	rel_snapshot(&after);
	CHECK(!c.failed_at && rel_snapshot_same(&before, &after, "clean"),
	      "a clean run does not leave the process as it found it");

	cmd = walk(REL_FAULT_CMD, EIO, plain);
	mmap_steps = walk(REL_FAULT_MMAP, ENOMEM, plain);
	heap = walk(REL_FAULT_HEAP, ENOMEM, plain);
	CHECK(cmd > 0, "no kernel command was ever failed");
	CHECK(!violations, "%u failure paths misbehaved (see BAD: above)",
	      violations);
	printf("rel_faults: failed in turn: %u kernel commands, %u mmaps, "
	       "%u heap allocations (%u in all), no leftovers\n",
	       cmd, mmap_steps, heap, cmd + mmap_steps + heap);
	free(plain);
	return 0;
}
