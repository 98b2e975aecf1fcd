// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Bad input from applications: every public entry point the provider
 * implements, fed NULLs, zero and huge sizes, unknown comp_mask bits,
 * objects of another PD or context, and destroys while dependants are
 * alive. Each must fail with an errno from a short list of sensible ones,
 * leave no kernel object, fd, mapping or heap buffer behind, and leave the
 * objects involved working.
 *
 * What is NOT tried, because the verbs API gives the provider no way to
 * tell: double free and use after destroy of provider objects (the handle
 * is the freed memory itself; libibverbs frees it). Those are left to
 * AddressSanitizer and valgrind, which the suite runs under.
 *
 * Usage: rel_badinput
 * Prints the number of bad inputs tried.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/cases.h"
#include "rel_util.h"

/* Up to 4 acceptable errnos per case, 0-terminated. */
#define ERRS(...) ((const int[]){ __VA_ARGS__, 0 })

struct env {
	bool cc;
	struct ibv_context *ctx, *ctx2;
	struct ibv_device_attr_ex attr;
	struct ibv_pd *pd, *pd2, *par, *par2;
	struct ibv_pd *pdx, *parx; /* on ctx2 */
	struct ibv_cq *cq, *cq2; /* cq2: on ctx2 */
	struct ibv_qp *qp;
	struct ibv_srq *srq; /* NULL without SRQ support */
	struct ibv_mr *mr;
	struct ibv_buf *buf;
	void *mem;
	/* the second PD's buffer, where plain memory is refused (7.2 --cc) */
	struct ibv_buf *buf2;
	void *mem2;
	size_t page;
	union ibv_gid gid;
	bool can_resize; /* not on gen 1 */
	unsigned int tried, wrong;
};

static struct env E;

static bool errno_ok(int err, const int *ok)
{
	for (; *ok; ok++)
		if (err == *ok)
			return true;
	return false;
}

