// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Compatibility probe: what the provider does on the emulated device and
 * kernel it runs on, printed as the cells of one row of the behaviour table
 * in docs/compatibility.md (compat-check.sh compares the two).
 *
 * Cells, in order: ABI | DMA-buf memreg | CC_DMA_BOUNCE | PD CQ+QP |
 * extended CQ | CQ resize | SRQ | CoCo CQ+QP | CoCo rings by | CoCo buffer |
 * reg_buf_mr | SEND on CoCo QPs. A cell is "ok", the errno name of a
 * refusal, "yes" / "no", for the CoCo buffer "DMA-buf" / "private", for
 * the rings the ring ABIs the emulated kernel saw register them; "-" when
 * an earlier refusal makes the step meaningless.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "rel_util.h"

#define MSG 64u

struct probe {
	struct ibv_context *ctx;
	struct ibv_pd *pd, *par;
	union ibv_gid gid;
	int abi, memreg;
	bool cc_bounce;
	int pd_cq_qp, ext_cq, resize, srq; /* 0 ok, else errno */
	int coco_objs, coco_reg, coco_send;
	bool coco_buf_ok, coco_buf_dmabuf;
	int coco_buf_err;
	/* CoCo objects kept for the SEND */
	struct ibv_cq *cq;
	struct ibv_qp *qa, *qb;
	struct ibv_buf *buf;
	uint8_t *mem;
	struct ibv_mr *mr;
};

/* How the emulated kernel names the ABIs that register rings. */
static const char *const ring_abis[] = { "VA", "write-ext", "dmabuf-mr",
					 "umem" };
#define N_RING_ABIS (sizeof(ring_abis) / sizeof(ring_abis[0]))

/* Rings the emulated kernel has seen queues created on, by ABI. */
static void count_rings(unsigned long *n)
{
	unsigned long (*by)(const char *);
	unsigned int i;

	*(void **)&by = test_emu_sym("emu_kernel_rings_by");

	for (i = 0; i < N_RING_ABIS; i++)
		n[i] = by(ring_abis[i]);
}

/* The ABIs of the rings made since @before: "write-ext", "VA, umem", "-". */
static const char *rings_cell(const unsigned long *before, char *buf,
			      size_t len)
{
	unsigned long now[N_RING_ABIS];
	unsigned int i;
	size_t used = 0;

	count_rings(now);
	buf[0] = 0;
	for (i = 0; i < N_RING_ABIS; i++)
		if (now[i] > before[i] && used < len)
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? ", " : "", ring_abis[i]);
	return used ? buf : "-";
}

/* A cell whose step could not be tried. */
#define NOT_TRIED (-1)

static const char *res(int err)
{
	if (err == NOT_TRIED)
		return "-";
	return err ? strerrorname_np(err) : "ok";
}

/*
 * The negotiated ABI and extension come from the provider's debug line
 * ("context: abi N ... dmabuf_memreg N"): they are not visible otherwise.
 */
static void open_and_read_abi(struct probe *p)
{
	char path[] = "/tmp/rel-compat-XXXXXX", buf[8192];
	int fd = mkstemp(path), saved = dup(2);
	const char *s;
	ssize_t n;

	CHECK(fd >= 0 && saved >= 0, "temp file: %m");
	unlink(path);
	setenv("IRDMA_DEBUG", "1", 1);
	fflush(stderr);
	dup2(fd, 2);
	p->ctx = test_open_first_device();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	unsetenv("IRDMA_DEBUG");
	CHECK(p->ctx, "open: %m");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	s = strstr(buf, "context: abi ");
	CHECK(s && sscanf(s, "context: abi %d", &p->abi) == 1,
	      "no 'context: abi' debug line");
	s = strstr(s, "dmabuf_memreg ");
	CHECK(s && sscanf(s, "dmabuf_memreg %d", &p->memreg) == 1,
	      "no dmabuf_memreg in the debug line");
}

static struct ibv_qp *rc_qp(struct ibv_pd *pd, struct ibv_cq *cq)
{
	struct ibv_qp_init_attr a = test_qp_attr(IBV_QPT_RC, cq, cq, 4);

	return ibv_create_qp(pd, &a);
}

static struct ibv_cq *ext_cq(struct ibv_context *ctx, struct ibv_pd *par)
{
	struct ibv_cq_init_attr_ex a = { .cqe = 16,
					 .wc_flags = IBV_WC_STANDARD_FLAGS };
	struct ibv_cq_ex *cq;

	if (par) {
		a.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD;
		a.parent_domain = par;
	}
	cq = ibv_create_cq_ex(ctx, &a);
	return cq ? ibv_cq_ex_to_cq(cq) : NULL;
}

/*
 * CQ and QP on the plain PD; extended CQ, resize and SRQ where queues can
 * live: on the plain PD, or on a bounce device (which reaches only shared
 * memory and refuses queues anywhere else) on the CoCo parent domain.
 * Resize is tried on the plain CQ, else on the extended CQ.
 */
static void probe_plain(struct probe *p)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 8, .max_sge = 1 } };
	struct ibv_pd *home = p->cc_bounce ? p->par : p->pd;
	struct ibv_cq *cq, *xcq;
	struct ibv_srq *srq;
	struct ibv_qp *qp;

	errno = 0;
	cq = ibv_create_cq(p->ctx, 16, NULL, NULL, 0);
	qp = cq ? rc_qp(p->pd, cq) : NULL;
	p->pd_cq_qp = qp ? 0 : errno;
	if (qp)
		ibv_destroy_qp(qp);
	errno = 0;
	xcq = ext_cq(p->ctx, p->cc_bounce ? p->par : NULL);
	p->ext_cq = xcq ? 0 : errno;
	p->resize = cq	? ibv_resize_cq(cq, 64) :
		    xcq ? ibv_resize_cq(xcq, 64) :
			  NOT_TRIED;
	if (cq)
		ibv_destroy_cq(cq);
	if (xcq)
		ibv_destroy_cq(xcq);
	errno = 0;
	srq = ibv_create_srq(home, &sa);
	p->srq = srq ? 0 : errno;
	if (srq)
		ibv_destroy_srq(srq);
}

