// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Which QP state transitions are legal, and which attributes each one
 * needs or allows (IBA 1.2 section 10.3, as ib_modify_qp_is_ok applies it),
 * for the two QP types irdma exposes over RoCE: RC and UD.
 */
#include "kernel.h"

/* IB_QP_* attribute mask bits (enum ib_qp_attr_mask). */
enum {
	A_STATE = 1U << 0,
	A_CUR_STATE = 1U << 1,
	A_EN_SQD_ASYNC_NOTIFY = 1U << 2,
	A_ACCESS_FLAGS = 1U << 3,
	A_PKEY_INDEX = 1U << 4,
	A_PORT = 1U << 5,
	A_QKEY = 1U << 6,
	A_AV = 1U << 7,
	A_PATH_MTU = 1U << 8,
	A_TIMEOUT = 1U << 9,
	A_RETRY_CNT = 1U << 10,
	A_RNR_RETRY = 1U << 11,
	A_RQ_PSN = 1U << 12,
	A_MAX_QP_RD_ATOMIC = 1U << 13,
	A_ALT_PATH = 1U << 14,
	A_MIN_RNR_TIMER = 1U << 15,
	A_SQ_PSN = 1U << 16,
	A_MAX_DEST_RD_ATOMIC = 1U << 17,
	A_PATH_MIG_STATE = 1U << 18,
	A_DEST_QPN = 1U << 20,
};

/* What one transition requires and allows, for RC or UD. */
struct rule {
	bool valid;
	uint32_t required;
	uint32_t optional;
};

/* RC attributes that may change on the way into or within RTS. */
#define RC_RTS_OPTIONAL                                                \
	(A_CUR_STATE | A_ACCESS_FLAGS | A_ALT_PATH | A_MIN_RNR_TIMER | \
	 A_PATH_MIG_STATE)

static struct rule from_reset(enum emu_qp_state next, bool rc)
{
	switch (next) {
	case EMU_QPS_RESET:
	case EMU_QPS_ERR:
		return (struct rule){ .valid = true };
	case EMU_QPS_INIT:
		return (struct rule){
			.valid = true,
			.required = A_PKEY_INDEX | A_PORT |
				    (rc ? A_ACCESS_FLAGS : A_QKEY),
		};
	default:
		return (struct rule){ 0 };
	}
}

static struct rule from_init(enum emu_qp_state next, bool rc)
{
	switch (next) {
	case EMU_QPS_RESET:
	case EMU_QPS_ERR:
		return (struct rule){ .valid = true };
	case EMU_QPS_INIT:
		return (struct rule){
			.valid = true,
			.optional = A_PKEY_INDEX | A_PORT |
				    (rc ? A_ACCESS_FLAGS : A_QKEY),
		};
	case EMU_QPS_RTR:
		if (!rc)
			return (struct rule){ .valid = true,
					      .optional =
						      A_PKEY_INDEX | A_QKEY };
		return (struct rule){
			.valid = true,
			.required = A_AV | A_PATH_MTU | A_DEST_QPN | A_RQ_PSN |
				    A_MAX_DEST_RD_ATOMIC | A_MIN_RNR_TIMER,
			.optional = A_ALT_PATH | A_ACCESS_FLAGS | A_PKEY_INDEX,
		};
	default:
		return (struct rule){ 0 };
	}
}

static struct rule from_rtr(enum emu_qp_state next, bool rc)
{
	switch (next) {
	case EMU_QPS_RESET:
	case EMU_QPS_ERR:
		return (struct rule){ .valid = true };
	case EMU_QPS_RTS:
		if (!rc)
			return (struct rule){ .valid = true,
					      .required = A_SQ_PSN,
					      .optional =
						      A_CUR_STATE | A_QKEY };
		return (struct rule){
			.valid = true,
			.required = A_TIMEOUT | A_RETRY_CNT | A_RNR_RETRY |
				    A_SQ_PSN | A_MAX_QP_RD_ATOMIC,
			.optional = RC_RTS_OPTIONAL,
		};
	default:
		return (struct rule){ 0 };
	}
}

