// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulated RDMA netlink, spoken raw (no libnl): what libibverbs relies
 * on, and the errnos of requests it does not make.
 *
 * usage: nl_proto NDEVICES    (run under irdma-emu-run --devices NDEVICES)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/rdma_netlink.h>

#include "common/check.h"

/* A failed check (EXPECT) is counted; the test goes on and fails at the end. */

#define NLDEV(op) RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, op)

struct req {
	struct nlmsghdr h;
	uint8_t attrs[64];
};

static void add_attr(struct req *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)((uint8_t *)r + r->h.nlmsg_len);

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((uint8_t *)nla + NLA_HDRLEN, data, len);
	r->h.nlmsg_len += NLA_ALIGN(nla->nla_len);
}

static void init_req(struct req *r, uint16_t type, uint16_t flags, uint32_t seq)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_HDRLEN;
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | flags;
	r->h.nlmsg_seq = seq;
}

static void send_req(int s, struct req *r)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n = sendto(s, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));

	EXPECT(n == (ssize_t)r->h.nlmsg_len, "sendto: %zd (%s)", n,
	       strerror(errno));
}

/* One datagram; its sender must be the kernel (port 0). */
static ssize_t recv_answer(int s, uint8_t *buf, size_t len)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_name = &from,
			      .msg_namelen = sizeof(from),
			      .msg_iov = &iov,
			      .msg_iovlen = 1 };
	ssize_t n = recvmsg(s, &msg, MSG_DONTWAIT);

	EXPECT(n > 0, "recvmsg: %zd (%s)", n, strerror(errno));
	EXPECT(msg.msg_namelen == sizeof(from) &&
		       from.nl_family == AF_NETLINK && from.nl_pid == 0,
	       "answer not from the kernel (namelen %u)", msg.msg_namelen);
	EXPECT(!(msg.msg_flags & MSG_TRUNC), "answer truncated");
	return n;
}

static const struct nlattr *find_attr(const struct nlmsghdr *h, uint16_t type)
{
	const uint8_t *p = (const uint8_t *)h + NLMSG_HDRLEN;
	const uint8_t *end = (const uint8_t *)h + h->nlmsg_len;
	const struct nlattr *nla;

	while (p + NLA_HDRLEN <= end) {
		nla = (const struct nlattr *)p;
		if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
			return NULL;
		if (nla->nla_type == type)
			return nla;
		p += NLA_ALIGN(nla->nla_len);
	}
	return NULL;
}

static const void *attr_data(const struct nlattr *nla)
{
	return (const uint8_t *)nla + NLA_HDRLEN;
}

static uint64_t attr_uint(const struct nlmsghdr *h, uint16_t type)
{
	const struct nlattr *nla = find_attr(h, type);
	uint64_t v64 = 0;
	uint32_t v32 = 0;
	uint8_t v8 = 0;

	if (!nla)
		return ~0ULL;
	switch (nla->nla_len - NLA_HDRLEN) {
	case 1:
		memcpy(&v8, attr_data(nla), 1);
		return v8;
	case 4:
		memcpy(&v32, attr_data(nla), 4);
		return v32;
	case 8:
		memcpy(&v64, attr_data(nla), 8);
		return v64;
	}
	return ~0ULL;
}

static const char *attr_str(const struct nlmsghdr *h, uint16_t type)
{
	const struct nlattr *nla = find_attr(h, type);

	if (!nla || nla->nla_len <= NLA_HDRLEN ||
	    ((const char *)attr_data(nla))[nla->nla_len - NLA_HDRLEN - 1])
		return "";
	return attr_data(nla);
}

