/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The send queue writer's primitives: taking quanta at the SQ head (NOP
 * padding so that no WQE straddles a chunk, the clear-ahead of a new page),
 * the slot that remembers a WQE for its completion, SGE and inline payload,
 * and the header written last. ibv_post_send's direct path (post_send.c)
 * and the descriptor writer (sq.c) are built from them; they are inline so
 * that the direct path pays no call per WQE. Everything here runs under
 * the SQ lock.
 */
#ifndef IRDMA_PROVIDER_SQ_H
#define IRDMA_PROVIDER_SQ_H

#include <string.h>

#include <util/udma_barrier.h>

#include "hw_format.h"
#include "queues.h"

/* Let pollers see the SQ up to its head (post_send.c, wr_api.c). */
static inline void irdma_sq_show_to_pollers(struct irdma_qp *qp)
{
	__atomic_store_n(&qp->sq_poll_head, qp->sq_pos.head, __ATOMIC_RELEASE);
}

/* sq.c: the out-of-line parts */
void irdma_sq_clear_ahead(struct irdma_qp *qp, uint32_t idx);
void irdma_sq_write_nops(struct irdma_qp *qp, uint32_t n);
void irdma_sq_put_inline_runs(uint8_t *base, const struct ibv_sge *sge,
			      uint32_t num_sge, bool gen1);

static inline __le64 *sq_wqe(struct irdma_qp *qp, uint32_t idx)
{
	return (__le64 *)(qp->sq + (size_t)idx * IRDMA_WQE_QUANTUM);
}

/* The head after n more quanta; *wrapped tells whether it passed the end. */
static inline uint32_t sq_head_after(const struct irdma_qp *qp, uint32_t n,
				     bool *wrapped)
{
	uint32_t head = qp->sq_pos.head + n;

	*wrapped = head >= qp->sq_pos.size;
	return *wrapped ? head - qp->sq_pos.size : head;
}

/*
 * Move the head past a WQE whose slot is written. Pollers of the send CQ
 * complete flushes up to the head they see, without the SQ lock: it
 * covers the WQE now, unless an ibv_wr_* batch holds the WQE back.
 */
static inline void sq_advance(struct irdma_qp *qp, uint32_t n)
{
	bool wrapped;

	qp->sq_pos.head = sq_head_after(qp, n, &wrapped);
	if (wrapped)
		qp->sq_polarity ^= 1;
	if (!qp->wr.open)
		irdma_sq_show_to_pollers(qp);
}

/*
 * Free quanta: the ring always keeps IRDMA_SQ_RESERVED_QUANTA - 1 unused.
 * The tail is the send CQ poller's (its lock, not ours): acquire, so that
 * its reads of the slots it retired come before we write them again.
 */
static inline int64_t sq_free_quanta(const struct irdma_qp *qp)
{
	uint32_t size = qp->sq_pos.size,
		 tail = __atomic_load_n(&qp->sq_pos.tail, __ATOMIC_ACQUIRE);

	return (int64_t)size - (qp->sq_pos.head + size - tail) % size -
	       (IRDMA_SQ_RESERVED_QUANTA - 1);
}

/*
 * The header bits every work request WQE of this QP carries at the
 * current position: the valid bit of the pass being written, and the push
 * bit while a push page is mapped. Every work request's header is built on
 * top of this (NOP padding only takes the valid bit).
 */
static inline uint64_t sq_hdr_bits(const struct irdma_qp *qp)
{
	return FIELD_PREP(IRDMA_WQEH_VALID, qp->sq_polarity_at_wqe) |
	       qp->push_hdr;
}

/* Gen 2+ SGEs without immediate data; returns ADDFRAGCNT. */
static inline uint32_t sq_put_sges(const struct irdma_qp *qp, __le64 *wqe,
				   const struct ibv_sge *sge, uint32_t n,
				   uint32_t *bytes)
{
	uint64_t total;
	uint32_t addl = hw_put_sges(
		wqe, sge, n,
		FIELD_PREP(IRDMA_FRAG_VALID, qp->sq_polarity_at_wqe),
		qp->gen == IRDMA_GEN_2, &total);

	/* a send's length wraps like the 32-bit sum the CQE reports */
	*bytes = (uint32_t)total;
	return addl;
}

