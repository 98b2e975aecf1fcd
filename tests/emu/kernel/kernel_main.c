// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The uverbs character device: open, write (command decoding as
 * ib_uverbs_write does it), mmap and the final close.
 *
 * Not emulated, answered with EOPNOTSUPP like a kernel whose driver lacks
 * them: POLL_CQ/POST_SEND/POST_RECV/POST_SRQ_RECV (the kernel data path),
 * multicast attach/detach, XRC (OPEN_XRCD, CREATE_XSRQ, OPEN_QP),
 * MODIFY_AH/QUERY_AH and the extended flow/WQ/RWQ/MODIFY_CQ commands.
 * mmap serves the context's doorbell page and push pages (--push).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rdma/ib_user_verbs.h>

#include "kernel_ioctl.h"
#include "kernel_priv.h"
#include "device/hw.h"
#include "platform/platform.h"

/*
 * What the kernel knows about each write method: the handler, the size of
 * the core request and response (the part before the driver's udata),
 * whether the method carries driver udata at all, and, for methods whose
 * request names an existing object, its type and where the handle is:
 * the core looks that object up before the handler runs (-EINVAL if the
 * handle names nothing), as uverbs does with uobj_get_obj_read().
 */
struct emu_method {
	emu_cmd_fn fn;
	uint16_t req_size;
	uint16_t resp_size;
	bool udata;
	bool names_obj;
	bool destroys; /* ... and destroys it */
	enum emu_obj_type obj_type;
	uint16_t handle_off;
};

#define METHOD(cmd, handler, req, resp, has_udata, ...)   \
	[IB_USER_VERBS_CMD_##cmd] = { .fn = handler,      \
				      .req_size = req,    \
				      .resp_size = resp,  \
				      .udata = has_udata, \
				      __VA_ARGS__ }

/* The object a request names: its type, the request and the handle field. */
#define NAMES(type, req, field)              \
	.names_obj = true, .obj_type = type, \
	.handle_off = offsetof(struct req, field)
/* ... which the method destroys. */
#define DESTROYS(type, req, field) NAMES(type, req, field), .destroys = true