/* RTS -> RTS and SQD -> RTS allow the same attributes. */
static struct rule into_rts(bool rc)
{
	return (struct rule){
		.valid = true,
		.optional = rc ? RC_RTS_OPTIONAL : A_CUR_STATE | A_QKEY,
	};
}

static struct rule from_rts(enum emu_qp_state next, bool rc)
{
	switch (next) {
	case EMU_QPS_RESET:
	case EMU_QPS_ERR:
		return (struct rule){ .valid = true };
	case EMU_QPS_RTS:
		return into_rts(rc);
	case EMU_QPS_SQD:
		return (struct rule){ .valid = true,
				      .optional = A_EN_SQD_ASYNC_NOTIFY };
	default:
		return (struct rule){ 0 };
	}
}

static struct rule from_sqd(enum emu_qp_state next, bool rc)
{
	switch (next) {
	case EMU_QPS_RESET:
	case EMU_QPS_ERR:
		return (struct rule){ .valid = true };
	case EMU_QPS_RTS:
		return into_rts(rc);
	case EMU_QPS_SQD:
		if (!rc)
			return (struct rule){ .valid = true,
					      .optional =
						      A_PKEY_INDEX | A_QKEY };
		return (struct rule){
			.valid = true,
			.optional = A_PORT | A_AV | A_TIMEOUT | A_RETRY_CNT |
				    A_RNR_RETRY | A_MAX_QP_RD_ATOMIC |
				    A_MAX_DEST_RD_ATOMIC | A_ALT_PATH |
				    A_ACCESS_FLAGS | A_PKEY_INDEX |
				    A_MIN_RNR_TIMER | A_PATH_MIG_STATE,
		};
	default:
		return (struct rule){ 0 };
	}
}

static struct rule from_sqe(enum emu_qp_state next, bool rc)
{
	switch (next) {
	case EMU_QPS_RESET:
	case EMU_QPS_ERR:
		return (struct rule){ .valid = true };
	case EMU_QPS_RTS:
		/* only unreliable QPs have an SQE state to leave */
		if (rc)
			return (struct rule){ 0 };
		return (struct rule){ .valid = true,
				      .optional = A_CUR_STATE | A_QKEY };
	default:
		return (struct rule){ 0 };
	}
}

static struct rule rule_for(enum emu_qp_state cur, enum emu_qp_state next,
			    bool rc)
{
	switch (cur) {
	case EMU_QPS_RESET:
		return from_reset(next, rc);
	case EMU_QPS_INIT:
		return from_init(next, rc);
	case EMU_QPS_RTR:
		return from_rtr(next, rc);
	case EMU_QPS_RTS:
		return from_rts(next, rc);
	case EMU_QPS_SQD:
		return from_sqd(next, rc);
	case EMU_QPS_SQE:
		return from_sqe(next, rc);
	case EMU_QPS_ERR:
		if (next == EMU_QPS_RESET || next == EMU_QPS_ERR)
			return (struct rule){ .valid = true };
		return (struct rule){ 0 };
	default:
		return (struct rule){ 0 };
	}
}

bool emu_qp_transition_ok(enum emu_qp_state cur, enum emu_qp_state next,
			  enum emu_qp_type type, uint32_t mask)
{
	struct rule r;

	if (cur > EMU_QPS_ERR || next > EMU_QPS_ERR)
		return false;
	/* the current state may always be named, if it is right */
	if ((mask & A_CUR_STATE) && cur != EMU_QPS_RTR && cur != EMU_QPS_RTS &&
	    cur != EMU_QPS_SQD && cur != EMU_QPS_SQE)
		return false;
	r = rule_for(cur, next, type == EMU_QPT_RC);
	if (!r.valid)
		return false;
	if ((mask & r.required) != r.required)
		return false;
	return !(mask & ~(r.required | r.optional | A_STATE));
}
