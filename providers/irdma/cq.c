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

/* Never fewer CQEs than this in a ring. */
#define IRDMA_CQ_MIN_ENTRIES 4u

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

static bool cq_uses_64b_cqes(const struct irdma_context *ctx)
{
	return ctx->feature_flags & IRDMA_FEATURE_64_BYTE_CQE;
}

/*
 * Ring entries for an application's cqe count. One entry always stays
 * free; with 32-byte CQEs on gen 2+ an extended CQE takes two entries, so
 * the ring is doubled; the count is kept even.
 */
static uint32_t cq_ring_entries(const struct irdma_context *ctx, int cqe)
{
	uint32_t n = (uint32_t)cqe + 1;

	if (!cq_uses_64b_cqes(ctx) && ctx->hw_rev > IRDMA_GEN_1)
		n *= 2;
	n = (n + 1) & ~1u;
	return n < IRDMA_CQ_MIN_ENTRIES ? IRDMA_CQ_MIN_ENTRIES : n;
}

static size_t cq_ring_bytes(uint32_t entries, uint32_t stride)
{
	size_t b = (size_t)entries * stride;

	return (b + IRDMA_RING_PAGE - 1) & ~((size_t)IRDMA_RING_PAGE - 1);
}

static void cq_ring_release(struct irdma_context *ctx, struct irdma_cq_ring *r)
{
	if (!r)
		return;
	irdma_dp_ring_release(ctx, &r->vmr, &r->mem);
	free(r);
}

void irdma_cq_free_ring(struct irdma_cq *cq, struct irdma_cq_ring *r)
{
	cq_ring_release(cq->ctx, r);
}

/*
 * Allocate and register a CQE ring of `entries` CQEs. extra_bytes of room
 * after the CQEs (the shadow area on gens without a separate one) are
 * allocated and registered too, but not counted in cq_pages.
 */
static int cq_ring_create(struct irdma_cq *cq, struct ibv_pd *policy_pd,
			  uint32_t entries, size_t extra_bytes,
			  struct irdma_cq_ring **out)
{
	struct irdma_context *ctx = cq->ctx;
	size_t bytes = cq_ring_bytes(entries, cq->cqe_stride);
	struct irdma_cq_ring *r;
	int ret;

	if (bytes / IRDMA_RING_PAGE > UINT16_MAX)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	ret = irdma_ring_alloc(ctx, policy_pd, bytes + extra_bytes, &r->mem);
	if (ret)
		goto err;
	ret = irdma_ring_register(&ctx->internal_pd->ibv_pd, &r->mem,
				  bytes + extra_bytes, IRDMA_MEMREG_TYPE_CQ, 0,
				  0, bytes / IRDMA_RING_PAGE, &r->vmr);
	if (ret)
		goto err_free;
	r->cqes = r->mem.addr;
	r->entries = entries;
	r->head = 0;
	r->polarity = 1;
	*out = r;
	return 0;

err_free:
	irdma_ring_free(ctx, &r->mem);
err:
	free(r);
	return ret;
}

/* The shadow area of gens that can resize: its own registered page. */
static int cq_shadow_create(struct irdma_cq *cq, struct ibv_pd *policy_pd)
{
	struct irdma_context *ctx = cq->ctx;
	int ret;

	ret = irdma_ring_alloc(ctx, policy_pd, IRDMA_SHADOW_AREA_BYTES,
			       &cq->shadow_mem);
	if (ret)
		return ret;
	ret = irdma_ring_register(&ctx->internal_pd->ibv_pd, &cq->shadow_mem, 0,
				  IRDMA_MEMREG_TYPE_CQ, 0, 0, 1,
				  &cq->shadow_vmr);
	if (ret) {
		irdma_ring_free(ctx, &cq->shadow_mem);
		return ret;
	}
	cq->shadow = cq->shadow_mem.addr;
	cq->shadow_separate = true;
	return 0;
}

