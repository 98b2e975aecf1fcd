// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The requester half of the device: it decodes SQ WQEs the provider marked
 * valid, executes local operations, sends messages on the fabric, keeps RC
 * messages in flight until the responder acks them (go-back-N on RNR NAK
 * and ack timeout), and writes SQ completions in order. It also generates
 * the flush completions when a QP enters the error state.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "hw_priv.h"
#include "platform/platform.h"

static struct fab_pkt txp; /* engine thread only */

static bool msn_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static void sq_advance(struct hw_qp *h, uint32_t quanta)
{
	h->sq_next += quanta;
	if (h->sq_next >= h->qp->sq_quanta) {
		h->sq_next -= h->qp->sq_quanta;
		h->sq_pol ^= 1;
	}
}

static void sq_cqe(struct hw_qp *h, uint32_t idx, uint32_t quanta, uint8_t op,
		   uint8_t flush_code)
{
	struct hw_cq *c = hw_cq_of(h->qp->send_cq);
	struct hw_cqe e = {
		.sq = true,
		.wqe_idx = idx,
		.op = op,
		.ctx = h->qp->user_compl_ctx,
		.qpn = h->qp->qpn,
	};

	if (flush_code) {
		e.major = CQE_MAJOR_FLUSH;
		e.minor = flush_code;
	}
	if (c)
		hw_cq_write(c, &e);
	h->sq_cqe_tail = (idx + quanta) % h->qp->sq_quanta;
}

static struct hw_inflight *fl_at(struct hw_qp *h, uint32_t i)
{
	return &h->fl[(h->fl_head + i) % HW_WINDOW];
}

/* Complete, in SQ order, everything that finished. */
static void complete_done(struct hw_qp *h)
{
	while (h->fl_count && fl_at(h, 0)->state == HW_FL_DONE) {
		struct hw_inflight *e = fl_at(h, 0);

		if (e->signaled)
			sq_cqe(h, e->idx, e->quanta, e->op, 0);
		h->fl_head = (h->fl_head + 1) % HW_WINDOW;
		h->fl_count--;
	}
	if (!h->fl_count)
		h->ack_due = 0;
}

/* Everything before @msn is implicitly acknowledged. */
static void ack_before(struct hw_qp *h, uint32_t msn, bool inclusive)
{
	uint32_t i;

	for (i = 0; i < h->fl_count; i++) {
		struct hw_inflight *e = fl_at(h, i);

		if (!e->remote || e->state == HW_FL_DONE)
			continue;
		if ((int32_t)(e->msn - msn) < 0 || (inclusive && e->msn == msn))
			e->state = HW_FL_DONE;
	}
}

static struct hw_inflight *fl_find(struct hw_qp *h, uint32_t msn)
{
	uint32_t i;

	for (i = 0; i < h->fl_count; i++) {
		struct hw_inflight *e = fl_at(h, i);

		if (e->remote && e->msn == msn)
			return e;
	}
	return NULL;
}

static void sq_fail(struct hw_qp *h, uint8_t code)
{
	complete_done(h);
	hw_qp_to_error(h, code, HW_FLUSH_GENERAL, -1);
}

static void pkt_init(struct hw_qp *h, uint8_t op, uint32_t msn)
{
	memset(&txp.h, 0, sizeof(txp.h));
	txp.h.magic = FAB_MAGIC;
	txp.h.op = op;
	memcpy(txp.h.sgid, h->sgid, 16);
	memcpy(txp.h.dgid, h->qp->attr.ah.dgid, 16);
	txp.h.src_qpn = h->qp->qpn;
	txp.h.dst_qpn = h->qp->attr.dest_qpn;
	txp.h.msn = msn;
}

/* Send a message's payload, cut into packets. 0 or a HW_FLUSH_* code. */
static int tx_stream(struct hw_wqe *w)
{
	uint64_t off = 0, total = w->total_len;
	uint8_t base = txp.h.flags;

	txp.h.total_len = total;
	do {
		uint64_t chunk = total - off;
		int ret;

		if (chunk > FAB_MAX_PAYLOAD)
			chunk = FAB_MAX_PAYLOAD;
		txp.h.flags = base | (off == 0 ? FAB_F_FIRST : 0) |
			      (off + chunk == total ? FAB_F_LAST : 0);
		txp.h.offset = off;
		txp.h.len = (uint32_t)chunk;
		if (w->inline_data)
			memcpy(txp.data, w->inline_buf + off, chunk);
		else if (hw_sge_read(w->sge, w->nsge, off, txp.data, chunk))
			return HW_FLUSH_PROT;
		/*
		 * No one at that address: the packet is lost on the wire, the
		 * ack timeout and retries decide (RC), or nobody cares (UD).
		 */
		ret = fabric_send(&txp);
		if (ret && ret != -EHOSTUNREACH)
			return HW_FLUSH_FATAL;
		off += chunk;
	} while (off < total);
	return 0;
}

