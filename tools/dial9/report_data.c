// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* report_data.c - aggregate a dump into the JSON the HTML report draws. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "perfetto.h"
#include "report.h"

const struct report_limits report_default_limits = {
	.max_polls = 200000,
	.max_longest = 2000,
	.max_wakes = 100000,
	.max_tasks = 500000,
	.max_lanes = 64,
	.buckets = 2000,
	.intervals = 600,
	.segments = 400,
	.graph_edges = 80,
	.long_poll_ns = 1000000,
};

struct lane {
	uint32_t tid;
	uint64_t polls, busy_ns, idle_ns;
};

struct rep {
	const struct dial9_analysis *a;
	const struct report_limits *lim;
	struct json_writer *w;
	uint64_t start, span;         /* window start, length (>= 1) */
	struct lane *lanes;
	uint32_t nlanes;
	uint32_t *str_map;            /* dump string id -> report index (0 = none) */
	uint32_t *str_used;           /* report index - 1 -> dump string id */
	uint32_t nstr;
	uint8_t *seg_detail;          /* per segment: all its polls embedded */
	uint64_t seg_ns;
	bool all_detail;
	uint64_t *sel;                /* embedded polls (indices into a->polls) */
	uint64_t nsel;
};

static uint64_t rel(const struct rep *r, uint64_t ts)
{
	return ts > r->start ? ts - r->start : 0;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return b ? (a + b - 1) / b : 0;
}

/* Report string index for a dump string id (0 for none). */
static uint32_t rstr(struct rep *r, uint64_t id)
{
	if (!id || id > r->a->dump->strings.count)
		return 0;
	if (!r->str_map[id]) {
		r->str_used[r->nstr++] = (uint32_t)id;
		r->str_map[id] = r->nstr;
	}
	return r->str_map[id];
}

