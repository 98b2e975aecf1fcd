/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The contract of the device (tests/emu/device/): the emulated irdma
 * device engine, as the kernel model sees it. No other device header is
 * included outside device/.
 *
 * The kernel model (kernel/) creates objects and tells the engine about
 * them through these hooks; the engine then does what the hardware does:
 * it reads WQEs the provider writes into the rings, moves data through the
 * fabric (fabric.h), writes CQEs and shadow areas, and raises completion
 * and async events back through kernel.h.
 *
 * Locking contract (lock order: emu_device.lock -> engine -> emu_file.lock):
 *  - hooks may be called with emu_device.lock held, but never with an
 *    emu_file.lock held, because the engine takes emu_file.lock briefly
 *    (MR/MW/AH look-ups) while it holds its own lock;
 *  - emu_kernel_comp_event() and emu_kernel_async_event() are called by the
 *    engine with only its own lock held; they must not call back into here.
 *
 * All hooks return 0 or -errno.
 */
#ifndef IRDMA_EMU_HW_H
#define IRDMA_EMU_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/kernel.h"

/*
 * The device's page: 4 KiB whatever the CPU's, the unit of ring
 * registrations (sq/rq/cq_pages), of a context's doorbell page and of its
 * push pages. The machine's page size is EMU_PAGE_SIZE (platform.h).
 */
#define EMU_HW_PAGE_SIZE 4096ULL

/* Device lifetime: after dev->gen/lim/gids are set; fini after the last. */
int emu_hw_device_init(struct emu_device *dev);
void emu_hw_device_fini(struct emu_device *dev);

/*
 * A context got its doorbell page (emu_file.db_page, set before the call)
 * / is going away (before the page is unmapped). The engine watches the
 * page's WQE-alloc (offset 0) and CQ-arm (offset 64) doorbell words.
 */
int emu_hw_file_attach(struct emu_file *f);
void emu_hw_file_detach(struct emu_file *f);

/* CQs: attach after create_cq validated the ring; detach before free. */
int emu_hw_cq_attach(struct emu_cq *cq);
int emu_hw_cq_resize(struct emu_cq *cq, uint64_t new_ring_va,
		     uint32_t new_entries);
void emu_hw_cq_detach(struct emu_cq *cq);
/* Optional: a hint that the CQ arm doorbell was rung (arming itself is
 * read from the shadow area, as the hardware does). */
void emu_hw_cq_arm(struct emu_cq *cq);

/*
 * QPs. qp->sq_quanta is the SQ ring size in 32-byte quanta, qp->rq_quanta
 * the RQ ring size in quanta (the engine derives the RQ WQE size from
 * max_recv_sge like the provider does). modify is called with qp->attr
 * already updated; a move to ERR flushes both queues.
 */
int emu_hw_qp_attach(struct emu_qp *qp);
int emu_hw_qp_modify(struct emu_qp *qp, enum emu_qp_state old_state,
		     enum emu_qp_state new_state);
/*
 * irdma_modify_qp_req on a QP already in ERR: the provider asks for flush
 * completions of WQEs it posted after the flush (sq_flush / rq_flush).
 */
void emu_hw_qp_flush(struct emu_qp *qp, bool sq, bool rq);
void emu_hw_qp_detach(struct emu_qp *qp);

/* SRQs (gen 3). modify: srq->limit changed (non-zero arms the limit). */
int emu_hw_srq_attach(struct emu_srq *srq);
int emu_hw_srq_modify(struct emu_srq *srq);
void emu_hw_srq_detach(struct emu_srq *srq);

/*
 * QP numbers: unique per emulated device across all processes on the same
 * fabric (emu_config()->fabric), 0 and 1 reserved.
 */
int emu_hw_qpn_alloc(struct emu_device *dev, uint32_t *qpn);
void emu_hw_qpn_free(struct emu_device *dev, uint32_t qpn);

/* Wake the engine now (cheap; e.g. after a doorbell-like event). */
void emu_hw_kick(void);

/* Push-mode counters of a device since start (hw_push.c). */
struct emu_push_stats {
	unsigned long doorbells; /* push doorbells with their WQE in the window */
	unsigned long foreign; /* ... naming a QP other than the pair's */
	unsigned long no_copy; /* ... whose group has no matching window copy */
	unsigned long marked; /* WQEs with the push bit, on QPs with a pair */
	unsigned long bad_bits; /* ... on QPs without one */
};
void emu_hw_push_stats(unsigned int devidx, struct emu_push_stats *out);

#endif /* IRDMA_EMU_HW_H */
