// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Object lifecycles through libibverbs and a provider, counted by the
 * emulated kernel:
 *
 *   kernel_lifecycle objects   create and destroy PD/MR/MW/CQ/QP/AH/comp
 *                              channel; the kernel must count each one in
 *                              and out, and refuse to free what is in use
 *   kernel_lifecycle leak      a child leaks a PD and an MR: with
 *                              IRDMA_EMU_LEAK_CHECK=1 it must exit with 3
 *   kernel_lifecycle threads   many threads create and destroy objects on
 *                              one context at once
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "common/cases.h"
#include "common/process.h"
#include "common/verbs.h"
#include "kernel_util.h"

static struct ibv_qp *make_qp(struct ibv_pd *pd, struct ibv_cq *cq,
			      enum ibv_qp_type type)
{
	struct ibv_qp_init_attr a = test_qp_attr(type, cq, cq, 8);

	return ibv_create_qp(pd, &a);
}

static void run_objects(void)
{
	struct ibv_context *ctx = test_must_open_first_device();
	unsigned long base = test_emu_live_objects();
	struct ibv_comp_channel *ch;
	struct ibv_qp *rc, *ud;
	struct ibv_cq *cq;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct ibv_mw *mw;
	struct ibv_ah *ah;
	struct ibv_ah_attr aa = {
		.is_global = 1,
		.port_num = 1,
		.grh = { .sgid_index = 0, .hop_limit = 1 },
	};
	char *buf = kt_pages(8192);
	int ret;

	pd = ibv_alloc_pd(ctx);
	EXPECT(pd, "alloc_pd: %s", strerror(errno));
	if (!pd)
		exit(1);
	mr = ibv_reg_mr(pd, buf, 8192,
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				IBV_ACCESS_REMOTE_READ | IBV_ACCESS_MW_BIND);
	EXPECT(mr && mr->lkey == mr->rkey, "reg_mr: %s", strerror(errno));
	ret = ibv_rereg_mr(mr, IBV_REREG_MR_CHANGE_ACCESS, NULL, NULL, 0,
			   IBV_ACCESS_LOCAL_WRITE);
	EXPECT(!ret, "rereg_mr: %s", strerror(ret));
	mw = ibv_alloc_mw(pd, IBV_MW_TYPE_1);
	EXPECT(mw, "alloc_mw: %s", strerror(errno));
	ch = ibv_create_comp_channel(ctx);
	EXPECT(ch, "comp channel: %s", strerror(errno));
	cq = ibv_create_cq(ctx, 32, NULL, ch, 0);
	EXPECT(cq, "create_cq: %s", strerror(errno));
	if (!cq)
		exit(1);
	rc = make_qp(pd, cq, IBV_QPT_RC);
	EXPECT(rc, "create RC QP: %s", strerror(errno));
	ud = make_qp(pd, cq, IBV_QPT_UD);
	EXPECT(ud, "create UD QP: %s", strerror(errno));
	ibv_query_gid(ctx, 1, 1, &aa.grh.dgid);
	ah = ibv_create_ah(pd, &aa);
	EXPECT(ah, "create_ah: %s", strerror(errno));
	aa.is_global = 0;
	EXPECT(!ibv_create_ah(pd, &aa), "AH without GRH accepted on RoCE");

	/* whatever the provider added (rings are MRs too), all are counted */
	EXPECT(test_emu_live_objects() >= base + 8, "only %lu objects counted",
	       test_emu_live_objects() - base);
	EXPECT(ibv_destroy_cq(cq) == EBUSY, "CQ in use destroyed");
	EXPECT(ibv_dealloc_pd(pd) == EBUSY, "PD in use deallocated");

	EXPECT(!ibv_destroy_ah(ah), "destroy_ah");
	EXPECT(!ibv_destroy_qp(ud), "destroy UD QP");
	EXPECT(!ibv_destroy_qp(rc), "destroy RC QP");
	EXPECT(!ibv_destroy_cq(cq), "destroy_cq");
	EXPECT(!ibv_destroy_comp_channel(ch), "destroy comp channel");
	EXPECT(!ibv_dealloc_mw(mw), "dealloc_mw");
	EXPECT(!ibv_dereg_mr(mr), "dereg_mr");
	EXPECT(!ibv_dealloc_pd(pd), "dealloc_pd");
	EXPECT(test_emu_live_objects() == base, "%lu objects left behind",
	       test_emu_live_objects() - base);
	EXPECT(!ibv_close_device(ctx), "close");
	EXPECT(test_emu_live_objects() == 0, "%lu objects after close",
	       test_emu_live_objects());
}

