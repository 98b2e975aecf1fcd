/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Identity of the emulated devices, and the sysfs tree that publishes it.
 *
 * Everything here is a pure function of (gen, device index), so that two
 * processes on the same fabric agree on every GUID, MAC and GID without
 * talking to each other, and so that the driver half (query_device,
 * create_ah) reports exactly what sysfs shows.
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

#define EMU_PCI_VENDOR_INTEL 0x8086U
/* uverbs ABI of ib_uverbs, and the irdma driver's own ABI version. */
#define EMU_UVERBS_ABI_VERSION 6
#define EMU_IRDMA_ABI_VERSION 5

/*
 * Entries published per port under ports/1/gids. Index 0 is the IPv6
 * link-local GID, index 1 the IPv4-mapped one; the rest read as zero.
 * query_port's gid_tbl_len must not exceed this.
 */
#define EMU_GID_TABLE_LEN 32U
#define EMU_GID_LINK_LOCAL 0U
#define EMU_GID_IPV4 1U

/* PCI device id the emulated device of generation @gen carries. */
uint16_t emu_dev_pci_device(unsigned int gen);
/* "x.y" firmware version string for sysfs fw_ver and query_device. */
const char *emu_dev_fw_ver(unsigned int gen);
/* Port MAC address of device @idx (locally administered, unicast). */
void emu_dev_mac(unsigned int idx, uint8_t mac[6]);
/* Node GUID (host byte order): the EUI-64 derived from the MAC. */
uint64_t emu_dev_node_guid(unsigned int idx);
/* IPv4 address of device @idx's netdev, host byte order. */
uint32_t emu_dev_ipv4(unsigned int idx);
/*
 * The 16-byte GID at @gid_index on port 1 of device @idx. Returns false
 * (and zeroes @gid) for an empty table entry.
 */
bool emu_dev_gid(unsigned int idx, unsigned int gid_index, uint8_t gid[16]);
/*
 * Device index whose GID table holds @gid (any index), or -1. The driver
 * uses this to resolve a destination GID to a device/MAC like ARP would.
 */
int emu_dev_find_gid(const uint8_t gid[16]);
/* st_rdev of /dev/infiniband/uverbs<idx>. */
dev_t emu_dev_uverbs_rdev(unsigned int idx);

/*
 * Create the sysfs tree for @cfg under @root (which must exist and be
 * empty). Returns 0 or -errno.
 */
int emu_sysfs_generate(const char *root, const struct emu_config *cfg);

#endif /* IRDMA_EMU_SYSFS_H */
