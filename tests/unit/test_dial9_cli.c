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
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dump.h"
#include "probe_classes.h"
#include "testdump.h"

#define DIAL9_BIN DIAL9_BUILD_DIR "/dial9"
#define V1_DUMP DIAL9_SRC_DIR "/tests/fixtures/v1-relay.dial9"
#define V1_SUMMARY DIAL9_SRC_DIR "/tests/fixtures/v1-relay.summary.json"
#define V2_DUMP DIAL9_SRC_DIR "/tests/fixtures/v2-relay.dial9"
#define V2_SUMMARY DIAL9_SRC_DIR "/tests/fixtures/v2-relay.summary.json"
#define V3_DUMP DIAL9_SRC_DIR "/tests/fixtures/v3-relay.dial9"
#define V3_SUMMARY DIAL9_SRC_DIR "/tests/fixtures/v3-relay.summary.json"
#define CLASS(c) (1u << DIAL9_CLASS_##c)
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
	char path[128]; /* scratch: a dump a test writes, or an output file */
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
		alarm(25); /* one that hangs dies before the poll below gives up */
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

/* Failed cleanly under --json: the "Error:" line on stderr, and the same
 * message on stdout as the one JSON object {"error": MESSAGE}. */
static void assert_clean_json_error(struct run *r)
{
	json_error_t jerr;
	json_t *j;
	size_t out_len = r->out_len;

	r->out_len = 0; /* what assert_clean_error checks of stdout is below */
	assert_clean_error(r);
	r->out_len = out_len;
	j = json_loadb(r->out, r->out_len, 0, &jerr);
	if (!j)
		fail_msg("not JSON on stdout: %s", r->out ? r->out : "");
	assert_int_equal(json_object_size(j), 1);
	assert_true(json_is_string(json_object_get(j, "error")));
	assert_int_equal(strlen(json_string_value(json_object_get(j, "error"))), r->err_len - 8);
	assert_memory_equal(json_string_value(json_object_get(j, "error")), r->err + 7,
			    r->err_len - 8);
	json_decref(j);
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
static void write_good_dump(const char *path, bool triggered)
{
	struct dial9_dump *d = dial9_dump__new();
	uint32_t main_loc, slow, relay, i;

	assert_non_null(d);
	d->meta.pid = 4242;
	d->meta.reason = DIAL9_REASON_SIGNAL;
	d->meta.signal = 11;
	d->meta.reason_tid = 4243;
	d->meta.reason_task = 2;
	if (triggered) { /* the 40 ms poll of task 2 fired "slow: poll > 25ms" */
		d->meta.reason = DIAL9_REASON_TRIGGERED;
		d->meta.signal = 0;
		d->meta.reason_tid = 4244;
		d->meta.trigger_metric = DIAL9_TRIGGER_POLL;
		d->meta.trigger_rule = strdup("slow: poll > 25ms holdoff=1min max-per-hour=6");
		d->meta.trigger_value = 40 * MS;
		d->meta.trigger_threshold = 25 * MS;
		d->meta.trigger_ns = T0 + 45 * MS;
	}
	strcpy(d->meta.comm, "testapp");
	strcpy(d->meta.build_id, "00112233445566778899aabbccddeeff00112233");
	d->meta.exe = strdup("/opt/test \"app\"/bin");
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + 1000 * MS;
	d->meta.clock_base_ns = 1700000000ULL * 1000000000ULL;
	d->meta.lost_ringbuf = 9;
	d->meta.probes = DIAL9_CLASSES_ALL;
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
	write_good_dump(f->good, false);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[192];
	static const char *const names[] = { "good.d9", "bad.d9", "test.d9", "out" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static json_t *json_of(const struct run *r)
{
	json_error_t jerr;
	json_t *j = json_loads(r->out, 0, &jerr);

	if (!j)
		fail_msg("not JSON (%s): %s", jerr.text, r->out);
	return j;
}

/* The value at path in j: keys separated by '.', array elements as [N]
 * ("long_polls[0].duration_ns"); NULL if there is none. */
static json_t *jpath(json_t *j, const char *path)
{
	char key[128];

	while (j && *path) {
		size_t n = strcspn(path, ".[");

		if (n) {
			snprintf(key, sizeof(key), "%.*s", (int)n, path);
			j = json_object_get(j, key);
			path += n;
		} else if (*path == '[') {
			j = json_array_get(j, strtoul(path + 1, (char **)&path, 10));
			path += *path == ']';
		} else {
			path++; /* '.' */
		}
	}
	return j;
}

static void assert_jint(json_t *j, const char *path, long long want)
{
	json_t *v = jpath(j, path);

	if (!json_is_integer(v) || json_integer_value(v) != want)
		fail_msg("%s: want %lld, got %s", path, want,
			 v ? json_dumps(v, JSON_ENCODE_ANY) : "nothing");
}

static void assert_jstr(json_t *j, const char *path, const char *want)
{
	json_t *v = jpath(j, path);

	if (!json_is_string(v) || strcmp(json_string_value(v), want))
		fail_msg("%s: want \"%s\", got %s", path, want,
			 v ? json_dumps(v, JSON_ENCODE_ANY) : "nothing");
}

static void assert_jnull(json_t *j, const char *path)
{
	json_t *v = jpath(j, path);

	if (!json_is_null(v))
		fail_msg("%s: want null, got %s", path, v ? json_dumps(v, JSON_ENCODE_ANY) : "nothing");
}

/* j at path equals the JSON text want. */
static void assert_jeq(json_t *j, const char *path, const char *want)
{
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL), *v = jpath(j, path);

	assert_non_null(w);
	if (!json_equal(v, w))
		fail_msg("%s: want %s, got %s", path, want, v ? json_dumps(v, JSON_ENCODE_ANY) : "nothing");
	json_decref(w);
}

static void test_summary_json(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *j;

	RUN(&r, "summary", "--json", f->good);
	assert_ok(&r);
	j = json_of(&r);
	assert_jint(j, "format_version", DIAL9_FORMAT_VERSION);
	assert_jnull(j, "trigger");
	assert_jeq(j, "probes_missing", "[]");
	assert_jeq(j, "unknown", "{}");
	assert_jnull(j, "lumped_into_runtime");
	assert_jint(j, "pid", 4242);
	assert_jstr(j, "comm", "testapp");
	assert_jstr(j, "exe", "/opt/test \"app\"/bin");
	assert_jstr(j, "reason", "signal");
	assert_jint(j, "signal", 11);
	assert_jint(j, "start_ns", 7000000000);
	assert_jint(j, "end_ns", 8000000000);
	assert_jint(j, "events", 15);
	assert_jint(j, "lost", 9);
	assert_jint(j, "tasks", 8);
	assert_jint(j, "spawns", 2);
	assert_jint(j, "polls", 3);
	assert_jint(j, "wakes", 5);
	assert_jint(j, "long_polls[0].task_id", 2);
	assert_jint(j, "long_polls[0].duration_ns", 40000000);
	assert_jstr(j, "long_polls[0].location", "src/slow.rs:10:9");
	assert_jeq(j, "longest_wake_chain",
		   "{\"length\":5,\"first_waker\":\"task\",\"tasks\":[11,12,13,14,15,16]}");
	assert_jstr(j, "lost_in_window.marks[0].cause", "ringbuf");
	json_decref(j);
	/* One JSON document, one line. */
	assert_int_equal(r.out[r.out_len - 1], '\n');
	assert_null(memchr(r.out, '\n', r.out_len - 1));
	run_free(&r);

	/* Global option before the command, and a command prefix. */
	RUN(&r, "--json", "sum", f->good);
	assert_ok(&r);
	j = json_of(&r);
	assert_jint(j, "pid", 4242);
	json_decref(j);
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
	assert_contains(r.out, "\nprobes     all found\n");
	assert_null(strstr(r.out, "≤"));
	run_free(&r);
}

static char *read_all(const char *path, size_t *len);

/* A triggered dump says what fired first, in text, JSON and the report. */
static void test_summary_trigger(void **state)
{
	static const char first[] =
		"TRIGGER    a poll or stall of 40.0 ms, over 25.0 ms, at +45.000ms, task 2 on "
		"thread 4244; 955.00ms of the window after it\n"
		"           rule slow: poll > 25ms holdoff=1min max-per-hour=6\n";
	static const char marker[] = "{\"kind\":\"trigger\",\"t\":45000000,\"tid\":4244,";
	struct fixture *f = *state;
	char path[192], page[192];
	struct run r;
	size_t len;
	json_t *j;
	char *html;

	snprintf(path, sizeof(path), "%s/test.d9", f->dir);
	write_good_dump(path, true);
	RUN(&r, "summary", path);
	assert_ok(&r);
	if (strncmp(r.out, first, strlen(first)))
		fail_msg("summary does not begin with the trigger:\n%s", r.out);
	assert_contains(r.out, "reason     triggered  thread 4244  task 2\n");
	run_free(&r);

	RUN(&r, "summary", "--json", path);
	assert_ok(&r);
	j = json_of(&r);
	assert_jstr(j, "reason", "triggered");
	assert_jstr(j, "trigger.metric", "poll");
	assert_jstr(j, "trigger.rule", "slow: poll > 25ms holdoff=1min max-per-hour=6");
	assert_jint(j, "trigger.value", 40 * MS);
	assert_jint(j, "trigger.threshold", 25 * MS);
	assert_jint(j, "trigger.fired_ns", T0 + 45 * MS);
	assert_jint(j, "trigger.after_ns", 955 * MS);
	json_decref(j);
	run_free(&r);

	snprintf(page, sizeof(page), "%s/out", f->dir);
	RUN(&r, "report", path, "-o", page);
	assert_ok(&r);
	run_free(&r);
	html = read_all(page, &len);
	if (!memmem(html, len, marker, strlen(marker)))
		fail_msg("the report has no trigger marker %s", marker);
	free(html);
	unlink(page);
	unlink(path);
}

/* A window of 1 s: a task woken and polled 1 ms later every 10 ms, but the
 * poll/wake probes were off from 300 to 600 ms. */
static void write_mode_dump(const char *path)
{
	struct dial9_dump *d = dial9_dump__new();
	uint32_t loc;
	uint64_t t;

	assert_non_null(d);
	d->meta.pid = 77;
	d->meta.reason = DIAL9_REASON_REQUEST;
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + 1000 * MS;
	d->meta.probes = DIAL9_CLASSES_ALL;
	loc = dial9_strtab__add(&d->strings, "src/tick.rs:1:1");
	ev(d, 0, DIAL9_EV_MODE, 0, 0, 0, DIAL9_MODE_FULL, 0);
	for (t = 0; t < 1000; t += 10) {
		if (t == 300)
			ev(d, t * MS, DIAL9_EV_MODE, 0, 0, 0, DIAL9_MODE_OFF, 0);
		if (t == 600)
			ev(d, t * MS, DIAL9_EV_MODE, 0, 0, 0, DIAL9_MODE_FULL, 0);
		if (t == 450)
			ev(d, t * MS, DIAL9_EV_LOST, 0, 7, 0, DIAL9_LOST_RINGBUF, 0);
		if (t >= 300 && t < 600)
			continue;
		ev(d, t * MS + 1, DIAL9_EV_WAKE, 5, 0, 11, DIAL9_WAKER_TIMER, 0);
		ev(d, (t + 1) * MS + 1, DIAL9_EV_POLL_START, 5, loc, 12, 0, 0);
		ev(d, (t + 2) * MS + 1, DIAL9_EV_POLL_END, 5, 1 * MS, 12, 0, 0);
	}
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	dial9_dump__free(d);
}

/* dial9 metrics: per interval, latency and queue only where recorded in
 * full; the off stretch says so instead of showing zeros. */
static void test_metrics(void **state)
{
	struct fixture *f = *state;
	char path[192];
	struct run r;
	json_t *j;

	snprintf(path, sizeof(path), "%s/test.d9", f->dir);
	write_mode_dump(path);
	RUN(&r, "metrics", "--json", "--interval", "100", path);
	assert_ok(&r);
	j = json_of(&r);
	assert_jint(j, "interval_ns", 100 * MS);
	assert_int_equal(json_array_size(json_object_get(j, "intervals")), 10);
	assert_jint(j, "intervals[0].polls", 10);
	assert_jint(j, "intervals[0].wakes", 10);
	assert_jint(j, "intervals[0].full_ns", 100 * MS);
	assert_jeq(j, "intervals[0].modes", "[\"full\"]");
	assert_jint(j, "intervals[0].queue_max", 1);
	assert_jint(j, "intervals[0].latency.samples", 10);
	assert_jint(j, "intervals[0].latency.p50_ns", 1 * MS);
	assert_jint(j, "intervals[0].latency.p99_ns", 1 * MS);
	assert_jeq(j, "intervals[0].latency.few", "false");
	assert_jeq(j, "intervals[3].modes", "[\"off\"]");
	assert_jint(j, "intervals[3].full_ns", 0);
	assert_jnull(j, "intervals[3].latency");
	assert_jnull(j, "intervals[3].queue_max");
	assert_jnull(j, "intervals[3].wakes");
	assert_jnull(j, "intervals[3].polls");
	assert_jint(j, "intervals[4].lost", 7);
	assert_jeq(j, "intervals[6].modes", "[\"full\"]");
	assert_jint(j, "intervals[6].latency.samples", 10);
	json_decref(j);
	run_free(&r);

	RUN(&r, "metrics", "--interval", "100", path);
	assert_ok(&r);
	assert_contains(r.out, "10 intervals of 100.00ms");
	assert_contains(r.out, "latency and queue in 7 of 10 intervals (70%)\n");
	assert_contains(r.out, "  +300.000ms      ?      ?       -       -       -        ?      ?  off  "
			       "      0     0  probes off: no polls, wakes, latency or queue\n");
	run_free(&r);

	RUN(&r, "metrics", "--interval", "0.0001", path);
	assert_clean_error(&r);
	assert_contains(r.err, "bad --interval '0.0001' (milliseconds, at least 1)");
	run_free(&r);
	unlink(path);
}

/* CPU samples at 1 kHz: task 7 (spawned at src/main.rs:2:1) spins in
 * app::spin from 10 to 40 ms on thread 20 with the poll probes off, parks,
 * and runs 3 ms more; thread 21 runs outside any task; one sample came
 * before the task id's place was known. */
static void write_cpu_dump(const char *path)
{
	struct dial9_dump *d = dial9_dump__new();
	uint32_t spawn, spin, other;
	uint64_t t;

	assert_non_null(d);
	d->meta.pid = 88;
	d->meta.reason = DIAL9_REASON_REQUEST;
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + 100 * MS;
	d->meta.probes = DIAL9_CLASSES_ALL;
	d->meta.cpu_sample_hz = 1000;
	spawn = dial9_strtab__add(&d->strings, "src/main.rs:2:1");
	spin = dial9_strtab__add(&d->strings, "app::spin (src/spin.rs:3:5)");
	other = dial9_strtab__add(&d->strings, "app::other");
	ev(d, 0, DIAL9_EV_MODE, 0, 0, 0, DIAL9_MODE_OFF, 0);
	ev(d, 1 * MS, DIAL9_EV_SPAWN, 7, spawn, 20, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_CPU_SAMPLE, 0, other, 20, 0, DIAL9_SAMPLE_F_NO_TASK_ID);
	for (t = 10; t <= 40; t++) {
		ev(d, t * MS, DIAL9_EV_CPU_SAMPLE, 7, spin, 20, 0, 0);
		if (t < 15)
			ev(d, t * MS + 1, DIAL9_EV_CPU_SAMPLE, 0, other, 21, 0, 0);
	}
	ev(d, 41 * MS, DIAL9_EV_PARK, 0, 0, 20, 0, 0);
	for (t = 42; t <= 44; t++)
		ev(d, t * MS, DIAL9_EV_CPU_SAMPLE, 7, t == 44 ? other : spin, 20, 0, 0);
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	dial9_dump__free(d);
}

/* The CPU sampler: runs of a task found with the probes off, and the
 * profile by task and by spawn location. */
static void test_cpu_samples(void **state)
{
	struct fixture *f = *state;
	char path[192];
	struct run r;
	json_t *j;

	snprintf(path, sizeof(path), "%s/test.d9", f->dir);
	write_cpu_dump(path);
	RUN(&r, "summary", "--json", path);
	assert_ok(&r);
	j = json_of(&r);
	assert_jint(j, "cpu_samples.hz", 1000);
	assert_jint(j, "cpu_samples.count", 40);
	assert_jint(j, "cpu_samples.with_task", 34);
	assert_jint(j, "cpu_samples.unattributed", 1);
	assert_int_equal(json_array_size(jpath(j, "cpu_samples.longest_runs")), 2);
	assert_jint(j, "cpu_samples.longest_runs[0].task_id", 7);
	assert_jint(j, "cpu_samples.longest_runs[0].tid", 20);
	assert_jint(j, "cpu_samples.longest_runs[0].start_ns", T0 + 10 * MS);
	assert_jint(j, "cpu_samples.longest_runs[0].duration_ns", 31 * MS);
	assert_jint(j, "cpu_samples.longest_runs[0].samples", 31);
	assert_jeq(j, "cpu_samples.longest_runs[0].probed", "false");
	assert_jstr(j, "cpu_samples.longest_runs[0].location", "app::spin (src/spin.rs:3:5)");
	/* the park ended the first run: the next is its own */
	assert_jint(j, "cpu_samples.longest_runs[1].start_ns", T0 + 42 * MS);
	assert_jint(j, "cpu_samples.longest_runs[1].samples", 3);
	json_decref(j);
	run_free(&r);

	RUN(&r, "summary", path);
	assert_ok(&r);
	assert_contains(r.out, "cpu        40 samples at 1000 Hz a CPU: 34 found a task polled (85%); "
			       "1 taken before dial9d knew");
	assert_contains(r.out, "       7     31.00ms    +10.000ms                        20 "
			       "      31  off     app::spin (src/spin.rs:3:5)\n");
	run_free(&r);

	RUN(&r, "profile", "--json", path);
	assert_ok(&r);
	j = json_of(&r);
	assert_jstr(j, "by", "task");
	assert_jint(j, "rows[0].task_id", 7);
	assert_jint(j, "rows[0].samples", 34);
	assert_jstr(j, "rows[0].functions[0].function", "app::spin (src/spin.rs:3:5)");
	assert_jint(j, "rows[0].functions[0].samples", 33);
	assert_jint(j, "rows[1].task_id", 0);
	assert_jint(j, "rows[1].samples", 6);
	json_decref(j);
	run_free(&r);

	RUN(&r, "profile", "--by", "location", path);
	assert_ok(&r);
	assert_contains(r.out, "  85.0%       34  src/main.rs:2:1\n          97.1%  app::spin (src/spin.rs:3:5)\n");
	run_free(&r);

	RUN(&r, "profile", "--by", "thread", path);
	assert_clean_error(&r);
	assert_contains(r.err, "bad --by 'thread' (task or location)");
	run_free(&r);
	RUN(&r, "profile", f->good);
	assert_clean_error(&r);
	assert_contains(r.err, "no CPU samples in this dump");
	run_free(&r);
	unlink(path);
}

static void test_tasks_and_task(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *j;

	RUN(&r, "tasks", "--json", "--sort", "max", "--limit", "1", f->good);
	assert_ok(&r);
	j = json_of(&r);
	assert_int_equal(json_array_size(j), 1); /* limited to one row */
	assert_jint(j, "[0].task_id", 2);
	assert_jstr(j, "[0].location", "src/slow.rs:10:9");
	assert_jint(j, "[0].parent", 1);
	assert_jint(j, "[0].poll_ns_max", 40000000);
	json_decref(j);
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
	json_decref(json_of(&r)); /* and it is one JSON document */
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
	json_t *j;

	RUN(&r, "wakegraph", "--json", f->good);
	assert_ok(&r);
	j = json_of(&r);
	assert_jint(j, "longest_wake_chain.length", 5);
	assert_contains(r.out, "{\"waker\":{\"kind\":\"task\",\"task_id\":11},\"woken\":12,");
	json_decref(j);
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
	assert_clean_json_error(&r);
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
	assert_clean_json_error(&r);
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
		assert_clean_json_error(&r);
		run_free(&r);
	}
	free(bad);
	free(good);
}

/* --- what the recording can vouch for ------------------------------------ */

/* A version-2 dump in the fixture's scratch path: probes found, a task 1
 * polled on tid 4243 (1 ms, exact), the events the caller adds after. */
static struct dial9_dump *v2_dump(uint32_t probes)
{
	struct dial9_dump *d = dial9_dump__new();

	assert_non_null(d);
	d->meta.pid = 5151;
	strcpy(d->meta.comm, "v2app");
	d->meta.start_ns = T0;
	d->meta.end_ns = T0 + 100 * MS;
	d->meta.probes = probes;
	ev(d, 1 * MS, DIAL9_EV_POLL_START, 1, 0, 4243, 0, 0);
	ev(d, 2 * MS, DIAL9_EV_POLL_END, 1, 1 * MS, 4243, 0, 0);
	return d;
}

static void write_and_free(struct dial9_dump *d, struct fixture *f)
{
	snprintf(f->path, sizeof(f->path), "%s/test.d9", f->dir);
	assert_int_equal(dial9_dump__write(d, f->path, 0600), 0);
	dial9_dump__free(d);
}

/* dial9 ARGS succeeds and its stdout holds each needle (a NULL-terminated
 * list). */
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
static void expect(const char *const *args, ...)
{
	const char *needle;
	struct run r;
	va_list ap;

	run_dial9(&r, args);
	assert_ok(&r);
	va_start(ap, args);
	while ((needle = va_arg(ap, const char *)))
		assert_contains(r.out, needle);
	va_end(ap);
	run_free(&r);
}

static void assert_file_contains(const char *path, const char *needle)
{
	size_t len;
	char *buf = read_all(path, &len);

	buf = realloc(buf, len + 1);
	assert_non_null(buf);
	buf[len] = '\0';
	assert_contains(buf, needle);
	free(buf);
}

static json_t *summary_of(const char *path)
{
	struct run r;
	json_t *j;

	RUN(&r, "summary", "--json", path);
	assert_ok(&r);
	j = json_of(&r);
	run_free(&r);
	return j;
}

/* The previous dial9's recording still reads, says the same facts as the
 * previous reader did, and says that its probes were not recorded. */
static void test_v1_fixture(void **state)
{
	static const char *const facts[] = {
		"pid", "reason", "spawns", "terminations", "polls", "wakes", "lost", "tasks",
		"events", "longest_wake_chain", "queue_depth_peak", "wake_latency",
	};
	json_error_t jerr;
	json_t *want = json_load_file(V1_SUMMARY, 0, &jerr), *got;
	size_t i;

	assert_non_null(want);
	got = summary_of(V1_DUMP);
	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (!json_equal(json_object_get(want, facts[i]), json_object_get(got, facts[i])))
			fail_msg("v1 fixture: \"%s\" differs from the previous reader's", facts[i]);
	}
	assert_int_equal(json_integer_value(json_object_get(got, "format_version")), 1);
	assert_true(json_is_null(json_object_get(got, "probes_missing")));
	assert_int_equal(json_object_size(json_object_get(got, "unknown")), 0);
	json_decref(want);
	json_decref(got);

	expect(ARGS("summary", V1_DUMP),
	       "\nprobes     not recorded (a version 1 dump: what the recorder "
	       "could see is unknown)\n",
	       "tasks      3 (3 spawned, 3 terminated in the window)\n",
	       "wake chain 3 wakes: thread -> 3 -> 4 -> 5\n", NULL);
	expect(ARGS("wakegraph", "--json", V1_DUMP),
	       "{\"available\":true,\"reason\":null,\"lumped_into_runtime\":null,", NULL);
}

