// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ioctl methods of the PD, MR, MW and AH objects (uverbs_std_types.c,
 * uverbs_std_types_mr.c): the DESTROY methods, MR.QUERY_MR, MR.REG_MR (as
 * ibv_reg_mr_ex sends it) and MR.REG_DMABUF_MR, with irdma's ring
 * registration attributes when the driver offers the "dmabuf-mr" ring ABI
 * (irdma_user_ioctl_cmds.h, the maintainers' option 1).
 *
 * Address-based registrations run the write() handler of kernel_mr.c (the
 * kernel's ioctl REG_MR ends in the same irdma_reg_user_mr()); DMA-buf ones
 * are irdma_reg_user_mr_dmabuf(), here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include <rdma/ib_user_verbs.h>
#include <rdma/irdma-abi.h>
#include <rdma/irdma_user_ioctl_cmds.h>

#include "kernel_ioctl.h"

/* the offset in its (machine) page: the kernel's ~PAGE_MASK */
#define EMU_PAGE_OFFSET(x) ((x) & (EMU_PAGE_SIZE - 1))

/* The access bits a DMA-buf registration may ask for. */
#define EMU_DMABUF_ACCESS                                                 \
	(IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_READ |    \
	 IB_UVERBS_ACCESS_REMOTE_WRITE | IB_UVERBS_ACCESS_REMOTE_ATOMIC | \
	 IB_UVERBS_ACCESS_RELAXED_ORDERING)
/* IB_ACCESS_SUPPORTED: everything up to the flush bits, and the optional */
#define EMU_ALL_ACCESS                                    \
	(((IB_UVERBS_ACCESS_FLUSH_PERSISTENT << 1) - 1) | \
	 IB_UVERBS_ACCESS_OPTIONAL_RANGE)

/* ---- destroys ----------------------------------------------------------- */

/*
 * A DESTROY method whose driver work is write() command @cmd, a request of
 * @req_len bytes with the handle at @off; @resp_id gets its response.
 */
static int destroy_by_write(struct emu_bundle *b, uint16_t handle_id,
			    uint32_t cmd, size_t req_len, size_t off,
			    uint16_t resp_id, size_t resp_len)
{
	uint8_t req[16] = {};
	uint8_t resp[16] = {};
	struct emu_obj *obj = emu_attr_obj(b, handle_id);
	struct emu_cmd c;
	int ret;

	memcpy(req + off, &obj->handle, sizeof(obj->handle));
	emu_ioctl_cmd(b, &c, req, req_len, resp, resp_len);
	ret = emu_kernel_run_write(&c, cmd, false);
	if (ret || !resp_len)
		return ret;
	return emu_attr_copy_out(b, resp_id, resp, resp_len);
}

static int pd_destroy(struct emu_bundle *b)
{
	return destroy_by_write(b, UVERBS_ATTR_DESTROY_PD_HANDLE,
				IB_USER_VERBS_CMD_DEALLOC_PD,
				sizeof(struct ib_uverbs_dealloc_pd), 0, 0, 0);
}

static int mr_destroy(struct emu_bundle *b)
{
	return destroy_by_write(b, UVERBS_ATTR_DESTROY_MR_HANDLE,
				IB_USER_VERBS_CMD_DEREG_MR,
				sizeof(struct ib_uverbs_dereg_mr), 0, 0, 0);
}

static int mw_destroy(struct emu_bundle *b)
{
	return destroy_by_write(b, UVERBS_ATTR_DESTROY_MW_HANDLE,
				IB_USER_VERBS_CMD_DEALLOC_MW,
				sizeof(struct ib_uverbs_dealloc_mw), 0, 0, 0);
}

static int ah_destroy(struct emu_bundle *b)
{
	return destroy_by_write(b, UVERBS_ATTR_DESTROY_AH_HANDLE,
				IB_USER_VERBS_CMD_DESTROY_AH,
				sizeof(struct ib_uverbs_destroy_ah), 0, 0, 0);
}

static const struct emu_attr_spec pd_destroy_attrs[] = {
	EMU_IDR(UVERBS_ATTR_DESTROY_PD_HANDLE, EMU_OBJ_PD, EMU_ACCESS_DESTROY,
		true),
};
static const struct emu_attr_spec mr_destroy_attrs[] = {
	EMU_IDR(UVERBS_ATTR_DESTROY_MR_HANDLE, EMU_OBJ_MR, EMU_ACCESS_DESTROY,
		true),
};
static const struct emu_attr_spec mw_destroy_attrs[] = {
	EMU_IDR(UVERBS_ATTR_DESTROY_MW_HANDLE, EMU_OBJ_MW, EMU_ACCESS_DESTROY,
		true),
};
static const struct emu_attr_spec ah_destroy_attrs[] = {
	EMU_IDR(UVERBS_ATTR_DESTROY_AH_HANDLE, EMU_OBJ_AH, EMU_ACCESS_DESTROY,
		true),
};

/* ---- QUERY_MR ------------------------------------------------------------- */

static int query_mr(struct emu_bundle *b)
{
	struct emu_mr *mr =
		(struct emu_mr *)emu_attr_obj(b, UVERBS_ATTR_QUERY_MR_HANDLE);
	int ret;

	ret = emu_attr_copy_out(b, UVERBS_ATTR_QUERY_MR_RESP_LKEY, &mr->lkey,
				sizeof(mr->lkey));
	if (!ret)
		ret = emu_attr_copy_out(b, UVERBS_ATTR_QUERY_MR_RESP_RKEY,
					&mr->rkey, sizeof(mr->rkey));
	if (!ret)
		ret = emu_attr_copy_out(b, UVERBS_ATTR_QUERY_MR_RESP_LENGTH,
					&mr->length, sizeof(mr->length));
	if (!ret)
		ret = emu_attr_copy_out(b, UVERBS_ATTR_QUERY_MR_RESP_IOVA,
					&mr->va, sizeof(mr->va));
	return ret == -ENOENT ? 0 : ret;
}

static const struct emu_attr_spec query_mr_attrs[] = {
	EMU_IDR(UVERBS_ATTR_QUERY_MR_HANDLE, EMU_OBJ_MR, EMU_ACCESS_READ, true),
	EMU_OUT_TYPE(UVERBS_ATTR_QUERY_MR_RESP_RKEY, uint32_t, true),
	EMU_OUT_TYPE(UVERBS_ATTR_QUERY_MR_RESP_LKEY, uint32_t, true),
	EMU_OUT_TYPE(UVERBS_ATTR_QUERY_MR_RESP_LENGTH, uint64_t, true),
	EMU_OUT_TYPE(UVERBS_ATTR_QUERY_MR_RESP_IOVA, uint64_t, false),
};

/* ---- irdma's ring attributes (the dmabuf-mr ring ABI) ---------------- */

/* What a registration is for, as irdma_mem_reg_req says it. */
struct ring_attrs {
	bool given; /* any of them */
	uint16_t type; /* enum irdma_memreg_type */
	uint16_t sq_pages;
	uint16_t rq_pages;
	uint16_t cq_pages;
};

/* One CONST_IN of the driver namespace, a u16 as irdma keeps it. */
static int get_u16(const struct emu_bundle *b, uint16_t id, uint16_t *v,
		   bool *given)
{
	int64_t x;
	int ret = emu_attr_const(b, id, 0, UINT16_MAX, &x);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	*v = (uint16_t)x;
	*given = true;
	return 0;
}

/* @type_id and the three page counts that follow it (TYPE, CQ, RQ, SQ). */
static int get_ring_attrs(const struct emu_bundle *b, uint16_t type_id,
			  struct ring_attrs *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = get_u16(b, type_id, &r->type, &r->given);
	if (!ret)
		ret = get_u16(b, type_id + 1, &r->cq_pages, &r->given);
	if (!ret)
		ret = get_u16(b, type_id + 2, &r->rq_pages, &r->given);
	if (!ret)
		ret = get_u16(b, type_id + 3, &r->sq_pages, &r->given);
	if (ret)
		return ret;
	switch (r->type) {
	case IRDMA_MEMREG_TYPE_MEM:
	case IRDMA_MEMREG_TYPE_QP:
	case IRDMA_MEMREG_TYPE_CQ:
	case IRDMA_MEMREG_TYPE_SRQ:
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- DMA-buf registration (irdma_reg_user_mr_dmabuf) ----------------- */

struct dmabuf_reg {
	struct emu_pd *pd; /* held; the MR takes it over */
	uint64_t offset;
	uint64_t length;
	uint64_t iova;
	int fd;
	uint32_t access;
	struct ring_attrs ring;
};

static int attach_dmabuf(struct emu_mr *mr, const struct dmabuf_reg *r)
{
	uint64_t va;
	int ret = emu_mr_attach_dmabuf(mr, r->fd, r->offset, r->length);

	if (ret)
		return ret;
	/*
	 * The device reaches the buffer's pages. The emulated one reaches
	 * them through the process's mapping of the range where there is
	 * one; otherwise through the iova, as our provider's convention
	 * for an unmapped DMA-buf has it.
	 */
	mr->start =
		emu_dmabuf_user_va(mr->dmabuf_ref, r->offset, r->length, &va) ?
			r->iova :
			va;
	return 0;
}

static int dmabuf_mr_driver(struct emu_file *f, struct emu_mr *mr,
			    const struct dmabuf_reg *r)
{
	uint32_t index;
	int ret;

	if (!r->length || r->length > f->dev->lim.max_mr_size)
		return -EINVAL;
	ret = attach_dmabuf(mr, r);
	if (ret)
		return ret;
	mr->mr_type = r->ring.type;
	if (mr->mr_type != EMU_MR_MEM) {
		ret = emu_mr_check_ring_pages(
			f, mr->mr_type, r->ring.sq_pages, r->ring.rq_pages,
			r->ring.cq_pages, emu_page_count(r->iova, r->length));
		if (ret)
			return ret;
		mr->sq_pages = r->ring.sq_pages;
		mr->rq_pages = r->ring.rq_pages;
		mr->cq_pages = r->ring.cq_pages;
		mr->ring_abi = EMU_RING_ABI_DMABUF_MR;
		return 0; /* rings are no MRs to the hardware: no stag */
	}
	ret = emu_id_alloc(f->dev, EMU_OBJ_MR, &index);
	if (ret)
		return ret;
	mr->lkey = mr->rkey = emu_mr_make_stag(index);
	return 0;
}

/* Register; on success the MR is published and named in @handle_id. */
static int dmabuf_mr_create(struct emu_bundle *b, const struct dmabuf_reg *r,
			    uint16_t handle_id, uint16_t lkey_id,
			    uint16_t rkey_id)
{
	struct emu_mr *mr = emu_obj_alloc(b->f, EMU_OBJ_MR, sizeof(*mr));
	int ret;

	if (!mr) {
		emu_obj_put(r->pd);
		return -errno;
	}
	mr->pd = r->pd;
	mr->va = r->iova;
	mr->length = r->length;
	mr->access = r->access;
	ret = dmabuf_mr_driver(b->f, mr, r);
	if (ret) {
		emu_mr_free(mr);
		return ret;
	}
	emu_obj_publish(&mr->obj);
	if (mr->mr_type == EMU_MR_MEM)
		emu_report_registration(mr);
	ret = emu_attr_new_id(b, handle_id, mr->obj.handle);
	if (!ret)
		ret = emu_attr_copy_out(b, lkey_id, &mr->lkey,
					sizeof(mr->lkey));
	if (!ret)
		ret = emu_attr_copy_out(b, rkey_id, &mr->rkey,
					sizeof(mr->rkey));
	if (ret)
		emu_destroy_mr(mr);
	return ret;
}

/* The PD a registration names, held for the MR. */
static struct emu_pd *hold_pd(struct emu_bundle *b, uint16_t id)
{
	struct emu_obj *pd = emu_attr_obj(b, id);

	return emu_obj_get(b->f, EMU_OBJ_PD, pd->handle);
}

static int reg_dmabuf_mr(struct emu_bundle *b)
{
	struct dmabuf_reg r = {};
	uint32_t fd;
	int ret;

	ret = emu_attr_copy_in(b, UVERBS_ATTR_REG_DMABUF_MR_OFFSET, &r.offset,
			       sizeof(r.offset));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_REG_DMABUF_MR_LENGTH,
				       &r.length, sizeof(r.length));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_REG_DMABUF_MR_IOVA,
				       &r.iova, sizeof(r.iova));
	if (ret)
		return ret;
	if (EMU_PAGE_OFFSET(r.offset) != EMU_PAGE_OFFSET(r.iova))
		return -EINVAL;
	ret = emu_attr_copy_in(b, UVERBS_ATTR_REG_DMABUF_MR_FD, &fd,
			       sizeof(fd));
	if (!ret)
		ret = emu_attr_flags32(b,
				       UVERBS_ATTR_REG_DMABUF_MR_ACCESS_FLAGS,
				       EMU_DMABUF_ACCESS, &r.access);
	if (!ret)
		ret = emu_mr_check_access(r.access);
	if (!ret)
		ret = get_ring_attrs(b, IRDMA_IB_ATTR_REG_DMABUF_MR_TYPE,
				     &r.ring);
	if (ret)
		return ret;
	r.fd = (int)fd;
	r.pd = hold_pd(b, UVERBS_ATTR_REG_DMABUF_MR_PD_HANDLE);
	return dmabuf_mr_create(b, &r, UVERBS_ATTR_REG_DMABUF_MR_HANDLE,
				UVERBS_ATTR_REG_DMABUF_MR_RESP_LKEY,
				UVERBS_ATTR_REG_DMABUF_MR_RESP_RKEY);
}

#define EMU_RING_ATTR(_id)                                                 \
	{                                                                  \
		.id = (_id), .name = #_id, .type = EMU_ATTR_PTR_IN,        \
		.min_len = 8, .len = 8, .ring_abi = EMU_RING_ABI_DMABUF_MR \
	}

static const struct emu_attr_spec reg_dmabuf_mr_attrs[] = {
	EMU_IDR(UVERBS_ATTR_REG_DMABUF_MR_HANDLE, EMU_OBJ_MR, EMU_ACCESS_NEW,
		true),
	EMU_IDR(UVERBS_ATTR_REG_DMABUF_MR_PD_HANDLE, EMU_OBJ_PD,
		EMU_ACCESS_READ, true),
	EMU_IN_TYPE(UVERBS_ATTR_REG_DMABUF_MR_OFFSET, uint64_t, true),
	EMU_IN_TYPE(UVERBS_ATTR_REG_DMABUF_MR_LENGTH, uint64_t, true),
	EMU_IN_TYPE(UVERBS_ATTR_REG_DMABUF_MR_IOVA, uint64_t, true),
	EMU_IN_TYPE(UVERBS_ATTR_REG_DMABUF_MR_FD, uint32_t, true),
	EMU_FLAGS_IN(UVERBS_ATTR_REG_DMABUF_MR_ACCESS_FLAGS, false),
	EMU_OUT_TYPE(UVERBS_ATTR_REG_DMABUF_MR_RESP_LKEY, uint32_t, true),
	EMU_OUT_TYPE(UVERBS_ATTR_REG_DMABUF_MR_RESP_RKEY, uint32_t, true),
	EMU_RING_ATTR(IRDMA_IB_ATTR_REG_DMABUF_MR_TYPE),
	EMU_RING_ATTR(IRDMA_IB_ATTR_REG_DMABUF_MR_CQ_PAGES),
	EMU_RING_ATTR(IRDMA_IB_ATTR_REG_DMABUF_MR_RQ_PAGES),
	EMU_RING_ATTR(IRDMA_IB_ATTR_REG_DMABUF_MR_SQ_PAGES),
};

/* ---- REG_MR ------------------------------------------------------------- */

/*
 * An address: irdma_reg_user_mr() with the caller's udata, or, given the
 * ring attributes instead, with the irdma_mem_reg_req they spell.
 */
static int reg_mr_va(struct emu_bundle *b, uint64_t addr, uint64_t length,
		     uint64_t iova, uint32_t access,
		     const struct ring_attrs *ring)
{
	struct emu_obj *pd = emu_attr_obj(b, UVERBS_ATTR_REG_MR_PD_HANDLE);
	struct ib_uverbs_reg_mr req = {
		.start = addr,
		.length = length,
		.hca_va = iova,
		.pd_handle = pd->handle,
		.access_flags = access,
	};
	struct ib_uverbs_reg_mr_resp resp = {};
	struct irdma_mem_reg_req ureq = {};
	struct emu_cmd c;
	int ret;

	emu_ioctl_cmd(b, &c, &req, sizeof(req), &resp, sizeof(resp));
	if (ring->given) {
		/* one way of saying what the memory is for, not two */
		if (c.udata.inlen)
			return -EINVAL;
		ureq.reg_type = ring->type;
		ureq.sq_pages = ring->sq_pages;
		ureq.rq_pages = ring->rq_pages;
		ureq.cq_pages = ring->cq_pages;
		c.udata.in = (const uint8_t *)&ureq;
		c.udata.inlen = IRDMA_MEM_REG_REQ_V0_SIZE;
	}
	ret = emu_kernel_run_write(&c, IB_USER_VERBS_CMD_REG_MR, false);
	if (ret)
		return ret;
	ret = emu_attr_new_id(b, UVERBS_ATTR_REG_MR_HANDLE, resp.mr_handle);
	if (!ret)
		ret = emu_attr_copy_out(b, UVERBS_ATTR_REG_MR_RESP_LKEY,
					&resp.lkey, sizeof(resp.lkey));
	if (!ret)
		ret = emu_attr_copy_out(b, UVERBS_ATTR_REG_MR_RESP_RKEY,
					&resp.rkey, sizeof(resp.rkey));
	if (ret) {
		struct emu_obj *mr =
			emu_obj_lookup(b->f, EMU_OBJ_MR, resp.mr_handle);

		if (mr)
			emu_destroy_mr((struct emu_mr *)mr);
	}
	return ret;
}

static int reg_mr(struct emu_bundle *b)
{
	bool has_addr = emu_attr_has(b, UVERBS_ATTR_REG_MR_ADDR);
	bool has_off = emu_attr_has(b, UVERBS_ATTR_REG_MR_FD_OFFSET);
	bool has_fd = emu_attr_has(b, UVERBS_ATTR_REG_MR_FD);
	struct dmabuf_reg r = {};
	uint64_t addr = 0;
	uint32_t valid;
	int ret;

	ret = emu_attr_copy_in(b, UVERBS_ATTR_REG_MR_IOVA, &r.iova,
			       sizeof(r.iova));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_REG_MR_LENGTH, &r.length,
				       sizeof(r.length));
	if (!ret && has_addr)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_REG_MR_ADDR, &addr,
				       sizeof(addr));
	if (!ret && has_off)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_REG_MR_FD_OFFSET,
				       &r.offset, sizeof(r.offset));
	if (!ret && has_fd)
		ret = emu_attr_raw_fd(b, UVERBS_ATTR_REG_MR_FD, &r.fd);
	if (ret)
		return ret;
	if (has_fd) {
		/* a DMA-buf needs its offset, and no address */
		if (!has_off || has_addr ||
		    EMU_PAGE_OFFSET(r.offset) != EMU_PAGE_OFFSET(r.iova))
			return -EINVAL;
		valid = EMU_DMABUF_ACCESS;
	} else {
		if (!has_addr || has_off ||
		    EMU_PAGE_OFFSET(addr) != EMU_PAGE_OFFSET(r.iova))
			return -EINVAL;
		valid = EMU_ALL_ACCESS;
	}
	ret = emu_attr_flags32(b, UVERBS_ATTR_REG_MR_ACCESS_FLAGS, valid,
			       &r.access);
	if (!ret)
		ret = emu_mr_check_access(r.access);
	if (!ret)
		ret = get_ring_attrs(b, IRDMA_IB_ATTR_REG_MR_TYPE, &r.ring);
	if (ret)
		return ret;
	if (!has_fd)
		return reg_mr_va(b, addr, r.length, r.iova, r.access, &r.ring);
	r.pd = hold_pd(b, UVERBS_ATTR_REG_MR_PD_HANDLE);
	return dmabuf_mr_create(b, &r, UVERBS_ATTR_REG_MR_HANDLE,
				UVERBS_ATTR_REG_MR_RESP_LKEY,
				UVERBS_ATTR_REG_MR_RESP_RKEY);
}

