// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Concurrency: worker threads each own a CQ and a connected pair of RC QPs
 * and ping SENDs through them, checking every payload, while churn threads
 * create and destroy CQs, QPs and buffers on the same shared (CoCo)
 * parent domain. Every buffer any thread holds is entered in a registry
 * that refuses overlaps, so a heap slab handed to two owners at once is
 * caught. Meant to run under ThreadSanitizer as well as plainly.
 *
 * --split: each worker is two threads, one posting (sends, and receives
 * unless --srq) and one polling the worker's CQ, as applications with a
 * completion thread do: the poller frees queue entries the poster reuses.
 * --srq (gen 3): every worker's receiving QP takes its receives from one
 * small SRQ, fed by a thread of its own; the pollers run at different
 * speeds, so SRQ entries complete out of the order they were posted in.
 * Every wr_id must complete exactly once, in order per queue, with the
 * payload of the message its buffer received.
 *
 * Usage: rel_threads [--workers N] [--ops N] [--churn N] [--cycles N]
 *                    [--split] [--srq]
 * Prints threads x operations and the completions counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "rel_util.h"

#define MSG 256u
#define MAX_LIVE 256
#define POLL_MS 5000
/* --split: messages in flight per worker; no progress for this long fails */
#define WINDOW 8u
#define STALL_MS 30000
/* --srq: few entries, so that the ring wraps and fills all the time */
#define SRQ_WR 16u
#define SRQ_BUFS 64u

/* One worker of --split: a poster thread and a poller thread. */
struct lane {
	unsigned int id;
	struct ibv_cq *cq;
	struct ibv_qp *a, *b; /* a sends to b */
	struct ibv_buf *buf;
	uint8_t *mem; /* WINDOW send slots, then WINDOW receive slots */
	struct ibv_mr *mr;
	/* completions so far, counted by the poller (atomic) */
	unsigned int sent, received;
};

static struct {
	unsigned int workers, ops, churn, cycles;
	bool split, use_srq;
	struct ibv_context *ctx;
	struct ibv_pd *pd, *par;
	union ibv_gid gid;
	size_t page;
	pthread_barrier_t start;
	/* registry of buffers alive right now */
	pthread_mutex_t reg_lock;
	uintptr_t live_lo[MAX_LIVE], live_hi[MAX_LIVE];
	unsigned long completions, creates, overlaps;
	/* --srq: receive n uses buffer n % SRQ_BUFS; srq_done[n] (atomic) */
	struct ibv_srq *srq;
	struct ibv_buf *srq_buf;
	uint8_t *srq_mem;
	struct ibv_mr *srq_mr;
	uint8_t *srq_done;
} G = { .workers = 4,
	.ops = 500,
	.churn = 2,
	.cycles = 60,
	.reg_lock = PTHREAD_MUTEX_INITIALIZER };

static void reg_add(void *p, size_t len)
{
	uintptr_t lo = (uintptr_t)p, hi = lo + len;
	int i, slot = -1;

	pthread_mutex_lock(&G.reg_lock);
	for (i = 0; i < MAX_LIVE; i++) {
		if (!G.live_hi[i]) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (lo < G.live_hi[i] && G.live_lo[i] < hi) {
			fprintf(stderr,
				"OVERLAP: buffer %#lx+%zu overlaps live %#lx-%#lx\n",
				(unsigned long)lo, len,
				(unsigned long)G.live_lo[i],
				(unsigned long)G.live_hi[i]);
			G.overlaps++;
		}
	}
	CHECK(slot >= 0, "registry full");
	G.live_lo[slot] = lo;
	G.live_hi[slot] = hi;
	pthread_mutex_unlock(&G.reg_lock);
}

static void reg_del(void *p)
{
	int i;

	pthread_mutex_lock(&G.reg_lock);
	for (i = 0; i < MAX_LIVE; i++)
		if (G.live_hi[i] && G.live_lo[i] == (uintptr_t)p)
			G.live_hi[i] = G.live_lo[i] = 0;
	pthread_mutex_unlock(&G.reg_lock);
}

static void *buf_get(size_t len, struct ibv_buf **b)
{
	void *p = ibv_alloc_buf(G.par, len, b);

	CHECK(p, "alloc_buf: %m");
	reg_add(p, len);
	return p;
}

static void buf_put(void *p, struct ibv_buf *b)
{
	reg_del(p);
	ibv_free_buf(b);
}

static struct ibv_cq *cq_on_parent(void)
{
	struct ibv_cq_ex *cq = test_cq_on_domain(G.ctx, G.par, 64);

	CHECK(cq, "create_cq_ex: %m");
	return ibv_cq_ex_to_cq(cq);
}

