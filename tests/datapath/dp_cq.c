// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Completion queues: the extended polling API (start/next/end_poll and the
 * read_* accessors, field by field), CQ creation limits, resize with
 * completions still in the old ring, completion events through a channel
 * (ibv_req_notify_cq, solicited-only arming), and many QPs sharing a CQ.
 */
#include <errno.h>
#include <string.h>

#include "common/events.h"
#include "dp_util.h"

#define A_OFF 0
#define B_OFF (DP_BUF_SIZE / 2)

static void send_one(struct test_dev *e, struct ibv_qp *qp, uint64_t wr_id,
		     uint32_t len, bool imm, unsigned int flags)
{
	struct ibv_sge sg = { (uintptr_t)e->buf + A_OFF, len, e->mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = wr_id,
		.sg_list = &sg,
		.num_sge = 1,
		.opcode = imm ? IBV_WR_SEND_WITH_IMM : IBV_WR_SEND,
		.imm_data = htobe32((uint32_t)wr_id),
		.send_flags = IBV_SEND_SIGNALED | flags,
	}, *bad;

	CHECK(!ibv_post_send(qp, &wr, &bad), "post_send");
}

static int start_poll_wait(struct ibv_cq_ex *cq)
{
	struct ibv_poll_cq_attr attr = {};
	int i, ret = ENOENT;

	for (i = 0; i < 5000000 && ret == ENOENT; i++)
		ret = ibv_start_poll(cq, &attr);
	return ret;
}

static void test_cq_ex(struct test_dev *e)
{
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 32,
		.wc_flags = IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM |
			    IBV_WC_EX_WITH_QP_NUM | IBV_WC_EX_WITH_SRC_QP |
			    IBV_WC_EX_WITH_SLID | IBV_WC_EX_WITH_SL,
	};
	struct ibv_poll_cq_attr pa = {};
	struct ibv_cq_ex *cx, *cy;
	struct ibv_qp *a, *b;
	int i, n;

	if (e->gen == 1) {
		cx = ibv_create_cq_ex(e->ctx, &ca);
		CHECK(!cx && errno == EOPNOTSUPP,
		      "gen 1 extended CQ must be EOPNOTSUPP (errno %d)", errno);
		return;
	}
	cx = ibv_create_cq_ex(e->ctx, &ca);
	cy = ibv_create_cq_ex(e->ctx, &ca);
	CHECK(cx && cy, "create_cq_ex: errno %d", errno);
	CHECK(ibv_start_poll(cx, &pa) == ENOENT, "empty CQ must be ENOENT");

	a = dp_create_qp(e, ibv_cq_ex_to_cq(cx), IBV_QPT_RC, 16, 1, 0, 0);
	b = dp_create_qp(e, ibv_cq_ex_to_cq(cy), IBV_QPT_RC, 16, 1, 0, 0);
	dp_connect_rc(e, a, b);
	for (i = 0; i < 5; i++)
		dp_post_recv(e, b, 300 + i, B_OFF + i * 128, 128);
	for (i = 0; i < 5; i++)
		send_one(e, a, 200 + i, 10 + i, i & 1, 0);

	/* sender side: five SEND completions */
	CHECK(!start_poll_wait(cx), "start_poll sender");
	for (n = 0;;) {
		CHECK(cx->status == IBV_WC_SUCCESS, "status %d", cx->status);
		CHECK(cx->wr_id == (uint64_t)(200 + n), "wr_id %llu",
		      (unsigned long long)cx->wr_id);
		CHECK(ibv_wc_read_opcode(cx) == IBV_WC_SEND, "opcode");
		CHECK(ibv_wc_read_qp_num(cx) == a->qp_num, "qp_num");
		CHECK(ibv_wc_read_vendor_err(cx) == 0, "vendor_err");
		if (++n == 5)
			break;
		while (ibv_next_poll(cx) == ENOENT)
			;
	}
	CHECK(ibv_next_poll(cx) == ENOENT, "sixth completion");
	ibv_end_poll(cx);

	/* receiver side, with immediate data on odd ones */
	CHECK(!start_poll_wait(cy), "start_poll receiver");
	for (n = 0;;) {
		CHECK(cy->status == IBV_WC_SUCCESS, "rx status %d", cy->status);
		CHECK(cy->wr_id == (uint64_t)(300 + n), "rx wr_id");
		CHECK(ibv_wc_read_opcode(cy) == IBV_WC_RECV, "rx opcode");
		CHECK(ibv_wc_read_byte_len(cy) == (uint32_t)(10 + n),
		      "byte_len %u", ibv_wc_read_byte_len(cy));
		CHECK(ibv_wc_read_qp_num(cy) == b->qp_num, "rx qp_num");
		CHECK(ibv_wc_read_src_qp(cy) == b->qp_num ||
			      ibv_wc_read_src_qp(cy) == a->qp_num,
		      "src_qp");
		CHECK(ibv_wc_read_slid(cy) == 0 && ibv_wc_read_sl(cy) == 0,
		      "slid/sl");
		if (n & 1) {
			CHECK(ibv_wc_read_wc_flags(cy) & IBV_WC_WITH_IMM,
			      "imm flag");
			CHECK(ibv_wc_read_imm_data(cy) == htobe32(200 + n),
			      "imm data");
		} else {
			CHECK(!(ibv_wc_read_wc_flags(cy) & IBV_WC_WITH_IMM),
			      "no imm flag");
		}
		if (++n == 5)
			break;
		while (ibv_next_poll(cy) == ENOENT)
			;
	}
	ibv_end_poll(cy);

	CHECK(!ibv_destroy_qp(a) && !ibv_destroy_qp(b), "destroy qps");
	CHECK(!ibv_destroy_cq(ibv_cq_ex_to_cq(cx)) &&
		      !ibv_destroy_cq(ibv_cq_ex_to_cq(cy)),
	      "destroy cq_ex");

	/* flags the provider cannot report are refused */
	ca.wc_flags = IBV_WC_EX_WITH_FLOW_TAG;
	CHECK(!ibv_create_cq_ex(e->ctx, &ca) && errno == EOPNOTSUPP,
	      "flow tag must be EOPNOTSUPP (errno %d)", errno);
}

