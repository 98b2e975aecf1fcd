// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulated kernel's uverbs command decoding and irdma ABI negotiation,
 * driven with raw write()s on a uverbs fd:
 *
 *   kernel_abi --gen N [--dmabuf 0|1]
 *
 * checks malformed headers, commands before/after GET_CONTEXT, the
 * userspace_ver and comp_mask rules of irdma_alloc_ucontext (per
 * generation), the limits in its response, and the doorbell mmap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel_util.h"

#define FEATURE_CQ_RESIZE (1ULL << 1)
#define FEATURE_64_BYTE_CQE (1ULL << 5)
#define FEATURE_ATOMIC_OPS (1ULL << 6)
#define FEATURE_SRQ (1ULL << 7)
#define FEATURE_CQE_TIMESTAMPING (1ULL << 8)
#define COMP_MASK_V2 \
	(IRDMA_ALLOC_UCTX_USE_RAW_ATTR | IRDMA_SUPPORT_WQE_FORMAT_V2)

/* What irdma reports per generation (kernel's uk_attrs). */
struct gen_facts {
	uint32_t frags;
	uint32_t read_sges;
	uint16_t min_wq;
	uint16_t sq_chunk;
	uint64_t features;
};

static const struct gen_facts facts[4] = {
	[1] = { 3, 1, 4, 2, 0 },
	[2] = { 13, 13, 8, 8, FEATURE_CQ_RESIZE | 1 },
	[3] = { 14, 14, 8, 8,
		FEATURE_CQ_RESIZE | 1 | FEATURE_64_BYTE_CQE | FEATURE_SRQ |
			FEATURE_ATOMIC_OPS | FEATURE_CQE_TIMESTAMPING },
};

static void check_header_errors(int fd)
{
	uint8_t buf[64] = { 0 };
	struct ib_uverbs_cmd_hdr *hdr = (void *)buf;
	struct ib_uverbs_alloc_pd pd = { 0 };

	KT_EXPECT_ERR(kt_write(fd, buf, 4), EINVAL, "4-byte write");
	KT_EXPECT_ERR(kt_write(fd, (void *)8, 16), EFAULT,
		      "write from an unmapped buffer");

	/* in_words must describe exactly what was written */
	hdr->command = IB_USER_VERBS_CMD_ALLOC_PD;
	hdr->in_words = 3;
	hdr->out_words = 3;
	KT_EXPECT_ERR(kt_write(fd, buf, 16), EINVAL, "in_words mismatch");

	/* flag bits other than EXTENDED */
	KT_EXPECT_ERR(kt_cmd(fd, 0x40000000 | IB_USER_VERBS_CMD_ALLOC_PD, &pd,
			     sizeof(pd), NULL, 0, 16),
		      EINVAL, "reserved command flag");

	KT_EXPECT_ERR(kt_cmd(fd, 0x7f, &pd, sizeof(pd), NULL, 0, 0), EOPNOTSUPP,
		      "unknown command 0x7f");
	/* POLL_CQ exists in the ABI but irdma user CQs are polled in user */
	KT_EXPECT_ERR(kt_cmd(fd, IB_USER_VERBS_CMD_POLL_CQ, &pd, sizeof(pd),
			     NULL, 0, 0),
		      EOPNOTSUPP, "POLL_CQ");

	/* anything but GET_CONTEXT needs a context */
	KT_EXPECT_ERR(kt_cmd(fd, IB_USER_VERBS_CMD_ALLOC_PD, &pd, sizeof(pd),
			     NULL, 0, 16),
		      EINVAL, "ALLOC_PD before GET_CONTEXT");

	/* extended header: response without room is EINVAL */
	{
		struct ib_uverbs_ex_query_device q = { 0 };
		uint8_t resp[512];

		KT_EXPECT_ERR(kt_cmd_ex(fd, IB_USER_VERBS_EX_CMD_QUERY_DEVICE,
					&q, sizeof(q), NULL, 0, resp, 0, 0),
			      EINVAL, "ex command, response but no out_words");
		KT_EXPECT_ERR(
			kt_cmd_ex(fd, 0x30, &q, sizeof(q), NULL, 0, resp, 8, 0),
			EOPNOTSUPP, "unknown extended command");
	}
}

