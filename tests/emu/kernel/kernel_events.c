// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Event channels: completion channels and the context's async event fd.
 *
 * libibverbs read()s fixed-size records (ib_uverbs_comp_event_desc,
 * ib_uverbs_async_event_desc) from these fds. We use a SOCK_STREAM socket
 * pair rather than a pipe: sending with MSG_NOSIGNAL cannot raise SIGPIPE
 * in the process once it closed its end, and MSG_DONTWAIT lets the kernel
 * side peek at the reader's queue without touching the flags of the
 * process's file description.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>

#include "kernel_priv.h"

/* Orders posts against purges so a purge never splits a record. */
static pthread_mutex_t evq_lock = PTHREAD_MUTEX_INITIALIZER;

int emu_evq_create(int *rfd, int *wfd)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	/* the process only reads; we only write */
	shutdown(sv[0], SHUT_WR);
	shutdown(sv[1], SHUT_RD);
	*rfd = sv[0];
	*wfd = sv[1];
	return 0;
}

static bool send_all(int wfd, const void *rec, size_t len)
{
	ssize_t n = send(wfd, rec, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	return n == (ssize_t)len;
}

bool emu_evq_post(int wfd, const void *rec, size_t len)
{
	bool ok;

	if (wfd < 0)
		return false;
	pthread_mutex_lock(&evq_lock);
	ok = send_all(wfd, rec, len);
	pthread_mutex_unlock(&evq_lock);
	return ok;
}

unsigned int emu_evq_purge(int rfd, int wfd, size_t reclen, uint64_t key)
{
	uint8_t rec[64];
	uint8_t *keep = NULL;
	size_t nkeep = 0, cap = 0;
	unsigned int removed = 0;
	uint64_t k;

	if (rfd < 0 || wfd < 0 || reclen > sizeof(rec) || reclen < sizeof(k))
		return 0;
	pthread_mutex_lock(&evq_lock);
	for (;;) {
		ssize_t n = recv(rfd, rec, reclen, MSG_DONTWAIT | MSG_WAITALL);

		if (n != (ssize_t)reclen)
			break;
		memcpy(&k, rec, sizeof(k));
		if (k == key) {
			removed++;
			continue;
		}
		if (nkeep + reclen > cap) {
			size_t ncap = cap ? cap * 2 : 16 * reclen;
			uint8_t *p = realloc(keep, ncap);

			if (!p) {
				/* out of memory: put it back and stop */
				send_all(wfd, rec, reclen);
				break;
			}
			keep = p;
			cap = ncap;
		}
		memcpy(keep + nkeep, rec, reclen);
		nkeep += reclen;
	}
	for (size_t off = 0; off < nkeep; off += reclen)
		send_all(wfd, keep + off, reclen);
	pthread_mutex_unlock(&evq_lock);
	free(keep);
	return removed;
}

/* ---- events raised by the engine -------------------------------------- */

void emu_kernel_comp_event(struct emu_cq *cq)
{
	struct ib_uverbs_comp_event_desc desc = {
		.cq_handle = cq->obj.user_handle,
	};
	struct emu_comp_channel *ch = cq->channel;

	if (!ch)
		return;
	if (emu_evq_post(ch->wfd, &desc, sizeof(desc)))
		__atomic_add_fetch(&cq->comp_events_reported, 1,
				   __ATOMIC_RELAXED);
}

static enum emu_obj_type event_object_type(uint32_t event_type)
{
	switch (event_type) {
	case IBV_EVENT_CQ_ERR:
		return EMU_OBJ_CQ;
	case IBV_EVENT_QP_FATAL:
	case IBV_EVENT_QP_REQ_ERR:
	case IBV_EVENT_QP_ACCESS_ERR:
	case IBV_EVENT_COMM_EST:
	case IBV_EVENT_SQ_DRAINED:
	case IBV_EVENT_PATH_MIG:
	case IBV_EVENT_PATH_MIG_ERR:
	case IBV_EVENT_QP_LAST_WQE_REACHED:
		return EMU_OBJ_QP;
	case IBV_EVENT_SRQ_ERR:
	case IBV_EVENT_SRQ_LIMIT_REACHED:
		return EMU_OBJ_SRQ;
	default:
		return EMU_OBJ_TYPE_COUNT; /* port/device: not counted */
	}
}

static void count_object_event(struct emu_file *f, enum emu_obj_type type,
			       uint64_t element)
{
	struct emu_obj *obj;

	pthread_mutex_lock(&f->lock);
	for (obj = f->objs[type]; obj; obj = obj->next) {
		if (obj->user_handle != element)
			continue;
		if (type == EMU_OBJ_QP)
			((struct emu_qp *)obj)->events_reported++;
		else if (type == EMU_OBJ_CQ)
			((struct emu_cq *)obj)->async_events_reported++;
		else
			((struct emu_srq *)obj)->events_reported++;
		break;
	}
	pthread_mutex_unlock(&f->lock);
}

void emu_kernel_async_event(struct emu_file *f, uint64_t element,
			    uint32_t event_type)
{
	struct ib_uverbs_async_event_desc desc = {
		.element = element,
		.event_type = event_type,
	};
	enum emu_obj_type type = event_object_type(event_type);

	if (!f || !emu_evq_post(f->async_wfd, &desc, sizeof(desc)))
		return;
	if (type != EMU_OBJ_TYPE_COUNT)
		count_object_event(f, type, element);
}

uint32_t emu_async_settle(struct emu_file *f, uint64_t user_handle,
			  uint32_t reported)
{
	unsigned int unread;

	unread = emu_evq_purge(f->async_rfd, f->async_wfd,
			       sizeof(struct ib_uverbs_async_event_desc),
			       user_handle);
	return unread > reported ? 0 : reported - unread;
}
