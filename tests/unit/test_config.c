// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_config.c - dial9d.conf parsing and discovery rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static int parse(const char *text, struct dial9_config *c, char *err)
{
	dial9_config__init(c);
	return dial9_config__parse(text, strlen(text), c, err, 256);
}

static void test_settings(void **state)
{
	const char *text = "# comment\n"
			   "window = 10   # seconds\n"
			   "max-bytes = 128M\n"
			   "ring-bytes=8M\n"
			   "max-procs = 12\n"
			   "dump-on-exit = yes\n"
			   "all = no\n"
			   "max-dumps = 7\n"
			   "max-dump-bytes = 2G\n"
			   "state-dir = /srv/dial9\n"
			   "socket = /run/x.sock\n"
			   "poll-threshold-us = 0\n"
			   "overhead-budget = 2.5\n"
			   "hit-cost-ns = 3000\n"
			   "max-request-dumps = 4\n"
			   "dump-reserve = 16M\n"
			   "request-dumps-per-min = 0\n"
			   "\n   \t\n";
	struct dial9_config c;
	char err[256];

	assert_int_equal(parse(text, &c, err), 0);
	assert_int_equal(c.s.window_ns, 10ULL * 1000000000ULL);
	assert_int_equal(c.s.max_bytes, 128ULL << 20);
	assert_int_equal(c.s.ring_bytes, 8ULL << 20);
	assert_int_equal(c.s.max_procs, 12);
	assert_true(c.s.dump_on_exit);
	assert_true(!c.s.all);
	assert_int_equal(c.s.max_dumps, 7);
	assert_int_equal(c.s.max_dump_bytes, 2ULL << 30);
	assert_string_equal(c.s.state_dir, "/srv/dial9");
	assert_string_equal(c.s.socket_path, "/run/x.sock");
	assert_int_equal(c.s.poll_threshold_ns, 0);
	assert_true(c.s.overhead_budget > 0.0249 && c.s.overhead_budget < 0.0251);
	assert_int_equal(c.s.hit_cost_ns, 3000);
	assert_int_equal(c.s.max_request_dumps, 4);
	assert_int_equal(c.s.dump_reserve, 16ULL << 20);
	assert_int_equal(c.s.request_dumps_per_min, 0);
	dial9_config__free(&c);
}

/* An empty file leaves the table's defaults. */
static void test_defaults(void **state)
{
	struct dial9_config c;
	char err[256];

	assert_int_equal(parse("", &c, err), 0);
	assert_int_equal(c.s.window_ns, 30ULL * 1000000000ULL);
	assert_int_equal(c.s.max_bytes, 64ULL << 20);
	assert_int_equal(c.s.ring_bytes, 4u << 20);
	assert_int_equal(c.s.drain_ms, 20);
	assert_int_equal(c.s.max_procs, 256);
	assert_int_equal(c.s.panic_dumps_per_min, 3);
	assert_int_equal(c.s.max_dumps, 100);
	assert_int_equal(c.s.max_dump_bytes, 1ULL << 30);
	assert_int_equal(c.s.max_request_dumps, 10);
	assert_int_equal(c.s.dump_reserve, 64ULL << 20);
	assert_int_equal(c.s.request_dumps_per_min, 10);
	assert_int_equal(c.s.poll_threshold_ns, 1000000);
	assert_true(c.s.overhead_budget > 0.0099 && c.s.overhead_budget < 0.0101);
	assert_int_equal(c.s.hit_cost_ns, 1000);
	assert_false(c.s.dump_on_exit || c.s.all || c.s.floor || c.s.verbose);
	assert_string_equal(c.s.socket_path, "/run/dial9/dial9d.sock");
	assert_string_equal(c.s.state_dir, "/var/lib/dial9");
	assert_int_equal(c.s.debuginfo.ndirs, 0);
	dial9_config__free(&c);
}

/* README.md and docs/CONFIG.md hold the option table as options.c's table
 * writes it: one place for every name, range, default and meaning. */
static void test_docs_hold_the_option_table(void **state)
{
	static const char *const docs[] = { DIAL9_SRC_DIR "/README.md",
					    DIAL9_SRC_DIR "/docs/CONFIG.md" };
	char *want = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&want, &len);

	assert_non_null(f);
	dial9d_options__markdown(f);
	fclose(f);
	for (i = 0; i < 2; i++) {
		FILE *doc = fopen(docs[i], "re");
		char *text;
		long n;

		assert_non_null(doc);
		fseek(doc, 0, SEEK_END);
		n = ftell(doc);
		rewind(doc);
		text = calloc(1, (size_t)n + 1);
		assert_non_null(text);
		assert_int_equal(fread(text, 1, (size_t)n, doc), (size_t)n);
		fclose(doc);
		if (!strstr(text, want))
			fail_msg("%s does not hold the option table of `dial9d --options-markdown`:\n%s",
				 docs[i], want);
		free(text);
	}
	free(want);
}

static void test_errors_name_the_line(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "window = 0\n", "line 1: '0' is not a size in 1..3600" },
		{ "\nwindow = ten\n", "line 2: 'ten' is not a size" },
		{ "ring-bytes = 3M\n", "line 1: ring-bytes must be a power of two" },
		{ "bogus = 1\n", "line 1: unknown setting 'bogus'" },
		{ "just words\n", "line 1: expected 'key = value'" },
		{ "dump-on-exit = maybe\n", "line 1: 'maybe' is not yes or no" },
		{ "state-dir = relative\n", "line 1: needs an absolute path" },
		{ "include-exe =\n", "line 1: empty pattern" },
		{ "overhead-budget = 101\n", "line 1: '101' is not a percentage 0..100" },
		{ "overhead-budget = 1%\n", "line 1: '1%' is not a percentage 0..100" },
		{ "max-bytes = 99999999999999999999G\n", "line 1: '99999999999999999999G' is not a size" },
		{ "max-request-dumps = 0\n", "line 1: '0' is not a size in 1..1000000" },
		{ "request-dumps-per-min = 60001\n", "line 1: '60001' is not a size in 0..60000" },
	};
	struct dial9_config c;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &c, err), -EINVAL);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: got '%s', want prefix '%s'", i, err, cases[i].want);
		assert_null(strchr(err, '\n'));
		dial9_config__free(&c);
	}
}

