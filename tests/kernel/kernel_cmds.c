// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Object commands of the emulated kernel, written raw to a uverbs fd with
 * our own context (so bad handles, missing ring registrations and bad
 * driver data can be sent):
 *
 *   kernel_cmds --gen N [--dmabuf 0|1]
 *
 * --dmabuf says whether the kernel accepts the DMA-buf memreg extension;
 * with 1 the run must be --cc (the DMA-buf heap exists).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel_util.h"

#define PAGE 4096UL
#define QPT_RC 2
#define QPT_UC 3
#define QPT_UD 4
#define QP_STATE (1U << 0)
#define QP_ACCESS_FLAGS (1U << 3)
#define QP_PKEY_INDEX (1U << 4)
#define QP_PORT (1U << 5)
#define QP_AV (1U << 7)
#define QP_PATH_MTU (1U << 8)
#define QP_RQ_PSN (1U << 12)
#define QP_MIN_RNR_TIMER (1U << 15)
#define QP_MAX_DEST_RD_ATOMIC (1U << 17)
#define QP_DEST_QPN (1U << 20)
#define QP_RATE_LIMIT (1U << 25)

static unsigned int gen = 2;

static bool cq_shadow_is_separate(void)
{
	return gen >= 2; /* IRDMA_FEATURE_CQ_RESIZE */
}

/* ---- PD and MR -------------------------------------------------------- */

static uint32_t query_max_pd(struct kt_ctx *c)
{
	struct ib_uverbs_query_device_resp r = { 0 };
	struct ib_uverbs_query_device q = { .response = (uintptr_t)&r };

	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_QUERY_DEVICE, &q,
			     sizeof(q), NULL, 0, sizeof(r)),
		      0, "QUERY_DEVICE");
	return r.max_pd;
}

/* Allocate PDs until the device has none left: irdma says EOVERFLOW. */
static void check_pd_exhaustion(struct kt_ctx *c)
{
	uint32_t max = query_max_pd(c);
	uint32_t *pds = calloc(max + 1, sizeof(*pds));
	uint32_t n = 0, i;
	int err = 0;

	if (!pds || !max)
		return;
	while (n <= max && !(err = kt_alloc_pd(c, &pds[n])))
		n++;
	KT_EXPECT_ERR(err, EOVERFLOW, "ALLOC_PD beyond max_pd");
	EXPECT(n == max, "%u PDs allocated, max_pd %u", n, max);
	for (i = 0; i < n; i++)
		if (kt_dealloc_pd(c, pds[i]))
			break;
	EXPECT(i == n, "DEALLOC_PD %u of %u failed", i, n);
	free(pds);
}

/* A handle of one context means nothing to another one. */
static void check_foreign_handle(struct kt_ctx *c, uint32_t pd)
{
	struct kt_ctx other = { .fd = kt_open_uverbs() };
	uint32_t mine;

	KT_EXPECT_ERR(kt_get_context(&other, 5,
				     IRDMA_ALLOC_UCTX_USE_RAW_ATTR |
					     IRDMA_SUPPORT_WQE_FORMAT_V2,
				     sizeof(other.uctx)),
		      0, "second context");
	KT_EXPECT_ERR(kt_alloc_pd(&other, &mine), 0, "ALLOC_PD there");
	KT_EXPECT_ERR(kt_dealloc_pd(&other, pd), EINVAL,
		      "DEALLOC_PD of another context's PD");
	KT_EXPECT_ERR(kt_dealloc_pd(c, mine), EINVAL,
		      "DEALLOC_PD of the second context's PD");
	KT_EXPECT_ERR(kt_dealloc_pd(&other, mine), 0, "DEALLOC_PD there");
	close(other.async_fd);
	close(other.fd);
}

static void check_pd(struct kt_ctx *c)
{
	struct ib_uverbs_alloc_pd cmd = { .response = 0x10 };
	uint8_t resp[16];
	uint32_t pd;

	/* the core response does not fit: ENOSPC */
	cmd.response = (uintptr_t)resp;
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &cmd,
			     sizeof(cmd), NULL, 0, 0),
		      ENOSPC, "ALLOC_PD without response room");
	/* irdma needs room for its pd_id */
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &cmd,
			     sizeof(cmd), NULL, 0, 4),
		      EINVAL, "ALLOC_PD without driver response room");
	/* an unmapped response buffer */
	cmd.response = 0x10;
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &cmd,
			     sizeof(cmd), NULL, 0, 16),
		      EFAULT, "ALLOC_PD with a bad response pointer");
	KT_EXPECT_ERR(kt_dealloc_pd(c, 4242), EINVAL, "DEALLOC_PD bad handle");
	KT_EXPECT_ERR(kt_alloc_pd(c, &pd), 0, "ALLOC_PD");
	KT_EXPECT_ERR(kt_dealloc_pd(c, pd), 0, "DEALLOC_PD");
	KT_EXPECT_ERR(kt_dealloc_pd(c, pd), EINVAL, "DEALLOC_PD twice");
	check_pd_exhaustion(c);
}

