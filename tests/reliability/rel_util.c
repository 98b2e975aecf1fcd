// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Helpers shared by the reliability tests; see rel_util.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "rel_util.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define REL_HAVE_VALGRIND 1
#endif
#endif

/*
 * Under valgrind or a sanitizer the mapping count moves with the tool's own
 * allocator and bookkeeping; mappings are checked in the plain runs.
 */
static bool maps_are_ours(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return false;
#elif defined(REL_HAVE_VALGRIND)
	return !RUNNING_ON_VALGRIND;
#else
	return true;
#endif
}

struct emu_hooks {
	int (*fault_set)(int kind, unsigned long n, int err);
	void (*fault_clear)(int kind);
	unsigned long (*live_objects)(void);
	size_t (*heap_buffers)(void);
	size_t (*heap_mappings)(void);
};

static struct emu_hooks hooks;

static void *need_sym(const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);

	CHECK(p, "not running under irdma-emu-run: %s", dlerror());
	return p;
}

void rel_need_emulator(void)
{
	if (hooks.fault_set)
		return;
	*(void **)&hooks.fault_clear = need_sym("emu_fault_clear");
	*(void **)&hooks.live_objects = need_sym("emu_kernel_live_objects");
	*(void **)&hooks.heap_buffers = need_sym("emu_heap_live_buffers");
	*(void **)&hooks.heap_mappings = need_sym("emu_heap_live_mappings");
	*(void **)&hooks.fault_set = need_sym("emu_fault_set");
}

void rel_fault_arm(enum rel_fault_kind kind, unsigned long n, int err)
{
	rel_need_emulator();
	CHECK(hooks.fault_set(kind, n, err) == 0, "arming fault %d:%lu",
		  kind, n);
}

void rel_fault_clear_all(void)
{
	rel_need_emulator();
	hooks.fault_clear(REL_FAULT_CMD);
	hooks.fault_clear(REL_FAULT_HEAP);
	hooks.fault_clear(REL_FAULT_MMAP);
}

static unsigned long count_fds(void)
{
	unsigned long n = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");

	CHECK(dir, "opendir /proc/self/fd: %m");
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1; /* the directory's own fd */
}

static unsigned long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long n = 0;
	int c;

	CHECK(f, "fopen /proc/self/maps: %m");
	while ((c = getc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

void rel_snapshot(struct rel_snapshot *s)
{
	rel_need_emulator();
	s->fds = count_fds();
	s->maps = maps_are_ours() ? count_maps() : 0;
	s->kobjs = hooks.live_objects();
	s->heap_bufs = hooks.heap_buffers();
	s->heap_maps = hooks.heap_mappings();
}

static bool same(const char *what, const char *field, unsigned long a,
		 unsigned long b)
{
	if (a == b)
		return true;
	fprintf(stderr, "%s: %s %lu before, %lu after\n", what, field, a, b);
	return false;
}

bool rel_snapshot_same(const struct rel_snapshot *before,
		       const struct rel_snapshot *after, const char *what)
{
	bool ok = true;

	ok &= same(what, "open fds", before->fds, after->fds);
	ok &= same(what, "mappings", before->maps, after->maps);
	ok &= same(what, "kernel objects", before->kobjs, after->kobjs);
	ok &= same(what, "heap buffers", before->heap_bufs, after->heap_bufs);
	ok &= same(what, "heap mappings", before->heap_maps, after->heap_maps);
	return ok;
}

struct ibv_context *rel_open_first(void)
{
	struct ibv_device **list;
	struct ibv_context *ctx;
	int n, err;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	if (n < 1) {
		ibv_free_device_list(list);
		errno = ENODEV;
		return NULL;
	}
	ctx = ibv_open_device(list[0]);
	err = errno;
	ibv_free_device_list(list);
	errno = err;
	return ctx;
}

int rel_rc_connect(struct ibv_qp *qp, uint32_t remote_qpn,
		   const union ibv_gid *gid)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
				   IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ,
	};
	int ret;

	ret = ibv_modify_qp(qp, &a,
			    IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
				    IBV_QP_ACCESS_FLAGS);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = remote_qpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = *gid;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	ret = ibv_modify_qp(qp, &a,
			    IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
				    IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
				    IBV_QP_MAX_DEST_RD_ATOMIC |
				    IBV_QP_MIN_RNR_TIMER);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(qp, &a,
			     IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
				     IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
				     IBV_QP_MAX_QP_RD_ATOMIC);
}

uint64_t rel_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
