// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* trigger.c - dump triggers at work on one process (see trigger.h). */
#include <string.h>

#include "trigger.h"

#define HOUR_NS 3600000000000ull

void trigger__init(struct trigger_state *s, const struct dial9_trigger_rules *r,
		   const char *exe, const char *comm)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->pending.rule = -1;
	for (i = 0; i < r->count; i++) {
		if (dial9_trigger_rule__applies(&r->rule[i], exe, comm))
			s->applies |= 1u << i;
		s->tokens[i] = r->rule[i].max_per_hour;
	}
}

/* Rule i's bucket of dumps per hour, refilled up to now. */
static bool take_token(struct trigger_state *s, const struct dial9_trigger_rule *rule,
		       uint32_t i, uint64_t now_ns)
{
	double cap = rule->max_per_hour;

	if (s->tokens_at_ns[i] && now_ns > s->tokens_at_ns[i]) {
		s->tokens[i] += cap * (double)(now_ns - s->tokens_at_ns[i]) / (double)HOUR_NS;
		if (s->tokens[i] > cap)
			s->tokens[i] = cap;
	}
	s->tokens_at_ns[i] = now_ns;
	if (s->tokens[i] < 1.0)
		return false;
	s->tokens[i] -= 1.0;
	return true;
}

/* Rule i is over its threshold: start a triggered dump unless one is
 * waiting already (one incident, one dump), the rule is in its hold-off, or
 * it has made its dumps of the hour. */
static bool fire(struct trigger_state *s, const struct dial9_trigger_rules *r, uint32_t i,
		 uint64_t post_ns, uint64_t value, uint64_t at_ns, uint32_t tid, uint64_t task)
{
	const struct dial9_trigger_rule *rule = &r->rule[i];

	if (s->pending.rule >= 0) {
		s->absorbed++;
		return false;
	}
	if (s->last_fire_ns[i] && at_ns - s->last_fire_ns[i] < rule->holdoff_ns) {
		s->held_off++;
		return false;
	}
	if (!take_token(s, rule, i, at_ns)) {
		s->rate_limited++;
		return false;
	}
	s->last_fire_ns[i] = at_ns;
	s->pending = (struct trigger_fire){
		.rule = (int)i,
		.metric = rule->metric,
		.value = value,
		.threshold = rule->threshold,
		.fired_ns = at_ns,
		.due_ns = at_ns + post_ns,
		.tid = tid,
		.task = task,
	};
	s->fired++;
	return true;
}

bool trigger__on_long(struct trigger_state *s, const struct dial9_trigger_rules *r,
		      uint64_t post_ns, uint64_t dur_ns, uint64_t end_ns, uint32_t tid,
		      uint64_t task)
{
	bool fired = false;
	uint32_t i;

	for (i = 0; i < r->count; i++)
		if ((s->applies >> i & 1) && r->rule[i].metric == DIAL9_TRIGGER_POLL &&
		    dur_ns > r->rule[i].threshold)
			fired |= fire(s, r, i, post_ns, dur_ns, end_ns, tid, task);
	return fired;
}

/* The figure of sec rule looks at; false when it was not observed. */
static bool second_value(const struct dial9_trigger_rule *rule, const struct trigger_second *sec,
			 uint64_t *v)
{
	switch (rule->metric) {
	case DIAL9_TRIGGER_LATENCY_P99:
		*v = sec->latency_p99_ns;
		return sec->latency_observed;
	case DIAL9_TRIGGER_QUEUE:
		*v = sec->queue_max;
		return sec->queue_observed;
	case DIAL9_TRIGGER_LOST:
		*v = sec->lost;
		return true;
	case DIAL9_TRIGGER_COST:
		*v = sec->cost_ppm;
		return true;
	default:
		return false;
	}
}

bool trigger__on_second(struct trigger_state *s, const struct dial9_trigger_rules *r,
			uint64_t post_ns, const struct trigger_second *sec)
{
	bool fired = false;
	uint32_t i;

	for (i = 0; i < r->count; i++) {
		const struct dial9_trigger_rule *rule = &r->rule[i];
		uint64_t v = 0;

		if (!(s->applies >> i & 1) || rule->metric == DIAL9_TRIGGER_POLL)
			continue;
		/* a second that could not be observed ends a streak: an unseen
		 * second is not a second over the threshold */
		if (!second_value(rule, sec, &v) || v <= rule->threshold) {
			s->streak[i] = 0;
			continue;
		}
		if (++s->streak[i] < rule->for_seconds)
			continue;
		if (fire(s, r, i, post_ns, v, sec->end_ns, 0, 0))
			fired = true;
		s->streak[i] = 0;
	}
	return fired;
}

const struct trigger_fire *trigger__due(const struct trigger_state *s, uint64_t now_ns)
{
	return s->pending.rule >= 0 && now_ns >= s->pending.due_ns ? &s->pending : NULL;
}

const struct trigger_fire *trigger__waiting(const struct trigger_state *s)
{
	return s->pending.rule >= 0 ? &s->pending : NULL;
}

void trigger__taken(struct trigger_state *s)
{
	s->pending.rule = -1;
}
