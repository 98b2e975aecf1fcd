// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulated kernel's uverbs ioctl ABI, driven by raw RDMA_VERBS_IOCTL
 * calls, against the answers of the kernel's uverbs_ioctl.c and the
 * method definitions of uverbs_std_types_*.c:
 *
 *   kernel_ioctl parser        header, attribute, handle and method checks
 *   kernel_ioctl va            plain user memory on a bounce device: 7.2
 *                              refuses it (EOPNOTSUPP), old takes it
 *   kernel_ioctl fuzz SEED N   N random calls: an errno or success, never a
 *                              crash, nothing left after the close
 *
 * Run on gen 2 without --cc unless the mode says otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel_ioctl_util.h"

#define LW IB_UVERBS_ACCESS_LOCAL_WRITE

/* ---- fixtures ------------------------------------------------------------ */

/*
 * The rings one CQ (gen 2: ring and shadow registrations) and one QP need.
 * Each CQ registration is two pages: gen 1 keeps the shadow area in the
 * page after the ring (cq_pages + 1), gen 2 takes the larger one as well.
 */
struct rings {
	uint8_t *cq, *shadow, *qp;
	uint32_t cq_mr, shadow_mr, qp_mr;
};

static void make_rings(struct kt_ctx *c, uint32_t pd, struct rings *r)
{
	r->cq = kt_pages(2 * 4096);
	r->shadow = kt_pages(2 * 4096);
	r->qp = kt_pages(16 * 4096);
	KT_EXPECT_ERR(kt_reg_ring(c, pd, r->cq, 2 * 4096, IRDMA_MEMREG_TYPE_CQ,
				  0, 0, 1, &r->cq_mr),
		      0, "CQ ring");
	KT_EXPECT_ERR(kt_reg_ring(c, pd, r->shadow, 2 * 4096,
				  IRDMA_MEMREG_TYPE_CQ, 0, 0, 1, &r->shadow_mr),
		      0, "CQ shadow");
	KT_EXPECT_ERR(kt_reg_ring(c, pd, r->qp, 16 * 4096, IRDMA_MEMREG_TYPE_QP,
				  12, 2, 0, &r->qp_mr),
		      0, "QP ring");
}

static int alloc_pd(struct kt_ctx *c, uint32_t *pd)
{
	struct ib_uverbs_alloc_pd_resp resp = { 0 };
	struct irdma_alloc_pd_resp uresp = { 0 };
	struct ib_uverbs_alloc_pd cmd = { 0 };
	int ret = kio_invoke_write(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &cmd,
				   sizeof(cmd), &resp, sizeof(resp), NULL, 0,
				   &uresp, sizeof(uresp));

	*pd = resp.pd_handle;
	return ret;
}

static int query_port(int fd, uint64_t port, void *resp, uint16_t len)
{
	struct kio k;

	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_PORT);
	kio_u64(&k, UVERBS_ATTR_QUERY_PORT_PORT_NUM, port);
	kio_out(&k, UVERBS_ATTR_QUERY_PORT_RESP, resp, len);
	return kio_run(fd, &k);
}

/* ---- parser ----------------------------------------------------------------- */

static void before_context(struct kt_ctx *c)
{
	struct ib_uverbs_alloc_pd cmd = { 0 };
	struct ib_uverbs_alloc_pd_resp resp;
	struct ib_uverbs_query_port_resp_ex port;
	struct kio k;

	/* libibverbs' probe: INVOKE_WRITE exists when this is ENOSPC */
	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_INVOKE_WRITE);
	kio_u64(&k, UVERBS_ATTR_WRITE_CMD, IB_USER_VERBS_CMD_QUERY_DEVICE);
	KT_EXPECT_ERR(kio_run(c->fd, &k), ENOSPC, "INVOKE_WRITE probe");
	KT_EXPECT_ERR(kio_invoke_write(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &cmd,
				       sizeof(cmd), &resp, sizeof(resp), NULL,
				       0, NULL, 0),
		      EINVAL, "ALLOC_PD without a context");
	KT_EXPECT_ERR(query_port(c->fd, 1, &port, sizeof(port)), EINVAL,
		      "QUERY_PORT without a context");
	KT_EXPECT_ERR(kio_create_cq(c, 16, NULL, NULL, NULL), EINVAL,
		      "CQ.CREATE without a context");
	kio_init(&k, UVERBS_OBJECT_ASYNC_EVENT,
		 UVERBS_METHOD_ASYNC_EVENT_ALLOC);
	kio_new(&k, UVERBS_ATTR_ASYNC_EVENT_ALLOC_FD_HANDLE);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL,
		      "ASYNC_EVENT_ALLOC without a context");
}

