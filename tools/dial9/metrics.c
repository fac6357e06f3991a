// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * metrics.c - `dial9 metrics FILE [--interval MS]`: the window cut into
 * intervals (analysis_series.c), one row each: polls, wakes, wake-to-poll
 * latency p50/p99/max and its samples, the deepest runnable queue, the
 * recording mode, stalls and losses.  A figure an interval's recording
 * cannot vouch for is shown as such, never as 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "dial9.h"

#define DEFAULT_INTERVAL_NS 1000000000ull

struct metrics_ctx {
	const struct dial9_analysis *a;
	const struct dial9_series *s;
};

/* "full", "off", "sampled", "full+off": the modes an interval was recorded in. */
static const char *modes_text(uint8_t modes, char *buf, size_t len)
{
	uint32_t m;
	size_t at = 0;

	buf[0] = '\0';
	for (m = 0; m < 8; m++)
		if (modes >> m & 1)
			at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%s%s",
					       at ? "+" : "", dial9_mode_name(m));
	if (!buf[0])
		snprintf(buf, len, "?");
	return buf;
}

/* Latency and queue depth in interval k: false when not observed at all. */
static bool observed(const struct dial9_series *s, uint64_t k)
{
	return s->queue_known && s->full_ns[k];
}

/* Polls and wakes in interval k: not at all while the probes were off. */
static bool counted(const struct dial9_series *s, uint64_t k)
{
	return s->modes[k] & ~(1u << DIAL9_MODE_OFF);
}

static bool part_off(const struct dial9_series *s, uint64_t k)
{
	return counted(s, k) && (s->modes[k] & 1u << DIAL9_MODE_OFF);
}

static bool partly(const struct dial9_series *s, uint64_t k, uint64_t len)
{
	return s->full_ns[k] < len;
}

/* Length of interval k: the last one ends with the window. */
static uint64_t length_of(const struct dial9_analysis *a, const struct dial9_series *s,
			  uint64_t k)
{
	uint64_t span = a->end_ns > a->start_ns ? a->end_ns - a->start_ns : 0;
	uint64_t lo = k * s->interval_ns;

	if (lo >= span)
		return 1;
	return span - lo < s->interval_ns ? span - lo : s->interval_ns;
}

static const char *metrics_row(void *ctx, uint64_t k, char cells[][FMT_LEN])
{
	const struct metrics_ctx *c = ctx;
	const struct dial9_series *s = c->s;
	uint64_t len = length_of(c->a, s, k);

	fmt_rel(cells[0], c->a, c->a->start_ns + k * s->interval_ns);
	fmt_u64_if(cells[1], s->polls_known && counted(s, k), s->polls[k]);
	fmt_u64_if(cells[2], s->wakes_known && counted(s, k), s->wakes[k]);
	if (observed(s, k) && s->lat_n[k]) {
		fmt_dur(cells[3], s->lat_p50[k]);
		fmt_dur(cells[4], s->lat_p99[k]);
		fmt_dur(cells[5], s->lat_max[k]);
	} else {
		strcpy(cells[3], "-");
		strcpy(cells[4], "-");
		strcpy(cells[5], "-");
	}
	fmt_u64_if(cells[6], observed(s, k), s->lat_n[k]);
	fmt_u64_if(cells[7], observed(s, k), s->queue_max[k]);
	modes_text(s->modes[k], cells[8], FMT_LEN);
	fmt_u64(cells[9], s->stalls[k]);
	fmt_u64(cells[10], s->lost[k]);
	if (!counted(s, k))
		return "probes off: no polls, wakes, latency or queue";
	if (part_off(s, k))
		return "probes off for part of it: counts partial";
	if (s->lost[k])
		return "events lost: its figures are partial";
	if (!s->queue_known)
		return "";
	if (!observed(s, k))
		return "no latency or queue: not recorded in full";
	if (partly(s, k, len))
		return s->lat_n[k] < DIAL9_SERIES_FEW_SAMPLES ? "part in full; few samples"
							      : "part in full";
	if (s->lat_n[k] < DIAL9_SERIES_FEW_SAMPLES)
		return s->lat_n[k] ? "few samples" : "no wake was polled";
	return "";
}