static struct ibv_qp *qp_on_parent(struct ibv_cq *cq)
{
	struct ibv_qp_init_attr a = test_qp_attr(IBV_QPT_RC, cq, cq, 16);
	struct ibv_qp *qp = ibv_create_qp(G.par, &a);

	CHECK(qp, "create_qp: %m");
	return qp;
}

/* Wait for @n successful completions on @cq. */
static void reap(struct ibv_cq *cq, int n, unsigned int id)
{
	uint64_t end = test_now_ms() + POLL_MS;
	struct ibv_wc wc[4];
	int got = 0, i, r;

	while (got < n) {
		r = ibv_poll_cq(cq, 4, wc);
		CHECK(r >= 0, "poll_cq: %d", r);
		for (i = 0; i < r; i++)
			CHECK(wc[i].status == IBV_WC_SUCCESS,
			      "worker %u: wr %llu: %s", id,
			      (unsigned long long)wc[i].wr_id,
			      ibv_wc_status_str(wc[i].status));
		got += r;
		CHECK(got >= n || test_now_ms() < end,
		      "worker %u: %d of %d completions lost", id, n - got, n);
		if (!r)
			sched_yield();
	}
	__atomic_fetch_add(&G.completions, (unsigned long)got,
			   __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, op, k;
	struct ibv_cq *cq = cq_on_parent();
	struct ibv_qp *a = qp_on_parent(cq), *b = qp_on_parent(cq);
	struct ibv_buf *buf;
	uint8_t *mem = buf_get(2 * MSG, &buf);
	struct ibv_mr *mr = ibv_reg_buf_mr(G.par, buf, mem, 2 * MSG,
					   IBV_ACCESS_LOCAL_WRITE);
	struct ibv_sge ss = { (uintptr_t)mem, MSG, 0 },
		       rs = { (uintptr_t)mem + MSG, MSG, 0 };
	struct ibv_send_wr swr = { .sg_list = &ss,
				   .num_sge = 1,
				   .opcode = IBV_WR_SEND,
				   .send_flags = IBV_SEND_SIGNALED },
			   *bs;
	struct ibv_recv_wr rwr = { .sg_list = &rs, .num_sge = 1 }, *br;

	CHECK(mr, "reg_buf_mr: %m");
	ss.lkey = rs.lkey = mr->lkey;
	CHECK(!rel_rc_connect(a, b->qp_num, &G.gid) &&
		      !rel_rc_connect(b, a->qp_num, &G.gid),
	      "connect");
	pthread_barrier_wait(&G.start);
	for (op = 0; op < G.ops; op++) {
		for (k = 0; k < MSG; k++)
			mem[k] = (uint8_t)(id * 31 + op + k);
		rwr.wr_id = op;
		swr.wr_id = op;
		CHECK(!ibv_post_recv(b, &rwr, &br), "post_recv");
		CHECK(!ibv_post_send(a, &swr, &bs), "post_send");
		reap(cq, 2, id);
		CHECK(!memcmp(mem, mem + MSG, MSG),
		      "worker %u op %u: payload differs", id, op);
	}
	CHECK(!ibv_destroy_qp(a) && !ibv_destroy_qp(b), "destroy_qp");
	CHECK(!ibv_destroy_cq(cq), "destroy_cq");
	CHECK(!ibv_dereg_mr(mr), "dereg_mr");
	buf_put(mem, buf);
	return NULL;
}

/* ---- --split and --srq ------------------------------------------------ */

static void stamp(uint8_t *p, unsigned int id, unsigned int op)
{
	unsigned int k;

	for (k = 0; k < MSG; k++)
		p[k] = (uint8_t)(id * 31 + op * 7 + k);
}

static bool stamped(const uint8_t *p, unsigned int id, unsigned int op)
{
	unsigned int k;

	for (k = 0; k < MSG; k++)
		if (p[k] != (uint8_t)(id * 31 + op * 7 + k))
			return false;
	return true;
}

static unsigned int load(const unsigned int *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

/* Fails the test once nothing has moved for STALL_MS. */
static void stall_check(uint64_t *since, bool moved, const char *who,
			unsigned int id)
{
	uint64_t now = test_now_ms();

	if (moved || !*since)
		*since = now;
	CHECK(now - *since < STALL_MS, "%s %u: no progress for %d ms", who, id,
	      STALL_MS);
}

static void lane_setup(struct lane *l, unsigned int id)
{
	struct ibv_qp_init_attr qa;

	l->id = id;
	l->cq = cq_on_parent();
	l->a = qp_on_parent(l->cq);
	qa = test_qp_attr(IBV_QPT_RC, l->cq, l->cq, 16);
	if (G.srq) {
		qa.srq = G.srq;
		qa.cap.max_recv_wr = qa.cap.max_recv_sge = 0;
	}
	l->b = ibv_create_qp(G.par, &qa);
	CHECK(l->b, "create_qp: %m");
	l->mem = buf_get(2 * WINDOW * MSG, &l->buf);
	l->mr = ibv_reg_buf_mr(G.par, l->buf, l->mem, 2 * WINDOW * MSG,
			       IBV_ACCESS_LOCAL_WRITE);
	CHECK(l->mr, "reg_buf_mr: %m");
	CHECK(!rel_rc_connect(l->a, l->b->qp_num, &G.gid) &&
		      !rel_rc_connect(l->b, l->a->qp_num, &G.gid),
	      "connect");
}

static void lane_teardown(struct lane *l)
{
	CHECK(!ibv_destroy_qp(l->a) && !ibv_destroy_qp(l->b), "destroy_qp");
	CHECK(!ibv_destroy_cq(l->cq), "destroy_cq");
	CHECK(!ibv_dereg_mr(l->mr), "dereg_mr");
	buf_put(l->mem, l->buf);
}

/* Posts message op once the poller has retired op - WINDOW. */
static void *lane_poster(void *arg)
{
	struct lane *l = arg;
	struct ibv_sge ss = { 0, MSG, l->mr->lkey }, rs = ss;
	struct ibv_send_wr swr = { .sg_list = &ss,
				   .num_sge = 1,
				   .opcode = IBV_WR_SEND,
				   .send_flags = IBV_SEND_SIGNALED },
			   *bs;
	struct ibv_recv_wr rwr = { .sg_list = &rs, .num_sge = 1 }, *br;
	uint64_t since = 0;
	unsigned int op, slot;

	pthread_barrier_wait(&G.start);
	for (op = 0; op < G.ops; op++) {
		while (op - load(&l->sent) >= WINDOW ||
		       (!G.srq && op - load(&l->received) >= WINDOW)) {
			stall_check(&since, false, "poster", l->id);
			sched_yield();
		}
		stall_check(&since, true, "poster", l->id);
		slot = op % WINDOW;
		ss.addr = (uintptr_t)l->mem + slot * MSG;
		rs.addr = (uintptr_t)l->mem + (WINDOW + slot) * MSG;
		stamp(l->mem + slot * MSG, l->id, op);
		rwr.wr_id = swr.wr_id = op;
		if (!G.srq)
			CHECK(!ibv_post_recv(l->b, &rwr, &br), "post_recv");
		CHECK(!ibv_post_send(l->a, &swr, &bs), "post_send");
	}
	return NULL;
}

/* The receive buffer of a completion, after checking its wr_id. */
static const uint8_t *lane_recv_buf(struct lane *l, const struct ibv_wc *wc)
{
	uint64_t n = wc->wr_id;

	if (!G.srq) {
		CHECK(n == l->received, "worker %u: receive %llu completed, "
					"%u expected",
		      l->id, (unsigned long long)n, l->received);
		return l->mem + (WINDOW + n % WINDOW) * MSG;
	}
	CHECK(n < (uint64_t)G.workers * G.ops,
	      "worker %u: SRQ receive %llu was never posted", l->id,
	      (unsigned long long)n);
	CHECK(!__atomic_load_n(&G.srq_done[n], __ATOMIC_RELAXED),
	      "worker %u: SRQ receive %llu completed twice", l->id,
	      (unsigned long long)n);
	return G.srq_mem + n % SRQ_BUFS * MSG;
}

static void lane_complete(struct lane *l, const struct ibv_wc *wc)
{
	CHECK(wc->status == IBV_WC_SUCCESS, "worker %u: wr %llu: %s", l->id,
	      (unsigned long long)wc->wr_id, ibv_wc_status_str(wc->status));
	if (wc->opcode == IBV_WC_SEND) {
		CHECK(wc->wr_id == l->sent, "worker %u: send %llu completed, "
					    "%u expected",
		      l->id, (unsigned long long)wc->wr_id, l->sent);
		__atomic_store_n(&l->sent, l->sent + 1, __ATOMIC_RELEASE);
		return;
	}
	CHECK(wc->opcode == IBV_WC_RECV && wc->byte_len == MSG,
	      "worker %u: receive %llu: opcode %d, %u bytes", l->id,
	      (unsigned long long)wc->wr_id, wc->opcode, wc->byte_len);
	/* RC delivers in order: the k-th receive holds message k */
	CHECK(stamped(lane_recv_buf(l, wc), l->id, l->received),
	      "worker %u: receive %llu does not hold message %u", l->id,
	      (unsigned long long)wc->wr_id, l->received);
	if (G.srq)
		__atomic_store_n(&G.srq_done[wc->wr_id], 1, __ATOMIC_RELEASE);
	__atomic_store_n(&l->received, l->received + 1, __ATOMIC_RELEASE);
}

static void *lane_poller(void *arg)
{
	struct lane *l = arg;
	struct ibv_wc wc[4];
	uint64_t since = 0;
	unsigned int polls = 0;
	int i, n;

	pthread_barrier_wait(&G.start);
	while (l->sent < G.ops || l->received < G.ops) {
		n = ibv_poll_cq(l->cq, 4, wc);
		CHECK(n >= 0, "poll_cq: %d", n);
		for (i = 0; i < n; i++)
			lane_complete(l, &wc[i]);
		stall_check(&since, n > 0, "poller", l->id);
		/* odd workers lag: their SRQ entries complete late */
		if (!n || (l->id & 1 && !(++polls % 4)))
			usleep(l->id & 1 ? 200 : 0);
	}
	__atomic_fetch_add(&G.completions, 2ul * G.ops, __ATOMIC_RELAXED);
	return NULL;
}

/* Keeps the SRQ full; a buffer is reused once its receive completed. */
static void *srq_poster(void *arg)
{
	uint64_t n, total = (uint64_t)G.workers * G.ops, since = 0;
	struct ibv_sge sg = { 0, MSG, G.srq_mr->lkey };
	struct ibv_recv_wr wr = { .sg_list = &sg, .num_sge = 1 }, *bad;
	int ret;

	pthread_barrier_wait(&G.start);
	for (n = 0; n < total; n++) {
		while (n >= SRQ_BUFS && !__atomic_load_n(&G.srq_done[n - SRQ_BUFS],
							 __ATOMIC_ACQUIRE)) {
			stall_check(&since, false, "SRQ poster", 0);
			sched_yield();
		}
		wr.wr_id = n;
		sg.addr = (uintptr_t)G.srq_mem + n % SRQ_BUFS * MSG;
		/* full, or the next entry not completed yet: wait for one */
		while ((ret = ibv_post_srq_recv(G.srq, &wr, &bad)) == ENOMEM) {
			stall_check(&since, false, "SRQ poster", 0);
			sched_yield();
		}
		CHECK(!ret, "post_srq_recv: %s", strerror(ret));
		stall_check(&since, true, "SRQ poster", 0);
	}
	return arg;
}

static void srq_setup(void)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = SRQ_WR,
						  .max_sge = 1 } };
	size_t len = SRQ_BUFS * MSG;

	G.srq = ibv_create_srq(G.par, &sa);
	CHECK(G.srq, "create_srq: %m");
	G.srq_mem = buf_get(len, &G.srq_buf);
	G.srq_mr = ibv_reg_buf_mr(G.par, G.srq_buf, G.srq_mem, len,
				  IBV_ACCESS_LOCAL_WRITE);
	CHECK(G.srq_mr, "reg_buf_mr: %m");
	G.srq_done = calloc((size_t)G.workers * G.ops, 1);
	CHECK(G.srq_done, "calloc");
}

