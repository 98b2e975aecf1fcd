// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* The runner of test programs made of named cases; see cases.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/cases.h"
#include "common/check.h"

static bool named(const char *name, int argc, char **argv)
{
	int a;

	for (a = 1; a < argc; a++)
		if (!strcmp(argv[a], name))
			return true;
	return argc < 2;
}

static int usage(size_t n, const char *(*name)(size_t i, void *arg), void *arg,
		 const char *prog, const char *bad)
{
	size_t i;

	fprintf(stderr, "%s: no case '%s'; usage: %s [", prog, bad, prog);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? "|" : "", name(i, arg));
	fprintf(stderr, "]...\n");
	return 2;
}

int test_run_cases_of(size_t n, const char *(*name)(size_t i, void *arg),
		      int (*run)(size_t i, void *arg), void *arg, int argc,
		      char **argv)
{
	unsigned int passed = 0, failed = 0;
	size_t i;
	int a;

	/* every name must be a case before any case runs */
	for (a = 1; a < argc; a++) {
		for (i = 0; i < n && strcmp(argv[a], name(i, arg)); i++)
			;
		if (i == n)
			return usage(n, name, arg, argv[0], argv[a]);
	}
	for (i = 0; i < n; i++) {
		unsigned int before = test_failures;

		if (!named(name(i, arg), argc, argv))
			continue;
		if (run(i, arg) || test_failures != before) {
			printf("FAIL %s\n", name(i, arg));
			failed++;
		} else {
			printf("ok   %s\n", name(i, arg));
			passed++;
		}
		fflush(stdout);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}

static const char *table_name(size_t i, void *arg)
{
	const struct test_case *cases = arg;

	return cases[i].name;
}

static int table_run(size_t i, void *arg)
{
	const struct test_case *cases = arg;

	cases[i].run();
	return 0;
}

int test_run_cases(const struct test_case *cases, size_t n, int argc,
		   char **argv)
{
	return test_run_cases_of(n, table_name, table_run, (void *)cases, argc,
				 argv);
}
