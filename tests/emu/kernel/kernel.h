/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The contract of the kernel model (tests/emu/kernel/): the emulated irdma
 * kernel driver and the uverbs core, handling uverbs commands on top of
 * the object model in objects.h.
 *
 * This header (with objects.h) is what the device engine (device/) and
 * tests may use; what the kernel_*.c files share among themselves is in
 * kernel_priv.h, which nothing outside kernel/ includes. The platform
 * reaches the kernel model through platform.h (emu_kernel_open & co.).
 *
 * Lock order: emu_file.cmd_lock -> emu_device.lock -> engine lock ->
 * emu_file.lock -> kernel-internal leaf locks (accounting, event pipes).
 */
#ifndef IRDMA_EMU_KERNEL_H
#define IRDMA_EMU_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "objects.h"

/* ---- for the engine ---------------------------------------------------- */

/*
 * Queue a completion event for @cq on its completion channel (no-op for a
 * CQ without one). The engine calls this when it writes a CQE to an armed
 * CQ; arming is the engine's business (shadow area).
 */
void emu_kernel_comp_event(struct emu_cq *cq);

/*
 * Queue an async event (IBV_EVENT_* number) for the context. @element is
 * what libibverbs gets back: the user_handle of the QP/CQ/SRQ, or the port
 * number for port events. Events naming a live QP/CQ/SRQ of @f are counted
 * for that object's destroy response (events_reported).
 */
void emu_kernel_async_event(struct emu_file *f, uint64_t element,
			    uint32_t event_type);

/*
 * The kernel's own mapping of push page pair @slot of a context's BAR
 * (kernel_push.c): the WQE window page, then the doorbell page. The engine
 * reads the doorbells and WQEs a QP pushes there.
 */
uint8_t *emu_push_pair(const struct emu_file *f, unsigned int slot);

/* ---- for tests ----------------------------------------------------------- */

/* Live driver objects (all types, all devices) in this process. */
unsigned long emu_kernel_live_objects(void);
/* Live objects of one type (enum emu_obj_type) in this process. */
unsigned long emu_kernel_live_objects_of(enum emu_obj_type type);
/* Print what is still alive to stderr; returns the number of objects. */
unsigned long emu_kernel_leak_report(void);
/*
 * Objects (other than contexts and completion channels) that the last
 * close of a uverbs fd had to destroy because the process did not: leaks
 * too, for IRDMA_EMU_LEAK_CHECK.
 */
unsigned long emu_kernel_reclaimed_objects(void);
/*
 * The rings queues were created on so far (all devices; shadow areas not
 * counted) that the ABI @abi registered: "VA" (plain memory by reg_mr),
 * "write-ext", "dmabuf-mr" or "umem"; 0 for any other name. The exit
 * report's "rings by ABI" line, while the process runs.
 */
unsigned long emu_kernel_rings_by(const char *abi);

#endif /* IRDMA_EMU_KERNEL_H */
