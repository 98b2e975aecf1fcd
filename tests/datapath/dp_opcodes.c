// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Every send opcode through ibv_post_send on two RC QPs connected to each
 * other: sends (plain, immediate, inline, multi-SGE), RDMA write (plain,
 * inline, immediate), RDMA read, atomics where the device has them, type 1
 * MW bind with a remote write through the window, type 2 bind + send with
 * invalidate + local invalidate, unsignaled WRs, and enough traffic with
 * mixed WQE sizes to wrap the rings several times. Data is checked
 * byte by byte, completions field by field.
 */
#include <errno.h>
#include <string.h>

#include "dp_util.h"

#define A_OFF 0
#define B_OFF (DP_BUF_SIZE / 2)

struct pair {
	struct test_dev e;
	struct ibv_cq *cqa, *cqb;
	struct ibv_qp *a, *b;
};

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static struct ibv_sge sge_at(struct pair *p, uint32_t off, uint32_t len)
{
	struct ibv_sge s = {
		.addr = (uintptr_t)p->e.buf + off,
		.length = len,
		.lkey = p->e.mr->lkey,
	};
	return s;
}

static void post(struct ibv_qp *qp, struct ibv_send_wr *wr)
{
	struct ibv_send_wr *bad = NULL;
	int ret = ibv_post_send(qp, wr, &bad);

	CHECK(!ret, "post_send opcode %d: %d", wr->opcode, ret);
}

static void expect_wc(struct ibv_cq *cq, uint64_t wr_id, enum ibv_wc_opcode op,
		      struct ibv_wc *out)
{
	struct ibv_wc wc;

	CHECK(dp_poll(cq, &wc, 1) == 1, "no completion for wr %llu",
	      (unsigned long long)wr_id);
	CHECK(wc.status == IBV_WC_SUCCESS, "wr %llu status %s vendor %x",
	      (unsigned long long)wc.wr_id, ibv_wc_status_str(wc.status),
	      wc.vendor_err);
	CHECK(wc.wr_id == wr_id, "wr_id %llu, expected %llu",
	      (unsigned long long)wc.wr_id, (unsigned long long)wr_id);
	CHECK(wc.opcode == op, "opcode %d, expected %d", wc.opcode, op);
	if (out)
		*out = wc;
}

static void test_send(struct pair *p, bool imm, bool inl, int nsge)
{
	uint8_t *src = p->e.buf + A_OFF, *dst = p->e.buf + B_OFF;
	struct ibv_sge sg[3];
	struct ibv_send_wr wr = {};
	struct ibv_wc wc;
	uint32_t total = 0;
	int i;

	memset(dst, 0, 512);
	for (i = 0; i < nsge; i++) {
		sg[i] = sge_at(p, A_OFF + i * 64, 10 + i * 11);
		total += sg[i].length;
	}
	fill(src, 256, 3 + nsge + imm * 5 + inl * 9);
	dp_post_recv(&p->e, p->b, 77, B_OFF, 512);
	wr.wr_id = 11;
	wr.opcode = imm ? IBV_WR_SEND_WITH_IMM : IBV_WR_SEND;
	wr.imm_data = htobe32(0xa1b2c3d4);
	wr.sg_list = sg;
	wr.num_sge = nsge;
	wr.send_flags = IBV_SEND_SIGNALED | (inl ? IBV_SEND_INLINE : 0);
	post(p->a, &wr);
	expect_wc(p->cqa, 11, IBV_WC_SEND, NULL);
	expect_wc(p->cqb, 77, IBV_WC_RECV, &wc);
	CHECK(wc.byte_len == total, "byte_len %u want %u", wc.byte_len, total);
	CHECK(wc.qp_num == p->b->qp_num, "qp_num");
	CHECK(!!(wc.wc_flags & IBV_WC_WITH_IMM) == imm, "imm flag");
	if (imm)
		CHECK(wc.imm_data == htobe32(0xa1b2c3d4), "imm %x",
		      be32toh(wc.imm_data));
	for (i = 0, total = 0; i < nsge; i++) {
		CHECK(!memcmp(dst + total, src + i * 64, sg[i].length),
		      "send data, sge %d", i);
		total += sg[i].length;
	}
}

