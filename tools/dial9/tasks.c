// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tasks.c - `dial9 tasks FILE` (a row per task) and `dial9 task FILE ID`
 * (one task's lifecycle). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dial9.h"

struct tasks_ctx {
	const struct dial9_analysis *a;
	const struct dial9_task_info **rows;
};

static const char *task_row(void *ctx, uint64_t i, char cells[][FMT_LEN])
{
	const struct tasks_ctx *c = ctx;
	const struct dial9_analysis *a = c->a;
	const struct dial9_task_info *t = c->rows[i];
	const char *loc = dial9_analysis__task_location(a, t);
	bool polls = dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	bool wakes = dial9_analysis__knows(a, DIAL9_FIG_WAKES);
	/* "-": not in the window; "?": the recording cannot tell */
	const char *spawn_unseen = dial9_analysis__knows(a, DIAL9_FIG_SPAWNS) ? "-" : "?";

	fmt_u64(cells[0], t->task_id);
	if (!t->spawn_seen) {
		strcpy(cells[1], "?");
		strcpy(cells[2], spawn_unseen);
	} else {
		if (t->parent)
			fmt_u64(cells[1], t->parent);
		else
			strcpy(cells[1], "-");
		fmt_rel(cells[2], a, t->spawn_ns);
	}
	if (t->end_seen)
		fmt_rel(cells[3], a, t->end_ns);
	else
		strcpy(cells[3], dial9_analysis__knows(a, DIAL9_FIG_ENDS) ? "-" : "?");
	fmt_u64_if(cells[4], polls, t->polls);
	fmt_u64_if(cells[5], polls, t->counted_polls);
	fmt_dur_bound(cells[6], t->poll_ns_total + t->counted_poll_ns, t->poll_ns_total_is_bound);
	fmt_dur_bound(cells[7], t->poll_ns_max, t->poll_ns_max_is_bound);
	if (!polls) {
		strcpy(cells[6], "?");
		strcpy(cells[7], "?");
	}
	fmt_u64_if(cells[8], wakes, t->wakes);
	if (!dial9_analysis__knows(a, DIAL9_FIG_QUEUE))
		strcpy(cells[9], "?");
	else if (t->lat_count)
		fmt_dur(cells[9], t->lat_max_ns);
	else
		strcpy(cells[9], "-");
	if (t->top_waker_count)
		fmt_node(cells[10], &t->top_waker);
	else
		strcpy(cells[10], wakes ? "-" : "?");
	return loc ? loc : "?";
}

int view_tasks(const struct options *o, const struct loaded *l)
{
	static const char *const heads[] = {
		"TASK", "PARENT", "SPAWNED", "ENDED", "POLLS", "COUNTED", "POLL-TIME",
		"MAX-POLL", "WAKES", "MAX-WAIT", "TOP-WAKER", "LOCATION",
	};
	static const bool right[] = {
		true, true, true, true, true, true, true, true, true, true, false, false,
	};
	const struct dial9_task_info **rows = NULL;
	struct tasks_ctx ctx;
	struct json_writer *w;
	uint64_t i, n;
	int err;

	err = dial9_analysis__sorted_tasks(l->a, o->sort, &rows);
	if (err) {
		p_err("%s", strerror(-err));
		goto cleanup;
	}
	n = l->a->ntasks;
	if (o->limit && o->limit < n)
		n = o->limit;
	if (o->json) {
		w = json_out(o);
		err = -ENOMEM;
		if (!w)
			goto cleanup;
		json_writer__begin_array(w);
		for (i = 0; i < n; i++)
			json_task(w, l->a, rows[i]);
		json_writer__end_array(w);
		err = json_done(w);
		goto cleanup;
	}
	ctx.a = l->a;
	ctx.rows = rows;
	printf("%" PRIu64 " tasks", l->a->ntasks);
	if (n < l->a->ntasks)
		printf(", first %" PRIu64 " shown", n);
	printf(" (times from the window start; POLLS recorded one by one, COUNTED in "
	       "summaries; MAX-WAIT = worst wake-to-poll latency; ≤ an upper bound; "
	       "? unknown)\n");
	print_probes_note(l->a);
	print_table(heads, right, sizeof(heads) / sizeof(heads[0]), n, task_row, &ctx);
	err = text_done();
cleanup:
	free(rows);
	return err;
}

int cmd_tasks(const struct options *o)
{
	return run_view(o, view_tasks);
}

/* --- one task ------------------------------------------------------------ */

static const char *event_label(const struct dial9_task_event *te)
{
	if (te->role == DIAL9_ROLE_WAKER)
		return "woke";
	if (te->role == DIAL9_ROLE_PARENT)
		return "spawned child";
	switch (te->ev->kind) {
	case DIAL9_EV_SPAWN: return "spawned";
	case DIAL9_EV_POLL_START: return "poll start";
	case DIAL9_EV_POLL_END: return "poll end";
	case DIAL9_EV_WAKE: return "woken";
	case DIAL9_EV_TERMINATE: return "terminated";
	case DIAL9_EV_POLL_SUMMARY: return "short polls";
	case DIAL9_EV_PANIC: return "panicked";
	case DIAL9_EV_STALL: return "stalled";
	default: return dial9_event_kind_name(te->ev->kind);
	}
}

/* Free-text detail of a lifecycle row into buf (len bytes). */
static const char *event_detail(const struct dial9_analysis *a,
				const struct dial9_task_event *te, char *buf, size_t len)
{
	const struct dial9_event *e = te->ev;
	const struct dial9_task_info *child;
	char b1[FMT_LEN], b2[FMT_LEN];
	const char *s;

	buf[0] = 0;
	if (te->role == DIAL9_ROLE_WAKER) {
		snprintf(buf, len, "task %" PRIu64, te->other.task_id);
	} else if (te->role == DIAL9_ROLE_PARENT) {
		child = dial9_analysis__task(a, te->other.task_id);
		s = child ? dial9_analysis__task_location(a, child) : NULL;
		snprintf(buf, len, "task %" PRIu64 "%s%s", te->other.task_id, s ? " at " : "",
			 s ? s : "");
	} else {
		switch (e->kind) {
		case DIAL9_EV_SPAWN:
			s = dial9_analysis__string(a, e->arg);
			snprintf(buf, len, "by %s%s%s",
				 te->other.task_id ? fmt_node(b1, &te->other) : "no task",
				 s ? " at " : "", s ? s : "");
			break;
		case DIAL9_EV_POLL_START:
			s = dial9_analysis__string(a, e->arg);
			snprintf(buf, len, "%s", s ? s : "");
			break;
		case DIAL9_EV_POLL_END:
			snprintf(buf, len, "%s%s", te->duration_ns ?
				 fmt_dur_bound(b1, te->duration_ns, te->duration_is_bound) :
				 "duration unknown",
				 e->flags & DIAL9_POLL_F_COMPLETE ? ", completed" : "");
			break;
		case DIAL9_EV_WAKE:
			snprintf(buf, len, "by %s", fmt_node(b1, &te->other));
			break;
		case DIAL9_EV_POLL_SUMMARY:
			snprintf(buf, len, "%u polls, %s in total", e->aux, fmt_dur(b1, e->arg));
			break;
		case DIAL9_EV_PANIC:
			s = dial9_analysis__string(a, e->arg);
			snprintf(buf, len, "%s%s", s ? "at " : "", s ? s : "");
			break;
		case DIAL9_EV_STALL:
			snprintf(buf, len, "thread blocked for %s", fmt_dur(b2, e->arg));
			break;
		default:
			break;
		}
	}
	return buf;
}

static void task_header_text(const struct dial9_analysis *a, const struct dial9_task_info *t)
{
	const char *loc = dial9_analysis__task_location(a, t);
	char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN], why[UNKNOWN_LEN];

	printf("task       %" PRIu64 "\n", t->task_id);
	printf("location   %s\n", loc ? loc : "?");
	if (t->spawn_seen)
		printf("spawned    %s on thread %s by %s%s\n", fmt_rel(b1, a, t->spawn_ns),
		       fmt_thread(b3, a, t->spawn_tid), t->parent ? "task " : "no task",
		       t->parent ? fmt_u64(b2, t->parent) : "");
	else if (dial9_analysis__knows(a, DIAL9_FIG_SPAWNS))
		printf("spawned    before the window\n");
	else
		printf("spawned    %s\n", fmt_unknown(a, DIAL9_FIG_SPAWNS, why, sizeof(why)));
	if (t->end_seen)
		printf("ended      %s%s\n", fmt_rel(b1, a, t->end_ns),
		       t->completed ? " (completed)" : "");
	else if (dial9_analysis__knows(a, DIAL9_FIG_ENDS))
		printf("ended      not in the window\n");
	else
		printf("ended      %s\n", fmt_unknown(a, DIAL9_FIG_ENDS, why, sizeof(why)));
	if (dial9_analysis__knows(a, DIAL9_FIG_POLLS)) {
		printf("polls      %" PRIu64 " recorded, %s total, %s max", t->polls,
		       fmt_dur_bound(b1, t->poll_ns_total, t->poll_ns_total_is_bound),
		       fmt_dur_bound(b2, t->poll_ns_max, t->poll_ns_max_is_bound));
		if (t->counted_polls)
			printf("; %" PRIu64 " counted short polls, %s", t->counted_polls,
			       fmt_dur(b3, t->counted_poll_ns));
		printf("%s\n", t->poll_ns_total_is_bound ? " (≤: an upper bound)" : "");
	} else {
		printf("polls      %s\n", fmt_unknown(a, DIAL9_FIG_POLLS, why, sizeof(why)));
	}
	if (dial9_analysis__knows(a, DIAL9_FIG_WAKES)) {
		printf("wakes      %" PRIu64 " received", t->wakes);
		if (t->top_waker_count)
			printf(" (mostly by %s: %" PRIu64 ")", fmt_node(b1, &t->top_waker),
			       t->top_waker_count);
		printf(", %" PRIu64 " sent", t->wakes_sent);
	} else {
		printf("wakes      %s", fmt_unknown(a, DIAL9_FIG_WAKES, why, sizeof(why)));
	}
	printf("; %s children\n", fmt_u64_if(b1, dial9_analysis__knows(a, DIAL9_FIG_SPAWNS),
					    t->children));
	if (dial9_analysis__knows(a, DIAL9_FIG_QUEUE) && t->lat_count)
		printf("wake->poll max %s  p99 %s  (%" PRIu64 " samples)\n",
		       fmt_dur(b1, t->lat_max_ns), fmt_dur(b2, t->lat_p99_ns), t->lat_count);
	if (t->panicked)
		printf("panicked   yes\n");
}

