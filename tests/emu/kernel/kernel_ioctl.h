/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The uverbs ioctl ABI of the emulated kernel (RDMA_VERBS_IOCTL), shared by
 * the kernel_ioctl*.c files.
 *
 * kernel_ioctl.c parses and validates a call the way the kernel's
 * uverbs_ioctl.c does and hands the method handler a bundle: one entry per
 * attribute the method's table declares, filled from what the caller sent.
 * Handlers then read inputs and write outputs through the emu_attr_*
 * accessors below, which give the errnos of the kernel's uverbs_copy_from(),
 * uverbs_get_const(), uverbs_get_flags32() and uverbs_copy_to() (the last
 * one sets UVERBS_ATTR_F_VALID_OUTPUT in the caller's attribute).
 *
 * Every method handler runs under emu_file.cmd_lock, like a write() command.
 */
#ifndef IRDMA_EMU_KERNEL_IOCTL_H
#define IRDMA_EMU_KERNEL_IOCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/rdma_user_ioctl_cmds.h>

#include "kernel_priv.h"
#include "platform/platform.h"

/* How an attribute's payload is passed (enum uverbs_attr_type). */
enum emu_attr_type {
	EMU_ATTR_PTR_IN,
	EMU_ATTR_PTR_OUT,
	EMU_ATTR_IDR, /* a uverbs object handle */
	EMU_ATTR_FD, /* an fd uverbs made: completion channel, async events */
	EMU_ATTR_RAW_FD, /* any fd number (a DMA-buf) */
};

/* What an IDR or FD attribute does with its object. */
enum emu_attr_access {
	EMU_ACCESS_READ,
	EMU_ACCESS_NEW,
	EMU_ACCESS_DESTROY,
};

/* The fd objects uverbs hands out. */
enum emu_fd_class {
	EMU_FDC_COMP_CHANNEL,
	EMU_FDC_ASYNC_EVENT,
};

/* One attribute of a method, as the kernel's method definition has it. */
struct emu_attr_spec {
	uint16_t id;
	const char *name; /* for IRDMA_EMU_TRACE */
	uint8_t type; /* enum emu_attr_type */
	uint8_t access; /* IDR/FD: enum emu_attr_access */
	uint8_t obj; /* IDR: enum emu_obj_type; FD: enum emu_fd_class */
	bool mandatory;
	/* PTR: longer than len is fine if the excess is zero (ATTR_STRUCT) */
	bool zero_trailing;
	bool udata; /* UVERBS_ATTR_UHW_IN / _OUT */
	uint16_t min_len; /* PTR_IN/PTR_OUT */
	uint16_t len;
	/* 0: always declared; else only if the driver offers this ring ABI */
	unsigned int ring_abi;
};

#define EMU_ATTR_LEN_MAX 0xffffU

/* Attribute tables, in the words of the kernel's UVERBS_ATTR_* macros. */
#define EMU_PTR(_t, _id, _min, _len, _mand)                                 \
	{                                                                   \
		.id = (_id), .name = #_id, .type = (_t), .min_len = (_min), \
		.len = (_len), .mandatory = (_mand)                         \
	}
#define EMU_IN(_id, _min, _len, _mand) \
	EMU_PTR(EMU_ATTR_PTR_IN, _id, _min, _len, _mand)
#define EMU_OUT(_id, _min, _len, _mand) \
	EMU_PTR(EMU_ATTR_PTR_OUT, _id, _min, _len, _mand)
/* UVERBS_ATTR_TYPE(): exactly sizeof(type) */
#define EMU_IN_TYPE(_id, _type, _mand) \
	EMU_IN(_id, sizeof(_type), sizeof(_type), _mand)
#define EMU_OUT_TYPE(_id, _type, _mand) \
	EMU_OUT(_id, sizeof(_type), sizeof(_type), _mand)
/* UVERBS_ATTR_STRUCT(): at least up to @_last, zeros beyond the struct */
#define EMU_STRUCT(_t, _id, _type, _last, _mand)                              \
	{                                                                     \
		.id = (_id), .name = #_id, .type = (_t),                      \
		.min_len =                                                    \
			offsetof(_type, _last) + sizeof(((_type *)0)->_last), \
		.len = sizeof(_type), .zero_trailing = true,                  \
		.mandatory = (_mand)                                          \
	}
/* UVERBS_ATTR_CONST_IN(): a u64; UVERBS_ATTR_FLAGS_IN(): a u32 or u64 */
#define EMU_CONST_IN(_id, _mand) EMU_IN(_id, 8, 8, _mand)
#define EMU_FLAGS_IN(_id, _mand) EMU_IN(_id, 4, 8, _mand)
#define EMU_IDR(_id, _obj, _access, _mand)                               \
	{                                                                \
		.id = (_id), .name = #_id, .type = EMU_ATTR_IDR,         \
		.obj = (_obj), .access = (_access), .mandatory = (_mand) \
	}
#define EMU_FD(_id, _cls, _access, _mand)                                      \
	{                                                                      \
		.id = (_id), .name = #_id, .type = EMU_ATTR_FD, .obj = (_cls), \
		.access = (_access), .mandatory = (_mand)                      \
	}
#define EMU_RAW_FD(_id, _mand)                                      \
	{                                                           \
		.id = (_id), .name = #_id, .type = EMU_ATTR_RAW_FD, \
		.mandatory = (_mand)                                \
	}
/* UVERBS_ATTR_UMEM(): one struct ib_uverbs_buffer_desc */
#define EMU_UMEM(_id, _mand) \
	EMU_IN_TYPE(_id, struct ib_uverbs_buffer_desc, _mand)
/* UVERBS_ATTR_UHW(): the driver's udata, both optional */
#define EMU_UHW                                                    \
	{ .id = UVERBS_ATTR_UHW_IN,                                \
	  .name = "UHW_IN",                                        \
	  .type = EMU_ATTR_PTR_IN,                                 \
	  .len = EMU_ATTR_LEN_MAX,                                 \
	  .udata = true },                                         \
	{                                                          \
		.id = UVERBS_ATTR_UHW_OUT, .name = "UHW_OUT",      \
		.type = EMU_ATTR_PTR_OUT, .len = EMU_ATTR_LEN_MAX, \
		.udata = true                                      \
	}

/* The most attributes one method declares. */
#define EMU_METHOD_MAX_ATTRS 24

struct emu_bundle;

/* One method of one object (DECLARE_UVERBS_NAMED_METHOD). */
struct emu_method_spec {
	uint16_t object;
	uint16_t method;
	const char *name; /* "CQ.CREATE" */
	int (*fn)(struct emu_bundle *b);
	const struct emu_attr_spec *attrs;
	unsigned int nattrs;
	/* the handler needs a ucontext (-EINVAL without, as the kernel's) */
	bool needs_context;
	/* the handler counts the call for fault injection itself */
	bool own_fault;
	/* NULL: on every device; else whether this device's driver has it */
	bool (*available)(const struct emu_device *dev);
};

#define EMU_METHOD(_obj, _meth, _name, _fn, _attrs, ...)                    \
	{                                                                   \
		.object = (_obj), .method = (_meth), .name = (_name),       \
		.fn = (_fn), .attrs = (_attrs),                             \
		.nattrs = sizeof(_attrs) / sizeof((_attrs)[0]), __VA_ARGS__ \
	}

/* What the caller sent for one declared attribute. */
struct emu_attr {
	bool present;
	uint16_t uidx; /* its index in the caller's array */
	uint16_t len;
	uint16_t flags;
	uint64_t data; /* inline bytes, user pointer, handle or fd */
	struct emu_obj *obj; /* IDR READ/DESTROY: the object named */
	void *fdobj; /* FD READ: the completion channel, or the file */
};

/* One parsed call. */
struct emu_bundle {
	struct emu_file *f;
	const struct emu_method_spec *m;
	uint64_t user_attrs; /* where the caller's attribute array is */
	struct emu_attr attr[EMU_METHOD_MAX_ATTRS]; /* by spec index */
	struct emu_udata udata; /* UHW_IN (our copy) and UHW_OUT */
	uint8_t *uhw_in; /* the copy, freed with the bundle */
};

/* Method tables of the other kernel_ioctl*.c files (NULL-terminated). */
extern const struct emu_method_spec *const emu_ioctl_device_methods[];
extern const struct emu_method_spec *const emu_ioctl_mr_methods[];
extern const struct emu_method_spec *const emu_ioctl_queue_methods[];

/* ---- accessors, with the errnos of the kernel's ---------------------- */

bool emu_attr_has(const struct emu_bundle *b, uint16_t id);
/* The data word as sent: the user address of a PTR_OUT (0 if absent). */
uint64_t emu_attr_data(const struct emu_bundle *b, uint16_t id);
/* -ENOENT if absent */
int emu_attr_len(const struct emu_bundle *b, uint16_t id);
/*
 * uverbs_copy_from(): the whole attribute into @dst of @size bytes
 * (-EINVAL if it is longer, -EFAULT, -ENOENT if absent). Bytes of @dst
 * beyond the attribute are left alone.
 */
int emu_attr_copy_in(const struct emu_bundle *b, uint16_t id, void *dst,
		     size_t size);
/* uverbs_copy_from_or_zero(): what fits, the rest of @dst zeroed */
int emu_attr_copy_in_or_zero(const struct emu_bundle *b, uint16_t id, void *dst,
			     size_t size);
/* uverbs_get_const(): value within [lo, hi] or -EINVAL; -ENOENT if absent */
int emu_attr_const(const struct emu_bundle *b, uint16_t id, int64_t lo,
		   uint64_t hi, int64_t *out);
/* uverbs_get_flags32(): absent is 0; bits outside @allowed are -EINVAL */
int emu_attr_flags32(const struct emu_bundle *b, uint16_t id, uint64_t allowed,
		     uint32_t *out);
/* uverbs_get_raw_fd() */
int emu_attr_raw_fd(const struct emu_bundle *b, uint16_t id, int *fd);
/*
 * uverbs_get_buffer_desc(): the descriptor of a UMEM attribute, unknown
 * required flags -EINVAL, unknown optional flags dropped.
 */
int emu_attr_buffer_desc(const struct emu_bundle *b, uint16_t id,
			 struct ib_uverbs_buffer_desc *desc);
/* uverbs_copy_to(): min(len, @size) bytes out, VALID_OUTPUT set */
int emu_attr_copy_out(struct emu_bundle *b, uint16_t id, const void *src,
		      size_t size);
/* uverbs_copy_to_struct_or_zero(): the attribute's excess zeroed too */
int emu_attr_copy_out_or_zero(struct emu_bundle *b, uint16_t id,
			      const void *src, size_t size);
/* Only VALID_OUTPUT, for an output written another way. */
int emu_attr_output_written(struct emu_bundle *b, uint16_t id);
/* The object an IDR/FD attribute named (READ or DESTROY), or NULL. */
struct emu_obj *emu_attr_obj(const struct emu_bundle *b, uint16_t id);
void *emu_attr_fdobj(const struct emu_bundle *b, uint16_t id);
/*
 * Give the caller the handle (IDR) or fd number (FD) of the object a NEW
 * attribute created; -EFAULT if its attribute array is gone.
 */
int emu_attr_new_id(struct emu_bundle *b, uint16_t id, int64_t value);

/* ---- running write() methods and ioctl methods alike ------------------ */

/*
 * The legacy-command machinery kernel_main.c owns, for INVOKE_WRITE and
 * for the ioctl methods that are the kernel's write handlers in another
 * dress: run write method @command on the decoded @c (caller holds
 * cmd_lock). -EINVAL for bits outside the command mask, -EOPNOTSUPP for a
 * command the driver lacks, -ENOSPC if the core request or response is
 * shorter than the method's. @count_fault: this is the call's one command
 * for fault injection (false when the ioctl layer counted it already).
 */
int emu_kernel_run_write(struct emu_cmd *c, uint32_t command, bool count_fault);
/* Does write method @command produce a core response? */
bool emu_kernel_write_has_resp(uint32_t command);

/*
 * An emu_cmd for running a write method on behalf of an ioctl method: the
 * core request is @req (@req_len bytes, built by the caller), the core
 * response goes to @resp in the caller (the emulated kernel's own memory),
 * the driver's udata is the bundle's UHW.
 */
void emu_ioctl_cmd(struct emu_bundle *b, struct emu_cmd *c, const void *req,
		   size_t req_len, void *resp, size_t resp_len);

/* The async event file's read end, if @fd is one of @f's (FD lookups). */
bool emu_ioctl_is_async_fd(struct emu_file *f, int fd);

/*
 * Destroy the @type object @handle names again: a create whose outputs
 * could not be written leaves nothing behind (the kernel's abort).
 */
void emu_ioctl_undo_create(struct emu_file *f, enum emu_obj_type type,
			   uint32_t handle);

#endif /* IRDMA_EMU_KERNEL_IOCTL_H */
