/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Core private objects of the irdma provider: the device, the context with
 * everything alloc_ucontext negotiated, protection and parent domains.
 * Everything here lives in ordinary process memory; nothing the device can
 * write is ever trusted from these structures.
 */
#ifndef IRDMA_PROVIDER_IRDMA_H
#define IRDMA_PROVIDER_IRDMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>

#include <infiniband/driver.h>
#include <rdma/irdma-abi.h>

/* Hardware generations, as the kernel reports them in hw_rev. */
enum irdma_gen {
	IRDMA_GEN_UNKNOWN = 0,
	IRDMA_GEN_1 = 1, /* X722 (i40iw) */
	IRDMA_GEN_2 = 2, /* E810 */
	IRDMA_GEN_3 = 3, /* SRQ-capable generation */
};

/* Rings are counted and registered in 4 KiB hardware pages. */
#define IRDMA_HW_PAGE_SHIFT 12
#define IRDMA_HW_PAGE_SIZE (1UL << IRDMA_HW_PAGE_SHIFT)

/* irdma_alloc_ucontext_resp.feature_flags bits. */
#define IRDMA_FEATURE_RTS_AE (1ULL << 0)
#define IRDMA_FEATURE_CQ_RESIZE (1ULL << 1)
#define IRDMA_FEATURE_64_BYTE_CQE (1ULL << 5)
#define IRDMA_FEATURE_ATOMIC_OPS (1ULL << 6)
#define IRDMA_FEATURE_SRQ (1ULL << 7)
#define IRDMA_FEATURE_CQE_TIMESTAMPING (1ULL << 8)

/*
 * Registers inside the doorbell page mapped at db_mmap_key: a QP/SRQ id
 * written at byte 0 tells the device new WQEs are posted, a CQ id (plus arm
 * bits) written at byte 64 is the CQ arm doorbell. Same for every gen.
 */
#define IRDMA_DB_WQE_ALLOC_OFFSET 0
#define IRDMA_DB_CQ_ARM_OFFSET 64

/* ABI versions we can speak, newest first when negotiating. */
#define IRDMA_ABI_VER_MIN 4

struct irdma_device {
	struct verbs_device vdev;
	/* From the PCI match table; GEN_UNKNOWN if matched by driver id. */
	enum irdma_gen pci_gen;
};

struct irdma_pd {
	struct ibv_pd ibv_pd;
	uint32_t pd_id; /* the kernel's PD number (irdma_alloc_pd_resp) */
	bool is_parent_domain; /* embedded in a struct irdma_parent_domain */
	/* parent domains wrapping this PD; it cannot go away before them */
	atomic_uint parent_refs;
};

/*
 * A parent domain is an ibv_pd the application may use anywhere a PD goes;
 * it carries the PD handle of the PD it wraps. cc_shared is set only when
 * the application allowed unprotected (shared) allocations AND the device
 * needs DMA bounce: rings and ibv_alloc_buf() buffers then come from the
 * shared DMA-buf heap.
 */
struct irdma_parent_domain {
	struct irdma_pd ipd; /* must stay first: to_irdma_pd() works on both */
	struct irdma_pd *base; /* the protection domain being wrapped */
	bool cc_shared;
	/* rings, MRs and buffers made on it; it cannot go away before them */
	atomic_uint users;
	void *pd_context; /* IBV_PARENT_DOMAIN_INIT_ATTR_PD_CONTEXT */
	/* IBV_PARENT_DOMAIN_INIT_ATTR_ALLOCATORS: used for private rings */
	void *(*alloc)(struct ibv_pd *pd, void *pd_context, size_t size,
		       size_t alignment, uint64_t resource_type);
	void (*free)(struct ibv_pd *pd, void *pd_context, void *ptr,
		     uint64_t resource_type);
};

/*
 * resource_type passed to parent domain allocators: the driver id in the
 * upper 32 bits (libibverbs convention), what is allocated in the lower.
 * Every irdma ring (SQ/RQ, CQ, SRQ, shadow areas) is IRDMA_RESOURCE_RING.
 */
