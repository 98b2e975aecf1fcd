/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Provider diagnostics go to libibverbs' log, as every rdma-core provider's
 * do: verbs_err(), verbs_warn() and verbs_debug() messages, kept according
 * to VERBS_LOG_LEVEL (1 errors ... 4 debug) and written to VERBS_LOG_FILE.
 * They say the ABI the kernel accepted, the limits it reported, whether
 * CoCo (shared heap) memory is used and, above all, why a CoCo ring or
 * buffer could not be created.
 *
 * IRDMA_DEBUG=1, this provider's older switch, stays as an alias: it also
 * prints every message, of every level, on stderr, one line each prefixed
 * "irdma: ", whatever VERBS_LOG_LEVEL says. IRDMA_DEBUG=0 or unset adds
 * nothing. It is read once per process, with secure_getenv(): a set-user-ID
 * or set-group-ID program must not print pointers and CQE contents for
 * whoever runs it.
 */
#ifndef IRDMA_PROVIDER_DEBUG_H
#define IRDMA_PROVIDER_DEBUG_H

#include <stdbool.h>

#include <infiniband/driver.h>

/* True if IRDMA_DEBUG asks for the alias (read once per process). */
bool irdma_debug_enabled(void);

/* One "irdma: " line on stderr (the alias). */
void irdma_debug_print(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* verbs_log() on the verbs_context vctx, plus the IRDMA_DEBUG alias. */
#define irdma_log(vctx, level, fmt, ...)                         \
	do {                                                     \
		verbs_log(vctx, level, fmt "\n", ##__VA_ARGS__); \
		if (irdma_debug_enabled())                       \
			irdma_debug_print(fmt, ##__VA_ARGS__);   \
	} while (0)

/* verbs_err(), verbs_warn() and verbs_debug(), with the alias. */
#define irdma_err(vctx, fmt, ...) \
	irdma_log(vctx, VERBS_LOG_ERR, fmt, ##__VA_ARGS__)
#define irdma_warn(vctx, fmt, ...) \
	irdma_log(vctx, VERBS_LOG_WARN, fmt, ##__VA_ARGS__)
#define irdma_dbg(vctx, fmt, ...) \
	irdma_log(vctx, VERBS_LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* IRDMA_PROVIDER_DEBUG_H */
