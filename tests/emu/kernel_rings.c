// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Ring memory beyond irdma's registration list (kernel_mr.c).
 *
 * From Linux 7.2 on, ib_umem_get() refuses plain user memory (a VA umem)
 * with EOPNOTSUPP on a device that needs DMA bounce (a CoCo guest's,
 * --cc): the device cannot reach the guest's private pages. A kernel
 * before 7.2 (--kernel old) takes it, as this emulator always did.
 */
#include "config.h"
#include "kernel.h"

bool emu_va_refused(void)
{
	const struct emu_config *cfg = emu_config();

	/* ib_umem_get() on a cc_dma_bounce device, from Linux 7.2 on */
	return cfg->cc && cfg->kernel != EMU_KERNEL_OLD;
}
