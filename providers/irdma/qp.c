// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Queue pairs (RC and UD): sizing the SQ and RQ in WQE quanta per
 * generation, one ring holding SQ + RQ + shadow area registered as an irdma
 * QP memory object, create/modify/query/destroy and the "reflush" request
 * for WQEs posted to a QP already in the error state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "debug.h"
#include "hw_format.h"
#include "queues.h"

struct irdma_qp_create_cmd {
	struct ibv_create_qp ibv_cmd;
	struct irdma_create_qp_req drv;
};

struct irdma_qp_create_cmd_resp {
	struct ib_uverbs_create_qp_resp ibv_resp;
	struct irdma_create_qp_resp drv;
};

/* iWARP set-up WQEs the kernel puts at the start of the SQ. */
#define IRDMA_CONN_WQES_RTS_AE 3
#define IRDMA_CONN_WQES 1

#define IRDMA_SUPPORTED_SEND_OPS                                         \
	(IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM |            \
	 IBV_QP_EX_WITH_SEND_WITH_INV | IBV_QP_EX_WITH_RDMA_WRITE |      \
	 IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM | IBV_QP_EX_WITH_RDMA_READ | \
	 IBV_QP_EX_WITH_LOCAL_INV | IBV_QP_EX_WITH_BIND_MW |             \
	 IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |                             \
	 IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD)

static int qp_check_attr(const struct irdma_context *ctx,
			 const struct ibv_qp_init_attr_ex *attr)
{
	const struct ibv_qp_cap *cap = &attr->cap;

	if (attr->qp_type != IBV_QPT_RC && attr->qp_type != IBV_QPT_UD)
		return EOPNOTSUPP;
	if (!(attr->comp_mask & IBV_QP_INIT_ATTR_PD) || !attr->pd)
		return EINVAL;
	if (attr->comp_mask &
	    ~(uint32_t)(IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS))
		return EOPNOTSUPP;
	if ((attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) &&
	    (attr->send_ops_flags & ~(uint64_t)IRDMA_SUPPORTED_SEND_OPS))
		return EOPNOTSUPP;
	if ((attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) &&
	    (attr->send_ops_flags & (IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |
				     IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD)) &&
	    !(ctx->feature_flags & IRDMA_FEATURE_ATOMIC_OPS))
		return EOPNOTSUPP;
	if (!attr->send_cq || !attr->recv_cq)
		return EINVAL;
	/* every object named must belong to this context */
	if (attr->pd->context != &ctx->ibv_ctx.context ||
	    attr->send_cq->context != &ctx->ibv_ctx.context ||
	    attr->recv_cq->context != &ctx->ibv_ctx.context ||
	    (attr->srq && attr->srq->context != &ctx->ibv_ctx.context))
		return EINVAL;
	if (attr->srq && !(ctx->feature_flags & IRDMA_FEATURE_SRQ))
		return EOPNOTSUPP;
	if (cap->max_send_sge > ctx->max_hw_wq_frags ||
	    cap->max_recv_sge > ctx->max_hw_wq_frags ||
	    cap->max_send_wr > ctx->max_hw_wq_quanta ||
	    cap->max_recv_wr > ctx->max_hw_rq_quanta ||
	    cap->max_inline_data > ctx->max_hw_inline)
		return EINVAL;
	return 0;
}

/* A process-wide serial makes tokens of successive QPs differ. */
static uint64_t next_token_serial(void)
{
	static uint32_t serial;
	uint32_t s;

	do {
		s = __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED) & 0xffffff;
	} while (!s);
	return s;
}

static int qp_attach_cqs(struct irdma_qp *qp)
{
	uint32_t sslot, rslot;
	int ret;

	ret = irdma_cq_add_qp(qp->send_cq, qp, &sslot);
	if (ret)
		return ret;
	ret = irdma_cq_add_qp(qp->recv_cq, qp, &rslot);
	if (ret) {
		irdma_cq_remove_qp(qp->send_cq, sslot, 0);
		return ret;
	}
	qp->token = next_token_serial() << (2 * IRDMA_TOKEN_SLOT_BITS) |
		    (uint64_t)rslot << IRDMA_TOKEN_SLOT_BITS | sslot;
	return 0;
}

static void qp_detach_cqs(struct irdma_qp *qp)
{
	irdma_cq_remove_qp(qp->send_cq, irdma_token_send_slot(qp->token),
			   qp->token);
	irdma_cq_remove_qp(qp->recv_cq, irdma_token_recv_slot(qp->token),
			   qp->token);
}