__attribute__((format(printf, 2, 3))) static void bad(const char *what,
						      const char *fmt, ...)
{
	va_list ap;

	E.wrong++;
	fprintf(stderr, "BAD: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A creating verb returned @obj; it must be NULL with an errno in @ok. */
static bool expect_null(const void *obj, int err, const int *ok,
			const char *what)
{
	E.tried++;
	if (obj) {
		bad(what, "succeeded");
		return false;
	}
	if (!errno_ok(err, ok))
		bad(what, "errno %d (%s)", err, strerrorname_np(err));
	return true;
}

/* A verb returning an errno (or -1 + errno) must fail with one of @ok. */
static void expect_err(int ret, int err, const int *ok, const char *what)
{
	E.tried++;
	if (!ret) {
		bad(what, "succeeded");
		return;
	}
	if (ret > 0)
		err = ret;
	if (!errno_ok(err, ok))
		bad(what, "error %d (%s)", err, strerrorname_np(err));
}

/* @destroy gets the object as a void *, which C converts to its type. */
#define TRY_CREATE(expr, ok, what, destroy)            \
	do {                                           \
		void *o_;                              \
		errno = 0;                             \
		o_ = (void *)(expr);                   \
		if (!expect_null(o_, errno, ok, what)) \
			destroy(o_);                   \
	} while (0)

static void destroy_cqx_v(void *p)
{
	ibv_destroy_cq(ibv_cq_ex_to_cq(p));
}

static struct ibv_qp_init_attr qp_attr(struct ibv_cq *cq)
{
	return test_qp_attr(IBV_QPT_RC, cq, cq, 8);
}

static void bad_parent_domains(void)
{
	struct ibv_parent_domain_init_attr pa = { .pd = E.pd };

	pa.comp_mask = 1u << 20;
	TRY_CREATE(ibv_alloc_parent_domain(E.ctx, &pa),
		   ERRS(EINVAL, EOPNOTSUPP),
		   "parent domain, unknown comp_mask bit", ibv_dealloc_pd);
	pa.comp_mask = 0;
	pa.pd = E.par;
	TRY_CREATE(ibv_alloc_parent_domain(E.ctx, &pa), ERRS(EINVAL),
		   "parent domain of a parent domain", ibv_dealloc_pd);
	pa.pd = E.pd2 ? E.pd2 : E.pd;
	TRY_CREATE(ibv_alloc_parent_domain(E.ctx2, &pa), ERRS(EINVAL),
		   "parent domain of another context's PD", ibv_dealloc_pd);
	pa.pd = E.pd;
	pa.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS;
	TRY_CREATE(ibv_alloc_parent_domain(E.ctx, &pa), ERRS(EINVAL),
		   "parent domain, ALLOCATORS without functions",
		   ibv_dealloc_pd);
}

static void bad_cqs(void)
{
	struct ibv_cq_init_attr_ex ca = { .cqe = 16,
					  .wc_flags = IBV_WC_STANDARD_FLAGS };

	TRY_CREATE(ibv_create_cq(E.ctx, 0, NULL, NULL, 0), ERRS(EINVAL),
		   "create_cq 0 entries", ibv_destroy_cq);
	TRY_CREATE(ibv_create_cq(E.ctx, -1, NULL, NULL, 0), ERRS(EINVAL),
		   "create_cq -1 entries", ibv_destroy_cq);
	TRY_CREATE(ibv_create_cq(E.ctx, INT32_MAX, NULL, NULL, 0),
		   ERRS(EINVAL, ENOMEM), "create_cq INT_MAX entries",
		   ibv_destroy_cq);
	/* a bounce device refuses a plain CQ before the kernel sees it */
	if (E.cc) {
		TRY_CREATE(ibv_create_cq(E.ctx, 16, NULL, NULL, 0),
			   ERRS(EOPNOTSUPP), "create_cq on a bounce device",
			   ibv_destroy_cq);
		ca.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD;
		ca.parent_domain = E.par;
		ca.comp_vector = 100000;
		TRY_CREATE(ibv_create_cq_ex(E.ctx, &ca), ERRS(EINVAL),
			   "create_cq_ex comp_vector 100000", destroy_cqx_v);
		ca.comp_vector = 0;
		ca.parent_domain = NULL;
	} else {
		TRY_CREATE(ibv_create_cq(E.ctx, 16, NULL, NULL, 100000),
			   ERRS(EINVAL), "create_cq comp_vector 100000",
			   ibv_destroy_cq);
	}
	ca.comp_mask = 1u << 12;
	TRY_CREATE(ibv_create_cq_ex(E.ctx, &ca), ERRS(EINVAL, EOPNOTSUPP),
		   "create_cq_ex unknown comp_mask bit", destroy_cqx_v);
	ca.comp_mask = 0;
	ca.wc_flags = 1ull << 60;
	TRY_CREATE(ibv_create_cq_ex(E.ctx, &ca), ERRS(EINVAL, EOPNOTSUPP),
		   "create_cq_ex unknown wc_flags bit", destroy_cqx_v);
	ca.wc_flags = IBV_WC_STANDARD_FLAGS;
	ca.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD;
	ca.parent_domain = E.pd;
	TRY_CREATE(ibv_create_cq_ex(E.ctx, &ca), ERRS(EINVAL, EOPNOTSUPP),
		   "create_cq_ex with a plain PD as parent domain",
		   destroy_cqx_v);
	ca.parent_domain = NULL;
	TRY_CREATE(ibv_create_cq_ex(E.ctx, &ca), ERRS(EINVAL, EOPNOTSUPP),
		   "create_cq_ex MASK_PD without a parent domain",
		   destroy_cqx_v);
	ca.parent_domain = E.parx;
	TRY_CREATE(ibv_create_cq_ex(E.ctx, &ca), ERRS(EINVAL, EOPNOTSUPP),
		   "create_cq_ex on another context's parent domain",
		   destroy_cqx_v);
	if (!E.can_resize) {
		/* gen 1 cannot resize at all */
		expect_err(ibv_resize_cq(E.cq, 0), errno, ERRS(EOPNOTSUPP),
			   "resize_cq to 0 (no resize)");
		return;
	}
	expect_err(ibv_resize_cq(E.cq, 0), errno, ERRS(EINVAL),
		   "resize_cq to 0");
	expect_err(ibv_resize_cq(E.cq, INT32_MAX), errno, ERRS(EINVAL, ENOMEM),
		   "resize_cq to INT_MAX");
}

static void bad_qps(void)
{
	struct ibv_qp_init_attr a;
	struct ibv_qp_init_attr_ex ax = {};

	a = qp_attr(NULL);
	TRY_CREATE(ibv_create_qp(E.pd, &a), ERRS(EINVAL),
		   "create_qp without CQs", ibv_destroy_qp);
	a = qp_attr(E.cq);
	a.cap.max_send_wr = 1u << 30;
	TRY_CREATE(ibv_create_qp(E.pd, &a), ERRS(EINVAL, ENOMEM),
		   "create_qp 2^30 send WRs", ibv_destroy_qp);
	a = qp_attr(E.cq);
	a.cap.max_recv_wr = UINT32_MAX;
	TRY_CREATE(ibv_create_qp(E.pd, &a), ERRS(EINVAL, ENOMEM),
		   "create_qp 2^32-1 recv WRs", ibv_destroy_qp);
	a = qp_attr(E.cq);
	a.cap.max_send_sge = 1000;
	TRY_CREATE(ibv_create_qp(E.pd, &a), ERRS(EINVAL),
		   "create_qp 1000 send SGEs", ibv_destroy_qp);
	a = qp_attr(E.cq);
	a.cap.max_recv_sge = 1000;
	TRY_CREATE(ibv_create_qp(E.pd, &a), ERRS(EINVAL),
		   "create_qp 1000 recv SGEs", ibv_destroy_qp);
	a = qp_attr(E.cq);
	a.cap.max_inline_data = 1u << 20;
	TRY_CREATE(ibv_create_qp(E.pd, &a), ERRS(EINVAL),
		   "create_qp 1 MB inline", ibv_destroy_qp);
	a = qp_attr(E.cq);
	a.qp_type = (enum ibv_qp_type)99;
	TRY_CREATE(ibv_create_qp(E.pd, &a), ERRS(EINVAL, EOPNOTSUPP),
		   "create_qp type 99", ibv_destroy_qp);
	a = qp_attr(E.cq2);
	TRY_CREATE(ibv_create_qp(E.pd, &a), ERRS(EINVAL),
		   "create_qp with another context's CQ", ibv_destroy_qp);
	ax.send_cq = ax.recv_cq = E.cq;
	ax.cap = qp_attr(E.cq).cap;
	ax.qp_type = IBV_QPT_RC;
	ax.pd = E.pd;
	ax.comp_mask = IBV_QP_INIT_ATTR_PD | (1u << 25);
	TRY_CREATE(ibv_create_qp_ex(E.ctx, &ax), ERRS(EINVAL, EOPNOTSUPP),
		   "create_qp_ex unknown comp_mask bit", ibv_destroy_qp);
	ax.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	ax.send_ops_flags = 1ull << 50;
	TRY_CREATE(ibv_create_qp_ex(E.ctx, &ax), ERRS(EINVAL, EOPNOTSUPP),
		   "create_qp_ex unknown send_ops_flags bit", ibv_destroy_qp);
}

static void bad_qp_transitions(void)
{
	struct ibv_qp_attr qa = { .qp_state = IBV_QPS_RTS };

	expect_err(ibv_modify_qp(E.qp, &qa, IBV_QP_STATE), errno, ERRS(EINVAL),
		   "modify_qp RESET -> RTS");
	qa.qp_state = (enum ibv_qp_state)42;
	expect_err(ibv_modify_qp(E.qp, &qa, IBV_QP_STATE), errno, ERRS(EINVAL),
		   "modify_qp to state 42");
	qa.qp_state = IBV_QPS_INIT;
	expect_err(ibv_modify_qp(E.qp, &qa, IBV_QP_STATE), errno, ERRS(EINVAL),
		   "modify_qp to INIT without port/access");
	qa.port_num = 9;
	qa.qp_access_flags = 0;
	qa.pkey_index = 0;
	expect_err(ibv_modify_qp(E.qp, &qa,
				 IBV_QP_STATE | IBV_QP_PORT |
					 IBV_QP_PKEY_INDEX |
					 IBV_QP_ACCESS_FLAGS),
		   errno, ERRS(EINVAL), "modify_qp to INIT on port 9");
}

/*
 * An MR on the second PD: of the shared buffer by address, or where
 * Linux 7.2 refuses a plain address on a bounce device (even of shared
 * memory), of a buffer of the second PD's parent domain by its DMA-buf.
 */
static struct ibv_mr *pd2_mr(void)
{
	if (!test_emu_va_refused())
		return ibv_reg_mr(E.pd2, E.mem, E.page, IBV_ACCESS_LOCAL_WRITE);
	return ibv_reg_buf_mr(E.par2, E.buf2, E.mem2, E.page,
			      IBV_ACCESS_LOCAL_WRITE);
}

/*
 * An lkey of another PD passes every check the provider can make at post
 * time (keys are the device's business); the device must refuse it with a
 * local protection error, and the QP goes to the error state.
 */
static void foreign_lkey(struct ibv_qp *qp)
{
	struct ibv_mr *mr = pd2_mr();
	struct ibv_sge sge = { 0, 8, 0 };
	struct ibv_send_wr wr = { .wr_id = 77,
				  .sg_list = &sge,
				  .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED },
			   *bs;
	uint64_t end = test_now_ms() + 5000;
	struct ibv_wc wc;
	int n = 0;

	CHECK(mr, "reg_mr on the second PD: %m");
	/* inside the MR: only the PD is wrong */
	sge.addr = (uintptr_t)mr->addr;
	sge.lkey = mr->lkey;
	E.tried++;
	CHECK(!ibv_post_send(qp, &wr, &bs), "post_send");
	while (n == 0 && test_now_ms() < end)
		n = ibv_poll_cq(E.cq, 1, &wc);
	if (n != 1)
		bad("SEND with another PD's lkey", "no completion");
	else if (wc.status != IBV_WC_LOC_PROT_ERR)
		bad("SEND with another PD's lkey", "completed with %s",
		    ibv_wc_status_str(wc.status));
	CHECK(!ibv_dereg_mr(mr), "dereg_mr: %m");
}

/*
 * On a QP of its own, so that the group's before/after snapshot also
 * proves that everything a connected QP gets (push pages with --push) goes
 * with it.
 */
static void bad_posts(void)
{
	struct ibv_qp_init_attr qa = qp_attr(E.cq);
	struct ibv_qp *qp;
	struct ibv_sge sge[40];
	struct ibv_send_wr swr = { .sg_list = sge, .opcode = IBV_WR_SEND }, *bs;
	struct ibv_recv_wr rwr = { .sg_list = sge }, *br;
	int i;

	/* two SGEs, for inline lengths that only fit when they wrap */
	qa.cap.max_send_sge = 2;
	qa.cap.max_inline_data = 32;
	qp = ibv_create_qp(E.cc ? E.par : E.pd, &qa);
	CHECK(qp, "create_qp: %m");
	for (i = 0; i < 40; i++)
		sge[i] = (struct ibv_sge){ (uintptr_t)E.mem, 8, E.mr->lkey };
	/* the QP is in RESET */
	swr.num_sge = 1;
	expect_err(ibv_post_send(qp, &swr, &bs), errno, ERRS(EINVAL),
		   "post_send on a QP in RESET");
	CHECK(!rel_rc_connect(qp, qp->qp_num, &E.gid), "connect");
	swr.num_sge = 40;
	expect_err(ibv_post_send(qp, &swr, &bs), errno, ERRS(EINVAL, ENOMEM),
		   "post_send 40 SGEs");
	swr.num_sge = -1;
	expect_err(ibv_post_send(qp, &swr, &bs), errno, ERRS(EINVAL, ENOMEM),
		   "post_send -1 SGEs");
	swr.num_sge = 1;
	swr.opcode = (enum ibv_wr_opcode)0x7f;
	expect_err(ibv_post_send(qp, &swr, &bs), errno,
		   ERRS(EINVAL, EOPNOTSUPP), "post_send opcode 0x7f");
	swr.opcode = IBV_WR_SEND;
	swr.send_flags = IBV_SEND_INLINE;
	sge[0].length = 1u << 20;
	expect_err(ibv_post_send(qp, &swr, &bs), errno, ERRS(EINVAL, ENOMEM),
		   "post_send 1 MB inline");
	/* 0xfffffff8 + 16 is 8 in 32 bits: the copy would run off the end */
	swr.num_sge = 2;
	sge[0].length = 0xfffffff8u;
	sge[1].length = 16;
	expect_err(ibv_post_send(qp, &swr, &bs), errno, ERRS(EINVAL, ENOMEM),
		   "post_send inline SGE lengths that wrap 32 bits");
	swr.num_sge = 1;
	sge[0].length = sge[1].length = 8;
	swr.send_flags = 0;
	rwr.num_sge = 40;
	expect_err(ibv_post_recv(qp, &rwr, &br), errno, ERRS(EINVAL, ENOMEM),
		   "post_recv 40 SGEs");
	rwr.num_sge = -1;
	expect_err(ibv_post_recv(qp, &rwr, &br), errno, ERRS(EINVAL, ENOMEM),
		   "post_recv -1 SGEs");
	if (E.srq) {
		rwr.num_sge = 40;
		expect_err(ibv_post_srq_recv(E.srq, &rwr, &br), errno,
			   ERRS(EINVAL, ENOMEM), "post_srq_recv 40 SGEs");
	}
	foreign_lkey(qp);
	CHECK(!ibv_destroy_qp(qp), "destroy_qp: %m");
}

/*
 * The ibv_wr_* API used out of order. ibv_wr_start() takes the QP lock
 * and ibv_wr_complete()/ibv_wr_abort() drop it, so every one of these
 * could unbalance that lock or write the SQ without it: each must be
 * refused (EINVAL from ibv_wr_complete) and post nothing.
 */
struct wr_misuse {
	struct ibv_qp *qp;
	struct ibv_qp_ex *x;
	struct ibv_mr *mr;
	int first, second; /* ibv_wr_complete results of the nested batch */
};

static void wr_misuse_write(struct wr_misuse *m, uint64_t wr_id)
{
	m->x->wr_id = wr_id;
	m->x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_rdma_write(m->x, m->mr->rkey, (uintptr_t)E.mem + 256);
	ibv_wr_set_sge(m->x, m->mr->lkey, (uintptr_t)E.mem, 8);
}

/* Completions within @ms; the first one's wr_id goes to *wr_id. */
static int wr_misuse_poll(uint64_t ms, uint64_t *wr_id)
{
	uint64_t end = test_now_ms() + ms;
	struct ibv_wc wc;
	int n = 0;

	while (test_now_ms() < end)
		if (ibv_poll_cq(E.cq, 1, &wc) == 1 && !n++) {
			*wr_id = wc.status == IBV_WC_SUCCESS ? wc.wr_id : ~0ull;
			/* a little longer, for anything posted behind it */
			end = test_now_ms() + 100;
		}
	return n;
}

static void *wr_nested_start(void *arg)
{
	struct wr_misuse *m = arg;

	ibv_wr_start(m->x);
	ibv_wr_start(m->x);
	wr_misuse_write(m, 3);
	m->first = ibv_wr_complete(m->x);
	m->second = ibv_wr_complete(m->x);
	return NULL;
}

static void wr_expect_posted(struct wr_misuse *m, uint64_t wr_id,
			     const char *what)
{
	uint64_t got = 0;
	int n;

	ibv_wr_start(m->x);
	wr_misuse_write(m, wr_id);
	E.tried++;
	CHECK(!ibv_wr_complete(m->x), "%s: wr_complete: %m", what);
	n = wr_misuse_poll(5000, &got);
	if (n != 1 || got != wr_id)
		bad(what, "%d completions, the first wr_id %#llx, want %llu", n,
		    (unsigned long long)got, (unsigned long long)wr_id);
}

static void wr_expect_nothing(const char *what)
{
	uint64_t got = 0;

	if (wr_misuse_poll(300, &got))
		bad(what, "posted something (wr_id %#llx)",
		    (unsigned long long)got);
}

/* A UD send built without ibv_wr_set_ud_addr() has no AH to go to. */
static void wr_ud_without_address(const struct wr_misuse *rc)
{
	struct ibv_qp_init_attr_ex qa =
		test_qp_attr_ex(E.cc ? E.par : E.pd, IBV_QPT_UD, E.cq, E.cq, 8);
	struct ibv_qp_ex *x;
	struct ibv_qp *qp;

	qa.comp_mask |= IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	qa.send_ops_flags = IBV_QP_EX_WITH_SEND;
	qp = ibv_create_qp_ex(E.ctx, &qa);
	CHECK(qp, "create_qp_ex UD: %m");
	CHECK(!test_ud_to_rts(qp, 0x11111111), "UD to RTS");
	x = ibv_qp_to_qp_ex(qp);
	CHECK(x, "UD QP without the ibv_wr_* API");
	ibv_wr_start(x);
	x->wr_id = 6;
	x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send(x);
	ibv_wr_set_sge(x, rc->mr->lkey, (uintptr_t)E.mem, 8);
	expect_err(ibv_wr_complete(x), 0, ERRS(EINVAL),
		   "UD send without wr_set_ud_addr");
	wr_expect_nothing("UD send without wr_set_ud_addr");
	CHECK(!ibv_destroy_qp(qp), "destroy_qp UD: %m");
}

static void bad_wr_sequences(void)
{
	struct ibv_qp_init_attr_ex qa =
		test_qp_attr_ex(E.cc ? E.par : E.pd, IBV_QPT_RC, E.cq, E.cq, 8);
	bool atomics = E.attr.orig_attr.atomic_cap != IBV_ATOMIC_NONE;
	struct wr_misuse m = {};
	struct timespec ts;
	pthread_t t;

	qa.cap.max_inline_data = 32;
	qa.comp_mask |= IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	qa.send_ops_flags = IBV_QP_EX_WITH_RDMA_WRITE |
			    (atomics ? IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD : 0);
	m.qp = ibv_create_qp_ex(E.ctx, &qa);
	CHECK(m.qp, "create_qp_ex: %m");
	m.x = ibv_qp_to_qp_ex(m.qp);
	m.mr = ibv_reg_buf_mr(E.par, E.buf, E.mem, E.page,
			      IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				      (atomics ? IBV_ACCESS_REMOTE_ATOMIC : 0));
	CHECK(m.mr, "reg_buf_mr: %m");
	CHECK(!rel_rc_connect(m.qp, m.qp->qp_num, &E.gid), "connect");

	/* builders outside a batch: no lock held, nothing may reach the SQ */
	wr_misuse_write(&m, 0xbad);
	wr_misuse_write(&m, 0xbad);
	expect_err(ibv_wr_complete(m.x), 0, ERRS(EINVAL),
		   "wr_complete without wr_start");
	ibv_wr_abort(m.x);
	wr_expect_posted(&m, 1, "batch after WRs built outside a batch");

	/* a setter before any builder has no work request to go to */
	ibv_wr_start(m.x);
	ibv_wr_set_sge(m.x, m.mr->lkey, (uintptr_t)E.mem, 8);
	wr_misuse_write(&m, 2);
	expect_err(ibv_wr_complete(m.x), 0, ERRS(EINVAL),
		   "wr_set_sge before the first builder");
	wr_expect_nothing("wr_set_sge before the first builder");

	/* a second wr_start of the same thread must not spin on its lock */
	CHECK(!pthread_create(&t, NULL, wr_nested_start, &m), "thread");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	CHECK(!pthread_timedjoin_np(t, NULL, &ts),
	      "a nested wr_start deadlocked on the QP lock");
	expect_err(m.first, 0, ERRS(EINVAL), "wr_start twice");
	expect_err(m.second, 0, ERRS(EINVAL), "second wr_complete");
	wr_expect_nothing("wr_start twice");

	/*
	 * An atomic writes the old value back to its local SGE. Inline data
	 * gives it none: the provider's own copy buffer, with no key, must
	 * not become the target.
	 */
	if (atomics) {
		ibv_wr_start(m.x);
		m.x->wr_id = 5;
		ibv_wr_atomic_fetch_add(m.x, m.mr->rkey, (uintptr_t)E.mem + 512,
					1);
		ibv_wr_set_inline_data(m.x, E.mem, 8);
		expect_err(ibv_wr_complete(m.x), 0, ERRS(EINVAL),
			   "atomic with inline data");
		wr_expect_nothing("atomic with inline data");
	}

	/* and the QP lock is still balanced */
	wr_expect_posted(&m, 4, "batch after the misuse");
	wr_ud_without_address(&m);
	CHECK(!ibv_destroy_qp(m.qp), "destroy_qp: %m");
	CHECK(!ibv_dereg_mr(m.mr), "dereg_mr: %m");
}

static void bad_srqs(void)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 0, .max_sge = 1 } };
	struct ibv_srq_attr ma = {};

	if (!E.srq) {
		sa.attr.max_wr = 8;
		TRY_CREATE(ibv_create_srq(E.pd, &sa), ERRS(EOPNOTSUPP),
			   "create_srq without SRQ support", ibv_destroy_srq);
		return;
	}
	TRY_CREATE(ibv_create_srq(E.pd, &sa), ERRS(EINVAL), "create_srq 0 WRs",
		   ibv_destroy_srq);
	sa.attr.max_wr = UINT32_MAX;
	TRY_CREATE(ibv_create_srq(E.pd, &sa), ERRS(EINVAL, ENOMEM),
		   "create_srq 2^32-1 WRs", ibv_destroy_srq);
	sa.attr.max_wr = 8;
	sa.attr.max_sge = 1000;
	TRY_CREATE(ibv_create_srq(E.pd, &sa), ERRS(EINVAL),
		   "create_srq 1000 SGEs", ibv_destroy_srq);
	ma.srq_limit = 1u << 30;
	expect_err(ibv_modify_srq(E.srq, &ma, IBV_SRQ_LIMIT), errno,
		   ERRS(EINVAL), "modify_srq limit 2^30");
	ma.max_wr = 4;
	expect_err(ibv_modify_srq(E.srq, &ma, IBV_SRQ_MAX_WR), errno,
		   ERRS(EINVAL, EOPNOTSUPP), "modify_srq resize");
}

