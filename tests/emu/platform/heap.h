/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The emulated DMA-buf heap /dev/dma_heap/system_cc_shared (only with
 * --cc). Its buffers are memfds; every mapping a process makes of one is
 * recorded, because in a CoCo guest exactly those pages are shared with
 * the host and so visible to the device (see memory.c).
 */
#ifndef IRDMA_EMU_HEAP_H
#define IRDMA_EMU_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "interpose.h"

#define EMU_HEAP_DIR "/dev/dma_heap"
#define EMU_HEAP_PATH "/dev/dma_heap/system_cc_shared"
/* Char device number the heap node reports (dynamic major on Linux). */
#define EMU_HEAP_MAJOR 249U
#define EMU_HEAP_MINOR 0U

/* An fd of the heap device node, or -1 with errno (ENOENT without cc). */
int emu_heap_open_dev(int flags);
/* ioctl() on the heap node or on a buffer: 0/fd or -1 with errno. */
int emu_heap_ioctl(struct emu_fdobj *obj, unsigned long req, void *arg);
/* mmap() of buffer fd @fd: maps it and records the mapping. */
void *emu_heap_mmap(struct emu_fdobj *obj, void *addr, size_t len, int prot,
		    int flags, int fd, off_t off);
/*
 * The buffer an fd refers to even if the fd did not come through our table
 * (SCM_RIGHTS, /proc/self/fd): matched by the memfd's inode. NULL if none;
 * otherwise a reference the caller puts.
 */
struct emu_fdobj *emu_heap_lookup_fd(int fd);
/* Forget the recorded mappings in [addr, addr+len) (munmap, MAP_FIXED). */
void emu_heap_unmapped(void *addr, size_t len);

/*
 * Visibility: the longest prefix of [va, va+len) that lies in recorded
 * shared mappings (0 if @va itself is not shared); if it is 0, *next_shared
 * gets the start of the next recorded mapping above @va (or UINT64_MAX).
 */
size_t emu_heap_shared_prefix(uint64_t va, size_t len, uint64_t *next_shared);

/* Leak accounting: buffers alive (fd, mapping or driver reference). */
size_t emu_heap_live_buffers(void);
/* Recorded user mappings of buffers. */
size_t emu_heap_live_mappings(void);

#endif /* IRDMA_EMU_HEAP_H */
