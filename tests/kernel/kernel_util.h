/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Helpers of the kernel-model tests (kernel_*.c): raw uverbs commands
 * written straight to a uverbs fd, the way libibverbs' write fallback
 * does, so that malformed ones can be sent too.
 */
#ifndef IRDMA_TESTS_KERNEL_UTIL_H
#define IRDMA_TESTS_KERNEL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/irdma-abi.h>

#include "common/check.h"
#include "common/emu.h"

/* The errno a command gave must be @want (0: success); goes on if not. */
#define KT_EXPECT_ERR(got, want, what)                                 \
	EXPECT((got) == (want), "%s: got %s (%d), want %s (%d)", what, \
	       kt_errname(got), got, kt_errname(want), want)

const char *kt_errname(int err);

/*
 * Legacy command: header + @core + @drv, response room @resp_len bytes.
 * Returns 0 or the errno of the write().
 */
int kt_cmd(int fd, uint32_t command, const void *core, size_t core_len,
	   const void *drv, size_t drv_len, size_t resp_len);
/* Extended command with a response at @resp (core @out, driver @drv_out). */
int kt_cmd_ex(int fd, uint32_t command, const void *core, size_t core_len,
	      const void *drv, size_t drv_len, void *resp, size_t out,
	      size_t drv_out);
/* Write @len raw bytes; returns 0 or errno. */
int kt_write(int fd, const void *buf, size_t len);

/* --gen N and --dmabuf 0|1; -1 on anything else on the command line. */
int kt_parse_args(int argc, char **argv, unsigned int *gen, bool *dmabuf);

/* Open /dev/infiniband/uverbs0 as a fresh file (no context yet). */
int kt_open_uverbs(void);

/* A context the test negotiated itself. */
struct kt_ctx {
	int fd;
	int async_fd;
	struct irdma_alloc_ucontext_resp uctx;
};

/*
 * GET_CONTEXT with @ver and @comp_mask, room for @resp_len driver bytes.
 * Returns 0 or errno.
 */
int kt_get_context(struct kt_ctx *c, uint8_t ver, uint64_t comp_mask,
		   size_t resp_len);

/* Commands on a negotiated context; each returns 0 or errno. */
int kt_alloc_pd(struct kt_ctx *c, uint32_t *pd);
int kt_dealloc_pd(struct kt_ctx *c, uint32_t pd);
int kt_reg_mr(struct kt_ctx *c, uint32_t pd, void *addr, size_t len,
	      uint32_t access, const void *drv, size_t drv_len,
	      struct ib_uverbs_reg_mr_resp *resp);
int kt_dereg_mr(struct kt_ctx *c, uint32_t mr);
/* A ring registration (irdma_mem_reg_req), page-aligned memory. */
int kt_reg_ring(struct kt_ctx *c, uint32_t pd, void *addr, size_t len,
		uint16_t type, uint16_t sq, uint16_t rq, uint16_t cq,
		uint32_t *handle);

/* A page-aligned zeroed buffer of @len bytes (never freed by tests). */
void *kt_pages(size_t len);

#endif /* IRDMA_TESTS_KERNEL_UTIL_H */
