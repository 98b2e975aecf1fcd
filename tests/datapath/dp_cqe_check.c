// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * CQEs are untrusted device memory (CoCo threat model). This test drives
 * the provider's poll code (providers/irdma/poll.c, linked in directly, no
 * emulator) over CQ rings it writes itself: CQEs naming unknown QPs, QPs of
 * other CQs, WQE indexes out of range, not in flight, in the middle of a
 * WQE or misaligned, SRQ completions without the word that names the QP,
 * and then a long run of random garbage. Every bad CQE must come out as
 * IBV_WC_GENERAL_ERR without touching the queues' state; nothing may
 * crash or read out of bounds (the target is built with ASan/UBSan).
 * Two cases race real threads: pollers of two CQs sharing an SRQ, and a
 * poller flushing a QP's SQ while post_send.c and wr_api.c (linked in
 * too) post to it, with ibv_wr_* batches that are aborted in between.
 */
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw_format.h"
#include "queues.h"

#include "common/process.h"
#include "dp_util.h"

#define ENTRIES 64u
#define SQ_QUANTA 512u
#define RQ_WQES 64u

struct fixture {
	struct irdma_cq cq;
	struct irdma_cq_ring ring;
	__le64 shadow[8];
	struct irdma_qp qp;
	struct irdma_qp *table[4];
	uint8_t gen;
};

/*
 * The context the CQs and QPs belong to: poll.c logs a rejected CQE on it
 * (verbs_log names the device), nothing else of it is used.
 */
static struct ibv_device test_device = { .name = "dp_cqe_check" };
static struct irdma_context test_ctx = {
	.ibv_ctx.context.device = &test_device,
};

static void setup(struct fixture *f, uint8_t gen, uint32_t stride)
{
	memset(f, 0, sizeof(*f));
	f->gen = gen;
	f->cq.ctx = &test_ctx;
	f->ring.cqes = calloc(ENTRIES, stride);
	CHECK(f->ring.cqes, "ring");
	f->ring.entries = ENTRIES;
	f->ring.polarity = 1;
	f->cq.ring = &f->ring;
	f->cq.shadow = f->shadow;
	f->cq.cqe_stride = stride;
	f->cq.gen = gen;
	f->cq.qps = f->table;
	f->cq.qps_cap = 4;
	pthread_spin_init(&f->cq.lock, PTHREAD_PROCESS_PRIVATE);

	f->qp.ctx = &test_ctx;
	f->qp.gen = gen;
	f->qp.vqp.qp.qp_num = 17;
	f->qp.vqp.qp.qp_type = IBV_QPT_RC;
	f->qp.sq_pos.size = SQ_QUANTA;
	f->qp.rq_pos.size = RQ_WQES;
	f->qp.rq_shift = 1;
	f->qp.sq_slots = calloc(SQ_QUANTA, sizeof(*f->qp.sq_slots));
	f->qp.rq_slots = calloc(RQ_WQES, sizeof(*f->qp.rq_slots));
	CHECK(f->qp.sq_slots && f->qp.rq_slots, "qp arrays");
	f->qp.send_cq = &f->cq;
	f->qp.recv_cq = &f->cq;
	/* serial 0x42, recv slot 2, send slot 1 */
	f->qp.token = (0x42ULL << 40) | (2ULL << 20) | 1;
	f->table[1] = &f->qp;
	f->table[2] = &f->qp;
}

static void teardown(struct fixture *f)
{
	free(f->ring.cqes);
	free(f->qp.sq_slots);
	free(f->qp.rq_slots);
	pthread_spin_destroy(&f->cq.lock);
}

/* Pretend the provider posted a WQE of `quanta` quanta at the SQ head. */
static uint32_t post_sq(struct fixture *f, uint64_t wr_id, uint8_t quanta)
{
	uint32_t idx = f->qp.sq_pos.head, i;

	f->qp.sq_slots[idx] = (struct irdma_sq_slot){
		.wr_id = wr_id,
		.bytes = 8,
		.quanta = quanta,
		.hw_op = IRDMA_HWOP_SEND,
		.signaled = true,
	};
	for (i = 1; i < quanta; i++)
		f->qp.sq_slots[idx + i].quanta = 0;
	f->qp.sq_pos.head = (idx + quanta) % SQ_QUANTA;
	f->qp.sq_poll_head = f->qp.sq_pos.head;
	return idx;
}

