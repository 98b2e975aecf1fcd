// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The verbs objects every phase needs: the first device, a PD, a
 * registered buffer, QPs brought to RTS on the device's own GID (the
 * emulated fabric delivers packets for the local GID back to this
 * process, so a QP pair in one process talks to itself).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common/device.h"
#include "common/verbs.h"

/* The data buffer: private memory, or shared memory in a CoCo guest. */
static int alloc_data_buf(struct bench_dev *d, bool cc_data)
{
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ;

	if (cc_data && d->cc_bounce) {
		d->cc_domain = bench_parent_domain(d, true);
		if (!d->cc_domain)
			return errno ? errno : ENOMEM;
		d->buf =
			ibv_alloc_buf(d->cc_domain, BENCH_BUF_SIZE, &d->cc_buf);
		if (!d->buf)
			return errno ? errno : ENOMEM;
		d->mr = ibv_reg_buf_mr(d->cc_domain, d->cc_buf, d->buf,
				       BENCH_BUF_SIZE, access);
	} else {
		d->buf = aligned_alloc(4096, BENCH_BUF_SIZE);
		if (!d->buf)
			return ENOMEM;
		d->mr = ibv_reg_mr(d->dev.pd, d->buf, BENCH_BUF_SIZE, access);
	}
	memset(d->buf, 0x5a, BENCH_BUF_SIZE);
	return d->mr ? 0 : (errno ? errno : ENOMEM);
}

int bench_dev_open(struct bench_dev *d, bool cc_data)
{
	int ret;

	memset(d, 0, sizeof(*d));
	ret = test_dev_open(&d->dev, 0, 0);
	if (ret)
		return ret;
	d->cc_bounce = d->dev.attr.device_cap_flags_ex &
		       IBV_DEVICE_CC_DMA_BOUNCE;
	ret = alloc_data_buf(d, cc_data);
	if (ret)
		bench_dev_close(d);
	return ret;
}

void bench_dev_close(struct bench_dev *d)
{
	if (d->mr)
		ibv_dereg_mr(d->mr);
	if (d->cc_buf)
		ibv_free_buf(d->cc_buf);
	else
		free(d->buf);
	if (d->cc_domain)
		ibv_dealloc_pd(d->cc_domain);
	test_dev_close(&d->dev);
	memset(d, 0, sizeof(*d));
}

struct ibv_pd *bench_parent_domain(struct bench_dev *d, bool cc)
{
	struct ibv_parent_domain_init_attr a = {
		.pd = d->dev.pd,
		.comp_mask =
			cc ? IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC :
			     0,
	};

	return ibv_alloc_parent_domain(d->dev.ctx, &a);
}

struct ibv_cq *bench_create_cq(struct bench_dev *d, struct ibv_pd *domain,
			       int cqe)
{
	struct ibv_cq_ex *cq;

	if (!domain)
		return ibv_create_cq(d->dev.ctx, cqe, NULL, NULL, 0);
	cq = test_cq_on_domain(d->dev.ctx, domain, cqe);
	return cq ? ibv_cq_ex_to_cq(cq) : NULL;
}

struct ibv_qp *bench_create_qp(struct bench_dev *d, struct ibv_pd *domain,
			       enum ibv_qp_type type, struct ibv_cq *scq,
			       struct ibv_cq *rcq, uint32_t depth,
			       uint32_t max_inline)
{
	struct ibv_qp_init_attr_ex a =
		test_qp_attr_ex(domain ? domain : d->dev.pd, type, scq, rcq, depth);

	a.cap.max_inline_data = max_inline;
	return ibv_create_qp_ex(d->dev.ctx, &a);
}

int bench_qp_to_rts(struct bench_dev *d, struct ibv_qp *qp, uint32_t peer_qpn)
{
	struct test_rc_peer peer =
		TEST_RC_PEER(peer_qpn, d->dev.gid,
			     IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);

	if (qp->qp_type == IBV_QPT_UD)
		return test_ud_to_rts(qp, BENCH_QKEY);
	return test_rc_to_rts(qp, &peer);
}

struct ibv_ah *bench_self_ah(struct bench_dev *d)
{
	return test_create_ah(d->dev.pd, &d->dev.gid, 0);
}
