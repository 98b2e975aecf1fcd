// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Push mode (gen 2): the provider writes a WQE into the SQ ring as usual,
 * sets the header's push bit, copies the same quanta into the QP's push
 * WQE window at (quantum index % 8) * 32 bytes and rings the push
 * doorbell with (quantum index / 8) in bits 31:20 and the QP id below.
 *
 * The device model keeps executing from the ring (which must hold the
 * WQE: the ring copy is what retransmits and flushes use), but a WQE that
 * says it was pushed is matched against the window first; only a match
 * counts as pushed, so a provider that sets the bit without the copy, or
 * copies without the bit, shows up in the counters the exit report prints.
 */
#include <stdatomic.h>
#include <string.h>

#include "config.h"
#include "hw.h"
#include "hw_format.h"
#include "hw_priv.h"
#include "platform.h"

#define PUSH_WINDOW_QUANTA 8u
#define PUSH_DB_OFF 4096u /* the doorbell page follows the WQE window */
#define PUSH_DB_DESC HWF(20, 12)
#define PUSH_DB_QPID HWF(0, 18)
/*
 * How long a WQE marked pushed may wait for its window copy: the provider
 * writes the ring first and copies right after, and a provider that found
 * the ring busy rings the normal doorbell for a marked WQE instead.
 */
#define PUSH_COPY_GRACE_NS 20000u

static struct emu_push_stats stats[EMU_MAX_DEVICES];

static _Atomic uint32_t *push_db_word(uint8_t *page)
{
	return (_Atomic uint32_t *)(page + PUSH_DB_OFF);
}

void hw_push_poll(struct hw_qp *h)
{
	uint8_t *page = __atomic_load_n(&h->qp->push_page, __ATOMIC_ACQUIRE);
	struct emu_push_stats *s = &stats[h->dev->index];
	uint32_t v;

	if (!page)
		return;
	v = atomic_exchange(push_db_word(page), 0);
	if (!v)
		return;
	if (hwf_get(v, PUSH_DB_QPID) != h->qp->qpn) {
		hw_trace("qp %u: push doorbell %#x names another QP",
			 h->qp->qpn, v);
		__atomic_add_fetch(&s->bad_doorbells, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&s->doorbells, 1, __ATOMIC_RELAXED);
}

static bool window_matches(struct hw_qp *h, const uint8_t *page,
			   const struct hw_wqe *w)
{
	uint8_t ring[HW_QUANTUM];
	uint32_t k, slot = w->idx % PUSH_WINDOW_QUANTA;

	for (k = 0; k < w->quanta; k++) {
		uint64_t va = h->qp->sq_va +
			      (uint64_t)((w->idx + k) % h->qp->sq_quanta) *
				      HW_QUANTUM;

		if (emu_dma_read(ring, va, sizeof(ring)) ||
		    memcmp(ring, page + (slot + k) * HW_QUANTUM, sizeof(ring)))
			return false;
	}
	return true;
}

enum hw_push_verdict hw_push_check(struct hw_qp *h, const struct hw_wqe *w)
{
	uint8_t *page = __atomic_load_n(&h->qp->push_page, __ATOMIC_ACQUIRE);
	struct emu_push_stats *s = &stats[h->dev->index];
	uint64_t now;

	if (!hwf_get(w->hdr, WQE_HDR_PUSH))
		return HW_PUSH_NONE;
	if (!page) {
		/* no window to take it from: the bit is a provider bug */
		__atomic_add_fetch(&s->bad_bits, 1, __ATOMIC_RELAXED);
		return HW_PUSH_NONE;
	}
	if (window_matches(h, page, w)) {
		h->push_wait_since = 0;
		__atomic_add_fetch(&s->pushed, 1, __ATOMIC_RELAXED);
		return HW_PUSH_TAKEN;
	}
	now = hw_now_ns();
	if (!h->push_wait_since || h->push_wait_idx != w->idx) {
		h->push_wait_since = now;
		h->push_wait_idx = w->idx;
	}
	if (now - h->push_wait_since < PUSH_COPY_GRACE_NS)
		return HW_PUSH_WAIT;
	h->push_wait_since = 0;
	__atomic_add_fetch(&s->from_ring, 1, __ATOMIC_RELAXED);
	return HW_PUSH_NONE;
}

void emu_hw_push_stats(unsigned int devidx, struct emu_push_stats *out)
{
	const struct emu_push_stats *s = &stats[devidx];

	out->doorbells = __atomic_load_n(&s->doorbells, __ATOMIC_RELAXED);
	out->bad_doorbells =
		__atomic_load_n(&s->bad_doorbells, __ATOMIC_RELAXED);
	out->pushed = __atomic_load_n(&s->pushed, __ATOMIC_RELAXED);
	out->from_ring = __atomic_load_n(&s->from_ring, __ATOMIC_RELAXED);
	out->bad_bits = __atomic_load_n(&s->bad_bits, __ATOMIC_RELAXED);
}
