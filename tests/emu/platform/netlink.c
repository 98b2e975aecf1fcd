// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The RDMA netlink NLDEV client, answered inside the process.
 *
 * libibverbs built with libnl enumerates devices by netlink before it looks
 * at sysfs: a dump of RDMA_NLDEV_CMD_GET lists the devices, and one
 * RDMA_NLDEV_CMD_GET_CHARDEV("uverbs") per device names its char device and
 * says which kernel driver owns it (UVERBS_DRIVER_ID). Providers that match
 * on the driver id alone see a device only this way.
 *
 * What is answered, with the kernel's message shapes and errnos:
 *  - CMD_GET dump and CMD_GET with a DEV_INDEX (unknown index: EINVAL);
 *  - CMD_GET_CHARDEV of type "uverbs" for a device (other types: EOPNOTSUPP);
 *  - CMD_SYS_GET, shaped as by a kernel without copy-on-fork reporting, so
 *    ibv_fork_init() behaves as it does without netlink;
 *  - any other NLDEV command: EOPNOTSUPP (the emulator does not model it);
 *    an unknown client or command number: EINVAL.
 * Every value comes from sysfs.h, so netlink and sysfs always agree.
 *
 * Only the kernel (port 0) can be talked to; multicast groups are accepted
 * and never deliver anything.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/rdma_netlink.h>

#include "interpose.h"
#include "netlink.h"
#include "sysfs.h"

#define EMU_EXPORT __attribute__((visibility("default")))

/*
 * A datagram of answers is kept below one page: libnl reads with a
 * page-sized buffer when peeking is off and rejects truncated datagrams,
 * and the kernel packs its dumps into skbs of about that size too.
 */
#define NL_ANSWER_DGRAM_MAX 3840U
/* Largest request accepted, like a netlink socket's default sndbuf. */
#define NL_REQUEST_MAX 65536U
/* The kernel's length limit for CHARDEV_TYPE, NUL included. */
#define NL_CHARDEV_TYPE_MAX 32U
/* Kernel device indexes start at 1. */
#define NL_IBDEV_INDEX(idx) ((idx) + 1U)

struct nl_sock_obj {
	struct emu_fdobj base;
	int peer; /* the emulator's end: answers are written here */
	int type; /* SOCK_RAW or SOCK_DGRAM, as asked */
	uint32_t port; /* bound nl_pid, 0 while unbound */
	pthread_mutex_t lock; /* one request's answers stay contiguous */
};

/* Nothing to look up while no netlink socket exists: the common case. */
static atomic_uint nl_live;
static atomic_uint nl_autobinds;

/* ---- the real libc ------------------------------------------------- */