#define IRDMA_RESOURCE_RING (((uint64_t)RDMA_DRIVER_IRDMA << 32) | 1)

struct dmabuf_heap;

struct irdma_context {
	struct verbs_context ibv_ctx;

	/* ABI negotiation results */
	uint8_t abi_ver; /* userspace_ver the kernel accepted */
	uint8_t kernel_ver; /* irdma_alloc_ucontext_resp.kernel_ver */
	bool legacy_gen1; /* kernel did not report hw_rev (i40iw style) */
	uint8_t hw_rev; /* enum irdma_gen */
	uint64_t comp_mask; /* response comp_mask: what the kernel accepted */
	bool use_raw_attrs;
	bool wqe_format_v2;
	bool dmabuf_memreg; /* extended irdma_mem_reg_req may be sent */
	uint64_t feature_flags; /* IRDMA_FEATURE_* */

	/* Limits from irdma_alloc_ucontext_resp (or gen 1 defaults) */
	uint32_t max_pds;
	uint32_t max_qps;
	uint32_t max_hw_wq_frags;
	uint32_t max_hw_read_sges;
	uint32_t max_hw_inline;
	uint32_t max_hw_rq_quanta;
	uint32_t max_hw_wq_quanta;
	uint32_t min_hw_cq_size;
	uint32_t max_hw_cq_size;
	uint32_t max_hw_sq_chunk;
	uint32_t min_hw_wq_size;
	uint32_t max_hw_srq_quanta;

	/* Doorbell page (one hardware page mapped at db_mmap_key) */
	void *db_page;
	__u32 *db; /* QP/SRQ WQE-alloc doorbell: db_page + 0 */
	__u32 *cq_arm_db; /* CQ arm doorbell: db_page + 64 */

	/*
	 * The kernel expects CQ rings to be registered on a PD; applications
	 * do not pass one to create_cq, so the context owns a private one.
	 */
	struct irdma_pd *internal_pd;

	/* CoCo: device reports IBV_DEVICE_CC_DMA_BOUNCE */
	bool dma_bounce;
	/* Shared DMA-buf heap, opened on first need under heap_lock. */
	pthread_mutex_t heap_lock;
	struct dmabuf_heap *heap;
};

static inline struct irdma_device *to_irdma_dev(struct ibv_device *ibdev)
{
	return container_of(ibdev, struct irdma_device, vdev.device);
}

static inline struct irdma_context *to_irdma_ctx(struct ibv_context *ibctx)
{
	return container_of(ibctx, struct irdma_context, ibv_ctx.context);
}

static inline struct irdma_pd *to_irdma_pd(struct ibv_pd *ibpd)
{
	return container_of(ibpd, struct irdma_pd, ibv_pd);
}

/* Parent domain behind pd, or NULL if pd is a plain protection domain. */
struct irdma_parent_domain *to_irdma_parent_domain(struct ibv_pd *pd);

/*
 * Count an object made on pd if pd is a parent domain (so the parent domain
 * refuses to be freed before it) and return what irdma_parent_put() needs;
 * NULL for a plain PD.
 */
struct irdma_parent_domain *irdma_parent_get(struct ibv_pd *pd);
void irdma_parent_put(struct irdma_parent_domain *parent);

/* The protection domain pd stands for (itself, or a parent's wrapped PD). */
struct irdma_pd *irdma_base_pd(struct ibv_pd *pd);

/*
 * True when memory for pd must come from the shared DMA-buf heap: pd is a
 * CoCo parent domain of a device that needs DMA bounce.
 */
bool irdma_pd_wants_shared_mem(struct ibv_pd *pd);

/*
 * The context's shared heap, opened on first use. NULL with errno set (and
 * a debug message saying why) if it cannot be opened.
 */
struct dmabuf_heap *irdma_ctx_heap(struct irdma_context *ctx);

/* Close the shared heap, if it was opened (context teardown). */
void irdma_close_heap(struct irdma_context *ctx);

#endif /* IRDMA_PROVIDER_IRDMA_H */
