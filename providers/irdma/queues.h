/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Provider-side state of the data path objects: completion queues, queue
 * pairs, shared receive queues, address handles.
 *
 * Everything in these structures is ordinary process memory written only by
 * the provider. Device-visible memory (rings, shadow areas) is reached
 * through the pointers marked "device memory" and is never trusted: every
 * index read from it is bounds-checked before use.
 */
#ifndef IRDMA_PROVIDER_QUEUES_H
#define IRDMA_PROVIDER_QUEUES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <infiniband/driver.h>

#include "irdma.h"
#include "ring.h"

extern const struct verbs_context_ops irdma_datapath_ops;

/* Producer/consumer positions of one circular queue, in slots. */
struct irdma_wq_pos {
	uint32_t head; /* next slot the provider fills */
	uint32_t tail; /* oldest slot not yet completed */
	uint32_t size; /* slots in the ring (power of two for SQ/RQ) */
};

static inline uint32_t irdma_wq_used(const struct irdma_wq_pos *p)
{
	return (p->head + p->size - p->tail) % p->size;
}

/* Is idx one of the in-flight slots [tail, head)? */
static inline bool irdma_wq_in_flight(const struct irdma_wq_pos *p,
				      uint32_t idx)
{
	return idx < p->size &&
	       (idx + p->size - p->tail) % p->size < irdma_wq_used(p);
}

/* irdma_create_qp_resp.qp_caps */
#define IRDMA_WRITE_WITH_IMM_CAP (1u << 0)
#define IRDMA_SEND_WITH_IMM_CAP (1u << 1)
#define IRDMA_ROCE_CAP (1u << 2)
#define IRDMA_PUSH_MODE_CAP (1u << 3)

/* What the provider remembers about each posted send WQE. */
struct irdma_sq_slot {
	uint64_t wr_id;
	uint32_t bytes;
	uint8_t quanta; /* 0: not the first quantum of a posted WQE */
	uint8_t hw_op; /* enum irdma_hw_sq_op */
	bool signaled;
};

/* What the provider remembers about each posted receive WQE. */
struct irdma_rq_slot {
	uint64_t wr_id;
	uint32_t len; /* bytes the WQE's SGEs can take */
};

/*
 * An SRQ slot. The device only ever sees (tag << 32 | slot index) as the
 * WQE's wr_id word and echoes it in the CQE; the application's wr_id stays
 * here, out of the device's reach.
 */
struct irdma_srq_slot {
	uint64_t wr_id;
	uint32_t len;
	/*
	 * While posted, the tag its CQE must echo; 0 once completed (free).
	 * Atomic: the poster and the pollers of every CQ meet here.
	 */
	uint32_t tag;
};

/* One CQE ring (a CQ has one current ring plus rings being resized away). */
struct irdma_cq_ring {
	struct irdma_ring mem;
	struct verbs_mr vmr;
	uint8_t *cqes; /* device memory */
	uint32_t entries;
	uint32_t head;
	uint8_t polarity; /* valid-bit value of a new CQE at head */
	struct irdma_cq_ring *next_old; /* older ring still to be drained */
};

struct irdma_qp;

struct irdma_cq {
	struct verbs_cq vcq;
	pthread_spinlock_t lock;
	struct irdma_context *ctx;
	/* the parent domain the CQ was created with: decides ring memory */
	struct ibv_pd *policy_pd;
	struct irdma_cq_ring *ring; /* current ring */
	struct irdma_cq_ring *old_rings; /* oldest first, after resizes */
	/* shadow area: device memory */
	__le64 *shadow;
	struct irdma_ring shadow_mem; /* separate only with CQ_RESIZE */
	struct verbs_mr shadow_vmr;
	bool shadow_separate;
	uint32_t cq_id;
	uint32_t cqe_stride; /* 32 or 64 bytes */
	uint8_t gen;
	/* QPs that may complete on this CQ, indexed by a slot in their token */
	struct irdma_qp **qps;
	uint32_t qps_cap;
	uint32_t qps_used;
	/* a gen 1/2 flush CQE is kept at the head for several completions */
	bool parked;
	/* extended polling: the completion start/next_poll returned */
	struct ibv_wc cur;
	uint64_t cur_ts; /* CQE timestamp of the last completion polled */
	uint64_t wc_flags_ex; /* IBV_WC_EX_WITH_* the app asked for */
};

