// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Provider entry: which devices we drive, and opening/closing a device
 * context (ABI negotiation with the kernel, doorbell page, internal PD).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "irdma.h"
#include "debug.h"
#include "verbs_ctl.h"
#include "queues.h"

#define INTEL_VENDOR 0x8086

/* match_data of a PCI entry: the generation that part belongs to */
#define GEN_MATCH(dev, gen) VERBS_PCI_MATCH(INTEL_VENDOR, dev, (void *)(gen))
#define X722(dev) GEN_MATCH(dev, IRDMA_GEN_1)
#define E810(dev) GEN_MATCH(dev, IRDMA_GEN_2)
#define IPU(dev) GEN_MATCH(dev, IRDMA_GEN_3)

/*
 * X722 parts (i40e family, gen 1), E810/E82x parts (ice family, gen 2) and
 * the IPU E2000 functions of the idpf driver (gen 3). The netlink driver id
 * entry catches any of them when libibverbs enumerates through netlink.
 */
static const struct verbs_match_ent irdma_match_table[] = {
	VERBS_DRIVER_ID(RDMA_DRIVER_IRDMA),
	/* ice: E810-C, E810-XXV */
	E810(0x1591),
	E810(0x1592),
	E810(0x1593),
	E810(0x1599),
	E810(0x159A),
	E810(0x159B),
	/* ice: E822-C, E822-L, C822N */
	E810(0x1890),
	E810(0x1891),
	E810(0x1892),
	E810(0x1893),
	E810(0x1894),
	E810(0x1897),
	E810(0x1898),
	E810(0x1899),
	E810(0x189A),
	/* ice: E823-C */
	E810(0x188A),
	E810(0x188B),
	E810(0x188C),
	E810(0x188D),
	E810(0x188E),
	/* ice: E823-L */
	E810(0x124C),
	E810(0x124D),
	E810(0x124E),
	E810(0x124F),
	E810(0x151D),
	/* i40e: X722 physical functions */
	X722(0x374C),
	X722(0x37CE),
	X722(0x37CF),
	X722(0x37D0),
	X722(0x37D1),
	X722(0x37D2),
	X722(0x37D3),
	/* i40e: X722 virtual functions */
	X722(0x374D),
	X722(0x37CD),
	X722(0x37D9),
	/* idpf: IPU E2000 physical and virtual function */
	IPU(0x1452),
	IPU(0x145C),
	{}
};

/* What an i40iw-style kernel (no hw_rev in the response) implies. */
static void set_gen1_defaults(struct irdma_context *ctx)
{
	ctx->hw_rev = IRDMA_GEN_1;
	ctx->max_hw_wq_frags = 3;
	ctx->max_hw_read_sges = 1;
	ctx->max_hw_inline = 48;
	ctx->max_hw_rq_quanta = 16384;
	ctx->max_hw_wq_quanta = 2048;
	ctx->max_hw_sq_chunk = 2;
	ctx->min_hw_cq_size = 1;
	ctx->max_hw_cq_size = 1048575;
	ctx->min_hw_wq_size = 4;
	ctx->max_hw_srq_quanta = 0;
}

/* Minimum WQ depth (in WRs) when the kernel does not say. */
#define IRDMA_DEFAULT_MIN_WQ_SIZE 8

struct get_context_cmd {
	struct ibv_get_context ibv_cmd;
	struct irdma_alloc_ucontext_req req;
};

struct get_context_resp {
	struct ib_uverbs_get_context_resp ibv_resp;
	struct irdma_alloc_ucontext_resp resp;
};

static int try_get_context(struct irdma_context *ctx, uint8_t ver,
			   uint64_t comp_mask, struct get_context_resp *out)
{
	struct get_context_cmd cmd = {};

	memset(out, 0, sizeof(*out));
	cmd.req.userspace_ver = ver;
	cmd.req.comp_mask = comp_mask;
	return ibv_cmd_get_context(&ctx->ibv_ctx, &cmd.ibv_cmd, sizeof(cmd),
				   NULL, &out->ibv_resp, sizeof(*out));
}