static void test_write(struct pair *p, bool imm, bool inl)
{
	uint8_t *src = p->e.buf + A_OFF, *dst = p->e.buf + B_OFF + 1024;
	struct ibv_sge sg[2] = { sge_at(p, A_OFF, 20),
				 sge_at(p, A_OFF + 100, 25) };
	struct ibv_send_wr wr = {};
	struct ibv_wc wc;

	fill(src, 256, 0x40 + imm + inl * 2);
	memset(dst, 0, 256);
	if (imm)
		dp_post_recv(&p->e, p->b, 78, B_OFF, 16);
	wr.wr_id = 12;
	wr.opcode = imm ? IBV_WR_RDMA_WRITE_WITH_IMM : IBV_WR_RDMA_WRITE;
	wr.imm_data = htobe32(0x01020304);
	wr.sg_list = sg;
	wr.num_sge = 2;
	wr.send_flags = IBV_SEND_SIGNALED | (inl ? IBV_SEND_INLINE : 0);
	wr.wr.rdma.remote_addr = (uintptr_t)dst;
	wr.wr.rdma.rkey = p->e.mr->rkey;
	post(p->a, &wr);
	expect_wc(p->cqa, 12, IBV_WC_RDMA_WRITE, NULL);
	if (imm) {
		expect_wc(p->cqb, 78, IBV_WC_RECV_RDMA_WITH_IMM, &wc);
		CHECK(wc.wc_flags & IBV_WC_WITH_IMM, "write imm flag");
		CHECK(wc.imm_data == htobe32(0x01020304), "write imm");
	}
	CHECK(!memcmp(dst, src, 20) && !memcmp(dst + 20, src + 100, 25),
	      "write data");
	CHECK(dst[45] == 0, "write overran");
}

static void test_read(struct pair *p)
{
	uint8_t *remote = p->e.buf + B_OFF + 2048, *local = p->e.buf + A_OFF;
	struct ibv_sge sg = sge_at(p, A_OFF + 512, 300);
	struct ibv_send_wr wr = {};
	struct ibv_wc wc;

	fill(remote, 300, 0x99);
	memset(local + 512, 0, 300);
	test_signaled_wr(&wr, 13, IBV_WR_RDMA_READ, &sg, 1);
	wr.wr.rdma.remote_addr = (uintptr_t)remote;
	wr.wr.rdma.rkey = p->e.mr->rkey;
	post(p->a, &wr);
	expect_wc(p->cqa, 13, IBV_WC_RDMA_READ, &wc);
	CHECK(wc.byte_len == 300, "read byte_len %u", wc.byte_len);
	CHECK(!memcmp(local + 512, remote, 300), "read data");
}

static void test_atomics(struct pair *p)
{
	uint64_t *remote = (uint64_t *)(p->e.buf + B_OFF + 4096);
	uint64_t *local = (uint64_t *)(p->e.buf + A_OFF + 4096);
	struct ibv_sge sg = sge_at(p, A_OFF + 4096, 8);
	struct ibv_send_wr wr = {};

	*remote = 1000;
	*local = 0;
	test_signaled_wr(&wr, 14, IBV_WR_ATOMIC_FETCH_AND_ADD, &sg, 1);
	wr.wr.atomic.remote_addr = (uintptr_t)remote;
	wr.wr.atomic.rkey = p->e.mr->rkey;
	wr.wr.atomic.compare_add = 5;
	post(p->a, &wr);
	expect_wc(p->cqa, 14, IBV_WC_FETCH_ADD, NULL);
	CHECK(*local == 1000 && *remote == 1005, "fetch_add %llu %llu",
	      (unsigned long long)*local, (unsigned long long)*remote);

	wr.wr_id = 15;
	wr.opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
	wr.wr.atomic.compare_add = 1005;
	wr.wr.atomic.swap = 77;
	post(p->a, &wr);
	expect_wc(p->cqa, 15, IBV_WC_COMP_SWAP, NULL);
	CHECK(*local == 1005 && *remote == 77, "cmp_swap %llu %llu",
	      (unsigned long long)*local, (unsigned long long)*remote);
}

