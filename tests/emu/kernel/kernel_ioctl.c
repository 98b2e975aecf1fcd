// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * RDMA_VERBS_IOCTL: the header and attribute checks of the kernel's
 * ib_uverbs_ioctl() and ib_uverbs_run_method(), the method look-up, and the
 * attribute accessors handlers use (see kernel_ioctl.h).
 *
 * The errnos are the kernel's, because libibverbs decides on them: ENOTTY
 * means no ioctl framework at all, EPROTONOSUPPORT an unknown object,
 * method or mandatory attribute (libibverbs then falls back to write() for
 * that one method), everything else is the method's own answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rdma/ib_user_verbs.h>

#include "kernel_ioctl.h"

#define EMU_IOCTL_PAGE 4096U
/* attributes a header of at most one page can describe */
#define EMU_IOCTL_MAX_UATTRS                                     \
	((EMU_IOCTL_PAGE - sizeof(struct ib_uverbs_ioctl_hdr)) / \
	 sizeof(struct ib_uverbs_attr))

static const struct emu_method_spec *const *const method_tables[] = {
	emu_ioctl_device_methods,
	emu_ioctl_mr_methods,
	emu_ioctl_queue_methods,
};

static const struct emu_method_spec *
find_method(const struct emu_device *dev, uint16_t object, uint16_t method)
{
	unsigned int t;

	for (t = 0; t < sizeof(method_tables) / sizeof(method_tables[0]); t++) {
		const struct emu_method_spec *const *m;

		for (m = method_tables[t]; *m; m++)
			if ((*m)->object == object && (*m)->method == method)
				return !(*m)->available ||
						       (*m)->available(dev) ?
					       *m :
					       NULL;
	}
	return NULL;
}

/* Is this attribute declared, given the ring ABIs the driver offers? */
static bool declared(const struct emu_attr_spec *s)
{
	return !s->ring_abi || (emu_config()->ring_abis & s->ring_abi);
}

static int spec_index(const struct emu_method_spec *m, uint16_t id)
{
	unsigned int i;

	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].id == id && declared(&m->attrs[i]))
			return (int)i;
	return -1;
}

static struct emu_attr *find_attr(const struct emu_bundle *b, uint16_t id)
{
	int i = spec_index(b->m, id);

	if (i < 0 || !b->attr[i].present)
		return NULL;
	return (struct emu_attr *)&b->attr[i];
}

/* ---- parsing ---------------------------------------------------------- */

/* ib_is_buffer_cleared(): a fault reads as "not cleared". */
static bool trailing_zero(const struct ib_uverbs_attr *ua, uint16_t from)
{
	uint8_t buf[256];
	uint32_t off = from;

	if (ua->len <= sizeof(ua->data)) {
		const uint8_t *p = (const uint8_t *)&ua->data;

		for (; off < ua->len; off++)
			if (p[off])
				return false;
		return true;
	}
	while (off < ua->len) {
		uint32_t n = ua->len - off, i;

		if (n > sizeof(buf))
			n = sizeof(buf);
		if (emu_copy_from_user(buf, ua->data + off, n))
			return false;
		for (i = 0; i < n; i++)
			if (buf[i])
				return false;
		off += n;
	}
	return true;
}

static int check_ptr(const struct emu_attr_spec *s,
		     const struct ib_uverbs_attr *ua)
{
	if (s->type == EMU_ATTR_PTR_IN && ua->len > s->len &&
	    s->zero_trailing && !trailing_zero(ua, s->len))
		return -EOPNOTSUPP;
	if (ua->len < s->min_len || (!s->zero_trailing && ua->len > s->len))
		return -EINVAL;
	if (ua->attr_data.reserved)
		return -EINVAL;
	return 0;
}

/* An fd uverbs made, named by the caller: the kernel's fget() + f_op check. */
static int lookup_fd(struct emu_bundle *b, const struct emu_attr_spec *s,
		     int64_t id, struct emu_attr *a)
{
	int fd = (int)id;

	if (fd != id)
		return -EINVAL;
	if (s->access != EMU_ACCESS_READ)
		return -EOPNOTSUPP;
	if (s->obj == EMU_FDC_COMP_CHANNEL)
		a->fdobj = emu_comp_channel_by_fd(b->f, fd);
	else if (emu_ioctl_is_async_fd(b->f, fd))
		a->fdobj = b->f;
	return a->fdobj ? 0 : -EBADF;
}

