// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Data-path tests of the emulated device, two QPs inside one process:
 * every RC opcode the generation supports with data checks, error
 * statuses and flushes, RNR, CQ overflow, SRQ limit events and UD through
 * many address handles.
 *
 * usage: datapath_ops [CASE...]   (no argument: all cases)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cases.h"
#include "common/check.h"
#include "common/device.h"
#include "common/events.h"
#include "common/verbs.h"

#define BUF 65536

struct pair {
	struct test_qp a, b;
	uint8_t *abuf, *bbuf;
	struct ibv_mr *amr, *bmr;
};

/* Two connected RC QPs, each with a registered BUF-byte buffer. */
static int pair_open(struct test_dev *d, struct pair *p, int cqe, int rnr)
{
	int acc = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		  IBV_ACCESS_REMOTE_READ;

	memset(p, 0, sizeof(*p));
	if (d->attr.orig_attr.atomic_cap != IBV_ATOMIC_NONE)
		acc |= IBV_ACCESS_REMOTE_ATOMIC;
	p->abuf = aligned_alloc(4096, BUF);
	p->bbuf = aligned_alloc(4096, BUF);
	CHECK_RET(p->abuf && p->bbuf, "alloc");
	memset(p->abuf, 0, BUF);
	memset(p->bbuf, 0, BUF);
	p->amr = ibv_reg_mr(d->pd, p->abuf, BUF, acc);
	p->bmr = ibv_reg_mr(d->pd, p->bbuf, BUF, acc);
	CHECK_RET(p->amr && p->bmr, "reg_mr");
	CHECK_RET(!test_qp_create(d, &p->a, IBV_QPT_RC, cqe, NULL), "qp a");
	CHECK_RET(!test_qp_create(d, &p->b, IBV_QPT_RC, cqe, NULL), "qp b");
	CHECK_RET(!test_qp_rc_connect(d, &p->a, p->b.qp->qp_num, rnr),
		  "conn a");
	CHECK_RET(!test_qp_rc_connect(d, &p->b, p->a.qp->qp_num, rnr),
		  "conn b");
	return 0;
}

static void pair_close(struct pair *p)
{
	test_qp_destroy(&p->a);
	test_qp_destroy(&p->b);
	if (p->amr)
		ibv_dereg_mr(p->amr);
	if (p->bmr)
		ibv_dereg_mr(p->bmr);
	free(p->abuf);
	free(p->bbuf);
}

static void fill(uint8_t *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + seed);
}

static int post_send(struct ibv_qp *qp, struct ibv_send_wr *wr)
{
	struct ibv_send_wr *bad;

	return ibv_post_send(qp, wr, &bad);
}

/* Post @wr on @q and wait for a send completion; 0 if one came. */
static int post_and_poll(struct test_qp *q, struct ibv_send_wr *wr,
			 struct ibv_wc *wc)
{
	return post_send(q->qp, wr) ? -1 : test_poll_one(q->scq, wc, 3000);
}

/* A zeroed, signaled @op WR whose one SGE is @len bytes at @addr. */
static void one_sge_wr(struct ibv_send_wr *wr, struct ibv_sge *sg,
		       enum ibv_wr_opcode op, const void *addr, uint32_t len,
		       uint32_t lkey)
{
	*sg = (struct ibv_sge){ (uintptr_t)addr, len, lkey };
	test_signaled_wr(wr, 0, op, sg, 1);
}

/* SEND with 3 SGEs and immediate data, inline SEND, multi-packet SEND. */
static int t_send(struct test_dev *d, struct pair *p)
{
	struct ibv_sge sg[3];
	struct ibv_send_wr wr = { 0 };
	struct ibv_wc wc;

	fill(p->abuf, BUF, 1);
	CHECK_RET(!test_post_recv(p->b.qp, 11, p->bbuf, BUF, p->bmr->lkey),
		  "recv");
	sg[0] = (struct ibv_sge){ (uintptr_t)p->abuf, 100, p->amr->lkey };
	sg[1] = (struct ibv_sge){ (uintptr_t)p->abuf + 1000, 200,
				  p->amr->lkey };
	sg[2] = (struct ibv_sge){ (uintptr_t)p->abuf + 5000, 300,
				  p->amr->lkey };
	wr.wr_id = 21;
	wr.sg_list = sg;
	wr.num_sge = 3;
	/* gen 1 is iWARP: no immediate data */
	wr.opcode = d->gen > 1 ? IBV_WR_SEND_WITH_IMM : IBV_WR_SEND;
	wr.imm_data = htobe32(0x1234abcd);
	wr.send_flags = IBV_SEND_SIGNALED;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc), "send cqe");
	CHECK_RET(wc.status == IBV_WC_SUCCESS && wc.wr_id == 21 &&
			  wc.opcode == IBV_WC_SEND,
		  "send wc %s op %d", ibv_wc_status_str(wc.status), wc.opcode);
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000), "recv cqe");
	CHECK_RET(
		wc.status == IBV_WC_SUCCESS && wc.wr_id == 11 &&
			wc.opcode == IBV_WC_RECV && wc.byte_len == 600 &&
			(d->gen == 1 || ((wc.wc_flags & IBV_WC_WITH_IMM) &&
					 wc.imm_data == htobe32(0x1234abcd))) &&
			wc.qp_num == p->b.qp->qp_num,
		"recv wc %s len %u flags %x imm %x",
		ibv_wc_status_str(wc.status), wc.byte_len, wc.wc_flags,
		wc.imm_data);
	CHECK_RET(!memcmp(p->bbuf, p->abuf, 100) &&
			  !memcmp(p->bbuf + 100, p->abuf + 1000, 200) &&
			  !memcmp(p->bbuf + 300, p->abuf + 5000, 300),
		  "data");

	/* inline */
	CHECK_RET(!test_post_recv(p->b.qp, 12, p->bbuf, BUF, p->bmr->lkey),
		  "recv");
	sg[0] = (struct ibv_sge){ (uintptr_t)p->abuf + 7, 40, 0 };
	wr.num_sge = 1;
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_SIGNALED | IBV_SEND_INLINE;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status, "inline cqe");
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000) && !wc.status &&
			  wc.byte_len == 40 && !(wc.wc_flags & IBV_WC_WITH_IMM),
		  "inline recv len %u", wc.byte_len);
	CHECK_RET(!memcmp(p->bbuf, p->abuf + 7, 40), "inline data");

	/* several fabric packets */
	CHECK_RET(!test_post_recv(p->b.qp, 13, p->bbuf, BUF, p->bmr->lkey),
		  "recv");
	sg[0] = (struct ibv_sge){ (uintptr_t)p->abuf, BUF, p->amr->lkey };
	wr.send_flags = IBV_SEND_SIGNALED;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status, "big cqe");
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000) && !wc.status &&
			  wc.byte_len == BUF,
		  "big recv");
	CHECK_RET(!memcmp(p->bbuf, p->abuf, BUF), "big data");
	return 0;
}

