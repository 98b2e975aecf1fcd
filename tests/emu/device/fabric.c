// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulated wire: packet routing by GID + QPN, the cross-process QPN
 * registry, and the per-process datagram socket. See fabric.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fabric.h"
#include "platform/platform.h"

#define FAB_MAX_DEVICES 16u

/* Shared (or, without a fabric name, private) QPN ownership table. */
struct fab_registry {
	_Atomic uint32_t next;
	uint32_t pad;
	_Atomic int32_t owner[FAB_MAX_QPN]; /* pid, 0 = free */
};

/* A packet waiting in a queue (in-process delivery or blocked sends). */
struct fab_qent {
	struct fab_qent *next;
	pid_t dest; /* tx queue: destination process */
	size_t len;
	struct fab_pkt pkt; /* only h + len bytes of data allocated */
};

struct fab_queue {
	struct fab_qent *head, *tail;
};

static struct {
	pthread_mutex_t lock;
	bool up;
	bool named;
	int sock;
	pid_t pid;
	struct fab_registry *reg[FAB_MAX_DEVICES];
	struct fab_queue local; /* packets to this very process */
	struct fab_queue tx; /* packets the peer could not take yet */
} fab = { .lock = PTHREAD_MUTEX_INITIALIZER, .sock = -1 };

/* IRDMA_EMU_HW_TRACE=1: one stderr line per packet, for debugging. */
static bool tracing(void)
{
	static int on = -1;

	if (on < 0) {
		const char *v = getenv("IRDMA_EMU_HW_TRACE");

		on = v && *v && *v != '0';
	}
	return on;
}

static void trace(const char *what, const struct fab_pkt *p, int ret)
{
	if (!tracing())
		return;
	fprintf(stderr,
		"irdma-emu[%d] %s op %u flags %#x qpn %u->%u msn %u len %u off %llu ret %d\n",
		(int)getpid(), what, p->h.op, p->h.flags, p->h.src_qpn,
		p->h.dst_qpn, p->h.msn, p->h.len,
		(unsigned long long)p->h.offset, ret);
}

static void queue_push(struct fab_queue *q, struct fab_qent *e)
{
	e->next = NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
}

static struct fab_qent *queue_pop(struct fab_queue *q)
{
	struct fab_qent *e = q->head;

	if (e) {
		q->head = e->next;
		if (!q->head)
			q->tail = NULL;
	}
	return e;
}

/* Socket name of process @pid on this fabric (abstract namespace). */
static socklen_t fab_addr(pid_t pid, struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
		     "irdma-emu.%s.%d", emu_config()->fabric, (int)pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* Keep only characters that are safe in a file name. */
static void sanitize(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < cap; i++) {
		char c = src[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			  c == '.';

		dst[i] = ok ? c : '_';
	}
	dst[i] = 0;
}

static struct fab_registry *registry_map(unsigned int devidx)
{
	char name[64], path[160];
	struct fab_registry *r;
	int fd;

	if (devidx >= FAB_MAX_DEVICES)
		return NULL;
	if (fab.reg[devidx])
		return fab.reg[devidx];
	if (!fab.named) {
		r = calloc(1, sizeof(*r));
		fab.reg[devidx] = r;
		return r;
	}
	sanitize(name, sizeof(name), emu_config()->fabric);
	snprintf(path, sizeof(path), "/dev/shm/irdma-emu.%s.dev%u", name,
		 devidx);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, sizeof(*r))) {
		close(fd);
		return NULL;
	}
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (r == MAP_FAILED)
		return NULL;
	fab.reg[devidx] = r;
	return r;
}

int fabric_init(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int s, ret = 0;

	pthread_mutex_lock(&fab.lock);
	if (fab.up)
		goto out;
	fab.pid = getpid();
	fab.named = emu_config()->fabric[0] != 0;
	if (fab.named) {
		s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0);
		if (s < 0) {
			ret = -errno;
			goto out;
		}
		len = fab_addr(fab.pid, &sa);
		if (bind(s, (struct sockaddr *)&sa, len)) {
			ret = -errno;
			close(s);
			goto out;
		}
		fab.sock = s;
	}
	fab.up = true;
out:
	pthread_mutex_unlock(&fab.lock);
	return ret;
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

int fabric_qpn_alloc(unsigned int devidx, uint32_t *qpn)
{
	struct fab_registry *r;
	uint32_t tries;
	int ret = fabric_init();

	if (ret)
		return ret;
	pthread_mutex_lock(&fab.lock);
	r = registry_map(devidx);
	pthread_mutex_unlock(&fab.lock);
	if (!r)
		return -ENOMEM;
	for (tries = 0; tries < FAB_MAX_QPN; tries++) {
		uint32_t n = atomic_fetch_add(&r->next, 1);
		uint32_t q = 2 + n % (FAB_MAX_QPN - 2);
		int32_t cur = 0;

		if (atomic_compare_exchange_strong(&r->owner[q], &cur,
						   fab.pid)) {
			*qpn = q;
			return 0;
		}
		/* a QPN whose owner died is free again */
		if (!pid_alive(cur) && atomic_compare_exchange_strong(
					       &r->owner[q], &cur, fab.pid)) {
			*qpn = q;
			return 0;
		}
	}
	return -ENOSPC;
}

