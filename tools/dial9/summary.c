// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* summary.c - `dial9 summary FILE`: the one-screen overview of a dump. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "dial9.h"
#include "probe_classes.h"

#define TOP_N 10

/* Total events lost: the daemon's counters, or what the LOST records in the
 * window add up to if that is more (both count the same losses). */
static uint64_t lost_total(const struct dial9_analysis *a)
{
	const struct dial9_dump_meta *m = &a->dump->meta;
	uint64_t meta = m->lost_ringbuf + m->lost_window;
	uint64_t recs = a->lost_ringbuf + a->lost_window + a->lost_other;

	return meta > recs ? meta : recs;
}

/* Wall clock of the dump: dump_realtime_ns, else clock_base_ns + end_ns. */
static uint64_t dump_wall_ns(const struct dial9_analysis *a)
{
	return dial9_dump_meta__wall_ns(&a->dump->meta);
}

static const char *fmt_wall(char *buf, size_t len, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000);
	char date[40];
	struct tm tm;

	if (!ns || !gmtime_r(&secs, &tm) || !strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm)) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	snprintf(buf, len, "%s.%03u UTC", date, (unsigned int)(ns / 1000000 % 1000));
	return buf;
}

static const char *signal_name(uint32_t sig)
{
	const char *s = sig ? sigabbrev_np((int)sig) : NULL;

	return s ? s : "?";
}