/* Does got say everything want says?  Objects may have keys that want has
 * not (fields added since); arrays hold as many items, each saying the same. */
static bool json_says(const json_t *want, const json_t *got)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(want)) {
		if (!json_is_object(got))
			return false;
		json_object_foreach((json_t *)want, key, v)
			if (!json_says(v, json_object_get(got, key)))
				return false;
		return true;
	}
	if (json_is_array(want)) {
		if (!json_is_array(got) || json_array_size(want) != json_array_size(got))
			return false;
		for (i = 0; i < json_array_size(want); i++)
			if (!json_says(json_array_get(want, i), json_array_get(got, i)))
				return false;
		return true;
	}
	return got && json_equal((json_t *)want, (json_t *)got);
}

/* A recording of an older version says what that version's reader said of
 * it (summary --json, kept beside it): the same facts (new fields aside),
 * the same counts per kind (kinds added since then count 0). */
static void check_fixture(const char *dump, const char *summary, int version,
			  size_t nkinds)
{
	static const char *const facts[] = {
		"pid", "reason", "spawns", "terminations", "polls", "wakes", "lost", "tasks",
		"events", "longest_wake_chain", "queue_depth_peak", "wake_latency",
		"probes_missing", "unknown", "modes", "exit", "long_polls",
	};
	json_error_t jerr;
	json_t *want = json_load_file(summary, 0, &jerr), *got, *v;
	const char *kind;
	size_t i;

	assert_non_null(want);
	got = summary_of(dump);
	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (!json_says(json_object_get(want, facts[i]), json_object_get(got, facts[i])))
			fail_msg("v%d fixture: \"%s\" differs from the version %d reader's",
				 version, facts[i], version);
	}
	json_object_foreach(json_object_get(got, "event_counts"), kind, v) {
		json_t *was = json_object_get(json_object_get(want, "event_counts"), kind);

		if (was ? !json_equal(was, v) : json_integer_value(v) != 0)
			fail_msg("v%d fixture: event_counts.%s differs", version, kind);
	}
	assert_int_equal(json_object_size(json_object_get(want, "event_counts")), nkinds);
	assert_int_equal(json_integer_value(json_object_get(got, "format_version")), version);
	assert_string_equal(json_string_value(json_object_get(got, "reason")), "exit");
	json_decref(want);
	json_decref(got);
}

