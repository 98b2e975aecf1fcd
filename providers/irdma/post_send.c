// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The send queue writer: turns one work request into an irdma SQ WQE
 * (sends, RDMA writes and reads, inline data, immediate data, invalidates,
 * atomics, memory window binds, NOP padding), and ibv_post_send on top.
 *
 * Fast path rules: no allocation, no system call, only the QP lock. Every
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
#define GEN1_INLINE_MAX 48u
/* Gen 2+ inline: 8 bytes in the first quantum, 31 in each further one. */
#define INLINE_FIRST 8u
#define INLINE_PER_QUANTUM 31u

static inline __le64 *sq_wqe(struct irdma_qp *qp, uint32_t idx)
{
	return (__le64 *)(qp->sq + (size_t)idx * IRDMA_WQE_QUANTUM);
}

static inline void sq_advance(struct irdma_qp *qp, uint32_t n)
{
	struct irdma_wq_pos *p = &qp->sq_pos;

	p->head += n;
	if (p->head >= p->size) {
		p->head -= p->size;
		qp->sq_polarity ^= 1;
	}
}

/* Free quanta: the ring always keeps IRDMA_SQ_RESERVED_QUANTA - 1 unused. */
static inline int64_t sq_free_quanta(const struct irdma_qp *qp)
{
	return (int64_t)qp->sq_pos.size - irdma_wq_used(&qp->sq_pos) -
	       (IRDMA_SQ_RESERVED_QUANTA - 1);
}

/* Publish a header: the valid bit may only become visible last. */
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
	udma_to_device_barrier();
	hw_wr64(wqe, 3, hdr);
}

static void sq_clear_ahead(struct irdma_qp *qp, uint32_t idx);

