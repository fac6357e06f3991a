// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_dump.c - dump files: round trips, atomic writes, string table, names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "dump.h"
#include "itest.h"

static char tmpdir[4096];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_dump.XXXXXX", DIAL9_BUILD_DIR);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char p[8192];

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(tmpdir);
}

static void path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* Number of entries in tmpdir (without . and ..). */
static int dir_entries(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void fill_meta(struct dial9_dump *d)
{
	struct dial9_dump_meta *m = &d->meta;

	m->pid = 4242;
	m->reason = DIAL9_REASON_SIGNAL;
	m->signal = 11;
	m->reason_tid = 4250;
	m->reason_task = 0x1122334455667788ull;
	strcpy(m->comm, "0123456789abcdef"); /* full 16 characters */
	strcpy(m->build_id, "d3adb33fd3adb33fd3adb33fd3adb33fd3adb33fd3adb33fd3adb33fd3adb33f");
	m->exe = strdup("/usr/local/bin/some-server");
	m->hostname = strdup("host-1.example");
	m->clock_base_ns = 1700000000123456789ull;
	m->start_ns = 1000000000ull;
	m->end_ns = 31000000000ull;
	m->dump_realtime_ns = 1700000031123456789ull;
	m->lost_ringbuf = 17;
	m->lost_window = 0xfffffffff1ull;
	m->evicted = 123456789012ull;
}

static struct dial9_dump *roundtrip(const struct dial9_dump *d)
{
	char path[8192], err[256] = "";
	struct dial9_dump *r = NULL;

	path_in_dir(path, sizeof(path), "rt.d9");
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	if (dial9_dump__read(path, &r, err, sizeof(err)) != 0)
		fail_msg("read: %s", err);
	assert_non_null(r);
	assert_int_equal(unlink(path), 0);
	return r;
}

static void test_meta_roundtrip(void **state)
{
	struct dial9_dump *d = dial9_dump__new(), *r;

	assert_non_null(d);
	fill_meta(d);
	r = roundtrip(d);
	assert_int_equal(r->meta.pid, 4242);
	assert_int_equal(r->meta.reason, DIAL9_REASON_SIGNAL);
	assert_int_equal(r->meta.signal, 11);
	assert_int_equal(r->meta.reason_tid, 4250);
	assert_int_equal(r->meta.reason_task, 0x1122334455667788ull);
	assert_string_equal(r->meta.comm, d->meta.comm);
	assert_string_equal(r->meta.build_id, d->meta.build_id);
	assert_string_equal(r->meta.exe, "/usr/local/bin/some-server");
	assert_string_equal(r->meta.hostname, "host-1.example");
	assert_int_equal(r->meta.clock_base_ns, 1700000000123456789ull);
	assert_int_equal(r->meta.start_ns, 1000000000ull);
	assert_int_equal(r->meta.end_ns, 31000000000ull);
	assert_int_equal(r->meta.dump_realtime_ns, 1700000031123456789ull);
	assert_int_equal(r->meta.lost_ringbuf, 17);
	assert_int_equal(r->meta.lost_window, 0xfffffffff1ull);
	assert_int_equal(r->meta.evicted, 123456789012ull);
	assert_int_equal(r->strings.count, 0);
	assert_int_equal(r->nevents, 0);
	dial9_dump__free(r);

	/* NULL and empty strings are kept apart; empty fixed strings survive */
	free(d->meta.exe);
	free(d->meta.hostname);
	d->meta.exe = NULL;
	d->meta.hostname = strdup("");
	d->meta.comm[0] = 0;
	d->meta.build_id[0] = 0;
	r = roundtrip(d);
	assert_null(r->meta.exe);
	assert_non_null(r->meta.hostname);
	assert_string_equal(r->meta.hostname, "");
	assert_string_equal(r->meta.comm, "");
	assert_string_equal(r->meta.build_id, "");
	assert_int_equal(r->meta.pid, 4242);
	dial9_dump__free(r);
	dial9_dump__free(d);
	dial9_dump__free(NULL);
}

static void test_strtab(void **state)
{
	struct dial9_strtab t;
	char *big = malloc(DIAL9_DUMP_MAX_STRING_LEN + 2);
	char name[64];

	assert_non_null(big);
	dial9_strtab__init(&t);
	assert_null(dial9_strtab__get(&t, 0));
	assert_null(dial9_strtab__get(&t, 1));
	assert_int_equal(dial9_strtab__add(&t, "src/main.rs:10:5"), 1);
	assert_int_equal(dial9_strtab__add(&t, "src/lib.rs:1:1"), 2);
	assert_int_equal(dial9_strtab__add(&t, "src/main.rs:10:5"), 1);
	assert_int_equal(dial9_strtab__add(&t, ""), 3);
	assert_int_equal(t.count, 3);
	assert_string_equal(dial9_strtab__get(&t, 2), "src/lib.rs:1:1");
	assert_string_equal(dial9_strtab__get(&t, 3), "");
	assert_null(dial9_strtab__get(&t, 4));
	/* thousands of strings: ids stay stable and deduplicated */
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "loc-%d", i);
		assert_int_equal(dial9_strtab__add(&t, name), 4 + i);
	}
	for (int i = 4999; i >= 0; i--) {
		snprintf(name, sizeof(name), "loc-%d", i);
		assert_int_equal(dial9_strtab__add(&t, name), 4 + i);
		assert_string_equal(dial9_strtab__get(&t, 4 + i), name);
	}
	memset(big, 'x', DIAL9_DUMP_MAX_STRING_LEN + 1);
	big[DIAL9_DUMP_MAX_STRING_LEN + 1] = 0;
	errno = 0;
	assert_int_equal(dial9_strtab__add(&t, big), 0);
	assert_int_equal(errno, ENAMETOOLONG);
	errno = 0;
	assert_int_equal(dial9_strtab__add(&t, NULL), 0);
	assert_int_equal(errno, EINVAL);
	big[DIAL9_DUMP_MAX_STRING_LEN] = 0; /* exactly at the limit: accepted */
	assert_int_equal(dial9_strtab__add(&t, big), 5004);
	dial9_strtab__free(&t);
	assert_int_equal(t.count, 0);
	dial9_strtab__free(&t);
	free(big);
}

