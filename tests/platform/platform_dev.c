// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The emulated /dev/infiniband nodes as a program sees them:
 *   platform_dev nodes N   uverbs0..N-1 exist as char devices whose numbers
 *                          match sysfs; uverbsN and rdma_cm do not; no RDMA
 *                          netlink; ioctls are ENOTTY; fds dup and close.
 *   platform_dev leak      100 open/dup/close rounds (raw and through
 *                          ibv_open_device) leave no fd behind.
 *   platform_dev mmapfail  with --fail mmap:1:EAGAIN the first device mmap
 *                          fails with EAGAIN.
 *   platform_dev fork      a forked child cannot drive its parent's context
 *                          (EIO), may close it without harming the parent,
 *                          and may open the device itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <infiniband/verbs.h>

#include "common/check.h"
#include "common/emu.h"
#include "common/process.h"
#include "common/verbs.h"

static void read_sysfs_dev(unsigned int idx, unsigned int *maj,
			   unsigned int *min)
{
	const char *root = getenv("SYSFS_PATH");
	char path[4096];
	FILE *f;

	CHECK(root, "SYSFS_PATH not set");
	snprintf(path, sizeof(path), "%s/class/infiniband_verbs/uverbs%u/dev",
		 root, idx);
	f = fopen(path, "r");
	CHECK(f, "%s: %s", path, strerror(errno));
	CHECK(fscanf(f, "%u:%u", maj, min) == 2, "bad %s", path);
	fclose(f);
}

