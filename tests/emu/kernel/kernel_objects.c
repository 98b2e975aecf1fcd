// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Driver object bookkeeping: uverbs handles (one space per file), hardware
 * ids (per device and type), and the live-object accounting behind the
 * leak report.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_priv.h"
#include "platform/platform.h"

static const char *const type_names[EMU_OBJ_TYPE_COUNT] = {
	[EMU_OBJ_PD] = "PD",
	[EMU_OBJ_MR] = "MR",
	[EMU_OBJ_MW] = "MW",
	[EMU_OBJ_CQ] = "CQ",
	[EMU_OBJ_QP] = "QP",
	[EMU_OBJ_SRQ] = "SRQ",
	[EMU_OBJ_AH] = "AH",
	[EMU_OBJ_COMP_CHANNEL] = "completion channel",
	[EMU_OBJ_CONTEXT] = "context",
};

/* live[device][type], updated atomically */
static unsigned long live[EMU_MAX_DEVICES][EMU_OBJ_TYPE_COUNT];
/* objects the final close of a uverbs fd had to destroy */
static unsigned long reclaimed;

static uint32_t type_limit(const struct emu_device *dev, enum emu_obj_type type)
{
	switch (type) {
	case EMU_OBJ_PD:
		return dev->lim.max_pd;
	case EMU_OBJ_MR:
		return dev->lim.max_mr;
	case EMU_OBJ_MW:
		return dev->lim.max_mw;
	case EMU_OBJ_CQ:
		return dev->lim.max_cq;
	case EMU_OBJ_QP:
		return dev->lim.max_qp;
	case EMU_OBJ_SRQ:
		return dev->lim.max_srq;
	case EMU_OBJ_AH:
		return dev->lim.max_ah;
	default:
		return UINT32_MAX;
	}
}

/*
 * Make room for one more handle. Commands on a file run one at a time, so
 * a slot reserved here is still free when the object is published.
 */
