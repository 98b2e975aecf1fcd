/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Object model of the emulated irdma kernel driver.
 *
 * The kernel model (kernel_*.c) creates and destroys these objects in
 * response to uverbs commands; the device engine (hw_*.c) reads them and
 * keeps its own per-object state behind the `hw` pointers. Ownership rules:
 *
 *  - every object belongs to exactly one emu_file (the uverbs context) and
 *    lives on that file's list for its type, under emu_file.lock;
 *  - an object is only freed after the engine's detach hook returned, so
 *    the engine may use the object (not its user memory) until then;
 *  - fields the engine may read while the object is live are written only
 *    at creation or, for modify, under emu_device.lock with the engine
 *    notified through its modify hook.
 *
 * Addresses called "va" are user virtual addresses of the process; the
 * device reaches them only through emu_dma_* (platform.h).
 */
#ifndef IRDMA_EMU_OBJECTS_H
#define IRDMA_EMU_OBJECTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct emu_dmabuf;

/* Hardware generation, the values irdma reports as hw_rev. */
enum emu_gen {
	EMU_GEN_1 = 1, /* X722 (i40iw) */
	EMU_GEN_2 = 2, /* E810 */
	EMU_GEN_3 = 3, /* SRQ-capable, WQE format v2 */
};

/* Limits and capabilities of one generation (kernel_device.c fills it). */
struct emu_limits {
	uint32_t max_qp;
	uint32_t max_cq;
	uint32_t max_pd;
	uint32_t max_mr;
	uint32_t max_mw;
	uint32_t max_ah;
	uint32_t max_srq;
	uint32_t max_qp_wr; /* WQEs per SQ/RQ visible to verbs */
	uint32_t max_srq_wr;
	uint32_t max_cqe;
	uint32_t max_sge; /* max_hw_wq_frags */
	uint32_t max_sge_rd; /* max_hw_read_sges */
	uint32_t max_inline;
	uint32_t max_rq_quanta;
	uint32_t max_wq_quanta;
	uint32_t max_srq_quanta;
	uint32_t min_cq_size;
	uint32_t max_cq_size;
	uint32_t min_wq_size; /* in quanta */
	uint16_t max_sq_chunk;
	uint64_t max_mr_size;
	uint64_t page_size_cap;
	uint32_t max_qp_rd_atom;
	uint32_t max_qp_init_rd_atom;
	uint32_t gid_tbl_len;
	uint32_t pkey_tbl_len;
	uint64_t feature_flags; /* EMU_FEATURE_* reported to the provider */
};

/* irdma feature_flags bits (provider defs.h / kernel irdma.h). */
#define EMU_FEATURE_RTS_AE (1ULL << 0)
#define EMU_FEATURE_CQ_RESIZE (1ULL << 1)
#define EMU_FEATURE_64_BYTE_CQE (1ULL << 5)
#define EMU_FEATURE_ATOMIC_OPS (1ULL << 6)
#define EMU_FEATURE_SRQ (1ULL << 7)
#define EMU_FEATURE_CQE_TIMESTAMPING (1ULL << 8)

#define EMU_MAX_GIDS 4
#define EMU_GID_LEN 16
/* push page pairs one context can hand out (kernel_push.c) */
#define EMU_PUSH_PAIRS 64u

/* One emulated irdma device (uverbs<index>). */
struct emu_device {
	unsigned int index;
	enum emu_gen gen;
	struct emu_limits lim;
	uint8_t mac[6];
	uint64_t node_guid;
	uint32_t ngids;
	uint8_t gids[EMU_MAX_GIDS][EMU_GID_LEN];
	/*
	 * Serialises state shared by all contexts of the device: object id
	 * allocation, QP/CQ/SRQ state transitions seen by the engine.
	 */
	pthread_mutex_t lock;
	void *hw; /* engine-private */
};

/* Object types, also the index of the per-type accounting counters. */
enum emu_obj_type {
	EMU_OBJ_PD,
	EMU_OBJ_MR,
	EMU_OBJ_MW,
	EMU_OBJ_CQ,
	EMU_OBJ_QP,
	EMU_OBJ_SRQ,
	EMU_OBJ_AH,
	EMU_OBJ_COMP_CHANNEL,
	EMU_OBJ_CONTEXT,
	EMU_OBJ_TYPE_COUNT
};

/* Common header of every object a uverbs handle names. */
struct emu_obj {
	enum emu_obj_type type;
	uint32_t handle; /* uverbs handle, unique per file and type */
	uint64_t user_handle; /* opaque cookie echoed in async events */
	struct emu_file *file;
	struct emu_obj *next; /* file's list of this type */
	struct emu_obj *prev;
	/* its destroy command failed (fault injection): close reclaims it */
	bool destroy_failed;
	/*
	 * Objects holding this one (emu_obj_get): MRs, MWs, AHs, QPs and SRQs
	 * hold their PD, QPs their CQs and SRQ, CQs their channel.
	 */
	unsigned int users;
};