/* The dump lists irdma0..irdma<n-1> with indexes 1..n, then DONE. */
static void check_dump(int s, unsigned int n, uint32_t port)
{
	uint8_t buf[8192];
	unsigned int seen = 0;
	int done = 0;
	struct req r;

	init_req(&r, NLDEV(RDMA_NLDEV_CMD_GET), NLM_F_DUMP, 7);
	send_req(s, &r);
	while (!done) {
		ssize_t len = recv_answer(s, buf, sizeof(buf));
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		char want[32];

		if (len <= 0)
			return;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			EXPECT(h->nlmsg_seq == 7 && h->nlmsg_pid == port,
			       "dump seq %u pid %u", h->nlmsg_seq,
			       h->nlmsg_pid);
			EXPECT(h->nlmsg_flags & NLM_F_MULTI, "not multipart");
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			EXPECT(h->nlmsg_type == NLDEV(RDMA_NLDEV_CMD_GET),
			       "dump type 0x%x", h->nlmsg_type);
			snprintf(want, sizeof(want), "irdma%u", seen);
			EXPECT(!strcmp(attr_str(h, RDMA_NLDEV_ATTR_DEV_NAME),
				       want),
			       "device %u named '%s'", seen,
			       attr_str(h, RDMA_NLDEV_ATTR_DEV_NAME));
			EXPECT(attr_uint(h, RDMA_NLDEV_ATTR_DEV_INDEX) ==
				       seen + 1,
			       "device %u index", seen);
			EXPECT(attr_uint(h, RDMA_NLDEV_ATTR_PORT_INDEX) == 1,
			       "device %u ports", seen);
			EXPECT(attr_uint(h, RDMA_NLDEV_ATTR_DEV_NODE_TYPE) == 1,
			       "device %u node type", seen);
			EXPECT(attr_uint(h, RDMA_NLDEV_ATTR_NODE_GUID) != ~0ULL,
			       "device %u node guid", seen);
			EXPECT(!strcmp(attr_str(h,
						RDMA_NLDEV_ATTR_DEV_PROTOCOL),
				       "roce"),
			       "device %u protocol", seen);
			seen++;
		}
	}
	EXPECT(seen == n, "dump listed %u devices, want %u", seen, n);
}