static void check_mr(struct kt_ctx *c, uint32_t pd)
{
	struct irdma_mem_reg_req mem = { .reg_type = IRDMA_MEMREG_TYPE_MEM };
	struct ib_uverbs_reg_mr_resp resp;
	uint8_t *buf = kt_pages(4 * PAGE);
	uint8_t *hole = kt_pages(PAGE);
	uint32_t lw = IB_UVERBS_ACCESS_LOCAL_WRITE;
	struct ib_uverbs_reg_mr cmd;

	munmap(hole, PAGE);
	KT_EXPECT_ERR(kt_reg_mr(c, pd, buf, PAGE, lw, &mem, 8, &resp), 0,
		      "REG_MR");
	EXPECT(resp.lkey && resp.lkey == resp.rkey, "lkey 0x%x rkey 0x%x",
	       resp.lkey, resp.rkey);
	KT_EXPECT_ERR(kt_dereg_mr(c, resp.mr_handle), 0, "DEREG_MR");
	KT_EXPECT_ERR(kt_dereg_mr(c, resp.mr_handle), EINVAL, "DEREG_MR twice");

	KT_EXPECT_ERR(kt_reg_mr(c, pd + 77, buf, PAGE, lw, &mem, 8, &resp),
		      EINVAL, "REG_MR bad PD");
	KT_EXPECT_ERR(kt_reg_mr(c, pd, buf, 0, lw, &mem, 8, &resp), EINVAL,
		      "REG_MR length 0");
	KT_EXPECT_ERR(kt_reg_mr(c, pd, buf, PAGE, IB_UVERBS_ACCESS_REMOTE_WRITE,
				&mem, 8, &resp),
		      EINVAL, "REMOTE_WRITE without LOCAL_WRITE");
	KT_EXPECT_ERR(kt_reg_mr(c, pd, hole, PAGE, lw, &mem, 8, &resp), EFAULT,
		      "REG_MR of unmapped memory");
	KT_EXPECT_ERR(kt_reg_mr(c, pd, buf, PAGE, lw, &mem, 0, &resp), EINVAL,
		      "REG_MR without irdma driver data");

	/* start and hca_va must share their offset in the page */
	cmd = (struct ib_uverbs_reg_mr){
		.response = (uintptr_t)&resp,
		.start = (uintptr_t)buf + 8,
		.length = 64,
		.hca_va = 0x10000,
		.pd_handle = pd,
		.access_flags = lw,
	};
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_REG_MR, &cmd, sizeof(cmd),
			     &mem, 8, sizeof(resp)),
		      EINVAL, "REG_MR start/hca_va page offsets differ");

	/* ring registrations */
	KT_EXPECT_ERR(kt_reg_ring(c, pd, buf, 4 * PAGE, IRDMA_MEMREG_TYPE_QP, 0,
				  1, 0, NULL),
		      EINVAL, "QP ring with zero SQ pages");
	KT_EXPECT_ERR(kt_reg_ring(c, pd, buf, 4 * PAGE, IRDMA_MEMREG_TYPE_QP, 3,
				  1, 0, NULL),
		      EINVAL, "QP ring without room for the shadow area");
	KT_EXPECT_ERR(kt_reg_ring(c, pd, buf, 4 * PAGE, IRDMA_MEMREG_TYPE_CQ, 0,
				  0, 0, NULL),
		      EINVAL, "CQ ring with zero pages");
	KT_EXPECT_ERR(kt_reg_ring(c, pd, buf, PAGE, 9, 1, 1, 1, NULL), EINVAL,
		      "unknown reg_type");
	KT_EXPECT_ERR(kt_reg_ring(c, pd, buf, 4 * PAGE, IRDMA_MEMREG_TYPE_SRQ,
				  0, 2, 0, NULL),
		      gen >= 3 ? 0 : EOPNOTSUPP, "SRQ ring");
}

/* ---- the DMA-buf memreg extension ------------------------------------ */

static int heap_alloc(size_t len)
{
	struct dma_heap_allocation_data a = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open("/dev/dma_heap/system_cc_shared", O_RDWR | O_CLOEXEC);
	int ret;

	if (heap < 0)
		return -1;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a);
	close(heap);
	return ret ? -1 : (int)a.fd;
}

