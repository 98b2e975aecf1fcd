// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* The failure line of the tests' checks; see check.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/check.h"

unsigned int test_failures;

void test_report_failure(const char *file, int line, const char *cond,
			 const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	test_failures++;
	fprintf(stderr, "FAIL %s:%d: %s:", file, line, cond);
	va_start(ap, fmt);
	errno = err;
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!strcmp(fmt, " "))
		fprintf(stderr, "errno %d", err);
	fputc('\n', stderr);
	errno = err;
}

int test_exit_status(void)
{
	if (!test_failures)
		return 0;
	fprintf(stderr, "%u check(s) failed\n", test_failures);
	return 1;
}