/* The header goes last: its valid bit hands the whole WQE to the device. */
static inline void sq_set_header(__le64 *wqe, uint64_t hdr)
{
	udma_to_device_barrier();
	hw_wr64(wqe, 3, hdr);
}

/*
 * What the completion of the WQE at idx (just taken, at the head) will
 * need to know; then the head moves past its quanta.
 */
static inline void sq_slot_set(struct irdma_qp *qp, uint32_t idx,
			       uint64_t wr_id, uint32_t bytes, uint32_t quanta,
			       uint8_t hw_op, bool signaled)
{
	struct irdma_sq_slot *s = &qp->sq_slots[idx];

	s->wr_id = wr_id;
	s->bytes = bytes;
	s->quanta = quanta;
	s->hw_op = hw_op;
	s->signaled = signaled;
	sq_advance(qp, quanta);
}

/*
 * Take `quanta` quanta at the head (room already checked) and return the
 * WQE. Every quantum after the first gets a slot that no CQE may name.
 * The head itself moves once the WQE's slot is set (sq_slot_set).
 */
static inline __le64 *sq_take(struct irdma_qp *qp, uint32_t quanta,
			      uint32_t *idx_out)
{
	struct irdma_wq_pos *p = &qp->sq_pos;
	uint32_t idx = p->head, end = idx + quanta, i, next;
	bool wrapped;

	qp->sq_polarity_at_wqe = qp->sq_polarity;
	/* once per 128 quanta: rarely enough to stay out of line */
	if (__builtin_expect(idx % IRDMA_SQ_CLEAR_AHEAD == 0, 0))
		irdma_sq_clear_ahead(qp, idx);
	next = sq_head_after(qp, quanta, &wrapped);
	/* gen 1 reads quanta in pairs: the lone partner must read invalid */
	if (qp->gen == IRDMA_GEN_1 && quanta == 1 && (next & 1))
		hw_wr64(sq_wqe(qp, next), 3,
			FIELD_PREP(IRDMA_WQEH_VALID,
				   !(qp->sq_polarity ^ wrapped)));
	/* the chunk rule keeps a WQE inside the ring; the bound is for safety */
	if (end > p->size)
		end = p->size;
	for (i = idx + 1; i < end; i++)
		qp->sq_slots[i].quanta = 0;
	*idx_out = idx;
	return sq_wqe(qp, idx);
}

/* NOP quanta needed before a WQE of `quanta` quanta can start. */
static inline uint32_t sq_pad_needed(const struct irdma_qp *qp, uint32_t quanta)
{
	uint32_t head = qp->sq_pos.head, room;

	/* a single quantum always fits */
	if (quanta == 1)
		return 0;
	room = qp->sq_chunk - head % qp->sq_chunk;
	if (room > qp->sq_pos.size - head)
		room = qp->sq_pos.size - head;
	return quanta > room ? room : 0;
}

/*
 * Reserve `quanta` quanta for one WQE. A WQE must not straddle an SQ chunk
 * (or the ring's end): the rest of the chunk is padded with NOPs first.
 * Returns the WQE, or NULL if the SQ is full.
 */
static inline __attribute__((always_inline)) __le64 *
sq_reserve(struct irdma_qp *qp, uint32_t quanta, uint32_t *idx_out)
{
	uint32_t pad = sq_pad_needed(qp, quanta);

	if ((int64_t)(quanta + pad) > sq_free_quanta(qp))
		return NULL;
	if (pad)
		irdma_sq_write_nops(qp, pad);
	return sq_take(qp, quanta, idx_out);
}

/*
 * Saturating: lengths that wrap 32 bits must not pass as a small inline
 * message (the copy takes each SGE's own length).
 */