static void check_dmabuf_ext(struct kt_ctx *c, uint32_t pd, bool accepted)
{
	struct irdma_mem_reg_req req = { .reg_type = IRDMA_MEMREG_TYPE_MEM };
	struct ib_uverbs_reg_mr_resp resp;
	uint32_t lw = IB_UVERBS_ACCESS_LOCAL_WRITE;
	uint8_t *alias = kt_pages(4 * PAGE);
	int fd = accepted ? heap_alloc(4 * PAGE) : -1;

	/* half an extension is no request at all */
	KT_EXPECT_ERR(kt_reg_mr(c, pd, alias, PAGE, lw, &req, 16, &resp),
		      EINVAL, "16-byte irdma_mem_reg_req");
	req.flags = 1U << 5;
	KT_EXPECT_ERR(
		kt_reg_mr(c, pd, alias, PAGE, lw, &req, sizeof(req), &resp),
		EINVAL, "unknown memreg flag");
	/* an extended request with no flags is an old request */
	req.flags = 0;
	KT_EXPECT_ERR(
		kt_reg_mr(c, pd, alias, PAGE, lw, &req, sizeof(req), &resp), 0,
		"extended request without flags");
	kt_dereg_mr(c, resp.mr_handle);
	/* ... whose DMA-buf fields are reserved: they must be zero */
	req.dmabuf_fd = -1;
	KT_EXPECT_ERR(
		kt_reg_mr(c, pd, alias, PAGE, lw, &req, sizeof(req), &resp),
		EINVAL, "no flags, dmabuf_fd -1");
	req.dmabuf_fd = 0;
	req.dmabuf_offset = PAGE;
	KT_EXPECT_ERR(
		kt_reg_mr(c, pd, alias, PAGE, lw, &req, sizeof(req), &resp),
		EINVAL, "no flags, dmabuf_offset set");
	req.dmabuf_offset = 0;

	req.flags = IRDMA_MEMREG_FLAG_DMABUF;
	req.dmabuf_fd = fd;
	if (!accepted) {
		KT_EXPECT_ERR(kt_reg_mr(c, pd, alias, PAGE, lw, &req,
					sizeof(req), &resp),
			      EOPNOTSUPP, "DMA-buf memreg not negotiated");
		return;
	}
	EXPECT(fd >= 0, "DMA-buf heap allocation failed");
	if (fd < 0)
		return;
	req.dmabuf_offset = 3 * PAGE;
	KT_EXPECT_ERR(
		kt_reg_mr(c, pd, alias, 2 * PAGE, lw, &req, sizeof(req), &resp),
		EINVAL, "DMA-buf offset + length beyond its size");
	req.dmabuf_offset = 8 * PAGE;
	KT_EXPECT_ERR(
		kt_reg_mr(c, pd, alias, PAGE, lw, &req, sizeof(req), &resp),
		EINVAL, "DMA-buf offset beyond its size");
	req.dmabuf_offset = PAGE;
	req.dmabuf_fd = 0;
	KT_EXPECT_ERR(
		kt_reg_mr(c, pd, alias, PAGE, lw, &req, sizeof(req), &resp),
		EBADF, "DMA-buf memreg with stdin as the fd");
	req.dmabuf_fd = fd;
	KT_EXPECT_ERR(
		kt_reg_mr(c, pd, alias, 3 * PAGE, lw, &req, sizeof(req), &resp),
		0, "DMA-buf memreg");
	/* the driver holds the buffer: closing our fd does not break it */
	close(fd);
	KT_EXPECT_ERR(kt_dereg_mr(c, resp.mr_handle), 0, "DEREG DMA-buf MR");
}

/* ---- CQ --------------------------------------------------------------- */

struct cq_ring {
	uint8_t *mem;
	uint8_t *shadow;
	uint32_t ring_mr, shadow_mr;
};

static int make_cq_ring(struct kt_ctx *c, uint32_t pd, struct cq_ring *r)
{
	int ret;

	r->mem = kt_pages(2 * PAGE);
	if (!cq_shadow_is_separate())
		return kt_reg_ring(c, pd, r->mem, PAGE + 64,
				   IRDMA_MEMREG_TYPE_CQ, 0, 0, 1, &r->ring_mr);
	ret = kt_reg_ring(c, pd, r->mem, PAGE, IRDMA_MEMREG_TYPE_CQ, 0, 0, 1,
			  &r->ring_mr);
	if (ret)
		return ret;
	r->shadow = kt_pages(PAGE);
	return kt_reg_ring(c, pd, r->shadow, 64, IRDMA_MEMREG_TYPE_CQ, 0, 0, 1,
			   &r->shadow_mr);
}

