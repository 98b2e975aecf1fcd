// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Shared receive queues (gen 3 only, as irdma registers its SRQ verbs only
 * for devices with IRDMA_FEATURE_SRQ).
 */
#include <errno.h>
#include <stdlib.h>

#include <rdma/ib_user_verbs.h>
#include <rdma/irdma-abi.h>

#include "kernel_priv.h"
#include "device/hw.h"

/* offsetofend(user_shadow_area) and offsetofend(srq_size) */
#define EMU_CREATE_SRQ_MIN_REQ_LEN 16U
#define EMU_CREATE_SRQ_MIN_RESP_LEN 8U
/* enum ib_srq_attr_mask */
#define EMU_SRQ_MAX_WR (1U << 0)
#define EMU_SRQ_LIMIT (1U << 1)

static bool srq_supported(const struct emu_device *dev)
{
	return dev->lim.feature_flags & EMU_FEATURE_SRQ;
}

static uint8_t srq_wqe_shift(uint32_t sge)
{
	if (sge <= 1)
		return 0;
	if (sge < 4)
		return 1;
	return sge < 8 ? 2 : 3;
}

/* Ring depth in quanta for @wrs receive WRs of 1 << @shift quanta. */
static int srq_depth(const struct emu_limits *lim, uint32_t wrs, uint8_t shift,
		     uint32_t *depth)
{
	uint64_t want = ((uint64_t)wrs << shift) + EMU_RQ_RSVD;
	uint32_t d = 1;

	if (want > lim->max_srq_quanta)
		return -EINVAL;
	while (d < want)
		d <<= 1;
	if (d < lim->min_wq_size << shift)
		d = lim->min_wq_size << shift;
	else if (d > lim->max_srq_quanta)
		return -EINVAL;
	*depth = d;
	return 0;
}

static void srq_free(struct emu_srq *srq)
{
	emu_ring_release(srq->ring_mr);
	emu_ring_release(srq->shadow_mr);
	if (srq->srq_id)
		emu_id_free(srq->obj.file->dev, EMU_OBJ_SRQ, srq->srq_id);
	emu_obj_put(srq->pd);
	emu_obj_free(&srq->obj);
}

/* The SRQ-type registration at @va, the shadow area after its ring. */
static int srq_ring_take(struct emu_cmd *c, struct emu_srq *srq, uint64_t va,
			 uint32_t depth)
{
	srq->ring_mr = emu_ring_take(c->f, EMU_MR_SRQ, va);
	if (!srq->ring_mr)
		return -EPROTO;
	if ((uint64_t)depth * EMU_QUANTUM >
	    srq->ring_mr->rq_pages * EMU_HW_PAGE_SIZE)
		return -EINVAL;
	srq->ring_va = emu_ring_device_va(srq->ring_mr, va);
	srq->shadow_va =
		srq->ring_va + srq->ring_mr->rq_pages * EMU_HW_PAGE_SIZE;
	return 0;
}

static int srq_setup(struct emu_cmd *c, struct emu_srq *srq,
		     const struct ib_uverbs_create_srq *cmd)
{
	const struct emu_limits *lim = &c->f->dev->lim;
	struct irdma_create_srq_req req;
	uint32_t depth;
	int ret;

	if (cmd->max_sge > lim->max_sge || cmd->max_wr > lim->max_srq_quanta)
		return -EINVAL;
	if (c->udata.inlen < EMU_CREATE_SRQ_MIN_REQ_LEN ||
	    c->udata.outlen < EMU_CREATE_SRQ_MIN_RESP_LEN)
		return -EINVAL;
	emu_udata_in(&c->udata, &req, sizeof(req));
	srq->wqe_shift = srq_wqe_shift(cmd->max_sge);
	ret = srq_depth(lim, cmd->max_wr, srq->wqe_shift, &depth);
	if (ret)
		return ret;
	ret = emu_id_alloc(c->f->dev, EMU_OBJ_SRQ, &srq->srq_id);
	if (ret)
		return ret;
	/* the create names the buffers itself (ring ABI "umem") */
	if (emu_rings_umem(c, EMU_OBJ_SRQ)) {
		ret = emu_rings_srq_umem(c, srq, depth);
		if (ret)
			return ret;
	} else {
		ret = srq_ring_take(c, srq, req.user_srq_buf, depth);
		if (ret)
			return ret;
	}
	srq->ring_quanta = depth;
	srq->max_wr = (depth - EMU_RQ_RSVD) >> srq->wqe_shift;
	srq->max_sge = cmd->max_sge;
	srq->limit = cmd->srq_limit;
	srq->limit_armed = cmd->srq_limit != 0;
	return 0;
}

