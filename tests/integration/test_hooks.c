// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_hooks.c - the machine-wide hooks cost nothing while nothing is
 * recorded (root): sched_switch, which runs on every context switch of the
 * machine, and the CPU sampler's perf events on every CPU are attached
 * with the first recorded process and removed with the last.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <dirent.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

/* Links held by process pid whose program is named name: its fds that are
 * BPF links (their fdinfo has a link_id), so other daemons on the machine
 * do not count. */
static int links_of(pid_t pid, const char *name)
{
	char dir[64], path[320], *info, *at;
	struct dirent *de;
	int n = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	dp = opendir(dir);
	assert_non_null(dp);
	while ((de = readdir(dp))) {
		struct bpf_prog_info prog = { 0 };
		__u32 len = sizeof(prog);
		unsigned int prog_id;
		int pfd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		info = itest_read_file(path);
		at = info ? strstr(info, "\nprog_id:") : NULL;
		if (!info || !strstr(info, "\nlink_id:") || !at ||
		    sscanf(at + 9, "%u", &prog_id) != 1) {
			free(info);
			continue;
		}
		free(info);
		pfd = bpf_prog_get_fd_by_id(prog_id);
		if (pfd >= 0 && bpf_obj_get_info_by_fd(pfd, &prog, &len) == 0 &&
		    !strcmp(prog.name, name))
			n++;
		if (pfd >= 0)
			close(pfd);
	}
	closedir(dp);
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
	int idle, one, two, after_one, after_all, i, cpus, samplers[4];

	assert_int_equal(itest_daemon_start(&d, NULL), 0);
	idle = links_of(d.pid, "sched_switch");
	samplers[0] = links_of(d.pid, "cpu_sample");
	assert_int_equal(itest_target_start(&a, &d, "panicker", args, NULL), 0);
	assert_int_equal(itest_target_start(&b, &d, "panicker", args, NULL), 0);
	assert_int_equal(itest_target_go(&a), 0);
	assert_int_equal(itest_target_go(&b), 0);
	snprintf(pid, sizeof(pid), "%d", a.pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	one = links_of(d.pid, "sched_switch");
	samplers[1] = links_of(d.pid, "cpu_sample");
	snprintf(pid, sizeof(pid), "%d", b.pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, attach), 0);
	two = links_of(d.pid, "sched_switch");
	samplers[2] = links_of(d.pid, "cpu_sample");
	assert_int_equal(itest_ctl(&d, NULL, NULL, detach), 0);
	after_one = links_of(d.pid, "sched_switch");
	itest_target_kill(&a, SIGTERM); /* the last one goes by exiting */
	itest_target_wait(&a, 5000);
	/* the daemon sees the exit in its own time */
	for (i = 0; i < 100 && (after_all = links_of(d.pid, "sched_switch")) != 0; i++)
		usleep(50000);
	samplers[3] = links_of(d.pid, "cpu_sample");
	cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	printf("dial9d's sched_switch links: %d idle, %d / %d with 1 / 2 recorded, %d with 1 left, "
	       "%d with none; CPU sampler links: %d, %d, %d, %d (%d CPUs)\n", idle, one, two,
	       after_one, after_all, samplers[0], samplers[1], samplers[2], samplers[3], cpus);
	assert_int_equal(idle, 0);
	assert_int_equal(one, 1);
	assert_int_equal(two, 1);
	assert_int_equal(after_one, 1);
	assert_int_equal(after_all, 0);
	/* the CPU sampler: a perf event on every CPU, only while recording */
	assert_int_equal(samplers[0], 0);
	assert_int_equal(samplers[1], cpus);
	assert_int_equal(samplers[2], cpus);
	assert_int_equal(samplers[3], 0);
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
