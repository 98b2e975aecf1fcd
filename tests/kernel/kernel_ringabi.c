// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulated irdma driver's DMA-buf ring ABIs, driven by raw ioctls (no
 * provider uses them yet), on a CoCo device (--cc, the shared heap):
 *
 *   kernel_ringabi dmabuf-mr  --ring-abi dmabuf-mr: rings registered by
 *                             REG_DMABUF_MR with irdma's ring attributes,
 *                             then CQ/QP/SRQ created on their iova
 *   kernel_ringabi umem       --ring-abi umem: rings given to the CQ/QP/SRQ
 *                             create as UMEM descriptors
 *   kernel_ringabi absent     a driver without either: what a provider
 *                             sees when it asks anyway
 *
 * Each checks the validation (pages against lengths, ranges inside the
 * DMA-buf, descriptor fields), that a ring registration cannot be
 * deregistered while its CQ/QP/SRQ lives (EBUSY), and that nothing is left
 * after the close: no kernel object, no DMA-buf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-heap.h>

#include <rdma/irdma_user_ioctl_cmds.h>

#include "kernel_ioctl_util.h"

#define PAGE 4096UL
#define BUF_PAGES 64UL
#define SHADOW 64U
/* a 16-deep RC QP with one SGE: 4 SQ pages, 1 RQ page on every gen */
#define QP_SQ_PAGES 4U
#define QP_RQ_PAGES 1U
#define QP_BYTES ((QP_SQ_PAGES + QP_RQ_PAGES) * PAGE + SHADOW)

static unsigned int gen;

struct dbuf {
	int fd;
	uint8_t *va;
	size_t len;
};

static void dbuf_alloc(struct dbuf *b, size_t len, bool map)
{
	struct dma_heap_allocation_data d = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open("/dev/dma_heap/system_cc_shared", O_RDWR | O_CLOEXEC);

	if (heap < 0 || ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d)) {
		fprintf(stderr, "FAIL: no DMA-buf heap (run with --cc)\n");
		exit(1);
	}
	close(heap);
	b->fd = d.fd;
	b->len = len;
	b->va = NULL;
	if (map) {
		b->va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			     b->fd, 0);
		if (b->va == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
	}
}

static void dbuf_free(struct dbuf *b)
{
	if (b->va)
		munmap(b->va, b->len);
	close(b->fd);
}

static size_t (*live_buffers)(void);

static int open_ctx_mask(struct kt_ctx *c, uint32_t *pd, uint64_t comp_mask)
{
	struct ib_uverbs_alloc_pd_resp resp = { 0 };
	struct irdma_alloc_pd_resp uresp;
	struct ib_uverbs_alloc_pd cmd = { 0 };
	int ret;

	c->fd = kt_open_uverbs();
	ret = kio_open_context_mask(c, comp_mask);
	if (!ret)
		ret = kio_invoke_write(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &cmd,
				       sizeof(cmd), &resp, sizeof(resp), NULL,
				       0, &uresp, sizeof(uresp));
	*pd = resp.pd_handle;
	return ret;
}

static int open_ctx(struct kt_ctx *c, uint32_t *pd)
{
	return open_ctx_mask(c, pd, 0);
}

static void close_ctx(struct kt_ctx *c)
{
	close(c->async_fd);
	close(c->fd);
	EXPECT(test_emu_live_objects() == 0, "%lu objects after close",
	       test_emu_live_objects());
}

/* ---- dmabuf-mr ----------------------------------------------------------- */

struct reg {
	uint64_t offset, length, iova;
	int fd;
	int type; /* -1: no TYPE attribute */
	uint16_t cq, rq, sq;
	bool optional; /* the ring attributes not mandatory */
};

