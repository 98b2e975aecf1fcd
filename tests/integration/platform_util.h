/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Helpers for the emulator platform tests (platform_*.c). They run under
 * irdma-emu-run and reach the preloaded emulator's own functions through
 * dlsym(RTLD_DEFAULT), so they test exactly the library users get.
 */
#ifndef IRDMA_TESTS_PLATFORM_UTIL_H
#define IRDMA_TESTS_PLATFORM_UTIL_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, \
				__LINE__, #cond);                     \
			fprintf(stderr, __VA_ARGS__);                 \
			fputc('\n', stderr);                          \
			exit(1);                                      \
		}                                                     \
	} while (0)

/* The emulator's function @name; exits if not preloaded. */
static inline void *emu_sym(const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);

	CHECK(p, "%s not found: not running under irdma-emu-run?", name);
	return p;
}

#endif /* IRDMA_TESTS_PLATFORM_UTIL_H */
