// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Protection domains, memory regions (incl. irdma's ring registrations and
 * the DMA-buf extension) and memory windows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rdma/ib_user_verbs.h>
#include <rdma/irdma-abi.h>

#include "kernel_priv.h"
#include "platform/platform.h"

/* IB access bits (enum ib_access_flags) the kernel accepts. */
#define EMU_ACCESS_LOCAL_WRITE (1U << 0)
#define EMU_ACCESS_REMOTE_WRITE (1U << 1)
#define EMU_ACCESS_REMOTE_ATOMIC (1U << 3)
#define EMU_ACCESS_ON_DEMAND (1U << 6)
#define EMU_ACCESS_SUPPORTED (((1U << 9) << 1) - 1)
#define EMU_ACCESS_OPTIONAL (0x3ffU << 20)

/* rereg_mr flags (enum ib_uverbs_rereg_mr_flags). */
#define EMU_REREG_TRANS (1U << 0)
#define EMU_REREG_PD (1U << 1)
#define EMU_REREG_ACCESS (1U << 2)

/* Extended irdma_mem_reg_req size. */
#define EMU_MEM_REG_REQ_EXT_SIZE sizeof(struct irdma_mem_reg_req)

/* ---- PD ------------------------------------------------------------- */

/* The request is the response address alone, which the core has taken. */
int emu_cmd_alloc_pd(struct emu_cmd *c)
{
	struct ib_uverbs_alloc_pd_resp resp = {};
	struct irdma_alloc_pd_resp uresp = {};
	struct ib_uverbs_alloc_pd cmd;
	struct emu_pd *pd;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (c->udata.outlen < sizeof(uresp))
		return -EINVAL;
	pd = emu_obj_alloc(c->f, EMU_OBJ_PD, sizeof(*pd));
	if (!pd)
		return -errno;
	ret = emu_id_alloc(c->f->dev, EMU_OBJ_PD, &pd->pd_id);
	if (ret) {
		emu_obj_free(&pd->obj);
		return ret;
	}
	uresp.pd_id = pd->pd_id;
	emu_obj_publish(&pd->obj);
	resp.pd_handle = pd->obj.handle;
	ret = emu_cmd_answer(c, &resp, sizeof(resp), &uresp, sizeof(uresp));
	if (ret)
		emu_destroy_pd(pd);
	return ret;
}

void emu_destroy_pd(struct emu_pd *pd)
{
	emu_obj_unpublish(&pd->obj);
	emu_id_free(pd->obj.file->dev, EMU_OBJ_PD, pd->pd_id);
	emu_obj_free(&pd->obj);
}

int emu_cmd_dealloc_pd(struct emu_cmd *c)
{
	struct emu_pd *pd = (struct emu_pd *)c->obj;

	if (pd->obj.users)
		return -EBUSY;
	emu_destroy_pd(pd);
	return 0;
}

/* ---- MR --------------------------------------------------------------- */

int emu_mr_check_access(uint32_t access)
{
	if (access & ~(EMU_ACCESS_SUPPORTED | EMU_ACCESS_OPTIONAL))
		return -EINVAL;
	if ((access & (EMU_ACCESS_REMOTE_WRITE | EMU_ACCESS_REMOTE_ATOMIC)) &&
	    !(access & EMU_ACCESS_LOCAL_WRITE))
		return -EINVAL;
	if (access & EMU_ACCESS_ON_DEMAND)
		return -EOPNOTSUPP;
	return 0;
}

uint64_t emu_page_count(uint64_t start, uint64_t len)
{
	return ((start + len + EMU_PAGE_SIZE - 1) & EMU_PAGE_MASK) /
		       EMU_PAGE_SIZE -
	       (start & EMU_PAGE_MASK) / EMU_PAGE_SIZE;
}

/*
 * ib_umem_get() pins the pages and fails with -EFAULT on a hole; mincore()
 * reports a hole as ENOMEM without touching the memory.
 */
bool emu_user_range_ok(uint64_t va, uint64_t len)
{
	uint64_t start = va & EMU_PAGE_MASK;
	uint64_t end = (va + len + EMU_PAGE_SIZE - 1) & EMU_PAGE_MASK;
	unsigned char vec[256];

	while (start < end) {
		uint64_t chunk = end - start;

		if (chunk > sizeof(vec) * EMU_PAGE_SIZE)
			chunk = sizeof(vec) * EMU_PAGE_SIZE;
		if (mincore((void *)(uintptr_t)start, chunk, vec))
			return false;
		start += chunk;
	}
	return true;
}