/* RDMA WRITE, WRITE with immediate, READ; unsignaled WQEs in between. */
static int t_rdma(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	struct ibv_wc wc;
	int i;

	fill(p->abuf, BUF, 3);
	/* send_flags per WR below: only the last of four is signaled */
	one_sge_wr(&wr, &sg, IBV_WR_RDMA_WRITE, p->abuf, 40000, p->amr->lkey);
	wr.wr.rdma.remote_addr = (uintptr_t)p->bbuf + 8;
	wr.wr.rdma.rkey = p->bmr->rkey;
	for (i = 0; i < 4; i++) {
		wr.wr_id = 100 + i;
		wr.send_flags = i == 3 ? IBV_SEND_SIGNALED : 0;
		CHECK_RET(!post_send(p->a.qp, &wr), "post write");
	}
	CHECK_RET(!test_poll_one(p->a.scq, &wc, 3000), "write cqe");
	CHECK_RET(!wc.status && wc.wr_id == 103 &&
			  wc.opcode == IBV_WC_RDMA_WRITE,
		  "write wc %s id %llu", ibv_wc_status_str(wc.status),
		  (unsigned long long)wc.wr_id);
	CHECK_RET(!memcmp(p->bbuf + 8, p->abuf, 40000), "write data");
	CHECK_RET(test_poll_one(p->a.scq, &wc, 100),
		  "unsignaled WQEs completed");

	if (d->gen == 1)
		goto read; /* iWARP: no write with immediate */
	CHECK_RET(!test_post_recv(p->b.qp, 7, p->bbuf, 4096, p->bmr->lkey),
		  "recv");
	wr.opcode = IBV_WR_RDMA_WRITE_WITH_IMM;
	wr.imm_data = htobe32(77);
	wr.send_flags = IBV_SEND_SIGNALED;
	sg.length = 512;
	wr.wr.rdma.remote_addr = (uintptr_t)p->bbuf + 1024;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status, "wimm cqe");
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000), "wimm recv cqe");
	CHECK_RET(!wc.status && wc.opcode == IBV_WC_RECV_RDMA_WITH_IMM &&
			  wc.imm_data == htobe32(77) && wc.wr_id == 7,
		  "wimm wc %s op %d", ibv_wc_status_str(wc.status), wc.opcode);
read:
	fill(p->bbuf, BUF, 9);
	memset(p->abuf, 0, BUF);
	wr.opcode = IBV_WR_RDMA_READ;
	wr.send_flags = IBV_SEND_SIGNALED;
	sg.length = 50000;
	wr.wr.rdma.remote_addr = (uintptr_t)p->bbuf + 100;
	wr.wr_id = 55;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc), "read cqe");
	CHECK_RET(!wc.status && wc.opcode == IBV_WC_RDMA_READ && wc.wr_id == 55,
		  "read wc %s", ibv_wc_status_str(wc.status));
	CHECK_RET(!memcmp(p->abuf, p->bbuf + 100, 50000), "read data");
	return 0;
}

static int t_atomic(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	struct ibv_wc wc;
	uint64_t *remote, *local;

	if (d->attr.orig_attr.atomic_cap == IBV_ATOMIC_NONE) {
		printf("     (no atomics on gen %d)\n", d->gen);
		return 0;
	}
	remote = (uint64_t *)(p->bbuf + 64);
	local = (uint64_t *)p->abuf;
	*remote = 1000;
	one_sge_wr(&wr, &sg, IBV_WR_ATOMIC_FETCH_AND_ADD, local, 8,
		   p->amr->lkey);
	wr.wr.atomic.remote_addr = (uintptr_t)remote;
	wr.wr.atomic.rkey = p->bmr->rkey;
	wr.wr.atomic.compare_add = 5;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status &&
			  wc.opcode == IBV_WC_FETCH_ADD,
		  "fadd wc");
	CHECK_RET(*local == 1000 && *remote == 1005, "fadd %llu %llu",
		  (unsigned long long)*local, (unsigned long long)*remote);
	wr.opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
	wr.wr.atomic.compare_add = 1005;
	wr.wr.atomic.swap = 42;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status &&
			  wc.opcode == IBV_WC_COMP_SWAP,
		  "cas wc");
	CHECK_RET(*local == 1005 && *remote == 42, "cas");
	return 0;
}

