// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* perfetto.c - Chrome/Perfetto trace-event JSON export (see perfetto.h),
 * through the project's JSON writer. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "perfetto.h"

struct exporter {
	const struct dial9_analysis *a;
	struct json_writer *w;
	uint32_t pid;
	uint64_t q_ts, q_depth;
	bool q_pending;
	struct dial9_perfetto_stats st;
};

/* ns, as µs since the window start with ns precision. */
static void put_ts(struct exporter *x, const char *key, uint64_t ns)
{
	json_writer__kv_milli(x->w, key, ns > x->a->start_ns ? ns - x->a->start_ns : 0);
}

/* Begin one event object: {"ph":..,"pid":..,"tid":..  (caller ends it). */
static void begin(struct exporter *x, const char *ph, uint32_t tid)
{
	json_writer__begin_object(x->w);
	json_writer__kv_string(x->w, "ph", ph);
	json_writer__kv_u64(x->w, "pid", x->pid);
	json_writer__kv_u64(x->w, "tid", tid);
}

static void write_meta(struct exporter *x, const uint32_t *tids, uint64_t ntids)
{
	const struct dial9_dump_meta *m = &x->a->dump->meta;
	struct json_writer *w = x->w;
	char name[64];
	uint64_t i;

	snprintf(name, sizeof(name), "%s (pid %" PRIu32 ")", m->comm[0] ? m->comm : "process",
		 m->pid);
	begin(x, "M", 0);
	json_writer__kv_string(w, "name", "process_name");
	json_writer__key(w, "args");
	json_writer__begin_object(w);
	json_writer__kv_string(w, "name", name);
	json_writer__end_object(w);
	json_writer__end_object(w);
	for (i = 0; i < ntids; i++) {
		const char *tname = dial9_analysis__thread_name(x->a, tids[i]);
		const char *role = dial9_analysis__thread_role(x->a, tids[i]);
		char who[32];
		bool reason;

		/* the viewer shows the tid beside the name: the name as the dump
		 * has it, else the tid */
		if (tname)
			snprintf(who, sizeof(who), "%s", tname);
		else
			snprintf(who, sizeof(who), "tid %" PRIu32, tids[i]);
		reason = tids[i] == m->reason_tid && m->reason_tid;
		snprintf(name, sizeof(name), "%s%s%s%s%s%s", who, role || reason ? " (" : "",
			 role ? role : "", role && reason ? ", " : "", reason ? "dump reason" : "",
			 role || reason ? ")" : "");
		begin(x, "M", tids[i]);
		json_writer__kv_string(w, "name", "thread_name");
		json_writer__key(w, "args");
		json_writer__begin_object(w);
		json_writer__kv_string(w, "name", name);
		json_writer__end_object(w);
		json_writer__end_object(w);
		begin(x, "M", tids[i]);
		json_writer__kv_string(w, "name", "thread_sort_index");
		json_writer__key(w, "args");
		json_writer__begin_object(w);
		json_writer__kv_u64(w, "sort_index", i);
		json_writer__end_object(w);
		json_writer__end_object(w);
	}
}

static void write_poll(struct exporter *x, const struct dial9_poll *p)
{
	const char *loc = dial9_analysis__string(x->a, p->loc);
	struct json_writer *w = x->w;
	char name[32];

	snprintf(name, sizeof(name), "task %" PRIu64, p->task_id);
	begin(x, "X", p->tid);
	json_writer__kv_string(w, "name", loc ? loc : name);
	json_writer__kv_string(w, "cat", "poll");
	put_ts(x, "ts", p->start_ns);
	json_writer__kv_milli(w, "dur", p->duration_ns);
	json_writer__key(w, "args");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "task_id", p->task_id);
	json_writer__kv_string(w, "location", loc);
	json_writer__kv_u64(w, "duration_ns", p->duration_ns);
	if (p->completed)
		json_writer__kv_bool(w, "completed", true);
	if (p->open)
		json_writer__kv_bool(w, "open", true);
	if (!p->start_seen)
		json_writer__kv_bool(w, "start_seen", false);
	json_writer__kv_bool(w, "duration_is_bound", p->duration_is_bound);
	json_writer__end_object(w);
	json_writer__end_object(w);
	x->st.slices++;
}

