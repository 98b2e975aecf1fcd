// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * ioctl methods of the DEVICE and ASYNC_EVENT objects, as
 * uverbs_std_types_device.c and uverbs_std_types_async_fd.c define them:
 * INVOKE_WRITE (every write() command through ioctl), GET_CONTEXT,
 * QUERY_CONTEXT, QUERY_PORT, QUERY_GID_TABLE, QUERY_GID_ENTRY,
 * INFO_HANDLES and ASYNC_EVENT_ALLOC.
 *
 * GET_CONTEXT and QUERY_PORT run the write() handlers of kernel_device.c:
 * the kernel's ioctl and write paths end in the same driver calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rdma/ib_user_verbs.h>

#include "kernel_ioctl.h"

#define EMU_NUM_COMP_VECTORS 1U

/* ---- INVOKE_WRITE ----------------------------------------------------- */

static int invoke_write(struct emu_bundle *b)
{
	int64_t cmd;
	struct emu_cmd c;
	uint8_t *in = NULL;
	int len, ret;

	ret = emu_attr_const(b, UVERBS_ATTR_WRITE_CMD, 0, UINT32_MAX, &cmd);
	if (ret)
		return ret;
	len = emu_attr_len(b, UVERBS_ATTR_CORE_IN);
	if (len > 0) {
		in = malloc(len);
		if (!in)
			return -ENOMEM;
		ret = emu_attr_copy_in(b, UVERBS_ATTR_CORE_IN, in, len);
		if (ret)
			goto out;
	}
	emu_ioctl_cmd(b, &c, in, len > 0 ? len : 0, NULL, 0);
	c.ioctl = NULL; /* a write() command: no attributes of its own */
	len = emu_attr_len(b, UVERBS_ATTR_CORE_OUT);
	if (len >= 0) {
		c.resp = emu_attr_data(b, UVERBS_ATTR_CORE_OUT);
		c.outlen = len;
	}
	ret = emu_kernel_run_write(&c, (uint32_t)cmd, true);
	/* the write handlers answer through uverbs_response() */
	if (!ret && len >= 0 && emu_kernel_write_has_resp((uint32_t)cmd))
		ret = emu_attr_output_written(b, UVERBS_ATTR_CORE_OUT);
out:
	free(in);
	return ret;
}

static const struct emu_attr_spec invoke_write_attrs[] = {
	EMU_CONST_IN(UVERBS_ATTR_WRITE_CMD, true),
	EMU_IN(UVERBS_ATTR_CORE_IN, sizeof(uint32_t), EMU_ATTR_LEN_MAX, false),
	EMU_OUT(UVERBS_ATTR_CORE_OUT, 0, EMU_ATTR_LEN_MAX, false),
	EMU_UHW,
};

/* ---- contexts ----------------------------------------------------------- */

/* Output attributes that may be left out (IS_UVERBS_COPY_ERR). */
static int copy_out_optional(struct emu_bundle *b, uint16_t id, const void *src,
			     size_t size)
{
	int ret = emu_attr_copy_out(b, id, src, size);

	return ret == -ENOENT ? 0 : ret;
}

static int core_outputs(struct emu_bundle *b, uint16_t vectors_id,
			uint16_t support_id)
{
	uint32_t vectors = EMU_NUM_COMP_VECTORS;
	uint64_t support = IB_UVERBS_CORE_SUPPORT_OPTIONAL_MR_ACCESS;
	int ret = copy_out_optional(b, vectors_id, &vectors, sizeof(vectors));

	return ret ? ret :
		     copy_out_optional(b, support_id, &support,
				       sizeof(support));
}