/* Bad rkey: REM_ACCESS_ERR for the WQE, WR_FLUSH_ERR for the next ones. */
static int t_rkey_error(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	struct ibv_wc wc;
	int i;

	one_sge_wr(&wr, &sg, IBV_WR_RDMA_WRITE, p->abuf, 64, p->amr->lkey);
	wr.wr.rdma.remote_addr = (uintptr_t)p->bbuf;
	wr.wr.rdma.rkey = p->bmr->rkey ^ 0x5500;
	for (i = 0; i < 3; i++) {
		wr.wr_id = 300 + i;
		CHECK_RET(!post_send(p->a.qp, &wr), "post");
	}
	CHECK_RET(!test_poll_one(p->a.scq, &wc, 3000), "cqe 1");
	CHECK_RET(wc.wr_id == 300 && wc.status == IBV_WC_REM_ACCESS_ERR,
		  "first: id %llu %s", (unsigned long long)wc.wr_id,
		  ibv_wc_status_str(wc.status));
	for (i = 1; i < 3; i++) {
		CHECK_RET(!test_poll_one(p->a.scq, &wc, 3000), "cqe %d", i);
		CHECK_RET(wc.wr_id == 300u + i &&
				  wc.status == IBV_WC_WR_FLUSH_ERR,
			  "flush %d: %s", i, ibv_wc_status_str(wc.status));
	}
	CHECK_RET(test_wait_async_event(d->ctx, IBV_EVENT_QP_ACCESS_ERR, 2000),
		  "responder access error event");
	return 0;
}

/* Receive buffer too small: LOC_LEN_ERR there, REM_INV_REQ_ERR here. */
static int t_len_error(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	struct ibv_wc wc;

	CHECK_RET(!test_post_recv(p->b.qp, 1, p->bbuf, 16, p->bmr->lkey),
		  "recv");
	CHECK_RET(!test_post_recv(p->b.qp, 2, p->bbuf, 16, p->bmr->lkey),
		  "recv");
	one_sge_wr(&wr, &sg, IBV_WR_SEND, p->abuf, 64, p->amr->lkey);
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc), "send cqe");
	CHECK_RET(wc.status == IBV_WC_REM_INV_REQ_ERR, "sender: %s",
		  ibv_wc_status_str(wc.status));
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000), "recv cqe");
	CHECK_RET(wc.wr_id == 1 && wc.status == IBV_WC_LOC_LEN_ERR,
		  "receiver: %s", ibv_wc_status_str(wc.status));
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000), "recv flush cqe");
	CHECK_RET(wc.wr_id == 2 && wc.status == IBV_WC_WR_FLUSH_ERR,
		  "receiver flush: %s", ibv_wc_status_str(wc.status));
	return 0;
}

/* No receive posted and rnr_retry 0: RNR_RETRY_EXC_ERR. */
static int t_rnr(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	struct ibv_wc wc;

	one_sge_wr(&wr, &sg, IBV_WR_SEND, p->abuf, 8, p->amr->lkey);
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc), "cqe");
	CHECK_RET(wc.status == IBV_WC_RNR_RETRY_EXC_ERR, "%s",
		  ibv_wc_status_str(wc.status));
	return 0;
}

/* A receive posted late is found by RNR retries (rnr_retry 7). */
static int t_rnr_recover(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	struct ibv_wc wc;

	one_sge_wr(&wr, &sg, IBV_WR_SEND, p->abuf, 8, p->amr->lkey);
	CHECK_RET(!post_send(p->a.qp, &wr), "post");
	CHECK_RET(test_poll_one(p->a.scq, &wc, 50),
		  "completed without a receive");
	CHECK_RET(!test_post_recv(p->b.qp, 1, p->bbuf, 16, p->bmr->lkey),
		  "recv");
	CHECK_RET(!test_poll_one(p->a.scq, &wc, 3000) && !wc.status, "send");
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000) && !wc.status, "recv");
	return 0;
}

/* Moving to ERR flushes the posted receives and later sends. */
static int t_flush(struct test_dev *d, struct pair *p)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_ERR };
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	struct ibv_wc wc;
	int i;

	for (i = 0; i < 5; i++)
		CHECK_RET(!test_post_recv(p->b.qp, 40 + i, p->bbuf, 64,
					  p->bmr->lkey),
			  "recv");
	CHECK_RET(!ibv_modify_qp(p->b.qp, &a, IBV_QP_STATE), "to err");
	for (i = 0; i < 5; i++) {
		CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000), "flush cqe %d",
			  i);
		CHECK_RET(wc.wr_id == 40u + i &&
				  wc.status == IBV_WC_WR_FLUSH_ERR,
			  "rq flush %d: %s", i, ibv_wc_status_str(wc.status));
	}
	CHECK_RET(test_poll_one(p->b.rcq, &wc, 50), "extra completion");
	/* posted after the flush: still completed with flush status */
	one_sge_wr(&wr, &sg, IBV_WR_SEND, p->bbuf, 8, p->bmr->lkey);
	wr.wr_id = 9;
	CHECK_RET(!post_and_poll(&p->b, &wr, &wc), "sq flush cqe");
	CHECK_RET(wc.wr_id == 9 && wc.status == IBV_WC_WR_FLUSH_ERR, "sq: %s",
		  ibv_wc_status_str(wc.status));
	CHECK_RET(!test_post_recv(p->b.qp, 50, p->bbuf, 64, p->bmr->lkey),
		  "recv");
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000), "late rq flush cqe");
	CHECK_RET(wc.wr_id == 50 && wc.status == IBV_WC_WR_FLUSH_ERR,
		  "late rq: %s", ibv_wc_status_str(wc.status));
	return 0;
}

