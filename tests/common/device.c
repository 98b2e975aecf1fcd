// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* The tests' open device and two-QP pieces; see device.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/device.h"
#include "common/process.h"
#include "common/verbs.h"

static int open_buf(struct test_dev *d, size_t size)
{
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ | IBV_ACCESS_MW_BIND;

	d->buf = aligned_alloc(4096, size);
	if (!d->buf)
		return ENOMEM;
	memset(d->buf, 0, size);
	d->buf_size = size;
	d->mr = ibv_reg_mr(d->pd, d->buf, size,
			   access | IBV_ACCESS_REMOTE_ATOMIC);
	if (!d->mr) /* devices without atomics may refuse the access flag */
		d->mr = ibv_reg_mr(d->pd, d->buf, size, access);
	return d->mr ? 0 : (errno ? errno : ENOMEM);
}

static int open_failed(struct test_dev *d, const char *what, int err)
{
	fprintf(stderr, "test_dev_open: %s: %s\n", what, strerror(err));
	test_dev_close(d);
	errno = err;
	return err;
}

int test_dev_open(struct test_dev *d, int gid_index, size_t buf_size)
{
	const char *gen = getenv("IRDMA_EMU_GEN");
	int ret;

	memset(d, 0, sizeof(*d));
	d->gen = gen ? atoi(gen) : 0;
	d->gid_index = gid_index;
	d->ctx = test_open_first_device();
	if (!d->ctx)
		return open_failed(d, "ibv_open_device",
				   errno ? errno : ENODEV);
	fcntl(d->ctx->async_fd, F_SETFL,
	      fcntl(d->ctx->async_fd, F_GETFL) | O_NONBLOCK);
	ret = ibv_query_device_ex(d->ctx, NULL, &d->attr);
	if (ret)
		return open_failed(d, "ibv_query_device_ex", ret);
	if (ibv_query_gid(d->ctx, 1, gid_index, &d->gid))
		return open_failed(d, "ibv_query_gid", errno ? errno : EIO);
	d->pd = ibv_alloc_pd(d->ctx);
	if (!d->pd)
		return open_failed(d, "ibv_alloc_pd", errno ? errno : ENOMEM);
	if (buf_size) {
		ret = open_buf(d, buf_size);
		if (ret)
			return open_failed(d, "registered buffer", ret);
	}
	return 0;
}

int test_dev_close(struct test_dev *d)
{
	int ret = 0, err;

	if (d->mr && (err = ibv_dereg_mr(d->mr)) && !ret)
		ret = err;
	if (d->pd && (err = ibv_dealloc_pd(d->pd)) && !ret)
		ret = err;
	if (d->ctx && (err = ibv_close_device(d->ctx)) && !ret)
		ret = err < 0 ? errno : err;
	free(d->buf);
	memset(d, 0, sizeof(*d));
	return ret;
}

int test_qp_create(struct test_dev *d, struct test_qp *q, enum ibv_qp_type type,
		   int cqe, struct ibv_srq *srq)
{
	struct ibv_qp_init_attr ia = {
		.qp_type = type,
		.srq = srq,
		.cap = {
			.max_send_wr = 64,
			.max_recv_wr = 64,
			.max_send_sge = 4,
			.max_recv_sge = 4,
			.max_inline_data = 64,
		},
	};

	/* gen 1 (X722) has 3 fragments and 48 bytes of inline data */
	if ((int)ia.cap.max_send_sge > d->attr.orig_attr.max_sge) {
		ia.cap.max_send_sge = (uint32_t)d->attr.orig_attr.max_sge;
		ia.cap.max_recv_sge = (uint32_t)d->attr.orig_attr.max_sge;
	}
	if (d->gen == 1)
		ia.cap.max_inline_data = 48;
	memset(q, 0, sizeof(*q));
	q->scq = ibv_create_cq(d->ctx, cqe, NULL, NULL, 0);
	q->rcq = ibv_create_cq(d->ctx, cqe, NULL, NULL, 0);
	if (!q->scq || !q->rcq)
		return -1;
	ia.send_cq = q->scq;
	ia.recv_cq = q->rcq;
	q->qp = ibv_create_qp(d->pd, &ia);
	if (!q->qp) {
		perror("ibv_create_qp");
		return -1;
	}
	return 0;
}

void test_qp_destroy(struct test_qp *q)
{
	if (q->qp)
		ibv_destroy_qp(q->qp);
	if (q->scq)
		ibv_destroy_cq(q->scq);
	if (q->rcq)
		ibv_destroy_cq(q->rcq);
	memset(q, 0, sizeof(*q));
}

int test_qp_rc_connect(struct test_dev *d, struct test_qp *q,
		       uint32_t remote_qpn, int rnr_retry)
{
	struct test_rc_peer peer = {
		.qpn = remote_qpn,
		.gid = d->gid,
		.sgid_index = (uint8_t)d->gid_index,
		.access = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			  IBV_ACCESS_REMOTE_ATOMIC,
		.min_rnr_timer = 1,
		.rnr_retry = (uint8_t)rnr_retry,
	};

	return test_rc_to_rts(q->qp, &peer) ? -1 : 0;
}

int test_qp_ud_ready(struct test_qp *q, uint32_t qkey)
{
	return test_ud_to_rts(q->qp, qkey) ? -1 : 0;
}

int test_poll_one(struct ibv_cq *cq, struct ibv_wc *wc, int ms)
{
	return test_poll_cq(cq, wc, 1, ms) == 1 ? 0 : -1;
}

int test_poll_cq(struct ibv_cq *cq, struct ibv_wc *wc, int n, int ms)
{
	uint64_t end = test_now_ms() + (uint64_t)ms;
	int got = 0;

	do {
		int r = ibv_poll_cq(cq, n - got, wc + got);

		if (r < 0)
			return -1;
		got += r;
	} while (got < n && test_now_ms() < end);
	return got;
}

int test_post_recv(struct ibv_qp *qp, uint64_t wr_id, void *addr, uint32_t len,
		   uint32_t lkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)addr,
		.length = len,
		.lkey = lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = wr_id, .sg_list = &sge, .num_sge = 1,
	}, *bad;

	return ibv_post_recv(qp, &wr, &bad);
}