static int reg_dmabuf(struct kt_ctx *c, uint32_t pd, const struct reg *r,
		      uint32_t *handle, uint32_t *lkey_out)
{
	uint32_t lkey = 1, rkey = 1;
	struct ib_uverbs_attr *h, *a;
	struct kio k;
	int ret;

	kio_init(&k, UVERBS_OBJECT_MR, UVERBS_METHOD_REG_DMABUF_MR);
	h = kio_new(&k, UVERBS_ATTR_REG_DMABUF_MR_HANDLE);
	kio_obj(&k, UVERBS_ATTR_REG_DMABUF_MR_PD_HANDLE, pd);
	kio_u64(&k, UVERBS_ATTR_REG_DMABUF_MR_OFFSET, r->offset);
	kio_u64(&k, UVERBS_ATTR_REG_DMABUF_MR_LENGTH, r->length);
	kio_u64(&k, UVERBS_ATTR_REG_DMABUF_MR_IOVA, r->iova);
	kio_u32(&k, UVERBS_ATTR_REG_DMABUF_MR_FD, r->fd);
	kio_u32(&k, UVERBS_ATTR_REG_DMABUF_MR_ACCESS_FLAGS,
		IB_UVERBS_ACCESS_LOCAL_WRITE);
	kio_out(&k, UVERBS_ATTR_REG_DMABUF_MR_RESP_LKEY, &lkey, sizeof(lkey));
	kio_out(&k, UVERBS_ATTR_REG_DMABUF_MR_RESP_RKEY, &rkey, sizeof(rkey));
	if (r->type >= 0) {
		a = kio_u64(&k, IRDMA_IB_ATTR_REG_DMABUF_MR_TYPE, r->type);
		if (r->optional)
			kio_optional(a);
	}
	if (r->cq)
		kio_u64(&k, IRDMA_IB_ATTR_REG_DMABUF_MR_CQ_PAGES, r->cq);
	if (r->rq)
		kio_u64(&k, IRDMA_IB_ATTR_REG_DMABUF_MR_RQ_PAGES, r->rq);
	if (r->sq)
		kio_u64(&k, IRDMA_IB_ATTR_REG_DMABUF_MR_SQ_PAGES, r->sq);
	ret = kio_run(c->fd, &k);
	if (!ret && handle)
		*handle = (uint32_t)h->data;
	if (!ret && lkey_out)
		*lkey_out = lkey;
	return ret;
}

static int create_srq(struct kt_ctx *c, uint32_t pd, void *ring, void *shadow,
		      const struct ib_uverbs_buffer_desc *rd,
		      const struct ib_uverbs_buffer_desc *sd, uint32_t *handle)
{
	struct irdma_create_srq_req req = {
		.user_srq_buf = (uintptr_t)ring,
		.user_shadow_area = (uintptr_t)shadow,
	};
	struct irdma_create_srq_resp uresp;
	uint32_t max_wr, max_sge;
	struct ib_uverbs_attr *h;
	struct kio k;
	int ret;

	kio_init(&k, UVERBS_OBJECT_SRQ, UVERBS_METHOD_SRQ_CREATE);
	h = kio_new(&k, UVERBS_ATTR_CREATE_SRQ_HANDLE);
	kio_obj(&k, UVERBS_ATTR_CREATE_SRQ_PD_HANDLE, pd);
	kio_u64(&k, UVERBS_ATTR_CREATE_SRQ_TYPE, IB_UVERBS_SRQT_BASIC);
	kio_u64(&k, UVERBS_ATTR_CREATE_SRQ_USER_HANDLE, 3);
	kio_u32(&k, UVERBS_ATTR_CREATE_SRQ_MAX_WR, 16);
	kio_u32(&k, UVERBS_ATTR_CREATE_SRQ_MAX_SGE, 1);
	kio_u32(&k, UVERBS_ATTR_CREATE_SRQ_LIMIT, 0);
	kio_out(&k, UVERBS_ATTR_CREATE_SRQ_RESP_MAX_WR, &max_wr,
		sizeof(max_wr));
	kio_out(&k, UVERBS_ATTR_CREATE_SRQ_RESP_MAX_SGE, &max_sge,
		sizeof(max_sge));
	kio_in(&k, UVERBS_ATTR_UHW_IN, &req, sizeof(req));
	kio_out(&k, UVERBS_ATTR_UHW_OUT, &uresp, sizeof(uresp));
	if (rd)
		kio_in(&k, IRDMA_UVERBS_ATTR_CREATE_SRQ_BUF_UMEM, rd,
		       sizeof(*rd));
	if (sd)
		kio_in(&k, IRDMA_IB_ATTR_CREATE_SRQ_SHADOW_BUF_UMEM, sd,
		       sizeof(*sd));
	ret = kio_run(c->fd, &k);
	if (!ret && handle)
		*handle = (uint32_t)h->data;
	return ret;
}