static int qp_alloc_tracking(struct irdma_qp *qp,
			     const struct irdma_qp_sizes *s)
{
	qp->sq_slots = calloc(s->sq_depth, sizeof(*qp->sq_slots));
	qp->rq_slots =
		calloc(s->rq_depth >> s->rq_shift, sizeof(*qp->rq_slots));
	qp->wr.inline_cap = qp->max_inline ? qp->max_inline : 1;
	qp->wr.inline_buf = malloc(qp->wr.inline_cap);
	if (!qp->sq_slots || !qp->rq_slots || !qp->wr.inline_buf)
		return ENOMEM;
	return 0;
}

static void qp_free_tracking(struct irdma_qp *qp)
{
	free(qp->sq_slots);
	free(qp->rq_slots);
	free(qp->wr.inline_buf);
}

/*
 * Take the ring sizes the kernel settled on. They must fit in the memory
 * allocated for the sizes we asked for; the device wraps at them.
 */
static int qp_apply_resp(struct irdma_qp *qp, const struct irdma_qp_sizes *s,
			 const struct irdma_create_qp_resp *r)
{
	struct irdma_context *ctx = qp->ctx;
	uint64_t sq_q = (uint64_t)r->actual_sq_size << s->sq_shift;
	uint32_t rq_wqes = s->rq_depth >> s->rq_shift;

	if (!sq_q || sq_q > s->sq_depth || r->actual_rq_size > rq_wqes) {
		irdma_dbg(
			&ctx->ibv_ctx,
			"create_qp: kernel sizes SQ %u RQ %u do not fit the rings allocated for %u/%u quanta",
			r->actual_sq_size, r->actual_rq_size, s->sq_depth,
			s->rq_depth);
		return EINVAL;
	}
	qp->sq_pos.size = (uint32_t)sq_q;
	qp->rq_pos.size = r->actual_rq_size ? r->actual_rq_size : rq_wqes;
	qp->qp_caps = r->qp_caps;
	qp->vqp.qp.qp_num = r->qp_id;
	qp->sq_polarity = 1;
	qp->rq_polarity = 1;
	if (ctx->legacy_gen1 || r->lsmm) {
		qp->conn_wqes = (!ctx->legacy_gen1 &&
				 (ctx->feature_flags & IRDMA_FEATURE_RTS_AE)) ?
					IRDMA_CONN_WQES_RTS_AE :
					IRDMA_CONN_WQES;
		qp->sq_pos.head = qp->conn_wqes;
		qp->sq_pos.tail = qp->conn_wqes;
		qp->skip_conn_cqes = true;
	}
	qp->sq_poll_head = qp->sq_pos.head;
	return 0;
}

static struct irdma_qp *qp_create(struct ibv_context *ibctx,
				  struct ibv_qp_init_attr_ex *attr)
{
	struct irdma_context *ctx = to_irdma_ctx(ibctx);
	struct irdma_qp_create_cmd cmd = {};
	struct irdma_qp_create_cmd_resp resp = {};
	struct ibv_qp_init_attr_ex kattr;
	struct irdma_qp_sizes s;
	struct irdma_qp *qp;
	int ret;

	ret = qp_check_attr(ctx, attr);
	if (ret) {
		irdma_dbg(
			&ctx->ibv_ctx,
			"create_qp: type %d caps wr %u/%u sge %u/%u inline %u refused (%s); device limits: sge %u inline %u sq quanta %u rq quanta %u",
			attr->qp_type, attr->cap.max_send_wr,
			attr->cap.max_recv_wr, attr->cap.max_send_sge,
			attr->cap.max_recv_sge, attr->cap.max_inline_data,
			ret == EOPNOTSUPP ? "unsupported" : "out of range",
			ctx->max_hw_wq_frags, ctx->max_hw_inline,
			ctx->max_hw_wq_quanta, ctx->max_hw_rq_quanta);
		goto err_out;
	}
	if (attr->srq) {
		/* the RQ of an SRQ user is never posted to: keep it minimal */
		attr->cap.max_recv_sge = 1;
		attr->cap.max_recv_wr = 1;
	}
	ret = irdma_qp_ring_sizes(ctx, &attr->cap, &s);
	if (ret)
		goto err_out;

