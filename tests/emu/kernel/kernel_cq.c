// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Completion channels and completion queues (irdma_create_cq,
 * irdma_resize_cq, irdma_destroy_cq for user CQs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rdma/ib_user_verbs.h>
#include <rdma/irdma-abi.h>

#include "kernel_priv.h"
#include "device/hw.h"

/* offsetofend(user_cq_buf) and offsetofend(cq_size) */
#define EMU_CREATE_CQ_MIN_REQ_LEN 8U
#define EMU_CREATE_CQ_MIN_RESP_LEN 8U
#define EMU_RESIZE_CQ_MIN_REQ_LEN 8U

/* ---- completion channels --------------------------------------------- */

int emu_cmd_create_comp_channel(struct emu_cmd *c)
{
	struct ib_uverbs_create_comp_channel cmd;
	struct ib_uverbs_create_comp_channel_resp resp = {};
	struct emu_comp_channel *ch;
	int process_fd, ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	ch = emu_obj_alloc(c->f, EMU_OBJ_COMP_CHANNEL, sizeof(*ch));
	if (!ch)
		return -errno;
	ret = emu_evq_create(&process_fd, &ch->wfd);
	if (ret) {
		emu_obj_free(&ch->obj);
		return ret;
	}
	ch->rfd = dup(process_fd);
	if (ch->rfd < 0) {
		close(process_fd);
		close(ch->wfd);
		emu_obj_free(&ch->obj);
		return -EMFILE;
	}
	emu_obj_publish(&ch->obj);
	resp.fd = process_fd;
	ret = emu_cmd_response(c, &resp, sizeof(resp));
	if (ret) {
		close(process_fd);
		emu_destroy_comp_channel(ch);
	}
	return ret;
}

void emu_destroy_comp_channel(struct emu_comp_channel *ch)
{
	emu_obj_unpublish(&ch->obj);
	close(ch->rfd);
	close(ch->wfd);
	emu_obj_free(&ch->obj);
}

struct emu_comp_channel *emu_comp_channel_by_fd(struct emu_file *f, int fd)
{
	struct emu_comp_channel *found = NULL;
	struct emu_obj *obj;
	struct stat want, have;

