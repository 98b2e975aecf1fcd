// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Push mode (gen 2). When a QP that the kernel created with the push-mode
 * capability moves to a new state, irdma may answer with a push page pair:
 * a WQE window and a push doorbell, one page each, mmap()ed through
 * cmd_fd with the keys of irdma_modify_qp_resp and used at push_offset.
 *
 * With a window, every SQ WQE carries the header's push bit. A doorbell
 * that covers exactly one WQE, rung while the device has nothing older
 * to fetch (everything rung before completed, or the previous doorbell
 * was itself a push), copies that WQE into the window at (index % 8)
 * quanta and writes the push doorbell instead of the WQE-alloc one. The
 * ring still holds the WQE; without a window nothing here runs.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <util/mmio.h>
#include <util/udma_barrier.h>

#include "debug.h"
#include "hw_format.h"
#include "queues.h"

struct irdma_qp_push_cmd {
	struct ibv_modify_qp_ex ibv_cmd;
	struct irdma_modify_qp_req drv;
};

struct irdma_qp_push_resp {
	struct ib_uverbs_ex_modify_qp_resp ibv_resp;
	struct irdma_modify_qp_resp drv;
};

#define IRDMA_PUSH_WINDOW_QUANTA 8u
#define IRDMA_PUSH_DB_DESC_SHIFT 20 /* quantum index / 8 in bits 31:20 */

static void *push_map(struct irdma_qp *qp, uint64_t key)
{
	void *p = mmap(NULL, IRDMA_HW_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, qp->vqp.qp.context->cmd_fd, (off_t)key);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * The kernel's offset serves both pages: the window must hold the largest
 * WQE at the last slot, and the doorbell must be an aligned word.
 */
static bool push_offset_fits(uint32_t off)
{
	return off % sizeof(__u32) == 0 &&
	       off <= IRDMA_HW_PAGE_SIZE - (IRDMA_PUSH_WINDOW_QUANTA +
					    IRDMA_WQE_MAX_QUANTA) *
						   IRDMA_WQE_QUANTUM;
}

/* Map the pair; a failure only means posting without push. */
static void push_attach(struct irdma_qp *qp,
			const struct irdma_modify_qp_resp *r)
{
	uint8_t *wqe_page, *db_page;

	if (qp->push_wqe_page || !push_offset_fits(r->push_offset))
		return;
	wqe_page = push_map(qp, r->push_wqe_mmap_key);
	db_page = wqe_page ? push_map(qp, r->push_db_mmap_key) : NULL;
	if (!db_page) {
		irdma_dbg(&qp->ctx->ibv_ctx,
			  "qp %u: push pages not mapped (%m), plain doorbells",
			  qp->vqp.qp.qp_num);
		if (wqe_page)
			munmap(wqe_page, IRDMA_HW_PAGE_SIZE);
		return;
	}
	pthread_spin_lock(&qp->sq_lock);
	qp->push_wqe_page = wqe_page;
	qp->push_db_page = db_page;
	qp->push_window = wqe_page + r->push_offset;
	qp->push_db = (__u32 *)(db_page + r->push_offset);
	qp->push_hdr = FIELD_PREP(IRDMA_WQEH_PUSH, 1);
	qp->db_head = qp->sq_pos.head;
	qp->last_db_pushed = false;
	pthread_spin_unlock(&qp->sq_lock);
}

int irdma_modify_qp_push(struct irdma_qp *qp, struct ibv_qp_attr *attr,
			 int attr_mask)
{
	struct irdma_qp_push_cmd cmd = {};
	struct irdma_qp_push_resp resp = {};
	int ret;

	ret = ibv_cmd_modify_qp_ex(&qp->vqp.qp, attr, attr_mask, &cmd.ibv_cmd,
				   sizeof(cmd), &resp.ibv_resp, sizeof(resp));
	if (!ret && resp.drv.push_valid)
		push_attach(qp, &resp.drv);
	return ret;
}

void irdma_qp_push_release(struct irdma_qp *qp)
{
	if (qp->push_db_page)
		munmap(qp->push_db_page, IRDMA_HW_PAGE_SIZE);
	if (qp->push_wqe_page)
		munmap(qp->push_wqe_page, IRDMA_HW_PAGE_SIZE);
	qp->push_db_page = qp->push_wqe_page = NULL;
}

/* The single WQE since the last doorbell, or false. */
static bool push_candidate(const struct irdma_qp *qp, uint32_t *idx,
			   uint32_t *quanta)
{
	uint32_t n = (qp->sq_pos.head + qp->sq_pos.size - qp->db_head) %
		     qp->sq_pos.size;

	if (!n || qp->sq_slots[qp->db_head].quanta != n)
		return false;
	/* the device must have nothing older left to fetch */
	if (!qp->last_db_pushed &&
	    __atomic_load_n(&qp->sq_pos.tail, __ATOMIC_ACQUIRE) != qp->db_head)
		return false;
	*idx = qp->db_head;
	*quanta = n;
	return true;
}

void irdma_sq_push_doorbell(struct irdma_qp *qp)
{
	uint32_t idx, quanta;

	/* the ring copy (and its valid bit) first: the device may use it */
	udma_to_device_barrier();
	if (push_candidate(qp, &idx, &quanta)) {
		memcpy(qp->push_window +
			       (size_t)(idx % IRDMA_PUSH_WINDOW_QUANTA) *
				       IRDMA_WQE_QUANTUM,
		       qp->sq + (size_t)idx * IRDMA_WQE_QUANTUM,
		       (size_t)quanta * IRDMA_WQE_QUANTUM);
		mmio_flush_writes();
		__atomic_store_n(qp->push_db,
				 htole32((idx / IRDMA_PUSH_WINDOW_QUANTA)
						 << IRDMA_PUSH_DB_DESC_SHIFT |
					 qp->vqp.qp.qp_num),
				 __ATOMIC_RELAXED);
		qp->last_db_pushed = true;
	} else {
		__atomic_store_n(qp->db, htole32(qp->vqp.qp.qp_num),
				 __ATOMIC_RELAXED);
		qp->last_db_pushed = false;
	}
	qp->db_head = qp->sq_pos.head;
}
