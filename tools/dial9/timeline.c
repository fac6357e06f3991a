// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* timeline.c - `dial9 timeline FILE`: per worker thread, what ran when. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "dial9.h"

static const char *slice_kind_name(uint8_t kind)
{
	switch (kind) {
	case DIAL9_SLICE_POLL: return "poll";
	case DIAL9_SLICE_IDLE: return "idle";
	case DIAL9_SLICE_STALL: return "stall";
	default: return "unknown";
	}
}

struct timeline_ctx {
	const struct dial9_analysis *a;
	const struct dial9_slice *slices;
	char what[512];
};

static const char *slice_row(void *ctx, uint64_t i, char cells[][FMT_LEN])
{
	struct timeline_ctx *c = ctx;
	const struct dial9_slice *s = &c->slices[i];
	const struct dial9_task_info *t;
	const char *loc = NULL;
	char b[FMT_LEN];

	if (s->open_start)
		snprintf(cells[0], FMT_LEN, "<%s", fmt_rel(b, c->a, s->start_ns));
	else
		fmt_rel(cells[0], c->a, s->start_ns);
	if (s->open_end)
		snprintf(cells[1], FMT_LEN, ">%s", fmt_rel(b, c->a, s->end_ns));
	else
		fmt_rel(cells[1], c->a, s->end_ns);
	fmt_dur_bound(cells[2], s->end_ns - s->start_ns, s->duration_is_bound);
	switch (s->kind) {
	case DIAL9_SLICE_POLL:
		t = dial9_analysis__task(c->a, s->task_id);
		loc = t ? dial9_analysis__task_location(c->a, t) : NULL;
		if (!loc)
			loc = dial9_analysis__string(c->a, s->loc);
		snprintf(c->what, sizeof(c->what), "poll task %" PRIu64 "%s%s", s->task_id,
			 loc ? "  " : "", loc ? loc : "");
		break;
	case DIAL9_SLICE_STALL:
		loc = dial9_analysis__string(c->a, s->loc);
		if (s->task_id)
			snprintf(c->what, sizeof(c->what), "stall (blocked) in task %" PRIu64 "%s%s",
				 s->task_id, loc ? "  at " : "", loc ? loc : "");
		else
			snprintf(c->what, sizeof(c->what), "stall (blocked)%s%s", loc ? " at " : "",
				 loc ? loc : "");
		break;
	default:
		snprintf(c->what, sizeof(c->what), "%s", slice_kind_name(s->kind));
	}
	return c->what;
}

static void timeline_json(const struct dial9_analysis *a, const struct dial9_timeline *tl,
			  struct json_writer *w)
{
	uint64_t i, k;

	json_writer__begin_object(w);
	dial9_analysis__write_known_json(w, a);
	json_writer__kv_u64(w, "start_ns", a->start_ns);
	json_writer__kv_u64(w, "from_ns", tl->from_ns);
	json_writer__kv_u64(w, "to_ns", tl->to_ns);
	json_writer__key(w, "threads");
	json_writer__begin_array(w);
	for (i = 0; i < tl->nthreads; i++) {
		const struct dial9_thread *th = &tl->threads[i];

		json_writer__begin_object(w);
		json_thread_totals(w, a, th);
		json_writer__key(w, "slices");
		json_writer__begin_array(w);
		for (k = th->first; k < th->first + th->count; k++) {
			const struct dial9_slice *s = &tl->slices[k];
			const struct dial9_task_info *t;

			json_writer__begin_object(w);
			json_writer__kv_string(w, "kind", slice_kind_name(s->kind));
			json_writer__kv_u64(w, "start_ns", s->start_ns);
			json_writer__kv_u64(w, "end_ns", s->end_ns);
			json_writer__kv_u64(w, "duration_ns", s->end_ns - s->start_ns);
			json_writer__kv_bool(w, "duration_is_bound", s->duration_is_bound);
			if (s->kind != DIAL9_SLICE_IDLE) {
				json_writer__kv_u64(w, "task_id", s->task_id);
				t = dial9_analysis__task(a, s->task_id);
				json_writer__kv_string(w, "location",
						       t ? dial9_analysis__task_location(a, t) : NULL);
			}
			if (s->kind == DIAL9_SLICE_STALL)
				json_writer__kv_string(w, "site", dial9_analysis__string(a, s->loc));
			json_writer__kv_bool(w, "open_start", s->open_start);
			json_writer__kv_bool(w, "open_end", s->open_end);
			json_writer__end_object(w);
		}
		json_writer__end_array(w);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__end_object(w);
}

static void timeline_text(const struct dial9_analysis *a, const struct dial9_timeline *tl)
{
	static const char *const heads[] = { "START", "END", "DURATION", "WHAT" };
	static const bool right[] = { true, true, true, false };
	bool polls = dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	bool idle = dial9_analysis__knows(a, DIAL9_FIG_IDLE);
	char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN], b4[FMT_LEN], why[UNKNOWN_LEN];
	struct timeline_ctx ctx = { .a = a };
	uint64_t i;

	printf("timeline %s .. %s (< began before, > still going at the end, ≤ an upper bound)\n",
	       fmt_rel(b1, a, tl->from_ns), fmt_rel(b2, a, tl->to_ns));
	if (!polls)
		printf("polls %s\n", fmt_unknown(a, DIAL9_FIG_POLLS, why, sizeof(why)));
	if (!idle)
		printf("idle  %s\n", fmt_unknown(a, DIAL9_FIG_IDLE, why, sizeof(why)));
	if (!tl->nthreads)
		printf("nothing %s in this range\n", polls ? "ran" : "recorded");
	for (i = 0; i < tl->nthreads; i++) {
		const struct dial9_thread *th = &tl->threads[i];
		const char *role = dial9_analysis__thread_role(a, th->tid);

		printf("\nthread %s%s%s: %s polls, busy %s, idle %s\n", fmt_thread(b4, a, th->tid),
		       role ? ", " : "", role ? role : "", fmt_u64_if(b1, polls, th->polls),
		       polls ? fmt_dur_bound(b2, th->busy_ns, th->busy_is_bound) : "?",
		       idle ? fmt_dur(b3, th->idle_ns) : "?");
		ctx.slices = &tl->slices[th->first];
		print_table(heads, right, 4, th->count, slice_row, &ctx);
	}
}

int view_timeline(const struct options *o, const struct loaded *l)
{
	struct dial9_timeline *tl = NULL;
	struct json_writer *w;
	uint64_t from, to;
	int err;

	from = l->a->start_ns;
	to = l->a->end_ns;
	if (o->has_from)
		from = o->from_ns > UINT64_MAX - from ? UINT64_MAX : from + o->from_ns;
	if (o->has_to)
		to = o->to_ns > UINT64_MAX - l->a->start_ns ? UINT64_MAX : l->a->start_ns + o->to_ns;
	if (from > to) {
		p_err("--from is after the end of the window");
		err = -EINVAL;
		goto cleanup;
	}
	err = dial9_timeline__build(l->a, from, to, &tl);
	if (err) {
		p_err("timeline: %s", strerror(-err));
		goto cleanup;
	}
	if (o->json) {
		w = json_out(o);
		err = -ENOMEM;
		if (w) {
			timeline_json(l->a, tl, w);
			err = json_done(w);
		}
	} else {
		timeline_text(l->a, tl);
		err = text_done();
	}
cleanup:
	dial9_timeline__free(tl);
	return err;
}

int cmd_timeline(const struct options *o)
{
	return run_view(o, view_timeline);
}