	qp = calloc(1, sizeof(*qp));
	if (!qp) {
		ret = ENOMEM;
		goto err_out;
	}
	qp->ctx = ctx;
	qp->gen = ctx->hw_rev;
	qp->db = ctx->db;
	qp->send_cq = to_irdma_cq(attr->send_cq);
	qp->recv_cq = to_irdma_cq(attr->recv_cq);
	qp->srq = attr->srq ? to_irdma_srq(attr->srq) : NULL;
	qp->sig_all = attr->sq_sig_all;
	qp->max_send_sge = attr->cap.max_send_sge;
	qp->max_recv_sge = attr->cap.max_recv_sge;
	qp->max_inline = attr->cap.max_inline_data;
	qp->max_read_sge = ctx->max_hw_read_sges < attr->cap.max_send_sge ?
				   ctx->max_hw_read_sges :
				   attr->cap.max_send_sge;
	qp->sq_chunk = ctx->max_hw_sq_chunk ? ctx->max_hw_sq_chunk : s.sq_depth;
	qp->rq_shift = s.rq_shift;
	qp->atomics = ctx->feature_flags & IRDMA_FEATURE_ATOMIC_OPS;
	ret = pthread_spin_init(&qp->sq_lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_free;
	ret = pthread_spin_init(&qp->rq_lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_sq_lock;
	ret = qp_alloc_tracking(qp, &s);
	if (ret)
		goto err_lock;

	ret = irdma_qp_ring_create(qp, attr->pd, &s);
	if (ret)
		goto err_track;
	ret = qp_attach_cqs(qp);
	if (ret)
		goto err_ring;

	kattr = *attr;
	kattr.comp_mask &= IBV_QP_INIT_ATTR_PD;
	if (!ctx->use_raw_attrs) {
		/* older kernels take the sizes the provider settled on */
		kattr.cap.max_send_wr = s.sq_depth >> s.sq_shift;
		kattr.cap.max_recv_wr = s.rq_depth >> s.rq_shift;
	}
	cmd.drv.user_wqe_bufs = (uintptr_t)qp->sq;
	cmd.drv.user_compl_ctx = qp->token;
	ret = ibv_cmd_create_qp_ex(ibctx, &qp->vqp, &kattr, &cmd.ibv_cmd,
				   sizeof(cmd), &resp.ibv_resp, sizeof(resp));
	if (ret)
		goto err_cqs;
	ret = qp_apply_resp(qp, &s, &resp.drv);
	if (ret)
		goto err_destroy;

	attr->cap.max_send_wr =
		(s.sq_depth - IRDMA_SQ_RESERVED_QUANTA) >> s.sq_shift;
	attr->cap.max_recv_wr = (s.rq_depth - IRDMA_RQ_RESERVED) >> s.rq_shift;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) {
		qp->vqp.comp_mask |= VERBS_QP_EX;
		irdma_qp_init_wr_ops(qp, attr->send_ops_flags);
	}
	return qp;

err_destroy:
	ibv_cmd_destroy_qp(&qp->vqp.qp);
err_cqs:
	qp_detach_cqs(qp);
err_ring:
	irdma_qp_ring_release(qp);
err_track:
	qp_free_tracking(qp);
err_lock:
	pthread_spin_destroy(&qp->rq_lock);
err_sq_lock:
	pthread_spin_destroy(&qp->sq_lock);
err_free:
	free(qp);
err_out:
	errno = ret;
	return NULL;
}

struct ibv_qp *irdma_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *attr)
{
	struct ibv_qp_init_attr_ex ex = {};
	struct irdma_qp *qp;

	memcpy(&ex, attr, sizeof(*attr));
	ex.comp_mask = IBV_QP_INIT_ATTR_PD;
	ex.pd = pd;
	qp = qp_create(pd->context, &ex);
	if (!qp)
		return NULL;
	attr->cap = ex.cap;
	return &qp->vqp.qp;
}

struct ibv_qp *irdma_create_qp_ex(struct ibv_context *ibctx,
				  struct ibv_qp_init_attr_ex *attr)
{
	struct irdma_qp *qp = qp_create(ibctx, attr);

	return qp ? &qp->vqp.qp : NULL;
}

int irdma_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr, int attr_mask,
		   struct ibv_qp_init_attr *init_attr)
{
	struct ibv_query_qp cmd;

	return ibv_cmd_query_qp(ibqp, attr, attr_mask, init_attr, &cmd,
				sizeof(cmd));
}

int irdma_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		    int attr_mask)
{
	struct irdma_qp *qp = to_irdma_qp(ibqp);
	struct ibv_modify_qp cmd = {};

	/* a state change is when irdma may hand out push pages */
	if ((qp->qp_caps & IRDMA_PUSH_MODE_CAP) && qp->gen > IRDMA_GEN_1 &&
	    (attr_mask & IBV_QP_STATE))
		return irdma_modify_qp_push(qp, attr, attr_mask);
	return ibv_cmd_modify_qp(ibqp, attr, attr_mask, &cmd, sizeof(cmd));
}

int irdma_destroy_qp(struct ibv_qp *ibqp)
{
	struct irdma_qp *qp = to_irdma_qp(ibqp);
	int ret;

	ret = ibv_cmd_destroy_qp(ibqp);
	if (ret)
		return ret;
	/* forget its CQEs still in the CQs before the slots can be reused */
	qp_detach_cqs(qp);
	irdma_qp_push_release(qp);
	irdma_qp_ring_release(qp);
	qp_free_tracking(qp);
	pthread_spin_destroy(&qp->rq_lock);
	pthread_spin_destroy(&qp->sq_lock);
	free(qp);
	return 0;
}
