// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Event waits of the tests; see events.h. */
#include <poll.h>

#include "common/events.h"
#include "common/process.h"

bool test_fd_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

struct ibv_cq *test_wait_cq_event(struct ibv_comp_channel *ch, int ms)
{
	struct ibv_cq *cq;
	void *cq_ctx;

	if (!test_fd_readable(ch->fd, ms) || ibv_get_cq_event(ch, &cq, &cq_ctx))
		return NULL;
	ibv_ack_cq_events(cq, 1);
	return cq;
}

bool test_wait_async_event(struct ibv_context *ctx, enum ibv_event_type type,
			   int ms)
{
	uint64_t end = test_now_ms() + (uint64_t)ms;
	struct ibv_async_event ev;

	do {
		/* short polls: the deadline is checked between them */
		if (!test_fd_readable(ctx->async_fd, 10) ||
		    ibv_get_async_event(ctx, &ev))
			continue;
		ibv_ack_async_event(&ev);
		if (ev.event_type == type)
			return true;
	} while (test_now_ms() < end);
	return false;
}
