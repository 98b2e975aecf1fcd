// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * coco_traffic: RC, UD and SRQ traffic whose rings and buffers all come
 * from one parent domain, with data validation.
 *
 *   coco_traffic --pd coco  --expect ok          CoCo opt-in, traffic works
 *   coco_traffic --pd coco  --expect eopnotsupp  queues refused (old kernel)
 *   coco_traffic --pd coco  --expect ok --mw     ... and memory windows of
 *                                                both types on the DMA-buf MR
 *   coco_traffic --pd plain --expect eopnotsupp  plain PD on a CoCo device:
 *                                                the device could not reach
 *                                                private rings, so every
 *                                                queue not on a CoCo parent
 *                                                domain is refused
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
#include "common/emu.h"
#include "common/process.h"
#include "common/verbs.h"

enum expect { EXPECT_OK, EXPECT_EOPNOTSUPP };

#define MSG_LEN 1024
#define BUF_LEN (64 * 1024)
#define RECV_OFF (BUF_LEN / 2)
#define QKEY 0x11111111u
#define POLL_MS 3000

struct coco {
	struct test_dev d;
	struct ibv_pd *pd; /* parent domain (CoCo) or the plain PD */
	bool parent;
	enum expect expect;
	void *buf;
	struct ibv_buf *ibuf;
	struct ibv_mr *mr;
	bool mr_is_dmabuf; /* for messages: what ibv_reg_buf_mr made */
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

/* One successful completion within POLL_MS. */
static int wait_wc(struct coco *c, struct ibv_cq *cq, struct ibv_wc *wc)
{
	if (test_poll_one(cq, wc, POLL_MS))
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

/* Wait for a bind's completion on q's send CQ. */
static int wait_bind(struct coco *c, struct test_qp *q, const char *what)
{
	struct ibv_wc wc;

	CHECK_RET(!wait_wc(c, q->scq, &wc) && wc.opcode == IBV_WC_BIND_MW,
		  "%s: %s", what, ibv_wc_status_str(wc.status));
	return 0;
}

/*
 * Memory windows on the buffer's MR, which on a CoCo device is a DMA-buf
 * MR (ibv_reg_buf_mr): a type 1 window bound with ibv_bind_mw and read
 * through, a type 2 window bound with ibv_post_send and written through.
 * The device binds a window on any MR of the PD with MW_BIND access,
 * whatever memory backs it, so both paths must take it.
 */
static int mw_exchange(struct coco *c, struct test_qp *a, struct test_qp *b,
		       struct ibv_srq *srq)
{
	uint8_t *src = c->buf, *win = (uint8_t *)c->buf + RECV_OFF;
	struct ibv_mw *mw1 = ibv_alloc_mw(c->pd, IBV_MW_TYPE_1);
	struct ibv_mw *mw2 = ibv_alloc_mw(c->pd, IBV_MW_TYPE_2);
	struct ibv_mw_bind mb = {
		.wr_id = 5,
		.send_flags = IBV_SEND_SIGNALED,
		.bind_info = { .mr = c->mr,
			       .addr = (uintptr_t)win,
			       .length = MSG_LEN,
			       .mw_access_flags = IBV_ACCESS_REMOTE_READ },
	};
	struct ibv_send_wr wr, *bad;
	struct ibv_wc wc;
	int ok = 1, ret;

	CHECK_RET(mw1 && mw2, "alloc_mw: %s", strerror(errno));
	fill(win, MSG_LEN, 0x77);
	memset(src, 0, MSG_LEN);
	ret = ibv_bind_mw(b->qp, mw1, &mb);
	CHECK_RET(!ret, "ibv_bind_mw (type 1) on the %s MR: %s",
		  c->mr_is_dmabuf ? "DMA-buf" : "plain", strerror(ret));
	if (wait_bind(c, b, "type 1 bind") ||
	    post_send(a->qp, IBV_WR_RDMA_READ, src, c->mr->lkey, NULL,
		      (uintptr_t)win, mw1->rkey) ||
	    wait_wc(c, a->scq, &wc) || memcmp(src, win, MSG_LEN))
		ok = 0;

	test_bind_mw_wr(&wr, 6, mw2, c->mr, win, MSG_LEN,
			IBV_ACCESS_REMOTE_WRITE);
	ret = ibv_post_send(b->qp, &wr, &bad);
	CHECK_RET(!ret, "type 2 bind on the %s MR: %s",
		  c->mr_is_dmabuf ? "DMA-buf" : "plain", strerror(ret));
	fill(src, MSG_LEN, 0x99);
	if (wait_bind(c, b, "type 2 bind") ||
	    post_send(a->qp, IBV_WR_RDMA_WRITE, src, c->mr->lkey, NULL,
		      (uintptr_t)win, mw2->rkey) ||
	    wait_wc(c, a->scq, &wc) || memcmp(src, win, MSG_LEN))
		ok = 0;
	ibv_dealloc_mw(mw1);
	ibv_dealloc_mw(mw2);
	return ok;
}

typedef int rc_exchange_fn(struct coco *c, struct test_qp *a, struct test_qp *b,
			   struct ibv_srq *srq);

/* Two connected RC QPs (b's receives on srq, if any) for one exchange. */
static int with_rc_pair(struct coco *c, struct ibv_srq *srq,
			rc_exchange_fn *exchange)
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
	ret = exchange(c, &a, &b, srq);
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

static int test_rc(struct coco *c, struct ibv_srq *srq)
{
	return with_rc_pair(c, srq, rc_exchange);
}

static int test_mw(struct coco *c)
{
	return with_rc_pair(c, NULL, mw_exchange);
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

/*
 * An MR of private memory is the kernel's to refuse: Linux 7.2 does on a
 * bounce device (EOPNOTSUPP), a kernel before it registers the pages.
 */
static int check_private_mr(struct coco *c)
{
	static char private_mem[4096] __attribute__((aligned(4096)));
	bool refused = test_emu_va_refused();
	struct ibv_mr *mr;

	errno = 0;
	mr = ibv_reg_mr(c->d.pd, private_mem, sizeof(private_mem),
			IBV_ACCESS_LOCAL_WRITE);
	CHECK_RET(refused ? !mr && errno == EOPNOTSUPP : mr != NULL,
		  "MR of private memory: errno %d, want %s", errno,
		  refused ? "EOPNOTSUPP" : "success");
	if (mr)
		ibv_dereg_mr(mr);
	return 0;
}

/* A CQ in private memory (no parent domain) is refused on a CoCo device. */
static int check_plain_cqs_refused(struct coco *c)
{
	struct ibv_cq_init_attr_ex ca = { .cqe = 16 };

	errno = 0;
	CHECK_RET(!ibv_create_cq(c->d.ctx, 16, NULL, NULL, 0) &&
			  errno == EOPNOTSUPP,
		  "ibv_create_cq on a bounce device: errno %d, want EOPNOTSUPP",
		  errno);
	errno = 0;
	CHECK_RET(
		!ibv_create_cq_ex(c->d.ctx, &ca) && errno == EOPNOTSUPP,
		"ibv_create_cq_ex without a parent domain: errno %d, want EOPNOTSUPP",
		errno);
	return 0;
}

/*
 * An old kernel: every queue on the CoCo parent domain must be refused (it
 * cannot register their shared rings), and so is every CQ in private
 * memory, so no CQ exists for a QP to be tried on.
 */
static int check_refused(struct coco *c, bool with_srq)
{
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 16,
		.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD,
		.parent_domain = c->pd,
	};
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 4, .max_sge = 1 } };