/* Completion timestamps: gen 3 CQEs carry them, older ones do not. */
static void test_timestamps(struct test_dev *e)
{
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 8,
		.wc_flags = IBV_WC_EX_WITH_COMPLETION_TIMESTAMP,
	};
	struct ibv_cq_ex *cx = ibv_create_cq_ex(e->ctx, &ca);

	if (e->gen >= 3) {
		CHECK(cx, "gen 3 timestamps: errno %d", errno);
		CHECK(cx->read_completion_ts, "no read_completion_ts");
		CHECK(!ibv_destroy_cq(ibv_cq_ex_to_cq(cx)), "destroy");
	} else {
		CHECK(!cx && errno == EOPNOTSUPP,
		      "gen %d timestamps must be EOPNOTSUPP", e->gen);
	}
}

static void test_limits(struct test_dev *e)
{
	CHECK(!ibv_create_cq(e->ctx, 0, NULL, NULL, 0) && errno == EINVAL,
	      "cqe 0 (errno %d)", errno);
	CHECK(!ibv_create_cq(e->ctx, -5, NULL, NULL, 0) && errno == EINVAL,
	      "cqe -5 (errno %d)", errno);
	CHECK(!ibv_create_cq(e->ctx, 1 << 30, NULL, NULL, 0) && errno == EINVAL,
	      "huge cqe (errno %d)", errno);
}

/*
 * Fill a small CQ partly, resize it (the old ring still holds CQEs), add
 * more: every completion comes out once, in order.
 */
