// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Receive queue writers: ibv_post_recv on a QP's own RQ and
 * ibv_post_srq_recv on a shared receive queue. The device finds new RQ
 * WQEs by their valid bits; an SRQ additionally learns the producer index
 * from its shadow area.
 */
#include <errno.h>

#include <util/udma_barrier.h>

#include "hw_format.h"
#include "queues.h"

/*
 * Fragments of a receive WQE: fragment 0 at byte 0, the rest from byte 32;
 * on gen 2+ an even count is padded with an empty fragment carrying the
 * valid bit (gen 2 counts it in ADDFRAGCNT).
 */
void irdma_write_recv_frags(__le64 *wqe, const struct ibv_sge *sge,
			    uint32_t num_sge, uint8_t polarity, uint8_t gen,
			    uint32_t *addl_frags)
{
	uint32_t addl = num_sge > 1 ? num_sge - 1 : 0;
	uint32_t i, off;

	for (i = 0; i < num_sge || i == 0; i++) {
		const struct ibv_sge *s = i < num_sge ? &sge[i] : NULL;

		off = i ? FRAGN_OFFSET(i) : FRAG0_OFFSET;
		hw_wr64(wqe, off / 8, s ? s->addr : 0);
		if (gen == IRDMA_GEN_1)
			hw_wr64(wqe, off / 8 + 1,
				s ? hwf_put(FRAG_GEN1_LEN, s->length) |
						hwf_put(FRAG_GEN1_STAG,
							s->lkey) :
				    0);
		else
			hw_wr64(wqe, off / 8 + 1,
				hwf_put(FRAG_VALID, polarity) |
					(s ? hwf_put(FRAG_LEN, s->length) |
							 hwf_put(FRAG_STAG,
								 s->lkey) :
					     0));
	}
	if (gen >= IRDMA_GEN_2 && num_sge && !(num_sge & 1)) {
		off = FRAGN_OFFSET(num_sge);
		hw_wr64(wqe, off / 8, 0);
		hw_wr64(wqe, off / 8 + 1, hwf_put(FRAG_VALID, polarity));
		if (gen == IRDMA_GEN_2)
			addl++;
	}
	*addl_frags = addl;
}

/* Bytes the SGEs of a receive can take (saturating). */
static uint32_t recv_capacity(const struct ibv_sge *sge, int n)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < n; i++)
		t += sge[i].length;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static int rq_post_one(struct irdma_qp *qp, const struct ibv_recv_wr *wr)
{
	struct irdma_wq_pos *p = &qp->rq_pos;
	uint32_t idx = p->head, addl;
	__le64 *wqe;

	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > qp->max_recv_sge ||
	    (wr->num_sge && !wr->sg_list))
		return EINVAL;
	if (irdma_wq_used(p) >= p->size - IRDMA_RQ_RESERVED)
		return ENOMEM;

	wqe = (__le64 *)(qp->rq +
			 ((size_t)idx * IRDMA_WQE_QUANTUM << qp->rq_shift));
	qp->rq_slots[idx].wr_id = wr->wr_id;
	qp->rq_slots[idx].len = recv_capacity(wr->sg_list, wr->num_sge);
	irdma_write_recv_frags(wqe, wr->sg_list, wr->num_sge, qp->rq_polarity,
			       qp->gen, &addl);
	hw_wr64(wqe, 2, 0);
	udma_to_device_barrier();
	hw_wr64(wqe, 3,
		hwf_put(WQEH_ADDFRAGCNT, addl) |
			hwf_put(WQEH_VALID, qp->rq_polarity));
	if (++p->head == p->size) {
		p->head = 0;
		qp->rq_polarity ^= 1;
	}
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
	pthread_spin_lock(&qp->lock);
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
	pthread_spin_unlock(&qp->lock);
	return ret;
}

static int srq_post_one(struct irdma_srq *srq, const struct ibv_recv_wr *wr)
{
	struct irdma_wq_pos *p = &srq->pos;
	uint32_t idx = p->head, tail, addl;
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
	if (__atomic_load_n(&slot->busy, __ATOMIC_ACQUIRE))
		return ENOMEM;
	slot->wr_id = wr->wr_id;
	slot->len = recv_capacity(wr->sg_list, wr->num_sge);
	if (!++srq->next_tag)
		srq->next_tag = 1;
	slot->tag = srq->next_tag;
	__atomic_store_n(&slot->busy, 1, __ATOMIC_RELEASE);

	wqe = (__le64 *)(srq->wqes +
			 ((size_t)idx * IRDMA_WQE_QUANTUM << srq->wqe_shift));
	irdma_write_recv_frags(wqe, wr->sg_list, wr->num_sge, srq->polarity,
			       srq->ctx->hw_rev, &addl);
	/* the CQE echoes word 2: our slot reference, not the app's wr_id */
	hw_wr64(wqe, 2, (uint64_t)slot->tag << 32 | idx);
	udma_to_device_barrier();
	hw_wr64(wqe, 3,
		hwf_put(WQEH_ADDFRAGCNT, addl) |
			hwf_put(WQEH_VALID, srq->polarity));
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
