// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * An SRQ completed by one thread while another posts to it, with the
 * provider's poll.c and post_recv.c linked in (no emulator): a poster
 * keeps the SRQ full through irdma_post_srq_recv(), a device thread takes
 * the WQEs in ring order and completes them in random order (as QPs on
 * different CQs do), a poller polls the CQ.
 *
 * dp_srq_race_hook.h is forced into poll.c: every time a poller frees an
 * SRQ slot with its compare-and-swap, the poller is held right there until
 * the poster has had two tries at the SRQ, as if it had been preempted at
 * that instruction. A poster that finds the freed slot at its head fills
 * it at once. The completion must still be the receive that was in the
 * slot: every wr_id completes exactly once.
 */
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <util/udma_barrier.h>

#include "hw_format.h"
#include "queues.h"

#include "common/process.h"
#include "dp_util.h"

#define SRQ_SLOTS 8u
#define CQ_ENTRIES 64u
#define TOTAL 4000u
#define HOLD_MS 2
#define STALL_MS 30000

static struct {
	struct irdma_context ctx;
	struct irdma_srq srq;
	struct irdma_cq cq;
	struct irdma_cq_ring ring;
	__le64 cq_shadow[8], srq_shadow[8];
	struct irdma_qp qp;
	struct irdma_qp *table[2];
	/* poster: calls of irdma_post_srq_recv so far; all posted */
	unsigned long attempts;
	bool posted_all;
	/* poller: completions so far; how often it was held after a free */
	unsigned int polled, holds;
	uint8_t seen[TOTAL + 1];
} T;

static unsigned long attempts(void)
{
	return __atomic_load_n(&T.attempts, __ATOMIC_ACQUIRE);
}