static int reserve_handle(struct emu_file *f)
{
	uint32_t n = f->nhandles;
	struct emu_obj **t;

	if (f->nlive < n)
		return 0;
	n = n ? 2 * n : 16;
	t = realloc(f->handles, n * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t + f->nhandles, 0, (n - f->nhandles) * sizeof(*t));
	pthread_mutex_lock(&f->lock);
	f->handles = t;
	f->nhandles = n;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

void *emu_obj_alloc(struct emu_file *f, enum emu_obj_type type, size_t size)
{
	unsigned long *count = &live[f->dev->index][type];
	struct emu_obj *obj;

	/* irdma_alloc_rsrc() says -EOVERFLOW when a resource runs out */
	if (__atomic_add_fetch(count, 1, __ATOMIC_RELAXED) >
	    type_limit(f->dev, type)) {
		__atomic_sub_fetch(count, 1, __ATOMIC_RELAXED);
		errno = EOVERFLOW;
		return NULL;
	}
	obj = reserve_handle(f) ? NULL : calloc(1, size);
	if (!obj) {
		__atomic_sub_fetch(count, 1, __ATOMIC_RELAXED);
		errno = ENOMEM;
		return NULL;
	}
	obj->type = type;
	obj->file = f;
	return obj;
}

void emu_obj_publish(struct emu_obj *obj)
{
	struct emu_file *f = obj->file;
	enum emu_obj_type type = obj->type;
	uint32_t n = f->nhandles;
	uint32_t h = f->next_handle;
	uint32_t i;

	pthread_mutex_lock(&f->lock);
	/* emu_obj_alloc reserved a free slot; like an IDR, reuse handles */
	for (i = 0; i < n; i++, h = (h + 1) % n)
		if (!f->handles[h % n])
			break;
	h %= n;
	obj->handle = h ^ f->handle_key;
	f->handles[h] = obj;
	f->next_handle = h + 1;
	f->nlive++;
	obj->prev = NULL;
	obj->next = f->objs[type];
	if (obj->next)
		obj->next->prev = obj;
	f->objs[type] = obj;
	pthread_mutex_unlock(&f->lock);
}

void emu_obj_unpublish(struct emu_obj *obj)
{
	struct emu_file *f = obj->file;
	enum emu_obj_type type = obj->type;
	uint32_t slot = obj->handle ^ f->handle_key;

	pthread_mutex_lock(&f->lock);
	if (slot < f->nhandles && f->handles[slot] == obj) {
		f->handles[slot] = NULL;
		f->nlive--;
		if (obj->prev)
			obj->prev->next = obj->next;
		else
			f->objs[type] = obj->next;
		if (obj->next)
			obj->next->prev = obj->prev;
	}
	obj->next = obj->prev = NULL;
	pthread_mutex_unlock(&f->lock);
}

void emu_obj_tables_init(struct emu_file *f)
{
	static uint32_t files;
	uint32_t serial = __atomic_add_fetch(&files, 1, __ATOMIC_RELAXED);

	/* distinct high halves for 65536 files in a row; slots stay low */
	f->handle_key = ((serial * 0x9e37U) & 0xffffU) << 16;
}

void emu_obj_tables_free(struct emu_file *f)
{
	free(f->handles);
	f->handles = NULL;
	f->nhandles = 0;
}

void emu_obj_account(struct emu_device *dev, enum emu_obj_type type, int delta)
{
	if (delta > 0)
		__atomic_add_fetch(&live[dev->index][type], delta,
				   __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&live[dev->index][type], -delta,
				   __ATOMIC_RELAXED);
}

void emu_obj_free(struct emu_obj *obj)
{
	if (!obj)
		return;
	__atomic_sub_fetch(&live[obj->file->dev->index][obj->type], 1,
			   __ATOMIC_RELAXED);
	free(obj);
}

struct emu_obj *emu_obj_lookup(struct emu_file *f, enum emu_obj_type type,
			       uint32_t handle)
{
	struct emu_obj *obj;
	int ret = emu_obj_find(f, type, handle, &obj);

	return ret ? NULL : obj;
}

int emu_obj_find(struct emu_file *f, enum emu_obj_type type, uint32_t handle,
		 struct emu_obj **out)
{
	struct emu_obj *obj;

	pthread_mutex_lock(&f->lock);
	handle ^= f->handle_key;
	obj = handle < f->nhandles ? f->handles[handle] : NULL;
	pthread_mutex_unlock(&f->lock);
	*out = obj && obj->type == type ? obj : NULL;
	if (!obj)
		return -ENOENT;
	return *out ? 0 : -EINVAL;
}

void *emu_obj_get(struct emu_file *f, enum emu_obj_type type, uint32_t handle)
{
	struct emu_obj *obj = emu_obj_lookup(f, type, handle);

	if (obj)
		obj->users++;
	return obj;
}

void emu_obj_put(void *obj)
{
	struct emu_obj *held = obj;

	if (held)
		held->users--;
}

/* ---- hardware ids ---------------------------------------------------- */

struct id_space {
	uint64_t *bits;
	uint32_t size;
	uint32_t hint;
};

static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;
static struct id_space ids[EMU_MAX_DEVICES][EMU_OBJ_TYPE_COUNT];

/* Id 0 is never handed out: irdma keeps PD 0, CQ 0 and stag 0 itself. */
#define EMU_FIRST_ID 1U

static int id_space_init(struct id_space *s, uint32_t size)
{
	s->bits = calloc((size + 63) / 64, sizeof(*s->bits));
	if (!s->bits)
		return -ENOMEM;
	s->size = size;
	return 0;
}

int emu_id_alloc(struct emu_device *dev, enum emu_obj_type type, uint32_t *id)
{
	struct id_space *s = &ids[dev->index][type];
	uint32_t limit = type_limit(dev, type);
	uint32_t n, i;
	int ret = -EOVERFLOW;

	/* stag indices are 24 bits; everything else fits its limit */
	if (limit > (1U << 24) - 1)
		limit = (1U << 24) - 1;
	pthread_mutex_lock(&ids_lock);
	if (!s->bits && id_space_init(s, limit + EMU_FIRST_ID)) {
		ret = -ENOMEM;
		goto out;
	}
	for (n = 0; n < s->size; n++) {
		i = (s->hint + n) % s->size;
		if (i < EMU_FIRST_ID)
			continue;
		if (s->bits[i / 64] & (1ULL << (i % 64)))
			continue;
		s->bits[i / 64] |= 1ULL << (i % 64);
		s->hint = i + 1;
		*id = i;
		ret = 0;
		break;
	}
out:
	pthread_mutex_unlock(&ids_lock);
	return ret;
}

void emu_id_free(struct emu_device *dev, enum emu_obj_type type, uint32_t id)
{
	struct id_space *s = &ids[dev->index][type];

	pthread_mutex_lock(&ids_lock);
	if (s->bits && id < s->size)
		s->bits[id / 64] &= ~(1ULL << (id % 64));
	pthread_mutex_unlock(&ids_lock);
}

/* ---- accounting ------------------------------------------------------- */

unsigned long emu_kernel_live_objects_of(enum emu_obj_type type)
{
	unsigned long n = 0;
	unsigned int d;

	if ((unsigned int)type >= EMU_OBJ_TYPE_COUNT)
		return 0;
	for (d = 0; d < EMU_MAX_DEVICES; d++)
		n += __atomic_load_n(&live[d][type], __ATOMIC_RELAXED);
	return n;
}

unsigned long emu_kernel_live_objects(void)
{
	unsigned long n = 0;
	unsigned int t;

	/*
	 * Completion channels are files of their own that libibverbs never
	 * destroys explicitly (it just closes the fd): not a leak.
	 */
	for (t = 0; t < EMU_OBJ_TYPE_COUNT; t++)
		if (t != EMU_OBJ_COMP_CHANNEL)
			n += emu_kernel_live_objects_of(t);
	return n;
}

unsigned long emu_kernel_leak_report(void)
{
	unsigned long total = 0;
	unsigned int d, t;

	for (d = 0; d < EMU_MAX_DEVICES; d++) {
		for (t = 0; t < EMU_OBJ_TYPE_COUNT; t++) {
			unsigned long n =
				__atomic_load_n(&live[d][t], __ATOMIC_RELAXED);

			if (!n || t == EMU_OBJ_COMP_CHANNEL)
				continue;
			fprintf(stderr,
				"irdma-emu: leak: %lu %s object(s) still alive on uverbs%u (pid %d)\n",
				n, type_names[t], d, (int)getpid());
			total += n;
		}
	}
	return total;
}

void emu_kernel_note_reclaimed(const struct emu_device *dev,
			       enum emu_obj_type type, unsigned long n)
{
	/* completion channels are closed, not destroyed, by libibverbs */
	if (!n || type == EMU_OBJ_COMP_CHANNEL || type == EMU_OBJ_CONTEXT)
		return;
	fprintf(stderr,
		"irdma-emu: leak: %lu %s object(s) reclaimed at close of uverbs%u (pid %d)\n",
		n, type_names[type], dev->index, (int)getpid());
	__atomic_add_fetch(&reclaimed, n, __ATOMIC_RELAXED);
}

unsigned long emu_kernel_reclaimed_objects(void)
{
	return __atomic_load_n(&reclaimed, __ATOMIC_RELAXED);
}

/*
 * At exit, whatever the process never destroyed (nor closed the device
 * for) is a leak, and so is what only the close of the device reclaimed.
 * With IRDMA_EMU_LEAK_CHECK=1 either fails the process, and so does a
 * push protocol error (emu_push_violations()).
 */
__attribute__((destructor)) static void kernel_leak_check_at_exit(void)
{
	const char *check = getenv("IRDMA_EMU_LEAK_CHECK");
	unsigned long leaked;

	emu_kernel_report_at_exit();
	leaked = emu_kernel_leak_report();

	leaked += emu_kernel_reclaimed_objects();
	/* a provider that misuses push pages fails the same way */
	leaked += emu_push_violations();
	if (!leaked)
		return;
	if (check && !strcmp(check, "1")) {
		fflush(stderr);
		_exit(3);
	}
}

/*
 * A forked child starts with no open device files of its own (the
 * platform cuts inherited uverbs fds off): nothing of the parent's
 * accounting or id spaces is its business.
 */
static void kernel_objects_forget_after_fork(void)
{
	unsigned int d, t;

	memset(live, 0, sizeof(live));
	reclaimed = 0;
	for (d = 0; d < EMU_MAX_DEVICES; d++)
		for (t = 0; t < EMU_OBJ_TYPE_COUNT; t++) {
			free(ids[d][t].bits);
			ids[d][t] = (struct id_space){ 0 };
		}
	pthread_mutex_init(&ids_lock, NULL);
}

__attribute__((constructor)) static void kernel_objects_init(void)
{
	pthread_atfork(NULL, NULL, kernel_objects_forget_after_fork);
}
