// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ibv_alloc_parent_domain() validation: unknown comp_mask bits, missing or
 * foreign PD, nesting, half a pair of allocators; the CoCo opt-in; MRs on
 * a parent domain. Usage: ctl_parent [--cc]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_util.h"

static void expect_fail(struct ibv_context *ctx,
			struct ibv_parent_domain_init_attr *attr, int want,
			const char *what)
{
	struct ibv_pd *p;

	errno = 0;
	p = ibv_alloc_parent_domain(ctx, attr);
	CHECK(!p, "%s: accepted", what);
	CHECK(errno == want, "%s: errno %d (%s), want %d", what, errno,
	      strerror(errno), want);
}

static void *dummy_alloc(struct ibv_pd *pd, void *pdc, size_t size,
			 size_t align, uint64_t type)
{
	return IBV_ALLOCATOR_USE_DEFAULT;
}

/*
 * A parent domain stays allocated (EBUSY) while anything made on it lives:
 * a buffer, a CQ, a QP. (MRs: see main.) The QP's CQ is on a CoCo parent
 * domain of its own (a bounce device refuses a CQ without one), so only the
 * QP holds par.
 */
static void check_busy(struct ibv_context *ctx, struct ibv_pd *pd,
		       struct ibv_pd *par)
{
	struct ibv_parent_domain_init_attr oa = {
		.pd = pd,
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	struct ibv_pd *cq_par;
	struct ibv_qp_init_attr qa;
	struct ibv_cq *other;
	struct ibv_cq_ex *cq;
	struct ibv_buf *b;
	struct ibv_qp *qp;

	CHECK(ibv_alloc_buf(par, 4096, &b), "alloc_buf: %m");
	CHECK(ibv_dealloc_pd(par) == EBUSY, "parent freed under a buffer");
	ibv_free_buf(b);

	cq = test_cq_on_domain(ctx, par, 8);
	CHECK(cq, "CQ on a parent domain: %m");
	CHECK(ibv_dealloc_pd(par) == EBUSY, "parent freed under a CQ");
	CHECK(!ibv_destroy_cq(ibv_cq_ex_to_cq(cq)), "destroy_cq");