#define NL_REAL(ret, name, ...)                         \
	static ret (*nl_real_##name(void))(__VA_ARGS__) \
	{                                               \
		static ret (*fn)(__VA_ARGS__);          \
		if (!fn)                                \
			fn = dlsym(RTLD_NEXT, #name);   \
		return fn;                              \
	}

NL_REAL(int, bind, int, const struct sockaddr *, socklen_t)
NL_REAL(int, connect, int, const struct sockaddr *, socklen_t)
NL_REAL(int, getsockname, int, struct sockaddr *, socklen_t *)
NL_REAL(int, getpeername, int, struct sockaddr *, socklen_t *)
NL_REAL(int, setsockopt, int, int, int, const void *, socklen_t)
NL_REAL(int, getsockopt, int, int, int, void *, socklen_t *)
NL_REAL(ssize_t, sendmsg, int, const struct msghdr *, int)
NL_REAL(ssize_t, sendto, int, const void *, size_t, int,
	const struct sockaddr *, socklen_t)
NL_REAL(ssize_t, send, int, const void *, size_t, int)
NL_REAL(ssize_t, recvmsg, int, struct msghdr *, int)
NL_REAL(ssize_t, recvfrom, int, void *, size_t, int, struct sockaddr *,
	socklen_t *)

#define NL_CALL(name, ...)                                           \
	({                                                           \
		__typeof__(nl_real_##name()) fn_ = nl_real_##name(); \
		if (!fn_)                                            \
			errno = ENOSYS;                              \
		fn_ ? fn_(__VA_ARGS__) : -1;                         \
	})

/* ---- socket objects ------------------------------------------------ */

static void nl_sock_release(struct emu_fdobj *base)
{
	struct nl_sock_obj *s = (struct nl_sock_obj *)base;

	emu_real_close(s->peer);
	pthread_mutex_destroy(&s->lock);
	free(s);
	atomic_fetch_sub(&nl_live, 1);
}

/* The object behind @fd if it is one of our netlink sockets (ref held). */
static struct nl_sock_obj *nl_sock_get(int fd)
{
	struct emu_fdobj *obj;

	if (!atomic_load(&nl_live))
		return NULL;
	obj = emu_fd_get(fd);
	if (!obj)
		return NULL;
	if (obj->kind != EMU_FD_NETLINK) {
		emu_fdobj_put(obj);
		return NULL;
	}
	return (struct nl_sock_obj *)obj;
}

static bool netlink_disabled(void)
{
	const char *v = getenv("IRDMA_EMU_NETLINK");

	return v && !strcmp(v, "0");
}

int emu_netlink_socket(int type)
{
	int flags = type & (SOCK_CLOEXEC | SOCK_NONBLOCK);
	int base_type = type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct nl_sock_obj *s;
	int sv[2], ret;

	if (netlink_disabled()) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if (base_type != SOCK_RAW && base_type != SOCK_DGRAM) {
		errno = ESOCKTNOSUPPORT;
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	/* The emulator's end never blocks and never leaks into an exec. */
	if (socketpair(AF_UNIX, SOCK_DGRAM | flags, 0, sv)) {
		free(s);
		return -1;
	}
	if (emu_real_fcntl(sv[1], F_SETFD, FD_CLOEXEC) ||
	    emu_real_fcntl(sv[1], F_SETFL, O_NONBLOCK))
		goto err_close;
	s->base.kind = EMU_FD_NETLINK;
	s->base.release = nl_sock_release;
	s->peer = sv[1];
	s->type = base_type;
	pthread_mutex_init(&s->lock, NULL);
	atomic_fetch_add(&nl_live, 1);
	ret = emu_fd_install(sv[0], &s->base);
	if (ret) {
		emu_real_close(sv[0]);
		nl_sock_release(&s->base);
		errno = -ret;
		return -1;
	}
	return sv[0];

err_close:
	emu_real_close(sv[0]);
	emu_real_close(sv[1]);
	free(s);
	return -1;
}

/* ---- addresses ------------------------------------------------------ */

/* A port for an unbound socket: the pid first, then the kernel's negatives. */
static uint32_t nl_autobind_port(void)
{
	unsigned int n = atomic_fetch_add(&nl_autobinds, 1);

	return n ? (uint32_t)-4096 - n : (uint32_t)getpid();
}

static void nl_sock_autobind(struct nl_sock_obj *s)
{
	pthread_mutex_lock(&s->lock);
	if (!s->port)
		s->port = nl_autobind_port();
	pthread_mutex_unlock(&s->lock);
}

/* Copy @nl into a caller's address buffer the way the kernel does. */
static void nl_put_addr(const struct sockaddr_nl *nl, struct sockaddr *addr,
			socklen_t *len)
{
	if (!addr || !len)
		return;
	memcpy(addr, nl, *len < sizeof(*nl) ? *len : sizeof(*nl));
	*len = sizeof(*nl);
}

static void nl_addr_of(uint32_t port, struct sockaddr_nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->nl_family = AF_NETLINK;
	nl->nl_pid = port;
}

/* A destination must be a netlink address; only the kernel answers. */
static int nl_check_dest(const void *name, socklen_t len)
{
	const struct sockaddr_nl *nl = name;

	if (!name)
		return 0;
	if (len < sizeof(*nl) || nl->nl_family != AF_NETLINK)
		return -EINVAL;
	if (nl->nl_pid)
		return -ECONNREFUSED;
	return 0;
}

/* ---- building answers ---------------------------------------------- */

/* One request's answers, packed into page-sized datagrams as they grow. */
struct nl_answer {
	struct nl_sock_obj *s;
	const struct nlmsghdr *req;
	uint8_t buf[NL_ANSWER_DGRAM_MAX];
	size_t len; /* bytes of finished messages in @buf */
	size_t cur; /* start of the message being built */
	int err;
};

static int nl_answer_flush(struct nl_answer *a)
{
	ssize_t n;

	if (!a->len || a->err)
		return a->err;
	n = NL_CALL(send, a->s->peer, a->buf, a->len, MSG_DONTWAIT);
	/* A full receive queue is where the kernel would drop and ENOBUFS. */
	if (n != (ssize_t)a->len)
		a->err = -ENOBUFS;
	a->len = 0;
	a->cur = 0;
	return a->err;
}

/* Room for @len more bytes of the current message, moving it if needed. */
static void *nl_answer_room(struct nl_answer *a, size_t len)
{
	size_t msg_len = a->len - a->cur;
	uint8_t tmp[NL_ANSWER_DGRAM_MAX];
	void *p;

	len = NLMSG_ALIGN(len);
	if (a->err)
		return NULL;
	if (a->len + len > sizeof(a->buf)) {
		if (msg_len + len > sizeof(a->buf) || !a->cur) {
			a->err = -EMSGSIZE;
			return NULL;
		}
		/* Send what is finished; the message in progress moves up. */
		memcpy(tmp, a->buf + a->cur, msg_len);
		a->len = a->cur;
		if (nl_answer_flush(a))
			return NULL;
		memcpy(a->buf, tmp, msg_len);
		a->len = msg_len;
	}
	p = a->buf + a->len;
	memset(p, 0, len);
	a->len += len;
	return p;
}

static struct nlmsghdr *nl_msg_hdr(struct nl_answer *a)
{
	return (struct nlmsghdr *)(a->buf + a->cur);
}

static void nl_msg_begin(struct nl_answer *a, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h;

	a->cur = a->len;
	h = nl_answer_room(a, sizeof(*h));
	if (!h)
		return;
	h->nlmsg_len = sizeof(*h);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = a->req->nlmsg_seq;
	h->nlmsg_pid = a->s->port;
}

static void nl_msg_end(struct nl_answer *a)
{
	if (!a->err)
		nl_msg_hdr(a)->nlmsg_len = a->len - a->cur;
	a->cur = a->len;
}

static void nl_put_attr(struct nl_answer *a, uint16_t type, const void *data,
			size_t len)
{
	struct nlattr *nla = nl_answer_room(a, NLA_HDRLEN + len);

	if (!nla)
		return;
	nla->nla_len = NLA_HDRLEN + len;
	nla->nla_type = type;
	memcpy((uint8_t *)nla + NLA_HDRLEN, data, len);
}

static void nl_put_u8(struct nl_answer *a, uint16_t type, uint8_t v)
{
	nl_put_attr(a, type, &v, sizeof(v));
}

static void nl_put_u32(struct nl_answer *a, uint16_t type, uint32_t v)
{
	nl_put_attr(a, type, &v, sizeof(v));
}

static void nl_put_u64(struct nl_answer *a, uint16_t type, uint64_t v)
{
	nl_put_attr(a, type, &v, sizeof(v));
}

static void nl_put_str(struct nl_answer *a, uint16_t type, const char *str)
{
	nl_put_attr(a, type, str, strlen(str) + 1);
}

/* Raw payload bytes for the current message (no attribute header). */
static void nl_put_payload(struct nl_answer *a, const void *data, size_t len)
{
	void *p = nl_answer_room(a, len);

	if (p)
		memcpy(p, data, len);
}

/* NLMSG_ERROR carrying @err (0 = ack) and the request's header. */
static void nl_put_error(struct nl_answer *a, int err)
{
	struct nlmsgerr e = { .error = err, .msg = *a->req };

	/* Like a NETLINK_CAP_ACK socket: the request's payload is not echoed. */
	nl_msg_begin(a, NLMSG_ERROR, NLM_F_CAPPED);
	e.msg.nlmsg_len = sizeof(e.msg);
	nl_put_payload(a, &e, sizeof(e));
	nl_msg_end(a);
}

/* ---- requests --------------------------------------------------------- */

/* The request's attributes by type; later duplicates win, as in the kernel. */
struct nl_req_attrs {
	const struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
};

static int nl_parse_attrs(const struct nlmsghdr *h, struct nl_req_attrs *at)
{
	const uint8_t *p = (const uint8_t *)h + NLMSG_HDRLEN;
	size_t left = h->nlmsg_len - NLMSG_HDRLEN;
	const struct nlattr *nla;
	uint16_t type;
	size_t step;

	memset(at, 0, sizeof(*at));
	while (left >= NLA_HDRLEN) {
		nla = (const struct nlattr *)p;
		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > left)
			return -EINVAL;
		type = nla->nla_type & NLA_TYPE_MASK;
		if (type < RDMA_NLDEV_ATTR_MAX)
			at->tb[type] = nla;
		step = NLA_ALIGN((size_t)nla->nla_len);
		if (step >= left)
			break;
		left -= step;
		p += step;
	}
	return 0;
}

static const void *nl_attr_data(const struct nlattr *nla)
{
	return (const uint8_t *)nla + NLA_HDRLEN;
}

/* A u32 attribute of exactly that size, as the kernel's policy demands. */
static int nl_attr_u32(const struct nlattr *nla, uint32_t *v)
{
	if (!nla || nla->nla_len < NLA_HDRLEN + sizeof(*v))
		return -EINVAL;
	memcpy(v, nl_attr_data(nla), sizeof(*v));
	return 0;
}

/* A NUL-terminated string attribute no longer than @max bytes. */
static int nl_attr_str(const struct nlattr *nla, size_t max, char *out)
{
	size_t len;

	if (!nla)
		return -EINVAL;
	len = nla->nla_len - NLA_HDRLEN;
	if (!len || len > max || memchr(nl_attr_data(nla), 0, len) == NULL)
		return -EINVAL;
	memcpy(out, nl_attr_data(nla), len);
	return 0;
}

/* Device index (0-based) a request's DEV_INDEX names, or -EINVAL. */
static int nl_req_device(const struct nl_req_attrs *at, unsigned int *idx)
{
	uint32_t ibidx;

	if (nl_attr_u32(at->tb[RDMA_NLDEV_ATTR_DEV_INDEX], &ibidx))
		return -EINVAL;
	if (ibidx < NL_IBDEV_INDEX(0) ||
	    ibidx >= NL_IBDEV_INDEX(emu_config()->ndevices))
		return -EINVAL;
	*idx = ibidx - NL_IBDEV_INDEX(0);
	return 0;
}

static uint16_t nldev_type(unsigned int op)
{
	return RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, op);
}

/* One device as CMD_GET describes it; ports are numbered from 1. */
static void nl_put_device(struct nl_answer *a, unsigned int idx, uint16_t flags)
{
	const struct emu_config *cfg = emu_config();
	char name[32];

	snprintf(name, sizeof(name), "irdma%u", idx);
	nl_msg_begin(a, nldev_type(RDMA_NLDEV_CMD_GET), flags);
	nl_put_u32(a, RDMA_NLDEV_ATTR_DEV_INDEX, NL_IBDEV_INDEX(idx));
	nl_put_str(a, RDMA_NLDEV_ATTR_DEV_NAME, name);
	nl_put_u32(a, RDMA_NLDEV_ATTR_PORT_INDEX, 1);
	nl_put_str(a, RDMA_NLDEV_ATTR_FW_VERSION, emu_dev_fw_ver(cfg->gen));
	nl_put_u64(a, RDMA_NLDEV_ATTR_NODE_GUID, emu_dev_node_guid(idx));
	nl_put_u64(a, RDMA_NLDEV_ATTR_SYS_IMAGE_GUID, emu_dev_node_guid(idx));
	/* RDMA_NODE_IB_CA: what sysfs node_type says ("1: CA"). */
	nl_put_u8(a, RDMA_NLDEV_ATTR_DEV_NODE_TYPE, 1);
	nl_put_u8(a, RDMA_NLDEV_ATTR_DEV_DIM, 0);
	nl_put_str(a, RDMA_NLDEV_ATTR_DEV_PROTOCOL, "roce");
	nl_msg_end(a);
}

static int nldev_get(struct nl_answer *a, const struct nl_req_attrs *at)
{
	unsigned int idx, i;
	int32_t done = 0;
	int ret;

	if (a->req->nlmsg_flags & NLM_F_DUMP) {
		for (i = 0; i < emu_config()->ndevices; i++)
			nl_put_device(a, i, NLM_F_MULTI);
		nl_msg_begin(a, NLMSG_DONE, NLM_F_MULTI);
		nl_put_payload(a, &done, sizeof(done));
		nl_msg_end(a);
		return a->err;
	}
	ret = nl_req_device(at, &idx);
	if (ret)
		return ret;
	nl_put_device(a, idx, 0);
	return a->err;
}

/* Linux's huge_encode_dev(): the 64-bit dev_t netlink carries. */
static uint64_t nl_encode_dev(dev_t dev)
{
	uint64_t maj = major(dev), min = minor(dev);

	return (min & 0xff) | (maj << 8) | ((min & ~0xffULL) << 12);
}

static int nldev_get_chardev(struct nl_answer *a, const struct nl_req_attrs *at)
{
	char type[NL_CHARDEV_TYPE_MAX];
	char name[32];
	unsigned int idx;

	if (nl_attr_str(at->tb[RDMA_NLDEV_ATTR_CHARDEV_TYPE], sizeof(type),
			type))
		return -EINVAL;
	if (at->tb[RDMA_NLDEV_ATTR_DEV_INDEX] && nl_req_device(at, &idx))
		return -EINVAL;
	/* uverbs is a per-device client: without a device there is no file. */
	if (strcmp(type, "uverbs") || !at->tb[RDMA_NLDEV_ATTR_DEV_INDEX])
		return -EOPNOTSUPP;
	snprintf(name, sizeof(name), "uverbs%u", idx);
	nl_msg_begin(a, nldev_type(RDMA_NLDEV_CMD_GET_CHARDEV), 0);
	nl_put_u64(a, RDMA_NLDEV_ATTR_CHARDEV,
		   nl_encode_dev(emu_dev_uverbs_rdev(idx)));
	nl_put_u64(a, RDMA_NLDEV_ATTR_CHARDEV_ABI, EMU_IRDMA_ABI_VERSION);
	nl_put_u32(a, RDMA_NLDEV_ATTR_UVERBS_DRIVER_ID, RDMA_DRIVER_IRDMA);
	nl_put_str(a, RDMA_NLDEV_ATTR_CHARDEV_NAME, name);
	nl_msg_end(a);
	return a->err;
}

static int nldev_sys_get(struct nl_answer *a)
{
	nl_msg_begin(a, nldev_type(RDMA_NLDEV_CMD_SYS_GET), 0);
	/* Shared network namespace mode, the kernel's default. */
	nl_put_u8(a, RDMA_NLDEV_SYS_ATTR_NETNS_MODE, 1);
	nl_msg_end(a);
	return a->err;
}

/* Answer one request message; returns 0 or the -errno to report. */
static int nl_dispatch(struct nl_answer *a)
{
	const struct nlmsghdr *h = a->req;
	unsigned int op = RDMA_NL_GET_OP(h->nlmsg_type);
	struct nl_req_attrs at;

	if (RDMA_NL_GET_CLIENT(h->nlmsg_type) != RDMA_NL_NLDEV ||
	    op >= RDMA_NLDEV_NUM_OPS)
		return -EINVAL;
	if (nl_parse_attrs(h, &at))
		return -EINVAL;
	switch (op) {
	case RDMA_NLDEV_CMD_GET:
		return nldev_get(a, &at);
	case RDMA_NLDEV_CMD_GET_CHARDEV:
		return nldev_get_chardev(a, &at);
	case RDMA_NLDEV_CMD_SYS_GET:
		return nldev_sys_get(a);
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * Answer every request in one datagram the application sent. Messages
 * that are not requests, and control types, get nothing (as in the kernel);
 * a failed request gets NLMSG_ERROR, a successful one an ack if asked for.
 */
static int nl_handle_requests(struct nl_sock_obj *s, const uint8_t *buf,
			      size_t len)
{
	struct nl_answer *a = calloc(1, sizeof(*a));
	const struct nlmsghdr *h;
	int ret, err = 0;

	if (!a)
		return -ENOMEM;
	a->s = s;
	pthread_mutex_lock(&s->lock);
	while (len >= NLMSG_HDRLEN) {
		h = (const struct nlmsghdr *)buf;
		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len)
			break;
		a->req = h;
		if ((h->nlmsg_flags & NLM_F_REQUEST) &&
		    h->nlmsg_type >= NLMSG_MIN_TYPE) {
			ret = nl_dispatch(a);
			if (a->err)
				break;
			if (ret)
				nl_put_error(a, ret);
			else if ((h->nlmsg_flags & NLM_F_ACK) &&
				 !(h->nlmsg_flags & NLM_F_DUMP))
				nl_put_error(a, 0);
		}
		if (NLMSG_ALIGN(h->nlmsg_len) >= len)
			break;
		len -= NLMSG_ALIGN(h->nlmsg_len);
		buf += NLMSG_ALIGN(h->nlmsg_len);
	}
	nl_answer_flush(a);
	err = a->err;
	pthread_mutex_unlock(&s->lock);
	free(a);
	return err;
}

/* ---- the socket calls ------------------------------------------------ */

EMU_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len);
EMU_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len);
EMU_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len);
EMU_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len);
EMU_EXPORT int setsockopt(int fd, int level, int name, const void *val,
			  socklen_t len);