static int destroy_srq(struct kt_ctx *c, uint32_t srq)
{
	struct ib_uverbs_destroy_srq_resp resp;
	struct kio k;

	kio_init(&k, UVERBS_OBJECT_SRQ, UVERBS_METHOD_SRQ_DESTROY);
	kio_obj(&k, UVERBS_ATTR_DESTROY_SRQ_HANDLE, srq);
	kio_out(&k, UVERBS_ATTR_DESTROY_SRQ_RESP, &resp, sizeof(resp));
	return kio_run(c->fd, &k);
}

static int dereg(struct kt_ctx *c, uint32_t mr)
{
	return kio_destroy(c, UVERBS_OBJECT_MR, UVERBS_METHOD_MR_DESTROY,
			   UVERBS_ATTR_DESTROY_MR_HANDLE, mr);
}

static void dmabuf_mr_errors(struct kt_ctx *c, uint32_t pd,
			     const struct dbuf *b)
{
	uint64_t va = (uintptr_t)b->va;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct reg r = { .offset = 0,
			 .length = PAGE,
			 .iova = va,
			 .fd = b->fd,
			 .type = IRDMA_MEMREG_TYPE_CQ };
	uint32_t mr;

	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "CQ ring with zero CQ pages");
	r.cq = 2;
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "CQ ring of more pages than registered");
	r = (struct reg){ .offset = PAGE,
			  .length = 8 * PAGE,
			  .iova = va,
			  .fd = b->fd,
			  .type = IRDMA_MEMREG_TYPE_QP,
			  .sq = 6,
			  .rq = 2 };
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "QP ring without a page for the shadow area");
	r.sq = 0;
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "QP ring with zero SQ pages");
	r = (struct reg){ .offset = (BUF_PAGES - 1) * PAGE,
			  .length = 2 * PAGE,
			  .iova = va,
			  .fd = b->fd,
			  .type = IRDMA_MEMREG_TYPE_CQ,
			  .cq = 1 };
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "range beyond the end of the DMA-buf");
	r.offset = BUF_PAGES * PAGE * 2;
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "offset beyond the DMA-buf");
	r.offset = 8;
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "offset and iova in different page offsets");
	r.offset = 0;
	r.fd = null_fd;
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "an fd that is no DMA-buf");
	close(null_fd);
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EBADF, "a closed fd");
	r.fd = b->fd;
	r.type = 9;
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "unknown ring type");
	r.type = 1 << 20;
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, NULL, NULL), EINVAL,
		      "ring type beyond a u16");
	r.type = IRDMA_MEMREG_TYPE_SRQ;
	r.rq = 1;
	r.length = 2 * PAGE;
	/* SRQ rings exist where SRQs do (gen 3) */
	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, &mr, NULL),
		      gen >= 3 ? 0 : EOPNOTSUPP, "SRQ ring");
	if (gen >= 3)
		KT_EXPECT_ERR(dereg(c, mr), 0, "an unused SRQ ring");
}

/*
 * irdma finds a ring registration by its iova (iwpbl->user_base), which a
 * DMA-buf registration chooses freely: a CQ on rings whose iova is no
 * address of the process.
 */
static void iova_rings(struct kt_ctx *c, uint32_t pd, struct dbuf *b)
{
	const uint64_t iova = 0x40000000;
	uint32_t ring_mr, sh_mr = 0, cq;
	struct reg r = { .offset = 40 * PAGE,
			 .length = 2 * PAGE,
			 .iova = iova,
			 .fd = b->fd,
			 .type = IRDMA_MEMREG_TYPE_CQ,
			 .cq = 1 };

	KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, &ring_mr, NULL), 0,
		      "CQ ring at an iova of its own");
	if (gen > 1) {
		r = (struct reg){ .offset = 42 * PAGE,
				  .length = SHADOW,
				  .iova = iova + 2 * PAGE,
				  .fd = b->fd,
				  .type = IRDMA_MEMREG_TYPE_CQ,
				  .cq = 1 };
		KT_EXPECT_ERR(reg_dmabuf(c, pd, &r, &sh_mr, NULL), 0,
			      "CQ shadow area at an iova of its own");
	}
	KT_EXPECT_ERR(kio_create_cq(c, 16, (void *)(uintptr_t)iova,
				    (void *)(uintptr_t)(iova + 2 * PAGE), &cq),
		      0, "CQ.CREATE naming the rings by iova");
	KT_EXPECT_ERR(kio_destroy_cq(c, cq), 0, "CQ.DESTROY");
	KT_EXPECT_ERR(dereg(c, ring_mr), 0, "the iova CQ's ring");
	if (sh_mr)
		KT_EXPECT_ERR(dereg(c, sh_mr), 0, "the iova CQ's shadow area");
}