static void srq_teardown(void)
{
	uint64_t n;

	for (n = 0; n < (uint64_t)G.workers * G.ops; n++)
		CHECK(G.srq_done[n], "SRQ receive %llu never completed",
		      (unsigned long long)n);
	CHECK(!ibv_dereg_mr(G.srq_mr), "dereg_mr");
	buf_put(G.srq_mem, G.srq_buf);
	CHECK(!ibv_destroy_srq(G.srq), "destroy_srq");
	free(G.srq_done);
}

static void *churner(void *arg)
{
	unsigned int i;

	pthread_barrier_wait(&G.start);
	for (i = 0; i < G.cycles; i++) {
		struct ibv_cq *cq = cq_on_parent();
		struct ibv_qp *qp = qp_on_parent(cq);
		struct ibv_buf *b1, *b2;
		void *p1 = buf_get(G.page / 2 + i % 7 * 64, &b1);
		void *p2 = buf_get(G.page * (1 + i % 3), &b2);

		memset(p1, 0xee, G.page / 2);
		CHECK(!ibv_destroy_qp(qp), "destroy_qp: %m");
		buf_put(p1, b1);
		CHECK(!ibv_destroy_cq(cq), "destroy_cq: %m");
		buf_put(p2, b2);
		__atomic_fetch_add(&G.creates, 4ul, __ATOMIC_RELAXED);
	}
	return arg;
}

