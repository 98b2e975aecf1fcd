// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Push pages and their failure paths (run under irdma-emu-run --push).
 *
 * An RC QP connected to itself gets a push page pair on its way to RTS;
 * the provider maps the WQE window and the push doorbell with two mmap()s.
 * Each round fails none, the first or the second of them, then sends
 * through the QP, checks the data and destroys everything: the modify must
 * succeed regardless (no push page only means plain doorbells), every
 * round must give back what it took (fds, mappings, driver objects), and
 * the device must have seen push doorbells exactly in the round without a
 * failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/emu.h"
#include "common/verbs.h"
#include "device/hw.h"
#include "rel_util.h"

#define MSG 64

struct round {
	const char *name;
	unsigned long fail_mmap; /* 0: none; else the Nth mmap from connect */
	bool pushes;
	/* not compared: the first round starts the engine thread etc. */
	bool warm_up;
};

static unsigned long push_doorbells(void)
{
	void (*stats)(unsigned int, struct emu_push_stats *);
	struct emu_push_stats s;

	*(void **)&stats = test_emu_sym("emu_hw_push_stats");
	stats(0, &s);
	CHECK(!s.foreign && !s.no_copy && !s.bad_bits,
	      "push protocol errors: %lu foreign, %lu without WQE, %lu bits",
	      s.foreign, s.no_copy, s.bad_bits);
	return s.doorbells;
}

/* The SEND's and the RECV's completions, in either order. */
static void wait_both(struct ibv_cq *cq)
{
	uint64_t end = test_now_ms() + 5000;
	unsigned int seen = 0, n = 0;
	struct ibv_wc wc;

	while (n < 2 && test_now_ms() < end) {
		if (ibv_poll_cq(cq, 1, &wc) != 1)
			continue;
		CHECK(wc.status == IBV_WC_SUCCESS &&
			      (wc.wr_id == 1 || wc.wr_id == 2),
		      "wr %lu: %s", (unsigned long)wc.wr_id,
		      ibv_wc_status_str(wc.status));
		seen |= 1u << wc.wr_id;
		n++;
	}
	CHECK(n == 2 && seen == 6, "%u completions (mask %#x)", n, seen);
}

static void send_to_self(struct ibv_pd *pd, struct ibv_cq *cq,
			 struct ibv_qp *qp)
{
	static char buf[2 * MSG];
	struct ibv_mr *mr =
		ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE);
	struct ibv_sge rs = { (uintptr_t)buf, MSG, 0 };
	struct ibv_sge ss = { (uintptr_t)(buf + MSG), MSG, 0 };
	struct ibv_recv_wr rwr = { .wr_id = 1, .sg_list = &rs, .num_sge = 1 };
	struct ibv_send_wr swr;
	struct ibv_recv_wr *brw;
	struct ibv_send_wr *bsw;

	CHECK(mr, "reg_mr: %m");
	rs.lkey = ss.lkey = mr->lkey;
	test_signaled_wr(&swr, 2, IBV_WR_SEND, &ss, 1);
	memset(buf, 0, MSG);
	memset(buf + MSG, 0x5a, MSG);
	CHECK(!ibv_post_recv(qp, &rwr, &brw), "post_recv: %m");
	CHECK(!ibv_post_send(qp, &swr, &bsw), "post_send: %m");
	wait_both(cq);
	CHECK(!memcmp(buf, buf + MSG, MSG), "received data differs");
	CHECK(!ibv_dereg_mr(mr), "dereg_mr: %m");
}

static void run(struct ibv_context *ctx, const union ibv_gid *gid,
		const struct round *r)
{
	struct ibv_qp_init_attr qa;
	struct rel_snapshot before, after;
	unsigned long db_before = push_doorbells(), db_after;
	uint64_t end;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	int ret;

	rel_snapshot(&before);
	pd = ibv_alloc_pd(ctx);
	cq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	CHECK(pd && cq, "%s: PD/CQ: %m", r->name);
	qa = test_qp_attr(IBV_QPT_RC, cq, cq, 8);
	qp = ibv_create_qp(pd, &qa);
	CHECK(qp, "%s: create_qp: %m", r->name);
	if (r->fail_mmap)
		rel_fault_arm(REL_FAULT_MMAP, r->fail_mmap, ENOMEM);
	ret = rel_rc_connect(qp, qp->qp_num, gid);
	rel_fault_clear_all();
	CHECK(!ret, "%s: connect: %s", r->name, strerror(ret));
	send_to_self(pd, cq, qp);
	/*
	 * The device may run the WQE from the ring before it reads the
	 * push doorbell written right after it: give it a moment.
	 */
	end = test_now_ms() + 2000;
	do
		db_after = push_doorbells();
	while (r->pushes && db_after == db_before && test_now_ms() < end);
	CHECK(r->pushes == (db_after > db_before),
	      "%s: %lu push doorbells, wanted %s", r->name,
	      db_after - db_before, r->pushes ? "some" : "none");
	CHECK(!ibv_destroy_qp(qp) && !ibv_destroy_cq(cq) && !ibv_dealloc_pd(pd),
	      "%s: destroy: %m", r->name);
	rel_snapshot(&after);
	CHECK(r->warm_up || rel_snapshot_same(&before, &after, r->name),
	      "%s: left something behind", r->name);
	printf("rel_push: %s: %lu push doorbells%s\n", r->name,
	       db_after - db_before, r->warm_up ? "" : ", nothing left behind");
}

int main(void)
{
	static const struct round rounds[] = {
		{ "warm-up", 0, true, true },
		{ "both pages mapped", 0, true, false },
		{ "window mmap fails", 1, false, false },
		{ "doorbell mmap fails", 2, false, false },
		{ "both pages mapped again", 0, true, false },
	};
	struct ibv_context *ctx;
	union ibv_gid gid;
	size_t i;

	rel_need_emulator();
	ctx = test_open_first_device();
	CHECK(ctx, "open: %m");
	CHECK(!ibv_query_gid(ctx, 1, 0, &gid), "query_gid: %m");
	for (i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++)
		run(ctx, &gid, &rounds[i]);
	CHECK(!ibv_close_device(ctx), "close: %m");
	return 0;
}
