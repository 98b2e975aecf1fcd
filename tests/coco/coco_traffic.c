// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * coco_traffic: RC, UD and SRQ traffic whose rings and buffers all come
 * from one parent domain, with data validation.
 *
 *   coco_traffic --pd coco  --expect ok          CoCo opt-in, traffic works
 *   coco_traffic --pd coco  --expect eopnotsupp  queues refused (old kernel)
 *   coco_traffic --pd plain --expect broken      plain PD on a CoCo device:
 *                                                the device cannot see the
 *                                                rings or data, so no
 *                                                exchange may succeed
 *
 * The matrix of device generation x CoCo x kernel ABI is in coco.cmake.
 * Afterwards the process must hold no more fds than before it opened the
 * device; the emulator's leak check (IRDMA_EMU_LEAK_CHECK=1) covers kernel
 * objects.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "common/device.h"
#include "common/process.h"
#include "common/verbs.h"

enum expect { EXPECT_OK, EXPECT_EOPNOTSUPP, EXPECT_BROKEN };

#define MSG_LEN 1024
#define BUF_LEN (64 * 1024)
#define RECV_OFF (BUF_LEN / 2)
#define QKEY 0x11111111u
#define POLL_MS 3000
/* In broken mode nothing can complete: don't wait long for it. */
#define BROKEN_POLL_MS 300

struct coco {
	struct test_dev d;
	struct ibv_pd *pd; /* parent domain (CoCo) or the plain PD */
	bool parent;
	enum expect expect;
	void *buf;
	struct ibv_buf *ibuf;
	struct ibv_mr *mr;
};

static struct ibv_cq *coco_cq(struct coco *c)
{
	struct ibv_cq_init_attr_ex a = { .cqe = 64 };
	struct ibv_cq_ex *cq;

	if (c->parent) {
		a.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD;
		a.parent_domain = c->pd;
	}
	cq = ibv_create_cq_ex(c->d.ctx, &a);
	return cq ? ibv_cq_ex_to_cq(cq) : NULL;
}

static int coco_qp(struct coco *c, struct test_qp *q, enum ibv_qp_type type,
		   struct ibv_srq *srq)
{
	struct ibv_qp_init_attr ia;

	memset(q, 0, sizeof(*q));
	q->scq = coco_cq(c);
	q->rcq = coco_cq(c);
	CHECK_RET(q->scq && q->rcq, "CQ on the %s PD: %s",
		  c->parent ? "parent" : "plain", strerror(errno));
	ia = test_qp_attr(type, q->scq, q->rcq, 16);
	ia.srq = srq;
	q->qp = ibv_create_qp(c->pd, &ia);
	CHECK_RET(q->qp, "QP: %s", strerror(errno));
	return 0;
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* One completion; in broken mode a short wait, and its absence is fine. */
static int wait_wc(struct coco *c, struct ibv_cq *cq, struct ibv_wc *wc)
{
	int ms = c->expect == EXPECT_BROKEN ? BROKEN_POLL_MS : POLL_MS;

	if (test_poll_one(cq, wc, ms))
		return -1;
	return wc->status == IBV_WC_SUCCESS ? 0 : -1;
}

static int post_send(struct ibv_qp *qp, enum ibv_wr_opcode op, void *src,
		     uint32_t lkey, struct ibv_ah *ah, uint64_t raddr,
		     uint32_t rkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)src,
			       .length = MSG_LEN,
			       .lkey = lkey };
	struct ibv_send_wr wr = { .wr_id = 1,
				  .sg_list = &sge,
				  .num_sge = 1,
				  .opcode = op,
				  .send_flags = IBV_SEND_SIGNALED };
	struct ibv_send_wr *bad;

	if (ah) {
		wr.wr.ud.ah = ah;
		wr.wr.ud.remote_qpn = 0; /* set by the caller's QP */
		wr.wr.ud.remote_qkey = QKEY;
	} else if (op != IBV_WR_SEND) {
		wr.wr.rdma.remote_addr = raddr;
		wr.wr.rdma.rkey = rkey;
	}
	return ibv_post_send(qp, &wr, &bad);
}