static void bad_mrs(void)
{
	TRY_CREATE(ibv_reg_mr(E.pd, E.mem, 0, IBV_ACCESS_LOCAL_WRITE),
		   ERRS(EINVAL), "reg_mr length 0", ibv_dereg_mr);
	/* a bounce device of Linux 7.2 refuses any plain address first */
	TRY_CREATE(ibv_reg_mr(E.pd, NULL, E.page, IBV_ACCESS_LOCAL_WRITE),
		   ERRS(EINVAL, EFAULT, EOPNOTSUPP), "reg_mr NULL address",
		   ibv_dereg_mr);
	TRY_CREATE(ibv_reg_mr(E.pd, E.mem, (size_t)1 << 50,
			      IBV_ACCESS_LOCAL_WRITE),
		   ERRS(EINVAL, EFAULT, ENOMEM), "reg_mr 1 PB", ibv_dereg_mr);
	TRY_CREATE(ibv_reg_mr(E.pd, E.mem, E.page, IBV_ACCESS_REMOTE_WRITE),
		   ERRS(EINVAL), "reg_mr remote write without local write",
		   ibv_dereg_mr);
	/* not an optional bit (those may be ignored, verbs.h) */
	TRY_CREATE(ibv_reg_mr(E.pd, E.mem, E.page, 1u << 15),
		   ERRS(EINVAL, EOPNOTSUPP), "reg_mr unknown access bit",
		   ibv_dereg_mr);
	TRY_CREATE(ibv_reg_dmabuf_mr(E.pd, 0, E.page, 0, -1,
				     IBV_ACCESS_LOCAL_WRITE),
		   ERRS(EBADF, EINVAL, EOPNOTSUPP), "reg_dmabuf_mr fd -1",
		   ibv_dereg_mr);
	TRY_CREATE(ibv_reg_dmabuf_mr(E.pd, 0, E.page, 0, 0,
				     IBV_ACCESS_LOCAL_WRITE),
		   ERRS(EBADF, EINVAL, EOPNOTSUPP), "reg_dmabuf_mr on stdin",
		   ibv_dereg_mr);
}