/* More completions than the CQ holds: IBV_EVENT_CQ_ERR. */
static int t_cq_overflow(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	int i, n;

	n = p->b.rcq->cqe * 2 + 8;
	if (n > 60)
		n = 60;
	for (i = 0; i < n; i++)
		CHECK_RET(
			!test_post_recv(p->b.qp, i, p->bbuf, 64, p->bmr->lkey),
			"recv %d", i);
	one_sge_wr(&wr, &sg, IBV_WR_SEND, p->abuf, 8, p->amr->lkey);
	for (i = 0; i < n; i++) {
		/* keep the send CQ from overflowing: signal every 4th */
		wr.send_flags = (i % 4 == 3) ? IBV_SEND_SIGNALED : 0;
		CHECK_RET(!post_send(p->a.qp, &wr), "send %d", i);
		if (i % 4 == 3) {
			struct ibv_wc wc;

			CHECK_RET(!test_poll_one(p->a.scq, &wc, 3000), "scqe");
		}
	}
	CHECK_RET(test_wait_async_event(d->ctx, IBV_EVENT_CQ_ERR, 3000),
		  "no CQ error event");
	return 0;
}

/* SRQ limit: arm at 4 with 8 posted, consume 5 -> SRQ_LIMIT_REACHED. */
static int t_srq_limit(struct test_dev *d)
{
	struct ibv_srq_init_attr sia = { .attr = { .max_wr = 16,
						   .max_sge = 1 } };
	struct ibv_srq_attr sa = { .srq_limit = 4 };
	struct ibv_send_wr wr = { 0 };
	struct ibv_recv_wr rwr = { 0 }, *bad;
	struct ibv_srq *srq;
	struct ibv_sge sg, rsg;
	struct test_qp a, b;
	struct ibv_mr *mr;
	struct ibv_wc wc;
	uint8_t *buf;
	int i;

	if (d->gen < 3) {
		srq = ibv_create_srq(d->pd, &sia);
		CHECK_RET(!srq, "gen %d created an SRQ", d->gen);
		return 0;
	}
	buf = aligned_alloc(4096, 4096);
	CHECK_RET(buf, "alloc");
	mr = ibv_reg_mr(d->pd, buf, 4096, IBV_ACCESS_LOCAL_WRITE);
	srq = ibv_create_srq(d->pd, &sia);
	CHECK_RET(mr && srq, "srq/mr");
	rsg = (struct ibv_sge){ (uintptr_t)buf + 2048, 64, mr->lkey };
	rwr.sg_list = &rsg;
	rwr.num_sge = 1;
	for (i = 0; i < 8; i++) {
		rwr.wr_id = 500 + i;
		CHECK_RET(!ibv_post_srq_recv(srq, &rwr, &bad), "post srq");
	}
	CHECK_RET(!ibv_modify_srq(srq, &sa, IBV_SRQ_LIMIT), "arm limit");
	CHECK_RET(!test_qp_create(d, &a, IBV_QPT_RC, 64, NULL), "qp a");
	CHECK_RET(!test_qp_create(d, &b, IBV_QPT_RC, 64, srq), "qp b");
	CHECK_RET(!test_qp_rc_connect(d, &a, b.qp->qp_num, 7), "conn");
	CHECK_RET(!test_qp_rc_connect(d, &b, a.qp->qp_num, 7), "conn");
	one_sge_wr(&wr, &sg, IBV_WR_SEND, buf, 32, mr->lkey);
	for (i = 0; i < 5; i++) {
		CHECK_RET(!post_and_poll(&a, &wr, &wc) && !wc.status, "scqe");
		CHECK_RET(!test_poll_one(b.rcq, &wc, 3000) && !wc.status &&
				  wc.wr_id == 500u + i && wc.byte_len == 32 &&
				  wc.qp_num == b.qp->qp_num,
			  "srq cqe %d: %s id %llu", i,
			  ibv_wc_status_str(wc.status),
			  (unsigned long long)wc.wr_id);
	}
	CHECK_RET(test_wait_async_event(d->ctx, IBV_EVENT_SRQ_LIMIT_REACHED,
					3000),
		  "no SRQ limit event");
	{
		struct ibv_qp_attr ea = { .qp_state = IBV_QPS_ERR };

		CHECK_RET(!ibv_modify_qp(b.qp, &ea, IBV_QP_STATE), "to err");
		CHECK_RET(test_wait_async_event(
				  d->ctx, IBV_EVENT_QP_LAST_WQE_REACHED, 3000),
			  "no last WQE reached event");
	}
	test_qp_destroy(&a);
	test_qp_destroy(&b);
	ibv_destroy_srq(srq);
	ibv_dereg_mr(mr);
	free(buf);
	return 0;
}

