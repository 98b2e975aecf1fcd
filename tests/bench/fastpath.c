// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Fast path figures: cost of one ibv_post_send, ibv_post_recv and of one
 * completion taken by ibv_poll_cq, on RC and UD.
 *
 * Two QPs of one process, A -> B, on the device's own GID. A batch of
 * BATCH work requests is posted, then drained before the next batch, so a
 * queue never fills and nothing waits for the device inside the measured
 * part. Only the calls under test are inside the meter: receives for a
 * SEND figure, the drain, and the sends that feed a poll figure are not.
 *
 * The meter either times with CLOCK_MONOTONIC or, under
 * valgrind --tool=callgrind --collect-atstart=no, switches callgrind's
 * event collection on and off for this thread only; each figure ends with
 * a dump named "bench=<name> ops=<n>" that the runner reads from the main
 * thread's output file. The emulator's device thread never collects.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "bench.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#else
#define BENCH_HAVE_CALLGRIND 0
#endif

#define BATCH 32u
#define QP_DEPTH 64u
#define CQ_DEPTH 128
#define MSG_BYTES 64u
#define UD_GRH_BYTES 40u
#define RECV_AREA (64u * 1024)
#define WRITE_AREA (128u * 1024)
#define DRAIN_TIMEOUT_NS 5000000000ull

enum send_kind { SEND_SGE, SEND_INLINE, SEND_WRITE };

struct pair {
	struct bench_dev *d;
	enum ibv_qp_type type;
	struct ibv_cq *ca, *cb;
	struct ibv_qp *a, *b;
	struct ibv_ah *ah;
};

enum meter_kind { METER_TIME, METER_CALLGRIND, METER_PERF };

struct meter {
	enum meter_kind kind;
	int perf_fd; /* METER_PERF: this thread's instruction counter */
	uint64_t t0, ns;
};

/*
 * The counter is switched with the raw system call: the libc ioctl() of
 * this program is syscount.c's wrapper, whose own instructions would be
 * counted.
 */
static inline void perf_switch(int fd, unsigned long req)
{
	syscall(SYS_ioctl, fd, req, 0);
}

static inline void meter_on(struct meter *m)
{
	switch (m->kind) {
	case METER_CALLGRIND:
#if BENCH_HAVE_CALLGRIND
		CALLGRIND_TOGGLE_COLLECT;
#endif
		break;
	case METER_PERF:
		perf_switch(m->perf_fd, PERF_EVENT_IOC_ENABLE);
		break;
	default:
		m->t0 = bench_now_ns();
	}
}

static inline void meter_off(struct meter *m)
{
	switch (m->kind) {
	case METER_CALLGRIND:
#if BENCH_HAVE_CALLGRIND
		CALLGRIND_TOGGLE_COLLECT;
#endif
		break;
	case METER_PERF:
		perf_switch(m->perf_fd, PERF_EVENT_IOC_DISABLE);
		break;
	default:
		m->ns += bench_now_ns() - m->t0;
	}
}

/*
 * User-space instructions retired by the calling thread only (pid 0,
 * any CPU, not inherited): the emulator's device thread is not counted.
 * Returns the fd or a negative errno.
 */