static int check_obj(struct emu_bundle *b, const struct emu_attr_spec *s,
		     const struct ib_uverbs_attr *ua, struct emu_attr *a)
{
	if (ua->attr_data.reserved || ua->len)
		return -EINVAL;
	/* a new object needs the ucontext (the kernel's alloc_uobj()) */
	if (s->access == EMU_ACCESS_NEW)
		return b->f->has_context ? 0 : -EINVAL;
	if (s->type == EMU_ATTR_FD)
		return lookup_fd(b, s, ua->data_s64, a);
	if (ua->data_s64 < 0)
		return -EINVAL;
	if (ua->data > UINT32_MAX)
		return -ENOENT;
	return emu_obj_find(b->f, s->obj, (uint32_t)ua->data, &a->obj);
}

/* uverbs_set_attr() + uverbs_process_attr() for one caller attribute. */
static int parse_attr(struct emu_bundle *b, const struct ib_uverbs_attr *ua,
		      uint16_t uidx)
{
	const struct emu_attr_spec *s;
	struct emu_attr *a;
	int i = spec_index(b->m, ua->attr_id);
	int ret;

	if (i < 0)
		return ua->flags & UVERBS_ATTR_F_MANDATORY ? -EPROTONOSUPPORT :
							     0;
	s = &b->m->attrs[i];
	a = &b->attr[i];
	if (a->present)
		return -EINVAL; /* given twice */
	switch (s->type) {
	case EMU_ATTR_PTR_IN:
	case EMU_ATTR_PTR_OUT:
		ret = check_ptr(s, ua);
		break;
	case EMU_ATTR_IDR:
	case EMU_ATTR_FD:
		ret = check_obj(b, s, ua, a);
		break;
	case EMU_ATTR_RAW_FD:
		ret = ua->attr_data.reserved || ua->len ||
				      ua->data_s64 < INT_MIN ||
				      ua->data_s64 > INT_MAX ?
			      -EINVAL :
			      0;
		break;
	default:
		ret = -EOPNOTSUPP;
	}
	if (ret)
		return ret;
	a->present = true;
	a->uidx = uidx;
	a->len = ua->len;
	a->flags = ua->flags;
	a->data = ua->data;
	return 0;
}

/* The driver's udata from UHW_IN (copied in) and UHW_OUT. */
static int fill_udata(struct emu_bundle *b)
{
	const struct emu_attr *in = find_attr(b, UVERBS_ATTR_UHW_IN);
	const struct emu_attr *out = find_attr(b, UVERBS_ATTR_UHW_OUT);

	if (in && in->len) {
		b->uhw_in = malloc(in->len);
		if (!b->uhw_in)
			return -ENOMEM;
		if (in->len <= sizeof(in->data))
			memcpy(b->uhw_in, &in->data, in->len);
		else if (emu_copy_from_user(b->uhw_in, in->data, in->len))
			return -EFAULT;
		b->udata.in = b->uhw_in;
		b->udata.inlen = in->len;
	}
	if (out) {
		b->udata.out = out->data;
		b->udata.outlen = out->len;
	}
	return 0;
}

static bool method_has_udata(const struct emu_method_spec *m)
{
	unsigned int i;

	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].udata)
			return true;
	return false;
}

/* The object a DESTROY attribute names, if the method has one. */
static struct emu_obj *destroyed_object(const struct emu_bundle *b)
{
	unsigned int i;

	for (i = 0; i < b->m->nattrs; i++)
		if (b->m->attrs[i].access == EMU_ACCESS_DESTROY &&
		    b->m->attrs[i].type == EMU_ATTR_IDR && b->attr[i].present)
			return b->attr[i].obj;
	return NULL;
}

/* ib_uverbs_run_method() once the attributes are in. */
static int run_method(struct emu_bundle *b)
{
	const struct emu_method_spec *m = b->m;
	struct emu_obj *doomed;
	unsigned int i;
	int ret;

	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].mandatory && declared(&m->attrs[i]) &&
		    !b->attr[i].present)
			return -EINVAL;
	if (m->needs_context && !b->f->has_context)
		return -EINVAL;
	ret = fill_udata(b);
	if (ret)
		return ret;
	if (!m->own_fault) {
		ret = -emu_fault_should_fail(EMU_FAULT_CMD);
		if (ret) {
			/* the close, not the caller, must clean this up */
			doomed = destroyed_object(b);
			if (doomed)
				doomed->destroy_failed = true;
			return ret;
		}
	}
	ret = m->fn(b);
	/* the driver may have written its response: say so */
	if (!ret && method_has_udata(m) && find_attr(b, UVERBS_ATTR_UHW_OUT))
		ret = emu_attr_output_written(b, UVERBS_ATTR_UHW_OUT);
	/* reserved for the framework; a method answering it is a bug */
	return ret == -EPROTONOSUPPORT ? -EINVAL : ret;
}

