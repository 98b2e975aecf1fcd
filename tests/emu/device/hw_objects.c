// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The engine's side of object lifetime: what the hardware sets up in its
 * CQ, QP and SRQ contexts when the kernel model creates, modifies and
 * destroys them (hw.h hooks), including the error state and its flushes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fabric.h"
#include "hw.h"
#include "hw_priv.h"
#include "kernel/kernel.h"
#include "platform/platform.h"

void hw_qp_to_error(struct hw_qp *h, uint8_t sq_code, uint8_t rq_code,
		    int event)
{
	if (h->state == EMU_QPS_ERR)
		return;
	h->state = EMU_QPS_ERR;
	h->qp->attr.state = EMU_QPS_ERR;
	hw_sq_flush(h, sq_code);
	hw_rq_flush(h, rq_code);
	if (event >= 0)
		emu_kernel_async_event(h->file, h->qp->obj.user_handle,
				       (uint32_t)event);
	/* an SRQ user learns that no more receives will complete on it */
	if (h->qp->srq)
		emu_kernel_async_event(h->file, h->qp->obj.user_handle,
				       HW_EV_QP_LAST_WQE);
}

int emu_hw_cq_attach(struct emu_cq *cq)
{
	struct hw_cq *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->cq = cq;
	c->ring_va = cq->ring_va;
	c->entries = cq->ring_entries;
	c->polarity = 1;
	hw_cq_resized(c, true);
	hw_lock();
	c->next = *hw_cq_list();
	*hw_cq_list() = c;
	cq->hw = c;
	hw_unlock();
	return 0;
}

int emu_hw_cq_resize(struct emu_cq *cq, uint64_t new_ring_va,
		     uint32_t new_entries)
{
	struct hw_cq *c;

	if (!new_entries)
		return -EINVAL;
	hw_lock();
	c = cq->hw;
	if (c) {
		/* the provider restarts its ring at 0 with polarity 1 */
		c->ring_va = new_ring_va;
		c->entries = new_entries;
		c->head = 0;
		c->polarity = 1;
		c->overflowed = false;
		hw_cq_resized(c, false);
	}
	hw_unlock();
	return c ? 0 : -EINVAL;
}

void emu_hw_cq_detach(struct emu_cq *cq)
{
	struct hw_cq **pp;

	hw_lock();
	for (pp = hw_cq_list(); *pp; pp = &(*pp)->next) {
		if ((*pp)->cq == cq) {
			struct hw_cq *c = *pp;

			*pp = c->next;
			free(c);
			break;
		}
	}
	cq->hw = NULL;
	hw_unlock();
}

void emu_hw_cq_arm(struct emu_cq *cq)
{
	emu_hw_kick();
}

uint32_t hw_rq_shift(const struct emu_device *dev, uint32_t max_sge)
{
	/* the provider's WQE sizing for receive queues (no inline data) */
	if (dev->gen == EMU_GEN_1)
		return 2;
	if (max_sge <= 1)
		return 0;
	if (max_sge < 4)
		return 1;
	if (max_sge < 8)
		return 2;
	return 3;
}

int emu_hw_qp_attach(struct emu_qp *qp)
{
	struct emu_device *dev = qp->obj.file->dev;
	struct hw_qp *h;

	if (!qp->sq_quanta)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->qp = qp;
	h->dev = dev;
	h->file = qp->obj.file;
	h->state = qp->attr.state;
	/* the first lap of every ring is written with polarity 1 */
	h->sq_pol = 1;
	h->rq_pol = 1;
	if (!qp->srq && qp->rq_quanta) {
		h->rq_shift = hw_rq_shift(dev, qp->max_recv_sge);
		h->rq_nwqe = qp->rq_quanta >> h->rq_shift;
	}
	hw_lock();
	h->next = *hw_qp_list();
	*hw_qp_list() = h;
	qp->hw = h;
	hw_unlock();
	hw_trace(
		"qp %u attach: sq %#llx/%u rq %#llx/%u (%u wqes) shadow %#llx%s",
		qp->qpn, (unsigned long long)qp->sq_va, qp->sq_quanta,
		(unsigned long long)qp->rq_va, qp->rq_quanta, h->rq_nwqe,
		(unsigned long long)qp->shadow_va,
		emu_dma_visible(qp->sq_va, (uint64_t)qp->sq_quanta * 32) ?
			"" :
			" (SQ NOT VISIBLE to the device)");
	emu_hw_kick(); /* end a long no-QP nap */
	return 0;
}