static int perf_open(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.disabled = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1,
			  PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

static void pair_destroy(struct pair *p)
{
	if (p->ah)
		ibv_destroy_ah(p->ah);
	if (p->a)
		ibv_destroy_qp(p->a);
	if (p->b)
		ibv_destroy_qp(p->b);
	if (p->ca)
		ibv_destroy_cq(p->ca);
	if (p->cb)
		ibv_destroy_cq(p->cb);
	memset(p, 0, sizeof(*p));
}

static int pair_create(struct bench_dev *d, enum ibv_qp_type type,
		       struct pair *p)
{
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->d = d;
	p->type = type;
	/* In a CoCo guest the rings must be shared to be seen at all. */
	p->ca = bench_create_cq(d, d->cc_domain, CQ_DEPTH);
	p->cb = bench_create_cq(d, d->cc_domain, CQ_DEPTH);
	if (p->ca && p->cb) {
		p->a = bench_create_qp(d, d->cc_domain, type, p->ca, p->ca,
				       QP_DEPTH, MSG_BYTES);
		p->b = bench_create_qp(d, d->cc_domain, type, p->cb, p->cb,
				       QP_DEPTH, MSG_BYTES);
	}
	if (!p->a || !p->b)
		ret = errno ? errno : ENOMEM;
	if (!ret)
		ret = bench_qp_to_rts(d, p->a, p->b->qp_num);
	if (!ret)
		ret = bench_qp_to_rts(d, p->b, p->a->qp_num);
	if (!ret && type == IBV_QPT_UD) {
		p->ah = bench_self_ah(d);
		if (!p->ah)
			ret = errno ? errno : ENOMEM;
	}
	if (ret)
		pair_destroy(p);
	return ret;
}

/* Poll until n good completions arrived; EIO on a bad one. */
static int drain(struct ibv_cq *cq, unsigned int n)
{
	uint64_t start = bench_now_ns();
	struct ibv_wc wc[16];

	while (n) {
		int got = ibv_poll_cq(cq, n < 16 ? (int)n : 16, wc);
		int i;

		if (got < 0)
			return EIO;
		for (i = 0; i < got; i++)
			if (wc[i].status != IBV_WC_SUCCESS) {
				fprintf(stderr,
					"irdma-bench: completion status %s\n",
					ibv_wc_status_str(wc[i].status));
				return EIO;
			}
		n -= (unsigned int)got;
		if (!got && bench_now_ns() - start > DRAIN_TIMEOUT_NS)
			return ETIMEDOUT;
	}
	return 0;
}

static int post_recvs(struct pair *p, unsigned int n)
{
	uint32_t len = MSG_BYTES + UD_GRH_BYTES;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct ibv_sge sge = {
			.addr = (uintptr_t)p->d->buf + RECV_AREA + i * 128u,
			.length = len,
			.lkey = p->d->mr->lkey,
		};
		struct ibv_recv_wr wr = { .wr_id = i,
					  .sg_list = &sge,
					  .num_sge = 1 };
		struct ibv_recv_wr *bad;
		int ret = ibv_post_recv(p->b, &wr, &bad);

		if (ret)
			return ret < 0 ? -ret : ret;
	}
	return 0;
}

/* The work request a send figure posts over and over. */
static void build_send(struct pair *p, enum send_kind kind,
		       struct ibv_send_wr *wr, struct ibv_sge *sge)
{
	memset(wr, 0, sizeof(*wr));
	sge->addr = (uintptr_t)p->d->buf;
	sge->length = MSG_BYTES;
	sge->lkey = p->d->mr->lkey;
	wr->sg_list = sge;
	wr->num_sge = 1;
	wr->opcode = kind == SEND_WRITE ? IBV_WR_RDMA_WRITE : IBV_WR_SEND;
	wr->send_flags = IBV_SEND_SIGNALED;
	if (kind == SEND_INLINE)
		wr->send_flags |= IBV_SEND_INLINE;
	if (kind == SEND_WRITE) {
		wr->wr.rdma.remote_addr = (uintptr_t)p->d->buf + WRITE_AREA;
		wr->wr.rdma.rkey = p->d->mr->rkey;
	}
	if (p->type == IBV_QPT_UD) {
		wr->wr.ud.ah = p->ah;
		wr->wr.ud.remote_qpn = p->b->qp_num;
		wr->wr.ud.remote_qkey = BENCH_QKEY;
	}
}

static int post_sends(struct pair *p, struct ibv_send_wr *wr, unsigned int n,
		      struct meter *m)
{
	struct ibv_send_wr *bad;
	unsigned int i;
	int ret = 0;

	if (m)
		meter_on(m);
	for (i = 0; i < n && !ret; i++)
		ret = ibv_post_send(p->a, wr, &bad);
	if (m)
		meter_off(m);
	return ret < 0 ? -ret : ret;
}

/* One batch of sends A -> B and everything around it. */
static int send_batch(struct pair *p, enum send_kind kind, struct meter *m)
{
	bool recv = kind != SEND_WRITE;
	struct ibv_send_wr wr;
	struct ibv_sge sge;
	int ret = 0;

	build_send(p, kind, &wr, &sge);
	if (recv)
		ret = post_recvs(p, BATCH);
	if (!ret)
		ret = post_sends(p, &wr, BATCH, m);
	if (!ret)
		ret = drain(p->ca, BATCH);
	if (!ret && recv)
		ret = drain(p->cb, BATCH);
	return ret;
}