static int tx_send_flags(struct hw_wqe *w)
{
	if (w->solicited)
		txp.h.flags |= FAB_F_SOLICITED;
	if (w->imm_valid) {
		txp.h.flags |= FAB_F_IMM;
		txp.h.imm = w->imm;
	}
	if (w->op == HW_OP_SEND_INV || w->op == HW_OP_SEND_SOL_INV) {
		txp.h.flags |= FAB_F_INV;
		txp.h.inv_stag = w->rstag;
	}
	return 0;
}

/* Put one RC WQE on the wire. 0 or a HW_FLUSH_* code. */
static int tx_rc(struct hw_qp *h, struct hw_wqe *w, uint32_t msn)
{
	struct hw_sge local;
	int ret;

	switch (w->op) {
	case HW_OP_SEND:
	case HW_OP_SEND_INV:
	case HW_OP_SEND_SOL:
	case HW_OP_SEND_SOL_INV:
		if (!w->inline_data && hw_check_sges(h, w->sge, w->nsge, 0))
			return HW_FLUSH_PROT;
		pkt_init(h, FAB_SEND, msn);
		tx_send_flags(w);
		return tx_stream(w);
	case HW_OP_RDMA_WRITE:
	case HW_OP_RDMA_WRITE_SOL:
		if (!w->inline_data && hw_check_sges(h, w->sge, w->nsge, 0))
			return HW_FLUSH_PROT;
		pkt_init(h, FAB_WRITE, msn);
		tx_send_flags(w);
		txp.h.rkey = w->rstag;
		txp.h.remote_va = w->raddr;
		return tx_stream(w);
	case HW_OP_RDMA_READ:
	case HW_OP_RDMA_READ_LOC_INV:
		if (hw_check_sges(h, w->sge, w->nsge, HW_ACC_LOCAL_WRITE))
			return HW_FLUSH_PROT;
		pkt_init(h, FAB_READ_REQ, msn);
		txp.h.flags = FAB_F_FIRST | FAB_F_LAST;
		txp.h.rkey = w->rstag;
		txp.h.remote_va = w->raddr;
		txp.h.total_len = w->total_len;
		break;
	case HW_OP_ATOMIC_FETCH_ADD:
	case HW_OP_ATOMIC_CMP_SWAP:
		if (!(h->dev->lim.feature_flags & EMU_FEATURE_ATOMIC_OPS))
			return HW_FLUSH_LOC_QP_OP;
		local.va = w->q0;
		local.len = 8;
		local.stag = (uint32_t)w->q1;
		if (hw_check_sges(h, &local, 1, HW_ACC_LOCAL_WRITE))
			return HW_FLUSH_PROT;
		pkt_init(h, FAB_ATOMIC, msn);
		txp.h.flags = FAB_F_FIRST | FAB_F_LAST;
		if (w->op == HW_OP_ATOMIC_CMP_SWAP)
			txp.h.flags |= FAB_F_CMP_SWAP;
		txp.h.rkey = w->rstag;
		txp.h.remote_va = w->raddr;
		txp.h.total_len = 8;
		txp.h.atomic_data = w->q4;
		txp.h.atomic_cmp = w->q5;
		break;
	default:
		return HW_FLUSH_LOC_QP_OP;
	}
	ret = fabric_send(&txp);
	return ret && ret != -EHOSTUNREACH ? HW_FLUSH_FATAL : 0;
}

/* The stag a local-invalidate WQE names (in its first fragment). */
static uint32_t local_inv_stag(const struct hw_qp *h, const struct hw_wqe *w)
{
	if (h->dev->gen == EMU_GEN_1)
		return (uint32_t)hwf_get(w->q1, FRAG_GEN1_STAG);
	return (uint32_t)hwf_get(w->q1, FRAG_STAG);
}