/* A version 2 recording (the relay target, written by the dial9d of
 * December 2026) says what the version 2 reader said of it. */
static void test_v2_fixture(void **state)
{
	check_fixture(V2_DUMP, V2_SUMMARY, 2, 14);
}

/* A version 3 recording (the relay target, by the dial9d of main at
 * 480353d) says what the version 3 reader said of it. */
static void test_v3_fixture(void **state)
{
	check_fixture(V3_DUMP, V3_SUMMARY, 3, 15);
}

/* A dump with a thread table: 4243 a worker, 4244 the blocking pool's
 * (waking a task from its closure), 4245 a current_thread runtime's thread
 * with a name holding a terminal escape; 4246 is not in the table. */
static void write_named_dump(struct fixture *f)
{
	static const struct dial9_dump_thread th[] = {
		{ 4243, DIAL9_THREAD_WORKER, "tokio-runtime-w" },
		{ 4244, DIAL9_THREAD_BLOCKING, "tokio-runtime-w" },
		{ 4245, DIAL9_THREAD_BLOCK_ON, "app\033[2J" },
	};
	struct dial9_dump *d = v2_dump(DIAL9_CLASSES_ALL);
	uint32_t loc = dial9_strtab__add(&d->strings, "src/main.rs:9:9");

	d->meta.reason = DIAL9_REASON_PANIC;
	d->meta.reason_tid = 4245;
	ev(d, 3 * MS, DIAL9_EV_SPAWN, 2, loc, 4245, 0, 0);
	ev(d, 4 * MS, DIAL9_EV_WAKE, 1, 0, 4244, DIAL9_WAKER_THREAD, 0);
	ev(d, 5 * MS, DIAL9_EV_POLL_START, 2, loc, 4245, 0, 0);
	ev(d, 6 * MS, DIAL9_EV_PANIC, 2, loc, 4245, 0, 0);
	ev(d, 7 * MS, DIAL9_EV_POLL_END, 2, 2 * MS, 4245, 0, 0);
	ev(d, 40 * MS, DIAL9_EV_STALL, 1, 20 * MS, 4243, 0, 0);
	ev(d, 50 * MS, DIAL9_EV_SIGNAL, 0, 0, 4246, 11, 0);
	d->threads = malloc(sizeof(th));
	assert_non_null(d->threads);
	memcpy(d->threads, th, sizeof(th));
	d->nthreads = 3;
	d->threads_known = true;
	write_and_free(d, f);
}

