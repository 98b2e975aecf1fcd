/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Checks of the test programs. Every failed check prints one line
 *   FAIL <file>:<line>: <condition>: <message>
 * on stderr and is counted in test_failures; what happens next depends on
 * the check: CHECK ends the program with exit status 1, EXPECT goes on,
 * CHECK_RET returns -1 from the calling function (a test case), and
 * CHECK_THEN runs an action of the caller's.
 */
#ifndef IRDMA_TESTS_COMMON_CHECK_H
#define IRDMA_TESTS_COMMON_CHECK_H

#include <stdlib.h>

/*
 * Print the failure line. @fmt starts with the space after the condition
 * (so that a check without a message still has a format); a check without
 * one prints the errno. errno is kept for a "%m" in @fmt.
 */
void test_report_failure(const char *file, int line, const char *cond,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Failed checks so far, whichever kind. */
extern unsigned int test_failures;

/*
 * The exit status of a program whose checks went on: 0 if none failed,
 * else 1 after a line on stderr saying how many did.
 */
int test_exit_status(void);

/* Unless @cond holds: print the failure, then run @action. */
#define CHECK_THEN(cond, action, ...)                                  \
	do {                                                           \
		if (!(cond)) {                                         \
			test_report_failure(__FILE__, __LINE__, #cond, \
					    " " __VA_ARGS__);          \
			action;                                        \
		}                                                      \
	} while (0)

/* Unless @cond holds: print the failure and exit 1. */
#define CHECK(cond, ...) CHECK_THEN(cond, exit(1), __VA_ARGS__)

/* Unless @cond holds: print the failure and go on. */
#define EXPECT(cond, ...) CHECK_THEN(cond, (void)0, __VA_ARGS__)

/* Unless @cond holds: print the failure and return -1. */
#define CHECK_RET(cond, ...) CHECK_THEN(cond, return -1, __VA_ARGS__)

/* @a must equal @b (as integers); exits 1 with both values otherwise. */
#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		long long _a = (long long)(a), _b = (long long)(b);        \
		CHECK(_a == _b, "%s == %lld, want %s == %lld", #a, _a, #b, \
		      _b);                                                 \
	} while (0)

#endif /* IRDMA_TESTS_COMMON_CHECK_H */