static int test_dmabuf_mr(void)
{
	struct kt_ctx c = { 0 };
	struct dbuf b;
	uint64_t va;
	uint32_t pd, mem, lkey, cq_mr, sh_mr = 0, qp_mr, srq_mr, cq, qp, srq;
	struct reg r;

	KT_EXPECT_ERR(open_ctx(&c, &pd), 0, "context");
	dbuf_alloc(&b, BUF_PAGES * PAGE, true);
	va = (uintptr_t)b.va;

	/* a plain MR of the DMA-buf: the core's method, irdma's MEM type */
	r = (struct reg){ .offset = 48 * PAGE,
			  .length = 4 * PAGE,
			  .iova = 0,
			  .fd = b.fd,
			  .type = -1 };
	KT_EXPECT_ERR(reg_dmabuf(&c, pd, &r, &mem, &lkey), 0,
		      "REG_DMABUF_MR of memory");
	EXPECT(lkey, "a memory registration without an lkey");
	dmabuf_mr_errors(&c, pd, &b);

	/* the CQ ring and (gen 2+) shadow area, the QP ring, the SRQ ring */
	r = (struct reg){ .offset = 0,
			  .length = PAGE + (gen == 1 ? SHADOW : 0),
			  .iova = va,
			  .fd = b.fd,
			  .type = IRDMA_MEMREG_TYPE_CQ,
			  .cq = 1 };
	if (gen == 1)
		r.length = 2 * PAGE; /* ring page + shadow page */
	KT_EXPECT_ERR(reg_dmabuf(&c, pd, &r, &cq_mr, &lkey), 0, "CQ ring");
	EXPECT(!lkey, "a ring registration with an lkey (%#x)", lkey);
	if (gen > 1) {
		r = (struct reg){ .offset = 2 * PAGE,
				  .length = SHADOW,
				  .iova = va + 2 * PAGE,
				  .fd = b.fd,
				  .type = IRDMA_MEMREG_TYPE_CQ,
				  .cq = 1 };
		KT_EXPECT_ERR(reg_dmabuf(&c, pd, &r, &sh_mr, NULL), 0,
			      "CQ shadow area");
	}
	r = (struct reg){ .offset = 4 * PAGE,
			  .length = 16 * PAGE,
			  .iova = va + 4 * PAGE,
			  .fd = b.fd,
			  .type = IRDMA_MEMREG_TYPE_QP,
			  .sq = 12,
			  .rq = 2 };
	KT_EXPECT_ERR(reg_dmabuf(&c, pd, &r, &qp_mr, NULL), 0, "QP ring");

	KT_EXPECT_ERR(kio_create_cq(&c, 16, b.va, b.va + 2 * PAGE, &cq), 0,
		      "CQ.CREATE on a dmabuf-mr ring");
	KT_EXPECT_ERR(kio_create_qp(&c, pd, cq, b.va + 4 * PAGE, 16, &qp), 0,
		      "QP.CREATE on a dmabuf-mr ring");
	/* a ring stays registered while its queue lives */
	KT_EXPECT_ERR(dereg(&c, cq_mr), EBUSY, "dereg of a CQ's ring");
	KT_EXPECT_ERR(kt_dereg_mr(&c, qp_mr), EBUSY,
		      "write() dereg of a QP's ring");
	if (sh_mr)
		KT_EXPECT_ERR(dereg(&c, sh_mr), EBUSY,
			      "dereg of a CQ's shadow area");
	if (gen >= 3) {
		r = (struct reg){ .offset = 24 * PAGE,
				  .length = 2 * PAGE,
				  .iova = va + 24 * PAGE,
				  .fd = b.fd,
				  .type = IRDMA_MEMREG_TYPE_SRQ,
				  .rq = 1 };
		KT_EXPECT_ERR(reg_dmabuf(&c, pd, &r, &srq_mr, NULL), 0,
			      "SRQ ring");
		KT_EXPECT_ERR(create_srq(&c, pd, b.va + 24 * PAGE,
					 b.va + 25 * PAGE, NULL, NULL, &srq),
			      0, "SRQ.CREATE on a dmabuf-mr ring");
		KT_EXPECT_ERR(dereg(&c, srq_mr), EBUSY,
			      "dereg of an SRQ's ring");
		KT_EXPECT_ERR(destroy_srq(&c, srq), 0, "SRQ.DESTROY");
		KT_EXPECT_ERR(dereg(&c, srq_mr), 0, "SRQ ring after its SRQ");
	}
	iova_rings(&c, pd, &b);
	/* the process may let go of the buffer: the registrations hold it */
	dbuf_free(&b);
	EXPECT(live_buffers() == 1, "%zu DMA-bufs, want the held one",
	       live_buffers());
	KT_EXPECT_ERR(kio_destroy_qp(&c, qp), 0, "QP.DESTROY");
	KT_EXPECT_ERR(kio_destroy_cq(&c, cq), 0, "CQ.DESTROY");
	KT_EXPECT_ERR(dereg(&c, qp_mr), 0, "QP ring after its QP");
	KT_EXPECT_ERR(dereg(&c, cq_mr), 0, "CQ ring after its CQ");
	if (sh_mr)
		KT_EXPECT_ERR(dereg(&c, sh_mr), 0, "shadow after its CQ");
	KT_EXPECT_ERR(dereg(&c, mem), 0, "the memory MR");
	EXPECT(live_buffers() == 0, "%zu DMA-bufs after the last dereg",
	       live_buffers());
	close_ctx(&c);
	printf("kernel_ringabi dmabuf-mr gen %u: %u failure(s)\n", gen,
	       test_failures);
	return test_exit_status();
}