static int get_context(struct emu_bundle *b)
{
	struct ib_uverbs_get_context req = {};
	struct ib_uverbs_get_context_resp resp = {};
	struct emu_cmd c;
	int ret;

	ret = core_outputs(b, UVERBS_ATTR_GET_CONTEXT_NUM_COMP_VECTORS,
			   UVERBS_ATTR_GET_CONTEXT_CORE_SUPPORT);
	if (ret)
		return ret;
	emu_ioctl_cmd(b, &c, &req, sizeof(req), &resp, sizeof(resp));
	ret = emu_kernel_run_write(&c, IB_USER_VERBS_CMD_GET_CONTEXT, false);
	if (ret)
		return ret;
	/*
	 * The ioctl ABI hands the async event file out on its own
	 * (ASYNC_EVENT_ALLOC): the process gets no descriptor here.
	 */
	close(resp.async_fd);
	return 0;
}

static const struct emu_attr_spec get_context_attrs[] = {
	EMU_OUT_TYPE(UVERBS_ATTR_GET_CONTEXT_NUM_COMP_VECTORS, uint32_t, false),
	EMU_OUT_TYPE(UVERBS_ATTR_GET_CONTEXT_CORE_SUPPORT, uint64_t, false),
	EMU_UHW,
};

/* irdma has no query_ucontext: the core refuses after the context check. */
static int query_context(struct emu_bundle *b)
{
	return -EOPNOTSUPP;
}

static const struct emu_attr_spec query_context_attrs[] = {
	EMU_OUT_TYPE(UVERBS_ATTR_QUERY_CONTEXT_NUM_COMP_VECTORS, uint32_t,
		     false),
	EMU_OUT_TYPE(UVERBS_ATTR_QUERY_CONTEXT_CORE_SUPPORT, uint64_t, false),
};

/* ---- ports and GIDs ------------------------------------------------------- */

static int query_port(struct emu_bundle *b)
{
	struct ib_uverbs_query_port_resp_ex resp = {};
	struct ib_uverbs_query_port req = {};
	struct emu_cmd c;
	int64_t port;
	int ret;

	ret = emu_attr_const(b, UVERBS_ATTR_QUERY_PORT_PORT_NUM, 0, UINT8_MAX,
			     &port);
	if (ret)
		return ret;
	req.port_num = port;
	emu_ioctl_cmd(b, &c, &req, sizeof(req), &resp.legacy_resp,
		      sizeof(resp.legacy_resp));
	ret = emu_kernel_run_write(&c, IB_USER_VERBS_CMD_QUERY_PORT, false);
	if (ret)
		return ret;
	resp.active_speed_ex = resp.legacy_resp.active_speed;
	return emu_attr_copy_out_or_zero(b, UVERBS_ATTR_QUERY_PORT_RESP, &resp,
					 sizeof(resp));
}

static const struct emu_attr_spec query_port_attrs[] = {
	EMU_CONST_IN(UVERBS_ATTR_QUERY_PORT_PORT_NUM, true),
	EMU_STRUCT(EMU_ATTR_PTR_OUT, UVERBS_ATTR_QUERY_PORT_RESP,
		   struct ib_uverbs_query_port_resp_ex, active_speed_ex, true),
};

static void fill_gid_entry(struct emu_device *dev, unsigned int index,
			   const uint8_t gid[EMU_GID_LEN],
			   struct ib_uverbs_gid_entry *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->gid, gid, EMU_GID_LEN);
	e->gid_index = index;
	e->port_num = 1;
	/* irdma is RoCE v2 only; the emulated port has no netdev (0) */
	e->gid_type = IB_UVERBS_GID_TYPE_ROCE_V2;
}

/* uverbs_attr_ptr_get_array_size() */
static int array_size(const struct emu_bundle *b, uint16_t id, size_t elem)
{
	int len = emu_attr_len(b, id);

	if (len < 0)
		return len;
	if (len % elem)
		return -EINVAL;
	return len / elem ? (int)(len / elem) : -EINVAL;
}

