// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * CoCo end to end through the control path's memory layer: a CQ and two RC
 * QPs created on a CoCo parent domain, a buffer from ibv_alloc_buf() on it
 * registered with ibv_reg_buf_mr(), and a SEND plus an RDMA WRITE between
 * the QPs (and a SEND through an SRQ on the parent domain where the device
 * has SRQs). With --cc the emulated device sees only shared-heap memory, so
 * the transfer only works if rings and buffer really came from the heap.
 * With --cc --no-dmabuf-memreg the rings cannot be registered: creating
 * them must fail with EOPNOTSUPP and the debug output must say why.
 * On gen 1 with --cc (--gen 1) no CQ can live on a parent domain, and a CQ
 * in private memory is refused as the device could not reach it: the test
 * asserts both refusals and that CoCo buffers still work.
 * Usage: ctl_coco [--gen N] [--cc] [--no-dmabuf-memreg]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_util.h"

#define MSG_LEN 512

struct coco {
	struct ibv_context *ctx;
	struct ibv_pd *pd, *par;
	struct ibv_cq_ex *cqx;
	struct ibv_cq *cq;
	struct ibv_qp *qa, *qb;
	struct ibv_buf *buf;
	unsigned char *mem; /* 2 pages: [0] source, [1] destination */
	struct ibv_mr *mr;
	union ibv_gid gid;
	size_t page;
};

static struct ibv_cq_ex *cq_on_parent(struct coco *c)
{
	return test_cq_on_domain(c->ctx, c->par, 32);
}

static struct ibv_qp *qp_on_parent(struct coco *c, struct ibv_cq *cq,
				   struct ibv_srq *srq)
{
	struct ibv_qp_init_attr a = test_qp_attr(IBV_QPT_RC, cq, cq, 8);

	a.srq = srq;
	return ibv_create_qp(c->par, &a);
}

