// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ibv_alloc_buf()/ibv_free_buf(): application buffers the device can reach.
 * On a CoCo parent domain of a bounce device they come from the shared
 * DMA-buf heap and carry its fd, so ibv_reg_buf_mr() registers them by fd
 * and ibv_export_buf_dmabuf_fd() can hand the fd out; otherwise they are
 * plain page-aligned memory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <util/util.h>

#include "irdma.h"
#include "debug.h"
#include "verbs_ctl.h"
#include "dmabuf_heap.h"

/* Private bookkeeping: never placed inside the (shared) buffer itself. */
struct irdma_buf {
	struct ibv_buf ibuf;
	bool shared;
	struct dmabuf_heap_buf hbuf;
	struct irdma_parent_domain *owner; /* holds a use of it, or NULL */
	size_t map_len; /* plain buffers: length of the anonymous mapping */
};

static int alloc_shared_buf(struct irdma_context *ctx, struct ibv_pd *pd,
			    size_t size, struct irdma_buf *b)
{
	struct dmabuf_heap *heap = irdma_ctx_heap(ctx);
	int ret;

	if (!heap)
		return errno;
	/*
	 * libibverbs takes offset 0 of ibv_buf.dmabuf_fd to be the buffer
	 * start (reg_buf_mr offsets, exported fds), so the buffer gets a
	 * DMA-buf of its own instead of a piece of a shared slab.
	 */
	ret = dmabuf_heap_alloc_dedicated(heap, size, &b->hbuf);
	if (ret) {
		irdma_dbg(
			&ctx->ibv_ctx,
			"CoCo buffer of %zu bytes: shared heap allocation failed (%s)",
			size, strerror(ret));
		return ret;
	}
	if (b->hbuf.offset != 0) {
		/* the heap broke its promise; never hand out a wrong fd */
		dmabuf_heap_free(heap, &b->hbuf);
		return EPROTO;
	}
	b->shared = true;
	ibv_buf_init_dmabuf(&b->ibuf, pd, b->hbuf.addr, size, b->hbuf.fd);
	return 0;
}

/*
 * Plain buffers are anonymous mappings of whole pages: page aligned and
 * zeroed by the kernel, returned to it at once on free, and an impossible
 * size fails cleanly without disturbing malloc's arenas.
 */
static int alloc_private_buf(struct ibv_pd *pd, size_t size,
			     struct irdma_buf *b)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	if (size > SIZE_MAX - page)
		return ENOMEM;
	b->map_len = align(size, page);
	p = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return errno ? errno : ENOMEM;
	ibv_buf_init(&b->ibuf, pd, p, size);
	return 0;
}

void *irdma_alloc_buf(struct ibv_pd *pd, size_t size, struct ibv_buf **buf)
{
	struct irdma_context *ctx = to_irdma_ctx(pd->context);
	struct irdma_buf *b;
	int ret;

	if (!size || !buf) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	b->hbuf.fd = -1;
	if (irdma_pd_wants_shared_mem(pd))
		ret = alloc_shared_buf(ctx, pd, size, b);
	else
		ret = alloc_private_buf(pd, size, b);
	if (ret) {
		free(b);
		errno = ret;
		return NULL;
	}
	b->owner = irdma_parent_get(pd);
	*buf = &b->ibuf;
	return b->ibuf.addr;
}

void irdma_free_buf(struct ibv_buf *buf)
{
	struct irdma_buf *b = container_of(buf, struct irdma_buf, ibuf);
	struct irdma_context *ctx = to_irdma_ctx(buf->pd->context);

	if (b->shared) {
		int ret = dmabuf_heap_free(ctx->heap, &b->hbuf);

		if (ret)
			irdma_warn(
				&ctx->ibv_ctx,
				"CoCo buffer %p could not be returned to the heap (%s)",
				buf->addr, strerror(ret));
	} else {
		munmap(buf->addr, b->map_len);
	}
	irdma_parent_put(b->owner);
	free(b);
}