static void cq_shadow_destroy(struct irdma_cq *cq)
{
	if (!cq->shadow_separate)
		return;
	irdma_dp_ring_release(cq->ctx, &cq->shadow_vmr, &cq->shadow_mem);
	cq->shadow_separate = false;
}

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
	size_t tail_room;
	struct irdma_cq *cq;
	uint32_t entries;
	int ret;

	ret = cq_check_attr(ctx, attr, ex);
	if (ret) {
		irdma_dbg(
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
	cq->cqe_stride =
		cq_uses_64b_cqes(ctx) ? IRDMA_CQE64_BYTES : IRDMA_CQE_BYTES;
	ret = pthread_spin_init(&cq->lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_free;

	entries = cq_ring_entries(ctx, attr->cqe);
	/* Without resize support the shadow area follows the CQE ring. */
	tail_room = (ctx->feature_flags & IRDMA_FEATURE_CQ_RESIZE) ?
			    0 :
			    IRDMA_SHADOW_AREA_BYTES;
	ret = cq_ring_create(cq, policy_pd, entries, tail_room, &cq->ring);
	if (ret)
		goto err_lock;
	if (tail_room) {
		cq->shadow = (__le64 *)(cq->ring->cqes +
					cq_ring_bytes(entries, cq->cqe_stride));
	} else {
		ret = cq_shadow_create(cq, policy_pd);
		if (ret)
			goto err_ring;
	}

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
		goto err_shadow;

	cq->cq_id = resp.drv.cq_id;
	/* report what the application asked for, not the hardware slack */
	cq->vcq.cq.cqe = attr->cqe;
	if (ex)
		irdma_cq_init_ex_ops(cq, attr->wc_flags);
	return &cq->vcq.cq_ex;

err_shadow:
	cq_shadow_destroy(cq);
err_ring:
	cq_ring_release(ctx, cq->ring);
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
	struct irdma_cq_ring *r;
	int ret;

	if (cq->qps_used)
		return EBUSY;
	ret = ibv_cmd_destroy_cq(ibcq);
	if (ret)
		return ret;

	while ((r = cq->old_rings)) {
		cq->old_rings = r->next_old;
		cq_ring_release(cq->ctx, r);
	}
	cq_ring_release(cq->ctx, cq->ring);
	cq_shadow_destroy(cq);
	pthread_spin_destroy(&cq->lock);
	free(cq->qps);
	free(cq);
	return 0;
}

/*
 * Tell the device how many rings left over from resizes the provider has
 * finished with: they are counted in the arm word's SW_CQ_SELECT field.
 */
void irdma_cq_set_resized_count(struct irdma_cq *cq, uint32_t count)
{
	uint64_t w = hw_rd64(cq->shadow, CQ_SHADOW_ARM_WORD);
	uint64_t sel = hwf_get(CQARM_SW_CQ_SELECT, w) + count;

	w = (w & ~CQARM_SW_CQ_SELECT) | hwf_put(CQARM_SW_CQ_SELECT, sel);
	hw_wr64(cq->shadow, CQ_SHADOW_ARM_WORD, w);
}

static bool cqe_is_valid(const struct irdma_cq_ring *r, uint32_t idx,
			 uint8_t polarity, uint32_t stride)
{
	const __le64 *c = (const __le64 *)(r->cqes + (size_t)idx * stride);

	return hwf_get(CQE3_VALID, hw_rd64(c, 3)) == polarity;
}

int irdma_resize_cq(struct ibv_cq *ibcq, int cqe)
{
	struct irdma_cq *cq = to_irdma_cq(ibcq);
	struct irdma_context *ctx = cq->ctx;
	struct irdma_cq_resize_cmd cmd = {};
	struct ib_uverbs_resize_cq_resp resp = {};
	struct irdma_cq_ring *nr, **tailp;
	uint32_t entries;
	int ret;

	if (!(ctx->feature_flags & IRDMA_FEATURE_CQ_RESIZE))
		return EOPNOTSUPP;
	if (cqe < 1 || (uint32_t)cqe >= ctx->max_hw_cq_size)
		return EINVAL;
	entries = cq_ring_entries(ctx, cqe);
	if (entries == cq->ring->entries) {
		ibcq->cqe = cqe;
		return 0;
	}

	/* a CoCo CQ's new ring comes from where the first one came */
	ret = cq_ring_create(cq, cq->policy_pd, entries, 0, &nr);
	if (ret)
		return ret;

	pthread_spin_lock(&cq->lock);
	cmd.drv.user_cq_buffer = (uintptr_t)nr->cqes;
	ret = ibv_cmd_resize_cq(ibcq, entries, &cmd.ibv_cmd, sizeof(cmd), &resp,
				sizeof(resp));
	if (ret) {
		pthread_spin_unlock(&cq->lock);
		cq_ring_release(ctx, nr);
		return ret;
	}
	/*
	 * The kernel returns once the device writes to the new ring. An old
	 * ring with no CQE left is done with now; one that still holds CQEs
	 * is drained by poll before the new one.
	 */
	if (!cqe_is_valid(cq->ring, cq->ring->head, cq->ring->polarity,
			  cq->cqe_stride)) {
		cq_ring_release(ctx, cq->ring);
		irdma_cq_set_resized_count(cq, 1);
	} else {
		for (tailp = &cq->old_rings; *tailp;
		     tailp = &(*tailp)->next_old)
			;
		cq->ring->next_old = NULL;
		*tailp = cq->ring;
	}
	cq->ring = nr;
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
	w = hw_rd64(cq->shadow, CQ_SHADOW_ARM_WORD);
	seq = (hwf_get(CQARM_SEQ, w) + 1) & 3;
	w = hwf_put(CQARM_SEQ, seq) |
	    hwf_put(CQARM_SW_CQ_SELECT, hwf_get(CQARM_SW_CQ_SELECT, w)) |
	    hwf_put(CQARM_NEXT_SOLICITED, 1) |
	    hwf_put(CQARM_NEXT, solicited_only ? 0 : 1);
	hw_wr64(cq->shadow, CQ_SHADOW_ARM_WORD, w);
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
 * Zero the completion context of any not yet polled CQE of the QP being
 * destroyed in one ring, so that a late look-up cannot match a new QP.
 */
static void cq_ring_forget_token(struct irdma_cq *cq, struct irdma_cq_ring *r,
				 uint64_t token)
{
	uint32_t idx = r->head;
	uint8_t pol = r->polarity;
	uint32_t n;

	for (n = 0; n < r->entries; n++) {
		__le64 *c = (__le64 *)(r->cqes + (size_t)idx * cq->cqe_stride);
		uint64_t w3;

		if (!cqe_is_valid(r, idx, pol, cq->cqe_stride))
			break;
		udma_from_device_barrier();
		w3 = hw_rd64(c, 3);
		if (hwf_get(CQE3_SRQ, w3)) {
			if (cq->cqe_stride == IRDMA_CQE64_BYTES &&
			    hw_rd64(c, 5) == token)
				hw_wr64(c, 5, 0);
		} else if (hw_rd64(c, 1) == token) {
			hw_wr64(c, 1, 0);
		}
		if (++idx == r->entries) {
			idx = 0;
			pol ^= 1;
		}
	}
}

void irdma_cq_remove_qp(struct irdma_cq *cq, uint32_t slot, uint64_t token)
{
	struct irdma_cq_ring *r;

	pthread_spin_lock(&cq->lock);
	if (slot && slot < cq->qps_cap && cq->qps[slot]) {
		cq->qps[slot] = NULL;
		cq->qps_used--;
	}
	for (r = cq->old_rings; r; r = r->next_old)
		cq_ring_forget_token(cq, r, token);
	cq_ring_forget_token(cq, cq->ring, token);
	pthread_spin_unlock(&cq->lock);
}
