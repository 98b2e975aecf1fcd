// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Queue pairs: create (ring look-up and sizing as irdma_create_qp does for
 * user QPs), query, modify (state machine + RoCE attribute checks) and
 * destroy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/irdma-abi.h>

#include "kernel_priv.h"
#include "device/hw.h"

#define EMU_GEN1_RQ_SHIFT 2U
/* offsetofend(user_compl_ctx) and offsetofend(irdma_create_qp_resp.rsvd) */
#define EMU_CREATE_QP_MIN_REQ_LEN 16U
#define EMU_CREATE_QP_MIN_RESP_LEN 20U
/* irdma_create_qp_resp.qp_caps bits */
#define EMU_QP_CAP_WRITE_WITH_IMM 1U
#define EMU_QP_CAP_SEND_WITH_IMM 2U
#define EMU_QP_CAP_ROCE 4U
#define EMU_QP_CAP_PUSH_MODE 8U
#define EMU_NO_PUSH_PAGE 0xffffU

/* ib_qp_attr_mask bits this file looks at */
#define M_STATE (1U << 0)
#define M_CUR_STATE (1U << 1)
#define M_EN_SQD_ASYNC_NOTIFY (1U << 2)
#define M_ACCESS_FLAGS (1U << 3)
#define M_PKEY_INDEX (1U << 4)
#define M_PORT (1U << 5)
#define M_QKEY (1U << 6)
#define M_AV (1U << 7)
#define M_PATH_MTU (1U << 8)
#define M_TIMEOUT (1U << 9)
#define M_RETRY_CNT (1U << 10)
#define M_RNR_RETRY (1U << 11)
#define M_RQ_PSN (1U << 12)
#define M_MAX_QP_RD_ATOMIC (1U << 13)
#define M_ALT_PATH (1U << 14)
#define M_MIN_RNR_TIMER (1U << 15)
#define M_SQ_PSN (1U << 16)
#define M_MAX_DEST_RD_ATOMIC (1U << 17)
#define M_PATH_MIG_STATE (1U << 18)
#define M_DEST_QPN (1U << 20)
#define M_RATE_LIMIT (1U << 25)
#define M_LEGACY_ALL ((M_DEST_QPN << 1) - 1)
#define M_EX_ALL ((M_RATE_LIMIT << 1) - 1)

/* ---- sizing (the provider computes the same to size its rings) -------- */

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1U << 31))
		p <<= 1;
	return p;
}

/* log2 of the WQE size in quanta needed for @sge SGEs and @inl bytes. */
static uint8_t wqe_shift(enum emu_gen gen, uint32_t sge, uint32_t inl)
{
	if (gen == EMU_GEN_1) {
		if (sge <= 1 && inl <= 16)
			return 0;
		return sge < 4 && inl <= 48 ? 1 : 2;
	}
	if (sge <= 1 && inl <= 8)
		return 0;
	if (sge < 4 && inl <= 39)
		return 1;
	if (sge < 8 && inl <= 101)
		return 2;
	return 3;
}

/* Ring depth in quanta for @wrs WRs: -EINVAL if above @max_quanta. */
static int ring_depth(const struct emu_limits *lim, uint32_t wrs, uint8_t shift,
		      uint32_t rsvd, uint32_t max_quanta, uint32_t *depth)
{
	uint64_t want = ((uint64_t)wrs << shift) + rsvd;
	uint32_t min = lim->min_wq_size << shift;

	if (want > max_quanta)
		return -EINVAL;
	*depth = pow2_at_least(want);
	if (*depth < min)
		*depth = min;
	else if (*depth > max_quanta)
		return -EINVAL;
	return 0;
}

struct qp_create_args {
	uint64_t user_handle;
	uint32_t pd_handle;
	uint32_t send_cq_handle;
	uint32_t recv_cq_handle;
	uint32_t srq_handle;
	uint32_t max_send_wr;
	uint32_t max_recv_wr;
	uint32_t max_send_sge;
	uint32_t max_recv_sge;
	uint32_t max_inline_data;
	uint8_t sq_sig_all;
	uint8_t qp_type;
	uint8_t is_srq;
	uint32_t create_flags;
};