struct task_ctx {
	const struct dial9_analysis *a;
	const struct dial9_task_event *te;
	char detail[512];
};

static const char *lifecycle_row(void *ctx, uint64_t i, char cells[][FMT_LEN])
{
	struct task_ctx *c = ctx;
	const struct dial9_task_event *te = &c->te[i];

	fmt_rel(cells[0], c->a, te->ev->ts_ns);
	fmt_thread(cells[1], c->a, te->ev->tid);
	snprintf(cells[2], FMT_LEN, "%s", event_label(te));
	return event_detail(c->a, te, c->detail, sizeof(c->detail));
}

static const char *role_name(uint8_t role)
{
	return role == DIAL9_ROLE_WAKER ? "waker" : role == DIAL9_ROLE_PARENT ? "parent" : "self";
}

int parse_task_id(const char *s, uint64_t *id)
{
	char *end;

	errno = 0;
	*id = strtoull(s, &end, 10);
	if (errno || *end || s[0] < '0' || s[0] > '9' || !*id) {
		p_err("bad task id '%s' (a positive number)", s);
		return -EINVAL;
	}
	return 0;
}

int view_task(const struct options *o, const struct loaded *l)
{
	static const char *const heads[] = { "TIME", "THREAD", "EVENT", "DETAIL" };
	static const bool right[] = { true, false, false, false };
	struct dial9_task_event *te = NULL;
	const struct dial9_task_info *t;
	struct json_writer *w;
	struct task_ctx ctx;
	uint64_t id, i, n = 0;
	int err;

	err = parse_task_id(o->args[1], &id);
	if (err)
		return err;
	t = dial9_analysis__task(l->a, id);
	if (!t) {
		p_err("task %" PRIu64 " is not in %s", id, o->args[0]);
		err = -ENOENT;
		goto cleanup;
	}
	err = dial9_analysis__task_events(l->a, id, &te, &n);
	if (err) {
		p_err("%s", strerror(-err));
		goto cleanup;
	}
	if (o->json) {
		w = json_out(o);
		err = -ENOMEM;
		if (!w)
			goto cleanup;
		json_writer__begin_object(w);
		json_writer__key(w, "task");
		json_task(w, l->a, t);
		json_writer__key(w, "events");
		json_writer__begin_array(w);
		for (i = 0; i < n; i++) {
			const struct dial9_event *e = te[i].ev;

			json_writer__begin_object(w);
			json_writer__kv_u64(w, "ts_ns", e->ts_ns);
			json_thread(w, "tid", l->a, e->tid);
			json_writer__kv_string(w, "kind", dial9_event_kind_name(e->kind));
			json_writer__kv_string(w, "role", role_name(te[i].role));
			if (e->kind == DIAL9_EV_WAKE || e->kind == DIAL9_EV_SPAWN)
				json_node(w, te[i].role == DIAL9_ROLE_SELF ?
					  (e->kind == DIAL9_EV_WAKE ? "waker" : "parent") :
					  (e->kind == DIAL9_EV_WAKE ? "woken" : "child"),
					  &te[i].other);
			if (e->kind == DIAL9_EV_POLL_END) {
				json_writer__kv_u64(w, "duration_ns", te[i].duration_ns);
				json_writer__kv_bool(w, "duration_is_bound", te[i].duration_is_bound);
				json_writer__kv_bool(w, "completed",
						     e->flags & DIAL9_POLL_F_COMPLETE);
			}
			if (e->kind == DIAL9_EV_SPAWN || e->kind == DIAL9_EV_POLL_START ||
			    e->kind == DIAL9_EV_PANIC)
				json_writer__kv_string(w, "location",
						       dial9_analysis__string(l->a, e->arg));
			if (e->kind == DIAL9_EV_POLL_SUMMARY) {
				json_writer__kv_u64(w, "count", e->aux);
				json_writer__kv_u64(w, "total_ns", e->arg);
			}
			if (e->kind == DIAL9_EV_STALL)
				json_writer__kv_u64(w, "duration_ns", e->arg);
			json_writer__end_object(w);
		}
		json_writer__end_array(w);
		json_writer__end_object(w);
		err = json_done(w);
		goto cleanup;
	}
	task_header_text(l->a, t);
	printf("\n");
	ctx.a = l->a;
	ctx.te = te;
	print_table(heads, right, 4, n, lifecycle_row, &ctx);
	err = text_done();
cleanup:
	free(te);
	return err;
}

int cmd_task(const struct options *o)
{
	uint64_t id;
	int err;

	err = parse_task_id(o->args[1], &id); /* before the file is read */
	if (err)
		return err;
	return run_view(o, view_task);
}
