// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* perfetto.c - Chrome/Perfetto trace-event JSON export (see perfetto.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "perfetto.h"
#include "queue_walk.h"

/* --- poll index ---------------------------------------------------------- */

static int cmp_poll_task(const void *pa, const void *pb, void *arg)
{
	const struct dial9_analysis *a = arg;
	const struct dial9_poll *x = &a->polls[*(const uint64_t *)pa];
	const struct dial9_poll *y = &a->polls[*(const uint64_t *)pb];

	if (x->task_id != y->task_id)
		return x->task_id < y->task_id ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->end_ns < y->end_ns ? -1 : x->end_ns > y->end_ns;
}

int dial9_poll_index__init(struct dial9_poll_index *x, const struct dial9_analysis *a)
{
	uint64_t i;

	x->n = a->npolls;
	x->order = malloc((x->n ? x->n : 1) * sizeof(*x->order));
	if (!x->order)
		return -ENOMEM;
	for (i = 0; i < x->n; i++)
		x->order[i] = i;
	qsort_r(x->order, x->n, sizeof(*x->order), cmp_poll_task, (void *)a);
	return 0;
}

void dial9_poll_index__free(struct dial9_poll_index *x)
{
	if (!x)
		return;
	free(x->order);
	x->order = NULL;
	x->n = 0;
}

