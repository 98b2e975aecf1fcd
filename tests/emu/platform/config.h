/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The emulator's configuration travels from irdma-emu-run to every process
 * it starts (and their children, and valgrind's guest) in environment
 * variables, because that is the only channel that survives exec.
 */
#ifndef IRDMA_EMU_CONFIG_H
#define IRDMA_EMU_CONFIG_H

#include "platform.h"

#define EMU_ENV_GEN "IRDMA_EMU_GEN"
#define EMU_ENV_CC "IRDMA_EMU_CC"
#define EMU_ENV_DMABUF_MEMREG "IRDMA_EMU_DMABUF_MEMREG"
#define EMU_ENV_KERNEL "IRDMA_EMU_KERNEL"
#define EMU_ENV_RING_ABI "IRDMA_EMU_RING_ABI"
#define EMU_ENV_UCTX_BIT5_FOREIGN "IRDMA_EMU_UCTX_BIT5_FOREIGN"
#define EMU_ENV_PUSH "IRDMA_EMU_PUSH"
#define EMU_ENV_DEVICES "IRDMA_EMU_DEVICES"
#define EMU_ENV_FABRIC "IRDMA_EMU_FABRIC"
#define EMU_ENV_SYSFS "IRDMA_EMU_SYSFS"
#define EMU_ENV_FAIL "IRDMA_EMU_FAIL"

#define EMU_DEFAULT_GEN 2U

#endif /* IRDMA_EMU_CONFIG_H */
