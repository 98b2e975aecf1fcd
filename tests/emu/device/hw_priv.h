/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * State private to the device engine (hw_*.c): what the hardware keeps in
 * its QP/CQ/SRQ contexts, and the helpers its parts share.
 *
 * Everything here is protected by the engine lock (hw_lock()).
 */
#ifndef IRDMA_EMU_HW_PRIV_H
#define IRDMA_EMU_HW_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric.h"
#include "hw_format.h"
#include "kernel/kernel.h"

#define HW_MAX_SGE 16u
/* RC messages a requester keeps in flight before it waits for acks. */
#define HW_WINDOW 64u

/* Async event numbers (enum ibv_event_type). */
enum hw_event {
	HW_EV_CQ_ERR = 0,
	HW_EV_QP_FATAL = 1,
	HW_EV_QP_REQ_ERR = 2,
	HW_EV_QP_ACCESS_ERR = 3,
	HW_EV_SRQ_LIMIT = 15,
	HW_EV_QP_LAST_WQE = 16,
};

/* IB_UVERBS_ACCESS_* bits as kept in emu_mr.access. */
#define HW_ACC_LOCAL_WRITE 0x01u
#define HW_ACC_REMOTE_WRITE 0x02u
#define HW_ACC_REMOTE_READ 0x04u
#define HW_ACC_REMOTE_ATOMIC 0x08u
#define HW_ACC_MW_BIND 0x10u

struct hw_sge {
	uint64_t va;
	uint32_t len;
	uint32_t stag;
};

/* One SQ WQE as the device decoded it. */
struct hw_wqe {
	uint32_t idx; /* first quantum */
	uint32_t quanta;
	uint8_t op;
	bool signaled;
	bool solicited;
	bool imm_valid;
	bool inline_data;
	uint32_t imm;
	uint32_t rstag; /* rkey / stag to invalidate / AH id */
	uint64_t raddr; /* remote VA (qword 2) */
	uint64_t q0, q1, q2; /* raw words for ops with their own layout */
	uint64_t q4, q5; /* atomics: swap/add and compare data */
	uint64_t hdr;
	uint32_t nsge;
	struct hw_sge sge[HW_MAX_SGE];
	uint32_t inline_len;
	uint8_t inline_buf[256];
	uint64_t total_len;
};

enum hw_fl_state {
	HW_FL_SENT, /* waiting for the responder */
	HW_FL_DONE, /* acked / local op finished */
};

/* An RC SQ WQE between transmission and completion. */
struct hw_inflight {
	uint32_t msn;
	uint32_t idx;
	uint32_t quanta;
	uint8_t op;
	bool signaled;
	bool remote; /* went on the wire (has an msn) */
	enum hw_fl_state state;
};

/* A receive in progress (multi-packet send being placed). */
struct hw_rx {
	bool active;
	uint32_t msn;
	uint32_t wqe_idx; /* RQ: index in quanta; SRQ: WQE index */
	uint64_t wr_id; /* SRQ: the WQE's wr_id */
	bool from_srq;
	uint32_t nsge;
	struct hw_sge sge[HW_MAX_SGE];
};

struct hw_cq {
	struct emu_cq *cq;
	uint64_t ring_va;
	uint32_t entries;
	uint32_t head; /* next slot the device writes */
	uint8_t polarity;
	uint8_t arm_seq_done; /* arm sequence number already fired */
	bool overflowed;
	/*
	 * After a resize the provider drains the old rings first, writing
	 * their consumer indexes to the shared shadow area; it tells the
	 * device it is done by adding the drained rings to the SW_CQ_SELECT
	 * field of the arm word. Until then the consumer index is not ours.
	 */
	uint16_t sel_base;
	uint16_t resizes;
	struct hw_cq *next;
};

struct hw_srq {
	struct emu_srq *srq;
	uint32_t wqe_shift;
	uint32_t nwqe;
	uint32_t next; /* next WQE index to consume */
	uint8_t polarity;
	uint32_t limit;
	struct hw_srq *next_srq;
};

struct hw_qp {
	struct emu_qp *qp;
	struct hw_qp *next;
	struct emu_device *dev;
	struct emu_file *file;
	enum emu_qp_state state;
	uint8_t sgid[16];
	/* SQ parsing */
	uint32_t sq_next; /* next quantum to read */
	uint8_t sq_pol; /* polarity that marks a valid WQE there */
	uint32_t sq_cqe_tail; /* first quantum not covered by a CQE */
	/* RQ */
	uint32_t rq_shift;
	uint32_t rq_nwqe;
	uint32_t rq_next; /* next RQ WQE index */
	uint8_t rq_pol;
	/* RC requester */
	struct hw_inflight fl[HW_WINDOW];
	uint32_t fl_head, fl_count; /* ring of in-flight WQEs */
	uint32_t next_msn;
	uint32_t resend_msn; /* go back to this msn ... */
	uint64_t resend_at; /* ... at this time (0 = no resend pending) */
	uint32_t rnr_tries;
	uint32_t retries; /* transport retries of the oldest message */
	uint64_t ack_due; /* ack timeout of the oldest message */
	/* RC responder */
	uint32_t exp_msn;
	bool atomic_done; /* last atomic's result, for a retried one */
	uint32_t atomic_msn;
	uint64_t atomic_orig;
	bool nak_outstanding;
	struct hw_rx rx;
};