/*
 * Errors with which a kernel says "I do not know this request": an unknown
 * comp_mask bit (EOPNOTSUPP) or an unsupported userspace_ver (EINVAL). Only
 * these make the provider offer less; anything else (EIO, ENOMEM, EFAULT...)
 * is a real failure and must not quietly downgrade the context.
 */
static bool is_refusal(int err)
{
	return err == EINVAL || err == EOPNOTSUPP || err == ENOSYS ||
	       err == EPROTONOSUPPORT;
}

/*
 * Offer the newest ABI first, then older ones down to the oldest the kernel
 * may still accept. For each version ask for the DMA-buf memreg extension
 * first: a kernel that rejects unknown comp_mask bits refuses that request,
 * and then it is asked again without the extension.
 */
static int negotiate_abi(struct irdma_context *ctx,
			 struct get_context_resp *out, uint64_t *sent_mask)
{
	const uint64_t base_mask =
		IRDMA_ALLOC_UCTX_USE_RAW_ATTR | IRDMA_SUPPORT_WQE_FORMAT_V2;
	int ver, ret = EINVAL;

	for (ver = IRDMA_ABI_VER; ver >= IRDMA_ABI_VER_MIN; ver--) {
		*sent_mask = base_mask | IRDMA_ALLOC_UCTX_DMABUF_MEMREG;
		ret = try_get_context(ctx, ver, *sent_mask, out);
		if (!ret)
			goto done;
		if (!is_refusal(ret))
			break;
		irdma_dbg(
			&ctx->ibv_ctx,
			"alloc_ucontext ABI %d with DMA-buf memreg refused (%s), retrying without",
			ver, strerror(ret));
		*sent_mask = base_mask;
		ret = try_get_context(ctx, ver, *sent_mask, out);
		if (!ret)
			goto done;
		if (!is_refusal(ret))
			break;
		irdma_dbg(&ctx->ibv_ctx, "alloc_ucontext ABI %d refused (%s)",
			  ver, strerror(ret));
	}
	irdma_err(&ctx->ibv_ctx, "alloc_ucontext failed: %s", strerror(ret));
	return ret;
done:
	ctx->abi_ver = ver;
	return 0;
}

/*
 * Bit 5 of comp_mask is ours only until upstream assigns it. A kernel that
 * grants it for the DMA-buf memreg extension also confirms it in the
 * response's extension words; one that grants it without them gave bit 5
 * another meaning, and this context now runs a feature we cannot name.
 */
static int check_dmabuf_memreg_grant(struct irdma_context *ctx,
				     const struct irdma_alloc_ucontext_resp *r)
{
	if (r->dmabuf_memreg_req_len == sizeof(struct irdma_mem_reg_req) &&
	    r->dmabuf_memreg_flags == IRDMA_MEMREG_FLAG_DMABUF)
		return 0;
	irdma_err(
		&ctx->ibv_ctx,
		"kernel granted alloc_ucontext comp_mask bit 5 without the DMA-buf memreg confirmation (req_len %u flags 0x%x): the bit means something else to it; refusing the context",
		r->dmabuf_memreg_req_len, r->dmabuf_memreg_flags);
	return EPROTO;
}

