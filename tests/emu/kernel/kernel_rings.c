// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Where the rings of a CQ, QP or SRQ come from, beyond irdma's registration
 * list (kernel_mr.c): the "umem" ring ABI (the maintainers' option 2), in
 * which the create itself carries the ring buffers as UMEM descriptors
 * (struct ib_uverbs_buffer_desc):
 *
 *   CQ   ring:   UVERBS_ATTR_CREATE_CQ_BUF_UMEM (Linux 7.2's core attribute,
 *                or the older core BUFFER_VA/_FD/_OFFSET/_LENGTH ones)
 *        shadow: IRDMA_IB_ATTR_CREATE_CQ_SHADOW_BUF_UMEM, on devices whose
 *                shadow area is a buffer of its own (CQ_RESIZE, gen 2+);
 *                on gen 1 it is the 64 bytes after the ring's pages
 *   QP   SQ, RQ and shadow area in one buffer, UVERBS_ATTR_CREATE_QP_BUF_UMEM
 *        (irdma takes no separate _SQ_ / _RQ_BUF_UMEM: EOPNOTSUPP)
 *   SRQ  ring:   IRDMA_UVERBS_ATTR_CREATE_SRQ_BUF_UMEM (no core attribute)
 *        shadow: IRDMA_IB_ATTR_CREATE_SRQ_SHADOW_BUF_UMEM, or else the 64
 *                bytes after the ring's pages
 *
 * The driver lays the rings out itself from the sizes it computed (as it
 * does for a registration, whose page counts it checks), and a buffer
 * shorter than that layout is EINVAL. A descriptor is resolved as the 7.2
 * core's ib_umem_get_desc() does: DMA-buf (fd + offset, inside the buffer)
 * or VA, which Linux 7.2 refuses on a device that needs DMA bounce.
 *
 * The ring a descriptor names becomes a registration of its own that no
 * handle names: it lives and dies with its CQ/QP/SRQ.
 *
 * From Linux 7.2 on, ib_umem_get() refuses plain user memory (a VA umem)
 * with EOPNOTSUPP on a device that needs DMA bounce (a CoCo guest's,
 * --cc): the device cannot reach the guest's private pages. A kernel
 * before 7.2 (--kernel old) takes it, as this emulator always did. That
 * holds for registrations (kernel_mr.c) and descriptors alike.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>

#include <rdma/irdma_user_ioctl_cmds.h>

#include "kernel_ioctl.h"
#include "device/hw.h"

/* IRDMA_DB_SHADOW_AREA_SIZE: what a separate shadow buffer must hold */
#define EMU_SHADOW_BYTES 64ULL

/* @bytes rounded up to whole pages */
static uint64_t page_round(uint64_t bytes)
{
	return (bytes + EMU_HW_PAGE_SIZE - 1) & ~(EMU_HW_PAGE_SIZE - 1);
}

bool emu_va_refused(void)
{
	const struct emu_config *cfg = emu_config();

	/* ib_umem_get() on a cc_dma_bounce device, from Linux 7.2 on */
	return cfg->cc && cfg->kernel != EMU_KERNEL_OLD;
}

uint64_t emu_ring_device_va(const struct emu_mr *mr, uint64_t va)
{
	if (!mr)
		return va;
	if (mr->ring_abi == EMU_RING_ABI_UMEM)
		return mr->start;
	/* registrations are found by iova; the memory is where start is */
	return mr->start + (va - mr->va);
}

/* ---- descriptors ----------------------------------------------------- */

int emu_mr_attach_dmabuf(struct emu_mr *mr, int fd, uint64_t offset,
			 uint64_t length)
{
	uint64_t size;
	void *kva;

	/* dma_buf_get(): no open fd, or one that is no DMA-buf */
	mr->dmabuf_ref = emu_dmabuf_get(fd, &size, &kva);
	if (!mr->dmabuf_ref)
		return fcntl(fd, F_GETFD) < 0 ? -EBADF : -EINVAL;
	mr->dmabuf = true;
	mr->dmabuf_kva = kva;
	mr->dmabuf_size = size;
	mr->dmabuf_offset = offset;
	/* ib_umem_dmabuf_get(): the range must lie inside the buffer */
	if (offset > size || length > size - offset)
		return -EINVAL;
	return 0;
}

static int attach(struct emu_mr *mr, const struct ib_uverbs_buffer_desc *d)
{
	uint64_t va;
	int ret = emu_mr_attach_dmabuf(mr, d->fd, d->addr, d->length);

	if (ret)
		return ret;
	/*
	 * A device reaches the pages; the emulated one needs the process's
	 * mapping of them. A ring the process never mapped is one it could
	 * not have written a WQE into: refused here, unlike on hardware.
	 */
	if (emu_dmabuf_user_va(mr->dmabuf_ref, d->addr, d->length, &va))
		return -EFAULT;
	mr->start = mr->va = va;
	return 0;
}

static int attach_va(struct emu_mr *mr, const struct ib_uverbs_buffer_desc *d)
{
	if (emu_va_refused())
		return -EOPNOTSUPP;
	if (!d->length || d->addr + d->length < d->addr)
		return -EINVAL;
	if (!emu_user_range_ok(d->addr, d->length))
		return -EFAULT;
	mr->start = mr->va = d->addr;
	return 0;
}

/*
 * ib_umem_get_desc() + the minimum-size check: a ring registration of
 * @type that no handle names, held by the caller's CQ/QP/SRQ.
 */
static int umem_from_desc(struct emu_file *f,
			  const struct ib_uverbs_buffer_desc *d,
			  uint64_t min_len, enum emu_mr_type type,
			  struct emu_mr **out)
{
	struct emu_mr *mr = emu_obj_alloc(f, EMU_OBJ_MR, sizeof(*mr));
	int ret;

	if (!mr)
		return -errno;
	mr->mr_type = type;
	mr->ring_abi = EMU_RING_ABI_UMEM;
	mr->length = d->length;
	mr->access = IB_UVERBS_ACCESS_LOCAL_WRITE;
	switch (d->type) {
	case IB_UVERBS_BUFFER_TYPE_DMABUF:
		ret = attach(mr, d);
		break;
	case IB_UVERBS_BUFFER_TYPE_VA:
		ret = attach_va(mr, d);
		break;
	default:
		ret = -EINVAL;
	}
	if (!ret && d->length < min_len)
		ret = -EINVAL;
	if (ret) {
		emu_mr_free(mr);
		return ret;
	}
	/* freed when its user lets go (emu_ring_release) */
	mr->ring_in_use = mr->ring_held = mr->deregistered = true;
	*out = mr;
	return 0;
}

static int umem_get(struct emu_cmd *c, uint16_t id, uint64_t min_len,
		    enum emu_mr_type type, struct emu_mr **out)
{
	struct ib_uverbs_buffer_desc d;
	int ret = emu_attr_buffer_desc(c->ioctl, id, &d);

	return ret ? ret : umem_from_desc(c->f, &d, min_len, type, out);
}

/*
 * The CQ buffer attributes that came before UMEM (VA + LENGTH, or FD +
 * OFFSET + LENGTH), as a descriptor: 0, -ENODATA if none, or -errno.
 */
static int cq_legacy_desc(const struct emu_bundle *b,
			  struct ib_uverbs_buffer_desc *d)
{
	int ret;

	if (emu_attr_has(b, UVERBS_ATTR_CREATE_CQ_BUFFER_VA)) {
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_CQ_BUFFER_VA,
				       &d->addr, sizeof(d->addr));
		if (!ret)
			ret = emu_attr_copy_in(
				b, UVERBS_ATTR_CREATE_CQ_BUFFER_LENGTH,
				&d->length, sizeof(d->length));
		if (ret)
			return ret;
		if (emu_attr_has(b, UVERBS_ATTR_CREATE_CQ_BUFFER_FD) ||
		    emu_attr_has(b, UVERBS_ATTR_CREATE_CQ_BUFFER_OFFSET))
			return -EINVAL;
		d->type = IB_UVERBS_BUFFER_TYPE_VA;
		return 0;
	}
	if (emu_attr_has(b, UVERBS_ATTR_CREATE_CQ_BUFFER_FD)) {
		ret = emu_attr_raw_fd(b, UVERBS_ATTR_CREATE_CQ_BUFFER_FD,
				      &d->fd);
		if (!ret)
			ret = emu_attr_copy_in(
				b, UVERBS_ATTR_CREATE_CQ_BUFFER_OFFSET,
				&d->addr, sizeof(d->addr));
		if (!ret)
			ret = emu_attr_copy_in(
				b, UVERBS_ATTR_CREATE_CQ_BUFFER_LENGTH,
				&d->length, sizeof(d->length));
		if (ret)
			return ret;
		d->type = IB_UVERBS_BUFFER_TYPE_DMABUF;
		return 0;
	}
	if (emu_attr_has(b, UVERBS_ATTR_CREATE_CQ_BUFFER_OFFSET) ||
	    emu_attr_has(b, UVERBS_ATTR_CREATE_CQ_BUFFER_LENGTH))
		return -EINVAL;
	return -ENODATA;
}

