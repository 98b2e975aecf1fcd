/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/* Waiting for completion-channel and async events with a deadline. */
#ifndef IRDMA_TESTS_COMMON_EVENTS_H
#define IRDMA_TESTS_COMMON_EVENTS_H

#include <stdbool.h>

#include <infiniband/verbs.h>

/* Does @fd have something to read within @ms milliseconds? */
bool test_fd_readable(int fd, int ms);

/*
 * Read one completion event of @ch within @ms and ack it; returns its CQ,
 * or NULL if none came.
 */
struct ibv_cq *test_wait_cq_event(struct ibv_comp_channel *ch, int ms);

/*
 * Read (and ack) async events of @ctx until one of @type arrives; false
 * if none did within @ms milliseconds.
 */
bool test_wait_async_event(struct ibv_context *ctx, enum ibv_event_type type,
			   int ms);

#endif /* IRDMA_TESTS_COMMON_EVENTS_H */
