// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Address handles: the kernel creates the hardware AH; UD send WQEs name
 * it by the id it returns.
 */
#include <errno.h>
#include <stdlib.h>

#include "queues.h"

struct irdma_ah_create_resp {
	struct ib_uverbs_create_ah_resp ibv_resp;
	struct irdma_create_ah_resp drv;
};

struct ibv_ah *irdma_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr)
{
	struct irdma_ah_create_resp resp = {};
	struct irdma_ah *ah;
	int ret;

	/* RoCE addresses are GIDs: an AH without a GRH cannot be routed */
	if (!attr || !attr->is_global) {
		errno = EINVAL;
		return NULL;
	}
	ah = calloc(1, sizeof(*ah));
	if (!ah) {
		errno = ENOMEM;
		return NULL;
	}
	ret = ibv_cmd_create_ah(pd, &ah->ibv_ah, attr, &resp.ibv_resp,
				sizeof(resp));
	if (ret) {
		free(ah);
		errno = ret;
		return NULL;
	}
	ah->ah_id = resp.drv.ah_id;
	return &ah->ibv_ah;
}

int irdma_destroy_ah(struct ibv_ah *ibah)
{
	int ret = ibv_cmd_destroy_ah(ibah);

	if (ret)
		return ret;
	free(to_irdma_ah(ibah));
	return 0;
}
