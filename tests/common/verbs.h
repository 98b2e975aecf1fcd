/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Verbs building blocks of the tests: the first device, QP attributes,
 * and the state changes that bring a QP to RTS. The emulated fabric hands
 * packets for the device's own GID back to it, so two QPs of one process
 * talk to each other.
 */
#ifndef IRDMA_TESTS_COMMON_VERBS_H
#define IRDMA_TESTS_COMMON_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <infiniband/verbs.h>

/*
 * Open the first RDMA device; NULL with errno as ibv_open_device() left it
 * (ENODEV if there is no device at all).
 */
struct ibv_context *test_open_first_device(void);
/* The same, but a failure ends the test (exit 1). */
struct ibv_context *test_must_open_first_device(void);

/*
 * Attributes of a QP of @type on @scq/@rcq, @depth WRs deep both ways,
 * one SGE each and no inline data.
 */
struct ibv_qp_init_attr test_qp_attr(enum ibv_qp_type type, struct ibv_cq *scq,
				     struct ibv_cq *rcq, uint32_t depth);

/* The same for ibv_create_qp_ex(), on @pd (a PD or a parent domain). */
struct ibv_qp_init_attr_ex test_qp_attr_ex(struct ibv_pd *pd,
					   enum ibv_qp_type type,
					   struct ibv_cq *scq,
					   struct ibv_cq *rcq, uint32_t depth);

/* A CQ of @cqe entries whose memory comes from parent domain @domain. */
struct ibv_cq_ex *test_cq_on_domain(struct ibv_context *ctx,
				    struct ibv_pd *domain, int cqe);

/* Where an RC QP sends to, and how it treats its peer. */
struct test_rc_peer {
	uint32_t qpn; /* the remote QP */
	union ibv_gid gid; /* its GID (ours on loopback) */
	uint8_t sgid_index; /* our GID table entry */
	unsigned int access; /* qp_access_flags, set at INIT */
	uint8_t min_rnr_timer;
	uint8_t rnr_retry;
};

/*
 * The peer most tests use: QP @remote_qpn at @remote_gid through our GID
 * entry 0, @qp_access granted at INIT, RNR timer 12 (0.64 ms) and RNR
 * retries 7 (retry for ever).
 */
#define TEST_RC_PEER(remote_qpn, remote_gid, qp_access) \
	((struct test_rc_peer){ .qpn = (remote_qpn),    \
				.gid = (remote_gid),    \
				.access = (qp_access),  \
				.min_rnr_timer = 12,    \
				.rnr_retry = 7 })

/*
 * RESET -> INIT -> RTR -> RTS of an RC QP on port 1, path MTU 1024, one
 * outstanding read/atomic each way. Returns 0 or a positive errno.
 */
int test_rc_to_rts(struct ibv_qp *qp, const struct test_rc_peer *peer);

/* RESET -> INIT -> RTR -> RTS of a UD QP on port 1 with @qkey. */
int test_ud_to_rts(struct ibv_qp *qp, uint32_t qkey);

/* @wr zeroed, then a signaled @op with @wr_id on the @num_sge SGEs @sg. */
void test_signaled_wr(struct ibv_send_wr *wr, uint64_t wr_id,
		      enum ibv_wr_opcode op, struct ibv_sge *sg, int num_sge);

/*
 * @wr zeroed, then a signaled bind of type 2 window @mw, under its next
 * rkey, to @len bytes of @mr at @addr with @access.
 */
void test_bind_mw_wr(struct ibv_send_wr *wr, uint64_t wr_id, struct ibv_mw *mw,
		     struct ibv_mr *mr, const void *addr, uint64_t len,
		     unsigned int access);

/*
 * Is @buf, @len bytes at @addr from ibv_alloc_buf(), a DMA-buf? Asked with
 * ibv_export_buf_dmabuf_fd() where libibverbs has it (rdma-core >= 65);
 * before that only the emulator can tell (the buffer lies in its DMA-buf
 * heap's shared mappings), so the test must run under irdma-emu-run.
 */
bool test_buf_is_dmabuf(struct ibv_buf *buf, const void *addr, size_t len);

/* An address handle for @gid (the device's own: loopback) on port 1. */
struct ibv_ah *test_create_ah(struct ibv_pd *pd, const union ibv_gid *gid,
			      uint8_t sgid_index);

#endif /* IRDMA_TESTS_COMMON_VERBS_H */