static void to_rts(struct coco *c, struct ibv_qp *qp, uint32_t remote)
{
	struct test_rc_peer peer =
		TEST_RC_PEER(remote, c->gid,
			     IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	int ret = test_rc_to_rts(qp, &peer);

	CHECK(!ret, "QP %u to RTS: %s", qp->qp_num, strerror(ret));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait up to 5 s for n successful completions. */
static void poll_n(struct ibv_cq *cq, int n)
{
	double deadline = now_s() + 5;
	struct ibv_wc wc[4];
	int got = 0, i, r;

	while (got < n && now_s() < deadline) {
		r = ibv_poll_cq(cq, 4, wc);
		CHECK(r >= 0, "poll_cq: %d", r);
		for (i = 0; i < r; i++)
			CHECK(wc[i].status == IBV_WC_SUCCESS,
			      "wr %llu completed with %s",
			      (unsigned long long)wc[i].wr_id,
			      ibv_wc_status_str(wc[i].status));
		got += r;
		if (!r)
			usleep(10);
	}
	CHECK(got == n, "%d of %d completions", got, n);
}

static void send_and_write(struct coco *c)
{
	unsigned char *src = c->mem, *dst = c->mem + c->page;
	struct ibv_sge sge;
	struct ibv_recv_wr rwr = {}, *bad_r;
	struct ibv_send_wr swr = {}, *bad_s;
	int i;

	for (i = 0; i < MSG_LEN; i++)
		src[i] = (unsigned char)(i ^ 0xa5);

	sge = (struct ibv_sge){ (uintptr_t)dst, MSG_LEN, c->mr->lkey };
	rwr.wr_id = 1;
	rwr.sg_list = &sge;
	rwr.num_sge = 1;
	CHECK(!ibv_post_recv(c->qb, &rwr, &bad_r), "post_recv");

	sge = (struct ibv_sge){ (uintptr_t)src, MSG_LEN, c->mr->lkey };
	test_signaled_wr(&swr, 2, IBV_WR_SEND, &sge, 1);
	CHECK(!ibv_post_send(c->qa, &swr, &bad_s), "post_send");
	poll_n(c->cq, 2);
	CHECK(!memcmp(src, dst, MSG_LEN), "SEND payload differs");

	/* RDMA WRITE of the same bytes, shifted, into the second page */
	memset(dst, 0, MSG_LEN * 2);
	swr.wr_id = 3;
	swr.opcode = IBV_WR_RDMA_WRITE;
	swr.wr.rdma.remote_addr = (uintptr_t)dst + MSG_LEN;
	swr.wr.rdma.rkey = c->mr->rkey;
	CHECK(!ibv_post_send(c->qa, &swr, &bad_s), "post_send write");
	poll_n(c->cq, 1);
	CHECK(!memcmp(src, dst + MSG_LEN, MSG_LEN), "RDMA WRITE data differs");
}

/*
 * On a device with SRQs: an SRQ on the CoCo parent domain feeds a third QP;
 * qa sends to it and the payload must land through the SRQ ring.
 */
static void srq_leg(struct coco *c)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 8, .max_sge = 1 } };
	unsigned char *src = c->mem, *dst = c->mem + c->page + 2 * MSG_LEN;
	struct ibv_device_attr dev;
	struct ibv_recv_wr rwr = {}, *bad_r;
	struct ibv_send_wr swr = {}, *bad_s;
	struct ibv_qp *qa2, *qs;
	struct ibv_srq *srq;
	struct ibv_sge sge;

	CHECK(!ibv_query_device(c->ctx, &dev), "query_device");
	if (!dev.max_srq)
		return;
	srq = ibv_create_srq(c->par, &sa);
	CHECK(srq, "SRQ on the CoCo parent domain: %m");
	qa2 = qp_on_parent(c, c->cq, NULL);
	qs = qp_on_parent(c, c->cq, srq);
	CHECK(qa2 && qs, "QPs for the SRQ leg: %m");
	to_rts(c, qa2, qs->qp_num);
	to_rts(c, qs, qa2->qp_num);

	sge = (struct ibv_sge){ (uintptr_t)dst, MSG_LEN, c->mr->lkey };
	rwr.wr_id = 10;
	rwr.sg_list = &sge;
	rwr.num_sge = 1;
	CHECK(!ibv_post_srq_recv(srq, &rwr, &bad_r), "post_srq_recv");
	sge = (struct ibv_sge){ (uintptr_t)src, MSG_LEN, c->mr->lkey };
	test_signaled_wr(&swr, 11, IBV_WR_SEND, &sge, 1);
	CHECK(!ibv_post_send(qa2, &swr, &bad_s), "post_send to SRQ QP");
	poll_n(c->cq, 2);
	CHECK(!memcmp(src, dst, MSG_LEN), "SRQ payload differs");

	CHECK(!ibv_destroy_qp(qa2) && !ibv_destroy_qp(qs), "destroy SRQ QPs");
	CHECK(!ibv_destroy_srq(srq), "destroy_srq");
}

/*
 * Gen 1 (X722) has no extended CQs, and ibv_create_cq_ex() is the only way
 * to put a CQ on a parent domain: CoCo queues are impossible there and the
 * provider must say so (EOPNOTSUPP). CoCo buffers still work.
 */
static void gen1_no_coco_queues(struct coco *c)
{
	errno = 0;
	c->cqx = cq_on_parent(c);
	CHECK(!c->cqx && errno == EOPNOTSUPP,
	      "gen 1 CQ on a CoCo parent domain: errno %d, want EOPNOTSUPP",
	      errno);
	/* and the one CQ gen 1 has, in private memory, it could not reach */
	errno = 0;
	CHECK(!ibv_create_cq(c->ctx, 8, NULL, NULL, 0) && errno == EOPNOTSUPP,
	      "gen 1 plain CQ on a bounce device: errno %d, want EOPNOTSUPP",
	      errno);

	c->mem = ibv_alloc_buf(c->par, 2 * c->page, &c->buf);
	CHECK(c->mem, "gen 1 CoCo alloc_buf: %m");
	CHECK(test_buf_is_dmabuf(c->buf, c->mem, 2 * c->page),
	      "gen 1 CoCo buffer is not a DMA-buf: %m");
	c->mr = ibv_reg_buf_mr(c->par, c->buf, c->mem, 2 * c->page,
			       IBV_ACCESS_LOCAL_WRITE);
	CHECK(c->mr, "gen 1 CoCo reg_buf_mr: %m");
	CHECK(!ibv_dereg_mr(c->mr), "dereg_mr");
	ibv_free_buf(c->buf);
}

/*
 * No queue at all: the CoCo CQ cannot be registered, and a CQ in private
 * memory is refused as the bounce device could not reach it, so no QP can
 * be made either.
 */