/*
 * UVERBS_ATTR_REG_MR_DMA_HANDLE names a DMAH object, which irdma does not
 * have: the kernel drops the attribute from the method, so it is unknown
 * here too (EPROTONOSUPPORT when mandatory).
 */
static const struct emu_attr_spec reg_mr_attrs[] = {
	EMU_IDR(UVERBS_ATTR_REG_MR_HANDLE, EMU_OBJ_MR, EMU_ACCESS_NEW, true),
	EMU_IDR(UVERBS_ATTR_REG_MR_PD_HANDLE, EMU_OBJ_PD, EMU_ACCESS_READ,
		true),
	EMU_IN_TYPE(UVERBS_ATTR_REG_MR_IOVA, uint64_t, true),
	EMU_IN_TYPE(UVERBS_ATTR_REG_MR_LENGTH, uint64_t, true),
	EMU_FLAGS_IN(UVERBS_ATTR_REG_MR_ACCESS_FLAGS, true),
	EMU_IN_TYPE(UVERBS_ATTR_REG_MR_ADDR, uint64_t, false),
	EMU_IN_TYPE(UVERBS_ATTR_REG_MR_FD_OFFSET, uint64_t, false),
	EMU_RAW_FD(UVERBS_ATTR_REG_MR_FD, false),
	EMU_OUT_TYPE(UVERBS_ATTR_REG_MR_RESP_LKEY, uint32_t, true),
	EMU_OUT_TYPE(UVERBS_ATTR_REG_MR_RESP_RKEY, uint32_t, true),
	EMU_UHW,
	EMU_RING_ATTR(IRDMA_IB_ATTR_REG_MR_TYPE),
	EMU_RING_ATTR(IRDMA_IB_ATTR_REG_MR_CQ_PAGES),
	EMU_RING_ATTR(IRDMA_IB_ATTR_REG_MR_RQ_PAGES),
	EMU_RING_ATTR(IRDMA_IB_ATTR_REG_MR_SQ_PAGES),
};