void fabric_qpn_free(unsigned int devidx, uint32_t qpn)
{
	struct fab_registry *r;
	int32_t me = fab.pid;

	if (devidx >= FAB_MAX_DEVICES || qpn >= FAB_MAX_QPN)
		return;
	r = fab.reg[devidx];
	if (r)
		atomic_compare_exchange_strong(&r->owner[qpn], &me, 0);
}

static struct fab_qent *qent_new(const struct fab_pkt *pkt, pid_t dest)
{
	size_t len = sizeof(pkt->h) + pkt->h.len;
	struct fab_qent *e = malloc(offsetof(struct fab_qent, pkt) + len);

	if (!e)
		return NULL;
	e->dest = dest;
	e->len = len;
	memcpy(&e->pkt, pkt, len);
	return e;
}

/* Try to hand one datagram to process @dest; -EAGAIN if its queue is full */
static int sock_send(pid_t dest, const void *buf, size_t len)
{
	struct sockaddr_un sa;
	socklen_t alen = fab_addr(dest, &sa);

	if (sendto(fab.sock, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa,
		   alen) == (ssize_t)len)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		return -EAGAIN;
	return -EHOSTUNREACH;
}

static void queue_drop(struct fab_queue *q)
{
	struct fab_qent *e;

	while ((e = queue_pop(q)))
		free(e);
}

void fabric_shutdown(void)
{
	pthread_mutex_lock(&fab.lock);
	if (fab.sock >= 0)
		close(fab.sock);
	fab.sock = -1;
	fab.up = false;
	queue_drop(&fab.local);
	queue_drop(&fab.tx);
	pthread_mutex_unlock(&fab.lock);
}

void fabric_after_fork(void)
{
	/* the parent's socket and queued packets stay the parent's */
	pthread_mutex_init(&fab.lock, NULL);
	if (fab.sock >= 0)
		close(fab.sock);
	fab.sock = -1;
	fab.up = false;
	fab.local.head = fab.local.tail = NULL;
	fab.tx.head = fab.tx.tail = NULL;
}

static pid_t route(const struct fab_pkt *pkt)
{
	int devidx = emu_dev_find_gid(pkt->h.dgid);
	struct fab_registry *r;

	if (devidx < 0 || pkt->h.dst_qpn >= FAB_MAX_QPN)
		return 0;
	r = registry_map((unsigned int)devidx);
	if (!r)
		return 0;
	return atomic_load(&r->owner[pkt->h.dst_qpn]);
}

int fabric_send(const struct fab_pkt *pkt)
{
	struct fab_qent *e;
	pid_t dest;
	int ret = 0;

	if (pkt->h.len > FAB_MAX_PAYLOAD)
		return -EMSGSIZE;
	pthread_mutex_lock(&fab.lock);
	dest = route(pkt);
	if (!dest) {
		ret = -EHOSTUNREACH;
		goto out;
	}
	if (dest == fab.pid) {
		e = qent_new(pkt, dest);
		if (e)
			queue_push(&fab.local, e);
		else
			ret = -ENOMEM;
		goto out;
	}
	/* keep order: nothing overtakes what is already queued */
	if (!fab.tx.head) {
		ret = sock_send(dest, pkt, sizeof(pkt->h) + pkt->h.len);
		if (ret != -EAGAIN)
			goto out;
	}
	ret = 0;
	e = qent_new(pkt, dest);
	if (e)
		queue_push(&fab.tx, e);
	else
		ret = -ENOMEM;
out:
	pthread_mutex_unlock(&fab.lock);
	trace("tx", pkt, dest ? (int)dest : ret);
	return ret;
}

bool fabric_flush(void)
{
	struct fab_qent *e;
	bool more;

	pthread_mutex_lock(&fab.lock);
	while ((e = fab.tx.head)) {
		int ret = sock_send(e->dest, &e->pkt, e->len);

		if (ret == -EAGAIN)
			break;
		queue_pop(&fab.tx);
		free(e);
	}
	more = fab.tx.head != NULL;
	pthread_mutex_unlock(&fab.lock);
	return more;
}

static int pkt_device(const struct fab_pkt *pkt)
{
	int devidx = emu_dev_find_gid(pkt->h.dgid);

	return devidx < 0 ? -ENODEV : devidx;
}

int fabric_recv(struct fab_pkt *pkt)
{
	struct fab_qent *e;
	ssize_t n;

	pthread_mutex_lock(&fab.lock);
	e = queue_pop(&fab.local);
	pthread_mutex_unlock(&fab.lock);
	if (e) {
		memcpy(pkt, &e->pkt, e->len);
		free(e);
		trace("rx-local", pkt, 0);
		return pkt_device(pkt);
	}
	if (fab.sock < 0)
		return -EAGAIN;
	for (;;) {
		n = recv(fab.sock, pkt, sizeof(*pkt), MSG_DONTWAIT);
		if (n < 0)
			return -EAGAIN;
		/* anything malformed is line noise: drop it */
		if ((size_t)n < sizeof(pkt->h) || pkt->h.magic != FAB_MAGIC ||
		    pkt->h.len > FAB_MAX_PAYLOAD ||
		    (size_t)n != sizeof(pkt->h) + pkt->h.len)
			continue;
		trace("rx", pkt, 0);
		return pkt_device(pkt);
	}
}

int fabric_fd(void)
{
	return fab.sock;
}
