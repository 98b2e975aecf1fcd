// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The responder half of the device: packets from the fabric are matched to
 * a QP by destination QPN, checked (state, peer, sequence, keys), placed in
 * process memory through RQ/SRQ WQEs or rkeys, acknowledged, and completed
 * on the receive CQ. Acks and responses go to the requester half.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "hw_priv.h"
#include "kernel/kernel.h"
#include "platform/platform.h"

#define HW_GRH_LEN 40u

static struct fab_pkt rsp; /* engine thread only */

/* ---- receive WQEs --------------------------------------------------------- */

static uint32_t rq_slots(uint32_t shift)
{
	return 1 + ((HW_QUANTUM << shift) - HW_QUANTUM) / 16;
}

/* Decode a receive WQE at @va of 32 << @shift bytes. */
static int read_rwqe(const struct hw_qp *h, uint64_t va, uint32_t shift,
		     uint8_t pol, struct hw_rx *rx)
{
	uint64_t q[4 * 8];
	uint32_t n, k, bytes = HW_QUANTUM << shift;
	enum emu_gen gen = h->dev->gen;

	if (bytes > sizeof(q) || emu_dma_read(q, va, HW_QUANTUM))
		return -EFAULT;
	if (hwf_get(le64toh(q[3]), WQE_HDR_VALID) != pol)
		return -EAGAIN;
	if (emu_dma_read(q, va, bytes))
		return -EFAULT;
	for (k = 0; k < bytes / 8; k++)
		q[k] = le64toh(q[k]);
	n = (uint32_t)hwf_get(q[3], WQE_HDR_ADDFRAGCNT) + 1;
	if (n > rq_slots(shift))
		n = rq_slots(shift);
	if (n > HW_MAX_SGE)
		n = HW_MAX_SGE;
	rx->nsge = n;
	rx->wr_id = q[2];
	for (k = 0; k < n; k++) {
		uint32_t off = k ? 32 + (k - 1) * 16 : 0;
		uint64_t d = q[off / 8 + 1];

		rx->sge[k].va = q[off / 8];
		if (gen == EMU_GEN_1) {
			rx->sge[k].len = (uint32_t)hwf_get(d, FRAG_GEN1_LEN);
			rx->sge[k].stag = (uint32_t)hwf_get(d, FRAG_GEN1_STAG);
		} else {
			rx->sge[k].len = (uint32_t)hwf_get(d, FRAG_LEN);
			rx->sge[k].stag = (uint32_t)hwf_get(d, FRAG_STAG);
		}
	}
	return 0;
}

static uint64_t rq_wqe_va(const struct hw_qp *h, uint32_t i)
{
	return h->qp->rq_va + ((uint64_t)i << h->rq_shift) * HW_QUANTUM;
}

static uint64_t srq_wqe_va(const struct hw_srq *s, uint32_t i)
{
	return s->srq->ring_va + ((uint64_t)i << s->wqe_shift) * HW_QUANTUM;
}

static uint32_t srq_available(const struct hw_srq *s)
{
	uint64_t prod;

	if (emu_dma_read(&prod, s->srq->shadow_va, sizeof(prod)))
		return 0;
	prod = le64toh(prod);
	if (prod >= s->nwqe)
		return 0;
	return ((uint32_t)prod + s->nwqe - s->next) % s->nwqe;
}

static void srq_check_limit(struct hw_srq *s)
{
	if (!s->limit || srq_available(s) >= s->limit)
		return;
	s->limit = 0; /* the limit event disarms it */
	s->srq->limit = 0;
	emu_kernel_async_event(s->srq->obj.file, s->srq->obj.user_handle,
			       HW_EV_SRQ_LIMIT);
}

/* Take the next receive WQE into h->rx. false: none posted. */
static bool take_rwqe(struct hw_qp *h)
{
	struct hw_rx *rx = &h->rx;
	struct hw_srq *s = hw_srq_of(h->qp->srq);

	memset(rx, 0, sizeof(*rx));
	if (s) {
		if (read_rwqe(h, srq_wqe_va(s, s->next), s->wqe_shift,
			      s->polarity, rx))
			return false;
		rx->from_srq = true;
		rx->wqe_idx = s->next;
		if (++s->next == s->nwqe) {
			s->next = 0;
			s->polarity ^= 1;
		}
		srq_check_limit(s);
	} else {
		if (!h->rq_nwqe || read_rwqe(h, rq_wqe_va(h, h->rq_next),
					     h->rq_shift, h->rq_pol, rx))
			return false;
		rx->wqe_idx = h->rq_next << h->rq_shift;
		if (++h->rq_next == h->rq_nwqe) {
			h->rq_next = 0;
			h->rq_pol ^= 1;
		}
	}
	rx->active = true;
	return true;
}

