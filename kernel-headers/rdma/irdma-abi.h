/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR Linux-OpenIB */
/*
 * User/kernel ABI of the irdma RDMA driver (Intel X722, E810 and later).
 *
 * Every structure up to the "extension" markers has the exact size, field
 * order and offsets of the Linux kernel's include/uapi/rdma/irdma-abi.h as
 * shipped with rdma-core 65. Extensions only append fields and are only used
 * after both sides agreed on them through the alloc_ucontext comp_mask; see
 * docs/abi-extension.md.
 */
#ifndef IRDMA_ABI_H
#define IRDMA_ABI_H

#include <linux/types.h>

/* Version 5 is also what the older i40iw (GEN_1) kernel driver speaks. */
#define IRDMA_ABI_VER 5

enum irdma_memreg_type {
	IRDMA_MEMREG_TYPE_MEM = 0,
	IRDMA_MEMREG_TYPE_QP = 1,
	IRDMA_MEMREG_TYPE_CQ = 2,
	IRDMA_MEMREG_TYPE_SRQ = 3,
};

/* alloc_ucontext comp_mask bits, in the request and in the response. */
enum {
	IRDMA_ALLOC_UCTX_USE_RAW_ATTR = 1 << 0,
	IRDMA_ALLOC_UCTX_MIN_HW_WQ_SIZE = 1 << 1,
	IRDMA_ALLOC_UCTX_MAX_HW_SRQ_QUANTA = 1 << 2,
	IRDMA_SUPPORT_WQE_FORMAT_V2 = 1 << 3,
	/* 1 << 4 is IRDMA_SUPPORT_MAX_HW_PUSH_LEN in newer kernels. */
	/*
	 * Extension: reg_mr may carry a DMA-buf (struct irdma_mem_reg_req
	 * with IRDMA_MEMREG_FLAG_DMABUF). Set in the request by a provider that
	 * can send such requests, in the response by a kernel that accepts
	 * them.
	 */
	IRDMA_ALLOC_UCTX_DMABUF_MEMREG = 1 << 5,
};

struct irdma_alloc_ucontext_req {
	__u32 rsvd32;
	__u8 userspace_ver;
	__u8 rsvd8[3];
	__aligned_u64 comp_mask;
};

struct irdma_alloc_ucontext_resp {
	__u32 max_pds;
	__u32 max_qps;
	__u32 wq_size; /* bytes of the doorbell/WQ mmap area */
	__u8 kernel_ver;
	__u8 rsvd[3];
	__aligned_u64 feature_flags;
	__aligned_u64 db_mmap_key;
	__u32 max_hw_wq_frags;
	__u32 max_hw_read_sges;
	__u32 max_hw_inline;
	__u32 max_hw_rq_quanta;
	__u32 max_hw_wq_quanta;
	__u32 min_hw_cq_size;
	__u32 max_hw_cq_size;
	__u16 max_hw_sq_chunk;
	__u8 hw_rev;
	__u8 rsvd2;
	__aligned_u64 comp_mask;
	__u16 min_hw_wq_size;
	__u8 revd3[2];
	__u32 max_hw_srq_quanta;
	/*
	 * Extension, written only by a kernel that sets
	 * IRDMA_ALLOC_UCTX_DMABUF_MEMREG in comp_mask: its confirmation that
	 * bit 5 means the DMA-buf memreg extension and nothing else. Bytes
	 * 84..87 (the upstream structure's tail padding) stay free for the
	 * next upstream field.
	 */
	__u32 rsvd_upstream;
	__u32 dmabuf_memreg_req_len; /* bytes of irdma_mem_reg_req read: 24 */
	__u32 dmabuf_memreg_flags; /* IRDMA_MEMREG_FLAG_* accepted */
};

struct irdma_alloc_pd_resp {
	__u32 pd_id;
	__u8 rsvd[4];
};

struct irdma_resize_cq_req {
	__aligned_u64 user_cq_buffer;
};

struct irdma_create_cq_req {
	__aligned_u64 user_cq_buf;
	__aligned_u64 user_shadow_area;
};

struct irdma_create_srq_req {
	__aligned_u64 user_srq_buf;
	__aligned_u64 user_shadow_area;
};

struct irdma_create_srq_resp {
	__u32 srq_id;
	__u32 srq_size;
};

struct irdma_create_qp_req {
	__aligned_u64 user_wqe_bufs;
	__aligned_u64 user_compl_ctx;
	__aligned_u64 legacy_dontuse[2];
};

/* irdma_mem_reg_req.flags (extension) */
enum {
	/* dmabuf_fd/dmabuf_offset name the memory; the VA is only its alias */
	IRDMA_MEMREG_FLAG_DMABUF = 1 << 0,
};

struct irdma_mem_reg_req {
	__u16 reg_type; /* enum irdma_memreg_type */
	__u16 cq_pages;
	__u16 rq_pages;
	__u16 sq_pages;
	/*
	 * Extension, valid only with IRDMA_ALLOC_UCTX_DMABUF_MEMREG negotiated.
	 * Old requests end here (8 bytes); an extended one is 24 bytes.
	 */
	__u32 flags; /* IRDMA_MEMREG_FLAG_* */
	__s32 dmabuf_fd;
	__aligned_u64 dmabuf_offset;
};

/* Size of irdma_mem_reg_req before the extension. */
#define IRDMA_MEM_REG_REQ_V0_SIZE 8

struct irdma_modify_qp_req {
	__u8 sq_flush;
	__u8 rq_flush;
	__u8 rsvd[6];
};

struct irdma_create_cq_resp {
	__u32 cq_id;
	__u32 cq_size;
};

struct irdma_create_qp_resp {
	__u32 qp_id;
	__u32 actual_sq_size;
	__u32 actual_rq_size;
	__u32 irdma_drv_opt;
	__u16 push_idx;
	__u8 lsmm;
	__u8 rsvd;
	__u32 qp_caps;
};

struct irdma_modify_qp_resp {
	__aligned_u64 push_wqe_mmap_key;
	__aligned_u64 push_db_mmap_key;
	__u16 push_offset;
	__u8 push_valid;
	__u8 rsvd[5];
};

struct irdma_create_ah_resp {
	__u32 ah_id;
	__u8 rsvd[4];
};

#endif /* IRDMA_ABI_H */
