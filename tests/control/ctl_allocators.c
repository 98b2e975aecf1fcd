// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Parent domain custom allocators (IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS):
 * CQ and QP rings come from the application's alloc() with 4 KiB alignment
 * and the irdma resource type, go back through its free(), honour
 * IBV_ALLOCATOR_USE_DEFAULT, and a NULL from alloc() fails the create.
 * On a DMA-bounce device (--cc) they cannot be combined with the CoCo
 * opt-in, and without it the rings they would provide are private memory
 * the device cannot reach: the CQ is refused with EOPNOTSUPP before the
 * allocator is ever asked. Usage: ctl_allocators [--cc]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/ib_user_ioctl_verbs.h>

#include "ctl_util.h"

/* resource types carry the driver id in their upper 32 bits */
#define IRDMA_DRIVER_ID ((uint64_t)RDMA_DRIVER_IRDMA)

enum mode { GIVE_MEMORY, USE_DEFAULT, REFUSE };

#define MAX_LIVE 64

struct pool {
	enum mode mode;
	struct ibv_pd *expect_pd; /* the parent domain */
	int allocs, frees;
	void *live[MAX_LIVE];
	size_t live_len[MAX_LIVE];
};

static void *pool_alloc(struct ibv_pd *pd, void *pdc, size_t size, size_t align,
			uint64_t type)
{
	struct pool *p = pdc;
	void *mem;
	int i;

	CHECK(pd == p->expect_pd, "alloc called with another pd");
	CHECK(type >> 32 == IRDMA_DRIVER_ID && (type & 0xffffffffu),
	      "resource type 0x%llx", (unsigned long long)type);
	CHECK(align >= 4096 && !(align & (align - 1)), "alignment %zu", align);
	CHECK(size > 0 && size % 4096 == 0, "size %zu", size);
	p->allocs++;
	if (p->mode == USE_DEFAULT)
		return IBV_ALLOCATOR_USE_DEFAULT;
	if (p->mode == REFUSE)
		return NULL;
	mem = aligned_alloc(align, size);
	CHECK(mem, "out of memory");
	/* garbage: the provider must clear what it hands to the device */
	memset(mem, 0xff, size);
	for (i = 0; i < MAX_LIVE && p->live[i]; i++)
		;
	CHECK(i < MAX_LIVE, "too many live allocations");
	p->live[i] = mem;
	p->live_len[i] = size;
	return mem;
}

static void pool_free(struct ibv_pd *pd, void *pdc, void *ptr, uint64_t type)
{
	struct pool *p = pdc;
	int i;

	CHECK(pd == p->expect_pd, "free called with another pd");
	CHECK(type >> 32 == IRDMA_DRIVER_ID, "free resource type");
	for (i = 0; i < MAX_LIVE && p->live[i] != ptr; i++)
		;
	CHECK(i < MAX_LIVE, "free of %p that alloc never returned", ptr);
	p->live[i] = NULL;
	p->frees++;
	free(ptr);
}

static struct ibv_pd *parent_with(struct ibv_context *ctx, struct ibv_pd *pd,
				  struct pool *p, uint32_t extra)
{
	struct ibv_parent_domain_init_attr a = {
		.pd = pd,
		.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS |
			     IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT | extra,
		.alloc = pool_alloc,
		.free = pool_free,
		.pd_context = p,
	};
	struct ibv_pd *par = ibv_alloc_parent_domain(ctx, &a);

	if (par)
		p->expect_pd = par;
	return par;
}

/* Create a CQ and a QP on par; returns 0 or the errno of the failure. */
static int cq_and_qp(struct ibv_context *ctx, struct ibv_pd *par)
{
	struct ibv_qp_init_attr qa;
	struct ibv_cq_ex *cq;
	struct ibv_qp *qp;
	int err;

	cq = test_cq_on_domain(ctx, par, 16);
	if (!cq)
		return errno;
	qa = test_qp_attr(IBV_QPT_RC, ibv_cq_ex_to_cq(cq), ibv_cq_ex_to_cq(cq),
			  4);
	qp = ibv_create_qp(par, &qa);
	err = qp ? 0 : errno;
	if (qp)
		CHECK(!ibv_destroy_qp(qp), "destroy_qp");
	CHECK(!ibv_destroy_cq(ibv_cq_ex_to_cq(cq)), "destroy_cq");
	return err;
}

/*
 * A CQ and a QP on a fresh parent domain whose allocator works in @mode;
 * returns the errno of their creation, the pool's counts in @p.
 */
static int with_pool(struct ibv_context *ctx, struct ibv_pd *pd, struct pool *p,
		     enum mode mode)
{
	struct ibv_pd *par;
	int err;

	memset(p, 0, sizeof(*p));
	p->mode = mode;
	par = parent_with(ctx, pd, p, 0);
	CHECK(par, "parent domain with allocators (mode %d): %m", mode);
	err = cq_and_qp(ctx, par);
	CHECK(!ibv_dealloc_pd(par), "dealloc parent");
	return err;
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	struct ctl_expect exp;
	struct ibv_pd *pd, *par;
	struct pool p;
	unsigned long opened;
	int err;

	ctl_parse_args(argc, argv, &exp);
	ctx = test_must_open_first_device();
	opened = test_emu_live_objects();
	pd = ibv_alloc_pd(ctx);
	CHECK(pd, "alloc_pd: %m");

	/* a bounce device reaches no private ring, whoever allocates it */
	if (exp.cc) {
		err = with_pool(ctx, pd, &p, GIVE_MEMORY);
		CHECK(err == EOPNOTSUPP && !p.allocs,
		      "CQ/QP with custom allocator on a bounce device: %s, allocator used %d times",
		      strerror(err), p.allocs);
		goto coco;
	}

	/* rings from the application's memory */
	err = with_pool(ctx, pd, &p, GIVE_MEMORY);
	CHECK(!err, "CQ/QP with custom allocator: %s", strerror(err));
	CHECK(p.allocs >= 2, "allocator used %d times, want >= 2", p.allocs);
	CHECK(p.frees == p.allocs, "%d allocs but %d frees", p.allocs, p.frees);

	/* the allocator may decline */
	err = with_pool(ctx, pd, &p, USE_DEFAULT);
	CHECK(!err, "CQ/QP with USE_DEFAULT: %s", strerror(err));
	CHECK(p.allocs >= 2 && p.frees == 0, "allocs %d frees %d", p.allocs,
	      p.frees);

	/* ... or fail */
	err = with_pool(ctx, pd, &p, REFUSE);
	CHECK(err == ENOMEM, "create with a refusing allocator: %s",
	      strerror(err));

coco:
	/* with the CoCo opt-in: fine without bounce, refused with it */
	memset(&p, 0, sizeof(p));
	errno = 0;
	par = parent_with(
		ctx, pd, &p,
		IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC);
	if (exp.cc) {
		CHECK(!par && errno == EOPNOTSUPP,
		      "CoCo + allocators on a bounce device: errno %d", errno);
	} else {
		CHECK(par, "CoCo + allocators without bounce: %m");
		err = cq_and_qp(ctx, par);
		CHECK(!err && p.allocs >= 2 && p.frees == p.allocs,
		      "CoCo + allocators: %s, %d/%d", strerror(err), p.allocs,
		      p.frees);
		CHECK(!ibv_dealloc_pd(par), "dealloc parent");
	}

	CHECK(!ibv_dealloc_pd(pd), "dealloc pd");
	CHECK(test_emu_live_objects() == opened, "kernel objects left behind");
	CHECK(!ibv_close_device(ctx), "close");
	printf("ctl_allocators: cc=%d ok\n", exp.cc);
	return 0;
}