static int create_cq(struct kt_ctx *c, const struct cq_ring *r, uint32_t cqe,
		     int channel, uint32_t vector, uint32_t *handle)
{
	struct {
		struct ib_uverbs_create_cq_resp core;
		struct irdma_create_cq_resp drv;
	} resp = { 0 };
	struct ib_uverbs_create_cq cmd = {
		.response = (uintptr_t)&resp,
		.user_handle = 0x1234,
		.cqe = cqe,
		.comp_vector = vector,
		.comp_channel = channel,
	};
	struct irdma_create_cq_req req = {
		.user_cq_buf = (uintptr_t)r->mem,
		.user_shadow_area =
			(uintptr_t)(r->shadow ? r->shadow : r->mem + PAGE),
	};
	int ret;

	ret = kt_cmd(c->fd, IB_USER_VERBS_CMD_CREATE_CQ, &cmd, sizeof(cmd),
		     &req, sizeof(req), sizeof(resp));
	if (!ret)
		*handle = resp.core.cq_handle;
	return ret;
}

static int destroy_cq(struct kt_ctx *c, uint32_t cq)
{
	struct ib_uverbs_destroy_cq_resp resp;
	struct ib_uverbs_destroy_cq cmd = {
		.response = (uintptr_t)&resp,
		.cq_handle = cq,
	};

	return kt_cmd(c->fd, IB_USER_VERBS_CMD_DESTROY_CQ, &cmd, sizeof(cmd),
		      NULL, 0, sizeof(resp));
}

static uint32_t check_cq(struct kt_ctx *c, uint32_t pd, struct cq_ring *r)
{
	struct cq_ring none = { .mem = kt_pages(PAGE) };
	uint32_t cq = 0, too_big;
	struct cq_ring big = { 0 };

	KT_EXPECT_ERR(create_cq(c, &none, 16, -1, 0, &cq), EPROTO,
		      "CREATE_CQ without a ring registration");
	KT_EXPECT_ERR(make_cq_ring(c, pd, r), 0, "CQ ring registration");
	KT_EXPECT_ERR(create_cq(c, r, 16, 0, 0, &cq), EBADF,
		      "CREATE_CQ with stdin as completion channel");
	KT_EXPECT_ERR(create_cq(c, r, 16, -1, 7, &cq), EINVAL,
		      "CREATE_CQ on comp vector 7");
	KT_EXPECT_ERR(create_cq(c, r, 0, -1, 0, &cq), EINVAL,
		      "CREATE_CQ with 0 CQEs");
	KT_EXPECT_ERR(make_cq_ring(c, pd, &big), 0, "CQ ring registration");
	KT_EXPECT_ERR(create_cq(c, &big, 4096, -1, 0, &too_big), EINVAL,
		      "CREATE_CQ with more CQEs than its ring holds");
	/* irdma consumed that registration: it cannot be used again */
	KT_EXPECT_ERR(create_cq(c, &big, 16, -1, 0, &too_big), EPROTO,
		      "CREATE_CQ on a consumed ring registration");
	{
		/* a CQ whose response cannot be delivered is undone */
		struct cq_ring lost;
		unsigned long before;
		struct ib_uverbs_create_cq bad = {
			.response = 8,
			.cqe = 16,
			.comp_channel = -1,
		};
		struct irdma_create_cq_req req = { 0 };

		KT_EXPECT_ERR(make_cq_ring(c, pd, &lost), 0, "CQ ring");
		req.user_cq_buf = (uintptr_t)lost.mem;
		req.user_shadow_area =
			(uintptr_t)(lost.shadow ? lost.shadow :
						  lost.mem + PAGE);
		before = test_emu_live_objects();
		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_CREATE_CQ, &bad,
				     sizeof(bad), &req, sizeof(req), 16),
			      EFAULT, "CREATE_CQ with a bad response pointer");
		EXPECT(test_emu_live_objects() == before,
		       "CQ left behind by a failed CREATE_CQ");
	}
	KT_EXPECT_ERR(create_cq(c, r, 16, -1, 0, &cq), 0, "CREATE_CQ");
	if (gen == 1) {
		struct ib_uverbs_resize_cq_resp rr;
		struct ib_uverbs_resize_cq rc = {
			.response = (uintptr_t)&rr,
			.cq_handle = cq,
			.cqe = 32,
		};
		struct irdma_resize_cq_req rreq = { (uintptr_t)r->mem };

		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_RESIZE_CQ, &rc,
				     sizeof(rc), &rreq, sizeof(rreq),
				     sizeof(rr)),
			      EOPNOTSUPP, "RESIZE_CQ on gen 1");
	}
	kt_dereg_mr(c, big.ring_mr);
	if (big.shadow)
		kt_dereg_mr(c, big.shadow_mr);
	return cq;
}