static uint64_t ack_timeout_ns(const struct hw_qp *h)
{
	uint8_t t = h->qp->attr.timeout;
	uint64_t ns = t ? 4096ull << (t > 31 ? 31 : t) : 0;

	/*
	 * The wire never loses packets; a timeout only means the peer is gone
	 * or not ready. Peer processes may be descheduled for a while on a
	 * busy machine: never shorter than 500 ms.
	 */
	if (ns < 500000000ull)
		ns = 500000000ull;
	if (ns > 2000000000ull)
		ns = 2000000000ull;
	return ns;
}

static void exec_rc(struct hw_qp *h, struct hw_wqe *w)
{
	struct hw_inflight *e = &h->fl[(h->fl_head + h->fl_count) % HW_WINDOW];
	int code = 0;

	memset(e, 0, sizeof(*e));
	e->idx = w->idx;
	e->quanta = w->quanta;
	e->op = w->op;
	e->signaled = w->signaled;
	e->state = HW_FL_DONE;
	h->fl_count++;
	switch (w->op) {
	case HW_OP_NOP:
		break;
	case HW_OP_LOCAL_INV:
		code = hw_stag_invalidate(h, local_inv_stag(h, w), false);
		break;
	case HW_OP_BIND_MW:
		code = hw_mw_bind(h, w);
		break;
	default:
		e->remote = true;
		e->state = HW_FL_SENT;
		e->msn = h->next_msn++;
		if (!h->ack_due)
			h->ack_due = hw_now_ns() + ack_timeout_ns(h);
		code = tx_rc(h, w, e->msn);
		break;
	}
	if (code) {
		/* the failing WQE is not done: it is the first one flushed */
		e->state = HW_FL_SENT;
		sq_fail(h, (uint8_t)code);
		return;
	}
	complete_done(h);
}

