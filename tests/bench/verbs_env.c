// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The verbs objects every phase needs: the first device, a PD, a
 * registered buffer, QPs brought to RTS on the device's own GID (the
 * emulated fabric delivers packets for the local GID back to this
 * process, so a QP pair in one process talks to itself).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int open_first_device(struct bench_dev *d)
{
	struct ibv_device **list;
	int n;

	list = ibv_get_device_list(&n);
	if (!list)
		return errno ? errno : ENODEV;
	if (n > 0)
		d->ctx = ibv_open_device(list[0]);
	ibv_free_device_list(list);
	if (n <= 0)
		return ENODEV;
	return d->ctx ? 0 : (errno ? errno : ENODEV);
}

/* The data buffer: private memory, or shared memory in a CoCo guest. */
static int alloc_data_buf(struct bench_dev *d, bool cc_data)
{
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ;

	if (cc_data && d->cc_bounce) {
		d->cc_domain = bench_parent_domain(d, true);
		if (!d->cc_domain)
			return errno ? errno : ENOMEM;
		d->buf =
			ibv_alloc_buf(d->cc_domain, BENCH_BUF_SIZE, &d->cc_buf);
		if (!d->buf)
			return errno ? errno : ENOMEM;
		d->mr = ibv_reg_buf_mr(d->cc_domain, d->cc_buf, d->buf,
				       BENCH_BUF_SIZE, access);
	} else {
		d->buf = aligned_alloc(4096, BENCH_BUF_SIZE);
		if (!d->buf)
			return ENOMEM;
		d->mr = ibv_reg_mr(d->pd, d->buf, BENCH_BUF_SIZE, access);
	}
	memset(d->buf, 0x5a, BENCH_BUF_SIZE);
	return d->mr ? 0 : (errno ? errno : ENOMEM);
}

int bench_dev_open(struct bench_dev *d, bool cc_data)
{
	struct ibv_device_attr_ex attr;
	int ret;

	memset(d, 0, sizeof(*d));
	ret = open_first_device(d);
	if (ret)
		return ret;
	if (!ibv_query_device_ex(d->ctx, NULL, &attr))
		d->cc_bounce =
			attr.device_cap_flags_ex & IBV_DEVICE_CC_DMA_BOUNCE;
	ret = ibv_query_gid(d->ctx, 1, 0, &d->gid) ? EIO : 0;
	d->pd = ret ? NULL : ibv_alloc_pd(d->ctx);
	if (!ret && !d->pd)
		ret = errno ? errno : ENOMEM;
	if (!ret)
		ret = alloc_data_buf(d, cc_data);
	if (ret)
		bench_dev_close(d);
	return ret;
}

void bench_dev_close(struct bench_dev *d)
{
	if (d->mr)
		ibv_dereg_mr(d->mr);
	if (d->cc_buf)
		ibv_free_buf(d->cc_buf);
	else
		free(d->buf);
	if (d->cc_domain)
		ibv_dealloc_pd(d->cc_domain);
	if (d->pd)
		ibv_dealloc_pd(d->pd);
	if (d->ctx)
		ibv_close_device(d->ctx);
	memset(d, 0, sizeof(*d));
}

struct ibv_pd *bench_parent_domain(struct bench_dev *d, bool cc)
{
	struct ibv_parent_domain_init_attr a = {
		.pd = d->pd,
		.comp_mask =
			cc ? IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC :
			     0,
	};

	return ibv_alloc_parent_domain(d->ctx, &a);
}

struct ibv_cq *bench_create_cq(struct bench_dev *d, struct ibv_pd *domain,
			       int cqe)
{
	struct ibv_cq_init_attr_ex a = {
		.cqe = (uint32_t)cqe,
		.wc_flags = IBV_WC_STANDARD_FLAGS,
	};
	struct ibv_cq_ex *cq;

	if (!domain)
		return ibv_create_cq(d->ctx, cqe, NULL, NULL, 0);
	a.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD;
	a.parent_domain = domain;
	cq = ibv_create_cq_ex(d->ctx, &a);
	return cq ? ibv_cq_ex_to_cq(cq) : NULL;
}

struct ibv_qp *bench_create_qp(struct bench_dev *d, struct ibv_pd *domain,
			       enum ibv_qp_type type, struct ibv_cq *scq,
			       struct ibv_cq *rcq, uint32_t depth,
			       uint32_t max_inline)
{
	struct ibv_qp_init_attr_ex a = {
		.send_cq = scq,
		.recv_cq = rcq,
		.qp_type = type,
		.cap = {
			.max_send_wr = depth,
			.max_recv_wr = depth,
			.max_send_sge = 1,
			.max_recv_sge = 1,
			.max_inline_data = max_inline,
		},
		.comp_mask = IBV_QP_INIT_ATTR_PD,
		.pd = domain ? domain : d->pd,
	};

	return ibv_create_qp_ex(d->ctx, &a);
}

static int modify(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask)
{
	int ret = ibv_modify_qp(qp, a, mask);

	return ret < 0 ? -ret : ret;
}

static int rc_to_rtr_rts(struct bench_dev *d, struct ibv_qp *qp,
			 uint32_t peer_qpn)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR,
		.path_mtu = IBV_MTU_1024,
		.dest_qp_num = peer_qpn,
		.max_dest_rd_atomic = 1,
		.min_rnr_timer = 12,
		.ah_attr = {
			.is_global = 1,
			.port_num = 1,
			.grh = { .dgid = d->gid, .hop_limit = 1 },
		},
	};
	int ret;

	ret = modify(qp, &a,
		     IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			     IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			     IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return modify(qp, &a,
		      IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			      IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
			      IBV_QP_MAX_QP_RD_ATOMIC);
}

static int ud_to_rtr_rts(struct ibv_qp *qp)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_RTR };
	int ret;

	ret = modify(qp, &a, IBV_QP_STATE);
	if (ret)
		return ret;
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 0;
	return modify(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN);
}

int bench_qp_to_rts(struct bench_dev *d, struct ibv_qp *qp, uint32_t peer_qpn)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qp_access_flags =
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
		.qkey = BENCH_QKEY,
	};
	bool ud = qp->qp_type == IBV_QPT_UD;
	int ret;

	ret = modify(qp, &a,
		     IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			     (ud ? IBV_QP_QKEY : IBV_QP_ACCESS_FLAGS));
	if (ret)
		return ret;
	return ud ? ud_to_rtr_rts(qp) : rc_to_rtr_rts(d, qp, peer_qpn);
}

struct ibv_ah *bench_self_ah(struct bench_dev *d)
{
	struct ibv_ah_attr a = {
		.is_global = 1,
		.port_num = 1,
		.grh = { .dgid = d->gid, .hop_limit = 1 },
	};

	return ibv_create_ah(d->pd, &a);
}
