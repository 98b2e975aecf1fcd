/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * What the kernel_*.c files share: command decoding, handles and
 * accounting, event channels, and each file's handlers. Private to
 * tests/emu/kernel/; the contract is kernel.h.
 */
#ifndef IRDMA_EMU_KERNEL_PRIV_H
#define IRDMA_EMU_KERNEL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

/* Bytes per WQE quantum: rings are sized in these. */
#define EMU_QUANTUM 32U
/* WQEs irdma keeps back from each SQ / RQ (IRDMA_SQ_RSVD, IRDMA_RQ_RSVD). */
#define EMU_SQ_RSVD 258U
#define EMU_RQ_RSVD 1U
/* Completion vectors a device offers. */
#define EMU_NUM_COMP_VECTORS 1U

/* Driver-private part of a command, as struct ib_udata in the kernel. */
struct emu_udata {
	const uint8_t *in; /* our copy of the request bytes */
	size_t inlen;
	uint64_t out; /* user address of the driver response */
	size_t outlen;
};

struct emu_bundle;

/* One decoded uverbs command. */
struct emu_cmd {
	struct emu_file *f;
	bool ex; /* extended (IB_USER_VERBS_CMD_FLAG_EXTENDED) */
	const uint8_t *in; /* core request, after the header(s) */
	size_t inlen;
	uint64_t resp; /* user address of the core response */
	size_t outlen; /* room there */
	struct emu_udata udata;
	/* the live object the request names (kernel_main.c NAMES), or NULL */
	struct emu_obj *obj;
	/* the ioctl call this command is the driver part of, or NULL */
	const struct emu_bundle *ioctl;
};

/* Command handlers: 0 or -errno. */
typedef int (*emu_cmd_fn)(struct emu_cmd *c);

/* kernel_uaccess.c: copy to/from process addresses, -EFAULT if unmapped. */
int emu_copy_from_user(void *dst, uint64_t src, size_t len);
int emu_copy_to_user(uint64_t dst, const void *src, size_t len);
/* True if [va, va + len) is mapped readable in this process. */
bool emu_user_range_ok(uint64_t va, uint64_t len);
/* Copy the core request into @req (zero-filled; trailing bytes must be 0). */
int emu_cmd_request(struct emu_cmd *c, void *req, size_t len);
/* Write the core response: min(len, room), zero-filling the rest of room. */
int emu_cmd_response(struct emu_cmd *c, const void *resp, size_t len);
/* response_length of an extended response of @len bytes: what fits. */
uint32_t emu_cmd_ex_response_length(const struct emu_cmd *c, size_t len);
/*
 * An extended request whose comp_mask and reserved words (u32 members at
 * @comp_mask_off and @reserved_off) must be 0: emu_cmd_request(), then
 * -EINVAL if either is not.
 */
int emu_cmd_request_ex(struct emu_cmd *c, void *req, size_t len,
		       size_t comp_mask_off, size_t reserved_off);
#define EMU_CMD_REQUEST_EX(c, cmd)                               \
	emu_cmd_request_ex(c, &(cmd), sizeof(cmd),               \
			   offsetof(__typeof__(cmd), comp_mask), \
			   offsetof(__typeof__(cmd), reserved))
/*
 * The answer to a create: the driver response @uresp, then the core
 * response @resp (the order irdma and the core write them in). On failure
 * the caller destroys what it created.
 */
int emu_cmd_answer(struct emu_cmd *c, const void *resp, size_t len,
		   const void *uresp, size_t ulen);
/* Driver request/response, min(len, available) as irdma does. */
void emu_udata_in(const struct emu_udata *u, void *req, size_t len);
int emu_udata_out(const struct emu_udata *u, const void *resp, size_t len);

/* kernel_objects.c: handles, ids, accounting. */
/*
 * Allocate a zeroed object of @size bytes, counted against the device
 * limit for @type: NULL with errno ENOMEM when exhausted.
 */
void *emu_obj_alloc(struct emu_file *f, enum emu_obj_type type, size_t size);
/* Publish on the file's list (takes f->lock); gives the object a handle. */
void emu_obj_publish(struct emu_obj *obj);
/* Remove from the file's list (takes f->lock). */
void emu_obj_unpublish(struct emu_obj *obj);
/* Count an object that is not allocated with emu_obj_alloc (contexts). */
void emu_obj_account(struct emu_device *dev, enum emu_obj_type type, int delta);
/* Report @n objects of @type the final close reclaimed (kernel_main.c). */
void emu_kernel_note_reclaimed(const struct emu_device *dev,
			       enum emu_obj_type type, unsigned long n);
/* Free an unpublished object and drop it from the accounting. */
void emu_obj_free(struct emu_obj *obj);
/* Set up / free the handle tables of a file. */
void emu_obj_tables_init(struct emu_file *f);
void emu_obj_tables_free(struct emu_file *f);
/* Look up a live object by handle (takes f->lock); NULL if none. */
struct emu_obj *emu_obj_lookup(struct emu_file *f, enum emu_obj_type type,
			       uint32_t handle);
