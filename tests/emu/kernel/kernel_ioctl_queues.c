// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ioctl methods of the CQ, QP and SRQ objects (uverbs_std_types_cq.c,
 * _qp.c, _srq.c): CREATE and DESTROY.
 *
 * The core checks of each method are done here, in the kernel's order;
 * the rest is the driver's create, which is the write() handler of
 * kernel_cq.c / kernel_qp.c / kernel_srq.c run on the request those checks
 * assembled. The handler sees the bundle (emu_cmd.ioctl): that is how the
 * 7.2 UMEM attributes and irdma's driver attributes reach the rings code
 * (kernel_rings.c).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <rdma/ib_user_verbs.h>
#include <rdma/irdma_user_ioctl_cmds.h>

#include "kernel_ioctl.h"

/* An extended write() command number (they share the legacy numbers). */
#define EMU_EX(cmd) \
	(IB_USER_VERBS_CMD_FLAG_EXTENDED | IB_USER_VERBS_EX_CMD_##cmd)
/* ib_uverbs_ex_create_cq_flags the core passes on to the driver */
#define EMU_CQ_CREATE_FLAGS                        \
	(IB_UVERBS_CQ_FLAGS_TIMESTAMP_COMPLETION | \
	 IB_UVERBS_CQ_FLAGS_IGNORE_OVERRUN)
#define EMU_QP_CREATE_FLAGS                             \
	(IB_UVERBS_QP_CREATE_BLOCK_MULTICAST_LOOPBACK | \
	 IB_UVERBS_QP_CREATE_SCATTER_FCS |              \
	 IB_UVERBS_QP_CREATE_CVLAN_STRIPPING |          \
	 IB_UVERBS_QP_CREATE_PCI_WRITE_END_PADDING |    \
	 IB_UVERBS_QP_CREATE_SQ_SIG_ALL)
/* ib_qp_create_flags the core sets for a SOURCE_QPN attribute */
#define EMU_QP_CREATE_SOURCE_QPN (1U << 10)
/* enum ib_qp_type values of the QP types the core knows */
#define EMU_QPT_UC 3
#define EMU_QPT_RAW_PACKET 8
#define EMU_QPT_XRC_INI 9
#define EMU_QPT_XRC_TGT 10
#define EMU_QPT_DRIVER 0xff

/*
 * The handle a create's write() handler put in its response becomes the
 * NEW attribute's; if the caller cannot be told, the object goes again.
 */
static int publish_new(struct emu_bundle *b, uint16_t id, uint32_t handle,
		       enum emu_obj_type type)
{
	int ret = emu_attr_new_id(b, id, handle);

	if (ret)
		emu_ioctl_undo_create(b->f, type, handle);
	return ret;
}

/* Outputs written after the object exists: a failure undoes it. */
static int answer(struct emu_bundle *b, int ret, enum emu_obj_type type,
		  uint32_t handle)
{
	if (ret)
		emu_ioctl_undo_create(b->f, type, handle);
	return ret;
}

/* A DESTROY method: the write() handler, its response as the attribute. */
static int destroy_by_write(struct emu_bundle *b, uint16_t handle_id,
			    uint32_t cmd, uint16_t resp_id, void *resp,
			    size_t resp_len)
{
	/* ib_uverbs_destroy_{cq,qp,srq}: response, handle, reserved */
	struct ib_uverbs_destroy_cq req = {
		.cq_handle = emu_attr_obj(b, handle_id)->handle,
	};
	struct emu_cmd c;
	int ret;

	emu_ioctl_cmd(b, &c, &req, sizeof(req), resp, resp_len);
	ret = emu_kernel_run_write(&c, cmd, false);
	return ret ? ret : emu_attr_copy_out(b, resp_id, resp, resp_len);
}

/* ---- CQ ------------------------------------------------------------------ */

static int cq_create(struct emu_bundle *b)
{
	struct ib_uverbs_ex_create_cq req = { .comp_channel = -1 };
	struct ib_uverbs_ex_create_cq_resp resp = {};
	struct emu_cmd c;
	int ret;

	ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_CQ_COMP_VECTOR,
			       &req.comp_vector, sizeof(req.comp_vector));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_CQ_CQE, &req.cqe,
				       sizeof(req.cqe));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_CQ_USER_HANDLE,
				       &req.user_handle,
				       sizeof(req.user_handle));
	if (!ret)
		ret = emu_attr_flags32(b, UVERBS_ATTR_CREATE_CQ_FLAGS,
				       EMU_CQ_CREATE_FLAGS, &req.flags);
	if (ret)
		return ret;
	if (emu_attr_has(b, UVERBS_ATTR_CREATE_CQ_COMP_CHANNEL))
		req.comp_channel = (int32_t)emu_attr_data(
			b, UVERBS_ATTR_CREATE_CQ_COMP_CHANNEL);
	if (req.comp_vector >= 1)
		return -EINVAL;

	emu_ioctl_cmd(b, &c, &req, sizeof(req), &resp, sizeof(resp));
	ret = emu_kernel_run_write(&c, EMU_EX(CREATE_CQ), false);
	if (ret)
		return ret;
	ret = publish_new(b, UVERBS_ATTR_CREATE_CQ_HANDLE, resp.base.cq_handle,
			  EMU_OBJ_CQ);
	if (ret)
		return ret;
	return answer(b,
		      emu_attr_copy_out(b, UVERBS_ATTR_CREATE_CQ_RESP_CQE,
					&resp.base.cqe, sizeof(resp.base.cqe)),
		      EMU_OBJ_CQ, resp.base.cq_handle);
}

