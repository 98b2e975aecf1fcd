// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The ibv_qp_ex work request API on RC and UD QPs: every builder and
 * setter, several WRs in one batch, ibv_wr_abort (nothing reaches the
 * device and the SQ is usable afterwards), and a batch with a bad WR
 * (ibv_wr_complete fails and nothing of the batch is executed).
 */
#include <errno.h>
#include <string.h>

#include "dp_util.h"

#define A_OFF 0
#define B_OFF (DP_BUF_SIZE / 2)

static uint64_t rc_ops(bool imm)
{
	uint64_t ops = IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_RDMA_WRITE |
		       IBV_QP_EX_WITH_RDMA_READ | IBV_QP_EX_WITH_SEND_WITH_INV |
		       IBV_QP_EX_WITH_LOCAL_INV | IBV_QP_EX_WITH_BIND_MW;

	if (imm)
		ops |= IBV_QP_EX_WITH_SEND_WITH_IMM |
		       IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM;
	return ops;
}

static void expect_none(struct ibv_cq *cq)
{
	struct ibv_wc wc;

	CHECK(ibv_poll_cq(cq, 1, &wc) == 0, "unexpected completion %llu",
	      (unsigned long long)wc.wr_id);
}

static void test_batch(struct test_dev *e, struct ibv_qp *a, struct ibv_cq *ca,
		       struct ibv_qp *b, struct ibv_cq *cb, bool imm)
{
	struct ibv_qp_ex *x = ibv_qp_to_qp_ex(a);
	uint8_t *buf = e->buf;
	struct ibv_sge list[2] = {
		{ (uintptr_t)buf + A_OFF, 10, e->mr->lkey },
		{ (uintptr_t)buf + A_OFF + 100, 20, e->mr->lkey },
	};
	struct ibv_data_buf inl[2] = {
		{ buf + A_OFF + 200, 7 },
		{ buf + A_OFF + 300, 30 },
	};
	struct ibv_wc wc;
	int i;

	for (i = 0; i < 512; i++)
		buf[A_OFF + i] = (uint8_t)(i * 3 + 1);
	memset(buf + B_OFF, 0, 8192);
	dp_post_recv(e, b, 1, B_OFF, 256);
	dp_post_recv(e, b, 2, B_OFF + 256, 256);
	dp_post_recv(e, b, 3, B_OFF + 512, 256);

