// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_trigger.c - dump trigger rules: the grammar, and the hold-off, rate
 * limit, streaks and waiting dump of trigger.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "trigger.h"

#define MS 1000000ull
#define SEC 1000000000ull

static void add_ok(struct dial9_trigger_rules *r, const char *text)
{
	char why[256] = "";
	int ret = dial9_trigger_rules__add(r, text, why, sizeof(why));

	if (ret)
		fail_msg("'%s': %s", text, why);
}

static void add_bad(const char *text, const char *expect)
{
	struct dial9_trigger_rules r = { .count = 0 };
	char why[256] = "";

	if (!dial9_trigger_rules__add(&r, text, why, sizeof(why)))
		fail_msg("'%s' accepted", text);
	if (!strstr(why, expect))
		fail_msg("'%s': '%s' does not say '%s'", text, why, expect);
	assert_int_equal(r.count, 0);
}

static void format_is(const struct dial9_trigger_rule *rule, const char *expect)
{
	char buf[1024];

	dial9_trigger_rule__format(rule, buf, sizeof(buf));
	assert_string_equal(buf, expect);
}

static void test_grammar(void **state)
{
	struct dial9_trigger_rules r = { .count = 0 };

	(void)state;
	add_ok(&r, "poll > 25ms");
	add_ok(&r, "slow-wakes: latency-p99>5ms for 3s holdoff=2min max-per-hour=2");
	add_ok(&r, "deep: queue > 100 comm=api-* exe=/srv/*");
	add_ok(&r, "lost > 0");
	add_ok(&r, "cost > 2.5%");
	add_ok(&r, "tiny: poll > 1.5ms holdoff=0ms");
	assert_int_equal(r.count, 6);

	assert_string_equal(r.rule[0].name, "poll");
	assert_int_equal(r.rule[0].metric, DIAL9_TRIGGER_POLL);
	assert_int_equal(r.rule[0].threshold, 25 * MS);
	assert_int_equal(r.rule[0].holdoff_ns, 60 * SEC);
	assert_int_equal(r.rule[0].max_per_hour, 6);
	format_is(&r.rule[0], "poll: poll > 25ms holdoff=1min max-per-hour=6");

	assert_int_equal(r.rule[1].metric, DIAL9_TRIGGER_LATENCY_P99);
	assert_int_equal(r.rule[1].threshold, 5 * MS);
	assert_int_equal(r.rule[1].for_seconds, 3);
	assert_int_equal(r.rule[1].holdoff_ns, 120 * SEC);
	format_is(&r.rule[1], "slow-wakes: latency-p99 > 5ms for 3s holdoff=2min max-per-hour=2");

	assert_int_equal(r.rule[2].threshold, 100);
	assert_string_equal(r.rule[2].comm, "api-*");
	assert_true(dial9_trigger_rule__applies(&r.rule[2], "/srv/api", "api-1"));
	assert_false(dial9_trigger_rule__applies(&r.rule[2], "/srv/api", "worker"));
	assert_false(dial9_trigger_rule__applies(&r.rule[2], "/usr/bin/api", "api-1"));
	assert_false(dial9_trigger_rule__applies(&r.rule[2], NULL, "api-1"));
	assert_true(dial9_trigger_rule__applies(&r.rule[0], NULL, NULL));
	format_is(&r.rule[2], "deep: queue > 100 for 1s holdoff=1min max-per-hour=6 exe=/srv/* "
			      "comm=api-*");

	assert_int_equal(r.rule[4].threshold, 25000); /* ppm */
	format_is(&r.rule[4], "cost: cost > 2.5% for 1s holdoff=1min max-per-hour=6");
	assert_int_equal(r.rule[5].threshold, 1500 * 1000);
	assert_int_equal(r.rule[5].holdoff_ns, 0);
	format_is(&r.rule[5], "tiny: poll > 1500us holdoff=0ms max-per-hour=6");
}