static int apply_context_resp(struct irdma_context *ctx,
			      const struct irdma_alloc_ucontext_resp *r,
			      uint64_t sent_mask)
{
	ctx->kernel_ver = r->kernel_ver;
	ctx->max_pds = r->max_pds;
	ctx->max_qps = r->max_qps;

	if (!r->hw_rev) {
		/* i40iw-compatible kernel: fixed gen 1 limits, no features */
		ctx->legacy_gen1 = true;
		ctx->abi_ver = r->kernel_ver;
		set_gen1_defaults(ctx);
		return 0;
	}
	if (r->hw_rev > IRDMA_GEN_3) {
		irdma_err(&ctx->ibv_ctx,
			  "kernel reports unknown hardware revision %u",
			  r->hw_rev);
		return EOPNOTSUPP;
	}

	ctx->hw_rev = r->hw_rev;
	ctx->feature_flags = r->feature_flags;
	ctx->max_hw_wq_frags = r->max_hw_wq_frags;
	ctx->max_hw_read_sges = r->max_hw_read_sges;
	ctx->max_hw_inline = r->max_hw_inline;
	ctx->max_hw_rq_quanta = r->max_hw_rq_quanta;
	ctx->max_hw_wq_quanta = r->max_hw_wq_quanta;
	ctx->max_hw_sq_chunk = r->max_hw_sq_chunk;
	ctx->min_hw_cq_size = r->min_hw_cq_size;
	ctx->max_hw_cq_size = r->max_hw_cq_size;

	/* A bit the kernel returns counts only if we asked for it. */
	ctx->comp_mask = r->comp_mask & sent_mask;
	/* These two are informational: the kernel reports them unasked. */
	if (r->comp_mask & IRDMA_ALLOC_UCTX_MIN_HW_WQ_SIZE)
		ctx->min_hw_wq_size = r->min_hw_wq_size;
	else
		ctx->min_hw_wq_size = IRDMA_DEFAULT_MIN_WQ_SIZE;
	if (r->comp_mask & IRDMA_ALLOC_UCTX_MAX_HW_SRQ_QUANTA)
		ctx->max_hw_srq_quanta = r->max_hw_srq_quanta;

	ctx->use_raw_attrs = ctx->comp_mask & IRDMA_ALLOC_UCTX_USE_RAW_ATTR;
	ctx->wqe_format_v2 = ctx->comp_mask & IRDMA_SUPPORT_WQE_FORMAT_V2;
	ctx->dmabuf_memreg = ctx->comp_mask & IRDMA_ALLOC_UCTX_DMABUF_MEMREG;
	if (ctx->dmabuf_memreg && check_dmabuf_memreg_grant(ctx, r))
		return EPROTO;

	if (!ctx->max_hw_wq_frags || !ctx->max_hw_wq_quanta ||
	    !ctx->max_hw_rq_quanta || !ctx->max_hw_sq_chunk ||
	    ctx->min_hw_cq_size > ctx->max_hw_cq_size) {
		irdma_err(&ctx->ibv_ctx,
			  "kernel reported inconsistent queue limits");
		return EPROTO;
	}
	return 0;
}

static void log_context(struct irdma_context *ctx)
{
	irdma_dbg(
		&ctx->ibv_ctx,
		"context: abi %u kernel_ver %u gen %u%s comp_mask 0x%llx (raw_attrs %d wqe_v2 %d dmabuf_memreg %d) features 0x%llx",
		ctx->abi_ver, ctx->kernel_ver, ctx->hw_rev,
		ctx->legacy_gen1 ? " (legacy i40iw)" : "",
		(unsigned long long)ctx->comp_mask, ctx->use_raw_attrs,
		ctx->wqe_format_v2, ctx->dmabuf_memreg,
		(unsigned long long)ctx->feature_flags);
	irdma_dbg(
		&ctx->ibv_ctx,
		"limits: wq_frags %u read_sges %u inline %u rq_quanta %u wq_quanta %u sq_chunk %u cq_size %u..%u min_wq %u srq_quanta %u",
		ctx->max_hw_wq_frags, ctx->max_hw_read_sges, ctx->max_hw_inline,
		ctx->max_hw_rq_quanta, ctx->max_hw_wq_quanta,
		ctx->max_hw_sq_chunk, ctx->min_hw_cq_size, ctx->max_hw_cq_size,
		ctx->min_hw_wq_size, ctx->max_hw_srq_quanta);
}