static void header_checks(struct kt_ctx *c)
{
	struct ib_uverbs_query_port_resp_ex port;
	uint8_t *page;
	struct kio k;

	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_PORT);
	kio_u64(&k, UVERBS_ATTR_QUERY_PORT_PORT_NUM, 1);
	kio_out(&k, UVERBS_ATTR_QUERY_PORT_RESP, &port, sizeof(port));
	KT_EXPECT_ERR(kio_run(c->fd, &k), 0, "QUERY_PORT");
	k.hdr.length -= sizeof(k.attr[0]);
	KT_EXPECT_ERR(kio_run_raw(c->fd, &k), EINVAL,
		      "length short of num_attrs");
	k.hdr.length = sizeof(k.hdr) + 300 * sizeof(k.attr[0]);
	k.hdr.num_attrs = 300;
	KT_EXPECT_ERR(kio_run_raw(c->fd, &k), EINVAL, "longer than a page");
	k.hdr.num_attrs = 2;
	kio_run(c->fd, &k);
	k.hdr.reserved1 = 1;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EPROTONOSUPPORT, "reserved1");
	k.hdr.reserved1 = 0;
	k.hdr.reserved2 = 1;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EPROTONOSUPPORT, "reserved2");
	k.hdr.reserved2 = 0;
	k.hdr.driver_id = RDMA_DRIVER_MLX5;
	KT_EXPECT_ERR(kio_run_raw(c->fd, &k), EINVAL, "another driver's id");

	kio_init(&k, UVERBS_OBJECT_DEVICE, 99);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EPROTONOSUPPORT, "unknown method");
	kio_init(&k, 0x3000, 0);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EPROTONOSUPPORT, "unknown object");
	/* irdma has no XRCD, flows, WQs or DM: those objects are not there */
	kio_init(&k, UVERBS_OBJECT_XRCD, UVERBS_METHOD_XRCD_DESTROY);
	kio_obj(&k, UVERBS_ATTR_DESTROY_XRCD_HANDLE, 0);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EPROTONOSUPPORT, "XRCD.DESTROY");
	kio_init(&k, UVERBS_OBJECT_DM, UVERBS_METHOD_DM_ALLOC);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EPROTONOSUPPORT, "DM.ALLOC");
	/* gen 2 has no SRQs: irdma registers no SRQ verbs */
	kio_init(&k, UVERBS_OBJECT_SRQ, UVERBS_METHOD_SRQ_CREATE);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EPROTONOSUPPORT, "gen 2 SRQ.CREATE");

	errno = 0;
	EXPECT(ioctl(c->fd, _IOWR(RDMA_IOCTL_MAGIC, 2, char[24]), &k) == -1 &&
		       errno == ENOTTY,
	       "another ioctl: errno %d, want ENOTTY", errno);
	errno = 0;
	EXPECT(ioctl(c->fd, RDMA_VERBS_IOCTL, (void *)8) == -1 &&
		       errno == EFAULT,
	       "unreadable header: errno %d, want EFAULT", errno);
	/* a header at the end of a page, its attributes in a hole */
	page = kt_pages(2 * 4096);
	munmap(page + 4096, 4096);
	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_PORT);
	k.hdr.num_attrs = 1;
	k.hdr.length = sizeof(k.hdr) + sizeof(k.attr[0]);
	k.hdr.driver_id = RDMA_DRIVER_IRDMA;
	memcpy(page + 4096 - sizeof(k.hdr), &k.hdr, sizeof(k.hdr));
	errno = 0;
	EXPECT(ioctl(c->fd, RDMA_VERBS_IOCTL, page + 4096 - sizeof(k.hdr)) ==
			       -1 &&
		       errno == EFAULT,
	       "unreadable attributes: errno %d, want EFAULT", errno);
}

