// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_clients.c - one user flooding the control socket (root, real
 * daemon): `nobody` holds idle connections open and cycles them, connects
 * and hangs up in a tight loop and sends requests it never reads, from
 * several processes, while root and a third user make real requests
 * through dial9ctl.  Every real request must succeed, the flood must have
 * been real, and the daemon must not keep a descriptor once it is over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define NOBODY 65534
#define OTHER 65533        /* a third user, unrelated to both */
#define ROOT_REQUESTS 300
#define OTHER_REQUESTS 100
#define HOLDERS 4          /* processes holding and cycling idle connections */
#define HELD 24            /* connections each holder keeps open */
#define CHURNERS 2         /* processes connecting and hanging up in a loop */
#define SENDERS 2          /* processes sending requests they never read */

static struct itest_daemon daemon_;
static pid_t flooders[HOLDERS + CHURNERS + SENDERS];
static int nflooders;
static volatile uint64_t *flood_connects; /* shared with the flooders */

static int group_setup(void **state)
{
	if (!itest_can_run())
		return -1;
	flood_connects = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			      -1, 0);
	if (flood_connects == MAP_FAILED)
		return -1;
	return itest_daemon_start(&daemon_, NULL);
}

static void stop_flooders(void)
{
	int i;

	for (i = 0; i < nflooders; i++) {
		kill(flooders[i], SIGKILL);
		waitpid(flooders[i], NULL, 0);
	}
	nflooders = 0;
}

static int group_teardown(void **state)
{
	stop_flooders();
	itest_kill_all();
	itest_daemon_stop(&daemon_);
	return 0;
}

static int flood_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memcpy(a.sun_path, daemon_.socket, strlen(daemon_.socket) + 1);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	__atomic_add_fetch(flood_connects, 1, __ATOMIC_RELAXED);
	return fd;
}

/* A flooder as `nobody`, until killed: 'h' holds HELD idle connections and
 * replaces the oldest in turn, 'c' connects and hangs up, 's' sends a
 * status request and hangs up without reading the reply. */
static void flood(char kind)
{
	int held[HELD], i;

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		_exit(126);
	for (i = 0; i < HELD; i++)
		held[i] = -1;
	for (i = 0;; i = (i + 1) % HELD) {
		int fd;

		if (kind == 'h') {
			if (held[i] >= 0)
				close(held[i]);
			held[i] = flood_connect();
			continue;
		}
		fd = flood_connect();
		if (fd < 0)
			continue;
		if (kind == 's')
			send(fd, "status\n", 7, MSG_NOSIGNAL);
		close(fd);
	}
}

static void start_flooders(void)
{
	static const char kinds[] = { 'h', 'h', 'h', 'h', 'c', 'c', 's', 's' };
	size_t i;

	_Static_assert(sizeof(kinds) == sizeof(flooders) / sizeof(flooders[0]), "one per flooder");
	for (i = 0; i < sizeof(kinds); i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0)
			flood(kinds[i]);
		flooders[nflooders++] = pid;
	}
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *dp;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dp = opendir(path);
	if (!dp)
		return -1;
	while ((de = readdir(dp)))
		n += de->d_name[0] != '.';
	closedir(dp);
	return n;
}

static void test_flood_by_one_user_fails_nobody_else(void **state)
{
	const char *status[] = { "status", NULL };
	const char *list[] = { "list", NULL };
	char *out = NULL, *err = NULL, first_err[512] = "";
	int root_failed = 0, other_failed = 0, fds_before, fds_after = -1, i, rc;
	long long waited, slowest = 0;
	uint64_t connects;

	/* both tools run once: the copy for the other user exists, fds settle */
	assert_int_equal(itest_ctl(&daemon_, NULL, NULL, status), 0);
	assert_int_equal(itest_ctl_as(OTHER, &daemon_, NULL, NULL, list), 0);
	usleep(100000);
	fds_before = count_fds(daemon_.pid);
	assert_true(fds_before > 0);

	start_flooders();
	usleep(300000); /* every slot taken */
	for (i = 0; i < ROOT_REQUESTS; i++) {
		long long t0 = itest_now_ms(), took;

		rc = itest_ctl(&daemon_, &out, &err, status);
		took = itest_now_ms() - t0;
		if (took > slowest)
			slowest = took;
		if (rc != 0 && root_failed++ == 0)
			snprintf(first_err, sizeof(first_err), "root: %s", err ? err : "");
		free(out);
		free(err);
		if (i % 3)
			continue;
		rc = itest_ctl_as(OTHER, &daemon_, &out, &err, list);
		if (rc != 0 && other_failed++ == 0 && !first_err[0])
			snprintf(first_err, sizeof(first_err), "uid %d: %s", OTHER, err ? err : "");
		free(out);
		free(err);
	}
	connects = *flood_connects;
	stop_flooders();
	fprintf(stderr, "flood: %llu connections by uid %d; root: %d of %d requests failed "
		"(slowest %lld ms), uid %d: %d of %d failed%s%s\n", (unsigned long long)connects,
		NOBODY, root_failed, ROOT_REQUESTS, slowest, OTHER, other_failed, OTHER_REQUESTS,
		first_err[0] ? "; first: " : "", first_err);
	/* the flood was real: many times the slots, all along */
	assert_true(connects > 100 * 32);
	assert_int_equal(root_failed, 0);
	assert_int_equal(other_failed, 0);

	/* nothing kept once it is over (idle connections time out in 2 s) */
	for (waited = 0; waited < 5000; waited += 100) {
		fds_after = count_fds(daemon_.pid);
		if (fds_after <= fds_before)
			break;
		usleep(100000);
	}
	fprintf(stderr, "daemon fds: %d before, %d after the flood\n", fds_before, fds_after);
	assert_int_equal(fds_after, fds_before);
	assert_int_equal(itest_ctl(&daemon_, NULL, NULL, status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_by_one_user_fails_nobody_else),
	};

	return cmocka_run_group_tests_name("clients", tests, group_setup, group_teardown);
}