/* Every view names a thread as the dump does, "name (tid)", with its role
 * where threads are listed, and JSON beside each tid its thread_name and
 * thread_role (null when the dump does not say); names are made safe for a
 * terminal; a version 3 dump's threads are bare tids and nothing is said
 * of their names or roles. */
static void test_thread_names(void **state)
{
	struct fixture *f = *state;
	struct run r;
	json_t *j;

	write_named_dump(f);
	expect(ARGS("summary", f->path),
	       "reason     panic  thread app?[2J (4245)\n",
	       "panic      +6.000ms  thread app?[2J (4245)  task 2",
	       "signal     +50.000ms  SIGSEGV to thread 4246 from the kernel\n",
	       "  2.00ms  +5.000ms  app?[2J (4245)  ",
	       "  20.00ms  +20.000ms  tokio-runtime-w (4243)  ",
	       "\nThreads\n  THREAD                  ROLE      POLLS",
	       "  tokio-runtime-w (4243)  worker        1", /* 1 ms before 4243's stall */
	       "  tokio-runtime-w (4244)  blocking      0",
	       "  app?[2J (4245)          block_on      1",
	       "  4246                    ?             0", NULL);

	RUN(&r, "summary", "--json", f->path);
	assert_ok(&r);
	j = json_of(&r);
	assert_jint(j, "reason_tid", 4245);
	assert_jstr(j, "reason_thread_name", "app\033[2J"); /* JSON escapes it */
	assert_jstr(j, "reason_thread_role", "block_on");
	assert_jstr(j, "panics[0].thread_name", "app\033[2J");
	assert_jstr(j, "long_stalls[0].thread_name", "tokio-runtime-w");
	assert_jstr(j, "long_stalls[0].thread_role", "worker");
	assert_jint(j, "signal_list[0].tid", 4246);
	assert_jint(j, "signal_list[0].signal", 11);
	assert_jnull(j, "signal_list[0].thread_name");
	assert_jnull(j, "signal_list[0].thread_role");
	assert_jeq(j, "thread_names_recorded", "true");
	assert_jint(j, "threads[1].tid", 4244);
	assert_jstr(j, "threads[1].thread_role", "blocking");
	assert_jint(j, "threads[1].polls", 0);
	assert_jint(j, "threads[3].tid", 4246);
	assert_jnull(j, "threads[3].thread_name");
	json_decref(j);
	run_free(&r);

	expect(ARGS("timeline", f->path), "\nthread app?[2J (4245), block_on: 1 polls",
	       "\nthread tokio-runtime-w (4243), worker: 1 polls", NULL);
	RUN(&r, "timeline", "--json", f->path);
	assert_ok(&r);
	j = json_of(&r);
	assert_jint(j, "threads[0].tid", 4243);
	assert_jstr(j, "threads[0].thread_name", "tokio-runtime-w");
	assert_jstr(j, "threads[0].thread_role", "worker");
	json_decref(j);
	run_free(&r);

	expect(ARGS("task", f->path, "2"), "spawned    +3.000ms on thread app?[2J (4245) by",
	       "  app?[2J (4245)  poll start  ", NULL);
	RUN(&r, "task", "--json", f->path, "2");
	assert_ok(&r);
	j = json_of(&r);
	assert_jstr(j, "task.spawn_thread_name", "app\033[2J");
	assert_jstr(j, "task.spawn_thread_role", "block_on");
	assert_jstr(j, "events[0].thread_name", "app\033[2J");
	assert_jstr(j, "events[0].role", "self"); /* the task's part, not the thread's */
	json_decref(j);
	run_free(&r);

	/* a version 3 dump: bare tids, names and roles not recorded */
	expect(ARGS("summary", V3_DUMP),
	       "\nThreads (not named: a version 3 dump has no thread table)\n",
	       "\n  17967   ?        39", NULL);
	RUN(&r, "summary", "--json", V3_DUMP);
	assert_ok(&r);
	j = json_of(&r);
	assert_jeq(j, "thread_names_recorded", "false");
	assert_jint(j, "threads[0].tid", 17932);
	assert_jnull(j, "threads[0].thread_name");
	assert_jnull(j, "threads[0].thread_role");
	assert_jnull(j, "long_polls[0].thread_name");
	json_decref(j);
	run_free(&r);
	expect(ARGS("timeline", V3_DUMP), "\nthread 17967: 39 polls", NULL);
}

