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

static int srq_depth(const struct irdma_context *ctx,
		     const struct ibv_srq_attr *a, uint8_t shift,
		     uint32_t *depth)
{
	uint64_t want = ((uint64_t)a->max_wr << shift) + IRDMA_RQ_RESERVED;
	uint32_t min = ctx->min_hw_wq_size << shift;
	uint32_t d;

	if (want > ctx->max_hw_srq_quanta)
		return EINVAL;
	d = irdma_round_pow2((uint32_t)want);
	if (d < min)
		d = min;
	else if (d > ctx->max_hw_srq_quanta)
		return EINVAL;
	*depth = d;
	return 0;
}

struct ibv_srq *irdma_create_srq(struct ibv_pd *pd,
				 struct ibv_srq_init_attr *init)
{
	struct irdma_context *ctx = to_irdma_ctx(pd->context);
	struct irdma_srq_create_cmd cmd = {};
	struct irdma_srq_create_cmd_resp resp = {};
	struct ibv_srq_attr *a = &init->attr;
	struct irdma_srq *srq;
	uint32_t depth, fit;
	size_t bytes;
	uint8_t shift;
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
	shift = irdma_wqe_shift(ctx->hw_rev, a->max_sge, 0);
	ret = srq_depth(ctx, a, shift, &depth);
	if (ret) {
		errno = ret;
		return NULL;
	}
	bytes = ((size_t)depth * IRDMA_WQE_QUANTUM + IRDMA_RING_PAGE - 1) &
		~((size_t)IRDMA_RING_PAGE - 1);
	if (bytes / IRDMA_RING_PAGE > UINT16_MAX) {
		errno = EINVAL;
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
	ret = irdma_ring_alloc(ctx, pd, bytes + IRDMA_SHADOW_AREA_BYTES,
			       &srq->mem);
	if (ret)
		goto err_lock;
	srq->wqes = srq->mem.addr;
	srq->shadow = (__le64 *)(srq->wqes + bytes);
	ret = irdma_ring_register(pd, &srq->mem,
				  bytes + IRDMA_SHADOW_AREA_BYTES,
				  IRDMA_MEMREG_TYPE_SRQ, 0,
				  bytes / IRDMA_RING_PAGE, 0, &srq->vmr);
	if (ret)
		goto err_ring;

	cmd.drv.user_srq_buf = (uintptr_t)srq->wqes;
	cmd.drv.user_shadow_area = (uintptr_t)srq->shadow;
	ret = ibv_cmd_create_srq(pd, &srq->vsrq.srq, init, &cmd.ibv_cmd,
				 sizeof(cmd), &resp.ibv_resp, sizeof(resp));
	if (ret)
		goto err_reg;
	/* the device wraps at the kernel's size; it must fit our memory */
	if (!resp.drv.srq_size || resp.drv.srq_size > depth >> shift) {
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
	srq->wqe_shift = shift;
	/* as many SGEs as the WQE size class holds */
	fit = (2u << shift) - 1;
	srq->max_sge = fit < ctx->max_hw_wq_frags ? fit : ctx->max_hw_wq_frags;
	a->max_wr = (depth - IRDMA_RQ_RESERVED) >> shift;
	srq->max_wr = a->max_wr;
	return &srq->vsrq.srq;

err_destroy:
	ibv_cmd_destroy_srq(&srq->vsrq.srq);
err_reg:
	irdma_dp_ring_release(ctx, &srq->vmr, &srq->mem);
	goto err_lock;
err_ring:
	irdma_ring_free(ctx, &srq->mem);
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
	irdma_dp_ring_release(srq->ctx, &srq->vmr, &srq->mem);
	pthread_spin_destroy(&srq->lock);
	free(srq->slots);
	free(srq);
	return 0;
}