static void bad_bufs(void)
{
	struct ibv_buf *b = NULL, *b2 = NULL;
	void *addr, *addr2;

	errno = 0;
	addr = ibv_alloc_buf(E.par, 0, &b);
	if (!expect_null(addr, errno, ERRS(EINVAL), "alloc_buf 0 bytes"))
		ibv_free_buf(b);
	errno = 0;
	addr = ibv_alloc_buf(E.par, SIZE_MAX / 2, &b);
	if (!expect_null(addr, errno, ERRS(EINVAL, ENOMEM),
			 "alloc_buf SIZE_MAX/2"))
		ibv_free_buf(b);

	addr = ibv_alloc_buf(E.par, 2 * E.page, &b);
	CHECK(addr, "alloc_buf: %m");
	addr2 = ibv_alloc_buf(E.par2, E.page, &b2);
	CHECK(addr2, "alloc_buf on the second parent domain: %m");
	TRY_CREATE(
		ibv_reg_buf_mr(E.par2, b, addr, E.page, IBV_ACCESS_LOCAL_WRITE),
		ERRS(EINVAL), "reg_buf_mr of a buffer from another PD",
		ibv_dereg_mr);
	TRY_CREATE(
		ibv_reg_buf_mr(E.par, b, addr2, E.page, IBV_ACCESS_LOCAL_WRITE),
		ERRS(EINVAL), "reg_buf_mr of an address outside the buffer",
		ibv_dereg_mr);
	TRY_CREATE(ibv_reg_buf_mr(E.par, b, addr, 3 * E.page,
				  IBV_ACCESS_LOCAL_WRITE),
		   ERRS(EINVAL), "reg_buf_mr past the buffer's end",
		   ibv_dereg_mr);
	TRY_CREATE(ibv_reg_buf_mr(E.par, b, addr, 0, IBV_ACCESS_LOCAL_WRITE),
		   ERRS(EINVAL), "reg_buf_mr length 0", ibv_dereg_mr);
	ibv_free_buf(b2);
	ibv_free_buf(b);
}