/* ---- umem ------------------------------------------------------------------ */

static struct ib_uverbs_buffer_desc desc(const struct dbuf *b, uint64_t off,
					 uint64_t len)
{
	return (struct ib_uverbs_buffer_desc){
		.type = IB_UVERBS_BUFFER_TYPE_DMABUF,
		.fd = b->fd,
		.addr = off,
		.length = len,
	};
}

/* CQ.CREATE of 16 CQEs with the ring (and shadow) as descriptors. */
static int umem_cq(struct kt_ctx *c, const struct ib_uverbs_buffer_desc *ring,
		   const struct ib_uverbs_buffer_desc *shadow, bool legacy_va,
		   uint32_t *handle)
{
	struct irdma_create_cq_req req = { 0 };
	struct kio_out out;
	struct kio k;
	struct ib_uverbs_attr *h = kio_cq_build(&k, 16, &req, &out);
	int ret;

	if (ring)
		kio_in(&k, UVERBS_ATTR_CREATE_CQ_BUF_UMEM, ring, sizeof(*ring));
	if (shadow)
		kio_in(&k, IRDMA_IB_ATTR_CREATE_CQ_SHADOW_BUF_UMEM, shadow,
		       sizeof(*shadow));
	if (legacy_va) {
		kio_u64(&k, UVERBS_ATTR_CREATE_CQ_BUFFER_VA, 0x10000);
		kio_u64(&k, UVERBS_ATTR_CREATE_CQ_BUFFER_LENGTH, PAGE);
	}
	ret = kio_run(c->fd, &k);
	if (!ret && handle)
		*handle = (uint32_t)h->data;
	return ret;
}

static int umem_qp(struct kt_ctx *c, uint32_t pd, uint32_t cq,
		   const struct ib_uverbs_buffer_desc *buf, uint16_t attr,
		   uint32_t *handle)
{
	struct ib_uverbs_qp_cap cap = { 16, 16, 1, 1, 0 };
	struct irdma_create_qp_req req = { .user_compl_ctx = 1 };
	struct kio_out out;
	struct kio k;
	struct ib_uverbs_attr *h =
		kio_qp_build(&k, pd, cq, &cap, sizeof(cap), &req, &out);
	int ret;

	if (buf)
		kio_in(&k, attr, buf, sizeof(*buf));
	ret = kio_run(c->fd, &k);
	if (!ret && handle)
		*handle = (uint32_t)h->data;
	return ret;
}

