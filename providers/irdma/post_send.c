// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ibv_post_send: SEND and RDMA WRITE without immediate data (gen 2 and
 * later) are written straight from the ibv_send_wr with the writer's
 * primitives (sq.h); every other work request is described first and
 * written by irdma_sq_write() (sq.c). Then one doorbell for the list.
 */
#include <errno.h>
#include <string.h>

#include "doorbell.h"
#include "sq.h"

static int desc_from_wr(struct irdma_qp *qp, struct ibv_send_wr *wr,
			struct irdma_send_desc *d)
{
	int ret = irdma_send_opcode_check(qp, wr->opcode);

	if (ret)
		return ret;
	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > qp->max_send_sge)
		return EINVAL;
	if (wr->num_sge && !wr->sg_list)
		return EINVAL;
	memset(d, 0, sizeof(*d));
	d->wr_id = wr->wr_id;
	d->hw_op = irdma_send_hw_op(wr->opcode,
				    wr->send_flags & IBV_SEND_SOLICITED);
	d->signaled = qp->sig_all || (wr->send_flags & IBV_SEND_SIGNALED);
	d->fence = wr->send_flags & IBV_SEND_FENCE;
	d->inline_data = wr->send_flags & IBV_SEND_INLINE;
	d->sge = wr->sg_list;
	d->num_sge = wr->num_sge;

	switch (wr->opcode) {
	case IBV_WR_SEND_WITH_IMM:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
		d->imm_valid = true;
		d->imm = be32toh(wr->imm_data);
		break;
	case IBV_WR_SEND_WITH_INV:
		d->rkey = wr->invalidate_rkey;
		break;
	default:
		break;
	}
	switch (wr->opcode) {
	case IBV_WR_SEND:
	case IBV_WR_SEND_WITH_IMM:
		if (qp->vqp.qp.qp_type == IBV_QPT_UD) {
			if (!wr->wr.ud.ah)
				return EINVAL;
			d->ah_id = to_irdma_ah(wr->wr.ud.ah)->ah_id;
			d->dest_qpn = wr->wr.ud.remote_qpn;
			d->qkey = wr->wr.ud.remote_qkey;
		}
		break;
	case IBV_WR_RDMA_WRITE:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
	case IBV_WR_RDMA_READ:
		d->remote_addr = wr->wr.rdma.remote_addr;
		d->rkey = wr->wr.rdma.rkey;
		break;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		d->inline_data = false;
		d->remote_addr = wr->wr.atomic.remote_addr;
		d->rkey = wr->wr.atomic.rkey;
		d->atomic_swap_add = wr->opcode == IBV_WR_ATOMIC_CMP_AND_SWP ?
					     wr->wr.atomic.swap :
					     wr->wr.atomic.compare_add;
		d->atomic_compare = wr->opcode == IBV_WR_ATOMIC_CMP_AND_SWP ?
					    wr->wr.atomic.compare_add :
					    0;
		break;
	case IBV_WR_LOCAL_INV:
		d->inline_data = false;
		d->rkey = wr->invalidate_rkey;
		break;
	case IBV_WR_BIND_MW:
		d->inline_data = false;
		return irdma_bind_desc(d, wr->bind_mw.mw, wr->bind_mw.rkey,
				       &wr->bind_mw.bind_info);
	default:
		break;
	}
	return 0;
}

/* sq_post_direct(): the work request is not one it writes itself. */
#define SQ_NOT_DIRECT (-1)

/*
 * Header bits and word 2 of a SEND or RDMA WRITE without immediate data,
 * straight from the work request. Returns 0, an errno, or SQ_NOT_DIRECT.
 */
static inline int direct_op_words(const struct irdma_qp *qp,
				  const struct ibv_send_wr *wr, uint8_t *hw_op,
				  uint64_t *hdr, uint64_t *w2)
{
	bool sol = wr->send_flags & IBV_SEND_SOLICITED;
	bool ud = qp->vqp.qp.qp_type == IBV_QPT_UD;

	switch (wr->opcode) {
	case IBV_WR_SEND:
		*hw_op = irdma_send_hw_op(IBV_WR_SEND, sol);
		if (!ud) {
			*hdr = 0;
			*w2 = 0;
			return 0;
		}
		if (!wr->wr.ud.ah)
			return EINVAL;
		*hdr = FIELD_PREP(IRDMA_WQEH_AHID,
				  to_irdma_ah(wr->wr.ud.ah)->ah_id);
		*w2 = FIELD_PREP(IRDMA_WQE2_QKEY, wr->wr.ud.remote_qkey) |
		      FIELD_PREP(IRDMA_WQE2_DESTQPN, wr->wr.ud.remote_qpn);
		return 0;
	case IBV_WR_RDMA_WRITE:
		if (ud)
			return EINVAL;
		*hw_op = irdma_send_hw_op(IBV_WR_RDMA_WRITE, sol);
		*hdr = FIELD_PREP(IRDMA_WQEH_REMSTAG, wr->wr.rdma.rkey);
		*w2 = wr->wr.rdma.remote_addr;
		return 0;
	default:
		return SQ_NOT_DIRECT;
	}
}

