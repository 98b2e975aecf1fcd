// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Receive queue writers: ibv_post_recv on a QP's own RQ and
 * ibv_post_srq_recv on a shared receive queue. The device finds new RQ
 * WQEs by their valid bits; an SRQ additionally learns the producer index
 * from its shadow area.
 */
#include <errno.h>

#include <util/udma_barrier.h>

#include "doorbell.h"
#include "hw_format.h"

/* Gen 1 fragments: length and key swapped, no valid bits, no padding. */
static uint32_t recv_frags_gen1(__le64 *wqe, const struct ibv_sge *sge,
				uint32_t num_sge, uint64_t *bytes)
{
	uint64_t total = 0;
	uint32_t i, off;

	hw_wr64(wqe, 0, 0);
	hw_wr64(wqe, 1, 0);
	for (i = 0; i < num_sge; i++) {
		off = i ? IRDMA_FRAGN_OFFSET(i) : IRDMA_FRAG0_OFFSET;
		hw_wr64(wqe, off / 8, sge[i].addr);
		hw_wr64(wqe, off / 8 + 1,
			FIELD_PREP(IRDMA_FRAG_GEN1_LEN, sge[i].length) |
				FIELD_PREP(IRDMA_FRAG_GEN1_STAG, sge[i].lkey));
		total += sge[i].length;
	}
	*bytes = total;
	return num_sge > 1 ? num_sge - 1 : 0;
}

/*
 * Fragments of a receive WQE (hw_format.h has the layout). Returns the
 * ADDFRAGCNT value and sets *capacity to the bytes the SGEs can take
 * (saturating).
 */
static inline uint32_t recv_frags(__le64 *wqe, const struct ibv_sge *sge,
				  uint32_t num_sge, uint8_t polarity,
				  uint8_t gen, uint32_t *capacity)
{
	uint64_t total;
	uint32_t addl;

	if (gen == IRDMA_GEN_1)
		addl = recv_frags_gen1(wqe, sge, num_sge, &total);
	else
		addl = hw_put_sges(wqe, sge, num_sge,
				   FIELD_PREP(IRDMA_FRAG_VALID, polarity),
				   gen == IRDMA_GEN_2, &total);
	*capacity = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	return addl;
}

static int rq_post_one(struct irdma_qp *qp, const struct ibv_recv_wr *wr)
{
	struct irdma_wq_pos *p = &qp->rq_pos;
	uint32_t idx = p->head, addl, tail;
	uint64_t hdr;
	__le64 *wqe;

	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > qp->max_recv_sge ||
	    (wr->num_sge && !wr->sg_list))
		return EINVAL;
	/* the poller moves the tail (CQ lock): its slot reads come first */
	tail = __atomic_load_n(&p->tail, __ATOMIC_ACQUIRE);
	if ((idx + p->size - tail) % p->size >= p->size - IRDMA_RQ_RESERVED)
		return ENOMEM;

	wqe = (__le64 *)(qp->rq +
			 ((size_t)idx * IRDMA_WQE_QUANTUM << qp->rq_shift));
	qp->rq_slots[idx].wr_id = wr->wr_id;
	addl = recv_frags(wqe, wr->sg_list, wr->num_sge, qp->rq_polarity,
			  qp->gen, &qp->rq_slots[idx].len);
	hw_wr64(wqe, 2, 0);
	hdr = FIELD_PREP(IRDMA_WQEH_ADDFRAGCNT, addl) |
	      FIELD_PREP(IRDMA_WQEH_VALID, qp->rq_polarity);
	if (idx + 1 == p->size)
		qp->rq_polarity ^= 1;
	/*
	 * Pollers (under the CQ lock, not ours) must count the WQE as in
	 * flight before the device can complete it, even if this thread is
	 * preempted right after making it valid.
	 */
	__atomic_store_n(&p->head, (idx + 1) % p->size, __ATOMIC_RELEASE);
	udma_to_device_barrier();
	hw_wr64(wqe, 3, hdr);
	return 0;
}

