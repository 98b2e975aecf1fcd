// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Error paths of the data path objects, run under irdma-emu-run --fail
 * cmd:N:ENOMEM so that the Nth uverbs command fails: whichever create or
 * resize that hits must fail with that errno and leave nothing behind.
 * Proof of "nothing behind": every object that was created can still be
 * destroyed, and the PD (which holds the QP/SRQ ring registrations) can be
 * deallocated at the end; the emulator's leak check (IRDMA_EMU_LEAK_CHECK)
 * fails the process if any kernel object survives.
 */
#include <errno.h>
#include <string.h>

#include "dp_util.h"

static int failures;

#define DESTROY(call, what)                     \
	do {                                    \
		int r_ = (call);                \
		if (r_ == ENOMEM) {             \
			failures++;             \
			r_ = (call);            \
		}                               \
		CHECK(!r_, "%s: %d", what, r_); \
	} while (0)

/* A create returned NULL: it must say why, with the injected errno. */
static void note_failure(const char *what)
{
	CHECK(errno == ENOMEM,
	      "%s failed with errno %d, not the injected ENOMEM", what, errno);
	failures++;
}

int main(int argc, char **argv)
{
	struct ibv_device **list;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_cq_ex *cqx = NULL;
	struct ibv_qp *qp = NULL, *qp2 = NULL;
	struct ibv_srq *srq = NULL;
	struct ibv_ah *ah = NULL;
	struct ibv_mw *mw = NULL;
	union ibv_gid gid;
	int n, ret;

	list = ibv_get_device_list(&n);
	CHECK(list && n > 0, "no device");
	ctx = ibv_open_device(list[0]);
	ibv_free_device_list(list);
	if (!ctx) {
		note_failure("open");
		printf("dp_faults: open failed as injected\n");
		return 0;
	}
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		note_failure("alloc_pd");
		CHECK(!ibv_close_device(ctx), "close");
		printf("dp_faults: alloc_pd failed as injected\n");
		return 0;
	}

	cq = ibv_create_cq(ctx, 32, NULL, NULL, 0);
	if (!cq) {
		note_failure("create_cq");
		/* the injected failure is used up: this one must work */
		cq = ibv_create_cq(ctx, 32, NULL, NULL, 0);
		CHECK(cq, "create_cq after the failure: errno %d", errno);
	}
	{
		struct ibv_cq_init_attr_ex ca = {
			.cqe = 16,
			.wc_flags = IBV_WC_EX_WITH_BYTE_LEN,
		};

		cqx = ibv_create_cq_ex(ctx, &ca);
		if (!cqx && errno != EOPNOTSUPP)
			note_failure("create_cq_ex");
	}
	{
		struct ibv_qp_init_attr qa =
			test_qp_attr(IBV_QPT_RC, cq, cq, 8);

		qp = ibv_create_qp(pd, &qa);
		if (!qp)
			note_failure("create_qp");
		qp2 = ibv_create_qp(pd, &qa);
		if (!qp2)
			note_failure("create_qp 2");
	}
	{
		struct ibv_srq_init_attr sa = { .attr = { .max_wr = 16,
							  .max_sge = 1 } };

		srq = ibv_create_srq(pd, &sa);
		if (!srq && errno != EOPNOTSUPP)
			note_failure("create_srq");
	}
	if (!ibv_query_gid(ctx, 1, 0, &gid)) {
		struct ibv_ah_attr aa = {
			.is_global = 1,
			.port_num = 1,
			.grh = { .dgid = gid, .hop_limit = 1 },
		};

		ah = ibv_create_ah(pd, &aa);
		if (!ah)
			note_failure("create_ah");
	}
	mw = ibv_alloc_mw(pd, IBV_MW_TYPE_1);
	if (!mw && errno != EOPNOTSUPP)
		note_failure("alloc_mw");
	ret = ibv_resize_cq(cq, 100);
	if (ret && ret != EOPNOTSUPP) {
		CHECK(ret == ENOMEM, "resize_cq: %d", ret);
		failures++;
	}
	if (!ret) {
		/* the resized CQ still works as a CQ */
		struct ibv_wc wc;

		CHECK(ibv_poll_cq(cq, 1, &wc) == 0, "poll after resize");
	}

	/*
	 * A destroy hit by the injected failure must leave the object intact:
	 * the second attempt then has to succeed.
	 */
	if (mw)
		DESTROY(ibv_dealloc_mw(mw), "dealloc_mw");
	if (ah)
		DESTROY(ibv_destroy_ah(ah), "destroy_ah");
	if (srq)
		DESTROY(ibv_destroy_srq(srq), "destroy_srq");
	if (qp)
		DESTROY(ibv_destroy_qp(qp), "destroy_qp");
	if (qp2)
		DESTROY(ibv_destroy_qp(qp2), "destroy_qp 2");
	if (cqx)
		DESTROY(ibv_destroy_cq(ibv_cq_ex_to_cq(cqx)), "destroy cq_ex");
	DESTROY(ibv_destroy_cq(cq), "destroy_cq");
	/* fails with EBUSY if a ring registration was left on the PD */
	DESTROY(ibv_dealloc_pd(pd), "dealloc_pd (a leaked ring MR?)");
	CHECK(!ibv_close_device(ctx), "close");
	printf("dp_faults: ok (%d injected failure(s) seen)\n", failures);
	return 0;
}
