/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Helpers of the data path tests (dp_*.c, datapath_*.c): a struct
 * test_dev (common/device.h) with a registered buffer, QPs connected to
 * each other on the same emulated device. The dp_* calls below end the
 * program on a failed check (exit 1).
 */
#ifndef IRDMA_TESTS_DP_UTIL_H
#define IRDMA_TESTS_DP_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <infiniband/verbs.h>

#include "common/check.h"
#include "common/device.h"
#include "common/verbs.h"

#define DP_BUF_SIZE (64 * 1024)

/*
 * Open the first device with GID entry 0 and a DP_BUF_SIZE buffer; --gen
 * N on the command line overrides e->gen.
 */
void dp_open(struct test_dev *e, int argc, char **argv);
void dp_close(struct test_dev *e);

/* Create an RC or UD QP on cq (send and receive), with the given caps. */
struct ibv_qp *dp_create_qp(struct test_dev *e, struct ibv_cq *cq,
			    enum ibv_qp_type type, uint32_t max_wr,
			    uint32_t max_sge, uint32_t max_inline,
			    uint64_t send_ops);

/* Bring two RC QPs to RTS, each connected to the other. */
void dp_connect_rc(struct test_dev *e, struct ibv_qp *a, struct ibv_qp *b);
/* Bring a UD QP to RTS with the given qkey. */
void dp_activate_ud(struct ibv_qp *qp, uint32_t qkey);
/* An AH for the device's own GID (loopback). */
struct ibv_ah *dp_self_ah(struct test_dev *e);

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
void dp_post_recv(struct test_dev *e, struct ibv_qp *qp, uint64_t wr_id,
		  uint32_t off, uint32_t len);

/* Does the device do atomics / SRQs? */
bool dp_has_atomics(const struct test_dev *e);
bool dp_has_srq(const struct test_dev *e);

#endif /* IRDMA_TESTS_DP_UTIL_H */
