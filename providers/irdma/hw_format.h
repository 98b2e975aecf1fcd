/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The irdma queue formats as the device reads and writes them: SQ/RQ/SRQ
 * work queue elements, completion queue elements and the shadow areas, for
 * every hardware generation this provider drives.
 *
 * All rings are arrays of little-endian 64-bit words. A WQE is built from
 * 32-byte quanta; its header (with the valid bit the device polls) is the
 * fourth word of the first quantum. A CQE is 32 bytes (64 with the
 * extended half) and carries its own valid bit in the fourth word.
 */
#ifndef IRDMA_PROVIDER_HW_FORMAT_H
#define IRDMA_PROVIDER_HW_FORMAT_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>

#include <infiniband/verbs.h>
#include <util/util.h>

#include <linux/types.h>

/*
 * Fields are GENMASK_ULL()/BIT_ULL() masks of a 64-bit word, filled with
 * FIELD_PREP() and read with FIELD_GET() (rdma-core's util/util.h); a
 * single-bit field is tested as (word & mask).
 */

static inline void hw_wr64(__le64 *q, unsigned int word, uint64_t val)
{
	((volatile __le64 *)q)[word] = htole64(val);
}

static inline uint64_t hw_rd64(const __le64 *q, unsigned int word)
{
	return le64toh(((const volatile __le64 *)q)[word]);
}

/* ---- work queues ------------------------------------------------------ */

#define IRDMA_WQE_QUANTUM 32u /* bytes */
#define IRDMA_WQE_QUANTUM_WORDS 4u
#define IRDMA_WQE_MAX_QUANTA 8u
/* The SQ keeps this many quanta unused so the device never laps us. */
#define IRDMA_SQ_RESERVED_QUANTA 258u
/* One quantum is never posted so that full and empty differ. */
#define IRDMA_RQ_RESERVED 1u
/* Rings are built in IRDMA_HW_PAGE_SIZE (irdma.h) pages. */
/* Shadow areas: 64 bytes following the rings they belong to. */
#define IRDMA_SHADOW_AREA_BYTES 64u
/* The SQ region 128 quanta ahead of a new 4 KiB page is pre-invalidated. */
#define IRDMA_SQ_CLEAR_AHEAD 128u

/* Header word (word 3 of the first quantum). */
#define IRDMA_WQEH_REMSTAG GENMASK_ULL(31, 0) /* rkey, or stag to invalidate */
#define IRDMA_WQEH_AHID GENMASK_ULL(16, 0) /* UD: address handle */
#define IRDMA_WQEH_OPCODE GENMASK_ULL(37, 32)
#define IRDMA_WQEH_ADDFRAGCNT GENMASK_ULL(41, 38)
#define IRDMA_WQEH_L4LEN GENMASK_ULL(45, 42)
#define IRDMA_WQEH_REPORTRTT BIT_ULL(46)
#define IRDMA_WQEH_IMMFLAG BIT_ULL(47)
#define IRDMA_WQEH_INLINELEN GENMASK_ULL(55, 48)
#define IRDMA_WQEH_STAGRIGHTS GENMASK_ULL(52, 48) /* bind: access rights */
#define IRDMA_WQEH_VABASED BIT_ULL(53) /* bind: VA based */
#define IRDMA_WQEH_MWTYPE1 BIT_ULL(54) /* bind: type 1 window */
#define IRDMA_WQEH_REMOTE_ATOMIC BIT_ULL(55) /* bind: atomics allowed */
#define IRDMA_WQEH_PUSH BIT_ULL(56)
#define IRDMA_WQEH_INLINE BIT_ULL(57)
#define IRDMA_WQEH_READFENCE BIT_ULL(60)
#define IRDMA_WQEH_LOCALFENCE BIT_ULL(61)
#define IRDMA_WQEH_SIGNALED BIT_ULL(62)
#define IRDMA_WQEH_VALID BIT_ULL(63)

/* STAGRIGHTS bits a bind may grant. */
#define IRDMA_BIND_RIGHT_READ 0x4
#define IRDMA_BIND_RIGHT_WRITE 0x8

/* Fragment (16 bytes: address word + length/key word). */
#define IRDMA_FRAG_LEN GENMASK_ULL(62, 32)
#define IRDMA_FRAG_STAG GENMASK_ULL(31, 0)
#define IRDMA_FRAG_VALID BIT_ULL(63)
#define IRDMA_FRAG_GEN1_LEN GENMASK_ULL(31, 0)
#define IRDMA_FRAG_GEN1_STAG GENMASK_ULL(63, 32)
/* Fragment 0 sits at byte 0; fragment n>=1 at 32 + 16 * (n - 1). */
#define IRDMA_FRAG0_OFFSET 0u
#define IRDMA_FRAGN_OFFSET(n) (32u + 16u * ((n)-1u))