static int recv_batch(struct pair *p, struct meter *m)
{
	struct ibv_send_wr wr;
	struct ibv_sge sge;
	int ret;

	build_send(p, SEND_SGE, &wr, &sge);
	meter_on(m);
	ret = post_recvs(p, BATCH);
	meter_off(m);
	if (!ret)
		ret = post_sends(p, &wr, BATCH, NULL);
	if (!ret)
		ret = drain(p->ca, BATCH);
	if (!ret)
		ret = drain(p->cb, BATCH);
	return ret;
}

/*
 * BATCH completions wait in one CQ before the meter starts; they are then
 * taken `batch` at a time. Whether they are all there is known without
 * consuming them, from the order in which the device writes CQEs:
 *  - RC: the responder writes the receive CQE before it sends the ACK,
 *    and the requester writes the send CQE when the ACK arrives; once A's
 *    send CQEs are drained, B's receive CQEs are all there: B is measured.
 *  - UD: the send CQE is written when the packet leaves, before the
 *    receiver sees it; once B's receive CQEs are drained, A's send CQEs
 *    are all there: A is measured.
 * An empty poll under the meter would still spoil the figure, so they are
 * counted and the figure is refused if any happened.
 */
static int poll_batch(struct pair *p, unsigned int batch, struct meter *m,
		      unsigned long *empty)
{
	bool rc = p->type == IBV_QPT_RC;
	struct ibv_cq *measured = rc ? p->cb : p->ca;
	struct ibv_wc wc[16];
	struct ibv_send_wr wr;
	struct ibv_sge sge;
	unsigned int left = BATCH;
	int ret;

	build_send(p, SEND_SGE, &wr, &sge);
	ret = post_recvs(p, BATCH);
	if (!ret)
		ret = post_sends(p, &wr, BATCH, NULL);
	if (!ret)
		ret = drain(rc ? p->ca : p->cb, BATCH);
	if (ret)
		return ret;
	meter_on(m);
	while (left) {
		int got = ibv_poll_cq(measured,
				      (int)(left < batch ? left : batch), wc);

		if (got <= 0) {
			if (got < 0 || ++*empty > 100000000ul)
				break;
			continue;
		}
		left -= (unsigned int)got;
	}
	meter_off(m);
	return left ? EIO : 0;
}

struct figure {
	const char *name;
	enum ibv_qp_type type;
	char what; /* 's' send, 'r' recv, 'p' poll */
	enum send_kind kind;
	unsigned int poll_batch;
};

static const struct figure figures[] = {
	{ "post_send_rc_sge", IBV_QPT_RC, 's', SEND_SGE, 0 },
	{ "post_send_rc_inline64", IBV_QPT_RC, 's', SEND_INLINE, 0 },
	{ "post_send_rc_write", IBV_QPT_RC, 's', SEND_WRITE, 0 },
	{ "post_recv_rc", IBV_QPT_RC, 'r', SEND_SGE, 0 },
	{ "poll_cq_rc_b1", IBV_QPT_RC, 'p', SEND_SGE, 1 },
	{ "poll_cq_rc_b16", IBV_QPT_RC, 'p', SEND_SGE, 16 },
	{ "post_send_ud_sge", IBV_QPT_UD, 's', SEND_SGE, 0 },
	{ "post_send_ud_inline64", IBV_QPT_UD, 's', SEND_INLINE, 0 },
	{ "post_recv_ud", IBV_QPT_UD, 'r', SEND_SGE, 0 },
	{ "poll_cq_ud_b1", IBV_QPT_UD, 'p', SEND_SGE, 1 },
	{ "poll_cq_ud_b16", IBV_QPT_UD, 'p', SEND_SGE, 16 },
};

static int run_batch(const struct figure *f, struct pair *p, struct meter *m,
		     unsigned long *empty)
{
	switch (f->what) {
	case 's':
		return send_batch(p, f->kind, m);
	case 'r':
		return recv_batch(p, m);
	default:
		return poll_batch(p, f->poll_batch, m, empty);
	}
}

