// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Raw RDMA_VERBS_IOCTL helpers of the kernel-model tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/ioctl.h>

#include "kernel_ioctl_util.h"

void kio_init(struct kio *k, uint16_t object, uint16_t method)
{
	memset(k, 0, sizeof(*k));
	k->hdr.object_id = object;
	k->hdr.method_id = method;
}

static struct ib_uverbs_attr *next_attr(struct kio *k, uint16_t id)
{
	struct ib_uverbs_attr *a;

	if (k->hdr.num_attrs >= KIO_MAX_ATTRS) {
		fprintf(stderr, "FAIL: more than %d attributes\n",
			KIO_MAX_ATTRS);
		exit(1);
	}
	a = &k->attr[k->hdr.num_attrs++];
	a->attr_id = id;
	a->flags = UVERBS_ATTR_F_MANDATORY;
	return a;
}

struct ib_uverbs_attr *kio_in(struct kio *k, uint16_t id, const void *data,
			      uint16_t len)
{
	struct ib_uverbs_attr *a = next_attr(k, id);

	a->len = len;
	if (len <= sizeof(a->data))
		memcpy(&a->data, data, len);
	else
		a->data = (uintptr_t)data;
	return a;
}

struct ib_uverbs_attr *kio_u64(struct kio *k, uint16_t id, uint64_t v)
{
	return kio_in(k, id, &v, sizeof(v));
}

struct ib_uverbs_attr *kio_u32(struct kio *k, uint16_t id, uint32_t v)
{
	return kio_in(k, id, &v, sizeof(v));
}

struct ib_uverbs_attr *kio_out(struct kio *k, uint16_t id, void *buf,
			       uint16_t len)
{
	struct ib_uverbs_attr *a = next_attr(k, id);

	a->len = len;
	a->data = (uintptr_t)buf;
	return a;
}

struct ib_uverbs_attr *kio_obj(struct kio *k, uint16_t id, int64_t v)
{
	struct ib_uverbs_attr *a = next_attr(k, id);

	a->data_s64 = v;
	return a;
}

struct ib_uverbs_attr *kio_new(struct kio *k, uint16_t id)
{
	return kio_obj(k, id, 0);
}

struct ib_uverbs_attr *kio_optional(struct ib_uverbs_attr *a)
{
	a->flags &= ~UVERBS_ATTR_F_MANDATORY;
	return a;
}

int kio_run_raw(int fd, struct kio *k)
{
	return ioctl(fd, RDMA_VERBS_IOCTL, &k->hdr) ? errno : 0;
}

int kio_run(int fd, struct kio *k)
{
	k->hdr.length = sizeof(k->hdr) + k->hdr.num_attrs * sizeof(k->attr[0]);
	k->hdr.driver_id = RDMA_DRIVER_IRDMA;
	return kio_run_raw(fd, k);
}

bool kio_valid(const struct ib_uverbs_attr *a)
{
	return a->flags & UVERBS_ATTR_F_VALID_OUTPUT;
}

int kio_invoke_write(int fd, uint32_t cmd, const void *core, uint16_t core_len,
		     void *resp, uint16_t resp_len, const void *drv,
		     uint16_t drv_len, void *drv_resp, uint16_t drv_resp_len)
{
	struct kio k;

	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_INVOKE_WRITE);
	kio_u64(&k, UVERBS_ATTR_WRITE_CMD, cmd);
	if (core_len)
		kio_in(&k, UVERBS_ATTR_CORE_IN, core, core_len);
	if (resp_len)
		kio_out(&k, UVERBS_ATTR_CORE_OUT, resp, resp_len);
	if (drv_len)
		kio_in(&k, UVERBS_ATTR_UHW_IN, drv, drv_len);
	if (drv_resp_len)
		kio_out(&k, UVERBS_ATTR_UHW_OUT, drv_resp, drv_resp_len);
	return kio_run(fd, &k);
}

int kio_open_context(struct kt_ctx *c)
{
	return kio_open_context_mask(c, 0);
}

int kio_open_context_mask(struct kt_ctx *c, uint64_t comp_mask)
{
	struct irdma_alloc_ucontext_req req = {
		.userspace_ver = 5,
		.comp_mask = IRDMA_ALLOC_UCTX_USE_RAW_ATTR |
			     IRDMA_SUPPORT_WQE_FORMAT_V2 | comp_mask,
	};
	uint32_t vectors = 0;
	uint64_t support = 0;
	struct ib_uverbs_attr *fd;
	struct kio k;
	int ret;

	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_GET_CONTEXT);
	kio_out(&k, UVERBS_ATTR_GET_CONTEXT_NUM_COMP_VECTORS, &vectors,
		sizeof(vectors));
	kio_out(&k, UVERBS_ATTR_GET_CONTEXT_CORE_SUPPORT, &support,
		sizeof(support));
	kio_in(&k, UVERBS_ATTR_UHW_IN, &req, sizeof(req));
	kio_out(&k, UVERBS_ATTR_UHW_OUT, &c->uctx, sizeof(c->uctx));
	ret = kio_run(c->fd, &k);
	if (ret)
		return ret;
	kio_init(&k, UVERBS_OBJECT_ASYNC_EVENT,
		 UVERBS_METHOD_ASYNC_EVENT_ALLOC);
	fd = kio_new(&k, UVERBS_ATTR_ASYNC_EVENT_ALLOC_FD_HANDLE);
	ret = kio_run(c->fd, &k);
	if (!ret)
		c->async_fd = (int)fd->data_s64;
	return ret;
}

