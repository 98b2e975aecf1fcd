// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ioctl methods of the DEVICE object, as uverbs_std_types_device.c
 * defines them: INVOKE_WRITE (every write() command through ioctl).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include <rdma/ib_user_verbs.h>

#include "kernel_ioctl.h"

/* ---- INVOKE_WRITE ----------------------------------------------------- */

static int invoke_write(struct emu_bundle *b)
{
	int64_t cmd;
	struct emu_cmd c;
	uint8_t *in = NULL;
	int len, ret;

	ret = emu_attr_const(b, UVERBS_ATTR_WRITE_CMD, 0, UINT32_MAX, &cmd);
	if (ret)
		return ret;
	len = emu_attr_len(b, UVERBS_ATTR_CORE_IN);
	if (len > 0) {
		in = malloc(len);
		if (!in)
			return -ENOMEM;
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CORE_IN, in, len);
		if (ret)
			goto out;
	}
	emu_ioctl_cmd(b, &c, false, in, len > 0 ? len : 0, NULL, 0);
	len = emu_attr_len(b, UVERBS_ATTR_CORE_OUT);
	if (len >= 0) {
		c.resp = emu_attr_data(b, UVERBS_ATTR_CORE_OUT);
		c.outlen = len;
	}
	ret = emu_kernel_run_write(&c, (uint32_t)cmd, true);
	/* the write handlers answer through uverbs_response() */
	if (!ret && len >= 0 && emu_kernel_write_has_resp((uint32_t)cmd))
		ret = emu_attr_output_written(b, UVERBS_ATTR_CORE_OUT);
out:
	free(in);
	return ret;
}

static const struct emu_attr_spec invoke_write_attrs[] = {
	EMU_CONST_IN(UVERBS_ATTR_WRITE_CMD, true),
	EMU_IN(UVERBS_ATTR_CORE_IN, sizeof(uint32_t), EMU_ATTR_LEN_MAX, false),
	EMU_OUT(UVERBS_ATTR_CORE_OUT, 0, EMU_ATTR_LEN_MAX, false),
	EMU_UHW,
};

/* ---- the tables --------------------------------------------------------- */

static const struct emu_method_spec m_invoke_write =
	EMU_METHOD(UVERBS_OBJECT_DEVICE, UVERBS_METHOD_INVOKE_WRITE,
		   "DEVICE.INVOKE_WRITE", invoke_write, invoke_write_attrs,
		   .own_fault = true);
const struct emu_method_spec *const emu_ioctl_device_methods[] = {
	&m_invoke_write,
	NULL,
};
