// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Scale figure: how many RC QPs, each with a send and a receive CQ, one
 * process creates on a CoCo parent domain under RLIMIT_NOFILE = 1024, and
 * how much shared memory they take compared with the ring bytes the
 * provider registered for them.
 *
 * Ring bytes are the lengths of the REG_MR commands the creates sent
 * (syscount.c sees them on their way to the device): that is what the
 * device was told the rings need. Shared bytes are the DMA-bufs the
 * process holds, read from /proc/self/maps (each DMA-buf counted once, at
 * its largest mapping), before and after.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "common/process.h"

#define SCALE_NOFILE 1024
#define SCALE_DEPTH 16u
#define SCALE_CQE 16
/* The emulated heap's buffers show up under this memfd name. */
#define SCALE_DMABUF_TAG "irdma-emu-dmabuf"
#define SCALE_MAX_BUFS 65536

struct scale_obj {
	struct ibv_cq *scq, *rcq;
	struct ibv_qp *qp;
};

struct dmabuf_seen {
	unsigned long ino;
	uint64_t bytes;
};

/* Shared bytes held: each DMA-buf inode once, at its largest mapping. */
static uint64_t shared_bytes(void)
{
	static struct dmabuf_seen seen[SCALE_MAX_BUFS];
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned int nseen = 0, i;
	uint64_t total = 0;
	char line[512];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, ino;

		if (!strstr(line, SCALE_DMABUF_TAG) ||
		    sscanf(line, "%llx-%llx %*s %*s %*s %llu", &start, &end,
			   &ino) != 3)
			continue;
		for (i = 0; i < nseen && seen[i].ino != ino; i++)
			;
		if (i == nseen) {
			if (nseen == SCALE_MAX_BUFS)
				continue;
			seen[nseen].ino = ino;
			seen[nseen++].bytes = 0;
		}
		if (end - start > seen[i].bytes)
			seen[i].bytes = end - start;
	}
	fclose(f);
	for (i = 0; i < nseen; i++)
		total += seen[i].bytes;
	return total;
}

static int limit_fds(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return errno;
	rl.rlim_cur = SCALE_NOFILE;
	if (rl.rlim_max > SCALE_NOFILE)
		rl.rlim_max = SCALE_NOFILE;
	if (rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) ? errno : 0;
}

static int create_one(struct bench_dev *d, struct ibv_pd *domain,
		      struct scale_obj *s)
{
	s->scq = bench_create_cq(d, domain, SCALE_CQE);
	s->rcq = s->scq ? bench_create_cq(d, domain, SCALE_CQE) : NULL;
	s->qp = s->rcq ? bench_create_qp(d, domain, IBV_QPT_RC, s->scq, s->rcq,
					 SCALE_DEPTH, 0) :
			 NULL;
	if (s->qp)
		return 0;
	if (s->rcq)
		ibv_destroy_cq(s->rcq);
	if (s->scq)
		ibv_destroy_cq(s->scq);
	return errno ? errno : ENOMEM;
}

static void report(const struct bench_opts *o, unsigned long n, int stop,
		   uint64_t shared, const struct bench_syscount *sc,
		   unsigned int fds)
{
	const char *b = "scale_rc_qp_cc";

	printf("bench=%s provider=%s metric=qps value=%lu stop=%s\n", b,
	       o->label, n, stop ? bench_errno_word(stop) : "max_reached");
	fflush(stdout);
	bench_print(b, o->label, "fds_open", fds);
	if (!n)
		return;
	bench_print(b, o->label, "shared_bytes_per_qp",
		    (double)shared / (double)n);
	if (sc->reg_mr_bytes) {
		uint64_t paged = sc->reg_mr_pages * 4096;

		bench_print(b, o->label, "ring_bytes_per_qp",
			    (double)sc->reg_mr_bytes / (double)n);
		bench_print(b, o->label, "ring_page_bytes_per_qp",
			    (double)paged / (double)n);
		bench_print(b, o->label, "shared_over_ring",
			    (double)shared / (double)sc->reg_mr_bytes);
		bench_print(b, o->label, "shared_over_ring_pages",
			    (double)shared / (double)paged);
	} else {
		bench_print_na(b, o->label, "ring_bytes_per_qp",
			       "no_reg_mr_seen");
	}
}

int bench_scale(const struct bench_opts *o)
{
	struct scale_obj *objs = calloc(o->scale_max, sizeof(*objs));
	struct bench_syscount sc, sum = { 0 };
	uint64_t base_shared;
	struct ibv_pd *domain = NULL;
	unsigned long n = 0, i;
	struct bench_dev d;
	int ret, stop = 0;

	if (!objs)
		return ENOMEM;
	ret = limit_fds();
	if (!ret)
		ret = bench_dev_open(&d, false);
	if (ret) {
		free(objs);
		bench_print_na("scale_rc_qp_cc", o->label, "qps",
			       bench_errno_word(ret));
		return ret;
	}
	if (!d.cc_bounce) {
		bench_print_na("scale_rc_qp_cc", o->label, "qps",
			       "not_a_coco_device");
		goto out;
	}
	domain = bench_parent_domain(&d, true);
	if (!domain) {
		bench_print_na("scale_rc_qp_cc", o->label, "qps",
			       bench_errno_word(errno));
		goto out;
	}
	base_shared = shared_bytes();
	for (n = 0; n < o->scale_max; n++) {
		bench_syscount_start();
		stop = create_one(&d, domain, &objs[n]);
		bench_syscount_stop(&sc);
		sum.reg_mr_bytes += sc.reg_mr_bytes;
		sum.reg_mr_pages += sc.reg_mr_pages;
		if (stop)
			break;
	}
	if (stop)
		fprintf(stderr, "irdma-bench: scale: QP %lu failed: %s\n", n,
			bench_errno_word(stop));
	report(o, n, stop, shared_bytes() - base_shared, &sum,
	       (unsigned int)test_count_fds());
	for (i = 0; i < n; i++) {
		ibv_destroy_qp(objs[i].qp);
		ibv_destroy_cq(objs[i].rcq);
		ibv_destroy_cq(objs[i].scq);
	}
	ibv_dealloc_pd(domain);
out:
	bench_dev_close(&d);
	free(objs);
	return 0;
}