static void attr_checks(struct kt_ctx *c)
{
	struct {
		struct ib_uverbs_query_port_resp_ex r;
		uint8_t more[16];
	} port;
	struct ib_uverbs_attr *a, *resp;
	uint32_t small;
	struct kio k;

	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_PORT);
	a = kio_u64(&k, UVERBS_ATTR_QUERY_PORT_PORT_NUM, 1);
	resp = kio_out(&k, UVERBS_ATTR_QUERY_PORT_RESP, &port, sizeof(port));
	memset(&port, 0xa5, sizeof(port));
	KT_EXPECT_ERR(kio_run(c->fd, &k), 0, "QUERY_PORT, longer response");
	EXPECT(kio_valid(resp) && !kio_valid(a),
	       "VALID_OUTPUT: response %d, input %d", kio_valid(resp),
	       kio_valid(a));
	EXPECT(port.r.legacy_resp.state == 4 && port.more[0] == 0 &&
		       port.more[15] == 0,
	       "QUERY_PORT: state %u, excess not zeroed",
	       port.r.legacy_resp.state);

	kio_u64(&k, 0x99, 0);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EPROTONOSUPPORT,
		      "unknown mandatory attribute");
	kio_optional(&k.attr[2]);
	KT_EXPECT_ERR(kio_run(c->fd, &k), 0, "unknown optional attribute");
	k.hdr.num_attrs = 2;
	kio_u64(&k, UVERBS_ATTR_QUERY_PORT_PORT_NUM, 1);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "attribute given twice");
	k.hdr.num_attrs = 1;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "mandatory response missing");
	k.hdr.num_attrs = 2;
	k.attr[0].len = 4;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "CONST_IN of 4 bytes");
	k.attr[0].len = 8;
	k.attr[0].attr_data.reserved = 1;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "reserved attribute bits");
	k.attr[0].attr_data.reserved = 0;
	k.attr[1].len = 8;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL,
		      "response short of its struct");
	k.attr[1].len = sizeof(port);
	k.attr[0].data = 2;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "port 2");
	k.attr[0].data = 257;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "port beyond a u8");
	k.attr[0].data = 1;
	k.attr[1].data = 16;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EFAULT, "response at a bad address");

	/* GET_CONTEXT a second time */
	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_GET_CONTEXT);
	kio_out(&k, UVERBS_ATTR_GET_CONTEXT_NUM_COMP_VECTORS, &small,
		sizeof(small));
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "second GET_CONTEXT");
	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_CONTEXT);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EOPNOTSUPP,
		      "QUERY_CONTEXT (irdma has no query_ucontext)");
}

/*
 * A QP.CREATE whose capabilities carry bytes beyond the struct, on a ring
 * registration of its own (a QP takes its ring's registration for good).
 */
static void struct_checks(struct kt_ctx *c, uint32_t pd, uint32_t cq)
{
	struct {
		struct ib_uverbs_qp_cap cap;
		uint32_t more;
	} cap = { .cap = { 16, 16, 1, 1, 0 }, .more = 1 };
	uint8_t *ring = kt_pages(16 * 4096);
	struct irdma_create_qp_req req = { .user_wqe_bufs = (uintptr_t)ring };
	struct ib_uverbs_attr *h;
	struct kio_out out;
	uint32_t ring_mr;
	struct kio k;

	KT_EXPECT_ERR(kt_reg_ring(c, pd, ring, 16 * 4096, IRDMA_MEMREG_TYPE_QP,
				  12, 2, 0, &ring_mr),
		      0, "QP ring");
	h = kio_qp_build(&k, pd, cq, &cap, sizeof(cap), &req, &out);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EOPNOTSUPP,
		      "QP caps with non-zero bytes beyond the struct");
	cap.more = 0;
	KT_EXPECT_ERR(kio_run(c->fd, &k), 0, "QP caps with zero excess");
	EXPECT(kio_valid(&k.attr[k.hdr.num_attrs - 1]) && kio_valid(&k.attr[8]),
	       "QP.CREATE outputs not marked");
	EXPECT(out.qpn >= 2 && out.rcap.max_send_wr >= 16, "qpn %u send wr %u",
	       out.qpn, out.rcap.max_send_wr);
	KT_EXPECT_ERR(kio_destroy_qp(c, (uint32_t)h->data), 0, "QP.DESTROY");
	KT_EXPECT_ERR(kio_destroy_qp(c, (uint32_t)h->data), ENOENT,
		      "QP.DESTROY twice");
	k.attr[6].data = 3; /* IB_QPT_UC */
	KT_EXPECT_ERR(kio_run(c->fd, &k), EOPNOTSUPP, "UC QP");
	k.attr[6].data = 77;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "unknown QP type");
	k.attr[6].data = IB_UVERBS_QPT_RC;
	/* an optional unknown attribute in the receive CQ's place */
	k.attr[3] = (struct ib_uverbs_attr){ .attr_id = 0x99 };
	KT_EXPECT_ERR(kio_run(c->fd, &k), ENOENT, "RC QP without a receive CQ");
	KT_EXPECT_ERR(kt_dereg_mr(c, ring_mr), 0, "DEREG_MR of a QP's ring");
	munmap(ring, 16 * 4096);
}

