/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Handing posted WQEs over: the SQ's WQE-allocate doorbell (or, with a
 * push page pair, push.c's push doorbell), and for a QP already in the
 * error state the kernel's reflush.
 */
#ifndef IRDMA_PROVIDER_DOORBELL_H
#define IRDMA_PROVIDER_DOORBELL_H

#include <stdbool.h>

#include <util/udma_barrier.h>

#include "queues.h"

static inline void irdma_sq_ring_doorbell(struct irdma_qp *qp)
{
	if (qp->push_db) {
		irdma_sq_push_doorbell(qp);
		return;
	}
	/* every valid bit must reach memory before the device looks */
	udma_to_device_barrier();
	/* one 32-bit store to a register shared by all QPs of the context */
	__atomic_store_n(qp->db, htole32(qp->vqp.qp.qp_num), __ATOMIC_RELAXED);
}

/*
 * WQEs posted to a QP that is already in the error state are not seen by
 * the flush the kernel did on entering it: ask for another flush.
 */
void irdma_qp_reflush(struct irdma_qp *qp, bool sq, bool rq);

/*
 * After a batch of WQEs: the doorbell, then, for a QP that was in the
 * error state when they were posted, the reflush that completes them.
 */
static inline void irdma_sq_submit(struct irdma_qp *qp, bool in_error)
{
	irdma_sq_ring_doorbell(qp);
	if (in_error)
		irdma_qp_reflush(qp, true, false);
}

#endif /* IRDMA_PROVIDER_DOORBELL_H */
