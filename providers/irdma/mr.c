// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Memory registration. Every irdma reg_mr carries an irdma_mem_reg_req
 * saying what the memory is for (MEM here, QP/CQ/SRQ for rings); with the
 * negotiated DMA-buf extension the request may instead name the memory by
 * DMA-buf fd + offset, which is how shared (CoCo) memory is registered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irdma.h"
#include "debug.h"
#include "memreg.h"
#include "verbs_ctl.h"

struct reg_mr_cmd {
	struct ibv_reg_mr ibv_cmd;
	struct irdma_mem_reg_req req;
};

struct rereg_mr_cmd {
	struct ibv_rereg_mr ibv_cmd;
	struct irdma_mem_reg_req req;
};

/* The driver data must follow the core command without padding. */
_Static_assert(offsetof(struct reg_mr_cmd, req) == sizeof(struct ibv_reg_mr),
	       "irdma_mem_reg_req must directly follow ibv_reg_mr");
_Static_assert(offsetof(struct rereg_mr_cmd, req) ==
		       sizeof(struct ibv_rereg_mr),
	       "irdma_mem_reg_req must directly follow ibv_rereg_mr");

int irdma_memreg_cmd(struct ibv_pd *pd, const struct irdma_memreg *m,
		     struct verbs_mr *vmr)
{
	struct irdma_context *ctx = to_irdma_ctx(pd->context);
	struct ib_uverbs_reg_mr_resp resp;
	struct reg_mr_cmd cmd = {};
	size_t cmd_size;
	int ret;

	cmd.req.reg_type = m->type;
	cmd.req.sq_pages = m->sq_pages;
	cmd.req.rq_pages = m->rq_pages;
	cmd.req.cq_pages = m->cq_pages;
	/*
	 * Memory named by address leaves flags, dmabuf_fd and dmabuf_offset
	 * zero: reserved fields a strict kernel checks for zero.
	 */
	if (m->dmabuf_fd >= 0) {
		if (!ctx->dmabuf_memreg) {
			irdma_dbg(
				&ctx->ibv_ctx,
				"cannot register DMA-buf memory (fd %d): the kernel did not accept the DMA-buf memreg extension",
				m->dmabuf_fd);
			return EOPNOTSUPP;
		}
		cmd.req.flags = IRDMA_MEMREG_FLAG_DMABUF;
		cmd.req.dmabuf_fd = m->dmabuf_fd;
		cmd.req.dmabuf_offset = m->dmabuf_offset;
	}
	/* A kernel that did not negotiate the extension gets the old size. */
	cmd_size = ctx->dmabuf_memreg ?
			   sizeof(cmd) :
			   sizeof(cmd.ibv_cmd) + IRDMA_MEM_REG_REQ_V0_SIZE;

	ret = ibv_cmd_reg_mr(pd, m->addr, m->length, m->iova, m->access, vmr,
			     &cmd.ibv_cmd, cmd_size, &resp, sizeof(resp));
	if (ret)
		return ret;
	if (m->dmabuf_fd >= 0)
		vmr->mr_type = IBV_MR_TYPE_DMABUF_MR;
	return 0;
}

/* A user MR: the verbs object plus the parent domain it keeps busy. */
struct irdma_mr {
	struct verbs_mr vmr;
	struct irdma_parent_domain *owner;
};

/* Kernel side of a DMA-buf MR when the irdma extension is unavailable. */
static int reg_dmabuf_generic(struct ibv_pd *pd, const struct irdma_memreg *m,
			      struct verbs_mr *vmr)
{
	int ret =
		ibv_cmd_reg_dmabuf_mr(pd, m->dmabuf_offset, m->length, m->iova,
				      m->dmabuf_fd, m->access, vmr, NULL);

	if (ret != ENOTTY && ret != EPROTONOSUPPORT)
		return ret;
	irdma_dbg(
		verbs_get_ctx(pd->context),
		"cannot register DMA-buf fd %d: the kernel has neither the irdma DMA-buf memreg extension nor the generic DMA-buf MR method",
		m->dmabuf_fd);
	return EOPNOTSUPP;
}

/*
 * Register m as a new user MR. DMA-buf memory goes through the irdma
 * extension when the kernel accepted it, through the kernel's generic
 * DMA-buf method otherwise.
 */