static void handle_checks(struct kt_ctx *c, uint32_t pd, uint32_t cq)
{
	struct ib_uverbs_reg_mr_resp mr;
	static uint8_t mem[8192] __attribute__((aligned(4096)));
	struct irdma_mem_reg_req req = { .reg_type = IRDMA_MEMREG_TYPE_MEM };
	struct kio k;
	int null_fd;

	KT_EXPECT_ERR(kio_destroy(c, UVERBS_OBJECT_PD, UVERBS_METHOD_PD_DESTROY,
				  UVERBS_ATTR_DESTROY_PD_HANDLE, 0x7777777),
		      ENOENT, "PD.DESTROY of no handle");
	KT_EXPECT_ERR(kio_destroy(c, UVERBS_OBJECT_PD, UVERBS_METHOD_PD_DESTROY,
				  UVERBS_ATTR_DESTROY_PD_HANDLE, cq),
		      EINVAL, "PD.DESTROY of a CQ's handle");
	kio_init(&k, UVERBS_OBJECT_PD, UVERBS_METHOD_PD_DESTROY);
	kio_obj(&k, UVERBS_ATTR_DESTROY_PD_HANDLE, pd)->len = 4;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "handle with a length");
	k.attr[0].len = 0;
	k.attr[0].data_s64 = -1;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "negative handle");

	KT_EXPECT_ERR(kt_reg_mr(c, pd, mem, sizeof(mem), LW, &req,
				IRDMA_MEM_REG_REQ_V0_SIZE, &mr),
		      0, "REG_MR");
	KT_EXPECT_ERR(kio_destroy(c, UVERBS_OBJECT_PD, UVERBS_METHOD_PD_DESTROY,
				  UVERBS_ATTR_DESTROY_PD_HANDLE, pd),
		      EBUSY, "PD.DESTROY under an MR");
	KT_EXPECT_ERR(kio_destroy(c, UVERBS_OBJECT_MR, UVERBS_METHOD_MR_DESTROY,
				  UVERBS_ATTR_DESTROY_MR_HANDLE, mr.mr_handle),
		      0, "MR.DESTROY");
	KT_EXPECT_ERR(kio_destroy(c, UVERBS_OBJECT_MR, UVERBS_METHOD_MR_DESTROY,
				  UVERBS_ATTR_DESTROY_MR_HANDLE, mr.mr_handle),
		      ENOENT, "MR.DESTROY twice");

	/* an fd that is no completion channel, and one beyond an int */
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	kio_init(&k, UVERBS_OBJECT_CQ, UVERBS_METHOD_CQ_CREATE);
	kio_new(&k, UVERBS_ATTR_CREATE_CQ_HANDLE);
	kio_obj(&k, UVERBS_ATTR_CREATE_CQ_COMP_CHANNEL, null_fd);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EBADF, "COMP_CHANNEL of /dev/null");
	k.attr[1].data_s64 = 1LL << 40;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "COMP_CHANNEL beyond an int");
	k.attr[1] = k.attr[0];
	k.attr[1].attr_id = UVERBS_ATTR_CREATE_CQ_EVENT_FD;
	k.attr[1].data_s64 = null_fd;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EBADF, "EVENT_FD of /dev/null");
	close(null_fd);
}

static void invoke_write_checks(struct kt_ctx *c, uint32_t pd)
{
	struct {
		struct ib_uverbs_alloc_pd cmd;
		uint64_t more;
	} big = { .more = 1 };
	struct ib_uverbs_alloc_pd_resp resp = { 0 };
	struct irdma_alloc_pd_resp uresp = { 0 };
	uint16_t tiny;
	uint32_t p2;
	struct kio k;

	KT_EXPECT_ERR(kio_invoke_write(c->fd, 0x40000000 | 3, NULL, 0, NULL, 0,
				       NULL, 0, NULL, 0),
		      EINVAL, "INVOKE_WRITE of a command with stray bits");
	KT_EXPECT_ERR(kio_invoke_write(c->fd, IB_USER_VERBS_CMD_POLL_CQ, &pd,
				       sizeof(pd), NULL, 0, NULL, 0, NULL, 0),
		      EOPNOTSUPP,
		      "INVOKE_WRITE of POLL_CQ (no such driver op)");
	KT_EXPECT_ERR(kio_invoke_write(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &big,
				       sizeof(big), &resp, sizeof(resp), NULL,
				       0, &uresp, sizeof(uresp)),
		      EOPNOTSUPP, "ALLOC_PD with non-zero bytes beyond it");
	KT_EXPECT_ERR(kio_invoke_write(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &big,
				       sizeof(big.cmd), &tiny, sizeof(tiny),
				       NULL, 0, &uresp, sizeof(uresp)),
		      ENOSPC, "ALLOC_PD with a 2-byte response");

	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_INVOKE_WRITE);
	kio_u64(&k, UVERBS_ATTR_WRITE_CMD, IB_USER_VERBS_CMD_ALLOC_PD);
	kio_in(&k, UVERBS_ATTR_CORE_IN, &big.cmd, sizeof(big.cmd));
	kio_out(&k, UVERBS_ATTR_CORE_OUT, &resp, sizeof(resp));
	kio_out(&k, UVERBS_ATTR_UHW_OUT, &uresp, sizeof(uresp));
	KT_EXPECT_ERR(kio_run(c->fd, &k), 0, "ALLOC_PD by INVOKE_WRITE");
	EXPECT(kio_valid(&k.attr[2]) && kio_valid(&k.attr[3]) &&
		       !kio_valid(&k.attr[1]),
	       "INVOKE_WRITE outputs not (only) they marked");
	p2 = resp.pd_handle;
	EXPECT(uresp.pd_id, "no pd_id from the driver");
	KT_EXPECT_ERR(kio_destroy(c, UVERBS_OBJECT_PD, UVERBS_METHOD_PD_DESTROY,
				  UVERBS_ATTR_DESTROY_PD_HANDLE, p2),
		      0, "PD.DESTROY");
}

