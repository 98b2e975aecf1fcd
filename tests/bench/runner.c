// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The runner: starts workers (this program with --worker) under
 * irdma-emu-run, once per provider and phase, and collects their lines.
 *
 * Timed phases run `rounds` times, providers interleaved and their order
 * swapped every round, and each figure is reported as the median of its
 * rounds; on a noisy machine the disturbance then hits both providers
 * alike and the ours/upstream ratio stays meaningful. Instruction counts
 * are deterministic and run once: from the CPU's counters if the worker
 * can open one for its own thread, else under callgrind, where the worker
 * dumps one profile per figure and only the main thread's files (-01) are
 * read. Either way the emulator's device thread is excluded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MAX_RESULTS 256
#define MAX_ROUNDS 32
#define MAX_ARGS 48

struct result {
	char bench[48], provider[64], metric[40];
	char note[64]; /* reason=... or stop=..., from the last round */
	double vals[MAX_ROUNDS];
	unsigned int n;
};

static struct result results[MAX_RESULTS];
static unsigned int nresults;
static bool echo_lines; /* print worker lines as they come */
/* While set, worker lines are only kept here (to be judged first). */
static bool holding;
static char *held[MAX_RESULTS];
static unsigned int nheld;

static struct result *find_result(const char *bench, const char *provider,
				  const char *metric, bool add)
{
	unsigned int i;

	for (i = 0; i < nresults; i++)
		if (!strcmp(results[i].bench, bench) &&
		    !strcmp(results[i].provider, provider) &&
		    !strcmp(results[i].metric, metric))
			return &results[i];
	if (!add || nresults == MAX_RESULTS)
		return NULL;
	snprintf(results[nresults].bench, sizeof(results[0].bench), "%s",
		 bench);
	snprintf(results[nresults].provider, sizeof(results[0].provider), "%s",
		 provider);
	snprintf(results[nresults].metric, sizeof(results[0].metric), "%s",
		 metric);
	return &results[nresults++];
}

static void store(const char *bench, const char *provider, const char *metric,
		  const char *value, const char *note)
{
	struct result *r = find_result(bench, provider, metric, true);
	char *end;
	double v;

	if (!r)
		return;
	v = strtod(value, &end);
	if (end != value && !*end) {
		if (r->n < MAX_ROUNDS)
			r->vals[r->n++] = v;
		snprintf(r->note, sizeof(r->note), "%s", note ? note : "");
	} else if (!r->n) {
		/* why it is "na", unless another run did measure it */
		snprintf(r->note, sizeof(r->note), "%s", note ? note : "");
	}
}

/* One worker line; anything that is not a result goes to stderr. */
static void take_line(char *line)
{
	char bench[48], provider[64], metric[40], value[32];
	int used = 0;

	line[strcspn(line, "\n")] = '\0';
	if (holding) {
		if (nheld < MAX_RESULTS)
			held[nheld++] = strdup(line);
		return;
	}
	if (sscanf(line, "bench=%47s provider=%63s metric=%39s value=%31s%n",
		   bench, provider, metric, value, &used) != 4) {
		fprintf(stderr, "%s\n", line);
		return;
	}
	store(bench, provider, metric, value,
	      line[used] == ' ' ? line + used + 1 : NULL);
	if (echo_lines) {
		printf("%s\n", line);
		fflush(stdout);
	} else {
		fprintf(stderr, "# %s\n", line);
	}
}

