// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_dial9_cli.c - the real build/dial9 binary (fork/exec, no shell) on
 * dumps written with dial9_dump__write into a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dump.h"
#include "testdump.h"

#define DIAL9_BIN DIAL9_BUILD_DIR "/dial9"
#define MS 1000000ULL
#define T0 (7000 * MS)

struct run {
	char *out, *err;
	size_t out_len, err_len;
	int status;
};

struct fixture {
	char dir[64];
	char good[128];
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = 0;
}

/* Run dial9 with args (NULL-terminated), collecting stdout, stderr, status. */
static void run_dial9(struct run *r, const char *const *args)
{
	int out[2], err[2];
	char *argv[16];
	char buf[4096];
	pid_t pid;
	int i, open_fds = 2;

	memset(r, 0, sizeof(*r));
	append(&r->out, &r->out_len, "", 0);
	append(&r->err, &r->err_len, "", 0);
	argv[0] = (char *)"dial9";
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(DIAL9_BIN, argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	while (open_fds) {
		struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };

		assert_true(poll(p, 2, 30000) > 0);
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(p[i].fd);
				if (i == 0)
					out[0] = -1;
				else
					err[0] = -1;
				open_fds--;
				continue;
			}
			if (i == 0)
				append(&r->out, &r->out_len, buf, (size_t)n);
			else
				append(&r->err, &r->err_len, buf, (size_t)n);
		}
	}
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
}

#define RUN(r, ...) run_dial9(r, (const char *const[]){ __VA_ARGS__, NULL })

static void assert_ok(const struct run *r)
{
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0 || r->err_len)
		print_error("dial9 failed: status %d, stderr: %s\n", r->status, r->err);
	assert_true(WIFEXITED(r->status));
	assert_int_equal(WEXITSTATUS(r->status), 0);
	assert_int_equal(r->err_len, 0);
}

/* Failed cleanly: no signal, non-zero exit, exactly one "Error:" line on
 * stderr, nothing on stdout. */
static void assert_clean_error(const struct run *r)
{
	if (!WIFEXITED(r->status))
		print_error("dial9 died: status %d\n", r->status);
	assert_true(WIFEXITED(r->status));
	assert_int_not_equal(WEXITSTATUS(r->status), 0);
	assert_int_not_equal(WEXITSTATUS(r->status), 127); /* exec failed */
	assert_true(r->err_len > 7);
	assert_memory_equal(r->err, "Error: ", 7);
	assert_int_equal(r->err[r->err_len - 1], '\n');
	assert_null(memchr(r->err, '\n', r->err_len - 1));
	assert_int_equal(r->out_len, 0);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		print_error("missing: %s\nin: %s\n", needle, hay);
	assert_non_null(strstr(hay, needle));
}

static void ev(struct dial9_dump *d, uint64_t ts, uint8_t kind, uint64_t task, uint64_t arg,
	       uint32_t tid, uint16_t aux, uint8_t flags)
{
	testdump_ev(d, T0 + ts, kind, task, arg, tid, aux, flags);
}

/* A dump with known answers: task 2 (spawned by 1 at src/slow.rs:10:9) polls
 * for 40 ms; a relay 11 -> 12 -> ... -> 16 is a wake chain of 5; one loss. */
