// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* The reflush request of both post paths (see doorbell.h). */
#include "doorbell.h"

struct irdma_qp_modify_cmd {
	struct ibv_modify_qp_ex ibv_cmd;
	struct irdma_modify_qp_req drv;
};

void irdma_qp_reflush(struct irdma_qp *qp, bool sq, bool rq)
{
	struct irdma_qp_modify_cmd cmd = {};
	struct ib_uverbs_ex_modify_qp_resp resp = {};
	struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };

	cmd.drv.sq_flush = sq;
	cmd.drv.rq_flush = rq;
	ibv_cmd_modify_qp_ex(&qp->vqp.qp, &attr, IBV_QP_STATE, &cmd.ibv_cmd,
			     sizeof(cmd), &resp, sizeof(resp));
}
