// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Push pages. A gen 2 or later irdma QP always reports the push-mode
 * capability, but the driver only hands out a page pair (a WQE window and
 * a push doorbell, one page each, mmap()ed with keys from
 * irdma_modify_qp_resp) when its push mode is on, on the way to RTS, once
 * per QP. The in-tree kernel driver leaves push mode off; irdma-emu-run
 * --push models a driver with it on.
 *
 * The pages are the context's "BAR": the same memfd as its doorbell page
 * (page 0), pair s at pages 1 + 2s (window) and 2 + 2s (doorbell). So push
 * costs the process no file descriptor, every key is a plain offset of
 * that file, and the engine reads what the process wrote through the
 * kernel's own mapping of the whole file. A context has EMU_PUSH_PAIRS;
 * when they are gone a QP simply gets none, as when the driver's page
 * allocation fails.
 */
#include <errno.h>
#include <string.h>

#include <rdma/irdma-abi.h>

#include "kernel_priv.h"
#include "device/hw.h"
#include "platform/platform.h"

static unsigned long pages_given[EMU_MAX_DEVICES];

bool emu_push_enabled(const struct emu_device *dev)
{
	return emu_config()->push && dev->gen >= EMU_GEN_2;
}

size_t emu_bar_size(const struct emu_device *dev)
{
	unsigned int pages = 1;

	if (emu_push_enabled(dev))
		pages += 2 * EMU_PUSH_PAIRS;
	return pages * EMU_HW_PAGE_SIZE;
}

uint8_t *emu_push_pair(const struct emu_file *f, unsigned int slot)
{
	return (uint8_t *)f->db_page +
	       (1 + 2 * (size_t)slot) * EMU_HW_PAGE_SIZE;
}

static int push_slot_alloc(struct emu_file *f)
{
	unsigned int s;

	for (s = 0; s < EMU_PUSH_PAIRS; s++) {
		uint64_t *word = &f->push_used[s / 64], bit = 1ULL << (s % 64);

		if (__atomic_load_n(word, __ATOMIC_RELAXED) & bit)
			continue;
		/* what the previous owner left must not reach the new one */
		memset(emu_push_pair(f, s), 0, 2 * EMU_HW_PAGE_SIZE);
		/* the engine looks at a pair only once its bit is set */
		__atomic_or_fetch(word, bit, __ATOMIC_RELEASE);
		return (int)s;
	}
	return -ENOSPC;
}

void emu_push_offer(struct emu_qp *qp, enum emu_qp_state new_state,
		    struct irdma_modify_qp_resp *r)
{
	struct emu_file *f = qp->obj.file;
	uint64_t window;
	int slot;

	if (!emu_push_enabled(f->dev) || new_state != EMU_QPS_RTS ||
	    qp->push_slot >= 0 || !f->db_page)
		return;
	pthread_mutex_lock(&f->lock);
	slot = push_slot_alloc(f);
	pthread_mutex_unlock(&f->lock);
	if (slot < 0)
		return; /* no page is not an error: doorbells still work */
	qp->push_slot = slot;
	__atomic_add_fetch(&pages_given[f->dev->index], 1, __ATOMIC_RELAXED);
	window = (1 + 2 * (uint64_t)slot) * EMU_HW_PAGE_SIZE;
	r->push_wqe_mmap_key = window;
	r->push_db_mmap_key = window + EMU_HW_PAGE_SIZE;
	r->push_offset = 0;
	r->push_valid = 1;
}

/* After emu_hw_qp_detach(): the engine no longer finds the QP. */
void emu_push_release(struct emu_qp *qp)
{
	struct emu_file *f = qp->obj.file;
	int s = qp->push_slot;

	if (s < 0)
		return;
	pthread_mutex_lock(&f->lock);
	__atomic_and_fetch(&f->push_used[s / 64], ~(1ULL << (s % 64)),
			   __ATOMIC_RELEASE);
	pthread_mutex_unlock(&f->lock);
	qp->push_slot = -1;
}

bool emu_push_key_valid(struct emu_file *f, uint64_t key)
{
	uint64_t page = key / EMU_HW_PAGE_SIZE, slot;
	bool ok;

	if (key % EMU_HW_PAGE_SIZE || page < 1 || !emu_push_enabled(f->dev))
		return false;
	slot = (page - 1) / 2;
	if (slot >= EMU_PUSH_PAIRS)
		return false;
	pthread_mutex_lock(&f->lock);
	ok = f->push_used[slot / 64] & (1ULL << (slot % 64));
	pthread_mutex_unlock(&f->lock);
	return ok;
}

unsigned long emu_push_pages_given(unsigned int devidx)
{
	return __atomic_load_n(&pages_given[devidx], __ATOMIC_RELAXED);
}