/* No spawn, wake or park probe: what they would have said is unknown
 * everywhere, never 0; the wake graph says why it is not there. */
static void test_missing_spawn_wake(void **state)
{
	struct fixture *f = *state;
	struct dial9_dump *d =
		v2_dump(DIAL9_CLASSES_ALL & ~(CLASS(SPAWN) | CLASS(WAKE) | CLASS(PARK)));
	json_t *sum, *unk, *missing, *j;
	struct run r;

	ev(d, 5 * MS, DIAL9_EV_POLL_START, 2, 0, 4244, 0, 0);
	ev(d, 9 * MS, DIAL9_EV_POLL_END, 2, 4 * MS, 4244, 0, DIAL9_POLL_F_COMPLETE);
	ev(d, 10 * MS, DIAL9_EV_TERMINATE, 2, 0, 4244, 0, 0);
	write_and_free(d, f);

	sum = summary_of(f->path);
	assert_int_equal(json_integer_value(json_object_get(sum, "format_version")),
			 DIAL9_FORMAT_VERSION);
	assert_int_equal(json_integer_value(json_object_get(sum, "polls")), 2);
	assert_int_equal(json_integer_value(json_object_get(sum, "terminations")), 1);
	assert_true(json_is_null(json_object_get(sum, "spawns")));
	assert_true(json_is_null(json_object_get(sum, "wakes")));
	assert_true(json_is_null(json_object_get(sum, "queue_depth_peak")));
	assert_true(json_is_null(json_object_get(sum, "wake_latency")));
	assert_true(json_is_null(json_object_get(sum, "worst_wake_latency")));
	assert_true(json_is_null(json_object_get(sum, "longest_wake_chain")));
	assert_true(json_is_null(json_object_get(json_object_get(sum, "event_counts"), "spawn")));
	assert_true(json_is_null(json_object_get(json_object_get(sum, "event_counts"), "wake")));
	missing = json_object_get(sum, "probes_missing");
	assert_int_equal(json_array_size(missing), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(missing, 0), "class")),
			    "wake");
	assert_string_equal(json_string_value(json_object_get(json_array_get(missing, 0), "cost")),
			    dial9_probe_class_cost(DIAL9_CLASS_WAKE));
	unk = json_object_get(sum, "unknown");
	assert_string_equal(json_string_value(json_object_get(unk, "spawns")),
			    "no spawn probe: spawn times, locations and parents are unknown");
	assert_true(json_is_string(json_object_get(unk, "wakes")));
	assert_true(json_is_string(json_object_get(unk, "queue")));
	assert_true(json_is_string(json_object_get(unk, "idle")));
	assert_null(json_object_get(unk, "polls"));
	assert_contains(json_string_value(json_object_get(sum, "lumped_into_runtime")),
			"no park probe: ");
	json_decref(sum);

	expect(ARGS("summary", f->path),
	       "\nprobes     no wake probe: no wake, wake graph or wake-to-poll "
	       "latency\n           no spawn probe: spawn times, locations and "
	       "parents are unknown\n           no park probe: idle time is not "
	       "recorded; ",
	       "tasks      2 (? spawned, 1 terminated in the window)\n",
	       "\nwakes      unknown (no wake probe: no wake, wake graph or "
	       "wake-to-poll latency)\n",
	       "\nrunnable   unknown (no wake probe: ", NULL);

	RUN(&r, "tasks", "--json", f->path);
	assert_ok(&r);
	j = json_of(&r);
	for (size_t i = 0; i < json_array_size(j); i++) {
		json_t *t = json_array_get(j, i);

		assert_jnull(t, "parent");
		assert_jnull(t, "spawn_ns");
		assert_jnull(t, "wakes");
		assert_jnull(t, "wakes_sent");
		assert_jnull(t, "children");
		assert_jnull(t, "wake_latency_count");
	}
	assert_true(json_array_size(j) > 0);
	json_decref(j);
	run_free(&r);
	expect(ARGS("tasks", f->path),
	       "not recorded: no wake probe: ", NULL);
	expect(ARGS("task", f->path, "1"),
	       "\nspawned    unknown (no spawn probe: spawn times, locations and "
	       "parents are unknown)\n",
	       "\nwakes      unknown (no wake probe: ",
	       "; ? children\n", NULL);

	RUN(&r, "wakegraph", f->path);
	assert_ok(&r);
	assert_string_equal(r.out, "wake graph unavailable: no wake probe: no wake, wake graph or "
				   "wake-to-poll latency\n");
	run_free(&r);
	RUN(&r, "wakegraph", "--json", f->path);
	assert_ok(&r);
	assert_string_equal(r.out, "{\"available\":false,\"reason\":\"no wake probe: no wake, wake "
				   "graph or wake-to-poll latency\"}\n");
	run_free(&r);
	RUN(&r, "wakegraph", "--dot", f->path);
	assert_ok(&r);
	assert_memory_equal(r.out, "digraph dial9_wakes { label=\"wake graph unavailable: ", 52);
	run_free(&r);

	expect(ARGS("timeline", f->path),
	       "\nidle  unknown (no park probe: idle time is not recorded; ",
	       "polls, busy 1.00ms, idle ?\n", NULL);
	expect(ARGS("timeline", "--json", f->path),
	       "\"idle_ns\":null,", NULL);
}