struct hw_mw_bind {
	struct emu_file *file;
	uint32_t stag; /* current rkey of the window */
	enum emu_mw_type type;
	bool bound;
	bool zero_based;
	uint64_t va, len;
	uint64_t host; /* process address of the window's start */
	uint32_t access; /* HW_ACC_REMOTE_* */
	struct emu_pd *pd;
	uint32_t bound_qpn; /* type 2 */
	struct hw_mw_bind *next;
};

/* ---- hw_engine.c (and hw_objects.c: hw_qp_to_error, hw_rq_shift) --------------------------------------------------------- */
/* IRDMA_EMU_HW_TRACE=1: a line on stderr (debugging only). */
void hw_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hw_lock(void);
void hw_unlock(void);
uint64_t hw_now_ns(void);
struct hw_qp *hw_find_qp(unsigned int devidx, uint32_t qpn);
/* Heads of the lists the engine walks (engine lock held). */
struct hw_qp **hw_qp_list(void);
struct hw_cq **hw_cq_list(void);
struct hw_srq **hw_srq_list(void);
struct hw_srq *hw_srq_of(struct emu_srq *srq);
struct hw_cq *hw_cq_of(struct emu_cq *cq);
/*
 * QP enters ERR: flush both queues; the first flushed SQ / RQ WQE reports
 * @sq_code / @rq_code, the rest HW_FLUSH_GENERAL. Raises @event (IBV_EVENT_*
 * number) unless it is negative.
 */
void hw_qp_to_error(struct hw_qp *h, uint8_t sq_code, uint8_t rq_code,
		    int event);

/* ---- hw_cq.c ------------------------------------------------------------- */
struct hw_cqe {
	bool sq;
	uint32_t wqe_idx;
	uint8_t op;
	uint16_t major, minor;
	uint64_t ctx; /* qword 1 */
	uint32_t qpn;
	uint32_t len;
	uint32_t q2_low; /* UD src QPN or invalidated stag */
	bool stag_inv;
	bool ipv4;
	bool imm_valid;
	uint32_t imm;
	bool solicited;
	bool srq;
	uint64_t srq_qp_ctx;
	bool smac_valid;
	uint8_t smac[6];
};
/* Ring (re)placed: @first at creation, otherwise after a resize. */
void hw_cq_resized(struct hw_cq *c, bool first);
/* Write one CQE (and its extension); raises events. -ENOSPC on overflow. */
int hw_cq_write(struct hw_cq *c, const struct hw_cqe *e);

/* ---- hw_mem.c ------------------------------------------------------------ */
/* Access a local SGE list needs, checked against MR/MW rights and PD. */
/* Translates each SGE's address to the process address on success. */
int hw_check_sges(struct hw_qp *h, struct hw_sge *sge, uint32_t n,
		  uint32_t need_access);
/* Remote access by rkey; returns 0 or a HW_FLUSH_* reason (>0). */
int hw_check_rkey(struct hw_qp *h, uint32_t rkey, uint64_t va, uint64_t len,
		  uint32_t need_access, uint64_t *host);
/* Copy between an SGE list (at byte @off) and a buffer. */
int hw_sge_read(const struct hw_sge *sge, uint32_t n, uint64_t off, void *buf,
		uint64_t len);
int hw_sge_write(const struct hw_sge *sge, uint32_t n, uint64_t off,
		 const void *buf, uint64_t len);
uint64_t hw_sge_total(const struct hw_sge *sge, uint32_t n);
/* Memory windows */
int hw_mw_bind(struct hw_qp *h, const struct hw_wqe *w);
int hw_stag_invalidate(struct hw_qp *h, uint32_t stag, bool remote);
void hw_mw_forget_file(struct emu_file *f);

/* ---- hw_sq.c ------------------------------------------------------------- */
/* Decode and execute newly valid SQ WQEs of @h; true if work was done. */
bool hw_sq_run(struct hw_qp *h);
void hw_sq_on_ack(struct hw_qp *h, const struct fab_pkt *p);
/* RNR retry and ack timeout timers. */
void hw_sq_timers(struct hw_qp *h, uint64_t now);
/* Flush-CQE generation for the SQ / RQ at entry to ERR. */
void hw_sq_flush(struct hw_qp *h, uint8_t code);
void hw_rq_flush(struct hw_qp *h, uint8_t code);

/* ---- hw_wqe.c ------------------------------------------------------------ */
/* Decode the SQ WQE at quantum @idx (whatever its valid bit says). */
int hw_read_wqe(struct hw_qp *h, uint32_t idx, struct hw_wqe *w);
/* Does the SQ WQE at @idx carry valid bit @pol? */
bool hw_sq_wqe_valid(const struct hw_qp *h, uint32_t idx, uint8_t pol);

/* ---- hw_push.c ----------------------------------------------------------- */
/* Consume a context's push doorbells (engine lock held); true: any rung. */
bool hw_push_poll(struct emu_file *f);
/*
 * A QP leaves the engine: a push doorbell it wrote just before is dropped
 * with it, not taken for one naming a QP that does not exist.
 */
void hw_push_forget(struct emu_qp *qp);
/* Count an SQ WQE's push bit as it is executed. */
void hw_push_note_wqe(struct hw_qp *h, const struct hw_wqe *w);

/* ---- hw_rx.c ------------------------------------------------------------- */
void hw_rx_packet(unsigned int devidx, struct fab_pkt *p);
/* RQ WQE ring helpers */
uint32_t hw_rq_shift(const struct emu_device *dev, uint32_t max_sge);

#endif /* IRDMA_EMU_HW_PRIV_H */