/* Pages each ring type needs besides its queue pages (the shadow area). */
int emu_mr_check_ring_pages(struct emu_file *f, enum emu_mr_type type,
			    uint32_t sq_pages, uint32_t rq_pages,
			    uint32_t cq_pages, uint64_t pages)
{
	bool split_cq_shadow =
		f->dev->lim.feature_flags & (1ULL << 1); /* CQ_RESIZE */
	uint64_t need;

	switch (type) {
	case EMU_MR_QP:
		if (!sq_pages)
			return -EINVAL;
		need = (uint64_t)sq_pages + rq_pages + 1;
		break;
	case EMU_MR_CQ:
		if (!cq_pages)
			return -EINVAL;
		need = cq_pages + (split_cq_shadow ? 0 : 1);
		break;
	case EMU_MR_SRQ:
		if (!(f->dev->lim.feature_flags & (1ULL << 7)))
			return -EOPNOTSUPP;
		if (!rq_pages)
			return -EINVAL;
		need = (uint64_t)rq_pages + 1;
		break;
	default:
		return -EINVAL;
	}
	return need > pages ? -EINVAL : 0;
}

/*
 * The DMA-buf extension of irdma_mem_reg_req. Returns 0 with mr->dmabuf
 * set or left false (plain user memory), or -errno.
 */
static int parse_dmabuf_ext(struct emu_cmd *c, struct emu_mr *mr,
			    const struct irdma_mem_reg_req *req)
{
	uint64_t size;
	void *kva;
	int ret;

	if (c->udata.inlen == IRDMA_MEM_REG_REQ_V0_SIZE)
		return 0;
	if (c->udata.inlen < EMU_MEM_REG_REQ_EXT_SIZE)
		return -EINVAL;
	if (req->flags & ~(uint32_t)IRDMA_MEMREG_FLAG_DMABUF)
		return -EINVAL;
	/*
	 * Without the flag the DMA-buf fields are reserved: a strict kernel
	 * (ib_copy_validate_udata_in style) wants them zero.
	 */
	if (!(req->flags & IRDMA_MEMREG_FLAG_DMABUF))
		return req->dmabuf_fd || req->dmabuf_offset ? -EINVAL : 0;
	if (!c->f->dmabuf_memreg)
		return -EOPNOTSUPP;
	ret = emu_dmabuf_resolve(req->dmabuf_fd, &size, &kva);
	if (ret)
		return ret;
	if (req->dmabuf_offset > size || mr->length > size - req->dmabuf_offset)
		return -EINVAL;
	/* hold the DMA-buf as the kernel holds its attachment */
	mr->dmabuf_ref = emu_dmabuf_get(req->dmabuf_fd, &size, &kva);
	if (!mr->dmabuf_ref)
		return -EBADF;
	mr->dmabuf = true;
	mr->dmabuf_kva = kva;
	mr->dmabuf_offset = req->dmabuf_offset;
	mr->dmabuf_size = size;
	return 0;
}

uint32_t emu_mr_make_stag(uint32_t index)
{
	static uint8_t key;

	/* stag = index << 8 | a key byte that changes on every use */
	return index << 8 | __atomic_add_fetch(&key, 1, __ATOMIC_RELAXED);
}

static void mr_release_backing(struct emu_mr *mr)
{
	if (mr->dmabuf_ref)
		emu_dmabuf_put(mr->dmabuf_ref);
	mr->dmabuf_ref = NULL;
	mr->dmabuf = false;
}

void emu_mr_free(struct emu_mr *mr)
{
	struct emu_device *dev = mr->obj.file->dev;

	if (mr->mr_type == EMU_MR_MEM && mr->lkey)
		emu_id_free(dev, EMU_OBJ_MR, mr->lkey >> 8);
	mr_release_backing(mr);
	emu_obj_put(mr->pd);
	emu_obj_free(&mr->obj);
}