/* ib_umem_resolve_desc(): the UMEM attribute or the legacy ones, not both */
static int cq_ring_desc(const struct emu_bundle *b,
			struct ib_uverbs_buffer_desc *d)
{
	struct ib_uverbs_buffer_desc legacy = {};
	int ret = emu_attr_buffer_desc(b, UVERBS_ATTR_CREATE_CQ_BUF_UMEM, d);
	bool have = !ret;

	if (ret && ret != -ENOENT)
		return ret;
	ret = cq_legacy_desc(b, &legacy);
	if (!ret) {
		if (have)
			return -EINVAL;
		*d = legacy;
		have = true;
	} else if (ret != -ENODATA) {
		return ret;
	}
	return have ? 0 : -ENOENT;
}

/* ---- the creates -------------------------------------------------------- */

bool emu_rings_umem(const struct emu_cmd *c, enum emu_obj_type type)
{
	static const uint16_t cq[] = {
		UVERBS_ATTR_CREATE_CQ_BUF_UMEM,
		IRDMA_IB_ATTR_CREATE_CQ_SHADOW_BUF_UMEM,
		UVERBS_ATTR_CREATE_CQ_BUFFER_VA,
		UVERBS_ATTR_CREATE_CQ_BUFFER_FD,
		UVERBS_ATTR_CREATE_CQ_BUFFER_OFFSET,
		UVERBS_ATTR_CREATE_CQ_BUFFER_LENGTH,
	};
	static const uint16_t qp[] = {
		UVERBS_ATTR_CREATE_QP_BUF_UMEM,
		UVERBS_ATTR_CREATE_QP_RQ_BUF_UMEM,
		UVERBS_ATTR_CREATE_QP_SQ_BUF_UMEM,
	};
	static const uint16_t srq[] = {
		IRDMA_UVERBS_ATTR_CREATE_SRQ_BUF_UMEM,
		IRDMA_IB_ATTR_CREATE_SRQ_SHADOW_BUF_UMEM,
	};
	const uint16_t *ids = type == EMU_OBJ_CQ ? cq :
			      type == EMU_OBJ_QP ? qp :
						   srq;
	size_t n = type == EMU_OBJ_CQ ? sizeof(cq) / sizeof(cq[0]) :
		   type == EMU_OBJ_QP ? sizeof(qp) / sizeof(qp[0]) :
					sizeof(srq) / sizeof(srq[0]);
	size_t i;

	/* a driver without the umem ABI ignores what the core accepted */
	if (!c->ioctl || !(emu_config()->ring_abis & EMU_RING_ABI_UMEM))
		return false;
	for (i = 0; i < n; i++)
		if (emu_attr_has(c->ioctl, ids[i]))
			return true;
	return false;
}