EMU_EXPORT int getsockopt(int fd, int level, int name, void *val,
			  socklen_t *len);
EMU_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags);
EMU_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			  const struct sockaddr *addr, socklen_t alen);
EMU_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags);
EMU_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags);
EMU_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
			    struct sockaddr *addr, socklen_t *alen);

/* Set errno from a -errno result and return -1, or pass @ret through. */
static int nl_result(int ret)
{
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

static int nl_bind(struct nl_sock_obj *s, const struct sockaddr *addr,
		   socklen_t len)
{
	const struct sockaddr_nl *nl = (const struct sockaddr_nl *)addr;
	int ret = 0;

	if (!addr || len < sizeof(*nl) || nl->nl_family != AF_NETLINK)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->port && nl->nl_pid && s->port != nl->nl_pid)
		ret = -EINVAL;
	else if (!s->port)
		s->port = nl->nl_pid ? nl->nl_pid : nl_autobind_port();
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	int ret;

	if (!s)
		return NL_CALL(bind, fd, addr, len);
	ret = nl_bind(s, addr, len);
	emu_fdobj_put(&s->base);
	return nl_result(ret);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	int ret;

	if (!s)
		return NL_CALL(connect, fd, addr, len);
	ret = addr ? nl_check_dest(addr, len) : -EINVAL;
	if (!ret)
		nl_sock_autobind(s);
	emu_fdobj_put(&s->base);
	return nl_result(ret);
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	struct sockaddr_nl nl;

	if (!s)
		return NL_CALL(getsockname, fd, addr, len);
	pthread_mutex_lock(&s->lock);
	nl_addr_of(s->port, &nl);
	pthread_mutex_unlock(&s->lock);
	emu_fdobj_put(&s->base);
	if (!addr || !len)
		return nl_result(-EFAULT);
	nl_put_addr(&nl, addr, len);
	return 0;
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	struct sockaddr_nl nl;

	if (!s)
		return NL_CALL(getpeername, fd, addr, len);
	emu_fdobj_put(&s->base);
	if (!addr || !len)
		return nl_result(-EFAULT);
	nl_addr_of(0, &nl);
	nl_put_addr(&nl, addr, len);
	return 0;
}

