// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The context's shared DMA-buf heap (util/dmabuf_heap), opened on the first
 * ring or buffer that needs shared memory and closed with the context.
 */
#include <errno.h>
#include <string.h>

#include "irdma.h"
#include "debug.h"
#include "dmabuf_heap.h"

struct dmabuf_heap *irdma_ctx_heap(struct irdma_context *ctx)
{
	struct dmabuf_heap_attr attr = { .name = DMABUF_HEAP_DEFAULT_NAME };
	struct dmabuf_heap *heap;
	int err = 0;

	pthread_mutex_lock(&ctx->heap_lock);
	if (!ctx->heap) {
		ctx->heap = dmabuf_heap_open(&attr);
		if (!ctx->heap) {
			err = errno ? errno : ENOMEM;
			irdma_dbg(
				&ctx->ibv_ctx,
				"cannot open the shared DMA-buf heap %s/%s (%s): CoCo rings and buffers are unavailable",
				DMABUF_HEAP_DEFAULT_DIR,
				DMABUF_HEAP_DEFAULT_NAME, strerror(err));
		} else {
			irdma_dbg(&ctx->ibv_ctx,
				  "opened the shared DMA-buf heap %s/%s",
				  DMABUF_HEAP_DEFAULT_DIR,
				  DMABUF_HEAP_DEFAULT_NAME);
		}
	}
	heap = ctx->heap;
	pthread_mutex_unlock(&ctx->heap_lock);
	if (!heap)
		errno = err;
	return heap;
}

void irdma_close_heap(struct irdma_context *ctx)
{
	int live;

	if (!ctx->heap)
		return;
	live = dmabuf_heap_close(ctx->heap);
	if (live > 0)
		irdma_warn(
			&ctx->ibv_ctx,
			"closing the shared heap with %d buffers still allocated",
			live);
	ctx->heap = NULL;
}