/*
 * Queue sizes: with raw attributes the provider sends WRs and SGEs and the
 * kernel derives the depths; the older ABI sends the depths (in quanta).
 */
static int qp_size_queues(struct emu_qp *qp, const struct qp_create_args *a)
{
	struct emu_file *f = qp->obj.file;
	const struct emu_limits *lim = &f->dev->lim;
	enum emu_gen gen = f->dev->gen;
	uint32_t sq_depth, rq_depth;
	uint32_t sq_sge = a->max_send_sge;
	int ret;

	if (gen >= EMU_GEN_2)
		sq_sge++; /* room for immediate data */
	qp->sq_shift = wqe_shift(gen, sq_sge, a->max_inline_data);
	qp->rq_shift = wqe_shift(gen, a->max_recv_sge, 0);
	if (gen == EMU_GEN_1 && f->abi_ver > 4)
		qp->rq_shift = EMU_GEN1_RQ_SHIFT;

	if (!f->use_raw_attrs) {
		if (!a->max_send_wr || a->max_send_wr > lim->max_wq_quanta ||
		    a->max_recv_wr > lim->max_rq_quanta)
			return -EINVAL;
		qp->sq_quanta = a->max_send_wr << qp->sq_shift;
		qp->rq_quanta = a->max_recv_wr << qp->rq_shift;
		qp->max_send_wr = a->max_send_wr;
		qp->max_recv_wr = a->max_recv_wr;
		return 0;
	}
	ret = ring_depth(lim, a->max_send_wr, qp->sq_shift, EMU_SQ_RSVD,
			 lim->max_wq_quanta, &sq_depth);
	if (ret)
		return ret;
	ret = ring_depth(lim, a->max_recv_wr, qp->rq_shift, EMU_RQ_RSVD,
			 lim->max_rq_quanta, &rq_depth);
	if (ret)
		return ret;
	qp->sq_quanta = sq_depth;
	qp->rq_quanta = rq_depth;
	qp->max_send_wr = (sq_depth - EMU_SQ_RSVD) >> qp->sq_shift;
	qp->max_recv_wr = (rq_depth - EMU_RQ_RSVD) >> qp->rq_shift;
	return 0;
}

/* SQ, then RQ, then the shadow area, in one QP-type registration. */
static int qp_place_rings(struct emu_qp *qp, uint64_t base)
{
	struct emu_mr *ring = qp->ring_mr;
	uint64_t sq_bytes = ring->sq_pages * EMU_HW_PAGE_SIZE;
	uint64_t rq_bytes = ring->rq_pages * EMU_HW_PAGE_SIZE;

	if ((uint64_t)qp->sq_quanta * EMU_QUANTUM > sq_bytes ||
	    (uint64_t)qp->rq_quanta * EMU_QUANTUM > rq_bytes)
		return -EINVAL;
	qp->sq_va = base;
	qp->rq_va = base + sq_bytes;
	qp->shadow_va = base + sq_bytes + rq_bytes;
	return 0;
}

static int qp_check_caps(struct emu_device *dev, const struct qp_create_args *a)
{
	const struct emu_limits *lim = &dev->lim;

	if (a->create_flags)
		return -EOPNOTSUPP;
	if (a->max_inline_data > lim->max_inline ||
	    a->max_send_sge > lim->max_sge || a->max_recv_sge > lim->max_sge ||
	    a->max_send_wr > lim->max_wq_quanta ||
	    a->max_recv_wr > lim->max_rq_quanta)
		return -EINVAL;
	if (a->qp_type != EMU_QPT_RC && a->qp_type != EMU_QPT_UD)
		return -EOPNOTSUPP;
	return 0;
}

/*
 * Resolve the handles create_qp names: -EINVAL if any is wrong. What was
 * found is held, and qp_free() lets go of it either way.
 */