/* ---- QP --------------------------------------------------------------- */

static int create_qp(struct kt_ctx *c, uint32_t pd, uint32_t scq, uint32_t rcq,
		     uint8_t type, void *ring,
		     struct ib_uverbs_create_qp_resp *out)
{
	struct {
		struct ib_uverbs_create_qp_resp core;
		struct irdma_create_qp_resp drv;
	} resp = { 0 };
	struct ib_uverbs_create_qp cmd = {
		.response = (uintptr_t)&resp,
		.user_handle = 0x5678,
		.pd_handle = pd,
		.send_cq_handle = scq,
		.recv_cq_handle = rcq,
		.max_send_wr = 16,
		.max_recv_wr = 16,
		.max_send_sge = 1,
		.max_recv_sge = 1,
		.qp_type = type,
	};
	struct irdma_create_qp_req req = { .user_wqe_bufs = (uintptr_t)ring };
	int ret;

	ret = kt_cmd(c->fd, IB_USER_VERBS_CMD_CREATE_QP, &cmd, sizeof(cmd),
		     &req, sizeof(req), sizeof(resp));
	if (!ret && out)
		*out = resp.core;
	return ret;
}

static int modify_qp(struct kt_ctx *c, uint32_t qp, uint32_t mask,
		     const struct ib_uverbs_modify_qp *tmpl)
{
	struct ib_uverbs_modify_qp cmd = *tmpl;

	cmd.qp_handle = qp;
	cmd.attr_mask = mask;
	return kt_cmd(c->fd, IB_USER_VERBS_CMD_MODIFY_QP, &cmd, sizeof(cmd),
		      NULL, 0, 0);
}

static void check_modify(struct kt_ctx *c, uint32_t qp)
{
	struct ib_uverbs_modify_qp m = {
		.qp_state = 1, /* INIT */
		.port_num = 1,
		.qp_access_flags = IB_UVERBS_ACCESS_LOCAL_WRITE,
	};
	uint32_t init = QP_STATE | QP_PKEY_INDEX | QP_PORT | QP_ACCESS_FLAGS;
	uint32_t rtr = QP_STATE | QP_AV | QP_PATH_MTU | QP_DEST_QPN |
		       QP_RQ_PSN | QP_MAX_DEST_RD_ATOMIC | QP_MIN_RNR_TIMER;
	struct ib_uverbs_query_qp_resp qr;
	struct ib_uverbs_query_qp q = { .response = (uintptr_t)&qr };

	m.qp_state = 2; /* RTR */
	KT_EXPECT_ERR(modify_qp(c, qp, init, &m), EINVAL, "RESET -> RTR");
	m.qp_state = 1;
	KT_EXPECT_ERR(modify_qp(c, qp, init & ~QP_PORT, &m), EINVAL,
		      "RESET -> INIT without the port");
	KT_EXPECT_ERR(modify_qp(c, qp, init | QP_RATE_LIMIT, &m), EOPNOTSUPP,
		      "legacy modify with the rate-limit bit");
	m.port_num = 2;
	KT_EXPECT_ERR(modify_qp(c, qp, init, &m), EINVAL, "port 2");
	m.port_num = 1;
	m.qp_state = 9;
	KT_EXPECT_ERR(modify_qp(c, qp, init, &m), EINVAL, "state 9");
	m.qp_state = 1;
	KT_EXPECT_ERR(modify_qp(c, qp, init, &m), 0, "RESET -> INIT");

	m.qp_state = 2;
	m.path_mtu = 3;
	m.dest_qp_num = 2;
	m.max_dest_rd_atomic = 1;
	m.dest.port_num = 1;
	m.dest.is_global = 0;
	KT_EXPECT_ERR(modify_qp(c, qp, rtr, &m), EINVAL,
		      "RTR with an AV without GRH (RoCE)");
	m.dest.is_global = 1;
	m.dest.sgid_index = 40;
	KT_EXPECT_ERR(modify_qp(c, qp, rtr, &m), EINVAL,
		      "RTR with sgid_index 40");
	m.dest.sgid_index = 0;
	m.path_mtu = 9;
	KT_EXPECT_ERR(modify_qp(c, qp, rtr, &m), EINVAL, "path MTU 9");
	m.path_mtu = 3;
	KT_EXPECT_ERR(modify_qp(c, qp, rtr & ~QP_DEST_QPN, &m), EINVAL,
		      "RTR without dest QPN");

	q.qp_handle = qp;
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_QUERY_QP, &q, sizeof(q),
			     NULL, 0, sizeof(qr)),
		      0, "QUERY_QP");
	EXPECT(qr.qp_state == 1 && qr.port_num == 1, "state %u port %u",
	       qr.qp_state, qr.port_num);
	q.qp_handle = qp + 100;
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_QUERY_QP, &q, sizeof(q),
			     NULL, 0, sizeof(qr)),
		      EINVAL, "QUERY_QP bad handle");
}

