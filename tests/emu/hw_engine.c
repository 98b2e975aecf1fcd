// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The device engine: one thread per process plays the irdma hardware for
 * every emulated device the process opened. It polls what the hardware
 * would be told through MMIO (doorbell page, valid bits of new WQEs), the
 * fabric for incoming packets, and its own timers (RNR retry).
 *
 * It spins while there is work and for a short while after, then naps in
 * short sleeps so that two busy processes on two cores do not starve each
 * other. emu_hw_kick() ends a nap early.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "fabric.h"
#include "hw.h"
#include "hw_hostile.h"
#include "hw_priv.h"
#include "kernel.h"
#include "platform.h"

#define HW_MAX_FILES 64u
#define HW_SPIN_NS 30000ull /* keep polling this long after work */
#define HW_NAP_NS 50000ull /* then sleep this long per round */
#define HW_IDLE_NS 5000000ull /* after this long without work ... */
#define HW_DOZE_NS 500000ull /* ... sleep this long per round */
#define HW_EMPTY_NS 20000000ull /* no QP at all: only packets matter */
/*
 * Dozing, SQs are read only after a doorbell write, or this often anyway
 * (a doorbell is only a hint here: its word may be overwritten).
 */
#define HW_SCAN_NS 10000000ull

static struct {
	pthread_mutex_t lock;
	int wake_fd; /* eventfd: emu_hw_kick() ends a nap */
	pthread_t thread;
	bool running;
	bool stop;
	_Atomic unsigned int waiters; /* hooks queued for the lock */
	unsigned int ndevs;
	struct emu_file *files[HW_MAX_FILES];
	struct hw_qp *qps;
	struct hw_cq *cqs;
	struct hw_srq *srqs;
} eng = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake_fd = -1,
};

