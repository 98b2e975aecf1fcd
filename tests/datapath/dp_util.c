// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Helpers of the data path tests; see dp_util.h. */
#include <errno.h>
#include <string.h>

#include "dp_util.h"

void dp_open(struct test_dev *e, int argc, char **argv)
{
	int i, ret;

	ret = test_dev_open(e, 0, DP_BUF_SIZE);
	CHECK(!ret, "opening the device: %s", strerror(ret));
	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--gen"))
			e->gen = atoi(argv[i + 1]);
}

void dp_close(struct test_dev *e)
{
	int ret = test_dev_close(e);

	CHECK(!ret, "closing the device: %s", strerror(ret));
}

struct ibv_qp *dp_create_qp(struct test_dev *e, struct ibv_cq *cq,
			    enum ibv_qp_type type, uint32_t max_wr,
			    uint32_t max_sge, uint32_t max_inline,
			    uint64_t send_ops)
{
	struct ibv_qp_init_attr_ex a =
		test_qp_attr_ex(e->pd, type, cq, cq, max_wr);
	struct ibv_qp *qp;

	a.cap.max_send_sge = max_sge;
	a.cap.max_recv_sge = max_sge;
	a.cap.max_inline_data = max_inline;
	if (send_ops) {
		a.comp_mask |= IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
		a.send_ops_flags = send_ops;
	}
	qp = ibv_create_qp_ex(e->ctx, &a);
	CHECK(qp, "create_qp_ex type %d: errno %d", type, errno);
	return qp;
}

void dp_connect_rc(struct test_dev *e, struct ibv_qp *a, struct ibv_qp *b)
{
	struct test_rc_peer peer =
		TEST_RC_PEER(b->qp_num, e->gid,
			     IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
				     IBV_ACCESS_REMOTE_ATOMIC);
	int ret;

	peer.sgid_index = (uint8_t)e->gid_index;
	ret = test_rc_to_rts(a, &peer);
	CHECK(!ret, "QP %u to RTS: %s", a->qp_num, strerror(ret));
	peer.qpn = a->qp_num;
	ret = test_rc_to_rts(b, &peer);
	CHECK(!ret, "QP %u to RTS: %s", b->qp_num, strerror(ret));
}

void dp_activate_ud(struct ibv_qp *qp, uint32_t qkey)
{
	int ret = test_ud_to_rts(qp, qkey);

	CHECK(!ret, "UD QP %u to RTS: %s", qp->qp_num, strerror(ret));
}

struct ibv_ah *dp_self_ah(struct test_dev *e)
{
	struct ibv_ah *ah =
		test_create_ah(e->pd, &e->gid, (uint8_t)e->gid_index);

	CHECK(ah, "create_ah: errno %d", errno);
	return ah;
}

void dp_qp_to_err(struct ibv_qp *qp)
{
	struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };

	CHECK(!ibv_modify_qp(qp, &attr, IBV_QP_STATE), "to ERR");
}

int dp_poll(struct ibv_cq *cq, struct ibv_wc *wc, int n)
{
	int got = test_poll_cq(cq, wc, n, 5000);

	CHECK(got >= 0, "poll_cq failed");
	return got;
}

void dp_post_recv(struct test_dev *e, struct ibv_qp *qp, uint64_t wr_id,
		  uint32_t off, uint32_t len)
{
	CHECK(!test_post_recv(qp, wr_id, e->buf + off, len, e->mr->lkey),
	      "post_recv");
}

bool dp_has_atomics(const struct test_dev *e)
{
	return e->attr.orig_attr.atomic_cap != IBV_ATOMIC_NONE;
}

bool dp_has_srq(const struct test_dev *e)
{
	return e->attr.orig_attr.max_srq > 0;
}

void dp_expect_wc(struct ibv_cq *cq, uint64_t wr_id, enum ibv_wc_opcode op,
		  struct ibv_wc *out)
{
	struct ibv_wc wc;

	CHECK(dp_poll(cq, &wc, 1) == 1, "no completion for %llu",
	      (unsigned long long)wr_id);
	CHECK(wc.status == IBV_WC_SUCCESS && wc.wr_id == wr_id &&
		      wc.opcode == op,
	      "wc: status %s wr_id %llu opcode %d (want %llu/%d)",
	      ibv_wc_status_str(wc.status), (unsigned long long)wc.wr_id,
	      wc.opcode, (unsigned long long)wr_id, op);
	if (out)
		*out = wc;
}