static const struct emu_attr_spec cq_create_attrs[] = {
	EMU_IDR(UVERBS_ATTR_CREATE_CQ_HANDLE, EMU_OBJ_CQ, EMU_ACCESS_NEW, true),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_CQ_CQE, uint32_t, true),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_CQ_USER_HANDLE, uint64_t, true),
	EMU_FD(UVERBS_ATTR_CREATE_CQ_COMP_CHANNEL, EMU_FDC_COMP_CHANNEL,
	       EMU_ACCESS_READ, false),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_CQ_COMP_VECTOR, uint32_t, true),
	EMU_FLAGS_IN(UVERBS_ATTR_CREATE_CQ_FLAGS, false),
	EMU_OUT_TYPE(UVERBS_ATTR_CREATE_CQ_RESP_CQE, uint32_t, true),
	EMU_FD(UVERBS_ATTR_CREATE_CQ_EVENT_FD, EMU_FDC_ASYNC_EVENT,
	       EMU_ACCESS_READ, false),
	/* the legacy buffer attributes and 7.2's UMEM: for drivers to use */
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_CQ_BUFFER_VA, uint64_t, false),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_CQ_BUFFER_LENGTH, uint64_t, false),
	EMU_RAW_FD(UVERBS_ATTR_CREATE_CQ_BUFFER_FD, false),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_CQ_BUFFER_OFFSET, uint64_t, false),
	EMU_UMEM(UVERBS_ATTR_CREATE_CQ_BUF_UMEM, false),
	EMU_UHW,
	{ .id = IRDMA_IB_ATTR_CREATE_CQ_SHADOW_BUF_UMEM,
	  .name = "IRDMA_IB_ATTR_CREATE_CQ_SHADOW_BUF_UMEM",
	  .type = EMU_ATTR_PTR_IN,
	  .min_len = sizeof(struct ib_uverbs_buffer_desc),
	  .len = sizeof(struct ib_uverbs_buffer_desc),
	  .ring_abi = EMU_RING_ABI_UMEM },
};

static int cq_destroy(struct emu_bundle *b)
{
	struct ib_uverbs_destroy_cq_resp resp = {};

	return destroy_by_write(
		b, UVERBS_ATTR_DESTROY_CQ_HANDLE, IB_USER_VERBS_CMD_DESTROY_CQ,
		UVERBS_ATTR_DESTROY_CQ_RESP, &resp, sizeof(resp));
}

static const struct emu_attr_spec cq_destroy_attrs[] = {
	EMU_IDR(UVERBS_ATTR_DESTROY_CQ_HANDLE, EMU_OBJ_CQ, EMU_ACCESS_DESTROY,
		true),
	EMU_OUT_TYPE(UVERBS_ATTR_DESTROY_CQ_RESP,
		     struct ib_uverbs_destroy_cq_resp, true),
};

/* ---- QP ------------------------------------------------------------------ */

static uint32_t handle_of(const struct emu_bundle *b, uint16_t id)
{
	const struct emu_obj *o = emu_attr_obj(b, id);

	return o ? o->handle : 0;
}