struct ib_uverbs_attr *kio_cq_build(struct kio *k, uint32_t cqe,
				    const struct irdma_create_cq_req *req,
				    struct kio_out *out)
{
	struct ib_uverbs_attr *h;

	kio_init(k, UVERBS_OBJECT_CQ, UVERBS_METHOD_CQ_CREATE);
	h = kio_new(k, UVERBS_ATTR_CREATE_CQ_HANDLE);
	kio_u32(k, UVERBS_ATTR_CREATE_CQ_CQE, cqe);
	kio_u64(k, UVERBS_ATTR_CREATE_CQ_USER_HANDLE, 0x1234);
	kio_u32(k, UVERBS_ATTR_CREATE_CQ_COMP_VECTOR, 0);
	kio_out(k, UVERBS_ATTR_CREATE_CQ_RESP_CQE, &out->cqe, sizeof(out->cqe));
	kio_in(k, UVERBS_ATTR_UHW_IN, req, sizeof(*req));
	kio_out(k, UVERBS_ATTR_UHW_OUT, &out->cq_uresp, sizeof(out->cq_uresp));
	return h;
}

int kio_create_cq(struct kt_ctx *c, uint32_t cqe, void *ring, void *shadow,
		  uint32_t *handle)
{
	struct irdma_create_cq_req req = {
		.user_cq_buf = (uintptr_t)ring,
		.user_shadow_area = (uintptr_t)shadow,
	};
	struct kio_out out;
	struct kio k;
	struct ib_uverbs_attr *h = kio_cq_build(&k, cqe, &req, &out);
	int ret = kio_run(c->fd, &k);

	if (!ret && handle)
		*handle = (uint32_t)h->data;
	return ret;
}

int kio_destroy(struct kt_ctx *c, uint16_t object, uint16_t method,
		uint16_t attr, uint32_t handle)
{
	struct kio k;

	kio_init(&k, object, method);
	kio_obj(&k, attr, handle);
	return kio_run(c->fd, &k);
}

int kio_destroy_cq(struct kt_ctx *c, uint32_t handle)
{
	struct ib_uverbs_destroy_cq_resp resp;
	struct kio k;

	kio_init(&k, UVERBS_OBJECT_CQ, UVERBS_METHOD_CQ_DESTROY);
	kio_obj(&k, UVERBS_ATTR_DESTROY_CQ_HANDLE, handle);
	kio_out(&k, UVERBS_ATTR_DESTROY_CQ_RESP, &resp, sizeof(resp));
	return kio_run(c->fd, &k);
}

struct ib_uverbs_attr *kio_qp_build(struct kio *k, uint32_t pd, uint32_t cq,
				    const void *cap, uint16_t cap_len,
				    const struct irdma_create_qp_req *req,
				    struct kio_out *out)
{
	struct ib_uverbs_attr *h;

	kio_init(k, UVERBS_OBJECT_QP, UVERBS_METHOD_QP_CREATE);
	h = kio_new(k, UVERBS_ATTR_CREATE_QP_HANDLE);
	kio_obj(k, UVERBS_ATTR_CREATE_QP_PD_HANDLE, pd);
	kio_obj(k, UVERBS_ATTR_CREATE_QP_SEND_CQ_HANDLE, cq);
	kio_obj(k, UVERBS_ATTR_CREATE_QP_RECV_CQ_HANDLE, cq);
	kio_u64(k, UVERBS_ATTR_CREATE_QP_USER_HANDLE, 0x9abc);
	kio_in(k, UVERBS_ATTR_CREATE_QP_CAP, cap, cap_len);
	kio_u64(k, UVERBS_ATTR_CREATE_QP_TYPE, IB_UVERBS_QPT_RC);
	kio_out(k, UVERBS_ATTR_CREATE_QP_RESP_CAP, &out->rcap,
		sizeof(out->rcap));
	kio_out(k, UVERBS_ATTR_CREATE_QP_RESP_QP_NUM, &out->qpn,
		sizeof(out->qpn));
	kio_in(k, UVERBS_ATTR_UHW_IN, req, sizeof(*req));
	kio_out(k, UVERBS_ATTR_UHW_OUT, &out->qp_uresp, sizeof(out->qp_uresp));
	return h;
}

int kio_create_qp(struct kt_ctx *c, uint32_t pd, uint32_t cq, void *ring,
		  uint32_t wr, uint32_t *handle)
{
	struct ib_uverbs_qp_cap cap = {
		.max_send_wr = wr,
		.max_recv_wr = wr,
		.max_send_sge = 1,
		.max_recv_sge = 1,
	};
	struct irdma_create_qp_req req = {
		.user_wqe_bufs = (uintptr_t)ring,
		.user_compl_ctx = 0x5678,
	};
	struct kio_out out;
	struct kio k;
	struct ib_uverbs_attr *h =
		kio_qp_build(&k, pd, cq, &cap, sizeof(cap), &req, &out);
	int ret = kio_run(c->fd, &k);

	if (!ret && handle)
		*handle = (uint32_t)h->data;
	return ret;
}

int kio_destroy_qp(struct kt_ctx *c, uint32_t handle)
{
	struct ib_uverbs_destroy_qp_resp resp;
	struct kio k;

	kio_init(&k, UVERBS_OBJECT_QP, UVERBS_METHOD_QP_DESTROY);
	kio_obj(&k, UVERBS_ATTR_DESTROY_QP_HANDLE, handle);
	kio_out(&k, UVERBS_ATTR_DESTROY_QP_RESP, &resp, sizeof(resp));
	return kio_run(c->fd, &k);
}