static void rq_cqe(struct hw_qp *h, struct hw_cqe *e)
{
	struct hw_cq *c = hw_cq_of(h->qp->recv_cq);

	e->sq = false;
	e->qpn = h->qp->qpn;
	if (h->rx.from_srq) {
		e->srq = true;
		e->ctx = h->rx.wr_id;
		e->srq_qp_ctx = h->qp->user_compl_ctx;
	} else {
		e->ctx = h->qp->user_compl_ctx;
	}
	e->wqe_idx = h->rx.wqe_idx;
	if (c)
		hw_cq_write(c, e);
	h->rx.active = false;
}

/* Flush the receive side; see hw_sq_flush for the per-generation rules. */
void hw_rq_flush(struct hw_qp *h, uint8_t code)
{
	bool per_wqe = h->dev->gen >= EMU_GEN_3, reported = false;
	struct hw_cqe e = { .major = CQE_MAJOR_FLUSH };
	uint32_t guard;

	if (h->rx.active) {
		e.minor = code;
		rq_cqe(h, &e);
		reported = true;
	}
	if (h->qp->srq || !h->rq_nwqe)
		return;
	for (guard = h->rq_nwqe; guard--;) {
		if (!take_rwqe(h))
			break;
		if (per_wqe || !reported) {
			e.minor = reported ? HW_FLUSH_GENERAL : code;
			rq_cqe(h, &e);
			reported = true;
		}
		h->rx.active = false;
	}
}

/* ---- responses ----------------------------------------------------------- */

static void reply(struct hw_qp *h, const struct fab_pkt *req, uint8_t op,
		  uint32_t msn)
{
	memset(&rsp.h, 0, sizeof(rsp.h));
	rsp.h.magic = FAB_MAGIC;
	rsp.h.op = op;
	memcpy(rsp.h.sgid, req->h.dgid, 16);
	memcpy(rsp.h.dgid, req->h.sgid, 16);
	rsp.h.src_qpn = h->qp->qpn;
	rsp.h.dst_qpn = req->h.src_qpn;
	rsp.h.msn = msn;
}

static void send_ack(struct hw_qp *h, const struct fab_pkt *req, uint32_t msn)
{
	reply(h, req, FAB_ACK, msn);
	fabric_send(&rsp);
}

static void send_nak(struct hw_qp *h, const struct fab_pkt *req,
		     uint8_t syndrome)
{
	reply(h, req, FAB_NAK, req->h.msn);
	rsp.h.syndrome = syndrome;
	rsp.h.rnr_timer = h->qp->attr.min_rnr_timer;
	fabric_send(&rsp);
}

/* A responder-detected error: NAK the requester, QP to ERR. */
static void responder_error(struct hw_qp *h, const struct fab_pkt *p,
			    uint8_t syndrome, uint8_t rq_code, int event)
{
	send_nak(h, p, syndrome);
	hw_qp_to_error(h, HW_FLUSH_GENERAL, rq_code, event);
}

/* ---- RC ------------------------------------------------------------------ */

static uint8_t rq_op(const struct hw_qp *h, const struct fab_pkt *p)
{
	if (h->dev->gen >= EMU_GEN_3)
		return p->h.op == FAB_WRITE ? HW_OP_RDMA_WRITE : HW_OP_SEND;
	if (p->h.op == FAB_WRITE)
		return IB_BASE_WRITE_ONLY_IMM;
	if (p->h.flags & FAB_F_IMM)
		return IB_BASE_SEND_ONLY_IMM;
	if (p->h.flags & FAB_F_INV)
		return IB_BASE_SEND_ONLY_INV;
	return IB_BASE_SEND_ONLY;
}

static void complete_recv(struct hw_qp *h, const struct fab_pkt *p,
			  uint64_t len)
{
	struct hw_cqe e = {
		.op = rq_op(h, p),
		.len = (uint32_t)len,
		.solicited = (p->h.flags & FAB_F_SOLICITED) != 0,
		.imm_valid = (p->h.flags & FAB_F_IMM) != 0,
		.imm = p->h.imm,
	};

	if (p->h.flags & FAB_F_INV) {
		e.stag_inv = true;
		e.q2_low = p->h.inv_stag;
	}
	rq_cqe(h, &e);
}