	ibv_wr_start(x);
	/* 1: send with an SGE list */
	x->wr_id = 101;
	x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send(x);
	ibv_wr_set_sge_list(x, 2, list);
	/* 2: inline send (data copied at the call) */
	x->wr_id = 102;
	ibv_wr_send(x);
	ibv_wr_set_inline_data_list(x, 2, inl);
	/* 3: RDMA write of one SGE */
	x->wr_id = 103;
	ibv_wr_rdma_write(x, e->mr->rkey, (uintptr_t)buf + B_OFF + 4096);
	ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)buf + A_OFF, 64);
	/* 4: RDMA read back into A */
	x->wr_id = 104;
	ibv_wr_rdma_read(x, e->mr->rkey, (uintptr_t)buf + B_OFF + 4096);
	ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)buf + A_OFF + 1024, 64);
	/* 5: inline RDMA write */
	x->wr_id = 105;
	ibv_wr_rdma_write(x, e->mr->rkey, (uintptr_t)buf + B_OFF + 5000);
	ibv_wr_set_inline_data(x, buf + A_OFF + 400, 40);
	/* 6: send, unsignaled */
	x->wr_id = 106;
	x->wr_flags = 0;
	ibv_wr_send(x);
	ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)buf + A_OFF + 20, 5);
	/* change the source right away: inline data must already be copied */
	memset(buf + A_OFF + 300, 0xee, 30);
	CHECK(!ibv_wr_complete(x), "wr_complete");

	dp_expect_wc(ca, 101, IBV_WC_SEND, NULL);
	dp_expect_wc(ca, 102, IBV_WC_SEND, NULL);
	dp_expect_wc(ca, 103, IBV_WC_RDMA_WRITE, NULL);
	dp_expect_wc(ca, 104, IBV_WC_RDMA_READ, NULL);
	dp_expect_wc(ca, 105, IBV_WC_RDMA_WRITE, NULL);
	expect_none(ca);
	dp_expect_wc(cb, 1, IBV_WC_RECV, &wc);
	CHECK(wc.byte_len == 30, "len %u", wc.byte_len);
	CHECK(!memcmp(buf + B_OFF, buf + A_OFF, 10) &&
		      !memcmp(buf + B_OFF + 10, buf + A_OFF + 100, 20),
	      "sge list data");
	dp_expect_wc(cb, 2, IBV_WC_RECV, &wc);
	CHECK(wc.byte_len == 37, "inline len %u", wc.byte_len);
	CHECK(!memcmp(buf + B_OFF + 256, buf + A_OFF + 200, 7), "inl 1");
	for (i = 0; i < 30; i++)
		CHECK(buf[B_OFF + 256 + 7 + i] == (uint8_t)((300 + i) * 3 + 1),
		      "inline data not copied at set time (byte %d)", i);
	dp_expect_wc(cb, 3, IBV_WC_RECV, &wc);
	CHECK(wc.byte_len == 5, "len %u", wc.byte_len);
	CHECK(!memcmp(buf + B_OFF + 4096, buf + A_OFF, 64), "write");
	CHECK(!memcmp(buf + A_OFF + 1024, buf + A_OFF, 64), "read");
	CHECK(!memcmp(buf + B_OFF + 5000, buf + A_OFF + 400, 40),
	      "inline write");

	if (!imm)
		return;
	dp_post_recv(e, b, 4, B_OFF, 256);
	dp_post_recv(e, b, 5, B_OFF, 256);
	ibv_wr_start(x);
	x->wr_id = 107;
	x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send_imm(x, htobe32(0xcafe));
	ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)buf + A_OFF, 16);
	x->wr_id = 108;
	ibv_wr_rdma_write_imm(x, e->mr->rkey, (uintptr_t)buf + B_OFF + 6000,
			      htobe32(0xbeef));
	ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)buf + A_OFF, 16);
	CHECK(!ibv_wr_complete(x), "wr_complete imm");
	dp_expect_wc(ca, 107, IBV_WC_SEND, NULL);
	dp_expect_wc(ca, 108, IBV_WC_RDMA_WRITE, NULL);
	dp_expect_wc(cb, 4, IBV_WC_RECV, &wc);
	CHECK((wc.wc_flags & IBV_WC_WITH_IMM) && wc.imm_data == htobe32(0xcafe),
	      "send imm");
	dp_expect_wc(cb, 5, IBV_WC_RECV_RDMA_WITH_IMM, &wc);
	CHECK(wc.imm_data == htobe32(0xbeef), "write imm");
}

/* Aborted batches reach neither the device nor the peer. */
static void test_abort(struct test_dev *e, struct ibv_qp *a, struct ibv_cq *ca,
		       struct ibv_qp *b, struct ibv_cq *cb)
{
	struct ibv_qp_ex *x = ibv_qp_to_qp_ex(a);
	int round, i;

	dp_post_recv(e, b, 50, B_OFF, 64);
	for (round = 0; round < 40; round++) {
		ibv_wr_start(x);
		for (i = 0; i < 1 + round % 5; i++) {
			x->wr_id = 9000 + i;
			x->wr_flags = IBV_SEND_SIGNALED;
			ibv_wr_send(x);
			ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)e->buf, 8);
		}
		ibv_wr_abort(x);
	}
	expect_none(ca);
	expect_none(cb);

	/* the SQ still works, and only this WR is executed */
	ibv_wr_start(x);
	x->wr_id = 51;
	x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send(x);
	ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)e->buf, 8);
	CHECK(!ibv_wr_complete(x), "complete after aborts");
	dp_expect_wc(ca, 51, IBV_WC_SEND, NULL);
	dp_expect_wc(cb, 50, IBV_WC_RECV, NULL);
	expect_none(ca);
	expect_none(cb);
}

/* A bad WR fails the whole batch at ibv_wr_complete. */
static void test_bad_batch(struct test_dev *e, struct ibv_qp *a,
			   struct ibv_cq *ca, struct ibv_cq *cb)
{
	struct ibv_qp_ex *x = ibv_qp_to_qp_ex(a);
	struct ibv_sge many[16];
	int i;