static unsigned int num_arg(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	CHECK(*s && !*end && v > 0 && v < 100000, "bad number %s", s);
	return (unsigned int)v;
}

static void parse(int argc, char **argv)
{
	unsigned int *num;
	int i;

	for (i = 1; i < argc; i++) {
		num = NULL;
		if (!strcmp(argv[i], "--workers"))
			num = &G.workers;
		else if (!strcmp(argv[i], "--ops"))
			num = &G.ops;
		else if (!strcmp(argv[i], "--churn"))
			num = &G.churn;
		else if (!strcmp(argv[i], "--cycles"))
			num = &G.cycles;
		else if (!strcmp(argv[i], "--split"))
			G.split = true;
		else if (!strcmp(argv[i], "--srq"))
			G.split = G.use_srq = true;
		else
			break;
		if (num) {
			if (i + 1 == argc)
				break;
			*num = num_arg(argv[++i]);
		}
	}
	CHECK(i == argc, "usage: rel_threads [--workers N] [--ops N] "
			 "[--churn N] [--cycles N] [--split] [--srq]");
}

/* What one thread of a run does. */
struct job {
	void *(*fn)(void *);
	void *arg;
};

/* Runs @n jobs plus the churn threads, all started together. */
static void run_jobs(struct job *jobs, unsigned int n)
{
	unsigned int i, total = n + G.churn;
	pthread_t *t = calloc(total, sizeof(*t));

	CHECK(t, "calloc");
	CHECK(!pthread_barrier_init(&G.start, NULL, total), "barrier");
	for (i = 0; i < total; i++)
		CHECK(!pthread_create(&t[i], NULL,
				      i < n ? jobs[i].fn : churner,
				      i < n ? jobs[i].arg : NULL),
		      "pthread_create");
	for (i = 0; i < total; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&G.start);
	free(t);
}

