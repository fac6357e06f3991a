// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_exposition.c - the metrics file's text (daemon/exposition.c, metrics.c,
 * figures.c): escaping, number formats, one header per family, samples
 * grouped under it, histograms cumulative, what is not observed left out,
 * and counters equal to what `dial9ctl list` says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exposition.h"
#include "figures.h"
#include "ingest.h"
#include "json_writer.h"
#include "metrics.h"
#include "tracked.h"

#define MS 1000000ULL

struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static void text_open(struct text *t)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
	assert_non_null(t->f);
}

static char *text_close(struct text *t)
{
	assert_int_equal(fclose(t->f), 0);
	return t->buf;
}

static void test_label_escaping(void **state)
{
	struct expo_sample s;
	struct text t;
	char *out;

	text_open(&t);
	expo__begin(&s, t.f, "m");
	expo__label(&s, "comm", "a\"b\\c\nd");
	expo__label(&s, "exe", "/srv/\xff\xfe/caf\xc3\xa9/\xc0\xaf/\xed\xa0\x80/\xe2\x82");
	expo__label_raw(&s, "cause=\"ringbuf\"");
	expo__value_u64(&s, 18446744073709551615ULL);
	expo__begin(&s, t.f, "bare");
	expo__value_double(&s, 0.25);
	out = text_close(&t);
	assert_string_equal(out,
			    "m{comm=\"a\\\"b\\\\c\\nd\","
			    "exe=\"/srv/\xef\xbf\xbd\xef\xbf\xbd/caf\xc3\xa9/"
			    "\xef\xbf\xbd\xef\xbf\xbd/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd/"
			    "\xef\xbf\xbd\xef\xbf\xbd\",cause=\"ringbuf\"} 18446744073709551615\n"
			    "bare 0.25\n");
	free(out);
}

static void test_family_and_numbers(void **state)
{
	struct expo_sample s;
	struct text t;
	char buf[32], *out;

	text_open(&t);
	expo__family(t.f, "dial9_x_total", "counter", "a \"quoted\" back\\slash\nand a line");
	expo__begin(&s, t.f, "dial9_x_total");
	expo__value_ns(&s, 1500000000ULL);
	expo__begin(&s, t.f, "g");
	expo__value_double(&s, 0.0 / 0.0);
	expo__begin(&s, t.f, "g");
	expo__value_double(&s, 1.0 / 0.0);
	out = text_close(&t);
	assert_string_equal(out, "# HELP dial9_x_total a \"quoted\" back\\\\slash\\nand a line\n"
				 "# TYPE dial9_x_total counter\n"
				 "dial9_x_total 1.5\n"
				 "g NaN\n"
				 "g +Inf\n");
	free(out);

	expo__seconds(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0");
	expo__seconds(buf, sizeof(buf), 1000);
	assert_string_equal(buf, "0.000001");
	expo__seconds(buf, sizeof(buf), 4194304000ULL);
	assert_string_equal(buf, "4.194304");
	expo__seconds(buf, sizeof(buf), 12000000000ULL);
	assert_string_equal(buf, "12");
	expo__seconds(buf, sizeof(buf), 1234567891ULL);
	assert_string_equal(buf, "1.234567891");
}

/* --- a whole exposition of a daemon recording two processes -------------- */

static void keep(struct tracked *t, uint8_t kind, uint64_t task, uint64_t ts, uint64_t arg,
		 uint16_t aux)
{
	struct dial9_event e = { .ts_ns = ts, .task_id = task, .arg = arg, .tid = 9, .kind = kind,
				 .aux = aux };

	assert_int_equal(ingest__keep(t, &e), 0);
}

static struct tracked *recorded(struct daemon *d, pid_t pid, const char *comm, const char *exe)
{
	struct tracked *t = tracked__new(d, pid);

	assert_non_null(t);
	t->win = dial9_window__new(60ULL * 1000 * MS, 1 << 20);
	assert_non_null(t->win);
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	snprintf(t->exe, sizeof(t->exe), "%s", exe);
	t->gov.duty = 1.0;
	t->next = d->procs;
	d->procs = t;
	d->nprocs++;
	return t;
}

/* The value of the sample "name{...pid="PID"...extra...}" in text, or -1. */
static double sample(const char *text, const char *name, int pid, const char *extra)
{
	char want[64];
	const char *p;
	size_t n = strlen(name);

	snprintf(want, sizeof(want), "pid=\"%d\"", pid);
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *end = strchr(p, '\n'), *brace = p + n;
		char line[4096];

		if (strncmp(p, name, n) || (*brace != '{' && *brace != ' '))
			continue;
		snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
		if (pid && !strstr(line, want))
			continue;
		if (extra && !strstr(line, extra))
			continue;
		return strtod(strrchr(line, ' ') + 1, NULL);
	}
	return -1;
}

