// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Completion polling: ibv_poll_cq and the extended (ibv_cq_ex) polling API.
 *
 * A CQE is device memory and may be garbage or hostile. Nothing in it is
 * used as a pointer: the completion context names a QP only through the
 * token the provider gave the kernel, which is looked up in this CQ's own
 * table; WQE indexes are checked against the queue's in-flight window
 * before any provider array is indexed with them. A CQE that fails a check
 * is consumed and reported as IBV_WC_GENERAL_ERR, naming no work request
 * and no QP (wr_id and qp_num 0).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <util/udma_barrier.h>

#include "debug.h"
#include "hw_format.h"
#include "queues.h"

/* vendor_err of a CQE the provider rejected (not a device error code). */
#define IRDMA_VENDOR_ERR_BAD_CQE 0xbadc0e
/* The longest message irdma devices send or take (their max_msg_sz). */
#define IRDMA_MAX_MSG_LEN 0x7fffffffu

/* poll_ring() results besides 0 (a completion was produced) */
#define POLL_EMPTY ENOENT /* no new CQE */
#define POLL_SKIPPED EAGAIN /* a CQE was consumed without a completion */

/* What one CQE says, read once from device memory. */
struct cqe_view {
	uint64_t w0, w1, w2, w3;
	uint64_t w4, w5, w6, w7; /* extended half, if has_ext */
	bool has_ext;
	unsigned int slots; /* ring entries the CQE occupies */
};

static enum ibv_wc_status flush_code_to_status(uint32_t code)
{
	switch (code) {
	case IRDMA_FLUSH_GENERAL:
		return IBV_WC_WR_FLUSH_ERR;
	case IRDMA_FLUSH_PROT:
		return IBV_WC_LOC_PROT_ERR;
	case IRDMA_FLUSH_REM_ACCESS:
		return IBV_WC_REM_ACCESS_ERR;
	case IRDMA_FLUSH_LOC_QP_OP:
		return IBV_WC_LOC_QP_OP_ERR;
	case IRDMA_FLUSH_REM_OP:
		return IBV_WC_REM_OP_ERR;
	case IRDMA_FLUSH_LOC_LEN:
		return IBV_WC_LOC_LEN_ERR;
	case IRDMA_FLUSH_MW_BIND:
		return IBV_WC_MW_BIND_ERR;
	case IRDMA_FLUSH_REM_INV_REQ:
		return IBV_WC_REM_INV_REQ_ERR;
	case IRDMA_FLUSH_RETRY_EXC:
		return IBV_WC_RETRY_EXC_ERR;
	case IRDMA_FLUSH_RNR_RETRY_EXC:
		return IBV_WC_RNR_RETRY_EXC_ERR;
	default:
		return IBV_WC_FATAL_ERR;
	}
}

/*
 * SRQ flushes carry the asynchronous event id that killed the QP in the
 * minor code; classify it the way the kernel classifies QP errors. Ids
 * not listed are general flushes.
 */
static const struct {
	uint16_t first, last; /* range of async event ids */
	uint8_t code;
} ae_flush_map[] = {
	{ 0x0102, 0x010a, IRDMA_FLUSH_PROT },
	{ 0x011c, 0x011c, IRDMA_FLUSH_PROT },
	{ 0x0112, 0x0112, IRDMA_FLUSH_REM_ACCESS },
	{ 0x020d, 0x020d, IRDMA_FLUSH_REM_ACCESS },
	{ 0x0114, 0x0114, IRDMA_FLUSH_MW_BIND },
	{ 0x0118, 0x0119, IRDMA_FLUSH_MW_BIND },
	{ 0x011b, 0x011b, IRDMA_FLUSH_MW_BIND },
	{ 0x0132, 0x0132, IRDMA_FLUSH_LOC_LEN },
	{ 0x0134, 0x0135, IRDMA_FLUSH_LOC_LEN },
	{ 0x0303, 0x0303, IRDMA_FLUSH_LOC_LEN },
	{ 0x0305, 0x0305, IRDMA_FLUSH_LOC_LEN },
	{ 0x0133, 0x0133, IRDMA_FLUSH_LOC_QP_OP },
	{ 0x020a, 0x020a, IRDMA_FLUSH_LOC_QP_OP },
	{ 0x0208, 0x0208, IRDMA_FLUSH_REM_INV_REQ },
	{ 0x020e, 0x020e, IRDMA_FLUSH_REM_OP },
	{ 0x0316, 0x0316, IRDMA_FLUSH_REM_OP },
	{ 0x0505, 0x0505, IRDMA_FLUSH_REM_OP },
	{ 0x0507, 0x0507, IRDMA_FLUSH_REM_OP },
	{ 0x050a, 0x050a, IRDMA_FLUSH_RETRY_EXC },
	{ 0x050f, 0x050f, IRDMA_FLUSH_RNR_RETRY_EXC },
	{ 0x0700, 0x0700, IRDMA_FLUSH_FATAL },
	{ 0x0703, 0x0705, IRDMA_FLUSH_FATAL },
};

