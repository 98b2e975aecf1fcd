// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Shared receive queues: on generations without them create_srq fails with
 * EOPNOTSUPP; on gen 3 several RC QPs receive from one SRQ (wr_ids come
 * back from the device and must be the posted ones, each exactly once),
 * the SRQ ring wraps, query/modify work, bad posts are refused, and a QP
 * with an SRQ refuses ibv_post_recv.
 */
#include <errno.h>
#include <string.h>

#include "dp_util.h"

#define B_OFF (DP_BUF_SIZE / 2)
#define NQP 4
#define SRQ_WR 32

static void post_srq(struct test_dev *e, struct ibv_srq *srq, uint64_t wr_id,
		     uint32_t slot)
{
	struct ibv_sge sg = { (uintptr_t)e->buf + B_OFF + slot * 128, 128,
			      e->mr->lkey };

	/* stale bytes must not pass for the data of a later message */
	memset(e->buf + B_OFF + slot * 128, 0, 128);
	struct ibv_recv_wr wr = { .wr_id = wr_id,
				  .sg_list = &sg,
				  .num_sge = 1 },
			   *bad;

	CHECK(!ibv_post_srq_recv(srq, &wr, &bad), "post_srq_recv %llu",
	      (unsigned long long)wr_id);
}

/*
 * Message i is len bytes of (len + k): the receive buffer named by the
 * completion's wr_id must hold exactly that.
 */
static void send_from(struct test_dev *e, struct ibv_qp *qp, uint64_t wr_id,
		      uint32_t len)
{
	uint8_t *src = e->buf + wr_id * 64;
	struct ibv_sge sg = { (uintptr_t)src, len, e->mr->lkey };
	uint32_t k;

	for (k = 0; k < len; k++)
		src[k] = (uint8_t)(len + k);
	struct ibv_send_wr wr = {
		.wr_id = wr_id,
		.sg_list = &sg,
		.num_sge = 1,
		.opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	CHECK(!ibv_post_send(qp, &wr, &bad), "send");
}

int main(int argc, char **argv)
{
	struct test_dev e;
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = SRQ_WR,
						  .max_sge = 1 } };
	struct ibv_srq_attr qa;
	struct ibv_srq *srq;
	struct ibv_cq *scq, *rcq;
	struct ibv_qp *snd[NQP], *rcv[NQP];
	static int seen[100000];
	struct ibv_wc wc[16];
	uint64_t next_id = 1;
	int i, round, got, outstanding = 0;

	dp_open(&e, argc, argv);
	srq = ibv_create_srq(e.pd, &sa);
	if (!dp_has_srq(&e)) {
		CHECK(!srq && errno == EOPNOTSUPP,
		      "SRQ on a device without them: errno %d", errno);
		dp_close(&e);
		printf("dp_srq: no SRQs on this generation, EOPNOTSUPP ok\n");
		return 0;
	}
	CHECK(srq, "create_srq: errno %d", errno);
	CHECK(sa.attr.max_wr >= SRQ_WR, "max_wr %u", sa.attr.max_wr);
	CHECK(!ibv_query_srq(srq, &qa), "query_srq");
	CHECK(qa.max_wr >= SRQ_WR, "queried max_wr %u", qa.max_wr);
	qa.srq_limit = 4;
	CHECK(!ibv_modify_srq(srq, &qa, IBV_SRQ_LIMIT), "modify limit");

	scq = ibv_create_cq(e.ctx, 256, NULL, NULL, 0);
	rcq = ibv_create_cq(e.ctx, 256, NULL, NULL, 0);
	CHECK(scq && rcq, "create_cq");
	for (i = 0; i < NQP; i++) {
		struct ibv_qp_init_attr qi = {
			.send_cq = rcq,
			.recv_cq = rcq,
			.srq = srq,
			.qp_type = IBV_QPT_RC,
			.cap = { .max_send_wr = 4, .max_send_sge = 1 },
		};

		rcv[i] = ibv_create_qp(e.pd, &qi);
		CHECK(rcv[i], "QP on SRQ: errno %d", errno);
		snd[i] = dp_create_qp(&e, scq, IBV_QPT_RC, 64, 1, 0, 0);
		dp_connect_rc(&e, snd[i], rcv[i]);
	}
	{
		struct ibv_sge sg = { (uintptr_t)e.buf, 8, e.mr->lkey };
		struct ibv_recv_wr wr = { .sg_list = &sg, .num_sge = 1 }, *bad;

		CHECK(ibv_post_recv(rcv[0], &wr, &bad) == EINVAL,
		      "post_recv on an SRQ QP must be EINVAL");
		wr.num_sge = 9;
		CHECK(ibv_post_srq_recv(srq, &wr, &bad) == EINVAL && bad == &wr,
		      "too many SGEs on the SRQ");
	}

	/* many rounds so the SRQ ring wraps several times */
	for (round = 0; round < 40; round++) {
		while (outstanding < SRQ_WR) {
			post_srq(&e, srq, next_id, next_id % SRQ_WR);
			next_id++;
			outstanding++;
		}
		for (i = 0; i < 12; i++)
			send_from(&e, snd[(round + i) % NQP], i, 16 + i);
		got = dp_poll(scq, wc, 12);
		CHECK(got == 12, "sends done: %d", got);
		for (i = 0; i < 12; i++)
			CHECK(wc[i].status == IBV_WC_SUCCESS, "send status");
		got = dp_poll(rcq, wc, 12);
		CHECK(got == 12, "SRQ receives: %d", got);
		for (i = 0; i < 12; i++) {
			uint64_t id = wc[i].wr_id;
			int q, mine = 0;

			CHECK(wc[i].status == IBV_WC_SUCCESS, "recv status %s",
			      ibv_wc_status_str(wc[i].status));
			CHECK(wc[i].opcode == IBV_WC_RECV, "opcode");
			CHECK(id > 0 && id < next_id, "unknown wr_id %llu",
			      (unsigned long long)id);
			CHECK(!seen[id]++, "wr_id %llu reported twice",
			      (unsigned long long)id);
			for (q = 0; q < NQP; q++)
				mine |= wc[i].qp_num == rcv[q]->qp_num;
			CHECK(mine, "qp_num %u is none of the SRQ's QPs",
			      wc[i].qp_num);
			CHECK(wc[i].byte_len >= 16 && wc[i].byte_len < 28,
			      "byte_len %u", wc[i].byte_len);
			{
				const uint8_t *d =
					e.buf + B_OFF + (id % SRQ_WR) * 128;
				uint32_t k;

				for (k = 0; k < wc[i].byte_len; k++)
					CHECK(d[k] == (uint8_t)(wc[i].byte_len +
								k),
					      "wr_id %llu: its buffer does not hold the message",
					      (unsigned long long)id);
			}
		}
		outstanding -= 12;
	}

	for (i = 0; i < NQP; i++)
		CHECK(!ibv_destroy_qp(snd[i]) && !ibv_destroy_qp(rcv[i]),
		      "destroy qps");
	CHECK(!ibv_destroy_srq(srq), "destroy_srq");
	CHECK(!ibv_destroy_cq(scq) && !ibv_destroy_cq(rcq), "destroy cq");
	dp_close(&e);
	printf("dp_srq: ok\n");
	return 0;
}