struct irdma_srq {
	struct verbs_srq vsrq;
	pthread_spinlock_t lock;
	struct irdma_context *ctx;
	struct irdma_ring mem;
	struct verbs_mr vmr;
	uint8_t *wqes; /* device memory */
	__le64 *shadow; /* device memory: the SRQ's doorbell words */
	struct irdma_wq_pos pos; /* in WQEs */
	uint32_t srq_id;
	uint32_t max_sge;
	uint32_t max_wr;
	uint8_t wqe_shift; /* WQE = 32 << wqe_shift bytes */
	uint8_t polarity;
	struct irdma_srq_slot *slots;
	uint32_t next_tag;
};

/*
 * A work request, independent of how the application handed it over
 * (ibv_post_send or the ibv_wr_* builder), as the SQ writer consumes it.
 */
struct irdma_send_desc {
	uint64_t wr_id;
	uint8_t hw_op;
	bool signaled;
	bool fence;
	bool solicited;
	bool inline_data;
	bool imm_valid;
	uint32_t imm; /* host order */
	uint32_t num_sge;
	const struct ibv_sge *sge;
	uint64_t remote_addr;
	uint32_t rkey; /* remote key, or the key to invalidate */
	/* UD */
	uint32_t ah_id;
	uint32_t dest_qpn;
	uint32_t qkey;
	/* atomics */
	uint64_t atomic_swap_add;
	uint64_t atomic_compare;
	/* bind */
	uint32_t mr_stag;
	uint32_t mw_stag;
	uint64_t bind_addr;
	uint64_t bind_len;
	bool bind_type1;
	bool bind_zero_based;
	unsigned int bind_access;
};

/* The pending ibv_wr_* work request (committed lazily). */
#define IRDMA_WR_MAX_SGE 16
struct irdma_wr_state {
	bool open; /* between ibv_wr_start and complete/abort */
	/* the thread holding the SQ lock for the batch; 0 when none */
	pthread_t owner;
	bool pending; /* desc holds a WR not yet written */
	bool ud_addr; /* ibv_wr_set_ud_addr() gave the pending WR its AH */
	int err; /* first error of this batch */
	uint32_t start_head;
	uint8_t start_polarity;
	/* header of the batch's first WQE, held back until complete */
	__le64 *first_wqe;
	uint64_t first_hdr;
	struct irdma_send_desc desc;
	struct ibv_sge sge[IRDMA_WR_MAX_SGE];
	uint8_t *inline_buf;
	uint32_t inline_cap;
};

struct irdma_qp {
	struct verbs_qp vqp;
	/*
	 * One lock per queue, as the queues are independent: the SQ lock
	 * covers the SQ, its tracking slots, the ibv_wr_* batch and the push
	 * state; the RQ lock the RQ and its slots. An ibv_wr_* batch holds the
	 * SQ lock from start to complete, so ibv_post_recv (which ibv_wr_post(3)
	 * allows inside a batch) must never need it.
	 */
	pthread_spinlock_t sq_lock;
	pthread_spinlock_t rq_lock;
	struct irdma_context *ctx;
	struct irdma_ring mem;
	struct verbs_mr vmr;
	/* device memory */
	uint8_t *sq;
	uint8_t *rq;
	__le64 *shadow;
	struct irdma_wq_pos sq_pos; /* in quanta */
	/*
	 * The SQ head as pollers see it (send CQ lock, not the SQ lock): it
	 * covers a WQE once the WQE's slot is written, and the WQEs of an
	 * ibv_wr_* batch only at ibv_wr_complete(). Store release, load
	 * acquire.
	 */
	uint32_t sq_poll_head;
	struct irdma_wq_pos rq_pos; /* in WQEs */
	struct irdma_sq_slot *sq_slots;
	struct irdma_rq_slot *rq_slots;
	uint8_t sq_polarity; /* valid-bit value of the pass at sq_pos.head */
	uint8_t sq_polarity_at_wqe; /* ... of the WQE being written */
	uint8_t rq_polarity;
	uint8_t rq_shift; /* RQ WQE = 32 << rq_shift bytes */
	uint8_t gen;
	uint32_t max_send_sge;
	uint32_t max_recv_sge;
	uint32_t max_inline;
	uint32_t max_read_sge;
	uint32_t
		sq_chunk; /* a WQE never straddles a chunk of this many quanta */
	uint32_t qp_caps;
	bool sig_all;
	bool atomics;
	/* iWARP connection set-up WQEs the kernel placed at the SQ start */
	uint32_t conn_wqes;
	bool skip_conn_cqes;
	/* flush progress as reported by CQEs */
	bool sq_flushed;
	bool rq_flushed;
	__u32 *db;
	struct irdma_cq *send_cq;
	struct irdma_cq *recv_cq;
	struct irdma_srq *srq;
	/*
	 * The completion context handed to the kernel, echoed in every CQE of
	 * this QP: a serial number plus this QP's slots in the tables of its
	 * send and receive CQ. Never a pointer.
	 */
	uint64_t token;
	struct irdma_wr_state wr;
	/* gen 2 push pages (push.c); push_db NULL: plain doorbells only */
	__u32 *push_db;
	uint8_t *push_window;
	uint64_t push_hdr; /* WQE header push bit while a window is mapped */
	uint32_t db_head; /* SQ head at the last doorbell */
	bool last_db_pushed;
	uint8_t *push_wqe_page;
	uint8_t *push_db_page;
};