/*
 * One exchange; returns 1 if the data arrived intact, 0 if it did not
 * (possible only where the device cannot see the memory), -1 on a test
 * failure.
 */
static int rc_exchange(struct coco *c, struct test_qp *a, struct test_qp *b,
		       struct ibv_srq *srq)
{
	uint8_t *src = c->buf, *dst = (uint8_t *)c->buf + RECV_OFF;
	struct ibv_sge rsge = { .addr = (uintptr_t)dst,
				.length = MSG_LEN,
				.lkey = c->mr->lkey };
	struct ibv_recv_wr rwr = { .wr_id = 2, .sg_list = &rsge, .num_sge = 1 };
	struct ibv_recv_wr *rbad;
	struct ibv_wc wc;
	int ok = 1;

	/* SEND into a posted receive (on the SRQ if there is one) */
	fill(src, MSG_LEN, 0x11);
	memset(dst, 0, MSG_LEN);
	CHECK_RET(!(srq ? ibv_post_srq_recv(srq, &rwr, &rbad) :
			  ibv_post_recv(b->qp, &rwr, &rbad)),
		  "post_recv");
	CHECK_RET(!post_send(a->qp, IBV_WR_SEND, src, c->mr->lkey, NULL, 0, 0),
		  "post_send");
	if (wait_wc(c, a->scq, &wc) || wait_wc(c, b->rcq, &wc) ||
	    memcmp(src, dst, MSG_LEN))
		ok = 0;

	/* RDMA WRITE and READ against the same buffer */
	fill(src, MSG_LEN, 0x5a);
	memset(dst, 0, MSG_LEN);
	CHECK_RET(!post_send(a->qp, IBV_WR_RDMA_WRITE, src, c->mr->lkey, NULL,
			     (uintptr_t)dst, c->mr->rkey),
		  "post rdma write");
	if (wait_wc(c, a->scq, &wc) || memcmp(src, dst, MSG_LEN))
		ok = 0;
	memset(src, 0, MSG_LEN);
	CHECK_RET(!post_send(a->qp, IBV_WR_RDMA_READ, src, c->mr->lkey, NULL,
			     (uintptr_t)dst, c->mr->rkey),
		  "post rdma read");
	if (wait_wc(c, a->scq, &wc) || memcmp(src, dst, MSG_LEN))
		ok = 0;
	return ok;
}

static int test_rc(struct coco *c, struct ibv_srq *srq)
{
	struct test_qp a, b;
	int ret;

	if (coco_qp(c, &a, IBV_QPT_RC, NULL) ||
	    coco_qp(c, &b, IBV_QPT_RC, srq)) {
		ret = -1;
		goto out;
	}
	CHECK_RET(!test_qp_rc_connect(&c->d, &a, b.qp->qp_num, 7) &&
			  !test_qp_rc_connect(&c->d, &b, a.qp->qp_num, 7),
		  "connect: %s", strerror(errno));
	ret = rc_exchange(c, &a, &b, srq);
out:
	test_qp_destroy(&a);
	test_qp_destroy(&b);
	return ret;
}

static int ud_exchange(struct coco *c, struct test_qp *a, struct test_qp *b,
		       struct ibv_ah *ah)
{
	uint8_t *src = c->buf, *dst = (uint8_t *)c->buf + RECV_OFF;
	struct ibv_sge rsge = { .addr = (uintptr_t)dst,
				.length = MSG_LEN + 40,
				.lkey = c->mr->lkey };
	struct ibv_recv_wr rwr = { .wr_id = 3, .sg_list = &rsge, .num_sge = 1 };
	struct ibv_sge sge = { .addr = (uintptr_t)src,
			       .length = MSG_LEN,
			       .lkey = c->mr->lkey };
	struct ibv_send_wr wr = { .wr_id = 4,
				  .sg_list = &sge,
				  .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED };
	struct ibv_recv_wr *rbad;
	struct ibv_send_wr *bad;
	struct ibv_wc wc;

