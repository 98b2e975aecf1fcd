// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The ibv_qp_ex work request API (ibv_wr_start .. ibv_wr_complete).
 *
 * A builder call (ibv_wr_send, ibv_wr_rdma_write, ...) opens a work
 * request; the setters that follow fill in its data. The request is only
 * written to the SQ when the next builder or ibv_wr_complete() comes, since
 * its size depends on all setters. The header of the batch's first WQE is
 * held back until ibv_wr_complete(), so the device cannot start on a batch
 * that may still be aborted; an abort makes the batch's WQEs invalid again
 * and rewinds the SQ.
 */
#include <errno.h>
#include <string.h>

#include <util/udma_barrier.h>

#include "doorbell.h"
#include "sq.h"

static void wr_commit_pending(struct irdma_qp *qp)
{
	struct irdma_wr_state *w = &qp->wr;
	int ret;

	if (!w->pending)
		return;
	w->pending = false;
	/* a UD send without ibv_wr_set_ud_addr() has no AH to go to */
	if (!w->err && qp->vqp.qp.qp_type == IBV_QPT_UD && !w->ud_addr)
		w->err = EINVAL;
	if (w->err)
		return;
	ret = irdma_sq_write(qp, &w->desc);
	if (ret)
		w->err = ret;
}

/* Undo everything this batch wrote to the SQ (padding NOPs before it stay). */
static void wr_rewind(struct irdma_qp *qp)
{
	struct irdma_wr_state *w = &qp->wr;
	struct irdma_wq_pos *p = &qp->sq_pos;
	uint32_t idx = w->start_head;
	uint8_t pol = w->start_polarity;

	if (!w->first_wqe)
		return;
	while (idx != p->head) {
		hw_wr64(sq_wqe(qp, idx), 3, FIELD_PREP(IRDMA_WQEH_VALID, !pol));
		qp->sq_slots[idx].quanta = 0;
		if (++idx == p->size) {
			idx = 0;
			pol ^= 1;
		}
	}
	p->head = w->start_head;
	qp->sq_polarity = w->start_polarity;
	w->first_wqe = NULL;
}

/*
 * Does the calling thread hold the SQ lock for an open batch? Only the
 * owner itself ever stores its own id, and it clears it before letting go
 * of the lock, so another thread's batch can never read as ours.
 */
static inline bool wr_batch_is_mine(const struct irdma_qp *qp)
{
	pthread_t owner = __atomic_load_n(&qp->wr.owner, __ATOMIC_RELAXED);

	return owner && pthread_equal(owner, pthread_self());
}

/*
 * A call out of sequence. Within our own batch it fails the batch;
 * outside one there is nothing it may touch (no lock is held).
 */
static void wr_out_of_sequence(struct irdma_qp *qp)
{
	if (wr_batch_is_mine(qp) && !qp->wr.err)
		qp->wr.err = EINVAL;
}

static void wr_start(struct ibv_qp_ex *ibqp)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);

	/* a second start would spin forever on the lock this thread holds */
	if (wr_batch_is_mine(qp)) {
		wr_out_of_sequence(qp);
		return;
	}
	pthread_spin_lock(&qp->sq_lock);
	__atomic_store_n(&qp->wr.owner, pthread_self(), __ATOMIC_RELAXED);
	qp->wr.open = true;
	qp->wr.pending = false;
	qp->wr.err = 0;
	qp->wr.first_wqe = NULL;
}

/* End the batch and hand the SQ lock back. */
static void wr_close(struct irdma_qp *qp)
{
	qp->wr.open = false;
	__atomic_store_n(&qp->wr.owner, (pthread_t)0, __ATOMIC_RELAXED);
	pthread_spin_unlock(&qp->sq_lock);
}

static int wr_complete(struct ibv_qp_ex *ibqp)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);
	struct irdma_wr_state *w = &qp->wr;
	bool reflush;
	int err;

	/* without our own ibv_wr_start there is no lock of ours to drop */
	if (!wr_batch_is_mine(qp))
		return EINVAL;
	reflush = qp->vqp.qp.state == IBV_QPS_ERR;
	wr_commit_pending(qp);
	err = w->err;
	if (!err && w->first_wqe && qp->vqp.qp.state < IBV_QPS_RTS)
		err = EINVAL; /* the SQ only takes work from RTS on */
	if (err) {
		wr_rewind(qp);
	} else if (w->first_wqe) {
		/*
		 * The batch is posted: pollers may complete it now, and must
		 * count it in flight before its first header lets the device
		 * run it.
		 */
		irdma_sq_show_to_pollers(qp);
		udma_to_device_barrier();
		hw_wr64(w->first_wqe, 3, w->first_hdr);
		w->first_wqe = NULL;
		irdma_sq_submit(qp, reflush);
	}
	wr_close(qp);
	return err;
}