/* UD: one receiver, 32 AHs on the sender, GRH and source QPN reported. */
static int t_ud_many_ah(struct test_dev *d)
{
	enum { NAH = 32 };
	struct ibv_ah_attr aa = {
		.is_global = 1,
		.port_num = 1,
		.grh = { .dgid = d->gid,
			 .sgid_index = (uint8_t)d->gid_index,
			 .hop_limit = 1 },
	};
	struct ibv_send_wr wr = { 0 };
	struct ibv_ah *ah[NAH];
	struct ibv_sge sg;
	struct test_qp s, r;
	struct ibv_mr *mr;
	struct ibv_wc wc;
	uint8_t *buf;
	int i;

	buf = aligned_alloc(4096, 65536);
	CHECK_RET(buf, "alloc");
	memset(buf, 0, 65536);
	mr = ibv_reg_mr(d->pd, buf, 65536, IBV_ACCESS_LOCAL_WRITE);
	CHECK_RET(mr, "mr");
	if (d->gen == 1 && test_qp_create(d, &s, IBV_QPT_UD, 64, NULL)) {
		/* X722 is iWARP: a driver may refuse UD altogether */
		printf("     (no UD on gen 1)\n");
		test_qp_destroy(&s);
		ibv_dereg_mr(mr);
		free(buf);
		return 0;
	}
	CHECK_RET(d->gen == 1 || !test_qp_create(d, &s, IBV_QPT_UD, 64, NULL),
		  "qp s");
	CHECK_RET(!test_qp_create(d, &r, IBV_QPT_UD, 64, NULL), "qp r");
	CHECK_RET(!test_qp_ud_ready(&s, 0x11111111), "ud s");
	CHECK_RET(!test_qp_ud_ready(&r, 0x11111111), "ud r");
	for (i = 0; i < NAH; i++) {
		ah[i] = ibv_create_ah(d->pd, &aa);
		CHECK_RET(ah[i], "ah %d", i);
	}
	for (i = 0; i < NAH; i++)
		CHECK_RET(!test_post_recv(r.qp, i, buf + 1024 * i, 1024,
					  mr->lkey),
			  "recv");
	one_sge_wr(&wr, &sg, IBV_WR_SEND, buf + 40000, 100, mr->lkey);
	wr.wr.ud.remote_qpn = r.qp->qp_num;
	wr.wr.ud.remote_qkey = 0x11111111;
	for (i = 0; i < NAH; i++) {
		buf[40000] = (uint8_t)i;
		wr.wr.ud.ah = ah[i];
		CHECK_RET(!post_send(s.qp, &wr), "send %d", i);
		CHECK_RET(!test_poll_one(s.scq, &wc, 3000) && !wc.status,
			  "scqe");
		CHECK_RET(!test_poll_one(r.rcq, &wc, 3000), "rcqe %d", i);
		CHECK_RET(!wc.status && wc.wr_id == (uint64_t)i &&
				  wc.src_qp == s.qp->qp_num &&
				  (wc.wc_flags & IBV_WC_GRH) &&
				  buf[1024 * i + 40] == (uint8_t)i,
			  "ud %d: %s src %u", i, ibv_wc_status_str(wc.status),
			  wc.src_qp);
	}
	/* a wrong Q_Key is dropped, not delivered */
	CHECK_RET(!test_post_recv(r.qp, 99, buf, 1024, mr->lkey), "recv");
	wr.wr.ud.remote_qkey = 0x22222222;
	CHECK_RET(!post_and_poll(&s, &wr, &wc) && !wc.status, "scqe");
	CHECK_RET(test_poll_one(r.rcq, &wc, 100), "bad qkey delivered");
	for (i = 0; i < NAH; i++)
		ibv_destroy_ah(ah[i]);
	test_qp_destroy(&s);
	test_qp_destroy(&r);
	ibv_dereg_mr(mr);
	free(buf);
	return 0;
}

/* Resize the receive CQ between bursts of traffic. */
static int t_cq_resize(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 };
	struct ibv_sge sg;
	struct ibv_wc wc;
	int round, i, sizes[] = { 256, 32, 128 };

	one_sge_wr(&wr, &sg, IBV_WR_SEND, p->abuf, 8, p->amr->lkey);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 10; i++) {
			CHECK_RET(!test_post_recv(p->b.qp, round * 100 + i,
						  p->bbuf, 64, p->bmr->lkey),
				  "r");
			CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status,
				  "scqe");
		}
		/* five completions wait in the old ring across the resize */
		for (i = 0; i < 5; i++)
			CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000) &&
					  wc.wr_id ==
						  (uint64_t)(round * 100 + i),
				  "a");
		if (d->gen > 1)
			CHECK_RET(!ibv_resize_cq(p->b.rcq, sizes[round]),
				  "resize to %d", sizes[round]);
		for (; i < 10; i++) {
			CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000),
				  "round %d b %d", round, i);
			CHECK_RET(
				!wc.status &&
					wc.wr_id == (uint64_t)(round * 100 + i),
				"order: got %llu want %d",
				(unsigned long long)wc.wr_id, round * 100 + i);
		}
	}
	return 0;
}