/* Look up a UD AH by index in the QP's context. */
static bool ud_dest(struct hw_qp *h, uint32_t ah_id, uint8_t dgid[16],
		    uint8_t *sgid_index)
{
	struct emu_file *f = h->file;
	struct emu_obj *o;
	bool found = false;

	pthread_mutex_lock(&f->lock);
	for (o = f->objs[EMU_OBJ_AH]; o; o = o->next) {
		struct emu_ah *ah = (struct emu_ah *)o;

		if (ah->ah_id == ah_id) {
			memcpy(dgid, ah->attr.dgid, 16);
			*sgid_index = ah->attr.sgid_index;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return found;
}

static void exec_ud(struct hw_qp *h, struct hw_wqe *w)
{
	uint8_t dgid[16], gi = 0;
	int code = 0;

	switch (w->op) {
	case HW_OP_NOP:
		break;
	case HW_OP_SEND:
	case HW_OP_SEND_SOL:
		if (w->total_len > FAB_MAX_PAYLOAD) {
			code = HW_FLUSH_LOC_LEN;
			break;
		}
		if (!w->inline_data && hw_check_sges(h, w->sge, w->nsge, 0)) {
			code = HW_FLUSH_PROT;
			break;
		}
		if (!ud_dest(h, (uint32_t)hwf_get(w->hdr, WQE_HDR_AHID), dgid,
			     &gi))
			break; /* a datagram to nowhere is simply lost */
		pkt_init(h, FAB_SEND, 0);
		txp.h.flags = FAB_F_UD;
		tx_send_flags(w);
		if (gi < h->dev->ngids)
			memcpy(txp.h.sgid, h->dev->gids[gi], 16);
		memcpy(txp.h.dgid, dgid, 16);
		txp.h.dst_qpn = (uint32_t)hwf_get(w->q2, WQE_Q2_DESTQPN);
		txp.h.qkey = (uint32_t)hwf_get(w->q2, WQE_Q2_QKEY);
		if (tx_stream(w) == HW_FLUSH_PROT)
			code = HW_FLUSH_PROT;
		break;
	default:
		code = HW_FLUSH_LOC_QP_OP;
		break;
	}
	if (code) {
		hw_qp_to_error(h, (uint8_t)code, HW_FLUSH_GENERAL, -1);
		return;
	}
	if (w->signaled)
		sq_cqe(h, w->idx, w->quanta, w->op, 0);
}

/*
 * Fences: a read fence holds a WQE until earlier RDMA READs and atomics
 * have their responses (it may send what they fetched); a local fence
 * until every earlier WQE has completed.
 */
static bool fenced(struct hw_qp *h, const struct hw_wqe *w)
{
	bool rf = hwf_get(w->hdr, WQE_HDR_READFENCE);
	bool lf = hwf_get(w->hdr, WQE_HDR_LOCALFENCE);
	uint32_t i;

	if (!rf && !lf)
		return false;
	for (i = 0; i < h->fl_count; i++) {
		const struct hw_inflight *e = fl_at(h, i);

		if (e->state == HW_FL_DONE)
			continue;
		if (lf)
			return true;
		if (e->op == HW_OP_RDMA_READ ||
		    e->op == HW_OP_RDMA_READ_LOC_INV ||
		    e->op == HW_OP_ATOMIC_FETCH_ADD ||
		    e->op == HW_OP_ATOMIC_CMP_SWAP)
			return true;
	}
	return false;
}

bool hw_sq_run(struct hw_qp *h)
{
	bool rc = h->qp->qp_type == EMU_QPT_RC;
	struct hw_wqe w;
	int n;

	if (h->state != EMU_QPS_RTS && h->state != EMU_QPS_SQD)
		return false;
	for (n = 0; n < 32; n++) {
		if (h->state != EMU_QPS_RTS)
			break;
		if (rc && (h->fl_count >= HW_WINDOW || h->resend_at))
			break;
		if (!hw_sq_wqe_valid(h, h->sq_next, h->sq_pol))
			break;
		if (hw_read_wqe(h, h->sq_next, &w)) {
			hw_qp_to_error(h, HW_FLUSH_LOC_QP_OP, HW_FLUSH_GENERAL,
				       HW_EV_QP_FATAL);
			break;
		}
		if (rc && fenced(h, &w))
			break; /* wait: it is read again when the fence lifts */
		hw_push_note_wqe(h, &w);
		sq_advance(h, w.quanta);
		if (rc)
			exec_rc(h, &w);
		else
			exec_ud(h, &w);
	}
	return n > 0;
}

/* Requester side of READ/ATOMIC responses: place data in the local SGEs. */
static int place_response(struct hw_qp *h, struct hw_inflight *e,
			  const struct fab_pkt *p)
{
	struct hw_wqe w;
	struct hw_sge local;

	if (hw_read_wqe(h, e->idx, &w))
		return HW_FLUSH_FATAL;
	if (p->h.op == FAB_ATOMIC_RESP) {
		uint64_t v = p->h.atomic_data;

		local.va = w.q0;
		local.len = 8;
		local.stag = (uint32_t)w.q1;
		if (hw_check_sges(h, &local, 1, HW_ACC_LOCAL_WRITE))
			return HW_FLUSH_PROT;
		return hw_sge_write(&local, 1, 0, &v, 8) ? HW_FLUSH_PROT : 0;
	}
	if (hw_check_sges(h, w.sge, w.nsge, HW_ACC_LOCAL_WRITE))
		return HW_FLUSH_PROT;
	if (hw_sge_write(w.sge, w.nsge, p->h.offset, p->data, p->h.len))
		return HW_FLUSH_LOC_LEN;
	return 0;
}

static uint8_t nak_code(uint8_t syndrome)
{
	switch (syndrome) {
	case FAB_NAK_REM_ACCESS:
		return HW_FLUSH_REM_ACCESS;
	case FAB_NAK_REM_INV_REQ:
		return HW_FLUSH_REM_INV_REQ;
	default:
		return HW_FLUSH_REM_OP;
	}
}

/* IB min RNR timer encodings, in microseconds (0 is the longest). */
static const uint32_t rnr_us[32] = {
	655360, 10,    20,    30,     40,     60,     80,     120,
	160,	240,   320,   480,    640,    960,    1280,   1920,
	2560,	3840,  5120,  7680,   10240,  15360,  20480,  30720,
	40960,	61440, 81920, 122880, 163840, 245760, 327680, 491520,
};

static void on_rnr(struct hw_qp *h, uint32_t msn, uint8_t timer)
{
	uint8_t limit = h->qp->attr.rnr_retry;

	ack_before(h, msn, false);
	complete_done(h);
	if (limit != 7 && ++h->rnr_tries > limit) {
		sq_fail(h, HW_FLUSH_RNR_RETRY_EXC);
		return;
	}
	h->resend_msn = msn;
	h->resend_at = hw_now_ns() + 1000ull * rnr_us[timer & 31];
}

void hw_sq_on_ack(struct hw_qp *h, const struct fab_pkt *p)
{
	struct hw_inflight *e;
	int code;

	if (h->state != EMU_QPS_RTS && h->state != EMU_QPS_SQD)
		return;
	switch (p->h.op) {
	case FAB_ACK:
		ack_before(h, p->h.msn, true);
		h->rnr_tries = 0;
		break;
	case FAB_READ_RESP:
	case FAB_ATOMIC_RESP:
		e = fl_find(h, p->h.msn);
		if (!e || e->state == HW_FL_DONE)
			return;
		ack_before(h, p->h.msn, false);
		code = place_response(h, e, p);
		if (code) {
			complete_done(h);
			sq_fail(h, (uint8_t)code);
			return;
		}
		if (p->h.flags & FAB_F_LAST)
			e->state = HW_FL_DONE;
		h->rnr_tries = 0;
		break;
	case FAB_NAK:
		if (!fl_find(h, p->h.msn))
			return;
		if (p->h.syndrome == FAB_NAK_RNR) {
			on_rnr(h, p->h.msn, p->h.rnr_timer);
			return;
		}
		ack_before(h, p->h.msn, false);
		sq_fail(h, nak_code(p->h.syndrome));
		return;
	default:
		return;
	}
	h->retries = 0;
	complete_done(h);
	if (h->fl_count)
		h->ack_due = hw_now_ns() + ack_timeout_ns(h);
}

static void resend_from(struct hw_qp *h, uint32_t msn)
{
	struct hw_wqe w;
	uint32_t i;

	for (i = 0; i < h->fl_count; i++) {
		struct hw_inflight *e = fl_at(h, i);
		int code;

		if (!e->remote || e->state == HW_FL_DONE ||
		    !msn_le(msn, e->msn))
			continue;
		if (hw_read_wqe(h, e->idx, &w)) {
			sq_fail(h, HW_FLUSH_FATAL);
			return;
		}
		code = tx_rc(h, &w, e->msn);
		if (code) {
			sq_fail(h, (uint8_t)code);
			return;
		}
	}
}

static struct hw_inflight *oldest_sent(struct hw_qp *h)
{
	uint32_t i;

	for (i = 0; i < h->fl_count; i++)
		if (fl_at(h, i)->state == HW_FL_SENT && fl_at(h, i)->remote)
			return fl_at(h, i);
	return NULL;
}

void hw_sq_timers(struct hw_qp *h, uint64_t now)
{
	struct hw_inflight *e;

	if (h->state != EMU_QPS_RTS && h->state != EMU_QPS_SQD)
		return;
	if (h->resend_at && now >= h->resend_at) {
		h->resend_at = 0;
		h->ack_due = now + ack_timeout_ns(h);
		resend_from(h, h->resend_msn);
		return;
	}
	if (!h->ack_due || now < h->ack_due || h->resend_at)
		return;
	e = oldest_sent(h);
	if (!e) {
		h->ack_due = 0;
		return;
	}
	if (h->retries++ >= h->qp->attr.retry_cnt) {
		sq_fail(h, HW_FLUSH_RETRY_EXC);
		return;
	}
	h->ack_due = now + ack_timeout_ns(h);
	resend_from(h, e->msn);
}

/* ---- flush -------------------------------------------------------------- */

/*
 * Gen 1/2 report one flush CQE per queue and the provider completes every
 * outstanding WQE from it; gen 3 firmware writes one CQE per WQE.
 */
void hw_sq_flush(struct hw_qp *h, uint8_t code)
{
	uint32_t guard = h->qp->sq_quanta + 1, idx = h->sq_cqe_tail;
	bool per_wqe = h->dev->gen >= EMU_GEN_3, any = false;
	struct hw_wqe w;

	/* WQEs the provider posted that the device has not read yet */
	while (hw_sq_wqe_valid(h, h->sq_next, h->sq_pol) &&
	       !hw_read_wqe(h, h->sq_next, &w) && guard--)
		sq_advance(h, w.quanta);
	h->fl_count = 0;
	h->resend_at = 0;
	h->ack_due = 0;
	if (!per_wqe) {
		if (h->sq_cqe_tail != h->sq_next)
			sq_cqe(h, h->sq_cqe_tail, 0, HW_OP_NOP, code);
		h->sq_cqe_tail = h->sq_next;
		return;
	}
	guard = h->qp->sq_quanta + 1;
	while (idx != h->sq_next && guard--) {
		if (hw_read_wqe(h, idx, &w))
			break;
		if (w.op != HW_OP_NOP) {
			sq_cqe(h, idx, w.quanta, w.op,
			       any ? HW_FLUSH_GENERAL : code);
			any = true;
		}
		idx = (idx + w.quanta) % h->qp->sq_quanta;
	}
	h->sq_cqe_tail = h->sq_next;
}