/* ---- IRDMA_EMU_TRACE ------------------------------------------------- */

static bool tracing(void)
{
	static int on = -1;

	if (on < 0) {
		const char *v = getenv("IRDMA_EMU_TRACE");

		on = v && *v && strcmp(v, "0");
	}
	return on;
}

static const char *short_name(const char *name)
{
	static const char *const prefixes[] = {
		"UVERBS_ATTR_",
		"IRDMA_IB_ATTR_",
		"IRDMA_UVERBS_ATTR_",
	};
	unsigned int i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return name + strlen(prefixes[i]);
	return name;
}

/* Names of the write() commands INVOKE_WRITE carries, for the trace. */
static const char *write_name(uint64_t cmd)
{
	static const char *const legacy[] = {
		[IB_USER_VERBS_CMD_GET_CONTEXT] = "GET_CONTEXT",
		[IB_USER_VERBS_CMD_QUERY_DEVICE] = "QUERY_DEVICE",
		[IB_USER_VERBS_CMD_QUERY_PORT] = "QUERY_PORT",
		[IB_USER_VERBS_CMD_ALLOC_PD] = "ALLOC_PD",
		[IB_USER_VERBS_CMD_DEALLOC_PD] = "DEALLOC_PD",
		[IB_USER_VERBS_CMD_CREATE_AH] = "CREATE_AH",
		[IB_USER_VERBS_CMD_DESTROY_AH] = "DESTROY_AH",
		[IB_USER_VERBS_CMD_REG_MR] = "REG_MR",
		[IB_USER_VERBS_CMD_REREG_MR] = "REREG_MR",
		[IB_USER_VERBS_CMD_DEREG_MR] = "DEREG_MR",
		[IB_USER_VERBS_CMD_ALLOC_MW] = "ALLOC_MW",
		[IB_USER_VERBS_CMD_DEALLOC_MW] = "DEALLOC_MW",
		[IB_USER_VERBS_CMD_CREATE_COMP_CHANNEL] = "CREATE_COMP_CHANNEL",
		[IB_USER_VERBS_CMD_CREATE_CQ] = "CREATE_CQ",
		[IB_USER_VERBS_CMD_RESIZE_CQ] = "RESIZE_CQ",
		[IB_USER_VERBS_CMD_DESTROY_CQ] = "DESTROY_CQ",
		[IB_USER_VERBS_CMD_REQ_NOTIFY_CQ] = "REQ_NOTIFY_CQ",
		[IB_USER_VERBS_CMD_CREATE_QP] = "CREATE_QP",
		[IB_USER_VERBS_CMD_QUERY_QP] = "QUERY_QP",
		[IB_USER_VERBS_CMD_MODIFY_QP] = "MODIFY_QP",
		[IB_USER_VERBS_CMD_DESTROY_QP] = "DESTROY_QP",
		[IB_USER_VERBS_CMD_ATTACH_MCAST] = "ATTACH_MCAST",
		[IB_USER_VERBS_CMD_DETACH_MCAST] = "DETACH_MCAST",
		[IB_USER_VERBS_CMD_CREATE_SRQ] = "CREATE_SRQ",
		[IB_USER_VERBS_CMD_MODIFY_SRQ] = "MODIFY_SRQ",
		[IB_USER_VERBS_CMD_QUERY_SRQ] = "QUERY_SRQ",
		[IB_USER_VERBS_CMD_DESTROY_SRQ] = "DESTROY_SRQ",
	};
	static const char *const ex[] = {
		[IB_USER_VERBS_EX_CMD_QUERY_DEVICE] = "EX_QUERY_DEVICE",
		[IB_USER_VERBS_EX_CMD_CREATE_CQ] = "EX_CREATE_CQ",
		[IB_USER_VERBS_EX_CMD_CREATE_QP] = "EX_CREATE_QP",
		[IB_USER_VERBS_EX_CMD_MODIFY_QP] = "EX_MODIFY_QP",
	};
	uint64_t idx = cmd & IB_USER_VERBS_CMD_COMMAND_MASK;
	const char *name = NULL;

	if (cmd & ~(uint64_t)(IB_USER_VERBS_CMD_COMMAND_MASK |
			      IB_USER_VERBS_CMD_FLAG_EXTENDED))
		return "?";
	if (cmd & IB_USER_VERBS_CMD_FLAG_EXTENDED) {
		if (idx < sizeof(ex) / sizeof(ex[0]))
			name = ex[idx];
	} else if (idx < sizeof(legacy) / sizeof(legacy[0])) {
		name = legacy[idx];
	}
	return name ? name : "?";
}

