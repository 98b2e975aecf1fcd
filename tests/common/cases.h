/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Test programs made of named cases: one ctest entry runs one case, named
 * by the program's single argument.
 */
#ifndef IRDMA_TESTS_COMMON_CASES_H
#define IRDMA_TESTS_COMMON_CASES_H

#include <stddef.h>

struct test_case {
	const char *name;
	void (*run)(void);
};

/*
 * The one of @n @cases that argv[1], the only argument, names; NULL (after
 * a usage line listing the names on stderr) if there is no such case.
 */
const struct test_case *test_pick_case(const struct test_case *cases, size_t n,
				       int argc, char **argv);

#define TEST_PICK_CASE(cases, argc, argv) \
	test_pick_case(cases, sizeof(cases) / sizeof((cases)[0]), argc, argv)

#endif /* IRDMA_TESTS_COMMON_CASES_H */
