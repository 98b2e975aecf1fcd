// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The hostile device: what an untrusted host can do to the shared rings of
 * a CoCo guest, done on purpose and reproducibly (a seeded generator), so
 * that the provider's defences can be tested under the sanitizers.
 *
 * Kinds of mischief, each counted and reported at exit:
 *  - mangled: a real CQE written with one field forged, or a receive's
 *             turned into what no device writes (a write with immediate
 *             without immediate data or of 4 GiB, immediate data and an
 *             invalidated key at once)
 *  - stale:   an earlier CQE written again, as a replay
 *  - forged:  a CQE made up from random words, or aimed at a real QP with
 *             a random WQE index, or a success for the WQE after the one
 *             the device completed last (ahead of older work requests the
 *             provider may not have been told about yet)
 *  - polarity: a CQE placed in the next slot with the wrong valid bit
 *  - scribble: a random qword written over a CQ arm word (all but the ring
 *              select field) or a QP or SRQ shadow area
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw_hostile.h"
#include "platform/platform.h"

/* One act of mischief per this many ns of engine time, at most. */
#define HOSTILE_PERIOD_NS 200000ull
/* A real CQE is mangled with probability 1/MANGLE_ONE_IN. */
#define MANGLE_ONE_IN 8u

enum hostile_stat {
	ST_MANGLED,
	ST_STALE,
	ST_FORGED,
	ST_POLARITY,
	ST_SCRIBBLE,
	ST_NR,
};

static struct {
	bool on;
	unsigned long seed;
	uint64_t rng;
	uint64_t next_ns;
	bool injecting; /* our own hw_cq_write(): leave it alone */
	bool have_last;
	struct hw_cqe last; /* the latest real CQE, for replays */
	unsigned long stat[ST_NR];
} hostile;

/* Everything runs under the engine lock except this one-time setup. */
__attribute__((constructor)) static void hostile_init(void)
{
	const char *v = getenv(EMU_ENV_HOSTILE);
	char *end;

	if (!v || !*v || !strcmp(v, "0"))
		return;
	hostile.seed = strtoul(v, &end, 10);
	if (*end || !hostile.seed) {
		fprintf(stderr, "irdma-emu: invalid %s=%s (want a seed > 0)\n",
			EMU_ENV_HOSTILE, v);
		return;
	}
	/* splitmix-style scramble so that seeds 1, 2, 3 differ at once */
	hostile.rng =
		hostile.seed * 0x9e3779b97f4a7c15ull ^ 0xd1b54a32d192ed03ull;
	hostile.on = true;
}

unsigned long emu_hw_hostile_injected(void)
{
	unsigned long total = 0;
	int i;

	for (i = 0; i <= ST_POLARITY; i++)
		total += __atomic_load_n(&hostile.stat[i], __ATOMIC_RELAXED);
	return total;
}

__attribute__((destructor)) static void hostile_report(void)
{
	unsigned long total = emu_hw_hostile_injected();

	if (!hostile.on)
		return;
	fprintf(stderr,
		"irdma-emu: hostile (seed %lu, pid %d): %lu CQEs injected "
		"(%lu mangled, %lu stale, %lu forged, %lu wrong polarity), "
		"%lu shadow scribbles\n",
		hostile.seed, (int)getpid(), total, hostile.stat[ST_MANGLED],
		hostile.stat[ST_STALE], hostile.stat[ST_FORGED],
		hostile.stat[ST_POLARITY], hostile.stat[ST_SCRIBBLE]);
}

