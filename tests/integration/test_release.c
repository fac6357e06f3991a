// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_release.c - a process released in the middle of an epoll batch
 * (root, daemon built with AddressSanitizer): a detach request and a ring
 * wakeup of the same process are made to arrive in one batch, the request
 * first, and the daemon must neither touch the freed process nor die.
 *
 * How the batch is forced: the target is stopped and its ring drained; the
 * daemon is stopped; the detach request is sent on a connection it has
 * already accepted (so the client fd is ready first); the target runs
 * again until its ring is a quarter full (ready second); then the daemon
 * continues and sees both in one epoll_wait.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "itest.h"

#define SAN_DAEMON DIAL9_SRC_DIR "/build/san/dial9d"
#define CYCLES 10

static struct itest_daemon daemon_;

static int group_setup(void **state)
{
	/* a small ring fills (and wakes the daemon) within a millisecond */
	static const char *const extra[] = { "--ring-bytes", "64K", "--poll-threshold-us", "0",
					     "--overhead-budget", "0", NULL };
	static const char *const env[] = { "ASAN_OPTIONS=detect_leaks=0:abort_on_error=0", NULL };

	if (!itest_can_run())
		return -1;
	if (access(SAN_DAEMON, X_OK)) {
		fprintf(stderr, "missing %s: run `make san-daemon`\n", SAN_DAEMON);
		return -1;
	}
	return itest_daemon_start_bin(&daemon_, SAN_DAEMON, extra, env);
}

static int group_teardown(void **state)
{
	itest_kill_all();
	itest_daemon_stop(&daemon_);
	return 0;
}

static int connect_daemon(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(strlen(daemon_.socket) < sizeof(a.sun_path));
	memcpy(a.sun_path, daemon_.socket, strlen(daemon_.socket) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static bool daemon_alive(void)
{
	int status;

	return waitpid(daemon_.pid, &status, WNOHANG) == 0;
}

static void test_detach_and_ring_in_one_batch(void **state)
{
	const char *args[] = { "4", "60000", NULL };
	struct itest_target t;
	char pidbuf[16], req[64], reply[4096], *log;
	const char *attach[] = { "attach", "--pid", pidbuf, NULL };
	const char *status_cmd[] = { "status", NULL };
	struct dial9_ctl_request r = { DIAL9_CTL_DETACH, 0 };
	int len;

	assert_int_equal(itest_target_start(&t, &daemon_, "storm", args, NULL), 0);
	assert_int_equal(itest_target_go(&t), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t.pid);
	r.pid = t.pid;
	len = dial9_ctl_request__format(&r, req, sizeof(req));
	assert_true(len > 0);
	for (int cycle = 0; cycle < CYCLES; cycle++) {
		struct pollfd p;
		int fd;
		ssize_t n;

		assert_int_equal(itest_ctl(&daemon_, NULL, NULL, attach), 0);
		usleep(50000);
		kill(t.pid, SIGSTOP);
		fd = connect_daemon();
		usleep(100000); /* accepted, ring drained by the tick */
		kill(daemon_.pid, SIGSTOP);
		assert_int_equal(send(fd, req, (size_t)len, 0), len); /* ready first */
		kill(t.pid, SIGCONT);
		usleep(50000); /* the ring fills: ready second */
		kill(t.pid, SIGSTOP);
		kill(daemon_.pid, SIGCONT);
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, 10000), 1);
		n = recv(fd, reply, sizeof(reply) - 1, 0);
		close(fd);
		usleep(100000); /* the rest of the batch */
		if (!daemon_alive()) {
			log = itest_read_file(daemon_.log);
			fail_msg("cycle %d: the daemon died:\n%s", cycle, log ? log : "");
		}
		assert_true(n > 0);
		reply[n] = '\0';
		if (strncmp(reply, "ok\n", 3))
			fail_msg("cycle %d: detach replied \"%s\"", cycle, reply);
		kill(t.pid, SIGCONT);
	}
	/* still serving, and AddressSanitizer saw nothing */
	assert_int_equal(itest_ctl(&daemon_, NULL, NULL, status_cmd), 0);
	log = itest_read_file(daemon_.log);
	assert_non_null(log);
	assert_null(strstr(log, "AddressSanitizer"));
	free(log);
	itest_target_kill(&t, SIGKILL);
	itest_target_wait(&t, 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detach_and_ring_in_one_batch),
	};

	return cmocka_run_group_tests_name("release", tests, group_setup, group_teardown);
}