	fill(src, MSG_LEN, 0x33);
	memset(dst, 0, MSG_LEN + 40);
	wr.wr.ud.ah = ah;
	wr.wr.ud.remote_qpn = b->qp->qp_num;
	wr.wr.ud.remote_qkey = QKEY;
	CHECK_RET(!ibv_post_recv(b->qp, &rwr, &rbad), "ud post_recv");
	CHECK_RET(!ibv_post_send(a->qp, &wr, &bad), "ud post_send");
	/* the payload follows the 40-byte GRH */
	if (wait_wc(c, a->scq, &wc) || wait_wc(c, b->rcq, &wc) ||
	    memcmp(src, dst + 40, MSG_LEN))
		return 0;
	return 1;
}

static int test_ud(struct coco *c)
{
	struct ibv_ah_attr aa = {
		.is_global = 1,
		.port_num = 1,
		.grh = { .dgid = c->d.gid,
			 .sgid_index = (uint8_t)c->d.gid_index,
			 .hop_limit = 1 },
	};
	struct ibv_ah *ah = NULL;
	struct test_qp a, b;
	int ret = -1;

	if (coco_qp(c, &a, IBV_QPT_UD, NULL) ||
	    coco_qp(c, &b, IBV_QPT_UD, NULL))
		goto out;
	if (test_qp_ud_ready(&a, QKEY) || test_qp_ud_ready(&b, QKEY)) {
		fprintf(stderr, "UD to RTS: %s\n", strerror(errno));
		goto out;
	}
	ah = ibv_create_ah(c->pd, &aa);
	if (!ah) {
		fprintf(stderr, "AH: %s\n", strerror(errno));
		goto out;
	}
	ret = ud_exchange(c, &a, &b, ah);
out:
	if (ah)
		ibv_destroy_ah(ah);
	test_qp_destroy(&a);
	test_qp_destroy(&b);
	return ret;
}

static int test_srq(struct coco *c)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 16,
						  .max_sge = 1 } };
	struct ibv_srq *srq = ibv_create_srq(c->pd, &sa);
	int ret;

	CHECK_RET(srq, "SRQ on the %s PD: %s", c->parent ? "parent" : "plain",
		  strerror(errno));
	ret = test_rc(c, srq);
	ibv_destroy_srq(srq);
	return ret;
}

/* An old kernel: every queue on the CoCo parent domain must be refused. */
static int check_refused(struct coco *c, bool with_srq)
{
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 16,
		.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD,
		.parent_domain = c->pd,
	};
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 4, .max_sge = 1 } };
	struct ibv_qp_init_attr qa;
	struct ibv_cq *plain_cq;
	struct ibv_qp *qp;
	int err;

	errno = 0;
	CHECK_RET(!ibv_create_cq_ex(c->d.ctx, &ca) && errno == EOPNOTSUPP,
		  "CQ on the CoCo parent domain: errno %d, want EOPNOTSUPP",
		  errno);
	/* the QP's own rings are refused even with CQs from elsewhere */
	plain_cq = ibv_create_cq(c->d.ctx, 16, NULL, NULL, 0);
	CHECK_RET(plain_cq, "plain CQ: %s", strerror(errno));
	qa = test_qp_attr(IBV_QPT_RC, plain_cq, plain_cq, 4);
	errno = 0;
	qp = ibv_create_qp(c->pd, &qa);
	err = errno; /* before the clean-up below can change it */
	if (qp)
		ibv_destroy_qp(qp);
	ibv_destroy_cq(plain_cq);
	CHECK_RET(!qp && err == EOPNOTSUPP,
		  "QP on the CoCo parent domain: errno %d, want EOPNOTSUPP",
		  err);
	if (with_srq) {
		errno = 0;
		CHECK_RET(!ibv_create_srq(c->pd, &sa) && errno == EOPNOTSUPP,
			  "SRQ on the CoCo parent domain: errno %d", errno);
	}
	printf("refused with EOPNOTSUPP: CQ, QP%s\n", with_srq ? ", SRQ" : "");
	return 0;
}

