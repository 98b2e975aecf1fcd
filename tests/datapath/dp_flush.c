// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Errors and flushes: posted receives and sends of a QP moved to the error
 * state complete with IBV_WC_WR_FLUSH_ERR, each exactly once, in posting
 * order, with their own wr_id; WRs posted to a QP already in error are
 * flushed too; an RDMA write with a bad rkey fails with a remote error and
 * flushes what follows it.
 */
#include <errno.h>
#include <string.h>

#include "dp_util.h"

#define B_OFF (DP_BUF_SIZE / 2)

static void post_sends(struct test_dev *e, struct ibv_qp *qp, uint64_t first,
		       int n, bool signaled_all)
{
	struct ibv_sge sg = { (uintptr_t)e->buf, 16, e->mr->lkey };
	int i;

	for (i = 0; i < n; i++) {
		struct ibv_send_wr wr = {
			.wr_id = first + i,
			.sg_list = &sg,
			.num_sge = 1,
			.opcode = IBV_WR_SEND,
			.send_flags = (signaled_all || i == n - 1) ?
					      IBV_SEND_SIGNALED :
					      0,
		}, *bad;

		CHECK(!ibv_post_send(qp, &wr, &bad), "post_send %d", i);
	}
}

/* Expect n flush completions with wr_ids first.. in order. */
static void expect_flushed(struct ibv_cq *cq, uint64_t first, int n,
			   const char *what)
{
	struct ibv_wc wc[64];
	int got, i;

	got = dp_poll(cq, wc, n);
	CHECK(got == n, "%s: %d of %d flush completions", what, got, n);
	for (i = 0; i < n; i++) {
		CHECK(wc[i].status == IBV_WC_WR_FLUSH_ERR, "%s %d: status %s",
		      what, i, ibv_wc_status_str(wc[i].status));
		CHECK(wc[i].wr_id == first + i, "%s %d: wr_id %llu", what, i,
		      (unsigned long long)wc[i].wr_id);
	}
	CHECK(ibv_poll_cq(cq, 1, wc) == 0, "%s: extra completion", what);
}

static void test_flush_idle(struct test_dev *e)
{
	struct ibv_cq *cq = ibv_create_cq(e->ctx, 64, NULL, NULL, 0);
	struct ibv_cq *pcq = ibv_create_cq(e->ctx, 64, NULL, NULL, 0);
	struct ibv_qp *qp, *peer;
	int i;

	CHECK(cq && pcq, "create_cq");
	qp = dp_create_qp(e, cq, IBV_QPT_RC, 32, 1, 0, 0);
	peer = dp_create_qp(e, pcq, IBV_QPT_RC, 32, 1, 0, 0);
	dp_connect_rc(e, qp, peer);
	for (i = 0; i < 7; i++)
		dp_post_recv(e, qp, 500 + i, B_OFF + i * 64, 64);
	dp_qp_to_err(qp);
	expect_flushed(cq, 500, 7, "receives");

	/* work posted after the QP entered the error state is flushed too */
	for (i = 0; i < 3; i++)
		dp_post_recv(e, qp, 600 + i, B_OFF, 64);
	expect_flushed(cq, 600, 3, "late receives");
	post_sends(e, qp, 700, 5, true);
	expect_flushed(cq, 700, 5, "late sends");

	CHECK(!ibv_destroy_qp(qp) && !ibv_destroy_qp(peer), "destroy");
	CHECK(!ibv_destroy_cq(cq) && !ibv_destroy_cq(pcq), "destroy cq");
}

