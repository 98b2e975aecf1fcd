// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/* Open fds and time of the test process; see process.h. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

int test_fork_wait(int (*child)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL); /* or the child writes our buffered output again */
	pid = fork();
	CHECK(pid >= 0, "fork: %m");
	if (!pid)
		exit(child(arg));
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %m");
	return status;
}

uint64_t test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
