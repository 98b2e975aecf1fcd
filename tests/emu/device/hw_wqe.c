// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * SQ WQE decoding: how many quanta a WQE spans (fragments, inline data,
 * atomics), where its fragments and inline bytes sit per generation, and
 * the valid bit the device checks before it reads a WQE.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "hw_priv.h"
#include "platform/platform.h"

#define HW_MAX_WQE_QUANTA 8u

static uint64_t sq_quantum_va(const struct hw_qp *h, uint32_t idx)
{
	return h->qp->sq_va + (uint64_t)(idx % h->qp->sq_quanta) * HW_QUANTUM;
}

static int read_quanta(const struct hw_qp *h, uint32_t idx, uint32_t n,
		       uint64_t *q)
{
	uint32_t k, i;

	for (k = 0; k < n; k++) {
		if (emu_dma_read(&q[4 * k], sq_quantum_va(h, idx + k),
				 HW_QUANTUM))
			return -EFAULT;
		for (i = 0; i < 4; i++)
			q[4 * k + i] = le64toh(q[4 * k + i]);
	}
	return 0;
}

static uint32_t inline_quanta(enum emu_gen gen, uint32_t len)
{
	if (gen == EMU_GEN_1)
		return len <= INLINE_GEN1_FIRST_BYTES ? 1 : 2;
	if (len <= INLINE_FIRST_BYTES)
		return 1;
	return 1 + (len - INLINE_FIRST_BYTES + INLINE_NEXT_BYTES - 1) /
			   INLINE_NEXT_BYTES;
}

/* Byte offset in the WQE of fragment slot @k. */
static uint32_t frag_off(uint32_t k)
{
	return k ? 32 + (k - 1) * 16 : 0;
}

static void decode_frag(enum emu_gen gen, const uint64_t *q, uint32_t off,
			struct hw_sge *s)
{
	uint64_t d = q[off / 8 + 1];

	s->va = q[off / 8];
	if (gen == EMU_GEN_1) {
		s->len = (uint32_t)hwf_get(d, FRAG_GEN1_LEN);
		s->stag = (uint32_t)hwf_get(d, FRAG_GEN1_STAG);
	} else {
		s->len = (uint32_t)hwf_get(d, FRAG_LEN);
		s->stag = (uint32_t)hwf_get(d, FRAG_STAG);
	}
}

/* Gather inline bytes: they skip the header words and per-quantum valids. */
static void decode_inline(enum emu_gen gen, const uint64_t *q, struct hw_wqe *w)
{
	const uint8_t *b = (const uint8_t *)q;
	uint32_t left = w->inline_len, got = 0, k, chunk;

	if (gen == EMU_GEN_1) {
		chunk = left < INLINE_GEN1_FIRST_BYTES ?
				left :
				INLINE_GEN1_FIRST_BYTES;
		memcpy(w->inline_buf, b, chunk);
		got = chunk;
		if (left > got)
			memcpy(w->inline_buf + got, b + 32, left - got);
		return;
	}
	chunk = left < INLINE_FIRST_BYTES ? left : INLINE_FIRST_BYTES;
	memcpy(w->inline_buf, b + 8, chunk);
	got = chunk;
	for (k = 1; got < left; k++) {
		chunk = left - got;
		if (chunk > INLINE_NEXT_BYTES)
			chunk = INLINE_NEXT_BYTES;
		memcpy(w->inline_buf + got, b + 32 * k, chunk);
		got += chunk;
	}
}

static uint32_t wqe_quanta(enum emu_gen gen, uint64_t hdr)
{
	uint8_t op = (uint8_t)hwf_get(hdr, WQE_HDR_OPCODE);
	uint32_t addl = (uint32_t)hwf_get(hdr, WQE_HDR_ADDFRAGCNT);

	if (op == HW_OP_ATOMIC_FETCH_ADD || op == HW_OP_ATOMIC_CMP_SWAP)
		return 2;
	if (hwf_get(hdr, WQE_HDR_INLINE))
		return inline_quanta(gen,
				     (uint32_t)hwf_get(hdr, WQE_HDR_INLINELEN));
	return (addl + 1) / 2 + 1;
}

