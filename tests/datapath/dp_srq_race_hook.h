/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Forced into every source file of dp_srq_race (poll.c included): after
 * each successful compare-and-swap the test gets control, so it can hold
 * the thread there the way a preemption at that instruction would.
 */
#ifndef IRDMA_TESTS_DP_SRQ_RACE_HOOK_H
#define IRDMA_TESTS_DP_SRQ_RACE_HOOK_H

#include <stdbool.h>

/* Called with the address a compare-and-swap has just changed. */
void dp_srq_race_swapped(const void *addr);

/* The name inside the expansion is the compiler's builtin again. */
#define __atomic_compare_exchange_n(p, e, d, weak, s, f)                  \
	({                                                                 \
		bool swapped_ = __atomic_compare_exchange_n(p, e, d, weak, s, \
							    f);           \
		if (swapped_)                                              \
			dp_srq_race_swapped(p);                            \
		swapped_;                                                  \
	})

#endif /* IRDMA_TESTS_DP_SRQ_RACE_HOOK_H */