/* CQ and QPs on the CoCo parent domain, a buffer and its MR. */
static void probe_coco(struct probe *p)
{
	errno = 0;
	/* the only way to put a CQ on a parent domain (none on gen 1) */
	p->cq = ext_cq(p->ctx, p->par);
	if (p->cq) {
		p->qa = rc_qp(p->par, p->cq);
		p->qb = p->qa ? rc_qp(p->par, p->cq) : NULL;
	}
	p->coco_objs = p->qb ? 0 : errno;

	errno = 0;
	p->mem = ibv_alloc_buf(p->par, 2 * MSG, &p->buf);
	p->coco_buf_ok = p->mem;
	p->coco_buf_err = errno;
	if (!p->mem)
		return;
	p->coco_buf_dmabuf = test_buf_is_dmabuf(p->buf, p->mem, 2 * MSG);
	errno = 0;
	p->mr = ibv_reg_buf_mr(p->par, p->buf, p->mem, 2 * MSG,
			       IBV_ACCESS_LOCAL_WRITE);
	p->coco_reg = p->mr ? 0 : errno;
}

static int wait_ok(struct ibv_cq *cq, int n)
{
	uint64_t end = test_now_ms() + 5000;
	struct ibv_wc wc;
	int r;

	while (n && test_now_ms() < end) {
		r = ibv_poll_cq(cq, 1, &wc);
		if (r < 0)
			return EIO;
		if (r && wc.status != IBV_WC_SUCCESS)
			return EIO;
		n -= r;
	}
	return n ? ETIMEDOUT : 0;
}

static void probe_send(struct probe *p)
{
	struct ibv_sge ss = { (uintptr_t)p->mem, MSG, p->mr->lkey },
		       rs = { (uintptr_t)p->mem + MSG, MSG, p->mr->lkey };
	struct ibv_send_wr swr = { .sg_list = &ss,
				   .num_sge = 1,
				   .opcode = IBV_WR_SEND,
				   .send_flags = IBV_SEND_SIGNALED },
			   *bs;
	struct ibv_recv_wr rwr = { .sg_list = &rs, .num_sge = 1 }, *br;
	unsigned int i;
	int ret;

	for (i = 0; i < MSG; i++)
		p->mem[i] = (uint8_t)(i * 3 + 1);
	ret = rel_rc_connect(p->qa, p->qb->qp_num, &p->gid);
	if (!ret)
		ret = rel_rc_connect(p->qb, p->qa->qp_num, &p->gid);
	if (!ret)
		ret = ibv_post_recv(p->qb, &rwr, &br);
	if (!ret)
		ret = ibv_post_send(p->qa, &swr, &bs);
	if (!ret)
		ret = wait_ok(p->cq, 2);
	if (!ret && memcmp(p->mem, p->mem + MSG, MSG))
		ret = EIO;
	p->coco_send = ret;
}

static void teardown(struct probe *p)
{
	if (p->mr)
		CHECK(!ibv_dereg_mr(p->mr), "dereg_mr: %m");
	if (p->mem)
		ibv_free_buf(p->buf);
	if (p->qb)
		CHECK(!ibv_destroy_qp(p->qb), "destroy_qp: %m");
	if (p->qa)
		CHECK(!ibv_destroy_qp(p->qa), "destroy_qp: %m");
	if (p->cq)
		CHECK(!ibv_destroy_cq(p->cq), "destroy_cq: %m");
	CHECK(!ibv_dealloc_pd(p->par) && !ibv_dealloc_pd(p->pd), "dealloc: %m");
	CHECK(!ibv_close_device(p->ctx), "close: %m");
}

int main(void)
{
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	unsigned long rings[N_RING_ABIS];
	struct ibv_device_attr_ex attr;
	struct probe p = {};
	char rings_by[64];

	open_and_read_abi(&p);
	CHECK(!ibv_query_device_ex(p.ctx, NULL, &attr), "query: %m");
	p.cc_bounce = attr.device_cap_flags_ex & IBV_DEVICE_CC_DMA_BOUNCE;
	CHECK(!ibv_query_gid(p.ctx, 1, 0, &p.gid), "query_gid");
	p.pd = ibv_alloc_pd(p.ctx);
	CHECK(p.pd, "alloc_pd: %m");
	pa.pd = p.pd;
	p.par = ibv_alloc_parent_domain(p.ctx, &pa);
	CHECK(p.par, "CoCo parent domain: %m");
	probe_plain(&p);
	count_rings(rings);
	probe_coco(&p);
	if (!p.coco_objs && p.mr)
		probe_send(&p);
	printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
	       p.abi, p.memreg ? "yes" : "no", p.cc_bounce ? "yes" : "no",
	       res(p.pd_cq_qp), res(p.ext_cq), res(p.resize), res(p.srq),
	       res(p.coco_objs), rings_cell(rings, rings_by, sizeof(rings_by)),
	       !p.coco_buf_ok	 ? strerrorname_np(p.coco_buf_err) :
	       p.coco_buf_dmabuf ? "DMA-buf" :
				   "private",
	       p.mem ? res(p.coco_reg) : "-",
	       !p.coco_objs && p.mr ? res(p.coco_send) : "-");
	teardown(&p);
	return 0;
}