/*
 * The same with the kernel's IDR answers: 0, -ENOENT if the handle names
 * nothing, -EINVAL if it names an object of another type.
 */
int emu_obj_find(struct emu_file *f, enum emu_obj_type type, uint32_t handle,
		 struct emu_obj **out);
/*
 * Look up and hold (emu_obj.users) the object another one will use; NULL
 * if none. Put takes the object itself (emu_obj comes first in each) or
 * NULL, and lets go of it.
 */
void *emu_obj_get(struct emu_file *f, enum emu_obj_type type, uint32_t handle);
void emu_obj_put(void *obj);
/* Per-device id allocator (pd_id, cq_id, srq_id, ah_id, stag index). */
int emu_id_alloc(struct emu_device *dev, enum emu_obj_type type, uint32_t *id);
void emu_id_free(struct emu_device *dev, enum emu_obj_type type, uint32_t id);

/* kernel_events.c: event channels (socket pairs libibverbs read()s). */
int emu_evq_create(int *rfd, int *wfd);
/* Queue one record without blocking; false if it could not be queued. */
bool emu_evq_post(int wfd, const void *rec, size_t len);
/*
 * Take every queued, not yet read record whose first 8 bytes equal @key
 * back out of the channel (the kernel forgets an object's pending events
 * when it is destroyed). Returns how many were removed.
 */
unsigned int emu_evq_purge(int rfd, int wfd, size_t reclen, uint64_t key);
/* Async event bookkeeping for destroy of a QP/CQ/SRQ: events still owed. */
uint32_t emu_async_settle(struct emu_file *f, uint64_t user_handle,
			  uint32_t reported);

/*
 * kernel_report.c: the IRDMA_EMU_REPORT=1 exit summary. Count a memory
 * registration, or a ring registration a QP/CQ/SRQ took into use.
 */
void emu_report_registration(const struct emu_mr *mr);
void emu_kernel_report_at_exit(void);
/*
 * Push protocol errors the device saw (kernel_report.c): doorbells naming
 * another QP or without their WQE in the window, push bits without a
 * page. Each device with any is told on stderr; the total is returned.
 */
unsigned long emu_push_violations(void);

/* kernel_device.c */
struct emu_device *emu_device_get(unsigned int index);
int emu_cmd_get_context(struct emu_cmd *c);
int emu_cmd_query_device(struct emu_cmd *c);
int emu_cmd_query_device_ex(struct emu_cmd *c);
/* Undo GET_CONTEXT's resources (doorbell page, async channel). */
void emu_file_release_context(struct emu_file *f);
int emu_cmd_query_port(struct emu_cmd *c);
/* True if port 1 GID @index is valid; copies it to @gid. */
bool emu_device_gid(struct emu_device *dev, unsigned int index,
		    uint8_t gid[EMU_GID_LEN]);

/* kernel_mr.c */
int emu_cmd_alloc_pd(struct emu_cmd *c);
int emu_cmd_dealloc_pd(struct emu_cmd *c);
int emu_cmd_reg_mr(struct emu_cmd *c);
int emu_cmd_rereg_mr(struct emu_cmd *c);
int emu_cmd_dereg_mr(struct emu_cmd *c);
int emu_cmd_alloc_mw(struct emu_cmd *c);
int emu_cmd_dealloc_mw(struct emu_cmd *c);
/*
 * Take the ring registration at @va of @type off the context's free list
 * (irdma looks rings up by their start address and consumes them).
 */
struct emu_mr *emu_ring_take(struct emu_file *f, enum emu_mr_type type,
			     uint64_t va);
void emu_ring_release(struct emu_mr *mr);
void emu_destroy_pd(struct emu_pd *pd);
void emu_destroy_mr(struct emu_mr *mr);
void emu_destroy_mw(struct emu_mw *mw);
/* Free an MR no handle names yet (the unwind of a registration). */
void emu_mr_free(struct emu_mr *mr);
/* ib_check_mr_access(): 0, -EINVAL, or -EOPNOTSUPP (on-demand paging) */
int emu_mr_check_access(uint32_t access);
/* Pages of EMU_PAGE_SIZE that [start, start + len) touches. */
uint64_t emu_page_count(uint64_t start, uint64_t len);
/* A fresh stag for id-space index @index. */
uint32_t emu_mr_make_stag(uint32_t index);
/* Is @pages enough for a ring registration of @type with these counts? */
int emu_mr_check_ring_pages(struct emu_file *f, enum emu_mr_type type,
			    uint32_t sq_pages, uint32_t rq_pages,
			    uint32_t cq_pages, uint64_t pages);