static void check_qp(struct kt_ctx *c, uint32_t pd, uint32_t cq)
{
	struct ib_uverbs_destroy_qp_resp dr;
	struct ib_uverbs_destroy_qp d = { .response = (uintptr_t)&dr };
	struct ib_uverbs_create_qp_resp r;
	uint8_t *ring = kt_pages(16 * PAGE);
	uint8_t *small = kt_pages(4 * PAGE);
	uint32_t ring_mr, small_mr;

	KT_EXPECT_ERR(create_qp(c, pd, cq, cq, QPT_RC, ring, NULL), ENODATA,
		      "CREATE_QP without a ring registration");
	KT_EXPECT_ERR(create_qp(c, pd + 50, cq, cq, QPT_RC, ring, NULL), EINVAL,
		      "CREATE_QP bad PD");
	KT_EXPECT_ERR(create_qp(c, pd, cq + 50, cq, QPT_RC, ring, NULL), EINVAL,
		      "CREATE_QP bad send CQ");
	KT_EXPECT_ERR(create_qp(c, pd, cq, cq, QPT_UC, ring, NULL), EOPNOTSUPP,
		      "CREATE_QP of type UC");
	/* one SQ page cannot hold 16 WRs plus irdma's 258 reserved quanta */
	KT_EXPECT_ERR(kt_reg_ring(c, pd, small, 3 * PAGE, IRDMA_MEMREG_TYPE_QP,
				  1, 1, 0, &small_mr),
		      0, "small QP ring");
	KT_EXPECT_ERR(create_qp(c, pd, cq, cq, QPT_RC, small, NULL), EINVAL,
		      "CREATE_QP on a too small ring");
	KT_EXPECT_ERR(kt_reg_ring(c, pd, ring, 16 * PAGE, IRDMA_MEMREG_TYPE_QP,
				  12, 2, 0, &ring_mr),
		      0, "QP ring");
	KT_EXPECT_ERR(create_qp(c, pd, cq, cq, QPT_RC, ring, &r), 0,
		      "CREATE_QP");
	EXPECT(r.qpn >= 2 && r.max_send_wr >= 16 && r.max_recv_wr >= 16,
	       "qpn %u send %u recv %u", r.qpn, r.max_send_wr, r.max_recv_wr);
	check_modify(c, r.qp_handle);

	KT_EXPECT_ERR(destroy_cq(c, cq), EBUSY, "DESTROY_CQ used by a QP");
	KT_EXPECT_ERR(kt_dealloc_pd(c, pd), EBUSY, "DEALLOC_PD used by a QP");
	d.qp_handle = r.qp_handle;
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_DESTROY_QP, &d, sizeof(d),
			     NULL, 0, sizeof(dr)),
		      0, "DESTROY_QP");
	EXPECT(dr.events_reported == 0, "events_reported %u",
	       dr.events_reported);
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_DESTROY_QP, &d, sizeof(d),
			     NULL, 0, sizeof(dr)),
		      EINVAL, "DESTROY_QP twice");
	kt_dereg_mr(c, ring_mr);
	kt_dereg_mr(c, small_mr);
}