static void test_mw_type1(struct pair *p)
{
	uint8_t *win = p->e.buf + A_OFF + 8192;
	struct ibv_mw *mw = ibv_alloc_mw(p->e.pd, IBV_MW_TYPE_1);
	struct ibv_mw_bind bind = {};
	struct ibv_sge sg = sge_at(p, B_OFF + 8192, 64);
	struct ibv_send_wr wr = {};
	struct ibv_wc wc;
	uint32_t old_rkey;

	CHECK(mw, "alloc_mw type 1: errno %d", errno);
	old_rkey = mw->rkey;
	bind.wr_id = 16;
	bind.send_flags = IBV_SEND_SIGNALED;
	bind.bind_info.mr = p->e.mr;
	bind.bind_info.addr = (uintptr_t)win;
	bind.bind_info.length = 256;
	bind.bind_info.mw_access_flags = IBV_ACCESS_REMOTE_WRITE;
	CHECK(!ibv_bind_mw(p->a, mw, &bind), "bind_mw");
	CHECK(mw->rkey != old_rkey, "rkey not advanced");
	expect_wc(p->cqa, 16, IBV_WC_BIND_MW, NULL);

	/* B writes into A's window through the MW's rkey */
	fill(p->e.buf + B_OFF + 8192, 64, 0x5a);
	memset(win, 0, 64);
	test_signaled_wr(&wr, 17, IBV_WR_RDMA_WRITE, &sg, 1);
	wr.wr.rdma.remote_addr = (uintptr_t)win;
	wr.wr.rdma.rkey = mw->rkey;
	post(p->b, &wr);
	expect_wc(p->cqb, 17, IBV_WC_RDMA_WRITE, &wc);
	CHECK(!memcmp(win, p->e.buf + B_OFF + 8192, 64), "MW write data");
	CHECK(!ibv_dealloc_mw(mw), "dealloc_mw");
}

static void test_mw_type2_inv(struct pair *p)
{
	struct ibv_mw *mw = ibv_alloc_mw(p->e.pd, IBV_MW_TYPE_2);
	struct ibv_send_wr wr = {};
	struct ibv_wc wc;
	uint32_t rkey;

	if (!mw) {
		CHECK(errno == EOPNOTSUPP || errno == EINVAL,
		      "alloc_mw type 2: errno %d", errno);
		printf("type 2 MW not supported: skipped\n");
		return;
	}
	/* B binds the window on its own QP */
	test_bind_mw_wr(&wr, 18, mw, p->e.mr, p->e.buf + B_OFF, 4096,
			IBV_ACCESS_REMOTE_WRITE);
	post(p->b, &wr);
	expect_wc(p->cqb, 18, IBV_WC_BIND_MW, NULL);
	rkey = mw->rkey;

	/* A's send invalidates it */
	{
		struct ibv_sge sg = sge_at(p, A_OFF, 8);

		dp_post_recv(&p->e, p->b, 79, B_OFF + 4096, 64);
		test_signaled_wr(&wr, 19, IBV_WR_SEND_WITH_INV, &sg, 1);
		wr.invalidate_rkey = rkey;
		post(p->a, &wr);
		expect_wc(p->cqa, 19, IBV_WC_SEND, NULL);
		expect_wc(p->cqb, 79, IBV_WC_RECV, &wc);
		CHECK(wc.wc_flags & IBV_WC_WITH_INV, "no WITH_INV");
		CHECK(wc.invalidated_rkey == rkey, "invalidated %x want %x",
		      wc.invalidated_rkey, rkey);
	}

	/* bind again, then invalidate locally */
	test_bind_mw_wr(&wr, 20, mw, p->e.mr, p->e.buf + B_OFF, 4096,
			IBV_ACCESS_REMOTE_WRITE);
	post(p->b, &wr);
	expect_wc(p->cqb, 20, IBV_WC_BIND_MW, NULL);
	test_signaled_wr(&wr, 21, IBV_WR_LOCAL_INV, NULL, 0);
	wr.invalidate_rkey = mw->rkey;
	post(p->b, &wr);
	expect_wc(p->cqb, 21, IBV_WC_LOCAL_INV, NULL);
	CHECK(!ibv_dealloc_mw(mw), "dealloc type 2");
}

