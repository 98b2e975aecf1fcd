// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * irdma-bench: command line (see bench.h for the two roles).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: irdma-bench [options]\n"
		"  --provider ours|upstream|PATH  provider to measure (default ours)\n"
		"  --compare            both providers, interleaved, plus ours/upstream ratios\n"
		"  --rounds N           timed rounds per provider (default 3 with --compare, else 1)\n"
		"  --gen 1|2|3          emulated hardware generation (default 2)\n"
		"  --push               the emulated driver hands out push pages\n"
		"  --only fast|instr|ctl|scale  one phase only\n"
		"  --quick              tiny loops (smoke test; figures are not meaningful)\n"
		"  --ops N              ops per timed fast-path figure (default 20000)\n"
		"  --instr-ops N        ops per callgrind fast-path figure (default 2048)\n"
		"  --ctl-ops N          create+destroy pairs per control figure (default 2000)\n"
		"  --scale-max N        stop the scale test at N QPs (default 10000)\n"
		"Instructions per op come from the CPU's counters (perf, this thread,\n"
		"user space) where the machine has them, else from callgrind.\n"
		"Run directly, it starts itself under irdma-emu-run next to it; run\n"
		"under irdma-emu-run, it measures the provider that run loaded.\n"
		"Output: bench=NAME provider=P metric=M value=V [reason=...|stop=...]\n");
}

static bool parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s ? s : "", &end, 10);
	return s && *s && !*end && !errno && *out > 0;
}

/* The provider a surrounding irdma-emu-run loaded, as a label. */
static const char *label_from_env(void)
{
	const char *drv = getenv("RDMAV_DRIVERS");

	if (!drv)
		return "unknown";
	if (!strcmp(drv, IRDMA_BENCH_OURS))
		return "ours";
	if (!strcmp(drv, IRDMA_BENCH_UPSTREAM))
		return "upstream";
	return "custom";
}

static const char *self_path(const char *argv0)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return argv0;
	path[n] = '\0';
	return path;
}

static bool valid_provider(const char *p)
{
	return !strcmp(p, "ours") || !strcmp(p, "upstream") || p[0] == '/';
}

static bool valid_phase(const char *p)
{
	return !strcmp(p, "fast") || !strcmp(p, "instr") || !strcmp(p, "ctl") ||
	       !strcmp(p, "scale");
}

static int run_worker(const char *phase, const struct bench_opts *o)
{
	if (!strcmp(phase, "fast"))
		return bench_fastpath(o) ? 1 : 0;
	if (!strcmp(phase, "ctl"))
		return bench_ctlpath(o) ? 1 : 0;
	if (!strcmp(phase, "scale"))
		return bench_scale(o) ? 1 : 0;
	fprintf(stderr, "irdma-bench: unknown worker phase '%s'\n", phase);
	return 2;
}

/* Options taking a number: the field they set, or NULL. */
static unsigned long *num_option(const char *name, struct bench_opts *o)
{
	if (!strcmp(name, "--ops"))
		return &o->fast_ops;
	if (!strcmp(name, "--instr-ops"))
		return &o->instr_ops;
	if (!strcmp(name, "--ctl-ops"))
		return &o->ctl_ops;
	if (!strcmp(name, "--scale-max"))
		return &o->scale_max;
	return NULL;
}

static void set_quick(struct bench_run_opts *r, bool explicit[4])
{
	unsigned long *f[4] = { &r->o.fast_ops, &r->o.instr_ops, &r->o.ctl_ops,
				&r->o.scale_max };
	const unsigned long quick[4] = { 256, 64, 32, 256 };
	int i;

	for (i = 0; i < 4; i++)
		if (!explicit[i])
			*f[i] = quick[i];
}

int main(int argc, char **argv)
{
	struct bench_run_opts r = {
		.o = { .gen = 2,
		       .fast_ops = 20000,
		       .instr_ops = 2048,
		       .ctl_ops = 2000,
		       .scale_max = 10000 },
		.providers = { "ours" },
		.nproviders = 1,
	};
	bool explicit[4] = { false }, quick = false;
	const char *worker = NULL;
	unsigned long v, *field;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i],
			   *arg = i + 1 < argc ? argv[i + 1] : NULL;

		field = num_option(a, &r.o);
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--compare")) {
			r.compare = true;
		} else if (!strcmp(a, "--quick")) {
			quick = true;
		} else if (!strcmp(a, "--push")) {
			r.push = true;
		} else if (!strcmp(a, "--instr")) {
			r.o.instr = true;
		} else if (!strcmp(a, "--perf")) {
			r.o.perf = true;
		} else if (!strcmp(a, "--provider") && arg &&
			   valid_provider(arg)) {
			r.providers[0] = arg;
			i++;
		} else if (!strcmp(a, "--label") && arg) {
			r.o.label = arg;
			i++;
		} else if (!strcmp(a, "--worker") && arg) {
			worker = arg;
			i++;
		} else if (!strcmp(a, "--only") && arg && valid_phase(arg)) {
			r.only = arg;
			i++;
		} else if (!strcmp(a, "--gen") && parse_ulong(arg, &v) &&
			   v <= 3) {
			r.o.gen = (unsigned int)v;
			i++;
		} else if (!strcmp(a, "--rounds") && parse_ulong(arg, &v) &&
			   v <= 32) {
			r.rounds = (unsigned int)v;
			i++;
		} else if (field && parse_ulong(arg, &v)) {
			*field = v;
			explicit[field == &r.o.fast_ops	 ? 0 :
				 field == &r.o.instr_ops ? 1 :
				 field == &r.o.ctl_ops	 ? 2 :
							   3] = true;
			i++;
		} else {
			fprintf(stderr, "irdma-bench: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (quick)
		set_quick(&r, explicit);
	if (!r.o.label)
		r.o.label = getenv("IRDMA_EMU_SYSFS") ? label_from_env() :
							r.providers[0];
	if (worker)
		return run_worker(worker, &r.o);
	if (r.compare) {
		r.providers[0] = "ours";
		r.providers[1] = "upstream";
		r.nproviders = 2;
	}
	if (!r.rounds)
		r.rounds = r.compare ? 3 : 1;
	r.self = self_path(argv[0]);
	return bench_runner(&r);
}
