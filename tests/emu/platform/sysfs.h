/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The sysfs tree that publishes the emulated devices (their identity is in
 * platform.h), and what only the platform needs of them.
 */
#ifndef IRDMA_EMU_SYSFS_H
#define IRDMA_EMU_SYSFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform.h"

/* Character device numbers of /dev/infiniband/uverbsN, as on Linux. */
#define EMU_UVERBS_MAJOR 231U
#define EMU_UVERBS_MINOR_BASE 192U

/* uverbs ABI of ib_uverbs, and the irdma driver's own ABI version. */
#define EMU_UVERBS_ABI_VERSION 6
#define EMU_IRDMA_ABI_VERSION 5

/* IPv4 address of device @idx's netdev, host byte order. */
uint32_t emu_dev_ipv4(unsigned int idx);
/* st_rdev of /dev/infiniband/uverbs<idx>. */
dev_t emu_dev_uverbs_rdev(unsigned int idx);

#endif /* IRDMA_EMU_SYSFS_H */
