// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Control path figures: CQ, QP and MR create+destroy per second and the
 * system calls one create and one destroy make, on a plain PD and on a
 * CoCo parent domain (rings from the shared DMA-buf heap).
 *
 * Rates come from a timed loop without counting; the system calls from a
 * separate, shorter counted loop (syscount.c), both after a warm-up so
 * that the heap's first slab and libibverbs' lazy setup are not charged to
 * the steady state the figures describe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define CTL_DEPTH 64u
#define CTL_CQE 128
#define CTL_MR_BYTES (64u * 1024)
#define CTL_WARMUP 8ul
#define CTL_COUNTED 64ul

enum ctl_obj { CTL_CQ, CTL_QP, CTL_MR };

struct ctl {
	struct bench_dev *d;
	struct ibv_pd *domain; /* NULL: the plain PD */
	struct ibv_cq *scq, *rcq; /* for QPs */
	void *obj; /* the object of the current iteration */
};

static int ctl_create(struct ctl *c, enum ctl_obj what)
{
	struct ibv_pd *pd = c->domain ? c->domain : c->d->dev.pd;

	switch (what) {
	case CTL_CQ:
		c->obj = bench_create_cq(c->d, c->domain, CTL_CQE);
		break;
	case CTL_QP:
		c->obj = bench_create_qp(c->d, c->domain, IBV_QPT_RC, c->scq,
					 c->rcq, CTL_DEPTH, 0);
		break;
	case CTL_MR:
		c->obj = ibv_reg_mr(pd, c->d->buf, CTL_MR_BYTES,
				    IBV_ACCESS_LOCAL_WRITE);
		break;
	}
	return c->obj ? 0 : (errno ? errno : ENOMEM);
}

static int ctl_destroy(struct ctl *c, enum ctl_obj what)
{
	int ret = 0;

	switch (what) {
	case CTL_CQ:
		ret = ibv_destroy_cq(c->obj);
		break;
	case CTL_QP:
		ret = ibv_destroy_qp(c->obj);
		break;
	case CTL_MR:
		ret = ibv_dereg_mr(c->obj);
		break;
	}
	c->obj = NULL;
	return ret < 0 ? -ret : ret;
}

static int ctl_loop(struct ctl *c, enum ctl_obj what, unsigned long n)
{
	unsigned long i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		ret = ctl_create(c, what);
		if (!ret)
			ret = ctl_destroy(c, what);
	}
	return ret;
}

/* Average calls per create and per destroy over CTL_COUNTED rounds. */
static int ctl_count(struct ctl *c, enum ctl_obj what, double *create,
		     double *destroy, double *cmds)
{
	struct bench_syscount sc;
	uint64_t in_create = 0, in_destroy = 0, create_cmds = 0;
	unsigned long i;
	int ret = 0;

	for (i = 0; i < CTL_COUNTED && !ret; i++) {
		bench_syscount_start();
		ret = ctl_create(c, what);
		bench_syscount_stop(&sc);
		in_create += sc.calls;
		create_cmds += sc.cmds;
		if (ret)
			break;
		bench_syscount_start();
		ret = ctl_destroy(c, what);
		bench_syscount_stop(&sc);
		in_destroy += sc.calls;
	}
	*create = (double)in_create / CTL_COUNTED;
	*destroy = (double)in_destroy / CTL_COUNTED;
	*cmds = (double)create_cmds / CTL_COUNTED;
	return ret;
}

static const char *const obj_names[] = { "cq", "qp", "mr" };

static void ctl_figure(struct ctl *c, enum ctl_obj what, const char *variant,
		       const struct bench_opts *o, double *create_calls)
{
	char name[64];
	double create = 0, destroy = 0, cmds = 0;
	uint64_t t0, ns;
	int ret;

	snprintf(name, sizeof(name), "ctl_%s_%s", obj_names[what], variant);
	*create_calls = -1;
	ret = ctl_loop(c, what, CTL_WARMUP);
	t0 = bench_now_ns();
	if (!ret)
		ret = ctl_loop(c, what, o->ctl_ops);
	ns = bench_now_ns() - t0;
	if (ret) {
		bench_print_na(name, o->label, "ops_per_s",
			       bench_errno_word(ret));
		return;
	}
	bench_print(name, o->label, "ops_per_s",
		    (double)o->ctl_ops * 1e9 / (double)(ns ? ns : 1));
	if (!bench_syscount_works()) {
		bench_print_na(name, o->label, "syscalls_per_create",
			       "no_interposition");
		bench_print_na(name, o->label, "syscalls_per_destroy",
			       "no_interposition");
		return;
	}
	ret = ctl_count(c, what, &create, &destroy, &cmds);
	if (ret) {
		bench_print_na(name, o->label, "syscalls_per_create",
			       bench_errno_word(ret));
		return;
	}
	bench_print(name, o->label, "syscalls_per_create", create);
	bench_print(name, o->label, "syscalls_per_destroy", destroy);
	/* Of the create's calls, how many were device commands. */
	bench_print(name, o->label, "cmds_per_create", cmds);
	*create_calls = create;
}

static void ctl_variant_na(const char *variant, const struct bench_opts *o,
			   const char *reason)
{
	char name[64];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "ctl_%s_%s", obj_names[i],
			 variant);
		bench_print_na(name, o->label, "ops_per_s", reason);
	}
}

/* All three objects on one domain; calls[] gets the per-create counts. */
static void ctl_variant(struct bench_dev *d, bool cc,
			const struct bench_opts *o, double calls[3])
{
	const char *variant = cc ? "cc" : "plain";
	struct ctl c = { .d = d };
	int i;

	for (i = 0; i < 3; i++)
		calls[i] = -1;
	if (cc && !d->cc_bounce) {
		ctl_variant_na(variant, o, "not_a_coco_device");
		return;
	}
	if (cc) {
		c.domain = bench_parent_domain(d, true);
		if (!c.domain) {
			ctl_variant_na(variant, o, bench_errno_word(errno));
			return;
		}
	}
	c.scq = bench_create_cq(d, c.domain, CTL_CQE);
	c.rcq = bench_create_cq(d, c.domain, CTL_CQE);
	if (!c.scq || !c.rcq) {
		ctl_variant_na(variant, o, bench_errno_word(errno));
	} else {
		for (i = 0; i < 3; i++)
			ctl_figure(&c, (enum ctl_obj)i, variant, o, &calls[i]);
	}
	if (c.scq)
		ibv_destroy_cq(c.scq);
	if (c.rcq)
		ibv_destroy_cq(c.rcq);
	if (c.domain)
		ibv_dealloc_pd(c.domain);
}

int bench_ctlpath(const struct bench_opts *o)
{
	double plain[3], cc[3];
	struct bench_dev d;
	char name[32];
	int ret, i;

	ret = bench_dev_open(&d, false);
	if (ret) {
		fprintf(stderr, "irdma-bench: no device: %s\n",
			bench_errno_word(ret));
		return ret;
	}
	ctl_variant(&d, false, o, plain);
	ctl_variant(&d, true, o, cc);
	/* The CoCo target: syscalls of a CoCo create over a plain one. */
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "ctl_%s", obj_names[i]);
		if (plain[i] > 0 && cc[i] >= 0)
			bench_print(name, o->label, "syscalls_cc_over_plain",
				    cc[i] / plain[i]);
		else
			bench_print_na(name, o->label, "syscalls_cc_over_plain",
				       "not_measured");
	}
	bench_dev_close(&d);
	return 0;
}