static void test_resize(struct test_dev *e)
{
	struct ibv_cq *cq = ibv_create_cq(e->ctx, 16, NULL, NULL, 0);
	struct ibv_cq *rcq = ibv_create_cq(e->ctx, 256, NULL, NULL, 0);
	struct ibv_qp *a, *b;
	struct ibv_wc wc[64];
	int sizes[] = { 200, 40, 1000, 64 };
	int i, k, next = 0, posted = 0, ret;

	CHECK(cq && rcq, "create_cq");
	a = dp_create_qp(e, cq, IBV_QPT_RC, 64, 1, 0, 0);
	b = dp_create_qp(e, rcq, IBV_QPT_RC, 64, 1, 0, 0);
	dp_connect_rc(e, a, b);

	ret = ibv_resize_cq(cq, 100);
	if (e->gen == 1) {
		CHECK(ret == EOPNOTSUPP, "gen 1 resize: %d", ret);
		goto out;
	}
	CHECK(!ret && cq->cqe >= 100, "resize to 100: %d cqe %d", ret, cq->cqe);
	CHECK(ibv_resize_cq(cq, 0) == EINVAL, "resize to 0");

	for (k = 0; k < 4; k++) {
		for (i = 0; i < 10; i++) {
			dp_post_recv(e, b, 0, B_OFF, 64);
			send_one(e, a, posted++, 8, false, 0);
		}
		/* let the completions land in the current ring */
		CHECK(dp_poll(rcq, wc, 10) == 10, "receives");
		ret = ibv_resize_cq(cq, sizes[k]);
		CHECK(!ret, "resize to %d: %d", sizes[k], ret);
		CHECK(cq->cqe >= sizes[k], "cqe %d after resize to %d", cq->cqe,
		      sizes[k]);
		/* poll only half now: the rest stays in the old ring */
		CHECK(dp_poll(cq, wc, 5) == 5, "first half");
		for (i = 0; i < 5; i++, next++)
			CHECK(wc[i].wr_id == (uint64_t)next &&
				      wc[i].status == IBV_WC_SUCCESS,
			      "order: got %llu want %d",
			      (unsigned long long)wc[i].wr_id, next);
	}
	/* more traffic into the newest ring, then drain everything */
	for (i = 0; i < 10; i++) {
		dp_post_recv(e, b, 0, B_OFF, 64);
		send_one(e, a, posted++, 8, false, 0);
	}
	CHECK(dp_poll(rcq, wc, 10) == 10, "receives");
	while (next < posted) {
		int n = dp_poll(cq, wc, 1);

		CHECK(n == 1, "completion %d missing", next);
		CHECK(wc[0].wr_id == (uint64_t)next &&
			      wc[0].status == IBV_WC_SUCCESS,
		      "order after resizes: got %llu want %d",
		      (unsigned long long)wc[0].wr_id, next);
		next++;
	}
	CHECK(ibv_poll_cq(cq, 1, wc) == 0, "extra completion");
out:
	CHECK(!ibv_destroy_qp(a) && !ibv_destroy_qp(b), "destroy");
	CHECK(!ibv_destroy_cq(cq) && !ibv_destroy_cq(rcq), "destroy cq");
}

static void wait_event(struct ibv_comp_channel *ch, struct ibv_cq *cq)
{
	struct ibv_cq *ev_cq = test_wait_cq_event(ch, 5000);

	CHECK(ev_cq, "no completion event within 5 s");
	CHECK(ev_cq == cq, "event for another CQ");
}

/* Events: one per arm; solicited-only arming ignores plain sends. */
static void test_events(struct test_dev *e)
{
	struct ibv_comp_channel *ch = ibv_create_comp_channel(e->ctx);
	struct ibv_cq *scq, *rcq;
	struct ibv_qp *a, *b;
	struct ibv_wc wc;
	int i;

	CHECK(ch, "comp channel");
	scq = ibv_create_cq(e->ctx, 32, NULL, NULL, 0);
	rcq = ibv_create_cq(e->ctx, 32, NULL, ch, 0);
	CHECK(scq && rcq, "create_cq");
	a = dp_create_qp(e, scq, IBV_QPT_RC, 16, 1, 0, 0);
	b = dp_create_qp(e, rcq, IBV_QPT_RC, 16, 1, 0, 0);
	dp_connect_rc(e, a, b);

	for (i = 0; i < 20; i++) {
		CHECK(!ibv_req_notify_cq(rcq, 0), "arm");
		dp_post_recv(e, b, i, B_OFF, 64);
		send_one(e, a, i, 8, false, 0);
		wait_event(ch, rcq);
		CHECK(dp_poll(rcq, &wc, 1) == 1 && wc.wr_id == (uint64_t)i,
		      "recv after event %d", i);
		CHECK(dp_poll(scq, &wc, 1) == 1, "send %d", i);
	}

	/* solicited only: a plain send raises nothing, a solicited one does */
	CHECK(!ibv_req_notify_cq(rcq, 1), "arm solicited");
	dp_post_recv(e, b, 100, B_OFF, 64);
	dp_post_recv(e, b, 101, B_OFF, 64);
	send_one(e, a, 100, 8, false, 0);
	CHECK(dp_poll(scq, &wc, 1) == 1, "plain send done");
	send_one(e, a, 101, 8, false, IBV_SEND_SOLICITED);
	wait_event(ch, rcq);
	CHECK(dp_poll(rcq, &wc, 1) == 1 && wc.wr_id == 100, "rx 100");
	CHECK(dp_poll(rcq, &wc, 1) == 1 && wc.wr_id == 101, "rx 101");
	CHECK(dp_poll(scq, &wc, 1) == 1, "solicited send done");

	CHECK(!ibv_destroy_qp(a) && !ibv_destroy_qp(b), "destroy");
	CHECK(!ibv_destroy_cq(scq) && !ibv_destroy_cq(rcq), "destroy cq");
	CHECK(!ibv_destroy_comp_channel(ch), "destroy channel");
}

