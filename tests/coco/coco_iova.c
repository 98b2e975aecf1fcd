// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * coco_iova: guest virtual addresses reach memory the host reads (run under
 * irdma-emu-run --cc), as docs/threat-model.md says. The emulated heap's
 * buffers are memfds named irdma-emu-dmabuf: their mappings are exactly
 * the memory a CoCo guest shares with the host (rings, shadow areas,
 * ibv_alloc_buf() buffers). Before any traffic no 8-byte word of that
 * memory points into the data buffer; after SENDs and receives through an
 * MR from ibv_reg_buf_mr() (libibverbs registers it with iova = the
 * buffer's address) every WQE's SGE does.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "common/check.h"
#include "common/process.h"
#include "common/verbs.h"

#define BUF_LEN 65536u
#define MSG 512u
#define ROUNDS 8
#define POLL_MS 5000

struct setup {
	struct ibv_context *ctx;
	struct ibv_pd *pd, *par;
	union ibv_gid gid;
	struct ibv_cq *cq;
	struct ibv_qp *a, *b;
	struct ibv_buf *buf;
	uint8_t *mem;
};

/* Words of device-visible memory pointing into [lo, hi). */
static unsigned long shared_words_into(uintptr_t lo, uintptr_t hi)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	unsigned long start, end, found = 0;
	char line[512];

	CHECK(maps, "/proc/self/maps: %m");
	while (fgets(line, sizeof(line), maps)) {
		const uint64_t *w;

		if (!strstr(line, "irdma-emu-dmabuf") ||
		    sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		for (w = (const uint64_t *)start; w < (const uint64_t *)end;
		     w++)
			if (*w >= lo && *w < hi)
				found++;
	}
	fclose(maps);
	return found;
}

static void setup(struct setup *s)
{
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	struct ibv_qp_init_attr qa;
	struct ibv_cq_ex *cq;
	struct test_rc_peer peer;

	s->ctx = test_open_first_device();
	CHECK(s->ctx, "open: %m");
	CHECK(!ibv_query_gid(s->ctx, 1, 0, &s->gid), "query_gid");
	s->pd = ibv_alloc_pd(s->ctx);
	CHECK(s->pd, "alloc_pd: %m");
	pa.pd = s->pd;
	s->par = ibv_alloc_parent_domain(s->ctx, &pa);
	CHECK(s->par, "parent domain: %m");
	cq = test_cq_on_domain(s->ctx, s->par, 64);
	CHECK(cq, "create_cq_ex: %m");
	s->cq = ibv_cq_ex_to_cq(cq);
	qa = test_qp_attr(IBV_QPT_RC, s->cq, s->cq, 2 * ROUNDS);
	s->a = ibv_create_qp(s->par, &qa);
	s->b = ibv_create_qp(s->par, &qa);
	CHECK(s->a && s->b, "create_qp: %m");
	peer = TEST_RC_PEER(s->b->qp_num, s->gid,
			    IBV_ACCESS_LOCAL_WRITE);
	CHECK(!test_rc_to_rts(s->a, &peer), "connect a");
	peer.qpn = s->a->qp_num;
	CHECK(!test_rc_to_rts(s->b, &peer), "connect b");
	s->mem = ibv_alloc_buf(s->par, BUF_LEN, &s->buf);
	CHECK(s->mem, "alloc_buf: %m");
	/* no byte pattern that reads as an address of the buffer */
	memset(s->mem, 0x5a, BUF_LEN);
}

/* ROUNDS SENDs a -> b through @mr; @base is buffer byte 0 in its iova space. */
static void traffic(struct setup *s, struct ibv_mr *mr, uint64_t base)
{
	struct ibv_sge ss = { base, MSG, mr->lkey },
		       rs = { base + BUF_LEN / 2, MSG, mr->lkey };
	struct ibv_send_wr swr = { .sg_list = &ss,
				   .num_sge = 1,
				   .opcode = IBV_WR_SEND,
				   .send_flags = IBV_SEND_SIGNALED },
			   *bs;
	struct ibv_recv_wr rwr = { .sg_list = &rs, .num_sge = 1 }, *br;
	uint64_t end = test_now_ms() + POLL_MS;
	struct ibv_wc wc;
	int i, got = 0, n;

	for (i = 0; i < ROUNDS; i++) {
		CHECK(!ibv_post_recv(s->b, &rwr, &br), "post_recv");
		CHECK(!ibv_post_send(s->a, &swr, &bs), "post_send");
	}
	while (got < 2 * ROUNDS) {
		CHECK(test_now_ms() < end, "%d of %d completions", got,
		      2 * ROUNDS);
		n = ibv_poll_cq(s->cq, 1, &wc);
		CHECK(n >= 0, "poll_cq");
		if (!n)
			continue;
		CHECK(wc.status == IBV_WC_SUCCESS, "wr: %s",
		      ibv_wc_status_str(wc.status));
		got++;
	}
	CHECK(!memcmp(s->mem, s->mem + BUF_LEN / 2, MSG), "payload");
}

int main(void)
{
	uintptr_t lo, hi;
	struct ibv_mr *mr;
	struct setup s;
	unsigned long n;

	setup(&s);
	lo = (uintptr_t)s.mem;
	hi = lo + BUF_LEN;
	n = shared_words_into(lo, hi);
	CHECK(!n, "before traffic: %lu words point into the buffer", n);

	mr = ibv_reg_buf_mr(s.par, s.buf, s.mem, BUF_LEN,
			    IBV_ACCESS_LOCAL_WRITE);
	CHECK(mr, "reg_buf_mr: %m");
	traffic(&s, mr, lo);
	n = shared_words_into(lo, hi);
	CHECK(n >= 2 * ROUNDS,
	      "iova = VA: only %lu words point into the buffer", n);
	printf("coco_iova: iova = VA (ibv_reg_buf_mr): %lu words of shared "
	       "memory hold the buffer's guest address\n",
	       n);
	CHECK(!ibv_dereg_mr(mr), "dereg_mr");

	CHECK(!ibv_destroy_qp(s.a) && !ibv_destroy_qp(s.b), "destroy_qp");
	CHECK(!ibv_destroy_cq(s.cq), "destroy_cq");
	ibv_free_buf(s.buf);
	CHECK(!ibv_dealloc_pd(s.par) && !ibv_dealloc_pd(s.pd), "dealloc");
	CHECK(!ibv_close_device(s.ctx), "close");
	return 0;
}
