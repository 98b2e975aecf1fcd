// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ibv_post_recv while an ibv_wr_* batch is open on the same QP, which
 * ibv_wr_post(3) allows (it excludes only ibv_post_send):
 *
 *   same thread   ibv_wr_start; ibv_wr_send; ibv_post_recv; ibv_wr_complete
 *                 returns, and both the send and the receive work;
 *   other thread  a receive posted by another thread while the batch is
 *                 open returns before the batch ends.
 *
 * A provider whose receives wait for the SQ's batch spins forever here, so
 * every step runs in a helper thread against a deadline: the test fails
 * (exit 1) instead of hanging.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "common/process.h"
#include "dp_util.h"

#define A_OFF 0
#define B_OFF (DP_BUF_SIZE / 2)
#define MSG 64
/* A receive takes microseconds; this only has to beat a hang. */
#define DEADLINE_MS 10000

struct pair {
	struct test_dev *e;
	struct ibv_qp *a, *b;
	struct ibv_cq *ca, *cb;
};

struct step {
	void (*fn)(struct pair *p);
	struct pair *p;
	int done; /* atomic */
};

static void *step_thread(void *arg)
{
	struct step *s = arg;

	s->fn(s->p);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Run fn(p) on a thread of its own and wait for it until the deadline. A
 * thread stuck on a lock cannot be cancelled or joined: report and leave.
 */
static void run_with_deadline(const char *what, void (*fn)(struct pair *p),
			      struct pair *p)
{
	struct step s = { .fn = fn, .p = p };
	uint64_t end = test_now_ms() + DEADLINE_MS;
	pthread_t t;

	CHECK(!pthread_create(&t, NULL, step_thread, &s), "thread for %s",
	      what);
	while (!__atomic_load_n(&s.done, __ATOMIC_ACQUIRE)) {
		if (test_now_ms() > end) {
			fprintf(stderr,
				"FAIL %s: still blocked after %d ms (the receive waits for the ibv_wr_* batch)\n",
				what, DEADLINE_MS);
			fflush(NULL);
			_exit(1);
		}
		usleep(1000);
	}
	CHECK(!pthread_join(t, NULL), "join %s", what);
}

static void wr_send_open(struct pair *p, uint64_t wr_id)
{
	struct ibv_qp_ex *x = ibv_qp_to_qp_ex(p->a);

	ibv_wr_start(x);
	x->wr_id = wr_id;
	x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send(x);
	ibv_wr_set_sge(x, p->e->mr->lkey, (uintptr_t)p->e->buf + A_OFF, MSG);
}

static void post_recv_on_a(struct pair *p, uint64_t wr_id)
{
	struct ibv_sge sge = { (uintptr_t)p->e->buf + A_OFF + 4096, MSG,
			       p->e->mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = wr_id,
				  .sg_list = &sge,
				  .num_sge = 1 };
	struct ibv_recv_wr *bad;

	CHECK(!ibv_post_recv(p->a, &wr, &bad), "post_recv in a batch: %m");
}

/* b sends to a: the receive posted during the batch takes it. */
static void check_recv_usable(struct pair *p, uint64_t recv_id)
{
	struct ibv_sge sge = { (uintptr_t)p->e->buf + B_OFF + 4096, MSG,
			       p->e->mr->lkey };
	struct ibv_send_wr wr = { .wr_id = recv_id + 1000,
				  .sg_list = &sge,
				  .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED };
	struct ibv_send_wr *bad;

	CHECK(!ibv_post_send(p->b, &wr, &bad), "post_send b -> a");
	dp_expect_wc(p->cb, recv_id + 1000, IBV_WC_SEND, NULL);
	dp_expect_wc(p->ca, recv_id, IBV_WC_RECV, NULL);
}

/* All on one thread: the sequence of the review finding. */
static void same_thread_seq(struct pair *p)
{
	wr_send_open(p, 11);
	post_recv_on_a(p, 12);
	CHECK(!ibv_wr_complete(ibv_qp_to_qp_ex(p->a)), "wr_complete");
}

static void test_same_thread(struct pair *p)
{
	dp_post_recv(p->e, p->b, 10, B_OFF, MSG);
	run_with_deadline("ibv_post_recv inside its own thread's batch",
			  same_thread_seq, p);
	dp_expect_wc(p->ca, 11, IBV_WC_SEND, NULL);
	dp_expect_wc(p->cb, 10, IBV_WC_RECV, NULL);
	check_recv_usable(p, 12);
	printf("ok same thread: wr_start, wr_send, post_recv, wr_complete\n");
}

static void other_thread_recv(struct pair *p)
{
	post_recv_on_a(p, 22);
}

static void test_other_thread(struct pair *p)
{
	dp_post_recv(p->e, p->b, 20, B_OFF, MSG);
	wr_send_open(p, 21);
	/* the batch stays open until the other thread's receive is posted */
	run_with_deadline("ibv_post_recv from another thread during a batch",
			  other_thread_recv, p);
	CHECK(!ibv_wr_complete(ibv_qp_to_qp_ex(p->a)), "wr_complete");
	dp_expect_wc(p->ca, 21, IBV_WC_SEND, NULL);
	dp_expect_wc(p->cb, 20, IBV_WC_RECV, NULL);
	check_recv_usable(p, 22);
	printf("ok other thread: its receive was not held up by the batch\n");
}

int main(int argc, char **argv)
{
	struct test_dev e;
	struct pair p = { .e = &e };

	dp_open(&e, argc, argv);
	p.ca = ibv_create_cq(e.ctx, 32, NULL, NULL, 0);
	p.cb = ibv_create_cq(e.ctx, 32, NULL, NULL, 0);
	CHECK(p.ca && p.cb, "create_cq");
	p.a = dp_create_qp(&e, p.ca, IBV_QPT_RC, 16, 1, 0, IBV_QP_EX_WITH_SEND);
	p.b = dp_create_qp(&e, p.cb, IBV_QPT_RC, 16, 1, 0, 0);
	dp_connect_rc(&e, p.a, p.b);

	test_same_thread(&p);
	test_other_thread(&p);

	CHECK(!ibv_destroy_qp(p.a) && !ibv_destroy_qp(p.b), "destroy_qp");
	CHECK(!ibv_destroy_cq(p.ca) && !ibv_destroy_cq(p.cb), "destroy_cq");
	dp_close(&e);
	printf("dp_wr_recv: ok\n");
	return 0;
}