/* A bad rkey: the write fails, everything behind it is flushed. */
static void test_remote_error(struct test_dev *e)
{
	struct ibv_cq *cq = ibv_create_cq(e->ctx, 64, NULL, NULL, 0);
	struct ibv_cq *pcq = ibv_create_cq(e->ctx, 64, NULL, NULL, 0);
	struct ibv_sge sg = { (uintptr_t)e->buf, 32, e->mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = 800,
		.sg_list = &sg,
		.num_sge = 1,
		.opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { (uintptr_t)e->buf + B_OFF, e->mr->rkey ^ 0x5500 },
	}, *bad;
	struct ibv_sge ssg = { (uintptr_t)e->buf, 16, e->mr->lkey };
	struct ibv_send_wr chain[4];
	struct ibv_wc wc[16];
	struct ibv_qp *qp, *peer;
	int got, i;

	CHECK(cq && pcq, "create_cq");
	qp = dp_create_qp(e, cq, IBV_QPT_RC, 32, 1, 0, 0);
	peer = dp_create_qp(e, pcq, IBV_QPT_RC, 32, 1, 0, 0);
	dp_connect_rc(e, qp, peer);
	for (i = 0; i < 4; i++)
		dp_post_recv(e, qp, 900 + i, B_OFF, 64);
	/*
	 * One chain: the device may fail the write before a later post
	 * reached the ring, and a WQE posted after the device put the QP
	 * in error waits for the application's own move to ERR.
	 */
	for (i = 0; i < 4; i++)
		chain[i] = (struct ibv_send_wr){
			.wr_id = 801 + i,
			.sg_list = &ssg,
			.num_sge = 1,
			.opcode = IBV_WR_SEND,
			.send_flags = IBV_SEND_SIGNALED,
			.next = i < 3 ? &chain[i + 1] : NULL,
		};
	wr.next = &chain[0];
	CHECK(!ibv_post_send(qp, &wr, &bad), "post bad write and sends");

	got = dp_poll(cq, wc, 9);
	CHECK(got == 9, "%d of 9 completions", got);
	/* the write fails with a real error, not a flush */
	CHECK(wc[0].wr_id == 800, "first is the write (%llu)",
	      (unsigned long long)wc[0].wr_id);
	CHECK(wc[0].status != IBV_WC_SUCCESS &&
		      wc[0].status != IBV_WC_WR_FLUSH_ERR,
	      "bad rkey status %s", ibv_wc_status_str(wc[0].status));
	{
		int sends = 0, recvs = 0;

		for (i = 1; i < 9; i++) {
			CHECK(wc[i].status == IBV_WC_WR_FLUSH_ERR,
			      "completion %d status %s", i,
			      ibv_wc_status_str(wc[i].status));
			if (wc[i].wr_id >= 900)
				CHECK(wc[i].wr_id == (uint64_t)(900 + recvs++),
				      "recv order");
			else
				CHECK(wc[i].wr_id == (uint64_t)(801 + sends++),
				      "send order");
		}
		CHECK(sends == 4 && recvs == 4, "sends %d recvs %d", sends,
		      recvs);
	}
	CHECK(ibv_poll_cq(cq, 1, wc) == 0, "extra completion");
	CHECK(!ibv_destroy_qp(qp) && !ibv_destroy_qp(peer), "destroy");
	CHECK(!ibv_destroy_cq(cq) && !ibv_destroy_cq(pcq), "destroy cq");
}

/* Unsignaled sends in flight at the flush are reported as flushed too. */
static void test_flush_unsignaled(struct test_dev *e)
{
	struct ibv_cq *cq = ibv_create_cq(e->ctx, 64, NULL, NULL, 0);
	struct ibv_qp *qp;

	CHECK(cq, "create_cq");
	qp = dp_create_qp(e, cq, IBV_QPT_RC, 32, 1, 0, 0);
	dp_qp_to_err(qp);
	post_sends(e, qp, 1000, 6, false);
	expect_flushed(cq, 1000, 6, "unsignaled sends");
	CHECK(!ibv_destroy_qp(qp), "destroy");
	CHECK(!ibv_destroy_cq(cq), "destroy cq");
}

int main(int argc, char **argv)
{
	struct test_dev e;

	dp_open(&e, argc, argv);
	test_flush_idle(&e);
	test_remote_error(&e);
	test_flush_unsignaled(&e);
	dp_close(&e);
	printf("dp_flush: ok\n");
	return 0;
}
