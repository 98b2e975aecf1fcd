// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The send queue writer: turns one work request descriptor into an irdma
 * SQ WQE (sends, RDMA writes and reads, inline data, immediate data,
 * invalidates, atomics, memory window binds, NOP padding). ibv_post_send
 * (post_send.c) and the ibv_wr_* API (wr_api.c) both write through it.
 *
 * Fast path rules: no allocation, no system call, only the SQ lock. Every
 * WQE is complete in memory before the barrier that precedes its header
 * (which holds the valid bit); the doorbell (doorbell.h) follows another
 * barrier.
 */
#include <errno.h>
#include <string.h>

#include "sq.h"

/* Publish a header, or hold it back if an ibv_wr_* batch is open. */
static void sq_publish(struct irdma_qp *qp, __le64 *wqe, uint64_t hdr,
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
 * Make the 128 quanta that start a new 4 KiB page read as "not valid" for
 * the pass the device will find them in, before it may prefetch them.
 */
void irdma_sq_clear_ahead(struct irdma_qp *qp, uint32_t idx)
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

static void sq_write_nop(struct irdma_qp *qp)
{
	uint32_t idx;
	__le64 *wqe = sq_take(qp, 1, &idx);

	hw_wr64(wqe, 0, 0);
	hw_wr64(wqe, 1, 0);
	hw_wr64(wqe, 2, 0);
	sq_slot_set(qp, idx, 0, 0, 1, IRDMA_HWOP_NOP, false);
	/* padding carries no per-QP mode bits, only the valid bit */
	sq_set_header(wqe, FIELD_PREP(IRDMA_WQEH_OPCODE, IRDMA_HWOP_NOP) |
				   FIELD_PREP(IRDMA_WQEH_VALID,
					      qp->sq_polarity_at_wqe));
}

void irdma_sq_write_nops(struct irdma_qp *qp, uint32_t n)
{
	while (n--)
		sq_write_nop(qp);
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
			FIELD_PREP(IRDMA_FRAG_GEN1_LEN, sge->length) |
				FIELD_PREP(IRDMA_FRAG_GEN1_STAG, sge->lkey));
		return;
	}
	hw_put_frag(wqe, w, sge->addr, sge->length, sge->lkey,
		    FIELD_PREP(IRDMA_FRAG_VALID, valid));
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
	uint32_t off = IRDMA_FRAGN_OFFSET(1), i, unused;
	uint8_t pol = qp->sq_polarity_at_wqe;

	if (!imm_valid && qp->gen != IRDMA_GEN_1)
		return sq_put_sges(qp, wqe, sge, num_sge, &unused);
	if (imm_valid) {
		hw_wr64(wqe, 0, imm);
		i = 0;
	} else {
		put_frag(qp, wqe, IRDMA_FRAG0_OFFSET, num_sge ? &sge[0] : NULL,
			 pol);
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
 * Inline payload, in runs: gen 2+ put 8 bytes in word 1 (word 0 is for
 * immediate data) and 31 in each further quantum, whose last byte holds
 * that quantum's valid bit; gen 1 puts 16 bytes at the start and 32 in the
 * second quantum. Each run after the first starts at a quantum boundary.
 * A run may span SGEs.
 */
void irdma_sq_put_inline_runs(uint8_t *base, const struct ibv_sge *sge,
			      uint32_t num_sge, bool gen1)
{
	uint32_t per_quantum =
		gen1 ? IRDMA_WQE_QUANTUM : IRDMA_INLINE_PER_QUANTUM;
	uint32_t off = gen1 ? 0 : IRDMA_INLINE_FIRST;
	uint32_t room = gen1 ? IRDMA_GEN1_INLINE_FIRST : IRDMA_INLINE_FIRST;
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

static uint64_t hdr_common(const struct irdma_qp *qp,
			   const struct irdma_send_desc *d)
{
	return FIELD_PREP(IRDMA_WQEH_OPCODE, d->hw_op) |
	       FIELD_PREP(IRDMA_WQEH_READFENCE, d->fence) |
	       FIELD_PREP(IRDMA_WQEH_SIGNALED, d->signaled) | sq_hdr_bits(qp);
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
		*hdr |= FIELD_PREP(IRDMA_WQEH_REMSTAG, d->rkey) |
			FIELD_PREP(IRDMA_WQEH_AHID, d->ah_id);
		return FIELD_PREP(IRDMA_WQE2_QKEY, d->qkey) |
		       FIELD_PREP(IRDMA_WQE2_DESTQPN, d->dest_qpn);
	}
	*hdr |= FIELD_PREP(IRDMA_WQEH_REMSTAG, d->rkey);
	return d->remote_addr;
}

static int sq_write_data(struct irdma_qp *qp, const struct irdma_send_desc *d)
{
	uint32_t bytes = sq_sge_total(d->sge, d->num_sge);
	uint32_t frags = d->num_sge + (d->imm_valid ? 1 : 0);
	uint32_t quanta, idx, addl;
	uint64_t hdr, w2;
	__le64 *wqe;

	if (d->inline_data) {
		if (bytes > qp->max_inline)
			return EINVAL;
		quanta = sq_inline_quanta(qp->gen, bytes);
	} else {
		if (frags > IRDMA_MAX_FRAGS)
			return EINVAL;
		quanta = 1 + frags / 2;
	}
	wqe = sq_reserve(qp, quanta, &idx);
	if (!wqe)
		return ENOMEM;
	sq_slot_set(qp, idx, d->wr_id, bytes, quanta, d->hw_op, d->signaled);

	hdr = hdr_common(qp, d) | FIELD_PREP(IRDMA_WQEH_IMMFLAG, d->imm_valid);
	w2 = op_word2(d, &hdr);
	if (d->inline_data) {
		if (d->imm_valid)
			hw_wr64(wqe, 0, d->imm);
		sq_put_inline(qp, wqe, d->sge, d->num_sge, quanta);
		hdr |= FIELD_PREP(IRDMA_WQEH_INLINE, 1) |
		       FIELD_PREP(IRDMA_WQEH_INLINELEN, bytes);
	} else {
		addl = put_frags(qp, wqe, d->sge, d->num_sge, d->imm_valid,
				 d->imm);
		hdr |= FIELD_PREP(IRDMA_WQEH_ADDFRAGCNT, addl);
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
	hw_wr64(wqe, 1, FIELD_PREP(IRDMA_ATOM_LKEY, d->sge[0].lkey));
	hw_wr64(wqe, 2, d->remote_addr);
	hw_wr64(wqe, 4, d->atomic_swap_add);
	hw_wr64(wqe, 5, d->atomic_compare);
	hw_wr64(wqe, 6, 0);
	hw_wr64(wqe, 7, FIELD_PREP(IRDMA_WQEH_VALID, qp->sq_polarity_at_wqe));
	sq_publish(qp, wqe,
		   hdr_common(qp, d) | FIELD_PREP(IRDMA_WQEH_ADDFRAGCNT, 1) |
			   FIELD_PREP(IRDMA_WQEH_REMSTAG, d->rkey),
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
	put_frag(qp, wqe, IRDMA_FRAG0_OFFSET, &target, 0);
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
		stags = FIELD_PREP(IRDMA_BIND_HI_STAG, d->mw_stag) |
			FIELD_PREP(IRDMA_BIND_LO_STAG, d->mr_stag);
	else
		stags = FIELD_PREP(IRDMA_BIND_HI_STAG, d->mr_stag) |
			FIELD_PREP(IRDMA_BIND_LO_STAG, d->mw_stag);
	if (d->bind_access & IBV_ACCESS_REMOTE_READ)
		rights |= IRDMA_BIND_RIGHT_READ;
	if (d->bind_access & IBV_ACCESS_REMOTE_WRITE)
		rights |= IRDMA_BIND_RIGHT_WRITE;
	hw_wr64(wqe, 0, d->bind_zero_based ? 0 : d->bind_addr);
	hw_wr64(wqe, 1, stags);
	hw_wr64(wqe, 2, d->bind_len);
	sq_publish(
		qp, wqe,
		hdr_common(qp, d) | FIELD_PREP(IRDMA_WQEH_STAGRIGHTS, rights) |
			FIELD_PREP(IRDMA_WQEH_VABASED, !d->bind_zero_based) |
			FIELD_PREP(IRDMA_WQEH_MWTYPE1, d->bind_type1) |
			FIELD_PREP(IRDMA_WQEH_REMOTE_ATOMIC,
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