static void metrics_text(const struct loaded *l, const struct dial9_series *s)
{
	static const char *const heads[] = { "AT", "POLLS", "WAKES", "P50", "P99", "MAX",
					     "SAMPLES", "QUEUE", "MODE", "STALLS", "LOST",
					     "NOTE" };
	static const bool right[] = { true, true, true, true, true, true,
				      true, true, false, true, true, false };
	struct metrics_ctx ctx = { l->a, s };
	char b1[FMT_LEN], why[UNKNOWN_LEN];
	uint64_t k, seen = 0;

	for (k = 0; k < s->intervals; k++)
		seen += observed(s, k) && !partly(s, k, length_of(l->a, s, k)) &&
			s->lat_n[k] >= DIAL9_SERIES_FEW_SAMPLES;
	printf("%" PRIu64 " intervals of %s; wake-to-poll latency (P50, P99, MAX of its "
	       "SAMPLES) and the runnable QUEUE's deepest only where recorded in full\n",
	       s->intervals, fmt_dur(b1, s->interval_ns));
	if (!s->queue_known)
		printf("latency and queue: %s\n", fmt_unknown(l->a, DIAL9_FIG_QUEUE, why,
							       sizeof(why)));
	else
		printf("latency and queue in %" PRIu64 " of %" PRIu64 " intervals (%.0f%%)\n", seen,
		       s->intervals, 100.0 * (double)seen / (double)s->intervals);
	printf("\n");
	print_table(heads, right, 12, s->intervals, metrics_row, &ctx);
}

static void metrics_json(const struct loaded *l, const struct dial9_series *s,
			 struct json_writer *w)
{
	uint64_t k;

	json_writer__begin_object(w);
	json_writer__kv_u64(w, "interval_ns", s->interval_ns);
	json_writer__kv_bool(w, "queue_known", s->queue_known);
	json_writer__kv_u64(w, "few_samples", DIAL9_SERIES_FEW_SAMPLES);
	json_writer__key(w, "intervals");
	json_writer__begin_array(w);
	for (k = 0; k < s->intervals; k++) {
		uint64_t len = length_of(l->a, s, k);
		uint32_t m;

		json_writer__begin_object(w);
		json_writer__kv_u64(w, "start_ns", k * s->interval_ns);
		json_writer__kv_u64(w, "duration_ns", len);
		json_u64_if(w, "polls", s->polls_known && counted(s, k), s->polls[k]);
		json_u64_if(w, "wakes", s->wakes_known && counted(s, k), s->wakes[k]);
		json_writer__kv_bool(w, "counts_partial", part_off(s, k) || s->lost[k]);
		json_writer__kv_u64(w, "stalls", s->stalls[k]);
		json_writer__kv_u64(w, "lost", s->lost[k]);
		json_writer__kv_u64(w, "full_ns", s->full_ns[k] < len ? s->full_ns[k] : len);
		json_writer__key(w, "modes");
		json_writer__begin_array(w);
		for (m = 0; m < 8; m++)
			if (s->modes[k] >> m & 1)
				json_writer__string(w, dial9_mode_name(m));
		json_writer__end_array(w);
		json_u64_if(w, "queue_max", observed(s, k), s->queue_max[k]);
		json_writer__key(w, "latency");
		if (!observed(s, k)) {
			json_writer__null(w);
		} else {
			json_writer__begin_object(w);
			json_writer__kv_u64(w, "samples", s->lat_n[k]);
			json_u64_if(w, "p50_ns", s->lat_n[k] > 0, s->lat_p50[k]);
			json_u64_if(w, "p99_ns", s->lat_n[k] > 0, s->lat_p99[k]);
			json_u64_if(w, "max_ns", s->lat_n[k] > 0, s->lat_max[k]);
			json_writer__kv_bool(w, "few", s->lat_n[k] < DIAL9_SERIES_FEW_SAMPLES);
			json_writer__kv_bool(w, "partial", partly(s, k, len));
			json_writer__end_object(w);
		}
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__end_object(w);
}

int view_metrics(const struct options *o, const struct loaded *l)
{
	struct dial9_series *s;
	struct json_writer *w;
	int err;

	err = dial9_series__build_every(l->a, o->interval_ns ? o->interval_ns : DEFAULT_INTERVAL_NS,
					&s);
	if (err == -E2BIG) {
		p_err("--interval too short: more than 1000000 intervals");
		return err;
	}
	if (err) {
		p_err("%s", strerror(-err));
		return err;
	}
	if (o->json) {
		w = json_out(o);
		err = -ENOMEM;
		if (w) {
			metrics_json(l, s, w);
			err = json_done(w);
		}
	} else {
		metrics_text(l, s);
		err = text_done();
	}
	dial9_series__free(s);
	return err;
}

int cmd_metrics(const struct options *o)
{
	return run_view(o, view_metrics);
}