/* Unsignaled WRs complete silently; the signaled one retires them all. */
static void test_unsignaled(struct pair *p)
{
	struct ibv_sge sg = sge_at(p, A_OFF, 16);
	struct ibv_send_wr wr[4] = {};
	struct ibv_wc wc[8];
	int i;

	for (i = 0; i < 4; i++) {
		dp_post_recv(&p->e, p->b, 200 + i, B_OFF + i * 64, 64);
		wr[i].wr_id = 100 + i;
		wr[i].opcode = IBV_WR_SEND;
		wr[i].sg_list = &sg;
		wr[i].num_sge = 1;
		wr[i].next = i < 3 ? &wr[i + 1] : NULL;
	}
	wr[3].send_flags = IBV_SEND_SIGNALED;
	post(p->a, wr);
	CHECK(dp_poll(p->cqb, wc, 4) == 4, "4 receives");
	for (i = 0; i < 4; i++)
		CHECK(wc[i].wr_id == (uint64_t)(200 + i) &&
			      wc[i].status == IBV_WC_SUCCESS,
		      "recv %d", i);
	CHECK(dp_poll(p->cqa, wc, 2) == 1 && wc[0].wr_id == 103,
	      "exactly the signaled completion");
}

/*
 * Many WRs of varying size (1..3 SGEs, inline 0..100 bytes) through a
 * small SQ: wraps the SQ, RQ and CQ many times and forces NOP padding at
 * chunk ends.
 */
static void test_wrap(struct pair *p, uint32_t max_inline, bool imm)
{
	struct ibv_wc wc[16];
	int round, i;

	for (round = 0; round < 300; round++) {
		struct ibv_sge sg[3];
		struct ibv_send_wr wr = {};
		int nsge = 1 + round % 3;
		uint32_t total = 0;

		for (i = 0; i < nsge; i++) {
			sg[i] = sge_at(p, A_OFF + i * 128,
				       1 + (round + i) % 33);
			total += sg[i].length;
		}
		fill(p->e.buf + A_OFF, 512, (uint8_t)round);
		dp_post_recv(&p->e, p->b, 5000 + round, B_OFF, 512);
		wr.wr_id = 1000 + round;
		wr.opcode = (imm && (round & 1)) ? IBV_WR_SEND_WITH_IMM :
						   IBV_WR_SEND;
		wr.imm_data = htobe32(round);
		wr.sg_list = sg;
		wr.num_sge = nsge;
		wr.send_flags = IBV_SEND_SIGNALED;
		if (max_inline >= total && round % 4 == 0)
			wr.send_flags |= IBV_SEND_INLINE;
		post(p->a, &wr);
		expect_wc(p->cqa, 1000 + round, IBV_WC_SEND, NULL);
		CHECK(dp_poll(p->cqb, wc, 1) == 1, "wrap recv %d", round);
		CHECK(wc[0].status == IBV_WC_SUCCESS &&
			      wc[0].wr_id == (uint64_t)(5000 + round) &&
			      wc[0].byte_len == total,
		      "wrap recv %d: status %d wr_id %llu len %u", round,
		      wc[0].status, (unsigned long long)wc[0].wr_id,
		      wc[0].byte_len);
		for (i = 0, total = 0; i < nsge; i++) {
			CHECK(!memcmp(p->e.buf + B_OFF + total,
				      p->e.buf + A_OFF + i * 128, sg[i].length),
			      "wrap data %d", round);
			total += sg[i].length;
		}
	}
}

