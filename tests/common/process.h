/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/* What the tests measure of their own process: open fds and time. */
#ifndef IRDMA_TESTS_COMMON_PROCESS_H
#define IRDMA_TESTS_COMMON_PROCESS_H

#include <stdint.h>

/*
 * File descriptors this process has open (the entries of /proc/self/fd,
 * without the one used to read it); exits 1 if it cannot be read.
 */
unsigned long test_count_fds(void);

/*
 * Run @child(@arg) in a forked process that then exit()s with its return
 * value (atexit handlers and destructors run: the emulator's leak check is
 * one); returns the child's wait status. Exits 1 if fork or wait fails.
 */
int test_fork_wait(int (*child)(void *arg), void *arg);

/* The monotonic clock in milliseconds. */
uint64_t test_now_ms(void);

#endif /* IRDMA_TESTS_COMMON_PROCESS_H */
