// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Finding the preloaded emulator's test hooks; see emu.h. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "common/emu.h"

void *test_emu_sym(const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);

	CHECK(p, "%s not found: not running under irdma-emu-run?", name);
	return p;
}

unsigned long test_emu_live_objects(void)
{
	unsigned long (*live)(void);

	*(void **)&live = test_emu_sym("emu_kernel_live_objects");
	return live();
}

/* irdma-emu-run exports the choices it made to the emulator. */
static bool env_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v && !strcmp(v, value);
}

bool test_emu_kernel_old(void)
{
	return env_is("IRDMA_EMU_KERNEL", "old");
}

bool test_emu_va_refused(void)
{
	return !test_emu_kernel_old() && env_is("IRDMA_EMU_CC", "1");
}