static int reg_mr_driver(struct emu_cmd *c, struct emu_mr *mr)
{
	struct irdma_mem_reg_req req;
	uint32_t index;
	int ret;

	if (c->udata.inlen < IRDMA_MEM_REG_REQ_V0_SIZE)
		return -EINVAL;
	emu_udata_in(&c->udata, &req, sizeof(req));
	ret = parse_dmabuf_ext(c, mr, &req);
	if (ret)
		return ret;
	/* ib_umem_get() of plain user memory */
	if (!mr->dmabuf && emu_va_refused())
		return -EOPNOTSUPP;
	if (!mr->dmabuf && !emu_user_range_ok(mr->start, mr->length))
		return -EFAULT;

	mr->mr_type = req.reg_type;
	if (req.reg_type != IRDMA_MEMREG_TYPE_MEM) {
		ret = emu_mr_check_ring_pages(c->f, req.reg_type, req.sq_pages,
					      req.rq_pages, req.cq_pages,
					      emu_page_count(mr->start,
							     mr->length));
		if (ret)
			return ret;
		mr->sq_pages = req.sq_pages;
		mr->rq_pages = req.rq_pages;
		mr->cq_pages = req.cq_pages;
		/* rings are no MRs to the hardware: no stag */
		return 0;
	}
	ret = emu_id_alloc(c->f->dev, EMU_OBJ_MR, &index);
	if (ret)
		return ret;
	mr->lkey = mr->rkey = emu_mr_make_stag(index);
	return 0;
}

int emu_cmd_reg_mr(struct emu_cmd *c)
{
	struct ib_uverbs_reg_mr cmd;
	struct ib_uverbs_reg_mr_resp resp = {};
	struct emu_mr *mr;
	struct emu_pd *pd;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if ((cmd.start & ~EMU_PAGE_MASK) != (cmd.hca_va & ~EMU_PAGE_MASK))
		return -EINVAL;
	ret = emu_mr_check_access(cmd.access_flags);
	if (ret)
		return ret;
	pd = emu_obj_get(c->f, EMU_OBJ_PD, cmd.pd_handle);
	if (!pd)
		return -EINVAL;
	if (!cmd.length || cmd.length > c->f->dev->lim.max_mr_size ||
	    cmd.start + cmd.length < cmd.start) {
		emu_obj_put(pd);
		return -EINVAL;
	}
	mr = emu_obj_alloc(c->f, EMU_OBJ_MR, sizeof(*mr));
	if (!mr) {
		emu_obj_put(pd);
		return -errno;
	}
	mr->pd = pd;
	mr->start = cmd.start;
	mr->va = cmd.hca_va;
	mr->length = cmd.length;
	mr->access = cmd.access_flags;
	ret = reg_mr_driver(c, mr);
	if (ret) {
		emu_mr_free(mr);
		return ret;
	}
	emu_obj_publish(&mr->obj);
	if (mr->mr_type == EMU_MR_MEM)
		emu_report_registration(mr);
	resp.mr_handle = mr->obj.handle;
	resp.lkey = mr->lkey;
	resp.rkey = mr->rkey;
	ret = emu_cmd_response(c, &resp, sizeof(resp));
	if (ret)
		emu_destroy_mr(mr);
	return ret;
}

int emu_cmd_rereg_mr(struct emu_cmd *c)
{
	struct ib_uverbs_rereg_mr cmd;
	struct ib_uverbs_rereg_mr_resp resp = {};
	struct emu_pd *pd = NULL;
	struct emu_mr *mr;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (!cmd.flags)
		return -EINVAL;
	if (cmd.flags & ~(EMU_REREG_TRANS | EMU_REREG_PD | EMU_REREG_ACCESS))
		return -EOPNOTSUPP;
	if ((cmd.flags & EMU_REREG_TRANS) &&
	    (cmd.start & ~EMU_PAGE_MASK) != (cmd.hca_va & ~EMU_PAGE_MASK))
		return -EINVAL;
	mr = (struct emu_mr *)emu_obj_lookup(c->f, EMU_OBJ_MR, cmd.mr_handle);
	if (!mr)
		return -EINVAL;
	if (mr->mr_type != EMU_MR_MEM)
		return -EINVAL;
	if (cmd.flags & EMU_REREG_ACCESS) {
		ret = emu_mr_check_access(cmd.access_flags);
		if (ret)
			return ret;
	}
	if (cmd.flags & EMU_REREG_TRANS) {
		if (!cmd.length || cmd.start + cmd.length < cmd.start)
			return -EINVAL;
		/* the new range is plain user memory (no DMA-buf here) */
		if (emu_va_refused())
			return -EOPNOTSUPP;
		if (!emu_user_range_ok(cmd.start, cmd.length))
			return -EFAULT;
	}
	if (cmd.flags & EMU_REREG_PD) {
		pd = emu_obj_get(c->f, EMU_OBJ_PD, cmd.pd_handle);
		if (!pd)
			return -EINVAL;
	}

	/* the engine copies MR fields under f->lock */
	pthread_mutex_lock(&c->f->lock);
	if (pd) {
		emu_obj_put(mr->pd);
		mr->pd = pd;
	}
	if (cmd.flags & EMU_REREG_ACCESS)
		mr->access = cmd.access_flags;
	if (cmd.flags & EMU_REREG_TRANS) {
		mr_release_backing(mr);
		mr->start = cmd.start;
		mr->va = cmd.hca_va;
		mr->length = cmd.length;
	}
	pthread_mutex_unlock(&c->f->lock);

	resp.lkey = mr->lkey;
	resp.rkey = mr->rkey;
	return emu_cmd_response(c, &resp, sizeof(resp));
}