static void run_workers(void)
{
	struct job *jobs = calloc(G.workers, sizeof(*jobs));
	unsigned int i;

	CHECK(jobs, "calloc");
	for (i = 0; i < G.workers; i++)
		jobs[i] = (struct job){ worker, (void *)(uintptr_t)i };
	run_jobs(jobs, G.workers);
	free(jobs);
}

static void run_split(void)
{
	unsigned int i, n = 2 * G.workers;
	struct lane *lanes = calloc(G.workers, sizeof(*lanes));
	struct job *jobs = calloc(n + 1, sizeof(*jobs));

	CHECK(lanes && jobs, "calloc");
	if (G.use_srq)
		srq_setup();
	for (i = 0; i < G.workers; i++) {
		lane_setup(&lanes[i], i);
		jobs[2 * i] = (struct job){ lane_poster, &lanes[i] };
		jobs[2 * i + 1] = (struct job){ lane_poller, &lanes[i] };
	}
	if (G.use_srq)
		jobs[n++] = (struct job){ srq_poster, NULL };
	run_jobs(jobs, n);
	for (i = 0; i < G.workers; i++)
		lane_teardown(&lanes[i]);
	if (G.use_srq)
		srq_teardown();
	free(jobs);
	free(lanes);
}

int main(int argc, char **argv)
{
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	parse(argc, argv);
	G.page = (size_t)sysconf(_SC_PAGESIZE);
	G.ctx = test_open_first_device();
	CHECK(G.ctx, "open: %m");
	CHECK(!ibv_query_gid(G.ctx, 1, 0, &G.gid), "query_gid");
	G.pd = ibv_alloc_pd(G.ctx);
	CHECK(G.pd, "alloc_pd: %m");
	pa.pd = G.pd;
	G.par = ibv_alloc_parent_domain(G.ctx, &pa);
	CHECK(G.par, "parent domain: %m");

	if (G.split)
		run_split();
	else
		run_workers();

	CHECK(!ibv_dealloc_pd(G.par) && !ibv_dealloc_pd(G.pd), "dealloc");
	CHECK(!ibv_close_device(G.ctx), "close");
	printf("rel_threads: %u workers%s x %u SEND+RECV, %u churn threads x "
	       "%u cycles (%lu creates/destroys + allocs/frees): %lu "
	       "completions of %lu expected, %lu overlapping buffers\n",
	       G.workers,
	       G.use_srq ? " (poster + poller, one SRQ)" :
	       G.split	 ? " (poster + poller)" :
			   "",
	       G.ops, G.churn, G.cycles, G.creates, G.completions,
	       2ul * G.workers * G.ops, G.overlaps);
	CHECK(G.completions == 2ul * G.workers * G.ops, "lost completions");
	CHECK(!G.overlaps, "a buffer was handed out twice");
	return 0;
}
