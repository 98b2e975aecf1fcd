/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/* Control-path verbs of the provider (device, PD, MR, buffers). */
#ifndef IRDMA_PROVIDER_VERBS_CTL_H
#define IRDMA_PROVIDER_VERBS_CTL_H

#include "irdma.h"

/* main.c */
void irdma_free_context(struct ibv_context *ibctx);

/* device.c */
int irdma_query_device_ex(struct ibv_context *context,
			  const struct ibv_query_device_ex_input *input,
			  struct ibv_device_attr_ex *attr, size_t attr_size);
int irdma_query_port(struct ibv_context *context, uint8_t port,
		     struct ibv_port_attr *attr);

/* pd.c */
struct irdma_pd *irdma_create_pd(struct ibv_context *context);
int irdma_destroy_pd(struct irdma_pd *pd);
struct ibv_pd *irdma_alloc_pd(struct ibv_context *context);
int irdma_dealloc_pd(struct ibv_pd *pd);
struct ibv_pd *
irdma_alloc_parent_domain(struct ibv_context *context,
			  struct ibv_parent_domain_init_attr *attr);

/* mr.c */
struct ibv_mr *irdma_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			    uint64_t hca_va, int access);
struct ibv_mr *irdma_reg_dmabuf_mr(struct ibv_pd *pd, uint64_t offset,
				   size_t length, uint64_t iova, int fd,
				   int access);
struct ibv_mr *irdma_reg_mr_ex(struct ibv_pd *pd,
			       struct ibv_mr_init_attr *attr);
int irdma_rereg_mr(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
		   void *addr, size_t length, int access);
int irdma_dereg_mr(struct verbs_mr *vmr);

/* buf.c */
void *irdma_alloc_buf(struct ibv_pd *pd, size_t size, struct ibv_buf **buf);
void irdma_free_buf(struct ibv_buf *buf);

#endif /* IRDMA_PROVIDER_VERBS_CTL_H */
