// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulator's fault injection, through its C API (fault.h):
 *   platform_fault api    spec parsing, Nth-operation counting, several
 *                         specs per kind, and exactly-once firing when many
 *                         threads count at the same time
 *   platform_fault env    run with --fail heap:2:ENOSPC,heap:3:5: the env
 *                         specs are armed before the first operation
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cases.h"
#include "common/check.h"
#include "common/emu.h"

/* Mirrors enum emu_fault_kind in tests/emu/platform/platform.h. */
enum { KIND_CMD, KIND_HEAP, KIND_MMAP };

static int (*should_fail)(int kind);
static int (*fault_set)(int kind, unsigned long n, int err);
static void (*fault_clear)(int kind);
static int (*fault_parse)(const char *specs);

static void test_parse(void)
{
	static const char *const bad[] = {
		"cmd", "cmd:1", "cmd:1:", "cmd:0:EIO", "cmd:x:EIO",
		"disk:1:EIO", "cmd:1:EBOGUS", "cmd:1:0", "cmd:-1:EIO",
		"cmd:1:EIO,", "cmd:1:EIO,,heap:1:EIO",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(fault_parse(bad[i]) == -EINVAL, "'%s' accepted", bad[i]);
		fault_clear(KIND_CMD);
		fault_clear(KIND_HEAP);
	}
	CHECK(fault_set(KIND_CMD, 0, EIO) == -EINVAL, "n = 0 accepted");
	CHECK(fault_set(KIND_CMD, 1, 0) == -EINVAL, "errno 0 accepted");
	CHECK(fault_set(7, 1, EIO) == -EINVAL, "bad kind accepted");
}

static void test_counting(void)
{
	int i;

	/* Counted from the arming: the 2nd and 4th mmap fail, once each. */
	CHECK(fault_parse("mmap:2:ENOMEM,mmap:4:13") == 0, "parse");
	CHECK(should_fail(KIND_MMAP) == 0, "1st");
	CHECK(should_fail(KIND_MMAP) == ENOMEM, "2nd");
	CHECK(should_fail(KIND_MMAP) == 0, "3rd");
	CHECK(should_fail(KIND_MMAP) == EACCES, "4th");
	for (i = 0; i < 10; i++)
		CHECK(should_fail(KIND_MMAP) == 0, "fired twice");
	/* Kinds count separately. */
	CHECK(fault_set(KIND_CMD, 1, EPERM) == 0, "set");
	CHECK(should_fail(KIND_HEAP) == 0, "heap took the cmd fault");
	CHECK(should_fail(KIND_CMD) == EPERM, "cmd");
	/* Cleared specs never fire. */
	CHECK(fault_set(KIND_CMD, 1, EIO) == 0, "set");
	fault_clear(KIND_CMD);
	CHECK(should_fail(KIND_CMD) == 0, "cleared spec fired");
}

#define THREADS 8
#define CALLS 20000

static int hits[THREADS];

static void *counter(void *arg)
{
	int *mine = arg, i;

	for (i = 0; i < CALLS; i++)
		if (should_fail(KIND_CMD) == ENOSPC)
			(*mine)++;
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[THREADS];
	int i, total = 0;

	CHECK(fault_set(KIND_CMD, THREADS * CALLS / 2, ENOSPC) == 0, "set");
	for (i = 0; i < THREADS; i++)
		CHECK(!pthread_create(&t[i], NULL, counter, &hits[i]),
		      "thread");
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total += hits[i];
	}
	CHECK(total == 1, "the fault fired %d times", total);
}

static void test_env(void)
{
	CHECK(should_fail(KIND_HEAP) == 0, "1st heap");
	CHECK(should_fail(KIND_HEAP) == ENOSPC, "2nd heap");
	CHECK(should_fail(KIND_HEAP) == 5, "3rd heap");
	CHECK(should_fail(KIND_HEAP) == 0, "4th heap");
}

static void test_api(void)
{
	test_parse();
	test_counting();
	test_threads();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "api", test_api },
		{ "env", test_env },
	};
	should_fail = test_emu_sym("emu_fault_should_fail");
	fault_set = test_emu_sym("emu_fault_set");
	fault_clear = test_emu_sym("emu_fault_clear");
	fault_parse = test_emu_sym("emu_fault_parse");
	return TEST_RUN_CASES(cases, argc, argv);
}
