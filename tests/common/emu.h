/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The emulator's test hooks. Tests run under irdma-emu-run, which
 * preloads the emulator; its functions are found with dlsym() so the test
 * programs link and start without it (and test the library users get).
 */
#ifndef IRDMA_TESTS_COMMON_EMU_H
#define IRDMA_TESTS_COMMON_EMU_H

#include <stdbool.h>

/* The emulator's function @name; exits 1 if it is not preloaded. */
void *test_emu_sym(const char *name);

/* Objects the emulated kernel driver holds for this process right now. */
unsigned long test_emu_live_objects(void);

/*
 * The kernel the run emulates (irdma-emu-run --kernel): true for "old"
 * (write() ABI only; ioctl is ENOTTY), false for 7.2, the default.
 */
bool test_emu_kernel_old(void);
/*
 * Does the kernel refuse plain user memory (VA umem) with EOPNOTSUPP, as
 * Linux 7.2 does on a device that needs DMA bounce (--cc)?
 */
bool test_emu_va_refused(void);

#endif /* IRDMA_TESTS_COMMON_EMU_H */