/* First position whose poll is (task, start >= ts) or later. */
static uint64_t lower_bound(const struct dial9_poll_index *x, const struct dial9_analysis *a,
			    uint64_t task, uint64_t ts)
{
	uint64_t lo = 0, hi = x->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct dial9_poll *p = &a->polls[x->order[mid]];

		if (p->task_id < task || (p->task_id == task && p->start_ns < ts))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t dial9_poll_index__next(const struct dial9_poll_index *x,
				const struct dial9_analysis *a, uint64_t task, uint64_t ts_ns)
{
	uint64_t i = lower_bound(x, a, task, ts_ns);

	if (i < x->n && a->polls[x->order[i]].task_id == task)
		return x->order[i];
	return DIAL9_NO_INDEX;
}

uint64_t dial9_poll_index__at(const struct dial9_poll_index *x, const struct dial9_analysis *a,
			      uint64_t task, uint64_t ts_ns, uint32_t tid)
{
	uint64_t i = lower_bound(x, a, task, ts_ns + 1);
	const struct dial9_poll *p;

	if (!i)
		return DIAL9_NO_INDEX;
	p = &a->polls[x->order[i - 1]];
	if (p->task_id != task || p->end_ns < ts_ns || p->tid != tid)
		return DIAL9_NO_INDEX;
	return x->order[i - 1];
}

/* --- writer -------------------------------------------------------------- */

struct exporter {
	const struct dial9_analysis *a;
	FILE *out;
	uint32_t pid;
	char **esc;            /* per string id: JSON-escaped string, quotes included */
	uint64_t first;        /* no event written yet */
	uint64_t q_ts, q_depth;
	bool q_pending;
	struct dial9_perfetto_stats st;
};

/* A JSON string literal for s, via the project's writer (escaping and UTF-8
 * repair).  malloc'd, NULL on failure. */
static char *json_quote(const char *s)
{
	struct json_writer *w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return NULL;
	w = json_writer__new(f, 0);
	if (!w) {
		fclose(f);
		free(buf);
		return NULL;
	}
	json_writer__string(w, s);
	err = json_writer__finish(w);
	json_writer__free(w);
	if (fclose(f) || err) {
		free(buf);
		return NULL;
	}
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

/* The quoted string for string id, or NULL if there is none. */
static const char *str_json(struct exporter *x, uint64_t id)
{
	const char *s = dial9_analysis__string(x->a, id);

	if (!s)
		return NULL;
	if (!x->esc[id])
		x->esc[id] = json_quote(s);
	return x->esc[id];
}

static void put_ts(struct exporter *x, const char *key, uint64_t ns)
{
	uint64_t rel = ns > x->a->start_ns ? ns - x->a->start_ns : 0;

	fprintf(x->out, ",\"%s\":%" PRIu64 ".%03u", key, rel / 1000, (unsigned int)(rel % 1000));
}

static void put_dur(struct exporter *x, uint64_t ns)
{
	fprintf(x->out, ",\"dur\":%" PRIu64 ".%03u", ns / 1000, (unsigned int)(ns % 1000));
}

/* Begin one event object: {"ph":..,"pid":..,"tid":..  (caller closes). */
static void begin(struct exporter *x, const char *ph, uint32_t tid)
{
	fprintf(x->out, "%s\n{\"ph\":\"%s\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32,
		x->first ? "" : ",", ph, x->pid, tid);
	x->first = 0;
}

static void write_meta(struct exporter *x, const uint32_t *tids, uint64_t ntids)
{
	const struct dial9_dump_meta *m = &x->a->dump->meta;
	char name[64];
	char *q;
	uint64_t i;

	snprintf(name, sizeof(name), "%s (pid %" PRIu32 ")", m->comm[0] ? m->comm : "process",
		 m->pid);
	q = json_quote(name);
	begin(x, "M", 0);
	fprintf(x->out, ",\"name\":\"process_name\",\"args\":{\"name\":%s}}", q ? q : "\"?\"");
	free(q);
	for (i = 0; i < ntids; i++) {
		begin(x, "M", tids[i]);
		fprintf(x->out, ",\"name\":\"thread_name\",\"args\":{\"name\":\"tid %" PRIu32 "%s\"}}",
			tids[i], tids[i] == m->reason_tid && m->reason_tid ? " (dump reason)" : "");
		begin(x, "M", tids[i]);
		fprintf(x->out, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%" PRIu64
			"}}", i);
	}
}

static void write_poll(struct exporter *x, const struct dial9_poll *p)
{
	const char *loc = str_json(x, p->loc);

	begin(x, "X", p->tid);
	if (loc)
		fprintf(x->out, ",\"name\":%s", loc);
	else
		fprintf(x->out, ",\"name\":\"task %" PRIu64 "\"", p->task_id);
	fputs(",\"cat\":\"poll\"", x->out);
	put_ts(x, "ts", p->start_ns);
	put_dur(x, p->duration_ns);
	fprintf(x->out, ",\"args\":{\"task_id\":%" PRIu64 ",\"location\":%s,\"duration_ns\":%" PRIu64,
		p->task_id, loc ? loc : "null", p->duration_ns);
	if (p->completed)
		fputs(",\"completed\":true", x->out);
	if (p->open)
		fputs(",\"open\":true", x->out);
	if (!p->start_seen)
		fputs(",\"start_seen\":false", x->out);
	fprintf(x->out, ",\"duration_is_bound\":%s}}", p->duration_is_bound ? "true" : "false");
	x->st.slices++;
}

static void write_span(struct exporter *x, const struct dial9_span *s, const char *name)
{
	begin(x, "X", s->tid);
	fprintf(x->out, ",\"name\":\"%s\",\"cat\":\"%s\"", name, name);
	put_ts(x, "ts", s->start_ns);
	put_dur(x, s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0);
	if (s->task_id)
		fprintf(x->out, ",\"args\":{\"task_id\":%" PRIu64 "}", s->task_id);
	fputs("}", x->out);
}

/* Flow arrows: waker's poll (at the WAKE) -> the woken task's next poll. */
static void write_flows(struct exporter *x, const struct dial9_poll_index *ix)
{
	const struct dial9_analysis *a = x->a;
	const struct dial9_dump *d = a->dump;
	uint64_t i, src, dst;

	for (i = 0; i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];
		struct dial9_node w;
		const struct dial9_poll *p;

		if (e->kind != DIAL9_EV_WAKE || !e->task_id)
			continue;
		w = dial9_wake__waker(e);
		if (w.kind != DIAL9_WAKER_TASK || w.task_id == e->task_id)
			continue;
		src = dial9_poll_index__at(ix, a, w.task_id, e->ts_ns, e->tid);
		dst = dial9_poll_index__next(ix, a, e->task_id, e->ts_ns);
		if (src == DIAL9_NO_INDEX || dst == DIAL9_NO_INDEX)
			continue;
		p = &a->polls[dst];
		x->st.flows++;
		begin(x, "s", e->tid);
		fprintf(x->out, ",\"name\":\"wake\",\"cat\":\"wake\",\"id\":%" PRIu64, x->st.flows);
		put_ts(x, "ts", e->ts_ns);
		fprintf(x->out, ",\"args\":{\"waker\":%" PRIu64 ",\"woken\":%" PRIu64 "}}",
			w.task_id, (uint64_t)e->task_id);
		begin(x, "f", p->tid);
		fprintf(x->out, ",\"name\":\"wake\",\"cat\":\"wake\",\"bp\":\"e\",\"id\":%" PRIu64,
			x->st.flows);
		put_ts(x, "ts", p->start_ns);
		fputs("}", x->out);
	}
}

static void flush_counter(struct exporter *x)
{
	if (!x->q_pending)
		return;
	begin(x, "C", 0);
	fputs(",\"name\":\"runnable tasks\"", x->out);
	put_ts(x, "ts", x->q_ts);
	fprintf(x->out, ",\"args\":{\"runnable\":%" PRIu64 "}}", x->q_depth);
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
	return ferror(x->out) ? -EIO : 0;
}

static void instant(struct exporter *x, const struct dial9_event *e, const char *name,
		    const char *scope)
{
	begin(x, "i", e->tid);
	fprintf(x->out, ",\"name\":\"%s\",\"cat\":\"%s\",\"s\":\"%s\"", name, name, scope);
	put_ts(x, "ts", e->ts_ns);
	x->st.instants++;
}

static void write_instants(struct exporter *x)
{
	static const char *const modes[] = { "mode: full", "mode: sampled", "mode: off" };
	const struct dial9_dump *d = x->a->dump;
	const char *loc;
	uint64_t i;

	for (i = 0; i < d->nevents; i++) {
		const struct dial9_event *e = &d->events[i];

		switch (e->kind) {
		case DIAL9_EV_PANIC:
			instant(x, e, "panic", "g");
			loc = str_json(x, e->arg);
			fprintf(x->out, ",\"args\":{\"task_id\":%" PRIu64 ",\"location\":%s}}",
				(uint64_t)e->task_id, loc ? loc : "null");
			break;
		case DIAL9_EV_SIGNAL:
			instant(x, e, "signal", "g");
			fprintf(x->out, ",\"args\":{\"signal\":%u,\"sender_pid\":%" PRIu64 "}}",
				e->aux, (uint64_t)e->arg);
			break;
		case DIAL9_EV_LOST:
			instant(x, e, "lost", "p");
			fprintf(x->out, ",\"args\":{\"count\":%" PRIu64 ",\"cause\":%u}}", (uint64_t)e->arg,
				e->aux);
			break;
		case DIAL9_EV_MODE:
			instant(x, e, e->aux < 3 ? modes[e->aux] : "mode: unknown", "p");
			fputs("}", x->out);
			break;
		case DIAL9_EV_OOM:
			instant(x, e, "oom kill", "g");
			fprintf(x->out, ",\"args\":{\"memory_limit_bytes\":%" PRIu64 "}}",
				(uint64_t)e->arg);
			break;
		case DIAL9_EV_EXIT:
			instant(x, e, "exit", "g");
			fprintf(x->out, ",\"args\":{\"code\":%" PRIu64 ",\"signaled\":%s}}", (uint64_t)e->arg,
				e->flags & DIAL9_EXIT_F_SIGNALED ? "true" : "false");
			break;
		default:
			break;
		}
	}
}

/* The otherData object: the dump's facts and what the recording cannot
 * vouch for (a writer of its own: it ends with a newline, harmless here). */
static int write_other_data(const struct dial9_analysis *a, FILE *out)
{
	const struct dial9_dump_meta *m = &a->dump->meta;
	struct json_writer *w = json_writer__new(out, 0);
	int err;

	if (!w)
		return -ENOMEM;
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
	err = json_writer__finish(w);
	json_writer__free(w);
	return err;
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
	struct exporter x = { .a = a, .out = out, .first = 1 };
	struct dial9_poll_index ix = { 0 };
	uint32_t *tids = NULL, i;
	uint64_t k, ntids = 0;
	int err;

	x.pid = m->pid ? m->pid : 1;
	x.esc = calloc((uint64_t)a->dump->strings.count + 1, sizeof(*x.esc));
	tids = collect_tids(a->dump, &ntids);
	err = dial9_poll_index__init(&ix, a);
	if (!x.esc || !tids || err) {
		err = -ENOMEM;
		goto cleanup;
	}
	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":", out);
	err = write_other_data(a, out);
	if (err)
		goto cleanup;
	fputs(",\n\"traceEvents\":[", out);
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
	fputs("\n]}\n", out);
	if (fflush(out) || ferror(out))
		err = -EIO;
	if (stats)
		*stats = x.st;
cleanup:
	if (x.esc)
		for (i = 0; i <= a->dump->strings.count; i++)
			free(x.esc[i]);
	free(x.esc);
	free(tids);
	dial9_poll_index__free(&ix);
	return err;
}