static void check_negotiation_errors(int fd, unsigned int gen)
{
	struct kt_ctx c = { .fd = fd };
	size_t full = sizeof(struct irdma_alloc_ucontext_resp);
	uint8_t resp[8 + 80];
	struct ib_uverbs_get_context cmd = { .response = (uintptr_t)resp };
	uint32_t too_short = 0;

	KT_EXPECT_ERR(kt_cmd(fd, IB_USER_VERBS_CMD_GET_CONTEXT, &cmd,
			     sizeof(cmd), &too_short, sizeof(too_short),
			     8 + 80),
		      EINVAL, "driver request shorter than 8 bytes");
	/* the core response is written before irdma runs: bad pointer */
	cmd.response = 8;
	KT_EXPECT_ERR(kt_cmd(fd, IB_USER_VERBS_CMD_GET_CONTEXT, &cmd,
			     sizeof(cmd), &too_short, sizeof(too_short),
			     8 + 80),
		      EFAULT, "GET_CONTEXT with a bad response pointer");
	KT_EXPECT_ERR(kt_get_context(&c, 3, COMP_MASK_V2, full), EINVAL,
		      "userspace_ver 3");
	KT_EXPECT_ERR(kt_get_context(&c, 6, COMP_MASK_V2, full), EINVAL,
		      "userspace_ver 6");
	KT_EXPECT_ERR(kt_get_context(&c, 5, COMP_MASK_V2 | (1ULL << 12), full),
		      EOPNOTSUPP, "unknown comp_mask bit");
	KT_EXPECT_ERR(kt_get_context(&c, 5, COMP_MASK_V2, 8), EINVAL,
		      "response room below the 16-byte minimum");
	KT_EXPECT_ERR(
		kt_get_context(&c, 5, IRDMA_ALLOC_UCTX_USE_RAW_ATTR, full),
		gen >= 3 ? EOPNOTSUPP : 0, "context without WQE format v2");
	if (gen < 3) {
		/* that one worked: a second context on the file is refused */
		close(c.async_fd);
		KT_EXPECT_ERR(kt_get_context(&c, 5, COMP_MASK_V2, full), EINVAL,
			      "second GET_CONTEXT");
	}
}

static void check_response(const struct kt_ctx *c, unsigned int gen,
			   bool want_dmabuf)
{
	const struct irdma_alloc_ucontext_resp *r = &c->uctx;
	const struct gen_facts *f = &facts[gen];
	uint64_t must = IRDMA_ALLOC_UCTX_USE_RAW_ATTR |
			IRDMA_ALLOC_UCTX_MIN_HW_WQ_SIZE |
			IRDMA_ALLOC_UCTX_MAX_HW_SRQ_QUANTA;

	EXPECT(r->hw_rev == gen, "hw_rev %u", r->hw_rev);
	EXPECT(r->kernel_ver == IRDMA_ABI_VER, "kernel_ver %u", r->kernel_ver);
	EXPECT(r->max_hw_wq_frags == f->frags, "frags %u", r->max_hw_wq_frags);
	EXPECT(r->max_hw_read_sges == f->read_sges, "read sges %u",
	       r->max_hw_read_sges);
	EXPECT(r->min_hw_wq_size == f->min_wq, "min wq %u", r->min_hw_wq_size);
	EXPECT(r->max_hw_sq_chunk == f->sq_chunk, "sq chunk %u",
	       r->max_hw_sq_chunk);
	EXPECT(r->feature_flags == f->features, "features 0x%llx",
	       (unsigned long long)r->feature_flags);
	EXPECT((r->comp_mask & must) == must, "comp_mask 0x%llx",
	       (unsigned long long)r->comp_mask);
	EXPECT(!!(r->comp_mask & IRDMA_ALLOC_UCTX_DMABUF_MEMREG) == want_dmabuf,
	       "DMA-buf memreg %s negotiated", want_dmabuf ? "not" : "wrongly");
	/* the extension's confirmation comes with the bit, and only then */
	EXPECT(r->dmabuf_memreg_req_len ==
			       (want_dmabuf ? sizeof(struct irdma_mem_reg_req) :
					      0) &&
		       r->dmabuf_memreg_flags ==
			       (want_dmabuf ? IRDMA_MEMREG_FLAG_DMABUF : 0),
	       "DMA-buf memreg confirmation req_len %u flags 0x%x",
	       r->dmabuf_memreg_req_len, r->dmabuf_memreg_flags);
	EXPECT(gen < 3 || r->max_hw_srq_quanta, "no SRQ quanta on gen 3");
	EXPECT(r->min_hw_cq_size == 1 && r->max_hw_cq_size >= 4096,
	       "cq sizes %u..%u", r->min_hw_cq_size, r->max_hw_cq_size);
}