static void bad_mws_and_ahs(void)
{
	struct ibv_ah_attr aa = { .port_num = 9, .is_global = 1 };

	TRY_CREATE(ibv_alloc_mw(E.pd, (enum ibv_mw_type)7),
		   ERRS(EINVAL, EOPNOTSUPP), "alloc_mw type 7", ibv_dealloc_mw);
	aa.grh.dgid = E.gid;
	aa.grh.hop_limit = 1;
	TRY_CREATE(ibv_create_ah(E.pd, &aa), ERRS(EINVAL), "create_ah port 9",
		   ibv_destroy_ah);
	aa.port_num = 1;
	aa.grh.sgid_index = 200;
	TRY_CREATE(ibv_create_ah(E.pd, &aa), ERRS(EINVAL),
		   "create_ah sgid_index 200", ibv_destroy_ah);
	aa.grh.sgid_index = 0;
	aa.is_global = 0;
	TRY_CREATE(ibv_create_ah(E.pd, &aa), ERRS(EINVAL),
		   "create_ah without a GRH on RoCE", ibv_destroy_ah);
}

/* Destroys that must be refused while something still depends on them. */
static void busy_destroys(void)
{
	struct ibv_qp_init_attr a = qp_attr(E.cq);
	int ret;
	struct ibv_qp *sqp = NULL;
	struct ibv_mr *mr;
	struct ibv_wc wc;

	expect_err(ibv_destroy_cq(E.cq), errno, ERRS(EBUSY),
		   "destroy_cq with a QP on it");
	CHECK(ibv_poll_cq(E.cq, 1, &wc) >= 0, "CQ unusable after refusal");
	expect_err(ibv_dealloc_pd(E.pd), errno, ERRS(EBUSY),
		   "dealloc_pd with a QP, an MR and a parent domain");
	mr = pd2_mr();
	CHECK(mr, "reg_mr on the second PD: %m");
	expect_err(ibv_dealloc_pd(E.pd2), errno, ERRS(EBUSY),
		   "dealloc_pd with only an MR");
	CHECK(!ibv_dereg_mr(mr), "MR unusable after refusal");
	errno = 0;
	ret = ibv_dealloc_pd(E.par);
	if (!ret) {
		E.tried++;
		bad("dealloc parent domain with a buffer and its MR alive",
		    "succeeded");
		E.par = NULL;
	} else {
		expect_err(
			ret, errno, ERRS(EBUSY),
			"dealloc parent domain with a buffer and its MR alive");
	}
	if (E.srq) {
		a.srq = E.srq;
		a.cap.max_recv_wr = a.cap.max_recv_sge = 0;
		sqp = ibv_create_qp(E.cc ? E.par : E.pd, &a);
		CHECK(sqp, "QP on the SRQ: %m");
		expect_err(ibv_destroy_srq(E.srq), errno, ERRS(EBUSY),
			   "destroy_srq with a QP on it");
		CHECK(!ibv_destroy_qp(sqp), "destroy QP on the SRQ");
	}
}

