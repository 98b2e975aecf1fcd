/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Helpers of the data-path tests (dp_*.c): one device context, RC/UD QPs
 * connected inside one process, polling with a deadline.
 */
#ifndef IRDMA_DP_UTIL_H
#define IRDMA_DP_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <infiniband/verbs.h>

#include "common/check.h"
#include "common/process.h"
#include "common/verbs.h"

struct dp_ctx {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_device_attr attr;
	union ibv_gid gid;
	int gid_index;
	int gen;
};

/* A QP with its own send and receive CQ. */
struct dp_qp {
	struct ibv_qp *qp;
	struct ibv_cq *scq;
	struct ibv_cq *rcq;
};

extern int dp_failures;

/* A failed check counts and ends the test case (which returns -1). */
#define DP_CHECK(cond, ...)            \
	CHECK_THEN(                    \
		cond,                  \
		{                      \
			dp_failures++; \
			return -1;     \
		},                     \
		__VA_ARGS__)

int dp_open(struct dp_ctx *d);
void dp_close(struct dp_ctx *d);
/* Create a QP (and CQs of @cqe entries); srq may be NULL. */
int dp_qp_create(struct dp_ctx *d, struct dp_qp *q, enum ibv_qp_type type,
		 int cqe, struct ibv_srq *srq);
void dp_qp_destroy(struct dp_qp *q);
/* RC: INIT -> RTR -> RTS towards @remote_qpn on our own GID. */
int dp_rc_connect(struct dp_ctx *d, struct dp_qp *q, uint32_t remote_qpn,
		  int rnr_retry);
/* UD: INIT -> RTR -> RTS with @qkey. */
int dp_ud_ready(struct dp_ctx *d, struct dp_qp *q, uint32_t qkey);
/* Poll one completion; 0, or -1 after @ms milliseconds without one. */
int dp_poll(struct ibv_cq *cq, struct ibv_wc *wc, int ms);
/* Wait for an async event of @type; 0 or -1 after @ms milliseconds. */
int dp_async(struct dp_ctx *d, enum ibv_event_type type, int ms);
int dp_post_recv(struct ibv_qp *qp, uint64_t wr_id, void *buf, uint32_t len,
		 uint32_t lkey);
/* Run @fn as test @name: prints ok/FAIL, counts failures. */
void dp_run(const char *name, int (*fn)(struct dp_ctx *d), struct dp_ctx *d);

#endif /* IRDMA_DP_UTIL_H */