/* Run argv, feeding its stdout to take_line(); its exit status. */
static int run_capture(char *const argv[])
{
	char line[512];
	int pfd[2], status;
	pid_t pid;
	FILE *in;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pfd[1], STDOUT_FILENO);
		execv(argv[0], argv);
		execvp(argv[0], argv);
		fprintf(stderr, "irdma-bench: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	in = fdopen(pfd[0], "r");
	while (in && fgets(line, sizeof(line), in))
		take_line(line);
	if (in)
		fclose(in);
	else
		close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- building worker command lines ----------------------------------- */

struct argv_buf {
	char *v[MAX_ARGS + 1];
	char store[MAX_ARGS][64];
	unsigned int n;
};

static void add(struct argv_buf *a, const char *s)
{
	if (a->n < MAX_ARGS)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void add_num(struct argv_buf *a, unsigned long v)
{
	if (a->n < MAX_ARGS) {
		snprintf(a->store[a->n], sizeof(a->store[0]), "%lu", v);
		add(a, a->store[a->n]);
	}
}

static const char *emu_run_path(const char *self)
{
	static char path[4096];
	const char *slash = strrchr(self, '/');
	int len = slash ? (int)(slash - self) : 1;

	snprintf(path, sizeof(path), "%.*s/irdma-emu-run", len,
		 slash ? self : ".");
	return path;
}

/*
 * irdma-emu-run [--cc --kernel old] [--push] --gen G --provider P --
 *
 * The CoCo phases compare a plain PD with a CoCo parent domain on the same
 * bounce device, a baseline only kernels before 7.2 have: 7.2 refuses
 * plain memory there (EOPNOTSUPP).
 */
static void add_emu(struct argv_buf *a, const struct bench_run_opts *r,
		    const char *provider, bool cc)
{
	add(a, emu_run_path(r->self));
	if (cc) {
		add(a, "--cc");
		add(a, "--kernel");
		add(a, "old");
	}
	if (r->push)
		add(a, "--push");
	add(a, "--gen");
	add_num(a, r->o.gen);
	add(a, "--provider");
	add(a, provider);
	add(a, "--");
}

static void add_worker(struct argv_buf *a, const struct bench_run_opts *r,
		       const char *phase, const char *provider)
{
	add(a, r->self);
	add(a, "--worker");
	add(a, phase);
	add(a, "--label");
	add(a, provider);
	add(a, "--ops");
	add_num(a, r->o.fast_ops);
	add(a, "--instr-ops");
	add_num(a, r->o.instr_ops);
	add(a, "--ctl-ops");
	add_num(a, r->o.ctl_ops);
	add(a, "--scale-max");
	add_num(a, r->o.scale_max);
}

static void phase_failed(const char *phase, const char *provider, int st)
{
	fprintf(stderr, "irdma-bench: %s phase for %s exited with %d\n", phase,
		provider, st);
}

static void run_phase(const struct bench_run_opts *r, const char *phase,
		      const char *provider, bool cc)
{
	struct argv_buf a = { .n = 0 };
	int st;

	add_emu(&a, r, provider, cc);
	add_worker(&a, r, phase, provider);
	st = run_capture(a.v);
	if (st)
		phase_failed(phase, provider, st);
}

/* ---- callgrind ---------------------------------------------------------- */

struct profile {
	char name[48];
	double per_op;
};

/* One main-thread profile: "bench=NAME ops=N" and its Ir total. */
static bool read_profile(const char *path, struct profile *out)
{
	unsigned long long total = 0, ops = 0;
	char line[512], name[48] = "";
	bool have_total = false;
	const char *p;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "Client Request: bench=");
		if (!strncmp(line, "desc: Trigger:", 14) && p)
			sscanf(p, "Client Request: bench=%47s ops=%llu", name,
			       &ops);
		if (!strncmp(line, "totals:", 7) ||
		    !strncmp(line, "summary:", 8))
			have_total = sscanf(strchr(line, ':') + 1, "%llu",
					    &total) == 1;
	}
	fclose(f);
	if (!name[0] || !ops || !have_total)
		return false;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->per_op = (double)total / (double)ops;
	return true;
}

#define MAX_PROFILES 64

/* Read (and remove) the profiles; report them in figure order. */
static void read_profiles(const char *dir, const char *provider)
{
	struct profile prof[MAX_PROFILES];
	unsigned int n = 0, i, k;
	struct dirent *e;
	char path[4096];
	DIR *d = opendir(dir);
	size_t len;

	if (!d)
		return;
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		/* Thread 1 is the main thread; dumps have a part number. */
		if (len > 3 && !strcmp(e->d_name + len - 3, "-01") &&
		    n < MAX_PROFILES && read_profile(path, &prof[n]))
			n++;
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
	for (i = 0; bench_fast_figure(i); i++)
		for (k = 0; k < n; k++)
			if (!strcmp(prof[k].name, bench_fast_figure(i))) {
				snprintf(
					path, sizeof(path),
					"bench=%s provider=%s metric=instr_per_op value=%.4g source=callgrind",
					prof[k].name, provider, prof[k].per_op);
				take_line(path);
			}
}