	for (i = 0; i < 16; i++)
		many[i] = (struct ibv_sge){ (uintptr_t)e->buf, 4, e->mr->lkey };
	ibv_wr_start(x);
	x->wr_id = 60;
	x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send(x);
	ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)e->buf, 8);
	x->wr_id = 61;
	ibv_wr_send(x);
	ibv_wr_set_sge_list(x, 16, many);
	CHECK(ibv_wr_complete(x) == EINVAL, "bad batch must fail");
	expect_none(ca);
	expect_none(cb);

	ibv_wr_start(x);
	x->wr_id = 62;
	ibv_wr_send(x);
	ibv_wr_set_inline_data(x, e->buf, 4096); /* beyond max_inline_data */
	CHECK(ibv_wr_complete(x) == EINVAL, "inline too long must fail");
	expect_none(ca);
}

static void test_mw(struct test_dev *e, struct ibv_qp *a, struct ibv_cq *ca,
		    struct ibv_qp *b, struct ibv_cq *cb)
{
	struct ibv_qp_ex *xb = ibv_qp_to_qp_ex(b), *xa = ibv_qp_to_qp_ex(a);
	struct ibv_mw *mw = ibv_alloc_mw(e->pd, IBV_MW_TYPE_2);
	struct ibv_mw_bind_info bi = {
		.mr = e->mr,
		.addr = (uintptr_t)e->buf + B_OFF,
		.length = 4096,
		.mw_access_flags = IBV_ACCESS_REMOTE_WRITE,
	};
	struct ibv_wc wc;
	uint32_t rkey;

	if (!mw) {
		printf("type 2 MW not supported: bind/inv skipped\n");
		return;
	}
	ibv_wr_start(xb);
	xb->wr_id = 70;
	xb->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_bind_mw(xb, mw, ibv_inc_rkey(mw->rkey), &bi);
	CHECK(!ibv_wr_complete(xb), "bind");
	dp_expect_wc(cb, 70, IBV_WC_BIND_MW, NULL);
	rkey = mw->rkey;

	/* write through the window, then invalidate it with a send */
	dp_post_recv(e, b, 71, B_OFF + 8192, 64);
	ibv_wr_start(xa);
	xa->wr_id = 72;
	xa->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_rdma_write(xa, rkey, (uintptr_t)e->buf + B_OFF);
	ibv_wr_set_sge(xa, e->mr->lkey, (uintptr_t)e->buf, 32);
	xa->wr_id = 73;
	ibv_wr_send_inv(xa, rkey);
	ibv_wr_set_sge(xa, e->mr->lkey, (uintptr_t)e->buf, 4);
	CHECK(!ibv_wr_complete(xa), "write + send_inv");
	dp_expect_wc(ca, 72, IBV_WC_RDMA_WRITE, NULL);
	dp_expect_wc(ca, 73, IBV_WC_SEND, NULL);
	dp_expect_wc(cb, 71, IBV_WC_RECV, &wc);
	CHECK((wc.wc_flags & IBV_WC_WITH_INV) && wc.invalidated_rkey == rkey,
	      "send_inv: flags %x rkey %x want %x", wc.wc_flags,
	      wc.invalidated_rkey, rkey);

	/* bind again and invalidate locally */
	ibv_wr_start(xb);
	xb->wr_id = 74;
	xb->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_bind_mw(xb, mw, ibv_inc_rkey(mw->rkey), &bi);
	xb->wr_id = 75;
	ibv_wr_local_inv(xb, mw->rkey);
	CHECK(!ibv_wr_complete(xb), "bind + local_inv");
	dp_expect_wc(cb, 74, IBV_WC_BIND_MW, NULL);
	dp_expect_wc(cb, 75, IBV_WC_LOCAL_INV, NULL);
	CHECK(!ibv_dealloc_mw(mw), "dealloc_mw");
}