static void expect_refusal(struct coco *c)
{
	errno = 0;
	c->cqx = cq_on_parent(c);
	CHECK(!c->cqx && errno == EOPNOTSUPP,
	      "CoCo CQ without DMA-buf memreg: errno %d", errno);
	errno = 0;
	CHECK(!ibv_create_cq(c->ctx, 8, NULL, NULL, 0) && errno == EOPNOTSUPP,
	      "plain CQ on a bounce device: errno %d, want EOPNOTSUPP", errno);
}

int main(int argc, char **argv)
{
	struct ibv_parent_domain_init_attr pa = {};
	struct ctl_expect exp;
	unsigned long opened;
	struct coco c = {};
	bool refuse, gen1_cc;
	char *log;

	ctl_parse_args(argc, argv, &exp);
	refuse = exp.cc && !exp.dmabuf_memreg;
	gen1_cc = exp.cc && exp.gen == 1 && !refuse;
	c.page = (size_t)sysconf(_SC_PAGESIZE);
	setenv("IRDMA_DEBUG", "1", 1);

	ctl_capture_begin();
	c.ctx = test_must_open_first_device();
	opened = test_emu_live_objects();
	CHECK(!ibv_query_gid(c.ctx, 1, 0, &c.gid), "query_gid");
	c.pd = ibv_alloc_pd(c.ctx);
	CHECK(c.pd, "alloc_pd: %m");
	pa.pd = c.pd;
	pa.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC;
	c.par = ibv_alloc_parent_domain(c.ctx, &pa);
	CHECK(c.par, "CoCo parent domain: %m");

	if (refuse) {
		expect_refusal(&c);
	} else if (gen1_cc) {
		gen1_no_coco_queues(&c);
	} else {
		c.cqx = cq_on_parent(&c);
		CHECK(c.cqx, "CQ on the CoCo parent domain: %m");
		c.cq = ibv_cq_ex_to_cq(c.cqx);
		c.qa = qp_on_parent(&c, c.cq, NULL);
		c.qb = qp_on_parent(&c, c.cq, NULL);
		CHECK(c.qa && c.qb, "QP on the CoCo parent domain: %m");
		to_rts(&c, c.qa, c.qb->qp_num);
		to_rts(&c, c.qb, c.qa->qp_num);

		c.mem = ibv_alloc_buf(c.par, 2 * c.page, &c.buf);
		CHECK(c.mem, "alloc_buf: %m");
		c.mr = ibv_reg_buf_mr(c.par, c.buf, c.mem, 2 * c.page,
				      IBV_ACCESS_LOCAL_WRITE |
					      IBV_ACCESS_REMOTE_WRITE);
		CHECK(c.mr, "reg_buf_mr: %m");
		send_and_write(&c);
		srq_leg(&c);

		CHECK(!ibv_dereg_mr(c.mr), "dereg_mr");
		ibv_free_buf(c.buf);
		CHECK(!ibv_destroy_qp(c.qa) && !ibv_destroy_qp(c.qb),
		      "destroy_qp");
		CHECK(!ibv_destroy_cq(c.cq), "destroy_cq");
	}
	CHECK(!ibv_dealloc_pd(c.par), "dealloc parent");
	CHECK(!ibv_dealloc_pd(c.pd), "dealloc pd");
	CHECK(test_emu_live_objects() == opened,
	      "CoCo objects left kernel objects behind");
	CHECK(!ibv_close_device(c.ctx), "close");
	log = ctl_capture_end();

	if (refuse)
		CHECK(strstr(log, "did not accept DMA-buf registration"),
		      "refusal not explained in the debug output");
	if (refuse || gen1_cc)
		CHECK(strstr(log, "reaches only shared memory"),
		      "plain CQ refusal not explained in the debug output");
	if (gen1_cc)
		CHECK(strstr(log, "create_cq") && strstr(log, "refused"),
		      "gen 1 CQ refusal not explained in the debug output");
	CHECK(!!strstr(log, "opened the shared DMA-buf heap") == exp.cc,
	      "shared heap %s, expected %s",
	      strstr(log, "opened the shared") ? "opened" : "not opened",
	      exp.cc ? "opened" : "not opened");
	free(log);
	printf("ctl_coco: cc=%d dmabuf_memreg=%d ok\n", exp.cc,
	       exp.dmabuf_memreg);
	return 0;
}
