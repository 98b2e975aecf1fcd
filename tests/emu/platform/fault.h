/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Fault injection: make the Nth operation of a kind fail with a chosen
 * errno, to drive error paths that a healthy emulator never takes.
 *
 * Specs come from IRDMA_EMU_FAIL (irdma-emu-run --fail), a comma-separated
 * list of KIND:N:ERRNO, e.g. "cmd:3:ENOMEM,mmap:1:EAGAIN". N counts from 1
 * per process; ERRNO is a number or a name like ENOMEM. Each spec fires
 * once. Tests running under the emulator may also arm faults directly.
 */
#ifndef IRDMA_EMU_FAULT_H
#define IRDMA_EMU_FAULT_H

#include <stddef.h>

#include "platform.h"

/* Max specs armed per kind at once. */
#define EMU_FAULT_MAX_SPECS 8

/*
 * Arm: the @n-th operation of @kind from now on (n >= 1, counted from this
 * call) fails with @err. Returns 0, -EINVAL or -ENOSPC.
 */
int emu_fault_set(enum emu_fault_kind kind, unsigned long n, int err);
/* Disarm every spec of @kind. */
void emu_fault_clear(enum emu_fault_kind kind);
/*
 * Parse a spec list and arm it. Returns 0 or -EINVAL (nothing armed from
 * the bad spec on; the ones before it stay armed).
 */
int emu_fault_parse(const char *specs);

#endif /* IRDMA_EMU_FAULT_H */