/*
 * One attribute: NAME=value (inline input), NAME[len] (input by
 * pointer), NAME>[len] (output), NAME=#handle, NAME=fdN; "(opt)" when the
 * caller did not make it mandatory; unknown ones by id.
 */
static void trace_attr(char *line, size_t room, const struct emu_bundle *b,
		       const struct ib_uverbs_attr *ua)
{
	size_t used = strlen(line);
	int i = b && b->m ? spec_index(b->m, ua->attr_id) : -1;
	const struct emu_attr_spec *s = i >= 0 ? &b->m->attrs[i] : NULL;
	const char *opt = ua->flags & UVERBS_ATTR_F_MANDATORY ? "" : "(opt)";
	const char *name = s ? short_name(s->name) : NULL;
	uint64_t v = ua->data;

	if (used + 1 >= room)
		return;
	line += used;
	room -= used;
	if (!s) {
		snprintf(line, room, " attr-0x%x[%u]%s", ua->attr_id, ua->len,
			 opt);
		return;
	}
	if (ua->len < sizeof(v))
		v &= (1ULL << (8 * ua->len)) - 1;
	switch (s->type) {
	case EMU_ATTR_IDR:
	case EMU_ATTR_FD:
	case EMU_ATTR_RAW_FD:
		if (s->access == EMU_ACCESS_NEW)
			snprintf(line, room, " %s=new%s", name, opt);
		else if (s->type == EMU_ATTR_IDR)
			snprintf(line, room, " %s=#0x%llx%s", name,
				 (unsigned long long)ua->data, opt);
		else
			snprintf(line, room, " %s=fd%lld%s", name,
				 (long long)ua->data_s64, opt);
		break;
	case EMU_ATTR_PTR_IN:
		if (ua->attr_id == UVERBS_ATTR_WRITE_CMD && ua->len == 8 &&
		    b->m->object == UVERBS_OBJECT_DEVICE)
			snprintf(line, room, " %s=%s", name, write_name(v));
		else if (ua->len <= sizeof(ua->data) && !s->udata)
			snprintf(line, room, " %s=0x%llx%s", name,
				 (unsigned long long)v, opt);
		else
			snprintf(line, room, " %s[%u]%s", name, ua->len, opt);
		break;
	default:
		snprintf(line, room, " %s>[%u]%s", name, ua->len, opt);
	}
}

static void trace_call(const struct emu_file *f,
		       const struct ib_uverbs_ioctl_hdr *hdr,
		       const struct emu_bundle *b,
		       const struct ib_uverbs_attr *uattrs, unsigned int n,
		       int ret)
{
	char line[2048];
	unsigned int i;
	int len;

	if (b && b->m)
		len = snprintf(line, sizeof(line), "irdma-emu: fd %d ioctl %s(",
			       f->fd, b->m->name);
	else
		len = snprintf(line, sizeof(line),
			       "irdma-emu: fd %d ioctl object %u method 0x%x (",
			       f->fd, hdr->object_id, hdr->method_id);
	if (len < 0)
		return;
	for (i = 0; uattrs && i < n; i++)
		trace_attr(line, sizeof(line), b, &uattrs[i]);
	len = strlen(line);
	if (ret)
		snprintf(line + len, sizeof(line) - len, " ) -> -%s\n",
			 strerrorname_np(-ret) ? strerrorname_np(-ret) : "?");
	else
		snprintf(line + len, sizeof(line) - len, " ) -> 0\n");
	/* one write(), so lines of processes sharing stderr stay whole */
	if (write(STDERR_FILENO, line, strlen(line)) < 0)
		return;
}

/* ---- the entry point ------------------------------------------------- */

static int check_hdr(const struct ib_uverbs_ioctl_hdr *hdr)
{
	if (hdr->length > EMU_IOCTL_PAGE ||
	    hdr->length != sizeof(*hdr) + (size_t)hdr->num_attrs *
						  sizeof(struct ib_uverbs_attr))
		return -EINVAL;
	if (hdr->reserved1 || hdr->reserved2)
		return -EPROTONOSUPPORT;
	return 0;
}