/* SOL_NETLINK options change nothing we model; accept the known ones. */
static int nl_setsockopt_netlink(int name)
{
	switch (name) {
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP:
	case NETLINK_PKTINFO:
	case NETLINK_BROADCAST_ERROR:
	case NETLINK_NO_ENOBUFS:
	case NETLINK_LISTEN_ALL_NSID:
	case NETLINK_CAP_ACK:
	case NETLINK_EXT_ACK:
	case NETLINK_GET_STRICT_CHK:
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	int ret;

	if (!s)
		return NL_CALL(setsockopt, fd, level, name, val, len);
	emu_fdobj_put(&s->base);
	if (level == SOL_SOCKET)
		return NL_CALL(setsockopt, fd, level, name, val, len);
	if (level != SOL_NETLINK)
		return nl_result(-ENOPROTOOPT);
	if (!val || len < sizeof(int))
		return nl_result(-EINVAL);
	ret = nl_setsockopt_netlink(name);
	return nl_result(ret);
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	int v;

	if (!s)
		return NL_CALL(getsockopt, fd, level, name, val, len);
	if (level == SOL_SOCKET && name == SO_DOMAIN)
		v = AF_NETLINK;
	else if (level == SOL_SOCKET && name == SO_PROTOCOL)
		v = NETLINK_RDMA;
	else if (level == SOL_SOCKET && name == SO_TYPE)
		v = s->type;
	else {
		emu_fdobj_put(&s->base);
		if (level == SOL_SOCKET)
			return NL_CALL(getsockopt, fd, level, name, val, len);
		return nl_result(-ENOPROTOOPT);
	}
	emu_fdobj_put(&s->base);
	if (!val || !len || *len < sizeof(v))
		return nl_result(-EINVAL);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

/* Gather, check and answer one datagram; returns bytes taken or -errno. */
static ssize_t nl_send_datagram(struct nl_sock_obj *s, const struct msghdr *msg)
{
	size_t total = 0, off = 0, i;
	uint8_t *buf;
	int ret;

	ret = nl_check_dest(msg->msg_name, msg->msg_namelen);
	if (ret)
		return ret;
	for (i = 0; i < msg->msg_iovlen; i++) {
		if (msg->msg_iov[i].iov_len > NL_REQUEST_MAX - total)
			return -EMSGSIZE;
		total += msg->msg_iov[i].iov_len;
	}
	nl_sock_autobind(s);
	buf = malloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < msg->msg_iovlen; i++) {
		memcpy(buf + off, msg->msg_iov[i].iov_base,
		       msg->msg_iov[i].iov_len);
		off += msg->msg_iov[i].iov_len;
	}
	ret = nl_handle_requests(s, buf, total);
	free(buf);
	return ret ? ret : (ssize_t)total;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	ssize_t ret;

	if (!s)
		return NL_CALL(sendmsg, fd, msg, flags);
	ret = msg ? nl_send_datagram(s, msg) : -EFAULT;
	emu_fdobj_put(&s->base);
	return nl_result(ret);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *addr, socklen_t alen)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)addr,
		.msg_namelen = alen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t ret;

	if (!s)
		return NL_CALL(sendto, fd, buf, len, flags, addr, alen);
	ret = nl_send_datagram(s, &msg);
	emu_fdobj_put(&s->base);
	return nl_result(ret);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	if (!atomic_load(&nl_live))
		return NL_CALL(send, fd, buf, len, flags);
	return sendto(fd, buf, len, flags, NULL, 0);
}