static void test_ud(struct test_dev *e, bool imm)
{
	struct ibv_cq *cq = ibv_create_cq(e->ctx, 32, NULL, NULL, 0);
	uint64_t ops =
		IBV_QP_EX_WITH_SEND | (imm ? IBV_QP_EX_WITH_SEND_WITH_IMM : 0);
	struct ibv_qp *u1, *u2;
	struct ibv_qp_ex *x;
	struct ibv_ah *ah;
	struct ibv_wc wc;

	CHECK(cq, "UD cq");
	u1 = dp_create_qp(e, cq, IBV_QPT_UD, 16, 1, 32, ops);
	u2 = dp_create_qp(e, cq, IBV_QPT_UD, 16, 1, 32, 0);
	dp_activate_ud(u1, 0x1111);
	dp_activate_ud(u2, 0x2222);
	ah = dp_self_ah(e);
	x = ibv_qp_to_qp_ex(u1);
	CHECK(x->wr_set_ud_addr, "UD QP without wr_set_ud_addr");
	/* UD receive buffers start with the 40-byte GRH */
	dp_post_recv(e, u2, 80, B_OFF, 40 + 64);
	ibv_wr_start(x);
	x->wr_id = 81;
	x->wr_flags = IBV_SEND_SIGNALED;
	if (imm)
		ibv_wr_send_imm(x, htobe32(0x5151));
	else
		ibv_wr_send(x);
	ibv_wr_set_ud_addr(x, ah, u2->qp_num, 0x2222);
	ibv_wr_set_sge(x, e->mr->lkey, (uintptr_t)e->buf + A_OFF, 48);
	CHECK(!ibv_wr_complete(x), "UD complete");
	CHECK(dp_poll(cq, &wc, 1) == 1, "UD first completion");
	if (wc.wr_id == 81)
		CHECK(dp_poll(cq, &wc, 1) == 1, "UD recv");
	CHECK(wc.wr_id == 80 && wc.status == IBV_WC_SUCCESS &&
		      wc.opcode == IBV_WC_RECV,
	      "UD recv wc: wr_id %llu status %s", (unsigned long long)wc.wr_id,
	      ibv_wc_status_str(wc.status));
	CHECK(wc.byte_len == 40 + 48, "UD len %u", wc.byte_len);
	CHECK(wc.src_qp == u1->qp_num, "src_qp %u want %u", wc.src_qp,
	      u1->qp_num);
	CHECK(wc.wc_flags & IBV_WC_GRH, "GRH flag");
	if (imm)
		CHECK((wc.wc_flags & IBV_WC_WITH_IMM) &&
			      wc.imm_data == htobe32(0x5151),
		      "UD imm");
	CHECK(!memcmp(e->buf + B_OFF + 40, e->buf + A_OFF, 48), "UD data");
	CHECK(!ibv_destroy_ah(ah), "destroy_ah");
	CHECK(!ibv_destroy_qp(u1) && !ibv_destroy_qp(u2), "UD destroy");
	CHECK(!ibv_destroy_cq(cq), "UD cq destroy");
}

int main(int argc, char **argv)
{
	struct test_dev e;
	struct ibv_cq *ca, *cb;
	struct ibv_qp *a, *b;
	struct ibv_qp_init_attr_ex bad = {};
	bool imm;

	dp_open(&e, argc, argv);
	imm = e.gen != 1;
	ca = ibv_create_cq(e.ctx, 64, NULL, NULL, 0);
	cb = ibv_create_cq(e.ctx, 64, NULL, NULL, 0);
	CHECK(ca && cb, "create_cq");

	/* operations the provider cannot do are refused at creation */
	bad.send_cq = ca;
	bad.recv_cq = ca;
	bad.qp_type = IBV_QPT_RC;
	bad.cap.max_send_wr = bad.cap.max_recv_wr = 4;
	bad.cap.max_send_sge = bad.cap.max_recv_sge = 1;
	bad.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	bad.pd = e.pd;
	bad.send_ops_flags = IBV_QP_EX_WITH_TSO;
	CHECK(!ibv_create_qp_ex(e.ctx, &bad) && errno == EOPNOTSUPP,
	      "TSO send op must be refused (errno %d)", errno);

	a = dp_create_qp(&e, ca, IBV_QPT_RC, 64, 3, 48, rc_ops(imm));
	b = dp_create_qp(&e, cb, IBV_QPT_RC, 64, 3, 48, rc_ops(imm));
	dp_connect_rc(&e, a, b);

	test_batch(&e, a, ca, b, cb, imm);
	test_abort(&e, a, ca, b, cb);
	test_bad_batch(&e, a, ca, cb);
	test_mw(&e, a, ca, b, cb);
	/* many batches: the rings wrap with held-back headers */
	for (int i = 0; i < 60; i++)
		test_batch(&e, a, ca, b, cb, imm);
	test_ud(&e, imm);

	CHECK(!ibv_destroy_qp(a) && !ibv_destroy_qp(b), "destroy_qp");
	CHECK(!ibv_destroy_cq(ca) && !ibv_destroy_cq(cb), "destroy_cq");
	dp_close(&e);
	printf("dp_wr_api: ok\n");
	return 0;
}
