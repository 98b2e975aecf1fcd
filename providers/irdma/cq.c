// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Completion queues: creation (CQE ring + shadow area in device-visible
 * ring memory), resize, destroy, arming, and the table of QPs allowed to
 * report completions on a CQ.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <util/udma_barrier.h>

#include "debug.h"
#include "hw_format.h"
#include "queues.h"

struct irdma_cq_create_cmd {
	struct ibv_create_cq_ex ibv_cmd;
	struct irdma_create_cq_req drv;
};

struct irdma_cq_create_cmd_resp {
	struct ib_uverbs_ex_create_cq_resp ibv_resp;
	struct irdma_create_cq_resp drv;
};

struct irdma_cq_resize_cmd {
	struct ibv_resize_cq ibv_cmd;
	struct irdma_resize_cq_req drv;
};

static uint64_t cq_supported_wc_flags(const struct irdma_context *ctx)
{
	uint64_t f = IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM |
		     IBV_WC_EX_WITH_QP_NUM | IBV_WC_EX_WITH_SRC_QP |
		     IBV_WC_EX_WITH_SLID | IBV_WC_EX_WITH_SL |
		     IBV_WC_EX_WITH_DLID_PATH_BITS;

	if (ctx->hw_rev >= IRDMA_GEN_3)
		f |= IBV_WC_EX_WITH_COMPLETION_TIMESTAMP;
	return f;
}

static int cq_check_attr(struct irdma_context *ctx,
			 const struct ibv_cq_init_attr_ex *attr, bool ex)
{
	if (attr->cqe < 1 || (uint32_t)attr->cqe >= ctx->max_hw_cq_size)
		return EINVAL;
	if (!ex)
		return 0;
	/* gen 1 CQEs lack what the extended polling API reports */
	if (ctx->hw_rev == IRDMA_GEN_1)
		return EOPNOTSUPP;
	if (attr->wc_flags & ~cq_supported_wc_flags(ctx))
		return EOPNOTSUPP;
	if (attr->comp_mask &
	    ~(uint32_t)(IBV_CQ_INIT_ATTR_MASK_FLAGS | IBV_CQ_INIT_ATTR_MASK_PD))
		return EOPNOTSUPP;
	if ((attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_FLAGS) &&
	    (attr->flags & ~(uint32_t)IBV_CREATE_CQ_ATTR_SINGLE_THREADED))
		return EOPNOTSUPP;
	if ((attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_PD) &&
	    (!attr->parent_domain ||
	     attr->parent_domain->context != &ctx->ibv_ctx.context ||
	     !to_irdma_parent_domain(attr->parent_domain)))
		return EINVAL;
	return 0;
}

static struct ibv_cq_ex *cq_create(struct ibv_context *ibctx,
				   struct ibv_cq_init_attr_ex *attr, bool ex)
{
	struct irdma_context *ctx = to_irdma_ctx(ibctx);
	struct irdma_cq_create_cmd cmd = {};
	struct irdma_cq_create_cmd_resp resp = {};
	struct ibv_pd *policy_pd = NULL;
	struct ibv_cq_init_attr_ex kattr;
	struct irdma_cq *cq;
	uint32_t entries;
	int ret;

	ret = cq_check_attr(ctx, attr, ex);
	if (ret) {
		irdma_dbg(
			&ctx->ibv_ctx,
			"create_cq: cqe %d wc_flags 0x%llx comp_mask 0x%x refused (%s, device max cqe %u)",
			attr->cqe, (unsigned long long)attr->wc_flags,
			attr->comp_mask,
			ret == EOPNOTSUPP ? "unsupported" : "out of range",
			ctx->max_hw_cq_size - 1);
		errno = ret;
		return NULL;
	}
	if (ex && (attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_PD))
		policy_pd = attr->parent_domain;

