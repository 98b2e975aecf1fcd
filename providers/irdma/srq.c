// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Shared receive queues (generations that report IRDMA_FEATURE_SRQ): one
 * ring of receive WQEs followed by the 64-byte shadow area through which
 * the provider tells the device its producer index.
 */
#include <errno.h>
#include <stdlib.h>

#include "hw_format.h"
#include "queues.h"

struct irdma_srq_create_cmd {
	struct ibv_create_srq ibv_cmd;
	struct irdma_create_srq_req drv;
};

struct irdma_srq_create_cmd_resp {
	struct ib_uverbs_create_srq_resp ibv_resp;
	struct irdma_create_srq_resp drv;
};

struct ibv_srq *irdma_create_srq(struct ibv_pd *pd,
				 struct ibv_srq_init_attr *init)
{
	struct irdma_context *ctx = to_irdma_ctx(pd->context);
	struct irdma_srq_create_cmd cmd = {};
	struct irdma_srq_create_cmd_resp resp = {};
	struct ibv_srq_attr *a = &init->attr;
	struct irdma_srq_sizes sz;
	struct irdma_srq *srq;
	uint32_t fit;
	int ret;

	if (!(ctx->feature_flags & IRDMA_FEATURE_SRQ)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (!a->max_wr || a->max_sge > ctx->max_hw_wq_frags ||
	    a->max_wr > ctx->max_hw_srq_quanta) {
		errno = EINVAL;
		return NULL;
	}
	ret = irdma_srq_ring_sizes(ctx, a, &sz);
	if (ret) {
		errno = ret;
		return NULL;
	}

	srq = calloc(1, sizeof(*srq));
	if (!srq) {
		errno = ENOMEM;
		return NULL;
	}
	srq->ctx = ctx;
	ret = pthread_spin_init(&srq->lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_free;
	ret = irdma_srq_ring_create(srq, pd, &sz);
	if (ret)
		goto err_lock;

	cmd.drv.user_srq_buf = (uintptr_t)srq->wqes;
	cmd.drv.user_shadow_area = (uintptr_t)srq->shadow;
	ret = ibv_cmd_create_srq(pd, &srq->vsrq.srq, init, &cmd.ibv_cmd,
				 sizeof(cmd), &resp.ibv_resp, sizeof(resp));
	if (ret)
		goto err_ring;
	/* the device wraps at the kernel's size; it must fit our memory */
	if (!resp.drv.srq_size || resp.drv.srq_size > sz.depth >> sz.shift) {
		ret = EINVAL;
		goto err_destroy;
	}
	srq->srq_id = resp.drv.srq_id;
	srq->pos.size = resp.drv.srq_size;
	srq->slots = calloc(srq->pos.size, sizeof(*srq->slots));
	if (!srq->slots) {
		ret = ENOMEM;
		goto err_destroy;
	}
	srq->polarity = 1;
	srq->wqe_shift = sz.shift;
	/* as many SGEs as the WQE size class holds */
	fit = (2u << sz.shift) - 1;
	srq->max_sge = fit < ctx->max_hw_wq_frags ? fit : ctx->max_hw_wq_frags;
	a->max_wr = (sz.depth - IRDMA_RQ_RESERVED) >> sz.shift;
	srq->max_wr = a->max_wr;
	return &srq->vsrq.srq;

err_destroy:
	ibv_cmd_destroy_srq(&srq->vsrq.srq);
err_ring:
	irdma_srq_ring_release(srq);
err_lock:
	pthread_spin_destroy(&srq->lock);
err_free:
	free(srq);
	errno = ret;
	return NULL;
}

int irdma_modify_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr,
		     int attr_mask)
{
	struct ibv_modify_srq cmd;

	/* the ring cannot grow in place */
	if (attr_mask & IBV_SRQ_MAX_WR)
		return EOPNOTSUPP;
	return ibv_cmd_modify_srq(ibsrq, attr, attr_mask, &cmd, sizeof(cmd));
}

int irdma_query_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr)
{
	struct ibv_query_srq cmd;

	return ibv_cmd_query_srq(ibsrq, attr, &cmd, sizeof(cmd));
}

int irdma_destroy_srq(struct ibv_srq *ibsrq)
{
	struct irdma_srq *srq = to_irdma_srq(ibsrq);
	int ret;

	ret = ibv_cmd_destroy_srq(ibsrq);
	if (ret)
		return ret;
	irdma_srq_ring_release(srq);
	pthread_spin_destroy(&srq->lock);
	free(srq->slots);
	free(srq);
	return 0;
}
