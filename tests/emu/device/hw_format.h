/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * irdma ring formats as the device sees them: SQ/RQ/SRQ WQEs, CQEs and the
 * shadow areas. All words are little-endian 64-bit "qwords"; a WQE is made
 * of 32-byte quanta whose 4th qword (byte 24) is the header with the valid
 * (polarity) bit at bit 63.
 */
#ifndef IRDMA_EMU_HW_FORMAT_H
#define IRDMA_EMU_HW_FORMAT_H

#include <endian.h>
#include <stdint.h>

/* A bit field of a qword: first bit and width. */
#define HWF(lo, width) (((uint64_t)(lo) << 8) | (width))

static inline uint64_t hwf_get(uint64_t word, uint32_t f)
{
	unsigned int lo = f >> 8, w = f & 0xff;

	return (word >> lo) & (w == 64 ? ~0ULL : ((1ULL << w) - 1));
}

static inline uint64_t hwf_put(uint32_t f, uint64_t val)
{
	unsigned int lo = f >> 8, w = f & 0xff;

	return (val & (w == 64 ? ~0ULL : ((1ULL << w) - 1))) << lo;
}

#define HW_QUANTUM 32u

/* ---- SQ WQE header (byte 24 of the first quantum) ---------------------- */
#define WQE_HDR_REMSTAG HWF(0, 32) /* rkey, or the stag to invalidate */
#define WQE_HDR_AHID HWF(0, 17) /* UD: address handle index */
#define WQE_HDR_OPCODE HWF(32, 6)
#define WQE_HDR_ADDFRAGCNT HWF(38, 4) /* fragments beyond the first */
#define WQE_HDR_L4LEN HWF(42, 4)
#define WQE_HDR_REPORTRTT HWF(46, 1)
#define WQE_HDR_IMMFLAG HWF(47, 1) /* qword 0 holds immediate data */
#define WQE_HDR_INLINELEN HWF(48, 8)
#define WQE_HDR_STAGRIGHTS HWF(48, 5) /* bind MW: rights */
#define WQE_HDR_VABASED HWF(53, 1) /* bind MW: VA based, not zero based */
#define WQE_HDR_MWTYPE1 HWF(54, 1) /* bind MW: window type 1 */
#define WQE_HDR_ATOMICS_EN HWF(55, 1) /* bind MW: remote atomics */
#define WQE_HDR_PUSH HWF(56, 1)
#define WQE_HDR_INLINE HWF(57, 1)
#define WQE_HDR_READFENCE HWF(60, 1)
#define WQE_HDR_LOCALFENCE HWF(61, 1)
#define WQE_HDR_SIGNALED HWF(62, 1)
#define WQE_HDR_VALID HWF(63, 1)

/* SQ opcodes (also the op field of SQ CQEs). */
enum hw_sq_op {
	HW_OP_RDMA_WRITE = 0x00,
	HW_OP_RDMA_READ = 0x01,
	HW_OP_SEND = 0x03,
	HW_OP_SEND_INV = 0x04,
	HW_OP_SEND_SOL = 0x05,
	HW_OP_SEND_SOL_INV = 0x06,
	HW_OP_BIND_MW = 0x08,
	HW_OP_FAST_REG = 0x09,
	HW_OP_LOCAL_INV = 0x0a,
	HW_OP_RDMA_READ_LOC_INV = 0x0b,
	HW_OP_NOP = 0x0c,
	HW_OP_RDMA_WRITE_SOL = 0x0d,
	HW_OP_ATOMIC_FETCH_ADD = 0x0f,
	HW_OP_ATOMIC_CMP_SWAP = 0x11,
};

/* qword 2 of send WQEs: UD destination */
#define WQE_Q2_QKEY HWF(0, 32)
#define WQE_Q2_DESTQPN HWF(32, 24)

/* A data fragment: qword at +0 is the address, +8 the descriptor. */
#define FRAG_LEN HWF(32, 31) /* gen 2/3 */
#define FRAG_STAG HWF(0, 32)
#define FRAG_VALID HWF(63, 1)
#define FRAG_GEN1_LEN HWF(0, 32)
#define FRAG_GEN1_STAG HWF(32, 32)

/* bind MW qword 1: the two stags (gen 1 swaps their places). */
#define BIND_Q1_HI HWF(32, 32)
#define BIND_Q1_LO HWF(0, 32)