/* The object attributes of a QP type (the core's switch on qp_type). */
static int qp_objects(const struct emu_bundle *b, int64_t type,
		      struct ib_uverbs_ex_create_qp *req)
{
	switch (type) {
	case EMU_QPT_XRC_TGT:
		/* needs an XRCD, an object irdma does not have */
		return -ENOENT;
	case IB_UVERBS_QPT_RC:
	case EMU_QPT_UC:
	case IB_UVERBS_QPT_UD:
	case EMU_QPT_RAW_PACKET:
	case EMU_QPT_XRC_INI:
	case EMU_QPT_DRIVER:
		break;
	default:
		return -EINVAL;
	}
	if (type == EMU_QPT_XRC_INI &&
	    emu_attr_has(b, UVERBS_ATTR_CREATE_QP_SRQ_HANDLE))
		return -EINVAL;
	if (!emu_attr_has(b, UVERBS_ATTR_CREATE_QP_PD_HANDLE) ||
	    !emu_attr_has(b, UVERBS_ATTR_CREATE_QP_SEND_CQ_HANDLE))
		return -ENOENT;
	req->pd_handle = handle_of(b, UVERBS_ATTR_CREATE_QP_PD_HANDLE);
	req->send_cq_handle =
		handle_of(b, UVERBS_ATTR_CREATE_QP_SEND_CQ_HANDLE);
	if (type == EMU_QPT_XRC_INI) {
		req->recv_cq_handle = req->send_cq_handle;
	} else {
		if (!emu_attr_has(b, UVERBS_ATTR_CREATE_QP_RECV_CQ_HANDLE))
			return -ENOENT;
		req->recv_cq_handle =
			handle_of(b, UVERBS_ATTR_CREATE_QP_RECV_CQ_HANDLE);
	}
	if (emu_attr_has(b, UVERBS_ATTR_CREATE_QP_SRQ_HANDLE)) {
		req->srq_handle =
			handle_of(b, UVERBS_ATTR_CREATE_QP_SRQ_HANDLE);
		req->is_srq = 1;
	}
	return 0;
}

/* check_creation_flags(): what the core allows per QP type. */
static int qp_flags(const struct emu_bundle *b, int64_t type,
		    struct ib_uverbs_ex_create_qp *req)
{
	uint32_t flags, rest;
	int ret;

	ret = emu_attr_flags32(b, UVERBS_ATTR_CREATE_QP_FLAGS,
			       EMU_QP_CREATE_FLAGS, &flags);
	if (ret)
		return ret;
	rest = flags & ~(uint32_t)IB_UVERBS_QP_CREATE_SQ_SIG_ALL;
	if (rest && type != EMU_QPT_DRIVER) {
		if (type != EMU_QPT_RAW_PACKET && type != IB_UVERBS_QPT_UD)
			return -EINVAL;
		if ((rest & (IB_UVERBS_QP_CREATE_SCATTER_FCS |
			     IB_UVERBS_QP_CREATE_CVLAN_STRIPPING)) &&
		    type != EMU_QPT_RAW_PACKET)
			return -EINVAL;
	}
	req->sq_sig_all = !!(flags & IB_UVERBS_QP_CREATE_SQ_SIG_ALL);
	req->create_flags = rest;
	if (emu_attr_has(b, UVERBS_ATTR_CREATE_QP_SOURCE_QPN)) {
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_QP_SOURCE_QPN,
				       &req->source_qpn,
				       sizeof(req->source_qpn));
		if (ret)
			return ret;
		req->create_flags |= EMU_QP_CREATE_SOURCE_QPN;
	}
	return 0;
}