static void check_srq(struct kt_ctx *c, uint32_t pd)
{
	struct {
		struct ib_uverbs_create_srq_resp core;
		struct irdma_create_srq_resp drv;
	} resp;
	struct ib_uverbs_create_srq cmd = {
		.response = (uintptr_t)&resp,
		.pd_handle = pd,
		.max_wr = 16,
		.max_sge = 1,
	};
	struct irdma_create_srq_req req = {
		.user_srq_buf = (uintptr_t)kt_pages(PAGE),
	};

	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_CREATE_SRQ, &cmd,
			     sizeof(cmd), &req, sizeof(req), sizeof(resp)),
		      gen >= 3 ? EPROTO : EOPNOTSUPP,
		      "CREATE_SRQ without a ring registration");
	if (gen < 3)
		return;

	/* 16 WRs of one quantum + 1 reserved: a 32-quanta ring, one page */
	req.user_srq_buf = (uintptr_t)kt_pages(2 * PAGE);
	KT_EXPECT_ERR(kt_reg_ring(c, pd, (void *)(uintptr_t)req.user_srq_buf,
				  PAGE + 64, IRDMA_MEMREG_TYPE_SRQ, 0, 1, 0,
				  NULL),
		      0, "SRQ ring");
	KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_CREATE_SRQ, &cmd,
			     sizeof(cmd), &req, sizeof(req), sizeof(resp)),
		      0, "CREATE_SRQ");
	EXPECT(resp.core.max_wr >= 16 && resp.drv.srq_size >= 16,
	       "max_wr %u srq_size %u", resp.core.max_wr, resp.drv.srq_size);
	{
		uint32_t srq = resp.core.srq_handle;
		struct ib_uverbs_modify_srq m = { .srq_handle = srq };
		struct ib_uverbs_query_srq_resp qr;
		struct ib_uverbs_query_srq q = {
			.response = (uintptr_t)&qr,
			.srq_handle = srq,
		};
		struct ib_uverbs_destroy_srq_resp dr;
		struct ib_uverbs_destroy_srq d = {
			.response = (uintptr_t)&dr,
			.srq_handle = srq,
		};

		m.attr_mask = 1; /* IB_SRQ_MAX_WR: irdma cannot resize */
		m.max_wr = 64;
		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_MODIFY_SRQ, &m,
				     sizeof(m), NULL, 0, 0),
			      EINVAL, "MODIFY_SRQ max_wr");
		m.attr_mask = 2; /* IB_SRQ_LIMIT */
		m.srq_limit = 4096;
		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_MODIFY_SRQ, &m,
				     sizeof(m), NULL, 0, 0),
			      EINVAL, "MODIFY_SRQ limit beyond its size");
		m.srq_limit = 4;
		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_MODIFY_SRQ, &m,
				     sizeof(m), NULL, 0, 0),
			      0, "MODIFY_SRQ limit");
		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_QUERY_SRQ, &q,
				     sizeof(q), NULL, 0, sizeof(qr)),
			      0, "QUERY_SRQ");
		EXPECT(qr.srq_limit == 4 && qr.max_wr == resp.core.max_wr,
		       "limit %u max_wr %u", qr.srq_limit, qr.max_wr);
		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_DESTROY_SRQ, &d,
				     sizeof(d), NULL, 0, sizeof(dr)),
			      0, "DESTROY_SRQ");
		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_DESTROY_SRQ, &d,
				     sizeof(d), NULL, 0, sizeof(dr)),
			      EINVAL, "DESTROY_SRQ twice");
	}
}