/* The CQ ring descriptor: gen 1 has its shadow area in the ring buffer. */
static struct ib_uverbs_buffer_desc cq_ring(const struct dbuf *b)
{
	return desc(b, 0, PAGE + (gen == 1 ? SHADOW : 0));
}

static void umem_errors(struct kt_ctx *c, const struct dbuf *b,
			const struct dbuf *unmapped)
{
	struct ib_uverbs_buffer_desc ring = cq_ring(b);
	struct ib_uverbs_buffer_desc shadow = desc(b, 2 * PAGE, SHADOW);
	struct ib_uverbs_buffer_desc *sh = gen > 1 ? &shadow : NULL;
	struct ib_uverbs_buffer_desc d;
	uint32_t cq = 0;
	struct kio k;

	KT_EXPECT_ERR(umem_cq(c, &ring, gen > 1 ? NULL : &shadow, false, NULL),
		      EINVAL,
		      gen > 1 ? "CQ ring without its shadow area" :
				"a separate shadow area on gen 1");
	KT_EXPECT_ERR(umem_cq(c, NULL, &shadow, false, NULL), EINVAL,
		      "a shadow area without a ring");
	d = ring;
	d.length = gen == 1 ? PAGE : 1024;
	KT_EXPECT_ERR(umem_cq(c, &d, sh, false, NULL), EINVAL,
		      "CQ ring shorter than 16 CQEs (and gen 1's shadow)");
	d = ring;
	d.flags = 1;
	KT_EXPECT_ERR(umem_cq(c, &d, sh, false, NULL), EINVAL,
		      "descriptor with an unknown required flag");
	d = ring;
	d.optional_flags = 0x80;
	KT_EXPECT_ERR(umem_cq(c, &d, sh, false, &cq), 0,
		      "descriptor with an unknown optional flag");
	KT_EXPECT_ERR(kio_destroy_cq(c, cq), 0, "CQ.DESTROY");
	d = ring;
	d.type = 7;
	KT_EXPECT_ERR(umem_cq(c, &d, sh, false, NULL), EINVAL,
		      "descriptor of an unknown type");
	d = ring;
	d.type = IB_UVERBS_BUFFER_TYPE_VA;
	d.addr = (uintptr_t)b->va;
	KT_EXPECT_ERR(umem_cq(c, &d, sh, false, NULL), EOPNOTSUPP,
		      "VA descriptor on a bounce device");
	d = ring;
	d.addr = BUF_PAGES * PAGE - 512;
	KT_EXPECT_ERR(umem_cq(c, &d, sh, false, NULL), EINVAL,
		      "range beyond the end of the DMA-buf");
	d = desc(unmapped, 0, ring.length);
	KT_EXPECT_ERR(umem_cq(c, &d, sh, false, NULL), EFAULT,
		      "a DMA-buf the process never mapped (emulator)");
	d = ring;
	d.fd = 1000;
	KT_EXPECT_ERR(umem_cq(c, &d, sh, false, NULL), EBADF,
		      "descriptor of a closed fd");
	KT_EXPECT_ERR(umem_cq(c, &ring, sh, true, NULL), EINVAL,
		      "UMEM and the legacy buffer attributes at once");
	/* the attribute is exactly one descriptor */
	kio_init(&k, UVERBS_OBJECT_CQ, UVERBS_METHOD_CQ_CREATE);
	kio_new(&k, UVERBS_ATTR_CREATE_CQ_HANDLE);
	kio_in(&k, UVERBS_ATTR_CREATE_CQ_BUF_UMEM, &ring, sizeof(ring) - 8);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "a short descriptor");
}