static const struct emu_method legacy_methods[] = {
	METHOD(GET_CONTEXT, emu_cmd_get_context,
	       sizeof(struct ib_uverbs_get_context),
	       sizeof(struct ib_uverbs_get_context_resp), true),
	METHOD(QUERY_DEVICE, emu_cmd_query_device,
	       sizeof(struct ib_uverbs_query_device),
	       sizeof(struct ib_uverbs_query_device_resp), false),
	METHOD(QUERY_PORT, emu_cmd_query_port,
	       sizeof(struct ib_uverbs_query_port),
	       sizeof(struct ib_uverbs_query_port_resp), false),
	METHOD(ALLOC_PD, emu_cmd_alloc_pd, sizeof(struct ib_uverbs_alloc_pd),
	       sizeof(struct ib_uverbs_alloc_pd_resp), true),
	METHOD(DEALLOC_PD, emu_cmd_dealloc_pd,
	       sizeof(struct ib_uverbs_dealloc_pd), 0, false,
	       DESTROYS(EMU_OBJ_PD, ib_uverbs_dealloc_pd, pd_handle)),
	METHOD(CREATE_AH, emu_cmd_create_ah, sizeof(struct ib_uverbs_create_ah),
	       sizeof(struct ib_uverbs_create_ah_resp), true),
	METHOD(DESTROY_AH, emu_cmd_destroy_ah,
	       sizeof(struct ib_uverbs_destroy_ah), 0, false,
	       DESTROYS(EMU_OBJ_AH, ib_uverbs_destroy_ah, ah_handle)),
	METHOD(REG_MR, emu_cmd_reg_mr, sizeof(struct ib_uverbs_reg_mr),
	       sizeof(struct ib_uverbs_reg_mr_resp), true),
	METHOD(REREG_MR, emu_cmd_rereg_mr, sizeof(struct ib_uverbs_rereg_mr),
	       sizeof(struct ib_uverbs_rereg_mr_resp), true),
	METHOD(DEREG_MR, emu_cmd_dereg_mr, sizeof(struct ib_uverbs_dereg_mr), 0,
	       false, DESTROYS(EMU_OBJ_MR, ib_uverbs_dereg_mr, mr_handle)),
	METHOD(ALLOC_MW, emu_cmd_alloc_mw, sizeof(struct ib_uverbs_alloc_mw),
	       sizeof(struct ib_uverbs_alloc_mw_resp), true),
	METHOD(DEALLOC_MW, emu_cmd_dealloc_mw,
	       sizeof(struct ib_uverbs_dealloc_mw), 0, false,
	       DESTROYS(EMU_OBJ_MW, ib_uverbs_dealloc_mw, mw_handle)),
	METHOD(CREATE_COMP_CHANNEL, emu_cmd_create_comp_channel,
	       sizeof(struct ib_uverbs_create_comp_channel),
	       sizeof(struct ib_uverbs_create_comp_channel_resp), false),
	METHOD(CREATE_CQ, emu_cmd_create_cq, sizeof(struct ib_uverbs_create_cq),
	       sizeof(struct ib_uverbs_create_cq_resp), true),
	METHOD(RESIZE_CQ, emu_cmd_resize_cq, sizeof(struct ib_uverbs_resize_cq),
	       sizeof(struct ib_uverbs_resize_cq_resp), true,
	       NAMES(EMU_OBJ_CQ, ib_uverbs_resize_cq, cq_handle)),
	METHOD(DESTROY_CQ, emu_cmd_destroy_cq,
	       sizeof(struct ib_uverbs_destroy_cq),
	       sizeof(struct ib_uverbs_destroy_cq_resp), false,
	       DESTROYS(EMU_OBJ_CQ, ib_uverbs_destroy_cq, cq_handle)),
	METHOD(REQ_NOTIFY_CQ, emu_cmd_req_notify_cq,
	       sizeof(struct ib_uverbs_req_notify_cq), 0, false,
	       NAMES(EMU_OBJ_CQ, ib_uverbs_req_notify_cq, cq_handle)),
	METHOD(CREATE_QP, emu_cmd_create_qp, sizeof(struct ib_uverbs_create_qp),
	       sizeof(struct ib_uverbs_create_qp_resp), true),
	METHOD(QUERY_QP, emu_cmd_query_qp, sizeof(struct ib_uverbs_query_qp),
	       sizeof(struct ib_uverbs_query_qp_resp), false,
	       NAMES(EMU_OBJ_QP, ib_uverbs_query_qp, qp_handle)),
	METHOD(MODIFY_QP, emu_cmd_modify_qp, sizeof(struct ib_uverbs_modify_qp),
	       0, true),
	METHOD(DESTROY_QP, emu_cmd_destroy_qp,
	       sizeof(struct ib_uverbs_destroy_qp),
	       sizeof(struct ib_uverbs_destroy_qp_resp), false,
	       DESTROYS(EMU_OBJ_QP, ib_uverbs_destroy_qp, qp_handle)),
	METHOD(ATTACH_MCAST, emu_cmd_mcast,
	       sizeof(struct ib_uverbs_attach_mcast), 0, false),
	METHOD(DETACH_MCAST, emu_cmd_mcast,
	       sizeof(struct ib_uverbs_detach_mcast), 0, false),
	METHOD(CREATE_SRQ, emu_cmd_create_srq,
	       sizeof(struct ib_uverbs_create_srq),
	       sizeof(struct ib_uverbs_create_srq_resp), true),
	METHOD(MODIFY_SRQ, emu_cmd_modify_srq,
	       sizeof(struct ib_uverbs_modify_srq), 0, true,
	       NAMES(EMU_OBJ_SRQ, ib_uverbs_modify_srq, srq_handle)),
	METHOD(QUERY_SRQ, emu_cmd_query_srq, sizeof(struct ib_uverbs_query_srq),
	       sizeof(struct ib_uverbs_query_srq_resp), false,
	       NAMES(EMU_OBJ_SRQ, ib_uverbs_query_srq, srq_handle)),
	METHOD(DESTROY_SRQ, emu_cmd_destroy_srq,
	       sizeof(struct ib_uverbs_destroy_srq),
	       sizeof(struct ib_uverbs_destroy_srq_resp), false,
	       DESTROYS(EMU_OBJ_SRQ, ib_uverbs_destroy_srq, srq_handle)),
};

