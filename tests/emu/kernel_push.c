// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Push pages (gen 2 only): irdma's modify_qp to RTS may give a user QP a
 * write-combined WQE window and a push doorbell, each one page the provider
 * mmap()s with a key from irdma_modify_qp_resp. Gen 1 has no push, and the
 * kernel only offers it from gen 2 on; gen 3 is left without it here
 * (irdma on gen 3 hands out no push pages).
 *
 * Both pages live in one memfd (WQE window first) so that the engine reads
 * what the process wrote through its own mappings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rdma/irdma-abi.h>

#include "config.h"
#include "kernel.h"

#define EMU_HW_PAGE_SIZE 4096ULL
#define PUSH_PAGES 2u

static unsigned long pages_given[EMU_MAX_DEVICES];

/*
 * Keys are page-aligned offsets past the doorbell page (key 0), two per
 * QP number, so one file's keys never collide.
 */
static uint64_t push_key_of(uint32_t qpn)
{
	return ((uint64_t)qpn + 1) * PUSH_PAGES * EMU_HW_PAGE_SIZE;
}

static int push_pages_create(struct emu_qp *qp)
{
	int fd = memfd_create("irdma-emu-push", MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, PUSH_PAGES * EMU_HW_PAGE_SIZE)) {
		close(fd);
		return -ENOMEM;
	}
	p = mmap(NULL, PUSH_PAGES * EMU_HW_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -ENOMEM;
	}
	qp->push_fd = fd;
	qp->push_key = push_key_of(qp->qpn);
	/* the engine polls the doorbell once it sees the page */
	__atomic_store_n(&qp->push_page, p, __ATOMIC_RELEASE);
	return 0;
}

void emu_push_offer(struct emu_qp *qp, enum emu_qp_state new_state,
		    struct irdma_modify_qp_resp *r)
{
	struct emu_device *dev = qp->obj.file->dev;

	/* like irdma: only on the way to RTS, and only once per QP */
	if (dev->gen != EMU_GEN_2 || new_state != EMU_QPS_RTS || qp->push_page)
		return;
	if (push_pages_create(qp))
		return; /* no push page is not an error: doorbells still work */
	__atomic_add_fetch(&pages_given[dev->index], 1, __ATOMIC_RELAXED);
	r->push_wqe_mmap_key = qp->push_key;
	r->push_db_mmap_key = qp->push_key + EMU_HW_PAGE_SIZE;
	r->push_offset = 0;
	r->push_valid = 1;
}

void emu_push_release(struct emu_qp *qp)
{
	if (!qp->push_page)
		return;
	munmap(qp->push_page, PUSH_PAGES * EMU_HW_PAGE_SIZE);
	close(qp->push_fd);
	qp->push_page = NULL;
	qp->push_fd = -1;
}

static struct emu_qp *qp_by_push_key(struct emu_file *f, uint64_t key)
{
	struct emu_obj *o;

	for (o = f->objs[EMU_OBJ_QP]; o; o = o->next) {
		struct emu_qp *qp = (struct emu_qp *)o;

		if (qp->push_page && key >= qp->push_key &&
		    key < qp->push_key + PUSH_PAGES * EMU_HW_PAGE_SIZE)
			return qp;
	}
	return NULL;
}

void *emu_push_mmap(struct emu_file *f, void *addr, size_t len, int prot,
		    int flags, uint64_t key, bool *is_push)
{
	struct emu_qp *qp;
	void *p = MAP_FAILED;

	pthread_mutex_lock(&f->lock);
	qp = qp_by_push_key(f, key);
	*is_push = qp != NULL;
	if (!qp)
		goto out;
	/* one page per key, shared (rdma_user_mmap_io needs VM_SHARED) */
	if (len != EMU_HW_PAGE_SIZE || !(flags & MAP_SHARED) ||
	    (key & (EMU_HW_PAGE_SIZE - 1))) {
		errno = EINVAL;
		goto out;
	}
	p = mmap(addr, len, prot, flags, qp->push_fd,
		 (off_t)(key - qp->push_key));
out:
	pthread_mutex_unlock(&f->lock);
	return p;
}

unsigned long emu_push_pages_given(unsigned int devidx)
{
	return __atomic_load_n(&pages_given[devidx], __ATOMIC_RELAXED);
}
