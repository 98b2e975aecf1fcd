// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Address handles, and the RoCE address-vector checks that create_ah and
 * modify_qp(IB_QP_AV) share.
 */
#include <errno.h>
#include <string.h>

#include <rdma/ib_user_verbs.h>
#include <rdma/irdma-abi.h>

#include "kernel_priv.h"

int emu_ah_attr_from_user(struct emu_device *dev,
			  const struct ib_uverbs_ah_attr *uah,
			  struct emu_ah_attr *out)
{
	uint8_t gid[EMU_GID_LEN];

	if (uah->port_num != 1)
		return -EINVAL;
	/* RoCE carries every packet in a GRH: a non-global AV is invalid */
	if (!uah->is_global)
		return -EINVAL;
	if (uah->grh.sgid_index >= dev->lim.gid_tbl_len)
		return -EINVAL;
	if (!emu_device_gid(dev, uah->grh.sgid_index, gid))
		return -ENODATA;
	memcpy(out->dgid, uah->grh.dgid, sizeof(out->dgid));
	out->flow_label = uah->grh.flow_label;
	out->sgid_index = uah->grh.sgid_index;
	out->hop_limit = uah->grh.hop_limit;
	out->traffic_class = uah->grh.traffic_class;
	out->dlid = uah->dlid;
	out->sl = uah->sl;
	out->src_path_bits = uah->src_path_bits;
	out->static_rate = uah->static_rate;
	out->is_global = uah->is_global;
	out->port_num = uah->port_num;
	return 0;
}

void emu_destroy_ah(struct emu_ah *ah)
{
	emu_obj_unpublish(&ah->obj);
	emu_id_free(ah->obj.file->dev, EMU_OBJ_AH, ah->ah_id);
	emu_obj_put(ah->pd);
	emu_obj_free(&ah->obj);
}

int emu_cmd_create_ah(struct emu_cmd *c)
{
	struct ib_uverbs_create_ah cmd;
	struct ib_uverbs_create_ah_resp resp = {};
	struct irdma_create_ah_resp uresp = {};
	struct emu_ah *ah;
	int ret;

	ret = emu_cmd_request(c, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (c->udata.outlen < sizeof(uresp))
		return -EINVAL;
	ah = emu_obj_alloc(c->f, EMU_OBJ_AH, sizeof(*ah));
	if (!ah)
		return -errno;
	ah->obj.user_handle = cmd.user_handle;
	ah->pd = emu_obj_get(c->f, EMU_OBJ_PD, cmd.pd_handle);
	if (!ah->pd) {
		emu_obj_free(&ah->obj);
		return -EINVAL;
	}
	ret = emu_ah_attr_from_user(c->f->dev, &cmd.attr, &ah->attr);
	if (!ret)
		ret = emu_id_alloc(c->f->dev, EMU_OBJ_AH, &ah->ah_id);
	if (ret) {
		emu_obj_put(ah->pd);
		emu_obj_free(&ah->obj);
		return ret;
	}
	emu_obj_publish(&ah->obj);
	uresp.ah_id = ah->ah_id;
	resp.ah_handle = ah->obj.handle;
	ret = emu_cmd_answer(c, &resp, sizeof(resp), &uresp, sizeof(uresp));
	if (ret)
		emu_destroy_ah(ah);
	return ret;
}

int emu_cmd_destroy_ah(struct emu_cmd *c)
{
	emu_destroy_ah((struct emu_ah *)c->obj);
	return 0;
}