/* ---- the tables --------------------------------------------------------- */

static const struct emu_method_spec m_pd_destroy =
	EMU_METHOD(UVERBS_OBJECT_PD, UVERBS_METHOD_PD_DESTROY, "PD.DESTROY",
		   pd_destroy, pd_destroy_attrs);
static const struct emu_method_spec m_mr_destroy =
	EMU_METHOD(UVERBS_OBJECT_MR, UVERBS_METHOD_MR_DESTROY, "MR.DESTROY",
		   mr_destroy, mr_destroy_attrs);
static const struct emu_method_spec m_mw_destroy =
	EMU_METHOD(UVERBS_OBJECT_MW, UVERBS_METHOD_MW_DESTROY, "MW.DESTROY",
		   mw_destroy, mw_destroy_attrs);
static const struct emu_method_spec m_ah_destroy =
	EMU_METHOD(UVERBS_OBJECT_AH, UVERBS_METHOD_AH_DESTROY, "AH.DESTROY",
		   ah_destroy, ah_destroy_attrs);
static const struct emu_method_spec m_query_mr =
	EMU_METHOD(UVERBS_OBJECT_MR, UVERBS_METHOD_QUERY_MR, "MR.QUERY_MR",
		   query_mr, query_mr_attrs);
static const struct emu_method_spec m_reg_dmabuf_mr =
	EMU_METHOD(UVERBS_OBJECT_MR, UVERBS_METHOD_REG_DMABUF_MR,
		   "MR.REG_DMABUF_MR", reg_dmabuf_mr, reg_dmabuf_mr_attrs);
static const struct emu_method_spec m_reg_mr =
	EMU_METHOD(UVERBS_OBJECT_MR, UVERBS_METHOD_REG_MR, "MR.REG_MR", reg_mr,
		   reg_mr_attrs);

const struct emu_method_spec *const emu_ioctl_mr_methods[] = {
	&m_pd_destroy, &m_mr_destroy,	 &m_mw_destroy, &m_ah_destroy,
	&m_query_mr,   &m_reg_dmabuf_mr, &m_reg_mr,	NULL,
};