static int qp_create(struct emu_bundle *b)
{
	struct ib_uverbs_ex_create_qp req = {};
	struct ib_uverbs_ex_create_qp_resp resp = {};
	struct ib_uverbs_qp_cap cap;
	struct emu_cmd c;
	int64_t type;
	int ret;

	ret = emu_attr_copy_in_or_zero(b, UVERBS_ATTR_CREATE_QP_CAP, &cap,
				       sizeof(cap));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_QP_USER_HANDLE,
				       &req.user_handle,
				       sizeof(req.user_handle));
	if (!ret)
		ret = emu_attr_const(b, UVERBS_ATTR_CREATE_QP_TYPE, INT_MIN,
				     INT_MAX, &type);
	if (!ret)
		ret = qp_objects(b, type, &req);
	if (!ret)
		ret = qp_flags(b, type, &req);
	if (ret)
		return ret;
	req.qp_type = (uint8_t)type;
	req.max_send_wr = cap.max_send_wr;
	req.max_recv_wr = cap.max_recv_wr;
	req.max_send_sge = cap.max_send_sge;
	req.max_recv_sge = cap.max_recv_sge;
	req.max_inline_data = cap.max_inline_data;
	/* an unknown QP type must not become a known one by truncation */
	if (type != req.qp_type)
		return -EOPNOTSUPP;

	emu_ioctl_cmd(b, &c, &req, sizeof(req), &resp, sizeof(resp));
	ret = emu_kernel_run_write(&c, EMU_EX(CREATE_QP), false);
	if (ret)
		return ret;
	ret = publish_new(b, UVERBS_ATTR_CREATE_QP_HANDLE, resp.base.qp_handle,
			  EMU_OBJ_QP);
	if (ret)
		return ret;
	cap = (struct ib_uverbs_qp_cap){
		.max_send_wr = resp.base.max_send_wr,
		.max_recv_wr = resp.base.max_recv_wr,
		.max_send_sge = resp.base.max_send_sge,
		.max_recv_sge = resp.base.max_recv_sge,
		.max_inline_data = resp.base.max_inline_data,
	};
	ret = emu_attr_copy_out_or_zero(b, UVERBS_ATTR_CREATE_QP_RESP_CAP, &cap,
					sizeof(cap));
	if (!ret)
		ret = emu_attr_copy_out(b, UVERBS_ATTR_CREATE_QP_RESP_QP_NUM,
					&resp.base.qpn, sizeof(resp.base.qpn));
	return answer(b, ret, EMU_OBJ_QP, resp.base.qp_handle);
}

/*
 * XRCD_HANDLE and IND_TABLE_HANDLE name objects irdma does not have: the
 * kernel drops them from the method, so they are unknown attributes.
 */
static const struct emu_attr_spec qp_create_attrs[] = {
	EMU_IDR(UVERBS_ATTR_CREATE_QP_HANDLE, EMU_OBJ_QP, EMU_ACCESS_NEW, true),
	EMU_IDR(UVERBS_ATTR_CREATE_QP_PD_HANDLE, EMU_OBJ_PD, EMU_ACCESS_READ,
		false),
	EMU_IDR(UVERBS_ATTR_CREATE_QP_SRQ_HANDLE, EMU_OBJ_SRQ, EMU_ACCESS_READ,
		false),
	EMU_IDR(UVERBS_ATTR_CREATE_QP_SEND_CQ_HANDLE, EMU_OBJ_CQ,
		EMU_ACCESS_READ, false),
	EMU_IDR(UVERBS_ATTR_CREATE_QP_RECV_CQ_HANDLE, EMU_OBJ_CQ,
		EMU_ACCESS_READ, false),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_QP_USER_HANDLE, uint64_t, true),
	EMU_STRUCT(EMU_ATTR_PTR_IN, UVERBS_ATTR_CREATE_QP_CAP,
		   struct ib_uverbs_qp_cap, max_inline_data, true),
	EMU_CONST_IN(UVERBS_ATTR_CREATE_QP_TYPE, true),
	EMU_FLAGS_IN(UVERBS_ATTR_CREATE_QP_FLAGS, false),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_QP_SOURCE_QPN, uint32_t, false),
	EMU_FD(UVERBS_ATTR_CREATE_QP_EVENT_FD, EMU_FDC_ASYNC_EVENT,
	       EMU_ACCESS_READ, false),
	EMU_STRUCT(EMU_ATTR_PTR_OUT, UVERBS_ATTR_CREATE_QP_RESP_CAP,
		   struct ib_uverbs_qp_cap, max_inline_data, true),
	EMU_OUT_TYPE(UVERBS_ATTR_CREATE_QP_RESP_QP_NUM, uint32_t, true),
	EMU_UMEM(UVERBS_ATTR_CREATE_QP_BUF_UMEM, false),
	EMU_UMEM(UVERBS_ATTR_CREATE_QP_RQ_BUF_UMEM, false),
	EMU_UMEM(UVERBS_ATTR_CREATE_QP_SQ_BUF_UMEM, false),
	EMU_UHW,
};