/*
 * A ring's shadow area: @after (the bytes after the ring), or with
 * @separate the buffer of its own that descriptor @id names.
 */
static int umem_shadow(struct emu_cmd *c, bool separate, uint16_t id,
		       enum emu_mr_type type, uint64_t after,
		       struct emu_mr **mr, uint64_t *shadow_va)
{
	int ret;

	if (!separate) {
		*shadow_va = after;
		return 0;
	}
	ret = umem_get(c, id, EMU_SHADOW_BYTES, type, mr);
	if (!ret)
		*shadow_va = (*mr)->start;
	return ret;
}

int emu_rings_cq_umem(struct emu_cmd *c, struct emu_cq *cq)
{
	bool split = c->f->dev->lim.feature_flags & EMU_FEATURE_CQ_RESIZE;
	uint64_t ring_bytes =
		page_round((uint64_t)cq->ring_entries * cq->cqe_size);
	bool shadow_given =
		emu_attr_has(c->ioctl, IRDMA_IB_ATTR_CREATE_CQ_SHADOW_BUF_UMEM);
	struct ib_uverbs_buffer_desc d;
	int ret;

	/* a separate shadow area exactly where the device has one */
	if (shadow_given != split)
		return -EINVAL;
	ret = cq_ring_desc(c->ioctl, &d);
	if (ret == -ENOENT)
		return -EINVAL; /* a shadow area but no ring */
	if (!ret)
		ret = umem_from_desc(
			c->f, &d, ring_bytes + (split ? 0 : EMU_SHADOW_BYTES),
			EMU_MR_CQ, &cq->ring_mr);
	if (ret)
		return ret;
	cq->ring_mr->cq_pages = ring_bytes / EMU_HW_PAGE_SIZE;
	cq->ring_va = cq->ring_mr->start;
	return umem_shadow(c, split, IRDMA_IB_ATTR_CREATE_CQ_SHADOW_BUF_UMEM,
			   EMU_MR_CQ, cq->ring_va + ring_bytes, &cq->shadow_mr,
			   &cq->shadow_va);
}