/*
 * Do once what the cases do, so that whatever the provider and libc keep
 * for reuse afterwards (heap slabs, thread stacks) exists before the
 * first snapshot.
 */
static void *warm_up_thread(void *arg)
{
	return arg;
}

static void warm_up(void)
{
	struct ibv_qp_init_attr a = qp_attr(E.cq);
	struct ibv_buf *b;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	pthread_t t;
	void *p;

	/* glibc keeps a finished thread's stack for the next one */
	CHECK(!pthread_create(&t, NULL, warm_up_thread, NULL) &&
		      !pthread_join(t, NULL),
	      "warm-up thread");
	p = ibv_alloc_buf(E.par2, E.page, &b);
	CHECK(p, "warm-up alloc_buf: %m");
	ibv_free_buf(b);
	p = ibv_alloc_buf(E.par, 2 * E.page, &b);
	CHECK(p, "warm-up alloc_buf: %m");
	ibv_free_buf(b);
	mr = pd2_mr();
	CHECK(mr && !ibv_dereg_mr(mr), "warm-up reg_mr: %m");
	qp = ibv_create_qp(E.cc ? E.par : E.pd, &a);
	CHECK(qp && !ibv_destroy_qp(qp), "warm-up QP: %m");
	/* a resize replaces the ring: do it before counting mappings */
	E.can_resize = ibv_resize_cq(E.cq, 32) != EOPNOTSUPP;
}

