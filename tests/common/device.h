/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The environment most tests start from: the first RDMA device open, a PD,
 * the device's attributes and a GID of port 1 (the emulated fabric hands
 * packets for the device's own GID back to it, so QPs of one process talk
 * to each other), and if asked for a zeroed buffer registered on the PD.
 * Also the pieces every two-QP test needs: a QP with CQs of its own, and
 * polling with a deadline.
 */
#ifndef IRDMA_TESTS_COMMON_DEVICE_H
#define IRDMA_TESTS_COMMON_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include <infiniband/verbs.h>

struct test_dev {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_device_attr_ex attr;
	union ibv_gid gid; /* port 1, entry gid_index */
	int gid_index;
	int gen; /* the emulated generation (IRDMA_EMU_GEN), 0 if not known */
	uint8_t *buf; /* buf_size bytes (4 KiB aligned), registered as mr */
	size_t buf_size;
	struct ibv_mr *mr;
};

/*
 * Open the first device into @d, with GID entry @gid_index and, unless
 * @buf_size is 0, a zeroed buffer registered for local and remote access
 * (atomics and MW binds too where the device allows them). The async
 * event fd is made non-blocking: tests wait for events with a deadline
 * (test_wait_async_event()). Returns 0 or a positive errno, after a line
 * on stderr saying what failed; on failure nothing is left open.
 */
int test_dev_open(struct test_dev *d, int gid_index, size_t buf_size);
/* Everything test_dev_open() made; 0 or the errno of the first failure. */
int test_dev_close(struct test_dev *d);

/* A QP with a send and a receive CQ of its own. */
struct test_qp {
	struct ibv_qp *qp;
	struct ibv_cq *scq;
	struct ibv_cq *rcq;
};

/*
 * A QP of @type (on @srq unless NULL) with two CQs of @cqe entries: 64
 * WRs each way, up to 4 SGEs and 64 bytes of inline data (less where the
 * generation has less). 0, or -1 with what exists left for
 * test_qp_destroy().
 */
int test_qp_create(struct test_dev *d, struct test_qp *q, enum ibv_qp_type type,
		   int cqe, struct ibv_srq *srq);
void test_qp_destroy(struct test_qp *q);
/*
 * RC: to RTS towards @remote_qpn on our own GID, remote read, write and
 * atomics granted, RNR timer 1 and @rnr_retry. 0 or -1.
 */
int test_qp_rc_connect(struct test_dev *d, struct test_qp *q,
		       uint32_t remote_qpn, int rnr_retry);
/* UD: to RTS with @qkey. 0 or -1. */
int test_qp_ud_ready(struct test_qp *q, uint32_t qkey);

/*
 * Poll @cq until @n completions are in @wc or @ms milliseconds passed;
 * returns how many arrived, or -1 as soon as ibv_poll_cq() fails.
 */
int test_poll_cq(struct ibv_cq *cq, struct ibv_wc *wc, int n, int ms);
/* One completion into @wc within @ms: 0, or -1 (none, or polling failed). */
int test_poll_one(struct ibv_cq *cq, struct ibv_wc *wc, int ms);

/* Post one receive of @len bytes at @addr; ibv_post_recv()'s result. */
int test_post_recv(struct ibv_qp *qp, uint64_t wr_id, void *addr, uint32_t len,
		   uint32_t lkey);

#endif /* IRDMA_TESTS_COMMON_DEVICE_H */