/* Many QPs on one CQ; destroying some with CQEs pending. */
static void test_shared_cq(struct test_dev *e)
{
	enum { NQP = 24 };
	struct ibv_cq *cq = ibv_create_cq(e->ctx, 512, NULL, NULL, 0);
	struct ibv_cq *rcq = ibv_create_cq(e->ctx, 512, NULL, NULL, 0);
	struct ibv_qp *s[NQP], *r[NQP];
	struct ibv_wc wc[NQP];
	int i, got, seen[NQP] = { 0 };

	CHECK(cq && rcq, "create_cq");
	for (i = 0; i < NQP; i++) {
		s[i] = dp_create_qp(e, cq, IBV_QPT_RC, 4, 1, 0, 0);
		r[i] = dp_create_qp(e, rcq, IBV_QPT_RC, 4, 1, 0, 0);
		dp_connect_rc(e, s[i], r[i]);
	}
	for (i = 0; i < NQP; i++) {
		dp_post_recv(e, r[i], i, B_OFF, 64);
		send_one(e, s[i], i, 8, false, 0);
	}
	got = dp_poll(rcq, wc, NQP);
	CHECK(got == NQP, "receives %d", got);
	/* destroy every other sender while its completion is in the CQ */
	for (i = 0; i < NQP; i += 2)
		CHECK(!ibv_destroy_qp(s[i]), "destroy sender %d", i);
	got = dp_poll(cq, wc, NQP);
	CHECK(got == NQP / 2, "completions of live QPs: %d", got);
	for (i = 0; i < got; i++) {
		CHECK(wc[i].status == IBV_WC_SUCCESS, "status");
		CHECK(wc[i].wr_id % 2 == 1 && wc[i].wr_id < NQP,
		      "completion of destroyed QP %llu reported",
		      (unsigned long long)wc[i].wr_id);
		CHECK(wc[i].qp_num == s[wc[i].wr_id]->qp_num, "qp_num");
		seen[wc[i].wr_id]++;
	}
	for (i = 1; i < NQP; i += 2)
		CHECK(seen[i] == 1, "QP %d completions %d", i, seen[i]);
	CHECK(ibv_destroy_cq(cq) == EBUSY, "CQ in use must be EBUSY");
	for (i = 0; i < NQP; i++) {
		if (i & 1)
			CHECK(!ibv_destroy_qp(s[i]), "destroy");
		CHECK(!ibv_destroy_qp(r[i]), "destroy");
	}
	CHECK(!ibv_destroy_cq(cq) && !ibv_destroy_cq(rcq), "destroy cq");
}

int main(int argc, char **argv)
{
	struct test_dev e;

	dp_open(&e, argc, argv);
	test_limits(&e);
	test_cq_ex(&e);
	test_resize(&e);
	test_events(&e);
	test_shared_cq(&e);
	test_timestamps(&e);
	dp_close(&e);
	printf("dp_cq: ok\n");
	return 0;
}
