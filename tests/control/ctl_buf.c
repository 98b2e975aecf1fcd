// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ibv_alloc_buf / ibv_reg_buf_mr / ibv_export_buf_dmabuf_fd / ibv_free_buf
 * on a plain PD, a plain parent domain and a CoCo parent domain.
 * Usage: ctl_buf [--cc] [--no-dmabuf-memreg]
 *   --cc: the device needs DMA bounce, so CoCo buffers must be DMA-bufs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/emu.h"
#include "ctl_util.h"

#define NBUFS 24

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

#ifdef HAVE_IBV_EXPORT_BUF_DMABUF_FD
/* An exported fd must show the buffer's bytes from its offset 0. */
static void check_export(struct ibv_buf *b, unsigned char *addr, size_t len)
{
	unsigned char *view;
	int fd;

	fd = ibv_export_buf_dmabuf_fd(b);
	CHECK(fd >= 0, "export of a DMA-buf backed buffer: %m");
	view = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(view != MAP_FAILED, "mmap of the exported fd: %m");
	CHECK(!memcmp(view, addr, len),
	      "exported DMA-buf does not start at the buffer");
	munmap(view, len);
	close(fd);
}

/* ibv_reg_dmabuf_mr() on an exported fd; bad fds fail cleanly. */
static void check_dmabuf_mr(struct ibv_pd *pd, struct ibv_buf *b,
			    unsigned char *addr, size_t len)
{
	struct ibv_mr *mr;
	int fd, nul;

	fd = ibv_export_buf_dmabuf_fd(b);
	CHECK(fd >= 0, "export: %m");
	mr = ibv_reg_dmabuf_mr(pd, page_size(), len - page_size(),
			       (uintptr_t)addr + page_size(), fd,
			       IBV_ACCESS_LOCAL_WRITE);
	CHECK(mr, "ibv_reg_dmabuf_mr on an exported fd: %m");
	CHECK(ibv_dereg_mr(mr) == 0, "dereg dmabuf mr: %m");
	close(fd);

	errno = 0;
	CHECK(!ibv_reg_dmabuf_mr(pd, 0, len, (uintptr_t)addr, -1,
				 IBV_ACCESS_LOCAL_WRITE) &&
		      errno,
	      "DMA-buf MR on fd -1 accepted");
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(nul >= 0, "open /dev/null: %m");
	errno = 0;
	CHECK(!ibv_reg_dmabuf_mr(pd, 0, len, (uintptr_t)addr, nul,
				 IBV_ACCESS_LOCAL_WRITE) &&
		      errno,
	      "DMA-buf MR on /dev/null accepted");
	close(nul);
}

static void check_no_export(struct ibv_buf *b)
{
	errno = 0;
	CHECK(ibv_export_buf_dmabuf_fd(b) < 0 && errno == ENODATA,
	      "plain buffer exported (errno %d)", errno);
}
#endif

static void use_buffer(struct ibv_pd *pd, size_t len, bool want_dmabuf,
		       bool can_register)
{
	struct ibv_mr *mr, *part;
	unsigned char *addr;
	struct ibv_buf *b = NULL;
	size_t i;

	addr = ibv_alloc_buf(pd, len, &b);
	CHECK(addr && b, "ibv_alloc_buf(%zu): %m", len);
	CHECK(((uintptr_t)addr % page_size()) == 0, "buffer not page aligned");
	for (i = 0; i < len; i++)
		CHECK(addr[i] == 0, "buffer not zeroed at %zu", i);
	for (i = 0; i < len; i++)
		addr[i] = (unsigned char)(i * 7 + 3);

#ifdef HAVE_IBV_EXPORT_BUF_DMABUF_FD
	if (want_dmabuf)
		check_export(b, addr, len);
	else
		check_no_export(b);
	if (want_dmabuf && can_register)
		check_dmabuf_mr(pd, b, addr, len);
#else
	CHECK(test_buf_is_dmabuf(b, addr, len) == want_dmabuf,
	      "buffer is%s a DMA-buf", want_dmabuf ? " not" : "");
#endif

	if (can_register) {
		mr = ibv_reg_buf_mr(pd, b, addr, len, IBV_ACCESS_LOCAL_WRITE);
		CHECK(mr, "ibv_reg_buf_mr whole buffer: %m");
		CHECK(mr->lkey != 0 || mr->rkey != 0, "MR without keys");
		part = ibv_reg_buf_mr(
			pd, b, addr + page_size(), len - page_size(),
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ);
		CHECK(part, "ibv_reg_buf_mr tail: %m");
		CHECK(part->lkey != mr->lkey, "two MRs share an lkey");
		CHECK(ibv_dereg_mr(part) == 0, "dereg tail: %m");
		CHECK(ibv_dereg_mr(mr) == 0, "dereg: %m");
	}
	if (!can_register) {
		errno = 0;
		CHECK(!ibv_reg_buf_mr(pd, b, addr, len,
				      IBV_ACCESS_LOCAL_WRITE) &&
			      errno == EOPNOTSUPP,
		      "unregistrable DMA-buf: errno %d, want EOPNOTSUPP",
		      errno);
	}
	errno = 0;
	CHECK(!ibv_reg_buf_mr(pd, b, addr, len + 1, IBV_ACCESS_LOCAL_WRITE) &&
		      errno == EINVAL,
	      "registration beyond the buffer was accepted");
	ibv_free_buf(b);
}

