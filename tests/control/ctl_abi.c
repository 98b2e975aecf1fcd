// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ABI negotiation as the provider saw it, read back from its IRDMA_DEBUG
 * output: generation, accepted comp_mask bits (raw attrs, DMA-buf memreg),
 * sane limits, and whether the device was found to need DMA bounce.
 * Usage: ctl_abi [--gen N] [--cc] [--no-dmabuf-memreg] [--abi N]
 *                [--expect-retry] [--expect-open-fail]
 * The last two go with emulator fault injection (--fail cmd:N:ERRNO) that
 * refuses the first alloc_ucontext requests or later setup steps.
 * With --bit5-foreign (irdma-emu-run --uctx-bit5-foreign) the kernel
 * grants comp_mask bit 5 without the DMA-buf memreg confirmation, as one
 * that gave the bit another meaning would: every open must fail with
 * EPROTO and say why, leaking nothing.
 * Then plain registrations on the negotiated context: an MR and (without
 * DMA bounce) a CQ's rings by address. The emulated kernel refuses, as a
 * strict kernel would, an extended irdma_mem_reg_req whose DMA-buf fields
 * are not zero when no DMA-buf is meant.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/emu.h"
#include "ctl_util.h"

struct seen_context {
	unsigned int abi, kver, gen;
	unsigned long long comp_mask, features;
	int raw_attrs, wqe_v2, dmabuf;
};

struct seen_limits {
	unsigned int wq_frags, read_sges, inline_len, rq_quanta, wq_quanta;
	unsigned int sq_chunk, cq_min, cq_max, min_wq, srq_quanta;
};

static const char *find_line(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	CHECK(p, "no '%s' line in the provider's debug output", prefix);
	return p + strlen(prefix);
}

static void parse_context(const char *text, struct seen_context *c)
{
	const char *p = find_line(text, "irdma: context: ");
	const char *q;
	int n;

	n = sscanf(p, "abi %u kernel_ver %u gen %u", &c->abi, &c->kver,
		   &c->gen);
	CHECK(n == 3, "cannot parse context line: %.80s", p);
	q = strstr(p, "comp_mask ");
	CHECK(q, "no comp_mask in: %.120s", p);
	n = sscanf(
		q,
		"comp_mask 0x%llx (raw_attrs %d wqe_v2 %d dmabuf_memreg %d) features 0x%llx",
		&c->comp_mask, &c->raw_attrs, &c->wqe_v2, &c->dmabuf,
		&c->features);
	CHECK(n == 5, "cannot parse comp_mask part: %.120s", q);
}

static void parse_limits(const char *text, struct seen_limits *l)
{
	const char *p = find_line(text, "irdma: limits: ");
	int n;

	n = sscanf(
		p,
		"wq_frags %u read_sges %u inline %u rq_quanta %u wq_quanta %u sq_chunk %u cq_size %u..%u min_wq %u srq_quanta %u",
		&l->wq_frags, &l->read_sges, &l->inline_len, &l->rq_quanta,
		&l->wq_quanta, &l->sq_chunk, &l->cq_min, &l->cq_max, &l->min_wq,
		&l->srq_quanta);
	CHECK(n == 10, "cannot parse limits line: %.160s", p);
}

/* Bit 5 granted without its confirmation: no context, twice. */
static void check_bit5_foreign(void)
{
	char *text;
	int i, err;

	for (i = 0; i < 2; i++) {
		errno = 0;
		ctl_capture_begin();
		CHECK(!test_open_first_device(),
		      "a context with an unconfirmed comp_mask bit 5 was opened");
		err = errno;
		text = ctl_capture_end();
		CHECK(err == EPROTO, "open failed with errno %d, want EPROTO",
		      err);
		CHECK(strstr(text, "without the DMA-buf memreg confirmation"),
		      "the refusal is not explained in the debug output");
		free(text);
	}
	printf("ctl_abi: comp_mask bit 5 without confirmation refused ok\n");
}

/*
 * Register memory by address on ctx: every kernel must take it, but
 * Linux 7.2 on a bounce device, which refuses plain memory (EOPNOTSUPP;
 * a request with stray DMA-buf fields would be EINVAL first).
 */