static inline uint32_t sq_sge_total(const struct ibv_sge *sge, uint32_t n)
{
	uint64_t t = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		t += sge[i].length;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static inline uint32_t sq_inline_quanta(uint8_t gen, uint32_t len)
{
	if (gen == IRDMA_GEN_1)
		return len <= IRDMA_GEN1_INLINE_FIRST ? 1 : 2;
	if (len <= IRDMA_INLINE_FIRST)
		return 1;
	return 1 + (len - IRDMA_INLINE_FIRST + IRDMA_INLINE_PER_QUANTUM - 1) /
			   IRDMA_INLINE_PER_QUANTUM;
}

/*
 * Gen 2+ inline payload from a single buffer, the common case: 8 bytes in
 * word 1, then 31 per quantum. Whole runs have a constant size, which the
 * compiler copies with a few moves instead of a call.
 */
static inline void sq_put_inline_one(uint8_t *base, const uint8_t *src,
				     uint32_t len)
{
	uint8_t *dst = base + IRDMA_WQE_QUANTUM;

	if (len <= IRDMA_INLINE_FIRST) {
		if (len) /* an empty SGE may carry no address at all */
			memcpy(base + IRDMA_INLINE_FIRST, src, len);
		return;
	}
	memcpy(base + IRDMA_INLINE_FIRST, src, IRDMA_INLINE_FIRST);
	src += IRDMA_INLINE_FIRST;
	len -= IRDMA_INLINE_FIRST;
	for (; len > IRDMA_INLINE_PER_QUANTUM;
	     len -= IRDMA_INLINE_PER_QUANTUM) {
		memcpy(dst, src, IRDMA_INLINE_PER_QUANTUM);
		src += IRDMA_INLINE_PER_QUANTUM;
		dst += IRDMA_WQE_QUANTUM;
	}
	memcpy(dst, src, len);
}

/* Inline payload and, on gen 2+, the valid byte of every further quantum. */
static inline void sq_put_inline(const struct irdma_qp *qp, __le64 *wqe,
				 const struct ibv_sge *sge, uint32_t num_sge,
				 uint32_t quanta)
{
	bool gen1 = qp->gen == IRDMA_GEN_1;
	uint8_t *base = (uint8_t *)wqe;
	uint32_t q;

	if (!gen1 && num_sge == 1)
		sq_put_inline_one(base, (const uint8_t *)(uintptr_t)sge[0].addr,
				  sge[0].length);
	else
		irdma_sq_put_inline_runs(base, sge, num_sge, gen1);
	if (gen1)
		return;
	for (q = 1; q < quanta; q++)
		base[q * IRDMA_WQE_QUANTUM + IRDMA_WQE_QUANTUM - 1] =
			qp->sq_polarity_at_wqe << IRDMA_INLINE_VALID_BYTE_SHIFT;
}

/* The SQ opcode of a verbs work request opcode (NOP: none). */
static inline uint8_t irdma_send_hw_op(enum ibv_wr_opcode op, bool sol)
{
	switch (op) {
	case IBV_WR_SEND:
	case IBV_WR_SEND_WITH_IMM:
		return sol ? IRDMA_HWOP_SEND_SOL : IRDMA_HWOP_SEND;
	case IBV_WR_SEND_WITH_INV:
		return sol ? IRDMA_HWOP_SEND_SOL_INV : IRDMA_HWOP_SEND_INV;
	case IBV_WR_RDMA_WRITE:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
		return sol ? IRDMA_HWOP_RDMA_WRITE_SOL : IRDMA_HWOP_RDMA_WRITE;
	case IBV_WR_RDMA_READ:
		return IRDMA_HWOP_RDMA_READ;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
		return IRDMA_HWOP_ATOMIC_CMP_SWAP;
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		return IRDMA_HWOP_ATOMIC_FETCH_ADD;
	case IBV_WR_LOCAL_INV:
		return IRDMA_HWOP_LOCAL_INV;
	case IBV_WR_BIND_MW:
		return IRDMA_HWOP_BIND_MW;
	default:
		return IRDMA_HWOP_NOP;
	}
}

/*
 * Write one WQE for d at the SQ head (no doorbell): the writer below
 * ibv_post_send's general path and the ibv_wr_* API. Returns 0 or an errno.
 */
int irdma_sq_write(struct irdma_qp *qp, const struct irdma_send_desc *d);
/* Can this QP carry the operation at all? 0 or an errno. */
int irdma_send_opcode_check(struct irdma_qp *qp, enum ibv_wr_opcode op);
/* Fill a window bind's descriptor; EINVAL for a bind irdma cannot do. */
int irdma_bind_desc(struct irdma_send_desc *d, struct ibv_mw *mw, uint32_t rkey,
		    const struct ibv_mw_bind_info *bi);

#endif /* IRDMA_PROVIDER_SQ_H */
