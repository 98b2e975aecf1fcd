// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * PD and MR lifecycles: many PDs, MRs with various access flags, rereg,
 * bad input. Run with IRDMA_EMU_LEAK_CHECK=1 so any kernel object the
 * provider forgets to destroy fails the process.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_util.h"

#define NPDS 32
#define NMRS 8
#define BUF_LEN (64 * 1024)

static void pd_churn(struct ibv_context *ctx)
{
	struct ibv_pd *pds[NPDS];
	int i, j;

	for (i = 0; i < NPDS; i++) {
		pds[i] = ibv_alloc_pd(ctx);
		CHECK(pds[i], "ibv_alloc_pd #%d: %m", i);
		for (j = 0; j < i; j++)
			CHECK(pds[j]->handle != pds[i]->handle,
			      "PD handles %d and %d collide", j, i);
	}
	/* free in an order different from allocation */
	for (i = 0; i < NPDS; i += 2)
		CHECK(ibv_dealloc_pd(pds[i]) == 0, "dealloc pd %d: %m", i);
	for (i = 1; i < NPDS; i += 2)
		CHECK(ibv_dealloc_pd(pds[i]) == 0, "dealloc pd %d: %m", i);
}

static void mr_churn(struct ibv_context *ctx)
{
	static const int access[] = {
		IBV_ACCESS_LOCAL_WRITE,
		IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE,
		IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ,
		0,
	};
	struct ibv_mr *mrs[NMRS];
	struct ibv_pd *pd;
	char *buf;
	int i, j;

	pd = ibv_alloc_pd(ctx);
	CHECK(pd, "ibv_alloc_pd: %m");
	buf = aligned_alloc(4096, BUF_LEN * NMRS);
	CHECK(buf, "out of memory");
	memset(buf, 0x5a, BUF_LEN * NMRS);

	for (i = 0; i < NMRS; i++) {
		mrs[i] = ibv_reg_mr(pd, buf + i * BUF_LEN, BUF_LEN,
				    access[i % 4]);
		CHECK(mrs[i], "ibv_reg_mr #%d: %m", i);
		CHECK(mrs[i]->addr == buf + i * BUF_LEN &&
			      mrs[i]->length == BUF_LEN && mrs[i]->pd == pd,
		      "MR #%d describes the wrong memory", i);
		for (j = 0; j < i; j++)
			CHECK(mrs[j]->lkey != mrs[i]->lkey,
			      "lkeys of MR %d and %d collide", j, i);
	}

	/* rereg: new access flags, then new memory */
	CHECK(ibv_rereg_mr(mrs[0], IBV_REREG_MR_CHANGE_ACCESS, NULL, NULL, 0,
			   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE) ==
		      0,
	      "rereg access: %m");
	CHECK(ibv_rereg_mr(mrs[1], IBV_REREG_MR_CHANGE_TRANSLATION, NULL,
			   buf + 2 * BUF_LEN, BUF_LEN / 2, 0) == 0,
	      "rereg translation: %m");
	CHECK(mrs[1]->addr == buf + 2 * BUF_LEN &&
		      mrs[1]->length == BUF_LEN / 2,
	      "rereg did not move the MR");

	/* remote write without local write is invalid verbs-wide */
	errno = 0;
	CHECK(!ibv_reg_mr(pd, buf, BUF_LEN, IBV_ACCESS_REMOTE_WRITE),
	      "REMOTE_WRITE without LOCAL_WRITE was accepted");
	CHECK(errno == EINVAL, "errno %d, want EINVAL", errno);

	for (i = 0; i < NMRS; i++)
		CHECK(ibv_dereg_mr(mrs[i]) == 0, "dereg #%d: %m", i);
	CHECK(ibv_dealloc_pd(pd) == 0, "dealloc pd: %m");
	free(buf);
}

int main(void)
{
	struct ibv_context *ctx;
	int round;

	/* Several open/close rounds: the context's own objects must go too. */
	unsigned long before, opened;

	for (round = 0; round < 3; round++) {
		before = test_emu_live_objects();
		ctx = test_must_open_first_device();
		opened = test_emu_live_objects();
		/* the ucontext and the provider's internal PD, nothing else */
		CHECK(opened - before == 2,
		      "opening created %lu kernel objects, want 2",
		      opened - before);
		pd_churn(ctx);
		mr_churn(ctx);
		CHECK(test_emu_live_objects() == opened,
		      "PD/MR churn left %lu kernel objects behind",
		      test_emu_live_objects() - opened);
		CHECK(ibv_close_device(ctx) == 0, "ibv_close_device: %m");
		CHECK(test_emu_live_objects() == before,
		      "closing left kernel objects behind");
	}
	printf("ctl_lifecycle: ok\n");
	return 0;
}