static void sq_write_nop(struct irdma_qp *qp)
{
	uint32_t idx = qp->sq_pos.head;
	__le64 *wqe = sq_wqe(qp, idx);
	struct irdma_sq_slot *s = &qp->sq_slots[idx];

	hw_wr64(wqe, 0, 0);
	hw_wr64(wqe, 1, 0);
	hw_wr64(wqe, 2, 0);
	s->wr_id = 0;
	s->bytes = 0;
	s->quanta = 1;
	s->hw_op = IRDMA_HWOP_NOP;
	s->signaled = false;
	sq_clear_ahead(qp, idx);
	udma_to_device_barrier();
	hw_wr64(wqe, 3,
		hwf_put(WQEH_OPCODE, IRDMA_HWOP_NOP) |
			hwf_put(WQEH_VALID, qp->sq_polarity));
	sq_advance(qp, 1);
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

	if (idx % IRDMA_SQ_CLEAR_AHEAD || size % IRDMA_SQ_CLEAR_AHEAD ||
	    size < 2 * IRDMA_SQ_CLEAR_AHEAD)
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
 * Reserve `quanta` quanta for one WQE. A WQE must not straddle an SQ chunk
 * (or the ring's end): the rest of the chunk is padded with NOPs first.
 * Returns the WQE, or NULL if the SQ is full.
 */
static __le64 *sq_reserve(struct irdma_qp *qp, uint32_t quanta,
			  const struct irdma_send_desc *d, uint32_t bytes,
			  uint32_t *idx_out)
{
	struct irdma_wq_pos *p = &qp->sq_pos;
	uint32_t room = qp->sq_chunk - p->head % qp->sq_chunk;
	uint32_t pad, idx, i;

	if (room > p->size - p->head)
		room = p->size - p->head;
	pad = quanta > room ? room : 0;
	if ((int64_t)(quanta + pad) > sq_free_quanta(qp))
		return NULL;
	while (pad--)
		sq_write_nop(qp);

	idx = p->head;
	qp->sq_polarity_at_wqe = qp->sq_polarity;
	sq_clear_ahead(qp, idx);
	sq_advance(qp, quanta);
	/* gen 1 reads quanta in pairs: the lone partner must read invalid */
	if (qp->gen == IRDMA_GEN_1 && quanta == 1 && (p->head & 1))
		hw_wr64(sq_wqe(qp, p->head), 3,
			hwf_put(WQEH_VALID, !qp->sq_polarity));

	qp->sq_slots[idx].wr_id = d->wr_id;
	qp->sq_slots[idx].bytes = bytes;
	qp->sq_slots[idx].quanta = quanta;
	qp->sq_slots[idx].hw_op = d->hw_op;
	qp->sq_slots[idx].signaled = d->signaled;
	for (i = 1; i < quanta; i++)
		qp->sq_slots[(idx + i) % p->size].quanta = 0;
	*idx_out = idx;
	return sq_wqe(qp, idx);
}

static void put_frag(const struct irdma_qp *qp, __le64 *wqe, uint32_t off,
		     const struct ibv_sge *sge, uint8_t valid)
{
	unsigned int w = off / 8;

	if (qp->gen == IRDMA_GEN_1) {
		hw_wr64(wqe, w, sge ? sge->addr : 0);
		hw_wr64(wqe, w + 1,
			sge ? hwf_put(FRAG_GEN1_LEN, sge->length) |
					hwf_put(FRAG_GEN1_STAG, sge->lkey) :
			      0);
		return;
	}
	hw_wr64(wqe, w, sge ? sge->addr : 0);
	hw_wr64(wqe, w + 1,
		hwf_put(FRAG_VALID, valid) |
			(sge ? hwf_put(FRAG_LEN, sge->length) |
					 hwf_put(FRAG_STAG, sge->lkey) :
			       0));
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
	uint32_t first, off, i;
	uint8_t pol = qp->sq_polarity_at_wqe;

	if (imm_valid) {
		hw_wr64(wqe, 0, imm);
		first = 0;
		off = FRAGN_OFFSET(1);
	} else {
		put_frag(qp, wqe, FRAG0_OFFSET, num_sge ? &sge[0] : NULL, pol);
		first = 1;
		off = FRAGN_OFFSET(1);
	}
	for (i = first; i < num_sge; i++, off += 16)
		put_frag(qp, wqe, off, &sge[i], pol);
	/* gen 2+: an even count leaves half a quantum; mark it valid too */
	if (qp->gen >= IRDMA_GEN_2 && frags && !(frags & 1)) {
		put_frag(qp, wqe, off, NULL, pol);
		if (qp->gen == IRDMA_GEN_2)
			addl++;
	}
	return addl;
}

static uint32_t sge_total(const struct ibv_sge *sge, uint32_t n)
{
	uint32_t t = 0, i;

	for (i = 0; i < n; i++)
		t += sge[i].length;
	return t;
}

static uint32_t inline_quanta(uint8_t gen, uint32_t len)
{
	if (gen == IRDMA_GEN_1)
		return len <= GEN1_INLINE_FIRST ? 1 : 2;
	if (len <= INLINE_FIRST)
		return 1;
	return 1 + (len - INLINE_FIRST + INLINE_PER_QUANTUM - 1) /
			   INLINE_PER_QUANTUM;
}

/* Byte offset in the WQE of inline payload byte `pos`. */
static inline uint32_t inline_offset(uint8_t gen, uint32_t pos, uint32_t *run)
{
	uint32_t q, o;

	if (gen == IRDMA_GEN_1) {
		if (pos < GEN1_INLINE_FIRST) {
			*run = GEN1_INLINE_FIRST - pos;
			return pos;
		}
		*run = GEN1_INLINE_MAX - pos;
		return IRDMA_WQE_QUANTUM + (pos - GEN1_INLINE_FIRST);
	}
	if (pos < INLINE_FIRST) {
		*run = INLINE_FIRST - pos;
		return INLINE_FIRST + pos;
	}
	q = (pos - INLINE_FIRST) / INLINE_PER_QUANTUM;
	o = (pos - INLINE_FIRST) % INLINE_PER_QUANTUM;
	*run = INLINE_PER_QUANTUM - o;
	return IRDMA_WQE_QUANTUM * (q + 1) + o;
}

static void put_inline(const struct irdma_qp *qp, __le64 *wqe,
		       const struct ibv_sge *sge, uint32_t num_sge,
		       uint32_t quanta)
{
	uint8_t *base = (uint8_t *)wqe;
	uint32_t pos = 0, i, q;

	for (i = 0; i < num_sge; i++) {
		const uint8_t *src = (const uint8_t *)(uintptr_t)sge[i].addr;
		uint32_t left = sge[i].length;

		while (left) {
			uint32_t run, off = inline_offset(qp->gen, pos, &run);

			if (run > left)
				run = left;
			memcpy(base + off, src, run);
			src += run;
			pos += run;
			left -= run;
		}
	}
	if (qp->gen == IRDMA_GEN_1)
		return;
	/* the top byte of every further quantum carries its valid bit */
	for (q = 1; q < quanta; q++)
		base[q * IRDMA_WQE_QUANTUM + IRDMA_WQE_QUANTUM - 1] =
			qp->sq_polarity_at_wqe << INLINE_VALID_BYTE_SHIFT;
}

static uint64_t hdr_common(const struct irdma_qp *qp,
			   const struct irdma_send_desc *d)
{
	return hwf_put(WQEH_OPCODE, d->hw_op) |
	       hwf_put(WQEH_READFENCE, d->fence) |
	       hwf_put(WQEH_SIGNALED, d->signaled) |
	       hwf_put(WQEH_VALID, qp->sq_polarity_at_wqe) | qp->push_hdr;
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
	wqe = sq_reserve(qp, quanta, d, bytes, &idx);
	if (!wqe)
		return ENOMEM;

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

	if (d->num_sge != 1)
		return EINVAL;
	wqe = sq_reserve(qp, 2, d, d->sge[0].length, &idx);
	if (!wqe)
		return ENOMEM;
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

	wqe = sq_reserve(qp, 1, d, 0, &idx);
	if (!wqe)
		return ENOMEM;
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

	wqe = sq_reserve(qp, 1, d, 0, &idx);
	if (!wqe)
		return ENOMEM;
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

/* A type 2 window keeps its index; the application picks the key byte. */
static uint32_t mw_type2_stag(uint32_t new_rkey, uint32_t mw_rkey)
{
	return (new_rkey & 0xff) | (mw_rkey & ~0xffu);
}

static int desc_from_bind(struct irdma_qp *qp, struct ibv_send_wr *wr,
			  struct irdma_send_desc *d)
{
	const struct ibv_mw_bind_info *bi = &wr->bind_mw.bind_info;
	struct ibv_mw *mw = wr->bind_mw.mw;

	if (!mw || (bi->length && !bi->mr))
		return EINVAL;
	/* a zero-length bind unbinds the window and names no MR */
	d->mr_stag = bi->mr ? bi->mr->rkey : 0;
	d->bind_addr = bi->addr;
	d->bind_len = bi->length;
	d->bind_access = bi->mw_access_flags;
	d->bind_zero_based = bi->mw_access_flags & IBV_ACCESS_ZERO_BASED;
	if (mw->type == IBV_MW_TYPE_1) {
		d->bind_type1 = true;
		d->mw_stag = wr->bind_mw.rkey;
	} else {
		if (bi->mr &&
		    (verbs_get_mr(bi->mr)->access & IBV_ACCESS_ZERO_BASED))
			return EINVAL;
		d->mw_stag = mw_type2_stag(wr->bind_mw.rkey, mw->rkey);
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
		return desc_from_bind(qp, wr, d);
	default:
		break;
	}
	return 0;
}

int irdma_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		    struct ibv_send_wr **bad_wr)
{
	struct irdma_qp *qp = to_irdma_qp(ibqp);
	struct irdma_send_desc d;
	bool reflush, posted = false;
	int ret = 0;

	/* the SQ only takes work from RTS on (and in error, to flush it) */
	if (ibqp->state < IBV_QPS_RTS) {
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&qp->lock);
	/* as for receives: a QP in error needs a new flush request */
	reflush = ibqp->state == IBV_QPS_ERR;
	for (; wr; wr = wr->next) {
		ret = desc_from_wr(qp, wr, &d);
		if (!ret)
			ret = irdma_sq_write(qp, &d);
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
	pthread_spin_unlock(&qp->lock);
	return ret;
}
