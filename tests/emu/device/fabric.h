/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The emulated network between irdma devices.
 *
 * Processes started with the same --fabric NAME (emu_config()->fabric) reach
 * each other's QPs by destination GID + QPN, like RoCE v2: the GID names a
 * device index (sysfs.h: emu_dev_find_gid), and a per-(fabric, device)
 * registry in shared memory says which process owns each QPN of that
 * device. Packets travel over abstract-namespace Unix datagram sockets (one
 * per process), or through an in-process queue when source and destination
 * live in the same process. An empty fabric name keeps everything
 * in-process.
 *
 * Unix datagrams are reliable and ordered per sender, so the transport
 * never loses or reorders packets; RC reliability (acks, RNR, retries) is
 * the engine's business.
 */
#ifndef IRDMA_EMU_FABRIC_H
#define IRDMA_EMU_FABRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Largest payload of one packet ("MTU" of the emulated wire). */
#define FAB_MAX_PAYLOAD 32768u
/* QPNs a device can have on a fabric (registry size). */
#define FAB_MAX_QPN 65536u

enum fab_op {
	FAB_SEND = 1, /* RC/UD send (segment) */
	FAB_WRITE, /* RDMA write (segment) */
	FAB_READ_REQ, /* RDMA read request */
	FAB_READ_RESP, /* RDMA read response (segment) */
	FAB_ATOMIC, /* atomic request */
	FAB_ATOMIC_RESP,
	FAB_ACK, /* positive ack of msn */
	FAB_NAK, /* negative ack of msn, syndrome says why */
};

/* Packet flags */
#define FAB_F_FIRST 0x01
#define FAB_F_LAST 0x02
#define FAB_F_IMM 0x04
#define FAB_F_INV 0x08
#define FAB_F_SOLICITED 0x10
#define FAB_F_UD 0x20
#define FAB_F_CMP_SWAP 0x40

/* NAK syndromes */
enum fab_nak {
	FAB_NAK_RNR = 1,
	FAB_NAK_REM_ACCESS,
	FAB_NAK_REM_INV_REQ,
	FAB_NAK_REM_OP,
};

struct fab_hdr {
	uint32_t magic;
	uint8_t op;
	uint8_t flags;
	uint8_t syndrome;
	uint8_t rnr_timer; /* NAK RNR: responder's min_rnr_timer */
	uint8_t sgid[16];
	uint8_t dgid[16];
	uint32_t src_qpn;
	uint32_t dst_qpn;
	uint32_t msn; /* RC message sequence number */
	uint32_t qkey; /* UD */
	uint32_t imm; /* immediate data (network order as posted) */
	uint32_t inv_stag; /* send with invalidate */
	uint32_t rkey;
	uint32_t len; /* payload bytes in this packet */
	uint64_t offset; /* byte offset of the payload in the message */
	uint64_t total_len; /* whole message / read length */
	uint64_t remote_va;
	uint64_t atomic_data; /* swap or add value; response: orig value */
	uint64_t atomic_cmp;
};

#define FAB_MAGIC 0x49524d46u /* "IRMF" */

struct fab_pkt {
	struct fab_hdr h;
	uint8_t data[FAB_MAX_PAYLOAD];
};

/* Bring the fabric up for this process (idempotent). 0 or -errno. */
int fabric_init(void);

/*
 * Send a packet to h.dgid/h.dst_qpn. Never blocks: what the peer cannot take
 * now is queued and pushed by fabric_flush(). Returns 0, -EHOSTUNREACH if
 * no device has the GID or no process owns the QPN (the packet is dropped).
 */
int fabric_send(const struct fab_pkt *pkt);
/* Push queued packets; true if some are still queued. */
bool fabric_flush(void);
/*
 * Take the next received packet into @pkt. Returns its device index (>= 0),
 * -ENODEV for a packet to a GID no device has (dropped; call again), or
 * -EAGAIN when none is waiting.
 */
int fabric_recv(struct fab_pkt *pkt);
/* fd to poll for incoming packets (-1 without a named fabric). */
int fabric_fd(void);

/* The last context closed: close the socket, drop what is queued. */
void fabric_shutdown(void);
/* In a forked child: forget the parent's socket and queues. */
void fabric_after_fork(void);

/* QPN registry (see hw.h emu_hw_qpn_alloc). */
int fabric_qpn_alloc(unsigned int devidx, uint32_t *qpn);
void fabric_qpn_free(unsigned int devidx, uint32_t qpn);

#endif /* IRDMA_EMU_FABRIC_H */