/* One poll whose return was not seen: its length, and its task's longest
 * and total poll time, are upper bounds wherever they are shown. */
static void test_inferred_poll_is_bound(void **state)
{
	struct fixture *f = *state;
	struct dial9_dump *d = v2_dump(DIAL9_CLASSES_ALL);
	json_t *sum, *top;
	char out[160];
	struct run r;

	ev(d, 3 * MS, DIAL9_EV_POLL_START, 1, 0, 4243, 0, 0);
	ev(d, 15 * MS, DIAL9_EV_POLL_END, 1, 12 * MS, 4243, 0, DIAL9_POLL_F_INFERRED);
	write_and_free(d, f);

	sum = summary_of(f->path);
	assert_int_equal(json_integer_value(json_object_get(sum, "polls_bound")), 1);
	assert_true(json_is_true(json_object_get(sum, "poll_ns_recorded_is_bound")));
	top = json_object_get(sum, "long_polls");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(top, 0), "duration_ns")),
			 12 * MS);
	assert_true(json_is_true(json_object_get(json_array_get(top, 0), "duration_is_bound")));
	assert_true(json_is_false(json_object_get(json_array_get(top, 1), "duration_is_bound")));
	json_decref(sum);

	expect(ARGS("summary", f->path),
	       "polls      2 recorded (≤13.00ms), 1 of them upper bounds",
	       "≤12.00ms", NULL);
	expect(ARGS("tasks", "--json", f->path),
	       "\"poll_ns_total\":13000000,\"poll_ns_total_is_bound\":true,",
	       "\"poll_ns_max\":12000000,\"poll_ns_max_is_bound\":true,", NULL);
	expect(ARGS("tasks", f->path),
	       "≤13.00ms  ≤12.00ms", NULL);
	expect(ARGS("task", f->path, "1"),
	       "polls      2 recorded, ≤13.00ms total, ≤12.00ms max",
	       "poll end    ≤12.00ms", NULL);
	expect(ARGS("task", "--json", f->path, "1"),
	       "\"duration_ns\":12000000,\"duration_is_bound\":true,",
	       "\"duration_ns\":1000000,\"duration_is_bound\":false,", NULL);
	expect(ARGS("timeline", f->path),
	       "≤12.00ms",
	       "busy ≤13.00ms", NULL);
	expect(ARGS("timeline", "--json", f->path),
	       "\"duration_ns\":12000000,\"duration_is_bound\":true,",
	       "\"busy_ns_is_bound\":true,", NULL);

	snprintf(out, sizeof(out), "%s/out", f->dir);
	RUN(&r, "export", "--format", "perfetto", "-o", out, f->path);
	assert_ok(&r);
	run_free(&r);
	assert_file_contains(out, "\"duration_ns\":12000000,\"duration_is_bound\":true}");
	assert_file_contains(out, "\"duration_ns\":1000000,\"duration_is_bound\":false}");
	assert_file_contains(out, "\"polls_bound\":1,\"probes_missing\":[],\"unknown\":{},");
	RUN(&r, "report", f->path, "-o", out);
	assert_ok(&r);
	run_free(&r);
	assert_file_contains(out, "\"dur\":12000000,\"bound\":true,");
	assert_file_contains(out, "\"polls_bound\":1,");
}

