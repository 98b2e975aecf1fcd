// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Helpers for the provider's data path tests (see dp_util.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "dp_util.h"

void dp_open(struct dp_env *e, int argc, char **argv)
{
	struct ibv_device **list;
	int n, i;

	memset(e, 0, sizeof(*e));
	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--gen"))
			e->gen = atoi(argv[i + 1]);
	list = ibv_get_device_list(&n);
	CHECK(list && n > 0, "no RDMA device");
	e->ctx = ibv_open_device(list[0]);
	CHECK(e->ctx, "open %s: errno %d", ibv_get_device_name(list[0]),
		 errno);
	ibv_free_device_list(list);
	CHECK(!ibv_query_device_ex(e->ctx, NULL, &e->dev_attr),
		 "query_device_ex");
	e->pd = ibv_alloc_pd(e->ctx);
	CHECK(e->pd, "alloc_pd: errno %d", errno);
	e->buf = aligned_alloc(4096, DP_BUF_SIZE);
	CHECK(e->buf, "buffer");
	memset(e->buf, 0, DP_BUF_SIZE);
	e->mr = ibv_reg_mr(e->pd, e->buf, DP_BUF_SIZE,
			   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ |
				   IBV_ACCESS_REMOTE_ATOMIC |
				   IBV_ACCESS_MW_BIND);
	if (!e->mr) /* devices without atomics may refuse the access flag */
		e->mr = ibv_reg_mr(
			e->pd, e->buf, DP_BUF_SIZE,
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				IBV_ACCESS_REMOTE_READ | IBV_ACCESS_MW_BIND);
	CHECK(e->mr, "reg_mr: errno %d", errno);
	e->gid_index = 0;
	CHECK(!ibv_query_gid(e->ctx, 1, 0, &e->gid), "query_gid");
}

void dp_close(struct dp_env *e)
{
	CHECK(!ibv_dereg_mr(e->mr), "dereg_mr");
	CHECK(!ibv_dealloc_pd(e->pd), "dealloc_pd");
	CHECK(!ibv_close_device(e->ctx), "close_device");
	free(e->buf);
}

struct ibv_qp *dp_create_qp(struct dp_env *e, struct ibv_cq *cq,
			    enum ibv_qp_type type, uint32_t max_wr,
			    uint32_t max_sge, uint32_t max_inline,
			    uint64_t send_ops)
{
	struct ibv_qp_init_attr_ex a = {
		.send_cq = cq,
		.recv_cq = cq,
		.qp_type = type,
		.cap = {
			.max_send_wr = max_wr,
			.max_recv_wr = max_wr,
			.max_send_sge = max_sge,
			.max_recv_sge = max_sge,
			.max_inline_data = max_inline,
		},
		.comp_mask = IBV_QP_INIT_ATTR_PD,
		.pd = e->pd,
	};
	struct ibv_qp *qp;

	if (send_ops) {
		a.comp_mask |= IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
		a.send_ops_flags = send_ops;
	}
	qp = ibv_create_qp_ex(e->ctx, &a);
	CHECK(qp, "create_qp_ex type %d: errno %d", type, errno);
	return qp;
}

