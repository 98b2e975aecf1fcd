// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Which QP state transitions are legal, and which attributes each one
 * needs or allows (IBA 1.2 section 10.3, as ib_modify_qp_is_ok applies it),
 * for the two QP types irdma exposes over RoCE: RC and UD.
 */
#include "kernel_priv.h"

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

/* The attributes of one transition for one QP type. */
struct attr_rule {
	bool valid;
	uint32_t required;
	uint32_t optional;
};

/* A transition other than into RESET or ERR: its rule for RC and for UD. */
struct transition {
	struct attr_rule rc;
	struct attr_rule ud;
};

#define NSTATES (EMU_QPS_ERR + 1)

/* RC attributes that may change on the way into or within RTS. */
#define RC_RTS_OPTIONAL                                                \
	(A_CUR_STATE | A_ACCESS_FLAGS | A_ALT_PATH | A_MIN_RNR_TIMER | \
	 A_PATH_MIG_STATE)
/* UD QPs may change only the Q_Key there. */
#define UD_RTS_OPTIONAL (A_CUR_STATE | A_QKEY)
/* Allowed, nothing required. */
#define MAY(mask)                                 \
	{                                         \
		.valid = true, .optional = (mask) \
	}

/*
 * [current][next]; an entry left out is an illegal transition. Into RESET
 * and ERR every state may go with no attributes: that is code, below.
 */
static const struct transition transitions[NSTATES][NSTATES] = {
	[EMU_QPS_RESET][EMU_QPS_INIT] = {
		.rc = { .valid = true,
			.required = A_PKEY_INDEX | A_PORT | A_ACCESS_FLAGS },
		.ud = { .valid = true,
			.required = A_PKEY_INDEX | A_PORT | A_QKEY },
	},
	[EMU_QPS_INIT][EMU_QPS_INIT] = {
		.rc = MAY(A_PKEY_INDEX | A_PORT | A_ACCESS_FLAGS),
		.ud = MAY(A_PKEY_INDEX | A_PORT | A_QKEY),
	},
	[EMU_QPS_INIT][EMU_QPS_RTR] = {
		.rc = { .valid = true,
			.required = A_AV | A_PATH_MTU | A_DEST_QPN | A_RQ_PSN |
				    A_MAX_DEST_RD_ATOMIC | A_MIN_RNR_TIMER,
			.optional = A_ALT_PATH | A_ACCESS_FLAGS |
				    A_PKEY_INDEX },
		.ud = MAY(A_PKEY_INDEX | A_QKEY),
	},
	[EMU_QPS_RTR][EMU_QPS_RTS] = {
		.rc = { .valid = true,
			.required = A_TIMEOUT | A_RETRY_CNT | A_RNR_RETRY |
				    A_SQ_PSN | A_MAX_QP_RD_ATOMIC,
			.optional = RC_RTS_OPTIONAL },
		.ud = { .valid = true,
			.required = A_SQ_PSN,
			.optional = UD_RTS_OPTIONAL },
	},
	[EMU_QPS_RTS][EMU_QPS_RTS] = {
		.rc = MAY(RC_RTS_OPTIONAL),
		.ud = MAY(UD_RTS_OPTIONAL),
	},
	[EMU_QPS_RTS][EMU_QPS_SQD] = {
		.rc = MAY(A_EN_SQD_ASYNC_NOTIFY),
		.ud = MAY(A_EN_SQD_ASYNC_NOTIFY),
	},
	[EMU_QPS_SQD][EMU_QPS_RTS] = {
		.rc = MAY(RC_RTS_OPTIONAL),
		.ud = MAY(UD_RTS_OPTIONAL),
	},
	[EMU_QPS_SQD][EMU_QPS_SQD] = {
		.rc = MAY(A_PORT | A_AV | A_TIMEOUT | A_RETRY_CNT |
			  A_RNR_RETRY | A_MAX_QP_RD_ATOMIC |
			  A_MAX_DEST_RD_ATOMIC | A_ALT_PATH | A_ACCESS_FLAGS |
			  A_PKEY_INDEX | A_MIN_RNR_TIMER | A_PATH_MIG_STATE),
		.ud = MAY(A_PKEY_INDEX | A_QKEY),
	},
	/* only unreliable QPs have an SQE state to leave */
	[EMU_QPS_SQE][EMU_QPS_RTS] = {
		.ud = MAY(UD_RTS_OPTIONAL),
	},
};

bool emu_qp_transition_ok(enum emu_qp_state cur, enum emu_qp_state next,
			  enum emu_qp_type type, uint32_t mask)
{
	const struct transition *t;
	struct attr_rule r = { .valid = true };

	if (cur > EMU_QPS_ERR || next > EMU_QPS_ERR)
		return false;
	/* the current state may always be named, if it is right */
	if ((mask & A_CUR_STATE) && cur != EMU_QPS_RTR && cur != EMU_QPS_RTS &&
	    cur != EMU_QPS_SQD && cur != EMU_QPS_SQE)
		return false;
	if (next != EMU_QPS_RESET && next != EMU_QPS_ERR) {
		t = &transitions[cur][next];
		r = type == EMU_QPT_RC ? t->rc : t->ud;
	}
	if (!r.valid)
		return false;
	if ((mask & r.required) != r.required)
		return false;
	return !(mask & ~(r.required | r.optional | A_STATE));
}