/*
 * The common work requests (SEND and RDMA WRITE, SGEs or inline, on gen 2
 * and later) written straight from the ibv_send_wr: no intermediate
 * descriptor. Everything else goes through sq_post_desc(). The SQ lock is
 * held, which also means no ibv_wr_* batch is open (it holds the lock from
 * start to complete), so the header can be published at once.
 */
static inline int sq_post_direct(struct irdma_qp *qp,
				 const struct ibv_send_wr *wr)
{
	uint32_t n = (uint32_t)wr->num_sge; /* a negative count is huge */
	unsigned int flags = wr->send_flags;
	bool signaled = qp->sig_all || (flags & IBV_SEND_SIGNALED);
	uint32_t quanta, bytes, idx;
	uint64_t hdr, w2;
	uint8_t hw_op;
	__le64 *wqe;
	int ret;

	if (qp->gen == IRDMA_GEN_1)
		return SQ_NOT_DIRECT;
	ret = direct_op_words(qp, wr, &hw_op, &hdr, &w2);
	if (ret)
		return ret;
	if (n > qp->max_send_sge || n > IRDMA_MAX_FRAGS || (n && !wr->sg_list))
		return EINVAL;
	hdr |= FIELD_PREP(IRDMA_WQEH_OPCODE, hw_op) |
	       FIELD_PREP(IRDMA_WQEH_READFENCE, !!(flags & IBV_SEND_FENCE)) |
	       FIELD_PREP(IRDMA_WQEH_SIGNALED, signaled);

	if (flags & IBV_SEND_INLINE) {
		bytes = sq_sge_total(wr->sg_list, n);
		if (bytes > qp->max_inline)
			return EINVAL;
		quanta = sq_inline_quanta(qp->gen, bytes);
		wqe = sq_reserve(qp, quanta, &idx);
		if (!wqe)
			return ENOMEM;
		sq_put_inline(qp, wqe, wr->sg_list, n, quanta);
		hdr |= FIELD_PREP(IRDMA_WQEH_INLINE, 1) |
		       FIELD_PREP(IRDMA_WQEH_INLINELEN, bytes);
	} else {
		quanta = 1 + n / 2;
		wqe = sq_reserve(qp, quanta, &idx);
		if (!wqe)
			return ENOMEM;
		hdr |= FIELD_PREP(IRDMA_WQEH_ADDFRAGCNT,
				  sq_put_sges(qp, wqe, wr->sg_list, n, &bytes));
	}
	sq_slot_set(qp, idx, wr->wr_id, bytes, quanta, hw_op, signaled);
	hw_wr64(wqe, 2, w2);
	sq_set_header(wqe, hdr | sq_hdr_bits(qp));
	return 0;
}

/* Any other work request: described first, then written by irdma_sq_write. */
static int sq_post_desc(struct irdma_qp *qp, struct ibv_send_wr *wr)
{
	struct irdma_send_desc d;
	int ret = desc_from_wr(qp, wr, &d);

	return ret ? ret : irdma_sq_write(qp, &d);
}

int irdma_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		    struct ibv_send_wr **bad_wr)
{
	struct irdma_qp *qp = to_irdma_qp(ibqp);
	bool reflush, posted = false;
	int ret = 0;

	/* the SQ only takes work from RTS on (and in error, to flush it) */
	if (ibqp->state < IBV_QPS_RTS) {
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&qp->sq_lock);
	/* as for receives: a QP in error needs a new flush request */
	reflush = ibqp->state == IBV_QPS_ERR;
	for (; wr; wr = wr->next) {
		ret = sq_post_direct(qp, wr);
		if (ret == SQ_NOT_DIRECT)
			ret = sq_post_desc(qp, wr);
		if (ret) {
			*bad_wr = wr;
			break;
		}
		posted = true;
	}
	if (posted)
		irdma_sq_submit(qp, reflush);
	pthread_spin_unlock(&qp->sq_lock);
	return ret;
}
