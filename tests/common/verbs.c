// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Verbs building blocks of the tests; see verbs.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/check.h"
#include "common/emu.h"
#include "common/verbs.h"

struct ibv_context *test_open_first_device(void)
{
	struct ibv_device **list;
	struct ibv_context *ctx;
	int n = 0, err;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	if (n < 1) {
		ibv_free_device_list(list);
		errno = ENODEV;
		return NULL;
	}
	/* a failed open that leaves errno alone is a defect tests look for */
	errno = 0;
	ctx = ibv_open_device(list[0]);
	err = errno;
	ibv_free_device_list(list);
	errno = err;
	return ctx;
}

struct ibv_context *test_must_open_first_device(void)
{
	struct ibv_context *ctx = test_open_first_device();

	CHECK(ctx, "opening the first RDMA device: %m");
	return ctx;
}

struct ibv_qp_init_attr test_qp_attr(enum ibv_qp_type type, struct ibv_cq *scq,
				     struct ibv_cq *rcq, uint32_t depth)
{
	return (struct ibv_qp_init_attr){
		.send_cq = scq,
		.recv_cq = rcq,
		.qp_type = type,
		.cap = {
			.max_send_wr = depth,
			.max_recv_wr = depth,
			.max_send_sge = 1,
			.max_recv_sge = 1,
		},
	};
}

struct ibv_qp_init_attr_ex test_qp_attr_ex(struct ibv_pd *pd,
					   enum ibv_qp_type type,
					   struct ibv_cq *scq,
					   struct ibv_cq *rcq, uint32_t depth)
{
	struct ibv_qp_init_attr a = test_qp_attr(type, scq, rcq, depth);

	return (struct ibv_qp_init_attr_ex){
		.send_cq = a.send_cq,
		.recv_cq = a.recv_cq,
		.qp_type = a.qp_type,
		.cap = a.cap,
		.comp_mask = IBV_QP_INIT_ATTR_PD,
		.pd = pd,
	};
}

struct ibv_cq_ex *test_cq_on_domain(struct ibv_context *ctx,
				    struct ibv_pd *domain, int cqe)
{
	struct ibv_cq_init_attr_ex a = {
		.cqe = (uint32_t)cqe,
		.wc_flags = IBV_WC_STANDARD_FLAGS,
		.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD,
		.parent_domain = domain,
	};

	return ibv_create_cq_ex(ctx, &a);
}

/* libibverbs returns a positive errno, some providers a negative one. */
static int modify(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask)
{
	int ret = ibv_modify_qp(qp, a, mask);

	return ret < 0 ? -ret : ret;
}

static int rc_to_rtr(struct ibv_qp *qp, const struct test_rc_peer *peer)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR,
		.path_mtu = IBV_MTU_1024,
		.dest_qp_num = peer->qpn,
		.max_dest_rd_atomic = 1,
		.min_rnr_timer = peer->min_rnr_timer,
		.ah_attr = {
			.is_global = 1,
			.port_num = 1,
			.grh = {
				.dgid = peer->gid,
				.sgid_index = peer->sgid_index,
				.hop_limit = 1,
			},
		},
	};

	return modify(qp, &a,
		      IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			      IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			      IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
}

static int rc_to_rts(struct ibv_qp *qp, const struct test_rc_peer *peer)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTS,
		.timeout = 14,
		.retry_cnt = 7,
		.rnr_retry = peer->rnr_retry,
		.max_rd_atomic = 1,
	};

	return modify(qp, &a,
		      IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			      IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
			      IBV_QP_MAX_QP_RD_ATOMIC);
}

int test_rc_to_rts(struct ibv_qp *qp, const struct test_rc_peer *peer)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qp_access_flags = peer->access,
	};
	int ret;

	ret = modify(qp, &a,
		     IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			     IBV_QP_ACCESS_FLAGS);
	if (!ret)
		ret = rc_to_rtr(qp, peer);
	if (!ret)
		ret = rc_to_rts(qp, peer);
	return ret;
}

int test_ud_to_rts(struct ibv_qp *qp, uint32_t qkey)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qkey = qkey,
	};
	int ret;

	ret = modify(qp, &a,
		     IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			     IBV_QP_QKEY);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	ret = modify(qp, &a, IBV_QP_STATE);
	if (ret)
		return ret;
	a.qp_state = IBV_QPS_RTS;
	return modify(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN);
}

struct ibv_ah *test_create_ah(struct ibv_pd *pd, const union ibv_gid *gid,
			      uint8_t sgid_index)
{
	struct ibv_ah_attr a = {
		.is_global = 1,
		.port_num = 1,
		.grh = { .dgid = *gid,
			 .sgid_index = sgid_index,
			 .hop_limit = 1 },
	};

	return ibv_create_ah(pd, &a);
}

void test_signaled_wr(struct ibv_send_wr *wr, uint64_t wr_id,
		      enum ibv_wr_opcode op, struct ibv_sge *sg, int num_sge)
{
	memset(wr, 0, sizeof(*wr));
	wr->wr_id = wr_id;
	wr->opcode = op;
	wr->sg_list = sg;
	wr->num_sge = num_sge;
	wr->send_flags = IBV_SEND_SIGNALED;
}

void test_bind_mw_wr(struct ibv_send_wr *wr, uint64_t wr_id, struct ibv_mw *mw,
		     struct ibv_mr *mr, const void *addr, uint64_t len,
		     unsigned int access)
{
	test_signaled_wr(wr, wr_id, IBV_WR_BIND_MW, NULL, 0);
	wr->bind_mw.mw = mw;
	wr->bind_mw.rkey = ibv_inc_rkey(mw->rkey);
	wr->bind_mw.bind_info.mr = mr;
	wr->bind_mw.bind_info.addr = (uintptr_t)addr;
	wr->bind_mw.bind_info.length = len;
	wr->bind_mw.bind_info.mw_access_flags = access;
}

bool test_buf_is_dmabuf(struct ibv_buf *buf, const void *addr, size_t len)
{
#ifdef HAVE_IBV_EXPORT_BUF_DMABUF_FD
	int fd = ibv_export_buf_dmabuf_fd(buf);

	if (fd < 0)
		return false;
	close(fd);
	return true;
#else
	size_t (*shared_prefix)(uint64_t va, size_t len, uint64_t *next);
	uint64_t next;

	*(void **)&shared_prefix = test_emu_sym("emu_heap_shared_prefix");
	return shared_prefix((uintptr_t)addr, len, &next) == len;
#endif
}
