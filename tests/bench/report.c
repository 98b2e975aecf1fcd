// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Result lines of irdma-bench. One figure per line, keys always in the
 * same order, so that scripts (and the runner itself) can parse them with
 * one pattern.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

void bench_print(const char *bench, const char *label, const char *metric,
		 double value)
{
	/* Enough digits for ratios and sub-nanosecond figures alike. */
	printf("bench=%s provider=%s metric=%s value=%.4g\n", bench, label,
	       metric, value);
	fflush(stdout);
}

void bench_print_note(const char *bench, const char *label, const char *metric,
		      double value, const char *note)
{
	printf("bench=%s provider=%s metric=%s value=%.4g %s\n", bench, label,
	       metric, value, note);
	fflush(stdout);
}

void bench_print_na(const char *bench, const char *label, const char *metric,
		    const char *reason)
{
	printf("bench=%s provider=%s metric=%s value=na reason=%s\n", bench,
	       label, metric, reason);
	fflush(stdout);
}

const char *bench_errno_word(int err)
{
	static __thread char word[48];
	const char *name = NULL;

	switch (err) {
	case EOPNOTSUPP:
		name = "EOPNOTSUPP";
		break;
	case EINVAL:
		name = "EINVAL";
		break;
	case ENOMEM:
		name = "ENOMEM";
		break;
	case EMFILE:
		name = "EMFILE";
		break;
	case ENFILE:
		name = "ENFILE";
		break;
	case ENOSPC:
		name = "ENOSPC";
		break;
	case EAGAIN:
		name = "EAGAIN";
		break;
	case ENOENT:
		name = "ENOENT";
		break;
	case EPERM:
		name = "EPERM";
		break;
	case ETIMEDOUT:
		name = "ETIMEDOUT";
		break;
	case ENODEV:
		name = "ENODEV";
		break;
	case EIO:
		name = "EIO";
		break;
	case EOVERFLOW: /* irdma: a device resource ran out */
		name = "EOVERFLOW";
		break;
	}
	if (name)
		snprintf(word, sizeof(word), "errno_%s", name);
	else
		snprintf(word, sizeof(word), "errno_%d", err);
	return word;
}