static void test_strings_roundtrip(void **state)
{
	struct dial9_dump *d = dial9_dump__new(), *r;
	char *big = malloc(DIAL9_DUMP_MAX_STRING_LEN + 1);
	char name[64];

	assert_non_null(d);
	assert_non_null(big);
	for (uint32_t i = 0; i < DIAL9_DUMP_MAX_STRING_LEN; i++)
		big[i] = (char)('a' + i % 26);
	big[DIAL9_DUMP_MAX_STRING_LEN] = 0;
	assert_int_equal(dial9_strtab__add(&d->strings, "tokio::spawn at src/main.rs:42:9"), 1);
	assert_int_equal(dial9_strtab__add(&d->strings, ""), 2);
	assert_int_equal(dial9_strtab__add(&d->strings, big), 3);
	assert_int_equal(dial9_strtab__add(&d->strings, "\xc3\xa9t\xc3\xa9 \xe2\x86\x92 utf-8"), 4);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "app::handler::{{closure}}#%d", i);
		assert_int_equal(dial9_strtab__add(&d->strings, name), 5 + i);
	}
	r = roundtrip(d);
	assert_int_equal(r->strings.count, d->strings.count);
	for (uint32_t id = 1; id <= d->strings.count; id++)
		assert_string_equal(dial9_strtab__get(&r->strings, id),
				    dial9_strtab__get(&d->strings, id));
	assert_int_equal(strlen(dial9_strtab__get(&r->strings, 3)), DIAL9_DUMP_MAX_STRING_LEN);
	/* the read table is usable for further adds */
	assert_int_equal(dial9_strtab__add(&r->strings, "app::handler::{{closure}}#7"), 12);
	assert_int_equal(dial9_strtab__add(&r->strings, "new"), d->strings.count + 1);
	dial9_dump__free(r);
	dial9_dump__free(d);
	free(big);
}