static int run_ioctl(struct emu_file *f, const struct ib_uverbs_ioctl_hdr *hdr,
		     uint64_t user_attrs, struct emu_bundle *b,
		     struct ib_uverbs_attr *uattrs)
{
	unsigned int i;
	int ret;

	if (hdr->driver_id != RDMA_DRIVER_IRDMA)
		return -EINVAL;
	b->m = find_method(f->dev, hdr->object_id, hdr->method_id);
	if (!b->m)
		return -EPROTONOSUPPORT;
	if (emu_copy_from_user(uattrs, user_attrs,
			       hdr->num_attrs * sizeof(*uattrs)))
		return -EFAULT;
	for (i = 0; i < hdr->num_attrs; i++) {
		ret = parse_attr(b, &uattrs[i], i);
		if (ret)
			return ret;
	}
	return run_method(b);
}

int emu_kernel_ioctl(struct emu_file *f, unsigned long req, void *arg)
{
	struct ib_uverbs_attr uattrs[EMU_IOCTL_MAX_UATTRS];
	struct ib_uverbs_ioctl_hdr hdr;
	struct emu_bundle b = { .f = f };
	uint64_t user_attrs;
	bool parsed = false;
	int ret;

	/* an old kernel's uverbs has no ioctl at all: -ENOIOCTLCMD */
	if (emu_config()->kernel == EMU_KERNEL_OLD || req != RDMA_VERBS_IOCTL)
		return -ENOTTY;
	if (emu_copy_from_user(&hdr, (uintptr_t)arg, sizeof(hdr)))
		return -EFAULT;
	user_attrs = (uintptr_t)arg + sizeof(hdr);
	b.user_attrs = user_attrs;
	ret = check_hdr(&hdr);
	if (!ret) {
		pthread_mutex_lock(&f->cmd_lock);
		ret = run_ioctl(f, &hdr, user_attrs, &b, uattrs);
		pthread_mutex_unlock(&f->cmd_lock);
		parsed = b.m != NULL;
	}
	if (tracing())
		trace_call(f, &hdr, &b, parsed ? uattrs : NULL,
			   parsed ? hdr.num_attrs : 0, ret);
	free(b.uhw_in);
	return ret;
}

/* ---- accessors -------------------------------------------------------- */

bool emu_attr_has(const struct emu_bundle *b, uint16_t id)
{
	return find_attr(b, id) != NULL;
}

uint64_t emu_attr_data(const struct emu_bundle *b, uint16_t id)
{
	const struct emu_attr *a = find_attr(b, id);

	return a ? a->data : 0;
}

int emu_attr_len(const struct emu_bundle *b, uint16_t id)
{
	const struct emu_attr *a = find_attr(b, id);

	return a ? a->len : -ENOENT;
}

static int read_ptr(const struct emu_attr *a, void *dst, size_t n)
{
	if (a->len <= sizeof(a->data)) {
		memcpy(dst, &a->data, n);
		return 0;
	}
	return emu_copy_from_user(dst, a->data, n);
}

int emu_attr_copy_in(const struct emu_bundle *b, uint16_t id, void *dst,
		     size_t size)
{
	const struct emu_attr *a = find_attr(b, id);

	if (!a)
		return -ENOENT;
	if (size < a->len)
		return -EINVAL;
	return read_ptr(a, dst, a->len);
}

int emu_attr_copy_in_or_zero(const struct emu_bundle *b, uint16_t id, void *dst,
			     size_t size)
{
	const struct emu_attr *a = find_attr(b, id);
	size_t n;

	if (!a)
		return -ENOENT;
	n = size < a->len ? size : a->len;
	if (read_ptr(a, dst, n))
		return -EFAULT;
	memset((uint8_t *)dst + n, 0, size - n);
	return 0;
}

int emu_attr_const(const struct emu_bundle *b, uint16_t id, int64_t lo,
		   uint64_t hi, int64_t *out)
{
	const struct emu_attr *a = find_attr(b, id);
	int64_t v;

	if (!a)
		return -ENOENT;
	v = (int64_t)a->data;
	if (v < lo || (v > 0 && (uint64_t)v > hi))
		return -EINVAL;
	*out = v;
	return 0;
}

