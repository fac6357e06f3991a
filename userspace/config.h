/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * config.h - dial9d's configuration file (/etc/dial9/dial9d.conf): daemon
 * settings and the include/exclude rules of system-wide discovery.
 * The syntax is documented in docs/CONFIG.md.
 */
#ifndef DIAL9_CONFIG_H
#define DIAL9_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debuginfo.h"

#define DIAL9_CONFIG_DEFAULT_PATH "/etc/dial9/dial9d.conf"
#define DIAL9_CONFIG_MAX_BYTES (1u << 20)  /* larger files are refused */
#define DIAL9_RULES_MAX 64                 /* patterns per rule list */
#define DIAL9_PATTERN_MAX 255              /* bytes per pattern */

enum dial9_rule_field { DIAL9_RULE_EXE = 0, DIAL9_RULE_COMM, DIAL9_RULE_CGROUP, DIAL9_RULE_FIELDS };

struct dial9_rule_list {
	char *patterns[DIAL9_RULES_MAX]; /* fnmatch(3) globs */
	uint32_t count;
};

struct dial9_rules {
	struct dial9_rule_list include[DIAL9_RULE_FIELDS];
	struct dial9_rule_list exclude[DIAL9_RULE_FIELDS];
};

/* Ranges of the retention settings, for the file and the command line. */
#define DIAL9_MAX_DUMPS_MAX 1000000ULL
#define DIAL9_MAX_REQUEST_DUMPS_MAX 1000000ULL
#define DIAL9_DUMP_RESERVE_MAX (1ULL << 50)
#define DIAL9_REQUEST_DUMPS_PER_MIN_MAX 60000ULL

/* Each value is meaningful only when its has_ flag is set. */
struct dial9_config {
	bool has_window, has_max_bytes, has_ring_bytes, has_max_procs, has_dump_on_exit;
	bool has_max_dumps, has_max_dump_bytes, has_all, has_state_dir, has_socket;
	bool has_poll_threshold, has_overhead_budget, has_hit_cost;
	bool has_max_request_dumps, has_dump_reserve, has_request_dumps_per_min;
	uint64_t max_request_dumps;
	uint64_t dump_reserve;
	uint64_t request_dumps_per_min;
	uint64_t poll_threshold_us;
	double overhead_budget_pct;
	uint64_t hit_cost_ns;
	uint64_t window_s;
	uint64_t max_bytes;
	uint64_t ring_bytes;
	uint64_t max_procs;
	bool dump_on_exit;
	uint64_t max_dumps;
	uint64_t max_dump_bytes;
	bool all;
	char *state_dir;
	char *socket;
	struct dial9_rules rules;
	struct dial9_debuginfo_opts debuginfo; /* debug-dir lines, in order (strings owned) */
};

void dial9_config__init(struct dial9_config *c);
void dial9_config__free(struct dial9_config *c);

/* Parse a whole configuration text.  0, or -EINVAL with "line N: reason" in
 * err.  On error c holds what was parsed before the bad line. */
int dial9_config__parse(const char *text, size_t len, struct dial9_config *c, char *err,
			size_t errlen);

/* Read and parse path.  -ENOENT when the file does not exist (not an error
 * for the default path), other negative errno otherwise, with err set. */
int dial9_config__load(const char *path, struct dial9_config *c, char *err, size_t errlen);

/* "64M" -> 67108864; K, M, G suffixes (powers of 1024).  0 or -EINVAL. */
int dial9_parse_size(const char *s, uint64_t *out);

/* Should system-wide discovery record this process?  Any exclude match says
 * no; otherwise yes when there are no include rules or one matches.  NULL
 * fields (unknown) match no pattern. */
bool dial9_rules__match(const struct dial9_rules *r, const char *exe, const char *comm,
			const char *cgroup);

#endif /* DIAL9_CONFIG_H */