int emu_rings_qp_umem(struct emu_cmd *c, struct emu_qp *qp)
{
	uint64_t sq_bytes = page_round((uint64_t)qp->sq_quanta * EMU_QUANTUM);
	uint64_t rq_bytes = page_round((uint64_t)qp->rq_quanta * EMU_QUANTUM);
	int ret;

	/* irdma's QP rings are one buffer: SQ, RQ, shadow area */
	if (emu_attr_has(c->ioctl, UVERBS_ATTR_CREATE_QP_SQ_BUF_UMEM) ||
	    emu_attr_has(c->ioctl, UVERBS_ATTR_CREATE_QP_RQ_BUF_UMEM))
		return -EOPNOTSUPP;
	ret = umem_get(c, UVERBS_ATTR_CREATE_QP_BUF_UMEM,
		       sq_bytes + rq_bytes + EMU_SHADOW_BYTES, EMU_MR_QP,
		       &qp->ring_mr);
	if (ret)
		return ret;
	qp->ring_mr->sq_pages = sq_bytes / EMU_HW_PAGE_SIZE;
	qp->ring_mr->rq_pages = rq_bytes / EMU_HW_PAGE_SIZE;
	return 0;
}

int emu_rings_srq_umem(struct emu_cmd *c, struct emu_srq *srq, uint32_t depth)
{
	uint64_t ring_bytes = page_round((uint64_t)depth * EMU_QUANTUM);
	bool shadow_given = emu_attr_has(
		c->ioctl, IRDMA_IB_ATTR_CREATE_SRQ_SHADOW_BUF_UMEM);
	int ret;

	if (!emu_attr_has(c->ioctl, IRDMA_UVERBS_ATTR_CREATE_SRQ_BUF_UMEM))
		return -EINVAL; /* a shadow area but no ring */
	ret = umem_get(c, IRDMA_UVERBS_ATTR_CREATE_SRQ_BUF_UMEM,
		       ring_bytes + (shadow_given ? 0 : EMU_SHADOW_BYTES),
		       EMU_MR_SRQ, &srq->ring_mr);
	if (ret)
		return ret;
	srq->ring_mr->rq_pages = ring_bytes / EMU_HW_PAGE_SIZE;
	srq->ring_va = srq->ring_mr->start;
	return umem_shadow(c, shadow_given,
			   IRDMA_IB_ATTR_CREATE_SRQ_SHADOW_BUF_UMEM, EMU_MR_SRQ,
			   srq->ring_va + ring_bytes, &srq->shadow_mr,
			   &srq->shadow_va);
}
