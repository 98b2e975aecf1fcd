// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Open fds and time of the test process; see process.h. */
#include <dirent.h>
#include <time.h>

#include "common/check.h"
#include "common/process.h"

unsigned long test_count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	unsigned long n = 0;
	struct dirent *d;

	CHECK(dir, "opendir /proc/self/fd: %m");
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1; /* the fd that opendir() itself holds */
}

uint64_t test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