struct emu_pd {
	struct emu_obj obj;
	uint32_t pd_id;
};

/* irdma reg_mr types (enum irdma_memreg_type). */
enum emu_mr_type {
	EMU_MR_MEM = 0,
	EMU_MR_QP = 1,
	EMU_MR_CQ = 2,
	EMU_MR_SRQ = 3,
};

struct emu_mr {
	struct emu_obj obj;
	enum emu_mr_type mr_type;
	uint32_t lkey; /* irdma: lkey == rkey == stag */
	uint32_t rkey;
	uint64_t va; /* ibv address the keys cover */
	uint64_t length;
	uint64_t start; /* process VA of the registered memory */
	uint32_t access; /* IB_UVERBS_ACCESS_* */
	struct emu_pd *pd;
	/* ring registrations: pages the provider declared per ring */
	uint32_t sq_pages;
	uint32_t rq_pages;
	uint32_t cq_pages;
	/* DMA-buf ring ABI that made it (enum emu_ring_abi), 0: reg_mr */
	unsigned int ring_abi;
	bool ring_in_use; /* a QP/CQ/SRQ consumed this ring reg */
	bool ring_held; /* ... and still uses it */
	bool deregistered; /* handle gone; freed when no longer held */
	/* DMA-buf backing (extended reg_mr); otherwise plain user VA */
	bool dmabuf;
	struct emu_dmabuf *dmabuf_ref; /* the reference the driver holds */
	void *dmabuf_kva; /* where the emulator sees the DMA-buf */
	uint64_t dmabuf_offset;
	uint64_t dmabuf_size;
	unsigned int mw_binds; /* MWs bound to this MR */
};

enum emu_mw_type {
	EMU_MW_TYPE_1 = 1,
	EMU_MW_TYPE_2 = 2,
};

struct emu_mw {
	struct emu_obj obj;
	uint32_t stag;
	enum emu_mw_type mw_type;
	struct emu_pd *pd;
};

/* A completion channel: a pipe libibverbs read()s comp events from. */
struct emu_comp_channel {
	struct emu_obj obj;
	int rfd; /* our dup of the read end the process got */
	int wfd; /* kernel side */
};

struct emu_cq {
	struct emu_obj obj;
	uint32_t cq_id;
	uint64_t ring_va; /* CQE ring */
	uint32_t ring_entries; /* CQEs in the ring */
	uint64_t shadow_va; /* CQ shadow area (doorbell/arm words) */
	uint32_t cqe_size; /* 32 (gen 1/2) or 64 bytes */
	struct emu_mr *ring_mr; /* the CQ-type reg_mr covering the ring */
	struct emu_mr *shadow_mr; /* separate shadow registration (resize) */
	struct emu_comp_channel *channel;
	uint32_t comp_vector;
	uint32_t create_flags; /* IB_UVERBS_CQ_FLAGS_* (timestamps, gen 3) */
	bool armed;
	bool arm_solicited_only;
	uint32_t comp_events_reported;
	uint32_t async_events_reported;
	void *hw; /* engine-private */
};

enum emu_qp_type {
	EMU_QPT_RC = 2, /* IB_UVERBS_QPT_RC */
	EMU_QPT_UD = 4, /* IB_UVERBS_QPT_UD */
};

/* IB QP states, numbered as enum ib_uverbs_qp_state. */
enum emu_qp_state {
	EMU_QPS_RESET = 0,
	EMU_QPS_INIT = 1,
	EMU_QPS_RTR = 2,
	EMU_QPS_RTS = 3,
	EMU_QPS_SQD = 4,
	EMU_QPS_SQE = 5,
	EMU_QPS_ERR = 6,
};

/* Address vector as modify_qp / create_ah give it (RoCE: GRH mandatory). */
struct emu_ah_attr {
	uint8_t dgid[EMU_GID_LEN];
	uint32_t flow_label;
	uint8_t sgid_index;
	uint8_t hop_limit;
	uint8_t traffic_class;
	uint16_t dlid;
	uint8_t sl;
	uint8_t src_path_bits;
	uint8_t static_rate;
	uint8_t is_global;
	uint8_t port_num;
};

/* Everything modify_qp can set; `mask` says which were ever set. */
struct emu_qp_attr {
	uint32_t mask; /* IB_UVERBS_QP_ATTR_* style mask, cumulative */
	enum emu_qp_state state;
	uint32_t path_mtu; /* IBV_MTU_* enum value */
	uint32_t qkey;
	uint32_t rq_psn;
	uint32_t sq_psn;
	uint32_t dest_qpn;
	uint32_t access_flags;
	uint16_t pkey_index;
	uint8_t port_num;
	uint8_t en_sqd_async_notify;
	uint8_t max_rd_atomic;
	uint8_t max_dest_rd_atomic;
	uint8_t min_rnr_timer;
	uint8_t timeout;
	uint8_t retry_cnt;
	uint8_t rnr_retry;
	struct emu_ah_attr ah;
};