/*
 * kernel_rings.c: ring memory beyond the registration list.
 * Linux 7.2 refuses plain user memory (VA umem) with EOPNOTSUPP on a device
 * that needs DMA bounce (--cc); the old kernel takes it.
 */
bool emu_va_refused(void);
/*
 * Attach DMA-buf @fd to @mr for [offset, offset + length), as
 * ib_umem_dmabuf_get(): 0, -EBADF (no open fd), -EINVAL (no DMA-buf, or
 * the range outside it). What it attached the MR releases.
 */
int emu_mr_attach_dmabuf(struct emu_mr *mr, int fd, uint64_t offset,
			 uint64_t length);
/* Where the device reaches the ring memory @va names in registration @mr. */
uint64_t emu_ring_device_va(const struct emu_mr *mr, uint64_t va);
/*
 * Does this create of a CQ/QP/SRQ (@type) name its ring buffers by UMEM
 * descriptors the driver takes (ring ABI "umem", an ioctl create)? If so
 * the rings come from these instead of the registration list: the CQ's
 * (ring_entries and cqe_size set), the QP's (sized), the SRQ's (@depth
 * quanta). 0 or -errno; what was taken is the object's to release.
 */
bool emu_rings_umem(const struct emu_cmd *c, enum emu_obj_type type);
int emu_rings_cq_umem(struct emu_cmd *c, struct emu_cq *cq);
int emu_rings_qp_umem(struct emu_cmd *c, struct emu_qp *qp);
int emu_rings_srq_umem(struct emu_cmd *c, struct emu_srq *srq, uint32_t depth);

/*
 * kernel_main.c: destroy @obj whatever its type, as the final close does;
 * false (nothing done) for a type that is no verbs object.
 */
bool emu_destroy_object(struct emu_obj *obj);

/* kernel_cq.c */
int emu_cmd_create_comp_channel(struct emu_cmd *c);
int emu_cmd_create_cq(struct emu_cmd *c);
int emu_cmd_resize_cq(struct emu_cmd *c);
int emu_cmd_destroy_cq(struct emu_cmd *c);
int emu_cmd_req_notify_cq(struct emu_cmd *c);
void emu_destroy_cq(struct emu_cq *cq, uint32_t *comp_events,
		    uint32_t *async_events);
void emu_destroy_comp_channel(struct emu_comp_channel *ch);
/* The channel whose read end the process knows as @fd (same socket). */
struct emu_comp_channel *emu_comp_channel_by_fd(struct emu_file *f, int fd);

/* kernel_qp.c */
int emu_cmd_create_qp(struct emu_cmd *c);
int emu_cmd_query_qp(struct emu_cmd *c);
int emu_cmd_modify_qp(struct emu_cmd *c);
int emu_cmd_destroy_qp(struct emu_cmd *c);
int emu_cmd_mcast(struct emu_cmd *c);
uint32_t emu_destroy_qp(struct emu_qp *qp);

/*
 * kernel_push.c: push pages (irdma-emu-run --push, gen 2 and later).
 * bar_size: how long the context's doorbell memfd is (push pairs
 * included); offer fills the modify_qp response when the QP moves to RTS;
 * key_valid: an mmap key naming a page of a pair a QP holds; release
 * frees the pair, after the QP left the engine.
 */
struct irdma_modify_qp_resp;
bool emu_push_enabled(const struct emu_device *dev);
size_t emu_bar_size(const struct emu_device *dev);
void emu_push_offer(struct emu_qp *qp, enum emu_qp_state new_state,
		    struct irdma_modify_qp_resp *r);
void emu_push_release(struct emu_qp *qp);
bool emu_push_key_valid(struct emu_file *f, uint64_t key);
unsigned long emu_push_pages_given(unsigned int devidx);

/* kernel_qp_state.c: ib_modify_qp_is_ok() of the IB spec tables. */
bool emu_qp_transition_ok(enum emu_qp_state cur, enum emu_qp_state next,
			  enum emu_qp_type type, uint32_t mask);

/* kernel_srq.c */
int emu_cmd_create_srq(struct emu_cmd *c);
int emu_cmd_modify_srq(struct emu_cmd *c);
int emu_cmd_query_srq(struct emu_cmd *c);
int emu_cmd_destroy_srq(struct emu_cmd *c);
uint32_t emu_destroy_srq(struct emu_srq *srq);

/* kernel_ah.c */
int emu_cmd_create_ah(struct emu_cmd *c);
int emu_cmd_destroy_ah(struct emu_cmd *c);
void emu_destroy_ah(struct emu_ah *ah);
/* Validate a uverbs address vector for RoCE and convert it. */
struct ib_uverbs_ah_attr;
int emu_ah_attr_from_user(struct emu_device *dev,
			  const struct ib_uverbs_ah_attr *uah,
			  struct emu_ah_attr *out);

#endif /* IRDMA_EMU_KERNEL_PRIV_H */