	errno = 0;
	CHECK_RET(!ibv_create_cq_ex(c->d.ctx, &ca) && errno == EOPNOTSUPP,
		  "CQ on the CoCo parent domain: errno %d, want EOPNOTSUPP",
		  errno);
	if (check_plain_cqs_refused(c))
		return -1;
	if (with_srq) {
		errno = 0;
		CHECK_RET(!ibv_create_srq(c->pd, &sa) && errno == EOPNOTSUPP,
			  "SRQ on the CoCo parent domain: errno %d", errno);
	}
	printf("refused with EOPNOTSUPP: CoCo CQ, plain CQ%s\n",
	       with_srq ? ", SRQ" : "");
	return 0;
}

/*
 * A plain PD on a CoCo device: its rings would be private memory the
 * device cannot reach, so the CQs, a QP (even on a CQ the device does
 * reach) and an SRQ are refused, while a QP of a CoCo parent domain on
 * that same CQ is created: the refusal is about the memory, not the CQ.
 */
static int check_plain_refused(struct coco *c, bool with_srq)
{
	struct ibv_parent_domain_init_attr pa = {
		.pd = c->pd,
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 4, .max_sge = 1 } };
	struct ibv_qp_init_attr qa;
	struct ibv_cq *cq;
	struct ibv_pd *par;
	struct ibv_qp *qp;
	struct coco cc;
	int err, ret = -1;

	if (check_plain_cqs_refused(c) || check_private_mr(c))
		return -1;
	par = ibv_alloc_parent_domain(c->d.ctx, &pa);
	CHECK_RET(par, "CoCo parent domain: %s", strerror(errno));
	cc = *c;
	cc.pd = par;
	cc.parent = true;
	cq = coco_cq(&cc);
	if (!cq) {
		printf("FAIL CQ on a CoCo parent domain: %s\n",
		       strerror(errno));
		test_failures++;
		goto out;
	}
	qa = test_qp_attr(IBV_QPT_RC, cq, cq, 4);
	errno = 0;
	qp = ibv_create_qp(c->pd, &qa);
	err = errno; /* before any clean-up can change it */
	if (qp) {
		ibv_destroy_qp(qp);
		printf("FAIL QP on the plain PD was created\n");
		test_failures++;
	} else if (err != EOPNOTSUPP) {
		printf("FAIL QP on the plain PD: errno %d, want EOPNOTSUPP\n",
		       err);
		test_failures++;
	}
	qp = ibv_create_qp(par, &qa);
	if (!qp) {
		printf("FAIL QP on the CoCo parent domain, same CQ: %s\n",
		       strerror(errno));
		test_failures++;
	} else {
		ibv_destroy_qp(qp);
	}
	ibv_destroy_cq(cq);
	if (with_srq) {
		errno = 0;
		if (ibv_create_srq(c->pd, &sa) || errno != EOPNOTSUPP) {
			printf("FAIL SRQ on the plain PD: errno %d\n", errno);
			test_failures++;
			goto out;
		}
	}
	ret = 0;
	printf("refused with EOPNOTSUPP on the plain PD: CQ, QP%s\n",
	       with_srq ? ", SRQ" : "");