void dp_srq_race_swapped(const void *addr)
{
	const char *a = addr, *slots = (const char *)T.srq.slots;
	uint64_t end = test_now_ms() + HOLD_MS;
	unsigned long before;

	/* only the CAS that frees a slot (not the one moving the tail) */
	if (a < slots || a >= slots + SRQ_SLOTS * sizeof(*T.srq.slots))
		return;
	T.holds++;
	before = attempts();
	while (attempts() < before + 2 && test_now_ms() < end &&
	       !__atomic_load_n(&T.posted_all, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* poll.c logs a rejected CQE on the CQ's context, which names a device */
static struct ibv_device test_device = { .name = "dp_srq_race" };

static void setup(void)
{
	struct irdma_srq *s = &T.srq;
	size_t wqe_bytes;

	T.ctx.hw_rev = IRDMA_GEN_3;
	T.ctx.ibv_ctx.context.device = &test_device;
	s->ctx = &T.ctx;
	s->pos.size = SRQ_SLOTS;
	s->max_sge = 1;
	s->wqe_shift = 1; /* 64-byte WQEs */
	s->polarity = 1;
	wqe_bytes = (size_t)IRDMA_WQE_QUANTUM << s->wqe_shift;
	s->wqes = aligned_alloc(64, SRQ_SLOTS * wqe_bytes);
	s->slots = calloc(SRQ_SLOTS, sizeof(*s->slots));
	CHECK(s->wqes && s->slots, "SRQ memory");
	memset(s->wqes, 0, SRQ_SLOTS * wqe_bytes);
	s->shadow = T.srq_shadow;
	pthread_spin_init(&s->lock, PTHREAD_PROCESS_PRIVATE);

	T.ring.cqes = calloc(CQ_ENTRIES, IRDMA_CQE64_BYTES);
	CHECK(T.ring.cqes, "CQ ring");
	T.ring.entries = CQ_ENTRIES;
	T.ring.polarity = 1;
	T.cq.ctx = &T.ctx;
	T.cq.ring = &T.ring;
	T.cq.shadow = T.cq_shadow;
	T.cq.cqe_stride = IRDMA_CQE64_BYTES;
	T.cq.gen = IRDMA_GEN_3;
	T.cq.qps = T.table;
	T.cq.qps_cap = 2;
	pthread_spin_init(&T.cq.lock, PTHREAD_PROCESS_PRIVATE);

	T.qp.gen = IRDMA_GEN_3;
	T.qp.vqp.qp.qp_num = 17;
	T.qp.vqp.qp.qp_type = IBV_QPT_RC;
	T.qp.srq = s;
	T.qp.recv_cq = &T.cq;
	/* serial 0x42, receive slot 1 of the CQ's table */
	T.qp.token = (0x42ULL << 40) | (1ULL << 20);
	T.table[1] = &T.qp;
}

static void *poster(void *arg)
{
	struct ibv_sge sge = { .addr = 0x10000, .length = 64, .lkey = 1 };
	struct ibv_recv_wr wr = { .sg_list = &sge, .num_sge = 1 }, *bad;
	uint64_t end = test_now_ms() + STALL_MS;
	int ret;

	for (wr.wr_id = 1; wr.wr_id <= TOTAL; wr.wr_id++) {
		do {
			ret = irdma_post_srq_recv(&T.srq.vsrq.srq, &wr, &bad);
			__atomic_add_fetch(&T.attempts, 1, __ATOMIC_RELEASE);
			CHECK(test_now_ms() < end, "SRQ full for good at %llu",
			      (unsigned long long)wr.wr_id);
		} while (ret == ENOMEM);
		CHECK(!ret, "post_srq_recv: %d", ret);
	}
	__atomic_store_n(&T.posted_all, true, __ATOMIC_RELEASE);
	return arg;
}

static void *poller(void *arg)
{
	uint64_t end = test_now_ms() + STALL_MS;
	struct ibv_wc wc[4];
	int got, i;

	while (T.polled < TOTAL) {
		CHECK(test_now_ms() < end, "%u of %u completions", T.polled,
		      TOTAL);
		got = irdma_poll_cq(&T.cq.vcq.cq, 4, wc);
		for (i = 0; i < got; i++) {
			CHECK(wc[i].status == IBV_WC_SUCCESS,
			      "completion %u: %s", T.polled,
			      ibv_wc_status_str(wc[i].status));
			CHECK(wc[i].wr_id >= 1 && wc[i].wr_id <= TOTAL,
			      "wr_id %llu was never posted",
			      (unsigned long long)wc[i].wr_id);
			CHECK(!T.seen[wc[i].wr_id]++,
			      "receive %llu completed twice",
			      (unsigned long long)wc[i].wr_id);
		}
		__atomic_store_n(&T.polled, T.polled + got, __ATOMIC_RELEASE);
		if (!got)
			sched_yield();
	}
	return arg;
}

/* The SRQ completion for slot reference @ref at CQ ring position @pos. */
static void write_cqe(uint32_t pos, uint64_t ref)
{
	uint8_t pol = (pos / CQ_ENTRIES) & 1 ? 0 : 1;
	__le64 *c = (__le64 *)(T.ring.cqes + (size_t)(pos % CQ_ENTRIES) *
						     IRDMA_CQE64_BYTES);

	c[0] = htole64(8);
	c[1] = htole64(ref);
	c[2] = htole64(FIELD_PREP(IRDMA_CQE2_QPID, 17));
	c[5] = htole64(T.qp.token);
	udma_to_device_barrier();
	c[3] = htole64(FIELD_PREP(IRDMA_CQE3_VALID, pol) | FIELD_PREP(IRDMA_CQE3_SRQ, 1) |
		       FIELD_PREP(IRDMA_CQE3_OPCODE, IRDMA_HWOP_RECV));
}

/*
 * The device: takes SRQ WQEs in ring order (by their valid bits) and
 * completes a random one of those it holds, as long as the CQ has room.
 */
static void device(void)
{
	size_t wqe_bytes = (size_t)IRDMA_WQE_QUANTUM << T.srq.wqe_shift;
	uint64_t held[SRQ_SLOTS], end = test_now_ms() + STALL_MS;
	uint32_t next = 0, written = 0, nheld = 0, k;
	uint8_t pol = 1;

	srandom(7);
	while (written < TOTAL) {
		const __le64 *w = (const __le64 *)(T.srq.wqes + next * wqe_bytes);

		CHECK(test_now_ms() < end, "device stalled at %u", written);
		if (nheld < SRQ_SLOTS &&
		    FIELD_GET(IRDMA_WQEH_VALID,
			    le64toh(__atomic_load_n(&w[3], __ATOMIC_ACQUIRE))) ==
			    pol) {
			held[nheld++] = le64toh(w[2]);
			if (++next == SRQ_SLOTS) {
				next = 0;
				pol ^= 1;
			}
			continue;
		}
		if (!nheld || written - __atomic_load_n(&T.polled,
							__ATOMIC_ACQUIRE) >=
				      CQ_ENTRIES - 1) {
			sched_yield();
			continue;
		}
		k = (uint32_t)random() % nheld;
		write_cqe(written++, held[k]);
		held[k] = held[--nheld];
	}
}

int main(void)
{
	pthread_t tp, tc;
	unsigned int n;

	setup();
	CHECK(!pthread_create(&tp, NULL, poster, NULL) &&
		      !pthread_create(&tc, NULL, poller, NULL),
	      "threads");
	device();
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	for (n = 1; n <= TOTAL; n++)
		CHECK(T.seen[n] == 1, "receive %u completed %u times", n,
		      T.seen[n]);
	printf("dp_srq_race: %u SRQ receives, each completed once; the "
	       "poller was held after %u slot releases\n",
	       TOTAL, T.holds);
	free(T.ring.cqes);
	free(T.srq.slots);
	free(T.srq.wqes);
	return 0;
}