static int copy_gid_entries(struct emu_bundle *b,
			    const struct ib_uverbs_gid_entry *e, unsigned int n,
			    size_t entry_size)
{
	static const uint8_t zeros[64];
	uint64_t dst;
	size_t copy = entry_size < sizeof(*e) ? entry_size : sizeof(*e);
	unsigned int i;

	if (entry_size == sizeof(*e))
		return emu_attr_copy_out(
			b, UVERBS_ATTR_QUERY_GID_TABLE_RESP_ENTRIES, e,
			n * sizeof(*e));
	dst = emu_attr_data(b, UVERBS_ATTR_QUERY_GID_TABLE_RESP_ENTRIES);
	for (i = 0; i < n; i++, dst += entry_size) {
		size_t off;

		if (emu_copy_to_user(dst, &e[i], copy))
			return -EFAULT;
		for (off = sizeof(*e); off < entry_size; off += sizeof(zeros)) {
			size_t k = entry_size - off < sizeof(zeros) ?
					   entry_size - off :
					   sizeof(zeros);

			if (emu_copy_to_user(dst + off, zeros, k))
				return -EFAULT;
		}
	}
	return emu_attr_output_written(
		b, UVERBS_ATTR_QUERY_GID_TABLE_RESP_ENTRIES);
}

static int query_gid_table(struct emu_bundle *b)
{
	struct ib_uverbs_gid_entry e[EMU_MAX_GIDS];
	struct emu_device *dev = b->f->dev;
	uint8_t gid[EMU_GID_LEN];
	uint64_t count = 0;
	int64_t entry_size;
	uint32_t flags;
	unsigned int g;
	int max, ret;

	ret = emu_attr_flags32(b, UVERBS_ATTR_QUERY_GID_TABLE_FLAGS, 0, &flags);
	if (ret)
		return ret;
	ret = emu_attr_const(b, UVERBS_ATTR_QUERY_GID_TABLE_ENTRY_SIZE, 0,
			     SIZE_MAX, &entry_size);
	if (ret)
		return ret;
	if (!entry_size)
		return -EINVAL;
	max = array_size(b, UVERBS_ATTR_QUERY_GID_TABLE_RESP_ENTRIES,
			 (size_t)entry_size);
	if (max < 0)
		return max;
	for (g = 0; g < dev->lim.gid_tbl_len && count < EMU_MAX_GIDS; g++) {
		if (!emu_device_gid(dev, g, gid))
			continue;
		/* rdma_query_gid_table(): a table that does not fit is -EINVAL */
		if (count == (uint64_t)max)
			return -EINVAL;
		fill_gid_entry(dev, g, gid, &e[count++]);
	}
	ret = copy_gid_entries(b, e, count, (size_t)entry_size);
	if (ret)
		return ret;
	return emu_attr_copy_out(b,
				 UVERBS_ATTR_QUERY_GID_TABLE_RESP_NUM_ENTRIES,
				 &count, sizeof(count));
}

static const struct emu_attr_spec query_gid_table_attrs[] = {
	EMU_CONST_IN(UVERBS_ATTR_QUERY_GID_TABLE_ENTRY_SIZE, true),
	EMU_FLAGS_IN(UVERBS_ATTR_QUERY_GID_TABLE_FLAGS, false),
	EMU_OUT(UVERBS_ATTR_QUERY_GID_TABLE_RESP_ENTRIES, 0, EMU_ATTR_LEN_MAX,
		true),
	EMU_OUT_TYPE(UVERBS_ATTR_QUERY_GID_TABLE_RESP_NUM_ENTRIES, uint64_t,
		     true),
};