int emu_attr_flags32(const struct emu_bundle *b, uint16_t id, uint64_t allowed,
		     uint32_t *out)
{
	const struct emu_attr *a = find_attr(b, id);
	uint64_t flags;

	*out = 0;
	if (!a)
		return 0;
	if (a->len == 8)
		flags = a->data;
	else if (a->len == 4)
		flags = (uint32_t)a->data;
	else
		return -EINVAL;
	if ((flags & ~allowed) || flags > UINT32_MAX)
		return -EINVAL;
	*out = flags;
	return 0;
}

int emu_attr_raw_fd(const struct emu_bundle *b, uint16_t id, int *fd)
{
	int64_t v;
	int ret = emu_attr_const(b, id, INT_MIN, INT_MAX, &v);

	if (!ret)
		*fd = (int)v;
	return ret;
}

int emu_attr_buffer_desc(const struct emu_bundle *b, uint16_t id,
			 struct ib_uverbs_buffer_desc *desc)
{
	/* no flags of either kind are defined yet */
	int ret = emu_attr_copy_in(b, id, desc, sizeof(*desc));

	if (ret)
		return ret;
	if (desc->flags)
		return -EINVAL;
	desc->optional_flags = 0;
	return 0;
}

static int set_output(struct emu_bundle *b, const struct emu_attr *a)
{
	uint16_t flags = a->flags | UVERBS_ATTR_F_VALID_OUTPUT;

	return emu_copy_to_user(b->user_attrs +
					(uint64_t)a->uidx *
						sizeof(struct ib_uverbs_attr) +
					offsetof(struct ib_uverbs_attr, flags),
				&flags, sizeof(flags));
}

int emu_attr_copy_out(struct emu_bundle *b, uint16_t id, const void *src,
		      size_t size)
{
	const struct emu_attr *a = find_attr(b, id);
	size_t n;

	if (!a)
		return -ENOENT;
	n = size < a->len ? size : a->len;
	if (emu_copy_to_user(a->data, src, n))
		return -EFAULT;
	return set_output(b, a);
}

int emu_attr_copy_out_or_zero(struct emu_bundle *b, uint16_t id,
			      const void *src, size_t size)
{
	static const uint8_t zeros[256];
	const struct emu_attr *a = find_attr(b, id);
	size_t off;

	if (!a)
		return -ENOENT;
	for (off = size; off < a->len; off += sizeof(zeros)) {
		size_t n = a->len - off;

		if (n > sizeof(zeros))
			n = sizeof(zeros);
		if (emu_copy_to_user(a->data + off, zeros, n))
			return -EFAULT;
	}
	return emu_attr_copy_out(b, id, src, size);
}

int emu_attr_output_written(struct emu_bundle *b, uint16_t id)
{
	const struct emu_attr *a = find_attr(b, id);

	return a ? set_output(b, a) : -ENOENT;
}

struct emu_obj *emu_attr_obj(const struct emu_bundle *b, uint16_t id)
{
	const struct emu_attr *a = find_attr(b, id);

	return a ? a->obj : NULL;
}

void *emu_attr_fdobj(const struct emu_bundle *b, uint16_t id)
{
	const struct emu_attr *a = find_attr(b, id);

	return a ? a->fdobj : NULL;
}

int emu_attr_new_id(struct emu_bundle *b, uint16_t id, int64_t value)
{
	const struct emu_attr *a = find_attr(b, id);

	if (!a)
		return -ENOENT;
	return emu_copy_to_user(b->user_attrs +
					(uint64_t)a->uidx *
						sizeof(struct ib_uverbs_attr) +
					offsetof(struct ib_uverbs_attr, data),
				&value, sizeof(value));
}

/* ---- helpers for the method files ------------------------------------ */

void emu_ioctl_cmd(struct emu_bundle *b, struct emu_cmd *c, const void *req,
		   size_t req_len, void *resp, size_t resp_len)
{
	memset(c, 0, sizeof(*c));
	c->f = b->f;
	c->in = req;
	c->inlen = req_len;
	c->resp = (uintptr_t)resp;
	c->outlen = resp_len;
	c->udata = b->udata;
	c->ioctl = b;
}

void emu_ioctl_undo_create(struct emu_file *f, enum emu_obj_type type,
			   uint32_t handle)
{
	struct emu_obj *obj = emu_obj_lookup(f, type, handle);

	if (obj)
		emu_destroy_object(obj);
}

bool emu_ioctl_is_async_fd(struct emu_file *f, int fd)
{
	struct stat want, have;

	if (f->async_rfd < 0 || fstat(fd, &want) || fstat(f->async_rfd, &have))
		return false;
	return want.st_ino == have.st_ino && want.st_dev == have.st_dev;
}