void emu_destroy_mr(struct emu_mr *mr)
{
	emu_obj_unpublish(&mr->obj);
	/* a ring still in use by its QP/CQ/SRQ goes when they let go */
	if (mr->ring_held) {
		mr->deregistered = true;
		return;
	}
	emu_mr_free(mr);
}

int emu_cmd_dereg_mr(struct emu_cmd *c)
{
	struct emu_mr *mr = (struct emu_mr *)c->obj;

	/*
	 * A ring its QP/CQ/SRQ still uses stays registered: the device
	 * would otherwise reach pages no longer pinned for it.
	 */
	if (mr->ring_held)
		return -EBUSY;
	emu_destroy_mr(mr);
	return 0;
}

struct emu_mr *emu_ring_take(struct emu_file *f, enum emu_mr_type type,
			     uint64_t va)
{
	struct emu_obj *obj;
	struct emu_mr *found = NULL;

	pthread_mutex_lock(&f->lock);
	for (obj = f->objs[EMU_OBJ_MR]; obj; obj = obj->next) {
		struct emu_mr *mr = (struct emu_mr *)obj;

		/* irdma keys its ring list by iova (iwpbl->user_base) */
		if (mr->mr_type == type && !mr->ring_in_use && mr->va == va) {
			mr->ring_in_use = true;
			mr->ring_held = true;
			found = mr;
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return found;
}

void emu_ring_release(struct emu_mr *mr)
{
	if (!mr)
		return;
	mr->ring_held = false;
	if (mr->deregistered)
		emu_mr_free(mr);
}

/* ---- MW --------------------------------------------------------------- */

int emu_cmd_alloc_mw(struct emu_cmd *c)
{
	struct ib_uverbs_alloc_mw cmd;
	struct ib_uverbs_alloc_mw_resp resp = {};
	struct emu_mw *mw;
	struct emu_pd *pd;
	uint32_t index;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	pd = emu_obj_get(c->f, EMU_OBJ_PD, cmd.pd_handle);
	if (!pd)
		return -EINVAL;
	if (cmd.mw_type != EMU_MW_TYPE_1 && cmd.mw_type != EMU_MW_TYPE_2) {
		ret = -EINVAL;
		goto err_pd;
	}
	mw = emu_obj_alloc(c->f, EMU_OBJ_MW, sizeof(*mw));
	if (!mw) {
		ret = -errno;
		goto err_pd;
	}
	/* windows take their stag from the same space as MRs */
	ret = emu_id_alloc(c->f->dev, EMU_OBJ_MR, &index);
	if (ret) {
		emu_obj_free(&mw->obj);
		goto err_pd;
	}
	mw->stag = emu_mr_make_stag(index);
	mw->mw_type = cmd.mw_type;
	mw->pd = pd;
	emu_obj_publish(&mw->obj);
	resp.mw_handle = mw->obj.handle;
	resp.rkey = mw->stag;
	ret = emu_cmd_response(c, &resp, sizeof(resp));
	if (ret)
		emu_destroy_mw(mw);
	return ret;
err_pd:
	emu_obj_put(pd);
	return ret;
}

void emu_destroy_mw(struct emu_mw *mw)
{
	emu_obj_unpublish(&mw->obj);
	emu_id_free(mw->obj.file->dev, EMU_OBJ_MR, mw->stag >> 8);
	emu_obj_put(mw->pd);
	emu_obj_free(&mw->obj);
}

int emu_cmd_dealloc_mw(struct emu_cmd *c)
{
	emu_destroy_mw((struct emu_mw *)c->obj);
	return 0;
}
