// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Raw uverbs command helpers of the kernel-model tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel_util.h"

const char *kt_errname(int err)
{
	switch (err) {
	case 0:
		return "success";
	case EINVAL:
		return "EINVAL";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case ENOSPC:
		return "ENOSPC";
	case EFAULT:
		return "EFAULT";
	case EBADF:
		return "EBADF";
	case EBUSY:
		return "EBUSY";
	case ENODATA:
		return "ENODATA";
	case EPROTO:
		return "EPROTO";
	case ENOMEM:
		return "ENOMEM";
	case EOVERFLOW:
		return "EOVERFLOW";
	default:
		return strerror(err);
	}
}

int kt_write(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return errno;
	return n == (ssize_t)len ? 0 : EIO;
}

int kt_cmd(int fd, uint32_t command, const void *core, size_t core_len,
	   const void *drv, size_t drv_len, size_t resp_len)
{
	uint8_t buf[1024] = { 0 };
	struct ib_uverbs_cmd_hdr hdr;
	size_t len = sizeof(hdr) + core_len + drv_len;

	if (len > sizeof(buf))
		return E2BIG;
	hdr.command = command;
	hdr.in_words = len / 4;
	hdr.out_words = resp_len / 4;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), core, core_len);
	if (drv_len)
		memcpy(buf + sizeof(hdr) + core_len, drv, drv_len);
	return kt_write(fd, buf, len);
}

int kt_cmd_ex(int fd, uint32_t command, const void *core, size_t core_len,
	      const void *drv, size_t drv_len, void *resp, size_t out,
	      size_t drv_out)
{
	uint8_t buf[1024] = { 0 };
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_ex_cmd_hdr ex = { 0 };
	size_t len = sizeof(hdr) + sizeof(ex) + core_len + drv_len;

	if (len > sizeof(buf))
		return E2BIG;
	hdr.command = IB_USER_VERBS_CMD_FLAG_EXTENDED | command;
	hdr.in_words = core_len / 8;
	hdr.out_words = out / 8;
	ex.response = (uintptr_t)resp;
	ex.provider_in_words = drv_len / 8;
	ex.provider_out_words = drv_out / 8;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), &ex, sizeof(ex));
	memcpy(buf + sizeof(hdr) + sizeof(ex), core, core_len);
	if (drv_len)
		memcpy(buf + sizeof(hdr) + sizeof(ex) + core_len, drv, drv_len);
	return kt_write(fd, buf, len);
}

int kt_parse_args(int argc, char **argv, unsigned int *gen, bool *dmabuf)
{
	static const struct option opts[] = {
		{ "gen", required_argument, NULL, 'g' },
		{ "dmabuf", required_argument, NULL, 'd' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "g:d:", opts, NULL)) != -1) {
		if (opt == 'g')
			*gen = (unsigned int)atoi(optarg);
		else if (opt == 'd')
			*dmabuf = atoi(optarg);
		else
			return -1;
	}
	return 0;
}

int kt_open_uverbs(void)
{
	return open("/dev/infiniband/uverbs0", O_RDWR | O_CLOEXEC);
}

int kt_get_context(struct kt_ctx *c, uint8_t ver, uint64_t comp_mask,
		   size_t resp_len)
{
	struct {
		struct ib_uverbs_get_context_resp core;
		struct irdma_alloc_ucontext_resp drv;
	} resp = { 0 };
	struct ib_uverbs_get_context cmd = { .response = (uintptr_t)&resp };
	struct irdma_alloc_ucontext_req req = {
		.userspace_ver = ver,
		.comp_mask = comp_mask,
	};
	int ret;

	ret = kt_cmd(c->fd, IB_USER_VERBS_CMD_GET_CONTEXT, &cmd, sizeof(cmd),
		     &req, sizeof(req), sizeof(resp.core) + resp_len);
	if (ret)
		return ret;
	c->async_fd = resp.core.async_fd;
	c->uctx = resp.drv;
	return 0;
}

int kt_alloc_pd(struct kt_ctx *c, uint32_t *pd)
{
	struct {
		struct ib_uverbs_alloc_pd_resp core;
		struct irdma_alloc_pd_resp drv;
	} resp = { 0 };
	struct ib_uverbs_alloc_pd cmd = { .response = (uintptr_t)&resp };
	int ret;

	ret = kt_cmd(c->fd, IB_USER_VERBS_CMD_ALLOC_PD, &cmd, sizeof(cmd), NULL,
		     0, sizeof(resp));
	if (!ret)
		*pd = resp.core.pd_handle;
	return ret;
}

int kt_dealloc_pd(struct kt_ctx *c, uint32_t pd)
{
	struct ib_uverbs_dealloc_pd cmd = { .pd_handle = pd };

	return kt_cmd(c->fd, IB_USER_VERBS_CMD_DEALLOC_PD, &cmd, sizeof(cmd),
		      NULL, 0, 0);
}

int kt_reg_mr(struct kt_ctx *c, uint32_t pd, void *addr, size_t len,
	      uint32_t access, const void *drv, size_t drv_len,
	      struct ib_uverbs_reg_mr_resp *resp)
{
	struct ib_uverbs_reg_mr cmd = {
		.response = (uintptr_t)resp,
		.start = (uintptr_t)addr,
		.length = len,
		.hca_va = (uintptr_t)addr,
		.pd_handle = pd,
		.access_flags = access,
	};

	return kt_cmd(c->fd, IB_USER_VERBS_CMD_REG_MR, &cmd, sizeof(cmd), drv,
		      drv_len, sizeof(*resp));
}

int kt_dereg_mr(struct kt_ctx *c, uint32_t mr)
{
	struct ib_uverbs_dereg_mr cmd = { .mr_handle = mr };

	return kt_cmd(c->fd, IB_USER_VERBS_CMD_DEREG_MR, &cmd, sizeof(cmd),
		      NULL, 0, 0);
}

int kt_reg_ring(struct kt_ctx *c, uint32_t pd, void *addr, size_t len,
		uint16_t type, uint16_t sq, uint16_t rq, uint16_t cq,
		uint32_t *handle)
{
	struct irdma_mem_reg_req req = {
		.reg_type = type,
		.sq_pages = sq,
		.rq_pages = rq,
		.cq_pages = cq,
	};
	struct ib_uverbs_reg_mr_resp resp = { 0 };
	int ret;

	ret = kt_reg_mr(c, pd, addr, len, IB_UVERBS_ACCESS_LOCAL_WRITE, &req,
			IRDMA_MEM_REG_REQ_V0_SIZE, &resp);
	if (!ret && handle)
		*handle = resp.mr_handle;
	return ret;
}

void *kt_pages(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}