static int test_umem(void)
{
	struct ib_uverbs_buffer_desc ring, shadow, qd, sd;
	struct kt_ctx c = { 0 };
	uint32_t pd, cq, qp, srq, cq2;
	struct dbuf b, unmapped;

	KT_EXPECT_ERR(open_ctx(&c, &pd), 0, "context");
	dbuf_alloc(&b, BUF_PAGES * PAGE, true);
	dbuf_alloc(&unmapped, 4 * PAGE, false);
	umem_errors(&c, &b, &unmapped);
	dbuf_free(&unmapped);

	ring = cq_ring(&b);
	shadow = desc(&b, 2 * PAGE, SHADOW);
	KT_EXPECT_ERR(umem_cq(&c, &ring, gen > 1 ? &shadow : NULL, false, &cq),
		      0, "CQ.CREATE with UMEM rings");
	/* a ring shared with nothing else: a second CQ on other pages */
	ring = desc(&b, 3 * PAGE, PAGE + (gen == 1 ? SHADOW : 0));
	shadow = desc(&b, 5 * PAGE, SHADOW);
	KT_EXPECT_ERR(umem_cq(&c, &ring, gen > 1 ? &shadow : NULL, false, &cq2),
		      0, "a second CQ");

	qd = desc(&b, 8 * PAGE, QP_BYTES - 1);
	KT_EXPECT_ERR(
		umem_qp(&c, pd, cq, &qd, UVERBS_ATTR_CREATE_QP_BUF_UMEM, NULL),
		EINVAL, "QP buffer one byte short of SQ + RQ + shadow");
	qd.length = QP_BYTES;
	KT_EXPECT_ERR(umem_qp(&c, pd, cq, &qd,
			      UVERBS_ATTR_CREATE_QP_SQ_BUF_UMEM, NULL),
		      EOPNOTSUPP, "a separate SQ buffer");
	KT_EXPECT_ERR(
		umem_qp(&c, pd, cq, &qd, UVERBS_ATTR_CREATE_QP_BUF_UMEM, &qp),
		0, "QP.CREATE with a UMEM buffer");
	KT_EXPECT_ERR(kio_destroy_cq(&c, cq), EBUSY, "CQ.DESTROY under a QP");

	if (gen >= 3) {
		sd = desc(&b, 16 * PAGE, PAGE);
		KT_EXPECT_ERR(create_srq(&c, pd, NULL, NULL, NULL, &sd, NULL),
			      EINVAL, "SRQ shadow area without a ring");
		KT_EXPECT_ERR(create_srq(&c, pd, NULL, NULL, &sd, NULL, NULL),
			      EINVAL, "SRQ ring without room for its shadow");
		shadow = desc(&b, 18 * PAGE, SHADOW);
		KT_EXPECT_ERR(
			create_srq(&c, pd, NULL, NULL, &sd, &shadow, &srq), 0,
			"SRQ.CREATE with UMEM ring and shadow");
		KT_EXPECT_ERR(destroy_srq(&c, srq), 0, "SRQ.DESTROY");
		sd.length = PAGE + SHADOW;
		KT_EXPECT_ERR(create_srq(&c, pd, NULL, NULL, &sd, NULL, &srq),
			      0, "SRQ.CREATE, shadow after the ring");
		KT_EXPECT_ERR(destroy_srq(&c, srq), 0, "SRQ.DESTROY");
	}
	/* the objects hold the DMA-buf after the process lets go */
	dbuf_free(&b);
	EXPECT(live_buffers() == 1, "%zu DMA-bufs, want the held one",
	       live_buffers());
	KT_EXPECT_ERR(kio_destroy_qp(&c, qp), 0, "QP.DESTROY");
	KT_EXPECT_ERR(kio_destroy_cq(&c, cq), 0, "CQ.DESTROY");
	EXPECT(live_buffers() == 1, "%zu DMA-bufs, want the second CQ's",
	       live_buffers());
	KT_EXPECT_ERR(kio_destroy_cq(&c, cq2), 0, "CQ.DESTROY");
	EXPECT(live_buffers() == 0, "%zu DMA-bufs after the last CQ",
	       live_buffers());
	close_ctx(&c);
	printf("kernel_ringabi umem gen %u: %u failure(s)\n", gen,
	       test_failures);
	return test_exit_status();
}

/* ---- neither ABI ----------------------------------------------------------- */

/* A CQ ring registration of @len bytes at @off, by the write-ext ABI. */
static int write_ext_ring(struct kt_ctx *c, uint32_t pd, struct dbuf *b,
			  size_t off, size_t len)
{
	struct irdma_mem_reg_req req = {
		.reg_type = IRDMA_MEMREG_TYPE_CQ,
		.cq_pages = 1,
		.flags = IRDMA_MEMREG_FLAG_DMABUF,
		.dmabuf_fd = b->fd,
		.dmabuf_offset = off,
	};
	struct ib_uverbs_reg_mr_resp resp;

	return kt_reg_mr(c, pd, b->va + off, len, IB_UVERBS_ACCESS_LOCAL_WRITE,
			 &req, sizeof(req), &resp);
}

