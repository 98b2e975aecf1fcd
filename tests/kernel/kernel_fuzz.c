// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Random uverbs commands against the emulated kernel: whatever arrives, it
 * answers with an errno or does the command, never crashes, and the final
 * close leaves nothing behind.
 *
 *   kernel_fuzz SEED ROUNDS
 *
 * Mostly-valid headers (so the handlers run), random bodies, and response
 * addresses that are either a scratch buffer or unmapped, so a command can
 * never scribble over the test's own memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel_util.h"

static uint64_t rng;

static uint32_t rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng >> 33;
}

static uint8_t *scratch;
static uint8_t *hole;

/* A response or buffer address: scratch, unmapped, or NULL. */
static uint64_t some_address(void)
{
	switch (rnd() % 8) {
	case 0:
		return (uintptr_t)hole;
	case 1:
		return 0;
	default:
		return (uintptr_t)scratch + (rnd() % 64) * 8;
	}
}

/* Ring registrations the commands may name (QP, CQ and shadow rings). */
#define NRINGS 48
#define RING_BYTES (16 * 4096UL)
static uint8_t *rings;

static void register_rings(struct kt_ctx *c, uint32_t pd)
{
	unsigned int i;

	rings = kt_pages(NRINGS * RING_BYTES);
	for (i = 0; i < NRINGS; i++) {
		uint8_t *r = rings + i * RING_BYTES;

		switch (i % 3) {
		case 0:
			kt_reg_ring(c, pd, r, RING_BYTES, IRDMA_MEMREG_TYPE_QP,
				    12, 2, 0, NULL);
			break;
		case 1:
			kt_reg_ring(c, pd, r, 4096 + 64, IRDMA_MEMREG_TYPE_CQ,
				    0, 0, 1, NULL);
			break;
		default:
			kt_reg_ring(c, pd, r, 64, IRDMA_MEMREG_TYPE_CQ, 0, 0, 1,
				    NULL);
			break;
		}
	}
}

/*
 * Plant plausible values: handles of the first objects of a file, ring
 * addresses, small sizes; the rest of the bytes stay random.
 */
static void sprinkle(uint8_t *body, size_t len, uint32_t key)
{
	size_t off;

	for (off = 0; off + 8 <= len; off += 4) {
		uint32_t v;
		uint64_t a;

		switch (rnd() % 6) {
		case 0:
			v = (rnd() % 8) ^ key;
			memcpy(body + off, &v, sizeof(v));
			break;
		case 1:
			v = 1 + rnd() % 32;
			memcpy(body + off, &v, sizeof(v));
			break;
		case 2:
			if (off % 8)
				break;
			a = (uintptr_t)rings + (rnd() % NRINGS) * RING_BYTES;
			memcpy(body + off, &a, sizeof(a));
			off += 4;
			break;
		default:
			break;
		}
	}
}

