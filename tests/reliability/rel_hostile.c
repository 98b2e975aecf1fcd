// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The provider against a hostile device (irdma-emu-run --hostile): rounds
 * of SENDs between two fresh RC QPs on one long-lived CQ while the device
 * mangles, replays and forges CQEs and scribbles on shadow areas. Under
 * AddressSanitizer any out-of-bounds access or wild pointer is fatal; on
 * top of that the test checks what the application is told:
 *  - every completion names a work request that was posted and not yet
 *    completed, on the QP it was posted to (no phantom or duplicate wr_id,
 *    nothing from a destroyed QP);
 *  - a QP's sends, and its own receives, complete in the order they were
 *    posted: a completion never leaves an older one of its queue behind
 *    (it would then never be reported, not even by a flush);
 *  - a successful receive never claims more bytes than were posted, a
 *    write with immediate always has its immediate data, no invalidated
 *    key and at most 2^31 - 1 bytes (its length is the write's, not the
 *    receive buffer's), and no completion has both;
 *  - forged CQEs the provider catches are errors (vendor_err 0xbadc0e)
 *    that name no QP (qp_num 0).
 * Lost completions are fine: a hostile device can always withhold them.
 *
 * Usage: rel_hostile [--cc] [--srq] [--clean] [--seconds N]
 *   --cc     QPs, CQ and buffer on a CoCo parent domain
 *   --srq    receives through an SRQ
 *   --clean  the device is not hostile: everything must complete, OK
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "common/emu.h"
#include "rel_util.h"

#define BAD_CQE_VENDOR_ERR 0xbadc0eu
#define BATCH 8
#define MSG 100u
#define RECV_LEN 256u
#define MAX_WR 4096
#define ROUND_MS 250
#define CLEAN_ROUND_MS 10000

enum wr_state { WR_FREE, WR_POSTED, WR_DONE, WR_RETIRED };

struct wr_rec {
	enum wr_state state;
	bool recv;
	uint32_t qpn; /* 0 for SRQ receives: any QP may take them */
	uint32_t len; /* bytes posted */
	uint64_t seq; /* order of posting */
};

struct hostile_test {
	bool cc, srq, clean;
	unsigned int seconds;
	struct ibv_context *ctx;
	struct ibv_pd *pd, *par; /* par: the PD objects are created on */
	struct ibv_cq *cq;
	struct ibv_srq *s;
	struct ibv_buf *buf;
	uint8_t *mem;
	size_t mem_len;
	struct ibv_mr *mr;
	union ibv_gid gid;
	struct wr_rec wr[MAX_WR];
	uint64_t next_wr;
	/* what the application saw */
	unsigned long rounds, completions, ok, errors, bad, violations;
};

__attribute__((format(printf, 2, 3))) static void
violation(struct hostile_test *t, const char *fmt, ...)
{
	va_list ap;

	t->violations++;
	fprintf(stderr, "VIOLATION: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t new_wr(struct hostile_test *t, bool recv, uint32_t qpn,
		       uint32_t len)
{
	uint64_t id = t->next_wr % MAX_WR;

	/* ids are reused after MAX_WR posts; old ones are long settled */
	t->wr[id] = (struct wr_rec){ WR_POSTED, recv, qpn, len, t->next_wr++ };
	return id;
}

/* An older work request of r's queue still outstanding, or NULL. */
static const struct wr_rec *older_outstanding(const struct hostile_test *t,
					      const struct wr_rec *r)
{
	unsigned int i;

	for (i = 0; r->qpn && i < MAX_WR; i++)
		if (t->wr[i].state == WR_POSTED && t->wr[i].qpn == r->qpn &&
		    t->wr[i].recv == r->recv && t->wr[i].seq < r->seq)
			return &t->wr[i];
	return NULL;
}

/* What a successful receive completion may claim. */
static void check_recv(struct hostile_test *t, const struct ibv_wc *wc,
		       const struct wr_rec *r)
{
	unsigned int both = IBV_WC_WITH_IMM | IBV_WC_WITH_INV;

	if ((wc->wc_flags & both) == both)
		violation(t, "receive %llu has immediate data and an "
			     "invalidated key",
			  (unsigned long long)wc->wr_id);
	if (wc->opcode != IBV_WC_RECV_RDMA_WITH_IMM) {
		if (wc->byte_len > r->len)
			violation(t,
				  "receive %llu of %u bytes succeeded with "
				  "byte_len %u",
				  (unsigned long long)wc->wr_id, r->len,
				  wc->byte_len);
		return;
	}
	if ((wc->wc_flags & both) != IBV_WC_WITH_IMM ||
	    wc->byte_len > 0x7fffffffu)
		violation(t,
			  "write with immediate %llu: flags %#x, byte_len %u",
			  (unsigned long long)wc->wr_id, wc->wc_flags,
			  wc->byte_len);
}

static void check_wc(struct hostile_test *t, const struct ibv_wc *wc)
{
	struct wr_rec *r;

	t->completions++;
	if (wc->vendor_err == BAD_CQE_VENDOR_ERR &&
	    wc->status == IBV_WC_SUCCESS)
		violation(t, "bad CQE reported as success");
	/* a rejected CQE; other statuses complete a real work request */
	if (wc->vendor_err == BAD_CQE_VENDOR_ERR &&
	    wc->status == IBV_WC_GENERAL_ERR) {
		/* the device chose the QP number: it may be any QP's */
		if (wc->qp_num)
			violation(t, "bad CQE names QP %u", wc->qp_num);
		t->bad++;
		return;
	}
	if (wc->wr_id >= MAX_WR || t->wr[wc->wr_id].state != WR_POSTED) {
		violation(t,
			  "completion (%s) for wr_id %llu that is not "
			  "outstanding (state %d)",
			  ibv_wc_status_str(wc->status),
			  (unsigned long long)wc->wr_id,
			  wc->wr_id < MAX_WR ? (int)t->wr[wc->wr_id].state :
					       -1);
		return;
	}
	r = &t->wr[wc->wr_id];
	if (older_outstanding(t, r))
		violation(t,
			  "%s %llu (%s) completed before an older one of its "
			  "queue (wr_id %llu)",
			  r->recv ? "receive" : "send",
			  (unsigned long long)wc->wr_id,
			  ibv_wc_status_str(wc->status),
			  (unsigned long long)(older_outstanding(t, r) - t->wr));
	r->state = WR_DONE;
	if (r->qpn && wc->qp_num != r->qpn)
		violation(t, "wr_id %llu completed on QP %u, posted on %u",
			  (unsigned long long)wc->wr_id, wc->qp_num, r->qpn);
	if (wc->status != IBV_WC_SUCCESS) {
		t->errors++;
		return;
	}
	t->ok++;
	if (r->recv)
		check_recv(t, wc, r);
}

static struct ibv_qp *make_qp(struct hostile_test *t, bool with_srq)
{
	struct ibv_qp_init_attr a = {
		.send_cq = t->cq,
		.recv_cq = t->cq,
		.srq = with_srq ? t->s : NULL,
		.cap = { .max_send_wr = 2 * BATCH,
			 .max_recv_wr = with_srq ? 0 : 2 * BATCH,
			 .max_send_sge = 1,
			 .max_recv_sge = with_srq ? 0 : 1 },
		.qp_type = IBV_QPT_RC,
	};
	struct ibv_qp *qp = ibv_create_qp(t->par, &a);

	CHECK(qp, "create_qp: %m");
	return qp;
}

static void post_recv_to(struct hostile_test *t, struct ibv_qp *qp,
			 unsigned int slot)
{
	struct ibv_sge sge = { (uintptr_t)t->mem + slot * RECV_LEN, RECV_LEN,
			       t->mr->lkey };
	struct ibv_recv_wr wr = { .sg_list = &sge, .num_sge = 1 }, *bad;
	int ret;

	wr.wr_id = new_wr(t, true, qp ? qp->qp_num : 0, RECV_LEN);
	ret = qp ? ibv_post_recv(qp, &wr, &bad) :
		   ibv_post_srq_recv(t->s, &wr, &bad);
	if (ret) {
		/* a QP pushed into error by a forged CQE may refuse */
		t->wr[wr.wr_id].state = WR_FREE;
		CHECK(!t->clean, "post_recv: %s", strerror(ret));
	}
}

static void post_send_on(struct hostile_test *t, struct ibv_qp *qp,
			 unsigned int slot)
{
	struct ibv_sge sge = { (uintptr_t)t->mem + t->mem_len / 2 + slot * MSG,
			       MSG, t->mr->lkey };
	struct ibv_send_wr wr = { .sg_list = &sge,
				  .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED },
			   *bad;
	int ret;

	wr.wr_id = new_wr(t, false, qp->qp_num, MSG);
	ret = ibv_post_send(qp, &wr, &bad);
	if (ret) {
		t->wr[wr.wr_id].state = WR_FREE;
		CHECK(!t->clean, "post_send: %s", strerror(ret));
	}
}

/* Completions still owed by QPs @a and @b (0: by the SRQ). */
static unsigned int owed(const struct hostile_test *t, uint32_t a, uint32_t b)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_WR; i++)
		if (t->wr[i].state == WR_POSTED &&
		    (t->wr[i].qpn == a || t->wr[i].qpn == b))
			n++;
	return n;
}