void dp_connect_rc(struct dp_env *e, struct ibv_qp *a, struct ibv_qp *b)
{
	struct ibv_qp *qps[2] = { a, b };
	int i;

	for (i = 0; i < 2; i++) {
		struct ibv_qp *qp = qps[i], *peer = qps[1 - i];
		struct ibv_qp_attr attr = {
			.qp_state = IBV_QPS_INIT,
			.pkey_index = 0,
			.port_num = 1,
			.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
					   IBV_ACCESS_REMOTE_READ |
					   IBV_ACCESS_REMOTE_ATOMIC,
		};

		CHECK(!ibv_modify_qp(qp, &attr,
					IBV_QP_STATE | IBV_QP_PKEY_INDEX |
						IBV_QP_PORT |
						IBV_QP_ACCESS_FLAGS),
			 "INIT");
		memset(&attr, 0, sizeof(attr));
		attr.qp_state = IBV_QPS_RTR;
		attr.path_mtu = IBV_MTU_1024;
		attr.dest_qp_num = peer->qp_num;
		attr.rq_psn = 0;
		attr.max_dest_rd_atomic = 1;
		attr.min_rnr_timer = 12;
		attr.ah_attr.is_global = 1;
		attr.ah_attr.grh.dgid = e->gid;
		attr.ah_attr.grh.sgid_index = e->gid_index;
		attr.ah_attr.grh.hop_limit = 1;
		attr.ah_attr.port_num = 1;
		CHECK(!ibv_modify_qp(
				 qp, &attr,
				 IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
					 IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
					 IBV_QP_MAX_DEST_RD_ATOMIC |
					 IBV_QP_MIN_RNR_TIMER),
			 "RTR");
		memset(&attr, 0, sizeof(attr));
		attr.qp_state = IBV_QPS_RTS;
		attr.timeout = 14;
		attr.retry_cnt = 7;
		attr.rnr_retry = 7;
		attr.sq_psn = 0;
		attr.max_rd_atomic = 1;
		CHECK(!ibv_modify_qp(qp, &attr,
					IBV_QP_STATE | IBV_QP_TIMEOUT |
						IBV_QP_RETRY_CNT |
						IBV_QP_RNR_RETRY |
						IBV_QP_SQ_PSN |
						IBV_QP_MAX_QP_RD_ATOMIC),
			 "RTS");
	}
}

void dp_activate_ud(struct ibv_qp *qp, uint32_t qkey)
{
	struct ibv_qp_attr attr = {
		.qp_state = IBV_QPS_INIT,
		.pkey_index = 0,
		.port_num = 1,
		.qkey = qkey,
	};

	CHECK(!ibv_modify_qp(qp, &attr,
				IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
					IBV_QP_QKEY),
		 "UD INIT");
	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IBV_QPS_RTR;
	CHECK(!ibv_modify_qp(qp, &attr, IBV_QP_STATE), "UD RTR");
	attr.qp_state = IBV_QPS_RTS;
	attr.sq_psn = 0;
	CHECK(!ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_SQ_PSN),
		 "UD RTS");
}

struct ibv_ah *dp_self_ah(struct dp_env *e)
{
	struct ibv_ah_attr a = {
		.is_global = 1,
		.port_num = 1,
		.grh = {
			.dgid = e->gid,
			.sgid_index = e->gid_index,
			.hop_limit = 1,
		},
	};
	struct ibv_ah *ah = ibv_create_ah(e->pd, &a);

	CHECK(ah, "create_ah: errno %d", errno);
	return ah;
}

void dp_qp_to_err(struct ibv_qp *qp)
{
	struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };

	CHECK(!ibv_modify_qp(qp, &attr, IBV_QP_STATE), "to ERR");
}

int dp_poll(struct ibv_cq *cq, struct ibv_wc *wc, int n)
{
	struct timespec start, now;
	int got = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < n) {
		int r = ibv_poll_cq(cq, n - got, wc + got);

		CHECK(r >= 0, "poll_cq returned %d", r);
		got += r;
		if (r)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 5)
			break;
	}
	return got;
}

void dp_post_recv(struct dp_env *e, struct ibv_qp *qp, uint64_t wr_id,
		  uint32_t off, uint32_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)e->buf + off,
		.length = len,
		.lkey = e->mr->lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = wr_id,
		.sg_list = &sge,
		.num_sge = 1,
	}, *bad;

	CHECK(!ibv_post_recv(qp, &wr, &bad), "post_recv");
}

bool dp_has_atomics(const struct dp_env *e)
{
	return e->dev_attr.orig_attr.atomic_cap != IBV_ATOMIC_NONE;
}

bool dp_has_srq(const struct dp_env *e)
{
	return e->dev_attr.orig_attr.max_srq > 0;
}
