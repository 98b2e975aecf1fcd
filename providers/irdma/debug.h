/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Provider diagnostics.
 *
 * Set IRDMA_DEBUG=1 in the environment to get one line per noteworthy
 * provider decision on stderr, each prefixed "irdma: ": the ABI the kernel
 * accepted, the limits it reported, whether CoCo (shared heap) memory is
 * used and, above all, why a CoCo ring or buffer could not be created.
 * IRDMA_DEBUG=0 or unset keeps the provider silent.
 */
#ifndef IRDMA_PROVIDER_DEBUG_H
#define IRDMA_PROVIDER_DEBUG_H

#include <stdbool.h>

/* True if IRDMA_DEBUG asks for output (read once per process). */
bool irdma_debug_enabled(void);

void irdma_debug_print(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#define irdma_dbg(fmt, ...)                                    \
	do {                                                   \
		if (irdma_debug_enabled())                     \
			irdma_debug_print(fmt, ##__VA_ARGS__); \
	} while (0)

#endif /* IRDMA_PROVIDER_DEBUG_H */