static int qp_get_objects(struct emu_qp *qp, const struct qp_create_args *a)
{
	struct emu_file *f = qp->obj.file;

	if (a->is_srq)
		qp->srq = emu_obj_get(f, EMU_OBJ_SRQ, a->srq_handle);
	qp->send_cq = emu_obj_get(f, EMU_OBJ_CQ, a->send_cq_handle);
	qp->recv_cq = emu_obj_get(f, EMU_OBJ_CQ, a->recv_cq_handle);
	qp->pd = emu_obj_get(f, EMU_OBJ_PD, a->pd_handle);
	if ((a->is_srq && !qp->srq) || !qp->send_cq || !qp->recv_cq || !qp->pd)
		return -EINVAL;
	return 0;
}

static void qp_free(struct emu_qp *qp)
{
	struct emu_device *dev = qp->obj.file->dev;

	emu_push_release(qp);
	emu_ring_release(qp->ring_mr);
	if (qp->qpn)
		emu_hw_qpn_free(dev, qp->qpn);
	emu_obj_put(qp->srq);
	emu_obj_put(qp->send_cq);
	emu_obj_put(qp->recv_cq);
	emu_obj_put(qp->pd);
	emu_obj_free(&qp->obj);
}

static uint32_t qp_caps(const struct emu_device *dev)
{
	if (dev->gen == EMU_GEN_1)
		return EMU_QP_CAP_ROCE;
	/* every later QP says push mode; pages only come with --push */
	return EMU_QP_CAP_ROCE | EMU_QP_CAP_SEND_WITH_IMM |
	       EMU_QP_CAP_WRITE_WITH_IMM | EMU_QP_CAP_PUSH_MODE;
}

/* Create the QP and answer; nothing of it stays behind on failure. */
static int create_qp(struct emu_cmd *c, const struct qp_create_args *a)
{
	struct ib_uverbs_ex_create_qp_resp resp = {};
	struct emu_device *dev = c->f->dev;
	struct irdma_create_qp_req req;
	struct irdma_create_qp_resp uresp = {};
	struct emu_qp *qp;
	bool umem;
	int ret;

	qp = emu_obj_alloc(c->f, EMU_OBJ_QP, sizeof(*qp));
	if (!qp)
		return -errno;
	qp->push_slot = -1;
	qp->obj.user_handle = a->user_handle;
	ret = qp_get_objects(qp, a);
	if (ret)
		goto err;
	ret = qp_check_caps(dev, a);
	if (ret)
		goto err;
	if (c->udata.inlen < EMU_CREATE_QP_MIN_REQ_LEN ||
	    c->udata.outlen < EMU_CREATE_QP_MIN_RESP_LEN) {
		ret = -EINVAL;
		goto err;
	}
	emu_udata_in(&c->udata, &req, sizeof(req));
	ret = emu_hw_qpn_alloc(dev, &qp->qpn);
	if (ret)
		goto err;
	/* the create names the buffer itself (ring ABI "umem") */
	umem = emu_rings_umem(c, EMU_OBJ_QP);
	if (!umem) {
		qp->ring_mr = emu_ring_take(c->f, EMU_MR_QP, req.user_wqe_bufs);
		if (!qp->ring_mr) {
			ret = -ENODATA;
			goto err;
		}
	}
	ret = qp_size_queues(qp, a);
	if (!ret && umem)
		ret = emu_rings_qp_umem(c, qp);
	if (!ret)
		ret = qp_place_rings(qp, emu_ring_device_va(qp->ring_mr,
							    req.user_wqe_bufs));
	if (ret)
		goto err;
	if (qp->srq)
		qp->rq_va = 0;
	qp->qp_type = a->qp_type;
	qp->sq_sig_all = a->sq_sig_all;
	qp->user_compl_ctx = req.user_compl_ctx;
	qp->max_send_sge = a->max_send_sge;
	qp->max_recv_sge = a->max_recv_sge;
	qp->max_inline = a->max_inline_data;
	qp->attr.state = EMU_QPS_RESET;

	pthread_mutex_lock(&dev->lock);
	ret = emu_hw_qp_attach(qp);
	pthread_mutex_unlock(&dev->lock);
	if (ret)
		goto err;
	emu_obj_publish(&qp->obj);
	emu_report_registration(qp->ring_mr);

	uresp.qp_id = qp->qpn;
	uresp.actual_sq_size = qp->sq_quanta >> qp->sq_shift;
	uresp.actual_rq_size = qp->rq_quanta >> qp->rq_shift;
	uresp.push_idx = EMU_NO_PUSH_PAGE;
	uresp.qp_caps = qp_caps(dev);
	resp.base.qp_handle = qp->obj.handle;
	resp.base.qpn = qp->qpn;
	resp.base.max_send_wr = qp->max_send_wr;
	resp.base.max_recv_wr = qp->max_recv_wr;
	resp.base.max_send_sge = qp->max_send_sge;
	resp.base.max_recv_sge = qp->max_recv_sge;
	resp.base.max_inline_data = qp->max_inline;
	resp.response_length = emu_cmd_ex_response_length(c, sizeof(resp));
	/* the legacy response is the extended one's base */
	ret = emu_cmd_answer(c, &resp, c->ex ? sizeof(resp) : sizeof(resp.base),
			     &uresp, sizeof(uresp));
	if (ret)
		emu_destroy_qp(qp);
	return ret;
err:
	qp_free(qp);
	return ret;
}

