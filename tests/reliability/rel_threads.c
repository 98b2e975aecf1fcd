// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Concurrency: worker threads each own a CQ and a connected pair of RC QPs
 * and ping SENDs through them, checking every payload, while churn threads
 * create and destroy CQs, QPs and buffers on the same shared (CoCo)
 * parent domain. Every buffer any thread holds is entered in a registry
 * that refuses overlaps, so a heap slab handed to two owners at once is
 * caught. Meant to run under ThreadSanitizer as well as plainly.
 *
 * Usage: rel_threads [--workers N] [--ops N] [--churn N] [--cycles N]
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

static struct {
	unsigned int workers, ops, churn, cycles;
	struct ibv_context *ctx;
	struct ibv_pd *pd, *par;
	union ibv_gid gid;
	size_t page;
	pthread_barrier_t start;
	/* registry of buffers alive right now */
	pthread_mutex_t reg_lock;
	uintptr_t live_lo[MAX_LIVE], live_hi[MAX_LIVE];
	unsigned long completions, creates, overlaps;
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
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--workers"))
			G.workers = num_arg(argv[i + 1]);
		else if (!strcmp(argv[i], "--ops"))
			G.ops = num_arg(argv[i + 1]);
		else if (!strcmp(argv[i], "--churn"))
			G.churn = num_arg(argv[i + 1]);
		else if (!strcmp(argv[i], "--cycles"))
			G.cycles = num_arg(argv[i + 1]);
		else
			break;
	}
	CHECK(i == argc, "usage: rel_threads [--workers N] [--ops N] "
			 "[--churn N] [--cycles N]");
}

int main(int argc, char **argv)
{
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	unsigned int i, n;
	pthread_t *t;

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

	n = G.workers + G.churn;
	t = calloc(n, sizeof(*t));
	CHECK(t, "calloc");
	CHECK(!pthread_barrier_init(&G.start, NULL, n), "barrier");
	for (i = 0; i < n; i++)
		CHECK(!pthread_create(&t[i], NULL,
				      i < G.workers ? worker : churner,
				      (void *)(uintptr_t)i),
		      "pthread_create");
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&G.start);
	free(t);

	CHECK(!ibv_dealloc_pd(G.par) && !ibv_dealloc_pd(G.pd), "dealloc");
	CHECK(!ibv_close_device(G.ctx), "close");
	printf("rel_threads: %u workers x %u SEND+RECV, %u churn threads x %u "
	       "cycles (%lu creates/destroys + allocs/frees): %lu "
	       "completions of %lu expected, %lu overlapping buffers\n",
	       G.workers, G.ops, G.churn, G.cycles, G.creates, G.completions,
	       2ul * G.workers * G.ops, G.overlaps);
	CHECK(G.completions == 2ul * G.workers * G.ops, "lost completions");
	CHECK(!G.overlaps, "a buffer was handed out twice");
	return 0;
}