static int query_gid_entry(struct emu_bundle *b)
{
	struct ib_uverbs_gid_entry e;
	struct emu_device *dev = b->f->dev;
	uint8_t gid[EMU_GID_LEN];
	int64_t port, index;
	uint32_t flags;
	int ret;

	ret = emu_attr_flags32(b, UVERBS_ATTR_QUERY_GID_ENTRY_FLAGS, 0, &flags);
	if (!ret)
		ret = emu_attr_const(b, UVERBS_ATTR_QUERY_GID_ENTRY_PORT, 0,
				     UINT32_MAX, &port);
	if (!ret)
		ret = emu_attr_const(b, UVERBS_ATTR_QUERY_GID_ENTRY_GID_INDEX,
				     0, UINT32_MAX, &index);
	if (ret)
		return ret;
	/* rdma_get_gid_attr(): bad port or index -EINVAL, empty -ENODATA */
	if (port != 1 || index >= dev->lim.gid_tbl_len)
		return -EINVAL;
	if (!emu_device_gid(dev, (unsigned int)index, gid))
		return -ENODATA;
	fill_gid_entry(dev, (unsigned int)index, gid, &e);
	return emu_attr_copy_out_or_zero(
		b, UVERBS_ATTR_QUERY_GID_ENTRY_RESP_ENTRY, &e, sizeof(e));
}

static const struct emu_attr_spec query_gid_entry_attrs[] = {
	EMU_CONST_IN(UVERBS_ATTR_QUERY_GID_ENTRY_PORT, true),
	EMU_CONST_IN(UVERBS_ATTR_QUERY_GID_ENTRY_GID_INDEX, true),
	EMU_FLAGS_IN(UVERBS_ATTR_QUERY_GID_ENTRY_FLAGS, true),
	EMU_STRUCT(EMU_ATTR_PTR_OUT, UVERBS_ATTR_QUERY_GID_ENTRY_RESP_ENTRY,
		   struct ib_uverbs_gid_entry, netdev_ifindex, true),
};

/* ---- INFO_HANDLES ------------------------------------------------------- */

/* The objects an irdma device has, by uverbs object id; -1: an fd type. */
static int object_type(uint16_t object, const struct emu_device *dev)
{
	switch (object) {
	case UVERBS_OBJECT_DEVICE:
	case UVERBS_OBJECT_COMP_CHANNEL:
	case UVERBS_OBJECT_ASYNC_EVENT:
		return -1;
	case UVERBS_OBJECT_PD:
		return EMU_OBJ_PD;
	case UVERBS_OBJECT_CQ:
		return EMU_OBJ_CQ;
	case UVERBS_OBJECT_QP:
		return EMU_OBJ_QP;
	case UVERBS_OBJECT_SRQ:
		return dev->lim.max_srq ? EMU_OBJ_SRQ : -2;
	case UVERBS_OBJECT_AH:
		return EMU_OBJ_AH;
	case UVERBS_OBJECT_MR:
		return EMU_OBJ_MR;
	case UVERBS_OBJECT_MW:
		return EMU_OBJ_MW;
	default:
		return -2; /* not an object of this device */
	}
}

static int info_handles(struct emu_bundle *b)
{
	struct emu_file *f = b->f;
	uint32_t *handles;
	uint32_t total = 0;
	int64_t object;
	struct emu_obj *o;
	int len, type, ret;

	len = emu_attr_len(b, UVERBS_ATTR_INFO_HANDLES_LIST);
	if (len <= 0 || len % sizeof(uint32_t))
		return -EINVAL;
	ret = emu_attr_const(b, UVERBS_ATTR_INFO_OBJECT_ID, 0, UINT16_MAX,
			     &object);
	if (ret)
		return ret;
	type = object_type((uint16_t)object, f->dev);
	if (type == -2)
		return -EINVAL;
	handles = calloc(1, len);
	if (!handles)
		return -ENOMEM;
	pthread_mutex_lock(&f->lock);
	for (o = type >= 0 ? f->objs[type] : NULL;
	     o && total < len / sizeof(uint32_t); o = o->next)
		handles[total++] = o->handle;
	pthread_mutex_unlock(&f->lock);
	ret = emu_attr_copy_out(b, UVERBS_ATTR_INFO_HANDLES_LIST, handles,
				total * sizeof(uint32_t));
	free(handles);
	if (ret)
		return ret;
	return emu_attr_copy_out(b, UVERBS_ATTR_INFO_TOTAL_HANDLES, &total,
				 sizeof(total));
}