static void test_grammar_errors(void **state)
{
	struct dial9_trigger_rules r = { .count = 0 };
	char why[256];
	int i;

	(void)state;
	add_bad("", "expected 'METRIC > VALUE'");
	add_bad("poll 25ms", "expected 'METRIC > VALUE'");
	add_bad("poll > 25", "needs a unit: 25ms");
	add_bad("poll > 25 ms", "needs a unit");
	add_bad("poll > fast", "not a duration");
	add_bad("poll > 2h", "not a duration");
	add_bad("poll > 7200s", "longer than 3600s");
	add_bad("speed > 5", "unknown metric 'speed'");
	add_bad("poll > 25ms for 3s", "'for' does not apply to poll");
	add_bad("queue > 10 for", "'for' needs a number of seconds");
	add_bad("queue > 10 for 0s", "not a whole number in 1..3600");
	add_bad("queue > -1", "not a whole number");
	add_bad("queue > 10x", "not a whole number");
	add_bad("cost > 0%", "not a percentage");
	add_bad("cost > 101%", "not a percentage");
	add_bad("lost > 0 holdoff=soon", "not a duration");
	add_bad("lost > 0 max-per-hour=0", "not a whole number in 1..3600");
	add_bad("lost > 0 colour=red", "unknown option 'colour'");
	add_bad("lost > 0 please", "unexpected 'please'");
	add_bad("lost > 0 comm=", "comm= takes a glob");
	add_bad("bad name!: lost > 0", "expected 'METRIC > VALUE'");
	add_bad("a$b: lost > 0", "trigger name 'a$b'");
	add_bad("lost > 0 a b c d e f g h i j k l m n", "more than 16 words");

	add_ok(&r, "lost > 0");
	assert_int_equal(dial9_trigger_rules__add(&r, "lost > 5", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "trigger name 'lost' given twice"));
	for (i = 1; i < DIAL9_TRIGGERS_MAX; i++) {
		char text[64];

		snprintf(text, sizeof(text), "r%d: lost > %d", i, i);
		add_ok(&r, text);
	}
	assert_int_equal(dial9_trigger_rules__add(&r, "x: lost > 0", why, sizeof(why)), -E2BIG);
	assert_non_null(strstr(why, "more than 16 triggers"));
}