/* Inline data: bytes of each later quantum; its last byte is a valid. */
#define INLINE_FIRST_BYTES 8u /* gen 2/3, at byte 8 of quantum 0 */
#define INLINE_NEXT_BYTES 31u
#define INLINE_GEN1_FIRST_BYTES 16u /* gen 1, at byte 0 of quantum 0 */
#define INLINE_GEN1_NEXT_BYTES 32u

/* ---- CQE ---------------------------------------------------------------- */
/* qword 0 */
#define CQE_Q0_PAYLEN HWF(0, 32)
#define CQE_Q0_PSN HWF(32, 32)
/* qword 1: completion context (QP handle), or SRQ WQE's wr_id */
/* qword 2 */
#define CQE_Q2_SRCQPN HWF(0, 32) /* UD source QP, or invalidated stag */
#define CQE_Q2_QPID HWF(32, 24)
/* qword 3 */
#define CQE_Q3_MINOR HWF(0, 16)
#define CQE_Q3_MAJOR HWF(16, 16)
#define CQE_Q3_WQEIDX HWF(32, 15)
#define CQE_Q3_EXT HWF(50, 1)
#define CQE_Q3_SRQ HWF(52, 1)
#define CQE_Q3_STAGINV HWF(53, 1) /* RQ: stag invalidated; UD: IPv4 */
#define CQE_Q3_SOLICITED HWF(54, 1)
#define CQE_Q3_ERROR HWF(55, 1)
#define CQE_Q3_OP HWF(56, 6)
#define CQE_Q3_SQ HWF(62, 1)
#define CQE_Q3_VALID HWF(63, 1)
/* extension (qwords 4..7): qword 4 immediate, qword 6 smac, qword 7 flags */
#define CQE_Q4_IMM HWF(0, 32)
#define CQE_Q6_SMAC HWF(0, 48)
#define CQE_Q7_IMMVALID HWF(62, 1)
#define CQE_Q7_SMACVALID HWF(61, 1)
#define CQE_Q7_VALID HWF(63, 1)
/* qword 5 (64-byte CQEs, SRQ completions): the QP completion context */

/* Major error code of flush completions; the minor is an irdma flush code. */
#define CQE_MAJOR_FLUSH 1u

/* Minor codes of flush completions (the provider's flush opcodes). */
enum hw_flush_code {
	HW_FLUSH_GENERAL = 1, /* IBV_WC_WR_FLUSH_ERR */
	HW_FLUSH_PROT = 2, /* IBV_WC_LOC_PROT_ERR */
	HW_FLUSH_REM_ACCESS = 3, /* IBV_WC_REM_ACCESS_ERR */
	HW_FLUSH_LOC_QP_OP = 4, /* IBV_WC_LOC_QP_OP_ERR */
	HW_FLUSH_REM_OP = 5, /* IBV_WC_REM_OP_ERR */
	HW_FLUSH_LOC_LEN = 6, /* IBV_WC_LOC_LEN_ERR */
	HW_FLUSH_FATAL = 7, /* IBV_WC_FATAL_ERR */
	HW_FLUSH_RETRY_EXC = 8, /* IBV_WC_RETRY_EXC_ERR */
	HW_FLUSH_MW_BIND = 9, /* IBV_WC_MW_BIND_ERR */
	HW_FLUSH_REM_INV_REQ = 10, /* IBV_WC_REM_INV_REQ_ERR */
	HW_FLUSH_RNR_RETRY_EXC = 11, /* IBV_WC_RNR_RETRY_EXC_ERR */
};

/* RQ CQE op field: gen 1/2 report the IB base opcode of the message. */
#define IB_BASE_SEND_ONLY 0x04
#define IB_BASE_SEND_ONLY_IMM 0x05
#define IB_BASE_WRITE_ONLY_IMM 0x0b
#define IB_BASE_SEND_ONLY_INV 0x17

/* ---- shadow areas ------------------------------------------------------- */
/* CQ: qword 0 consumer index; qword 4 (byte 32) arm word. */
#define CQ_SHADOW_ARM_OFF 32u
#define CQ_ARM_SW_SELECT HWF(0, 14)
#define CQ_ARM_NEXT HWF(14, 1)
#define CQ_ARM_NEXT_SE HWF(15, 1)
#define CQ_ARM_SEQ HWF(16, 2)
/* SRQ: qword 0 = producer index the provider advanced to. */

/* Doorbell page offsets. */
#define DB_WQE_ALLOC_OFF 0u
#define DB_CQ_ARM_OFF 64u

#endif /* IRDMA_EMU_HW_FORMAT_H */