static uint32_t post_rq(struct fixture *f, uint64_t wr_id)
{
	uint32_t idx = f->qp.rq_pos.head;

	f->qp.rq_slots[idx].wr_id = wr_id;
	f->qp.rq_slots[idx].len = 64;
	f->qp.rq_pos.head = (idx + 1) % RQ_WQES;
	return idx << f->qp.rq_shift;
}

/*
 * Write a CQE at the ring's head position (valid for the current pass),
 * with exactly the word 3 bits given.
 */
static void put_cqe_raw(struct fixture *f, uint64_t ctx, bool sq,
			uint32_t wqe_idx, uint64_t extra_w3, uint64_t w0,
			uint64_t w5)
{
	__le64 *c = (__le64 *)(f->ring.cqes +
			       (size_t)f->ring.head * f->cq.cqe_stride);

	c[0] = htole64(w0);
	c[1] = htole64(ctx);
	/* a QP number of the device's choice: another QP's */
	c[2] = htole64(FIELD_PREP(IRDMA_CQE2_QPID, 23));
	if (f->cq.cqe_stride == IRDMA_CQE64_BYTES)
		c[5] = htole64(w5);
	c[3] = htole64(FIELD_PREP(IRDMA_CQE3_VALID, f->ring.polarity) |
		       FIELD_PREP(IRDMA_CQE3_SQ, sq) | FIELD_PREP(IRDMA_CQE3_WQE_IDX, wqe_idx) |
		       extra_w3);
}

/* put_cqe_raw(); a receive is a SEND's unless an opcode is given */
static void put_cqe(struct fixture *f, uint64_t ctx, bool sq, uint32_t wqe_idx,
		    uint64_t extra_w3, uint64_t w0, uint64_t w5)
{
	/* (gen 3 opcode 0 is an RDMA write) */
	if (!sq && !FIELD_GET(IRDMA_CQE3_OPCODE, extra_w3))
		extra_w3 |= FIELD_PREP(IRDMA_CQE3_OPCODE, IRDMA_HWOP_RECV);
	put_cqe_raw(f, ctx, sq, wqe_idx, extra_w3, w0, w5);
}

static void poll_expect(struct fixture *f, int n, enum ibv_wc_status st,
			uint64_t wr_id, const char *what)
{
	struct ibv_wc wc[2];
	int got = irdma_poll_cq(&f->cq.vcq.cq, 2, wc);

	CHECK(got == n, "%s: %d completions, want %d", what, got, n);
	if (!n)
		return;
	CHECK(wc[0].status == st, "%s: status %s, want %s", what,
	      ibv_wc_status_str(wc[0].status), ibv_wc_status_str(st));
	if (st == IBV_WC_SUCCESS)
		CHECK(wc[0].wr_id == wr_id && wc[0].qp_num == 17,
		      "%s: wr_id %llu on QP %u", what,
		      (unsigned long long)wc[0].wr_id, wc[0].qp_num);
	else
		CHECK(wc[0].wr_id == 0 && wc[0].vendor_err &&
			      wc[0].qp_num == 0,
		      "%s: bad CQE must carry no wr_id and no QP (QP %u)",
		      what, wc[0].qp_num);
}

/* SRQ CQEs name a slot by (tag << 32 | index); only a posted one counts. */
static void test_srq(void)
{
	struct irdma_srq srq = {};
	struct fixture f;
	uint64_t ref;

	setup(&f, IRDMA_GEN_3, IRDMA_CQE64_BYTES);
	srq.pos.size = 8;
	srq.slots = calloc(8, sizeof(*srq.slots));
	CHECK(srq.slots, "slots");
	f.qp.srq = &srq;
	/* the provider posted slot 3 with tag 77 */
	srq.slots[3] = (struct irdma_srq_slot){
		.wr_id = 4242, .len = 64, .tag = 77
	};
	srq.pos.head = 4;
	srq.pos.tail = 3;
	ref = 77ULL << 32 | 3;

	put_cqe(&f, ref + 1, false, 0, FIELD_PREP(IRDMA_CQE3_SRQ, 1), 8, f.qp.token);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "SRQ slot not posted");
	put_cqe(&f, ref ^ (1ULL << 40), false, 0, FIELD_PREP(IRDMA_CQE3_SRQ, 1), 8,
		f.qp.token);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "SRQ wrong tag");
	put_cqe(&f, 77ULL << 32 | 1000, false, 0, FIELD_PREP(IRDMA_CQE3_SRQ, 1), 8,
		f.qp.token);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "SRQ index out of range");
	put_cqe(&f, ref, false, 0, FIELD_PREP(IRDMA_CQE3_SRQ, 1), 8, f.qp.token ^ 1);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "SRQ CQE, unknown QP");
	put_cqe(&f, ref, false, 0, FIELD_PREP(IRDMA_CQE3_SRQ, 1), 8, f.qp.token);
	poll_expect(&f, 1, IBV_WC_SUCCESS, 4242, "good SRQ CQE");
	put_cqe(&f, ref, false, 0, FIELD_PREP(IRDMA_CQE3_SRQ, 1), 8, f.qp.token);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "SRQ slot completed twice");
	free(srq.slots);
	teardown(&f);
}

