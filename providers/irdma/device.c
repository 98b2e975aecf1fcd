// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Device and port queries: the kernel answers, we only format fw_ver. */
#include <stdio.h>
#include <string.h>

#include "irdma.h"
#include "verbs_ctl.h"

int irdma_query_device_ex(struct ibv_context *context,
			  const struct ibv_query_device_ex_input *input,
			  struct ibv_device_attr_ex *attr, size_t attr_size)
{
	struct ib_uverbs_ex_query_device_resp resp;
	size_t resp_size = sizeof(resp);
	char *fw = attr->orig_attr.fw_ver;
	int err;

	memset(&resp, 0, sizeof(resp));
	err = ibv_cmd_query_device_any(context, input, attr, attr_size, &resp,
				       &resp_size);
	/*
	 * libibverbs leaves fw_ver empty; irdma encodes the firmware major
	 * version in bits 47:32 of the raw value and the minor in bits 15:0.
	 */
	if (!err)
		snprintf(fw, sizeof(attr->orig_attr.fw_ver), "%u.%u",
			 (unsigned int)(resp.base.fw_ver >> 32) & 0xffffU,
			 (unsigned int)resp.base.fw_ver & 0xffffU);
	return err;
}

int irdma_query_port(struct ibv_context *context, uint8_t port,
		     struct ibv_port_attr *attr)
{
	struct ibv_query_port cmd;

	return ibv_cmd_query_port(context, port, attr, &cmd, sizeof(cmd));
}