int emu_cmd_create_srq(struct emu_cmd *c)
{
	struct emu_device *dev = c->f->dev;
	struct ib_uverbs_create_srq cmd;
	struct ib_uverbs_create_srq_resp resp = {};
	struct irdma_create_srq_resp uresp = {};
	struct emu_srq *srq;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (!srq_supported(dev))
		return -EOPNOTSUPP;
	srq = emu_obj_alloc(c->f, EMU_OBJ_SRQ, sizeof(*srq));
	if (!srq)
		return -errno;
	srq->obj.user_handle = cmd.user_handle;
	srq->pd = emu_obj_get(c->f, EMU_OBJ_PD, cmd.pd_handle);
	if (!srq->pd) {
		ret = -EINVAL;
		goto err;
	}
	ret = srq_setup(c, srq, &cmd);
	if (ret)
		goto err;

	pthread_mutex_lock(&dev->lock);
	ret = emu_hw_srq_attach(srq);
	pthread_mutex_unlock(&dev->lock);
	if (ret)
		goto err;
	emu_obj_publish(&srq->obj);
	emu_report_registration(srq->ring_mr);

	uresp.srq_id = srq->srq_id;
	uresp.srq_size = srq->ring_quanta >> srq->wqe_shift;
	resp.srq_handle = srq->obj.handle;
	resp.max_wr = srq->max_wr;
	resp.max_sge = srq->max_sge;
	resp.srqn = srq->srq_id;
	ret = emu_cmd_answer(c, &resp, sizeof(resp), &uresp, sizeof(uresp));
	if (ret)
		emu_destroy_srq(srq);
	return ret;
err:
	srq_free(srq);
	return ret;
}

int emu_cmd_modify_srq(struct emu_cmd *c)
{
	struct emu_device *dev = c->f->dev;
	struct ib_uverbs_modify_srq cmd;
	struct emu_srq *srq = (struct emu_srq *)c->obj;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	/* irdma cannot resize an SRQ */
	if (cmd.attr_mask & EMU_SRQ_MAX_WR)
		return -EINVAL;
	if (!(cmd.attr_mask & EMU_SRQ_LIMIT))
		return 0;
	if (cmd.srq_limit > (srq->ring_quanta >> srq->wqe_shift))
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	srq->limit = cmd.srq_limit;
	srq->limit_armed = cmd.srq_limit != 0;
	ret = emu_hw_srq_modify(srq);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int emu_cmd_query_srq(struct emu_cmd *c)
{
	struct ib_uverbs_query_srq_resp resp = {};
	struct emu_srq *srq = (struct emu_srq *)c->obj;

	resp.max_wr = srq->max_wr;
	resp.max_sge = srq->max_sge;
	resp.srq_limit = srq->limit;
	return emu_cmd_response(c, &resp, sizeof(resp));
}

uint32_t emu_destroy_srq(struct emu_srq *srq)
{
	struct emu_file *f = srq->obj.file;
	uint32_t events;

	pthread_mutex_lock(&f->dev->lock);
	emu_hw_srq_detach(srq);
	pthread_mutex_unlock(&f->dev->lock);
	emu_obj_unpublish(&srq->obj);
	events =
		emu_async_settle(f, srq->obj.user_handle, srq->events_reported);
	srq_free(srq);
	return events;
}

int emu_cmd_destroy_srq(struct emu_cmd *c)
{
	struct ib_uverbs_destroy_srq_resp resp = {};
	struct emu_srq *srq = (struct emu_srq *)c->obj;

	if (srq->obj.users)
		return -EBUSY;
	resp.events_reported = emu_destroy_srq(srq);
	return emu_cmd_response(c, &resp, sizeof(resp));
}