static void drain(struct hostile_test *t, uint32_t a, uint32_t b,
		  unsigned int ms)
{
	uint64_t end = test_now_ms() + ms;
	struct ibv_wc wc[8];
	int i, n;

	while (test_now_ms() < end) {
		n = ibv_poll_cq(t->cq, 8, wc);
		CHECK(n >= 0, "poll_cq: %d", n);
		for (i = 0; i < n; i++)
			check_wc(t, &wc[i]);
		if (!n && !owed(t, a, b) && owed(t, 0, 0) <= 2 * BATCH)
			break;
		if (!n)
			usleep(100);
	}
}

/* Destroyed QPs complete nothing any more. */
static void retire(struct hostile_test *t, uint32_t a, uint32_t b)
{
	unsigned int i;

	for (i = 0; i < MAX_WR; i++)
		if (t->wr[i].state == WR_POSTED &&
		    (t->wr[i].qpn == a || t->wr[i].qpn == b))
			t->wr[i].state = WR_RETIRED;
}

static void round_trip(struct hostile_test *t)
{
	struct ibv_qp *a = make_qp(t, false), *b = make_qp(t, t->srq);
	uint32_t an = a->qp_num, bn = b->qp_num;
	unsigned int i;
	int ret;

	ret = rel_rc_connect(a, bn, &t->gid);
	if (!ret)
		ret = rel_rc_connect(b, an, &t->gid);
	CHECK(!ret, "connect: %s", strerror(ret));
	for (i = 0; i < BATCH; i++)
		post_recv_to(t, t->srq ? NULL : b, i);
	for (i = 0; i < BATCH; i++)
		post_send_on(t, a, i);
	/* a clean device owes everything: give it time (valgrind is slow) */
	drain(t, an, bn, t->clean ? CLEAN_ROUND_MS : ROUND_MS);
	if (t->clean)
		CHECK(!owed(t, an, bn) && !t->errors && !t->bad,
		      "clean device: %u completions missing, %lu errors, "
		      "%lu bad CQEs",
		      owed(t, an, bn), t->errors, t->bad);
	CHECK(!ibv_destroy_qp(a) && !ibv_destroy_qp(b), "destroy_qp: %m");
	retire(t, an, bn);
	t->rounds++;
}