/* Leaks a PD and an MR: the emulator's leak check must fail it. */
static int leak_mr(void *unused)
{
	struct ibv_context *ctx = test_must_open_first_device();
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	static char buf[4096];

	if (!pd || !ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE))
		_exit(1);
	return 0; /* no cleanup: the destructor must catch it */
}

/* Leaves a PD for the close of the device to reclaim: a leak too. */
static int leak_pd_into_close(void *unused)
{
	struct ibv_context *ctx = test_must_open_first_device();

	if (!ibv_alloc_pd(ctx))
		_exit(1);
	ibv_close_device(ctx);
	return 0;
}

/* A child that leaks must be failed by the emulator's leak check. */
static void run_leak(void)
{
	int status;

	setenv("IRDMA_EMU_LEAK_CHECK", "1", 1);
	status = test_fork_wait(leak_mr, NULL);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	       "leaking child exited with status 0x%x, want exit code 3",
	       status);

	/* objects only the close of the device reclaimed are leaks too */
	status = test_fork_wait(leak_pd_into_close, NULL);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	       "child leaking a PD into close exited with 0x%x, want 3",
	       status);
	/* and a clean process passes the same check */
	run_objects();
}

#define NTHREADS 8
#define ROUNDS 200

struct worker {
	struct ibv_context *ctx;
	pthread_t tid;
	unsigned int errors;
};

static void *churn(void *arg)
{
	struct worker *w = arg;
	char *buf = kt_pages(4096);
	unsigned int i;

	for (i = 0; i < ROUNDS; i++) {
		struct ibv_pd *pd = ibv_alloc_pd(w->ctx);
		struct ibv_mr *mr =
			pd ? ibv_reg_mr(pd, buf, 4096, IBV_ACCESS_LOCAL_WRITE) :
			     NULL;
		struct ibv_cq *cq = ibv_create_cq(w->ctx, 16, NULL, NULL, 0);
		struct ibv_qp *qp =
			(pd && cq) ? make_qp(pd, cq, IBV_QPT_RC) : NULL;

		if (!pd || !mr || !cq || !qp)
			w->errors++;
		if (qp && ibv_destroy_qp(qp))
			w->errors++;
		if (cq && ibv_destroy_cq(cq))
			w->errors++;
		if (mr && ibv_dereg_mr(mr))
			w->errors++;
		if (pd && ibv_dealloc_pd(pd))
			w->errors++;
	}
	return NULL;
}

static void run_threads(void)
{
	struct ibv_context *ctx = test_must_open_first_device();
	unsigned long base = test_emu_live_objects();
	struct worker w[NTHREADS];
	unsigned int i;

	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .ctx = ctx };
		if (pthread_create(&w[i].tid, NULL, churn, &w[i])) {
			fprintf(stderr, "FAIL: pthread_create\n");
			exit(1);
		}
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].tid, NULL);
		EXPECT(!w[i].errors, "thread %u: %u failed verbs", i,
		       w[i].errors);
	}
	EXPECT(test_emu_live_objects() == base, "%lu objects left behind",
	       test_emu_live_objects() - base);
	EXPECT(!ibv_close_device(ctx), "close");
	EXPECT(test_emu_live_objects() == 0, "%lu objects after close",
	       test_emu_live_objects());
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "objects", run_objects },
		{ "leak", run_leak },
		{ "threads", run_threads },
	};
	return TEST_RUN_CASES(cases, argc, argv);
}