/* Extended methods: sizes are offsetofend() of the mandatory fields. */
static const struct emu_method ex_methods[] = {
	[IB_USER_VERBS_EX_CMD_QUERY_DEVICE] = { .fn = emu_cmd_query_device_ex,
						.req_size = sizeof(
							struct
							ib_uverbs_ex_query_device),
						.resp_size = offsetof(
							struct
							ib_uverbs_ex_query_device_resp,
							odp_caps),
						.udata = true },
	[IB_USER_VERBS_EX_CMD_CREATE_CQ] = { .fn = emu_cmd_create_cq,
					     .req_size = sizeof(
						     struct
						     ib_uverbs_ex_create_cq),
					     .resp_size = sizeof(
						     struct
						     ib_uverbs_ex_create_cq_resp),
					     .udata = true },
	[IB_USER_VERBS_EX_CMD_CREATE_QP] = { .fn = emu_cmd_create_qp,
					     .req_size = offsetof(
						     struct
						     ib_uverbs_ex_create_qp,
						     create_flags),
					     .resp_size = sizeof(
						     struct
						     ib_uverbs_ex_create_qp_resp),
					     .udata = true },
	[IB_USER_VERBS_EX_CMD_MODIFY_QP] = { .fn = emu_cmd_modify_qp,
					     .req_size = sizeof(
						     struct
						     ib_uverbs_modify_qp),
					     .resp_size = sizeof(
						     struct
						     ib_uverbs_ex_modify_qp_resp),
					     .udata = true },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct emu_file *emu_kernel_open(unsigned int devidx, int fd)
{
	struct emu_device *dev = emu_device_get(devidx);
	struct emu_file *f;

	if (!dev)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	f->dev = dev;
	f->fd = fd;
	f->async_rfd = f->async_wfd = f->db_fd = -1;
	pthread_mutex_init(&f->cmd_lock, NULL);
	pthread_mutex_init(&f->lock, NULL);
	emu_obj_tables_init(f);
	return f;
}

/* Header checks of the legacy (non-extended) form; 0 or -errno. */
static int check_legacy_hdr(const struct ib_uverbs_cmd_hdr *hdr, size_t count,
			    const struct emu_method *m)
{
	if ((size_t)hdr->in_words * 4 != count)
		return -EINVAL;
	if (count < m->req_size + sizeof(*hdr)) {
		/* old libibverbs sent DESTROY_CQ 8 bytes short; tolerated */
		if (hdr->command == IB_USER_VERBS_CMD_DESTROY_CQ && count == 16)
			return 0;
		return -ENOSPC;
	}
	if ((size_t)hdr->out_words * 4 < m->resp_size)
		return -ENOSPC;
	return 0;
}

static int check_ex_hdr(const struct ib_uverbs_cmd_hdr *hdr,
			const struct ib_uverbs_ex_cmd_hdr *ex, size_t count,
			const struct emu_method *m)
{
	count -= sizeof(*hdr) + sizeof(*ex);
	if (((size_t)hdr->in_words + ex->provider_in_words) * 8 != count)
		return -EINVAL;
	if ((size_t)hdr->in_words * 8 < m->req_size)
		return -ENOSPC;
	if (ex->cmd_hdr_reserved)
		return -EINVAL;
	if (ex->response) {
		if (!hdr->out_words && !ex->provider_out_words)
			return -EINVAL;
		if ((size_t)hdr->out_words * 8 < m->resp_size)
			return -ENOSPC;
	} else if (hdr->out_words || ex->provider_out_words) {
		return -EINVAL;
	}
	return 0;
}

static void decode_legacy(struct emu_cmd *c, const uint8_t *body,
			  const struct ib_uverbs_cmd_hdr *hdr,
			  const struct emu_method *m)
{
	size_t in_len = (size_t)hdr->in_words * 4 - sizeof(*hdr);
	size_t out_len = (size_t)hdr->out_words * 4;

	/* the DESTROY_CQ quirk: treat the missing tail as zeros */
	if (in_len < m->req_size)
		in_len = m->req_size;
	c->in = body;
	c->inlen = m->req_size;
	if (m->udata) {
		c->udata.in = body + m->req_size;
		c->udata.inlen = in_len - m->req_size;
	}
	if (m->resp_size) {
		/* every method with a response starts with its address */
		memcpy(&c->resp, body, sizeof(c->resp));
		c->outlen = m->resp_size;
		if (m->udata) {
			c->udata.out = c->resp + m->resp_size;
			c->udata.outlen = out_len - m->resp_size;
		}
	}
}

static void decode_ex(struct emu_cmd *c, const uint8_t *body,
		      const struct ib_uverbs_cmd_hdr *hdr,
		      const struct ib_uverbs_ex_cmd_hdr *ex)
{
	c->ex = true;
	c->in = body;
	c->inlen = (size_t)hdr->in_words * 8;
	c->resp = ex->response;
	c->outlen = (size_t)hdr->out_words * 8;
	c->udata.in = body + c->inlen;
	c->udata.inlen = (size_t)ex->provider_in_words * 8;
	c->udata.out = ex->response + c->outlen;
	c->udata.outlen = (size_t)ex->provider_out_words * 8;
}

static const struct emu_method *find_method(uint32_t command, int *err)
{
	uint32_t idx = command & IB_USER_VERBS_CMD_COMMAND_MASK;
	const struct emu_method *table = legacy_methods;
	size_t n = ARRAY_LEN(legacy_methods);
	static const struct emu_method unsupported;

	if (command & ~(uint32_t)(IB_USER_VERBS_CMD_FLAG_EXTENDED |
				  IB_USER_VERBS_CMD_COMMAND_MASK)) {
		*err = -EINVAL;
		return NULL;
	}
	if (command & IB_USER_VERBS_CMD_FLAG_EXTENDED) {
		table = ex_methods;
		n = ARRAY_LEN(ex_methods);
	}
	/* unknown methods still get their header checked, then fail */
	if (idx >= n || !table[idx].fn)
		return &unsupported;
	return &table[idx];
}

/* Largest command the header fields can describe. */
#define EMU_MAX_CMD_BYTES                   \
	(sizeof(struct ib_uverbs_cmd_hdr) + \
	 sizeof(struct ib_uverbs_ex_cmd_hdr) + 2 * 65535 * 8)

/* The object the request of @m names, or NULL. */
static struct emu_obj *
named_object(struct emu_file *f, const struct emu_method *m, const uint8_t *in)
{
	uint32_t handle;

	memcpy(&handle, in + m->handle_off, sizeof(handle));
	return emu_obj_lookup(f, m->obj_type, handle);
}

/*
 * An injected failure of a destroy command leaves the object alive for the
 * final close to reclaim, through no fault of the caller: remember that,
 * so the close does not report it as a leak.
 */
static void note_failed_destroy(struct emu_file *f, const struct emu_method *m,
				const uint8_t *in)
{
	struct emu_obj *obj;

	if (!m->destroys)
		return;
	obj = named_object(f, m, in);
	if (obj)
		obj->destroy_failed = true;
}

static int call_method(const struct emu_method *m, struct emu_cmd *c)
{
	size_t i;

	if (m->names_obj) {
		/*
		 * uverbs_request() before the lookup: a longer request (an
		 * INVOKE_WRITE or extended one) may only add zeros
		 */
		for (i = m->req_size; i < c->inlen; i++)
			if (c->in[i])
				return -EOPNOTSUPP;
		c->obj = named_object(c->f, m, c->in);
		if (!c->obj)
			return -EINVAL;
	}
	return m->fn(c);
}

/* A decoded, well-formed command (caller holds cmd_lock). */
static int execute(const struct emu_method *m, struct emu_cmd *c,
		   bool count_fault)
{
	int ret;

	if (!m->fn)
		return -EOPNOTSUPP;
	if (!c->f->has_context && m->fn != emu_cmd_get_context)
		return -EINVAL;
	/* injected failures hit well-formed commands, before they run */
	ret = count_fault ? -emu_fault_should_fail(EMU_FAULT_CMD) : 0;
	if (ret) {
		note_failed_destroy(c->f, m, c->in);
		return ret;
	}
	return call_method(m, c);
}

int emu_kernel_run_write(struct emu_cmd *c, uint32_t command, bool count_fault)
{
	const struct emu_method *m;
	int ret = 0;

	m = find_method(command, &ret);
	if (!m)
		return ret;
	/* INVOKE_WRITE checks the core sizes the headers would have */
	if (c->inlen < m->req_size || c->outlen < m->resp_size)
		return -ENOSPC;
	c->ex = command & IB_USER_VERBS_CMD_FLAG_EXTENDED;
	return execute(m, c, count_fault);
}

bool emu_kernel_write_has_resp(uint32_t command)
{
	int err;
	const struct emu_method *m = find_method(command, &err);

	return m &&
	       (m->resp_size || (command & IB_USER_VERBS_CMD_FLAG_EXTENDED));
}

static ssize_t run_command(struct emu_file *f, const uint8_t *buf, size_t count)
{
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_ex_cmd_hdr ex;
	const struct emu_method *m;
	struct emu_cmd c = { .f = f };
	int ret = 0;

	memcpy(&hdr, buf, sizeof(hdr));
	m = find_method(hdr.command, &ret);
	if (!m)
		return ret;
	if (hdr.command & IB_USER_VERBS_CMD_FLAG_EXTENDED) {
		if (count < sizeof(hdr) + sizeof(ex))
			return -EINVAL;
		memcpy(&ex, buf + sizeof(hdr), sizeof(ex));
		ret = check_ex_hdr(&hdr, &ex, count, m);
		if (ret)
			return ret;
		decode_ex(&c, buf + sizeof(hdr) + sizeof(ex), &hdr, &ex);
	} else {
		ret = check_legacy_hdr(&hdr, count, m);
		if (ret)
			return ret;
		decode_legacy(&c, buf + sizeof(hdr), &hdr, m);
	}
	if (!m->fn)
		return -EOPNOTSUPP;

	pthread_mutex_lock(&f->cmd_lock);
	ret = execute(m, &c, true);
	pthread_mutex_unlock(&f->cmd_lock);
	return ret ? ret : (ssize_t)count;
}

ssize_t emu_kernel_write(struct emu_file *f, const void *buf, size_t len)
{
	struct ib_uverbs_cmd_hdr hdr;
	uint8_t *copy;
	ssize_t ret;

	if (len < sizeof(hdr))
		return -EINVAL;
	if (emu_copy_from_user(&hdr, (uintptr_t)buf, sizeof(hdr)))
		return -EFAULT;
	if (len > EMU_MAX_CMD_BYTES)
		return -EINVAL;
	/*
	 * Work on a private copy, padded so that a short DESTROY_CQ and the
	 * fixed-size reads of a request never run past it.
	 */
	copy = calloc(1, len + 256);
	if (!copy)
		return -ENOMEM;
	if (emu_copy_from_user(copy, (uintptr_t)buf, len)) {
		free(copy);
		return -EFAULT;
	}
	ret = run_command(f, copy, len);
	free(copy);
	return ret;
}

void *emu_kernel_mmap(struct emu_file *f, void *addr, size_t len, int prot,
		      int flags, off_t offset)
{
	void *p;

	pthread_mutex_lock(&f->cmd_lock);
	if (!f->has_context || !f->db_page) {
		errno = EINVAL;
		p = MAP_FAILED;
		goto out;
	}
	/* device memory is only ever mapped shared */
	if (!(flags & MAP_SHARED)) {
		errno = EINVAL;
		p = MAP_FAILED;
		goto out;
	}
	/* the doorbell page, or a page of a push pair a QP holds */
	if (((uint64_t)offset != f->db_mmap_key &&
	     !emu_push_key_valid(f, (uint64_t)offset)) ||
	    len != EMU_HW_PAGE_SIZE) {
		errno = EINVAL;
		p = MAP_FAILED;
		goto out;
	}
	p = mmap(addr, len, prot, flags, f->db_fd, offset);
out:
	pthread_mutex_unlock(&f->cmd_lock);
	return p;
}

int emu_kernel_munmap(void *addr, size_t len, bool *handled)
{
	/* our mappings are real memfd mappings: the OS unmaps them */
	*handled = false;
	return 0;
}

bool emu_destroy_object(struct emu_obj *obj)
{
	uint32_t a, b;

	switch (obj->type) {
	case EMU_OBJ_QP:
		emu_destroy_qp((struct emu_qp *)obj);
		break;
	case EMU_OBJ_SRQ:
		emu_destroy_srq((struct emu_srq *)obj);
		break;
	case EMU_OBJ_AH:
		emu_destroy_ah((struct emu_ah *)obj);
		break;
	case EMU_OBJ_MW:
		emu_destroy_mw((struct emu_mw *)obj);
		break;
	case EMU_OBJ_CQ:
		emu_destroy_cq((struct emu_cq *)obj, &a, &b);
		break;
	case EMU_OBJ_MR:
		emu_destroy_mr((struct emu_mr *)obj);
		break;
	case EMU_OBJ_PD:
		emu_destroy_pd((struct emu_pd *)obj);
		break;
	case EMU_OBJ_COMP_CHANNEL:
		emu_destroy_comp_channel((struct emu_comp_channel *)obj);
		break;
	default:
		return false;
	}
	return true;
}

/*
 * Last close: destroy what the context still owns, users before what they
 * use (QPs before SRQs and CQs, everything before its PD).
 */
static void destroy_all(struct emu_file *f, enum emu_obj_type type)
{
	unsigned long n = 0;
	struct emu_obj *obj;

	while ((obj = f->objs[type])) {
		n += !obj->destroy_failed;
		if (!emu_destroy_object(obj))
			return;
	}
	emu_kernel_note_reclaimed(f->dev, type, n);
}

void emu_kernel_close(struct emu_file *f)
{
	static const enum emu_obj_type order[] = {
		EMU_OBJ_QP, EMU_OBJ_SRQ, EMU_OBJ_AH, EMU_OBJ_MW,
		EMU_OBJ_CQ, EMU_OBJ_MR,	 EMU_OBJ_PD, EMU_OBJ_COMP_CHANNEL,
	};
	unsigned int i;

	if (!f)
		return;
	pthread_mutex_lock(&f->cmd_lock);
	for (i = 0; i < ARRAY_LEN(order); i++)
		destroy_all(f, order[i]);
	emu_file_release_context(f);
	f->has_context = false;
	pthread_mutex_unlock(&f->cmd_lock);
	pthread_mutex_destroy(&f->cmd_lock);
	pthread_mutex_destroy(&f->lock);
	emu_obj_tables_free(f);
	free(f);
}
