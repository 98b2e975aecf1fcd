// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * query_device / query_device_ex / query_port through our provider.
 * Usage: ctl_query [--gen N] [--cc]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl_util.h"

#define CC_DMA_BOUNCE (1ULL << 41)

static void check_fw_ver(const char *fw)
{
	unsigned int major, minor;
	char tail;

	CHECK(sscanf(fw, "%u.%u%c", &major, &minor, &tail) == 2,
	      "fw_ver '%s' is not MAJOR.MINOR", fw);
}

static void check_device(struct ibv_context *ctx, const struct ctl_expect *e,
			 struct ibv_device_attr *attr)
{
	struct ibv_device_attr_ex ex = {};

	CHECK(ibv_query_device(ctx, attr) == 0, "ibv_query_device: %m");
	CHECK(attr->vendor_id == 0x8086, "vendor 0x%x", attr->vendor_id);
	CHECK(attr->vendor_part_id != 0, "no part id");
	check_fw_ver(attr->fw_ver);
	CHECK(attr->max_qp > 0 && attr->max_cq > 0 && attr->max_mr > 0 &&
		      attr->max_pd > 0,
	      "zero object limits");
	CHECK(attr->max_qp_wr > 0 && attr->max_sge > 0 && attr->max_cqe > 0,
	      "zero queue limits");
	CHECK(attr->phys_port_cnt >= 1, "no ports");

	CHECK(ibv_query_device_ex(ctx, NULL, &ex) == 0,
	      "ibv_query_device_ex: %m");
	CHECK(!memcmp(&ex.orig_attr, attr, sizeof(*attr)),
	      "query_device_ex base attributes differ from query_device");
	CHECK(!!(ex.device_cap_flags_ex & CC_DMA_BOUNCE) == e->cc,
	      "CC_DMA_BOUNCE %s, expected %s",
	      (ex.device_cap_flags_ex & CC_DMA_BOUNCE) ? "set" : "clear",
	      e->cc ? "set" : "clear");
}

static void check_ports(struct ibv_context *ctx,
			const struct ibv_device_attr *dev)
{
	struct ibv_port_attr port;
	uint8_t p;

	for (p = 1; p <= dev->phys_port_cnt; p++) {
		memset(&port, 0, sizeof(port));
		CHECK(ibv_query_port(ctx, p, &port) == 0,
		      "ibv_query_port(%u): %m", p);
		CHECK(port.link_layer == IBV_LINK_LAYER_ETHERNET,
		      "port %u link layer %u, irdma is Ethernet", p,
		      port.link_layer);
		CHECK(port.gid_tbl_len > 0, "port %u has no GIDs", p);
		CHECK(port.max_mtu >= IBV_MTU_256 &&
			      port.max_mtu <= IBV_MTU_4096,
		      "port %u max_mtu %d", p, port.max_mtu);
	}
	errno = 0;
	CHECK(ibv_query_port(ctx, dev->phys_port_cnt + 1, &port) != 0,
	      "query of a port that does not exist succeeded");
}

int main(int argc, char **argv)
{
	struct ibv_device_attr attr;
	struct ibv_context *ctx;
	struct ctl_expect exp;

	ctl_parse_args(argc, argv, &exp);
	ctx = test_must_open_first_device();
	check_device(ctx, &exp, &attr);
	check_ports(ctx, &attr);
	CHECK(ibv_close_device(ctx) == 0, "ibv_close_device: %m");
	printf("ctl_query: fw %s part 0x%x ports %u ok\n", attr.fw_ver,
	       attr.vendor_part_id, attr.phys_port_cnt);
	return 0;
}
