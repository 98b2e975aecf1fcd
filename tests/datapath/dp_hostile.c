// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Traffic under irdma-emu-run --hostile: the emulated device forges,
 * replays and mangles CQEs and scribbles on shadow areas. Whatever it does,
 * the provider must not crash, must never report a wr_id that was not
 * posted, never complete a work request twice, and must mark the CQEs it
 * rejects as IBV_WC_GENERAL_ERR. Missing completions (a swallowed CQE) are
 * tolerated: the run stops when progress stops.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "dp_util.h"

#define ITERS 3000
#define SEND_BASE 1000000ULL
#define RECV_BASE 2000000ULL
#define VENDOR_BAD_CQE 0xbadc0e

static uint8_t done_send[ITERS], done_recv[ITERS];
static int rejected, errors;

static void account(const struct ibv_wc *wc, uint64_t posted_sends,
		    uint64_t posted_recvs)
{
	uint64_t id = wc->wr_id;

	if (wc->status == IBV_WC_GENERAL_ERR &&
	    wc->vendor_err == VENDOR_BAD_CQE) {
		CHECK(id == 0, "a rejected CQE carried wr_id %llu",
		      (unsigned long long)id);
		CHECK(!wc->qp_num, "a rejected CQE named QP %u", wc->qp_num);
		rejected++;
		return;
	}
	if (wc->status != IBV_WC_SUCCESS)
		errors++;
	if (id >= RECV_BASE) {
		CHECK(id - RECV_BASE < posted_recvs,
		      "receive wr_id %llu never posted",
		      (unsigned long long)id);
		CHECK(!done_recv[id - RECV_BASE]++,
		      "receive %llu completed twice", (unsigned long long)id);
	} else {
		CHECK(id >= SEND_BASE && id - SEND_BASE < posted_sends,
		      "send wr_id %llu never posted", (unsigned long long)id);
		CHECK(!done_send[id - SEND_BASE]++, "send %llu completed twice",
		      (unsigned long long)id);
	}
}

int main(int argc, char **argv)
{
	struct test_dev e;
	struct ibv_cq *cq;
	struct ibv_qp *a, *b;
	struct ibv_sge sg;
	uint64_t sends = 0, recvs = 0;
	int idle = 0, completions = 0, loops;

	dp_open(&e, argc, argv);
	cq = ibv_create_cq(e.ctx, 256, NULL, NULL, 0);
	CHECK(cq, "create_cq");
	a = dp_create_qp(&e, cq, IBV_QPT_RC, 64, 1, 0, 0);
	b = dp_create_qp(&e, cq, IBV_QPT_RC, 64, 1, 0, 0);
	dp_connect_rc(&e, a, b);
	sg = (struct ibv_sge){ (uintptr_t)e.buf, 32, e.mr->lkey };

	/* forged CQEs keep coming: bound the run by iterations as well */
	for (loops = 0; sends < ITERS && idle < 200 && loops < 20000; loops++) {
		struct ibv_recv_wr rwr = { .wr_id = RECV_BASE + recvs,
					   .sg_list = &sg,
					   .num_sge = 1 },
				   *rbad;
		struct ibv_send_wr swr = { .wr_id = SEND_BASE + sends,
					   .sg_list = &sg,
					   .num_sge = 1,
					   .opcode = IBV_WR_SEND,
					   .send_flags = IBV_SEND_SIGNALED },
				   *sbad;
		struct ibv_wc wc[8];
		struct timespec ts = { 0, 1000000 };
		int n, i;

		if (!ibv_post_recv(b, &rwr, &rbad))
			recvs++;
		if (!ibv_post_send(a, &swr, &sbad))
			sends++;
		n = ibv_poll_cq(cq, 8, wc);
		CHECK(n >= 0, "poll_cq %d", n);
		for (i = 0; i < n; i++)
			account(&wc[i], sends, recvs);
		completions += n;
		if (n) {
			idle = 0;
		} else {
			idle++;
			nanosleep(&ts, NULL);
		}
	}
	/* drain what is left, within bounds */
	for (idle = 0, loops = 0; idle < 300 && loops < 3000; idle++, loops++) {
		struct ibv_wc wc[8];
		struct timespec ts = { 0, 1000000 };
		int n = ibv_poll_cq(cq, 8, wc), i;

		CHECK(n >= 0, "poll_cq %d", n);
		for (i = 0; i < n; i++)
			account(&wc[i], sends, recvs);
		completions += n;
		if (n)
			idle = 0;
		nanosleep(&ts, NULL);
	}
	printf("dp_hostile: %llu sends, %d completions, %d rejected CQEs, %d error completions\n",
	       (unsigned long long)sends, completions, rejected, errors);
	CHECK(completions > 0, "no traffic at all");
	CHECK(!ibv_destroy_qp(a) && !ibv_destroy_qp(b), "destroy qps");
	CHECK(!ibv_destroy_cq(cq), "destroy cq");
	dp_close(&e);
	return 0;
}