void hw_trace(const char *fmt, ...)
{
	static int on = -1;
	va_list ap;

	if (on < 0) {
		const char *v = getenv("IRDMA_EMU_HW_TRACE");

		on = v && *v && *v != '0';
	}
	if (!on)
		return;
	fprintf(stderr, "irdma-emu[%d] ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void hw_lock(void)
{
	atomic_fetch_add(&eng.waiters, 1);
	pthread_mutex_lock(&eng.lock);
	atomic_fetch_sub(&eng.waiters, 1);
}

void hw_unlock(void)
{
	pthread_mutex_unlock(&eng.lock);
}

uint64_t hw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct hw_qp *hw_find_qp(unsigned int devidx, uint32_t qpn)
{
	struct hw_qp *h;

	for (h = eng.qps; h; h = h->next)
		if (h->dev->index == devidx && h->qp->qpn == qpn)
			return h;
	return NULL;
}

struct hw_cq *hw_cq_of(struct emu_cq *cq)
{
	return cq ? cq->hw : NULL;
}

struct hw_srq *hw_srq_of(struct emu_srq *srq)
{
	return srq ? srq->hw : NULL;
}

void hw_qp_to_error(struct hw_qp *h, uint8_t sq_code, uint8_t rq_code,
		    int event)
{
	if (h->state == EMU_QPS_ERR)
		return;
	h->state = EMU_QPS_ERR;
	h->qp->attr.state = EMU_QPS_ERR;
	hw_sq_flush(h, sq_code);
	hw_rq_flush(h, rq_code);
	if (event >= 0)
		emu_kernel_async_event(h->file, h->qp->obj.user_handle,
				       (uint32_t)event);
	/* an SRQ user learns that no more receives will complete on it */
	if (h->qp->srq)
		emu_kernel_async_event(h->file, h->qp->obj.user_handle,
				       HW_EV_QP_LAST_WQE);
}

/* Consume the doorbell words: only a hint to keep spinning. */
static bool poll_doorbells(void)
{
	bool rung = false;
	unsigned int i;

	for (i = 0; i < HW_MAX_FILES; i++) {
		uint8_t *page;

		if (!eng.files[i] || !eng.files[i]->db_page)
			continue;
		page = eng.files[i]->db_page;
		if (atomic_exchange(
			    (_Atomic uint32_t *)(page + DB_WQE_ALLOC_OFF), 0))
			rung = true;
		if (atomic_exchange((_Atomic uint32_t *)(page + DB_CQ_ARM_OFF),
				    0))
			rung = true;
	}
	return rung;
}

static bool poll_fabric(void)
{
	static struct fab_pkt pkt; /* engine thread only */
	bool work = false;
	int n, ret;

	for (n = 0; n < 256; n++) {
		ret = fabric_recv(&pkt);
		if (ret == -EAGAIN)
			break;
		work = true;
		if (ret >= 0)
			hw_rx_packet((unsigned int)ret, &pkt);
	}
	return work;
}

static bool run_queues(uint64_t now)
{
	bool work = false;
	struct hw_qp *h;

	for (h = eng.qps; h; h = h->next) {
		hw_sq_timers(h, now);
		if (hw_sq_run(h))
			work = true;
	}
	return work;
}

/*
 * Sleep a little without the lock. Packets and kicks end the nap at once;
 * new WQEs (the provider only writes memory) are seen at its end.
 */
static void nap(uint64_t ns)
{
	struct timespec ts = { 0, (long)ns };
	struct pollfd fds[2] = {
		{ .fd = eng.wake_fd, .events = POLLIN },
		{ .fd = fabric_fd(), .events = POLLIN },
	};
	uint64_t v;

	pthread_mutex_unlock(&eng.lock);
	if (ppoll(fds, fds[1].fd >= 0 ? 2 : 1, &ts, NULL) > 0 &&
	    (fds[0].revents & POLLIN) && read(eng.wake_fd, &v, sizeof(v)) < 0)
		v = 0;
	pthread_mutex_lock(&eng.lock);
}

/* Let queued hooks take the lock (the mutex is not fair). */
static void let_hooks_in(void)
{
	int spins = 0;

	pthread_mutex_unlock(&eng.lock);
	while (atomic_load(&eng.waiters) && ++spins < 1000)
		if (spins > 100)
			sched_yield();
	pthread_mutex_lock(&eng.lock);
}

/*
 * No sched_yield() while polling: on a loaded machine a yield can cost a
 * whole scheduling round. Sleeping in ppoll() instead gets the CPU back
 * through wake-up preemption as soon as the timer or a packet fires.
 */
static void *engine_main(void *arg)
{
	uint64_t last_work = hw_now_ns(), last_scan = 0;

	/* naps are short on purpose: do not let the timer stretch them */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	pthread_mutex_lock(&eng.lock);
	while (!eng.stop) {
		uint64_t now = hw_now_ns();
		bool dozing = now - last_work > HW_IDLE_NS;
		bool rung, work = false;

		rung = poll_doorbells();
		work |= rung;
		work |= poll_fabric();
		if (!dozing || rung || now - last_scan > HW_SCAN_NS) {
			work |= run_queues(now);
			last_scan = now;
		}
		/* mischief is not work: it must not keep the engine awake */
		hw_hostile_tick(eng.qps, eng.cqs, now);
		work |= fabric_flush();
		if (work)
			last_work = now;
		if (atomic_load(&eng.waiters))
			let_hooks_in();
		else if (!work && now - last_work > HW_SPIN_NS)
			/* the longer idle, the longer the naps (less CPU) */
			nap(!eng.qps ? HW_EMPTY_NS :
			    dozing   ? HW_DOZE_NS :
				       HW_NAP_NS);
	}
	pthread_mutex_unlock(&eng.lock);
	return arg;
}

void emu_hw_kick(void)
{
	uint64_t one = 1;

	if (eng.wake_fd >= 0 && write(eng.wake_fd, &one, sizeof(one)) < 0)
		one = 0; /* a full counter wakes the engine anyway */
}

/* Start the engine thread if this process has none. Engine lock held. */
static int ensure_engine(void)
{
	pthread_attr_t a;
	int ret;

	if (eng.running)
		return 0;
	if (eng.wake_fd < 0)
		eng.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	eng.stop = false;
	pthread_attr_init(&a);
	ret = -pthread_create(&eng.thread, &a, engine_main, NULL);
	pthread_attr_destroy(&a);
	if (!ret)
		eng.running = true;
	return ret;
}

/*
 * fork() copies only the calling thread: the child has no engine, and the
 * parent's QPs/CQs are not the child's to drive. The child forgets them
 * (their memory is the parent's business) and starts its own engine when
 * it opens a device.
 */
static void engine_after_fork(void)
{
	pthread_mutex_init(&eng.lock, NULL);
	atomic_store(&eng.waiters, 0);
	eng.running = false;
	eng.stop = false;
	eng.ndevs = 0; /* the kernel model forgets its devices too */
	eng.qps = NULL;
	eng.cqs = NULL;
	eng.srqs = NULL;
	memset(eng.files, 0, sizeof(eng.files));
	if (eng.wake_fd >= 0)
		close(eng.wake_fd);
	eng.wake_fd = -1;
	fabric_after_fork();
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void register_fork_handler(void)
{
	pthread_atfork(NULL, NULL, engine_after_fork);
}

int emu_hw_device_init(struct emu_device *dev)
{
	int ret = fabric_init();

	if (ret)
		return ret;
	pthread_once(&fork_once, register_fork_handler);
	hw_lock();
	ret = ensure_engine();
	if (!ret)
		eng.ndevs++;
	hw_unlock();
	return ret;
}

void emu_hw_device_fini(struct emu_device *dev)
{
	bool join = false;

	hw_lock();
	if (eng.ndevs && !--eng.ndevs && eng.running) {
		eng.stop = true;
		eng.running = false;
		join = true;
	}
	hw_unlock();
	if (join) {
		emu_hw_kick();
		pthread_join(eng.thread, NULL);
	}
}

int emu_hw_file_attach(struct emu_file *f)
{
	unsigned int i;
	int ret = fabric_init();

	if (ret)
		return ret;
	hw_lock();
	ret = ensure_engine(); /* e.g. in a forked child */
	if (ret) {
		hw_unlock();
		return ret;
	}
	ret = -ENOSPC;
	for (i = 0; i < HW_MAX_FILES; i++) {
		if (!eng.files[i]) {
			eng.files[i] = f;
			ret = 0;
			break;
		}
	}
	hw_unlock();
	return ret;
}

void emu_hw_file_detach(struct emu_file *f)
{
	unsigned int i;

	hw_lock();
	for (i = 0; i < HW_MAX_FILES; i++)
		if (eng.files[i] == f)
			eng.files[i] = NULL;
	hw_mw_forget_file(f);
	hw_unlock();
}

int emu_hw_cq_attach(struct emu_cq *cq)
{
	struct hw_cq *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->cq = cq;
	c->ring_va = cq->ring_va;
	c->entries = cq->ring_entries;
	c->polarity = 1;
	hw_cq_resized(c, true);
	hw_lock();
	c->next = eng.cqs;
	eng.cqs = c;
	cq->hw = c;
	hw_unlock();
	return 0;
}

int emu_hw_cq_resize(struct emu_cq *cq, uint64_t new_ring_va,
		     uint32_t new_entries)
{
	struct hw_cq *c;

	if (!new_entries)
		return -EINVAL;
	hw_lock();
	c = cq->hw;
	if (c) {
		/* the provider restarts its ring at 0 with polarity 1 */
		c->ring_va = new_ring_va;
		c->entries = new_entries;
		c->head = 0;
		c->polarity = 1;
		c->overflowed = false;
		hw_cq_resized(c, false);
	}
	hw_unlock();
	return c ? 0 : -EINVAL;
}

void emu_hw_cq_detach(struct emu_cq *cq)
{
	struct hw_cq **pp;

	hw_lock();
	for (pp = &eng.cqs; *pp; pp = &(*pp)->next) {
		if ((*pp)->cq == cq) {
			struct hw_cq *c = *pp;

			*pp = c->next;
			free(c);
			break;
		}
	}
	cq->hw = NULL;
	hw_unlock();
}

void emu_hw_cq_arm(struct emu_cq *cq)
{
	emu_hw_kick();
}

uint32_t hw_rq_shift(const struct emu_device *dev, uint32_t max_sge)
{
	/* the provider's WQE sizing for receive queues (no inline data) */
	if (dev->gen == EMU_GEN_1)
		return 2;
	if (max_sge <= 1)
		return 0;
	if (max_sge < 4)
		return 1;
	if (max_sge < 8)
		return 2;
	return 3;
}

int emu_hw_qp_attach(struct emu_qp *qp)
{
	struct emu_device *dev = qp->obj.file->dev;
	struct hw_qp *h;

	if (!qp->sq_quanta)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->qp = qp;
	h->dev = dev;
	h->file = qp->obj.file;
	h->state = qp->attr.state;
	/* the first lap of every ring is written with polarity 1 */
	h->sq_pol = 1;
	h->rq_pol = 1;
	if (!qp->srq && qp->rq_quanta) {
		h->rq_shift = hw_rq_shift(dev, qp->max_recv_sge);
		h->rq_nwqe = qp->rq_quanta >> h->rq_shift;
	}
	hw_lock();
	h->next = eng.qps;
	eng.qps = h;
	qp->hw = h;
	hw_unlock();
	hw_trace(
		"qp %u attach: sq %#llx/%u rq %#llx/%u (%u wqes) shadow %#llx%s",
		qp->qpn, (unsigned long long)qp->sq_va, qp->sq_quanta,
		(unsigned long long)qp->rq_va, qp->rq_quanta, h->rq_nwqe,
		(unsigned long long)qp->shadow_va,
		emu_dma_visible(qp->sq_va, (uint64_t)qp->sq_quanta * 32) ?
			"" :
			" (SQ NOT VISIBLE to the device)");
	emu_hw_kick(); /* end a long no-QP nap */
	return 0;
}

static void qp_reset(struct hw_qp *h)
{
	h->sq_next = 0;
	h->sq_pol = 1;
	h->sq_cqe_tail = 0;
	h->rq_next = 0;
	h->rq_pol = 1;
	h->fl_head = 0;
	h->fl_count = 0;
	h->next_msn = 0;
	h->exp_msn = 0;
	h->resend_at = 0;
	h->rnr_tries = 0;
	h->nak_outstanding = false;
	memset(&h->rx, 0, sizeof(h->rx));
}

int emu_hw_qp_modify(struct emu_qp *qp, enum emu_qp_state old_state,
		     enum emu_qp_state new_state)
{
	struct hw_qp *h;

	hw_lock();
	h = qp->hw;
	if (!h) {
		hw_unlock();
		return -EINVAL;
	}
	if (new_state == EMU_QPS_ERR) {
		hw_qp_to_error(h, HW_FLUSH_GENERAL, HW_FLUSH_GENERAL, -1);
	} else {
		if (new_state == EMU_QPS_RESET)
			qp_reset(h);
		if (new_state == EMU_QPS_RTR && old_state != EMU_QPS_RTR) {
			unsigned int gi = qp->attr.ah.sgid_index;

			if (gi < h->dev->ngids)
				memcpy(h->sgid, h->dev->gids[gi], 16);
		}
		h->state = new_state;
	}
	hw_unlock();
	emu_hw_kick();
	return 0;
}

void emu_hw_qp_flush(struct emu_qp *qp, bool sq, bool rq)
{
	struct hw_qp *h;

	hw_lock();
	h = qp->hw;
	if (h && h->state == EMU_QPS_ERR) {
		if (sq)
			hw_sq_flush(h, HW_FLUSH_GENERAL);
		if (rq)
			hw_rq_flush(h, HW_FLUSH_GENERAL);
	}
	hw_unlock();
}

void emu_hw_qp_detach(struct emu_qp *qp)
{
	struct hw_qp **pp;

	hw_lock();
	for (pp = &eng.qps; *pp; pp = &(*pp)->next) {
		if ((*pp)->qp == qp) {
			struct hw_qp *h = *pp;

			*pp = h->next;
			free(h);
			break;
		}
	}
	qp->hw = NULL;
	hw_unlock();
}

int emu_hw_srq_attach(struct emu_srq *srq)
{
	struct emu_device *dev = srq->obj.file->dev;
	struct hw_srq *s;

	if (dev->gen < EMU_GEN_3)
		return -EOPNOTSUPP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->srq = srq;
	s->wqe_shift = hw_rq_shift(dev, srq->max_sge);
	s->nwqe = srq->ring_quanta >> s->wqe_shift;
	s->polarity = 1;
	s->limit = srq->limit;
	if (!s->nwqe) {
		free(s);
		return -EINVAL;
	}
	hw_lock();
	s->next_srq = eng.srqs;
	eng.srqs = s;
	srq->hw = s;
	hw_unlock();
	return 0;
}

int emu_hw_srq_modify(struct emu_srq *srq)
{
	struct hw_srq *s;

	hw_lock();
	s = srq->hw;
	if (s)
		s->limit = srq->limit;
	hw_unlock();
	return s ? 0 : -EINVAL;
}

void emu_hw_srq_detach(struct emu_srq *srq)
{
	struct hw_srq **pp;

	hw_lock();
	for (pp = &eng.srqs; *pp; pp = &(*pp)->next_srq) {
		if ((*pp)->srq == srq) {
			struct hw_srq *s = *pp;

			*pp = s->next_srq;
			free(s);
			break;
		}
	}
	srq->hw = NULL;
	hw_unlock();
}

int emu_hw_qpn_alloc(struct emu_device *dev, uint32_t *qpn)
{
	return fabric_qpn_alloc(dev->index, qpn);
}

void emu_hw_qpn_free(struct emu_device *dev, uint32_t qpn)
{
	fabric_qpn_free(dev->index, qpn);
}