/* GET_CHARDEV "uverbs" names the node stat() shows, with irdma's id. */
static void check_chardev(int s, unsigned int idx)
{
	uint32_t ibidx = idx + 1;
	uint8_t buf[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	char want[32], path[64];
	struct stat st;
	uint64_t cdev;
	struct req r;

	init_req(&r, NLDEV(RDMA_NLDEV_CMD_GET_CHARDEV), 0, 100 + idx);
	add_attr(&r, RDMA_NLDEV_ATTR_DEV_INDEX, &ibidx, sizeof(ibidx));
	add_attr(&r, RDMA_NLDEV_ATTR_CHARDEV_TYPE, "uverbs", 7);
	send_req(s, &r);
	if (recv_answer(s, buf, sizeof(buf)) <= 0)
		return;
	EXPECT(h->nlmsg_type == NLDEV(RDMA_NLDEV_CMD_GET_CHARDEV),
	       "chardev answer type 0x%x", h->nlmsg_type);
	snprintf(want, sizeof(want), "uverbs%u", idx);
	EXPECT(!strcmp(attr_str(h, RDMA_NLDEV_ATTR_CHARDEV_NAME), want),
	       "chardev name '%s'", attr_str(h, RDMA_NLDEV_ATTR_CHARDEV_NAME));
	EXPECT(attr_uint(h, RDMA_NLDEV_ATTR_UVERBS_DRIVER_ID) ==
		       RDMA_DRIVER_IRDMA,
	       "driver id %llu",
	       (unsigned long long)attr_uint(h,
					     RDMA_NLDEV_ATTR_UVERBS_DRIVER_ID));
	cdev = attr_uint(h, RDMA_NLDEV_ATTR_CHARDEV);
	snprintf(path, sizeof(path), "/dev/infiniband/%s", want);
	EXPECT(!stat(path, &st), "stat %s: %s", path, strerror(errno));
	EXPECT(makedev((cdev & 0xfff00) >> 8,
		       (cdev & 0xff) | ((cdev >> 12) & 0xfff00)) == st.st_rdev,
	       "chardev 0x%llx is not %s's dev_t", (unsigned long long)cdev,
	       path);
}

/* A request that fails gets NLMSG_ERROR with @err and its own seq. */
static void check_error(int s, struct req *r, int err, const char *what)
{
	uint8_t buf[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(h);

	send_req(s, r);
	if (recv_answer(s, buf, sizeof(buf)) <= 0)
		return;
	EXPECT(h->nlmsg_type == NLMSG_ERROR && e->error == -err &&
		       h->nlmsg_seq == r->h.nlmsg_seq &&
		       e->msg.nlmsg_seq == r->h.nlmsg_seq,
	       "%s: type 0x%x error %d, want %d", what, h->nlmsg_type,
	       h->nlmsg_type == NLMSG_ERROR ? e->error : 0, -err);
}

static void check_errors(int s, unsigned int n)
{
	uint32_t bad = n + 1, good = 1;
	struct req r;

	init_req(&r, NLDEV(RDMA_NLDEV_CMD_GET), 0, 200);
	add_attr(&r, RDMA_NLDEV_ATTR_DEV_INDEX, &bad, sizeof(bad));
	check_error(s, &r, EINVAL, "GET of a missing device");
	init_req(&r, NLDEV(RDMA_NLDEV_CMD_GET), 0, 201);
	check_error(s, &r, EINVAL, "GET without an index");
	init_req(&r, NLDEV(RDMA_NLDEV_CMD_GET_CHARDEV), 0, 202);
	add_attr(&r, RDMA_NLDEV_ATTR_DEV_INDEX, &good, sizeof(good));
	add_attr(&r, RDMA_NLDEV_ATTR_CHARDEV_TYPE, "umad", 5);
	check_error(s, &r, EOPNOTSUPP, "GET_CHARDEV umad");
	init_req(&r, NLDEV(RDMA_NLDEV_CMD_GET_CHARDEV), 0, 203);
	add_attr(&r, RDMA_NLDEV_ATTR_DEV_INDEX, &good, sizeof(good));
	check_error(s, &r, EINVAL, "GET_CHARDEV without a type");
	init_req(&r, NLDEV(RDMA_NLDEV_CMD_RES_GET), 0, 204);
	check_error(s, &r, EOPNOTSUPP, "RES_GET (not emulated)");
	init_req(&r, NLDEV(RDMA_NLDEV_NUM_OPS), 0, 205);
	check_error(s, &r, EINVAL, "unknown NLDEV op");
	init_req(&r, RDMA_NL_GET_TYPE(RDMA_NL_LS, 1), 0, 206);
	check_error(s, &r, EINVAL, "another client");
	/* A successful request with NLM_F_ACK: answer, then ack (error 0). */
	init_req(&r, NLDEV(RDMA_NLDEV_CMD_GET), NLM_F_ACK, 207);
	add_attr(&r, RDMA_NLDEV_ATTR_DEV_INDEX, &good, sizeof(good));
	{
		uint8_t buf[4096];
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		ssize_t len;

		send_req(s, &r);
		len = recv_answer(s, buf, sizeof(buf));
		EXPECT(len > 0 && NLMSG_OK(h, len) &&
			       h->nlmsg_type == NLDEV(RDMA_NLDEV_CMD_GET),
		       "acked GET: no answer");
		h = NLMSG_NEXT(h, len);
		EXPECT(NLMSG_OK(h, len) && h->nlmsg_type == NLMSG_ERROR &&
			       ((struct nlmsgerr *)NLMSG_DATA(h))->error == 0,
		       "acked GET: no ack after the answer");
	}
}

static uint32_t bind_and_name(int s)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(me);
	struct sockaddr wrong = { .sa_family = AF_INET };

	EXPECT(bind(s, &wrong, sizeof(wrong)) == -1 && errno == EINVAL,
	       "bind to a non-netlink address: want EINVAL");
	EXPECT(!bind(s, (struct sockaddr *)&me, sizeof(me)), "bind: %s",
	       strerror(errno));
	memset(&me, 0, sizeof(me));
	EXPECT(!getsockname(s, (struct sockaddr *)&me, &len), "getsockname");
	EXPECT(len == sizeof(me) && me.nl_family == AF_NETLINK && me.nl_pid,
	       "getsockname: len %u family %u pid %u", len, me.nl_family,
	       me.nl_pid);
	return me.nl_pid;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl other = { .nl_family = AF_NETLINK, .nl_pid = 42 };
	unsigned int n, i;
	uint32_t port;
	int s;

	if (argc != 2) {
		fprintf(stderr, "usage: %s NDEVICES\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[1], NULL, 0);
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);
	if (s < 0) {
		fprintf(stderr, "FAIL: NETLINK_RDMA socket: %s\n",
			strerror(errno));
		return 1;
	}
	port = bind_and_name(s);
	EXPECT(sendto(s, "x", 1, 0, (struct sockaddr *)&other, sizeof(other)) ==
			       -1 &&
		       errno == ECONNREFUSED,
	       "send to a port nobody has: want ECONNREFUSED");
	check_dump(s, n, port);
	for (i = 0; i < n; i++)
		check_chardev(s, i);
	check_errors(s, n);
	close(s);
	if (test_exit_status())
		return 1;
	printf("PASS: RDMA netlink of %u devices\n", n);
	return 0;
}