/* The extended forms of create_qp/modify_qp refuse what irdma lacks. */
static void check_ex_qp(struct kt_ctx *c, uint32_t pd, uint32_t cq)
{
	struct ib_uverbs_ex_create_qp cmd = {
		.pd_handle = pd,
		.send_cq_handle = cq,
		.recv_cq_handle = cq,
		.max_send_wr = 4,
		.max_recv_wr = 4,
		.max_send_sge = 1,
		.max_recv_sge = 1,
		.qp_type = QPT_UD,
	};
	struct irdma_create_qp_req req = {
		.user_wqe_bufs = (uintptr_t)kt_pages(16 * PAGE),
	};
	struct {
		struct ib_uverbs_ex_create_qp_resp core;
		struct irdma_create_qp_resp drv;
	} resp;
	struct ib_uverbs_ex_modify_qp m = { 0 };
	struct ib_uverbs_ex_modify_qp_resp mr;
	uint64_t drv[3] = { 0 };

	KT_EXPECT_ERR(kt_reg_ring(c, pd, (void *)(uintptr_t)req.user_wqe_bufs,
				  16 * PAGE, IRDMA_MEMREG_TYPE_QP, 12, 2, 0,
				  NULL),
		      0, "QP ring");
	cmd.comp_mask = 1; /* RSS indirection table */
	KT_EXPECT_ERR(kt_cmd_ex(c->fd, IB_USER_VERBS_EX_CMD_CREATE_QP, &cmd,
				sizeof(cmd), &req, 32, &resp, sizeof(resp.core),
				24),
		      EINVAL, "EX_CREATE_QP with an indirection table");
	cmd.comp_mask = 0;
	cmd.create_flags = 1 << 1; /* scatter FCS */
	KT_EXPECT_ERR(kt_cmd_ex(c->fd, IB_USER_VERBS_EX_CMD_CREATE_QP, &cmd,
				sizeof(cmd), &req, 32, &resp, sizeof(resp.core),
				24),
		      EOPNOTSUPP, "EX_CREATE_QP with create flags");
	cmd.create_flags = 0;
	KT_EXPECT_ERR(kt_cmd_ex(c->fd, IB_USER_VERBS_EX_CMD_CREATE_QP, &cmd,
				sizeof(cmd), &req, 32, &resp, sizeof(resp.core),
				24),
		      0, "EX_CREATE_QP");
	EXPECT(resp.core.response_length >= sizeof(resp.core.base),
	       "response_length %u", resp.core.response_length);

	m.base.qp_handle = resp.core.base.qp_handle;
	m.base.attr_mask = 1U << 25; /* rate limit */
	KT_EXPECT_ERR(kt_cmd_ex(c->fd, IB_USER_VERBS_EX_CMD_MODIFY_QP, &m,
				sizeof(m), drv, 8, &mr, sizeof(mr), 0),
		      EOPNOTSUPP, "EX_MODIFY_QP rate limit");
	m.base.attr_mask = 1; /* to ERR from RESET */
	m.base.qp_state = 6;
	m.reserved = 1;
	KT_EXPECT_ERR(kt_cmd_ex(c->fd, IB_USER_VERBS_EX_CMD_MODIFY_QP, &m,
				sizeof(m), drv, 8, &mr, sizeof(mr), 0),
		      EINVAL, "EX_MODIFY_QP with reserved bits");
	m.reserved = 0;
	KT_EXPECT_ERR(kt_cmd_ex(c->fd, IB_USER_VERBS_EX_CMD_MODIFY_QP, &m,
				sizeof(m), drv, 8, &mr, sizeof(mr), 0),
		      0, "EX_MODIFY_QP RESET -> ERR");
	/* the provider's reflush: ERR -> ERR with sq_flush set */
	drv[0] = 1;
	KT_EXPECT_ERR(kt_cmd_ex(c->fd, IB_USER_VERBS_EX_CMD_MODIFY_QP, &m,
				sizeof(m), drv, 8, &mr, sizeof(mr), 0),
		      0, "EX_MODIFY_QP reflush");
	{
		struct ib_uverbs_destroy_qp_resp dr;
		struct ib_uverbs_destroy_qp d = {
			.response = (uintptr_t)&dr,
			.qp_handle = resp.core.base.qp_handle,
		};

		KT_EXPECT_ERR(kt_cmd(c->fd, IB_USER_VERBS_CMD_DESTROY_QP, &d,
				     sizeof(d), NULL, 0, sizeof(dr)),
			      0, "DESTROY_QP of the extended QP");
	}
}

int main(int argc, char **argv)
{
	bool dmabuf = false;
	struct cq_ring ring = { 0 };
	struct kt_ctx c = { 0 };
	uint32_t pd, cq;

	if (kt_parse_args(argc, argv, &gen, &dmabuf))
		return 2;
	c.fd = kt_open_uverbs();
	if (c.fd < 0 ||
	    kt_get_context(
		    &c, 5,
		    IRDMA_ALLOC_UCTX_USE_RAW_ATTR |
			    IRDMA_SUPPORT_WQE_FORMAT_V2 |
			    (dmabuf ? IRDMA_ALLOC_UCTX_DMABUF_MEMREG : 0),
		    sizeof(c.uctx))) {
		fprintf(stderr, "FAIL: no context\n");
		return 1;
	}
	check_pd(&c);
	if (kt_alloc_pd(&c, &pd))
		return 1;
	check_foreign_handle(&c, pd);
	check_mr(&c, pd);
	check_dmabuf_ext(&c, pd, dmabuf);
	cq = check_cq(&c, pd, &ring);
	check_qp(&c, pd, cq);
	check_srq(&c, pd);
	check_ex_qp(&c, pd, cq);
	KT_EXPECT_ERR(destroy_cq(&c, cq), 0, "DESTROY_CQ");
	KT_EXPECT_ERR(destroy_cq(&c, cq), EINVAL, "DESTROY_CQ twice");
	/* leave the rest (rings, PD) to the final close */
	EXPECT(test_emu_live_objects() > 1, "objects vanished early");
	close(c.async_fd);
	close(c.fd);
	EXPECT(test_emu_live_objects() == 0,
	       "%lu objects alive after the last close",
	       test_emu_live_objects());
	return test_exit_status();
}
