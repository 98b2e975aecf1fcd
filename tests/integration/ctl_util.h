/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/* Small helpers shared by the control-path integration tests (ctl_*.c). */
#ifndef IRDMA_TESTS_CTL_UTIL_H
#define IRDMA_TESTS_CTL_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <infiniband/verbs.h>

#include "common/check.h"

/* What the test expects of the emulated device (from the command line). */
struct ctl_expect {
	unsigned int gen; /* 0: don't check */
	bool cc; /* device reports CC_DMA_BOUNCE */
	bool dmabuf_memreg; /* kernel accepts the DMA-buf memreg extension */
	unsigned int abi; /* ABI version the provider should settle on */
	bool retry; /* the first alloc_ucontext is refused */
	bool open_fails; /* the first ibv_open_device must fail cleanly */
	int open_errno; /* ... with this errno (0: any) */
};

/*
 * Parse --gen N, --cc, --no-dmabuf-memreg, --abi N, --expect-retry,
 * --expect-open-fail [--open-errno N]; exits on anything else.
 */
void ctl_parse_args(int argc, char **argv, struct ctl_expect *exp);

/* Open the first RDMA device; exits if there is none or it fails. */
struct ibv_context *ctl_open_first(void);
/* Same, but returns NULL with errno set when ibv_open_device() fails. */
struct ibv_context *ctl_try_open_first(void);

/*
 * Kernel objects the emulated driver holds right now (all devices and
 * contexts of this process), read through the emulator's
 * emu_kernel_live_objects(); exits if not running under the emulator.
 */
unsigned long ctl_live_kernel_objects(void);

/* Route stderr into a temporary file until ctl_capture_end(). */
void ctl_capture_begin(void);
/*
 * Restore stderr and return what was written meanwhile (malloc'ed, NUL
 * terminated); it is also echoed to the real stderr for the test log.
 */
char *ctl_capture_end(void);

#endif /* IRDMA_TESTS_CTL_UTIL_H */