int irdma_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		    struct ibv_recv_wr **bad_wr)
{
	struct irdma_qp *qp = to_irdma_qp(ibqp);
	bool reflush;
	int ret = 0;

	/* an SRQ user has no RQ of its own; a QP in RESET takes no work */
	if (qp->srq || ibqp->state == IBV_QPS_RESET) {
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&qp->rq_lock);
	/*
	 * Receives posted to a QP in error are only completed if the device
	 * is asked to flush again. Whether the earlier flush already drained
	 * the RQ cannot be told from here (its CQEs may not be polled yet).
	 */
	reflush = ibqp->state == IBV_QPS_ERR;
	for (; wr; wr = wr->next) {
		ret = rq_post_one(qp, wr);
		if (ret) {
			*bad_wr = wr;
			break;
		}
		/*
		 * The device flushes only what the request finds: one per
		 * receive, as each may be the only one it sees.
		 */
		if (reflush)
			irdma_qp_reflush(qp, false, true);
	}
	pthread_spin_unlock(&qp->rq_lock);
	return ret;
}

static int srq_post_one(struct irdma_srq *srq, const struct ibv_recv_wr *wr)
{
	struct irdma_wq_pos *p = &srq->pos;
	uint32_t idx = p->head, tail, addl, len;
	struct irdma_srq_slot *slot;
	__le64 *wqe;

	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > srq->max_sge ||
	    (wr->num_sge && !wr->sg_list))
		return EINVAL;
	/* the tail moves under the CQ lock as completions are polled */
	tail = __atomic_load_n(&p->tail, __ATOMIC_ACQUIRE);
	if ((p->head + p->size - tail) % p->size >= p->size - IRDMA_RQ_RESERVED)
		return ENOMEM;
	/* completions may come out of order: the slot must be free too */
	slot = &srq->slots[idx];
	if (__atomic_load_n(&slot->tag, __ATOMIC_ACQUIRE))
		return ENOMEM;
	wqe = (__le64 *)(srq->wqes +
			 ((size_t)idx * IRDMA_WQE_QUANTUM << srq->wqe_shift));
	/* atomic: a poller given a replayed CQE may read a free slot */
	__atomic_store_n(&slot->wr_id, wr->wr_id, __ATOMIC_RELAXED);
	addl = recv_frags(wqe, wr->sg_list, wr->num_sge, srq->polarity,
			  srq->ctx->hw_rev, &len);
	__atomic_store_n(&slot->len, len, __ATOMIC_RELAXED);
	if (!++srq->next_tag)
		srq->next_tag = 1;
	/* the slot is complete before a poller may see it posted */
	__atomic_store_n(&slot->tag, srq->next_tag, __ATOMIC_RELEASE);
	/* the CQE echoes word 2: our slot reference, not the app's wr_id */
	hw_wr64(wqe, 2, (uint64_t)srq->next_tag << 32 | idx);
	udma_to_device_barrier();
	hw_wr64(wqe, 3,
		FIELD_PREP(IRDMA_WQEH_ADDFRAGCNT, addl) |
			FIELD_PREP(IRDMA_WQEH_VALID, srq->polarity));
	idx = (idx + 1) % p->size;
	if (!idx)
		srq->polarity ^= 1;
	__atomic_store_n(&p->head, idx, __ATOMIC_RELEASE);
	/* producer index for the device, after the WQE is valid */
	udma_to_device_barrier();
	hw_wr64(srq->shadow, 0, idx);
	return 0;
}

int irdma_post_srq_recv(struct ibv_srq *ibsrq, struct ibv_recv_wr *wr,
			struct ibv_recv_wr **bad_wr)
{
	struct irdma_srq *srq = to_irdma_srq(ibsrq);
	int ret = 0;

	pthread_spin_lock(&srq->lock);
	for (; wr; wr = wr->next) {
		ret = srq_post_one(srq, wr);
		if (ret) {
			*bad_wr = wr;
			break;
		}
	}
	pthread_spin_unlock(&srq->lock);
	return ret;
}
