// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Helpers shared by the reliability tests; see rel_util.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "common/emu.h"
#include "common/process.h"
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

void rel_need_emulator(void)
{
	if (hooks.fault_set)
		return;
	*(void **)&hooks.fault_clear = test_emu_sym("emu_fault_clear");
	*(void **)&hooks.live_objects = test_emu_sym("emu_kernel_live_objects");
	*(void **)&hooks.heap_buffers = test_emu_sym("emu_heap_live_buffers");
	*(void **)&hooks.heap_mappings = test_emu_sym("emu_heap_live_mappings");
	*(void **)&hooks.fault_set = test_emu_sym("emu_fault_set");
}

void rel_fault_arm(enum rel_fault_kind kind, unsigned long n, int err)
{
	rel_need_emulator();
	CHECK(hooks.fault_set(kind, n, err) == 0, "arming fault %d:%lu", kind,
	      n);
}

void rel_fault_clear_all(void)
{
	rel_need_emulator();
	hooks.fault_clear(REL_FAULT_CMD);
	hooks.fault_clear(REL_FAULT_HEAP);
	hooks.fault_clear(REL_FAULT_MMAP);
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
	s->fds = test_count_fds();
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

int rel_rc_connect(struct ibv_qp *qp, uint32_t remote_qpn,
		   const union ibv_gid *gid)
{
	struct test_rc_peer peer =
		TEST_RC_PEER(remote_qpn, *gid,
			     IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				     IBV_ACCESS_REMOTE_READ);

	return test_rc_to_rts(qp, &peer);
}