struct irdma_ah {
	struct ibv_ah ibv_ah;
	uint32_t ah_id;
};

static inline struct irdma_cq *to_irdma_cq(struct ibv_cq *cq)
{
	return container_of(cq, struct irdma_cq, vcq.cq);
}

static inline struct irdma_cq *to_irdma_cq_ex(struct ibv_cq_ex *cq)
{
	return container_of(cq, struct irdma_cq, vcq.cq_ex);
}

static inline struct irdma_qp *to_irdma_qp(struct ibv_qp *qp)
{
	return container_of(qp, struct irdma_qp, vqp.qp);
}

static inline struct irdma_qp *qp_ex_to_irdma_qp(struct ibv_qp_ex *qp)
{
	return container_of(qp, struct irdma_qp, vqp.qp_ex);
}

static inline struct irdma_srq *to_irdma_srq(struct ibv_srq *srq)
{
	return container_of(srq, struct irdma_srq, vsrq.srq);
}

static inline struct irdma_ah *to_irdma_ah(struct ibv_ah *ah)
{
	return container_of(ah, struct irdma_ah, ibv_ah);
}

/* Token layout: [63:40] serial, [39:20] recv CQ slot, [19:0] send CQ slot. */
#define IRDMA_TOKEN_SLOT_BITS 20
#define IRDMA_TOKEN_SLOT_MASK ((1u << IRDMA_TOKEN_SLOT_BITS) - 1)
#define IRDMA_CQ_MAX_QPS IRDMA_TOKEN_SLOT_MASK

static inline uint32_t irdma_token_send_slot(uint64_t token)
{
	return token & IRDMA_TOKEN_SLOT_MASK;
}

static inline uint32_t irdma_token_recv_slot(uint64_t token)
{
	return (token >> IRDMA_TOKEN_SLOT_BITS) & IRDMA_TOKEN_SLOT_MASK;
}

/* The files below, bottom layer first (providers/irdma/CMakeLists.txt). */

/* cq_ring.c */
/* Ring entries for an application's cqe count. */
uint32_t irdma_cq_ring_entries(const struct irdma_context *ctx, int cqe);
/*
 * The CQE ring (of `entries` entries, from cq->policy_pd's memory) and the
 * shadow area of a new CQ; sets cq->ring, cq->shadow and cq->cqe_stride.
 * Returns 0 or an errno, with nothing left allocated.
 */
int irdma_cq_rings_create(struct irdma_cq *cq, uint32_t entries);
/* Release every ring of a destroyed CQ (safe after a failed create). */
void irdma_cq_rings_destroy(struct irdma_cq *cq);
/* The new ring of a resize, not yet installed. */
int irdma_cq_resize_ring_create(struct irdma_cq *cq, uint32_t entries,
				struct irdma_cq_ring **out);
void irdma_cq_ring_release(struct irdma_context *ctx, struct irdma_cq_ring *r);
/* Install a resize's new ring (CQ lock held); the old one waits if busy. */
void irdma_cq_ring_replace(struct irdma_cq *cq, struct irdma_cq_ring *nr);
/* Free resize leftovers before `upto` (all if NULL); CQ lock held. */
void irdma_cq_retire_rings(struct irdma_cq *cq, struct irdma_cq_ring *upto);
/* Make the CQEs of a destroyed QP's token name nothing; CQ lock held. */
void irdma_cq_rings_forget(struct irdma_cq *cq, uint64_t token);

/* wq_ring.c */
/* The ring layout of a QP: SQ and RQ size class and depth, in bytes too. */
struct irdma_qp_sizes {
	uint8_t sq_shift, rq_shift;
	uint32_t sq_depth, rq_depth; /* quanta */
	size_t sq_bytes, rq_bytes;
};

