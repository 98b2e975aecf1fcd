// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * IRDMA_DEBUG must not reach a set-user-ID (or set-group-ID) program: its
 * output has pointers and CQE contents that are not for whoever runs it.
 *
 *   rel_debug_secure DIR   copy this program into DIR as a set-uid
 *                          (root: owned by nobody) or set-gid (otherwise: a
 *                          supplementary group) executable and run it with
 *                          IRDMA_DEBUG=1, once plainly as the control and
 *                          once through the copy; exit 77 (skip) if no copy
 *                          can run with AT_SECURE here
 *   rel_debug_secure --child
 *                          print "at_secure=N debug=N", then one debug line
 *
 * The provider's debug switch (providers/irdma/debug.c) is linked in: it is
 * what every IRDMA_DEBUG line goes through.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "debug.h"

#define SKIP 77
#define NOBODY 65534

static int child(void)
{
	printf("at_secure=%lu debug=%d\n", getauxval(AT_SECURE),
	       irdma_debug_enabled());
	fflush(stdout);
	/* what every irdma_log() line does after its verbs_log() */
	if (irdma_debug_enabled())
		irdma_debug_print("probe line from the child");
	return 0;
}

/* Run path --child with IRDMA_DEBUG=1; its stdout and stderr into out. */
static int run(const char *path, char *out, size_t len)
{
	char *argv[] = { (char *)path, "--child", NULL };
	char *envp[] = { "IRDMA_DEBUG=1", NULL };
	size_t got = 0;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execve(path, argv, envp);
		_exit(127);
	}
	close(fds[1]);
	while (got + 1 < len &&
	       (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in, o, ret = 0;
	ssize_t n;

	in = open(from, O_RDONLY);
	if (in < 0)
		return -1;
	unlink(to);
	o = open(to, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (o < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(o, buf, (size_t)n) != n)
			ret = -1;
	if (n < 0)
		ret = -1;
	close(in);
	if (close(o))
		ret = -1;
	return ret;
}

/* A supplementary group that is not our real gid, or -1. */
static gid_t other_group(void)
{
	gid_t groups[64];
	int n = getgroups(64, groups);

	for (int i = 0; i < n; i++)
		if (groups[i] != getgid())
			return groups[i];
	return (gid_t)-1;
}

/* Make path set-uid nobody (root) or set-gid another group of ours. */
static int make_secure(const char *path)
{
	gid_t g;

	if (!geteuid())
		return chown(path, NOBODY, (gid_t)-1) ||
		       chmod(path, S_ISUID | 0755);
	g = other_group();
	if (g == (gid_t)-1)
		return -1;
	return chown(path, (uid_t)-1, g) || chmod(path, S_ISGID | 0755);
}

int main(int argc, char **argv)
{
	char self[4096], copy[4200], out[4096];
	ssize_t n;
	int ret;

	/*
	 * _exit: no exit-time work (a sanitizer's leak check cannot run in a
	 * set-id process and would fail it).
	 */
	if (argc == 2 && !strcmp(argv[1], "--child"))
		_exit(child());
	if (argc != 2) {
		fprintf(stderr, "usage: rel_debug_secure DIR\n");
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	self[n] = 0;

	/* control: without AT_SECURE the switch works */
	ret = run(self, out, sizeof(out));
	if (ret || !strstr(out, "at_secure=0 debug=1") ||
	    !strstr(out, "irdma: probe line")) {
		printf("FAIL control run (exit %d) did not debug:\n%s", ret,
		       out);
		return 1;
	}

	snprintf(copy, sizeof(copy), "%s/rel_debug_secure.setid", argv[1]);
	if (copy_file(self, copy) || make_secure(copy)) {
		printf("SKIP: cannot make a set-id copy at %s (%s)\n", copy,
		       strerror(errno));
		unlink(copy);
		return SKIP;
	}
	ret = run(copy, out, sizeof(out));
	unlink(copy);
	if (ret == 0 && strstr(out, "at_secure=0")) {
		printf("SKIP: the set-id copy ran without AT_SECURE (nosuid mount?)\n");
		return SKIP;
	}
	if (ret || !strstr(out, "at_secure=1")) {
		printf("FAIL set-id run (exit %d):\n%s", ret, out);
		return 1;
	}
	if (!strstr(out, "debug=0") || strstr(out, "irdma:")) {
		printf("FAIL IRDMA_DEBUG honoured under AT_SECURE:\n%s", out);
		return 1;
	}
	printf("ok: IRDMA_DEBUG=1 prints in a plain run, nothing under AT_SECURE\n");
	return 0;
}