/* Place one SEND packet; the first one takes a receive WQE. */
static void rc_send(struct hw_qp *h, const struct fab_pkt *p)
{
	struct hw_rx *rx = &h->rx;

	if (p->h.flags & FAB_F_FIRST) {
		if (!take_rwqe(h)) {
			send_nak(h, p, FAB_NAK_RNR);
			h->nak_outstanding = true;
			return;
		}
		rx->msn = p->h.msn;
		if (hw_check_sges(h, rx->sge, rx->nsge, HW_ACC_LOCAL_WRITE)) {
			responder_error(h, p, FAB_NAK_REM_OP, HW_FLUSH_PROT,
					-1);
			return;
		}
		if (p->h.total_len > hw_sge_total(rx->sge, rx->nsge)) {
			responder_error(h, p, FAB_NAK_REM_INV_REQ,
					HW_FLUSH_LOC_LEN, -1);
			return;
		}
	}
	if (!rx->active || rx->msn != p->h.msn)
		return;
	if (hw_sge_write(rx->sge, rx->nsge, p->h.offset, p->data, p->h.len)) {
		responder_error(h, p, FAB_NAK_REM_OP, HW_FLUSH_PROT, -1);
		return;
	}
	if (!(p->h.flags & FAB_F_LAST))
		return;
	if ((p->h.flags & FAB_F_INV) &&
	    hw_stag_invalidate(h, p->h.inv_stag, true)) {
		responder_error(h, p, FAB_NAK_REM_INV_REQ, HW_FLUSH_REM_INV_REQ,
				-1);
		return;
	}
	complete_recv(h, p, p->h.total_len);
	h->exp_msn++;
	send_ack(h, p, p->h.msn);
}

static void rc_write(struct hw_qp *h, const struct fab_pkt *p)
{
	uint64_t host;

	if ((p->h.flags & FAB_F_FIRST) && (p->h.flags & FAB_F_IMM) &&
	    !h->rx.active) {
		/* write with immediate consumes a receive WQE */
		if (!take_rwqe(h)) {
			send_nak(h, p, FAB_NAK_RNR);
			h->nak_outstanding = true;
			return;
		}
		h->rx.msn = p->h.msn;
	}
	if (hw_check_rkey(h, p->h.rkey, p->h.remote_va, p->h.total_len,
			  HW_ACC_REMOTE_WRITE, &host)) {
		responder_error(h, p, FAB_NAK_REM_ACCESS, HW_FLUSH_GENERAL,
				HW_EV_QP_ACCESS_ERR);
		return;
	}
	if (p->h.len && emu_dma_write(host + p->h.offset, p->data, p->h.len)) {
		responder_error(h, p, FAB_NAK_REM_ACCESS, HW_FLUSH_GENERAL,
				HW_EV_QP_ACCESS_ERR);
		return;
	}
	if (!(p->h.flags & FAB_F_LAST))
		return;
	if (p->h.flags & FAB_F_IMM)
		complete_recv(h, p, p->h.total_len);
	h->exp_msn++;
	send_ack(h, p, p->h.msn);
}

static void rc_read(struct hw_qp *h, const struct fab_pkt *p)
{
	uint64_t host, off = 0, total = p->h.total_len;

	if (hw_check_rkey(h, p->h.rkey, p->h.remote_va, total,
			  HW_ACC_REMOTE_READ, &host)) {
		responder_error(h, p, FAB_NAK_REM_ACCESS, HW_FLUSH_GENERAL,
				HW_EV_QP_ACCESS_ERR);
		return;
	}
	do {
		uint64_t chunk = total - off;

		if (chunk > FAB_MAX_PAYLOAD)
			chunk = FAB_MAX_PAYLOAD;
		reply(h, p, FAB_READ_RESP, p->h.msn);
		rsp.h.offset = off;
		rsp.h.len = (uint32_t)chunk;
		rsp.h.total_len = total;
		rsp.h.flags = off + chunk == total ? FAB_F_LAST : 0;
		if (chunk && emu_dma_read(rsp.data, host + off, chunk))
			memset(rsp.data, 0, chunk);
		fabric_send(&rsp);
		off += chunk;
	} while (off < total);
}