/*
 * Type 1 window bound with ibv_bind_mw, read through it; a type 2 window
 * bound, used, and invalidated locally (IBV_WR_LOCAL_INV). @p is a fresh
 * pair: t_mw left the first one in error.
 */
static int t_mw_local_inv(struct test_dev *d, struct pair *p,
			  struct ibv_mr *wmr)
{
	struct ibv_mw_bind mb = { 0 };
	struct ibv_send_wr wr;
	struct ibv_mw *mw1, *mw2;
	struct ibv_sge sg;
	struct ibv_wc wc;
	uint8_t *win = wmr->addr;

	mw1 = ibv_alloc_mw(d->pd, IBV_MW_TYPE_1);
	mw2 = ibv_alloc_mw(d->pd, IBV_MW_TYPE_2);
	CHECK_RET(mw1 && mw2, "alloc mw");
	fill(win, 4096, 11);
	mb.wr_id = 7;
	mb.send_flags = IBV_SEND_SIGNALED;
	mb.bind_info.mr = wmr;
	mb.bind_info.addr = (uintptr_t)win;
	mb.bind_info.length = 4096;
	mb.bind_info.mw_access_flags = IBV_ACCESS_REMOTE_READ;
	CHECK_RET(!ibv_bind_mw(p->b.qp, mw1, &mb), "bind type 1");
	CHECK_RET(!test_poll_one(p->b.scq, &wc, 3000) && !wc.status &&
			  wc.opcode == IBV_WC_BIND_MW,
		  "bind 1: %s", ibv_wc_status_str(wc.status));
	memset(p->abuf, 0, 4096);
	one_sge_wr(&wr, &sg, IBV_WR_RDMA_READ, p->abuf, 4096, p->amr->lkey);
	wr.wr.rdma.remote_addr = (uintptr_t)win;
	wr.wr.rdma.rkey = mw1->rkey;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status, "read: %s",
		  ibv_wc_status_str(wc.status));
	CHECK_RET(!memcmp(p->abuf, win, 4096), "type 1 data");

	test_bind_mw_wr(&wr, 0, mw2, wmr, win, 4096, IBV_ACCESS_REMOTE_WRITE);
	CHECK_RET(!post_and_poll(&p->b, &wr, &wc) && !wc.status, "bind 2");
	test_signaled_wr(&wr, 0, IBV_WR_LOCAL_INV, NULL, 0);
	wr.invalidate_rkey = mw2->rkey;
	CHECK_RET(!post_and_poll(&p->b, &wr, &wc) && !wc.status &&
			  wc.opcode == IBV_WC_LOCAL_INV,
		  "local inv: %s", ibv_wc_status_str(wc.status));
	one_sge_wr(&wr, &sg, IBV_WR_RDMA_WRITE, p->abuf, 64, p->amr->lkey);
	wr.wr.rdma.remote_addr = (uintptr_t)win;
	wr.wr.rdma.rkey = mw2->rkey;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) &&
			  wc.status == IBV_WC_REM_ACCESS_ERR,
		  "after local inv: %s", ibv_wc_status_str(wc.status));
	test_qp_destroy(&p->a);
	test_qp_destroy(&p->b);
	ibv_dealloc_mw(mw1);
	ibv_dealloc_mw(mw2);
	return 0;
}

/* Type 2 window: bind, remote write through it, send-with-invalidate. */
static int t_mw(struct test_dev *d, struct pair *p)
{
	uint8_t *win = p->bbuf + 8192 + 1024;
	struct ibv_send_wr wr;
	struct ibv_sge sg;
	struct ibv_wc wc;
	struct ibv_mr *wmr;
	struct ibv_mw *mw;
	struct pair fresh;
	uint32_t rkey;
	int ret;

	wmr = ibv_reg_mr(d->pd, p->bbuf + 8192, 8192,
			 IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				 IBV_ACCESS_MW_BIND);
	mw = ibv_alloc_mw(d->pd, IBV_MW_TYPE_2);
	CHECK_RET(wmr && mw, "mr/mw");
	test_bind_mw_wr(&wr, 1, mw, wmr, win, 2048, IBV_ACCESS_REMOTE_WRITE);
	CHECK_RET(!post_and_poll(&p->b, &wr, &wc), "bind cqe");
	CHECK_RET(!wc.status && wc.opcode == IBV_WC_BIND_MW, "bind: %s",
		  ibv_wc_status_str(wc.status));
	rkey = mw->rkey;

	fill(p->abuf, 256, 5);
	one_sge_wr(&wr, &sg, IBV_WR_RDMA_WRITE, p->abuf, 256, p->amr->lkey);
	wr.wr.rdma.remote_addr = (uintptr_t)win + 100;
	wr.wr.rdma.rkey = rkey;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status, "write: %s",
		  ibv_wc_status_str(wc.status));
	CHECK_RET(!memcmp(win + 100, p->abuf, 256), "mw data");

	CHECK_RET(!test_post_recv(p->b.qp, 3, p->bbuf, 64, p->bmr->lkey),
		  "recv");
	wr.opcode = IBV_WR_SEND_WITH_INV;
	wr.invalidate_rkey = rkey;
	sg.length = 8;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) && !wc.status,
		  "send inv cqe");
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000), "recv inv cqe");
	CHECK_RET(!wc.status && (wc.wc_flags & IBV_WC_WITH_INV) &&
			  wc.invalidated_rkey == rkey,
		  "inv: %s flags %x rkey %x", ibv_wc_status_str(wc.status),
		  wc.wc_flags, wc.invalidated_rkey);

	/* invalidated: the same write now fails... */
	wr.opcode = IBV_WR_RDMA_WRITE;
	sg.length = 256;
	wr.wr.rdma.rkey = rkey;
	CHECK_RET(!post_and_poll(&p->a, &wr, &wc) &&
			  wc.status == IBV_WC_REM_ACCESS_ERR,
		  "after inv: %s", ibv_wc_status_str(wc.status));
	ret = pair_open(d, &fresh, 64, 7);
	if (!ret)
		ret = t_mw_local_inv(d, &fresh, wmr);
	pair_close(&fresh);
	test_qp_destroy(&p->a);
	test_qp_destroy(&p->b);
	ibv_dealloc_mw(mw);
	ibv_dereg_mr(wmr);
	return ret;
}