static void check_plain_registrations(struct ibv_context *ctx, bool bounce)
{
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	void *buf = aligned_alloc(4096, 8192);
	struct ibv_mr *mr;
	struct ibv_cq *cq;

	CHECK(pd && buf, "alloc_pd / buffer: %m");
	errno = 0;
	mr = ibv_reg_mr(pd, buf, 8192, IBV_ACCESS_LOCAL_WRITE);
	if (test_emu_va_refused()) {
		CHECK(!mr && errno == EOPNOTSUPP,
		      "plain reg_mr on a 7.2 bounce device: errno %d, want EOPNOTSUPP",
		      errno);
	} else {
		CHECK(mr, "plain reg_mr: %m");
		CHECK(!ibv_dereg_mr(mr), "dereg_mr: %m");
	}
	/* a bounce device refuses rings outside a CoCo parent domain */
	if (!bounce) {
		cq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
		CHECK(cq, "CQ with its rings registered by address: %m");
		CHECK(!ibv_destroy_cq(cq), "destroy_cq: %m");
	}
	CHECK(!ibv_dealloc_pd(pd), "dealloc_pd: %m");
	free(buf);
}

int main(int argc, char **argv)
{
	struct ctl_expect exp;
	struct seen_context c;
	struct seen_limits l;
	struct ibv_context *ctx;
	char *text;

	ctl_parse_args(argc, argv, &exp);
	setenv("IRDMA_DEBUG", "1", 1);
	if (exp.bit5_foreign) {
		check_bit5_foreign();
		return 0;
	}

	if (exp.open_fails) {
		errno = 0;
		ctl_capture_begin();
		ctx = test_open_first_device();
		free(ctl_capture_end());
		CHECK(!ctx, "ibv_open_device succeeded despite the fault");
		CHECK(errno != 0, "failed open did not set errno");
		CHECK(!exp.open_errno || errno == exp.open_errno,
		      "open failed with errno %d, want %d", errno,
		      exp.open_errno);
		/* faults fire once: the next open must work normally */
	}

	ctl_capture_begin();
	ctx = test_must_open_first_device();
	text = ctl_capture_end();

	parse_context(text, &c);
	parse_limits(text, &l);

	CHECK(c.abi == exp.abi, "negotiated ABI %u, want %u", c.abi, exp.abi);
	if (exp.gen)
		CHECK(c.gen == exp.gen, "provider sees gen %u, want %u", c.gen,
		      exp.gen);
	CHECK(c.raw_attrs == 1, "kernel should accept USE_RAW_ATTR");
	CHECK(c.dmabuf == exp.dmabuf_memreg,
	      "DMA-buf memreg negotiated=%d, expected %d", c.dmabuf,
	      exp.dmabuf_memreg);
	/* The provider must only believe bits it asked for. */
	CHECK(!(c.comp_mask & ~0x29ULL), "unexpected comp_mask 0x%llx",
	      c.comp_mask);
	if (exp.retry)
		CHECK(strstr(text, "with DMA-buf memreg refused"),
		      "no retry without DMA-buf memreg was logged");
	else
		CHECK(!strstr(text, "refused"),
		      "alloc_ucontext should have been accepted at once");
	if (c.gen >= 3)
		CHECK(c.features & (1ULL << 7), "gen %u without SRQ feature",
		      c.gen);

	CHECK(l.wq_frags > 0 && l.read_sges > 0 && l.inline_len > 0,
	      "zero SGE/inline limits");
	CHECK(l.rq_quanta > 0 && l.wq_quanta > 0 && l.sq_chunk > 0,
	      "zero queue limits");
	CHECK(l.cq_min > 0 && l.cq_min <= l.cq_max, "bad CQ size range %u..%u",
	      l.cq_min, l.cq_max);
	CHECK(l.min_wq > 0, "zero minimum WQ size");

	CHECK(strstr(text, exp.cc ? "device needs DMA bounce" :
				    "device does not need DMA bounce"),
	      "DMA bounce detection does not match --cc=%d", exp.cc);

	check_plain_registrations(ctx, exp.cc);
	CHECK(ibv_close_device(ctx) == 0, "ibv_close_device: %m");
	free(text);
	printf("ctl_abi: gen %u abi %u comp_mask 0x%llx ok\n", c.gen, c.abi,
	       c.comp_mask);
	return 0;
}