static void wr_abort(struct ibv_qp_ex *ibqp)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);

	if (!wr_batch_is_mine(qp))
		return;
	qp->wr.pending = false;
	wr_rewind(qp);
	wr_close(qp);
}

/*
 * Open a new work request of the given verbs opcode. NULL outside a batch
 * of the calling thread: without the lock nothing may go to the SQ.
 */
static struct irdma_send_desc *wr_open(struct ibv_qp_ex *ibqp,
				       enum ibv_wr_opcode op)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);
	struct irdma_wr_state *w = &qp->wr;
	struct irdma_send_desc *d = &w->desc;
	int ret;

	if (!wr_batch_is_mine(qp))
		return NULL;
	wr_commit_pending(qp);
	memset(d, 0, sizeof(*d));
	d->wr_id = ibqp->wr_id;
	d->signaled = qp->sig_all || (ibqp->wr_flags & IBV_SEND_SIGNALED);
	d->fence = ibqp->wr_flags & IBV_SEND_FENCE;
	d->solicited = ibqp->wr_flags & IBV_SEND_SOLICITED;
	d->hw_op = irdma_send_hw_op(op, d->solicited);
	d->sge = w->sge;
	w->pending = true;
	w->ud_addr = false;
	ret = irdma_send_opcode_check(qp, op);
	if (ret && !w->err)
		w->err = ret;
	return d;
}

static void wr_send(struct ibv_qp_ex *ibqp)
{
	wr_open(ibqp, IBV_WR_SEND);
}

static void wr_send_imm(struct ibv_qp_ex *ibqp, __be32 imm)
{
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_SEND_WITH_IMM);

	if (!d)
		return;
	d->imm_valid = true;
	d->imm = be32toh(imm);
}

static void wr_send_inv(struct ibv_qp_ex *ibqp, uint32_t rkey)
{
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_SEND_WITH_INV);

	if (!d)
		return;
	d->rkey = rkey;
}

static void wr_rdma_write(struct ibv_qp_ex *ibqp, uint32_t rkey, uint64_t addr)
{
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_RDMA_WRITE);

	if (!d)
		return;
	d->rkey = rkey;
	d->remote_addr = addr;
}

static void wr_rdma_write_imm(struct ibv_qp_ex *ibqp, uint32_t rkey,
			      uint64_t addr, __be32 imm)
{
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_RDMA_WRITE_WITH_IMM);

	if (!d)
		return;
	d->rkey = rkey;
	d->remote_addr = addr;
	d->imm_valid = true;
	d->imm = be32toh(imm);
}

static void wr_rdma_read(struct ibv_qp_ex *ibqp, uint32_t rkey, uint64_t addr)
{
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_RDMA_READ);

	if (!d)
		return;
	d->rkey = rkey;
	d->remote_addr = addr;
}

static void wr_atomic_cmp_swp(struct ibv_qp_ex *ibqp, uint32_t rkey,
			      uint64_t addr, uint64_t compare, uint64_t swap)
{
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_ATOMIC_CMP_AND_SWP);

	if (!d)
		return;
	d->rkey = rkey;
	d->remote_addr = addr;
	d->atomic_compare = compare;
	d->atomic_swap_add = swap;
}

static void wr_atomic_fetch_add(struct ibv_qp_ex *ibqp, uint32_t rkey,
				uint64_t addr, uint64_t add)
{
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_ATOMIC_FETCH_AND_ADD);

	if (!d)
		return;
	d->rkey = rkey;
	d->remote_addr = addr;
	d->atomic_swap_add = add;
}

static void wr_local_inv(struct ibv_qp_ex *ibqp, uint32_t rkey)
{
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_LOCAL_INV);

	if (!d)
		return;
	d->rkey = rkey;
}

static void wr_bind_mw(struct ibv_qp_ex *ibqp, struct ibv_mw *mw, uint32_t rkey,
		       const struct ibv_mw_bind_info *bi)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);
	struct irdma_send_desc *d = wr_open(ibqp, IBV_WR_BIND_MW);
	int ret;

	/* outside a batch of ours: no descriptor, and no key may change */
	if (!d)
		return;
	ret = irdma_bind_desc(d, mw, rkey, bi);
	if (ret && !qp->wr.err)
		qp->wr.err = ret;
}

/*
 * Setters fill in the work request the last builder opened; before the
 * first builder of a batch (or outside one) there is none to fill in.
 */
static bool wr_setter_allowed(struct irdma_qp *qp)
{
	if (qp->wr.pending && wr_batch_is_mine(qp))
		return true;
	wr_out_of_sequence(qp);
	return false;
}

static void wr_set_sge(struct ibv_qp_ex *ibqp, uint32_t lkey, uint64_t addr,
		       uint32_t length)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);
	struct irdma_wr_state *w = &qp->wr;

	if (!wr_setter_allowed(qp))
		return;
	w->sge[0].lkey = lkey;
	w->sge[0].addr = addr;
	w->sge[0].length = length;
	w->desc.sge = w->sge;
	w->desc.num_sge = 1;
	w->desc.inline_data = false;
}