/* The legacy and the extended request share these fields, by name. */
#define QP_CREATE_ARGS(cmd)                                                 \
	((struct qp_create_args){ .user_handle = (cmd).user_handle,         \
				  .pd_handle = (cmd).pd_handle,             \
				  .send_cq_handle = (cmd).send_cq_handle,   \
				  .recv_cq_handle = (cmd).recv_cq_handle,   \
				  .srq_handle = (cmd).srq_handle,           \
				  .max_send_wr = (cmd).max_send_wr,         \
				  .max_recv_wr = (cmd).max_recv_wr,         \
				  .max_send_sge = (cmd).max_send_sge,       \
				  .max_recv_sge = (cmd).max_recv_sge,       \
				  .max_inline_data = (cmd).max_inline_data, \
				  .sq_sig_all = (cmd).sq_sig_all,           \
				  .qp_type = (cmd).qp_type,                 \
				  .is_srq = (cmd).is_srq })

static int qp_request(struct emu_cmd *c, struct qp_create_args *a)
{
	struct ib_uverbs_create_qp cmd;
	int ret = emu_cmd_request(c, &cmd, sizeof(cmd));

	*a = QP_CREATE_ARGS(cmd);
	return ret;
}

static int qp_request_ex(struct emu_cmd *c, struct qp_create_args *a)
{
	struct ib_uverbs_ex_create_qp cmd;
	int ret = emu_cmd_request(c, &cmd, sizeof(cmd));

	*a = QP_CREATE_ARGS(cmd);
	a->create_flags = cmd.create_flags;
	/* no RSS indirection tables on irdma */
	if (!ret && cmd.comp_mask)
		ret = -EINVAL;
	return ret;
}

int emu_cmd_create_qp(struct emu_cmd *c)
{
	struct qp_create_args a;
	int ret = c->ex ? qp_request_ex(c, &a) : qp_request(c, &a);

	return ret ? ret : create_qp(c, &a);
}

/* ---- query ------------------------------------------------------------ */

static void ah_to_user(const struct emu_ah_attr *ah,
		       struct ib_uverbs_qp_dest *d)
{
	memcpy(d->dgid, ah->dgid, sizeof(d->dgid));
	d->flow_label = ah->flow_label;
	d->sgid_index = ah->sgid_index;
	d->hop_limit = ah->hop_limit;
	d->traffic_class = ah->traffic_class;
	d->dlid = ah->dlid;
	d->sl = ah->sl;
	d->src_path_bits = ah->src_path_bits;
	d->static_rate = ah->static_rate;
	d->is_global = ah->is_global;
	d->port_num = ah->port_num;
}

