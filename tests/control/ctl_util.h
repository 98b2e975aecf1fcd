/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/* Small helpers shared by the control-path integration tests (ctl_*.c). */
#ifndef IRDMA_TESTS_CTL_UTIL_H
#define IRDMA_TESTS_CTL_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <infiniband/verbs.h>

#include "common/check.h"
#include "common/emu.h"
#include "common/verbs.h"

/* What the test expects of the emulated device (from the command line). */
struct ctl_expect {
	unsigned int gen; /* 0: don't check */
	bool cc; /* device reports CC_DMA_BOUNCE */
	bool dmabuf_memreg; /* kernel accepts the DMA-buf memreg extension */
	unsigned int abi; /* ABI version the provider should settle on */
	bool retry; /* the first alloc_ucontext is refused */
	bool open_fails; /* the first ibv_open_device must fail cleanly */
	int open_errno; /* ... with this errno (0: any) */
	/* the kernel grants comp_mask bit 5 with another meaning */
	bool bit5_foreign;
};

/*
 * Parse --gen N, --cc, --no-dmabuf-memreg, --abi N, --expect-retry,
 * --expect-open-fail [--open-errno N], --bit5-foreign; exits on anything
 * else.
 */
void ctl_parse_args(int argc, char **argv, struct ctl_expect *exp);

/* Route stderr into a temporary file until ctl_capture_end(). */
void ctl_capture_begin(void);
/*
 * Restore stderr and return what was written meanwhile (malloc'ed, NUL
 * terminated); it is also echoed to the real stderr for the test log.
 */
char *ctl_capture_end(void);

#endif /* IRDMA_TESTS_CTL_UTIL_H */