/* Every line a header or a sample of the family last declared, each family
 * declared once. */
static void check_structure(const char *text)
{
	char family[128] = "", type[32] = "", seen[64][128];
	const char *p = text;
	int nseen = 0, i;

	while (*p) {
		const char *end = strchr(p, '\n');
		char line[8192], name[128];

		assert_non_null(end); /* every line ends */
		snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
		assert_true(line[0] != '\0');
		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%127s", family), 1);
			for (i = 0; i < nseen; i++)
				if (!strcmp(seen[i], family))
					fail_msg("family %s declared twice", family);
			assert_true(nseen < 64);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", family);
			p = end + 1;
			end = strchr(p, '\n');
			snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
			assert_int_equal(sscanf(line, "# TYPE %127s %31s", name, type), 2);
			assert_string_equal(name, family);
		} else {
			size_t n = strcspn(line, "{ ");

			snprintf(name, sizeof(name), "%.*s", (int)n, line);
			if (!strcmp(type, "histogram")) {
				size_t fl = strlen(family);

				assert_true(!strncmp(name, family, fl));
				assert_true(!strcmp(name + fl, "_bucket") || !strcmp(name + fl, "_sum") ||
					    !strcmp(name + fl, "_count"));
			} else {
				if (strcmp(name, family))
					fail_msg("%s under the family %s", name, family);
			}
			if (!strcmp(type, "counter"))
				assert_true(strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total"));
		}
		p = end + 1;
	}
	assert_true(nseen >= 15);
}

/* The JSON `dial9ctl list` shows of t's figures, parsed. */
static json_t *list_json(const struct tracked *t)
{
	struct proc_figures f;
	struct json_writer *w;
	struct text out;
	json_error_t err;
	json_t *j;

	text_open(&out);
	w = json_writer__new(out.f, 0);
	assert_non_null(w);
	proc_figures__take(t, &f);
	json_writer__begin_object(w);
	proc_figures__write_json(&f, w);
	json_writer__end_object(w);
	assert_int_equal(json_writer__finish(w), 0);
	json_writer__free(w);
	text_close(&out);
	j = json_loads(out.buf, 0, &err);
	if (!j)
		fail_msg("list JSON: %s\n%s", err.text, out.buf);
	free(out.buf);
	return j;
}

