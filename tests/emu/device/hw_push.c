// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Push mode. With a push page pair (kernel_push.c), the provider writes a
 * WQE into the SQ ring as usual with the header's push bit set, copies the
 * same quanta into the pair's WQE window at (quantum index % 8) * 32 bytes,
 * and instead of the WQE-alloc doorbell writes the pair's push doorbell:
 * the quantum index / 8 in bits 31:20 and the QP id below.
 *
 * The hardware takes a pushed WQE from the window and saves itself the
 * ring fetch. This model keeps executing every WQE from the ring (which
 * must hold it anyway: retransmits and flushes read it there), and checks
 * each push doorbell instead: it must name the QP that holds the pair, and
 * one WQE of the group it names must be in the window exactly as in the
 * ring. A push doorbell also wakes the engine like any doorbell. Counters
 * go to the exit report, so a provider that pushes garbage, or marks WQEs
 * pushed without a page, shows up there.
 */
#include <stdatomic.h>
#include <string.h>

#include "hw.h"
#include "hw_format.h"
#include "hw_priv.h"
#include "kernel/kernel.h"
#include "platform/platform.h"

#define PUSH_WINDOW_QUANTA 8u
#define PUSH_DB_DESC HWF(20, 12)
#define PUSH_DB_QPID HWF(0, 18)

static struct emu_push_stats stats[EMU_MAX_DEVICES];

/* The pair's doorbell: first word of its second page (push_offset 0). */
static _Atomic uint32_t *push_db_word(struct emu_file *f, unsigned int slot)
{
	return (_Atomic uint32_t *)(emu_push_pair(f, slot) + EMU_HW_PAGE_SIZE);
}

static void count(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

/* Do the window's quanta at @slot equal the ring's WQE at @idx? */
static bool window_holds(struct hw_qp *h, const uint8_t *window, uint32_t slot,
			 uint32_t idx)
{
	uint8_t ring[HW_QUANTUM];
	struct hw_wqe w;
	uint32_t k;

	if (hw_read_wqe(h, idx, &w) || !hwf_get(w.hdr, WQE_HDR_PUSH) ||
	    (slot + w.quanta) * HW_QUANTUM > EMU_HW_PAGE_SIZE)
		return false;
	for (k = 0; k < w.quanta; k++) {
		uint64_t va =
			h->qp->sq_va +
			(uint64_t)((idx + k) % h->qp->sq_quanta) * HW_QUANTUM;

		if (emu_dma_read(ring, va, sizeof(ring)) ||
		    memcmp(ring, window + (slot + k) * HW_QUANTUM,
			   sizeof(ring)))
			return false;
	}
	return true;
}

static bool group_pushed(struct hw_qp *h, const uint8_t *window, uint32_t group)
{
	uint32_t s, idx;

	for (s = 0; s < PUSH_WINDOW_QUANTA; s++) {
		idx = group * PUSH_WINDOW_QUANTA + s;
		if (idx >= h->qp->sq_quanta)
			break;
		if (window_holds(h, window, s, idx))
			return true;
	}
	return false;
}

static void push_doorbell(struct emu_file *f, unsigned int slot, uint32_t v)
{
	struct emu_push_stats *s = &stats[f->dev->index];
	uint32_t qpn = (uint32_t)hwf_get(v, PUSH_DB_QPID);
	struct hw_qp *h = hw_find_qp(f->dev->index, qpn);

	if (!h || h->qp->obj.file != f || h->qp->push_slot != (int)slot) {
		hw_trace("push doorbell %#x on pair %u: not its QP", v, slot);
		count(&s->foreign);
		return;
	}
	if (!group_pushed(h, emu_push_pair(f, slot),
			  (uint32_t)hwf_get(v, PUSH_DB_DESC))) {
		hw_trace("qp %u: push doorbell %#x without its WQE", qpn, v);
		count(&s->no_copy);
		return;
	}
	count(&s->doorbells);
}

bool hw_push_poll(struct emu_file *f)
{
	bool rung = false;
	unsigned int w, slot;

	for (w = 0; w < EMU_PUSH_PAIRS / 64; w++) {
		uint64_t used =
			__atomic_load_n(&f->push_used[w], __ATOMIC_ACQUIRE);

		while (used) {
			uint32_t v;

			slot = w * 64 + (unsigned int)__builtin_ctzll(used);
			used &= used - 1;
			v = atomic_exchange(push_db_word(f, slot), 0);
			if (v) {
				push_doorbell(f, slot, v);
				rung = true;
			}
		}
	}
	return rung;
}

void hw_push_forget(struct emu_qp *qp)
{
	if (qp->push_slot >= 0)
		atomic_store(
			push_db_word(qp->obj.file, (unsigned int)qp->push_slot),
			0);
}

void hw_push_note_wqe(struct hw_qp *h, const struct hw_wqe *w)
{
	struct emu_push_stats *s = &stats[h->dev->index];

	if (!hwf_get(w->hdr, WQE_HDR_PUSH))
		return;
	/* a push bit without a window is a provider bug */
	count(h->qp->push_slot >= 0 ? &s->marked : &s->bad_bits);
}

void emu_hw_push_stats(unsigned int devidx, struct emu_push_stats *out)
{
	const struct emu_push_stats *s = &stats[devidx];

	out->doorbells = __atomic_load_n(&s->doorbells, __ATOMIC_RELAXED);
	out->foreign = __atomic_load_n(&s->foreign, __ATOMIC_RELAXED);
	out->no_copy = __atomic_load_n(&s->no_copy, __ATOMIC_RELAXED);
	out->marked = __atomic_load_n(&s->marked, __ATOMIC_RELAXED);
	out->bad_bits = __atomic_load_n(&s->bad_bits, __ATOMIC_RELAXED);
}