/* Arming: "solicited only" ignores plain sends, "next" takes any. */
static int t_events(struct test_dev *d)
{
	struct ibv_comp_channel *ch = ibv_create_comp_channel(d->ctx);
	struct ibv_send_wr wr = { 0 };
	struct test_qp a = { 0 }, b = { 0 };
	struct ibv_qp_init_attr ia;
	struct ibv_sge sg;
	struct ibv_mr *mr;
	struct ibv_wc wc;
	uint8_t *buf = aligned_alloc(4096, 4096);
	int i;

	CHECK_RET(ch && buf, "channel");
	mr = ibv_reg_mr(d->pd, buf, 4096, IBV_ACCESS_LOCAL_WRITE);
	CHECK_RET(mr, "mr");
	fcntl(ch->fd, F_SETFL, fcntl(ch->fd, F_GETFL) | O_NONBLOCK);
	CHECK_RET(!test_qp_create(d, &a, IBV_QPT_RC, 16, NULL), "qp a");
	b.scq = ibv_create_cq(d->ctx, 16, NULL, NULL, 0);
	b.rcq = ibv_create_cq(d->ctx, 16, NULL, ch, 0);
	CHECK_RET(b.scq && b.rcq, "cqs");
	ia = test_qp_attr(IBV_QPT_RC, b.scq, b.rcq, 16);
	b.qp = ibv_create_qp(d->pd, &ia);
	CHECK_RET(b.qp, "qp b");
	CHECK_RET(!test_qp_rc_connect(d, &a, b.qp->qp_num, 7), "conn");
	CHECK_RET(!test_qp_rc_connect(d, &b, a.qp->qp_num, 7), "conn");
	for (i = 0; i < 4; i++)
		CHECK_RET(!test_post_recv(b.qp, i, buf, 64, mr->lkey), "recv");
	one_sge_wr(&wr, &sg, IBV_WR_SEND, buf + 1024, 8, mr->lkey);

	CHECK_RET(!ibv_req_notify_cq(b.rcq, 1), "arm solicited");
	CHECK_RET(!post_and_poll(&a, &wr, &wc) && !wc.status, "scqe");
	CHECK_RET(!test_wait_cq_event(ch, 200),
		  "event for an unsolicited send");
	wr.send_flags |= IBV_SEND_SOLICITED;
	CHECK_RET(!post_and_poll(&a, &wr, &wc) && !wc.status, "scqe");
	CHECK_RET(test_wait_cq_event(ch, 3000),
		  "no event for a solicited send");
	CHECK_RET(!test_poll_one(b.rcq, &wc, 100) &&
			  !test_poll_one(b.rcq, &wc, 100),
		  "two receives");

	/* not re-armed: no event */
	wr.send_flags = IBV_SEND_SIGNALED;
	CHECK_RET(!post_and_poll(&a, &wr, &wc) && !wc.status, "scqe");
	CHECK_RET(!test_wait_cq_event(ch, 200), "event without arming");
	CHECK_RET(!test_poll_one(b.rcq, &wc, 100), "third receive");
	CHECK_RET(!ibv_req_notify_cq(b.rcq, 0), "arm next");
	CHECK_RET(!post_send(a.qp, &wr), "send");
	CHECK_RET(test_wait_cq_event(ch, 3000), "no event when armed for any");
	CHECK_RET(!test_poll_one(b.rcq, &wc, 3000), "fourth receive");
	test_qp_destroy(&a);
	test_qp_destroy(&b);
	ibv_destroy_comp_channel(ch);
	ibv_dereg_mr(mr);
	free(buf);
	return 0;
}

/*
 * RDMA WRITE with immediate larger than the receive posted for it: the
 * data goes to the rkey's memory, the receive only supplies the completion,
 * whose byte_len is the length written (as mlx5 and rxe report it).
 */
