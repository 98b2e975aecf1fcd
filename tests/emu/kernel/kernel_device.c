// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Emulated irdma devices: per-generation limits, and the device-level
 * commands (GET_CONTEXT = irdma_alloc_ucontext, QUERY_DEVICE[_EX],
 * QUERY_PORT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/irdma-abi.h>

#include "kernel_priv.h"
#include "device/hw.h"
#include "platform/platform.h"

#define EMU_MAX_MR_SIZE 0x200000000000ULL

/*
 * The request bits alloc_ucontext understands; like current kernels it
 * refuses others with -EOPNOTSUPP. A kernel without the DMA-buf memreg
 * extension does not know that bit either.
 */
#define EMU_UCTX_REQ_BASE \
	(IRDMA_ALLOC_UCTX_USE_RAW_ATTR | IRDMA_SUPPORT_WQE_FORMAT_V2)

/* Sizes irdma insists on (offsetofend of rsvd8 / rsvd). */
#define EMU_UCTX_MIN_REQ_LEN 8U
#define EMU_UCTX_MIN_RESP_LEN 16U

/*
 * One limit across the generations, side by side: gen 1 (X722, i40iw),
 * gen 2 (E810), gen 3 (WQE format v2, 64-byte CQEs, SRQs). An unknown
 * generation gets gen 2's numbers.
 */
#define PER_GEN(field, gen1, gen2, gen3)        \
	(l->field = gen == EMU_GEN_1 ? (gen1) : \
		    gen == EMU_GEN_3 ? (gen3) : \
				       (gen2))

#define GEN2_FEATURES (EMU_FEATURE_RTS_AE | EMU_FEATURE_CQ_RESIZE)
#define GEN3_FEATURES                                                \
	(GEN2_FEATURES | EMU_FEATURE_64_BYTE_CQE | EMU_FEATURE_SRQ | \
	 EMU_FEATURE_ATOMIC_OPS | EMU_FEATURE_CQE_TIMESTAMPING)
#define PAGES_4K_2M (0x1000 | 0x200000)
#define PAGES_4K_2M_1G (PAGES_4K_2M | 0x40000000)

/*
 * Object counts are sized like a mid-size HMC configuration (X722's is
 * smaller): enough for 10,000s of QPs, each with its CQs and ring
 * registrations (MRs).
 */
static void limits_setup(struct emu_limits *l, enum emu_gen gen)
{
	PER_GEN(max_qp, 2048, 32768, 32768);
	PER_GEN(max_cq, 4096, 65536, 65536);
	PER_GEN(max_pd, 32768, 65536, 65536);
	PER_GEN(max_mr, 65536, 262144, 262144);
	PER_GEN(max_mw, 65536, 262144, 262144);
	PER_GEN(max_ah, 65536, 65536, 65536);
	PER_GEN(max_srq, 0, 0, 1024);
	PER_GEN(max_mr_size, EMU_MAX_MR_SIZE, EMU_MAX_MR_SIZE, EMU_MAX_MR_SIZE);
	PER_GEN(page_size_cap, PAGES_4K_2M, PAGES_4K_2M_1G, PAGES_4K_2M_1G);
	PER_GEN(gid_tbl_len, EMU_GID_TABLE_LEN, EMU_GID_TABLE_LEN,
		EMU_GID_TABLE_LEN);
	PER_GEN(pkey_tbl_len, 1, 1, 1);
	PER_GEN(max_sge, 3, 13, 14);
	PER_GEN(max_sge_rd, 1, 13, 14);
	PER_GEN(max_inline, 48, 101, 64);
	PER_GEN(max_rq_quanta, 16384, 32768, 32768);
	PER_GEN(max_wq_quanta, 2048, 32768, 32768);
	PER_GEN(max_srq_quanta, 0, 0, 262144);
	PER_GEN(max_srq_wr, 0, 0, 16382);
	PER_GEN(max_sq_chunk, 2, 8, 8);
	PER_GEN(min_wq_size, 4, 8, 8);
	PER_GEN(min_cq_size, 1, 1, 1);
	PER_GEN(max_cq_size, 1048575, 1048575, 1048575);
	PER_GEN(max_qp_rd_atom, 63, 64, 64);
	PER_GEN(max_qp_init_rd_atom, 127, 64, 64);
	PER_GEN(feature_flags, 0, GEN2_FEATURES, GEN3_FEATURES);
	l->max_cqe = l->max_cq_size - 1;
}

static void device_setup(struct emu_device *dev, unsigned int index,
			 unsigned int gen)
{
	unsigned int g;

	dev->index = index;
	dev->gen = gen;
	limits_setup(&dev->lim, gen);
	/* WQEs per queue as verbs sees them: the SQ bounds it */
	dev->lim.max_qp_wr =
		(dev->lim.max_wq_quanta - EMU_SQ_RSVD) / dev->lim.max_sq_chunk;
	emu_dev_mac(index, dev->mac);
	dev->node_guid = emu_dev_node_guid(index);
	for (g = 0; g < EMU_MAX_GIDS; g++)
		if (emu_dev_gid(index, g, dev->gids[g]))
			dev->ngids = g + 1;
	pthread_mutex_init(&dev->lock, NULL);
}

static pthread_mutex_t devices_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_device *devices[EMU_MAX_DEVICES];

struct emu_device *emu_device_get(unsigned int index)
{
	const struct emu_config *cfg = emu_config();
	struct emu_device *dev;

	if (index >= cfg->ndevices || index >= EMU_MAX_DEVICES) {
		errno = ENXIO;
		return NULL;
	}
	pthread_mutex_lock(&devices_lock);
	dev = devices[index];
	if (!dev) {
		dev = calloc(1, sizeof(*dev));
		if (!dev) {
			errno = ENOMEM;
			goto out;
		}
		device_setup(dev, index, cfg->gen);
		if (emu_hw_device_init(dev)) {
			free(dev);
			dev = NULL;
			errno = ENODEV;
			goto out;
		}
		devices[index] = dev;
	}
out:
	pthread_mutex_unlock(&devices_lock);
	return dev;
}

/*
 * In a forked child the device table is a stale copy (the engine's thread
 * does not exist there): a child that opens a device starts afresh.
 */
static void devices_forget_after_fork(void)
{
	memset(devices, 0, sizeof(devices));
	pthread_mutex_init(&devices_lock, NULL);
}

__attribute__((constructor)) static void devices_init(void)
{
	pthread_atfork(NULL, NULL, devices_forget_after_fork);
}

bool emu_device_gid(struct emu_device *dev, unsigned int index,
		    uint8_t gid[EMU_GID_LEN])
{
	if (index >= dev->lim.gid_tbl_len)
		return false;
	return emu_dev_gid(dev->index, index, gid);
}

/* ---- GET_CONTEXT ------------------------------------------------------ */

/*
 * The doorbell page lives in a memfd so that every mmap() of db_mmap_key
 * is a real, independent mapping of the same page (as with the BAR page),
 * and the process can munmap() it like any other mapping.
 */
static int db_page_create(struct emu_file *f)
{
	int fd = memfd_create("irdma-emu-db", MFD_CLOEXEC);
	size_t len = emu_bar_size(f->dev); /* push pages follow, if any */
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len)) {
		close(fd);
		return -ENOMEM;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -ENOMEM;
	}
	f->db_fd = fd;
	f->db_page = p;
	f->bar_size = len;
	f->db_mmap_key = 0;
	return 0;
}

