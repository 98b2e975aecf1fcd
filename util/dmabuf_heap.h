/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Sub-allocating DMA-buf heap helper.
 *
 * In a Confidential Computing guest a device may only DMA to shared
 * (decrypted) memory, which comes from a DMA-buf heap such as
 * /dev/dma_heap/system_cc_shared. Spending one DMA-buf fd and one mmap per
 * ring would cap an application at a few hundred QPs under the default
 * RLIMIT_NOFILE, so this helper carves page-aligned pieces out of larger
 * DMA-buf "slabs". The kernel identifies a piece by (slab fd, offset,
 * length). Bookkeeping lives in private memory, never in the DMA-buf.
 *
 * Error convention (the provider's and libibverbs' ibv_cmd_*'s):
 *   - functions returning int return 0 on success and a positive errno on
 *     failure; results (such as an exported fd) come back through pointer
 *     arguments; errno is not part of the contract then.
 *   - functions returning a pointer return NULL and set errno on failure.
 *
 * Thread safety: every call on one heap may be made from any thread.
 *
 * Fork: every mapping is madvise(MADV_DONTFORK), so a child never sees the
 * device-visible pages. A heap is owned by the process that opened it; in
 * a forked child every call fails with EPERM except dmabuf_heap_close(),
 * which releases the child's copies of the fds and the private bookkeeping
 * without touching the address ranges (they are unmapped in the child and
 * may already hold something else). A child that simply exec()s or exits
 * need not do anything: all fds are O_CLOEXEC. Do not call
 * ibv_dofork_range() (or madvise(MADV_DOFORK)) on heap buffers: it would
 * make pages of a whole slab inheritable again.
 *
 * See docs/dmabuf_heap.md for the design.
 */
#ifndef IRDMA_UTIL_DMABUF_HEAP_H
#define IRDMA_UTIL_DMABUF_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct dmabuf_heap;

#define DMABUF_HEAP_DEFAULT_DIR "/dev/dma_heap"
#define DMABUF_HEAP_DEFAULT_NAME "system_cc_shared"
#define DMABUF_HEAP_DEFAULT_SLAB_SIZE (2UL << 20)
#define DMABUF_HEAP_DEFAULT_MAX_CACHED 1U
/* Upper bound for the slab size; larger requests get dedicated buffers. */
#define DMABUF_HEAP_MAX_SLAB_SIZE (1UL << 30)

/* Environment overrides; they win over the attr values. */
#define DMABUF_HEAP_ENV_SLAB_SIZE "DMABUF_HEAP_SLAB_SIZE"
#define DMABUF_HEAP_ENV_MAX_CACHED "DMABUF_HEAP_MAX_CACHED_SLABS"

enum dmabuf_heap_attr_flags {
	/* max_cached_slabs is valid (otherwise the default is used). */
	DMABUF_HEAP_ATTR_MAX_CACHED = 1 << 0,
};

/*
 * Backend hook: store a new DMA-buf-like fd of exactly @len bytes that can
 * be mmap'ed MAP_SHARED in *@fd and return 0, or return an errno. The heap
 * owns the fd. Meant for unit tests (memfd) and for heaps that are not
 * under a directory.
 */
typedef int (*dmabuf_heap_alloc_fd_fn)(void *ctx, size_t len, int *fd);

struct dmabuf_heap_attr {
	uint32_t flags; /* enum dmabuf_heap_attr_flags */
	const char *dir; /* NULL: DMABUF_HEAP_DEFAULT_DIR */
	const char *name; /* NULL: DMABUF_HEAP_DEFAULT_NAME */
	/*
	 * Bytes per slab, rounded up to the page size. 0: default. An
	 * allocation larger than this gets a dedicated DMA-buf.
	 */
	size_t slab_size;
	/* Empty slabs kept mapped to avoid thrash (flag above). */
	unsigned int max_cached_slabs;
	/* Non-NULL: used instead of the heap device (dir/name ignored). */
	dmabuf_heap_alloc_fd_fn alloc_fd;
	void *alloc_fd_ctx;
};

/*
 * One allocation. Filled by dmabuf_heap_alloc(); pass it back unchanged to
 * dmabuf_heap_free(). All fields are read-only for the caller.
 */
struct dmabuf_heap_buf {
	void *addr; /* page aligned, zero-filled on allocation */
	size_t length; /* requested length */
	size_t mapped_length; /* length rounded up to whole pages */
	/*
	 * DMA-buf fd that backs the buffer and the buffer's offset in it, to
	 * hand to the kernel (e.g. irdma_mem_reg_req.dmabuf_fd/offset). The
	 * fd is owned by the heap, shared with other buffers of the same slab
	 * and valid until this buffer is freed; use dmabuf_heap_export_fd()
	 * for an fd the caller owns.
	 */
	int fd;
	uint64_t offset;
};

struct dmabuf_heap_stats {
	uint64_t live_slabs; /* DMA-bufs held, dedicated + cached too */
	uint64_t dedicated_bufs; /* of live_slabs, single-buffer DMA-bufs */
	uint64_t cached_slabs; /* of live_slabs, empty ones kept around */
	uint64_t live_fds; /* fds held: DMA-bufs + heap device */
	uint64_t live_bufs; /* allocations not yet freed */
	uint64_t bytes_mapped; /* sum of all DMA-buf mappings */
	uint64_t bytes_in_use; /* sum of mapped_length of live buffers */
	uint64_t bytes_requested; /* sum of length of live buffers */
	uint64_t slab_size; /* effective slab size */
	uint64_t max_cached_slabs; /* effective cache limit */
	uint64_t backend_allocs; /* DMA-bufs obtained since open */
	uint64_t backend_frees; /* DMA-bufs released since open */
};

/*
 * Open a heap. @attr may be NULL for all defaults. Returns NULL + errno:
 * EINVAL bad attr or environment value, ENOENT/EACCES/... from opening
 * <dir>/<name>, ENOMEM.
 */
struct dmabuf_heap *dmabuf_heap_open(const struct dmabuf_heap_attr *attr);

/*
 * Release every slab (munmap + close) and the heap; it always succeeds.
 * Buffers still allocated become invalid. Returns how many buffers were
 * still live, so callers and tests can detect leaks. NULL returns 0.
 */
int dmabuf_heap_close(struct dmabuf_heap *heap);

/*
 * Allocate @len bytes (rounded up to pages) of zeroed shared memory.
 * Returns 0 and fills @buf, or EINVAL (len 0 or too large), ENOMEM,
 * EPERM (forked child) or the backend's errno (e.g. EMFILE).
 */
int dmabuf_heap_alloc(struct dmabuf_heap *heap, size_t len,
		      struct dmabuf_heap_buf *buf);

/*
 * Like dmabuf_heap_alloc(), but the buffer always gets a DMA-buf of its
 * own (whatever the slab size): buf->fd backs only this buffer, from
 * buf->offset == 0 to buf->mapped_length. For APIs that assume the fd
 * starts at the buffer, such as libibverbs' struct ibv_buf (ibv_alloc_buf,
 * ibv_reg_buf_mr, ibv_export_buf_dmabuf_fd). Freed with dmabuf_heap_free().
 */
int dmabuf_heap_alloc_dedicated(struct dmabuf_heap *heap, size_t len,
				struct dmabuf_heap_buf *buf);

/*
 * Free a buffer. Returns 0 and poisons @buf (addr NULL, fd -1), or EINVAL
 * if @buf does not describe a live allocation of this heap exactly (double
 * free, foreign or altered @buf); nothing is changed then. EPERM in a
 * forked child.
 */
int dmabuf_heap_free(struct dmabuf_heap *heap, struct dmabuf_heap_buf *buf);

/*
 * Export a buffer like ibv_export_buf_dmabuf_fd(): stores a new O_CLOEXEC
 * fd that the caller owns and must close(2) in *@fd, and the buffer's
 * offset within that DMA-buf in *@offset. The fd refers to the whole slab,
 * so the importer must use (fd, *offset, buf->mapped_length). Returns 0, or
 * EINVAL for a buffer that is not live, EMFILE, EPERM.
 */
int dmabuf_heap_export_fd(struct dmabuf_heap *heap,
			  const struct dmabuf_heap_buf *buf, int *fd,
			  uint64_t *offset);

/* Snapshot of the counters. EINVAL for NULL arguments. */
int dmabuf_heap_get_stats(struct dmabuf_heap *heap,
			  struct dmabuf_heap_stats *stats);

#endif /* IRDMA_UTIL_DMABUF_HEAP_H */