static void test_limits(void **state)
{
	struct dial9_config c;
	char err[256], *text, *p;
	size_t i;

	/* 65 patterns of one kind: the 65th is refused */
	text = malloc(65 * 32);
	assert_non_null(text);
	for (p = text, i = 0; i < 65; i++)
		p += sprintf(p, "include-comm = c%zu\n", i);
	assert_int_equal(parse(text, &c, err), -EINVAL);
	assert_non_null(strstr(err, "line 65: more than 64 patterns"));
	assert_int_equal(c.rules.include[DIAL9_RULE_COMM].count, 64);
	dial9_config__free(&c);
	free(text);

	/* an over-long line */
	text = malloc(2000);
	assert_non_null(text);
	memset(text, 'a', 1999);
	text[1999] = '\0';
	assert_int_equal(parse(text, &c, err), -EINVAL);
	assert_non_null(strstr(err, "line 1: longer than"));
	dial9_config__free(&c);
	free(text);
}

static void test_rules(void **state)
{
	struct dial9_config c;
	char err[256];

	/* no rules: everything */
	assert_int_equal(parse("", &c, err), 0);
	assert_true(dial9_rules__match(&c.rules, "/usr/bin/x", "x", "/"));
	assert_true(dial9_rules__match(&c.rules, NULL, NULL, NULL));
	dial9_config__free(&c);

	/* includes limit, excludes win */
	assert_int_equal(parse("include-exe = /srv/*\n"
			       "include-cgroup = /system.slice/app-*.service\n"
			       "exclude-comm = noisy*\n", &c, err), 0);
	assert_true(dial9_rules__match(&c.rules, "/srv/api/server", "server", "/user.slice"));
	assert_true(dial9_rules__match(&c.rules, "/usr/bin/y", "y", "/system.slice/app-a.service"));
	assert_false(dial9_rules__match(&c.rules, "/usr/bin/y", "y", "/system.slice/db.service"));
	assert_false(dial9_rules__match(&c.rules, "/srv/api/noisy", "noisy-worker", "/"));
	assert_false(dial9_rules__match(&c.rules, NULL, NULL, NULL));
	dial9_config__free(&c);

	/* only excludes: everything else */
	assert_int_equal(parse("exclude-exe = /usr/lib/*\n", &c, err), 0);
	assert_false(dial9_rules__match(&c.rules, "/usr/lib/foo", "foo", NULL));
	assert_true(dial9_rules__match(&c.rules, "/usr/bin/foo", "foo", NULL));
	dial9_config__free(&c);
}

/* debug-dir: repeatable, in order, absolute, at most 16. */
static void test_debug_dirs(void **state)
{
	struct dial9_config c;
	char err[256], text[2048] = "";

	assert_int_equal(parse("debug-dir = /srv/debug\ndebug-dir=/opt/dbg # second\n", &c, err),
			 0);
	assert_int_equal(c.s.debuginfo.ndirs, 2);
	assert_string_equal(c.s.debuginfo.dirs[0], "/srv/debug");
	assert_string_equal(c.s.debuginfo.dirs[1], "/opt/dbg");
	dial9_config__free(&c);
	assert_int_equal(c.s.debuginfo.ndirs, 0);

	assert_int_equal(parse("debug-dir = usr/lib/debug\n", &c, err), -EINVAL);
	assert_string_equal(err, "line 1: needs an absolute path");
	dial9_config__free(&c);

	for (int i = 0; i < DIAL9_DEBUGINFO_MAX_DIRS + 1; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "debug-dir = /d%d\n", i);
	assert_int_equal(parse(text, &c, err), -EINVAL);
	assert_string_equal(err, "line 17: more than 16 debug directories");
	assert_int_equal(c.s.debuginfo.ndirs, DIAL9_DEBUGINFO_MAX_DIRS);
	dial9_config__free(&c);
}

static void test_parse_size(void **state)
{
	uint64_t v;

	assert_int_equal(dial9_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(dial9_parse_size("4k", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(dial9_parse_size("3G", &v), 0);
	assert_int_equal(v, 3ULL << 30);
	assert_int_equal(dial9_parse_size("-1", &v), -EINVAL);
	assert_int_equal(dial9_parse_size("1T", &v), -EINVAL);
	assert_int_equal(dial9_parse_size("", &v), -EINVAL);
	assert_int_equal(dial9_parse_size(NULL, &v), -EINVAL);
	assert_int_equal(dial9_parse_size("17179869184G", &v), -EINVAL);
}

static void test_load_missing_and_bad(void **state)
{
	struct dial9_config c;
	char err[256], path[] = "/tmp/dial9-conf.XXXXXX";
	FILE *f;
	int fd;

	dial9_config__init(&c);
	assert_int_equal(dial9_config__load("/nonexistent/dial9d.conf", &c, err, sizeof(err)),
			 -ENOENT);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("window = 5\nfoo = bar\n", f);
	fclose(f);
	assert_int_equal(dial9_config__load(path, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2: unknown setting 'foo'"));
	assert_non_null(strstr(err, path));
	dial9_config__free(&c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_docs_hold_the_option_table),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_debug_dirs),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_load_missing_and_bad),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