int emu_cmd_query_qp(struct emu_cmd *c)
{
	struct ib_uverbs_query_qp_resp resp = {};
	struct emu_qp *qp = (struct emu_qp *)c->obj;

	ah_to_user(&qp->attr.ah, &resp.dest);
	resp.max_send_wr = qp->max_send_wr;
	resp.max_recv_wr = qp->max_recv_wr;
	resp.max_send_sge = qp->max_send_sge;
	resp.max_recv_sge = qp->max_recv_sge;
	resp.max_inline_data = qp->max_inline;
	resp.qkey = qp->attr.qkey;
	resp.rq_psn = qp->attr.rq_psn;
	resp.sq_psn = qp->attr.sq_psn;
	resp.dest_qp_num = qp->attr.dest_qpn;
	resp.qp_access_flags = qp->attr.access_flags;
	resp.pkey_index = qp->attr.pkey_index;
	resp.qp_state = qp->attr.state;
	resp.cur_qp_state = qp->attr.state;
	resp.path_mtu = qp->attr.path_mtu;
	resp.sq_draining = 0;
	resp.max_rd_atomic = qp->attr.max_rd_atomic;
	resp.max_dest_rd_atomic = qp->attr.max_dest_rd_atomic;
	resp.min_rnr_timer = qp->attr.min_rnr_timer;
	resp.port_num = qp->attr.port_num;
	resp.timeout = qp->attr.timeout;
	resp.retry_cnt = qp->attr.retry_cnt;
	resp.rnr_retry = qp->attr.rnr_retry;
	resp.sq_sig_all = qp->sq_sig_all;
	return emu_cmd_response(c, &resp, sizeof(resp));
}

/* ---- modify ----------------------------------------------------------- */

/* The core's checks of ib_uverbs_modify_qp before the driver sees it. */
static int modify_core_checks(const struct ib_uverbs_modify_qp *m)
{
	if ((m->attr_mask & M_PORT) && m->port_num != 1)
		return -EINVAL;
	if ((m->attr_mask & M_AV) && m->dest.port_num != 1)
		return -EINVAL;
	if ((m->attr_mask & M_ALT_PATH) &&
	    (m->alt_port_num != 1 || m->alt_dest.port_num != 1))
		return -EINVAL;
	if (((m->attr_mask & M_CUR_STATE) && m->cur_qp_state > EMU_QPS_ERR) ||
	    ((m->attr_mask & M_STATE) && m->qp_state > EMU_QPS_ERR))
		return -EINVAL;
	return 0;
}

/*
 * The attributes modify_qp takes over as they come (PSNs and the QPN are
 * 24 bits wide): one line each, so that the list reads like the mask.
 */
#define EMU_24_BITS 0xffffffU
#define TAKE_ATTR(bit, field, value)        \
	do {                                \
		if (m->attr_mask & (bit))   \
			n->field = (value); \
	} while (0)

static void copy_attrs(const struct ib_uverbs_modify_qp *m,
		       struct emu_qp_attr *n)
{
	TAKE_ATTR(M_STATE, state, m->qp_state);
	TAKE_ATTR(M_EN_SQD_ASYNC_NOTIFY, en_sqd_async_notify,
		  m->en_sqd_async_notify);
	TAKE_ATTR(M_ACCESS_FLAGS, access_flags, m->qp_access_flags);
	TAKE_ATTR(M_PKEY_INDEX, pkey_index, m->pkey_index);
	TAKE_ATTR(M_PORT, port_num, m->port_num);
	TAKE_ATTR(M_QKEY, qkey, m->qkey);
	TAKE_ATTR(M_PATH_MTU, path_mtu, m->path_mtu);
	TAKE_ATTR(M_TIMEOUT, timeout, m->timeout);
	TAKE_ATTR(M_RETRY_CNT, retry_cnt, m->retry_cnt);
	TAKE_ATTR(M_RNR_RETRY, rnr_retry, m->rnr_retry);
	TAKE_ATTR(M_RQ_PSN, rq_psn, m->rq_psn & EMU_24_BITS);
	TAKE_ATTR(M_MAX_QP_RD_ATOMIC, max_rd_atomic, m->max_rd_atomic);
	TAKE_ATTR(M_MIN_RNR_TIMER, min_rnr_timer, m->min_rnr_timer);
	TAKE_ATTR(M_SQ_PSN, sq_psn, m->sq_psn & EMU_24_BITS);
	TAKE_ATTR(M_MAX_DEST_RD_ATOMIC, max_dest_rd_atomic,
		  m->max_dest_rd_atomic);
	TAKE_ATTR(M_DEST_QPN, dest_qpn, m->dest_qp_num & EMU_24_BITS);
}
#undef TAKE_ATTR