/* The PCI id already named a generation; a different hw_rev is odd. */
static void note_generation(struct irdma_context *ctx)
{
	const struct irdma_device *dev =
		to_irdma_dev(ctx->ibv_ctx.context.device);

	if (dev->pci_gen != IRDMA_GEN_UNKNOWN && dev->pci_gen != ctx->hw_rev)
		irdma_warn(&ctx->ibv_ctx,
			   "PCI id suggests gen %d, kernel reports gen %u",
			   dev->pci_gen, ctx->hw_rev);
}

static int map_doorbells(struct irdma_context *ctx, uint64_t key)
{
	void *page;

	page = mmap(NULL, IRDMA_HW_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED, ctx->ibv_ctx.context.cmd_fd, (off_t)key);
	if (page == MAP_FAILED) {
		int err = errno;

		irdma_err(&ctx->ibv_ctx, "cannot map the doorbell page: %s",
			  strerror(err));
		return err;
	}
	/* A forked child must not share (or lose) the device's registers. */
	if (ibv_dontfork_range(page, IRDMA_HW_PAGE_SIZE)) {
		int err = errno ? errno : ENOMEM;

		munmap(page, IRDMA_HW_PAGE_SIZE);
		return err;
	}
	ctx->db_page = page;
	ctx->db = (__u32 *)((char *)page + IRDMA_DB_WQE_ALLOC_OFFSET);
	ctx->cq_arm_db = (__u32 *)((char *)page + IRDMA_DB_CQ_ARM_OFFSET);
	return 0;
}

static void unmap_doorbells(struct irdma_context *ctx)
{
	if (!ctx->db_page)
		return;
	ibv_dofork_range(ctx->db_page, IRDMA_HW_PAGE_SIZE);
	munmap(ctx->db_page, IRDMA_HW_PAGE_SIZE);
	ctx->db_page = NULL;
	ctx->db = NULL;
	ctx->cq_arm_db = NULL;
}

/*
 * Learn whether the device needs DMA bounce (CoCo guest). Guessing "no" when
 * the query fails could hand a CoCo device private memory it cannot reach,
 * so a failed query fails the open instead.
 */
static int probe_dma_bounce(struct irdma_context *ctx)
{
	struct ibv_device_attr_ex attr = {};
	int ret;

	ret = irdma_query_device_ex(&ctx->ibv_ctx.context, NULL, &attr,
				    sizeof(attr));
	if (ret) {
		irdma_err(
			&ctx->ibv_ctx,
			"query_device_ex failed (%s): cannot tell whether the device needs DMA bounce",
			strerror(ret));
		return ret;
	}
	ctx->dma_bounce = attr.device_cap_flags_ex & IBV_DEVICE_CC_DMA_BOUNCE;
	irdma_dbg(&ctx->ibv_ctx, "device %s DMA bounce (CC_DMA_BOUNCE %s)",
		  ctx->dma_bounce ? "needs" : "does not need",
		  ctx->dma_bounce ? "set" : "clear");
	return 0;
}

static const struct verbs_context_ops irdma_ctl_ops = {
	.alloc_buf = irdma_alloc_buf,
	.alloc_parent_domain = irdma_alloc_parent_domain,
	.alloc_pd = irdma_alloc_pd,
	.dealloc_pd = irdma_dealloc_pd,
	.dereg_mr = irdma_dereg_mr,
	.free_buf = irdma_free_buf,
	.free_context = irdma_free_context,
	.query_device_ex = irdma_query_device_ex,
	.query_port = irdma_query_port,
	.reg_dmabuf_mr = irdma_reg_dmabuf_mr,
	.reg_mr = irdma_reg_mr,
	.reg_mr_ex = irdma_reg_mr_ex,
	.rereg_mr = irdma_rereg_mr,
};

/*
 * The context is going away either way; if the kernel refuses to destroy
 * the PD now, closing cmd_fd reclaims it, so our memory is freed regardless.
 */