static void check_doorbell_mmap(const struct kt_ctx *c)
{
	long pg = 4096;
	void *db;

	db = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
		  c->uctx.db_mmap_key);
	EXPECT(db != MAP_FAILED, "doorbell mmap: %s", strerror(errno));
	if (db != MAP_FAILED)
		munmap(db, pg);
	errno = 0;
	db = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
		  c->uctx.db_mmap_key + 16 * pg);
	EXPECT(db == MAP_FAILED && errno == EINVAL,
	       "mmap of an unknown key: %s", strerror(errno));
	db = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, c->fd,
		  c->uctx.db_mmap_key);
	EXPECT(db == MAP_FAILED && errno == EINVAL, "private doorbell mmap: %s",
	       strerror(errno));
	db = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
		  c->uctx.db_mmap_key);
	EXPECT(db == MAP_FAILED && errno == EINVAL,
	       "two-page doorbell mmap: %s", strerror(errno));
}

static void check_legacy_i40iw(unsigned int gen)
{
	struct kt_ctx c = { .fd = kt_open_uverbs() };

	/* a 16-byte response is libi40iw's ABI: only gen 1 speaks it */
	KT_EXPECT_ERR(kt_get_context(&c, 5, 0, 16), gen == 1 ? 0 : EOPNOTSUPP,
		      "i40iw legacy response size");
	if (gen == 1) {
		EXPECT(c.uctx.kernel_ver == 5 && c.uctx.max_qps,
		       "legacy response");
		close(c.async_fd);
	}
	close(c.fd);
}

int main(int argc, char **argv)
{
	unsigned int gen = 2;
	bool want_dmabuf = true;
	struct kt_ctx c = { 0 };

	if (kt_parse_args(argc, argv, &gen, &want_dmabuf))
		return 2;
	if (gen < 1 || gen > 3)
		return 2;

	c.fd = kt_open_uverbs();
	if (c.fd < 0) {
		perror("open uverbs0");
		return 1;
	}
	check_header_errors(c.fd);
	check_negotiation_errors(c.fd, gen);
	if (gen < 3) {
		/* the context from check_negotiation_errors: renegotiate */
		close(c.fd);
		c.fd = kt_open_uverbs();
	}
	/* a kernel without the extension does not know its bit at all */
	KT_EXPECT_ERR(
		kt_get_context(&c, 5,
			       COMP_MASK_V2 | IRDMA_ALLOC_UCTX_DMABUF_MEMREG,
			       sizeof(c.uctx)),
		want_dmabuf ? 0 : EOPNOTSUPP,
		"GET_CONTEXT asking for DMA-buf memreg");
	if (!want_dmabuf)
		KT_EXPECT_ERR(
			kt_get_context(&c, 5, COMP_MASK_V2, sizeof(c.uctx)), 0,
			"GET_CONTEXT without DMA-buf memreg");
	check_response(&c, gen, want_dmabuf);
	check_doorbell_mmap(&c);
	close(c.async_fd);
	close(c.fd);
	check_legacy_i40iw(gen);

	EXPECT(test_emu_live_objects() == 0, "%lu objects alive after close",
	       test_emu_live_objects());
	return test_exit_status();
}