/* Does the held output have a numeric instr_per_op for every figure? */
static bool held_complete(const char *provider)
{
	char want[160];
	unsigned int i, k;
	bool found;

	for (i = 0; bench_fast_figure(i); i++) {
		snprintf(want, sizeof(want),
			 "bench=%s provider=%s metric=instr_per_op value=",
			 bench_fast_figure(i), provider);
		found = false;
		for (k = 0; k < nheld && !found; k++)
			found = held[k] &&
				!strncmp(held[k], want, strlen(want)) &&
				strncmp(held[k] + strlen(want), "na", 2);
		if (!found)
			return false;
	}
	return true;
}

/*
 * Instructions from the CPU's counters, if this machine has them: true if
 * every figure got a number (they are then reported).
 */
static bool run_perf(const struct bench_run_opts *r, const char *provider,
		     bool under_emu)
{
	struct argv_buf a = { .n = 0 };
	unsigned int k;
	bool ok;

	if (!under_emu)
		add_emu(&a, r, provider, false);
	add_worker(&a, r, "fast", provider);
	add(&a, "--perf");
	holding = true;
	nheld = 0;
	ok = run_capture(a.v) == 0;
	holding = false;
	ok = ok && held_complete(provider);
	for (k = 0; k < nheld; k++) {
		if (ok && held[k])
			take_line(held[k]);
		free(held[k]);
	}
	nheld = 0;
	if (!ok)
		fprintf(stderr,
			"irdma-bench: no usable perf instruction counter for %s: using callgrind\n",
			provider);
	return ok;
}

/* Instructions: one callgrind run; figures it did not produce are na. */
static void run_instr(const struct bench_run_opts *r, const char *provider,
		      bool under_emu)
{
	struct argv_buf a = { .n = 0 };
	char dir[] = "/tmp/irdma-bench.XXXXXX", out[64];
	unsigned int i;
	int st;

	if (run_perf(r, provider, under_emu))
		return;
	if (!mkdtemp(dir)) {
		perror("irdma-bench: mkdtemp");
		return;
	}
	snprintf(out, sizeof(out), "--callgrind-out-file=%s/cg.%%p", dir);
	if (!under_emu)
		add_emu(&a, r, provider, false);
	add(&a, "valgrind");
	add(&a, "--tool=callgrind");
	/* the engine thread must get its turns while the worker polls */
	add(&a, "--fair-sched=yes");
	add(&a, "-q");
	add(&a, "--collect-atstart=no");
	add(&a, "--separate-threads=yes");
	add(&a, out);
	add_worker(&a, r, "fast", provider);
	add(&a, "--instr");
	st = run_capture(a.v);
	if (st)
		phase_failed("instr", provider, st);
	read_profiles(dir, provider);
	for (i = 0; bench_fast_figure(i); i++) {
		struct result *res = find_result(bench_fast_figure(i), provider,
						 "instr_per_op", false);

		if (!res) {
			char line[256];

			snprintf(
				line, sizeof(line),
				"bench=%s provider=%s metric=instr_per_op value=na reason=%s",
				bench_fast_figure(i), provider,
				st == 127 ? "no_valgrind" : "not_produced");
			take_line(line);
		}
	}
}

