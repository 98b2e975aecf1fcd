// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Picking the case a test program runs; see cases.h. */
#include <stdio.h>
#include <string.h>

#include "common/cases.h"

const struct test_case *test_pick_case(const struct test_case *cases, size_t n,
				       int argc, char **argv)
{
	size_t i;

	for (i = 0; argc == 2 && i < n; i++)
		if (!strcmp(argv[1], cases[i].name))
			return &cases[i];
	fprintf(stderr, "usage: %s ", argv[0]);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? "|" : "", cases[i].name);
	fputc('\n', stderr);
	return NULL;
}