static void gid_checks(struct kt_ctx *c)
{
	struct ib_uverbs_gid_entry e[4];
	uint64_t n = 0;
	struct kio k;

	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_GID_TABLE);
	kio_u64(&k, UVERBS_ATTR_QUERY_GID_TABLE_ENTRY_SIZE, sizeof(e[0]));
	kio_u32(&k, UVERBS_ATTR_QUERY_GID_TABLE_FLAGS, 0);
	kio_out(&k, UVERBS_ATTR_QUERY_GID_TABLE_RESP_ENTRIES, e, sizeof(e));
	kio_out(&k, UVERBS_ATTR_QUERY_GID_TABLE_RESP_NUM_ENTRIES, &n,
		sizeof(n));
	KT_EXPECT_ERR(kio_run(c->fd, &k), 0, "QUERY_GID_TABLE");
	EXPECT(n == 2 && e[0].gid_index == 0 && e[1].gid_index == 1 &&
		       e[1].gid_type == IB_UVERBS_GID_TYPE_ROCE_V2 &&
		       e[0].port_num == 1,
	       "GID table: %llu entries", (unsigned long long)n);
	k.attr[2].len = sizeof(e[0]);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL,
		      "GID table that does not fit");
	k.attr[2].len = sizeof(e[0]) + 4;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL,
		      "entries not a multiple of the entry size");
	k.attr[2].len = sizeof(e);
	k.attr[0].data = 0;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "entry size 0");
	k.attr[0].data = sizeof(e[0]);
	k.attr[1].data = 1;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "GID table flags");

	kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_GID_ENTRY);
	kio_u64(&k, UVERBS_ATTR_QUERY_GID_ENTRY_PORT, 1);
	kio_u64(&k, UVERBS_ATTR_QUERY_GID_ENTRY_GID_INDEX, 1);
	kio_u32(&k, UVERBS_ATTR_QUERY_GID_ENTRY_FLAGS, 0);
	kio_out(&k, UVERBS_ATTR_QUERY_GID_ENTRY_RESP_ENTRY, e, sizeof(e[0]));
	KT_EXPECT_ERR(kio_run(c->fd, &k), 0, "QUERY_GID_ENTRY");
	EXPECT(e[0].gid_index == 1 && e[0].gid[1] != 0, "GID entry 1");
	k.attr[1].data = 5;
	KT_EXPECT_ERR(kio_run(c->fd, &k), ENODATA, "empty GID entry");
	k.attr[1].data = 4096;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "GID index beyond the table");
	k.attr[1].data = 0;
	k.attr[0].data = 2;
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "GID entry of port 2");
}

static void mr_checks(struct kt_ctx *c, uint32_t pd)
{
	static uint8_t mem[8192] __attribute__((aligned(4096)));
	struct irdma_mem_reg_req req = { .reg_type = IRDMA_MEMREG_TYPE_MEM };
	uint32_t lkey = 0, rkey = 0, qkey = 0;
	struct ib_uverbs_attr *h;
	uint64_t len = 0;
	struct kio k, q;

	kio_init(&k, UVERBS_OBJECT_MR, UVERBS_METHOD_REG_MR);
	h = kio_new(&k, UVERBS_ATTR_REG_MR_HANDLE);
	kio_obj(&k, UVERBS_ATTR_REG_MR_PD_HANDLE, pd);
	kio_u64(&k, UVERBS_ATTR_REG_MR_IOVA, (uintptr_t)mem);
	kio_u64(&k, UVERBS_ATTR_REG_MR_LENGTH, sizeof(mem));
	kio_u32(&k, UVERBS_ATTR_REG_MR_ACCESS_FLAGS, LW);
	kio_u64(&k, UVERBS_ATTR_REG_MR_ADDR, (uintptr_t)mem);
	kio_out(&k, UVERBS_ATTR_REG_MR_RESP_LKEY, &lkey, sizeof(lkey));
	kio_out(&k, UVERBS_ATTR_REG_MR_RESP_RKEY, &rkey, sizeof(rkey));
	/* irdma_reg_user_mr() needs its irdma_mem_reg_req */
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "REG_MR without udata");
	kio_in(&k, UVERBS_ATTR_UHW_IN, &req, IRDMA_MEM_REG_REQ_V0_SIZE);
	KT_EXPECT_ERR(kio_run(c->fd, &k), 0, "REG_MR");
	EXPECT(lkey && lkey == rkey && kio_valid(&k.attr[6]),
	       "REG_MR keys %x %x", lkey, rkey);

	kio_init(&q, UVERBS_OBJECT_MR, UVERBS_METHOD_QUERY_MR);
	kio_obj(&q, UVERBS_ATTR_QUERY_MR_HANDLE, h->data);
	kio_out(&q, UVERBS_ATTR_QUERY_MR_RESP_LKEY, &qkey, sizeof(qkey));
	kio_out(&q, UVERBS_ATTR_QUERY_MR_RESP_RKEY, &rkey, sizeof(rkey));
	kio_out(&q, UVERBS_ATTR_QUERY_MR_RESP_LENGTH, &len, sizeof(len));
	KT_EXPECT_ERR(kio_run(c->fd, &q), 0, "QUERY_MR");
	EXPECT(qkey == lkey && len == sizeof(mem), "QUERY_MR lkey %x len %llu",
	       qkey, (unsigned long long)len);
	KT_EXPECT_ERR(kio_destroy(c, UVERBS_OBJECT_MR, UVERBS_METHOD_MR_DESTROY,
				  UVERBS_ATTR_DESTROY_MR_HANDLE, h->data),
		      0, "MR.DESTROY");

	k.attr[5].data = (uintptr_t)mem + 8; /* address and iova disagree */
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "REG_MR page offsets");
	k.attr[5].data = (uintptr_t)mem;
	k.attr[4].data = 1U << 15; /* not an access bit */
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "REG_MR access flags");
	k.attr[4].data = LW;
	kio_u64(&k, UVERBS_ATTR_REG_MR_FD_OFFSET, 0);
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "REG_MR address and offset");
}