/* ---- summary -------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(struct result *r)
{
	qsort(r->vals, r->n, sizeof(r->vals[0]), cmp_double);
	return r->n % 2 ? r->vals[r->n / 2] :
			  (r->vals[r->n / 2 - 1] + r->vals[r->n / 2]) / 2;
}

static void print_result(struct result *r)
{
	if (!r->n) {
		printf("bench=%s provider=%s metric=%s value=na%s%s\n",
		       r->bench, r->provider, r->metric, r->note[0] ? " " : "",
		       r->note);
		return;
	}
	printf("bench=%s provider=%s metric=%s value=%.4g%s%s\n", r->bench,
	       r->provider, r->metric, median(r), r->note[0] ? " " : "",
	       r->note);
}

static void print_ratios(const char *a, const char *b)
{
	unsigned int i;

	for (i = 0; i < nresults; i++) {
		struct result *x = &results[i], *y;
		double vx, vy;

		if (strcmp(x->provider, a) || !x->n)
			continue;
		y = find_result(x->bench, b, x->metric, false);
		if (!y || !y->n)
			continue;
		vx = median(x);
		vy = median(y);
		if (vy > 0 && vx >= 0)
			printf("bench=%s provider=%s/%s metric=%s value=%.3f\n",
			       x->bench, a, b, x->metric, vx / vy);
	}
}

static bool wants(const struct bench_run_opts *r, const char *phase)
{
	return !r->only || !strcmp(r->only, phase);
}

/*
 * The control path runs twice (see bench_runner): plain figures come from
 * the run without DMA bounce, CoCo figures from the run with it, so their
 * ratio is only known here.
 */
static void derive_cc_over_plain(const char *provider)
{
	static const char *const objs[] = { "cq", "qp", "mr" };
	struct result *cc, *plain;
	char name[48], line[256];
	unsigned int i;

	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		snprintf(name, sizeof(name), "ctl_%s_cc", objs[i]);
		cc = find_result(name, provider, "syscalls_per_create", false);
		snprintf(name, sizeof(name), "ctl_%s_plain", objs[i]);
		plain = find_result(name, provider, "syscalls_per_create",
				    false);
		if (!cc || !plain || !cc->n || !plain->n ||
		    !(median(plain) > 0))
			continue;
		snprintf(
			line, sizeof(line),
			"bench=ctl_%s provider=%s metric=syscalls_cc_over_plain value=%.4g",
			objs[i], provider, median(cc) / median(plain));
		take_line(line);
	}
}

/* In-emulator mode: run the phases here, for the loaded provider. */
static int run_here(const struct bench_run_opts *r)
{
	struct bench_opts o = r->o;

	echo_lines = true;
	if (wants(r, "instr"))
		run_instr(r, o.label, true);
	if (wants(r, "fast"))
		bench_fastpath(&o);
	if (wants(r, "ctl"))
		bench_ctlpath(&o);
	if (wants(r, "scale"))
		bench_scale(&o);
	return 0;
}

int bench_runner(const struct bench_run_opts *r)
{
	unsigned int round, k, i;

	if (getenv("IRDMA_EMU_SYSFS")) {
		if (!r->compare)
			return run_here(r);
		/* The runner would nest one emulator in another. */
		fprintf(stderr,
			"irdma-bench: --compare starts irdma-emu-run itself; run it outside irdma-emu-run\n");
		return 2;
	}
	/*
	 * One round, one provider: lines as they come, unless a figure is
	 * derived from two runs at the end (the control path's ratio).
	 */
	echo_lines = r->rounds == 1 && r->nproviders == 1 && !wants(r, "ctl");
	for (round = 0; round < r->rounds; round++) {
		for (k = 0; k < r->nproviders; k++) {
			/* Swap the order every round. */
			const char *p =
				r->providers[(k + round) % r->nproviders];

			if (round == 0 && wants(r, "instr"))
				run_instr(r, p, false);
			if (wants(r, "fast"))
				run_phase(r, "fast", p, false);
			/*
			 * A bounce device refuses queues outside a CoCo
			 * parent domain: plain figures need a device without
			 * bounce, CoCo figures one with it.
			 */
			if (wants(r, "ctl")) {
				run_phase(r, "ctl", p, false);
				run_phase(r, "ctl", p, true);
			}
			if (round == 0 && wants(r, "scale"))
				run_phase(r, "scale", p, true);
		}
	}
	for (k = 0; k < r->nproviders; k++)
		derive_cc_over_plain(r->providers[k]);
	if (!echo_lines) {
		for (i = 0; i < nresults; i++)
			print_result(&results[i]);
		if (r->nproviders == 2)
			print_ratios(r->providers[0], r->providers[1]);
	}
	fflush(stdout);
	return 0;
}