int hw_read_wqe(struct hw_qp *h, uint32_t idx, struct hw_wqe *w)
{
	enum emu_gen gen = h->dev->gen;
	uint64_t q[4 * HW_MAX_WQE_QUANTA];
	uint32_t nslots, first, k;

	memset(w, 0, sizeof(*w));
	if (read_quanta(h, idx, 1, q))
		return -EFAULT;
	w->hdr = q[3];
	w->idx = idx % h->qp->sq_quanta;
	w->quanta = wqe_quanta(gen, w->hdr);
	if (w->quanta > HW_MAX_WQE_QUANTA || w->quanta > h->qp->sq_quanta)
		return -EINVAL;
	if (w->quanta > 1 && read_quanta(h, idx, w->quanta, q))
		return -EFAULT;
	w->op = (uint8_t)hwf_get(w->hdr, WQE_HDR_OPCODE);
	w->signaled = hwf_get(w->hdr, WQE_HDR_SIGNALED);
	w->imm_valid = hwf_get(w->hdr, WQE_HDR_IMMFLAG);
	w->inline_data = hwf_get(w->hdr, WQE_HDR_INLINE);
	w->solicited = w->op == HW_OP_SEND_SOL || w->op == HW_OP_SEND_SOL_INV ||
		       w->op == HW_OP_RDMA_WRITE_SOL;
	w->rstag = (uint32_t)hwf_get(w->hdr, WQE_HDR_REMSTAG);
	w->q0 = q[0];
	w->q1 = q[1];
	w->q2 = q[2];
	w->raddr = q[2];
	if (w->quanta >= 2) {
		w->q4 = q[4];
		w->q5 = q[5];
	}
	if (w->imm_valid)
		w->imm = (uint32_t)q[0];
	if (w->inline_data) {
		w->inline_len = (uint32_t)hwf_get(w->hdr, WQE_HDR_INLINELEN);
		/* gen 1 carries at most 48 bytes in its two quanta */
		if (gen == EMU_GEN_1 &&
		    w->inline_len >
			    INLINE_GEN1_FIRST_BYTES + INLINE_GEN1_NEXT_BYTES)
			return -EINVAL;
		decode_inline(gen, q, w);
		w->total_len = w->inline_len;
		return 0;
	}
	switch (w->op) {
	case HW_OP_SEND:
	case HW_OP_SEND_INV:
	case HW_OP_SEND_SOL:
	case HW_OP_SEND_SOL_INV:
	case HW_OP_RDMA_WRITE:
	case HW_OP_RDMA_WRITE_SOL:
	case HW_OP_RDMA_READ:
	case HW_OP_RDMA_READ_LOC_INV:
		break;
	default:
		return 0; /* no data fragments */
	}
	nslots = (uint32_t)hwf_get(w->hdr, WQE_HDR_ADDFRAGCNT) + 1;
	first = w->imm_valid ? 1 : 0;
	for (k = first; k < nslots && w->nsge < HW_MAX_SGE; k++) {
		if (frag_off(k) + 16 > w->quanta * HW_QUANTUM)
			break;
		decode_frag(gen, q, frag_off(k), &w->sge[w->nsge++]);
	}
	w->total_len = hw_sge_total(w->sge, w->nsge);
	return 0;
}

bool hw_sq_wqe_valid(const struct hw_qp *h, uint32_t idx, uint8_t pol)
{
	uint64_t hdr;

	if (emu_dma_read(&hdr, sq_quantum_va(h, idx) + 24, sizeof(hdr))) {
		hw_trace("qp %u: SQ at %#llx unreadable", h->qp->qpn,
			 (unsigned long long)sq_quantum_va(h, idx));
		return false;
	}
	return hwf_get(le64toh(hdr), WQE_HDR_VALID) == pol;
}
