// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * The device's memory protection: stag (lkey/rkey) look-up in the owning
 * context's MR table, bounds/rights/PD checks, memory-window binding and
 * invalidation, and DMA through SGE lists.
 *
 * MRs are read from the kernel model's lists under emu_file.lock; window
 * bindings are device state and live here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw_priv.h"
#include "platform/platform.h"

static struct hw_mw_bind *binds;

/* What the device needs of a region, copied out under the file lock. */
struct hw_region {
	uint64_t iova; /* start of the range the key covers */
	uint64_t len;
	uint64_t host; /* process address of iova */
	uint32_t access;
	struct emu_pd *pd;
};

static bool find_mr(struct emu_file *f, uint32_t stag, struct hw_region *r)
{
	struct emu_obj *o;
	bool found = false;

	pthread_mutex_lock(&f->lock);
	for (o = f->objs[EMU_OBJ_MR]; o; o = o->next) {
		struct emu_mr *mr = (struct emu_mr *)o;

		if (mr->mr_type != EMU_MR_MEM || mr->lkey != stag)
			continue;
		r->iova = mr->va;
		r->len = mr->length;
		r->host = mr->start;
		r->access = mr->access;
		r->pd = mr->pd;
		found = true;
		break;
	}
	pthread_mutex_unlock(&f->lock);
	return found;
}

/* An existing MW object of @f whose index matches @stag's (key ignored). */
static struct emu_pd *find_mw(struct emu_file *f, uint32_t stag,
			      enum emu_mw_type *type)
{
	struct emu_pd *pd = NULL;
	struct emu_obj *o;