static void test_bad_posts(struct pair *p)
{
	struct ibv_sge sg[8];
	struct ibv_send_wr wr = {}, *bad = NULL;
	struct ibv_recv_wr rwr = {}, *rbad = NULL;
	int i;

	for (i = 0; i < 8; i++)
		sg[i] = sge_at(p, A_OFF, 8);
	wr.opcode = IBV_WR_SEND;
	wr.sg_list = sg;
	wr.num_sge = 8; /* more than the QP was created with */
	CHECK(ibv_post_send(p->a, &wr, &bad) == EINVAL && bad == &wr,
	      "too many send SGEs");
	wr.num_sge = 1;
	wr.opcode = (enum ibv_wr_opcode)0x77;
	bad = NULL;
	CHECK(ibv_post_send(p->a, &wr, &bad) == EINVAL && bad == &wr,
	      "bad opcode");
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_INLINE;
	sg[0].length = 4096; /* beyond max_inline_data */
	bad = NULL;
	CHECK(ibv_post_send(p->a, &wr, &bad) == EINVAL && bad == &wr,
	      "inline too long");
	rwr.sg_list = sg;
	rwr.num_sge = 8;
	CHECK(ibv_post_recv(p->b, &rwr, &rbad) == EINVAL && rbad == &rwr,
	      "too many recv SGEs");
}

int main(int argc, char **argv)
{
	struct pair p;
	uint32_t max_inline = 48;
	struct ibv_qp_attr qa;
	struct ibv_qp_init_attr qia;
	bool imm;

	dp_open(&p.e, argc, argv);
	/* gen 1 (iWARP) has no immediate data */
	imm = p.e.gen != 1;
	p.cqa = ibv_create_cq(p.e.ctx, 64, NULL, NULL, 0);
	p.cqb = ibv_create_cq(p.e.ctx, 64, NULL, NULL, 0);
	CHECK(p.cqa && p.cqb, "create_cq");
	p.a = dp_create_qp(&p.e, p.cqa, IBV_QPT_RC, 32, 3, max_inline, 0);
	p.b = dp_create_qp(&p.e, p.cqb, IBV_QPT_RC, 32, 3, max_inline, 0);
	CHECK(!ibv_query_qp(p.a, &qa, IBV_QP_CAP, &qia), "query_qp");
	dp_connect_rc(&p.e, p.a, p.b);

	test_send(&p, false, false, 1);
	test_send(&p, false, false, 3);
	test_send(&p, false, true, 1);
	test_send(&p, false, true, 2);
	test_write(&p, false, false);
	test_write(&p, false, true);
	if (imm) {
		test_send(&p, true, false, 2);
		test_send(&p, true, true, 2);
		test_write(&p, true, false);
	}
	test_read(&p);
	if (dp_has_atomics(&p.e))
		test_atomics(&p);
	else
		printf("no atomics on this device: skipped\n");
	test_mw_type1(&p);
	test_mw_type2_inv(&p);
	test_unsignaled(&p);
	test_wrap(&p, max_inline, imm);
	test_bad_posts(&p);

	CHECK(!ibv_destroy_qp(p.a) && !ibv_destroy_qp(p.b), "destroy_qp");
	CHECK(!ibv_destroy_cq(p.cqa) && !ibv_destroy_cq(p.cqb), "destroy_cq");
	dp_close(&p.e);
	printf("dp_opcodes: ok\n");
	return 0;
}