/* A gen 2+ fragment at word w: address, then length, key and valid bit. */
static inline void hw_put_frag(__le64 *wqe, unsigned int w, uint64_t addr,
			       uint32_t len, uint32_t key, uint64_t valid)
{
	hw_wr64(wqe, w, addr);
	hw_wr64(wqe, w + 1,
		valid | FIELD_PREP(IRDMA_FRAG_LEN, len) |
			FIELD_PREP(IRDMA_FRAG_STAG, key));
}

/*
 * The SGE list of a gen 2+ WQE (SQ without immediate data, RQ, SRQ):
 * fragment 0 in the first quantum, then two per quantum. An even count
 * leaves half a quantum that must carry the valid bit as well; gen 2
 * counts it in ADDFRAGCNT (count_pad), later generations do not. `valid`
 * is the IRDMA_FRAG_VALID bit of this pass. Returns the ADDFRAGCNT value and
 * the sum of the SGE lengths in *bytes.
 */
static inline uint32_t hw_put_sges(__le64 *wqe, const struct ibv_sge *sge,
				   uint32_t n, uint64_t valid, bool count_pad,
				   uint64_t *bytes)
{
	uint64_t total;
	uint32_t i, w;

	if (!n) {
		/* no data: fragment 0 is empty but still valid */
		hw_put_frag(wqe, 0, 0, 0, 0, valid);
		*bytes = 0;
		return 0;
	}
	hw_put_frag(wqe, 0, sge[0].addr, sge[0].length, sge[0].lkey, valid);
	total = sge[0].length;
	for (i = 1, w = IRDMA_FRAGN_OFFSET(1) / 8; i < n; i++, w += 2) {
		hw_put_frag(wqe, w, sge[i].addr, sge[i].length, sge[i].lkey,
			    valid);
		total += sge[i].length;
	}
	*bytes = total;
	if (n & 1)
		return n - 1;
	hw_put_frag(wqe, w, 0, 0, 0, valid);
	return count_pad ? n : n - 1;
}

/* Word 2 of send WQEs (UD destination). */
#define IRDMA_WQE2_QKEY GENMASK_ULL(31, 0)
#define IRDMA_WQE2_DESTQPN GENMASK_ULL(55, 32)

/* Word 1 of bind WQEs: two stags, order depends on the generation. */
#define IRDMA_BIND_HI_STAG GENMASK_ULL(63, 32)
#define IRDMA_BIND_LO_STAG GENMASK_ULL(31, 0)

/* Word 1 of atomics: local lkey. */
#define IRDMA_ATOM_LKEY GENMASK_ULL(31, 0)

/* Inline data: valid bit inside the last byte of each extra quantum. */
#define IRDMA_INLINE_VALID_BYTE_SHIFT 7
/* Largest fragment count of one WQE (13 SGEs + immediate, rounded). */
#define IRDMA_MAX_FRAGS 15u
/* Gen 1 inline: 16 bytes in the first quantum, 32 in the second. */
#define IRDMA_GEN1_INLINE_FIRST 16u
/* Gen 2+ inline: 8 bytes in the first quantum, 31 in each further one. */
#define IRDMA_INLINE_FIRST 8u
#define IRDMA_INLINE_PER_QUANTUM 31u

/* SQ opcodes. */
enum irdma_hw_sq_op {
	IRDMA_HWOP_RDMA_WRITE = 0x00,
	IRDMA_HWOP_RDMA_READ = 0x01,
	IRDMA_HWOP_SEND = 0x03,
	IRDMA_HWOP_SEND_INV = 0x04,
	IRDMA_HWOP_SEND_SOL = 0x05,
	IRDMA_HWOP_SEND_SOL_INV = 0x06,
	IRDMA_HWOP_BIND_MW = 0x08,
	IRDMA_HWOP_FAST_REG = 0x09,
	IRDMA_HWOP_LOCAL_INV = 0x0a,
	IRDMA_HWOP_READ_LOCAL_INV = 0x0b,
	IRDMA_HWOP_NOP = 0x0c,
	IRDMA_HWOP_RDMA_WRITE_SOL = 0x0d,
	IRDMA_HWOP_ATOMIC_FETCH_ADD = 0x0f,
	IRDMA_HWOP_ATOMIC_CMP_SWAP = 0x11,
	/* only seen in CQEs of receive queues */
	IRDMA_HWOP_RECV = 0x3e,
	IRDMA_HWOP_RECV_IMM = 0x3f,
};