/*
 * Two CQs whose QPs share one SRQ, polled by two threads at once as an
 * application with a CQ per thread does. Each completion frees one SRQ
 * entry; none may be lost, or the SRQ fills up for good and every later
 * post_srq_recv fails with ENOMEM.
 */
#define SRQ_RACE_SLOTS 64u
#define SRQ_RACE_PER_CQ 16u
#define SRQ_RACE_ROUNDS 1000u

struct srq_race {
	struct fixture f[2];
	struct irdma_srq srq;
	/* spun on, not slept on: both pollers must start at the same time */
	unsigned int go, done;
};

struct srq_poller {
	struct srq_race *r;
	struct fixture *f;
	unsigned int bad;
};

/* Post one SRQ slot as post_srq_recv does; returns the CQE's word 1. */
static uint64_t srq_race_post(struct irdma_srq *srq, uint64_t wr_id)
{
	uint32_t idx = srq->pos.head;
	struct irdma_srq_slot *s = &srq->slots[idx];

	CHECK(!__atomic_load_n(&s->tag, __ATOMIC_ACQUIRE),
	      "SRQ slot %u still posted", idx);
	s->wr_id = wr_id;
	s->len = 64;
	if (!++srq->next_tag)
		srq->next_tag = 1;
	__atomic_store_n(&s->tag, srq->next_tag, __ATOMIC_RELEASE);
	__atomic_store_n(&srq->pos.head, (idx + 1) % srq->pos.size,
			 __ATOMIC_RELEASE);
	return (uint64_t)srq->next_tag << 32 | idx;
}

/* An SRQ receive CQE @ahead entries past the head of f's ring. */
static void srq_race_cqe(struct fixture *f, uint32_t ahead, uint64_t ref)
{
	uint32_t pos = f->ring.head + ahead;
	uint8_t pol = f->ring.polarity ^ (pos >= ENTRIES);
	__le64 *c = (__le64 *)(f->ring.cqes +
			       (size_t)(pos % ENTRIES) * f->cq.cqe_stride);

	c[0] = htole64(8);
	c[1] = htole64(ref);
	c[2] = htole64(FIELD_PREP(IRDMA_CQE2_QPID, 17));
	c[5] = htole64(f->qp.token);
	c[3] = htole64(FIELD_PREP(IRDMA_CQE3_VALID, pol) | FIELD_PREP(IRDMA_CQE3_SRQ, 1) |
		       FIELD_PREP(IRDMA_CQE3_OPCODE, IRDMA_HWOP_RECV));
}