/* irdma's own attribute checks, and building the new attribute set. */
static int modify_apply(struct emu_qp *qp, const struct ib_uverbs_modify_qp *m,
			struct emu_qp_attr *n)
{
	struct emu_device *dev = qp->obj.file->dev;
	uint32_t mask = m->attr_mask;
	int ret;

	if (mask & M_ALT_PATH)
		return -EOPNOTSUPP; /* no path migration on RoCE irdma */
	if ((mask & M_PKEY_INDEX) && m->pkey_index >= dev->lim.pkey_tbl_len)
		return -EINVAL;
	if ((mask & M_PATH_MTU) &&
	    (m->path_mtu < IBV_MTU_256 || m->path_mtu > IBV_MTU_4096))
		return -EINVAL;
	if ((mask & M_MAX_QP_RD_ATOMIC) &&
	    m->max_rd_atomic > dev->lim.max_qp_init_rd_atom)
		return -EINVAL;
	if ((mask & M_MAX_DEST_RD_ATOMIC) &&
	    m->max_dest_rd_atomic > dev->lim.max_qp_rd_atom)
		return -EINVAL;
	if (mask & M_AV) {
		struct ib_uverbs_ah_attr uah = {
			.dlid = m->dest.dlid,
			.sl = m->dest.sl,
			.src_path_bits = m->dest.src_path_bits,
			.static_rate = m->dest.static_rate,
			.is_global = m->dest.is_global,
			.port_num = m->dest.port_num,
		};

		memcpy(uah.grh.dgid, m->dest.dgid, sizeof(uah.grh.dgid));
		uah.grh.flow_label = m->dest.flow_label;
		uah.grh.sgid_index = m->dest.sgid_index;
		uah.grh.hop_limit = m->dest.hop_limit;
		uah.grh.traffic_class = m->dest.traffic_class;
		ret = emu_ah_attr_from_user(dev, &uah, &n->ah);
		if (ret)
			return ret;
	}
	copy_attrs(m, n);
	n->mask |= mask & ~(M_STATE | M_CUR_STATE);
	return 0;
}

/*
 * A modify to ERR of a QP already in error is the provider asking for
 * flush completions of WQEs posted since (irdma_modify_qp_req).
 */
static bool modify_is_reflush(struct emu_cmd *c, struct emu_qp *qp,
			      const struct ib_uverbs_modify_qp *m)
{
	struct irdma_modify_qp_req ureq;

	if (!(m->attr_mask & M_STATE) || m->qp_state != EMU_QPS_ERR ||
	    qp->attr.state != EMU_QPS_ERR)
		return false;
	if (c->udata.inlen) {
		emu_udata_in(&c->udata, &ureq, sizeof(ureq));
		if (ureq.sq_flush || ureq.rq_flush) {
			pthread_mutex_lock(&qp->obj.file->dev->lock);
			emu_hw_qp_flush(qp, ureq.sq_flush, ureq.rq_flush);
			pthread_mutex_unlock(&qp->obj.file->dev->lock);
		}
	}
	return true;
}

/*
 * Install the new attributes and tell the engine (under dev->lock). The
 * hardware may have moved the QP to ERR since the checks: judge the
 * transition again from where the QP really is.
 */
static int modify_commit(struct emu_qp *qp, const struct ib_uverbs_modify_qp *m,
			 struct emu_qp_attr *n, enum emu_qp_state old)
{
	enum emu_qp_state now = qp->attr.state;
	struct emu_qp_attr saved = qp->attr;
	int ret;

	if (now != old) {
		if ((m->attr_mask & M_STATE) &&
		    !emu_qp_transition_ok(now, m->qp_state, qp->qp_type,
					  m->attr_mask))
			return -EINVAL;
		if (!(m->attr_mask & M_STATE))
			n->state = now;
		old = now;
	}
	qp->attr = *n;
	ret = emu_hw_qp_modify(qp, old, n->state);
	if (ret)
		qp->attr = saved;
	return ret;
}