static struct ibv_mr *new_user_mr(struct ibv_pd *pd,
				  const struct irdma_memreg *m)
{
	struct irdma_context *ctx = to_irdma_ctx(pd->context);
	bool generic = m->dmabuf_fd >= 0 && !ctx->dmabuf_memreg;
	struct irdma_mr *mr = calloc(1, sizeof(*mr));
	int err;

	if (!mr) {
		errno = ENOMEM;
		return NULL;
	}
	err = generic ? reg_dmabuf_generic(pd, m, &mr->vmr) :
			irdma_memreg_cmd(pd, m, &mr->vmr);
	if (err) {
		free(mr);
		errno = err;
		return NULL;
	}
	mr->owner = irdma_parent_get(pd);
	return &mr->vmr.ibv_mr;
}

struct ibv_mr *irdma_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			    uint64_t hca_va, int access)
{
	struct irdma_memreg m = {
		.type = IRDMA_MEMREG_TYPE_MEM,
		.addr = addr,
		.length = length,
		.iova = hca_va,
		.access = access,
		.dmabuf_fd = -1,
	};

	return new_user_mr(pd, &m);
}

struct ibv_mr *irdma_reg_dmabuf_mr(struct ibv_pd *pd, uint64_t offset,
				   size_t length, uint64_t iova, int fd,
				   int access)
{
	struct irdma_memreg m = {
		.type = IRDMA_MEMREG_TYPE_MEM,
		/* the fd need not be mapped: its iova stands in for the VA */
		.addr = (void *)(uintptr_t)iova,
		.length = length,
		.iova = iova,
		.access = access,
		.dmabuf_fd = fd,
		.dmabuf_offset = offset,
	};

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	return new_user_mr(pd, &m);
}

#define IRDMA_REG_MR_EX_MASK                                                \
	(IBV_REG_MR_MASK_IOVA | IBV_REG_MR_MASK_ADDR | IBV_REG_MR_MASK_FD | \
	 IBV_REG_MR_MASK_FD_OFFSET)

/*
 * libibverbs has already turned an ibv_buf into either an address (plain
 * buffer) or fd + offset + iova (DMA-buf backed buffer) by the time we run.
 */
struct ibv_mr *irdma_reg_mr_ex(struct ibv_pd *pd, struct ibv_mr_init_attr *attr)
{
	uint64_t mask = attr->comp_mask;

	if (!check_comp_mask(mask, IRDMA_REG_MR_EX_MASK)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (mask & IBV_REG_MR_MASK_FD) {
		if ((mask & IBV_REG_MR_MASK_ADDR) ||
		    !(mask & IBV_REG_MR_MASK_FD_OFFSET) ||
		    !(mask & IBV_REG_MR_MASK_IOVA)) {
			errno = EINVAL;
			return NULL;
		}
		return irdma_reg_dmabuf_mr(pd, attr->fd_offset, attr->length,
					   attr->iova, attr->fd, attr->access);
	}
	if (!(mask & IBV_REG_MR_MASK_ADDR) ||
	    (mask & IBV_REG_MR_MASK_FD_OFFSET)) {
		errno = EINVAL;
		return NULL;
	}
	return irdma_reg_mr(pd, attr->addr, attr->length,
			    (mask & IBV_REG_MR_MASK_IOVA) ?
				    attr->iova :
				    (uintptr_t)attr->addr,
			    attr->access);
}

int irdma_rereg_mr(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
		   void *addr, size_t length, int access)
{
	struct irdma_mr *mr = container_of(vmr, struct irdma_mr, vmr);
	struct ib_uverbs_rereg_mr_resp resp;
	struct rereg_mr_cmd cmd = {};
	int err;

	if (vmr->mr_type != IBV_MR_TYPE_MR)
		return EINVAL;
	cmd.req.reg_type = IRDMA_MEMREG_TYPE_MEM;
	err = ibv_cmd_rereg_mr(vmr, flags, addr, length, (uintptr_t)addr,
			       access, pd, &cmd.ibv_cmd,
			       sizeof(cmd.ibv_cmd) + IRDMA_MEM_REG_REQ_V0_SIZE,
			       &resp, sizeof(resp));
	if (!err && (flags & IBV_REREG_MR_CHANGE_PD)) {
		/* the MR now keeps the new parent domain busy instead */
		irdma_parent_put(mr->owner);
		mr->owner = irdma_parent_get(pd);
	}
	return err;
}

/* The MR object is ours to free only once the kernel let go of it. */
int irdma_dereg_mr(struct verbs_mr *vmr)
{
	struct irdma_mr *mr = container_of(vmr, struct irdma_mr, vmr);
	int err = ibv_cmd_dereg_mr(vmr);

	if (!err) {
		irdma_parent_put(mr->owner);
		free(mr);
	}
	return err;
}