static void check_node(unsigned int idx)
{
	unsigned int maj, min;
	char path[64];
	struct stat st, fst;
	int fd, fd2, fd3;

	read_sysfs_dev(idx, &maj, &min);
	snprintf(path, sizeof(path), "/dev/infiniband/uverbs%u", idx);
	CHECK(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	CHECK(S_ISCHR(st.st_mode), "%s is not a char device", path);
	CHECK(major(st.st_rdev) == maj && minor(st.st_rdev) == min,
	      "%s rdev %u:%u, sysfs says %u:%u", path, major(st.st_rdev),
	      minor(st.st_rdev), maj, min);
	CHECK(access(path, R_OK | W_OK) == 0, "access %s", path);

	fd = open(path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(fstat(fd, &fst) == 0 && S_ISCHR(fst.st_mode) &&
		      fst.st_rdev == st.st_rdev,
	      "fstat of %s does not match stat", path);
	/*
	 * The fd takes RDMA_VERBS_IOCTL only, and only on a kernel with the
	 * ioctl uAPI (the default 7.2): there a header that cannot be read
	 * is EFAULT; --kernel old has no ioctl at all.
	 */
	errno = 0;
	CHECK(ioctl(fd, _IOWR(0x1b, 1, char[24]), NULL) == -1 &&
		      errno == (test_emu_kernel_old() ? ENOTTY : EFAULT),
	      "uverbs ioctl: want %s, got %s",
	      test_emu_kernel_old() ? "ENOTTY" : "EFAULT", strerror(errno));
	errno = 0;
	CHECK(ioctl(fd, _IOWR(0x1b, 2, char[24]), NULL) == -1 &&
		      errno == ENOTTY,
	      "other ioctl: want ENOTTY, got %s", strerror(errno));
	/* A dup is the same device file; closing one keeps the other. */
	fd2 = dup(fd);
	CHECK(fd2 >= 0, "dup");
	fd3 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	CHECK(fd3 >= 100, "F_DUPFD_CLOEXEC");
	CHECK(close(fd) == 0, "close");
	CHECK(fstat(fd2, &fst) == 0 && fst.st_rdev == st.st_rdev,
	      "dup'ed fd lost its identity after close of the original");
	CHECK(dup2(fd3, fd2) == fd2, "dup2");
	CHECK(fstat(fd2, &fst) == 0 && fst.st_rdev == st.st_rdev,
	      "dup2'ed fd lost its identity");
	CHECK(close(fd3) == 0 && close(fd2) == 0, "close dups");
	CHECK(fstat(fd2, &fst) == -1 && errno == EBADF, "closed fd alive");
}

/*
 * An fd closed by close_range() must not keep its identity: the next file
 * that gets the same number is an ordinary one.
 */
static void check_close_range(void)
{
	struct stat st;
	int fd, fd2;

	fd = open("/dev/infiniband/uverbs0", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK(close_range(fd, fd, 0) == 0, "close_range: %s", strerror(errno));
	fd2 = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(fd2 == fd, "fd number not reused (%d vs %d)", fd2, fd);
	CHECK(fstat(fd2, &st) == 0 && major(st.st_rdev) == 1,
	      "/dev/null reported as %u:%u", major(st.st_rdev),
	      minor(st.st_rdev));
	close(fd2);
}

static void check_absent(const char *path)
{
	struct stat st;

	errno = 0;
	CHECK(stat(path, &st) == -1 && errno == ENOENT,
	      "%s should not exist (%s)", path, strerror(errno));
	errno = 0;
	CHECK(open(path, O_RDWR) == -1 && errno == ENOENT,
	      "open %s should fail ENOENT (%s)", path, strerror(errno));
}

static bool netlink_refused(void)
{
	const char *v = getenv("IRDMA_EMU_NETLINK");

	return v && !strcmp(v, "0");
}

static void test_nodes(unsigned int n)
{
	char path[64];
	unsigned int i;
	int s;

	for (i = 0; i < n; i++)
		check_node(i);
	check_close_range();
	snprintf(path, sizeof(path), "/dev/infiniband/uverbs%u", n);
	check_absent(path);
	check_absent("/dev/infiniband/rdma_cm");
	check_absent("/dev/infiniband/uverbs00");
	check_absent("/dev/infiniband/issm0");

	/*
	 * The host's RDMA netlink must stay invisible: the emulator answers
	 * it (what it answers: tests/platform/nl_proto.c), or refuses it
	 * with IRDMA_EMU_NETLINK=0.
	 */
	errno = 0;
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);
	if (netlink_refused()) {
		CHECK(s == -1 && errno == EPROTONOSUPPORT,
		      "NETLINK_RDMA socket: want EPROTONOSUPPORT, got %d/%s", s,
		      strerror(errno));
		return;
	}
	CHECK(s >= 0, "NETLINK_RDMA socket: %s", strerror(errno));
	close(s);
}

static void test_leak(void)
{
	struct ibv_device **list;
	struct ibv_context *ctx;
	int before, after, i, num;

	/*
	 * One round first: the emulated device may keep per-process state
	 * (the engine's wakeup eventfd) from its first open on. What must
	 * not grow is the count per open/close.
	 */
	close(open("/dev/infiniband/uverbs0", O_RDWR | O_CLOEXEC));
	before = test_count_fds();
	for (i = 0; i < 100; i++) {
		int fd = open("/dev/infiniband/uverbs0", O_RDWR | O_CLOEXEC);
		int fd2;

		CHECK(fd >= 0, "open round %d: %s", i, strerror(errno));
		fd2 = dup(fd);
		CHECK(fd2 >= 0, "dup round %d", i);
		CHECK(close(fd) == 0 && close(fd2) == 0, "close round %d", i);
	}
	after = test_count_fds();
	CHECK(after == before, "raw open/close leaked %d fds", after - before);

	list = ibv_get_device_list(&num);
	CHECK(list && num >= 1, "no devices");
	ctx = ibv_open_device(list[0]);
	CHECK(ctx, "ibv_open_device: %s", strerror(errno));
	ibv_close_device(ctx);
	before = test_count_fds();
	for (i = 0; i < 100; i++) {
		ctx = ibv_open_device(list[0]);
		CHECK(ctx, "ibv_open_device round %d: %s", i, strerror(errno));
		CHECK(ibv_close_device(ctx) == 0, "ibv_close_device round %d",
		      i);
	}
	after = test_count_fds();
	CHECK(after == before, "ibv_open/close_device leaked %d fds",
	      after - before);
	ibv_free_device_list(list);
}

static void test_mmap_fail(void)
{
	int fd = open("/dev/infiniband/uverbs0", O_RDWR | O_CLOEXEC);
	void *p;

	CHECK(fd >= 0, "open: %s", strerror(errno));
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == EAGAIN,
	      "first device mmap: want EAGAIN, got %p/%s", p, strerror(errno));
	close(fd);
}

static int fork_child(void *arg)
{
	int cmd_fd = *(int *)arg;
	struct ibv_context *ctx;
	char cmd[32] = { 0 };
	struct stat st;

	CHECK(fstat(cmd_fd, &st) == 0 && S_ISCHR(st.st_mode),
	      "child: inherited fd lost its identity");
	errno = 0;
	CHECK(write(cmd_fd, cmd, sizeof(cmd)) == -1 && errno == EIO,
	      "child: write on the parent's context: %s", strerror(errno));
	CHECK(close(cmd_fd) == 0, "child: close");
	ctx = test_open_first_device();
	CHECK(ctx, "child: own open: %s", strerror(errno));
	CHECK(ibv_close_device(ctx) == 0, "child: own close");
	_exit(0);
}

static void test_fork(void)
{
	struct ibv_context *ctx = test_open_first_device();
	struct ibv_pd *pd;
	int status;

	CHECK(ctx, "open: %s", strerror(errno));
	status = test_fork_wait(fork_child, &ctx->cmd_fd);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child failed (status 0x%x)", status);
	/* The child's close did not tear down our context. */
	pd = ibv_alloc_pd(ctx);
	CHECK(pd, "parent: alloc_pd after the child: %s", strerror(errno));
	CHECK(ibv_dealloc_pd(pd) == 0, "dealloc_pd");
	CHECK(ibv_close_device(ctx) == 0, "close");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "nodes")) {
		test_nodes(atoi(argv[2]));
	} else if (argc == 2 && !strcmp(argv[1], "leak")) {
		test_leak();
	} else if (argc == 2 && !strcmp(argv[1], "mmapfail")) {
		test_mmap_fail();
	} else if (argc == 2 && !strcmp(argv[1], "fork")) {
		test_fork();
	} else {
		fprintf(stderr, "usage: %s nodes N | leak | mmapfail | fork\n",
			argv[0]);
		return 2;
	}
	printf("PASS\n");
	return 0;
}