/* The configuration file takes them too, repeatable, each line one rule. */
static void test_config_file(void **state)
{
	const char *text = "trigger = blocked: poll > 25ms\n"
			   "trigger = lost > 100 for 2s\n"
			   "post-trigger = 2\n";
	struct dial9_config c;
	char err[256] = "";

	(void)state;
	dial9_config__init(&c);
	assert_int_equal(dial9_config__parse(text, strlen(text), &c, err, sizeof(err)), 0);
	assert_int_equal(c.s.triggers.count, 2);
	assert_string_equal(c.s.triggers.rule[0].name, "blocked");
	assert_int_equal(c.s.triggers.rule[1].for_seconds, 2);
	assert_int_equal(c.s.post_trigger_ns, 2 * SEC);
	dial9_config__free(&c);

	dial9_config__init(&c);
	assert_int_equal(dial9_config__parse("trigger = poll > 25\n", 20, &c, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 1: '25' needs a unit: 25ms (ns, us, ms, s, min)");
	dial9_config__free(&c);
}

static void rules_of(struct dial9_trigger_rules *r, const char *const *texts)
{
	memset(r, 0, sizeof(*r));
	for (; *texts; texts++)
		add_ok(r, *texts);
}

/* One long poll fires, the dump waits for its aftermath; a second one
 * meanwhile is the same incident; after the dump, the hold-off. */
static void test_long_poll_holdoff(void **state)
{
	static const char *const texts[] = { "poll > 25ms holdoff=60s", NULL };
	struct dial9_trigger_rules r;
	struct trigger_state s;
	const struct trigger_fire *f;

	(void)state;
	rules_of(&r, texts);
	trigger__init(&s, &r, "/srv/app", "app");
	assert_int_equal(s.applies, 1);
	assert_false(trigger__on_long(&s, &r, 5 * SEC, 25 * MS, 10 * SEC, 7, 3)); /* not over */
	assert_null(trigger__waiting(&s));
	assert_true(trigger__on_long(&s, &r, 5 * SEC, 50 * MS, 11 * SEC, 7, 3));
	f = trigger__waiting(&s);
	assert_non_null(f);
	assert_int_equal(f->rule, 0);
	assert_int_equal(f->metric, DIAL9_TRIGGER_POLL);
	assert_int_equal(f->value, 50 * MS);
	assert_int_equal(f->threshold, 25 * MS);
	assert_int_equal(f->fired_ns, 11 * SEC);
	assert_int_equal(f->due_ns, 16 * SEC);
	assert_int_equal(f->tid, 7);
	assert_int_equal(f->task, 3);
	assert_null(trigger__due(&s, 16 * SEC - 1));
	/* the stall of the same blocking poll, and another poll: absorbed */
	assert_false(trigger__on_long(&s, &r, 5 * SEC, 52 * MS, 11 * SEC + 1, 7, 3));
	assert_false(trigger__on_long(&s, &r, 5 * SEC, 90 * MS, 13 * SEC, 8, 4));
	assert_int_equal(s.absorbed, 2);
	assert_int_equal(trigger__waiting(&s)->value, 50 * MS);
	assert_ptr_equal(trigger__due(&s, 16 * SEC), f);
	trigger__taken(&s);
	assert_null(trigger__waiting(&s));
	/* within the hold-off: nothing */
	assert_false(trigger__on_long(&s, &r, 5 * SEC, 50 * MS, 70 * SEC, 7, 3));
	assert_int_equal(s.held_off, 1);
	/* after it: the next incident */
	assert_true(trigger__on_long(&s, &r, 5 * SEC, 50 * MS, 71 * SEC, 7, 3));
	assert_int_equal(s.fired, 2);
}

static void test_rate_limit(void **state)
{
	static const char *const texts[] = { "poll > 10ms holdoff=0ms max-per-hour=2", NULL };
	struct dial9_trigger_rules r;
	struct trigger_state s;
	uint64_t t = 100 * SEC;
	int i, fired = 0;

	(void)state;
	rules_of(&r, texts);
	trigger__init(&s, &r, NULL, NULL);
	for (i = 0; i < 5; i++, t += SEC) {
		if (trigger__on_long(&s, &r, 0, 20 * MS, t, 1, 1)) {
			fired++;
			assert_non_null(trigger__due(&s, t));
			trigger__taken(&s);
		}
	}
	assert_int_equal(fired, 2);
	assert_int_equal(s.rate_limited, 3);
	/* half an hour gives one back */
	t += 1800 * SEC;
	assert_true(trigger__on_long(&s, &r, 0, 20 * MS, t, 1, 1));
	trigger__taken(&s);
	assert_false(trigger__on_long(&s, &r, 0, 20 * MS, t + SEC, 1, 1));
}

static void test_seconds_streak(void **state)
{
	static const char *const texts[] = { "latency-p99 > 5ms for 3s", "q: queue > 50",
					     "lost > 0 holdoff=0ms", NULL };
	struct trigger_second sec = { 0 };
	struct dial9_trigger_rules r;
	struct trigger_state s;
	int i;

	(void)state;
	rules_of(&r, texts);
	trigger__init(&s, &r, "x", "x");
	sec.latency_observed = true;
	sec.latency_p99_ns = 9 * MS;
	sec.queue_observed = true;
	sec.queue_max = 50; /* not over */
	for (i = 0; i < 2; i++) {
		sec.end_ns = (uint64_t)(i + 1) * SEC;
		assert_false(trigger__on_second(&s, &r, SEC, &sec));
	}
	/* an unobserved second breaks the streak: it is no second over */
	sec.latency_observed = false;
	sec.end_ns = 3 * SEC;
	assert_false(trigger__on_second(&s, &r, SEC, &sec));
	sec.latency_observed = true;
	for (i = 0; i < 2; i++) {
		sec.end_ns = (uint64_t)(i + 4) * SEC;
		assert_false(trigger__on_second(&s, &r, SEC, &sec));
	}
	sec.end_ns = 6 * SEC;
	assert_true(trigger__on_second(&s, &r, SEC, &sec));
	assert_int_equal(trigger__waiting(&s)->metric, DIAL9_TRIGGER_LATENCY_P99);
	assert_int_equal(trigger__waiting(&s)->value, 9 * MS);
	assert_int_equal(trigger__waiting(&s)->fired_ns, 6 * SEC);
	assert_int_equal(trigger__waiting(&s)->due_ns, 7 * SEC);
	trigger__taken(&s);

	/* queue over its threshold but not observed: never fires */
	sec.latency_p99_ns = 0;
	sec.queue_max = 500;
	sec.queue_observed = false;
	sec.end_ns = 7 * SEC;
	assert_false(trigger__on_second(&s, &r, SEC, &sec));
	sec.queue_observed = true;
	sec.end_ns = 8 * SEC;
	assert_true(trigger__on_second(&s, &r, SEC, &sec));
	assert_int_equal(trigger__waiting(&s)->rule, 1);
	trigger__taken(&s);

	/* lost events: one second over 0 */
	sec.queue_max = 0;
	sec.lost = 3;
	sec.end_ns = 9 * SEC;
	assert_true(trigger__on_second(&s, &r, SEC, &sec));
	assert_int_equal(trigger__waiting(&s)->metric, DIAL9_TRIGGER_LOST);
	assert_int_equal(trigger__waiting(&s)->value, 3);
}

static void test_scope(void **state)
{
	static const char *const texts[] = { "poll > 25ms comm=api*", "b: lost > 0 exe=/srv/*",
					     NULL };
	struct dial9_trigger_rules r;
	struct trigger_state s;

	(void)state;
	rules_of(&r, texts);
	trigger__init(&s, &r, "/usr/bin/worker", "worker");
	assert_int_equal(s.applies, 0);
	assert_false(trigger__on_long(&s, &r, 0, SEC, SEC, 1, 1));
	trigger__init(&s, &r, "/srv/api", "api-1");
	assert_int_equal(s.applies, 3);
	assert_true(trigger__on_long(&s, &r, 0, SEC, SEC, 1, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_grammar_errors),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_long_poll_holdoff),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_seconds_streak),
		cmocka_unit_test(test_scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