static void many_buffers(struct ibv_pd *pd, bool want_dmabuf)
{
	struct ibv_buf *bufs[NBUFS];
	void *addrs[NBUFS];
	size_t len;
	int i;

	for (i = 0; i < NBUFS; i++) {
		len = page_size() * (1 + i % 3);
		addrs[i] = ibv_alloc_buf(pd, len, &bufs[i]);
		CHECK(addrs[i], "ibv_alloc_buf #%d: %m", i);
		CHECK(test_buf_is_dmabuf(bufs[i], addrs[i], len) == want_dmabuf,
		      "buffer #%d is%s a DMA-buf", i, want_dmabuf ? " not" : "");
	}
	for (i = 0; i < NBUFS; i++)
		ibv_free_buf(bufs[i]);
}

int main(int argc, char **argv)
{
	struct ibv_parent_domain_init_attr attr = {};
	struct ibv_pd *pd, *plain_par, *cc_par;
	struct ibv_context *ctx;
	struct ctl_expect exp;
	struct ibv_buf *b;
	size_t len;

	unsigned long opened;

	ctl_parse_args(argc, argv, &exp);
	ctx = test_must_open_first_device();
	opened = test_emu_live_objects();
	pd = ibv_alloc_pd(ctx);
	CHECK(pd, "ibv_alloc_pd: %m");
	attr.pd = pd;
	plain_par = ibv_alloc_parent_domain(ctx, &attr);
	CHECK(plain_par, "plain parent domain: %m");
	attr.comp_mask = IBV_PARENT_DOMAIN_INIT_ATTR_ALLOW_CC_UNPROTECTED_ALLOC;
	cc_par = ibv_alloc_parent_domain(ctx, &attr);
	CHECK(cc_par, "CoCo parent domain: %m");

	errno = 0;
	CHECK(!ibv_alloc_buf(pd, 0, &b) && errno == EINVAL,
	      "zero-sized buffer accepted");

	len = 3 * page_size();
	/* private memory: Linux 7.2 refuses it on a bounce device */
	use_buffer(pd, len, false, !test_emu_va_refused());
	use_buffer(plain_par, len, false, !test_emu_va_refused());
	/*
	 * A CoCo buffer of a bounce device is a DMA-buf; registering it needs
	 * a kernel that accepted the DMA-buf memreg extension, or the generic
	 * REG_DMABUF_MR ioctl (the ioctl ABI of 7.2; not the old kernel's).
	 */
	use_buffer(cc_par, len, exp.cc,
		   !exp.cc || exp.dmabuf_memreg || !test_emu_kernel_old());
	many_buffers(cc_par, exp.cc);
	many_buffers(plain_par, false);

	CHECK(ibv_dealloc_pd(cc_par) == 0, "dealloc: %m");
	CHECK(ibv_dealloc_pd(plain_par) == 0, "dealloc: %m");
	CHECK(ibv_dealloc_pd(pd) == 0, "dealloc: %m");
	CHECK(test_emu_live_objects() == opened,
	      "buffers/MRs left kernel objects behind");
	CHECK(ibv_close_device(ctx) == 0, "close: %m");
	printf("ctl_buf: cc=%d ok\n", exp.cc);
	return 0;
}