static uint32_t async_event_to_flush_code(uint32_t ae)
{
	size_t i;

	for (i = 0; i < sizeof(ae_flush_map) / sizeof(ae_flush_map[0]); i++)
		if (ae >= ae_flush_map[i].first && ae <= ae_flush_map[i].last)
			return ae_flush_map[i].code;
	return IRDMA_FLUSH_GENERAL;
}

static enum ibv_wc_opcode sq_op_to_wc(uint8_t hw_op, bool *known)
{
	*known = true;
	switch (hw_op) {
	case IRDMA_HWOP_RDMA_WRITE:
	case IRDMA_HWOP_RDMA_WRITE_SOL:
		return IBV_WC_RDMA_WRITE;
	case IRDMA_HWOP_RDMA_READ:
	case IRDMA_HWOP_READ_LOCAL_INV:
		return IBV_WC_RDMA_READ;
	case IRDMA_HWOP_SEND:
	case IRDMA_HWOP_SEND_INV:
	case IRDMA_HWOP_SEND_SOL:
	case IRDMA_HWOP_SEND_SOL_INV:
		return IBV_WC_SEND;
	case IRDMA_HWOP_BIND_MW:
		return IBV_WC_BIND_MW;
	case IRDMA_HWOP_ATOMIC_CMP_SWAP:
		return IBV_WC_COMP_SWAP;
	case IRDMA_HWOP_ATOMIC_FETCH_ADD:
		return IBV_WC_FETCH_ADD;
	case IRDMA_HWOP_LOCAL_INV:
		return IBV_WC_LOCAL_INV;
	default:
		*known = false;
		return IBV_WC_SEND;
	}
}

static enum ibv_wc_opcode rq_op_to_wc(const struct irdma_qp *qp, uint8_t cqe_op,
				      bool imm_valid)
{
	if (qp->gen >= IRDMA_GEN_3)
		return (cqe_op == IRDMA_HWOP_RDMA_WRITE ||
			cqe_op == IRDMA_HWOP_RDMA_WRITE_SOL) ?
			       IBV_WC_RECV_RDMA_WITH_IMM :
			       IBV_WC_RECV;
	/* iWARP has no send with immediate: immediate data means a write */
	if (!(qp->qp_caps & IRDMA_SEND_WITH_IMM_CAP))
		return imm_valid ? IBV_WC_RECV_RDMA_WITH_IMM : IBV_WC_RECV;
	return (cqe_op == IRDMA_BTH_OP_RDMA_WRITE_ONLY_IMM ||
		cqe_op == IRDMA_BTH_OP_RDMA_WRITE_LAST_IMM) ?
		       IBV_WC_RECV_RDMA_WITH_IMM :
		       IBV_WC_RECV;
}