/* Deterministic, varied events: every kind, full-range fields, repeated ts. */
static void make_events(struct dial9_dump *d, uint64_t n, uint32_t nstrings)
{
	uint64_t ts = 1000000000ull, x = 0x9e3779b97f4a7c15ull;

	free(d->events);
	d->events = n ? calloc(n, sizeof(*d->events)) : NULL;
	assert_true(n == 0 || d->events);
	d->nevents = n;
	for (uint64_t i = 0; i < n; i++) {
		struct dial9_event *e = &d->events[i];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ts += x % 3 == 0 ? 0 : x % 5000;
		e->ts_ns = ts;
		e->kind = (uint8_t)(1 + i % (DIAL9_EV_KIND_MAX - 1));
		e->task_id = x >> (i % 40);
		e->tid = (uint32_t)(x >> 32);
		e->flags = (uint8_t)(x >> 8);
		e->aux = (uint16_t)(x >> 16);
		if (dial9_event_kind_has_string(e->kind))
			e->arg = nstrings ? x % (nstrings + 1) : 0;
		else
			e->arg = x * 7;
	}
}

static void check_events_roundtrip(uint64_t n)
{
	struct dial9_dump *d = dial9_dump__new(), *r;

	assert_non_null(d);
	fill_meta(d);
	dial9_strtab__add(&d->strings, "a.rs:1:1");
	dial9_strtab__add(&d->strings, "b.rs:2:2");
	dial9_strtab__add(&d->strings, "c.rs:3:3");
	make_events(d, n, d->strings.count);
	r = roundtrip(d);
	assert_int_equal(r->nevents, n);
	if (n)
		assert_memory_equal(r->events, d->events, n * sizeof(*d->events));
	assert_int_equal(r->meta.pid, d->meta.pid);
	assert_int_equal(r->strings.count, 3);
	dial9_dump__free(r);
	dial9_dump__free(d);
}

static void test_events_0(void **state) { check_events_roundtrip(0); }
static void test_events_1(void **state) { check_events_roundtrip(1); }
static void test_events_one_block(void **state) { check_events_roundtrip(DIAL9_DUMP_BLOCK_EVENTS); }
static void test_events_block_plus_1(void **state) { check_events_roundtrip(DIAL9_DUMP_BLOCK_EVENTS + 1); }
static void test_events_200k(void **state) { check_events_roundtrip(200000); }

