/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Raw RDMA_VERBS_IOCTL calls for the kernel-model tests: a header and its
 * attributes built by hand, the way libibverbs' command buffers do, so
 * that malformed ones can be sent too.
 */
#ifndef IRDMA_TESTS_KERNEL_IOCTL_UTIL_H
#define IRDMA_TESTS_KERNEL_IOCTL_UTIL_H

#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/rdma_user_ioctl_cmds.h>

#include "kernel_util.h"

#define KIO_MAX_ATTRS 32

/* One call under construction. */
struct kio {
	struct ib_uverbs_ioctl_hdr hdr;
	struct ib_uverbs_attr attr[KIO_MAX_ATTRS];
};

void kio_init(struct kio *k, uint16_t object, uint16_t method);
/*
 * Attributes, mandatory unless kio_optional() is applied. An input of up
 * to 8 bytes is inline, a longer one by pointer; outputs are pointers.
 */
struct ib_uverbs_attr *kio_in(struct kio *k, uint16_t id, const void *data,
			      uint16_t len);
struct ib_uverbs_attr *kio_u64(struct kio *k, uint16_t id, uint64_t v);
struct ib_uverbs_attr *kio_u32(struct kio *k, uint16_t id, uint32_t v);
struct ib_uverbs_attr *kio_out(struct kio *k, uint16_t id, void *buf,
			       uint16_t len);
/* A handle (IDR, READ or DESTROY) or an fd (FD, RAW_FD): len 0 */
struct ib_uverbs_attr *kio_obj(struct kio *k, uint16_t id, int64_t v);
/* A NEW handle or fd: the kernel writes it to attr->data */
struct ib_uverbs_attr *kio_new(struct kio *k, uint16_t id);
struct ib_uverbs_attr *kio_optional(struct ib_uverbs_attr *a);

/* Send it: 0 or the errno. hdr.length and driver_id are filled in. */
int kio_run(int fd, struct kio *k);
/* The same with the header as the caller left it (malformed ones). */
int kio_run_raw(int fd, struct kio *k);

/* Did the kernel mark @a as a written output? */
bool kio_valid(const struct ib_uverbs_attr *a);

/* ---- whole methods ---------------------------------------------------- */

/* GET_CONTEXT + ASYNC_EVENT_ALLOC, as libibverbs opens a device on 7.2. */
int kio_open_context(struct kt_ctx *c);
/* ... asking for irdma's @comp_mask bits as well */
int kio_open_context_mask(struct kt_ctx *c, uint64_t comp_mask);
/* A write() command through DEVICE.INVOKE_WRITE. */
int kio_invoke_write(int fd, uint32_t cmd, const void *core, uint16_t core_len,
		     void *resp, uint16_t resp_len, const void *drv,
		     uint16_t drv_len, void *drv_resp, uint16_t drv_resp_len);
/* Where a create's outputs land (kio_cq_build, kio_qp_build). */
struct kio_out {
	struct irdma_create_cq_resp cq_uresp;
	struct irdma_create_qp_resp qp_uresp;
	struct ib_uverbs_qp_cap rcap;
	uint32_t cqe, qpn;
};
/*
 * Build, not send, a CQ.CREATE of @cqe CQEs with irdma's request @req, or
 * an RC QP.CREATE on @pd with @cq for both queues, capabilities @cap
 * (@cap_len bytes) and request @req; more attributes may follow. The
 * attributes come in a fixed order (QP: NEW, PD, SEND_CQ, RECV_CQ,
 * USER_HANDLE, CAP, TYPE, RESP_CAP, RESP_QP_NUM, UHW_IN, UHW_OUT).
 * Returns the NEW attribute, whose data is the handle after the call.
 */
struct ib_uverbs_attr *kio_cq_build(struct kio *k, uint32_t cqe,
				    const struct irdma_create_cq_req *req,
				    struct kio_out *out);
struct ib_uverbs_attr *kio_qp_build(struct kio *k, uint32_t pd, uint32_t cq,
				    const void *cap, uint16_t cap_len,
				    const struct irdma_create_qp_req *req,
				    struct kio_out *out);
/* CQ.CREATE of @cqe CQEs over the ring registration at @ring (VA). */
int kio_create_cq(struct kt_ctx *c, uint32_t cqe, void *ring, void *shadow,
		  uint32_t *handle);
int kio_destroy_cq(struct kt_ctx *c, uint32_t handle);
/* QP.CREATE (RC, @wr deep) over the ring registration at @ring. */
int kio_create_qp(struct kt_ctx *c, uint32_t pd, uint32_t cq, void *ring,
		  uint32_t wr, uint32_t *handle);
int kio_destroy_qp(struct kt_ctx *c, uint32_t handle);
int kio_destroy(struct kt_ctx *c, uint16_t object, uint16_t method,
		uint16_t attr, uint32_t handle);

#endif /* IRDMA_TESTS_KERNEL_IOCTL_UTIL_H */
