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

/* Serialises starting and stopping the engine thread. */
static pthread_mutex_t life_lock = PTHREAD_MUTEX_INITIALIZER;

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
		if (hw_push_poll(eng.files[i]))
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
	pthread_mutex_init(&life_lock, NULL);
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

/* The engine and its fds only exist while a context is open (file_attach). */
int emu_hw_device_init(struct emu_device *dev)
{
	pthread_once(&fork_once, register_fork_handler);
	pthread_mutex_lock(&life_lock);
	hw_lock();
	eng.ndevs++;
	hw_unlock();
	pthread_mutex_unlock(&life_lock);
	return 0;
}

/*
 * Stop the engine thread and give back the fds it holds (eventfd, fabric
 * socket): nothing of the device may outlive its last context. Called
 * with life_lock held, never by the engine thread.
 */
static void stop_engine(void)
{
	hw_lock();
	if (!eng.running) {
		hw_unlock();
		return;
	}
	eng.stop = true;
	hw_unlock();
	emu_hw_kick();
	pthread_join(eng.thread, NULL);
	hw_lock();
	eng.running = false;
	eng.stop = false;
	if (eng.wake_fd >= 0)
		close(eng.wake_fd);
	eng.wake_fd = -1;
	hw_unlock();
	fabric_shutdown();
}

void emu_hw_device_fini(struct emu_device *dev)
{
	bool last;

	pthread_mutex_lock(&life_lock);
	hw_lock();
	last = eng.ndevs && !--eng.ndevs;
	hw_unlock();
	if (last)
		stop_engine();
	pthread_mutex_unlock(&life_lock);
}

int emu_hw_file_attach(struct emu_file *f)
{
	unsigned int i;
	int ret;

	pthread_mutex_lock(&life_lock);
	ret = fabric_init();
	hw_lock();
	if (!ret)
		ret = ensure_engine();
	if (!ret) {
		ret = -ENOSPC;
		for (i = 0; i < HW_MAX_FILES; i++) {
			if (!eng.files[i]) {
				eng.files[i] = f;
				ret = 0;
				break;
			}
		}
	}
	hw_unlock();
	pthread_mutex_unlock(&life_lock);
	return ret;
}

void emu_hw_file_detach(struct emu_file *f)
{
	unsigned int i, left = 0;

	pthread_mutex_lock(&life_lock);
	hw_lock();
	for (i = 0; i < HW_MAX_FILES; i++) {
		if (eng.files[i] == f)
			eng.files[i] = NULL;
		else if (eng.files[i])
			left++;
	}
	hw_mw_forget_file(f);
	hw_unlock();
	/* the last context is gone: so are the engine and its fds */
	if (!left)
		stop_engine();
	pthread_mutex_unlock(&life_lock);
}

struct hw_qp **hw_qp_list(void)
{
	return &eng.qps;
}

struct hw_cq **hw_cq_list(void)
{
	return &eng.cqs;
}

struct hw_srq **hw_srq_list(void)
{
	return &eng.srqs;
}
