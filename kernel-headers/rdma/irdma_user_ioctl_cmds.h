/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR Linux-OpenIB */
/*
 * irdma's ioctl attributes for DMA-buf rings, as the upstream irdma CoCo
 * draft defines them (rdma-core PR 1766, final form 2026-07-13). The draft
 * adds these enums to irdma-abi.h; they are kept in a file of their own
 * here so that irdma-abi.h stays byte-for-byte the kernel's. No kernel
 * implements them yet: see docs/kernel-abi.md for what each means, what a
 * kernel that has them answers and what one that lacks them answers.
 *
 * All ids sit in the driver namespace after the two UHW attributes
 * (UVERBS_ID_DRIVER_NS_WITH_UHW), on the core methods named below.
 */
#ifndef IRDMA_USER_IOCTL_CMDS_H
#define IRDMA_USER_IOCTL_CMDS_H

#include <linux/types.h>
#include <rdma/ib_user_ioctl_cmds.h>

/*
 * UVERBS_METHOD_CQ_CREATE, ring ABI "umem" (option 2): the CQ's shadow
 * area (struct ib_uverbs_buffer_desc) on devices whose shadow area is not
 * in the CQ ring's buffer (IRDMA_FEATURE_CQ_RESIZE). The ring itself is
 * the core UVERBS_ATTR_CREATE_CQ_BUF_UMEM.
 */
enum irdma_ib_create_cq_attrs {
	IRDMA_IB_ATTR_CREATE_CQ_SHADOW_BUF_UMEM = UVERBS_ID_DRIVER_NS_WITH_UHW,
};

/*
 * UVERBS_METHOD_SRQ_CREATE, ring ABI "umem": the SRQ's shadow area. The
 * ring is IRDMA_UVERBS_ATTR_CREATE_SRQ_BUF_UMEM below.
 */
enum irdma_ib_create_srq_attrs {
	IRDMA_IB_ATTR_CREATE_SRQ_SHADOW_BUF_UMEM = UVERBS_ID_DRIVER_NS_WITH_UHW,
};

/*
 * UVERBS_METHOD_REG_MR and UVERBS_METHOD_REG_DMABUF_MR, ring ABI
 * "dmabuf-mr" (option 1): what the registration is for, with the values
 * and meaning of irdma_mem_reg_req's reg_type, cq_pages, rq_pages and
 * sq_pages (CONST_IN, enum irdma_memreg_type and u16 page counts).
 */
enum irdma_ib_reg_mr_attrs {
	IRDMA_IB_ATTR_REG_MR_TYPE = UVERBS_ID_DRIVER_NS_WITH_UHW,
	IRDMA_IB_ATTR_REG_MR_CQ_PAGES,
	IRDMA_IB_ATTR_REG_MR_RQ_PAGES,
	IRDMA_IB_ATTR_REG_MR_SQ_PAGES,
};

enum irdma_ib_reg_dmabuf_mr_attrs {
	IRDMA_IB_ATTR_REG_DMABUF_MR_TYPE = UVERBS_ID_DRIVER_NS_WITH_UHW,
	IRDMA_IB_ATTR_REG_DMABUF_MR_CQ_PAGES,
	IRDMA_IB_ATTR_REG_DMABUF_MR_RQ_PAGES,
	IRDMA_IB_ATTR_REG_DMABUF_MR_SQ_PAGES,
};

/*
 * The SRQ ring's UMEM descriptor. The draft names it
 * UVERBS_ATTR_CREATE_SRQ_BUF_UMEM and adds it to the core's
 * enum uverbs_attrs_create_srq_cmd_attr_ids, after RESP_SRQ_NUM; no
 * kernel has it (Linux 7.2 gave UMEM attributes to CQ and QP create only).
 * It has its own name here, so that it cannot clash with the core's enum
 * once one defines the same attribute.
 */
#define IRDMA_UVERBS_ATTR_CREATE_SRQ_BUF_UMEM \
	(UVERBS_ATTR_CREATE_SRQ_RESP_SRQ_NUM + 1)

#endif /* IRDMA_USER_IOCTL_CMDS_H */
