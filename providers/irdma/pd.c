// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Protection domains and parent domains. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irdma.h"
#include "debug.h"
#include "verbs_ctl.h"

struct alloc_pd_resp {
	struct ib_uverbs_alloc_pd_resp ibv_resp;
	struct irdma_alloc_pd_resp drv;
};

struct irdma_pd *irdma_create_pd(struct ibv_context *context)
{
	struct alloc_pd_resp resp = {};
	struct ibv_alloc_pd cmd;
	struct irdma_pd *pd;
	int ret;

	pd = calloc(1, sizeof(*pd));
	if (!pd) {
		errno = ENOMEM;
		return NULL;
	}
	ret = ibv_cmd_alloc_pd(context, &pd->ibv_pd, &cmd, sizeof(cmd),
			       &resp.ibv_resp, sizeof(resp));
	if (ret) {
		free(pd);
		errno = ret;
		return NULL;
	}
	pd->pd_id = resp.drv.pd_id;
	return pd;
}

int irdma_destroy_pd(struct irdma_pd *pd)
{
	int ret;

	ret = ibv_cmd_dealloc_pd(&pd->ibv_pd);
	if (ret)
		return ret;
	free(pd);
	return 0;
}

struct ibv_pd *irdma_alloc_pd(struct ibv_context *context)
{
	struct irdma_pd *pd = irdma_create_pd(context);

	return pd ? &pd->ibv_pd : NULL;
}

struct irdma_parent_domain *to_irdma_parent_domain(struct ibv_pd *pd)
{
	struct irdma_pd *ipd;

	if (!pd)
		return NULL;
	ipd = to_irdma_pd(pd);
	if (!ipd->is_parent_domain)
		return NULL;
	return container_of(ipd, struct irdma_parent_domain, ipd);
}

struct irdma_pd *irdma_base_pd(struct ibv_pd *pd)
{
	struct irdma_parent_domain *parent = to_irdma_parent_domain(pd);

	return parent ? parent->base : to_irdma_pd(pd);
}

struct irdma_parent_domain *irdma_parent_get(struct ibv_pd *pd)
{
	struct irdma_parent_domain *parent = to_irdma_parent_domain(pd);

	if (parent)
		atomic_fetch_add(&parent->users, 1);
	return parent;
}

void irdma_parent_put(struct irdma_parent_domain *parent)
{
	if (parent)
		atomic_fetch_sub(&parent->users, 1);
}

bool irdma_pd_wants_shared_mem(struct ibv_pd *pd)
{
	struct irdma_parent_domain *parent = to_irdma_parent_domain(pd);

	return parent && parent->cc_shared;
}

int irdma_dealloc_pd(struct ibv_pd *pd)
{
	struct irdma_parent_domain *parent = to_irdma_parent_domain(pd);

	/* A parent domain is ours alone; the kernel never saw it. */
	if (parent) {
		if (atomic_load(&parent->users)) {
			irdma_dbg(
				verbs_get_ctx(pd->context),
				"parent domain on pd %u still has %u queues, MRs or buffers",
				parent->ipd.pd_id, atomic_load(&parent->users));
			return EBUSY;
		}
		atomic_fetch_sub(&parent->base->parent_refs, 1);
		free(parent);
		return 0;
	}
	if (atomic_load(&to_irdma_pd(pd)->parent_refs)) {
		irdma_dbg(verbs_get_ctx(pd->context),
			  "pd %u still has parent domains",
			  to_irdma_pd(pd)->pd_id);
		return EBUSY;
	}
	return irdma_destroy_pd(to_irdma_pd(pd));
}

#define IRDMA_PARENT_DOMAIN_MASK                  \
	(IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS | \
	 IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT | \
	 IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC)

static int check_parent_domain_attr(struct ibv_context *context,
				    const struct ibv_parent_domain_init_attr *a)
{
	if (!check_comp_mask(a->comp_mask, IRDMA_PARENT_DOMAIN_MASK)) {
		irdma_dbg(verbs_get_ctx(context),
			  "parent domain: unknown comp_mask bits 0x%x",
			  a->comp_mask);
		return EINVAL;
	}
	if ((a->comp_mask & IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS) &&
	    (!a->alloc || !a->free)) {
		irdma_dbg(verbs_get_ctx(context),
			  "parent domain: allocators need both alloc and free");
		return EINVAL;
	}
	if (a->td) {
		irdma_dbg(verbs_get_ctx(context),
			  "parent domain: thread domains are not supported");
		return EOPNOTSUPP;
	}
	if (a->pd->context != context || to_irdma_parent_domain(a->pd)) {
		irdma_dbg(
			verbs_get_ctx(context),
			"parent domain: pd must be a protection domain of this context");
		return EINVAL;
	}
	return 0;
}

static const char *memory_kind(bool cc_shared, bool want_cc)
{
	if (cc_shared)
		return "CoCo, memory from the shared heap";
	if (want_cc)
		return "CoCo requested, device needs no bounce: private memory";
	return "private memory";
}

struct ibv_pd *
irdma_alloc_parent_domain(struct ibv_context *context,
			  struct ibv_parent_domain_init_attr *attr)
{
	struct irdma_context *ctx = to_irdma_ctx(context);
	struct irdma_parent_domain *parent;
	bool want_cc;
	int ret;

	if (ibv_check_alloc_parent_domain(attr))
		return NULL;
	ret = check_parent_domain_attr(context, attr);
	if (ret) {
		errno = ret;
		return NULL;
	}

	want_cc = attr->comp_mask &
		  IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC;
	/*
	 * Without DMA bounce the device reaches private memory, so the opt-in
	 * changes nothing; only a bounce device gets (and needs) the heap.
	 */
	if (want_cc && ctx->dma_bounce) {
		/* shared rings must be DMA-bufs, which no allocator returns */
		if (attr->comp_mask & IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS) {
			irdma_dbg(
				&ctx->ibv_ctx,
				"parent domain: custom allocators cannot provide the shared DMA-buf memory a CoCo parent domain needs on this device");
			errno = EOPNOTSUPP;
			return NULL;
		}
		if (!irdma_ctx_heap(ctx))
			return NULL;
	}

	parent = calloc(1, sizeof(*parent));
	if (!parent) {
		errno = ENOMEM;
		return NULL;
	}
	ibv_initialize_parent_domain(&parent->ipd.ibv_pd, attr->pd);
	parent->ipd.pd_id = to_irdma_pd(attr->pd)->pd_id;
	parent->ipd.is_parent_domain = true;
	parent->base = to_irdma_pd(attr->pd);
	atomic_fetch_add(&parent->base->parent_refs, 1);
	parent->cc_shared = want_cc && ctx->dma_bounce;
	if (attr->comp_mask & IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT)
		parent->pd_context = attr->pd_context;
	if (attr->comp_mask & IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS) {
		parent->alloc = attr->alloc;
		parent->free = attr->free;
	}
	irdma_dbg(&ctx->ibv_ctx, "parent domain on pd %u: %s",
		  parent->ipd.pd_id, memory_kind(parent->cc_shared, want_cc));
	if (parent->cc_shared && !ctx->dmabuf_memreg)
		irdma_dbg(
			&ctx->ibv_ctx,
			"parent domain on pd %u: the kernel did not accept DMA-buf memory registration, so queues cannot be created on it (EOPNOTSUPP) and its buffers register only through the kernel's generic DMA-buf MR method",
			parent->ipd.pd_id);
	return &parent->ipd.ibv_pd;
}