/* The held ring: no deregistration while its CQ lives. */
static void ring_checks(struct kt_ctx *c, uint32_t pd, struct rings *r,
			uint32_t cq)
{
	uint32_t qp;

	KT_EXPECT_ERR(kt_dereg_mr(c, r->cq_mr), EBUSY,
		      "DEREG_MR of a ring its CQ uses");
	KT_EXPECT_ERR(kio_destroy(c, UVERBS_OBJECT_MR, UVERBS_METHOD_MR_DESTROY,
				  UVERBS_ATTR_DESTROY_MR_HANDLE, r->shadow_mr),
		      EBUSY, "MR.DESTROY of a shadow area its CQ uses");
	KT_EXPECT_ERR(kio_create_qp(c, pd, cq, r->qp, 16, &qp), 0, "QP.CREATE");
	KT_EXPECT_ERR(kt_dereg_mr(c, r->qp_mr), EBUSY,
		      "DEREG_MR of a ring its QP uses");
	KT_EXPECT_ERR(kio_destroy_cq(c, cq), EBUSY, "CQ.DESTROY under a QP");
	KT_EXPECT_ERR(kio_destroy_qp(c, qp), 0, "QP.DESTROY");
	KT_EXPECT_ERR(kt_dereg_mr(c, r->qp_mr), 0, "DEREG_MR after the QP");
	KT_EXPECT_ERR(kio_destroy_cq(c, cq), 0, "CQ.DESTROY");
	KT_EXPECT_ERR(kt_dereg_mr(c, r->cq_mr), 0, "DEREG_MR after the CQ");
	KT_EXPECT_ERR(kt_dereg_mr(c, r->shadow_mr), 0, "shadow after the CQ");
}

/* A create whose outputs cannot be written leaves nothing behind. */
static void undo_checks(struct kt_ctx *c, uint32_t pd)
{
	uint8_t *ring = kt_pages(4096), *shadow = kt_pages(4096);
	unsigned long before = test_emu_live_objects();
	struct irdma_create_cq_req req = {
		.user_cq_buf = (uintptr_t)ring,
		.user_shadow_area = (uintptr_t)shadow,
	};
	struct kio_out out;
	uint32_t mr1, mr2;
	struct kio k;

	kt_reg_ring(c, pd, ring, 4096, IRDMA_MEMREG_TYPE_CQ, 0, 0, 1, &mr1);
	kt_reg_ring(c, pd, shadow, 64, IRDMA_MEMREG_TYPE_CQ, 0, 0, 1, &mr2);
	kio_cq_build(&k, 16, &req, &out);
	k.attr[4].data = 16; /* RESP_CQE at an address that is no memory */
	KT_EXPECT_ERR(kio_run(c->fd, &k), EFAULT, "CQ.CREATE, bad RESP_CQE");
	EXPECT(test_emu_live_objects() == before + 2,
	       "an undone CQ left %lu objects",
	       test_emu_live_objects() - before - 2);
	KT_EXPECT_ERR(kt_dereg_mr(c, mr1), 0, "the undone CQ's ring is free");
	KT_EXPECT_ERR(kt_dereg_mr(c, mr2), 0, "... and its shadow area");
	k.attr[3].data = 1; /* comp_vector: there is one */
	KT_EXPECT_ERR(kio_run(c->fd, &k), EINVAL, "comp vector 1");
}