static void write_span(struct exporter *x, const struct dial9_span *s, const char *name)
{
	struct json_writer *w = x->w;

	begin(x, "X", s->tid);
	json_writer__kv_string(w, "name", name);
	json_writer__kv_string(w, "cat", name);
	put_ts(x, "ts", s->start_ns);
	json_writer__kv_milli(w, "dur", s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0);
	if (s->task_id) {
		json_writer__key(w, "args");
		json_writer__begin_object(w);
		json_writer__kv_u64(w, "task_id", s->task_id);
		json_writer__end_object(w);
	}
	json_writer__end_object(w);
}

/* Flow arrows: waker's poll (at the WAKE) -> the woken task's next poll. */
static void write_flows(struct exporter *x, const struct dial9_poll_index *ix)
{
	const struct dial9_analysis *a = x->a;
	const struct dial9_dump *d = a->dump;
	struct json_writer *w = x->w;
	uint64_t i, src, dst;

	for (i = 0; i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];
		struct dial9_node n;
		const struct dial9_poll *p;

		if (e->kind != DIAL9_EV_WAKE || !e->task_id)
			continue;
		n = dial9_wake__waker(e);
		if (n.kind != DIAL9_WAKER_TASK || n.task_id == e->task_id)
			continue;
		src = dial9_poll_index__at(ix, a, n.task_id, e->ts_ns, e->tid);
		dst = dial9_poll_index__next(ix, a, e->task_id, e->ts_ns);
		if (src == DIAL9_NO_INDEX || dst == DIAL9_NO_INDEX)
			continue;
		p = &a->polls[dst];
		x->st.flows++;
		begin(x, "s", e->tid);
		json_writer__kv_string(w, "name", "wake");
		json_writer__kv_string(w, "cat", "wake");
		json_writer__kv_u64(w, "id", x->st.flows);
		put_ts(x, "ts", e->ts_ns);
		json_writer__key(w, "args");
		json_writer__begin_object(w);
		json_writer__kv_u64(w, "waker", n.task_id);
		json_writer__kv_u64(w, "woken", e->task_id);
		json_writer__end_object(w);
		json_writer__end_object(w);
		begin(x, "f", p->tid);
		json_writer__kv_string(w, "name", "wake");
		json_writer__kv_string(w, "cat", "wake");
		json_writer__kv_string(w, "bp", "e");
		json_writer__kv_u64(w, "id", x->st.flows);
		put_ts(x, "ts", p->start_ns);
		json_writer__end_object(w);
	}
}

static void flush_counter(struct exporter *x)
{
	struct json_writer *w = x->w;

	if (!x->q_pending)
		return;
	begin(x, "C", 0);
	json_writer__kv_string(w, "name", "runnable tasks");
	put_ts(x, "ts", x->q_ts);
	json_writer__key(w, "args");
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "runnable", x->q_depth);
	json_writer__end_object(w);
	json_writer__end_object(w);
	x->st.counters++;
	x->q_pending = false;
}

/* Queue steps at the same time collapse into one sample (the last depth). */
static int on_queue_step(void *ctx, const struct dial9_queue_step *s)
{
	struct exporter *x = ctx;

	if (x->q_pending && s->ts_ns != x->q_ts)
		flush_counter(x);
	x->q_ts = s->ts_ns;
	x->q_depth = s->depth;
	x->q_pending = true;
	return json_writer__error(x->w);
}

/* An instant event with its args object open (caller ends both). */
static void instant(struct exporter *x, const struct dial9_event *e, const char *name,
		    const char *scope)
{
	struct json_writer *w = x->w;

	begin(x, "i", e->tid);
	json_writer__kv_string(w, "name", name);
	json_writer__kv_string(w, "cat", name);
	json_writer__kv_string(w, "s", scope);
	put_ts(x, "ts", e->ts_ns);
	json_writer__key(w, "args");
	json_writer__begin_object(w);
	x->st.instants++;
}

