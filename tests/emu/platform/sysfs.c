// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Device identities and the generated sysfs tree.
 *
 * libibverbs (built without netlink) discovers devices only through sysfs:
 * class/infiniband_verbs/uverbsN names the ib device and its char device
 * numbers, class/infiniband/<dev>/device/modalias selects the provider,
 * and ports/1/{gids,gid_attrs/types} back ibv_query_gid and the GID table.
 * We write just that, plus the attributes ibv_devinfo prints.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "sysfs.h"

/* Locally administered OUI-like prefix: 02:49:52:44:4d ("IRDM"). */
static const uint8_t mac_prefix[5] = { 0x02, 0x49, 0x52, 0x44, 0x4d };

uint16_t emu_dev_pci_device(unsigned int gen)
{
	switch (gen) {
	case 1:
		return 0x37d2; /* X722 10GBASE-T */
	case 3:
		return 0x1452; /* IPU E2000 (IDPF) */
	default:
		return 0x1593; /* E810-C SFP */
	}
}

const char *emu_dev_fw_ver(unsigned int gen)
{
	switch (gen) {
	case 1:
		return "0.2";
	case 3:
		return "2.0";
	default:
		return "1.72";
	}
}

void emu_dev_mac(unsigned int idx, uint8_t mac[6])
{
	memcpy(mac, mac_prefix, sizeof(mac_prefix));
	mac[5] = idx & 0xff;
}

uint64_t emu_dev_node_guid(unsigned int idx)
{
	uint8_t mac[6];
	uint64_t guid = 0;
	uint8_t eui[8];
	int i;

	/* EUI-64 from EUI-48: insert ff:fe, flip the universal/local bit. */
	emu_dev_mac(idx, mac);
	eui[0] = mac[0] ^ 0x02;
	eui[1] = mac[1];
	eui[2] = mac[2];
	eui[3] = 0xff;
	eui[4] = 0xfe;
	eui[5] = mac[3];
	eui[6] = mac[4];
	eui[7] = mac[5];
	for (i = 0; i < 8; i++)
		guid = (guid << 8) | eui[i];
	return guid;
}

uint32_t emu_dev_ipv4(unsigned int idx)
{
	/* 10.73.0.(idx + 1) */
	return (10U << 24) | (73U << 16) | (idx + 1);
}

bool emu_dev_gid(unsigned int idx, unsigned int gid_index, uint8_t gid[16])
{
	uint64_t guid = emu_dev_node_guid(idx);
	uint32_t ip = emu_dev_ipv4(idx);
	int i;

	memset(gid, 0, 16);
	switch (gid_index) {
	case EMU_GID_LINK_LOCAL:
		gid[0] = 0xfe;
		gid[1] = 0x80;
		for (i = 0; i < 8; i++)
			gid[8 + i] = guid >> (56 - 8 * i);
		return true;
	case EMU_GID_IPV4:
		gid[10] = 0xff;
		gid[11] = 0xff;
		gid[12] = ip >> 24;
		gid[13] = ip >> 16;
		gid[14] = ip >> 8;
		gid[15] = ip;
		return true;
	default:
		return false;
	}
}

int emu_dev_find_gid(const uint8_t gid[16])
{
	uint8_t mine[16];
	unsigned int idx, g;

	for (idx = 0; idx < EMU_MAX_DEVICES; idx++)
		for (g = 0; g < EMU_GID_TABLE_LEN; g++)
			if (emu_dev_gid(idx, g, mine) && !memcmp(mine, gid, 16))
				return idx;
	return -1;
}

dev_t emu_dev_uverbs_rdev(unsigned int idx)
{
	return makedev(EMU_UVERBS_MAJOR, EMU_UVERBS_MINOR_BASE + idx);
}

/* ---- tree writer --------------------------------------------------- */

struct tree {
	char path[PATH_MAX];
	int err;
};

static void tree_mkdir(struct tree *t, const char *fmt, ...)
{
	char rel[PATH_MAX];
	char full[PATH_MAX * 2];
	va_list ap;

	if (t->err)
		return;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s/%s", t->path, rel);
	if (mkdir(full, 0755) && errno != EEXIST)
		t->err = -errno;
}