static int qp_destroy(struct emu_bundle *b)
{
	struct ib_uverbs_destroy_qp_resp resp = {};

	return destroy_by_write(
		b, UVERBS_ATTR_DESTROY_QP_HANDLE, IB_USER_VERBS_CMD_DESTROY_QP,
		UVERBS_ATTR_DESTROY_QP_RESP, &resp, sizeof(resp));
}

static const struct emu_attr_spec qp_destroy_attrs[] = {
	EMU_IDR(UVERBS_ATTR_DESTROY_QP_HANDLE, EMU_OBJ_QP, EMU_ACCESS_DESTROY,
		true),
	EMU_OUT_TYPE(UVERBS_ATTR_DESTROY_QP_RESP,
		     struct ib_uverbs_destroy_qp_resp, true),
};

/* ---- SRQ ----------------------------------------------------------------- */

static int srq_create(struct emu_bundle *b)
{
	struct ib_uverbs_create_srq req = {};
	struct ib_uverbs_create_srq_resp resp = {};
	struct emu_cmd c;
	int64_t type;
	int ret;

	ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_SRQ_MAX_SGE, &req.max_sge,
			       sizeof(req.max_sge));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_SRQ_MAX_WR,
				       &req.max_wr, sizeof(req.max_wr));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_SRQ_LIMIT,
				       &req.srq_limit, sizeof(req.srq_limit));
	if (!ret)
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CREATE_SRQ_USER_HANDLE,
				       &req.user_handle,
				       sizeof(req.user_handle));
	if (!ret)
		ret = emu_attr_const(b, UVERBS_ATTR_CREATE_SRQ_TYPE, INT_MIN,
				     INT_MAX, &type);
	if (ret)
		return ret;
	/* XRC and tag-matching SRQs have a CQ */
	if ((type == IB_UVERBS_SRQT_XRC || type == IB_UVERBS_SRQT_TM) &&
	    !emu_attr_has(b, UVERBS_ATTR_CREATE_SRQ_CQ_HANDLE))
		return -ENOENT;
	switch (type) {
	case IB_UVERBS_SRQT_XRC:
		return -ENOENT; /* its XRCD: no such object on irdma */
	case IB_UVERBS_SRQT_TM:
		if (!emu_attr_has(b, UVERBS_ATTR_CREATE_SRQ_MAX_NUM_TAGS))
			return -ENOENT;
		return -EOPNOTSUPP; /* irdma_create_srq(): basic SRQs only */
	case IB_UVERBS_SRQT_BASIC:
		break;
	default:
		return -EINVAL;
	}
	req.pd_handle = handle_of(b, UVERBS_ATTR_CREATE_SRQ_PD_HANDLE);

	emu_ioctl_cmd(b, &c, &req, sizeof(req), &resp, sizeof(resp));
	ret = emu_kernel_run_write(&c, IB_USER_VERBS_CMD_CREATE_SRQ, false);
	if (ret)
		return ret;
	ret = publish_new(b, UVERBS_ATTR_CREATE_SRQ_HANDLE, resp.srq_handle,
			  EMU_OBJ_SRQ);
	if (ret)
		return ret;
	ret = emu_attr_copy_out(b, UVERBS_ATTR_CREATE_SRQ_RESP_MAX_WR,
				&resp.max_wr, sizeof(resp.max_wr));
	if (!ret)
		ret = emu_attr_copy_out(b, UVERBS_ATTR_CREATE_SRQ_RESP_MAX_SGE,
					&resp.max_sge, sizeof(resp.max_sge));
	return answer(b, ret, EMU_OBJ_SRQ, resp.srq_handle);
}

#define EMU_SRQ_UMEM(_id)                                           \
	{                                                           \
		.id = (_id), .name = #_id, .type = EMU_ATTR_PTR_IN, \
		.min_len = sizeof(struct ib_uverbs_buffer_desc),    \
		.len = sizeof(struct ib_uverbs_buffer_desc),        \
		.ring_abi = EMU_RING_ABI_UMEM                       \
	}