	pthread_mutex_lock(&f->lock);
	for (o = f->objs[EMU_OBJ_MW]; o; o = o->next) {
		struct emu_mw *mw = (struct emu_mw *)o;

		if ((mw->stag >> 8) == (stag >> 8)) {
			pd = mw->pd;
			*type = mw->mw_type;
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return pd;
}

static struct hw_mw_bind *find_bind(struct emu_file *f, uint32_t stag,
				    bool exact)
{
	struct hw_mw_bind *b;

	for (b = binds; b; b = b->next)
		if (b->file == f &&
		    (exact ? b->stag == stag : (b->stag >> 8) == (stag >> 8)))
			return b;
	return NULL;
}

static bool in_range(uint64_t base, uint64_t blen, uint64_t va, uint64_t len)
{
	return va >= base && len <= blen && va - base <= blen - len;
}

int hw_check_sges(struct hw_qp *h, struct hw_sge *sge, uint32_t n,
		  uint32_t need_access)
{
	struct hw_region r;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (!sge[i].len)
			continue;
		if (!find_mr(h->file, sge[i].stag, &r) || r.pd != h->qp->pd ||
		    !in_range(r.iova, r.len, sge[i].va, sge[i].len) ||
		    (r.access & need_access) != need_access)
			return HW_FLUSH_PROT;
		sge[i].va = r.host + (sge[i].va - r.iova);
	}
	return 0;
}

int hw_check_rkey(struct hw_qp *h, uint32_t rkey, uint64_t va, uint64_t len,
		  uint32_t need_access, uint64_t *host)
{
	struct hw_mw_bind *b;
	struct hw_region r;

	if (!len) {
		*host = va;
		return 0;
	}
	b = find_bind(h->file, rkey, true);
	if (b && b->bound) {
		uint64_t base = b->zero_based ? 0 : b->va;

		if (b->pd != h->qp->pd ||
		    (b->type == EMU_MW_TYPE_2 && b->bound_qpn != h->qp->qpn) ||
		    !in_range(base, b->len, va, len) ||
		    (b->access & need_access) != need_access)
			return HW_FLUSH_REM_ACCESS;
		*host = b->host + (va - base);
		return 0;
	}
	if (!find_mr(h->file, rkey, &r) || r.pd != h->qp->pd ||
	    !in_range(r.iova, r.len, va, len) ||
	    (r.access & need_access) != need_access)
		return HW_FLUSH_REM_ACCESS;
	*host = r.host + (va - r.iova);
	return 0;
}

uint64_t hw_sge_total(const struct hw_sge *sge, uint32_t n)
{
	uint64_t t = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		t += sge[i].len;
	return t;
}

/* Walk @len bytes of the list from byte @off; copy in @dir. */
static int sge_copy(const struct hw_sge *sge, uint32_t n, uint64_t off,
		    uint8_t *buf, uint64_t len, bool to_mem)
{
	uint32_t i;

	for (i = 0; i < n && len; i++) {
		uint64_t chunk;
		int ret;

		if (off >= sge[i].len) {
			off -= sge[i].len;
			continue;
		}
		chunk = sge[i].len - off;
		if (chunk > len)
			chunk = len;
		ret = to_mem ? emu_dma_write(sge[i].va + off, buf, chunk) :
			       emu_dma_read(buf, sge[i].va + off, chunk);
		if (ret)
			return ret;
		buf += chunk;
		len -= chunk;
		off = 0;
	}
	return len ? -ERANGE : 0;
}

int hw_sge_read(const struct hw_sge *sge, uint32_t n, uint64_t off, void *buf,
		uint64_t len)
{
	return sge_copy(sge, n, off, buf, len, false);
}

int hw_sge_write(const struct hw_sge *sge, uint32_t n, uint64_t off,
		 const void *buf, uint64_t len)
{
	return sge_copy(sge, n, off, (uint8_t *)buf, len, true);
}

/* Gen 1 keeps the two stags of a bind WQE the other way round. */
static void bind_stags(const struct hw_qp *h, const struct hw_wqe *w,
		       uint32_t *mr_stag, uint32_t *mw_stag)
{
	uint32_t hi = (uint32_t)hwf_get(w->q1, BIND_Q1_HI);
	uint32_t lo = (uint32_t)hwf_get(w->q1, BIND_Q1_LO);

	if (h->dev->gen == EMU_GEN_1) {
		*mw_stag = hi;
		*mr_stag = lo;
	} else {
		*mr_stag = hi;
		*mw_stag = lo;
	}
}

int hw_mw_bind(struct hw_qp *h, const struct hw_wqe *w)
{
	uint32_t mr_stag, mw_stag, rights, access = 0;
	enum emu_mw_type type = EMU_MW_TYPE_1;
	struct hw_mw_bind *b;
	struct hw_region r;
	struct emu_pd *mwpd;
	bool zero_based;
	uint64_t len = w->q2;

	bind_stags(h, w, &mr_stag, &mw_stag);
	rights = (uint32_t)hwf_get(w->hdr, WQE_HDR_STAGRIGHTS);
	zero_based = !hwf_get(w->hdr, WQE_HDR_VABASED);
	if (rights & 0x4)
		access |= HW_ACC_REMOTE_READ;
	if (rights & 0x8)
		access |= HW_ACC_REMOTE_WRITE;
	if (hwf_get(w->hdr, WQE_HDR_ATOMICS_EN))
		access |= HW_ACC_REMOTE_ATOMIC;

	mwpd = find_mw(h->file, mw_stag, &type);
	if (!mwpd || !find_mr(h->file, mr_stag, &r))
		return HW_FLUSH_MW_BIND;
	if (r.pd != h->qp->pd || !(r.access & HW_ACC_MW_BIND) ||
	    (type == EMU_MW_TYPE_2 && mwpd != h->qp->pd) ||
	    !in_range(r.iova, r.len, w->q0, len))
		return HW_FLUSH_MW_BIND;
	/* a window may not grant writes the MR itself does not allow */
	if ((access & HW_ACC_REMOTE_WRITE) && !(r.access & HW_ACC_LOCAL_WRITE))
		return HW_FLUSH_MW_BIND;
	b = find_bind(h->file, mw_stag, false);
	if (b && b->bound && type == EMU_MW_TYPE_2)
		return HW_FLUSH_MW_BIND; /* type 2: invalidate first */
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return HW_FLUSH_FATAL;
		b->file = h->file;
		b->next = binds;
		binds = b;
	}
	b->stag = mw_stag;
	b->type = type;
	b->bound = len != 0 || type == EMU_MW_TYPE_2;
	b->va = w->q0;
	b->len = len;
	b->zero_based = zero_based;
	b->host = r.host + (w->q0 - r.iova);
	b->access = access;
	b->pd = h->qp->pd;
	b->bound_qpn = h->qp->qpn;
	return 0;
}

int hw_stag_invalidate(struct hw_qp *h, uint32_t stag, bool remote)
{
	struct hw_mw_bind *b = find_bind(h->file, stag, true);

	if (!b || !b->bound)
		return remote ? HW_FLUSH_REM_INV_REQ : HW_FLUSH_PROT;
	if (b->type == EMU_MW_TYPE_1)
		return remote ? HW_FLUSH_REM_INV_REQ : HW_FLUSH_PROT;
	b->bound = false;
	return 0;
}

void hw_mw_forget_file(struct emu_file *f)
{
	struct hw_mw_bind **pp = &binds;

	while (*pp) {
		if ((*pp)->file == f) {
			struct hw_mw_bind *b = *pp;

			*pp = b->next;
			free(b);
		} else {
			pp = &(*pp)->next;
		}
	}
}