/* Read the CQE at the ring's head; false if it is not (fully) there yet. */
static inline bool read_cqe(const struct irdma_cq *cq,
			    const struct irdma_cq_ring *r, struct cqe_view *v)
{
	const __le64 *c =
		(const __le64 *)(r->cqes + (size_t)r->head * cq->cqe_stride);
	const __le64 *e;
	uint8_t ext_pol = r->polarity;

	v->w3 = hw_rd64(c, 3);
	if (FIELD_GET(IRDMA_CQE3_VALID, v->w3) != r->polarity)
		return false;
	/* nothing else of the CQE may be read before its valid bit */
	udma_from_device_barrier();

	v->has_ext = v->w3 & IRDMA_CQE3_EXTENDED;
	v->slots = 1;
	if (v->has_ext) {
		if (cq->cqe_stride == IRDMA_CQE64_BYTES) {
			e = c + 4;
		} else {
			uint32_t n = (r->head + 1) % r->entries;

			e = (const __le64 *)(r->cqes +
					     (size_t)n * IRDMA_CQE_BYTES);
			if (n == 0)
				ext_pol ^= 1;
			v->slots = 2;
		}
		v->w7 = hw_rd64(e, 3);
		if (FIELD_GET(IRDMA_CQE7_VALID, v->w7) != ext_pol)
			return false;
		udma_from_device_barrier();
		v->w4 = hw_rd64(e, 0);
		v->w5 = hw_rd64(e, 1);
		v->w6 = hw_rd64(e, 2);
	} else if (cq->cqe_stride == IRDMA_CQE64_BYTES) {
		/* a 64-byte CQE always carries word 5 (SRQ completions) */
		v->w5 = hw_rd64(c, 5);
		v->w4 = v->w6 = v->w7 = 0;
	} else {
		v->w4 = v->w5 = v->w6 = v->w7 = 0;
	}
	v->w0 = hw_rd64(c, 0);
	v->w1 = hw_rd64(c, 1);
	v->w2 = hw_rd64(c, 2);
	return true;
}

static inline void ring_step(struct irdma_cq_ring *r)
{
	if (++r->head == r->entries) {
		r->head = 0;
		r->polarity ^= 1;
	}
}

static inline void consume_cqe(struct irdma_cq *cq, struct irdma_cq_ring *r,
			       unsigned int slots)
{
	ring_step(r);
	/* an extended CQE in a 32-byte ring takes a second entry */
	if (slots == 2)
		ring_step(r);
	cq->parked = false;
	hw_wr64(cq->shadow, IRDMA_CQ_SHADOW_HEAD_WORD, r->head);
}

static inline struct irdma_qp *lookup_qp(struct irdma_cq *cq, uint64_t token,
					 bool sq)
{
	uint32_t slot = sq ? irdma_token_send_slot(token) :
			     irdma_token_recv_slot(token);
	struct irdma_qp *qp;

	if (!slot || slot >= cq->qps_cap)
		return NULL;
	qp = cq->qps[slot];
	return (qp && qp->token == token) ? qp : NULL;
}

static void report_bad_cqe(const struct irdma_cq *cq, const struct cqe_view *v,
			   struct ibv_wc *wc)
{
	irdma_warn(
		&cq->ctx->ibv_ctx,
		"CQ %u: rejected a CQE (words %016llx %016llx %016llx %016llx): it names no QP or WQE of this CQ",
		cq->cq_id, (unsigned long long)v->w0, (unsigned long long)v->w1,
		(unsigned long long)v->w2, (unsigned long long)v->w3);
	/*
	 * No wr_id and no QP either: the QP number in the CQE is the
	 * device's word and could name any QP of the application.
	 */
	memset(wc, 0, sizeof(*wc));
	wc->status = IBV_WC_GENERAL_ERR;
	wc->vendor_err = IRDMA_VENDOR_ERR_BAD_CQE;
}

/*
 * Status of a CQE with its error bit set (kept out of the success path);
 * *flushed tells whether it is a flush completion.
 */
static enum ibv_wc_status cqe_error_status(struct irdma_cq *cq,
					   const struct irdma_qp *qp,
					   const struct cqe_view *v, bool sq,
					   bool *flushed, uint32_t *vendor_err)
{
	uint32_t major = FIELD_GET(IRDMA_CQE3_MAJOR_ERR, v->w3);
	uint32_t minor = FIELD_GET(IRDMA_CQE3_MINOR_ERR, v->w3);

	*flushed = false;
	*vendor_err = major << 16 | minor;
	if (major == IRDMA_MAJOR_SRQ_FLUSH) {
		*flushed = true;
		minor = async_event_to_flush_code(minor);
	} else if (major == IRDMA_MAJOR_FLUSH) {
		*flushed = true;
	} else if (sq && qp->vqp.qp.qp_type == IBV_QPT_UD &&
		   (major & IRDMA_MAJOR_INFO_NIBBLE_MASK) ==
			   IRDMA_MAJOR_INFO_NIBBLE) {
		/* informational on UD sends: the send itself went out */
		*vendor_err = 0;
		return IBV_WC_SUCCESS;
	} else {
		return IBV_WC_GENERAL_ERR;
	}
	/*
	 * While a gen 1/2 flush CQE is parked, only the first WQE reported
	 * from it carries the real reason; the rest are plain flushes.
	 */
	if (cq->parked)
		minor = IRDMA_FLUSH_GENERAL;
	return flush_code_to_status(minor);
}