static void report(const struct figure *f, const struct bench_opts *o,
		   struct meter *m, unsigned long ops, unsigned long empty)
{
	char desc[128];

	uint64_t count = 0;

	if (empty) {
		/* They would be charged to the completions: no figure. */
		fprintf(stderr, "irdma-bench: %s: %lu empty polls measured\n",
			f->name, empty);
		bench_print_na(f->name, o->label,
			       m->kind == METER_TIME ? "ns_per_op" :
						       "instr_per_op",
			       "empty_polls_measured");
		return;
	}
	if (m->kind == METER_TIME) {
		bench_print(f->name, o->label, "ns_per_op",
			    (double)m->ns / (double)ops);
		return;
	}
	if (m->kind == METER_PERF) {
		if (read(m->perf_fd, &count, sizeof(count)) != sizeof(count))
			bench_print_na(f->name, o->label, "instr_per_op",
				       "perf_read_failed");
		else
			bench_print_note(f->name, o->label, "instr_per_op",
					 (double)count / (double)ops,
					 "source=perf");
		return;
	}
	snprintf(desc, sizeof(desc), "bench=%s ops=%lu", f->name, ops);
#if BENCH_HAVE_CALLGRIND
	CALLGRIND_DUMP_STATS_AT(desc);
#endif
}

static void run_figure(const struct figure *f, const struct bench_opts *o,
		       struct bench_dev *d, int perf_fd)
{
	const char *metric = o->instr || o->perf ? "instr_per_op" : "ns_per_op";
	unsigned long ops = o->instr ? o->instr_ops : o->fast_ops;
	unsigned long batches = (ops + BATCH - 1) / BATCH, i, empty = 0;
	struct meter warm = { .kind = METER_TIME }, m = {
		.kind = o->instr ? METER_CALLGRIND :
			o->perf	 ? METER_PERF :
				   METER_TIME,
		.perf_fd = perf_fd,
	};
	struct pair p;
	int ret;

	ret = pair_create(d, f->type, &p);
	if (ret) {
		bench_print_na(f->name, o->label, metric,
			       bench_errno_word(ret));
		return;
	}
	/* Warm-up: lazy symbol binding, first-touch faults, caches. */
	ret = run_batch(f, &p, &warm, &empty);
	empty = 0;
#if BENCH_HAVE_CALLGRIND
	if (o->instr)
		CALLGRIND_ZERO_STATS;
#endif
	if (o->perf)
		perf_switch(perf_fd, PERF_EVENT_IOC_RESET);
	for (i = 0; i < batches && !ret; i++)
		ret = run_batch(f, &p, &m, &empty);
	pair_destroy(&p);
	if (ret)
		bench_print_na(f->name, o->label, metric,
			       bench_errno_word(ret));
	else
		report(f, o, &m, batches * BATCH, empty);
}

int bench_fastpath(const struct bench_opts *o)
{
	struct bench_dev d;
	int ret, perf_fd = -1;
	size_t i;

	if (o->perf) {
		perf_fd = perf_open();
		if (perf_fd < 0) {
			/* The runner falls back to callgrind on these. */
			for (i = 0; i < sizeof(figures) / sizeof(figures[0]);
			     i++)
				bench_print_na(figures[i].name, o->label,
					       "instr_per_op",
					       "no_perf_counters");
			return 0;
		}
	}
	if (o->instr && !BENCH_HAVE_CALLGRIND) {
		fprintf(stderr,
			"irdma-bench: built without valgrind/callgrind.h\n");
		return EOPNOTSUPP;
	}
	ret = bench_dev_open(&d, true);
	if (ret) {
		fprintf(stderr, "irdma-bench: no device: %s\n",
			bench_errno_word(ret));
		if (perf_fd >= 0)
			close(perf_fd);
		return ret;
	}
	if (d.cc_domain)
		fprintf(stderr,
			"irdma-bench: CoCo device: fast path on a CoCo parent domain, shared data buffer\n");
	for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		run_figure(&figures[i], o, &d, perf_fd);
	bench_dev_close(&d);
	if (perf_fd >= 0)
		close(perf_fd);
	return 0;
}

const char *bench_fast_figure(unsigned int i)
{
	return i < sizeof(figures) / sizeof(figures[0]) ? figures[i].name :
							  NULL;
}