static int modify_qp(struct emu_cmd *c, const struct ib_uverbs_modify_qp *m,
		     uint32_t mask_allowed)
{
	struct emu_device *dev = c->f->dev;
	struct emu_qp_attr n;
	enum emu_qp_state old;
	struct emu_qp *qp;
	int ret;

	if (m->attr_mask & ~mask_allowed)
		return -EOPNOTSUPP;
	qp = (struct emu_qp *)emu_obj_lookup(c->f, EMU_OBJ_QP, m->qp_handle);
	if (!qp)
		return -EINVAL;
	ret = modify_core_checks(m);
	if (ret)
		return ret;
	/* irdma knows the standard attributes only (no rate limit) */
	if (m->attr_mask & ~M_LEGACY_ALL)
		return -EOPNOTSUPP;
	if (modify_is_reflush(c, qp, m))
		return 0;
	old = qp->attr.state;
	if ((m->attr_mask & M_STATE) &&
	    !emu_qp_transition_ok(old, m->qp_state, qp->qp_type, m->attr_mask))
		return -EINVAL;

	n = qp->attr;
	ret = modify_apply(qp, m, &n);
	if (ret)
		return ret;

	pthread_mutex_lock(&dev->lock);
	ret = modify_commit(qp, m, &n, old);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

static void offer_push(struct emu_cmd *c, const struct ib_uverbs_modify_qp *m,
		       struct irdma_modify_qp_resp *r)
{
	struct emu_qp *qp;

	qp = (struct emu_qp *)emu_obj_lookup(c->f, EMU_OBJ_QP, m->qp_handle);
	if (qp)
		emu_push_offer(qp, qp->attr.state, r);
}

int emu_cmd_modify_qp(struct emu_cmd *c)
{
	int ret;

	if (c->ex) {
		struct ib_uverbs_ex_modify_qp cmd;
		struct ib_uverbs_ex_modify_qp_resp resp = {};
		struct irdma_modify_qp_resp uresp = {};

		ret = emu_cmd_request(c, &cmd, sizeof(cmd));
		if (ret)
			return ret;
		if (cmd.reserved)
			return -EINVAL;
		ret = modify_qp(c, &cmd.base, M_EX_ALL);
		if (ret)
			return ret;
		/* push pages go only to providers that take the response */
		if (c->udata.outlen && (cmd.base.attr_mask & M_STATE))
			offer_push(c, &cmd.base, &uresp);
		if (c->udata.outlen) {
			ret = emu_udata_out(&c->udata, &uresp, sizeof(uresp));
			if (ret)
				return ret;
		}
		resp.response_length =
			c->outlen < sizeof(resp) ? c->outlen : sizeof(resp);
		return emu_cmd_response(c, &resp, sizeof(resp));
	} else {
		struct ib_uverbs_modify_qp cmd;

		ret = emu_cmd_request(c, &cmd, sizeof(cmd));
		if (ret)
			return ret;
		return modify_qp(c, &cmd, M_LEGACY_ALL);
	}
}

/* ---- destroy ---------------------------------------------------------- */

uint32_t emu_destroy_qp(struct emu_qp *qp)
{
	struct emu_file *f = qp->obj.file;
	uint32_t events;

	pthread_mutex_lock(&f->dev->lock);
	emu_hw_qp_detach(qp);
	pthread_mutex_unlock(&f->dev->lock);
	emu_obj_unpublish(&qp->obj);
	events = emu_async_settle(f, qp->obj.user_handle, qp->events_reported);
	qp_free(qp);
	return events;
}

int emu_cmd_destroy_qp(struct emu_cmd *c)
{
	struct ib_uverbs_destroy_qp_resp resp = {};
	struct emu_qp *qp = (struct emu_qp *)c->obj;

	resp.events_reported = emu_destroy_qp(qp);
	return emu_cmd_response(c, &resp, sizeof(resp));
}

/* Multicast is not emulated: the commands exist but are refused. */
int emu_cmd_mcast(struct emu_cmd *c)
{
	return -EOPNOTSUPP;
}
