// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The rings of the work queues: a QP's one ring holding SQ, RQ and shadow
 * area, registered as an irdma QP memory object, and an SRQ's ring of
 * receive WQEs followed by its shadow area. Their sizes in WQE quanta per
 * generation, their creation and their release.
 */
#include <errno.h>

#include "hw_format.h"
#include "queues.h"

/* Gen 1 receive WQEs are always 128 bytes with ABI version 5. */
#define IRDMA_GEN1_RQ_SHIFT 2

/*
 * WQE size class (32 << shift bytes) a queue must plan for, from the
 * largest fragment count and inline size one WQE may carry.
 */
static uint8_t irdma_wqe_shift(uint8_t gen, uint32_t sge, uint32_t inline_bytes)
{
	if (gen == IRDMA_GEN_1) {
		if (sge <= 1 && inline_bytes <= 16)
			return 0;
		return (sge < 4 && inline_bytes <= 48) ? 1 : 2;
	}
	if (sge <= 1 && inline_bytes <= 8)
		return 0;
	if (sge < 4 && inline_bytes <= 39)
		return 1;
	if (sge < 8 && inline_bytes <= 101)
		return 2;
	return 3;
}

/*
 * Depth in quanta for `wrs` WQEs of class shift plus reserved quanta: SQ,
 * RQ and SRQ alike, each with its own reserve and device maximum.
 */
static int wq_depth(const struct irdma_context *ctx, uint32_t wrs,
		    uint8_t shift, uint32_t reserved, uint32_t max_quanta,
		    uint32_t *depth)
{
	uint64_t want = ((uint64_t)wrs << shift) + reserved;
	uint32_t min = ctx->min_hw_wq_size << shift;
	uint32_t d;

	if (want > max_quanta || want > (1u << 31))
		return EINVAL;
	d = roundup_pow_of_two(want);
	if (d < min)
		d = min;
	else if (d > max_quanta)
		return EINVAL;
	*depth = d;
	return 0;
}

int irdma_qp_ring_sizes(const struct irdma_context *ctx,
			const struct ibv_qp_cap *cap, struct irdma_qp_sizes *s)
{
	uint8_t gen = ctx->hw_rev;
	int ret;

	/* gen 2+ may put immediate data in a fragment slot */
	s->sq_shift = irdma_wqe_shift(
		gen, cap->max_send_sge + (gen >= IRDMA_GEN_2 ? 1 : 0),
		cap->max_inline_data);
	ret = wq_depth(ctx, cap->max_send_wr, s->sq_shift,
		       IRDMA_SQ_RESERVED_QUANTA, ctx->max_hw_wq_quanta,
		       &s->sq_depth);
	if (ret)
		return ret;
	s->rq_shift = irdma_wqe_shift(gen, cap->max_recv_sge, 0);
	if (gen == IRDMA_GEN_1 && ctx->abi_ver > 4)
		s->rq_shift = IRDMA_GEN1_RQ_SHIFT;
	ret = wq_depth(ctx, cap->max_recv_wr, s->rq_shift, IRDMA_RQ_RESERVED,
		       ctx->max_hw_rq_quanta, &s->rq_depth);
	if (ret)
		return ret;
	s->sq_bytes = align((size_t)s->sq_depth * IRDMA_WQE_QUANTUM,
			    IRDMA_HW_PAGE_SIZE);
	s->rq_bytes = align((size_t)s->rq_depth * IRDMA_WQE_QUANTUM,
			    IRDMA_HW_PAGE_SIZE);
	if (s->sq_bytes / IRDMA_HW_PAGE_SIZE > UINT16_MAX ||
	    s->rq_bytes / IRDMA_HW_PAGE_SIZE > UINT16_MAX)
		return EINVAL;
	return 0;
}

int irdma_srq_ring_sizes(const struct irdma_context *ctx,
			 const struct ibv_srq_attr *a,
			 struct irdma_srq_sizes *s)
{
	int ret;

	s->shift = irdma_wqe_shift(ctx->hw_rev, a->max_sge, 0);
	ret = wq_depth(ctx, a->max_wr, s->shift, IRDMA_RQ_RESERVED,
		       ctx->max_hw_srq_quanta, &s->depth);
	if (ret)
		return ret;
	s->bytes =
		align((size_t)s->depth * IRDMA_WQE_QUANTUM, IRDMA_HW_PAGE_SIZE);
	if (s->bytes / IRDMA_HW_PAGE_SIZE > UINT16_MAX)
		return EINVAL;
	return 0;
}

int irdma_qp_ring_create(struct irdma_qp *qp, struct ibv_pd *pd,
			 const struct irdma_qp_sizes *s)
{
	struct irdma_context *ctx = qp->ctx;
	int ret;

	ret = irdma_ring_alloc(
		ctx, pd, s->sq_bytes + s->rq_bytes + IRDMA_SHADOW_AREA_BYTES,
		&qp->mem);
	if (ret)
		return ret;
	qp->sq = qp->mem.addr;
	qp->rq = qp->sq + s->sq_bytes;
	qp->shadow = (__le64 *)(qp->rq + s->rq_bytes);
	ret = irdma_ring_register(
		pd, &qp->mem,
		s->sq_bytes + s->rq_bytes + IRDMA_SHADOW_AREA_BYTES,
		IRDMA_MEMREG_TYPE_QP, s->sq_bytes / IRDMA_HW_PAGE_SIZE,
		s->rq_bytes / IRDMA_HW_PAGE_SIZE, 0, &qp->vmr);
	if (ret)
		irdma_ring_free(ctx, &qp->mem);
	return ret;
}

void irdma_qp_ring_release(struct irdma_qp *qp)
{
	irdma_ring_release(qp->ctx, &qp->vmr, &qp->mem);
}

int irdma_srq_ring_create(struct irdma_srq *srq, struct ibv_pd *pd,
			  const struct irdma_srq_sizes *s)
{
	struct irdma_context *ctx = srq->ctx;
	int ret;

	ret = irdma_ring_alloc(ctx, pd, s->bytes + IRDMA_SHADOW_AREA_BYTES,
			       &srq->mem);
	if (ret)
		return ret;
	srq->wqes = srq->mem.addr;
	srq->shadow = (__le64 *)(srq->wqes + s->bytes);
	ret = irdma_ring_register(pd, &srq->mem,
				  s->bytes + IRDMA_SHADOW_AREA_BYTES,
				  IRDMA_MEMREG_TYPE_SRQ, 0,
				  s->bytes / IRDMA_HW_PAGE_SIZE, 0, &srq->vmr);
	if (ret)
		irdma_ring_free(ctx, &srq->mem);
	return ret;
}

void irdma_srq_ring_release(struct irdma_srq *srq)
{
	irdma_ring_release(srq->ctx, &srq->vmr, &srq->mem);
}
