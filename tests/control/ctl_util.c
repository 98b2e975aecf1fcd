// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Helpers for the control-path integration tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_util.h"

void ctl_parse_args(int argc, char **argv, struct ctl_expect *exp)
{
	int i;

	memset(exp, 0, sizeof(*exp));
	exp->dmabuf_memreg = true;
	exp->abi = 5;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--gen") && i + 1 < argc)
			exp->gen = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--abi") && i + 1 < argc)
			exp->abi = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--expect-retry"))
			exp->retry = true;
		else if (!strcmp(argv[i], "--expect-open-fail"))
			exp->open_fails = true;
		else if (!strcmp(argv[i], "--open-errno") && i + 1 < argc)
			exp->open_errno = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cc"))
			exp->cc = true;
		else if (!strcmp(argv[i], "--no-dmabuf-memreg"))
			exp->dmabuf_memreg = false;
		else if (!strcmp(argv[i], "--bit5-foreign"))
			exp->bit5_foreign = true;
		else {
			fprintf(stderr,
				"usage: %s [--gen N] [--cc] [--no-dmabuf-memreg] [--abi N] [--expect-retry] [--expect-open-fail [--open-errno N]] [--bit5-foreign]\n",
				argv[0]);
			exit(2);
		}
	}
}

static int saved_stderr = -1;
static FILE *capture_file;

/* A CHECK failing while stderr is captured must still be seen. */
static void dump_capture_at_exit(void)
{
	if (capture_file)
		free(ctl_capture_end());
}

void ctl_capture_begin(void)
{
	static bool registered;

	if (!registered) {
		atexit(dump_capture_at_exit);
		registered = true;
	}
	fflush(stderr);
	capture_file = tmpfile();
	CHECK(capture_file, "tmpfile: %m");
	saved_stderr = dup(STDERR_FILENO);
	CHECK(saved_stderr >= 0, "dup: %m");
	CHECK(dup2(fileno(capture_file), STDERR_FILENO) >= 0, "dup2: %m");
}

char *ctl_capture_end(void)
{
	long len;
	char *text;

	fflush(stderr);
	CHECK(dup2(saved_stderr, STDERR_FILENO) >= 0, "dup2: %m");
	close(saved_stderr);
	saved_stderr = -1;

	len = ftell(capture_file);
	CHECK(len >= 0, "ftell: %m");
	text = calloc(1, (size_t)len + 1);
	CHECK(text, "out of memory");
	rewind(capture_file);
	if (len)
		CHECK(fread(text, 1, (size_t)len, capture_file) == (size_t)len,
		      "short read of captured stderr");
	fclose(capture_file);
	capture_file = NULL;
	fputs(text, stderr);
	return text;
}