/*
 * Gen 1/2 RQ CQEs report the IB BTH opcode of the message instead; these
 * two mean "RDMA write with immediate consumed a receive".
 */
#define IRDMA_BTH_OP_RDMA_WRITE_LAST_IMM 0x09
#define IRDMA_BTH_OP_RDMA_WRITE_ONLY_IMM 0x0b

/* SRQ shadow area: word 0 = index one past the last posted WQE. */

/* ---- completion queues ------------------------------------------------ */

#define IRDMA_CQE_BYTES 32u
#define IRDMA_CQE64_BYTES 64u

/* Word 0 */
#define IRDMA_CQE0_PAYLOAD_LEN GENMASK_ULL(31, 0)
#define IRDMA_CQE0_STAT GENMASK_ULL(63, 32) /* PSN / RTT / timestamp */
/* Word 1: the QP's completion context, or an SRQ WQE's wr_id */
/* Word 2 */
#define IRDMA_CQE2_INV_STAG GENMASK_ULL(31, 0)
#define IRDMA_CQE2_UD_SRC_QPN GENMASK_ULL(31, 0)
#define IRDMA_CQE2_QPID GENMASK_ULL(55, 32)
/* Word 3 */
#define IRDMA_CQE3_MINOR_ERR GENMASK_ULL(15, 0)
#define IRDMA_CQE3_MAJOR_ERR GENMASK_ULL(31, 16)
#define IRDMA_CQE3_WQE_IDX GENMASK_ULL(46, 32)
#define IRDMA_CQE3_EXTENDED BIT_ULL(50)
#define IRDMA_CQE3_PUSH_DROP BIT_ULL(51)
#define IRDMA_CQE3_SRQ BIT_ULL(52)
#define IRDMA_CQE3_STAG_VALID BIT_ULL(53)
#define IRDMA_CQE3_SOLICITED BIT_ULL(54)
#define IRDMA_CQE3_ERROR BIT_ULL(55)
#define IRDMA_CQE3_OPCODE GENMASK_ULL(61, 56)
#define IRDMA_CQE3_SQ BIT_ULL(62)
#define IRDMA_CQE3_VALID BIT_ULL(63)
/* Extended half (words 4..7) */
#define IRDMA_CQE4_IMM_LOW GENMASK_ULL(31, 0)
/* word 5: the QP's completion context for SRQ completions */
#define IRDMA_CQE6_UD_SMAC GENMASK_ULL(47, 0)
#define IRDMA_CQE6_UD_VLAN GENMASK_ULL(63, 48)
#define IRDMA_CQE7_UD_VLAN_VALID BIT_ULL(60)
#define IRDMA_CQE7_UD_SMAC_VALID BIT_ULL(61)
#define IRDMA_CQE7_IMM_VALID BIT_ULL(62)
#define IRDMA_CQE7_VALID BIT_ULL(63)

/* Major error codes with special meaning. */
#define IRDMA_MAJOR_FLUSH 0x0001
#define IRDMA_MAJOR_SRQ_FLUSH 0xfffe /* minor holds an async event id */
/* UD SQ: majors 0xE??? are informational, the send still succeeded. */
#define IRDMA_MAJOR_INFO_NIBBLE_MASK 0xf000
#define IRDMA_MAJOR_INFO_NIBBLE 0xe000

/* Flush minor codes (the kernel's enum irdma_flush_opcode). */
enum irdma_flush_code {
	IRDMA_FLUSH_GENERAL = 1,
	IRDMA_FLUSH_PROT = 2,
	IRDMA_FLUSH_REM_ACCESS = 3,
	IRDMA_FLUSH_LOC_QP_OP = 4,
	IRDMA_FLUSH_REM_OP = 5,
	IRDMA_FLUSH_LOC_LEN = 6,
	IRDMA_FLUSH_FATAL = 7,
	IRDMA_FLUSH_RETRY_EXC = 8,
	IRDMA_FLUSH_MW_BIND = 9,
	IRDMA_FLUSH_REM_INV_REQ = 10,
	IRDMA_FLUSH_RNR_RETRY_EXC = 11,
};

/* CQ shadow area: word 0 = consumer head index; word 4 = arm state. */
#define IRDMA_CQ_SHADOW_HEAD_WORD 0
#define IRDMA_CQ_SHADOW_ARM_WORD 4
#define IRDMA_CQARM_SW_CQ_SELECT GENMASK_ULL(13, 0)
#define IRDMA_CQARM_NEXT BIT_ULL(14)
#define IRDMA_CQARM_NEXT_SOLICITED BIT_ULL(15)
#define IRDMA_CQARM_SEQ GENMASK_ULL(17, 16)

#endif /* IRDMA_PROVIDER_HW_FORMAT_H */
