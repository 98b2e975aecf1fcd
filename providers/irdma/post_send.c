// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The send queue writer: turns one work request into an irdma SQ WQE
 * (sends, RDMA writes and reads, inline data, immediate data, invalidates,
 * atomics, memory window binds, NOP padding), and ibv_post_send on top.
 *
 * Fast path rules: no allocation, no system call, only the SQ lock. Every
 * WQE is complete in memory before the barrier that precedes its header
 * (which holds the valid bit); the doorbell follows another barrier.
 */
#include <errno.h>
#include <string.h>

#include <util/udma_barrier.h>

#include "hw_format.h"
#include "queues.h"

/* Largest fragment count of one WQE (13 SGEs + immediate, rounded). */
#define IRDMA_MAX_FRAGS 15u
/* Gen 1 inline: 16 bytes in the first quantum, 32 in the second. */
#define GEN1_INLINE_FIRST 16u
/* Gen 2+ inline: 8 bytes in the first quantum, 31 in each further one. */
#define INLINE_FIRST 8u
#define INLINE_PER_QUANTUM 31u

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
	return hwf_put(WQEH_VALID, qp->sq_polarity_at_wqe) | qp->push_hdr;
}

/* Gen 2+ SGEs without immediate data; returns ADDFRAGCNT. */
static inline uint32_t sq_put_sges(const struct irdma_qp *qp, __le64 *wqe,
				   const struct ibv_sge *sge, uint32_t n,
				   uint32_t *bytes)
{
	uint64_t total;
	uint32_t addl = hwf_put_sges(
		wqe, sge, n, hwf_put(FRAG_VALID, qp->sq_polarity_at_wqe),
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

/* Publish a header, or hold it back if an ibv_wr_* batch is open. */
static inline void sq_publish(struct irdma_qp *qp, __le64 *wqe, uint64_t hdr,
			      uint32_t idx)
{
	if (qp->wr.open && !qp->wr.first_wqe) {
		/* ibv_wr_*: the batch's first header waits for complete() */
		qp->wr.first_wqe = wqe;
		qp->wr.first_hdr = hdr;
		qp->wr.start_head = idx;
		qp->wr.start_polarity = qp->sq_polarity_at_wqe;
		return;
	}
	sq_set_header(wqe, hdr);
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
 * Make the 128 quanta that start a new 4 KiB page read as "not valid" for
 * the pass the device will find them in, before it may prefetch them.
 */
static void sq_clear_ahead(struct irdma_qp *qp, uint32_t idx)
{
	uint32_t size = qp->sq_pos.size;
	uint32_t target;
	int fill;

	if (size % IRDMA_SQ_CLEAR_AHEAD || size < 2 * IRDMA_SQ_CLEAR_AHEAD)
		return;
	target = (idx + IRDMA_SQ_CLEAR_AHEAD) % size;
	/* past the ring's end the device expects the other polarity */
	if (target)
		fill = qp->sq_polarity ? 0x00 : 0xff;
	else
		fill = qp->sq_polarity ? 0xff : 0x00;
	memset(sq_wqe(qp, target), fill,
	       IRDMA_SQ_CLEAR_AHEAD * IRDMA_WQE_QUANTUM);
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
		sq_clear_ahead(qp, idx);
	next = sq_head_after(qp, quanta, &wrapped);
	/* gen 1 reads quanta in pairs: the lone partner must read invalid */
	if (qp->gen == IRDMA_GEN_1 && quanta == 1 && (next & 1))
		hw_wr64(sq_wqe(qp, next), 3,
			hwf_put(WQEH_VALID, !(qp->sq_polarity ^ wrapped)));
	/* the chunk rule keeps a WQE inside the ring; the bound is for safety */
	if (end > p->size)
		end = p->size;
	for (i = idx + 1; i < end; i++)
		qp->sq_slots[i].quanta = 0;
	*idx_out = idx;
	return sq_wqe(qp, idx);
}

static void sq_write_nop(struct irdma_qp *qp)
{
	uint32_t idx;
	__le64 *wqe = sq_take(qp, 1, &idx);

	hw_wr64(wqe, 0, 0);
	hw_wr64(wqe, 1, 0);
	hw_wr64(wqe, 2, 0);
	sq_slot_set(qp, idx, 0, 0, 1, IRDMA_HWOP_NOP, false);
	/* padding carries no per-QP mode bits, only the valid bit */
	sq_set_header(wqe, hwf_put(WQEH_OPCODE, IRDMA_HWOP_NOP) |
				   hwf_put(WQEH_VALID, qp->sq_polarity_at_wqe));
}

static void sq_write_nops(struct irdma_qp *qp, uint32_t n)
{
	while (n--)
		sq_write_nop(qp);
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
		sq_write_nops(qp, pad);
	return sq_take(qp, quanta, idx_out);
}

static void put_frag(const struct irdma_qp *qp, __le64 *wqe, uint32_t off,
		     const struct ibv_sge *sge, uint8_t valid)
{
	static const struct ibv_sge none;
	unsigned int w = off / 8;

	if (!sge)
		sge = &none;
	if (qp->gen == IRDMA_GEN_1) {
		hw_wr64(wqe, w, sge->addr);
		hw_wr64(wqe, w + 1,
			hwf_put(FRAG_GEN1_LEN, sge->length) |
				hwf_put(FRAG_GEN1_STAG, sge->lkey));
		return;
	}
	hwf_put_frag(wqe, w, sge->addr, sge->length, sge->lkey,
		     hwf_put(FRAG_VALID, valid));
}

/*
 * Write the data fragments of a WQE. With immediate data, word 0 holds it
 * and the SGEs start at fragment 1. Returns the ADDFRAGCNT header value.
 */
static uint32_t put_frags(const struct irdma_qp *qp, __le64 *wqe,
			  const struct ibv_sge *sge, uint32_t num_sge,
			  bool imm_valid, uint32_t imm)
{
	uint32_t frags = num_sge + (imm_valid ? 1 : 0);
	uint32_t addl = frags > 1 ? frags - 1 : 0;
	uint32_t off = FRAGN_OFFSET(1), i, unused;
	uint8_t pol = qp->sq_polarity_at_wqe;

	if (!imm_valid && qp->gen != IRDMA_GEN_1)
		return sq_put_sges(qp, wqe, sge, num_sge, &unused);
	if (imm_valid) {
		hw_wr64(wqe, 0, imm);
		i = 0;
	} else {
		put_frag(qp, wqe, FRAG0_OFFSET, num_sge ? &sge[0] : NULL, pol);
		i = 1;
	}
	for (; i < num_sge; i++, off += 16)
		put_frag(qp, wqe, off, &sge[i], pol);
	/* gen 2+: an even count leaves half a quantum; mark it valid too */
	if (qp->gen >= IRDMA_GEN_2 && frags && !(frags & 1)) {
		put_frag(qp, wqe, off, NULL, pol);
		if (qp->gen == IRDMA_GEN_2)
			addl++;
	}
	return addl;
}

/*
 * Saturating: lengths that wrap 32 bits must not pass as a small inline
 * message (the copy takes each SGE's own length).
 */
static uint32_t sge_total(const struct ibv_sge *sge, uint32_t n)
{
	uint64_t t = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		t += sge[i].length;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static inline uint32_t inline_quanta(uint8_t gen, uint32_t len)
{
	if (gen == IRDMA_GEN_1)
		return len <= GEN1_INLINE_FIRST ? 1 : 2;
	if (len <= INLINE_FIRST)
		return 1;
	return 1 + (len - INLINE_FIRST + INLINE_PER_QUANTUM - 1) /
			   INLINE_PER_QUANTUM;
}

/*
 * Gen 2+ inline payload from a single buffer, the common case: 8 bytes in
 * word 1, then 31 per quantum. Whole runs have a constant size, which the
 * compiler copies with a few moves instead of a call.
 */
static inline void put_inline_one_v2(uint8_t *base, const uint8_t *src,
				     uint32_t len)
{
	uint8_t *dst = base + IRDMA_WQE_QUANTUM;

	if (len <= INLINE_FIRST) {
		if (len) /* an empty SGE may carry no address at all */
			memcpy(base + INLINE_FIRST, src, len);
		return;
	}
	memcpy(base + INLINE_FIRST, src, INLINE_FIRST);
	src += INLINE_FIRST;
	len -= INLINE_FIRST;
	for (; len > INLINE_PER_QUANTUM; len -= INLINE_PER_QUANTUM) {
		memcpy(dst, src, INLINE_PER_QUANTUM);
		src += INLINE_PER_QUANTUM;
		dst += IRDMA_WQE_QUANTUM;
	}
	memcpy(dst, src, len);
}

/*
 * Inline payload, in runs: gen 2+ put 8 bytes in word 1 (word 0 is for
 * immediate data) and 31 in each further quantum, whose last byte holds
 * that quantum's valid bit; gen 1 puts 16 bytes at the start and 32 in the
 * second quantum. Each run after the first starts at a quantum boundary.
 * A run may span SGEs.
 */
static void put_inline_runs(uint8_t *base, const struct ibv_sge *sge,
			    uint32_t num_sge, bool gen1)
{
	uint32_t per_quantum = gen1 ? IRDMA_WQE_QUANTUM : INLINE_PER_QUANTUM;
	uint32_t off = gen1 ? 0 : INLINE_FIRST;
	uint32_t room = gen1 ? GEN1_INLINE_FIRST : INLINE_FIRST;
	uint32_t i;

	for (i = 0; i < num_sge; i++) {
		const uint8_t *src = (const uint8_t *)(uintptr_t)sge[i].addr;
		uint32_t left = sge[i].length;

		while (left) {
			uint32_t run = left < room ? left : room;

			memcpy(base + off, src, run);
			src += run;
			off += run;
			left -= run;
			room -= run;
			if (!room) {
				off = (off + IRDMA_WQE_QUANTUM - 1) &
				      ~(IRDMA_WQE_QUANTUM - 1);
				room = per_quantum;
			}
		}
	}
}

/* Inline payload and, on gen 2+, the valid byte of every further quantum. */
static inline void put_inline(const struct irdma_qp *qp, __le64 *wqe,
			      const struct ibv_sge *sge, uint32_t num_sge,
			      uint32_t quanta)
{
	bool gen1 = qp->gen == IRDMA_GEN_1;
	uint8_t *base = (uint8_t *)wqe;
	uint32_t q;

	if (!gen1 && num_sge == 1)
		put_inline_one_v2(base, (const uint8_t *)(uintptr_t)sge[0].addr,
				  sge[0].length);
	else
		put_inline_runs(base, sge, num_sge, gen1);
	if (gen1)
		return;
	for (q = 1; q < quanta; q++)
		base[q * IRDMA_WQE_QUANTUM + IRDMA_WQE_QUANTUM - 1] =
			qp->sq_polarity_at_wqe << INLINE_VALID_BYTE_SHIFT;
}

static uint64_t hdr_common(const struct irdma_qp *qp,
			   const struct irdma_send_desc *d)
{
	return hwf_put(WQEH_OPCODE, d->hw_op) |
	       hwf_put(WQEH_READFENCE, d->fence) |
	       hwf_put(WQEH_SIGNALED, d->signaled) | sq_hdr_bits(qp);
}

static bool is_send_op(uint8_t op)
{
	return op == IRDMA_HWOP_SEND || op == IRDMA_HWOP_SEND_INV ||
	       op == IRDMA_HWOP_SEND_SOL || op == IRDMA_HWOP_SEND_SOL_INV;
}

/* Word 2 and header bits that depend on the operation. */
static uint64_t op_word2(const struct irdma_send_desc *d, uint64_t *hdr)
{
	if (is_send_op(d->hw_op)) {
		*hdr |= hwf_put(WQEH_REMSTAG, d->rkey) |
			hwf_put(WQEH_AHID, d->ah_id);
		return hwf_put(WQE2_QKEY, d->qkey) |
		       hwf_put(WQE2_DESTQPN, d->dest_qpn);
	}
	*hdr |= hwf_put(WQEH_REMSTAG, d->rkey);
	return d->remote_addr;
}

static int sq_write_data(struct irdma_qp *qp, const struct irdma_send_desc *d)
{
	uint32_t bytes = sge_total(d->sge, d->num_sge);
	uint32_t frags = d->num_sge + (d->imm_valid ? 1 : 0);
	uint32_t quanta, idx, addl;
	uint64_t hdr, w2;
	__le64 *wqe;

	if (d->inline_data) {
		if (bytes > qp->max_inline)
			return EINVAL;
		quanta = inline_quanta(qp->gen, bytes);
	} else {
		if (frags > IRDMA_MAX_FRAGS)
			return EINVAL;
		quanta = 1 + frags / 2;
	}
	wqe = sq_reserve(qp, quanta, &idx);
	if (!wqe)
		return ENOMEM;
	sq_slot_set(qp, idx, d->wr_id, bytes, quanta, d->hw_op, d->signaled);

	hdr = hdr_common(qp, d) | hwf_put(WQEH_IMMFLAG, d->imm_valid);
	w2 = op_word2(d, &hdr);
	if (d->inline_data) {
		if (d->imm_valid)
			hw_wr64(wqe, 0, d->imm);
		put_inline(qp, wqe, d->sge, d->num_sge, quanta);
		hdr |= hwf_put(WQEH_INLINE, 1) | hwf_put(WQEH_INLINELEN, bytes);
	} else {
		addl = put_frags(qp, wqe, d->sge, d->num_sge, d->imm_valid,
				 d->imm);
		hdr |= hwf_put(WQEH_ADDFRAGCNT, addl);
	}
	hw_wr64(wqe, 2, w2);
	sq_publish(qp, wqe, hdr, idx);
	return 0;
}

static int sq_write_atomic(struct irdma_qp *qp, const struct irdma_send_desc *d)
{
	uint32_t idx;
	__le64 *wqe;

	/* the old value lands in the SGE: inline data offers no such place */
	if (d->num_sge != 1 || d->inline_data)
		return EINVAL;
	wqe = sq_reserve(qp, 2, &idx);
	if (!wqe)
		return ENOMEM;
	sq_slot_set(qp, idx, d->wr_id, d->sge[0].length, 2, d->hw_op,
		    d->signaled);
	hw_wr64(wqe, 0, d->sge[0].addr);
	hw_wr64(wqe, 1, hwf_put(ATOM_LKEY, d->sge[0].lkey));
	hw_wr64(wqe, 2, d->remote_addr);
	hw_wr64(wqe, 4, d->atomic_swap_add);
	hw_wr64(wqe, 5, d->atomic_compare);
	hw_wr64(wqe, 6, 0);
	hw_wr64(wqe, 7, hwf_put(WQEH_VALID, qp->sq_polarity_at_wqe));
	sq_publish(qp, wqe,
		   hdr_common(qp, d) | hwf_put(WQEH_ADDFRAGCNT, 1) |
			   hwf_put(WQEH_REMSTAG, d->rkey),
		   idx);
	return 0;
}

static int sq_write_local_inv(struct irdma_qp *qp,
			      const struct irdma_send_desc *d)
{
	struct ibv_sge target = { .lkey = d->rkey };
	uint32_t idx;
	__le64 *wqe;

	wqe = sq_reserve(qp, 1, &idx);
	if (!wqe)
		return ENOMEM;
	sq_slot_set(qp, idx, d->wr_id, 0, 1, d->hw_op, d->signaled);
	/* the stag to invalidate travels as fragment 0's key */
	put_frag(qp, wqe, FRAG0_OFFSET, &target, 0);
	hw_wr64(wqe, 2, 0);
	sq_publish(qp, wqe, hdr_common(qp, d), idx);
	return 0;
}

static int sq_write_bind(struct irdma_qp *qp, const struct irdma_send_desc *d)
{
	uint32_t rights = 0, idx;
	uint64_t stags;
	__le64 *wqe;

	wqe = sq_reserve(qp, 1, &idx);
	if (!wqe)
		return ENOMEM;
	sq_slot_set(qp, idx, d->wr_id, 0, 1, d->hw_op, d->signaled);
	if (qp->gen == IRDMA_GEN_1)
		stags = hwf_put(BIND_HI_STAG, d->mw_stag) |
			hwf_put(BIND_LO_STAG, d->mr_stag);
	else
		stags = hwf_put(BIND_HI_STAG, d->mr_stag) |
			hwf_put(BIND_LO_STAG, d->mw_stag);
	if (d->bind_access & IBV_ACCESS_REMOTE_READ)
		rights |= IRDMA_BIND_RIGHT_READ;
	if (d->bind_access & IBV_ACCESS_REMOTE_WRITE)
		rights |= IRDMA_BIND_RIGHT_WRITE;
	hw_wr64(wqe, 0, d->bind_zero_based ? 0 : d->bind_addr);
	hw_wr64(wqe, 1, stags);
	hw_wr64(wqe, 2, d->bind_len);
	sq_publish(qp, wqe,
		   hdr_common(qp, d) | hwf_put(WQEH_STAGRIGHTS, rights) |
			   hwf_put(WQEH_VABASED, !d->bind_zero_based) |
			   hwf_put(WQEH_MWTYPE1, d->bind_type1) |
			   hwf_put(WQEH_REMOTE_ATOMIC,
				   qp->atomics && (d->bind_access &
						   IBV_ACCESS_REMOTE_ATOMIC)),
		   idx);
	return 0;
}

/* Write one WQE for d at the SQ head (no doorbell). Returns 0 or errno. */
int irdma_sq_write(struct irdma_qp *qp, const struct irdma_send_desc *d)
{
	switch (d->hw_op) {
	case IRDMA_HWOP_ATOMIC_CMP_SWAP:
	case IRDMA_HWOP_ATOMIC_FETCH_ADD:
		return sq_write_atomic(qp, d);
	case IRDMA_HWOP_LOCAL_INV:
		return sq_write_local_inv(qp, d);
	case IRDMA_HWOP_BIND_MW:
		return sq_write_bind(qp, d);
	case IRDMA_HWOP_RDMA_READ:
		if (d->inline_data || d->imm_valid ||
		    d->num_sge > qp->max_read_sge)
			return EINVAL;
		return sq_write_data(qp, d);
	default:
		return sq_write_data(qp, d);
	}
}

void irdma_sq_ring_doorbell(struct irdma_qp *qp)
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

/* Can this QP carry the operation at all? 0 or an errno. */
int irdma_send_opcode_check(struct irdma_qp *qp, enum ibv_wr_opcode op)
{
	bool ud = qp->vqp.qp.qp_type == IBV_QPT_UD;

	switch (op) {
	case IBV_WR_SEND:
		return 0;
	case IBV_WR_SEND_WITH_IMM:
		return (qp->qp_caps & IRDMA_SEND_WITH_IMM_CAP) ? 0 : EINVAL;
	case IBV_WR_SEND_WITH_INV:
	case IBV_WR_RDMA_WRITE:
	case IBV_WR_RDMA_READ:
	case IBV_WR_LOCAL_INV:
	case IBV_WR_BIND_MW:
		return ud ? EINVAL : 0;
	case IBV_WR_RDMA_WRITE_WITH_IMM:
		if (ud)
			return EINVAL;
		return (qp->qp_caps & IRDMA_WRITE_WITH_IMM_CAP) ? 0 : EINVAL;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		return (!ud && qp->atomics) ? 0 : EINVAL;
	default:
		return EINVAL;
	}
}

static uint8_t send_hw_op(const struct ibv_send_wr *wr)
{
	bool sol = wr->send_flags & IBV_SEND_SOLICITED;

	switch (wr->opcode) {
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
 * A window bind, from ibv_post_send or ibv_wr_bind_mw alike. A zero-length
 * bind unbinds the window and names no MR; a zero-based MR cannot back a
 * window (ibv_bind_mw refuses it for type 1 too). A type 2 window keeps its
 * index and takes the application's key byte, a type 1 window the key
 * ibv_bind_mw chose.
 */
int irdma_bind_desc(struct irdma_send_desc *d, struct ibv_mw *mw, uint32_t rkey,
		    const struct ibv_mw_bind_info *bi)
{
	if (!mw || !bi || (bi->length && !bi->mr) ||
	    (bi->mr && (verbs_get_mr(bi->mr)->access & IBV_ACCESS_ZERO_BASED)))
		return EINVAL;
	d->mr_stag = bi->mr ? bi->mr->rkey : 0;
	d->bind_addr = bi->addr;
	d->bind_len = bi->length;
	d->bind_access = bi->mw_access_flags;
	d->bind_zero_based = bi->mw_access_flags & IBV_ACCESS_ZERO_BASED;
	d->bind_type1 = mw->type == IBV_MW_TYPE_1;
	if (d->bind_type1) {
		d->mw_stag = rkey;
	} else {
		d->mw_stag = (rkey & 0xff) | (mw->rkey & ~0xffu);
		mw->rkey = d->mw_stag;
	}
	return 0;
}

static int desc_from_wr(struct irdma_qp *qp, struct ibv_send_wr *wr,
			struct irdma_send_desc *d)
{
	int ret = irdma_send_opcode_check(qp, wr->opcode);

	if (ret)
		return ret;
	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > qp->max_send_sge)
		return EINVAL;
	if (wr->num_sge && !wr->sg_list)
		return EINVAL;
	memset(d, 0, sizeof(*d));
	d->wr_id = wr->wr_id;
	d->hw_op = send_hw_op(wr);
	d->signaled = qp->sig_all || (wr->send_flags & IBV_SEND_SIGNALED);
	d->fence = wr->send_flags & IBV_SEND_FENCE;
	d->inline_data = wr->send_flags & IBV_SEND_INLINE;
	d->sge = wr->sg_list;
	d->num_sge = wr->num_sge;

	switch (wr->opcode) {
	case IBV_WR_SEND_WITH_IMM:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
		d->imm_valid = true;
		d->imm = be32toh(wr->imm_data);
		break;
	case IBV_WR_SEND_WITH_INV:
		d->rkey = wr->invalidate_rkey;
		break;
	default:
		break;
	}
	switch (wr->opcode) {
	case IBV_WR_SEND:
	case IBV_WR_SEND_WITH_IMM:
		if (qp->vqp.qp.qp_type == IBV_QPT_UD) {
			if (!wr->wr.ud.ah)
				return EINVAL;
			d->ah_id = to_irdma_ah(wr->wr.ud.ah)->ah_id;
			d->dest_qpn = wr->wr.ud.remote_qpn;
			d->qkey = wr->wr.ud.remote_qkey;
		}
		break;
	case IBV_WR_RDMA_WRITE:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
	case IBV_WR_RDMA_READ:
		d->remote_addr = wr->wr.rdma.remote_addr;
		d->rkey = wr->wr.rdma.rkey;
		break;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		d->inline_data = false;
		d->remote_addr = wr->wr.atomic.remote_addr;
		d->rkey = wr->wr.atomic.rkey;
		d->atomic_swap_add = wr->opcode == IBV_WR_ATOMIC_CMP_AND_SWP ?
					     wr->wr.atomic.swap :
					     wr->wr.atomic.compare_add;
		d->atomic_compare = wr->opcode == IBV_WR_ATOMIC_CMP_AND_SWP ?
					    wr->wr.atomic.compare_add :
					    0;
		break;
	case IBV_WR_LOCAL_INV:
		d->inline_data = false;
		d->rkey = wr->invalidate_rkey;
		break;
	case IBV_WR_BIND_MW:
		d->inline_data = false;
		return irdma_bind_desc(d, wr->bind_mw.mw, wr->bind_mw.rkey,
				       &wr->bind_mw.bind_info);
	default:
		break;
	}
	return 0;
}

/* sq_post_direct(): the work request is not one it writes itself. */
#define SQ_NOT_DIRECT (-1)

/*
 * Header bits and word 2 of a SEND or RDMA WRITE without immediate data,
 * straight from the work request. Returns 0, an errno, or SQ_NOT_DIRECT.
 */
static inline int direct_op_words(const struct irdma_qp *qp,
				  const struct ibv_send_wr *wr, uint8_t *hw_op,
				  uint64_t *hdr, uint64_t *w2)
{
	bool sol = wr->send_flags & IBV_SEND_SOLICITED;
	bool ud = qp->vqp.qp.qp_type == IBV_QPT_UD;

	switch (wr->opcode) {
	case IBV_WR_SEND:
		*hw_op = sol ? IRDMA_HWOP_SEND_SOL : IRDMA_HWOP_SEND;
		if (!ud) {
			*hdr = 0;
			*w2 = 0;
			return 0;
		}
		if (!wr->wr.ud.ah)
			return EINVAL;
		*hdr = hwf_put(WQEH_AHID, to_irdma_ah(wr->wr.ud.ah)->ah_id);
		*w2 = hwf_put(WQE2_QKEY, wr->wr.ud.remote_qkey) |
		      hwf_put(WQE2_DESTQPN, wr->wr.ud.remote_qpn);
		return 0;
	case IBV_WR_RDMA_WRITE:
		if (ud)
			return EINVAL;
		*hw_op =
			sol ? IRDMA_HWOP_RDMA_WRITE_SOL : IRDMA_HWOP_RDMA_WRITE;
		*hdr = hwf_put(WQEH_REMSTAG, wr->wr.rdma.rkey);
		*w2 = wr->wr.rdma.remote_addr;
		return 0;
	default:
		return SQ_NOT_DIRECT;
	}
}

/*
 * The common work requests (SEND and RDMA WRITE, SGEs or inline, on gen 2
 * and later) written straight from the ibv_send_wr: no intermediate
 * descriptor. Everything else goes through sq_post_desc(). The SQ lock is
 * held, which also means no ibv_wr_* batch is open (it holds the lock from
 * start to complete), so the header can be published at once.
 */
static inline int sq_post_direct(struct irdma_qp *qp,
				 const struct ibv_send_wr *wr)
{
	uint32_t n = (uint32_t)wr->num_sge; /* a negative count is huge */
	unsigned int flags = wr->send_flags;
	bool signaled = qp->sig_all || (flags & IBV_SEND_SIGNALED);
	uint32_t quanta, bytes, idx;
	uint64_t hdr, w2;
	uint8_t hw_op;
	__le64 *wqe;
	int ret;

	if (qp->gen == IRDMA_GEN_1)
		return SQ_NOT_DIRECT;
	ret = direct_op_words(qp, wr, &hw_op, &hdr, &w2);
	if (ret)
		return ret;
	if (n > qp->max_send_sge || n > IRDMA_MAX_FRAGS || (n && !wr->sg_list))
		return EINVAL;
	hdr |= hwf_put(WQEH_OPCODE, hw_op) |
	       hwf_put(WQEH_READFENCE, !!(flags & IBV_SEND_FENCE)) |
	       hwf_put(WQEH_SIGNALED, signaled);

	if (flags & IBV_SEND_INLINE) {
		bytes = sge_total(wr->sg_list, n);
		if (bytes > qp->max_inline)
			return EINVAL;
		quanta = inline_quanta(qp->gen, bytes);
		wqe = sq_reserve(qp, quanta, &idx);
		if (!wqe)
			return ENOMEM;
		put_inline(qp, wqe, wr->sg_list, n, quanta);
		hdr |= hwf_put(WQEH_INLINE, 1) | hwf_put(WQEH_INLINELEN, bytes);
	} else {
		quanta = 1 + n / 2;
		wqe = sq_reserve(qp, quanta, &idx);
		if (!wqe)
			return ENOMEM;
		hdr |= hwf_put(WQEH_ADDFRAGCNT,
			       sq_put_sges(qp, wqe, wr->sg_list, n, &bytes));
	}
	sq_slot_set(qp, idx, wr->wr_id, bytes, quanta, hw_op, signaled);
	hw_wr64(wqe, 2, w2);
	sq_set_header(wqe, hdr | sq_hdr_bits(qp));
	return 0;
}

/* Any other work request: described first, then written by irdma_sq_write. */
static int sq_post_desc(struct irdma_qp *qp, struct ibv_send_wr *wr)
{
	struct irdma_send_desc d;
	int ret = desc_from_wr(qp, wr, &d);

	return ret ? ret : irdma_sq_write(qp, &d);
}

int irdma_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		    struct ibv_send_wr **bad_wr)
{
	struct irdma_qp *qp = to_irdma_qp(ibqp);
	bool reflush, posted = false;
	int ret = 0;

	/* the SQ only takes work from RTS on (and in error, to flush it) */
	if (ibqp->state < IBV_QPS_RTS) {
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&qp->sq_lock);
	/* as for receives: a QP in error needs a new flush request */
	reflush = ibqp->state == IBV_QPS_ERR;
	for (; wr; wr = wr->next) {
		ret = sq_post_direct(qp, wr);
		if (ret == SQ_NOT_DIRECT)
			ret = sq_post_desc(qp, wr);
		if (ret) {
			*bad_wr = wr;
			break;
		}
		posted = true;
	}
	if (posted) {
		irdma_sq_ring_doorbell(qp);
		if (reflush)
			irdma_qp_reflush(qp, true, false);
	}
	pthread_spin_unlock(&qp->sq_lock);
	return ret;
}
