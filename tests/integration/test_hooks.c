// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_hooks.c - the machine-wide hooks cost nothing while nothing is
 * recorded (root): sched_switch, which runs on every context switch of the
 * machine, is attached with the first recorded process and removed with
 * the last.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

/* Links on the machine whose program is named name. */
static int links_of(const char *name)
{
	__u32 id = 0;
	int n = 0;

	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info link = { 0 };
		struct bpf_prog_info prog = { 0 };
		__u32 len = sizeof(link);
		int fd = bpf_link_get_fd_by_id(id), pfd;

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &link, &len) == 0) {
			pfd = bpf_prog_get_fd_by_id(link.prog_id);
			len = sizeof(prog);
			if (pfd >= 0 && bpf_obj_get_info_by_fd(pfd, &prog, &len) == 0 &&
			    !strcmp(prog.name, name))
				n++;
			if (pfd >= 0)
				close(pfd);
		}
		close(fd);
	}
	return n;
}

static void test_sched_switch_only_while_recording(void **state)
{
	const char *args[] = { "sleep", NULL };
	char pid[16];
	const char *attach[] = { "attach", "--pid", pid, NULL };
	const char *detach[] = { "detach", "--pid", pid, NULL };
	struct itest_daemon d;
	struct itest_target a, b;
	int before = links_of("sched_switch"), idle, one, two, after_one, after_all, i;

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	idle = links_of("sched_switch");
	assert_int_equal(itest_target_start(&a, &d, "panicker", args, NULL), 0);
	assert_int_equal(itest_target_start(&b, &d, "panicker", args, NULL), 0);
	assert_int_equal(itest_target_go(&a), 0);
	assert_int_equal(itest_target_go(&b), 0);
	snprintf(pid, sizeof(pid), "%d", a.pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	one = links_of("sched_switch");
	snprintf(pid, sizeof(pid), "%d", b.pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	two = links_of("sched_switch");
	assert_int_equal(itest_ctl(&d, NULL, NULL, detach), 0);
	after_one = links_of("sched_switch");
	itest_target_kill(&a, SIGTERM); /* the last one goes by exiting */
	itest_target_wait(&a, 5000);
	/* the daemon sees the exit in its own time */
	for (i = 0; i < 100 && (after_all = links_of("sched_switch")) != before; i++)
		usleep(50000);
	printf("sched_switch links: %d before, %d idle daemon, %d / %d with 1 / 2 recorded, "
	       "%d with 1 left, %d with none\n", before, idle, one, two, after_one, after_all);
	assert_int_equal(idle, before);
	assert_int_equal(one, before + 1);
	assert_int_equal(two, before + 1);
	assert_int_equal(after_one, before + 1);
	assert_int_equal(after_all, before);
	itest_target_kill(&b, SIGTERM);
	itest_target_wait(&b, 5000);
	itest_daemon_stop(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sched_switch_only_while_recording),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("hooks", tests, NULL, itest_teardown);
}
