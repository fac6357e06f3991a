/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * trigger.h - dump triggers at work on one process: each rule's hold-off,
 * rate limit and streak of seconds, and the triggered dump waiting for its
 * aftermath (--post-trigger).  Pure logic on what the daemon measures
 * anyway: a long poll or stall as it arrives, the figures of each second.
 */
#ifndef DIAL9D_TRIGGER_H
#define DIAL9D_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

#include "trigger_rule.h"

/* A rule that fired: what the triggered dump records. */
struct trigger_fire {
	int rule;              /* index in the rules, -1: none */
	uint32_t metric;       /* enum dial9_trigger_metric */
	uint64_t value;        /* measured, in the metric's unit */
	uint64_t threshold;
	uint64_t fired_ns;     /* CLOCK_MONOTONIC: the poll's end, the second's end */
	uint64_t due_ns;       /* the dump is written then */
	uint32_t tid;          /* poll: its thread and task, else 0 */
	uint64_t task;
};

/* One second of a process, as triggers see it.  A figure the recording
 * could not observe that second has its *_observed false. */
struct trigger_second {
	uint64_t end_ns;
	bool latency_observed;
	uint64_t latency_p99_ns;
	bool queue_observed;
	uint64_t queue_max;
	uint64_t lost;         /* events lost that second (ring and window budget) */
	uint64_t cost_ppm;     /* the recorder's estimated share of a CPU */
};

struct trigger_state {
	uint32_t applies;                          /* bit i: rule i covers this process */
	uint64_t last_fire_ns[DIAL9_TRIGGERS_MAX]; /* 0: never */
	double tokens[DIAL9_TRIGGERS_MAX];         /* dumps left this hour (bucket) */
	uint64_t tokens_at_ns[DIAL9_TRIGGERS_MAX];
	uint32_t streak[DIAL9_TRIGGERS_MAX];       /* consecutive seconds over */
	struct trigger_fire pending;               /* rule -1: no triggered dump waiting */
	uint64_t fired;                            /* firings that made a dump wait */
	uint64_t absorbed;                         /* ... while one was already waiting */
	uint64_t held_off;                         /* ... in a rule's hold-off */
	uint64_t rate_limited;                     /* ... past max-per-hour */
};

/* A process's state: the rules covering it from its exe and comm. */
void trigger__init(struct trigger_state *s, const struct dial9_trigger_rules *r,
		   const char *exe, const char *comm);
/* A poll (or a stall) of dur_ns ended at end_ns on tid; true when a rule
 * fired and a triggered dump now waits until end_ns + post_ns. */
bool trigger__on_long(struct trigger_state *s, const struct dial9_trigger_rules *r,
		      uint64_t post_ns, uint64_t dur_ns, uint64_t end_ns, uint32_t tid,
		      uint64_t task);
/* A second of the process is complete; true when a rule fired. */
bool trigger__on_second(struct trigger_state *s, const struct dial9_trigger_rules *r,
			uint64_t post_ns, const struct trigger_second *sec);
/* The triggered dump due at now, or NULL; trigger__taken() once written. */
const struct trigger_fire *trigger__due(const struct trigger_state *s, uint64_t now_ns);
const struct trigger_fire *trigger__waiting(const struct trigger_state *s);
void trigger__taken(struct trigger_state *s);

#endif /* DIAL9D_TRIGGER_H */