static int setup(struct coco *c)
{
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};

	if (test_dev_open(&c->d, 1, 0))
		return -1;
	c->pd = c->d.pd;
	if (c->parent) {
		pa.pd = c->d.pd;
		c->pd = ibv_alloc_parent_domain(c->d.ctx, &pa);
		CHECK_RET(c->pd, "parent domain: %s", strerror(errno));
	}
	c->buf = ibv_alloc_buf(c->pd, BUF_LEN, &c->ibuf);
	CHECK_RET(c->buf, "ibv_alloc_buf: %s", strerror(errno));
	if (c->expect == EXPECT_EOPNOTSUPP)
		return 0;
	c->mr = ibv_reg_buf_mr(c->pd, c->ibuf, c->buf, BUF_LEN,
			       IBV_ACCESS_LOCAL_WRITE |
				       IBV_ACCESS_REMOTE_WRITE |
				       IBV_ACCESS_REMOTE_READ);
	CHECK_RET(c->mr, "ibv_reg_buf_mr: %s", strerror(errno));
	return 0;
}

static void teardown(struct coco *c)
{
	if (c->mr)
		ibv_dereg_mr(c->mr);
	if (c->ibuf)
		ibv_free_buf(c->ibuf);
	if (c->parent && c->pd)
		ibv_dealloc_pd(c->pd);
	test_dev_close(&c->d);
}

/* Run one traffic kind and judge it against the expectation. */
static void judge(struct coco *c, const char *name, int result)
{
	if (result < 0) {
		printf("FAIL %s: setup error\n", name);
		test_failures++;
	} else if (c->expect == EXPECT_OK && result != 1) {
		printf("FAIL %s: data did not arrive intact\n", name);
		test_failures++;
	} else if (c->expect == EXPECT_BROKEN && result != 0) {
		printf("FAIL %s: exchanged data through memory the device cannot see\n",
		       name);
		test_failures++;
	} else {
		printf("ok %s: %s\n", name,
		       result ? "data intact" : "no exchange (as required)");
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pd", required_argument, NULL, 'p' },
		{ "expect", required_argument, NULL, 'e' },
		{ "srq", no_argument, NULL, 's' },
		{}
	};
	struct coco c = { .parent = true };
	bool srq = false;
	int fds0, fds1, o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'p' && !strcmp(optarg, "plain"))
			c.parent = false;
		else if (o == 'e' && !strcmp(optarg, "eopnotsupp"))
			c.expect = EXPECT_EOPNOTSUPP;
		else if (o == 'e' && !strcmp(optarg, "broken"))
			c.expect = EXPECT_BROKEN;
		else if (o == 's')
			srq = true;
		else if (!(o == 'p' && !strcmp(optarg, "coco")) &&
			 !(o == 'e' && !strcmp(optarg, "ok"))) {
			fprintf(stderr,
				"usage: coco_traffic [--pd coco|plain] [--expect ok|eopnotsupp|broken] [--srq]\n");
			return 2;
		}
	}

	fds0 = test_count_fds();
	if (setup(&c)) {
		teardown(&c);
		return 1;
	}
	if (c.expect == EXPECT_EOPNOTSUPP) {
		check_refused(&c, srq);
	} else {
		judge(&c, "rc", test_rc(&c, NULL));
		judge(&c, "ud", test_ud(&c));
		if (srq)
			judge(&c, "srq", test_srq(&c));
	}
	teardown(&c);
	fds1 = test_count_fds();
	if (fds1 != fds0) {
		printf("FAIL fds: %d before, %d after\n", fds0, fds1);
		test_failures++;
	}
	printf("%u failure(s)\n", test_failures);
	return test_failures ? 1 : 0;
}