static void rc_atomic(struct hw_qp *h, const struct fab_pkt *p)
{
	uint64_t host, orig, val;

	if (!(h->dev->lim.feature_flags & EMU_FEATURE_ATOMIC_OPS)) {
		responder_error(h, p, FAB_NAK_REM_INV_REQ, HW_FLUSH_GENERAL,
				HW_EV_QP_REQ_ERR);
		return;
	}
	if (p->h.remote_va & 7) {
		responder_error(h, p, FAB_NAK_REM_INV_REQ, HW_FLUSH_GENERAL,
				HW_EV_QP_REQ_ERR);
		return;
	}
	if (hw_check_rkey(h, p->h.rkey, p->h.remote_va, 8, HW_ACC_REMOTE_ATOMIC,
			  &host) ||
	    emu_dma_read(&orig, host, 8)) {
		responder_error(h, p, FAB_NAK_REM_ACCESS, HW_FLUSH_GENERAL,
				HW_EV_QP_ACCESS_ERR);
		return;
	}
	if (p->h.flags & FAB_F_CMP_SWAP)
		val = orig == p->h.atomic_cmp ? p->h.atomic_data : orig;
	else
		val = orig + p->h.atomic_data;
	emu_dma_write(host, &val, 8);
	h->exp_msn++;
	h->atomic_done = true;
	h->atomic_msn = p->h.msn;
	h->atomic_orig = orig;
	reply(h, p, FAB_ATOMIC_RESP, p->h.msn);
	rsp.h.flags = FAB_F_LAST;
	rsp.h.atomic_data = orig;
	fabric_send(&rsp);
}

/* A retried atomic must not execute twice: answer with the saved result. */
static void rc_atomic_again(struct hw_qp *h, const struct fab_pkt *p)
{
	if (!h->atomic_done || h->atomic_msn != p->h.msn)
		return;
	reply(h, p, FAB_ATOMIC_RESP, p->h.msn);
	rsp.h.flags = FAB_F_LAST;
	rsp.h.atomic_data = h->atomic_orig;
	fabric_send(&rsp);
}

static void rc_request(struct hw_qp *h, const struct fab_pkt *p)
{
	if (h->state != EMU_QPS_RTR && h->state != EMU_QPS_RTS &&
	    h->state != EMU_QPS_SQD)
		return;
	if (p->h.src_qpn != h->qp->attr.dest_qpn ||
	    memcmp(p->h.sgid, h->qp->attr.ah.dgid, 16))
		return; /* not our connected peer */
	if (p->h.msn != h->exp_msn) {
		/* a duplicate after a retransmission: ack it again */
		if ((int32_t)(p->h.msn - h->exp_msn) < 0 &&
		    (p->h.flags & FAB_F_LAST) && p->h.op != FAB_READ_REQ &&
		    p->h.op != FAB_ATOMIC)
			send_ack(h, p, h->exp_msn - 1);
		else if ((int32_t)(p->h.msn - h->exp_msn) < 0 &&
			 p->h.op == FAB_READ_REQ)
			rc_read(h, p); /* reads are simply answered again */
		else if ((int32_t)(p->h.msn - h->exp_msn) < 0 &&
			 p->h.op == FAB_ATOMIC)
			rc_atomic_again(h, p);
		return; /* ahead of a NAKed message: dropped */
	}
	if (h->nak_outstanding) {
		if (!(p->h.flags & FAB_F_FIRST))
			return;
		h->nak_outstanding = false;
	}
	switch (p->h.op) {
	case FAB_SEND:
		rc_send(h, p);
		break;
	case FAB_WRITE:
		rc_write(h, p);
		break;
	case FAB_READ_REQ:
		h->exp_msn++;
		rc_read(h, p);
		break;
	case FAB_ATOMIC:
		rc_atomic(h, p);
		break;
	default:
		break;
	}
}

/* ---- UD ------------------------------------------------------------------ */

static bool gid_is_v4(const uint8_t *g)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0,    0,
					    0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(g, prefix, sizeof(prefix));
}