/* xorshift64*: cheap, and good enough to pick mischief. */
static uint64_t rnd(void)
{
	hostile.rng ^= hostile.rng >> 12;
	hostile.rng ^= hostile.rng << 25;
	hostile.rng ^= hostile.rng >> 27;
	return hostile.rng * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* A length no posted buffer of a test can hold, or plain noise. */
static uint32_t absurd_len(void)
{
	static const uint32_t lens[] = { 0xffffffffu, 0x80000000u, 0x7fffffffu,
					 1u << 20 };

	return rnd_below(2) ? lens[rnd_below(4)] : (uint32_t)rnd();
}

static void mangle(struct hw_cqe *f)
{
	switch (rnd_below(9)) {
	case 0: /* a WQE index the queue never had */
		f->wqe_idx = (uint32_t)rnd() & 0x7fff;
		break;
	case 1: /* a QP handle that is not ours */
		f->ctx = rnd();
		break;
	case 2: /* a QP handle one off a real one */
		f->ctx ^= 1ull << rnd_below(64);
		break;
	case 3:
		f->len = absurd_len();
		break;
	case 4: /* a random error status */
		f->major = (uint16_t)rnd();
		f->minor = (uint16_t)rnd();
		break;
	case 5: /* the other queue, a random opcode */
		f->sq = !f->sq;
		f->op = (uint8_t)(rnd() & 0x3f);
		break;
	case 6: /* claims to come from an SRQ */
		f->srq = !f->srq;
		f->srq_qp_ctx = rnd_below(2) ? rnd() : f->ctx;
		break;
	case 7: /* a write with immediate (gen 3's or the BTH's opcode) */
		f->op = rnd_below(2) ? HW_OP_RDMA_WRITE : IB_BASE_WRITE_ONLY_IMM;
		f->imm_valid = rnd_below(2);
		f->stag_inv = !rnd_below(4);
		f->len = absurd_len();
		break;
	default: /* immediate data and an invalidated key at once */
		f->imm_valid = true;
		f->imm = (uint32_t)rnd();
		f->stag_inv = true;
		f->q2_low = (uint32_t)rnd();
		break;
	}
}

const struct hw_cqe *hw_hostile_cqe(struct hw_cq *c, const struct hw_cqe *e,
				    struct hw_cqe *forged)
{
	if (!hostile.on || hostile.injecting)
		return e;
	hostile.last = *e;
	hostile.have_last = true;
	if (rnd_below(MANGLE_ONE_IN))
		return e;
	*forged = *e;
	mangle(forged);
	hostile.stat[ST_MANGLED]++;
	return forged;
}

static struct hw_cq *pick_cq(struct hw_cq *cqs)
{
	struct hw_cq *c, *pick = NULL;
	uint32_t n = 0;

	/* reservoir sampling: one pass over a list of unknown length */
	for (c = cqs; c; c = c->next)
		if (c->entries && !rnd_below(++n))
			pick = c;
	return pick;
}

static struct hw_qp *pick_qp(struct hw_qp *qps)
{
	struct hw_qp *h, *pick = NULL;
	uint32_t n = 0;

	for (h = qps; h; h = h->next)
		if (!rnd_below(++n))
			pick = h;
	return pick;
}

/* Write a CQE through the engine's own writer (it keeps the ring sane). */
static void inject(struct hw_cq *c, const struct hw_cqe *e,
		   enum hostile_stat kind)
{
	hostile.injecting = true;
	if (!hw_cq_write(c, e))
		hostile.stat[kind]++;
	hostile.injecting = false;
}

/* The QP whose completion context @ctx is, or NULL. */
static struct hw_qp *qp_of_ctx(struct hw_qp *qps, uint64_t ctx)
{
	struct hw_qp *h;

	for (h = qps; h; h = h->next)
		if (h->qp->user_compl_ctx == ctx)
			return h;
	return NULL;
}

static void inject_forged(struct hw_qp *qps, struct hw_cq *c)
{
	struct hw_qp *h = NULL;
	struct hw_cqe f;

	if (hostile.have_last && !hostile.last.srq && !rnd_below(3))
		h = qp_of_ctx(qps, hostile.last.ctx);
	if (h) {
		/* the next WQE of that queue: in flight if the app posted it */
		f = hostile.last;
		f.major = f.minor = 0;
		f.wqe_idx = f.sq ? h->sq_next : h->rq_next << h->rq_shift;
	} else if (hostile.have_last && rnd_below(2)) {
		/* aimed at a real QP: only the WQE index is made up */
		f = hostile.last;
		f.wqe_idx = (uint32_t)rnd() & 0x7fff;
		f.len = rnd_below(2) ? f.len : absurd_len();
	} else {
		memset(&f, 0, sizeof(f));
		f.sq = rnd_below(2);
		f.wqe_idx = (uint32_t)rnd() & 0x7fff;
		f.op = (uint8_t)(rnd() & 0x3f);
		f.ctx = rnd();
		f.qpn = (uint32_t)rnd() & 0xffffff;
		f.len = absurd_len();
		f.srq = rnd_below(4) == 0;
		f.srq_qp_ctx = rnd();
		f.imm_valid = rnd_below(2);
		f.imm = (uint32_t)rnd();
	}
	inject(c, &f, ST_FORGED);
}

/*
 * Random words in the slot the device writes next, with the valid bit of
 * the previous lap: the provider must not take it for a CQE. The next real
 * CQE overwrites it.
 */
static void plant_wrong_polarity(struct hw_cq *c)
{
	bool big = c->cq->cqe_size == 64;
	uint64_t base = c->ring_va + (uint64_t)c->head * (big ? 64 : 32);
	uint64_t q[8];
	int i;

	for (i = 0; i < 8; i++)
		q[i] = rnd();
	q[3] &= ~hwf_put(CQE_Q3_VALID, 1);
	q[3] |= hwf_put(CQE_Q3_VALID, c->polarity ^ 1);
	q[7] &= ~hwf_put(CQE_Q7_VALID, 1);
	q[7] |= hwf_put(CQE_Q7_VALID, c->polarity ^ 1);
	for (i = 0; i < 3; i++)
		emu_dma_write(base + 8 * i, &q[i], sizeof(q[i]));
	if (big)
		for (i = 4; i < 8; i++)
			emu_dma_write(base + 8 * i, &q[i], sizeof(q[i]));
	emu_dma_write(base + 24, &q[3], sizeof(q[3]));
	hostile.stat[ST_POLARITY]++;
}

/*
 * The arm word's SW_CQ_SELECT field tells the device which ring a resized
 * CQ uses; forging it only makes the device think the CQ is full (denial
 * of service again), so the scribble keeps the field and forges the rest.
 */
static int keep_sw_select(struct hw_cq *c, uint64_t *junk)
{
	uint64_t cur, mask = hwf_put(CQ_ARM_SW_SELECT, ~0ull);

	if (emu_dma_read(&cur, c->cq->shadow_va + CQ_SHADOW_ARM_OFF,
			 sizeof(cur)))
		return -1;
	*junk = (*junk & ~mask) | (cur & mask);
	return 0;
}

static void scribble(struct hw_qp *qps, struct hw_cq *cqs)
{
	struct hw_cq *c = pick_cq(cqs);
	struct hw_qp *h = pick_qp(qps);
	uint64_t junk = rnd(), va = 0;

	/*
	 * Not the CQ consumer index: a device that believes the CQ is full
	 * only stops completing (denial of service is out of scope), and it
	 * would end the test's traffic for good.
	 */
	switch (rnd_below(3)) {
	case 0: /* the arm word, which the provider reads back */
		if (c && !keep_sw_select(c, &junk))
			va = c->cq->shadow_va + CQ_SHADOW_ARM_OFF;
		break;
	case 1:
		if (h)
			va = h->qp->shadow_va + 8 * rnd_below(4);
		break;
	default:
		if (h && h->qp->srq)
			va = h->qp->srq->shadow_va;
		break;
	}
	if (va && !emu_dma_write(va, &junk, sizeof(junk)))
		hostile.stat[ST_SCRIBBLE]++;
}

void hw_hostile_tick(struct hw_qp *qps, struct hw_cq *cqs, uint64_t now)
{
	struct hw_cq *c;

	if (!hostile.on || now < hostile.next_ns)
		return;
	hostile.next_ns = now + HOSTILE_PERIOD_NS;
	c = pick_cq(cqs);
	if (!c)
		return;
	switch (rnd_below(4)) {
	case 0:
		if (hostile.have_last)
			inject(c, &hostile.last, ST_STALE);
		break;
	case 1:
		inject_forged(qps, c);
		break;
	case 2:
		plant_wrong_polarity(c);
		break;
	default:
		scribble(qps, cqs);
		break;
	}
}