static int t_write_imm_small_recv(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr wr = { 0 }, *bad;
	struct ibv_sge sg;
	struct ibv_wc wc;

	if (d->gen == 1) {
		printf("     (no immediate data on gen 1)\n");
		return 0;
	}
	fill(p->abuf, 2048, 4);
	CHECK_RET(!test_post_recv(p->b.qp, 8, p->bbuf, 16, p->bmr->lkey),
		  "recv");
	one_sge_wr(&wr, &sg, IBV_WR_RDMA_WRITE_WITH_IMM, p->abuf, 2048,
		   p->amr->lkey);
	wr.imm_data = htobe32(78);
	wr.wr.rdma.remote_addr = (uintptr_t)p->bbuf + 4096;
	wr.wr.rdma.rkey = p->bmr->rkey;
	CHECK_RET(!ibv_post_send(p->a.qp, &wr, &bad), "post");
	CHECK_RET(!test_poll_one(p->a.scq, &wc, 3000) && !wc.status,
		  "send cqe");
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000), "recv cqe");
	CHECK_RET(!wc.status && wc.opcode == IBV_WC_RECV_RDMA_WITH_IMM &&
			  wc.byte_len == 2048 && wc.imm_data == htobe32(78),
		  "wimm: %s len %u", ibv_wc_status_str(wc.status), wc.byte_len);
	CHECK_RET(!memcmp(p->bbuf + 4096, p->abuf, 2048), "data");
	return 0;
}

/* A fenced SEND carries what the RDMA READ before it fetched. */
static int t_fence(struct test_dev *d, struct pair *p)
{
	struct ibv_send_wr rd = { 0 }, snd = { 0 }, *bad;
	struct ibv_sge rsg, ssg;
	struct ibv_wc wc;
	int i;

	fill(p->bbuf, 32768, 21);
	memset(p->abuf, 0, BUF);
	CHECK_RET(!test_post_recv(p->b.qp, 1, p->bbuf + 32768, 32768,
				  p->bmr->lkey),
		  "recv");
	rsg = (struct ibv_sge){ (uintptr_t)p->abuf, 32768, p->amr->lkey };
	rd.sg_list = &rsg;
	rd.num_sge = 1;
	rd.opcode = IBV_WR_RDMA_READ;
	rd.wr.rdma.remote_addr = (uintptr_t)p->bbuf;
	rd.wr.rdma.rkey = p->bmr->rkey;
	rd.next = &snd;
	ssg = rsg;
	snd.sg_list = &ssg;
	snd.num_sge = 1;
	snd.opcode = IBV_WR_SEND;
	snd.send_flags = IBV_SEND_SIGNALED | IBV_SEND_FENCE;
	CHECK_RET(!ibv_post_send(p->a.qp, &rd, &bad), "post read + send");
	CHECK_RET(!test_poll_one(p->a.scq, &wc, 3000) && !wc.status,
		  "send cqe: %s", ibv_wc_status_str(wc.status));
	CHECK_RET(!test_poll_one(p->b.rcq, &wc, 3000) && !wc.status &&
			  wc.byte_len == 32768,
		  "recv");
	for (i = 0; i < 32768; i++)
		CHECK_RET(p->bbuf[32768 + i] == p->bbuf[i],
			  "byte %d sent before the read fetched it", i);
	return 0;
}

/*
 * A test case: @fn gets the device alone, @on_pair also a connected QP
 * pair with @cqe-entry CQs and @rnr RNR retries, set up and torn down
 * around it.
 */
struct dp_case {
	const char *name;
	int (*fn)(struct test_dev *d);
	int (*on_pair)(struct test_dev *d, struct pair *p);
	int cqe, rnr;
};

static const struct dp_case tests[] = {
	{ "send", .on_pair = t_send, .cqe = 64, .rnr = 7 },
	{ "rdma", .on_pair = t_rdma, .cqe = 64, .rnr = 7 },
	{ "atomic", .on_pair = t_atomic, .cqe = 64, .rnr = 7 },
	{ "rkey_error", .on_pair = t_rkey_error, .cqe = 64, .rnr = 7 },
	{ "len_error", .on_pair = t_len_error, .cqe = 64, .rnr = 7 },
	{ "rnr", .on_pair = t_rnr, .cqe = 64, .rnr = 0 },
	{ "rnr_recover", .on_pair = t_rnr_recover, .cqe = 64, .rnr = 7 },
	{ "flush", .on_pair = t_flush, .cqe = 64, .rnr = 7 },
	{ "cq_overflow", .on_pair = t_cq_overflow, .cqe = 4, .rnr = 7 },
	{ "srq_limit", .fn = t_srq_limit },
	{ "ud_many_ah", .fn = t_ud_many_ah },
	{ "cq_resize", .on_pair = t_cq_resize, .cqe = 16, .rnr = 7 },
	{ "mw", .on_pair = t_mw, .cqe = 64, .rnr = 7 },
	{ "events", .fn = t_events },
	{ "fence", .on_pair = t_fence, .cqe = 64, .rnr = 7 },
	{ "write_imm_small_recv", .on_pair = t_write_imm_small_recv, .cqe = 64,
	  .rnr = 7 },
};

static const char *case_name(size_t i, void *arg)
{
	return tests[i].name;
}

static int run_case(size_t i, void *arg)
{
	const struct dp_case *c = &tests[i];
	struct test_dev *d = arg;
	struct pair p;
	int ret;

	if (c->fn)
		return c->fn(d);
	ret = pair_open(d, &p, c->cqe, c->rnr);
	if (!ret)
		ret = c->on_pair(d, &p);
	pair_close(&p);
	return ret;
}

int main(int argc, char **argv)
{
	struct test_dev d;
	int ret;

	if (test_dev_open(&d, 1, 0))
		return 1;
	ret = test_run_cases_of(sizeof(tests) / sizeof(tests[0]), case_name,
				run_case, &d, argc, argv);
	test_dev_close(&d);
	return ret;
}
