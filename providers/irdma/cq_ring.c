// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The rings of a completion queue, from creation to release: the CQE ring
 * and the shadow area (a page of its own on generations that can resize,
 * the tail of the CQE ring otherwise), the rings a resize leaves behind
 * until polling has drained them, and the walk that makes a destroyed QP's
 * CQEs name nothing.
 */
#include <errno.h>
#include <stdlib.h>

#include <util/udma_barrier.h>

#include "hw_format.h"
#include "queues.h"

/* Never fewer CQEs than this in a ring. */
#define IRDMA_CQ_MIN_ENTRIES 4u

static bool cq_uses_64b_cqes(const struct irdma_context *ctx)
{
	return ctx->feature_flags & IRDMA_FEATURE_64_BYTE_CQE;
}

/*
 * Ring entries for an application's cqe count. One entry always stays
 * free; with 32-byte CQEs on gen 2+ an extended CQE takes two entries, so
 * the ring is doubled; the count is kept even.
 */
uint32_t irdma_cq_ring_entries(const struct irdma_context *ctx, int cqe)
{
	uint32_t n = (uint32_t)cqe + 1;

	if (!cq_uses_64b_cqes(ctx) && ctx->hw_rev > IRDMA_GEN_1)
		n *= 2;
	n = (n + 1) & ~1u;
	return n < IRDMA_CQ_MIN_ENTRIES ? IRDMA_CQ_MIN_ENTRIES : n;
}

static size_t cq_ring_bytes(uint32_t entries, uint32_t stride)
{
	return align((size_t)entries * stride, IRDMA_HW_PAGE_SIZE);
}

void irdma_cq_ring_release(struct irdma_context *ctx, struct irdma_cq_ring *r)
{
	if (!r)
		return;
	irdma_ring_release(ctx, &r->vmr, &r->mem);
	free(r);
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

	if (bytes / IRDMA_HW_PAGE_SIZE > UINT16_MAX)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	ret = irdma_ring_alloc(ctx, policy_pd, bytes + extra_bytes, &r->mem);
	if (ret)
		goto err;
	ret = irdma_ring_register(&ctx->internal_pd->ibv_pd, &r->mem,
				  bytes + extra_bytes, IRDMA_MEMREG_TYPE_CQ, 0,
				  0, bytes / IRDMA_HW_PAGE_SIZE, &r->vmr);
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
	irdma_ring_release(cq->ctx, &cq->shadow_vmr, &cq->shadow_mem);
	cq->shadow_separate = false;
}

int irdma_cq_rings_create(struct irdma_cq *cq, uint32_t entries)
{
	struct irdma_context *ctx = cq->ctx;
	size_t tail_room;
	int ret;

	cq->cqe_stride =
		cq_uses_64b_cqes(ctx) ? IRDMA_CQE64_BYTES : IRDMA_CQE_BYTES;
	/* Without resize support the shadow area follows the CQE ring. */
	tail_room = (ctx->feature_flags & IRDMA_FEATURE_CQ_RESIZE) ?
			    0 :
			    IRDMA_SHADOW_AREA_BYTES;
	ret = cq_ring_create(cq, cq->policy_pd, entries, tail_room, &cq->ring);
	if (ret)
		return ret;
	if (tail_room) {
		cq->shadow = (__le64 *)(cq->ring->cqes +
					cq_ring_bytes(entries, cq->cqe_stride));
		return 0;
	}
	ret = cq_shadow_create(cq, cq->policy_pd);
	if (ret) {
		irdma_cq_ring_release(ctx, cq->ring);
		cq->ring = NULL;
	}
	return ret;
}

void irdma_cq_rings_destroy(struct irdma_cq *cq)
{
	struct irdma_cq_ring *r;

	while ((r = cq->old_rings)) {
		cq->old_rings = r->next_old;
		irdma_cq_ring_release(cq->ctx, r);
	}
	irdma_cq_ring_release(cq->ctx, cq->ring);
	cq->ring = NULL;
	cq_shadow_destroy(cq);
}

int irdma_cq_resize_ring_create(struct irdma_cq *cq, uint32_t entries,
				struct irdma_cq_ring **out)
{
	/* a CoCo CQ's new ring comes from where the first one came */
	return cq_ring_create(cq, cq->policy_pd, entries, 0, out);
}

/*
 * Tell the device how many rings left over from resizes the provider has
 * finished with: they are counted in the arm word's SW_CQ_SELECT field.
 */
static void cq_set_resized_count(struct irdma_cq *cq, uint32_t count)
{
	uint64_t w = hw_rd64(cq->shadow, IRDMA_CQ_SHADOW_ARM_WORD);
	uint64_t sel = FIELD_GET(IRDMA_CQARM_SW_CQ_SELECT, w) + count;

	w = (w & ~IRDMA_CQARM_SW_CQ_SELECT) |
	    FIELD_PREP(IRDMA_CQARM_SW_CQ_SELECT, sel);
	hw_wr64(cq->shadow, IRDMA_CQ_SHADOW_ARM_WORD, w);
}

static bool cqe_is_valid(const struct irdma_cq_ring *r, uint32_t idx,
			 uint8_t polarity, uint32_t stride)
{
	const __le64 *c = (const __le64 *)(r->cqes + (size_t)idx * stride);

	return FIELD_GET(IRDMA_CQE3_VALID, hw_rd64(c, 3)) == polarity;
}

/*
 * The kernel returns from a resize once the device writes to the new ring.
 * An old ring with no CQE left is done with now; one that still holds CQEs
 * is drained by poll before the new one.
 */
void irdma_cq_ring_replace(struct irdma_cq *cq, struct irdma_cq_ring *nr)
{
	struct irdma_cq_ring **tailp;

	if (!cqe_is_valid(cq->ring, cq->ring->head, cq->ring->polarity,
			  cq->cqe_stride)) {
		irdma_cq_ring_release(cq->ctx, cq->ring);
		cq_set_resized_count(cq, 1);
	} else {
		for (tailp = &cq->old_rings; *tailp;
		     tailp = &(*tailp)->next_old)
			;
		cq->ring->next_old = NULL;
		*tailp = cq->ring;
	}
	cq->ring = nr;
}

/* Free rings left over from resizes that precede `upto` (all if NULL). */
void irdma_cq_retire_rings(struct irdma_cq *cq, struct irdma_cq_ring *upto)
{
	uint32_t n = 0;

	while (cq->old_rings && cq->old_rings != upto) {
		struct irdma_cq_ring *r = cq->old_rings;

		cq->old_rings = r->next_old;
		irdma_cq_ring_release(cq->ctx, r);
		n++;
	}
	if (n)
		cq_set_resized_count(cq, n);
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
		if (w3 & IRDMA_CQE3_SRQ) {
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

void irdma_cq_rings_forget(struct irdma_cq *cq, uint64_t token)
{
	struct irdma_cq_ring *r;

	for (r = cq->old_rings; r; r = r->next_old)
		cq_ring_forget_token(cq, r, token);
	cq_ring_forget_token(cq, cq->ring, token);
}