static const struct emu_attr_spec info_handles_attrs[] = {
	EMU_CONST_IN(UVERBS_ATTR_INFO_OBJECT_ID, true),
	EMU_OUT_TYPE(UVERBS_ATTR_INFO_TOTAL_HANDLES, uint32_t, false),
	EMU_OUT(UVERBS_ATTR_INFO_HANDLES_LIST, sizeof(uint32_t),
		EMU_ATTR_LEN_MAX, false),
};

/* ---- ASYNC_EVENT_ALLOC -------------------------------------------------- */

/*
 * The context's async event file. GET_CONTEXT by ioctl made the channel
 * but handed out no descriptor: this is where the process gets one. The
 * emulated context has one event file; a second allocation shares it.
 */
static int async_event_alloc(struct emu_bundle *b)
{
	struct emu_file *f = b->f;
	int fd, ret;

	if (f->async_rfd < 0)
		return -EINVAL;
	fd = fcntl(f->async_rfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -EMFILE;
	ret = emu_attr_new_id(b, UVERBS_ATTR_ASYNC_EVENT_ALLOC_FD_HANDLE, fd);
	if (ret)
		close(fd);
	return ret;
}

static const struct emu_attr_spec async_event_alloc_attrs[] = {
	EMU_FD(UVERBS_ATTR_ASYNC_EVENT_ALLOC_FD_HANDLE, EMU_FDC_ASYNC_EVENT,
	       EMU_ACCESS_NEW, true),
};

/* ---- the tables --------------------------------------------------------- */

static const struct emu_method_spec m_invoke_write = EMU_METHOD(
	UVERBS_OBJECT_DEVICE, UVERBS_METHOD_INVOKE_WRITE, "DEVICE.INVOKE_WRITE",
	invoke_write, invoke_write_attrs, .own_fault = true);
static const struct emu_method_spec m_get_context =
	EMU_METHOD(UVERBS_OBJECT_DEVICE, UVERBS_METHOD_GET_CONTEXT,
		   "DEVICE.GET_CONTEXT", get_context, get_context_attrs);
static const struct emu_method_spec m_query_context =
	EMU_METHOD(UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_CONTEXT,
		   "DEVICE.QUERY_CONTEXT", query_context, query_context_attrs,
		   .needs_context = true);
static const struct emu_method_spec m_query_port = EMU_METHOD(
	UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_PORT, "DEVICE.QUERY_PORT",
	query_port, query_port_attrs, .needs_context = true);
static const struct emu_method_spec m_query_gid_table =
	EMU_METHOD(UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_GID_TABLE,
		   "DEVICE.QUERY_GID_TABLE", query_gid_table,
		   query_gid_table_attrs, .needs_context = true);
static const struct emu_method_spec m_query_gid_entry =
	EMU_METHOD(UVERBS_OBJECT_DEVICE, UVERBS_METHOD_QUERY_GID_ENTRY,
		   "DEVICE.QUERY_GID_ENTRY", query_gid_entry,
		   query_gid_entry_attrs, .needs_context = true);
static const struct emu_method_spec m_info_handles =
	EMU_METHOD(UVERBS_OBJECT_DEVICE, UVERBS_METHOD_INFO_HANDLES,
		   "DEVICE.INFO_HANDLES", info_handles, info_handles_attrs);
static const struct emu_method_spec m_async_event_alloc = EMU_METHOD(
	UVERBS_OBJECT_ASYNC_EVENT, UVERBS_METHOD_ASYNC_EVENT_ALLOC,
	"ASYNC_EVENT.ALLOC", async_event_alloc, async_event_alloc_attrs);

const struct emu_method_spec *const emu_ioctl_device_methods[] = {
	&m_invoke_write, &m_get_context,       &m_query_context,
	&m_query_port,	 &m_query_gid_table,   &m_query_gid_entry,
	&m_info_handles, &m_async_event_alloc, NULL,
};