static void write_instants(struct exporter *x)
{
	const struct dial9_dump *d = x->a->dump;
	struct json_writer *w = x->w;
	char name[64];
	uint64_t i;

	for (i = 0; i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];

		switch (e->kind) {
		case DIAL9_EV_PANIC:
			instant(x, e, "panic", "g");
			json_writer__kv_u64(w, "task_id", e->task_id);
			json_writer__kv_string(w, "location", dial9_analysis__string(x->a, e->arg));
			break;
		case DIAL9_EV_SIGNAL:
			instant(x, e, "signal", "g");
			json_writer__kv_u64(w, "signal", e->aux);
			json_writer__kv_u64(w, "sender_pid", e->arg);
			break;
		case DIAL9_EV_LOST:
			instant(x, e, "lost", "p");
			json_writer__kv_u64(w, "count", e->arg);
			json_writer__kv_string(w, "cause", dial9_lost_cause_name(e->aux));
			break;
		case DIAL9_EV_MODE:
			snprintf(name, sizeof(name), "mode: %s", dial9_mode_name(e->aux));
			instant(x, e, name, "p");
			break;
		case DIAL9_EV_OOM:
			instant(x, e, "oom kill", "g");
			json_writer__kv_u64(w, "memory_limit_bytes", e->arg);
			break;
		case DIAL9_EV_EXIT:
			instant(x, e, "exit", "g");
			json_writer__kv_u64(w, "code", e->arg);
			json_writer__kv_bool(w, "signaled", e->flags & DIAL9_EXIT_F_SIGNALED);
			break;
		default:
			continue;
		}
		json_writer__end_object(w); /* args */
		json_writer__end_object(w);
	}
}

/* The otherData object: the dump's facts and what the recording cannot
 * vouch for. */
static void write_other_data(const struct dial9_analysis *a, struct json_writer *w)
{
	const struct dial9_dump_meta *m = &a->dump->meta;

	json_writer__key(w, "otherData");
	json_writer__begin_object(w);
	json_writer__kv_string(w, "generator", "dial9");
	json_writer__kv_u64(w, "pid", m->pid);
	json_writer__kv_string(w, "reason", dial9_reason_name(m->reason));
	json_writer__kv_u64(w, "window_ns", a->end_ns - a->start_ns);
	json_writer__kv_u64(w, "lost_events", a->lost_ringbuf + a->lost_window + a->lost_other);
	json_writer__kv_u64(w, "format_version", m->version);
	json_writer__kv_u64(w, "polls_bound", a->polls_bound);
	dial9_analysis__write_known_json(w, a);
	json_writer__end_object(w);
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

/* Distinct tids of all events, sorted.  malloc'd, NULL on ENOMEM. */
static uint32_t *collect_tids(const struct dial9_dump *d, uint64_t *n)
{
	uint32_t *t = malloc((d->nevents ? d->nevents : 1) * sizeof(*t));
	uint64_t i, k = 0;

	if (!t)
		return NULL;
	for (i = 0; i < d->nevents; i++)
		t[i] = d->events[i].tid;
	qsort(t, d->nevents, sizeof(*t), cmp_u32);
	for (i = 0; i < d->nevents; i++)
		if (!k || t[k - 1] != t[i])
			t[k++] = t[i];
	*n = k;
	return t;
}

int dial9_perfetto__write(const struct dial9_analysis *a, FILE *out,
			  struct dial9_perfetto_stats *stats)
{
	const struct dial9_dump_meta *m = &a->dump->meta;
	struct exporter x = { .a = a };
	struct dial9_poll_index ix = { 0 };
	uint32_t *tids = NULL;
	uint64_t k, ntids = 0;
	int err;

	x.pid = m->pid ? m->pid : 1;
	x.w = json_writer__new(out, 0);
	tids = collect_tids(a->dump, &ntids);
	err = dial9_poll_index__init(&ix, a);
	if (!x.w || !tids || err) {
		err = -ENOMEM;
		goto cleanup;
	}
	json_writer__begin_object(x.w);
	json_writer__kv_string(x.w, "displayTimeUnit", "ms");
	write_other_data(a, x.w);
	json_writer__key(x.w, "traceEvents");
	json_writer__begin_array(x.w);
	write_meta(&x, tids, ntids);
	for (k = 0; k < a->npolls; k++)
		write_poll(&x, &a->polls[k]);
	for (k = 0; k < a->nidle; k++)
		write_span(&x, &a->idle[k], "idle");
	for (k = 0; k < a->nstalls; k++)
		write_span(&x, &a->stalls[k], "stall");
	write_flows(&x, &ix);
	/* the runnable queue only when the recording can vouch for it */
	if (dial9_analysis__knows(a, DIAL9_FIG_QUEUE))
		err = dial9_queue__walk(a, on_queue_step, &x);
	if (err)
		goto cleanup;
	flush_counter(&x);
	write_instants(&x);
	json_writer__end_array(x.w);
	json_writer__end_object(x.w);
	err = json_writer__finish(x.w);
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
	if (stats)
		*stats = x.st;
cleanup:
	json_writer__free(x.w);
	free(tids);
	dial9_poll_index__free(&ix);
	return err;
}
