// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_journal.c - each dump written is one structured journal entry
 * (root): a real datagram socket at a private path stands in for
 * journald's native socket (--journal-socket).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "journal.h"

struct entry {
	char buf[16384];
	ssize_t len;
};

/* The value of FIELD=value in a native-protocol entry, into out; false if
 * the field is absent.  (The binary form is not expected here: no value of
 * these targets holds a newline.) */
static bool field(const struct entry *e, const char *name, char *out, size_t len)
{
	const char *p = e->buf, *end = e->buf + e->len;
	size_t n = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l > n && !memcmp(p, name, n) && p[n] == '=') {
			snprintf(out, len, "%.*s", (int)(l - n - 1), p + n + 1);
			return true;
		}
		p += l + 1;
	}
	return false;
}

static void assert_field(const struct entry *e, const char *name, const char *want)
{
	char v[4096];

	if (!field(e, name, v, sizeof(v)))
		fail_msg("no %s in the entry:\n%.*s", name, (int)e->len, e->buf);
	if (strcmp(v, want))
		fail_msg("%s=%s, want %s", name, v, want);
}

static void receive(int fd, struct entry *e)
{
	e->len = recv(fd, e->buf, sizeof(e->buf), 0);
	if (e->len <= 0)
		fail_msg("no journal entry: %s", e->len < 0 ? strerror(errno) : "empty");
}

/* A private daemon with extra args, recording a panicker that sleeps; its
 * pid into pid. */
static void record_sleeper(struct itest_daemon *d, struct itest_target *t,
			   const char *const extra[], char pid[16])
{
	const char *args[] = { "sleep", NULL };
	const char *attach[] = { "attach", "--pid", pid, NULL };

	assert_int_equal(itest_daemon_start(d, extra), 0);
	assert_int_equal(itest_target_start(t, d, "panicker", args, NULL), 0);
	snprintf(pid, 16, "%d", t->pid);
	assert_int_equal(itest_ctl(d, NULL, NULL, attach), 0);
	assert_int_equal(itest_target_go(t), 0);
	assert_true(itest_target_wait_line(t, "sleeping=1", 10000));
}

static void test_each_dump_is_a_journal_entry(void **state)
{
	char sock[256], pid[16], exe[4096], dump[4096];
	const char *extra[] = { "--journal-socket", sock, NULL };
	const char *request[] = { "dump", "--pid", pid, NULL };
	struct itest_daemon d;
	struct itest_target t;
	struct entry e;
	struct stat st;
	char *log;
	int fd, status;

	snprintf(sock, sizeof(sock), "/tmp/dial9-itest-journal.%d.sock", getpid());
	fd = itest_datagram_socket(sock, 10);
	assert_true(fd >= 0);
	record_sleeper(&d, &t, extra, pid);
	assert_true(realpath(ITEST_TARGET("panicker"), exe) != NULL);

	/* a request: news */
	assert_int_equal(itest_ctl(&d, NULL, NULL, request), 0);
	receive(fd, &e);
	assert_field(&e, "MESSAGE_ID", DIAL9_JOURNAL_MESSAGE_ID);
	assert_field(&e, "PRIORITY", "6");
	assert_field(&e, "DIAL9_REASON", "request");
	assert_field(&e, "DIAL9_PID", pid);

	/* a crash: critical, with the signal and where its dump is */
	itest_target_kill(&t, SIGKILL);
	status = itest_target_wait(&t, 5000);
	assert_true(WIFSIGNALED(status));
	receive(fd, &e);
	printf("journal entry of the SIGKILL dump:\n%.*s", (int)e.len, e.buf);
	assert_field(&e, "MESSAGE_ID", DIAL9_JOURNAL_MESSAGE_ID);
	assert_field(&e, "PRIORITY", "2");
	assert_field(&e, "SYSLOG_IDENTIFIER", "dial9d");
	assert_field(&e, "DIAL9_PID", pid);
	assert_field(&e, "DIAL9_UID", "0");
	assert_field(&e, "DIAL9_COMM", "panicker");
	assert_field(&e, "DIAL9_EXE", exe);
	assert_field(&e, "DIAL9_REASON", "signal");
	assert_field(&e, "DIAL9_SIGNAL", "9");
	assert_true(field(&e, "DIAL9_DUMP", dump, sizeof(dump)));
	assert_int_equal(stat(dump, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_size > 0);
	assert_non_null(strstr(dump, ".signal.dial9"));
	assert_true(field(&e, "MESSAGE", dump, sizeof(dump)));
	assert_non_null(strstr(dump, "dumped"));

	/* told to the journal, not twice to stderr */
	itest_daemon_stop(&d);
	log = itest_read_file(d.log);
	assert_non_null(log);
	assert_null(strstr(log, "dial9d: dumped"));
	free(log);
	close(fd);
	unlink(sock);
}

/* Without the journal's socket, the same as one line on stderr. */
static void test_without_journal_stderr(void **state)
{
	const char *extra[] = { "--journal-socket", "/nonexistent/journal.sock", NULL };
	char pid[16], *log;
	const char *request[] = { "dump", "--pid", pid, NULL };
	struct itest_daemon d;
	struct itest_target t;

	record_sleeper(&d, &t, extra, pid);
	assert_int_equal(itest_ctl(&d, NULL, NULL, request), 0);
	itest_target_kill(&t, SIGTERM);
	itest_target_wait(&t, 5000);
	itest_daemon_stop(&d);
	log = itest_read_file(d.log);
	assert_non_null(log);
	assert_non_null(strstr(log, "dial9d: dumped"));
	assert_non_null(strstr(log, "(panicker, request) to "));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_dump_is_a_journal_entry),
		cmocka_unit_test(test_without_journal_stderr),
	};

	if (!itest_can_run())
		return 1;
	return cmocka_run_group_tests_name("journal", tests, NULL, itest_teardown);
}