void emu_file_release_context(struct emu_file *f)
{
	if (f->has_context)
		emu_obj_account(f->dev, EMU_OBJ_CONTEXT, -1);
	f->has_context = false;
	if (f->hw_attached)
		emu_hw_file_detach(f);
	f->hw_attached = false;
	if (f->db_page)
		munmap(f->db_page, f->bar_size);
	f->db_page = NULL;
	if (f->db_fd >= 0)
		close(f->db_fd);
	f->db_fd = -1;
	if (f->async_rfd >= 0)
		close(f->async_rfd);
	if (f->async_wfd >= 0)
		close(f->async_wfd);
	f->async_rfd = f->async_wfd = -1;
}

static void fill_ucontext_resp(struct emu_file *f,
			       struct irdma_alloc_ucontext_resp *r)
{
	const struct emu_limits *l = &f->dev->lim;

	r->kernel_ver = IRDMA_ABI_VER;
	r->feature_flags = l->feature_flags;
	r->db_mmap_key = f->db_mmap_key;
	r->max_hw_wq_frags = l->max_sge;
	r->max_hw_read_sges = l->max_sge_rd;
	r->max_hw_inline = l->max_inline;
	r->max_hw_rq_quanta = l->max_rq_quanta;
	r->max_hw_wq_quanta = l->max_wq_quanta;
	r->max_hw_sq_chunk = l->max_sq_chunk;
	r->max_hw_cq_size = l->max_cq_size;
	r->min_hw_cq_size = l->min_cq_size;
	r->hw_rev = f->dev->gen;
	r->min_hw_wq_size = l->min_wq_size;
	r->max_hw_srq_quanta = l->max_srq_quanta;
	r->comp_mask = IRDMA_ALLOC_UCTX_USE_RAW_ATTR |
		       IRDMA_ALLOC_UCTX_MIN_HW_WQ_SIZE |
		       IRDMA_ALLOC_UCTX_MAX_HW_SRQ_QUANTA;
	if (f->dmabuf_memreg) {
		r->comp_mask |= IRDMA_ALLOC_UCTX_DMABUF_MEMREG;
		r->dmabuf_memreg_req_len = sizeof(struct irdma_mem_reg_req);
		r->dmabuf_memreg_flags = IRDMA_MEMREG_FLAG_DMABUF;
	}
}