static const struct emu_attr_spec srq_create_attrs[] = {
	EMU_IDR(UVERBS_ATTR_CREATE_SRQ_HANDLE, EMU_OBJ_SRQ, EMU_ACCESS_NEW,
		true),
	EMU_IDR(UVERBS_ATTR_CREATE_SRQ_PD_HANDLE, EMU_OBJ_PD, EMU_ACCESS_READ,
		true),
	EMU_CONST_IN(UVERBS_ATTR_CREATE_SRQ_TYPE, true),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_SRQ_USER_HANDLE, uint64_t, true),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_SRQ_MAX_WR, uint32_t, true),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_SRQ_MAX_SGE, uint32_t, true),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_SRQ_LIMIT, uint32_t, true),
	EMU_IDR(UVERBS_ATTR_CREATE_SRQ_CQ_HANDLE, EMU_OBJ_CQ, EMU_ACCESS_READ,
		false),
	EMU_IN_TYPE(UVERBS_ATTR_CREATE_SRQ_MAX_NUM_TAGS, uint32_t, false),
	EMU_FD(UVERBS_ATTR_CREATE_SRQ_EVENT_FD, EMU_FDC_ASYNC_EVENT,
	       EMU_ACCESS_READ, false),
	EMU_OUT_TYPE(UVERBS_ATTR_CREATE_SRQ_RESP_MAX_WR, uint32_t, true),
	EMU_OUT_TYPE(UVERBS_ATTR_CREATE_SRQ_RESP_MAX_SGE, uint32_t, true),
	EMU_OUT_TYPE(UVERBS_ATTR_CREATE_SRQ_RESP_SRQ_NUM, uint32_t, false),
	EMU_UHW,
	/* the umem ring ABI: irdma's own, the core has no SRQ ring attribute */
	EMU_SRQ_UMEM(IRDMA_UVERBS_ATTR_CREATE_SRQ_BUF_UMEM),
	EMU_SRQ_UMEM(IRDMA_IB_ATTR_CREATE_SRQ_SHADOW_BUF_UMEM),
};

static int srq_destroy(struct emu_bundle *b)
{
	struct ib_uverbs_destroy_srq_resp resp = {};

	return destroy_by_write(b, UVERBS_ATTR_DESTROY_SRQ_HANDLE,
				IB_USER_VERBS_CMD_DESTROY_SRQ,
				UVERBS_ATTR_DESTROY_SRQ_RESP, &resp,
				sizeof(resp));
}

static const struct emu_attr_spec srq_destroy_attrs[] = {
	EMU_IDR(UVERBS_ATTR_DESTROY_SRQ_HANDLE, EMU_OBJ_SRQ, EMU_ACCESS_DESTROY,
		true),
	EMU_OUT_TYPE(UVERBS_ATTR_DESTROY_SRQ_RESP,
		     struct ib_uverbs_destroy_srq_resp, true),
};

/* irdma registers its SRQ verbs only on devices with SRQs (gen 3). */
static bool has_srq(const struct emu_device *dev)
{
	return dev->lim.max_srq;
}

/* ---- the tables --------------------------------------------------------- */

static const struct emu_method_spec m_cq_create =
	EMU_METHOD(UVERBS_OBJECT_CQ, UVERBS_METHOD_CQ_CREATE, "CQ.CREATE",
		   cq_create, cq_create_attrs);
static const struct emu_method_spec m_cq_destroy =
	EMU_METHOD(UVERBS_OBJECT_CQ, UVERBS_METHOD_CQ_DESTROY, "CQ.DESTROY",
		   cq_destroy, cq_destroy_attrs);
static const struct emu_method_spec m_qp_create =
	EMU_METHOD(UVERBS_OBJECT_QP, UVERBS_METHOD_QP_CREATE, "QP.CREATE",
		   qp_create, qp_create_attrs);
static const struct emu_method_spec m_qp_destroy =
	EMU_METHOD(UVERBS_OBJECT_QP, UVERBS_METHOD_QP_DESTROY, "QP.DESTROY",
		   qp_destroy, qp_destroy_attrs);
static const struct emu_method_spec m_srq_create =
	EMU_METHOD(UVERBS_OBJECT_SRQ, UVERBS_METHOD_SRQ_CREATE, "SRQ.CREATE",
		   srq_create, srq_create_attrs, .available = has_srq);
static const struct emu_method_spec m_srq_destroy =
	EMU_METHOD(UVERBS_OBJECT_SRQ, UVERBS_METHOD_SRQ_DESTROY, "SRQ.DESTROY",
		   srq_destroy, srq_destroy_attrs, .available = has_srq);

const struct emu_method_spec *const emu_ioctl_queue_methods[] = {
	&m_cq_create,  &m_cq_destroy,  &m_qp_create, &m_qp_destroy,
	&m_srq_create, &m_srq_destroy, NULL,
};