/*
 * A received message longer than @limit (the buffers posted for it, or
 * the longest message there is) cannot be: report it as a length error,
 * claiming no bytes.
 */
static inline void check_recv_len(struct ibv_wc *wc, uint32_t limit)
{
	if (wc->status == IBV_WC_SUCCESS && wc->byte_len > limit) {
		wc->status = IBV_WC_LOC_LEN_ERR;
		wc->vendor_err = IRDMA_VENDOR_ERR_BAD_CQE;
		wc->byte_len = 0;
	}
}

/*
 * One SRQ entry is free again. Pollers of other CQs whose QPs share the
 * SRQ do the same without our CQ lock: a plain read-modify-write of the
 * tail would lose some of these, and the SRQ would fill up for good.
 */
static void srq_release_entry(struct irdma_srq *srq)
{
	uint32_t tail = __atomic_load_n(&srq->pos.tail, __ATOMIC_RELAXED);

	do {
		if (tail == __atomic_load_n(&srq->pos.head, __ATOMIC_ACQUIRE))
			return;
	} while (!__atomic_compare_exchange_n(
		&srq->pos.tail, &tail, (tail + 1) % srq->pos.size, true,
		__ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/* SRQ completion: word 1 must name a posted slot of this SRQ by its tag. */
static int complete_srq_recv(struct irdma_qp *qp, const struct cqe_view *v,
			     struct ibv_wc *wc, uint32_t *posted_len)
{
	struct irdma_srq *srq = qp->srq;
	uint32_t idx = (uint32_t)v->w1, tag = (uint32_t)(v->w1 >> 32);
	struct irdma_srq_slot *slot;
	uint64_t wr_id;
	uint32_t len;

	/* tag 0 marks a free slot: no CQE may name it */
	if (!srq || idx >= srq->pos.size || !tag)
		return EINVAL;
	slot = &srq->slots[idx];
	if (__atomic_load_n(&slot->tag, __ATOMIC_ACQUIRE) != tag)
		return EINVAL;
	/* a poster refills the slot as soon as it is free: read it first */
	wr_id = __atomic_load_n(&slot->wr_id, __ATOMIC_RELAXED);
	len = __atomic_load_n(&slot->len, __ATOMIC_RELAXED);
	/*
	 * QPs on different CQs share the SRQ: only one poller may complete
	 * this posting of the slot, and only while it is still this one.
	 */
	if (!__atomic_compare_exchange_n(&slot->tag, &tag, 0, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return EINVAL;
	wc->wr_id = wr_id;
	wc->byte_len = FIELD_GET(IRDMA_CQE0_PAYLOAD_LEN, v->w0);
	*posted_len = len;
	srq_release_entry(srq);
	return 0;
}

/* Returns 0, POLL_SKIPPED, or EINVAL for a CQE that names a bad WQE. */
static inline int complete_recv(struct irdma_cq *cq, struct irdma_qp *qp,
				const struct cqe_view *v, bool flushed,
				struct ibv_wc *wc, bool *park,
				uint32_t *posted_len)
{
	/*
	 * The RQ as the poster published it (release, before the valid
	 * bit): this lock is the CQ's, not the QP's.
	 */
	struct irdma_wq_pos rq = {
		.head = __atomic_load_n(&qp->rq_pos.head, __ATOMIC_ACQUIRE),
		.tail = qp->rq_pos.tail,
		.size = qp->rq_pos.size,
	};
	struct irdma_wq_pos *p = &rq;
	uint32_t wqe_idx = FIELD_GET(IRDMA_CQE3_WQE_IDX, v->w3);
	uint32_t idx;

	if (flushed || wc->status != IBV_WC_SUCCESS) {
		/* a flush (or unknown error) completes the oldest receive */
		if (!irdma_wq_used(p))
			return POLL_SKIPPED;
		idx = p->tail;
	} else {
		if (wqe_idx & ((1u << qp->rq_shift) - 1))
			return EINVAL;
		idx = wqe_idx >> qp->rq_shift;
		/*
		 * A QP's receives complete in order: a CQE naming any but the
		 * oldest would retire the ones before it unreported.
		 */
		if (idx != p->tail || !irdma_wq_used(p))
			return EINVAL;
	}
	wc->wr_id = qp->rq_slots[idx].wr_id;
	wc->byte_len = FIELD_GET(IRDMA_CQE0_PAYLOAD_LEN, v->w0);
	*posted_len = qp->rq_slots[idx].len;
	p->tail = (idx + 1) % p->size;
	/* the poster reuses the slot once it sees this: we are done with it */
	__atomic_store_n(&qp->rq_pos.tail, p->tail, __ATOMIC_RELEASE);
	if (flushed) {
		qp->rq_flushed = true;
		/* gen 1/2: one flush CQE stands for all remaining receives */
		*park = irdma_wq_used(p) && cq->gen <= IRDMA_GEN_2;
	}
	return 0;
}

/*
 * The SQ completes in order, and a CQE also retires the unsignalled WQEs
 * before the one it names (no CQE is written for those). A signalled WQE
 * among them would never be reported: no device writes such a CQE.
 */
static __attribute__((noinline)) bool
sq_unsignaled_before(const struct irdma_qp *qp, const struct irdma_wq_pos *p,
		     uint32_t wqe_idx)
{
	uint32_t i = p->tail, n = (wqe_idx + p->size - p->tail) % p->size;
	const struct irdma_sq_slot *s;

	while (n) {
		s = &qp->sq_slots[i];
		if (!s->quanta || s->quanta > n || s->signaled)
			return false;
		n -= s->quanta;
		i = (i + s->quanta) % p->size;
	}
	return true;
}

/* complete_send() on p, the poller's view of the SQ. */
static inline int complete_send_in(struct irdma_cq *cq, struct irdma_qp *qp,
				   struct irdma_wq_pos *p,
				   const struct cqe_view *v, bool flushed,
				   struct ibv_wc *wc, bool *park)
{
	uint32_t wqe_idx = FIELD_GET(IRDMA_CQE3_WQE_IDX, v->w3);
	const struct irdma_sq_slot *s;
	bool known;

	if (qp->skip_conn_cqes) {
		if (wqe_idx + 1 >= qp->conn_wqes)
			qp->skip_conn_cqes = false;
		/* completions of the kernel's connection set-up WQEs */
		if (wqe_idx < qp->conn_wqes && !irdma_wq_used(p))
			return POLL_SKIPPED;
	}

	if (!flushed) {
		if (!irdma_wq_in_flight(p, wqe_idx))
			return EINVAL;
		s = &qp->sq_slots[wqe_idx];
		if (!s->quanta || (wqe_idx != p->tail &&
				   !sq_unsignaled_before(qp, p, wqe_idx)))
			return EINVAL;
		p->tail = (wqe_idx + s->quanta) % p->size;
	} else {
		/* report the oldest outstanding WQE that is not padding */
		for (;;) {
			if (!irdma_wq_used(p))
				return POLL_SKIPPED;
			s = &qp->sq_slots[p->tail];
			if (!s->quanta) {
				/* provider bookkeeping broken: stop */
				p->tail = p->head;
				return EINVAL;
			}
			p->tail = (p->tail + s->quanta) % p->size;
			if (s->hw_op != IRDMA_HWOP_NOP)
				break;
		}
		qp->sq_flushed = true;
		*park = irdma_wq_used(p) && cq->gen <= IRDMA_GEN_2;
	}
	wc->wr_id = s->wr_id;
	wc->byte_len = s->bytes;
	wc->opcode = sq_op_to_wc(s->hw_op, &known);
	if (!known && wc->status == IBV_WC_SUCCESS)
		wc->status = IBV_WC_GENERAL_ERR;
	return 0;
}

/*
 * The SQ is seen up to the head the poster showed, not its own head: that
 * one runs ahead while a WQE is being written and over a whole ibv_wr_*
 * batch until it is completed (the SQ lock is not held here).
 */
static inline int complete_send(struct irdma_cq *cq, struct irdma_qp *qp,
				const struct cqe_view *v, bool flushed,
				struct ibv_wc *wc, bool *park)
{
	struct irdma_wq_pos view = {
		.head = __atomic_load_n(&qp->sq_poll_head, __ATOMIC_ACQUIRE),
		.tail = qp->sq_pos.tail,
		.size = qp->sq_pos.size,
	};
	int ret = complete_send_in(cq, qp, &view, v, flushed, wc, park);

	/* the poster reuses the slots once it sees this: we are done */
	__atomic_store_n(&qp->sq_pos.tail, view.tail, __ATOMIC_RELEASE);
	return ret;
}

/*
 * Opcode, flags, immediate data or invalidated key, and source QP of a
 * receive completion. False for a successful one that no device writes:
 * immediate data together with an invalidated key (no message carries
 * both; they share one field of ibv_wc), or a write with immediate that
 * has no immediate data, invalidates a key or arrived on a UD QP.
 */
static inline bool fill_recv_extras(const struct irdma_qp *qp,
				    const struct cqe_view *v, struct ibv_wc *wc)
{
	bool imm_valid = v->has_ext && (v->w7 & IRDMA_CQE7_IMM_VALID);
	unsigned int flags = 0;

	wc->opcode =
		rq_op_to_wc(qp, FIELD_GET(IRDMA_CQE3_OPCODE, v->w3), imm_valid);
	wc->imm_data = 0;
	if (imm_valid) {
		wc->imm_data =
			htobe32((uint32_t)FIELD_GET(IRDMA_CQE4_IMM_LOW, v->w4));
		flags = IBV_WC_WITH_IMM;
	}
	if (qp->vqp.qp.qp_type == IBV_QPT_UD) {
		wc->src_qp = FIELD_GET(IRDMA_CQE2_UD_SRC_QPN, v->w2) & 0xffffff;
		flags |= IBV_WC_GRH;
	} else if (v->w3 & IRDMA_CQE3_STAG_VALID) {
		wc->invalidated_rkey = FIELD_GET(IRDMA_CQE2_INV_STAG, v->w2);
		flags |= IBV_WC_WITH_INV;
	}
	wc->wc_flags = flags;
	/* the fields of an error completion mean nothing: it stands */
	if (__builtin_expect(wc->opcode == IBV_WC_RECV_RDMA_WITH_IMM ?
				     flags != IBV_WC_WITH_IMM :
				     imm_valid && (flags & IBV_WC_WITH_INV),
			     0))
		return wc->status != IBV_WC_SUCCESS;
	return true;
}

/*
 * Poll one CQE of ring r straight into wc: 0 (wc filled), POLL_EMPTY or
 * POLL_SKIPPED. Every field of wc is written on the way to 0.
 */
static inline __attribute__((always_inline)) int
poll_ring(struct irdma_cq *cq, struct irdma_cq_ring *r, struct ibv_wc *wc)
{
	struct cqe_view v;
	struct irdma_qp *qp;
	bool sq, srq, flushed = false, park = false;
	uint32_t vendor_err = 0;
	enum ibv_wc_status status = IBV_WC_SUCCESS;
	uint64_t token;
	int ret;

	if (!read_cqe(cq, r, &v))
		return POLL_EMPTY;

	sq = v.w3 & IRDMA_CQE3_SQ;
	srq = !sq && (v.w3 & IRDMA_CQE3_SRQ);
	if (srq && cq->cqe_stride != IRDMA_CQE64_BYTES && !v.has_ext)
		goto bad; /* no word 5 to name the QP */
	token = srq ? v.w5 : v.w1;
	if (!token) {
		/* its QP was destroyed and its CQEs forgotten */
		consume_cqe(cq, r, v.slots);
		return POLL_SKIPPED;
	}
	qp = lookup_qp(cq, token, sq);
	if (!qp)
		goto bad;

	if (v.w3 & IRDMA_CQE3_ERROR)
		status =
			cqe_error_status(cq, qp, &v, sq, &flushed, &vendor_err);
	wc->status = status;
	wc->vendor_err = vendor_err;
	wc->qp_num = qp->vqp.qp.qp_num;
	wc->pkey_index = 0;
	/* RoCE and iWARP have no LIDs, SLs or path bits */
	wc->slid = 0;
	wc->sl = 0;
	wc->dlid_path_bits = 0;
	/* only the extended API reads it; cheaper to keep than to test */
	cq->cur_ts = FIELD_GET(IRDMA_CQE0_STAT, v.w0);
	if (sq) {
		wc->src_qp = wc->qp_num;
		wc->wc_flags = 0;
		wc->imm_data = 0;
		ret = complete_send(cq, qp, &v, flushed, wc, &park);
	} else {
		uint32_t posted_len = 0;

		wc->src_qp = wc->qp_num;
		/* refused before it takes a receive: it names none */
		if (!fill_recv_extras(qp, &v, wc))
			goto bad;
		ret = srq ? complete_srq_recv(qp, &v, wc, &posted_len) :
			    complete_recv(cq, qp, &v, flushed, wc, &park,
					  &posted_len);
		/*
		 * Whatever the opcode: a message lands in the posted buffers,
		 * except a write with immediate, which puts none there (its
		 * length is the write's, into a region the application gave
		 * its peer).
		 */
		if (!ret)
			check_recv_len(wc, wc->opcode == IBV_WC_RECV ?
						   posted_len :
						   IRDMA_MAX_MSG_LEN);
	}
	if (ret == EINVAL)
		goto bad;
	if (park) {
		/* leave the CQE in place: it also stands for the next WQE */
		cq->parked = true;
		return ret;
	}
	consume_cqe(cq, r, v.slots);
	return ret;

bad:
	report_bad_cqe(cq, &v, wc);
	cq->cur_ts = 0;
	consume_cqe(cq, r, v.slots);
	return 0;
}

/*
 * Up to n completions from ring r into wcs. *seen tells whether the ring
 * had any CQE at all (a consumed CQE may produce no completion).
 */
static int poll_ring_n(struct irdma_cq *cq, struct irdma_cq_ring *r, int n,
		       struct ibv_wc *wcs, bool *seen)
{
	int got = 0, ret;

	while (got < n) {
		ret = poll_ring(cq, r, &wcs[got]);
		if (ret == POLL_EMPTY)
			break;
		*seen = true;
		if (!ret)
			got++;
	}
	return got;
}

/*
 * After a resize: rings left over are drained first, oldest first; once
 * the current ring produced a CQE they are all finished.
 */
static int poll_resized(struct irdma_cq *cq, int n, struct ibv_wc *wcs)
{
	struct irdma_cq_ring *r, *last_old = NULL;
	bool cur_seen = false, old_seen;
	int got = 0;

	for (r = cq->old_rings; r && got < n; r = r->next_old) {
		old_seen = false;
		got += poll_ring_n(cq, r, n - got, wcs + got, &old_seen);
		if (old_seen)
			last_old = r;
	}
	got += poll_ring_n(cq, cq->ring, n - got, wcs + got, &cur_seen);
	if (cq->old_rings && (cur_seen || last_old))
		irdma_cq_retire_rings(cq, cur_seen ? NULL : last_old);
	return got;
}

/* Poll up to n completions into wcs with the CQ lock held. */
static inline int poll_locked(struct irdma_cq *cq, int n, struct ibv_wc *wcs)
{
	bool seen = false;

	if (__builtin_expect(cq->old_rings != NULL, 0))
		return poll_resized(cq, n, wcs);
	return poll_ring_n(cq, cq->ring, n, wcs, &seen);
}

int irdma_poll_cq(struct ibv_cq *ibcq, int ne, struct ibv_wc *wc)
{
	struct irdma_cq *cq = to_irdma_cq(ibcq);
	int got;

	if (ne < 0)
		return -EINVAL;
	pthread_spin_lock(&cq->lock);
	got = poll_locked(cq, ne, wc);
	pthread_spin_unlock(&cq->lock);
	return got;
}

/* ---- extended polling -------------------------------------------------- */

static int ex_start_poll(struct ibv_cq_ex *ibcq, struct ibv_poll_cq_attr *attr)
{
	struct irdma_cq *cq = to_irdma_cq_ex(ibcq);

	if (attr->comp_mask)
		return EINVAL;
	pthread_spin_lock(&cq->lock);
	if (poll_locked(cq, 1, &cq->cur) != 1) {
		pthread_spin_unlock(&cq->lock);
		return ENOENT;
	}
	ibcq->wr_id = cq->cur.wr_id;
	ibcq->status = cq->cur.status;
	return 0;
}

static int ex_next_poll(struct ibv_cq_ex *ibcq)
{
	struct irdma_cq *cq = to_irdma_cq_ex(ibcq);

	if (poll_locked(cq, 1, &cq->cur) != 1)
		return ENOENT;
	ibcq->wr_id = cq->cur.wr_id;
	ibcq->status = cq->cur.status;
	return 0;
}

static void ex_end_poll(struct ibv_cq_ex *ibcq)
{
	pthread_spin_unlock(&to_irdma_cq_ex(ibcq)->lock);
}

static enum ibv_wc_opcode ex_read_opcode(struct ibv_cq_ex *ibcq)
{
	return to_irdma_cq_ex(ibcq)->cur.opcode;
}

static uint32_t ex_read_vendor_err(struct ibv_cq_ex *ibcq)
{
	return to_irdma_cq_ex(ibcq)->cur.vendor_err;
}

static uint32_t ex_read_byte_len(struct ibv_cq_ex *ibcq)
{
	return to_irdma_cq_ex(ibcq)->cur.byte_len;
}

/* ibv_wc_read_invalidated_rkey() reads through this one too (a union). */
static __be32 ex_read_imm_data(struct ibv_cq_ex *ibcq)
{
	return to_irdma_cq_ex(ibcq)->cur.imm_data;
}

static uint32_t ex_read_qp_num(struct ibv_cq_ex *ibcq)
{
	return to_irdma_cq_ex(ibcq)->cur.qp_num;
}

static uint32_t ex_read_src_qp(struct ibv_cq_ex *ibcq)
{
	return to_irdma_cq_ex(ibcq)->cur.src_qp;
}

static unsigned int ex_read_wc_flags(struct ibv_cq_ex *ibcq)
{
	return to_irdma_cq_ex(ibcq)->cur.wc_flags;
}

/*
 * RoCE and iWARP have no LIDs, SLs or path bits: the source LID, the SL and
 * the DLID path bits all read as zero.
 */
static uint32_t ex_read_zero32(struct ibv_cq_ex *ibcq)
{
	return 0;
}

static uint8_t ex_read_zero8(struct ibv_cq_ex *ibcq)
{
	return 0;
}

static uint64_t ex_read_completion_ts(struct ibv_cq_ex *ibcq)
{
	return to_irdma_cq_ex(ibcq)->cur_ts;
}

void irdma_cq_init_ex_ops(struct irdma_cq *cq, uint64_t wc_flags)
{
	struct ibv_cq_ex *e = &cq->vcq.cq_ex;

	cq->wc_flags_ex = wc_flags;
	e->start_poll = ex_start_poll;
	e->next_poll = ex_next_poll;
	e->end_poll = ex_end_poll;
	e->read_opcode = ex_read_opcode;
	e->read_vendor_err = ex_read_vendor_err;
	e->read_wc_flags = ex_read_wc_flags;
	/* the rest only when asked for, as the verbs contract says */
	if (wc_flags & IBV_WC_EX_WITH_BYTE_LEN)
		e->read_byte_len = ex_read_byte_len;
	if (wc_flags & IBV_WC_EX_WITH_IMM)
		e->read_imm_data = ex_read_imm_data;
	if (wc_flags & IBV_WC_EX_WITH_QP_NUM)
		e->read_qp_num = ex_read_qp_num;
	if (wc_flags & IBV_WC_EX_WITH_SRC_QP)
		e->read_src_qp = ex_read_src_qp;
	if (wc_flags & IBV_WC_EX_WITH_SLID)
		e->read_slid = ex_read_zero32;
	if (wc_flags & IBV_WC_EX_WITH_SL)
		e->read_sl = ex_read_zero8;
	if (wc_flags & IBV_WC_EX_WITH_DLID_PATH_BITS)
		e->read_dlid_path_bits = ex_read_zero8;
	if (wc_flags & IBV_WC_EX_WITH_COMPLETION_TIMESTAMP)
		e->read_completion_ts = ex_read_completion_ts;
}