/* irdma_alloc_ucontext, plus the DMA-buf memreg negotiation. */
static int irdma_ucontext_negotiate(struct emu_cmd *c)
{
	struct emu_file *f = c->f;
	struct irdma_alloc_ucontext_req req;
	struct irdma_alloc_ucontext_resp resp = {};
	uint64_t known;
	bool legacy;
	int ret;

	if (c->udata.inlen < EMU_UCTX_MIN_REQ_LEN ||
	    c->udata.outlen < EMU_UCTX_MIN_RESP_LEN)
		return -EINVAL;
	emu_udata_in(&c->udata, &req, sizeof(req));
	known = EMU_UCTX_REQ_BASE;
	if (emu_config()->dmabuf_memreg || emu_config()->uctx_bit5_foreign)
		known |= IRDMA_ALLOC_UCTX_DMABUF_MEMREG;
	if (req.comp_mask & ~known)
		return -EOPNOTSUPP;
	if (req.userspace_ver < 4 || req.userspace_ver > IRDMA_ABI_VER)
		return -EINVAL;
	if (f->dev->gen >= EMU_GEN_3 &&
	    !(req.comp_mask & IRDMA_SUPPORT_WQE_FORMAT_V2))
		return -EOPNOTSUPP;

	/* a response of only the base fields is i40iw's legacy ABI */
	legacy = c->udata.outlen == EMU_UCTX_MIN_RESP_LEN;
	if (legacy && f->dev->gen != EMU_GEN_1)
		return -EOPNOTSUPP;

	f->abi_ver = req.userspace_ver;
	f->use_raw_attrs = req.comp_mask & IRDMA_ALLOC_UCTX_USE_RAW_ATTR;
	f->wqe_format_v2 = req.comp_mask & IRDMA_SUPPORT_WQE_FORMAT_V2;
	f->dmabuf_memreg = !legacy && emu_config()->dmabuf_memreg &&
			   !emu_config()->uctx_bit5_foreign &&
			   (req.comp_mask & IRDMA_ALLOC_UCTX_DMABUF_MEMREG);
	f->legacy_mode = legacy;

	ret = db_page_create(f);
	if (ret)
		return ret;
	if (legacy) {
		resp.max_qps = f->dev->lim.max_qp;
		resp.max_pds = f->dev->lim.max_pd;
		resp.wq_size = f->dev->lim.max_qp_wr * 2;
		resp.kernel_ver = req.userspace_ver;
	} else {
		fill_ucontext_resp(f, &resp);
		/* asked for bit 5, granted, but as another feature: unconfirmed */
		if (emu_config()->uctx_bit5_foreign &&
		    (req.comp_mask & IRDMA_ALLOC_UCTX_DMABUF_MEMREG))
			resp.comp_mask |= IRDMA_ALLOC_UCTX_DMABUF_MEMREG;
	}
	f->comp_mask = legacy ? 0 : resp.comp_mask;
	return emu_udata_out(&c->udata, &resp, sizeof(resp));
}

