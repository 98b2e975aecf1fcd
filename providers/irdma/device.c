// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Device and port queries: the kernel answers, we only format fw_ver. */
#include <stdio.h>

#include "irdma.h"
#include "verbs_ctl.h"

/*
 * irdma firmware versions travel as major in bits 47:32 and minor in bits
 * 15:0 of fw_ver; libibverbs would otherwise print nothing useful.
 */
static void format_fw_ver(uint64_t raw, char *out, size_t len)
{
	unsigned int major = (raw >> 32) & 0xffff;
	unsigned int minor = raw & 0xffff;

	snprintf(out, len, "%u.%u", major, minor);
}

int irdma_query_device_ex(struct ibv_context *context,
			  const struct ibv_query_device_ex_input *input,
			  struct ibv_device_attr_ex *attr, size_t attr_size)
{
	struct ib_uverbs_ex_query_device_resp resp = {};
	size_t resp_size = sizeof(resp);
	int ret;

	ret = ibv_cmd_query_device_any(context, input, attr, attr_size, &resp,
				       &resp_size);
	if (ret)
		return ret;
	format_fw_ver(resp.base.fw_ver, attr->orig_attr.fw_ver,
		      sizeof(attr->orig_attr.fw_ver));
	return 0;
}

int irdma_query_port(struct ibv_context *context, uint8_t port,
		     struct ibv_port_attr *attr)
{
	struct ibv_query_port cmd;

	return ibv_cmd_query_port(context, port, attr, &cmd, sizeof(cmd));
}