	cq = calloc(1, sizeof(*cq));
	if (!cq) {
		errno = ENOMEM;
		return NULL;
	}
	cq->ctx = ctx;
	cq->policy_pd = policy_pd;
	cq->gen = ctx->hw_rev;
	ret = pthread_spin_init(&cq->lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_free;

	entries = irdma_cq_ring_entries(ctx, attr->cqe);
	ret = irdma_cq_rings_create(cq, entries);
	if (ret)
		goto err_lock;

	cmd.drv.user_cq_buf = (uintptr_t)cq->ring->cqes;
	cmd.drv.user_shadow_area = (uintptr_t)cq->shadow;
	kattr = *attr;
	kattr.cqe = entries;
	/* the parent domain is ours; the kernel only knows real PDs */
	kattr.comp_mask &= ~(uint32_t)IBV_CQ_INIT_ATTR_MASK_PD;
	ret = ibv_cmd_create_cq_ex(ibctx, &kattr, NULL, &cq->vcq, &cmd.ibv_cmd,
				   sizeof(cmd), &resp.ibv_resp, sizeof(resp),
				   0);
	if (ret)
		goto err_rings;

	cq->cq_id = resp.drv.cq_id;
	/* report what the application asked for, not the hardware slack */
	cq->vcq.cq.cqe = attr->cqe;
	if (ex)
		irdma_cq_init_ex_ops(cq, attr->wc_flags);
	return &cq->vcq.cq_ex;

err_rings:
	irdma_cq_rings_destroy(cq);
err_lock:
	pthread_spin_destroy(&cq->lock);
err_free:
	free(cq);
	errno = ret;
	return NULL;
}

struct ibv_cq *irdma_create_cq(struct ibv_context *ibctx, int cqe,
			       struct ibv_comp_channel *channel,
			       int comp_vector)
{
	struct ibv_cq_init_attr_ex attr = {
		.cqe = cqe,
		.channel = channel,
		.comp_vector = comp_vector,
	};
	struct ibv_cq_ex *cq = cq_create(ibctx, &attr, false);

	return cq ? ibv_cq_ex_to_cq(cq) : NULL;
}

struct ibv_cq_ex *irdma_create_cq_ex(struct ibv_context *ibctx,
				     struct ibv_cq_init_attr_ex *attr)
{
	return cq_create(ibctx, attr, true);
}

int irdma_destroy_cq(struct ibv_cq *ibcq)
{
	struct irdma_cq *cq = to_irdma_cq(ibcq);
	int ret;

	if (cq->qps_used)
		return EBUSY;
	ret = ibv_cmd_destroy_cq(ibcq);
	if (ret)
		return ret;

	irdma_cq_rings_destroy(cq);
	pthread_spin_destroy(&cq->lock);
	free(cq->qps);
	free(cq);
	return 0;
}

int irdma_resize_cq(struct ibv_cq *ibcq, int cqe)
{
	struct irdma_cq *cq = to_irdma_cq(ibcq);
	struct irdma_context *ctx = cq->ctx;
	struct irdma_cq_resize_cmd cmd = {};
	struct ib_uverbs_resize_cq_resp resp = {};
	struct irdma_cq_ring *nr;
	uint32_t entries;
	int ret;

	if (!(ctx->feature_flags & IRDMA_FEATURE_CQ_RESIZE))
		return EOPNOTSUPP;
	if (cqe < 1 || (uint32_t)cqe >= ctx->max_hw_cq_size)
		return EINVAL;
	entries = irdma_cq_ring_entries(ctx, cqe);
	if (entries == cq->ring->entries) {
		ibcq->cqe = cqe;
		return 0;
	}

	ret = irdma_cq_resize_ring_create(cq, entries, &nr);
	if (ret)
		return ret;

	pthread_spin_lock(&cq->lock);
	cmd.drv.user_cq_buffer = (uintptr_t)nr->cqes;
	ret = ibv_cmd_resize_cq(ibcq, entries, &cmd.ibv_cmd, sizeof(cmd), &resp,
				sizeof(resp));
	if (ret) {
		pthread_spin_unlock(&cq->lock);
		irdma_cq_ring_release(ctx, nr);
		return ret;
	}
	irdma_cq_ring_replace(cq, nr);
	ibcq->cqe = cqe;
	pthread_spin_unlock(&cq->lock);
	return 0;
}

/*
 * Arm: bump the sequence number in the shadow area's arm word, say which
 * completions should raise an event, then ring the CQ arm doorbell.
 */
int irdma_req_notify_cq(struct ibv_cq *ibcq, int solicited_only)
{
	struct irdma_cq *cq = to_irdma_cq(ibcq);
	uint64_t w, seq;

	pthread_spin_lock(&cq->lock);
	w = hw_rd64(cq->shadow, IRDMA_CQ_SHADOW_ARM_WORD);
	seq = (FIELD_GET(IRDMA_CQARM_SEQ, w) + 1) & 3;
	w = FIELD_PREP(IRDMA_CQARM_SEQ, seq) |
	    FIELD_PREP(IRDMA_CQARM_SW_CQ_SELECT,
		       FIELD_GET(IRDMA_CQARM_SW_CQ_SELECT, w)) |
	    FIELD_PREP(IRDMA_CQARM_NEXT_SOLICITED, 1) |
	    FIELD_PREP(IRDMA_CQARM_NEXT, solicited_only ? 0 : 1);
	hw_wr64(cq->shadow, IRDMA_CQ_SHADOW_ARM_WORD, w);
	/* the arm word must be visible before the device is told to look */
	udma_to_device_barrier();
	/* one 32-bit store to a register shared by all CQs of the context */
	__atomic_store_n(cq->ctx->cq_arm_db, htole32(cq->cq_id),
			 __ATOMIC_RELAXED);
	pthread_spin_unlock(&cq->lock);
	return 0;
}

/* Every event needs a new arm request; nothing to account for here. */
void irdma_cq_event(struct ibv_cq *ibcq)
{
}

/* Give qp a slot in cq's table; its CQEs are looked up through it. */
int irdma_cq_add_qp(struct irdma_cq *cq, struct irdma_qp *qp, uint32_t *slot)
{
	uint32_t i;

	pthread_spin_lock(&cq->lock);
	/* slot 0 is never used so that a zeroed token matches nothing */
	for (i = 1; i < cq->qps_cap; i++)
		if (!cq->qps[i])
			break;
	if (i >= cq->qps_cap) {
		uint32_t ncap = cq->qps_cap ? cq->qps_cap * 2 : 16;
		struct irdma_qp **n;

		if (ncap > IRDMA_CQ_MAX_QPS + 1)
			ncap = IRDMA_CQ_MAX_QPS + 1;
		if (ncap <= cq->qps_cap) {
			pthread_spin_unlock(&cq->lock);
			return ENOSPC;
		}
		n = realloc(cq->qps, ncap * sizeof(*n));
		if (!n) {
			pthread_spin_unlock(&cq->lock);
			return ENOMEM;
		}
		memset(n + cq->qps_cap, 0, (ncap - cq->qps_cap) * sizeof(*n));
		cq->qps = n;
		cq->qps_cap = ncap;
	}
	cq->qps[i] = qp;
	cq->qps_used++;
	*slot = i;
	pthread_spin_unlock(&cq->lock);
	return 0;
}

/*
 * The QP leaves the table, and its CQEs not yet polled are made to name
 * nothing, so that a late look-up cannot match a new QP in its slot.
 */
void irdma_cq_remove_qp(struct irdma_cq *cq, uint32_t slot, uint64_t token)
{
	pthread_spin_lock(&cq->lock);
	if (slot && slot < cq->qps_cap && cq->qps[slot]) {
		cq->qps[slot] = NULL;
		cq->qps_used--;
	}
	irdma_cq_rings_forget(cq, token);
	pthread_spin_unlock(&cq->lock);
}