int emu_cmd_get_context(struct emu_cmd *c)
{
	struct emu_file *f = c->f;
	struct ib_uverbs_get_context cmd;
	struct ib_uverbs_get_context_resp resp = {};
	int process_fd = -1;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (f->has_context)
		return -EINVAL;

	ret = emu_evq_create(&process_fd, &f->async_wfd);
	if (ret)
		return ret;
	f->async_rfd = dup(process_fd);
	if (f->async_rfd < 0) {
		ret = -EMFILE;
		goto err;
	}
	resp.async_fd = process_fd;
	resp.num_comp_vectors = EMU_NUM_COMP_VECTORS;
	ret = emu_cmd_response(c, &resp, sizeof(resp));
	if (ret)
		goto err;

	ret = irdma_ucontext_negotiate(c);
	if (ret)
		goto err;
	ret = emu_hw_file_attach(f);
	if (ret)
		goto err;
	f->hw_attached = true;
	f->has_context = true;
	emu_obj_account(f->dev, EMU_OBJ_CONTEXT, 1);
	return 0;
err:
	emu_file_release_context(f);
	if (process_fd >= 0)
		close(process_fd);
	return ret;
}

/* ---- QUERY_DEVICE ------------------------------------------------------ */

static uint64_t fw_version(unsigned int gen)
{
	unsigned int major = 0, minor = 0;

	if (sscanf(emu_dev_fw_ver(gen), "%u.%u", &major, &minor) < 1)
		return 0;
	return (uint64_t)major << 32 | minor;
}

static uint64_t device_cap_flags(void)
{
	uint64_t flags = IB_UVERBS_DEVICE_MEM_WINDOW |
			 IB_UVERBS_DEVICE_MEM_MGT_EXTENSIONS |
			 IB_UVERBS_DEVICE_RC_RNR_NAK_GEN;

	/* a CoCo guest's device can only DMA through bounce buffers */
	if (emu_config()->cc)
		flags |= IB_UVERBS_DEVICE_CC_DMA_BOUNCE;
	return flags;
}

static void fill_device_attr(struct emu_device *dev,
			     struct ib_uverbs_query_device_resp *r)
{
	const struct emu_limits *l = &dev->lim;