static uint64_t some_ring(void)
{
	return (uintptr_t)rings + (rnd() % NRINGS) * RING_BYTES;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * Half of the time, make the fields that gate a create command sane, so
 * the random rest reaches the driver part (rings, sizes, state machine).
 * Offsets are those of the uverbs structs after the command header.
 */
static size_t shape_legacy(uint8_t *b, uint32_t cmd, size_t body, uint32_t key)
{
	if (rnd() % 2)
		return body;
	switch (cmd) {
	case IB_USER_VERBS_CMD_CREATE_CQ:
		put32(b + 16, 1 + rnd() % 64); /* cqe */
		put32(b + 20, 0); /* comp_vector */
		put32(b + 24, (uint32_t)-1); /* no channel */
		put64(b + 32, some_ring()); /* user_cq_buf */
		put64(b + 40, some_ring()); /* user_shadow_area */
		return 48;
	case IB_USER_VERBS_CMD_CREATE_QP:
		put32(b + 16, (rnd() % 2) ^ key); /* pd */
		put32(b + 20, (rnd() % 4) ^ key); /* send cq */
		put32(b + 24, (rnd() % 4) ^ key); /* recv cq */
		put32(b + 32, rnd() % 64); /* max_send_wr */
		put32(b + 36, rnd() % 64); /* max_recv_wr */
		put32(b + 40, rnd() % 4); /* max_send_sge */
		put32(b + 44, rnd() % 4); /* max_recv_sge */
		put32(b + 48, rnd() % 64); /* max_inline_data */
		b[53] = rnd() % 2 ? 2 : 4; /* RC or UD */
		b[54] = rnd() % 8 == 0; /* is_srq */
		put64(b + 56, some_ring()); /* user_wqe_bufs */
		return 80;
	case IB_USER_VERBS_CMD_MODIFY_QP:
		put32(b + 64, (rnd() % 4) ^ key); /* qp_handle */
		b[96] = rnd() % 8; /* qp_state */
		return body < 112 ? 112 : body;
	default:
		return body;
	}
}

static void one_command(int fd, uint32_t key)
{
	uint8_t buf[512];
	struct ib_uverbs_cmd_hdr hdr;
	bool ex = rnd() % 5 == 0;
	size_t body = (rnd() % 24) * 8;
	size_t len, i;
	uint64_t a;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = rnd();
	hdr.command = rnd() % 48;
	/* every completion channel costs fds: keep them rare */
	if (hdr.command == IB_USER_VERBS_CMD_CREATE_COMP_CHANNEL && rnd() % 8)
		hdr.command = IB_USER_VERBS_CMD_CREATE_CQ;
	if (ex)
		hdr.command |= IB_USER_VERBS_CMD_FLAG_EXTENDED;
	if (rnd() % 16 == 0)
		hdr.command = rnd();
	hdr.out_words = rnd() % 40;
	if (ex) {
		struct ib_uverbs_ex_cmd_hdr eh = { 0 };

		eh.response = some_address();
		eh.provider_in_words = rnd() % 4;
		eh.provider_out_words = rnd() % 4;
		hdr.in_words = body / 8;
		len = sizeof(hdr) + sizeof(eh) + body +
		      eh.provider_in_words * 8;
		memcpy(buf + sizeof(hdr), &eh, sizeof(eh));
		sprinkle(buf + sizeof(hdr) + sizeof(eh), body, key);
	} else {
		/* the first field of most requests is the response address */
		a = some_address();
		memcpy(buf + sizeof(hdr), &a, sizeof(a));
		sprinkle(buf + sizeof(hdr) + 8, body > 8 ? body - 8 : 0, key);
		body = shape_legacy(buf + sizeof(hdr), hdr.command, body, key);
		len = sizeof(hdr) + body;
		hdr.in_words = len / 4;
	}
	if (rnd() % 10 == 0)
		hdr.in_words = rnd();
	memcpy(buf, &hdr, sizeof(hdr));
	/* userspace_ver and ring addresses come out random: mostly refused */
	kt_write(fd, buf, len > sizeof(buf) ? sizeof(buf) : len);
}

int main(int argc, char **argv)
{
	unsigned long rounds, i;
	struct kt_ctx c = { 0 };
	uint32_t pd;

	if (argc != 3)
		return 2;
	rng = strtoull(argv[1], NULL, 0);
	rounds = strtoul(argv[2], NULL, 0);
	scratch = kt_pages(4096);
	hole = kt_pages(4096);
	munmap(hole, 4096);

	c.fd = kt_open_uverbs();
	if (c.fd < 0 ||
	    kt_get_context(&c, 5,
			   IRDMA_ALLOC_UCTX_USE_RAW_ATTR |
				   IRDMA_SUPPORT_WQE_FORMAT_V2,
			   sizeof(c.uctx)) ||
	    kt_alloc_pd(&c, &pd)) {
		fprintf(stderr, "FAIL: no context\n");
		return 1;
	}
	register_rings(&c, pd);
	for (i = 0; i < rounds; i++)
		/* pd's handle reveals the file's handle key (slot 0) */
		one_command(c.fd, pd);
	close(c.async_fd);
	close(c.fd);
	EXPECT(test_emu_live_objects() == 0, "%lu objects after close",
	       test_emu_live_objects());
	printf("kernel_fuzz: %lu commands, seed %s\n", rounds, argv[1]);
	return test_exit_status();
}