static void test_exposition(void **state)
{
	struct daemon d = { .nprocs = 0 };
	struct tracked *full, *sampled;
	json_t *j, *lat, *bucket;
	struct text t;
	uint64_t ts, i;
	double prev = 0;
	size_t k;
	char *out;

	full = recorded(&d, 101, "srv \"x\"", "/srv/a\\b\nc");
	sampled = recorded(&d, 202, "quiet", "/usr/bin/quiet");
	ts = now_mono_ns(); /* the records' clock: after the statistics began */
	d.dumps_by_reason[DIAL9_REASON_PANIC] = 2;
	d.dumps_written = 2;

	/* full: wakes answered after 3 µs..300 µs, a long poll, a stall, a loss */
	keep(full, DIAL9_EV_MODE, 0, ts, 0, DIAL9_MODE_FULL);
	for (i = 1; i <= 100; i++) {
		keep(full, DIAL9_EV_WAKE, i, ts + i * MS, 0, DIAL9_WAKER_TASK);
		keep(full, DIAL9_EV_POLL_START, i, ts + i * MS + 3000 * i, 0, 0);
		keep(full, DIAL9_EV_POLL_END, i, ts + i * MS + 3000 * i + 2000, 2000, 0);
	}
	keep(full, DIAL9_EV_POLL_END, 7, ts + 200 * MS, 5 * MS, 0);
	keep(full, DIAL9_EV_STALL, 7, ts + 300 * MS, 30 * MS, 0);
	keep(full, DIAL9_EV_LOST, 0, ts + 310 * MS, 12, DIAL9_LOST_RINGBUF);
	/* sampled: counted polls, wakes without latency */
	keep(sampled, DIAL9_EV_MODE, 0, ts, 0, DIAL9_MODE_SAMPLED);
	keep(sampled, DIAL9_EV_WAKE, 1, ts + 1 * MS, 0, DIAL9_WAKER_IO_DRIVER);
	keep(sampled, DIAL9_EV_POLL_SUMMARY, 1, ts + 2 * MS, 1000, 30);
	ingest__end_second(&d, ts + 1000 * MS);

	text_open(&t);
	assert_int_equal(metrics__expose(t.f, &d, ts + 1000 * MS), 0);
	out = text_close(&t);
	printf("%s", out);
	check_structure(out);

	/* labels escaped in every sample */
	assert_non_null(strstr(out, "{pid=\"101\",comm=\"srv \\\"x\\\"\",exe=\"/srv/a\\\\b\\nc\"}"));

	/* counters as list says them */
	for (k = 0; k < 2; k++) {
		const struct tracked *tr = k ? sampled : full;
		size_t c;

		j = list_json(tr);
		for (c = 0; c < proc_ncounters; c++) {
			const struct proc_counter *pc = &proc_counters[c];
			double v = sample(out, pc->metric, tr->pid, pc->label);
			double want = (double)json_integer_value(json_object_get(j, pc->key));

			if (pc->ns)
				want /= 1e9;
			if (v != want)
				fail_msg("%d %s{%s}: %f in the file, %f in list (%s)", tr->pid, pc->metric,
					 pc->label ? pc->label : "", v, want, pc->key);
		}
		if (tr == full) {
			/* the histogram as list shows it */
			lat = json_object_get(j, "wake_latency");
			assert_true(json_is_object(lat));
			assert_int_equal(json_integer_value(json_object_get(lat, "count")), 100);
			assert_int_equal(sample(out, "dial9_wake_to_poll_latency_seconds_count", 101,
						NULL), 100);
			json_array_foreach(json_object_get(lat, "buckets"), i, bucket) {
				json_t *le = json_object_get(bucket, "le_ns");
				char want[64], secs[32];
				double v;

				if (json_is_null(le)) {
					snprintf(want, sizeof(want), "le=\"+Inf\"");
				} else {
					expo__seconds(secs, sizeof(secs), json_integer_value(le));
					snprintf(want, sizeof(want), "le=\"%s\"", secs);
				}
				v = sample(out, "dial9_wake_to_poll_latency_seconds_bucket", 101, want);
				assert_true(v == (double)json_integer_value(json_object_get(bucket, "count")));
				assert_true(v >= prev); /* cumulative */
				prev = v;
			}
			assert_true(prev == 100); /* +Inf holds them all */
		} else {
			assert_true(json_is_null(json_object_get(j, "wake_latency")));
			assert_true(json_is_null(
				json_object_get(json_object_get(j, "last_second"), "queue_depth_max")));
		}
		json_decref(j);
	}
	assert_true(sample(out, "dial9_polls_total", 101, NULL) == 101);
	assert_true(sample(out, "dial9_long_polls_total", 101, NULL) == 1);
	assert_true(sample(out, "dial9_polls_total", 202, NULL) == 30);
	assert_true(sample(out, "dial9_polls_counted_total", 202, NULL) == 30);
	assert_true(sample(out, "dial9_lost_events_total", 101, "cause=\"ringbuf\"") == 12);
	assert_true(sample(out, "dial9_recording_seconds_total", 202, "mode=\"sampled\"") == 1);

	/* observed only where it was */
	assert_true(sample(out, "dial9_latency_observed", 101, NULL) == 1);
	assert_true(sample(out, "dial9_latency_observed", 202, NULL) == 0);
	assert_true(sample(out, "dial9_runnable_queue_depth", 101, NULL) == 1);
	assert_true(sample(out, "dial9_runnable_queue_depth", 202, NULL) == -1);
	assert_true(sample(out, "dial9_wake_to_poll_latency_seconds_count", 202, NULL) == -1);
	assert_true(sample(out, "dial9_wake_to_poll_latency_seconds_bucket", 202, NULL) == -1);
	assert_true(sample(out, "dial9_recording_mode", 202, "mode=\"sampled\"") == 1);
	assert_true(sample(out, "dial9_recording_mode", 202, "mode=\"full\"") == 0);

	/* the daemon's */
	assert_true(sample(out, "dial9_dumps_written_total", 0, "reason=\"panic\"") == 2);
	assert_true(sample(out, "dial9_dumps_written_total", 0, "reason=\"request\"") == 0);
	assert_true(sample(out, "dial9_processes_recorded", 0, NULL) == 2);
	assert_true(sample(out, "dial9_daemon_resident_memory_bytes", 0, NULL) > 0);
	free(out);

	while (d.procs) {
		struct tracked *next = d.procs->next;

		tracked__free(d.procs);
		d.procs = next;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_family_and_numbers),
		cmocka_unit_test(test_exposition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