static int test_parser(void)
{
	struct kt_ctx c = { 0 };
	struct rings r;
	uint32_t pd, cq;

	c.fd = kt_open_uverbs();
	EXPECT(c.fd >= 0, "open");
	before_context(&c);
	KT_EXPECT_ERR(kio_open_context(&c), 0, "GET_CONTEXT + async fd");
	EXPECT(c.async_fd >= 0, "no async event fd");
	KT_EXPECT_ERR(alloc_pd(&c, &pd), 0, "ALLOC_PD");
	header_checks(&c);
	attr_checks(&c);
	invoke_write_checks(&c, pd);
	gid_checks(&c);
	mr_checks(&c, pd);
	make_rings(&c, pd, &r);
	KT_EXPECT_ERR(kio_create_cq(&c, 16, r.cq, r.shadow, &cq), 0,
		      "CQ.CREATE");
	handle_checks(&c, pd, cq);
	struct_checks(&c, pd, cq);
	ring_checks(&c, pd, &r, cq);
	undo_checks(&c, pd);
	close(c.async_fd);
	close(c.fd);
	EXPECT(test_emu_live_objects() == 0, "%lu objects after close",
	       test_emu_live_objects());
	printf("kernel_ioctl parser: %u failure(s)\n", test_failures);
	return test_exit_status();
}

/* ---- plain memory on a bounce device ------------------------------------- */

static int test_va(void)
{
	static uint8_t mem[8192] __attribute__((aligned(4096)));
	struct irdma_mem_reg_req req = { .reg_type = IRDMA_MEMREG_TYPE_MEM };
	struct ib_uverbs_reg_mr_resp mr;
	bool refused = test_emu_va_refused();
	int want = refused ? EOPNOTSUPP : 0;
	struct kt_ctx c = { 0 };
	uint8_t *ring = kt_pages(16 * 4096);
	uint32_t pd, lkey, rkey;
	struct kio k;

	c.fd = kt_open_uverbs();
	KT_EXPECT_ERR(kt_get_context(&c, 5,
				     IRDMA_ALLOC_UCTX_USE_RAW_ATTR |
					     IRDMA_SUPPORT_WQE_FORMAT_V2,
				     sizeof(c.uctx)),
		      0, "GET_CONTEXT");
	KT_EXPECT_ERR(kt_alloc_pd(&c, &pd), 0, "ALLOC_PD");
	KT_EXPECT_ERR(kt_reg_mr(&c, pd, mem, sizeof(mem), LW, &req,
				IRDMA_MEM_REG_REQ_V0_SIZE, &mr),
		      want, "REG_MR of plain memory");
	if (!refused)
		kt_dereg_mr(&c, mr.mr_handle);
	KT_EXPECT_ERR(kt_reg_ring(&c, pd, ring, 16 * 4096, IRDMA_MEMREG_TYPE_QP,
				  12, 2, 0, NULL),
		      want, "QP ring of plain memory");
	/* refused before anything else is looked at, as ib_umem_get() does */
	KT_EXPECT_ERR(kt_reg_ring(&c, pd, ring, 16 * 4096, IRDMA_MEMREG_TYPE_QP,
				  0, 2, 0, NULL),
		      refused ? EOPNOTSUPP : EINVAL,
		      "a bad QP ring of plain memory");
	if (!test_emu_kernel_old()) {
		kio_init(&k, UVERBS_OBJECT_MR, UVERBS_METHOD_REG_MR);
		kio_new(&k, UVERBS_ATTR_REG_MR_HANDLE);
		kio_obj(&k, UVERBS_ATTR_REG_MR_PD_HANDLE, pd);
		kio_u64(&k, UVERBS_ATTR_REG_MR_IOVA, (uintptr_t)mem);
		kio_u64(&k, UVERBS_ATTR_REG_MR_LENGTH, sizeof(mem));
		kio_u32(&k, UVERBS_ATTR_REG_MR_ACCESS_FLAGS, LW);
		kio_u64(&k, UVERBS_ATTR_REG_MR_ADDR, (uintptr_t)mem);
		kio_out(&k, UVERBS_ATTR_REG_MR_RESP_LKEY, &lkey, sizeof(lkey));
		kio_out(&k, UVERBS_ATTR_REG_MR_RESP_RKEY, &rkey, sizeof(rkey));
		kio_in(&k, UVERBS_ATTR_UHW_IN, &req, IRDMA_MEM_REG_REQ_V0_SIZE);
		KT_EXPECT_ERR(kio_run(c.fd, &k), want,
			      "MR.REG_MR of plain memory");
	} else {
		kio_init(&k, UVERBS_OBJECT_DEVICE, UVERBS_METHOD_INVOKE_WRITE);
		KT_EXPECT_ERR(kio_run(c.fd, &k), ENOTTY,
			      "old kernel: no ioctl");
	}
	close(c.async_fd);
	close(c.fd);
	EXPECT(test_emu_live_objects() == 0, "%lu objects after close",
	       test_emu_live_objects());
	printf("kernel_ioctl va (%s): %u failure(s)\n",
	       refused ? "refused" : "taken", test_failures);
	return test_exit_status();
}