/* Lane of tid, or -1. */
static int lane_of(const struct rep *r, uint32_t tid)
{
	uint32_t lo = 0, hi = r->nlanes;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->lanes[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nlanes && r->lanes[lo].tid == tid ? (int)lo : -1;
}

static int cmp_lane_tid(const void *pa, const void *pb)
{
	const struct lane *a = pa, *b = pb;

	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static int cmp_lane_polls(const void *pa, const void *pb)
{
	const struct lane *a = pa, *b = pb;

	if (a->polls != b->polls)
		return a->polls > b->polls ? -1 : 1;
	return cmp_lane_tid(pa, pb);
}

/* Lanes: threads that ran polls (the analysis's per-thread totals), the
 * busiest max_lanes of them, by tid. */
static int build_lanes(struct rep *r)
{
	const struct dial9_analysis *a = r->a;
	uint64_t i;

	r->lanes = calloc(a->nthreads + 1, sizeof(*r->lanes));
	if (!r->lanes)
		return -ENOMEM;
	for (i = 0; i < a->nthreads; i++) {
		const struct dial9_thread *t = &a->threads[i];

		if (!t->polls)
			continue;
		r->lanes[r->nlanes].tid = t->tid;
		r->lanes[r->nlanes].polls = t->polls;
		r->lanes[r->nlanes].busy_ns = t->busy_ns;
		r->lanes[r->nlanes++].idle_ns = t->idle_ns;
	}
	if (r->nlanes > r->lim->max_lanes) {
		qsort(r->lanes, r->nlanes, sizeof(*r->lanes), cmp_lane_polls);
		r->nlanes = r->lim->max_lanes;
		qsort(r->lanes, r->nlanes, sizeof(*r->lanes), cmp_lane_tid);
	}
	return 0;
}

/* --- detail selection ---------------------------------------------------- */

struct seg {
	uint64_t busy, count;
	uint32_t idx;
};

static int cmp_seg(const void *pa, const void *pb)
{
	const struct seg *a = pa, *b = pb;

	if (a->busy != b->busy)
		return a->busy > b->busy ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_sel(const void *pa, const void *pb, void *arg)
{
	const struct rep *r = arg;
	const struct dial9_poll *x = &r->a->polls[*(const uint64_t *)pa];
	const struct dial9_poll *y = &r->a->polls[*(const uint64_t *)pb];
	int lx = lane_of(r, x->tid), ly = lane_of(r, y->tid);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->end_ns < y->end_ns ? -1 : x->end_ns > y->end_ns;
}

static uint32_t seg_of(const struct rep *r, uint64_t ts)
{
	uint64_t s = rel(r, ts) / r->seg_ns;

	return s < r->lim->segments ? (uint32_t)s : r->lim->segments - 1;
}

/* All polls if they fit, else the longest ones plus every poll of the
 * busiest segments that still fit under the cap. */
static int select_polls(struct rep *r)
{
	const struct dial9_analysis *a = r->a;
	const struct report_limits *lim = r->lim;
	const struct dial9_poll **top = NULL;
	struct seg *segs = NULL;
	uint8_t *mark = NULL;
	uint64_t i, ntop = 0, budget;
	uint32_t s;
	int err = -ENOMEM;

	r->seg_ns = div_up(r->span, lim->segments);
	if (!r->seg_ns)
		r->seg_ns = 1;
	r->seg_detail = calloc(lim->segments, 1);
	r->sel = malloc((a->npolls + 1) * sizeof(*r->sel));
	mark = calloc(a->npolls + 1, 1);
	if (!r->seg_detail || !r->sel || !mark)
		goto cleanup;
	r->all_detail = a->npolls <= lim->max_polls;
	if (r->all_detail) {
		memset(r->seg_detail, 1, lim->segments);
		memset(mark, 1, a->npolls);
	} else {
		top = malloc(lim->max_longest * sizeof(*top));
		segs = calloc(lim->segments, sizeof(*segs));
		if (!top || !segs)
			goto cleanup;
		ntop = dial9_analysis__longest_polls(a, top, lim->max_longest);
		for (i = 0; i < ntop; i++)
			mark[top[i] - a->polls] = 1;
		for (s = 0; s < lim->segments; s++)
			segs[s].idx = s;
		for (i = 0; i < a->npolls; i++) {
			s = seg_of(r, a->polls[i].start_ns);
			segs[s].busy += a->polls[i].duration_ns;
			segs[s].count++;
		}
		qsort(segs, lim->segments, sizeof(*segs), cmp_seg);
		budget = lim->max_polls > ntop ? lim->max_polls - ntop : 0;
		for (s = 0; s < lim->segments; s++) {
			if (!segs[s].count || segs[s].count > budget)
				continue;
			budget -= segs[s].count;
			r->seg_detail[segs[s].idx] = 1;
		}
		for (i = 0; i < a->npolls; i++)
			if (r->seg_detail[seg_of(r, a->polls[i].start_ns)])
				mark[i] = 1;
	}
	for (i = 0; i < a->npolls; i++)
		if (mark[i] && lane_of(r, a->polls[i].tid) >= 0)
			r->sel[r->nsel++] = i;
	qsort_r(r->sel, r->nsel, sizeof(*r->sel), cmp_sel, r);
	err = 0;
cleanup:
	free(top);
	free(segs);
	free(mark);
	return err;
}

/* --- sections ------------------------------------------------------------ */

static void kv_rel(struct rep *r, const char *key, uint64_t ts)
{
	json_writer__kv_u64(r->w, key, rel(r, ts));
}

static void write_meta(struct rep *r, const char *file)
{
	const struct dial9_analysis *a = r->a;
	const struct dial9_dump_meta *m = &a->dump->meta;
	struct json_writer *w = r->w;
	bool polls = dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	bool queue = dial9_analysis__knows(a, DIAL9_FIG_QUEUE);

	json_writer__key(w, "meta");
	json_writer__begin_object(w);
	json_writer__kv_string(w, "file", file);
	json_writer__kv_u64(w, "format_version", m->version);
	dial9_analysis__write_known_json(w, a);
	json_writer__kv_string(w, "comm", m->comm);
	json_writer__kv_u64(w, "pid", m->pid);
	json_writer__kv_string(w, "exe", m->exe);
	json_writer__kv_string(w, "hostname", m->hostname);
	json_writer__kv_string(w, "build_id", m->build_id);
	json_writer__kv_string(w, "reason", dial9_reason_name(m->reason));
	json_writer__kv_u64(w, "signal", m->signal);
	json_thread(w, "reason_tid", a, m->reason_tid);
	json_writer__kv_u64(w, "reason_task", m->reason_task);
	json_writer__kv_u64(w, "window_ns", r->span);
	json_writer__kv_u64(w, "full_ns", a->full_ns);
	json_writer__kv_u64(w, "dump_realtime_ns", m->dump_realtime_ns);
	json_writer__kv_u64(w, "events", a->dump->nevents);
	json_writer__kv_u64(w, "tasks", a->ntasks);
	json_u64_if(w, "polls_recorded", polls, a->polls_recorded);
	json_u64_if(w, "polls_counted", polls, a->polls_counted);
	json_u64_if(w, "polls_bound", polls, a->polls_bound);
	json_u64_if(w, "polls_open", polls, a->npolls - a->npolls_closed);
	json_u64_if(w, "wakes", dial9_analysis__knows(a, DIAL9_FIG_WAKES),
		    a->kind_counts[DIAL9_EV_WAKE]);
	json_writer__kv_u64(w, "lost_ringbuf", a->lost_ringbuf);
	json_writer__kv_u64(w, "lost_window", a->lost_window);
	json_writer__kv_u64(w, "lost_other", a->lost_other);
	json_writer__kv_u64(w, "lost_records", a->lost_records);
	json_writer__kv_u64(w, "meta_lost_ringbuf", m->lost_ringbuf);
	json_writer__kv_u64(w, "meta_lost_window", m->lost_window);
	json_writer__kv_u64(w, "evicted", m->evicted);
	json_u64_if(w, "queue_peak", queue, a->queue_peak);
	json_u64_if(w, "queue_peak_ns", queue, rel(r, a->queue_peak_ns));
	json_u64_if(w, "lat_count", queue, a->lat_count);
	json_u64_if(w, "lat_p50_ns", queue, a->lat_p50_ns);
	json_u64_if(w, "lat_p99_ns", queue, a->lat_p99_ns);
	json_u64_if(w, "lat_max_ns", queue, a->lat_max_ns);
	json_u64_if(w, "panics", dial9_analysis__knows(a, DIAL9_FIG_PANICS), a->npanics);
	json_writer__kv_u64(w, "signals", a->nsignals);
	json_writer__kv_bool(w, "exited", a->exit_seen);
	json_writer__kv_u64(w, "long_poll_ns", r->lim->long_poll_ns);
	json_writer__end_object(w);
}

static void write_lanes(struct rep *r)
{
	struct json_writer *w = r->w;
	uint32_t l;

	json_writer__key(w, "lanes");
	json_writer__begin_array(w);
	for (l = 0; l < r->nlanes; l++) {
		json_writer__begin_object(w);
		json_thread(w, "tid", r->a, r->lanes[l].tid);
		json_writer__kv_u64(w, "polls", r->lanes[l].polls);
		json_writer__kv_u64(w, "busy_ns", r->lanes[l].busy_ns);
		json_u64_if(w, "idle_ns", dial9_analysis__knows(r->a, DIAL9_FIG_IDLE),
			    r->lanes[l].idle_ns);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

/* key: [v...], or null unless known. */
static void u64_array(struct json_writer *w, const char *key, bool known, const uint64_t *v,
		      uint64_t n)
{
	uint64_t i;

	if (!known) {
		json_writer__kv_null(w, key);
		return;
	}
	json_writer__key(w, key);
	json_writer__begin_array(w);
	for (i = 0; i < n; i++)
		json_writer__u64(w, v[i]);
	json_writer__end_array(w);
}

/* Per lane and bucket: busy per mille, longest poll and its task. */
static int write_overview(struct rep *r)
{
	const struct dial9_analysis *a = r->a;
	uint64_t B = r->lim->buckets, bns = div_up(r->span, B), n, i, b, *busy, *maxd, *maxt;
	struct json_writer *w = r->w;
	uint32_t l;

	if (!bns)
		bns = 1;
	n = (uint64_t)r->nlanes * B;
	busy = calloc(n + 1, sizeof(*busy));
	maxd = calloc(n + 1, sizeof(*maxd));
	maxt = calloc(n + 1, sizeof(*maxt));
	if (!busy || !maxd || !maxt) {
		free(busy);
		free(maxd);
		free(maxt);
		return -ENOMEM;
	}
	for (i = 0; i < a->npolls; i++) {
		const struct dial9_poll *p = &a->polls[i];
		int ln = lane_of(r, p->tid);
		uint64_t s = rel(r, p->start_ns), e = rel(r, p->end_ns), b0, b1;

		if (ln < 0)
			continue;
		if (e < s)
			e = s;
		b0 = s / bns;
		b1 = e / bns;
		if (b0 >= B)
			b0 = B - 1;
		if (b1 >= B)
			b1 = B - 1;
		for (b = b0; b <= b1; b++) {
			uint64_t lo = b * bns > s ? b * bns : s;
			uint64_t hi = (b + 1) * bns < e ? (b + 1) * bns : e;
			uint64_t k = (uint64_t)ln * B + b;

			busy[k] += hi > lo ? hi - lo : 0;
			if (p->duration_ns > maxd[k] || !maxt[k]) {
				maxd[k] = p->duration_ns;
				maxt[k] = p->task_id;
			}
		}
	}
	for (i = 0; i < n; i++)
		busy[i] = busy[i] * 1000 / bns > 1000 ? 1000 : busy[i] * 1000 / bns;
	json_writer__key(w, "overview");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "buckets", B);
	json_writer__kv_u64(w, "bucket_ns", bns);
	json_writer__key(w, "lanes");
	json_writer__begin_array(w);
	for (l = 0; l < r->nlanes; l++) {
		json_writer__begin_object(w);
		u64_array(w, "busy", true, busy + (uint64_t)l * B, B);
		u64_array(w, "max", true, maxd + (uint64_t)l * B, B);
		u64_array(w, "task", true, maxt + (uint64_t)l * B, B);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__end_object(w);
	free(busy);
	free(maxd);
	free(maxt);
	return json_writer__error(w);
}

static void write_polls(struct rep *r)
{
	static const char *const cols[] = { "lane", "start", "dur", "task", "loc", "flags" };
	const struct dial9_analysis *a = r->a;
	struct json_writer *w = r->w;
	uint64_t i, c, lim_ns;
	uint32_t s, first = UINT32_MAX;

	json_writer__key(w, "polls");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "total", a->npolls);
	json_writer__kv_u64(w, "embedded", r->nsel);
	json_writer__kv_bool(w, "all", r->all_detail);
	json_writer__kv_u64(w, "longest_included", r->all_detail ? 0 : r->lim->max_longest);
	json_writer__key(w, "detail_windows");
	json_writer__begin_array(w);
	for (s = 0; s <= r->lim->segments; s++) {
		bool on = s < r->lim->segments && r->seg_detail[s];

		if (on && first == UINT32_MAX)
			first = s;
		if (!on && first != UINT32_MAX) {
			lim_ns = (uint64_t)s * r->seg_ns;
			json_writer__begin_array(w);
			json_writer__u64(w, (uint64_t)first * r->seg_ns);
			json_writer__u64(w, lim_ns > r->span ? r->span : lim_ns);
			json_writer__end_array(w);
			first = UINT32_MAX;
		}
	}
	json_writer__end_array(w);
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		json_writer__key(w, cols[c]);
		json_writer__begin_array(w);
		for (i = 0; i < r->nsel; i++) {
			const struct dial9_poll *p = &a->polls[r->sel[i]];
			uint64_t v = 0;

			switch (c) {
			case 0: v = (uint64_t)lane_of(r, p->tid); break;
			case 1: v = rel(r, p->start_ns); break;
			case 2: v = p->duration_ns; break;
			case 3: v = p->task_id; break;
			case 4: v = rstr(r, p->loc); break;
			case 5: v = p->open | p->completed << 1 | !p->start_seen << 2 |
				    p->duration_is_bound << 3; break;
			}
			json_writer__u64(w, v);
		}
		json_writer__end_array(w);
	}
	json_writer__end_object(w);
}

static void write_longest(struct rep *r)
{
	const struct dial9_poll *top[20];
	struct json_writer *w = r->w;
	uint64_t n = dial9_analysis__longest_polls(r->a, top, 20), i;

	json_writer__key(w, "longest");
	json_writer__begin_array(w);
	for (i = 0; i < n; i++) {
		json_writer__begin_object(w);
		json_writer__kv_i64(w, "lane", lane_of(r, top[i]->tid));
		json_thread(w, "tid", r->a, top[i]->tid);
		kv_rel(r, "start", top[i]->start_ns);
		json_writer__kv_u64(w, "dur", top[i]->duration_ns);
		json_writer__kv_bool(w, "bound", top[i]->duration_is_bound);
		json_writer__kv_u64(w, "task", top[i]->task_id);
		json_writer__kv_u64(w, "loc", rstr(r, top[i]->loc));
		json_writer__kv_bool(w, "open", top[i]->open);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

/* --- series -------------------------------------------------------------- */

static int write_series(struct rep *r)
{
	struct json_writer *w = r->w;
	struct dial9_series *s;
	int err = dial9_series__build(r->a, r->lim->intervals, &s);

	if (err)
		return err;
	json_writer__key(w, "series");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "intervals", s->intervals);
	json_writer__kv_u64(w, "interval_ns", s->interval_ns);
	u64_array(w, "queue_max", s->queue_known, s->queue_max, s->intervals);
	u64_array(w, "lat_n", s->queue_known, s->lat_n, s->intervals);
	u64_array(w, "lat_p50", s->queue_known, s->lat_p50, s->intervals);
	u64_array(w, "lat_p99", s->queue_known, s->lat_p99, s->intervals);
	u64_array(w, "polls", s->polls_known, s->polls, s->intervals);
	json_writer__end_object(w);
	dial9_series__free(s);
	return json_writer__error(w);
}

/* Sampled/off recording and lost events, shaded on every chart. */
static void write_shading(struct rep *r)
{
	const struct dial9_analysis *a = r->a;
	const struct dial9_dump *d = a->dump;
	struct json_writer *w = r->w;
	uint64_t i, idx;

	json_writer__key(w, "shade");
	json_writer__begin_array(w);
	for (i = 0; i < a->nmodes; i++) {
		if (a->modes[i].mode == DIAL9_MODE_FULL)
			continue;
		json_writer__begin_object(w);
		json_writer__kv_string(w, "kind", dial9_mode_name(a->modes[i].mode));
		kv_rel(r, "start", a->modes[i].start_ns);
		kv_rel(r, "end", a->modes[i].end_ns);
		json_writer__end_object(w);
	}
	for (i = 0; i < a->lost_records; i++) {
		idx = a->lost_ev[i];
		json_writer__begin_object(w);
		json_writer__kv_string(w, "kind", "lost");
		kv_rel(r, "start", idx ? d->events[idx - 1].ts_ns : a->start_ns);
		kv_rel(r, "end", d->events[idx].ts_ns);
		json_writer__kv_u64(w, "count", d->events[idx].arg);
		json_writer__kv_string(w, "cause", dial9_lost_cause_name(d->events[idx].aux));
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

static void marker(struct rep *r, const char *kind, const struct dial9_event *e)
{
	json_writer__begin_object(r->w);
	json_writer__kv_string(r->w, "kind", kind);
	kv_rel(r, "t", e->ts_ns);
	json_writer__kv_u64(r->w, "tid", e->tid);
	json_writer__kv_i64(r->w, "lane", lane_of(r, e->tid));
	json_writer__kv_u64(r->w, "task", e->task_id);
}

static void write_markers(struct rep *r)
{
	const struct dial9_analysis *a = r->a;
	const struct dial9_dump *d = a->dump;
	struct json_writer *w = r->w;
	uint64_t i, n = 0;

	json_writer__key(w, "markers");
	json_writer__begin_array(w);
	if (d->meta.trigger_metric) {
		char value[32];

		dial9_trigger_value_text(d->meta.trigger_metric, d->meta.trigger_value, value,
					 sizeof(value));
		json_writer__begin_object(w);
		json_writer__kv_string(w, "kind", "trigger");
		kv_rel(r, "t", d->meta.trigger_ns);
		json_writer__kv_u64(w, "tid", d->meta.reason_tid);
		json_writer__kv_i64(w, "lane", d->meta.reason_tid ? lane_of(r, d->meta.reason_tid) : -1);
		json_writer__kv_u64(w, "task", d->meta.reason_task);
		json_writer__kv_string(w, "metric", dial9_trigger_metric_name(d->meta.trigger_metric));
		json_writer__kv_string(w, "value", value);
		json_writer__kv_string(w, "rule", d->meta.trigger_rule);
		json_writer__end_object(w);
	}
	for (i = 0; i < d->nevents && n < 10000; i++) {
		const struct dial9_event *e = &d->events[i];

		switch (e->kind) {
		case DIAL9_EV_PANIC:
			marker(r, "panic", e);
			json_writer__kv_u64(w, "loc", rstr(r, e->arg));
			break;
		case DIAL9_EV_SIGNAL:
			marker(r, "signal", e);
			json_writer__kv_u64(w, "signal", e->aux);
			json_writer__kv_u64(w, "sender", e->arg);
			break;
		case DIAL9_EV_OOM:
			marker(r, "oom kill", e);
			json_writer__kv_u64(w, "limit", e->arg);
			break;
		case DIAL9_EV_EXIT:
			marker(r, "exit", e);
			json_writer__kv_u64(w, "code", e->arg);
			break;
		case DIAL9_EV_STALL:
			marker(r, "stall", e);
			json_writer__kv_u64(w, "dur", e->arg);
			break;
		default:
			continue;
		}
		json_writer__end_object(w);
		n++;
	}
	json_writer__end_array(w);
}

/* --- the CPU profile (a flame graph: spawn location or task, then where
 * each sample's thread ran) --------------------------------------------- */

#define PROFILE_ROWS 40

static void write_profile_rows(struct rep *r, bool by_location, const char *key)
{
	struct json_writer *w = r->w;
	struct cpu_profile_row *rows;
	uint64_t n, i;
	int f;

	json_writer__key(w, key);
	if (cpu_profile(r->a, by_location, &rows, &n)) {
		json_writer__null(w);
		return;
	}
	json_writer__begin_array(w);
	for (i = 0; i < n && i < PROFILE_ROWS; i++) {
		const struct dial9_task_info *t = !by_location && rows[i].key
						  ? dial9_analysis__task(r->a, rows[i].key) : NULL;

		json_writer__begin_object(w);
		json_writer__kv_u64(w, "key", by_location ? rstr(r, rows[i].key) : rows[i].key);
		json_writer__kv_u64(w, "loc", t ? rstr(r, t->spawn_loc ? t->spawn_loc : t->future_loc)
					       : 0);
		json_writer__kv_u64(w, "n", rows[i].samples);
		json_writer__key(w, "funcs");
		json_writer__begin_array(w);
		for (f = 0; f < CPU_PROFILE_FUNCS && rows[i].func_n[f]; f++) {
			json_writer__begin_array(w);
			json_writer__u64(w, rstr(r, rows[i].func[f]));
			json_writer__u64(w, rows[i].func_n[f]);
			json_writer__end_array(w);
		}
		json_writer__end_array(w);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	free(rows);
}

static void write_profile(struct rep *r)
{
	const struct dial9_analysis *a = r->a;
	struct json_writer *w = r->w;

	json_writer__key(w, "profile");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "hz", a->dump->meta.cpu_sample_hz);
	json_writer__kv_u64(w, "samples", a->cpu_samples);
	json_writer__kv_u64(w, "with_task", a->cpu_samples_task);
	json_writer__kv_u64(w, "unattributed", a->cpu_samples_no_id);
	json_writer__kv_u64(w, "version", a->dump->meta.version);
	if (a->cpu_samples) {
		write_profile_rows(r, true, "by_location");
		write_profile_rows(r, false, "by_task");
	}
	json_writer__end_object(w);
}

static int write_tasks(struct rep *r)
{
	static const char *const cols[] = { "id", "loc", "polls", "total", "max", "wakes",
					    "sent", "first", "last", "parent", "lat_max",
					    "lat_p99", "flags", "children" };
	const struct dial9_analysis *a = r->a;
	const struct dial9_task_info **v;
	struct json_writer *w = r->w;
	uint64_t n = a->ntasks < r->lim->max_tasks ? a->ntasks : r->lim->max_tasks, i, c;
	int err;

	/* The busiest tasks when there are too many for the table. */
	err = dial9_analysis__sorted_tasks(a, n < a->ntasks ? DIAL9_SORT_TOTAL : DIAL9_SORT_ID,
					   &v);
	if (err)
		return err;
	json_writer__key(w, "tasks");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "count", a->ntasks); /* not "total": that is a column */
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		json_writer__key(w, cols[c]);
		json_writer__begin_array(w);
		for (i = 0; i < n; i++) {
			const struct dial9_task_info *t = v[i];
			uint64_t x = 0;

			switch (c) {
			case 0: x = t->task_id; break;
			case 1: x = rstr(r, t->spawn_loc ? t->spawn_loc : t->future_loc); break;
			case 2: x = t->polls + t->counted_polls; break;
			case 3: x = t->poll_ns_total + t->counted_poll_ns; break;
			case 4: x = t->poll_ns_max; break;
			case 5: x = t->wakes; break;
			case 6: x = t->wakes_sent; break;
			case 7: x = rel(r, t->first_ns); break;
			case 8: x = rel(r, t->last_ns); break;
			case 9: x = t->parent; break;
			case 10: x = t->lat_max_ns; break;
			case 11: x = t->lat_p99_ns; break;
			case 12: x = t->panicked | t->completed << 1 | t->end_seen << 2 |
				     t->spawn_seen << 3 | t->poll_ns_max_is_bound << 4 |
				     t->poll_ns_total_is_bound << 5; break;
			case 13: x = t->children; break;
			}
			json_writer__u64(w, x);
		}
		json_writer__end_array(w);
	}
	json_writer__end_object(w);
	free(v);
	return 0;
}

/* Wakes whose woken task is polled later on a lane: drawn as links from
 * (wake time, waker's thread) to (next poll start, its thread). */
static int write_wakes(struct rep *r)
{
	static const char *const cols[] = { "t", "lane", "from", "kind", "to", "to_start",
					    "to_lane" };
	const struct dial9_analysis *a = r->a;
	const struct dial9_dump *d = a->dump;
	struct json_writer *w = r->w;
	struct dial9_poll_index ix;
	uint64_t *pick, n = 0, i, c;
	int err = dial9_poll_index__init(&ix, a);

	if (err)
		return err;
	pick = malloc((r->lim->max_wakes + 1) * 2 * sizeof(*pick));
	if (!pick) {
		dial9_poll_index__free(&ix);
		return -ENOMEM;
	}
	for (i = 0; i < d->nevents && n < r->lim->max_wakes; i++) {
		const struct dial9_event *e = &d->events[i];
		uint64_t p;

		if (e->kind != DIAL9_EV_WAKE || !e->task_id)
			continue;
		if (!r->all_detail && !r->seg_detail[seg_of(r, e->ts_ns)])
			continue;
		p = dial9_poll_index__next(&ix, a, e->task_id, e->ts_ns);
		if (p == DIAL9_NO_INDEX || lane_of(r, a->polls[p].tid) < 0)
			continue;
		pick[2 * n] = i;
		pick[2 * n + 1] = p;
		n++;
	}
	json_writer__key(w, "wakes");
	json_writer__begin_object(w);
	json_u64_if(w, "total", dial9_analysis__knows(a, DIAL9_FIG_WAKES),
		    a->kind_counts[DIAL9_EV_WAKE]);
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		json_writer__key(w, cols[c]);
		json_writer__begin_array(w);
		for (i = 0; i < n; i++) {
			const struct dial9_event *e = &d->events[pick[2 * i]];
			const struct dial9_poll *p = &a->polls[pick[2 * i + 1]];
			struct dial9_node wk = dial9_wake__waker(e);

			switch (c) {
			case 0: json_writer__u64(w, rel(r, e->ts_ns)); break;
			case 1: json_writer__i64(w, lane_of(r, e->tid)); break;
			case 2: json_writer__u64(w, wk.task_id); break;
			case 3: json_writer__u64(w, wk.kind); break;
			case 4: json_writer__u64(w, e->task_id); break;
			case 5: json_writer__u64(w, rel(r, p->start_ns)); break;
			case 6: json_writer__i64(w, lane_of(r, p->tid)); break;
			}
		}
		json_writer__end_array(w);
	}
	json_writer__end_object(w);
	free(pick);
	dial9_poll_index__free(&ix);
	return 0;
}

static void graph_node(struct json_writer *w, const struct dial9_node *n)
{
	json_writer__begin_object(w);
	json_writer__kv_string(w, "kind", dial9_waker_kind_name(n->kind));
	json_writer__kv_u64(w, "task", n->kind == DIAL9_WAKER_TASK ? n->task_id : 0);
	json_writer__end_object(w);
}

static int write_graph(struct rep *r)
{
	const struct dial9_wakegraph *g = r->a->graph;
	const struct dial9_wake_edge **by;
	struct json_writer *w = r->w;
	uint64_t half = r->lim->graph_edges / 2 + 1, ntask = 0, nother = 0, i;
	int err = dial9_wakegraph__by_count(g, &by);

	if (err)
		return err;
	json_writer__key(w, "graph");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "edges_total", g->nedges);
	json_writer__key(w, "edges");
	json_writer__begin_array(w);
	/* The most frequent edges from tasks and from other wakers, half each:
	 * I/O-driver edges would crowd out who waits for whom. */
	for (i = 0; i < g->nedges; i++) {
		const struct dial9_node to = { .task_id = by[i]->to, .kind = DIAL9_WAKER_TASK };
		uint64_t *n = by[i]->from.kind == DIAL9_WAKER_TASK ? &ntask : &nother;

		if (*n >= half)
			continue;
		(*n)++;
		json_writer__begin_object(w);
		json_writer__key(w, "from");
		graph_node(w, &by[i]->from);
		json_writer__key(w, "to");
		graph_node(w, &to);
		json_writer__kv_u64(w, "count", by[i]->count);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__key(w, "chain");
	json_writer__begin_array(w);
	for (i = 0; g->chain_len && i <= g->chain_len; i++)
		graph_node(w, &g->chain_nodes[i]);
	json_writer__end_array(w);
	json_writer__end_object(w);
	free(by);
	return 0;
}

static void write_strings(struct rep *r)
{
	struct json_writer *w = r->w;
	uint32_t i;

	json_writer__key(w, "strings");
	json_writer__begin_array(w);
	json_writer__string(w, "");
	for (i = 0; i < r->nstr; i++)
		json_writer__string(w, dial9_strtab__get(&r->a->dump->strings, r->str_used[i]));
	json_writer__end_array(w);
}

int report_data__write(struct json_writer *w, const struct dial9_analysis *a,
		       const char *file, const struct report_limits *lim)
{
	struct rep r = { .a = a, .lim = lim ? lim : &report_default_limits, .w = w };
	uint64_t ns = a->dump->strings.count;
	int err;

	r.start = a->start_ns;
	r.span = a->end_ns > a->start_ns ? a->end_ns - a->start_ns : 1;
	r.str_map = calloc(ns + 1, sizeof(*r.str_map));
	r.str_used = calloc(ns + 1, sizeof(*r.str_used));
	if (!r.str_map || !r.str_used || r.lim->segments < 1 || r.lim->buckets < 1 ||
	    r.lim->intervals < 1) {
		err = r.str_map && r.str_used ? -EINVAL : -ENOMEM;
		goto cleanup;
	}
	err = build_lanes(&r);
	if (!err)
		err = select_polls(&r);
	if (err)
		goto cleanup;
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "version", 1);
	write_meta(&r, file);
	write_lanes(&r);
	err = write_overview(&r);
	if (err)
		goto cleanup;
	write_polls(&r);
	write_longest(&r);
	err = write_series(&r);
	if (err)
		goto cleanup;
	write_shading(&r);
	write_markers(&r);
	write_profile(&r);
	err = write_tasks(&r);
	if (!err)
		err = write_wakes(&r);
	if (!err)
		err = write_graph(&r);
	if (err)
		goto cleanup;
	write_strings(&r);
	json_writer__end_object(w);
	err = json_writer__error(w);
cleanup:
	free(r.lanes);
	free(r.str_map);
	free(r.str_used);
	free(r.seg_detail);
	free(r.sel);
	return err;
}