static void drop_internal_pd(struct irdma_context *ctx)
{
	struct irdma_pd *pd = ctx->internal_pd;

	ctx->internal_pd = NULL;
	if (pd && irdma_destroy_pd(pd)) {
		irdma_warn(
			&ctx->ibv_ctx,
			"internal PD %u not destroyed; the kernel reclaims it at close",
			pd->pd_id);
		free(pd);
	}
}

static void release_context(struct irdma_context *ctx)
{
	irdma_close_heap(ctx);
	unmap_doorbells(ctx);
	pthread_mutex_destroy(&ctx->heap_lock);
	verbs_uninit_context(&ctx->ibv_ctx);
	free(ctx);
}

static struct verbs_context *irdma_alloc_context(struct ibv_device *ibdev,
						 int cmd_fd, void *private_data)
{
	struct get_context_resp resp;
	struct irdma_context *ctx;
	uint64_t sent_mask = 0;
	int ret;

	ctx = verbs_init_and_alloc_context(ibdev, cmd_fd, ctx, ibv_ctx,
					   RDMA_DRIVER_IRDMA);
	if (!ctx)
		return NULL;
	pthread_mutex_init(&ctx->heap_lock, NULL);

	ret = negotiate_abi(ctx, &resp, &sent_mask);
	if (ret)
		goto err;
	ret = apply_context_resp(ctx, &resp.resp, sent_mask);
	if (ret)
		goto err;
	log_context(ctx);
	note_generation(ctx);

	verbs_set_ops(&ctx->ibv_ctx, &irdma_ctl_ops);
	verbs_set_ops(&ctx->ibv_ctx, &irdma_datapath_ops);

	/* i40iw-style kernels map the doorbells at offset 0 */
	ret = map_doorbells(ctx, ctx->legacy_gen1 ? 0 : resp.resp.db_mmap_key);
	if (ret)
		goto err;

	ctx->internal_pd = irdma_create_pd(&ctx->ibv_ctx.context);
	if (!ctx->internal_pd) {
		ret = errno ? errno : ENOMEM;
		irdma_err(&ctx->ibv_ctx, "cannot allocate the internal PD: %s",
			  strerror(ret));
		goto err;
	}

	ret = probe_dma_bounce(ctx);
	if (ret)
		goto err_pd;
	return &ctx->ibv_ctx;

err_pd:
	drop_internal_pd(ctx);
err:
	/*
	 * A failing alloc_context owns cmd_fd: verbs_uninit_context() closes
	 * it, which also ends the kernel's ucontext.
	 */
	release_context(ctx);
	errno = ret;
	return NULL;
}

void irdma_free_context(struct ibv_context *ibctx)
{
	struct irdma_context *ctx = to_irdma_ctx(ibctx);

	drop_internal_pd(ctx);
	release_context(ctx);
}

static struct verbs_device *irdma_device_alloc(struct verbs_sysfs_dev *sdev)
{
	const struct verbs_match_ent *m = sdev->match;
	struct irdma_device *dev = calloc(1, sizeof(*dev));

	/* a PCI match tells the generation before any context exists */
	if (dev && m && m->kind == VERBS_MATCH_PCI)
		dev->pci_gen = (enum irdma_gen)(uintptr_t)m->driver_data;
	return dev ? &dev->vdev : NULL;
}

static void irdma_device_free(struct verbs_device *vdev)
{
	free(container_of(vdev, struct irdma_device, vdev));
}

static const struct verbs_device_ops irdma_device_ops = {
	.name = "irdma",
	.match_min_abi_version = 0,
	.match_max_abi_version = IRDMA_ABI_VER,
	.match_table = irdma_match_table,
	.alloc_device = irdma_device_alloc,
	.uninit_device = irdma_device_free,
	.alloc_context = irdma_alloc_context,
};

PROVIDER_DRIVER(irdma, irdma_device_ops);