/* Every answer comes from the kernel: port 0. */
ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	struct sockaddr_nl nl;
	socklen_t room;
	ssize_t ret;

	if (!s)
		return NL_CALL(recvmsg, fd, msg, flags);
	emu_fdobj_put(&s->base);
	/* The real call reports an unnamed AF_UNIX peer: 0 bytes of name. */
	room = msg ? msg->msg_namelen : 0;
	ret = NL_CALL(recvmsg, fd, msg, flags);
	if (ret < 0)
		return ret;
	if (msg->msg_name) {
		nl_addr_of(0, &nl);
		nl_put_addr(&nl, msg->msg_name, &room);
	}
	msg->msg_namelen = msg->msg_name ? room : 0;
	return ret;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *addr, socklen_t *alen)
{
	struct nl_sock_obj *s = nl_sock_get(fd);
	struct sockaddr_nl nl;
	ssize_t ret;

	if (!s)
		return NL_CALL(recvfrom, fd, buf, len, flags, addr, alen);
	emu_fdobj_put(&s->base);
	ret = NL_CALL(recvfrom, fd, buf, len, flags, NULL, NULL);
	if (ret >= 0 && addr && alen) {
		nl_addr_of(0, &nl);
		nl_put_addr(&nl, addr, alen);
	}
	return ret;
}