static int test_absent(void)
{
	struct ib_uverbs_buffer_desc ring, shadow, qd;
	struct kt_ctx c = { 0 };
	uint32_t pd, mem, lkey, cq;
	struct dbuf b;
	struct reg r;

	KT_EXPECT_ERR(open_ctx_mask(&c, &pd, IRDMA_ALLOC_UCTX_DMABUF_MEMREG), 0,
		      "context");
	dbuf_alloc(&b, BUF_PAGES * PAGE, true);
	r = (struct reg){ .offset = 0,
			  .length = 2 * PAGE,
			  .iova = (uintptr_t)b.va,
			  .fd = b.fd,
			  .type = IRDMA_MEMREG_TYPE_CQ,
			  .cq = 1 };
	/* what a driver without the attributes answers: detection */
	KT_EXPECT_ERR(reg_dmabuf(&c, pd, &r, NULL, NULL), EPROTONOSUPPORT,
		      "ring attributes the driver does not have");
	/* ... and what it does with them when they are optional: ignore */
	r.optional = true;
	r.cq = 0;
	KT_EXPECT_ERR(reg_dmabuf(&c, pd, &r, &mem, &lkey), 0,
		      "optional ring type, ignored");
	EXPECT(lkey, "ignored type: not a memory registration");
	KT_EXPECT_ERR(dereg(&c, mem), 0, "dereg");

	ring = cq_ring(&b);
	shadow = desc(&b, 2 * PAGE, SHADOW);
	if (gen > 1)
		KT_EXPECT_ERR(
			umem_cq(&c, &ring, &shadow, false, NULL),
			EPROTONOSUPPORT,
			"irdma's CQ shadow attribute on a driver without it");
	/*
	 * The core's 7.2 attribute is accepted, and a driver that does not
	 * take DMA-buf rings ignores it: irdma then looks for a ring
	 * registration at user_cq_buf (0), finds none: EPROTO. Not a
	 * refusal a provider can tell from the lack of the ABI.
	 */
	KT_EXPECT_ERR(umem_cq(&c, &ring, NULL, false, NULL), EPROTO,
		      "7.2's CQ_BUF_UMEM on a driver that ignores it");
	if (gen >= 3)
		KT_EXPECT_ERR(create_srq(&c, pd, NULL, NULL, &ring, NULL, NULL),
			      EPROTONOSUPPORT,
			      "the SRQ ring attribute no kernel has");
	/* a CQ with its rings where this driver takes them: write-ext */
	KT_EXPECT_ERR(write_ext_ring(&c, pd, &b, 16 * PAGE, 2 * PAGE), 0,
		      "CQ ring, write-ext");
	if (gen > 1)
		KT_EXPECT_ERR(write_ext_ring(&c, pd, &b, 18 * PAGE, PAGE), 0,
			      "CQ shadow area, write-ext");
	KT_EXPECT_ERR(
		kio_create_cq(&c, 16, b.va + 16 * PAGE, b.va + 18 * PAGE, &cq),
		0, "a CQ on ring registrations");
	qd = desc(&b, 8 * PAGE, QP_BYTES);
	KT_EXPECT_ERR(
		umem_qp(&c, pd, cq, &qd, UVERBS_ATTR_CREATE_QP_BUF_UMEM, NULL),
		ENODATA, "7.2's QP_BUF_UMEM on a driver that ignores it");
	dbuf_free(&b);
	close_ctx(&c);
	printf("kernel_ringabi absent gen %u: %u failure(s)\n", gen,
	       test_failures);
	return test_exit_status();
}

int main(int argc, char **argv)
{
	const char *g = getenv("IRDMA_EMU_GEN");

	gen = g ? (unsigned int)atoi(g) : 2;
	*(void **)&live_buffers = test_emu_sym("emu_heap_live_buffers");
	if (argc == 2 && !strcmp(argv[1], "dmabuf-mr"))
		return test_dmabuf_mr();
	if (argc == 2 && !strcmp(argv[1], "umem"))
		return test_umem();
	if (argc == 2 && !strcmp(argv[1], "absent"))
		return test_absent();
	fprintf(stderr, "usage: kernel_ringabi dmabuf-mr|umem|absent\n");
	return 2;
}