static struct ibv_cq *coco_cq(struct ibv_context *ctx, struct ibv_pd *par)
{
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 16,
		.wc_flags = IBV_WC_STANDARD_FLAGS,
		.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD,
		.parent_domain = par,
	};
	struct ibv_cq_ex *cq = ibv_create_cq_ex(ctx, &ca);

	return cq ? ibv_cq_ex_to_cq(cq) : NULL;
}

static void setup(void)
{
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 8, .max_sge = 1 } };
	struct ibv_qp_init_attr a;

	E.page = (size_t)sysconf(_SC_PAGESIZE);
	E.ctx = test_open_first_device();
	E.ctx2 = test_open_first_device();
	CHECK(E.ctx && E.ctx2, "open: %m");
	CHECK(!ibv_query_device_ex(E.ctx, NULL, &E.attr), "query");
	CHECK(!ibv_query_gid(E.ctx, 1, 0, &E.gid), "query_gid");
	E.pd = ibv_alloc_pd(E.ctx);
	E.pd2 = ibv_alloc_pd(E.ctx);
	CHECK(E.pd && E.pd2, "alloc_pd: %m");
	pa.pd = E.pd;
	E.par = ibv_alloc_parent_domain(E.ctx, &pa);
	pa.pd = E.pd2;
	E.par2 = ibv_alloc_parent_domain(E.ctx, &pa);
	CHECK(E.par && E.par2, "parent domains: %m");
	E.pdx = ibv_alloc_pd(E.ctx2);
	CHECK(E.pdx, "alloc_pd on the second context: %m");
	pa.pd = E.pdx;
	E.parx = ibv_alloc_parent_domain(E.ctx2, &pa);
	CHECK(E.parx, "parent domain on the second context: %m");
	/*
	 * On a device that needs DMA bounce only rings on a CoCo parent
	 * domain reach the device: queues anywhere else are refused.
	 */
	E.cc = E.attr.device_cap_flags_ex & IBV_DEVICE_CC_DMA_BOUNCE;
	E.cq = E.cc ? coco_cq(E.ctx, E.par) :
		      ibv_create_cq(E.ctx, 16, NULL, NULL, 0);
	E.cq2 = E.cc ? coco_cq(E.ctx2, E.parx) :
		       ibv_create_cq(E.ctx2, 16, NULL, NULL, 0);
	CHECK(E.cq && E.cq2, "create_cq: %m");
	a = qp_attr(E.cq);
	E.qp = ibv_create_qp(E.cc ? E.par : E.pd, &a);
	CHECK(E.qp, "create_qp: %m");
	if (E.attr.orig_attr.max_srq) {
		E.srq = ibv_create_srq(E.cc ? E.par : E.pd, &sa);
		CHECK(E.srq, "create_srq: %m");
	}
	E.mem = ibv_alloc_buf(E.par, E.page, &E.buf);
	CHECK(E.mem, "alloc_buf: %m");
	E.mr = ibv_reg_buf_mr(E.par, E.buf, E.mem, E.page,
			      IBV_ACCESS_LOCAL_WRITE);
	CHECK(E.mr, "reg_buf_mr: %m");
	if (test_emu_va_refused()) {
		E.mem2 = ibv_alloc_buf(E.par2, E.page, &E.buf2);
		CHECK(E.mem2, "alloc_buf on the second parent domain: %m");
	}
	warm_up();
}

