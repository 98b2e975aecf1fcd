/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Helpers for the provider's data path tests (dp_*.c): one device, one PD,
 * a registered buffer and QPs connected to each other on the same emulated
 * device. A failed check prints where and why and exits 1.
 */
#ifndef IRDMA_TEST_DP_UTIL_H
#define IRDMA_TEST_DP_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <infiniband/verbs.h>

#include "common/check.h"
#include "common/verbs.h"

#define DP_BUF_SIZE (64 * 1024)

struct dp_env {
	struct ibv_context *ctx;
	struct ibv_device_attr_ex dev_attr;
	struct ibv_pd *pd;
	uint8_t *buf; /* DP_BUF_SIZE bytes, registered as mr */
	struct ibv_mr *mr;
	union ibv_gid gid;
	int gid_index;
	int gen; /* from --gen N on the command line, 0 if not given */
};

/* Open the first device, allocate a PD and register a zeroed buffer. */
void dp_open(struct dp_env *e, int argc, char **argv);
void dp_close(struct dp_env *e);

/* Create an RC or UD QP on cq (send and receive), with the given caps. */
struct ibv_qp *dp_create_qp(struct dp_env *e, struct ibv_cq *cq,
			    enum ibv_qp_type type, uint32_t max_wr,
			    uint32_t max_sge, uint32_t max_inline,
			    uint64_t send_ops);

/* Bring two RC QPs to RTS, each connected to the other. */
void dp_connect_rc(struct dp_env *e, struct ibv_qp *a, struct ibv_qp *b);
/* Bring a UD QP to RTS with the given qkey. */
void dp_activate_ud(struct ibv_qp *qp, uint32_t qkey);
/* An AH for the device's own GID (loopback). */
struct ibv_ah *dp_self_ah(struct dp_env *e);

/* Move a QP to the error state. */
void dp_qp_to_err(struct ibv_qp *qp);

/* Poll cq until n completions arrived or ~5 s passed; returns the count. */
int dp_poll(struct ibv_cq *cq, struct ibv_wc *wc, int n);

/*
 * Poll one completion (~5 s): it must be a success of wr_id with opcode op;
 * copied to *out if out is not NULL. Exits 1 otherwise.
 */
void dp_expect_wc(struct ibv_cq *cq, uint64_t wr_id, enum ibv_wc_opcode op,
		  struct ibv_wc *out);

/* Post one receive of len bytes at buf offset off. */
void dp_post_recv(struct dp_env *e, struct ibv_qp *qp, uint64_t wr_id,
		  uint32_t off, uint32_t len);

/* Does the device do atomics / SRQs? */
bool dp_has_atomics(const struct dp_env *e);
bool dp_has_srq(const struct dp_env *e);

#endif /* IRDMA_TEST_DP_UTIL_H */
