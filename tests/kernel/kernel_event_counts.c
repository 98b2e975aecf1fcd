// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Event accounting of the emulated kernel. libibverbs' destroy calls wait
 * until the application acked as many events as the kernel says it
 * delivered (events_reported): a kernel that counts an event nobody read
 * makes ibv_destroy_qp/cq hang, one that forgets a read event makes the
 * ack counts wrong.
 *
 *   kernel_event_counts read    async + completion events read and acked
 *   kernel_event_counts unread  the same events left unread at destroy time
 *
 * Two RC QPs on one device talk to each other; an RDMA write with a bad
 * rkey puts the responder into error (IBV_EVENT_QP_ACCESS_ERR).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/verbs.h>

#include "common/events.h"
#include "common/verbs.h"
#include "kernel_util.h"

struct rig {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq;
	struct ibv_qp *req, *resp;
	struct ibv_mr *mr;
	union ibv_gid gid;
	char *buf;
};

static int to_rts(struct ibv_qp *qp, uint32_t peer, const union ibv_gid *gid)
{
	struct test_rc_peer p = TEST_RC_PEER(
		peer, *gid, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);

	p.sgid_index = 1;
	return test_rc_to_rts(qp, &p);
}

static void rig_up(struct rig *r)
{
	struct ibv_qp_init_attr ia;

	r->ctx = test_must_open_first_device();
	r->buf = kt_pages(4096);
	r->pd = ibv_alloc_pd(r->ctx);
	r->ch = ibv_create_comp_channel(r->ctx);
	r->cq = r->ch ? ibv_create_cq(r->ctx, 64, NULL, r->ch, 0) : NULL;
	ia = test_qp_attr(IBV_QPT_RC, r->cq, r->cq, 8);
	r->req = r->cq ? ibv_create_qp(r->pd, &ia) : NULL;
	r->resp = r->cq ? ibv_create_qp(r->pd, &ia) : NULL;
	r->mr = r->pd ? ibv_reg_mr(r->pd, r->buf, 4096,
				   IBV_ACCESS_LOCAL_WRITE |
					   IBV_ACCESS_REMOTE_WRITE) :
			NULL;
	if (!r->req || !r->resp || !r->mr ||
	    ibv_query_gid(r->ctx, 1, 1, &r->gid) ||
	    to_rts(r->req, r->resp->qp_num, &r->gid) ||
	    to_rts(r->resp, r->req->qp_num, &r->gid)) {
		fprintf(stderr, "FAIL: setup: %s\n", strerror(errno));
		exit(1);
	}
}

/* A bad-rkey write: one error completion, one async event. */
static void provoke(struct rig *r)
{
	struct ibv_sge sge = { (uintptr_t)r->buf, 64, r->mr->lkey };
	struct ibv_send_wr wr = {
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { (uintptr_t)r->buf + 1024, r->mr->rkey ^ 0x100 },
	};
	struct ibv_send_wr *bad;

	EXPECT(!ibv_req_notify_cq(r->cq, 0), "arm CQ");
	EXPECT(!ibv_post_send(r->req, &wr, &bad), "post_send");
	EXPECT(test_fd_readable(r->ch->fd, 5000), "no completion event");
	EXPECT(test_fd_readable(r->ctx->async_fd, 5000), "no async event");
}

static void consume(struct rig *r)
{
	struct ibv_async_event ev;
	struct ibv_cq *cq;
	struct ibv_wc wc;
	void *cq_ctx;

	EXPECT(!ibv_get_cq_event(r->ch, &cq, &cq_ctx) && cq == r->cq,
	       "get_cq_event");
	ibv_ack_cq_events(r->cq, 1);
	EXPECT(ibv_poll_cq(r->cq, 1, &wc) == 1 &&
		       wc.status == IBV_WC_REM_ACCESS_ERR,
	       "bad-rkey completion");
	EXPECT(!ibv_get_async_event(r->ctx, &ev), "get_async_event");
	EXPECT(ev.event_type == IBV_EVENT_QP_ACCESS_ERR &&
		       ev.element.qp == r->resp,
	       "event %s", ibv_event_type_str(ev.event_type));
	ibv_ack_async_event(&ev);
}

static void tear_down(struct rig *r, bool left_unread)
{
	/* each of these waits for acks of the events the kernel reports */
	EXPECT(!ibv_destroy_qp(r->resp), "destroy responder QP");
	EXPECT(!ibv_destroy_qp(r->req), "destroy requester QP");
	EXPECT(!ibv_destroy_cq(r->cq), "destroy CQ");
	if (left_unread) {
		/* and what nobody read went with its object */
		EXPECT(!test_fd_readable(r->ctx->async_fd, 0),
		       "async event of a destroyed QP still queued");
		EXPECT(!test_fd_readable(r->ch->fd, 0),
		       "completion event of a destroyed CQ still queued");
	}
	EXPECT(!ibv_destroy_comp_channel(r->ch), "destroy channel");
	EXPECT(!ibv_dereg_mr(r->mr), "dereg");
	EXPECT(!ibv_dealloc_pd(r->pd), "dealloc");
	EXPECT(!ibv_close_device(r->ctx), "close");
	EXPECT(test_emu_live_objects() == 0, "%lu objects left",
	       test_emu_live_objects());
}

int main(int argc, char **argv)
{
	struct rig r = { 0 };
	bool unread;

	if (argc != 2 || (strcmp(argv[1], "read") && strcmp(argv[1], "unread")))
		return 2;
	unread = !strcmp(argv[1], "unread");
	rig_up(&r);
	provoke(&r);
	if (!unread)
		consume(&r);
	tear_down(&r, unread);
	return test_exit_status();
}