/* block_on wakes are named like the other wakers; wakes lumped into
 * "runtime" for want of a probe are said to be. */
static void test_block_on_and_lumped(void **state)
{
	struct fixture *f = *state;
	struct dial9_dump *d = v2_dump(DIAL9_CLASSES_ALL & ~CLASS(TIMER));

	ev(d, 20 * MS, DIAL9_EV_WAKE, 1, 0, 4243, DIAL9_WAKER_BLOCK_ON, 0);
	ev(d, 21 * MS, DIAL9_EV_WAKE, 1, 0, 4243, DIAL9_WAKER_RUNTIME, 0);
	write_and_free(d, f);

	expect(ARGS("wakegraph", "--json", f->path),
	       "{\"available\":true,\"reason\":null,\"lumped_into_runtime\":"
	       "\"no timer probe: timer wakes show as runtime wakes\",",
	       "{\"waker\":{\"kind\":\"block_on\",\"task_id\":null},\"woken\":1,", NULL);
	expect(ARGS("wakegraph", f->path),
	       "runtime wakes include others: no timer probe: timer wakes show as "
	       "runtime wakes\n",
	       "block_on  task 1", NULL);
	expect(ARGS("wakegraph", "--dot", f->path),
	       "\"block_on\" [shape=box",
	       "\"block_on\" -> \"t1\"", NULL);
	expect(ARGS("summary", f->path),
	       "\nwakes      2 (lumped into runtime: no timer probe: timer wakes "
	       "show as runtime wakes)\n",
	       "\nprobes     no timer probe: timer wakes show as runtime wakes\n", NULL);
	expect(ARGS("task", "--json", f->path, "1"),
	       "\"waker\":{\"kind\":\"block_on\",\"task_id\":null}", NULL);
}

