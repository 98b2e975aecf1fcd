// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The data path's entry in the context's verbs ops, and the async event
 * hook: everything about CQs, QPs, SRQs, AHs and MWs is reached from here.
 */
#include "queues.h"

/*
 * libibverbs hands the provider each async event before the application
 * sees it. A QP the device moved to the error state must be known as such
 * by the post paths (they then ask the kernel to flush new WQEs).
 */
void irdma_async_event(struct ibv_context *ibctx, struct ibv_async_event *event)
{
	switch (event->event_type) {
	case IBV_EVENT_QP_FATAL:
	case IBV_EVENT_QP_REQ_ERR:
	case IBV_EVENT_QP_ACCESS_ERR:
		if (event->element.qp)
			event->element.qp->state = IBV_QPS_ERR;
		break;
	default:
		break;
	}
}

const struct verbs_context_ops irdma_datapath_ops = {
	.async_event = irdma_async_event,

	.create_cq = irdma_create_cq,
	.create_cq_ex = irdma_create_cq_ex,
	.destroy_cq = irdma_destroy_cq,
	.resize_cq = irdma_resize_cq,
	.poll_cq = irdma_poll_cq,
	.req_notify_cq = irdma_req_notify_cq,
	.cq_event = irdma_cq_event,

	.create_qp = irdma_create_qp,
	.create_qp_ex = irdma_create_qp_ex,
	.query_qp = irdma_query_qp,
	.modify_qp = irdma_modify_qp,
	.destroy_qp = irdma_destroy_qp,
	.post_send = irdma_post_send,
	.post_recv = irdma_post_recv,

	.create_srq = irdma_create_srq,
	.modify_srq = irdma_modify_srq,
	.query_srq = irdma_query_srq,
	.destroy_srq = irdma_destroy_srq,
	.post_srq_recv = irdma_post_srq_recv,

	.create_ah = irdma_create_ah,
	.destroy_ah = irdma_destroy_ah,

	.alloc_mw = irdma_alloc_mw,
	.bind_mw = irdma_bind_mw,
	.dealloc_mw = irdma_dealloc_mw,
};