static void qp_reset(struct hw_qp *h)
{
	h->sq_next = 0;
	h->sq_pol = 1;
	h->sq_cqe_tail = 0;
	h->rq_next = 0;
	h->rq_pol = 1;
	h->fl_head = 0;
	h->fl_count = 0;
	h->next_msn = 0;
	h->exp_msn = 0;
	h->resend_at = 0;
	h->rnr_tries = 0;
	h->nak_outstanding = false;
	memset(&h->rx, 0, sizeof(h->rx));
}

int emu_hw_qp_modify(struct emu_qp *qp, enum emu_qp_state old_state,
		     enum emu_qp_state new_state)
{
	struct hw_qp *h;

	hw_lock();
	h = qp->hw;
	if (!h) {
		hw_unlock();
		return -EINVAL;
	}
	if (new_state == EMU_QPS_ERR) {
		hw_qp_to_error(h, HW_FLUSH_GENERAL, HW_FLUSH_GENERAL, -1);
	} else {
		if (new_state == EMU_QPS_RESET)
			qp_reset(h);
		if (new_state == EMU_QPS_RTR && old_state != EMU_QPS_RTR) {
			unsigned int gi = qp->attr.ah.sgid_index;

			if (gi < h->dev->ngids)
				memcpy(h->sgid, h->dev->gids[gi], 16);
		}
		h->state = new_state;
	}
	hw_unlock();
	emu_hw_kick();
	return 0;
}

void emu_hw_qp_flush(struct emu_qp *qp, bool sq, bool rq)
{
	struct hw_qp *h;

	hw_lock();
	h = qp->hw;
	if (h && h->state == EMU_QPS_ERR) {
		if (sq)
			hw_sq_flush(h, HW_FLUSH_GENERAL);
		if (rq)
			hw_rq_flush(h, HW_FLUSH_GENERAL);
	}
	hw_unlock();
}

void emu_hw_qp_detach(struct emu_qp *qp)
{
	struct hw_qp **pp;

	hw_lock();
	hw_push_forget(qp);
	for (pp = hw_qp_list(); *pp; pp = &(*pp)->next) {
		if ((*pp)->qp == qp) {
			struct hw_qp *h = *pp;

			*pp = h->next;
			free(h);
			break;
		}
	}
	qp->hw = NULL;
	hw_unlock();
}

int emu_hw_srq_attach(struct emu_srq *srq)
{
	struct emu_device *dev = srq->obj.file->dev;
	struct hw_srq *s;

	if (dev->gen < EMU_GEN_3)
		return -EOPNOTSUPP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->srq = srq;
	s->wqe_shift = hw_rq_shift(dev, srq->max_sge);
	s->nwqe = srq->ring_quanta >> s->wqe_shift;
	s->polarity = 1;
	s->limit = srq->limit;
	if (!s->nwqe) {
		free(s);
		return -EINVAL;
	}
	hw_lock();
	s->next_srq = *hw_srq_list();
	*hw_srq_list() = s;
	srq->hw = s;
	hw_unlock();
	return 0;
}

int emu_hw_srq_modify(struct emu_srq *srq)
{
	struct hw_srq *s;

	hw_lock();
	s = srq->hw;
	if (s)
		s->limit = srq->limit;
	hw_unlock();
	return s ? 0 : -EINVAL;
}

void emu_hw_srq_detach(struct emu_srq *srq)
{
	struct hw_srq **pp;

	hw_lock();
	for (pp = hw_srq_list(); *pp; pp = &(*pp)->next_srq) {
		if ((*pp)->srq == srq) {
			struct hw_srq *s = *pp;

			*pp = s->next_srq;
			free(s);
			break;
		}
	}
	srq->hw = NULL;
	hw_unlock();
}

int emu_hw_qpn_alloc(struct emu_device *dev, uint32_t *qpn)
{
	return fabric_qpn_alloc(dev->index, qpn);
}

void emu_hw_qpn_free(struct emu_device *dev, uint32_t qpn)
{
	fabric_qpn_free(dev->index, qpn);
}