out:
	ibv_dealloc_pd(par);
	return ret;
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
	c->mr = ibv_reg_buf_mr(
		c->pd, c->ibuf, c->buf, BUF_LEN,
		IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			IBV_ACCESS_REMOTE_READ | IBV_ACCESS_MW_BIND);
	CHECK_RET(c->mr, "ibv_reg_buf_mr: %s", strerror(errno));
	c->mr_is_dmabuf = test_buf_is_dmabuf(c->ibuf, c->buf, BUF_LEN);
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
	} else {
		printf("ok %s: data intact\n", name);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pd", required_argument, NULL, 'p' },
		{ "expect", required_argument, NULL, 'e' },
		{ "srq", no_argument, NULL, 's' },
		{ "mw", no_argument, NULL, 'm' },
		{}
	};
	struct coco c = { .parent = true };
	bool srq = false, mw = false;
	int fds0, fds1, o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'p' && !strcmp(optarg, "plain"))
			c.parent = false;
		else if (o == 'e' && !strcmp(optarg, "eopnotsupp"))
			c.expect = EXPECT_EOPNOTSUPP;
		else if (o == 's')
			srq = true;
		else if (o == 'm')
			mw = true;
		else if (!(o == 'p' && !strcmp(optarg, "coco")) &&
			 !(o == 'e' && !strcmp(optarg, "ok"))) {
			fprintf(stderr,
				"usage: coco_traffic [--pd coco|plain] [--expect ok|eopnotsupp] [--srq] [--mw]\n");
			return 2;
		}
	}

	fds0 = test_count_fds();
	if (setup(&c)) {
		teardown(&c);
		return 1;
	}
	/* failed checks count themselves in test_failures */
	if (c.expect == EXPECT_EOPNOTSUPP && !c.parent) {
		(void)check_plain_refused(&c, srq);
	} else if (c.expect == EXPECT_EOPNOTSUPP) {
		(void)check_refused(&c, srq);
	} else {
		judge(&c, "rc", test_rc(&c, NULL));
		judge(&c, "ud", test_ud(&c));
		if (srq)
			judge(&c, "srq", test_srq(&c));
		if (mw)
			judge(&c, "mw", test_mw(&c));
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
