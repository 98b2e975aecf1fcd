/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Memory for device-visible rings (SQ/RQ, CQ, SRQ and their shadow areas)
 * and its two-step irdma registration.
 *
 * In a CoCo guest the device can only reach memory the guest shares with
 * the host, so a ring for a CoCo parent domain of a DMA-bounce device comes
 * from the shared DMA-buf heap and is registered by DMA-buf fd + offset.
 * Anything else gets private page-aligned memory registered by address.
 *
 * The rings of each queue kind have one home that lays them out and calls
 * these: cq_ring.c (CQE ring, CQ shadow area, resize) and wq_ring.c (QP and
 * SRQ rings). How a ring is made known to the kernel is decided only here,
 * in irdma_ring_register() and irdma_ring_release(): that is where another
 * registration ABI goes.
 */
#ifndef IRDMA_PROVIDER_RING_H
#define IRDMA_PROVIDER_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irdma.h"
#include "dmabuf_heap.h"

struct irdma_ring {
	void *addr; /* page aligned, zero filled */
	size_t size; /* multiple of IRDMA_HW_PAGE_SIZE */
	bool shared; /* from the shared DMA-buf heap */
	int dmabuf_fd; /* heap's DMA-buf fd (not owned), -1 if private */
	uint64_t dmabuf_offset; /* of addr inside dmabuf_fd */
	/* private to ring.c: the heap piece to give back (if shared) */
	struct dmabuf_heap_buf hbuf;
	/* parent domain whose custom allocator provided addr, or NULL */
	struct irdma_parent_domain *allocator;
	/* parent domain the ring was made for (holds a use), or NULL */
	struct irdma_parent_domain *owner;
};

/*
 * Allocate size bytes (rounded up to whole hardware pages) of ring memory.
 * policy_pd decides where it comes from: the shared heap when it is a CoCo
 * parent domain of a bounce device, private memory otherwise (policy_pd may
 * be NULL: private) -- from the parent domain's custom allocator if it has
 * one. A bounce device reaches only the shared heap, so there anything but
 * a CoCo parent domain is refused with EOPNOTSUPP (with a debug message)
 * before any memory is taken. Every ring comes from here, so no QP, CQ or
 * SRQ the device cannot reach can exist, nor a QP on such a CQ.
 * Returns 0 or an errno; on failure *ring is left empty (addr NULL) and
 * irdma_ring_free() on it is a no-op.
 */
int irdma_ring_alloc(struct irdma_context *ctx, struct ibv_pd *policy_pd,
		     size_t size, struct irdma_ring *ring);

/* Release ring memory (after it was deregistered). Safe on an empty ring. */
void irdma_ring_free(struct irdma_context *ctx, struct irdma_ring *ring);

/*
 * Register the ring with the kernel on pd as an irdma QP/CQ/SRQ memory
 * object (reg_mr with irdma_mem_reg_req type QP/CQ/SRQ and page counts).
 * A heap ring is described by its DMA-buf fd + offset (extended request);
 * if the kernel did not negotiate IRDMA_ALLOC_UCTX_DMABUF_MEMREG that is
 * impossible and EOPNOTSUPP is returned (with a debug message) -- never a
 * silent fallback to private memory. Only the first len bytes of the ring
 * are registered (len 0: the whole ring). Returns 0 or an errno.
 */
int irdma_ring_register(struct ibv_pd *pd, struct irdma_ring *ring, size_t len,
			enum irdma_memreg_type type, uint16_t sq_pages,
			uint16_t rq_pages, uint16_t cq_pages,
			struct verbs_mr *vmr);

/* Undo irdma_ring_register(). Returns 0 or an errno. */
int irdma_ring_deregister(struct verbs_mr *vmr);

/*
 * Deregister and free the ring of a destroyed CQ/QP/SRQ. A failed
 * deregistration is retried once; if the kernel refuses again the memory
 * is kept (the device may still be allowed to write it).
 */
void irdma_ring_release(struct irdma_context *ctx, struct verbs_mr *vmr,
			struct irdma_ring *mem);

#endif /* IRDMA_PROVIDER_RING_H */