/* A FIFO made dial9 block forever, /dev/zero was read for 2 GiB: refused at
 * once, with one line. */
static void test_not_a_regular_file(void **state)
{
	struct fixture *f = *state;
	const char *const paths[] = { f->path, "/dev/zero" };
	struct timespec t0, t1;
	struct run r;

	snprintf(f->path, sizeof(f->path), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	for (size_t i = 0; i < 2; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		RUN(&r, "summary", paths[i]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_clean_error(&r);
		assert_contains(r.err, "not a regular file");
		assert_true(t1.tv_sec - t0.tv_sec < 2);
		run_free(&r);
	}
	unlink(f->path);
}

/* Every command that reads a dump takes --max-events; a dump over the
 * limit is refused with one line naming the limit and how to raise it. */
static void test_max_events(void **state)
{
	struct fixture *f = *state;
	char out[192];
	struct run r;

	snprintf(out, sizeof(out), "%s/out", f->dir);
	unlink(out); /* an earlier test's */
	const char *const *cmds[] = {
		(const char *const[]){ "summary", "--max-events", "5", f->good, NULL },
		(const char *const[]){ "tasks", "--max-events", "5", f->good, NULL },
		(const char *const[]){ "task", "--max-events", "5", f->good, "2", NULL },
		(const char *const[]){ "wakegraph", "--max-events", "5", f->good, NULL },
		(const char *const[]){ "timeline", "--max-events", "5", f->good, NULL },
		(const char *const[]){ "report", "--max-events", "5", f->good, "-o", out, NULL },
		(const char *const[]){ "export", "--format", "perfetto", "--max-events", "5",
				       f->good, "-o", out, NULL },
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		run_dial9(&r, cmds[i]);
		assert_clean_error(&r);
		assert_contains(r.err, "more than the reader's limit of 5 events");
		assert_contains(r.err, "raise it with --max-events N");
		run_free(&r);
		assert_int_equal(access(out, F_OK), -1); /* nothing written */
	}
	RUN(&r, "summary", "--max-events", "1000", f->good);
	assert_ok(&r);
	run_free(&r);
	RUN(&r, "summary", "--max-events", "67108864", f->good);
	assert_ok(&r);
	run_free(&r);
	static const char *const bad[] = { "0", "67108865", "-1", "x", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		RUN(&r, "summary", "--max-events", bad[i], f->good);
		assert_clean_error(&r);
		assert_contains(r.err, "bad --max-events");
		run_free(&r);
	}
}

static void assert_file_is(const char *path, const char *content)
{
	size_t len;
	char *buf = read_all(path, &len);

	assert_int_equal(len, strlen(content));
	assert_memory_equal(buf, content, len);
	free(buf);
}

/* report -o and export -o wrote through a symlink planted at the output, or
 * at its predictable "FILE.tmp": now a fresh temporary file is renamed over
 * the output, and a victim behind either symlink is left as it was. */
static void test_output_not_through_symlinks(void **state)
{
	struct fixture *f = *state;
	char victim[192], out[192], tmp[200];
	struct stat st;
	struct run r;
	int fd;

	snprintf(victim, sizeof(victim), "%s/victim", f->dir);
	snprintf(out, sizeof(out), "%s/out", f->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	unlink(out); /* an earlier test's */
	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "precious\n", 9), 9);
	close(fd);
	const char *const *cmds[] = {
		(const char *const[]){ "report", f->good, "-o", out, NULL },
		(const char *const[]){ "export", "--format", "perfetto", f->good, "-o", out, NULL },
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		for (int at_tmp = 0; at_tmp < 2; at_tmp++) {
			assert_int_equal(symlink(victim, at_tmp ? tmp : out), 0);
			run_dial9(&r, cmds[i]);
			assert_ok(&r);
			run_free(&r);
			assert_file_is(victim, "precious\n");
			assert_int_equal(lstat(out, &st), 0);
			assert_true(S_ISREG(st.st_mode));
			assert_true(st.st_size > 100);
			if (at_tmp) {
				assert_int_equal(lstat(tmp, &st), 0);
				assert_true(S_ISLNK(st.st_mode)); /* left alone */
				unlink(tmp);
			}
			unlink(out);
		}
	}
	unlink(victim);
}

/* The output is whole or absent: a failed write leaves no file behind, not
 * even a temporary one. */
static void test_output_no_leftovers(void **state)
{
	struct fixture *f = *state;
	char out[192];
	struct dirent *de;
	struct run r;
	DIR *dir;

	snprintf(out, sizeof(out), "%s/missing-dir/out.html", f->dir);
	RUN(&r, "report", f->good, "-o", out);
	assert_clean_error(&r);
	run_free(&r);
	snprintf(out, sizeof(out), "%s/out", f->dir);
	RUN(&r, "report", f->good, "-o", out);
	assert_ok(&r);
	run_free(&r);
	RUN(&r, "export", "--format", "perfetto", f->good, "-o", out);
	assert_ok(&r);
	run_free(&r);
	dir = opendir(f->dir);
	assert_non_null(dir);
	while ((de = readdir(dir)))
		assert_null(strstr(de->d_name, ".tmp"));
	closedir(dir);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_summary_trigger),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_cpu_samples),
		cmocka_unit_test(test_summary_text),
		cmocka_unit_test(test_tasks_and_task),
		cmocka_unit_test(test_wakegraph_and_timeline),
		cmocka_unit_test(test_v1_fixture),
		cmocka_unit_test(test_v2_fixture),
		cmocka_unit_test(test_v3_fixture),
		cmocka_unit_test(test_thread_names),
		cmocka_unit_test(test_missing_spawn_wake),
		cmocka_unit_test(test_inferred_poll_is_bound),
		cmocka_unit_test(test_block_on_and_lumped),
		cmocka_unit_test(test_usage_and_bad_args),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_not_a_regular_file),
		cmocka_unit_test(test_max_events),
		cmocka_unit_test(test_output_not_through_symlinks),
		cmocka_unit_test(test_output_no_leftovers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