	cq_par = ibv_alloc_parent_domain(ctx, &oa);
	CHECK(cq_par, "parent domain for the CQ: %m");
	cq = test_cq_on_domain(ctx, cq_par, 8);
	CHECK(cq, "CQ on the other parent domain: %m");
	other = ibv_cq_ex_to_cq(cq);
	qa = test_qp_attr(IBV_QPT_RC, other, other, 4);
	qp = ibv_create_qp(par, &qa);
	CHECK(qp, "QP on a parent domain: %m");
	CHECK(ibv_dealloc_pd(par) == EBUSY, "parent freed under a QP");
	CHECK(!ibv_destroy_qp(qp), "destroy_qp");
	CHECK(!ibv_destroy_cq(other), "destroy the other CQ");
	CHECK(!ibv_dealloc_pd(cq_par), "dealloc the CQ's parent domain");
}

int main(int argc, char **argv)
{
	struct ibv_parent_domain_init_attr attr;
	struct ibv_context *ctx, *other;
	struct ibv_pd *pd, *other_pd, *par, *cc;
	struct ctl_expect exp;
	struct ibv_buf *sbuf = NULL;
	struct ibv_mr *mr;
	char *buf;
	void *shared;
	unsigned long opened;
	int tag;

	ctl_parse_args(argc, argv, &exp);
	ctx = test_must_open_first_device();
	other = test_must_open_first_device();
	opened = test_emu_live_objects();
	pd = ibv_alloc_pd(ctx);
	other_pd = ibv_alloc_pd(other);
	CHECK(pd && other_pd, "ibv_alloc_pd: %m");

	memset(&attr, 0, sizeof(attr));
	expect_fail(ctx, &attr, EINVAL, "NULL pd");

	attr.pd = pd;
	attr.comp_mask = 1u << 3;
	expect_fail(ctx, &attr, EINVAL, "unknown bit 3");
	attr.comp_mask = 1u << 31;
	expect_fail(ctx, &attr, EINVAL, "unknown bit 31");
	attr.comp_mask =
		IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC |
		(1u << 9);
	expect_fail(ctx, &attr, EINVAL, "CC flag plus unknown bit");

	/* allocators come in pairs (ctl_allocators tests them in use) */
	attr.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS;
	attr.alloc = dummy_alloc;
	expect_fail(ctx, &attr, EINVAL, "alloc without free");
	attr.alloc = NULL;

	attr.comp_mask = 0;
	attr.pd = other_pd;
	expect_fail(ctx, &attr, EINVAL, "pd of another context");

	/* a CQ of ctx must not take its ring policy from another context */
	{
		struct ibv_parent_domain_init_attr oa = { .pd = other_pd };
		struct ibv_cq_init_attr_ex ca = {
			.cqe = 8,
			.wc_flags = IBV_WC_STANDARD_FLAGS,
			.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD,
		};
		struct ibv_pd *other_par = ibv_alloc_parent_domain(other, &oa);

		CHECK(other_par, "parent domain on the other context: %m");
		ca.parent_domain = other_par;
		errno = 0;
		CHECK(!ibv_create_cq_ex(ctx, &ca) && errno == EINVAL,
		      "CQ with another context's parent domain: errno %d",
		      errno);
		CHECK(!ibv_dealloc_pd(other_par), "dealloc other parent");
	}

	/* plain parent domain with a pd_context */
	attr.pd = pd;
	attr.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT;
	attr.pd_context = &tag;
	par = ibv_alloc_parent_domain(ctx, &attr);
	CHECK(par, "plain parent domain: %m");
	CHECK(par->context == ctx && par->handle == pd->handle,
	      "parent domain does not stand for its PD");

	attr.pd = par;
	attr.comp_mask = 0;
	expect_fail(ctx, &attr, EINVAL, "parent domain of a parent domain");

	/* CoCo opt-in: accepted with and without a bounce device */
	attr.pd = pd;
	attr.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC;
	cc = ibv_alloc_parent_domain(ctx, &attr);
	CHECK(cc, "CoCo parent domain (cc=%d): %m", exp.cc);

	/*
	 * MRs work on parent domains. Linux 7.2 on a bounce device refuses
	 * private memory (EOPNOTSUPP): there the MR is of the parent
	 * domain's own shared buffer.
	 */
	buf = aligned_alloc(4096, 8192);
	CHECK(buf, "out of memory");
	errno = 0;
	mr = ibv_reg_mr(cc, buf, 8192, IBV_ACCESS_LOCAL_WRITE);
	if (test_emu_va_refused()) {
		CHECK(!mr && errno == EOPNOTSUPP,
		      "reg_mr of private memory on a 7.2 bounce device: errno %d, want EOPNOTSUPP",
		      errno);
		shared = ibv_alloc_buf(cc, 8192, &sbuf);
		CHECK(shared, "ibv_alloc_buf: %m");
		mr = ibv_reg_buf_mr(cc, sbuf, shared, 8192,
				    IBV_ACCESS_LOCAL_WRITE);
	}
	CHECK(mr, "reg_mr on a parent domain: %m");
	CHECK(ibv_dealloc_pd(cc) == EBUSY, "parent freed under a live MR");
	CHECK(ibv_dereg_mr(mr) == 0, "dereg: %m");
	if (sbuf)
		ibv_free_buf(sbuf);
	free(buf);

	check_busy(ctx, pd, cc);

	/* the wrapped PD must outlive its parent domains */
	CHECK(ibv_dealloc_pd(pd) == EBUSY, "PD with parent domains freed");

	CHECK(ibv_dealloc_pd(cc) == 0, "dealloc CoCo parent: %m");
	CHECK(ibv_dealloc_pd(par) == 0, "dealloc parent: %m");
	CHECK(ibv_dealloc_pd(pd) == 0, "dealloc pd: %m");
	CHECK(ibv_dealloc_pd(other_pd) == 0, "dealloc other pd: %m");
	CHECK(test_emu_live_objects() == opened,
	      "parent domains left kernel objects behind");
	CHECK(ibv_close_device(other) == 0, "close: %m");
	CHECK(ibv_close_device(ctx) == 0, "close: %m");
	printf("ctl_parent: ok\n");
	return 0;
}