static void wr_set_sge_list(struct ibv_qp_ex *ibqp, size_t num,
			    const struct ibv_sge *list)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);
	struct irdma_wr_state *w = &qp->wr;

	if (!wr_setter_allowed(qp))
		return;
	if (num > qp->max_send_sge || num > IRDMA_WR_MAX_SGE ||
	    (num && !list)) {
		if (!w->err)
			w->err = EINVAL;
		return;
	}
	if (num)
		memcpy(w->sge, list, num * sizeof(*list));
	w->desc.sge = w->sge;
	w->desc.num_sge = num;
	w->desc.inline_data = false;
}

/* Inline data is copied now: the caller may reuse its buffer at once. */
static void wr_inline_append(struct irdma_qp *qp, const void *addr, size_t len,
			     uint32_t *used)
{
	struct irdma_wr_state *w = &qp->wr;

	if (len > qp->max_inline || *used + len > qp->max_inline) {
		if (!w->err)
			w->err = EINVAL;
		return;
	}
	if (len)
		memcpy(w->inline_buf + *used, addr, len);
	*used += len;
}

static void wr_inline_finish(struct irdma_qp *qp, uint32_t used)
{
	struct irdma_wr_state *w = &qp->wr;

	w->sge[0].addr = (uintptr_t)w->inline_buf;
	w->sge[0].length = used;
	w->sge[0].lkey = 0;
	w->desc.sge = w->sge;
	w->desc.num_sge = 1;
	w->desc.inline_data = true;
}

static void wr_set_inline_data(struct ibv_qp_ex *ibqp, void *addr,
			       size_t length)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);
	uint32_t used = 0;

	if (!wr_setter_allowed(qp))
		return;
	wr_inline_append(qp, addr, length, &used);
	wr_inline_finish(qp, used);
}

static void wr_set_inline_data_list(struct ibv_qp_ex *ibqp, size_t num,
				    const struct ibv_data_buf *list)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);
	uint32_t used = 0;
	size_t i;

	if (!wr_setter_allowed(qp))
		return;
	for (i = 0; i < num; i++)
		wr_inline_append(qp, list[i].addr, list[i].length, &used);
	wr_inline_finish(qp, used);
}

static void wr_set_ud_addr(struct ibv_qp_ex *ibqp, struct ibv_ah *ah,
			   uint32_t remote_qpn, uint32_t remote_qkey)
{
	struct irdma_qp *qp = qp_ex_to_irdma_qp(ibqp);
	struct irdma_send_desc *d = &qp->wr.desc;

	if (!wr_setter_allowed(qp))
		return;
	if (!ah) {
		if (!qp->wr.err)
			qp->wr.err = EINVAL;
		return;
	}
	d->ah_id = to_irdma_ah(ah)->ah_id;
	qp->wr.ud_addr = true;
	d->dest_qpn = remote_qpn;
	d->qkey = remote_qkey;
}

void irdma_qp_init_wr_ops(struct irdma_qp *qp, uint64_t ops)
{
	struct ibv_qp_ex *e = &qp->vqp.qp_ex;

	e->wr_start = wr_start;
	e->wr_complete = wr_complete;
	e->wr_abort = wr_abort;
	if (ops & IBV_QP_EX_WITH_SEND)
		e->wr_send = wr_send;
	if (ops & IBV_QP_EX_WITH_SEND_WITH_IMM)
		e->wr_send_imm = wr_send_imm;
	if (ops & IBV_QP_EX_WITH_SEND_WITH_INV)
		e->wr_send_inv = wr_send_inv;
	if (ops & IBV_QP_EX_WITH_RDMA_WRITE)
		e->wr_rdma_write = wr_rdma_write;
	if (ops & IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM)
		e->wr_rdma_write_imm = wr_rdma_write_imm;
	if (ops & IBV_QP_EX_WITH_RDMA_READ)
		e->wr_rdma_read = wr_rdma_read;
	if (ops & IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP)
		e->wr_atomic_cmp_swp = wr_atomic_cmp_swp;
	if (ops & IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD)
		e->wr_atomic_fetch_add = wr_atomic_fetch_add;
	if (ops & IBV_QP_EX_WITH_LOCAL_INV)
		e->wr_local_inv = wr_local_inv;
	if (ops & IBV_QP_EX_WITH_BIND_MW)
		e->wr_bind_mw = wr_bind_mw;
	e->wr_set_sge = wr_set_sge;
	e->wr_set_sge_list = wr_set_sge_list;
	e->wr_set_inline_data = wr_set_inline_data;
	e->wr_set_inline_data_list = wr_set_inline_data_list;
	if (qp->vqp.qp.qp_type == IBV_QPT_UD)
		e->wr_set_ud_addr = wr_set_ud_addr;
}