static void *srq_race_poll(void *arg)
{
	struct srq_poller *p = arg;
	unsigned int round, n;
	struct ibv_wc wc[4];
	int got, i;

	for (round = 1; round <= SRQ_RACE_ROUNDS; round++) {
		while (__atomic_load_n(&p->r->go, __ATOMIC_ACQUIRE) < round)
			;
		for (n = 0; n < SRQ_RACE_PER_CQ; n += got) {
			got = irdma_poll_cq(&p->f->cq.vcq.cq, 1, wc);
			for (i = 0; i < got; i++)
				p->bad += wc[i].status != IBV_WC_SUCCESS;
		}
		__atomic_add_fetch(&p->r->done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_srq_shared_by_cqs(void)
{
	static struct srq_race r;
	struct srq_poller p[2];
	pthread_t t[2];
	unsigned int round, i, k;

	r.srq.pos.size = SRQ_RACE_SLOTS;
	r.srq.slots = calloc(SRQ_RACE_SLOTS, sizeof(*r.srq.slots));
	CHECK(r.srq.slots, "slots");
	for (k = 0; k < 2; k++) {
		setup(&r.f[k], IRDMA_GEN_3, IRDMA_CQE64_BYTES);
		r.f[k].qp.srq = &r.srq;
		p[k] = (struct srq_poller){ .r = &r, .f = &r.f[k] };
		CHECK(!pthread_create(&t[k], NULL, srq_race_poll, &p[k]),
		      "poller thread");
	}
	for (round = 0; round < SRQ_RACE_ROUNDS; round++) {
		/* the device completes them alternately on the two CQs */
		for (i = 0; i < 2 * SRQ_RACE_PER_CQ; i++)
			srq_race_cqe(&r.f[i & 1], i / 2,
				     srq_race_post(&r.srq, i + 1));
		__atomic_store_n(&r.go, round + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) <
		       2 * (round + 1))
			sched_yield();
		CHECK(r.srq.pos.tail == r.srq.pos.head,
		      "round %u: SRQ tail %u, head %u: completions were lost",
		      round, r.srq.pos.tail, r.srq.pos.head);
	}
	for (k = 0; k < 2; k++) {
		pthread_join(t[k], NULL);
		CHECK(!p[k].bad, "%u SRQ completions rejected", p[k].bad);
		teardown(&r.f[k]);
	}
	free(r.srq.slots);
	printf("SRQ shared by two CQs: %u completions, none lost\n",
	       2 * SRQ_RACE_PER_CQ * SRQ_RACE_ROUNDS);
}

/*
 * A QP in the error state being posted to by one thread while another
 * polls its flushes (gen 1/2: one flush CQE, kept at the head, stands for
 * every outstanding WQE). The poller may reach the WQE a post is writing
 * at that moment; it must never report a WR that was not fully posted,
 * so the wr_ids come out exactly once each, in order. The error state is
 * the device's (the test writes its flush CQEs); the provider's QP stays
 * in RTS, since in IBV_QPS_ERR post_send would ask a kernel this test does
 * not have for a reflush.
 */
#define FLUSH_RACE_WRS 20000u
#define FLUSH_RACE_ABORTED 0xab0u

struct flush_race {
	struct fixture f;
	struct ibv_sge sge;
	uint64_t posted;
};

/*
 * An ibv_wr_* batch that writes two WQEs and is then aborted: until its
 * ibv_wr_complete() nothing of a batch is posted, so no flush may report
 * these, and the abort must find the SQ as the batch left it.
 */
static void flush_race_aborted_batch(struct flush_race *r)
{
	struct ibv_qp_ex *x = &r->f.qp.vqp.qp_ex;

	ibv_wr_start(x);
	x->wr_id = FLUSH_RACE_ABORTED;
	x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send(x);
	ibv_wr_set_sge(x, r->sge.lkey, r->sge.addr, r->sge.length);
	/* the next builder writes the first WR to the SQ */
	ibv_wr_send(x);
	ibv_wr_set_sge(x, r->sge.lkey, r->sge.addr, r->sge.length);
	ibv_wr_abort(x);
}

static void *flush_race_post(void *arg)
{
	struct flush_race *r = arg;
	struct ibv_send_wr wr = { .sg_list = &r->sge,
				  .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED },
			   *bad;
	uint64_t end = test_now_ms() + 60000;
	int ret;

	for (wr.wr_id = 1; wr.wr_id <= FLUSH_RACE_WRS; wr.wr_id++) {
		if (wr.wr_id % 2)
			flush_race_aborted_batch(r);
		while ((ret = irdma_post_send(&r->f.qp.vqp.qp, &wr, &bad)) ==
		       ENOMEM) {
			CHECK(test_now_ms() < end, "SQ full for good at %llu",
			      (unsigned long long)wr.wr_id);
			sched_yield();
		}
		CHECK(!ret, "post_send: %d", ret);
	}
	return NULL;
}

/* The device's single flush CQE for the SQ, unless one is waiting. */
static void flush_race_cqe(struct fixture *f)
{
	__le64 *c = (__le64 *)(f->ring.cqes +
			       (size_t)f->ring.head * f->cq.cqe_stride);

	if (FIELD_GET(IRDMA_CQE3_VALID, le64toh(c[3])) == f->ring.polarity)
		return;
	put_cqe(f, f->qp.token, true, 0,
		FIELD_PREP(IRDMA_CQE3_ERROR, 1) |
			FIELD_PREP(IRDMA_CQE3_MAJOR_ERR, IRDMA_MAJOR_FLUSH) |
			FIELD_PREP(IRDMA_CQE3_MINOR_ERR, IRDMA_FLUSH_GENERAL),
		0, 0);
}

static void test_flush_while_posting(void)
{
	static struct flush_race r;
	static __u32 doorbell;
	struct fixture *f = &r.f;
	uint64_t next = 1, end = test_now_ms() + 60000;
	struct ibv_wc wc;
	pthread_t t;

	setup(f, IRDMA_GEN_2, IRDMA_CQE_BYTES);
	f->qp.sq = aligned_alloc(4096, SQ_QUANTA * IRDMA_WQE_QUANTUM);
	CHECK(f->qp.sq, "SQ ring");
	memset(f->qp.sq, 0, SQ_QUANTA * IRDMA_WQE_QUANTUM);
	f->qp.vqp.qp.state = IBV_QPS_RTS;
	f->qp.sq_polarity = 1;
	f->qp.sq_chunk = SQ_QUANTA;
	f->qp.max_send_sge = 1;
	f->qp.db = &doorbell;
	f->qp.max_inline = 8;
	f->qp.wr.inline_buf = malloc(8);
	CHECK(f->qp.wr.inline_buf, "inline buffer");
	irdma_qp_init_wr_ops(&f->qp, IBV_QP_EX_WITH_SEND);
	pthread_spin_init(&f->qp.sq_lock, PTHREAD_PROCESS_PRIVATE);
	r.sge = (struct ibv_sge){ .addr = 0x1000, .length = 8, .lkey = 1 };

	CHECK(!pthread_create(&t, NULL, flush_race_post, &r), "poster");
	while (next <= FLUSH_RACE_WRS) {
		CHECK(test_now_ms() < end, "flushes stopped at %llu",
		      (unsigned long long)next);
		flush_race_cqe(f);
		if (irdma_poll_cq(&f->cq.vcq.cq, 1, &wc) != 1)
			continue;
		CHECK(wc.status == IBV_WC_WR_FLUSH_ERR && wc.wr_id == next,
		      "flush: wr_id %llu (%s), want %llu",
		      (unsigned long long)wc.wr_id,
		      ibv_wc_status_str(wc.status), (unsigned long long)next);
		next++;
	}
	pthread_join(t, NULL);
	pthread_spin_destroy(&f->qp.sq_lock);
	free(f->qp.wr.inline_buf);
	free(f->qp.sq);
	teardown(f);
	printf("flushes while posting: %u WRs, each once, in order\n",
	       FLUSH_RACE_WRS);
}

static void test_targeted(uint8_t gen, uint32_t stride)
{
	struct fixture f;
	struct irdma_wq_pos before;
	uint32_t i0, i1, r0;

	setup(&f, gen, stride);
	i0 = post_sq(&f, 1001, 1);
	i1 = post_sq(&f, 1002, 3);

	/* a well-formed CQE works */
	put_cqe(&f, f.qp.token, true, i0, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_SUCCESS, 1001, "good SQ CQE");

	before = f.qp.sq_pos;
	put_cqe(&f, 0xdeadbeefcafeULL, true, i1, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "unknown token");
	put_cqe(&f, f.qp.token ^ (1ULL << 50), true, i1, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "wrong serial");
	put_cqe(&f, (0x42ULL << 40) | 3, true, i1, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "empty slot");
	put_cqe(&f, (0x42ULL << 40) | 0xfffff, true, i1, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "slot beyond the table");
	put_cqe(&f, f.qp.token, true, 0x7fff, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "wqe idx out of range");
	put_cqe(&f, f.qp.token, true, i0, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "already completed");
	put_cqe(&f, f.qp.token, true, i1 + 1, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "middle of a WQE");
	put_cqe(&f, f.qp.token, true, i1 + 10, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "beyond the head");
	CHECK(!memcmp(&before, &f.qp.sq_pos, sizeof(before)),
	      "bad CQEs moved the SQ");
	put_cqe(&f, f.qp.token, true, i1, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_SUCCESS, 1002, "good CQE after bad ones");

	/* receive side */
	r0 = post_rq(&f, 2001);
	put_cqe(&f, f.qp.token, false, r0 + 1, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "misaligned RQ index");
	put_cqe(&f, f.qp.token, false, (RQ_WQES << 1) + 2, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "RQ index out of range");
	put_cqe(&f, f.qp.token, false, r0 + 2, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "RQ index not posted");
	put_cqe(&f, f.qp.token, false, r0, 0, 4, 0);
	poll_expect(&f, 1, IBV_WC_SUCCESS, 2001, "good RQ CQE");

	/* a receive longer than its buffers: length error, no bytes */
	r0 = post_rq(&f, 2002);
	put_cqe(&f, f.qp.token, false, r0,
		FIELD_PREP(IRDMA_CQE3_OPCODE, IRDMA_HWOP_RECV), 100000, 0);
	{
		struct ibv_wc wc;

		CHECK(irdma_poll_cq(&f.cq.vcq.cq, 1, &wc) == 1, "overlong");
		CHECK(wc.status == IBV_WC_LOC_LEN_ERR && wc.wr_id == 2002 &&
			      wc.byte_len == 0,
		      "overlong receive: status %s len %u",
		      ibv_wc_status_str(wc.status), wc.byte_len);
	}

	/* an SRQ completion for a QP without an SRQ */
	put_cqe(&f, 5555, false, 0, FIELD_PREP(IRDMA_CQE3_SRQ, 1), 0, f.qp.token);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "SRQ CQE, QP has none");

	/* a zeroed context is a destroyed QP's: skipped silently */
	put_cqe(&f, 0, true, i1, 0, 0, 0);
	poll_expect(&f, 0, IBV_WC_SUCCESS, 0, "forgotten CQE");
	CHECK(f.shadow[0] == htole64(f.ring.head),
	      "shadow head %llu, ring head %u",
	      (unsigned long long)le64toh(f.shadow[0]), f.ring.head);
	teardown(&f);
}

/* One receive CQE at the head and the completion it gives. */
static struct ibv_wc recv_cqe(struct fixture *f, uint8_t op, bool imm,
			      bool inv, uint32_t len)
{
	__le64 *c = (__le64 *)(f->ring.cqes +
			       (size_t)f->ring.head * f->cq.cqe_stride);
	uint32_t idx = post_rq(f, 3000 + f->qp.rq_pos.head);
	struct ibv_wc wc;

	/* a 64-byte CQE holds its extension (immediate data) itself */
	c[4] = htole64(FIELD_PREP(IRDMA_CQE4_IMM_LOW, 0x1234));
	c[7] = htole64(FIELD_PREP(IRDMA_CQE7_VALID, f->ring.polarity) |
		       FIELD_PREP(IRDMA_CQE7_IMM_VALID, imm));
	put_cqe_raw(f, f->qp.token, false, idx,
		FIELD_PREP(IRDMA_CQE3_OPCODE, op) | FIELD_PREP(IRDMA_CQE3_EXTENDED, imm) |
			FIELD_PREP(IRDMA_CQE3_STAG_VALID, inv),
		len, 0);
	CHECK(irdma_poll_cq(&f->cq.vcq.cq, 1, &wc) == 1, "no completion");
	return wc;
}

/*
 * Every receive completion's length is checked, whatever opcode the CQE
 * claims, and a completion no device writes is refused. The opcode and the
 * immediate-data bit are the device's word too: a write with immediate
 * carries immediate data, no invalidated key, and a length up to the
 * largest message (it is the write's, which puts nothing in the posted
 * buffers, so it may exceed them); no message has immediate data and an
 * invalidated key at once.
 */
static void test_recv_consistency(void)
{
	struct irdma_wq_pos rq;
	struct fixture f;
	struct ibv_wc wc;

	setup(&f, IRDMA_GEN_3, IRDMA_CQE64_BYTES);
	rq = f.qp.rq_pos;
	wc = recv_cqe(&f, IRDMA_HWOP_RDMA_WRITE, false, false, 0xffffffffu);
	CHECK(wc.status == IBV_WC_GENERAL_ERR && !wc.wr_id,
	      "write with immediate but no immediate data: %s, %u bytes",
	      ibv_wc_status_str(wc.status), wc.byte_len);
	rq.head = (rq.head + 1) % RQ_WQES;
	CHECK(!memcmp(&rq, &f.qp.rq_pos, sizeof(rq)),
	      "a refused CQE took a receive");
	/* that receive is still the oldest: the next CQEs complete it */
	f.qp.rq_pos.head = f.qp.rq_pos.tail;
	wc = recv_cqe(&f, IRDMA_HWOP_RDMA_WRITE, true, true, 64);
	CHECK(wc.status == IBV_WC_GENERAL_ERR && !wc.wr_id,
	      "write with immediate invalidating a key: %s",
	      ibv_wc_status_str(wc.status));
	f.qp.rq_pos.head = f.qp.rq_pos.tail;
	wc = recv_cqe(&f, IRDMA_HWOP_RECV, true, true, 8);
	CHECK(wc.status == IBV_WC_GENERAL_ERR && !wc.wr_id,
	      "SEND with immediate data and an invalidated key: %s",
	      ibv_wc_status_str(wc.status));
	f.qp.rq_pos.head = f.qp.rq_pos.tail;
	wc = recv_cqe(&f, IRDMA_HWOP_RDMA_WRITE, true, false, 0xffffffffu);
	CHECK(wc.status == IBV_WC_LOC_LEN_ERR && wc.wr_id && !wc.byte_len,
	      "write with immediate of 4 GiB: %s, %u bytes",
	      ibv_wc_status_str(wc.status), wc.byte_len);
	wc = recv_cqe(&f, IRDMA_HWOP_RDMA_WRITE, true, false, 1u << 20);
	CHECK(wc.status == IBV_WC_SUCCESS &&
		      wc.opcode == IBV_WC_RECV_RDMA_WITH_IMM &&
		      wc.wc_flags == IBV_WC_WITH_IMM &&
		      wc.byte_len == 1u << 20 && wc.imm_data == htobe32(0x1234),
	      "1 MiB write with immediate into a 64-byte receive: %s, %u "
	      "bytes",
	      ibv_wc_status_str(wc.status), wc.byte_len);
	wc = recv_cqe(&f, IRDMA_HWOP_RECV, true, false, 65);
	CHECK(wc.status == IBV_WC_LOC_LEN_ERR && wc.wr_id,
	      "65-byte SEND with immediate into 64 bytes: %s",
	      ibv_wc_status_str(wc.status));
	teardown(&f);

	/* gen 2 RoCE: the opcode is the BTH's, immediate data a flag */
	setup(&f, IRDMA_GEN_2, IRDMA_CQE_BYTES);
	f.qp.qp_caps = IRDMA_SEND_WITH_IMM_CAP;
	post_rq(&f, 4000);
	put_cqe(&f, f.qp.token, false, 0,
		FIELD_PREP(IRDMA_CQE3_OPCODE, IRDMA_BTH_OP_RDMA_WRITE_ONLY_IMM),
		0xffffffffu, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0,
		    "gen 2 write with immediate but no immediate data");
	teardown(&f);
}

/*
 * Completions come in order: an RQ CQE must name the oldest receive, and
 * an SQ CQE may retire older WQEs only if they are unsignalled. A forged
 * CQE naming a later WQE would otherwise retire older signalled work
 * requests that are then never reported, not even by a flush.
 */
static void test_in_order(uint8_t gen, uint32_t stride)
{
	const uint64_t err = FIELD_PREP(IRDMA_CQE3_ERROR, 1) |
			     FIELD_PREP(IRDMA_CQE3_MAJOR_ERR, 0x1234);
	struct irdma_wq_pos sq, rq;
	uint32_t s1, u2, s3, r1, r2, r3;
	struct fixture f;

	setup(&f, gen, stride);
	s1 = post_sq(&f, 1, 1);
	u2 = post_sq(&f, 2, 2);
	f.qp.sq_slots[u2].signaled = false;
	s3 = post_sq(&f, 3, 1);
	sq = f.qp.sq_pos;
	put_cqe(&f, f.qp.token, true, s3, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "SQ CQE past a signalled WQE");
	put_cqe(&f, f.qp.token, true, s3, err, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0,
		    "SQ error CQE past a signalled WQE");
	put_cqe(&f, f.qp.token, true, u2, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0,
		    "SQ CQE for an unsignalled WQE past a signalled one");
	CHECK(!memcmp(&sq, &f.qp.sq_pos, sizeof(sq)),
	      "out-of-order SQ CQEs moved the SQ");
	put_cqe(&f, f.qp.token, true, s1, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_SUCCESS, 1, "oldest SQ WQE");
	/* the unsignalled WQE before it is retired with it */
	put_cqe(&f, f.qp.token, true, s3, 0, 0, 0);
	poll_expect(&f, 1, IBV_WC_SUCCESS, 3, "SQ CQE past an unsignalled WQE");
	CHECK(f.qp.sq_pos.tail == f.qp.sq_pos.head, "SQ not empty");

	r1 = post_rq(&f, 11);
	r2 = post_rq(&f, 12);
	r3 = post_rq(&f, 13);
	rq = f.qp.rq_pos;
	put_cqe(&f, f.qp.token, false, r2, 0, 4, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "RQ CQE past the oldest");
	CHECK(!memcmp(&rq, &f.qp.rq_pos, sizeof(rq)),
	      "out-of-order RQ CQEs moved the RQ");
	put_cqe(&f, f.qp.token, false, r1, 0, 4, 0);
	poll_expect(&f, 1, IBV_WC_SUCCESS, 11, "oldest receive");
	put_cqe(&f, f.qp.token, false, r3, 0, 4, 0);
	poll_expect(&f, 1, IBV_WC_GENERAL_ERR, 0, "RQ CQE past the oldest");
	/* an error completes the oldest receive, whatever index it names */
	put_cqe(&f, f.qp.token, false, r3, err, 4, 0);
	{
		struct ibv_wc wc;

		CHECK(irdma_poll_cq(&f.cq.vcq.cq, 1, &wc) == 1 &&
			      wc.status == IBV_WC_GENERAL_ERR &&
			      wc.wr_id == 12 && wc.qp_num == 17,
		      "RQ error CQE: %s, wr_id %llu",
		      ibv_wc_status_str(wc.status),
		      (unsigned long long)wc.wr_id);
	}
	put_cqe(&f, f.qp.token, false, r3, 0, 4, 0);
	poll_expect(&f, 1, IBV_WC_SUCCESS, 13, "third receive");
	CHECK(f.qp.rq_pos.tail == f.qp.rq_pos.head, "RQ not empty");
	teardown(&f);
}

/* Random words with a valid bit: never a crash, never a stray wr_id. */
static void test_garbage(uint8_t gen, uint32_t stride, unsigned int seed)
{
	struct fixture f;
	unsigned int n;
	int ok = 0, bad = 0;

	srandom(seed);
	setup(&f, gen, stride);
	for (n = 0; n < 200000; n++) {
		__le64 *c =
			(__le64 *)(f.ring.cqes + (size_t)f.ring.head * stride);
		struct ibv_wc wc[4];
		unsigned int w;
		int got, i;

		if (f.qp.sq_pos.head == f.qp.sq_pos.tail)
			post_sq(&f, 7000 + n, 1 + random() % 3);
		if (f.qp.rq_pos.head == f.qp.rq_pos.tail)
			post_rq(&f, 9000 + n);
		for (w = 0; w < stride / 8; w++)
			c[w] = htole64(((uint64_t)random() << 33) ^
				       ((uint64_t)random() << 11) ^ random());
		/* often use the real token, so the deeper checks run */
		if (random() & 1)
			c[(random() & 1) ? 1 : 5 % (stride / 8)] =
				htole64(f.qp.token);
		/* an extended CQE only now and then: it spans two entries */
		if (random() % 4)
			c[3] = htole64(le64toh(c[3]) & ~IRDMA_CQE3_EXTENDED);
		c[3] = htole64((le64toh(c[3]) & ~IRDMA_CQE3_VALID) |
			       FIELD_PREP(IRDMA_CQE3_VALID, f.ring.polarity));
		got = irdma_poll_cq(&f.cq.vcq.cq, 4, wc);
		CHECK(got >= 0 && got <= 1, "garbage CQE gave %d", got);
		for (i = 0; i < got; i++) {
			if (wc[i].status == IBV_WC_SUCCESS) {
				CHECK(wc[i].wr_id >= 7000, "stray wr_id");
				ok++;
			} else {
				bad++;
			}
		}
		CHECK(f.qp.sq_pos.tail < SQ_QUANTA &&
			      f.qp.rq_pos.tail < RQ_WQES,
		      "queue state corrupted");
	}
	printf("gen %u stride %u: %d accepted, %d rejected\n", gen, stride, ok,
	       bad);
	CHECK(bad > 0, "no garbage CQE was rejected");
	teardown(&f);
}

int main(void)
{
	test_targeted(IRDMA_GEN_2, IRDMA_CQE_BYTES);
	test_targeted(IRDMA_GEN_3, IRDMA_CQE64_BYTES);
	test_in_order(IRDMA_GEN_2, IRDMA_CQE_BYTES);
	test_in_order(IRDMA_GEN_3, IRDMA_CQE64_BYTES);
	test_recv_consistency();
	test_srq();
	test_srq_shared_by_cqs();
	test_flush_while_posting();
	test_garbage(IRDMA_GEN_2, IRDMA_CQE_BYTES, 1);
	test_garbage(IRDMA_GEN_3, IRDMA_CQE64_BYTES, 2);
	test_garbage(IRDMA_GEN_1, IRDMA_CQE_BYTES, 3);
	printf("dp_cqe_check: ok\n");
	return 0;
}
