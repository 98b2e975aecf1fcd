// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* The IRDMA_DEBUG alias of the provider's diagnostics (see debug.h). */
#define _GNU_SOURCE /* secure_getenv */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug.h"

static pthread_once_t debug_once = PTHREAD_ONCE_INIT;
static bool debug_on;

/*
 * secure_getenv: a set-user-ID or set-group-ID program must not print
 * pointers and CQE contents for whoever runs it (and sets the variable).
 */
static void read_debug_env(void)
{
	const char *v = secure_getenv("IRDMA_DEBUG");

	debug_on = v && *v && strcmp(v, "0") != 0;
}

bool irdma_debug_enabled(void)
{
	pthread_once(&debug_once, read_debug_env);
	return debug_on;
}

void irdma_debug_print(const char *fmt, ...)
{
	char line[512];
	int saved = errno; /* callers print right before returning an errno */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line keeps lines of concurrent threads apart. */
	fprintf(stderr, "irdma: %s\n", line);
	errno = saved;
}