static void tree_file(struct tree *t, const char *rel, const char *fmt, ...)
{
	char full[PATH_MAX * 2];
	char body[512];
	va_list ap;
	ssize_t len;
	int fd;

	if (t->err)
		return;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s/%s", t->path, rel);
	fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0) {
		t->err = -errno;
		return;
	}
	len = strlen(body);
	if (write(fd, body, len) != len)
		t->err = -EIO;
	close(fd);
}

static void tree_link(struct tree *t, const char *target, const char *rel)
{
	char full[PATH_MAX * 2];

	if (t->err)
		return;
	snprintf(full, sizeof(full), "%s/%s", t->path, rel);
	if (symlink(target, full))
		t->err = -errno;
}

static void format_gid(char *out, size_t len, const uint8_t gid[16])
{
	snprintf(out, len,
		 "%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
		 "%02x%02x:%02x%02x:%02x%02x:%02x%02x",
		 gid[0], gid[1], gid[2], gid[3], gid[4], gid[5], gid[6], gid[7],
		 gid[8], gid[9], gid[10], gid[11], gid[12], gid[13], gid[14],
		 gid[15]);
}

static void format_guid(char *out, size_t len, uint64_t guid)
{
	snprintf(out, len, "%04x:%04x:%04x:%04x",
		 (unsigned int)(guid >> 48) & 0xffff,
		 (unsigned int)(guid >> 32) & 0xffff,
		 (unsigned int)(guid >> 16) & 0xffff,
		 (unsigned int)guid & 0xffff);
}

