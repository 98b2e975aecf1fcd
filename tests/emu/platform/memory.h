/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Safe access to process memory on behalf of an emulated kernel: copies
 * that report -EFAULT for an unmapped or protected range instead of
 * crashing, like copy_{from,to}_user. (The device's view of memory, with
 * CoCo scrambling, is emu_dma_* in platform.h.)
 */
#ifndef IRDMA_EMU_MEMORY_H
#define IRDMA_EMU_MEMORY_H

#include <stddef.h>
#include <stdint.h>

int emu_mem_read(void *dst, uint64_t va, size_t len);
int emu_mem_write(uint64_t va, const void *src, size_t len);

/*
 * The ciphertext a device would read at @va for plaintext @src in private
 * guest memory: deterministic per address, never equal to the plaintext
 * for long. Exposed for tests.
 */
void emu_scramble(uint64_t va, void *buf, size_t len);

#endif /* IRDMA_EMU_MEMORY_H */