static void teardown(void)
{
	/*
	 * If the parent domain was wrongly freed under its buffer, freeing
	 * the buffer would call into freed memory: leak it (the test has
	 * failed already).
	 */
	if (E.par) {
		CHECK(!ibv_dereg_mr(E.mr), "dereg_mr: %m");
		ibv_free_buf(E.buf);
	}
	if (E.srq)
		CHECK(!ibv_destroy_srq(E.srq), "destroy_srq: %m");
	CHECK(!ibv_destroy_qp(E.qp), "destroy_qp: %m");
	CHECK(!ibv_destroy_cq(E.cq) && !ibv_destroy_cq(E.cq2),
	      "destroy_cq: %m");
	if (E.mem2)
		ibv_free_buf(E.buf2);
	CHECK((!E.par || !ibv_dealloc_pd(E.par)) && !ibv_dealloc_pd(E.par2),
	      "dealloc parents: %m");
	CHECK(!ibv_dealloc_pd(E.parx) && !ibv_dealloc_pd(E.pdx),
	      "dealloc second context's PDs: %m");
	CHECK(!ibv_dealloc_pd(E.pd) && !ibv_dealloc_pd(E.pd2),
	      "dealloc_pd: %m");
	CHECK(!ibv_close_device(E.ctx) && !ibv_close_device(E.ctx2),
	      "close: %m");
}

int main(void)
{
	static const struct test_case groups[] = {
		{ "parent domains", bad_parent_domains },
		{ "CQs", bad_cqs },
		{ "QPs", bad_qps },
		{ "SRQs", bad_srqs },
		{ "MRs", bad_mrs },
		{ "buffers", bad_bufs },
		{ "MWs and AHs", bad_mws_and_ahs },
		{ "QP transitions", bad_qp_transitions },
		{ "posts", bad_posts },
		{ "work request API sequences", bad_wr_sequences },
		{ "destroys with dependants", busy_destroys },
	};
	struct rel_snapshot before, after;
	unsigned long objs;
	size_t i;

	rel_need_emulator();
	setup();
	rel_snapshot(&before);
	objs = before.kobjs;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		groups[i].run();
		rel_snapshot(&after);
		if (!rel_snapshot_same(&before, &after, groups[i].name)) {
			bad(groups[i].name, "left something behind");
			before = after;
		}
	}
	printf("rel_badinput: %u bad inputs tried, %u answered wrongly; "
	       "%lu kernel objects before and after\n",
	       E.tried, E.wrong, objs);
	/* after a wrong answer the objects may be in no state to tear down */
	CHECK(!E.wrong, "%u bad inputs were not refused properly", E.wrong);
	teardown();
	return 0;
}
