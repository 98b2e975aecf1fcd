// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Helpers of the data-path tests; see datapath_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/events.h"
#include "common/process.h"
#include "datapath_util.h"

int dp_failures;

int dp_open(struct dp_ctx *d)
{
	const char *gen = getenv("IRDMA_EMU_GEN");

	memset(d, 0, sizeof(*d));
	d->gen = gen ? atoi(gen) : 2;
	d->ctx = test_open_first_device();
	if (!d->ctx) {
		perror("ibv_open_device");
		return -1;
	}
	/* async events are polled with a deadline */
	fcntl(d->ctx->async_fd, F_SETFL,
	      fcntl(d->ctx->async_fd, F_GETFL) | O_NONBLOCK);
	d->pd = ibv_alloc_pd(d->ctx);
	if (!d->pd || ibv_query_device(d->ctx, &d->attr)) {
		perror("alloc_pd/query_device");
		return -1;
	}
	d->gid_index = 1;
	if (ibv_query_gid(d->ctx, 1, d->gid_index, &d->gid)) {
		perror("ibv_query_gid");
		return -1;
	}
	return 0;
}

void dp_close(struct dp_ctx *d)
{
	if (d->pd)
		ibv_dealloc_pd(d->pd);
	if (d->ctx)
		ibv_close_device(d->ctx);
}

int dp_qp_create(struct dp_ctx *d, struct dp_qp *q, enum ibv_qp_type type,
		 int cqe, struct ibv_srq *srq)
{
	struct ibv_qp_init_attr ia = {
		.qp_type = type,
		.srq = srq,
		.cap = {
			.max_send_wr = 64,
			.max_recv_wr = 64,
			.max_send_sge = 4,
			.max_recv_sge = 4,
			.max_inline_data = 64,
		},
	};

	/* gen 1 (X722) has 3 fragments and 48 bytes of inline data */
	if ((int)ia.cap.max_send_sge > d->attr.max_sge) {
		ia.cap.max_send_sge = (uint32_t)d->attr.max_sge;
		ia.cap.max_recv_sge = (uint32_t)d->attr.max_sge;
	}
	if (d->gen == 1)
		ia.cap.max_inline_data = 48;
	memset(q, 0, sizeof(*q));
	q->scq = ibv_create_cq(d->ctx, cqe, NULL, NULL, 0);
	q->rcq = ibv_create_cq(d->ctx, cqe, NULL, NULL, 0);
	if (!q->scq || !q->rcq)
		return -1;
	ia.send_cq = q->scq;
	ia.recv_cq = q->rcq;
	q->qp = ibv_create_qp(d->pd, &ia);
	if (!q->qp) {
		perror("ibv_create_qp");
		return -1;
	}
	return 0;
}

void dp_qp_destroy(struct dp_qp *q)
{
	if (q->qp)
		ibv_destroy_qp(q->qp);
	if (q->scq)
		ibv_destroy_cq(q->scq);
	if (q->rcq)
		ibv_destroy_cq(q->rcq);
	memset(q, 0, sizeof(*q));
}

int dp_rc_connect(struct dp_ctx *d, struct dp_qp *q, uint32_t remote_qpn,
		  int rnr_retry)
{
	struct test_rc_peer peer = {
		.qpn = remote_qpn,
		.gid = d->gid,
		.sgid_index = (uint8_t)d->gid_index,
		.access = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			  IBV_ACCESS_REMOTE_ATOMIC,
		.min_rnr_timer = 1,
		.rnr_retry = (uint8_t)rnr_retry,
	};

	return test_rc_to_rts(q->qp, &peer) ? -1 : 0;
}

int dp_ud_ready(struct dp_ctx *d, struct dp_qp *q, uint32_t qkey)
{
	return test_ud_to_rts(q->qp, qkey) ? -1 : 0;
}

int dp_poll(struct ibv_cq *cq, struct ibv_wc *wc, int ms)
{
	uint64_t end = test_now_ms() + (uint64_t)ms;

	do {
		int n = ibv_poll_cq(cq, 1, wc);

		if (n > 0)
			return 0;
		if (n < 0)
			return -1;
	} while (test_now_ms() < end);
	return -1;
}

int dp_async(struct dp_ctx *d, enum ibv_event_type type, int ms)
{
	return test_wait_async_event(d->ctx, type, ms) ? 0 : -1;
}

int dp_post_recv(struct ibv_qp *qp, uint64_t wr_id, void *buf, uint32_t len,
		 uint32_t lkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf,
		.length = len,
		.lkey = lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = wr_id, .sg_list = &sge, .num_sge = 1,
	}, *bad;

	return ibv_post_recv(qp, &wr, &bad);
}

void dp_run(const char *name, int (*fn)(struct dp_ctx *d), struct dp_ctx *d)
{
	int before = dp_failures;

	if (fn(d) || dp_failures != before) {
		if (dp_failures == before)
			dp_failures++;
		printf("FAIL %s\n", name);
	} else {
		printf("ok   %s\n", name);
	}
	fflush(stdout);
}
