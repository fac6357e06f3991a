// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_catalogue.c - dial9ctl dumps without root: the TIME grammar of
 * --since, the catalogue's order, filters and IDs, its walk of a real state
 * directory (per-uid directories, the legacy flat layout, a damaged dump,
 * planted symlinks and temp files), and the ACL the daemon gives each
 * uid's directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalogue.h"
#include "dump_dir.h"
#include "dump_dirs.h"
#include "itest.h"
#include "testdump.h"
#include "time_arg.h"

#define NS 1000000000LL
#define T_2026_12_02 1796169600LL /* 2026-12-02T00:00:00Z */

static int64_t parse_ok(const char *s, int64_t now)
{
	char err[256] = "";
	int64_t v = -1;

	if (time_arg__parse(s, now, &v, err, sizeof(err)))
		fail_msg("'%s' refused: %s", s, err);
	return v;
}

static void parse_bad(const char *s, const char *why)
{
	char err[256] = "";
	int64_t v = 12345;

	assert_int_equal(time_arg__parse(s, 0, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(v, 12345); /* untouched */
	assert_non_null(strstr(err, why));
	assert_null(strchr(err, '\n'));
}

static void test_time_absolute(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(parse_ok("2026-12-02", 0), T_2026_12_02 * NS);
	assert_int_equal(parse_ok("2026-12-02T10:30:15Z", 0), (T_2026_12_02 + 37815) * NS);
	assert_int_equal(parse_ok("2026-12-02 10:30", 0), (T_2026_12_02 + 37800) * NS);
	assert_int_equal(parse_ok("2024-02-29", 0) / NS, 1709164800LL);
	assert_int_equal(parse_ok("@1700000000", 0), 1700000000LL * NS);
	/* local time follows TZ (POSIX form: no tzdata needed); Z does not */
	setenv("TZ", "CET-1", 1);
	tzset();
	assert_int_equal(parse_ok("2026-12-02 10:00", 0), (T_2026_12_02 + 9 * 3600) * NS);
	assert_int_equal(parse_ok("2026-12-02 10:00Z", 0), (T_2026_12_02 + 10 * 3600) * NS);
	assert_int_equal(parse_ok("2026-12-02", 0), (T_2026_12_02 - 3600) * NS);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_time_relative(void **state)
{
	int64_t now = (T_2026_12_02 + 37815) * NS + 123;

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(parse_ok("now", now), now);
	assert_int_equal(parse_ok("-1h", now), now - 3600 * NS);
	assert_int_equal(parse_ok("-30min", now), now - 1800 * NS);
	assert_int_equal(parse_ok("-30m", now), now - 1800 * NS);
	assert_int_equal(parse_ok("-90s", now), now - 90 * NS);
	assert_int_equal(parse_ok("-2 days", now), now - 2 * 86400 * NS);
	assert_int_equal(parse_ok("-1w", now), now - 604800 * NS);
	assert_int_equal(parse_ok("-0s", now), now);
	assert_int_equal(parse_ok("today", now), T_2026_12_02 * NS);
	assert_int_equal(parse_ok("yesterday", now), (T_2026_12_02 - 86400) * NS);
}

static void test_time_bad(void **state)
{
	parse_bad("", "empty");
	parse_bad("-", "no number");
	parse_bad("-h", "no number");
	parse_bad("-1", "no unit");
	parse_bad("-1x", "unknown unit");
	parse_bad("-1ss", "unknown unit");
	parse_bad("-1hours ago", "unknown unit");
	parse_bad("-999999999999d", "hundred years");
	parse_bad("2026-02-29", "no such date");
	parse_bad("2026-12-32", "no such date");
	parse_bad("2026-13-01", "no such date");
	parse_bad("2026-12-02 24:00", "no such date");
	parse_bad("2026-1-2", "not a date");
	parse_bad("2026-12-02 10", "not a time of day");
	parse_bad("2026-12-02 10:00:5", "not a time of day");
	parse_bad("2026-12-02x", "unexpected text");
	parse_bad("1969-12-31", "no such date");
	parse_bad("@", "no number");
	parse_bad("@12a", "not a number");
	parse_bad("@99999999999999999999", "out of range");
	parse_bad("yesterdays", "not a date");
	parse_bad("1h", "not a date"); /* relative forms need their '-' */
}

/* --- the catalogue's logic ------------------------------------------------ */

static void add(struct catalogue *c, const char *path, uint32_t pid, int64_t when_s, int error)
{
	struct dial9_dump_info info = { 0 };
	const char *name = strrchr(path, '/') + 1;

	info.meta.pid = pid;
	info.meta.dump_realtime_ns = (uint64_t)(when_s * NS);
	info.meta.reason = DIAL9_REASON_SIGNAL;
	assert_int_equal(catalogue__add(c, path, name, 1000, 4096, (when_s + 5) * NS, error,
					error ? "checksum mismatch (file corrupt)" : NULL,
					error ? NULL : &info),
			 0);
}

static void test_order_filters_ids(void **state)
{
	struct catalogue c = { 0 };
	struct catalogue_filter f = { 0 };
	const struct catalogue_entry *e;
	char err[256], id[CATALOGUE_ID_LEN + 1];
	size_t i, n;

	add(&c, "/s/dumps/1000/b.20.x.000.signal.dial9", 20, 300, 0);
	add(&c, "/s/dumps/1000/a.10.x.000.signal.dial9", 10, 100, 0);
	add(&c, "/s/dumps/old.10.x.000.panic.dial9", 10, 200, 0);
	add(&c, "/s/dumps/1000/bad.30.x.000.panic.dial9", 0, 250, -EBADMSG);
	catalogue__sort(&c);
	/* oldest first; the damaged one by its file's time (255) */
	assert_int_equal(c.n, 4);
	assert_int_equal(c.entries[0].info.meta.pid, 10);
	assert_int_equal(c.entries[0].time_ns, 100 * NS);
	assert_string_equal(c.entries[1].path, "/s/dumps/old.10.x.000.panic.dial9");
	assert_true(c.entries[2].error && c.entries[2].time_from_file);
	assert_int_equal(c.entries[2].time_ns, 255 * NS);
	assert_int_equal(c.entries[3].info.meta.pid, 20);
	assert_false(c.entries[3].time_from_file);

	/* --pid: both of pid 10, never the damaged one (its pid is unknown) */
	f.pid = 10;
	for (i = n = 0; i < c.n; i++)
		n += catalogue__matches(&c.entries[i], &f);
	assert_int_equal(n, 2);
	assert_false(catalogue__matches(&c.entries[2], &f));
	/* --since: at or after; the damaged one by its file's time */
	f.pid = 0;
	f.since_set = true;
	f.since_ns = 200 * NS;
	assert_false(catalogue__matches(&c.entries[0], &f));
	assert_true(catalogue__matches(&c.entries[1], &f));
	assert_true(catalogue__matches(&c.entries[2], &f));
	f.since_ns = 256 * NS;
	assert_false(catalogue__matches(&c.entries[2], &f));
	f.pid = 20;
	assert_true(catalogue__matches(&c.entries[3], &f));
	f.since_ns = 301 * NS;
	assert_false(catalogue__matches(&c.entries[3], &f));

	/* IDs: from the name, so the same wherever the file is; 8 hex digits */
	catalogue__id("a.10.x.000.signal.dial9", id);
	assert_string_equal(c.entries[0].id, id);
	assert_int_equal(strlen(id), CATALOGUE_ID_LEN);
	assert_int_equal(strspn(id, "0123456789abcdef"), CATALOGUE_ID_LEN);
	for (i = 1; i < c.n; i++)
		assert_string_not_equal(c.entries[i].id, c.entries[0].id);
	/* found by ID, file name or path; an unknown key says so */
	e = catalogue__find(&c, c.entries[3].id, err, sizeof(err));
	assert_ptr_equal(e, &c.entries[3]);
	assert_ptr_equal(catalogue__find(&c, "old.10.x.000.panic.dial9", err, sizeof(err)),
			 &c.entries[1]);
	assert_ptr_equal(catalogue__find(&c, "/s/dumps/1000/bad.30.x.000.panic.dial9", err,
					 sizeof(err)),
			 &c.entries[2]);
	assert_null(catalogue__find(&c, "deadbeef0", err, sizeof(err)));
	assert_non_null(strstr(err, "no dump deadbeef0"));
	catalogue__free(&c);
}

static void test_same_id_is_ambiguous(void **state)
{
	struct catalogue c = { 0 };
	char err[512] = "";

	/* the same name in a uid's directory and the legacy layout */
	add(&c, "/s/dumps/1000/a.10.x.000.signal.dial9", 10, 100, 0);
	add(&c, "/s/dumps/a.10.x.000.signal.dial9", 10, 100, 0);
	assert_null(catalogue__find(&c, c.entries[0].id, err, sizeof(err)));
	assert_non_null(strstr(err, "ambiguous"));
	assert_non_null(catalogue__find(&c, "/s/dumps/a.10.x.000.signal.dial9", err, sizeof(err)));
	catalogue__free(&c);
}

/* --- a real state directory ------------------------------------------------ */

static void write_dump(const char *path, uint32_t pid, uint64_t realtime_s, uint32_t nevents)
{
	struct dial9_dump *d = dial9_dump__new();

	assert_non_null(d);
	d->meta.pid = pid;
	d->meta.reason = DIAL9_REASON_PANIC;
	snprintf(d->meta.comm, sizeof(d->meta.comm), "app");
	d->meta.dump_realtime_ns = realtime_s * NS;
	for (uint32_t i = 0; i < nevents; i++)
		testdump_ev(d, 1000 + i, DIAL9_EV_WAKE, i, 0, 7, 0, 0);
	assert_int_equal(dial9_dump__write(d, path, 0600), 0);
	dial9_dump__free(d);
}

static void put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_load_state_dir(void **state)
{
	char root[256], dir[512], p[768], err[512];
	struct catalogue c;
	size_t i;
	int bad = -1;

	snprintf(root, sizeof(root), "%s/test_catalogue.XXXXXX", DIAL9_BUILD_DIR);
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/dumps/%u", root, (unsigned)geteuid());
	assert_int_equal(itest_mkdirs(dir), 0);
	snprintf(p, sizeof(p), "%s/app.41.20261202T000000Z.000.panic.dial9", dir);
	write_dump(p, 41, T_2026_12_02 + 60, 1000);
	snprintf(p, sizeof(p), "%s/dumps/app.40.20261201T000000Z.000.panic.dial9", root);
	write_dump(p, 40, T_2026_12_02 - 86400, 10); /* the legacy flat layout */
	snprintf(p, sizeof(p), "%s/bad.42.20261202T000000Z.000.panic.dial9", dir);
	write_dump(p, 42, T_2026_12_02 + 30, 1000);
	assert_int_equal(truncate(p, 300), 0);
	/* neither a planted symlink, a temp file, a stray file nor a directory
	 * that is not a uid's is a dump */
	snprintf(p, sizeof(p), "%s/link.43.20261202T000000Z.000.panic.dial9", dir);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/.app.44.20261202T000000Z.000.panic.dial9.tmp.Ab12Cd", dir);
	put_file(p, "half");
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	put_file(p, "x");
	snprintf(p, sizeof(p), "%s/dumps/0123", root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/dumps/0123/app.45.20261202T000000Z.000.panic.dial9", root);
	write_dump(p, 45, T_2026_12_02, 1);

	for (int all = 0; all < 2; all++) {
		assert_int_equal(catalogue__load(&c, root, all, err, sizeof(err)), 0);
		assert_int_equal(c.n, 3);
		assert_int_equal(c.entries[0].info.meta.pid, 40); /* oldest first */
		assert_int_equal(c.entries[1].info.meta.pid, 41);
		assert_int_equal(c.entries[1].info.nevents, 1000);
		assert_string_equal(c.entries[1].info.meta.comm, "app");
		for (i = 0; i < c.n; i++)
			if (c.entries[i].error)
				bad = (int)i;
		assert_true(bad >= 0);
		assert_int_equal(c.entries[bad].error, -EBADMSG);
		assert_non_null(strstr(c.entries[bad].error_text, "truncated"));
		assert_non_null(strstr(c.entries[bad].path, "/bad.42."));
		catalogue__free(&c);
	}
	/* no dumps directory at all: no dumps, not an error */
	snprintf(p, sizeof(p), "%s/none", root);
	assert_int_equal(catalogue__load(&c, p, true, err, sizeof(err)), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(catalogue__load(&c, p, false, err, sizeof(err)), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(itest_rm_rf(root), 0);
}

/* The xattr the daemon sets: owner rwx, uid r-x, mask r-x, nothing else,
 * in the kernel's order (linux/posix_acl_xattr.h). */
static void test_acl_value(void **state)
{
	static const uint8_t want[] = {
		2, 0, 0, 0,                                 /* version 2 */
		0x01, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,      /* user::rwx */
		0x02, 0, 5, 0, 0xe8, 0x03, 0, 0,            /* user:1000:r-x */
		0x04, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,      /* group::--- */
		0x10, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,      /* mask::r-x */
		0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,      /* other::--- */
	};
	uint8_t buf[64];

	assert_int_equal(dump_dirs__acl(1000, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(dump_dirs__acl(1000, buf, sizeof(want) - 1), 0);
}

static void test_uid_dir_names(void **state)
{
	uid_t uid = 7;

	assert_true(dial9_dump_dir__parse_uid("0", &uid) && uid == 0);
	assert_true(dial9_dump_dir__parse_uid("65534", &uid) && uid == 65534);
	assert_true(dial9_dump_dir__parse_uid("4294967294", &uid) && uid == 4294967294u);
	assert_false(dial9_dump_dir__parse_uid("4294967295", &uid)); /* (uid_t)-1 */
	assert_false(dial9_dump_dir__parse_uid("01000", &uid));
	assert_false(dial9_dump_dir__parse_uid("", &uid));
	assert_false(dial9_dump_dir__parse_uid("10a", &uid));
	assert_false(dial9_dump_dir__parse_uid("99999999999", &uid));
	assert_true(dial9_dump_dir__is_dump_name("a.1.x.000.panic.dial9"));
	assert_false(dial9_dump_dir__is_dump_name(".a.dial9"));
	assert_false(dial9_dump_dir__is_dump_name(".dial9"));
	assert_true(dial9_dump_dir__is_temp_name(".a.1.x.000.panic.dial9.tmp.Ab12Cd"));
	assert_false(dial9_dump_dir__is_temp_name(".a.dial9.tmp.Ab12C"));
	assert_false(dial9_dump_dir__is_temp_name("a.dial9.tmp.Ab12Cd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_absolute),
		cmocka_unit_test(test_time_relative),
		cmocka_unit_test(test_time_bad),
		cmocka_unit_test(test_order_filters_ids),
		cmocka_unit_test(test_same_id_is_ambiguous),
		cmocka_unit_test(test_load_state_dir),
		cmocka_unit_test(test_acl_value),
		cmocka_unit_test(test_uid_dir_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