static void write_stalls_json(struct json_writer *w, const struct dial9_analysis *a)
{
	const struct dial9_span *top[TOP_N];
	uint64_t n = dial9_analysis__longest_stalls(a, top, TOP_N), i;

	json_writer__key(w, "long_stalls");
	json_writer__begin_array(w);
	for (i = 0; i < n; i++) {
		const struct dial9_span *s = top[i];

		json_writer__begin_object(w);
		json_thread(w, "tid", a, s->tid);
		json_writer__kv_u64(w, "task_id", s->task_id);
		json_writer__kv_u64(w, "start_ns", s->start_ns);
		json_writer__kv_u64(w, "duration_ns", s->end_ns - s->start_ns);
		json_writer__kv_string(w, "site", dial9_analysis__string(a, s->loc));
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

/* Rows of the top-N tables (longest polls, stalls, worst latency, threads). */
struct top_ctx {
	const struct dial9_analysis *a;
	const struct dial9_poll **polls;
	const struct dial9_task_info **tasks;
	const struct dial9_span **stalls;
	const struct dial9_thread *threads;
	char last[512];
};

static const char *stall_row(void *ctx, uint64_t i, char cells[][FMT_LEN])
{
	const struct top_ctx *c = ctx;
	const struct dial9_span *s = c->stalls[i];
	const char *site = dial9_analysis__string(c->a, s->loc);

	fmt_dur(cells[0], s->end_ns - s->start_ns);
	fmt_rel(cells[1], c->a, s->start_ns);
	fmt_thread(cells[2], c->a, s->tid);
	if (s->task_id)
		fmt_u64(cells[3], s->task_id);
	else
		snprintf(cells[3], FMT_LEN, "?");
	return site ? site : "?";
}

static void print_stalls(const struct dial9_analysis *a)
{
	static const char *const heads[] = { "DURATION", "AT", "THREAD", "TASK", "BLOCKED IN" };
	static const bool right[] = { true, true, false, true, false };
	const struct dial9_span *top[TOP_N];
	struct top_ctx ctx = { .a = a, .stalls = top };
	uint64_t n = dial9_analysis__longest_stalls(a, top, TOP_N);

	if (!n)
		return;
	printf("\nStalls (a worker away from the scheduler for 10 ms or more)\n");
	print_table(heads, right, 5, n, stall_row, &ctx);
}

static void write_panics_json(struct json_writer *w, const struct dial9_analysis *a)
{
	uint64_t i;

	if (!json_key_if(w, "panics", a, DIAL9_FIG_PANICS))
		return;
	json_writer__begin_array(w);
	for (i = 0; i < a->npanics; i++) {
		const struct dial9_event *e = &a->dump->events[a->panic_ev[i]];

		json_writer__begin_object(w);
		json_writer__kv_u64(w, "ts_ns", e->ts_ns);
		json_thread(w, "tid", a, e->tid);
		json_writer__kv_u64(w, "task_id", e->task_id);
		json_writer__kv_string(w, "location", dial9_analysis__string(a, e->arg));
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

/* The first TOP_N signals: when, which, to which thread, from whom. */
static void write_signals_json(struct json_writer *w, const struct dial9_analysis *a)
{
	uint64_t i;

	json_writer__key(w, "signal_list");
	json_writer__begin_array(w);
	for (i = 0; i < a->nsignals && i < TOP_N; i++) {
		const struct dial9_event *e = &a->dump->events[a->signal_ev[i]];

		json_writer__begin_object(w);
		json_writer__kv_u64(w, "ts_ns", e->ts_ns);
		json_writer__kv_u64(w, "signal", e->aux);
		json_thread(w, "tid", a, e->tid);
		json_writer__kv_u64(w, "sender_pid", e->arg);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

/* Per thread: its name and role when the dump has them, its polls, busy and
 * idle time (tid 0 holds the daemon's own records: not a thread). */
static void write_threads_json(struct json_writer *w, const struct dial9_analysis *a)
{
	uint64_t i;

	json_writer__kv_bool(w, "thread_names_recorded", a->dump->threads_known);
	json_writer__key(w, "threads");
	json_writer__begin_array(w);
	for (i = 0; i < a->nthreads; i++) {
		const struct dial9_thread *th = &a->threads[i];

		if (!th->tid)
			continue;
		json_writer__begin_object(w);
		json_thread_totals(w, a, th);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

/* Runnable-queue peak and wake-to-poll latency: all null when unknown. */
static void write_queue_json(struct json_writer *w, const struct dial9_analysis *a)
{
	const struct dial9_task_info *worst[TOP_N];
	uint64_t i, n;

	if (!dial9_analysis__knows(a, DIAL9_FIG_QUEUE)) {
		json_writer__kv_null(w, "queue_depth_peak");
		json_writer__kv_null(w, "queue_depth_peak_ns");
		json_writer__kv_null(w, "wake_latency");
		json_writer__kv_null(w, "worst_wake_latency");
		return;
	}
	json_writer__kv_u64(w, "queue_depth_peak", a->queue_peak);
	json_u64_if(w, "queue_depth_peak_ns", a->queue_peak, a->queue_peak_ns);
	json_writer__key(w, "wake_latency");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "count", a->lat_count);
	json_writer__kv_u64(w, "p50_ns", a->lat_p50_ns);
	json_writer__kv_u64(w, "p99_ns", a->lat_p99_ns);
	json_writer__kv_u64(w, "max_ns", a->lat_max_ns);
	json_writer__end_object(w);

	json_writer__key(w, "worst_wake_latency");
	json_writer__begin_array(w);
	n = dial9_analysis__worst_latency(a, worst, TOP_N);
	for (i = 0; i < n; i++) {
		json_writer__begin_object(w);
		json_writer__kv_u64(w, "task_id", worst[i]->task_id);
		json_writer__kv_u64(w, "max_ns", worst[i]->lat_max_ns);
		json_writer__kv_u64(w, "p99_ns", worst[i]->lat_p99_ns);
		json_writer__kv_u64(w, "count", worst[i]->lat_count);
		json_writer__kv_string(w, "location", dial9_analysis__task_location(a, worst[i]));
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

static void write_long_polls_json(struct json_writer *w, const struct dial9_analysis *a)
{
	const struct dial9_poll *top[TOP_N];
	uint64_t i, n;

	if (!json_key_if(w, "long_polls", a, DIAL9_FIG_POLLS))
		return;
	json_writer__begin_array(w);
	n = dial9_analysis__longest_polls(a, top, TOP_N);
	for (i = 0; i < n; i++) {
		const struct dial9_task_info *t = dial9_analysis__task(a, top[i]->task_id);

		json_writer__begin_object(w);
		json_writer__kv_u64(w, "task_id", top[i]->task_id);
		json_writer__kv_u64(w, "duration_ns", top[i]->duration_ns);
		json_writer__kv_string(w, "location", t ? dial9_analysis__task_location(a, t) : NULL);
		json_writer__kv_string(w, "future_location", dial9_analysis__string(a, top[i]->loc));
		json_writer__kv_u64(w, "start_ns", top[i]->start_ns);
		json_thread(w, "tid", a, top[i]->tid);
		json_writer__kv_bool(w, "open", top[i]->open);
		json_writer__kv_bool(w, "duration_is_bound", top[i]->duration_is_bound);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
}

static void write_chain_json(struct json_writer *w, const struct dial9_analysis *a)
{
	if (!json_key_if(w, "longest_wake_chain", a, DIAL9_FIG_WAKES))
		return;
	json_writer__begin_object(w);
	json_chain(w, a->graph);
	json_writer__end_object(w);
}

/* The trigger that fired, first: it is why the dump exists (or, in a crash
 * dump, what was seen just before the crash). */
static void trigger_json(const struct dial9_analysis *a, struct json_writer *w)
{
	const struct dial9_dump_meta *m = &a->dump->meta;

	json_writer__key(w, "trigger");
	if (!m->trigger_metric) {
		json_writer__null(w);
		return;
	}
	json_writer__begin_object(w);
	json_writer__kv_string(w, "rule", m->trigger_rule);
	json_writer__kv_string(w, "metric", dial9_trigger_metric_name(m->trigger_metric));
	json_writer__kv_u64(w, "value", m->trigger_value);
	json_writer__kv_u64(w, "threshold", m->trigger_threshold);
	json_writer__kv_u64(w, "fired_ns", m->trigger_ns);
	json_writer__kv_u64(w, "after_ns", m->end_ns > m->trigger_ns ? m->end_ns - m->trigger_ns : 0);
	json_writer__end_object(w);
}

static void trigger_text(const struct dial9_analysis *a)
{
	const struct dial9_dump_meta *m = &a->dump->meta;
	char value[32], threshold[32], b1[FMT_LEN], b2[FMT_LEN];

	if (!m->trigger_metric)
		return;
	dial9_trigger_value_text(m->trigger_metric, m->trigger_value, value, sizeof(value));
	dial9_trigger_value_text(m->trigger_metric, m->trigger_threshold, threshold,
				 sizeof(threshold));
	printf("TRIGGER    %s %s, over %s, at %s",
	       m->trigger_metric == DIAL9_TRIGGER_POLL ? "a poll or stall of"
						       : dial9_trigger_metric_name(m->trigger_metric),
	       value, threshold, fmt_rel(b1, a, m->trigger_ns));
	if (m->trigger_metric == DIAL9_TRIGGER_POLL && m->reason_task)
		printf(", task %" PRIu64, m->reason_task);
	if (m->trigger_metric == DIAL9_TRIGGER_POLL && m->reason_tid)
		printf(" on thread %" PRIu32, m->reason_tid);
	printf("; %s of the window after it\n",
	       fmt_dur(b2, m->end_ns > m->trigger_ns ? m->end_ns - m->trigger_ns : 0));
	printf("           rule %s\n", m->trigger_rule ? m->trigger_rule : "(not recorded)");
}

static void summary_json(const struct dial9_analysis *a, struct json_writer *w)
{
	const struct dial9_dump_meta *m = &a->dump->meta;
	bool polls = dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	uint64_t i;

	json_writer__begin_object(w);
	json_writer__kv_u64(w, "format_version", m->version);
	trigger_json(a, w);
	dial9_analysis__write_known_json(w, a);
	cpu_summary_json(a, w);
	json_writer__kv_u64(w, "pid", m->pid);
	json_writer__kv_string(w, "comm", m->comm);
	json_writer__kv_string(w, "exe", m->exe);
	json_writer__kv_string(w, "build_id", m->build_id[0] ? m->build_id : NULL);
	json_writer__kv_string(w, "hostname", m->hostname);
	json_writer__kv_string(w, "reason", dial9_reason_name(m->reason));
	json_writer__kv_u64(w, "signal", m->signal);
	json_thread(w, "reason_tid", a, m->reason_tid);
	json_writer__kv_u64(w, "reason_task", m->reason_task);
	json_writer__kv_u64(w, "start_ns", m->start_ns);
	json_writer__kv_u64(w, "end_ns", m->end_ns);
	json_writer__kv_u64(w, "duration_ns", m->end_ns > m->start_ns ? m->end_ns - m->start_ns : 0);
	json_writer__kv_u64(w, "clock_base_ns", m->clock_base_ns);
	json_writer__kv_u64(w, "dump_realtime_ns", dump_wall_ns(a));
	json_writer__kv_u64(w, "events", a->dump->nevents);
	json_writer__key(w, "event_counts");
	json_writer__begin_object(w);
	for (i = 1; i < DIAL9_EV_KIND_MAX; i++)
		json_u64_if(w, dial9_event_kind_name((uint32_t)i),
			    dial9_analysis__knows_kind(a, (uint32_t)i), a->kind_counts[i]);
	json_writer__end_object(w);

	json_writer__kv_u64(w, "lost", lost_total(a));
	json_writer__kv_u64(w, "lost_ringbuf", m->lost_ringbuf);
	json_writer__kv_u64(w, "lost_window", m->lost_window);
	json_writer__kv_u64(w, "evicted", m->evicted);
	json_writer__key(w, "lost_in_window");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "records", a->lost_records);
	json_writer__kv_u64(w, "ringbuf", a->lost_ringbuf);
	json_writer__kv_u64(w, "window", a->lost_window);
	json_writer__kv_u64(w, "other", a->lost_other);
	json_writer__key(w, "marks");
	json_writer__begin_array(w);
	for (i = 0; i < a->lost_records; i++) {
		const struct dial9_event *e = &a->dump->events[a->lost_ev[i]];

		json_writer__begin_object(w);
		json_writer__kv_u64(w, "ts_ns", e->ts_ns);
		json_writer__kv_u64(w, "count", e->arg);
		json_writer__kv_string(w, "cause", dial9_lost_cause_name(e->aux));
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__end_object(w);

	json_writer__key(w, "modes");
	json_writer__begin_array(w);
	for (i = 0; i < a->nmodes; i++) {
		json_writer__begin_object(w);
		json_writer__kv_string(w, "mode", dial9_mode_name(a->modes[i].mode));
		json_writer__kv_u64(w, "start_ns", a->modes[i].start_ns);
		json_writer__kv_u64(w, "end_ns", a->modes[i].end_ns);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);

	json_writer__kv_u64(w, "tasks", a->ntasks);
	json_u64_if(w, "spawns", dial9_analysis__knows(a, DIAL9_FIG_SPAWNS),
		    a->kind_counts[DIAL9_EV_SPAWN]);
	json_u64_if(w, "terminations", dial9_analysis__knows(a, DIAL9_FIG_ENDS),
		    a->kind_counts[DIAL9_EV_TERMINATE]);
	json_u64_if(w, "polls", polls, a->polls_recorded + a->polls_counted);
	json_u64_if(w, "polls_recorded", polls, a->polls_recorded);
	json_u64_if(w, "polls_counted", polls, a->polls_counted);
	json_u64_if(w, "polls_bound", polls, a->polls_bound);
	json_u64_if(w, "poll_ns_recorded", polls, a->poll_ns_recorded);
	json_bool_if(w, "poll_ns_recorded_is_bound", polls, a->polls_bound > 0);
	json_u64_if(w, "poll_ns_counted", polls, a->poll_ns_counted);
	json_u64_if(w, "polls_open", polls, a->npolls - a->npolls_closed);
	json_u64_if(w, "wakes", dial9_analysis__knows(a, DIAL9_FIG_WAKES),
		    a->kind_counts[DIAL9_EV_WAKE]);
	json_writer__kv_u64(w, "stalls", a->nstalls);
	write_stalls_json(w, a);
	json_writer__kv_u64(w, "signals", a->nsignals);
	write_signals_json(w, a);
	write_threads_json(w, a);

	write_panics_json(w, a);
	if (a->exit_seen) {
		const struct dial9_event *e = &a->dump->events[a->exit_ev];

		json_writer__key(w, "exit");
		json_writer__begin_object(w);
		json_writer__kv_u64(w, "ts_ns", e->ts_ns);
		json_writer__kv_bool(w, "signaled", e->flags & DIAL9_EXIT_F_SIGNALED);
		json_writer__kv_u64(w, "code", e->arg);
		json_writer__end_object(w);
	} else {
		json_writer__kv_null(w, "exit");
	}
	if (a->oom_seen) {
		const struct dial9_event *e = &a->dump->events[a->oom_ev];

		json_writer__key(w, "oom_kill");
		json_writer__begin_object(w);
		json_writer__kv_u64(w, "ts_ns", e->ts_ns);
		json_thread(w, "tid", a, e->tid);
		if (e->arg)
			json_writer__kv_u64(w, "memory_limit_bytes", e->arg);
		else
			json_writer__kv_null(w, "memory_limit_bytes");
		json_writer__end_object(w);
	} else {
		json_writer__kv_null(w, "oom_kill");
	}
	write_queue_json(w, a);
	write_long_polls_json(w, a);
	write_chain_json(w, a);
	json_writer__end_object(w);
}

/* What the recorder could see: one line per missing probe class. */
static void print_probes(const struct dial9_analysis *a)
{
	char why[DIAL9_WHY_LEN];
	int c, n = 0;

	if (!a->probes_known) {
		printf("probes     not recorded (a version %" PRIu32 " dump: what the recorder "
		       "could see is unknown)\n", a->dump->meta.version);
		return;
	}
	for (c = 0; c < DIAL9_CLASS_MAX; c++) {
		if (a->probes & (1u << c))
			continue;
		dial9_probe_classes_missing(DIAL9_CLASSES_ALL & ~(1u << c), why, sizeof(why));
		printf("%s %s\n", n++ ? "          " : "probes    ", why);
	}
	if (!n)
		printf("probes     all found\n");
}

static void print_unknown(const struct dial9_analysis *a, const char *label,
			  enum dial9_figure f)
{
	char why[UNKNOWN_LEN];

	printf("%-10s %s\n", label, fmt_unknown(a, f, why, sizeof(why)));
}

static void print_counts(const struct dial9_analysis *a)
{
	const struct dial9_wakegraph *g = a->graph;
	char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN], why[DIAL9_WHY_LEN];
	uint64_t i;

	printf("tasks      %" PRIu64 " (%s spawned, %s terminated in the window)\n", a->ntasks,
	       fmt_u64_if(b1, dial9_analysis__knows(a, DIAL9_FIG_SPAWNS),
			  a->kind_counts[DIAL9_EV_SPAWN]),
	       fmt_u64_if(b2, dial9_analysis__knows(a, DIAL9_FIG_ENDS),
			  a->kind_counts[DIAL9_EV_TERMINATE]));
	if (dial9_analysis__knows(a, DIAL9_FIG_POLLS)) {
		printf("polls      %" PRIu64 " recorded (%s)", a->polls_recorded,
		       fmt_dur_bound(b1, a->poll_ns_recorded, a->polls_bound));
		if (a->polls_bound)
			printf(", %" PRIu64 " of them upper bounds (≤: the poll's return was not "
			       "seen)", a->polls_bound);
		if (a->polls_counted)
			printf(", %" PRIu64 " counted short polls (%s)", a->polls_counted,
			       fmt_dur(b2, a->poll_ns_counted));
		if (a->npolls > a->npolls_closed)
			printf(", %" PRIu64 " still running at the end",
			       a->npolls - a->npolls_closed);
		printf("\n");
	} else {
		print_unknown(a, "polls", DIAL9_FIG_POLLS);
	}
	if (dial9_analysis__knows(a, DIAL9_FIG_WAKES)) {
		printf("wakes      %" PRIu64, a->kind_counts[DIAL9_EV_WAKE]);
		if (dial9_analysis__why_unknown(a, DIAL9_FIG_WAKERS, why, sizeof(why)))
			printf(" (lumped into runtime: %s)", why);
		printf("\n");
	} else {
		print_unknown(a, "wakes", DIAL9_FIG_WAKES);
	}
	if (!dial9_analysis__knows(a, DIAL9_FIG_QUEUE)) {
		print_unknown(a, "runnable", DIAL9_FIG_QUEUE);
		print_unknown(a, "wake->poll", DIAL9_FIG_QUEUE);
	}
	if (dial9_analysis__knows(a, DIAL9_FIG_QUEUE) && a->queue_peak)
		printf("runnable   peak %" PRIu64 " tasks at %s\n", a->queue_peak,
		       fmt_rel(b1, a, a->queue_peak_ns));
	if (dial9_analysis__knows(a, DIAL9_FIG_QUEUE) && a->lat_count) {
		printf("wake->poll p50 %s  p99 ", fmt_dur(b1, a->lat_p50_ns));
		printf("%s  max %s  (%" PRIu64 " samples)\n", fmt_dur(b2, a->lat_p99_ns),
		       fmt_dur(b3, a->lat_max_ns), a->lat_count);
	}
	if (dial9_analysis__knows(a, DIAL9_FIG_WAKES) && g->chain_len) {
		printf("wake chain %" PRIu64 " wakes: %s", g->chain_len, fmt_node(b1, &g->chain_nodes[0]));
		for (i = 1; i <= g->chain_len && i <= 12; i++)
			printf(" -> %s", fmt_u64(b1, g->chain_nodes[i].task_id));
		printf("%s\n", g->chain_len > 12 ? " -> ..." : "");
	}
}


static const char *long_poll_row(void *ctx, uint64_t i, char cells[][FMT_LEN])
{
	struct top_ctx *c = ctx;
	const struct dial9_poll *p = c->polls[i];
	const struct dial9_task_info *t = dial9_analysis__task(c->a, p->task_id);
	const char *loc = t ? dial9_analysis__task_location(c->a, t) : NULL;
	char d[FMT_LEN];

	fmt_u64(cells[0], p->task_id);
	snprintf(cells[1], FMT_LEN, "%s%s", p->open ? ">" : "",
		 fmt_dur_bound(d, p->duration_ns, p->duration_is_bound));
	fmt_rel(cells[2], c->a, p->start_ns);
	fmt_thread(cells[3], c->a, p->tid);
	snprintf(c->last, sizeof(c->last), "%s%s", loc ? loc : "?",
		 p->open ? "  (still running at the end)" : "");
	return c->last;
}

/* A top-N table of four numbers and a location, under a title; nothing
 * when it is empty. */
static void print_top(const char *title, const char *const *heads, const bool *right,
		      uint64_t n, table_row_fn row, struct top_ctx *ctx)
{
	if (!n)
		return;
	printf("\n%s\n", title);
	print_table(heads, right, 5, n, row, ctx);
}

static void print_longest_polls(const struct dial9_analysis *a)
{
	static const char *const heads[] = { "TASK", "DURATION", "AT", "THREAD", "LOCATION" };
	static const bool right[] = { true, true, true, false, false };
	const struct dial9_poll *top[TOP_N];
	struct top_ctx ctx = { .a = a, .polls = top };
	uint64_t n = 0;

	if (dial9_analysis__knows(a, DIAL9_FIG_POLLS))
		n = dial9_analysis__longest_polls(a, top, TOP_N);
	print_top(a->polls_bound ? "Longest polls (≤: an upper bound)" : "Longest polls", heads,
		  right, n, long_poll_row, &ctx);
}

static const char *latency_row(void *ctx, uint64_t i, char cells[][FMT_LEN])
{
	const struct top_ctx *c = ctx;
	const struct dial9_task_info *t = c->tasks[i];
	const char *loc = dial9_analysis__task_location(c->a, t);

	fmt_u64(cells[0], t->task_id);
	fmt_dur(cells[1], t->lat_max_ns);
	fmt_dur(cells[2], t->lat_p99_ns);
	fmt_u64(cells[3], t->lat_count);
	return loc ? loc : "?";
}

static void print_worst_latency(const struct dial9_analysis *a)
{
	static const char *const heads[] = { "TASK", "MAX", "P99", "SAMPLES", "LOCATION" };
	static const bool right[] = { true, true, true, true, false };
	const struct dial9_task_info *worst[TOP_N];
	struct top_ctx ctx = { .a = a, .tasks = worst };
	uint64_t n = 0;

	if (dial9_analysis__knows(a, DIAL9_FIG_QUEUE))
		n = dial9_analysis__worst_latency(a, worst, TOP_N);
	print_top("Worst wake-to-poll latency", heads, right, n, latency_row, &ctx);
}

static const char *thread_row(void *ctx, uint64_t i, char cells[][FMT_LEN])
{
	struct top_ctx *c = ctx;
	const struct dial9_thread *th = &c->threads[i];
	const char *role = dial9_analysis__thread_role(c->a, th->tid);
	bool polls = dial9_analysis__knows(c->a, DIAL9_FIG_POLLS);

	fmt_thread(cells[0], c->a, th->tid);
	snprintf(cells[1], FMT_LEN, "%s", role ? role : "?");
	fmt_u64_if(cells[2], polls, th->polls);
	if (polls)
		fmt_dur_bound(cells[3], th->busy_ns, th->busy_is_bound);
	else
		snprintf(cells[3], FMT_LEN, "?");
	return dial9_analysis__knows(c->a, DIAL9_FIG_IDLE) ? fmt_dur(c->last, th->idle_ns) : "?";
}

/* Per-thread totals, the threads named as the dump names them. */
static void print_threads(const struct dial9_analysis *a)
{
	static const char *const heads[] = { "THREAD", "ROLE", "POLLS", "BUSY", "IDLE" };
	static const bool right[] = { false, false, true, true, false };
	/* by tid: tid 0, the daemon's own records (not a thread), comes first */
	uint64_t skip = a->nthreads && !a->threads[0].tid;
	struct top_ctx ctx = { .a = a, .threads = a->threads + skip };
	char title[96] = "Threads";

	if (!a->dump->threads_known)
		snprintf(title, sizeof(title), "Threads (not named: a version %" PRIu32
			 " dump has no thread table)", a->dump->meta.version);
	print_top(title, heads, right, a->nthreads - skip, thread_row, &ctx);
}

static void summary_text(const char *path, const struct dial9_analysis *a)
{
	const struct dial9_dump_meta *m = &a->dump->meta;
	char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN], wall[80];
	uint64_t i, sep;

	trigger_text(a);
	printf("dump       %s\n", path);
	printf("process    pid %" PRIu32 "  comm %s  exe %s\n", m->pid, m->comm[0] ? m->comm : "?",
	       m->exe ? m->exe : "?");
	if (m->build_id[0])
		printf("build-id   %s\n", m->build_id);
	if (m->hostname)
		printf("host       %s\n", m->hostname);
	printf("reason     %s", dial9_reason_name(m->reason));
	if (m->signal)
		printf("  signal %" PRIu32 " (SIG%s)", m->signal, signal_name(m->signal));
	if (m->reason_tid)
		printf("  thread %s", fmt_thread(b1, a, m->reason_tid));
	if (m->reason_task)
		printf("  task %" PRIu64, m->reason_task);
	printf("\n");
	printf("taken      %s\n", fmt_wall(wall, sizeof(wall), dump_wall_ns(a)));
	printf("window     %s (%s .. %s)\n", fmt_dur(b1, a->end_ns - a->start_ns),
	       fmt_rel(b2, a, m->start_ns), fmt_rel(b3, a, m->end_ns));

	printf("events     %" PRIu64 ":", a->dump->nevents);
	for (i = 1, sep = 0; i < DIAL9_EV_KIND_MAX; i++)
		if (a->kind_counts[i])
			printf("%s %s %" PRIu64, sep++ ? "," : "",
			       dial9_event_kind_name((uint32_t)i), a->kind_counts[i]);
	printf("\n");
	printf("lost       %" PRIu64 " (ring buffer %" PRIu64 ", window budget %" PRIu64 ")",
	       lost_total(a), m->lost_ringbuf, m->lost_window);
	if (a->lost_records)
		printf("; %" PRIu64 " loss marks in the window (ring buffer %" PRIu64
		       ", window %" PRIu64 ")", a->lost_records, a->lost_ringbuf, a->lost_window);
	printf("\n");
	for (i = 0; i < a->lost_records && i < TOP_N; i++) {
		const struct dial9_event *e = &a->dump->events[a->lost_ev[i]];

		printf("             %s  %" PRIu64 " events lost (%s)\n", fmt_rel(b1, a, e->ts_ns),
		       (uint64_t)e->arg, dial9_lost_cause_text(e->aux));
	}
	if (a->lost_records > TOP_N)
		printf("             ... %" PRIu64 " more\n", a->lost_records - TOP_N);
	if (!a->nmodes)
		printf("recording  full (no mode changes)\n");
	for (i = 0; i < a->nmodes; i++)
		printf("%s %-8s %s .. %s\n", i ? "          " : "recording ",
		       dial9_mode_name(a->modes[i].mode), fmt_rel(b1, a, a->modes[i].start_ns),
		       fmt_rel(b2, a, a->modes[i].end_ns));

	print_probes(a);
	print_counts(a);
	for (i = 0; i < a->npanics; i++) {
		const struct dial9_event *e = &a->dump->events[a->panic_ev[i]];
		const char *loc = dial9_analysis__string(a, e->arg);

		printf("panic      %s  thread %s  task %" PRIu64 "%s%s\n",
		       fmt_rel(b1, a, e->ts_ns), fmt_thread(b2, a, e->tid), (uint64_t)e->task_id,
		       loc ? "  at " : "", loc ? loc : "");
	}
	for (i = 0; i < a->nsignals && i < TOP_N; i++) {
		const struct dial9_event *e = &a->dump->events[a->signal_ev[i]];

		printf("signal     %s  SIG%s to thread %s", fmt_rel(b1, a, e->ts_ns),
		       signal_name(e->aux), fmt_thread(b2, a, e->tid));
		if (e->arg)
			printf(" from pid %" PRIu64 "\n", (uint64_t)e->arg);
		else
			printf(" from the kernel\n");
	}
	if (a->oom_seen) {
		const struct dial9_event *e = &a->dump->events[a->oom_ev];

		printf("oom kill   %s  thread %s  ", fmt_rel(b1, a, e->ts_ns), fmt_thread(b2, a, e->tid));
		if (e->arg)
			printf("memory cgroup limit %.1f MiB\n", (double)e->arg / (1 << 20));
		else
			printf("no memory cgroup limit (the system ran out)\n");
	}
	if (a->exit_seen) {
		const struct dial9_event *e = &a->dump->events[a->exit_ev];

		printf("exit       %s  %s %" PRIu64 "\n", fmt_rel(b1, a, e->ts_ns),
		       e->flags & DIAL9_EXIT_F_SIGNALED ? "killed by signal" : "code",
		       (uint64_t)e->arg);
	}
	if (a->nsignals > TOP_N)
		printf("             ... %" PRIu64 " more signals\n", a->nsignals - TOP_N);
	cpu_summary_text(a);
	print_longest_polls(a);
	print_stalls(a);
	cpu_runs_text(a);
	print_worst_latency(a);
	print_threads(a);
}

int view_summary(const struct options *o, const struct loaded *l)
{
	struct json_writer *w;

	if (o->json) {
		w = json_out(o);
		if (!w)
			return -ENOMEM;
		summary_json(l->a, w);
		return json_done(w);
	}
	summary_text(o->args[0], l->a);
	return text_done();
}

int cmd_summary(const struct options *o)
{
	return run_view(o, view_summary);
}
