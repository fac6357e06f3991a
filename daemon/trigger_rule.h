/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * trigger_rule.h - the dump triggers of dial9d.conf and --trigger: what
 * each rule measures, its threshold, hold-off, rate limit and scope.
 *
 *   [NAME:] METRIC > VALUE [for SECONDS] [holdoff=DURATION] [max-per-hour=N]
 *                          [exe=GLOB] [comm=GLOB]
 *
 * METRIC and VALUE: poll > 25ms (a poll or a stall longer than that),
 * latency-p99 > 5ms, queue > 100 (runnable tasks), lost > 0 (events lost in
 * a second), cost > 2% (the recorder's estimated share of a CPU).  The
 * grammar is in docs/CONFIG.md.
 */
#ifndef DIAL9D_TRIGGER_RULE_H
#define DIAL9D_TRIGGER_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

#define DIAL9_TRIGGERS_MAX 16
#define DIAL9_TRIGGER_NAME_MAX 31
#define DIAL9_TRIGGER_GLOB_MAX 255
#define DIAL9_TRIGGER_TEXT_MAX 384

struct dial9_trigger_rule {
	char name[DIAL9_TRIGGER_NAME_MAX + 1];
	enum dial9_trigger_metric metric;
	uint64_t threshold;      /* ns (poll, latency-p99), tasks, events, ppm of a CPU */
	uint32_t for_seconds;    /* consecutive seconds over the threshold (1: one) */
	uint64_t holdoff_ns;     /* after a firing, the rule sleeps this long */
	uint32_t max_per_hour;   /* dumps the rule may cause per process per hour */
	char exe[DIAL9_TRIGGER_GLOB_MAX + 1];  /* fnmatch glob, "" = any */
	char comm[DIAL9_TRIGGER_GLOB_MAX + 1]; /* fnmatch glob, "" = any */
};

struct dial9_trigger_rules {
	struct dial9_trigger_rule rule[DIAL9_TRIGGERS_MAX];
	uint32_t count;
};

#define DIAL9_TRIGGER_HOLDOFF_DEFAULT_NS (60ull * 1000000000ull)
#define DIAL9_TRIGGER_PER_HOUR_DEFAULT 6

/* Parse one rule and append it.  0, or -EINVAL / -E2BIG with the reason in
 * why ("'25' needs a unit: 25ms", "trigger name 'poll' given twice"). */
int dial9_trigger_rules__add(struct dial9_trigger_rules *r, const char *text, char *why,
			     size_t whylen);
/* The rule in the canonical form of the grammar ("slow: poll > 25ms
 * holdoff=60s max-per-hour=6"). */
void dial9_trigger_rule__format(const struct dial9_trigger_rule *rule, char *buf, size_t len);
/* Does rule apply to a process of this exe and comm (NULL: unknown, which
 * matches only an empty glob)? */
bool dial9_trigger_rule__applies(const struct dial9_trigger_rule *rule, const char *exe,
				 const char *comm);

#endif /* DIAL9D_TRIGGER_RULE_H */
