/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * config.h - dial9d's configuration file (/etc/dial9/dial9d.conf): the
 * settings of options.h's table, and the include/exclude rules of
 * system-wide discovery.
 * The syntax is documented in docs/CONFIG.md.
 */
#ifndef DIAL9_CONFIG_H
#define DIAL9_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

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

/* A configuration: the settings (defaults, then the file's) and the rules. */
struct dial9_config {
	struct dial9d_settings s;
	struct dial9_rules rules;
};

/* The defaults, no rules.  0 or -ENOMEM. */
int dial9_config__init(struct dial9_config *c);
void dial9_config__free(struct dial9_config *c);

/* Parse a whole configuration text.  0, or -EINVAL with "line N: reason" in
 * err.  On error c holds what was parsed before the bad line. */
int dial9_config__parse(const char *text, size_t len, struct dial9_config *c, char *err,
			size_t errlen);

/* Read and parse path.  -ENOENT when the file does not exist (not an error
 * for the default path), other negative errno otherwise, with err set. */
int dial9_config__load(const char *path, struct dial9_config *c, char *err, size_t errlen);

/* Should system-wide discovery record this process?  Any exclude match says
 * no; otherwise yes when there are no include rules or one matches.  NULL
 * fields (unknown) match no pattern. */
bool dial9_rules__match(const struct dial9_rules *r, const char *exe, const char *comm,
			const char *cgroup);

#endif /* DIAL9_CONFIG_H */
