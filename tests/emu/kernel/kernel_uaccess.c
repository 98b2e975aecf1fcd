// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Access to "user" memory from the emulated kernel.
 *
 * Kernel and process share one address space here, but a real kernel never
 * faults on a bad user pointer: it returns -EFAULT. process_vm_readv() /
 * process_vm_writev() on our own pid give exactly that behaviour (they
 * check the mapping and its protection). Where they are unavailable (e.g.
 * a seccomp filter forbids them), fall back to plain memcpy: correct for
 * every valid pointer, and the only option left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kernel_priv.h"

static int vm_copy_unavailable;

static int vm_copy(void *local, uint64_t remote, size_t len, bool to_user)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)remote,
			   .iov_len = len };
	ssize_t n;

	if (!len)
		return 0;
	if (!remote || remote + len < remote)
		return -EFAULT;
	if (__atomic_load_n(&vm_copy_unavailable, __ATOMIC_RELAXED))
		goto plain;

	if (to_user)
		n = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
	else
		n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (n == (ssize_t)len) {
		/*
		 * The range is known good now. Copy once more in plain C so
		 * that memory checkers (valgrind) see the bytes as written,
		 * as they do for a real kernel's copy_to_user().
		 */
		if (to_user)
			memcpy((void *)(uintptr_t)remote, local, len);
		return 0;
	}
	if (n >= 0 || errno == EFAULT)
		return -EFAULT;
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
	__atomic_store_n(&vm_copy_unavailable, 1, __ATOMIC_RELAXED);
plain:
	if (to_user)
		memcpy((void *)(uintptr_t)remote, local, len);
	else
		memcpy(local, (const void *)(uintptr_t)remote, len);
	return 0;
}

int emu_copy_from_user(void *dst, uint64_t src, size_t len)
{
	return vm_copy(dst, src, len, false);
}

int emu_copy_to_user(uint64_t dst, const void *src, size_t len)
{
	return vm_copy((void *)src, dst, len, true);
}

int emu_cmd_request(struct emu_cmd *c, void *req, size_t len)
{
	size_t n = c->inlen < len ? c->inlen : len;
	size_t i;

	memset(req, 0, len);
	memcpy(req, c->in, n);
	/* a newer userspace may send a longer struct: only zeros are fine */
	for (i = len; i < c->inlen; i++)
		if (c->in[i])
			return -EOPNOTSUPP;
	return 0;
}

int emu_cmd_response(struct emu_cmd *c, const void *resp, size_t len)
{
	static const uint8_t zeros[256];
	size_t n = c->outlen < len ? c->outlen : len;
	size_t off;
	int ret;

	ret = emu_copy_to_user(c->resp, resp, n);
	if (ret)
		return ret;
	for (off = n; off < c->outlen; off += sizeof(zeros)) {
		size_t chunk = c->outlen - off;

		if (chunk > sizeof(zeros))
			chunk = sizeof(zeros);
		ret = emu_copy_to_user(c->resp + off, zeros, chunk);
		if (ret)
			return ret;
	}
	return 0;
}

uint32_t emu_cmd_ex_response_length(const struct emu_cmd *c, size_t len)
{
	return c->outlen < len ? c->outlen : len;
}

static uint32_t request_word(const void *req, size_t off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)req + off, sizeof(v));
	return v;
}

int emu_cmd_request_ex(struct emu_cmd *c, void *req, size_t len,
		       size_t comp_mask_off, size_t reserved_off)
{
	int ret = emu_cmd_request(c, req, len);

	if (ret)
		return ret;
	if (request_word(req, comp_mask_off) || request_word(req, reserved_off))
		return -EINVAL;
	return 0;
}

int emu_cmd_answer(struct emu_cmd *c, const void *resp, size_t len,
		   const void *uresp, size_t ulen)
{
	int ret = emu_udata_out(&c->udata, uresp, ulen);

	return ret ? ret : emu_cmd_response(c, resp, len);
}

void emu_udata_in(const struct emu_udata *u, void *req, size_t len)
{
	memset(req, 0, len);
	memcpy(req, u->in, u->inlen < len ? u->inlen : len);
}

int emu_udata_out(const struct emu_udata *u, const void *resp, size_t len)
{
	return emu_copy_to_user(u->out, resp,
				u->outlen < len ? u->outlen : len);
}