/* ---- random calls -------------------------------------------------------- */

static uint64_t rng;
static uint8_t *scratch, *hole;

static uint32_t rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng >> 33;
}

/*
 * A data word: small numbers, handles of this file, fds, the scratch page
 * or a hole; never an address of the test's own memory.
 */
static uint64_t some_data(uint32_t key)
{
	switch (rnd() % 10) {
	case 0:
		return rnd() % 8;
	case 1:
	case 2:
		return (rnd() % 16) ^ key;
	case 3:
		return rnd() % 16; /* an fd */
	case 4:
		return (uintptr_t)hole + (rnd() % 64) * 8;
	case 5:
		return 0x8000000000000000ULL | rnd();
	default:
		return (uintptr_t)scratch + (rnd() % 256) * 8;
	}
}

static uint16_t some_attr_id(void)
{
	switch (rnd() % 8) {
	case 0:
		return UVERBS_ID_DRIVER_NS + rnd() % 6;
	case 1:
		return rnd();
	default:
		return rnd() % 18;
	}
}

static uint16_t some_len(void)
{
	static const uint16_t lens[] = { 0, 4, 8, 16, 20, 24, 32, 48, 64 };

	if (rnd() % 16 == 0)
		return rnd() % 2048;
	return lens[rnd() % (sizeof(lens) / sizeof(lens[0]))];
}

static void one_call(int fd, uint32_t key)
{
	struct kio k;
	unsigned int i, n;

	kio_init(&k, rnd() % 16 ? rnd() % 20 : rnd(),
		 rnd() % 16 ? rnd() % 7 : rnd());
	/* async event files cost fds: keep those rare */
	if (k.hdr.object_id == UVERBS_OBJECT_ASYNC_EVENT && rnd() % 8)
		k.hdr.object_id = UVERBS_OBJECT_CQ;
	n = rnd() % 14;
	for (i = 0; i < n; i++) {
		struct ib_uverbs_attr *a = kio_obj(&k, some_attr_id(), 0);

		a->len = some_len();
		a->data = some_data(key);
		a->flags = rnd() % 4;
		if (rnd() % 16 == 0)
			a->attr_data.reserved = rnd();
	}
	kio_run(fd, &k);
	if (rnd() % 32 == 0)
		k.hdr.length = rnd() % 512;
	if (rnd() % 32 == 0)
		k.hdr.reserved1 = rnd();
	if (rnd() % 32 == 0)
		k.hdr.driver_id = rnd() % 32;
	if (kio_run_raw(fd, &k) == 0 &&
	    k.hdr.object_id == UVERBS_OBJECT_ASYNC_EVENT)
		for (i = 0; i < k.hdr.num_attrs; i++)
			if (k.attr[i].attr_id ==
			    UVERBS_ATTR_ASYNC_EVENT_ALLOC_FD_HANDLE)
				close((int)k.attr[i].data_s64);
}

static int test_fuzz(const char *seed, const char *count)
{
	unsigned long rounds = strtoul(count, NULL, 0), i;
	struct kt_ctx c = { 0 };
	struct rings r;
	uint32_t pd, cq;

	rng = strtoull(seed, NULL, 0);
	scratch = kt_pages(4096);
	hole = kt_pages(4096);
	munmap(hole, 4096);
	c.fd = kt_open_uverbs();
	if (c.fd < 0 || kio_open_context(&c) || alloc_pd(&c, &pd)) {
		fprintf(stderr, "FAIL: no context\n");
		return 1;
	}
	make_rings(&c, pd, &r);
	kio_create_cq(&c, 16, r.cq, r.shadow, &cq);
	for (i = 0; i < rounds; i++)
		/* pd's handle reveals the file's handle key (slot 0) */
		one_call(c.fd, pd);
	close(c.async_fd);
	close(c.fd);
	EXPECT(test_emu_live_objects() == 0, "%lu objects after close",
	       test_emu_live_objects());
	printf("kernel_ioctl fuzz: %lu calls, seed %s\n", rounds, seed);
	return test_exit_status();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "parser"))
		return test_parser();
	if (argc == 2 && !strcmp(argv[1], "va"))
		return test_va();
	if (argc == 4 && !strcmp(argv[1], "fuzz"))
		return test_fuzz(argv[2], argv[3]);
	fprintf(stderr, "usage: kernel_ioctl parser|va|fuzz SEED N\n");
	return 2;
}
