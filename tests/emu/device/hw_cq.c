// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The device's CQE writer: places CQEs (and the extension the provider
 * reads for immediate data and source MAC) with the ring's current
 * polarity, detects overflow from the consumer index the provider keeps in
 * the CQ shadow area, and fires completion events for armed CQs.
 */
#include <endian.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "hw_hostile.h"
#include "hw_priv.h"
#include "kernel/kernel.h"
#include "platform/platform.h"

static int get_qword(uint64_t va, uint64_t *val)
{
	uint64_t le;
	int ret = emu_dma_read(&le, va, sizeof(le));

	*val = ret ? 0 : le64toh(le);
	return ret;
}

/* The resize count the provider has acknowledged so far. */
static uint16_t sw_select(const struct hw_cq *c)
{
	uint64_t arm;

	if (get_qword(c->cq->shadow_va + CQ_SHADOW_ARM_OFF, &arm))
		return 0;
	return (uint16_t)hwf_get(arm, CQ_ARM_SW_SELECT);
}

void hw_cq_resized(struct hw_cq *c, bool first)
{
	if (first) {
		c->sel_base = sw_select(c);
		c->resizes = 0;
	} else {
		c->resizes++;
	}
}

/*
 * Slots in use. The consumer index is untrusted: out of range counts as
 * empty; while old rings are being drained, nothing of the new ring has
 * been consumed yet as far as the device can tell.
 */
static uint32_t cq_used(const struct hw_cq *c)
{
	uint64_t cons;

	if (((sw_select(c) - c->sel_base) & 0x3fff) != c->resizes)
		return c->head;
	if (get_qword(c->cq->shadow_va, &cons))
		return 0;
	cons &= 0xfffff;
	if (cons >= c->entries)
		return 0;
	return (c->head + c->entries - (uint32_t)cons) % c->entries;
}

static void raise_overflow(struct hw_cq *c)
{
	if (c->overflowed)
		return;
	c->overflowed = true;
	emu_kernel_async_event(c->cq->obj.file, c->cq->obj.user_handle,
			       HW_EV_CQ_ERR);
}

/* Fire a completion event if the provider armed the CQ for this CQE. */
static void maybe_notify(struct hw_cq *c, bool solicited, bool error)
{
	uint64_t arm;
	uint8_t seq;

	if (get_qword(c->cq->shadow_va + CQ_SHADOW_ARM_OFF, &arm))
		return;
	seq = (uint8_t)hwf_get(arm, CQ_ARM_SEQ);
	if (seq == c->arm_seq_done)
		return; /* not re-armed since the last event */
	if (!hwf_get(arm, CQ_ARM_NEXT) && !solicited && !error)
		return; /* armed for solicited completions only */
	c->arm_seq_done = seq;
	emu_kernel_comp_event(c->cq);
}

static void build(const struct hw_cqe *e, uint8_t pol, uint64_t q[8],
		  bool with_ext)
{
	memset(q, 0, 8 * sizeof(q[0]));
	q[0] = hwf_put(CQE_Q0_PAYLEN, e->len);
	q[1] = e->ctx;
	q[2] = hwf_put(CQE_Q2_SRCQPN, e->q2_low) | hwf_put(CQE_Q2_QPID, e->qpn);
	q[3] = hwf_put(CQE_Q3_MINOR, e->minor) |
	       hwf_put(CQE_Q3_MAJOR, e->major) |
	       hwf_put(CQE_Q3_WQEIDX, e->wqe_idx) |
	       hwf_put(CQE_Q3_EXT, with_ext) | hwf_put(CQE_Q3_SRQ, e->srq) |
	       hwf_put(CQE_Q3_STAGINV, e->stag_inv || e->ipv4) |
	       hwf_put(CQE_Q3_SOLICITED, e->solicited) |
	       hwf_put(CQE_Q3_ERROR, e->major != 0) |
	       hwf_put(CQE_Q3_OP, e->op) | hwf_put(CQE_Q3_SQ, e->sq) |
	       hwf_put(CQE_Q3_VALID, pol);
	if (e->imm_valid)
		q[4] = hwf_put(CQE_Q4_IMM, e->imm);
	q[5] = e->srq_qp_ctx;
	if (e->smac_valid)
		q[6] = (uint64_t)e->smac[0] << 40 | (uint64_t)e->smac[1] << 32 |
		       (uint64_t)e->smac[2] << 24 | (uint64_t)e->smac[3] << 16 |
		       (uint64_t)e->smac[4] << 8 | e->smac[5];
	q[7] = hwf_put(CQE_Q7_IMMVALID, e->imm_valid) |
	       hwf_put(CQE_Q7_SMACVALID, e->smac_valid);
}

static void advance(struct hw_cq *c)
{
	if (++c->head == c->entries) {
		c->head = 0;
		c->polarity ^= 1;
	}
}

static int cq_write(struct hw_cq *c, const struct hw_cqe *e)
{
	bool big = c->cq->cqe_size == 64;
	bool need_ext = e->imm_valid || e->smac_valid;
	uint32_t slots = (!big && need_ext) ? 2 : 1;
	uint64_t q[8], le[8], base;
	int i;

	if (!c->entries)
		return -EINVAL;
	if (cq_used(c) + slots > c->entries - 1) {
		raise_overflow(c);
		return -ENOSPC;
	}
	build(e, c->polarity, q, need_ext);
	/* gen 3 stamps CQEs with its 1 GHz clock (low 32 bits) */
	if (c->cq->obj.file->dev->gen >= EMU_GEN_3)
		q[0] |= hwf_put(CQE_Q0_PSN, (uint32_t)hw_now_ns());
	for (i = 0; i < 8; i++)
		le[i] = htole64(q[i]);
	base = c->ring_va + (uint64_t)c->head * (big ? 64 : 32);
	/* every piece carrying a valid bit is written after the rest */
	if (big) {
		le[7] = htole64(q[7] | hwf_put(CQE_Q7_VALID, c->polarity));
		emu_dma_write(base + 32, &le[4], 32);
	} else if (need_ext) {
		uint32_t xi = (c->head + 1) % c->entries;
		uint8_t xpol = xi ? c->polarity : c->polarity ^ 1;
		uint64_t xbase = c->ring_va + (uint64_t)xi * 32;

		le[7] = htole64(q[7] | hwf_put(CQE_Q7_VALID, xpol));
		emu_dma_write(xbase, &le[4], 24);
		atomic_thread_fence(memory_order_release);
		emu_dma_write(xbase + 24, &le[7], 8);
	}
	emu_dma_write(base, &le[0], 24);
	atomic_thread_fence(memory_order_release);
	emu_dma_write(base + 24, &le[3], 8);
	while (slots--)
		advance(c);
	maybe_notify(c, e->solicited, e->major != 0);
	return 0;
}

/* With --hostile, some CQEs are written with a forged field (hw_hostile.h). */
int hw_cq_write(struct hw_cq *c, const struct hw_cqe *e)
{
	struct hw_cqe forged;

	return cq_write(c, hw_hostile_cqe(c, e, &forged));
}