static void test_write_fd_matches_read_mem(void **state)
{
	struct dial9_dump *d = dial9_dump__new(), *r = NULL;
	char err[256] = "";
	struct stat st;
	void *map;
	int fd;

	assert_non_null(d);
	fill_meta(d);
	dial9_strtab__add(&d->strings, "x");
	make_events(d, 3000, 1);
	fd = memfd_create("dump", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dial9_dump__write_fd(d, fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size > 48);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_memory_equal(map, "DIAL9DMP", 8);
	if (dial9_dump__read_mem(map, (size_t)st.st_size, &r, err, sizeof(err)))
		fail_msg("read_mem: %s", err);
	assert_int_equal(r->nevents, 3000);
	assert_memory_equal(r->events, d->events, 3000 * sizeof(*d->events));
	munmap(map, (size_t)st.st_size);
	close(fd);
	dial9_dump__free(r);
	dial9_dump__free(d);
}

static void test_write_is_atomic(void **state)
{
	struct dial9_dump *d = dial9_dump__new(), *r = NULL;
	char path[8192], bad[8192], err[256];
	struct stat st;

	assert_non_null(d);
	fill_meta(d);
	make_events(d, 100, 0);
	path_in_dir(path, sizeof(path), "a.d9");
	assert_int_equal(dir_entries(), 0);
	assert_int_equal(dial9_dump__write(d, path, 0640), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(dir_entries(), 1); /* no temp file left behind */

	/* overwrite with another mode: replaced whole, mode as requested */
	d->meta.pid = 7;
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(dir_entries(), 1);

	/* a dump the writer refuses leaves the old file and no temp file */
	d->events[50].ts_ns = 0; /* unsorted */
	assert_int_equal(dial9_dump__write(d, path, 0600), -EINVAL);
	assert_int_equal(dir_entries(), 1);
	assert_int_equal(dial9_dump__read(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r->meta.pid, 7);
	assert_int_equal(r->nevents, 100);
	dial9_dump__free(r);

	/* directory that does not exist: error, nothing created */
	snprintf(bad, sizeof(bad), "%s/no-such-dir/x.d9", tmpdir);
	assert_int_equal(dial9_dump__write(d, bad, 0600), -ENOENT);
	assert_int_equal(dir_entries(), 1);
	assert_int_equal(unlink(path), 0);
	dial9_dump__free(d);
}

static void test_writer_refuses_invalid(void **state)
{
	struct dial9_dump *d = dial9_dump__new();
	char path[8192];

	assert_non_null(d);
	path_in_dir(path, sizeof(path), "inv.d9");
	make_events(d, 10, 0);
	d->events[3].kind = DIAL9_EV_KIND_MAX;
	assert_int_equal(dial9_dump__write(d, path, 0600), -EINVAL);
	make_events(d, 10, 0);
	d->events[1].kind = DIAL9_EV_SPAWN;
	d->events[1].arg = 1; /* no strings in the table */
	assert_int_equal(dial9_dump__write(d, path, 0600), -EINVAL);
	dial9_strtab__add(&d->strings, "s");
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	assert_int_equal(unlink(path), 0);
	d->nevents = 5;
	free(d->events);
	d->events = NULL;
	assert_int_equal(dial9_dump__write(d, path, 0600), -EINVAL);
	assert_int_equal(dial9_dump__write(NULL, path, 0600), -EINVAL);
	assert_int_equal(dir_entries(), 0);
	dial9_dump__free(d);
}

/* Threads as the dump names them: every field survives, the table is looked
 * up by tid, a dump without one says so; the writer refuses a table the
 * reader would. */
static void test_threads_roundtrip(void **state)
{
	static const struct dial9_dump_thread th[] = {
		{ .tid = 7, .role = DIAL9_THREAD_BLOCK_ON, .name = "current_thread" },
		{ .tid = 4250, .role = DIAL9_THREAD_WORKER, .name = "tokio-runtime-w" },
		{ .tid = 4251, .role = DIAL9_THREAD_BLOCKING, .name = "0123456789abcdef" },
		{ .tid = 4252, .role = DIAL9_THREAD_OTHER, .name = "" },
		{ .tid = 0xfffffffe, .role = DIAL9_THREAD_UNKNOWN, .name = "x" },
	};
	struct dial9_dump *d = dial9_dump__new(), *r;
	char path[8192];

	assert_non_null(d);
	fill_meta(d);
	r = roundtrip(d); /* no table: none read */
	assert_false(r->threads_known);
	assert_int_equal(r->nthreads, 0);
	assert_null(dial9_dump__thread(r, 4250));
	dial9_dump__free(r);

	d->threads = malloc(sizeof(th));
	assert_non_null(d->threads);
	memcpy(d->threads, th, sizeof(th));
	d->nthreads = 5;
	d->threads_known = true;
	r = roundtrip(d);
	assert_true(r->threads_known);
	assert_int_equal(r->nthreads, 5);
	assert_memory_equal(r->threads, th, sizeof(th));
	assert_string_equal(dial9_dump__thread(r, 4251)->name, "0123456789abcdef");
	assert_int_equal(dial9_dump__thread(r, 7)->role, DIAL9_THREAD_BLOCK_ON);
	assert_int_equal(dial9_dump__thread(r, 0xfffffffe)->tid, 0xfffffffe);
	assert_null(dial9_dump__thread(r, 4253));
	assert_null(dial9_dump__thread(r, 0));
	assert_string_equal(dial9_thread_role_name(r->threads[0].role), "block_on");
	assert_string_equal(dial9_thread_role_name(DIAL9_THREAD_ROLE__COUNT), "unknown");
	dial9_dump__free(r);

	d->nthreads = 0; /* an empty table is a table */
	r = roundtrip(d);
	assert_true(r->threads_known);
	assert_int_equal(r->nthreads, 0);
	dial9_dump__free(r);

	path_in_dir(path, sizeof(path), "thr.d9");
	d->nthreads = 5;
	d->threads[2].tid = 4250; /* twice */
	assert_int_equal(dial9_dump__write(d, path, 0600), -EINVAL);
	d->threads[2].tid = 4251;
	d->threads[0].tid = 0;
	assert_int_equal(dial9_dump__write(d, path, 0600), -EINVAL);
	d->threads[0].tid = 7;
	d->threads[1].role = DIAL9_THREAD_ROLE__COUNT;
	assert_int_equal(dial9_dump__write(d, path, 0600), -EINVAL);
	assert_int_equal(dir_entries(), 0);
	dial9_dump__free(d);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Millions of events: a plain build writes and reads 5 M events well within
 * seconds (sanitizer builds run a smaller count). */
static void test_many_events_fast(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
	const uint64_t n = 500000;
	const double limit = 30.0;
#else
	const uint64_t n = 5000000;
	const double limit = 6.0;
#endif
	struct dial9_dump *d = dial9_dump__new(), *r = NULL;
	char path[8192], err[256] = "";
	double t0, t1, t2;

	assert_non_null(d);
	fill_meta(d);
	dial9_strtab__add(&d->strings, "a.rs:1:1");
	make_events(d, n, 1);
	path_in_dir(path, sizeof(path), "big.d9");
	t0 = now_s();
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	t1 = now_s();
	if (dial9_dump__read(path, &r, err, sizeof(err)))
		fail_msg("read: %s", err);
	t2 = now_s();
	assert_int_equal(r->nevents, n);
	assert_memory_equal(r->events, d->events, n * sizeof(*d->events));
	print_message("%llu events: write %.2f s, read %.2f s\n",
		      (unsigned long long)n, t1 - t0, t2 - t1);
	assert_true(t2 - t0 < limit);
	unlink(path);
	dial9_dump__free(r);
	dial9_dump__free(d);
}

static void test_names(void **state)
{
	static const char *const kinds[DIAL9_EV_KIND_MAX] = {
		"none", "spawn", "poll_start", "poll_end", "wake", "terminate", "park",
		"unpark", "panic", "signal", "lost", "poll_summary", "mode", "stall", "exit",
		"oom", "cpu_sample",
	};

	for (uint32_t k = 0; k < DIAL9_EV_KIND_MAX; k++)
		assert_string_equal(dial9_event_kind_name(k), kinds[k]);
	assert_string_equal(dial9_event_kind_name(DIAL9_EV_KIND_MAX), "unknown");
	assert_string_equal(dial9_event_kind_name(UINT32_MAX), "unknown");
	assert_string_equal(dial9_reason_name(DIAL9_REASON_REQUEST), "request");
	assert_string_equal(dial9_reason_name(DIAL9_REASON_PANIC), "panic");
	assert_string_equal(dial9_reason_name(DIAL9_REASON_SIGNAL), "signal");
	assert_string_equal(dial9_reason_name(DIAL9_REASON_EXIT), "exit");
	assert_string_equal(dial9_reason_name(DIAL9_REASON_OOM), "oom");
	assert_string_equal(dial9_reason_name(0), "unknown");
	assert_string_equal(dial9_reason_name(99), "unknown");
	assert_string_equal(dial9_waker_kind_name(DIAL9_WAKER_UNKNOWN), "unknown");
	assert_string_equal(dial9_waker_kind_name(DIAL9_WAKER_TASK), "task");
	assert_string_equal(dial9_waker_kind_name(DIAL9_WAKER_IO_DRIVER), "io_driver");
	assert_string_equal(dial9_waker_kind_name(DIAL9_WAKER_TIMER), "timer");
	assert_string_equal(dial9_waker_kind_name(DIAL9_WAKER_RUNTIME), "runtime");
	assert_string_equal(dial9_waker_kind_name(DIAL9_WAKER_THREAD), "thread");
	assert_string_equal(dial9_waker_kind_name(DIAL9_WAKER_BLOCK_ON), "block_on");
	assert_string_equal(dial9_waker_kind_name(DIAL9_WAKER_KIND_MAX), "unknown");
}

/* --- the metadata-only read --------------------------------------------- */

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The offset of the events section's payload in the dump file at path. */
static size_t events_payload_at(const uint8_t *f, size_t len)
{
	size_t off = 32;

	while (off + 16 <= len - 16) {
		if (f[off] == 3)
			return off + 16;
		off += 16 + (size_t)le64(f + off + 8);
	}
	fail_msg("no events section");
	return 0;
}

static int info_of(const char *path, struct dial9_dump_info *info, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	assert_true(fd >= 0);
	rc = dial9_dump__read_info_fd(fd, info, err, errlen);
	close(fd);
	return rc;
}

static int verify_of(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	assert_true(fd >= 0);
	rc = dial9_dump__verify_fd(fd, err, errlen);
	close(fd);
	return rc;
}

/* What the catalogue reads agrees with the full read, for a dump of several
 * blocks; a byte changed inside the compressed events (not a header) passes
 * the metadata-only read - it inflates nothing - and fails the checksum and
 * the full read; a changed block header and a truncated file fail it. */
static void test_read_info(void **state)
{
	struct dial9_dump *d = dial9_dump__new(), *r = NULL;
	struct dial9_dump_info info;
	char path[8192], err[256] = "";
	size_t len, ev;
	uint8_t *f;
	int fd;

	assert_non_null(d);
	fill_meta(d);
	make_events(d, 3 * DIAL9_DUMP_BLOCK_EVENTS + 7, 0);
	path_in_dir(path, sizeof(path), "info.d9");
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	if (info_of(path, &info, err, sizeof(err)))
		fail_msg("read_info: %s", err);
	assert_int_equal(info.nevents, d->nevents);
	assert_true(info.nevents_checked);
	assert_int_equal(info.meta.pid, 4242);
	assert_int_equal(info.meta.signal, 11);
	assert_int_equal(info.meta.reason_task, d->meta.reason_task);
	assert_string_equal(info.meta.comm, d->meta.comm);
	assert_string_equal(info.meta.exe, d->meta.exe);
	assert_int_equal(info.meta.dump_realtime_ns, d->meta.dump_realtime_ns);
	assert_int_equal(info.meta.lost_window, d->meta.lost_window);
	assert_int_equal(info.meta.version, DIAL9_FORMAT_VERSION);
	assert_int_equal(verify_of(path, err, sizeof(err)), 0);
	dial9_dump_info__clear(&info);

	f = (uint8_t *)itest_read_file(path);
	assert_non_null(f);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		len = (size_t)st.st_size;
	}
	ev = events_payload_at(f, len);
	f[ev + 16 + 8 + 100] ^= 0x55; /* inside block 0's zlib data */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0 && write(fd, f, len) == (ssize_t)len);
	close(fd);
	assert_int_equal(info_of(path, &info, err, sizeof(err)), 0);
	assert_int_equal(info.nevents, d->nevents);
	dial9_dump_info__clear(&info);
	assert_int_equal(verify_of(path, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "checksum"));
	assert_int_not_equal(dial9_dump__read(path, &r, err, sizeof(err)), 0);

	f[ev + 16 + 8 + 100] ^= 0x55;
	f[ev + 16] = 0; /* block 0 holds 0 events */
	f[ev + 17] = 0;
	f[ev + 18] = 0;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0 && write(fd, f, len) == (ssize_t)len);
	close(fd);
	assert_int_equal(info_of(path, &info, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "block 0 holds 0 events"));
	assert_int_equal(info.nevents, 0); /* cleared */

	assert_int_equal(truncate(path, (off_t)(len / 2)), 0);
	assert_int_equal(info_of(path, &info, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(verify_of(path, err, sizeof(err)), -EBADMSG);
	free(f);
	unlink(path);
	dial9_dump__free(d);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A legal dump no writer makes: 5000 blocks of one event.  The metadata
 * read walks at most 4096 block headers: it keeps the declared count and
 * says it is unchecked; the full read accepts the file. */
static void test_read_info_many_blocks(void **state)
{
	enum { NB = 5000 };
	uint8_t rec[32] = { 0 }, z[64], *f, *q;
	uLongf zlen = sizeof(z);
	struct dial9_dump_info info;
	struct dial9_dump *r = NULL;
	char path[8192], err[256] = "";
	size_t len, evlen;
	int fd;

	rec[28] = DIAL9_EV_WAKE; /* kind */
	assert_int_equal(compress(z, &zlen, rec, sizeof(rec)), Z_OK);
	evlen = 16 + NB * (8 + zlen);
	len = 32 + (16 + 12) + (16 + 4) + (16 + evlen) + 16;
	f = calloc(1, len);
	assert_non_null(f);
	memcpy(f, "DIAL9DMP", 8);
	put_le(f + 8, DIAL9_FORMAT_VERSION, 4);
	put_le(f + 12, 32, 4);
	put_le(f + 16, len, 8);
	q = f + 32;
	put_le(q, 1, 4);                   /* metadata: pid only */
	put_le(q + 8, 12, 8);
	put_le(q + 16, 1, 4);
	put_le(q + 20, 4, 4);
	put_le(q + 24, 77, 4);
	q += 28;
	put_le(q, 2, 4);                   /* no strings */
	put_le(q + 8, 4, 8);
	q += 20;
	put_le(q, 3, 4);                   /* events */
	put_le(q + 8, evlen, 8);
	put_le(q + 16, NB, 8);
	put_le(q + 24, NB, 4);
	q += 32;
	for (int b = 0; b < NB; b++, q += 8 + zlen) {
		put_le(q, 1, 4);
		put_le(q + 4, zlen, 4);
		memcpy(q + 8, z, zlen);
	}
	len = (size_t)(q - f) + 16;
	put_le(f + 16, len, 8);
	memcpy(q, "DIAL9END", 8);
	put_le(q + 12, (uint32_t)crc32(0, f, (uInt)(len - 4)), 4);
	path_in_dir(path, sizeof(path), "blocks.d9");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0 && write(fd, f, len) == (ssize_t)len);
	close(fd);
	if (dial9_dump__read(path, &r, err, sizeof(err)))
		fail_msg("full read: %s", err);
	assert_int_equal(r->nevents, NB);
	dial9_dump__free(r);
	assert_int_equal(info_of(path, &info, err, sizeof(err)), 0);
	assert_int_equal(info.nevents, NB);
	assert_false(info.nevents_checked);
	assert_int_equal(info.meta.pid, 77);
	dial9_dump_info__clear(&info);
	unlink(path);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_roundtrip),
		cmocka_unit_test(test_strtab),
		cmocka_unit_test(test_strings_roundtrip),
		cmocka_unit_test(test_events_0),
		cmocka_unit_test(test_events_1),
		cmocka_unit_test(test_events_one_block),
		cmocka_unit_test(test_events_block_plus_1),
		cmocka_unit_test(test_events_200k),
		cmocka_unit_test(test_write_fd_matches_read_mem),
		cmocka_unit_test(test_write_is_atomic),
		cmocka_unit_test(test_writer_refuses_invalid),
		cmocka_unit_test(test_threads_roundtrip),
		cmocka_unit_test(test_many_events_fast),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_read_info),
		cmocka_unit_test(test_read_info_many_blocks),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
