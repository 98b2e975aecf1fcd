// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * coco_scale N: one process creates N RC QPs, each with its own CQ, on one
 * CoCo parent domain while RLIMIT_NOFILE is 1024. Every ring comes from the
 * shared DMA-buf heap, so this only works if rings share DMA-bufs (a design
 * with one DMA-buf per ring runs out of fds after a few hundred). Then it
 * destroys them all and checks that the fds are back where they started.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/device.h"
#include "common/process.h"
#include "common/verbs.h"

#define FD_LIMIT 1024

struct pair {
	struct ibv_cq *cq;
	struct ibv_qp *qp;
};

static int create_pair(struct test_dev *d, struct ibv_pd *ppd, struct pair *p)
{
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 4,
		.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD,
		.parent_domain = ppd,
	};
	struct ibv_qp_init_attr qa;
	struct ibv_cq_ex *cq = ibv_create_cq_ex(d->ctx, &ca);

	if (!cq)
		return -1;
	p->cq = ibv_cq_ex_to_cq(cq);
	qa = test_qp_attr(IBV_QPT_RC, p->cq, p->cq, 1);
	p->qp = ibv_create_qp(ppd, &qa);
	if (!p->qp) {
		int err = errno;

		ibv_destroy_cq(p->cq);
		errno = err;
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	struct ibv_parent_domain_init_attr pa = {
		.comp_mask =
			IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC,
	};
	long n = argc > 1 ? strtol(argv[1], NULL, 0) : 10000;
	struct ibv_pd *ppd;
	struct pair *pairs;
	struct test_dev d;
	int fds0, fds_peak, fds1, rc = 0;
	long made = 0;

	if (n < 1 || n > 1000000) {
		fprintf(stderr, "usage: coco_scale [N]\n");
		return 2;
	}
	/* the soft limit is what a default `ulimit -n` gives an application */
	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		perror("getrlimit");
		return 1;
	}
	rl.rlim_cur = FD_LIMIT;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		perror("setrlimit");
		return 1;
	}
	pairs = calloc((size_t)n, sizeof(*pairs));
	if (!pairs)
		return 1;
	fds0 = test_count_fds();
	if (test_dev_open(&d, 1, 0))
		return 1;
	pa.pd = d.pd;
	ppd = ibv_alloc_parent_domain(d.ctx, &pa);
	if (!ppd) {
		perror("ibv_alloc_parent_domain");
		return 1;
	}
	for (; made < n; made++) {
		if (create_pair(&d, ppd, &pairs[made])) {
			fprintf(stderr, "QP %ld (with its CQ) failed: %s\n",
				made, strerror(errno));
			rc = 1;
			break;
		}
	}
	fds_peak = test_count_fds();
	printf("created %ld of %ld RC QPs with their CQs on a CoCo parent domain; fds in use %d (limit %d)\n",
	       made, n, fds_peak, FD_LIMIT);
	while (made-- > 0) {
		if (ibv_destroy_qp(pairs[made].qp) ||
		    ibv_destroy_cq(pairs[made].cq)) {
			perror("destroy");
			rc = 1;
		}
	}
	ibv_dealloc_pd(ppd);
	test_dev_close(&d);
	free(pairs);
	fds1 = test_count_fds();
	if (fds1 != fds0) {
		printf("FAIL: %d fds before, %d after\n", fds0, fds1);
		rc = 1;
	}
	return rc;
}
