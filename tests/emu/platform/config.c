// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Parsing of the IRDMA_EMU_* environment. Parsed once per process; a bad
 * value is reported on stderr and replaced by the default, because the
 * preload library has no way to fail a process it was injected into.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static bool parse_uint(const char *s, unsigned int lo, unsigned int hi,
		       unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "0")) {
		*out = false;
		return true;
	}
	return false;
}

static bool parse_kernel(const char *s, enum emu_kernel *out)
{
	if (!strcmp(s, "old"))
		*out = EMU_KERNEL_OLD;
	else if (!strcmp(s, "7.2"))
		*out = EMU_KERNEL_7_2;
	else
		return false;
	return true;
}

/* "none", or a comma list of write-ext, dmabuf-mr and umem. */
static bool parse_ring_abis(const char *s, unsigned int *out)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} names[] = {
		{ "write-ext", EMU_RING_ABI_WRITE_EXT },
		{ "dmabuf-mr", EMU_RING_ABI_DMABUF_MR },
		{ "umem", EMU_RING_ABI_UMEM },
	};
	unsigned int abis = 0, i;

	if (!strcmp(s, "none")) {
		*out = 0;
		return true;
	}
	while (*s) {
		size_t len = strcspn(s, ",");

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len &&
			    !strncmp(s, names[i].name, len))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return false;
		abis |= names[i].bit;
		s += len;
		if (*s && !*++s)
			return false; /* a trailing comma */
	}
	if (!abis)
		return false;
	*out = abis;
	return true;
}

static void set_defaults(struct emu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->gen = EMU_DEFAULT_GEN;
	cfg->kernel = EMU_KERNEL_7_2;
	cfg->ring_abis = EMU_RING_ABI_WRITE_EXT;
	cfg->dmabuf_memreg = true;
	cfg->ndevices = 1;
}

int emu_config_from_env(struct emu_config *cfg, char *err, size_t errlen)
{
	const char *v;
	int ret = 0;

	set_defaults(cfg);
	if (errlen)
		err[0] = 0;

#define BAD(name, val)                                                     \
	do {                                                               \
		if (errlen && !err[0])                                     \
			snprintf(err, errlen, "invalid %s=%s", name, val); \
		ret = -EINVAL;                                             \
	} while (0)

	v = getenv(EMU_ENV_GEN);
	if (v && !parse_uint(v, 1, 3, &cfg->gen)) {
		BAD(EMU_ENV_GEN, v);
		cfg->gen = EMU_DEFAULT_GEN;
	}
	v = getenv(EMU_ENV_CC);
	if (v && !parse_bool(v, &cfg->cc))
		BAD(EMU_ENV_CC, v);
	v = getenv(EMU_ENV_KERNEL);
	if (v && !parse_kernel(v, &cfg->kernel))
		BAD(EMU_ENV_KERNEL, v);
	v = getenv(EMU_ENV_RING_ABI);
	if (v && !parse_ring_abis(v, &cfg->ring_abis))
		BAD(EMU_ENV_RING_ABI, v);
	/* the older switch, still honoured: 0 takes write-ext away */
	v = getenv(EMU_ENV_DMABUF_MEMREG);
	if (v && !parse_bool(v, &cfg->dmabuf_memreg))
		BAD(EMU_ENV_DMABUF_MEMREG, v);
	else if (v && !cfg->dmabuf_memreg)
		cfg->ring_abis &= ~(unsigned int)EMU_RING_ABI_WRITE_EXT;
	/* without the ioctl framework only the write-ABI extension exists */
	if (cfg->kernel == EMU_KERNEL_OLD &&
	    (cfg->ring_abis & ~(unsigned int)EMU_RING_ABI_WRITE_EXT)) {
		BAD(EMU_ENV_RING_ABI, "(ioctl ABIs need --kernel 7.2)");
		cfg->ring_abis &= EMU_RING_ABI_WRITE_EXT;
	}
	cfg->dmabuf_memreg = cfg->ring_abis & EMU_RING_ABI_WRITE_EXT;
	v = getenv(EMU_ENV_UCTX_BIT5_FOREIGN);
	if (v && !parse_bool(v, &cfg->uctx_bit5_foreign))
		BAD(EMU_ENV_UCTX_BIT5_FOREIGN, v);
	v = getenv(EMU_ENV_PUSH);
	if (v && !parse_bool(v, &cfg->push))
		BAD(EMU_ENV_PUSH, v);
	v = getenv(EMU_ENV_DEVICES);
	if (v && !parse_uint(v, 1, EMU_MAX_DEVICES, &cfg->ndevices)) {
		BAD(EMU_ENV_DEVICES, v);
		cfg->ndevices = 1;
	}
	v = getenv(EMU_ENV_FABRIC);
	if (v) {
		if (strlen(v) >= sizeof(cfg->fabric))
			BAD(EMU_ENV_FABRIC, v);
		else
			strcpy(cfg->fabric, v);
	}
	v = getenv(EMU_ENV_SYSFS);
	if (v) {
		if (strlen(v) >= sizeof(cfg->sysfs))
			BAD(EMU_ENV_SYSFS, v);
		else
			strcpy(cfg->sysfs, v);
	}
#undef BAD
	return ret;
}

static struct emu_config the_config;
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void load_config(void)
{
	char err[256];

	if (emu_config_from_env(&the_config, err, sizeof(err)))
		fprintf(stderr, "irdma-emu: %s (using the default)\n", err);
}

const struct emu_config *emu_config(void)
{
	pthread_once(&config_once, load_config);
	return &the_config;
}
