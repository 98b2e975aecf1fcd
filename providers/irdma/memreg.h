/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/* The one place that builds irdma REG_MR commands (mr.c). */
#ifndef IRDMA_PROVIDER_MEMREG_H
#define IRDMA_PROVIDER_MEMREG_H

#include <stddef.h>
#include <stdint.h>

#include "irdma.h"

/* What to register and how the kernel should see it. */
struct irdma_memreg {
	enum irdma_memreg_type type;
	uint16_t sq_pages;
	uint16_t rq_pages;
	uint16_t cq_pages;
	void *addr; /* process VA (for DMA-buf memory: its alias) */
	size_t length;
	uint64_t iova;
	int access;
	int dmabuf_fd; /* -1: addr names the memory */
	uint64_t dmabuf_offset;
};

/*
 * Issue REG_MR for m on pd into vmr. DMA-buf memory needs the negotiated
 * extension: EOPNOTSUPP (with a debug message) otherwise. Returns 0 or an
 * errno.
 */
int irdma_memreg_cmd(struct ibv_pd *pd, const struct irdma_memreg *m,
		     struct verbs_mr *vmr);

#endif /* IRDMA_PROVIDER_MEMREG_H */
