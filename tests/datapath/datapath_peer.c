// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * RC between two processes on one fabric (run under irdma-emu-run
 * --fabric NAME), with a peer that dies:
 *
 *  - the child opens the device, connects an RC QP to the parent's,
 *    posts receives and waits;
 *  - the parent sends to it (success, data checked by the child's reply
 *    through a pipe), then SIGKILLs the child and sends again: the send
 *    must fail with IBV_WC_RETRY_EXC_ERR after the transport retries, and
 *    the next one with IBV_WC_WR_FLUSH_ERR.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/check.h"
#include "common/device.h"
#include "common/verbs.h"

struct hello {
	uint32_t qpn;
	uint32_t ok;
};

static int xfer(int fd, void *buf, size_t len, bool out)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The peer: receive one message, report its first byte, then wait. */
static int child_main(int to_parent, int from_parent)
{
	struct hello me = { 0 }, peer;
	struct ibv_mr *mr;
	struct test_dev d;
	struct ibv_wc wc;
	struct test_qp q;
	uint8_t *buf;
	int ret;

	if (test_dev_open(&d, 1, 0) ||
	    test_qp_create(&d, &q, IBV_QPT_RC, 16, NULL)) {
		fprintf(stderr,
			"child: cannot open the device or create a QP\n");
		return 1;
	}
	buf = aligned_alloc(4096, 4096);
	mr = buf ? ibv_reg_mr(d.pd, buf, 4096, IBV_ACCESS_LOCAL_WRITE) : NULL;
	if (!mr) {
		perror("child: ibv_reg_mr");
		return 1;
	}
	me.qpn = q.qp->qp_num;
	if (xfer(to_parent, &me, sizeof(me), true) ||
	    xfer(from_parent, &peer, sizeof(peer), false) ||
	    test_qp_rc_connect(&d, &q, peer.qpn, 7))
		return 1;
	/* receives may only be posted once the QP left RESET */
	ret = test_post_recv(q.qp, 1, buf, 4096, mr->lkey);
	if (ret) {
		fprintf(stderr, "child: ibv_post_recv: %s\n", strerror(ret));
		return 1;
	}
	me.ok = 1;
	if (xfer(to_parent, &me, sizeof(me), true))
		return 1;
	if (test_poll_one(q.rcq, &wc, 10000) || wc.status)
		return 1;
	me.ok = buf[0];
	if (xfer(to_parent, &me, sizeof(me), true))
		return 1;
	pause(); /* until the parent kills us */
	return 0;
}

static int parent_main(pid_t child, int from_child, int to_child)
{
	struct ibv_send_wr wr = { 0 }, *bad;
	struct hello me = { 0 }, peer;
	struct ibv_mr *mr;
	struct ibv_sge sg;
	struct test_dev d;
	struct ibv_wc wc;
	struct test_qp q;
	uint8_t *buf;

	CHECK_RET(!test_dev_open(&d, 1, 0), "open");
	CHECK_RET(!test_qp_create(&d, &q, IBV_QPT_RC, 16, NULL), "qp");
	buf = aligned_alloc(4096, 4096);
	CHECK_RET(buf, "alloc");
	mr = ibv_reg_mr(d.pd, buf, 4096, IBV_ACCESS_LOCAL_WRITE);
	CHECK_RET(mr, "mr");
	CHECK_RET(!xfer(from_child, &peer, sizeof(peer), false), "child qpn");
	CHECK_RET(peer.qpn != q.qp->qp_num, "both processes got QPN %u",
		  peer.qpn);
	me.qpn = q.qp->qp_num;
	CHECK_RET(!xfer(to_child, &me, sizeof(me), true), "send qpn");
	CHECK_RET(!test_qp_rc_connect(&d, &q, peer.qpn, 7), "connect");
	CHECK_RET(!xfer(from_child, &peer, sizeof(peer), false) && peer.ok,
		  "child not connected");

	buf[0] = 0x5a;
	sg = (struct ibv_sge){ (uintptr_t)buf, 64, mr->lkey };
	test_signaled_wr(&wr, 1, IBV_WR_SEND, &sg, 1);
	CHECK_RET(!ibv_post_send(q.qp, &wr, &bad), "post");
	CHECK_RET(!test_poll_one(q.scq, &wc, 10000) && !wc.status, "send: %s",
		  ibv_wc_status_str(wc.status));
	CHECK_RET(!xfer(from_child, &peer, sizeof(peer), false) &&
			  peer.ok == 0x5a,
		  "child got %#x", peer.ok);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	wr.wr_id = 2;
	CHECK_RET(!ibv_post_send(q.qp, &wr, &bad), "post after death");
	wr.wr_id = 3;
	CHECK_RET(!ibv_post_send(q.qp, &wr, &bad), "post after death");
	CHECK_RET(!test_poll_one(q.scq, &wc, 30000),
		  "no completion for a dead peer");
	CHECK_RET(wc.wr_id == 2 && wc.status == IBV_WC_RETRY_EXC_ERR,
		  "dead peer: %s", ibv_wc_status_str(wc.status));
	CHECK_RET(!test_poll_one(q.scq, &wc, 3000) && wc.wr_id == 3 &&
			  wc.status == IBV_WC_WR_FLUSH_ERR,
		  "next: %s", ibv_wc_status_str(wc.status));
	test_qp_destroy(&q);
	ibv_dereg_mr(mr);
	free(buf);
	test_dev_close(&d);
	return 0;
}

int main(void)
{
	int up[2], down[2], ret;
	pid_t child;

	if (pipe(up) || pipe(down))
		return 1;
	/* fork before any verbs call: each process opens its own device */
	child = fork();
	if (child < 0)
		return 1;
	if (!child) {
		close(up[0]);
		close(down[1]);
		_exit(child_main(up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	ret = parent_main(child, up[0], down[1]);
	if (ret || test_failures) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	printf("1 passed, 0 failed\n");
	return 0;
}