static void setup(struct hostile_test *t)
{
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	struct ibv_cq_init_attr_ex ca = { .cqe = 256,
					  .wc_flags = IBV_WC_STANDARD_FLAGS };
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 256,
						  .max_sge = 1 } };
	struct ibv_cq_ex *cqx;

	t->ctx = test_open_first_device();
	CHECK(t->ctx, "open: %m");
	CHECK(!ibv_query_gid(t->ctx, 1, 0, &t->gid), "query_gid");
	t->pd = ibv_alloc_pd(t->ctx);
	CHECK(t->pd, "alloc_pd: %m");
	t->par = t->pd;
	if (t->cc) {
		pa.pd = t->pd;
		t->par = ibv_alloc_parent_domain(t->ctx, &pa);
		CHECK(t->par, "CoCo parent domain: %m");
		ca.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD;
		ca.parent_domain = t->par;
	}
	if (t->cc) {
		cqx = ibv_create_cq_ex(t->ctx, &ca);
		CHECK(cqx, "create_cq_ex: %m");
		t->cq = ibv_cq_ex_to_cq(cqx);
	} else {
		/* gen 1 has no extended CQs */
		t->cq = ibv_create_cq(t->ctx, ca.cqe, NULL, NULL, 0);
		CHECK(t->cq, "create_cq: %m");
	}
	if (t->srq) {
		t->s = ibv_create_srq(t->par, &sa);
		CHECK(t->s, "create_srq: %m");
	}
	t->mem_len = 2 * BATCH * RECV_LEN + 4096;
	t->mem = ibv_alloc_buf(t->par, t->mem_len, &t->buf);
	CHECK(t->mem, "alloc_buf: %m");
	memset(t->mem, 0x5a, t->mem_len);
	t->mr = ibv_reg_buf_mr(t->par, t->buf, t->mem, t->mem_len,
			       IBV_ACCESS_LOCAL_WRITE);
	CHECK(t->mr, "reg_buf_mr: %m");
}

