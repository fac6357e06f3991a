// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* analysis_known.c - the figures of an analysis and the probe classes each
 * one needs (see analysis.h, probe_classes.h). */
#include <stdio.h>

#include "analysis.h"
#include "json_writer.h"
#include "probe_classes.h"

#define CLASS(c) (1u << DIAL9_CLASS_##c)

static const struct {
	const char *name;
	uint32_t needs; /* probe classes */
} figures[DIAL9_FIG_MAX] = {
	[DIAL9_FIG_POLLS] = { "polls", CLASS(POLL) },
	[DIAL9_FIG_SPAWNS] = { "spawns", CLASS(SPAWN) },
	[DIAL9_FIG_WAKES] = { "wakes", CLASS(WAKE) },
	[DIAL9_FIG_QUEUE] = { "queue", CLASS(WAKE) | CLASS(POLL) },
	[DIAL9_FIG_ENDS] = { "ends", CLASS(TERMINATE) },
	[DIAL9_FIG_IDLE] = { "idle", CLASS(PARK) },
	[DIAL9_FIG_PANICS] = { "panics", CLASS(PANIC) },
	[DIAL9_FIG_WAKERS] = { "wakers",
			       CLASS(IO_DRIVER) | CLASS(TIMER) | CLASS(PARK) | CLASS(BLOCK_ON) },
};

const char *dial9_figure_name(enum dial9_figure f)
{
	return (unsigned)f < DIAL9_FIG_MAX ? figures[f].name : "unknown";
}

/* Queue depth and wake-to-poll latency need every poll and wake: a window
 * recorded only sampled or with the probes off has neither. */
static bool unseen_by_mode(const struct dial9_analysis *a, enum dial9_figure f)
{
	return f == DIAL9_FIG_QUEUE && !a->full_ns;
}

bool dial9_analysis__knows(const struct dial9_analysis *a, enum dial9_figure f)
{
	return (unsigned)f < DIAL9_FIG_MAX && !(figures[f].needs & ~a->probes) &&
	       !unseen_by_mode(a, f);
}

bool dial9_analysis__knows_kind(const struct dial9_analysis *a, uint32_t kind)
{
	switch (kind) {
	case DIAL9_EV_SPAWN:
		return dial9_analysis__knows(a, DIAL9_FIG_SPAWNS);
	case DIAL9_EV_POLL_START:
	case DIAL9_EV_POLL_END:
	case DIAL9_EV_POLL_SUMMARY:
		return dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	case DIAL9_EV_WAKE:
		return dial9_analysis__knows(a, DIAL9_FIG_WAKES);
	case DIAL9_EV_TERMINATE:
		return dial9_analysis__knows(a, DIAL9_FIG_ENDS);
	case DIAL9_EV_PARK:
	case DIAL9_EV_UNPARK:
		return dial9_analysis__knows(a, DIAL9_FIG_IDLE);
	case DIAL9_EV_PANIC:
		return dial9_analysis__knows(a, DIAL9_FIG_PANICS);
	default:
		return true;
	}
}

int dial9_analysis__why_unknown(const struct dial9_analysis *a, enum dial9_figure f,
				char *buf, size_t len)
{
	uint32_t needs = (unsigned)f < DIAL9_FIG_MAX ? figures[f].needs : 0;
	int n = dial9_probe_classes_missing(a->probes | (DIAL9_CLASSES_ALL & ~needs), buf, len);

	if (!n && unseen_by_mode(a, f)) {
		snprintf(buf, len, "not recorded in full: the whole window was recorded sampled "
			 "or with the poll/wake probes off, and these need every poll and wake "
			 "(dial9d --poll-threshold-us 0)");
		return 1;
	}
	return n;
}

int dial9_analysis__write_why_json(struct json_writer *w, const char *key,
				   const struct dial9_analysis *a, enum dial9_figure f)
{
	char why[DIAL9_WHY_LEN];

	if (dial9_analysis__why_unknown(a, f, why, sizeof(why)))
		return json_writer__kv_string(w, key, why);
	return json_writer__kv_null(w, key);
}

int dial9_analysis__write_known_json(struct json_writer *w, const struct dial9_analysis *a)
{
	int f;

	if (a->probes_known)
		dial9_probe_classes__write_json(w, a->probes);
	else
		json_writer__kv_null(w, "probes_missing");
	json_writer__key(w, "unknown");
	json_writer__begin_object(w);
	for (f = 0; f < DIAL9_FIG_MAX; f++)
		if (f != DIAL9_FIG_WAKERS && !dial9_analysis__knows(a, f))
			dial9_analysis__write_why_json(w, figures[f].name, a, f);
	json_writer__end_object(w);
	return dial9_analysis__write_why_json(w, "lumped_into_runtime", a, DIAL9_FIG_WAKERS);
}
