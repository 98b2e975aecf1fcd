// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Fault injection counters. One mutex guards everything: faults are armed
 * rarely and counted once per emulated syscall, so contention is moot and
 * a lock keeps "count, compare, disarm" atomic as one step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fault.h"

struct fault_spec {
	unsigned long at; /* fire when the counter reaches this */
	int err;
	bool armed;
};

struct fault_kind_state {
	unsigned long count;
	struct fault_spec spec[EMU_FAULT_MAX_SPECS];
};

static struct fault_kind_state faults[EMU_FAULT_NR_KINDS];
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fault_env_once = PTHREAD_ONCE_INIT;

/* Keep the lock consistent across fork() (see interpose.c). */
static void fault_prefork(void)
{
	pthread_mutex_lock(&fault_lock);
}

static void fault_postfork(void)
{
	pthread_mutex_unlock(&fault_lock);
}

static void fault_postfork_child(void)
{
	pthread_mutex_init(&fault_lock, NULL);
}

__attribute__((constructor)) static void fault_init(void)
{
	pthread_atfork(fault_prefork, fault_postfork, fault_postfork_child);
}

static const char *const kind_names[EMU_FAULT_NR_KINDS] = {
	[EMU_FAULT_CMD] = "cmd",
	[EMU_FAULT_HEAP] = "heap",
	[EMU_FAULT_MMAP] = "mmap",
};

static const struct {
	const char *name;
	int err;
} errno_names[] = {
	{ "EPERM", EPERM },	      { "ENOENT", ENOENT },
	{ "EINTR", EINTR },	      { "EIO", EIO },
	{ "ENXIO", ENXIO },	      { "E2BIG", E2BIG },
	{ "EBADF", EBADF },	      { "EAGAIN", EAGAIN },
	{ "ENOMEM", ENOMEM },	      { "EACCES", EACCES },
	{ "EFAULT", EFAULT },	      { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST },	      { "ENODEV", ENODEV },
	{ "EINVAL", EINVAL },	      { "ENFILE", ENFILE },
	{ "EMFILE", EMFILE },	      { "ENOSPC", ENOSPC },
	{ "ERANGE", ERANGE },	      { "ENOSYS", ENOSYS },
	{ "ENODATA", ENODATA },	      { "ETIMEDOUT", ETIMEDOUT },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "ENOTSUP", ENOTSUP },
	{ "ECANCELED", ECANCELED },   { "EPROTONOSUPPORT", EPROTONOSUPPORT },
	{ "ENOTTY", ENOTTY },	      { "EOVERFLOW", EOVERFLOW },
};

static int parse_errno(const char *s, size_t len)
{
	unsigned long v;
	char buf[32];
	char *end;
	size_t i;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (!strcmp(buf, errno_names[i].name))
			return errno_names[i].err;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || *end || v == 0 || v > 4095)
		return -1;
	return v;
}

static int arm_locked(enum emu_fault_kind kind, unsigned long n, int err)
{
	struct fault_kind_state *k = &faults[kind];
	int i;

	for (i = 0; i < EMU_FAULT_MAX_SPECS; i++) {
		if (k->spec[i].armed)
			continue;
		k->spec[i].at = k->count + n;
		k->spec[i].err = err;
		k->spec[i].armed = true;
		return 0;
	}
	return -ENOSPC;
}

static int arm(enum emu_fault_kind kind, unsigned long n, int err)
{
	int ret;

	if ((unsigned int)kind >= EMU_FAULT_NR_KINDS || !n || err <= 0)
		return -EINVAL;
	pthread_mutex_lock(&fault_lock);
	ret = arm_locked(kind, n, err);
	pthread_mutex_unlock(&fault_lock);
	return ret;
}

/* One "kind:N:ERRNO" of length @len. */
static int parse_one(const char *s, size_t len)
{
	const char *c1 = memchr(s, ':', len), *c2;
	unsigned long n;
	char *end;
	int kind, err;

	if (!c1)
		return -EINVAL;
	c2 = memchr(c1 + 1, ':', len - (c1 + 1 - s));
	if (!c2)
		return -EINVAL;
	for (kind = 0; kind < EMU_FAULT_NR_KINDS; kind++)
		if (strlen(kind_names[kind]) == (size_t)(c1 - s) &&
		    !strncmp(s, kind_names[kind], c1 - s))
			break;
	if (kind == EMU_FAULT_NR_KINDS)
		return -EINVAL;
	if (c1[1] < '0' || c1[1] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(c1 + 1, &end, 10);
	if (errno || end != c2 || n == 0)
		return -EINVAL;
	err = parse_errno(c2 + 1, len - (c2 + 1 - s));
	if (err < 0)
		return -EINVAL;
	return arm(kind, n, err);
}

static int parse_list(const char *specs)
{
	const char *p = specs;
	int ret;

	/* Every comma separates two specs: no empty ones, none at the end. */
	for (;;) {
		size_t len = strcspn(p, ",");

		ret = parse_one(p, len);
		if (ret)
			return ret;
		p += len;
		if (!*p)
			return 0;
		p++;
	}
}

static void load_env_faults(void)
{
	const char *v = getenv(EMU_ENV_FAIL);

	if (v && *v && parse_list(v))
		fprintf(stderr, "irdma-emu: invalid %s=%s\n", EMU_ENV_FAIL, v);
}

int emu_fault_parse(const char *specs)
{
	pthread_once(&fault_env_once, load_env_faults);
	return parse_list(specs);
}

int emu_fault_set(enum emu_fault_kind kind, unsigned long n, int err)
{
	pthread_once(&fault_env_once, load_env_faults);
	return arm(kind, n, err);
}

void emu_fault_clear(enum emu_fault_kind kind)
{
	if ((unsigned int)kind >= EMU_FAULT_NR_KINDS)
		return;
	pthread_once(&fault_env_once, load_env_faults);
	pthread_mutex_lock(&fault_lock);
	memset(faults[kind].spec, 0, sizeof(faults[kind].spec));
	pthread_mutex_unlock(&fault_lock);
}

int emu_fault_should_fail(enum emu_fault_kind kind)
{
	struct fault_kind_state *k;
	int i, err = 0;

	if ((unsigned int)kind >= EMU_FAULT_NR_KINDS)
		return 0;
	pthread_once(&fault_env_once, load_env_faults);
	k = &faults[kind];
	pthread_mutex_lock(&fault_lock);
	k->count++;
	for (i = 0; i < EMU_FAULT_MAX_SPECS; i++) {
		if (k->spec[i].armed && k->spec[i].at == k->count) {
			k->spec[i].armed = false;
			err = k->spec[i].err;
			break;
		}
	}
	pthread_mutex_unlock(&fault_lock);
	return err;
}