	if (fstat(fd, &want))
		return NULL;
	pthread_mutex_lock(&f->lock);
	for (obj = f->objs[EMU_OBJ_COMP_CHANNEL]; obj; obj = obj->next) {
		struct emu_comp_channel *ch = (struct emu_comp_channel *)obj;

		if (!fstat(ch->rfd, &have) && have.st_ino == want.st_ino &&
		    have.st_dev == want.st_dev) {
			found = ch;
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return found;
}

/* ---- CQs -------------------------------------------------------------- */

static uint32_t cqe_size(const struct emu_device *dev)
{
	return dev->lim.feature_flags & EMU_FEATURE_64_BYTE_CQE ? 64 : 32;
}

/* Does a CQ ring registration hold @entries CQEs? */
static bool ring_fits(const struct emu_mr *ring, uint32_t entries,
		      uint32_t size)
{
	return (uint64_t)entries * size <= ring->cq_pages * EMU_HW_PAGE_SIZE;
}

/* The irdma part of create_cq: rings, shadow area, engine. */
static int cq_setup_rings(struct emu_cmd *c, struct emu_cq *cq,
			  uint32_t entries)
{
	struct emu_device *dev = c->f->dev;
	struct irdma_create_cq_req req;

	if (c->udata.inlen < EMU_CREATE_CQ_MIN_REQ_LEN ||
	    c->udata.outlen < EMU_CREATE_CQ_MIN_RESP_LEN)
		return -EINVAL;
	emu_udata_in(&c->udata, &req, sizeof(req));
	cq->cqe_size = cqe_size(dev);
	cq->ring_entries = entries;
	/* the create names the buffers itself (ring ABI "umem") */
	if (emu_rings_umem(c, EMU_OBJ_CQ))
		return emu_rings_cq_umem(c, cq);

	cq->ring_mr = emu_ring_take(c->f, EMU_MR_CQ, req.user_cq_buf);
	if (!cq->ring_mr)
		return -EPROTO;
	if (!ring_fits(cq->ring_mr, entries, cq->cqe_size))
		return -EINVAL;
	cq->ring_va = emu_ring_device_va(cq->ring_mr, req.user_cq_buf);

	if (dev->lim.feature_flags & EMU_FEATURE_CQ_RESIZE) {
		/* the shadow area is a registration of its own */
		cq->shadow_mr =
			emu_ring_take(c->f, EMU_MR_CQ, req.user_shadow_area);
		if (!cq->shadow_mr)
			return -EPROTO;
		cq->shadow_va = emu_ring_device_va(cq->shadow_mr,
						   req.user_shadow_area);
	} else {
		/* ... or the page after the CQEs */
		cq->shadow_va =
			cq->ring_va + cq->ring_mr->cq_pages * EMU_HW_PAGE_SIZE;
	}
	return 0;
}

static void cq_free(struct emu_cq *cq)
{
	struct emu_device *dev = cq->obj.file->dev;

	emu_ring_release(cq->ring_mr);
	emu_ring_release(cq->shadow_mr);
	emu_obj_put(cq->channel);
	if (cq->cq_id)
		emu_id_free(dev, EMU_OBJ_CQ, cq->cq_id);
	emu_obj_free(&cq->obj);
}

struct cq_create_args {
	uint64_t user_handle;
	uint32_t cqe;
	uint32_t comp_vector;
	int32_t comp_channel;
	uint32_t flags;
};

/* Create the CQ and answer; nothing of it stays behind on failure. */
static int create_cq(struct emu_cmd *c, const struct cq_create_args *a)
{
	struct ib_uverbs_ex_create_cq_resp resp = {};
	struct emu_device *dev = c->f->dev;
	struct irdma_create_cq_resp uresp = {};
	struct emu_comp_channel *ch = NULL;
	struct emu_cq *cq;
	int ret;

	if (a->comp_vector >= EMU_NUM_COMP_VECTORS)
		return -EINVAL;
	if (a->comp_channel >= 0) {
		ch = emu_comp_channel_by_fd(c->f, a->comp_channel);
		if (!ch)
			return -EBADF;
	}
	/* CQE timestamps exist from gen 3 on; overrun-ignoring CQs never */
	if (a->flags & ~(uint32_t)IB_UVERBS_CQ_FLAGS_TIMESTAMP_COMPLETION)
		return -EOPNOTSUPP;
	if (a->flags &&
	    !(dev->lim.feature_flags & EMU_FEATURE_CQE_TIMESTAMPING))
		return -EOPNOTSUPP;
	if (a->cqe < 1 || a->cqe > dev->lim.max_cqe)
		return -EINVAL;

	cq = emu_obj_alloc(c->f, EMU_OBJ_CQ, sizeof(*cq));
	if (!cq)
		return -errno;
	cq->obj.user_handle = a->user_handle;
	cq->comp_vector = a->comp_vector;
	cq->create_flags = a->flags;
	ret = emu_id_alloc(dev, EMU_OBJ_CQ, &cq->cq_id);
	if (ret)
		goto err;
	ret = cq_setup_rings(c, cq, a->cqe);
	if (ret)
		goto err;
	cq->channel = ch;
	if (ch)
		ch->obj.users++;

	pthread_mutex_lock(&dev->lock);
	ret = emu_hw_cq_attach(cq);
	pthread_mutex_unlock(&dev->lock);
	if (ret)
		goto err;
	emu_obj_publish(&cq->obj);
	emu_report_registration(cq->ring_mr);

	uresp.cq_id = cq->cq_id;
	uresp.cq_size = cq->ring_entries;
	resp.base.cq_handle = cq->obj.handle;
	resp.base.cqe = cq->ring_entries;
	resp.response_length = emu_cmd_ex_response_length(c, sizeof(resp));
	/* the legacy response is the extended one's base */
	ret = emu_cmd_answer(c, &resp, c->ex ? sizeof(resp) : sizeof(resp.base),
			     &uresp, sizeof(uresp));
	if (ret) {
		uint32_t a1, a2;

		emu_destroy_cq(cq, &a1, &a2);
	}
	return ret;
err:
	cq_free(cq);
	return ret;
}

static int cq_request(struct emu_cmd *c, struct cq_create_args *a)
{
	struct ib_uverbs_create_cq cmd;
	int ret = emu_cmd_request(c, &cmd, sizeof(cmd));

	*a = (struct cq_create_args){ cmd.user_handle, cmd.cqe, cmd.comp_vector,
				      cmd.comp_channel, 0 };
	return ret;
}

static int cq_request_ex(struct emu_cmd *c, struct cq_create_args *a)
{
	struct ib_uverbs_ex_create_cq cmd;
	int ret = EMU_CMD_REQUEST_EX(c, cmd);

	*a = (struct cq_create_args){ cmd.user_handle, cmd.cqe, cmd.comp_vector,
				      cmd.comp_channel, cmd.flags };
	return ret;
}

int emu_cmd_create_cq(struct emu_cmd *c)
{
	struct cq_create_args a;
	int ret = c->ex ? cq_request_ex(c, &a) : cq_request(c, &a);

	return ret ? ret : create_cq(c, &a);
}

int emu_cmd_resize_cq(struct emu_cmd *c)
{
	struct emu_device *dev = c->f->dev;
	struct ib_uverbs_resize_cq cmd;
	struct ib_uverbs_resize_cq_resp resp = {};
	struct irdma_resize_cq_req req;
	struct emu_mr *ring;
	struct emu_cq *cq = (struct emu_cq *)c->obj;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (!(dev->lim.feature_flags & EMU_FEATURE_CQ_RESIZE))
		return -EOPNOTSUPP;
	if (c->udata.inlen < EMU_RESIZE_CQ_MIN_REQ_LEN)
		return -EINVAL;
	if (cmd.cqe < 1 || cmd.cqe > dev->lim.max_cqe)
		return -EINVAL;
	emu_udata_in(&c->udata, &req, sizeof(req));
	ring = emu_ring_take(c->f, EMU_MR_CQ, req.user_cq_buffer);
	if (!ring)
		return -ENOMEM;
	if (!ring_fits(ring, cmd.cqe, cq->cqe_size)) {
		emu_ring_release(ring);
		return -EINVAL;
	}

	pthread_mutex_lock(&dev->lock);
	ret = emu_hw_cq_resize(cq, req.user_cq_buffer, cmd.cqe);
	if (!ret) {
		emu_ring_release(cq->ring_mr);
		cq->ring_mr = ring;
		cq->ring_va = emu_ring_device_va(ring, req.user_cq_buffer);
		cq->ring_entries = cmd.cqe;
	}
	pthread_mutex_unlock(&dev->lock);
	if (ret) {
		emu_ring_release(ring);
		return ret;
	}
	resp.cqe = cq->ring_entries;
	return emu_cmd_response(c, &resp, sizeof(resp));
}

void emu_destroy_cq(struct emu_cq *cq, uint32_t *comp_events,
		    uint32_t *async_events)
{
	struct emu_file *f = cq->obj.file;
	struct emu_device *dev = f->dev;
	uint32_t unread = 0;

	pthread_mutex_lock(&dev->lock);
	emu_hw_cq_detach(cq);
	pthread_mutex_unlock(&dev->lock);
	emu_obj_unpublish(&cq->obj);

	/* events never read are forgotten, and not reported */
	if (cq->channel)
		unread = emu_evq_purge(cq->channel->rfd, cq->channel->wfd,
				       sizeof(struct ib_uverbs_comp_event_desc),
				       cq->obj.user_handle);
	*comp_events = cq->comp_events_reported - unread;
	*async_events = emu_async_settle(f, cq->obj.user_handle,
					 cq->async_events_reported);
	cq_free(cq);
}

int emu_cmd_destroy_cq(struct emu_cmd *c)
{
	struct ib_uverbs_destroy_cq_resp resp = {};
	struct emu_cq *cq = (struct emu_cq *)c->obj;

	if (cq->obj.users)
		return -EBUSY;
	emu_destroy_cq(cq, &resp.comp_events_reported,
		       &resp.async_events_reported);
	return emu_cmd_response(c, &resp, sizeof(resp));
}

int emu_cmd_req_notify_cq(struct emu_cmd *c)
{
	struct ib_uverbs_req_notify_cq cmd;
	struct emu_cq *cq = (struct emu_cq *)c->obj;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	cq->arm_solicited_only = cmd.solicited_only;
	cq->armed = true;
	emu_hw_cq_arm(cq);
	return 0;
}