struct emu_srq;

struct emu_qp {
	struct emu_obj obj;
	uint32_t qpn;
	enum emu_qp_type qp_type;
	struct emu_pd *pd;
	struct emu_cq *send_cq;
	struct emu_cq *recv_cq;
	struct emu_srq *srq; /* NULL: the QP has its own RQ */
	bool sq_sig_all;
	/* rings, sizes in WQE quanta (32 bytes each) */
	uint64_t sq_va;
	uint32_t sq_quanta;
	uint64_t rq_va; /* 0 with an SRQ */
	uint32_t rq_quanta;
	uint8_t sq_shift; /* log2 of the SQ WQE size in quanta */
	uint8_t rq_shift; /* log2 of the RQ WQE size in quanta */
	uint64_t shadow_va; /* after SQ and RQ in the same registration */
	struct emu_mr *ring_mr;
	uint64_t user_compl_ctx;
	/* what create_qp was asked for (query_qp reports it back) */
	uint32_t max_send_wr;
	uint32_t max_recv_wr;
	uint32_t max_send_sge;
	uint32_t max_recv_sge;
	uint32_t max_inline;
	struct emu_qp_attr attr; /* current state and attributes */
	uint32_t events_reported;
	/* push page pair of the context (kernel_push.c); -1: none */
	int push_slot;
	void *hw; /* engine-private */
};

struct emu_srq {
	struct emu_obj obj;
	uint32_t srq_id;
	struct emu_pd *pd;
	struct emu_cq *cq; /* may be NULL for a basic SRQ */
	uint64_t ring_va;
	uint32_t ring_quanta;
	uint8_t wqe_shift; /* log2 of the SRQ WQE size in quanta */
	uint64_t shadow_va; /* doorbell/shadow area */
	struct emu_mr *ring_mr;
	struct emu_mr *shadow_mr; /* a shadow buffer of its own (umem) */
	uint32_t max_wr;
	uint32_t max_sge;
	uint32_t limit; /* srq_limit, 0 = not armed */
	bool limit_armed;
	uint32_t events_reported;
	void *hw; /* engine-private */
};

struct emu_ah {
	struct emu_obj obj;
	uint32_t ah_id;
	struct emu_pd *pd;
	struct emu_ah_attr attr;
};

/* An open uverbs file, i.e. an ibv_context (ucontext) once GET_CONTEXT ran. */
struct emu_file {
	struct emu_device *dev;
	int fd; /* the process's fd number of the file */
	/*
	 * Serialises uverbs commands on this file (outermost lock; the
	 * engine never takes it). Hooks into the engine run under it.
	 */
	pthread_mutex_t cmd_lock;
	pthread_mutex_t lock; /* protects the object lists below */
	bool has_context;
	/* negotiated at GET_CONTEXT */
	uint8_t abi_ver; /* userspace_ver the provider spoke */
	uint64_t comp_mask; /* IRDMA_ALLOC_UCTX_* both agreed */
	bool use_raw_attrs;
	bool wqe_format_v2;
	bool dmabuf_memreg;
	bool legacy_mode; /* i40iw-style short response */
	/*
	 * The context's "BAR" in one memfd: the doorbell page the provider
	 * mmap()s at db_mmap_key, then the push page pairs (kernel_push.c).
	 */
	uint64_t db_mmap_key;
	void *db_page; /* the kernel's own mapping of the whole file */
	size_t bar_size; /* its length */
	int db_fd; /* the memfd */
	uint64_t push_used[EMU_PUSH_PAIRS / 64]; /* pairs given to QPs */
	bool hw_attached; /* emu_hw_file_attach() succeeded */
	/* async events: libibverbs read()s ib_uverbs_async_event_desc */
	int async_rfd; /* our dup of the read end the process got */
	int async_wfd;
	/*
	 * handle -> object (NULL: free handle). One space for all types, as
	 * the kernel's per-file IDR: a handle names at most one object.
	 */
	struct emu_obj **handles;
	uint32_t nhandles; /* table size */
	uint32_t nlive; /* published objects */
	uint32_t next_handle; /* where to look first */
	/*
	 * Handles are table slots XOR this per-file key, so that a handle
	 * of another context (a bug in the caller) names nothing here.
	 */
	uint32_t handle_key;
	struct emu_obj *objs[EMU_OBJ_TYPE_COUNT];
};

#endif /* IRDMA_EMU_OBJECTS_H */