/* The PCI function under devices/, one per emulated device. */
static void write_pci_function(struct tree *t, unsigned int idx,
			       unsigned int gen, const char *pci)
{
	char rel[PATH_MAX];
	uint16_t did = emu_dev_pci_device(gen);

	tree_mkdir(t, "devices/pci0000:00/%s", pci);
#define PCI_FILE(name, ...)                                                 \
	do {                                                                \
		snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/%s", pci, \
			 name);                                             \
		tree_file(t, rel, __VA_ARGS__);                             \
	} while (0)
	PCI_FILE("vendor", "0x%04x\n", EMU_PCI_VENDOR_INTEL);
	PCI_FILE("device", "0x%04x\n", did);
	PCI_FILE("subsystem_vendor", "0x%04x\n", EMU_PCI_VENDOR_INTEL);
	PCI_FILE("subsystem_device", "0x%04x\n", 0x0001);
	PCI_FILE("class", "0x020000\n");
	PCI_FILE("modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc02sc00i00\n",
		 EMU_PCI_VENDOR_INTEL, did, EMU_PCI_VENDOR_INTEL, 0x0001);
#undef PCI_FILE
	(void)idx;
}

static void write_port(struct tree *t, const char *ib, unsigned int idx,
		       unsigned int gen)
{
	char rel[PATH_MAX];
	char text[64];
	uint8_t gid[16];
	unsigned int g;

	tree_mkdir(t, "%s/ports", ib);
	tree_mkdir(t, "%s/ports/1", ib);
	tree_mkdir(t, "%s/ports/1/gids", ib);
	tree_mkdir(t, "%s/ports/1/pkeys", ib);
	tree_mkdir(t, "%s/ports/1/gid_attrs", ib);
	tree_mkdir(t, "%s/ports/1/gid_attrs/types", ib);
#define PORT_FILE(name, ...)                                           \
	do {                                                           \
		snprintf(rel, sizeof(rel), "%s/ports/1/%s", ib, name); \
		tree_file(t, rel, __VA_ARGS__);                        \
	} while (0)
	PORT_FILE("state", "4: ACTIVE\n");
	PORT_FILE("phys_state", "5: LinkUp\n");
	PORT_FILE("link_layer", "Ethernet\n");
	PORT_FILE("rate",
		  gen == 1 ? "10 Gb/sec (1X QDR)\n" : "100 Gb/sec (4X EDR)\n");
	PORT_FILE("lid", "0x0\n");
	PORT_FILE("sm_lid", "0x0\n");
	PORT_FILE("sm_sl", "0\n");
	PORT_FILE("lid_mask_count", "0\n");
	PORT_FILE("cap_mask", "0x00010000\n");
	PORT_FILE("pkeys/0", "0xffff\n");
	for (g = 0; g < EMU_GID_TABLE_LEN; g++) {
		char name[64];

		emu_dev_gid(idx, g, gid);
		format_gid(text, sizeof(text), gid);
		snprintf(name, sizeof(name), "gids/%u", g);
		PORT_FILE(name, "%s\n", text);
		/*
		 * irdma is RoCE v2 only. Empty entries need a readable type
		 * too: libibverbs' GID-table fallback reads the type before
		 * it skips zero GIDs, and fails on an unreadable one.
		 */
		snprintf(name, sizeof(name), "gid_attrs/types/%u", g);
		PORT_FILE(name, "RoCE v2\n");
	}
#undef PORT_FILE
}

static void write_device(struct tree *t, unsigned int idx, unsigned int gen)
{
	char ib[64], uv[64], pci[32], rel[PATH_MAX], target[PATH_MAX];
	char guid[32];

	snprintf(ib, sizeof(ib), "class/infiniband/irdma%u", idx);
	snprintf(uv, sizeof(uv), "class/infiniband_verbs/uverbs%u", idx);
	snprintf(pci, sizeof(pci), "0000:00:%02x.0", idx + 2);
	write_pci_function(t, idx, gen, pci);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", pci);

	tree_mkdir(t, "%s", ib);
	format_guid(guid, sizeof(guid), emu_dev_node_guid(idx));
#define IB_FILE(name, ...)                                     \
	do {                                                   \
		snprintf(rel, sizeof(rel), "%s/%s", ib, name); \
		tree_file(t, rel, __VA_ARGS__);                \
	} while (0)
	IB_FILE("node_type", "1: CA\n");
	IB_FILE("node_guid", "%s\n", guid);
	IB_FILE("sys_image_guid", "%s\n", guid);
	IB_FILE("fw_ver", "%s\n", emu_dev_fw_ver(gen));
	IB_FILE("hw_rev", "%x\n", gen);
	IB_FILE("node_desc", "irdma-emu irdma%u\n", idx);
#undef IB_FILE
	snprintf(rel, sizeof(rel), "%s/device", ib);
	tree_link(t, target, rel);
	write_port(t, ib, idx, gen);

	tree_mkdir(t, "%s", uv);
	snprintf(rel, sizeof(rel), "%s/ibdev", uv);
	tree_file(t, rel, "irdma%u\n", idx);
	snprintf(rel, sizeof(rel), "%s/dev", uv);
	tree_file(t, rel, "%u:%u\n", EMU_UVERBS_MAJOR,
		  EMU_UVERBS_MINOR_BASE + idx);
	snprintf(rel, sizeof(rel), "%s/abi_version", uv);
	tree_file(t, rel, "%d\n", EMU_IRDMA_ABI_VERSION);
	snprintf(rel, sizeof(rel), "%s/device", uv);
	tree_link(t, target, rel);
}

int emu_sysfs_generate(const char *root, const struct emu_config *cfg)
{
	struct tree t = { .err = 0 };
	unsigned int i;

	if (strlen(root) >= sizeof(t.path))
		return -ENAMETOOLONG;
	strcpy(t.path, root);
	tree_mkdir(&t, "class");
	tree_mkdir(&t, "class/infiniband");
	tree_mkdir(&t, "class/infiniband_verbs");
	tree_mkdir(&t, "devices");
	tree_mkdir(&t, "devices/pci0000:00");
	tree_file(&t, "class/infiniband_verbs/abi_version", "%d\n",
		  EMU_UVERBS_ABI_VERSION);
	for (i = 0; i < cfg->ndevices; i++)
		write_device(&t, i, cfg->gen);
	return t.err;
}