static void write_good_dump(const char *path)
{
	struct dial9_dump *d = dial9_dump__new();
	uint32_t main_loc, slow, relay, i;

	assert_non_null(d);
	d->meta.pid = 4242;
	d->meta.reason = DIAL9_REASON_SIGNAL;
	d->meta.signal = 11;
	d->meta.reason_tid = 4243;
	d->meta.reason_task = 2;
	strcpy(d->meta.comm, "testapp");
	strcpy(d->meta.build_id, "00112233445566778899aabbccddeeff00112233");
	d->meta.exe = strdup("/opt/test \"app\"/bin");
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + 1000 * MS;
	d->meta.clock_base_ns = 1700000000ULL * 1000000000ULL;
	d->meta.lost_ringbuf = 9;
	main_loc = dial9_strtab__add(&d->strings, "src/main.rs:5:5");
	slow = dial9_strtab__add(&d->strings, "src/slow.rs:10:9");
	relay = dial9_strtab__add(&d->strings, "src/relay.rs:3:1");
	assert_true(main_loc && slow && relay);

	ev(d, 1 * MS, DIAL9_EV_SPAWN, 1, main_loc, 4243, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_POLL_START, 1, main_loc, 4243, 0, 0);
	ev(d, 3 * MS, DIAL9_EV_SPAWN, 2, slow, 4243, 0, 0);
	ev(d, 4 * MS, DIAL9_EV_POLL_END, 1, 0, 4243, 0, 0);
	ev(d, 5 * MS, DIAL9_EV_POLL_START, 2, slow, 4244, 0, 0);
	ev(d, 45 * MS, DIAL9_EV_POLL_END, 2, 40 * MS, 4244, 0, DIAL9_POLL_F_COMPLETE);
	ev(d, 46 * MS, DIAL9_EV_TERMINATE, 2, 0, 4244, 0, 0);
	ev(d, 50 * MS, DIAL9_EV_LOST, 0, 9, 0, DIAL9_LOST_RINGBUF, 0);
	for (i = 0; i < 5; i++)
		ev(d, (60 + i) * MS, DIAL9_EV_WAKE, 12 + i, 11 + i, 4244, DIAL9_WAKER_TASK, 0);
	ev(d, 70 * MS, DIAL9_EV_POLL_START, 16, relay, 4244, 0, 0);
	ev(d, 71 * MS, DIAL9_EV_POLL_END, 16, 1 * MS, 4244, 0, 0);
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	dial9_dump__free(d);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/dial9-cli-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->good, sizeof(f->good), "%s/good.d9", f->dir);
	write_good_dump(f->good);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[192];
	static const char *const names[] = { "good.d9", "bad.d9" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_binary_exists(void **state)
{
	assert_int_equal(access(DIAL9_BIN, X_OK), 0);
}

static void test_summary_json(void **state)
{
	struct fixture *f = *state;
	struct run r;

	RUN(&r, "summary", "--json", f->good);
	assert_ok(&r);
	assert_contains(r.out, "\"format_version\":1,");
	assert_contains(r.out, "\"pid\":4242,");
	assert_contains(r.out, "\"comm\":\"testapp\",");
	assert_contains(r.out, "\"exe\":\"/opt/test \\\"app\\\"/bin\",");
	assert_contains(r.out, "\"reason\":\"signal\",");
	assert_contains(r.out, "\"signal\":11,");
	assert_contains(r.out, "\"start_ns\":7000000000,");
	assert_contains(r.out, "\"end_ns\":8000000000,");
	assert_contains(r.out, "\"events\":15,");
	assert_contains(r.out, "\"lost\":9,");
	assert_contains(r.out, "\"tasks\":8,");
	assert_contains(r.out, "\"spawns\":2,");
	assert_contains(r.out, "\"polls\":3,");
	assert_contains(r.out, "\"wakes\":5,");
	assert_contains(r.out, "\"long_polls\":[{\"task_id\":2,\"duration_ns\":40000000,"
			       "\"location\":\"src/slow.rs:10:9\"");
	assert_contains(r.out, "\"longest_wake_chain\":{\"length\":5,\"first_waker\":\"task\","
			       "\"tasks\":[11,12,13,14,15,16]}");
	/* One JSON document, one line. */
	assert_int_equal(r.out[r.out_len - 1], '\n');
	assert_null(memchr(r.out, '\n', r.out_len - 1));
	run_free(&r);

	/* Global option before the command, and a command prefix. */
	RUN(&r, "--json", "sum", f->good);
	assert_ok(&r);
	assert_contains(r.out, "\"pid\":4242,");
	run_free(&r);
}

static void test_summary_text(void **state)
{
	struct fixture *f = *state;
	struct run r;

	RUN(&r, "summary", f->good);
	assert_ok(&r);
	assert_contains(r.out, "pid 4242");
	assert_contains(r.out, "signal 11 (SIGSEGV)");
	assert_contains(r.out, "40.00ms");
	assert_contains(r.out, "src/slow.rs:10:9");
	assert_contains(r.out, "wake chain 5 wakes");
	run_free(&r);
}

static void test_tasks_and_task(void **state)
{
	struct fixture *f = *state;
	struct run r;

	RUN(&r, "tasks", "--json", "--sort", "max", "--limit", "1", f->good);
	assert_ok(&r);
	assert_contains(r.out, "[{\"task_id\":2,\"location\":\"src/slow.rs:10:9\",");
	assert_contains(r.out, "\"parent\":1,");
	assert_contains(r.out, "\"poll_ns_max\":40000000,");
	assert_null(strstr(r.out, "\"task_id\":1,")); /* limited to one row */
	run_free(&r);

	RUN(&r, "tasks", f->good);
	assert_ok(&r);
	assert_contains(r.out, "src/relay.rs:3:1");
	run_free(&r);

	RUN(&r, "task", f->good, "2", "--json");
	assert_ok(&r);
	assert_contains(r.out, "\"kind\":\"spawn\",\"role\":\"self\",\"parent\":{\"kind\":\"task\","
			       "\"task_id\":1}");
	assert_contains(r.out, "\"kind\":\"terminate\"");
	run_free(&r);

	RUN(&r, "task", f->good, "999");
	assert_clean_error(&r);
	assert_contains(r.err, "999");
	run_free(&r);
	RUN(&r, "task", f->good, "12abc");
	assert_clean_error(&r);
	run_free(&r);
}

static void test_wakegraph_and_timeline(void **state)
{
	struct fixture *f = *state;
	struct run r;

	RUN(&r, "wakegraph", "--json", f->good);
	assert_ok(&r);
	assert_contains(r.out, "\"longest_chain\":{\"length\":5,");
	assert_contains(r.out, "{\"waker\":{\"kind\":\"task\",\"task_id\":11},\"woken\":12,");
	run_free(&r);

	RUN(&r, "wakegraph", "--dot", f->good);
	assert_ok(&r);
	assert_memory_equal(r.out, "digraph ", 8);
	assert_contains(r.out, "\"t11\" -> \"t12\"");
	run_free(&r);

	RUN(&r, "timeline", "--json", "--from", "0", "--to", "4.5", f->good);
	assert_ok(&r);
	assert_contains(r.out, "\"tid\":4243,");
	assert_null(strstr(r.out, "\"tid\":4244,")); /* its first poll starts at 5 ms */
	run_free(&r);

	RUN(&r, "timeline", "--from", "10", "--to", "5", f->good);
	assert_clean_error(&r);
	run_free(&r);
	RUN(&r, "wakegraph", "--json", "--dot", f->good);
	assert_clean_error(&r);
	run_free(&r);
}

static void test_usage_and_bad_args(void **state)
{
	struct fixture *f = *state;
	struct run r;

	run_dial9(&r, (const char *const[]){ NULL });
	assert_ok(&r);
	assert_contains(r.out, "Usage: dial9");
	run_free(&r);
	RUN(&r, "help");
	assert_ok(&r);
	assert_contains(r.out, "wakegraph");
	run_free(&r);

	RUN(&r, "bogus", f->good);
	assert_clean_error(&r);
	run_free(&r);
	RUN(&r, "t", f->good); /* tasks, task, timeline */
	assert_clean_error(&r);
	assert_contains(r.err, "ambiguous");
	run_free(&r);
	RUN(&r, "summary");
	assert_clean_error(&r);
	run_free(&r);
	RUN(&r, "summary", "--nope", f->good);
	assert_clean_error(&r);
	run_free(&r);
	RUN(&r, "summary", "--sort", "max", f->good); /* not a summary option */
	assert_clean_error(&r);
	run_free(&r);
	RUN(&r, "tasks", "--sort", "weird", f->good);
	assert_clean_error(&r);
	run_free(&r);
	RUN(&r, "tasks", "--limit", "-3", f->good);
	assert_clean_error(&r);
	run_free(&r);
}

static char *read_all(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void write_bad(const struct fixture *f, const char *data, size_t len, char *path)
{
	int fd;

	snprintf(path, 192, "%s/bad.d9", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Every command fails cleanly on every kind of bad input. */
static void check_bad_file(const char *path)
{
	static const char *const cmds[] = { "summary", "tasks", "wakegraph", "timeline" };
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		RUN(&r, cmds[i], path);
		assert_clean_error(&r);
		run_free(&r);
	}
	RUN(&r, "summary", "--json", path);
	assert_clean_error(&r);
	run_free(&r);
	RUN(&r, "task", path, "2");
	assert_clean_error(&r);
	run_free(&r);
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	char path[192], *good, *bad;
	size_t len, cut;

	snprintf(path, sizeof(path), "%s/does-not-exist.d9", f->dir);
	check_bad_file(path);
	check_bad_file(f->dir); /* a directory */

	good = read_all(f->good, &len);
	bad = malloc(len);
	assert_non_null(bad);

	write_bad(f, "", 0, path); /* empty */
	check_bad_file(path);

	memcpy(bad, good, len); /* wrong magic */
	bad[0] ^= 0x20;
	write_bad(f, bad, len, path);
	check_bad_file(path);

	memcpy(bad, good, len); /* future version (u32 LE at offset 8) */
	bad[8] = DIAL9_FORMAT_VERSION + 1;
	write_bad(f, bad, len, path);
	check_bad_file(path);

	for (cut = 1; cut < len; cut += len / 7 + 1) { /* truncated */
		write_bad(f, good, cut, path);
		check_bad_file(path);
	}
	write_bad(f, good, len - 1, path);
	check_bad_file(path);
	free(bad);
	free(good);
}

/* A flipped byte anywhere is refused cleanly (no crash, one Error line). */
static void test_flipped_bytes(void **state)
{
	struct fixture *f = *state;
	char path[192], *good, *bad;
	size_t len, i, step;
	struct run r;

	good = read_all(f->good, &len);
	bad = malloc(len);
	assert_non_null(bad);
	step = len / 40 + 1;
	for (i = 0; i < len; i += step) {
		memcpy(bad, good, len);
		bad[i] ^= 0x41;
		write_bad(f, bad, len, path);
		RUN(&r, "summary", "--json", path);
		assert_clean_error(&r);
		run_free(&r);
	}
	free(bad);
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binary_exists),
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_summary_text),
		cmocka_unit_test(test_tasks_and_task),
		cmocka_unit_test(test_wakegraph_and_timeline),
		cmocka_unit_test(test_usage_and_bad_args),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_flipped_bytes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
