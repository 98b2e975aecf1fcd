/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The runner of test programs made of named cases. One ctest entry runs
 * one case (its name is the program's argument); by hand, several names
 * or none (every case) work too. Each case prints "ok   NAME" or
 * "FAIL NAME" on stdout, the run ends with "N passed, N failed".
 */
#ifndef IRDMA_TESTS_COMMON_CASES_H
#define IRDMA_TESTS_COMMON_CASES_H

#include <stddef.h>

struct test_case {
	const char *name;
	void (*run)(void);
};

/*
 * Run the cases named in argv[1..] (all @n, in order, if none is named).
 * Case i is called @name(i, @arg) and run by @run(i, @arg); it fails if
 * @run returns non-zero or a check failed meanwhile (test_failures grew;
 * a CHECK() that exits ends the program there, with status 1). Returns
 * the program's exit status: 0 if every case passed, 1 if one failed, 2
 * after a usage line on stderr if a name is not a case.
 */
int test_run_cases_of(size_t n, const char *(*name)(size_t i, void *arg),
		      int (*run)(size_t i, void *arg), void *arg, int argc,
		      char **argv);

/* The same for a table of @n struct test_case. */
int test_run_cases(const struct test_case *cases, size_t n, int argc,
		   char **argv);

#define TEST_RUN_CASES(cases, argc, argv) \
	test_run_cases(cases, sizeof(cases) / sizeof((cases)[0]), argc, argv)

#endif /* IRDMA_TESTS_COMMON_CASES_H */