	memset(r, 0, sizeof(*r));
	r->fw_ver = fw_version(dev->gen);
	r->node_guid = htobe64(dev->node_guid);
	r->sys_image_guid = htobe64(dev->node_guid);
	r->max_mr_size = l->max_mr_size;
	r->page_size_cap = l->page_size_cap;
	r->vendor_id = EMU_PCI_VENDOR_INTEL;
	r->vendor_part_id = emu_dev_pci_device(dev->gen);
	r->hw_ver = dev->gen;
	r->max_qp = l->max_qp;
	r->max_qp_wr = l->max_qp_wr;
	r->device_cap_flags = (uint32_t)device_cap_flags();
	r->max_sge = l->max_sge;
	r->max_sge_rd = l->max_sge_rd;
	r->max_cq = l->max_cq;
	r->max_cqe = l->max_cqe;
	r->max_mr = l->max_mr;
	r->max_pd = l->max_pd;
	r->max_qp_rd_atom = l->max_qp_rd_atom;
	r->max_qp_init_rd_atom = l->max_qp_init_rd_atom;
	r->atomic_cap = l->feature_flags & EMU_FEATURE_ATOMIC_OPS ?
				IBV_ATOMIC_HCA :
				IBV_ATOMIC_NONE;
	r->max_mw = l->max_mw;
	r->max_ah = l->max_ah;
	r->max_srq = l->max_srq;
	r->max_srq_wr = l->max_srq_wr;
	r->max_srq_sge = l->max_srq ? l->max_sge : 0;
	r->max_pkeys = l->pkey_tbl_len;
	r->phys_port_cnt = 1;
}

int emu_cmd_query_device(struct emu_cmd *c)
{
	struct ib_uverbs_query_device cmd;
	struct ib_uverbs_query_device_resp resp;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	fill_device_attr(c->f->dev, &resp);
	return emu_cmd_response(c, &resp, sizeof(resp));
}

int emu_cmd_query_device_ex(struct emu_cmd *c)
{
	struct ib_uverbs_ex_query_device cmd;
	struct ib_uverbs_ex_query_device_resp resp = {};
	int ret;

	ret = EMU_CMD_REQUEST_EX(c, cmd);
	if (ret)
		return ret;
	/* irdma_query_device rejects driver data */
	if (c->udata.inlen || c->udata.outlen)
		return -EINVAL;
	fill_device_attr(c->f->dev, &resp.base);
	resp.device_cap_flags_ex = device_cap_flags();
	/* gen 3 stamps CQEs with a 32-bit count of a 1 GHz clock */
	if (c->f->dev->gen >= EMU_GEN_3) {
		resp.timestamp_mask = 0xffffffffULL;
		resp.hca_core_clock = 1000000; /* kHz */
	} else if (c->f->dev->gen == EMU_GEN_2) {
		resp.timestamp_mask = 0x1ffff;
	}
	resp.response_length = emu_cmd_ex_response_length(c, sizeof(resp));
	return emu_cmd_response(c, &resp, sizeof(resp));
}

/* ---- QUERY_PORT -------------------------------------------------------- */

int emu_cmd_query_port(struct emu_cmd *c)
{
	struct emu_device *dev = c->f->dev;
	struct ib_uverbs_query_port cmd;
	struct ib_uverbs_query_port_resp resp = {};
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (cmd.port_num != 1)
		return -EINVAL;
	resp.port_cap_flags =
		IB_UVERBS_PCF_CM_SUP | IB_UVERBS_PCF_IP_BASED_GIDS;
	resp.max_msg_sz = 0x7fffffff;
	resp.gid_tbl_len = dev->lim.gid_tbl_len;
	resp.pkey_tbl_len = dev->lim.pkey_tbl_len;
	resp.state = IBV_PORT_ACTIVE;
	resp.phys_state = 5; /* LinkUp */
	resp.max_mtu = IBV_MTU_4096;
	resp.active_mtu = IBV_MTU_1024; /* netdev MTU 1500 */
	if (dev->gen == EMU_GEN_1) {
		resp.active_width = 1; /* 1X */
		resp.active_speed = 4; /* QDR: 10 Gb/s */
	} else {
		resp.active_width = 2; /* 4X */
		resp.active_speed = 32; /* EDR: 100 Gb/s */
	}
	resp.link_layer = IBV_LINK_LAYER_ETHERNET;
	return emu_cmd_response(c, &resp, sizeof(resp));
}
