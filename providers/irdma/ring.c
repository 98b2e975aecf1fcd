// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Ring memory (shared DMA-buf heap pieces for CoCo parent domains of bounce
 * devices, private pages otherwise) and its registration with the kernel
 * (see ring.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <util/util.h>

#include "irdma.h"
#include "debug.h"
#include "memreg.h"
#include "ring.h"

/* Private rings are whole pages of both the host and the device. */
static size_t private_granule(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > (long)IRDMA_HW_PAGE_SIZE ? (size_t)page :
						 IRDMA_HW_PAGE_SIZE;
}

static int round_up_size(size_t size, size_t granule, size_t *out)
{
	if (!size || size > SIZE_MAX - granule)
		return EINVAL;
	*out = align(size, granule);
	return 0;
}

/*
 * Ring memory from the application's allocator. Returns 0 with ring->addr
 * set, 0 with ring->addr NULL if the allocator asked for the default, or an
 * errno.
 */
static int alloc_custom(struct irdma_parent_domain *parent, size_t len,
			struct irdma_ring *ring)
{
	void *p;

	p = parent->alloc(&parent->ipd.ibv_pd, parent->pd_context, len,
			  IRDMA_HW_PAGE_SIZE, IRDMA_RESOURCE_RING);
	if (p == IBV_ALLOCATOR_USE_DEFAULT)
		return 0;
	if (!p) {
		irdma_dbg(
			verbs_get_ctx(parent->ipd.ibv_pd.context),
			"parent domain allocator returned no memory for a %zu byte ring",
			len);
		return ENOMEM;
	}
	if ((uintptr_t)p % IRDMA_HW_PAGE_SIZE) {
		irdma_dbg(
			verbs_get_ctx(parent->ipd.ibv_pd.context),
			"parent domain allocator returned %p, not %lu-byte aligned",
			p, IRDMA_HW_PAGE_SIZE);
		parent->free(&parent->ipd.ibv_pd, parent->pd_context, p,
			     IRDMA_RESOURCE_RING);
		return EINVAL;
	}
	/* the device must never see stale valid bits */
	memset(p, 0, len);
	ring->addr = p;
	ring->size = len;
	ring->allocator = parent;
	return 0;
}

static int alloc_private(struct irdma_parent_domain *parent, size_t size,
			 struct irdma_ring *ring)
{
	size_t len;
	void *p;
	int ret;

	if (parent && parent->alloc) {
		if (round_up_size(size, IRDMA_HW_PAGE_SIZE, &len))
			return EINVAL;
		ret = alloc_custom(parent, len, ring);
		if (ret || ring->addr)
			return ret;
	}
	if (round_up_size(size, private_granule(), &len))
		return EINVAL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return errno ? errno : ENOMEM;
	/* A forked child must not get copies of pages the device writes. */
	if (madvise(p, len, MADV_DONTFORK)) {
		int err = errno;

		munmap(p, len);
		return err;
	}
	ring->addr = p;
	ring->size = len;
	return 0;
}

static int alloc_shared(struct irdma_context *ctx, size_t size,
			struct irdma_ring *ring)
{
	struct dmabuf_heap *heap;
	size_t len;
	int ret;

	if (!ctx->dmabuf_memreg) {
		irdma_dbg(
			&ctx->ibv_ctx,
			"CoCo ring refused: it must live in the shared heap, but the kernel did not accept DMA-buf registration (IRDMA_ALLOC_UCTX_DMABUF_MEMREG)");
		return EOPNOTSUPP;
	}
	heap = irdma_ctx_heap(ctx);
	if (!heap)
		return errno;
	if (round_up_size(size, IRDMA_HW_PAGE_SIZE, &len))
		return EINVAL;
	ret = dmabuf_heap_alloc(heap, len, &ring->hbuf);
	if (ret) {
		irdma_dbg(
			&ctx->ibv_ctx,
			"CoCo ring of %zu bytes: shared heap allocation failed (%s)",
			len, strerror(ret));
		return ret;
	}
	ring->addr = ring->hbuf.addr;
	ring->size = len;
	ring->shared = true;
	ring->dmabuf_fd = ring->hbuf.fd;
	ring->dmabuf_offset = ring->hbuf.offset;
	return 0;
}

static void clear_ring(struct irdma_ring *ring)
{
	memset(ring, 0, sizeof(*ring));
	ring->dmabuf_fd = -1;
	ring->hbuf.fd = -1;
}

int irdma_ring_alloc(struct irdma_context *ctx, struct ibv_pd *policy_pd,
		     size_t size, struct irdma_ring *ring)
{
	int ret;

	clear_ring(ring);
	if (!size)
		return EINVAL;
	/* a parent domain of another context must not decide anything here */
	if (policy_pd && policy_pd->context != &ctx->ibv_ctx.context) {
		irdma_dbg(&ctx->ibv_ctx,
			  "ring requested for a PD of another device context");
		return EINVAL;
	}
	if (irdma_pd_wants_shared_mem(policy_pd)) {
		ret = alloc_shared(ctx, size, ring);
	} else if (ctx->dma_bounce) {
		/*
		 * The device could never read or write a private ring: the
		 * queue would be created and then never complete anything.
		 */
		irdma_dbg(
			&ctx->ibv_ctx,
			"ring of %zu bytes refused (EOPNOTSUPP): the device needs DMA bounce and reaches only shared memory, but the PD is not a parent domain with IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC",
			size);
		return EOPNOTSUPP;
	} else {
		ret = alloc_private(to_irdma_parent_domain(policy_pd), size,
				    ring);
	}
	if (ret) {
		clear_ring(ring);
		return ret;
	}
	ring->owner = irdma_parent_get(policy_pd);
	return 0;
}

void irdma_ring_free(struct irdma_context *ctx, struct irdma_ring *ring)
{
	if (!ring->addr)
		return;
	if (ring->shared) {
		int ret = dmabuf_heap_free(ctx->heap, &ring->hbuf);

		if (ret)
			irdma_warn(&ctx->ibv_ctx,
				   "shared ring %p could not be freed (%s)",
				   ring->addr, strerror(ret));
	} else if (ring->allocator) {
		ring->allocator->free(&ring->allocator->ipd.ibv_pd,
				      ring->allocator->pd_context, ring->addr,
				      IRDMA_RESOURCE_RING);
	} else {
		munmap(ring->addr, ring->size);
	}
	irdma_parent_put(ring->owner);
	clear_ring(ring);
}

int irdma_ring_register(struct ibv_pd *pd, struct irdma_ring *ring, size_t len,
			enum irdma_memreg_type type, uint16_t sq_pages,
			uint16_t rq_pages, uint16_t cq_pages,
			struct verbs_mr *vmr)
{
	struct irdma_memreg m = {
		.type = type,
		.sq_pages = sq_pages,
		.rq_pages = rq_pages,
		.cq_pages = cq_pages,
		.addr = ring->addr,
		.iova = (uintptr_t)ring->addr,
		.access = IBV_ACCESS_LOCAL_WRITE,
		.dmabuf_fd = ring->shared ? ring->dmabuf_fd : -1,
		.dmabuf_offset = ring->dmabuf_offset,
	};
	int ret;

	if (!ring->addr || len > ring->size)
		return EINVAL;
	m.length = len ? len : ring->size;
	ret = irdma_memreg_cmd(pd, &m, vmr);
	if (ret == EOPNOTSUPP && ring->shared)
		irdma_dbg(
			verbs_get_ctx(pd->context),
			"CoCo ring cannot be registered: the kernel did not negotiate DMA-buf memory registration");
	return ret;
}

int irdma_ring_deregister(struct verbs_mr *vmr)
{
	return ibv_cmd_dereg_mr(vmr);
}

/*
 * Deregister and free the ring of a destroyed CQ/QP/SRQ. A failed
 * deregistration is retried once (a transient kernel failure must not leak
 * the registration); if it still fails the memory stays allocated, since
 * the device may still be allowed to write it.
 */
void irdma_ring_release(struct irdma_context *ctx, struct verbs_mr *vmr,
			struct irdma_ring *mem)
{
	int ret = irdma_ring_deregister(vmr);

	if (ret)
		ret = irdma_ring_deregister(vmr);
	if (ret) {
		irdma_warn(
			&ctx->ibv_ctx,
			"ring at %p (%zu bytes) could not be deregistered (errno %d): its memory is kept, not freed",
			mem->addr, mem->size, ret);
		return;
	}
	irdma_ring_free(ctx, mem);
}