/* The ring layout of an SRQ. */
struct irdma_srq_sizes {
	uint8_t shift; /* WQE = 32 << shift bytes */
	uint32_t depth; /* quanta */
	size_t bytes; /* of WQEs, before the shadow area */
};

int irdma_qp_ring_sizes(const struct irdma_context *ctx,
			const struct ibv_qp_cap *cap, struct irdma_qp_sizes *s);
int irdma_srq_ring_sizes(const struct irdma_context *ctx,
			 const struct ibv_srq_attr *a,
			 struct irdma_srq_sizes *s);
/*
 * Allocate (from pd's memory), lay out and register the ring; 0 or an
 * errno with nothing left allocated.
 */
int irdma_qp_ring_create(struct irdma_qp *qp, struct ibv_pd *pd,
			 const struct irdma_qp_sizes *s);
int irdma_srq_ring_create(struct irdma_srq *srq, struct ibv_pd *pd,
			  const struct irdma_srq_sizes *s);
void irdma_qp_ring_release(struct irdma_qp *qp);
void irdma_srq_ring_release(struct irdma_srq *srq);

/* push.c: gen 2 push mode. */
int irdma_modify_qp_push(struct irdma_qp *qp, struct ibv_qp_attr *attr,
			 int attr_mask);
void irdma_qp_push_release(struct irdma_qp *qp);
void irdma_sq_push_doorbell(struct irdma_qp *qp);

/* post_send.c */
int irdma_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
		    struct ibv_send_wr **bad_wr);

/* wr_api.c */
void irdma_qp_init_wr_ops(struct irdma_qp *qp, uint64_t send_ops_flags);

/* post_recv.c */
int irdma_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
		    struct ibv_recv_wr **bad_wr);
int irdma_post_srq_recv(struct ibv_srq *srq, struct ibv_recv_wr *wr,
			struct ibv_recv_wr **bad_wr);

/* poll.c */
int irdma_poll_cq(struct ibv_cq *cq, int ne, struct ibv_wc *wc);
void irdma_cq_init_ex_ops(struct irdma_cq *cq, uint64_t wc_flags);

/* cq.c */
struct ibv_cq *irdma_create_cq(struct ibv_context *ibctx, int cqe,
			       struct ibv_comp_channel *channel,
			       int comp_vector);
struct ibv_cq_ex *irdma_create_cq_ex(struct ibv_context *ibctx,
				     struct ibv_cq_init_attr_ex *attr);
int irdma_destroy_cq(struct ibv_cq *cq);
int irdma_resize_cq(struct ibv_cq *cq, int cqe);
int irdma_req_notify_cq(struct ibv_cq *cq, int solicited_only);
void irdma_cq_event(struct ibv_cq *cq);
int irdma_cq_add_qp(struct irdma_cq *cq, struct irdma_qp *qp, uint32_t *slot);
void irdma_cq_remove_qp(struct irdma_cq *cq, uint32_t slot, uint64_t token);

/* qp.c */
struct ibv_qp *irdma_create_qp(struct ibv_pd *pd,
			       struct ibv_qp_init_attr *attr);
struct ibv_qp *irdma_create_qp_ex(struct ibv_context *ibctx,
				  struct ibv_qp_init_attr_ex *attr);
int irdma_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask,
		   struct ibv_qp_init_attr *init_attr);
int irdma_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask);
int irdma_destroy_qp(struct ibv_qp *qp);

/* srq.c */
struct ibv_srq *irdma_create_srq(struct ibv_pd *pd,
				 struct ibv_srq_init_attr *attr);
int irdma_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr,
		     int attr_mask);
int irdma_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr);
int irdma_destroy_srq(struct ibv_srq *srq);

/* ah.c */
struct ibv_ah *irdma_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr);
int irdma_destroy_ah(struct ibv_ah *ah);

/* mw.c */
struct ibv_mw *irdma_alloc_mw(struct ibv_pd *pd, enum ibv_mw_type type);
int irdma_bind_mw(struct ibv_qp *qp, struct ibv_mw *mw,
		  struct ibv_mw_bind *bind);
int irdma_dealloc_mw(struct ibv_mw *mw);

/* datapath.c */
void irdma_async_event(struct ibv_context *ibctx,
		       struct ibv_async_event *event);

#endif /* IRDMA_PROVIDER_QUEUES_H */
