/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The hostile device (irdma-emu-run --hostile, IRDMA_EMU_HOSTILE=SEED): in
 * a CoCo guest the device and the host behind it are untrusted and may
 * rewrite shared memory at any time. With it on, the engine mangles some
 * of the CQEs it writes and, from its main loop, injects stale, forged and
 * wrong-polarity CQEs and scribbles on CQ, QP and SRQ shadow areas. The
 * provider must survive all of it; what was injected is printed at exit.
 *
 * Both hooks run with the engine lock held and do nothing when off.
 */
#ifndef IRDMA_EMU_HW_HOSTILE_H
#define IRDMA_EMU_HW_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>

#include "hw_priv.h"

#define EMU_ENV_HOSTILE "IRDMA_EMU_HOSTILE"

/*
 * Called by hw_cq_write() for every CQE: returns @e, or @forged filled
 * with a mangled copy of it (bad WQE index, foreign QP context, absurd
 * length, random status...).
 */
const struct hw_cqe *hw_hostile_cqe(struct hw_cq *c, const struct hw_cqe *e,
				    struct hw_cqe *forged);
/*
 * Called once per engine loop: now and then injects a CQE into one of
 * @cqs or scribbles on a shadow area of @cqs / @qps. Mischief is not work:
 * it must not keep the engine from napping.
 */
void hw_hostile_tick(struct hw_qp *qps, struct hw_cq *cqs, uint64_t now);

/*
 * For tests (dlsym): CQEs injected or mangled so far, 0 when off. Read it
 * once the device is idle (it is not synchronised with the engine).
 */
unsigned long emu_hw_hostile_injected(void);

#endif /* IRDMA_EMU_HW_HOSTILE_H */