static void teardown(struct hostile_test *t)
{
	CHECK(!ibv_dereg_mr(t->mr), "dereg_mr: %m");
	ibv_free_buf(t->buf);
	if (t->s)
		CHECK(!ibv_destroy_srq(t->s), "destroy_srq: %m");
	CHECK(!ibv_destroy_cq(t->cq), "destroy_cq: %m");
	if (t->par != t->pd)
		CHECK(!ibv_dealloc_pd(t->par), "dealloc parent: %m");
	CHECK(!ibv_dealloc_pd(t->pd), "dealloc_pd: %m");
	CHECK(!ibv_close_device(t->ctx), "close: %m");
}

static unsigned long injected_by_device(void)
{
	unsigned long (*injected)(void);

	*(void **)&injected = test_emu_sym("emu_hw_hostile_injected");
	return injected();
}

static void parse(struct hostile_test *t, int argc, char **argv)
{
	int i;

	t->seconds = 3;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cc"))
			t->cc = true;
		else if (!strcmp(argv[i], "--srq"))
			t->srq = true;
		else if (!strcmp(argv[i], "--clean"))
			t->clean = true;
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			t->seconds = (unsigned int)atoi(argv[++i]);
		else
			CHECK(0, "unknown argument %s", argv[i]);
	}
}

int main(int argc, char **argv)
{
	static struct hostile_test t;
	unsigned long injected;
	uint64_t end;
	unsigned int i;

	parse(&t, argc, argv);
	rel_need_emulator();
	setup(&t);
	if (t.srq)
		for (i = 0; i < 2 * BATCH; i++)
			post_recv_to(&t, NULL, i % (2 * BATCH));
	end = test_now_ms() + t.seconds * 1000ull;
	while (test_now_ms() < end || t.rounds < 10)
		round_trip(&t);
	drain(&t, 0, 0, 50);
	teardown(&t);
	injected = injected_by_device();
	printf("rel_hostile: %lu rounds, %lu CQEs injected by the device, "
	       "%lu completions seen: %lu ok, %lu errors, %lu forged CQEs "
	       "reported as errors, %lu violations\n",
	       t.rounds, injected, t.completions, t.ok, t.errors, t.bad,
	       t.violations);
	CHECK(!t.violations, "%lu violations", t.violations);
	if (t.clean) {
		CHECK(!injected, "--clean but the device injected CQEs");
	} else {
		CHECK(injected > 0, "the device injected nothing: is "
				    "IRDMA_EMU_HOSTILE set?");
		CHECK(t.bad > 0, "no forged CQE was caught");
	}
	return 0;
}