/* The 40 bytes the device puts before a UD payload (IPv6 or IPv4 form). */
static void build_grh(const struct fab_pkt *p, uint8_t grh[HW_GRH_LEN])
{
	uint32_t len = p->h.len;

	memset(grh, 0, HW_GRH_LEN);
	if (gid_is_v4(p->h.sgid)) {
		uint8_t *ip = grh + 20;
		uint16_t tot = (uint16_t)(20 + 8 + 12 + len + 4 + 4);

		ip[0] = 0x45;
		ip[2] = tot >> 8;
		ip[3] = tot & 0xff;
		ip[8] = 64;
		ip[9] = 17; /* UDP */
		memcpy(ip + 12, p->h.sgid + 12, 4);
		memcpy(ip + 16, p->h.dgid + 12, 4);
		return;
	}
	grh[0] = 0x60;
	grh[4] = (uint8_t)((len + 8 + 12 + 8) >> 8);
	grh[5] = (uint8_t)(len + 8 + 12 + 8);
	grh[6] = 17;
	grh[7] = 64;
	memcpy(grh + 8, p->h.sgid, 16);
	memcpy(grh + 24, p->h.dgid, 16);
}

static void ud_recv(struct hw_qp *h, const struct fab_pkt *p)
{
	uint8_t grh[HW_GRH_LEN];
	struct hw_cqe e = { 0 };
	int src_dev;

	if (h->state != EMU_QPS_RTR && h->state != EMU_QPS_RTS &&
	    h->state != EMU_QPS_SQD)
		return;
	if (p->h.qkey != h->qp->attr.qkey)
		return; /* wrong Q_Key: silently dropped */
	if (!take_rwqe(h))
		return; /* no receive posted: datagram dropped */
	if (hw_check_sges(h, h->rx.sge, h->rx.nsge, HW_ACC_LOCAL_WRITE)) {
		hw_qp_to_error(h, HW_FLUSH_GENERAL, HW_FLUSH_PROT,
			       HW_EV_QP_FATAL);
		return;
	}
	if (HW_GRH_LEN + (uint64_t)p->h.len >
	    hw_sge_total(h->rx.sge, h->rx.nsge)) {
		hw_qp_to_error(h, HW_FLUSH_GENERAL, HW_FLUSH_LOC_LEN,
			       HW_EV_QP_FATAL);
		return;
	}
	build_grh(p, grh);
	if (hw_sge_write(h->rx.sge, h->rx.nsge, 0, grh, HW_GRH_LEN) ||
	    hw_sge_write(h->rx.sge, h->rx.nsge, HW_GRH_LEN, p->data,
			 p->h.len)) {
		hw_qp_to_error(h, HW_FLUSH_GENERAL, HW_FLUSH_PROT,
			       HW_EV_QP_FATAL);
		return;
	}
	e.op = h->dev->gen >= EMU_GEN_3 ? HW_OP_SEND :
	       (p->h.flags & FAB_F_IMM) ? IB_BASE_SEND_ONLY_IMM :
					  IB_BASE_SEND_ONLY;
	e.len = p->h.len + HW_GRH_LEN;
	e.q2_low = p->h.src_qpn;
	e.ipv4 = gid_is_v4(p->h.sgid);
	e.solicited = (p->h.flags & FAB_F_SOLICITED) != 0;
	e.imm_valid = (p->h.flags & FAB_F_IMM) != 0;
	e.imm = p->h.imm;
	src_dev = emu_dev_find_gid(p->h.sgid);
	if (h->dev->gen >= EMU_GEN_2 && src_dev >= 0) {
		e.smac_valid = true;
		emu_dev_mac((unsigned int)src_dev, e.smac);
	}
	rq_cqe(h, &e);
}

void hw_rx_packet(unsigned int devidx, struct fab_pkt *p)
{
	struct hw_qp *h = hw_find_qp(devidx, p->h.dst_qpn);

	if (!h)
		return;
	switch (p->h.op) {
	case FAB_ACK:
	case FAB_NAK:
	case FAB_READ_RESP:
	case FAB_ATOMIC_RESP:
		if (h->qp->qp_type == EMU_QPT_RC &&
		    p->h.src_qpn == h->qp->attr.dest_qpn)
			hw_sq_on_ack(h, p);
		return;
	default:
		break;
	}
	if (h->qp->qp_type == EMU_QPT_UD) {
		if ((p->h.flags & FAB_F_UD) && p->h.op == FAB_SEND)
			ud_recv(h, p);
		return;
	}
	if (!(p->h.flags & FAB_F_UD))
		rc_request(h, p);
}
