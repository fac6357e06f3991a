/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * options.h - dial9d's settings and the one table that describes them: name,
 * field, range, default and help.  The command line, the configuration file,
 * --help, `dial9ctl status` and the tables in README.md and docs/CONFIG.md
 * all come from it.
 */
#ifndef DIAL9_OPTIONS_H
#define DIAL9_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "debuginfo.h"
#include "trigger_rule.h"

struct json_writer;

/* What the command line and the configuration file set.  Strings are owned
 * (dial9d_settings__free). */
struct dial9d_settings {
	char *socket_path;          /* control socket */
	char *state_dir;            /* dumps go to STATE_DIR/dumps */
	char *journal_socket;       /* journald's native socket: an entry per dump */
	char *metrics_file;         /* the Prometheus text file, NULL: none */
	uint32_t metrics_interval_s; /* how often it is written */
	uint64_t window_ns;         /* rolling window span per process */
	uint64_t max_bytes;         /* window byte budget per process */
	uint32_t ring_bytes;        /* BPF ring buffer per process */
	uint32_t drain_ms;          /* ring drain period */
	uint32_t max_procs;         /* processes recorded at once */
	uint32_t panic_dumps_per_min; /* panic dumps per process per minute */
	uint64_t max_dumps;         /* retention: files kept in the dumps directory */
	uint64_t max_dump_bytes;    /* retention: bytes kept in the dumps directory */
	uint64_t max_request_dumps; /* retention: request dumps kept per uid */
	uint64_t dump_reserve;      /* retention: free bytes request dumps leave to crash dumps */
	uint32_t request_dumps_per_min; /* per non-root client uid (0: no limit) */
	bool dump_on_exit;          /* dump a window when its process exits normally */
	bool all;                   /* discover Tokio processes system-wide */
	uint64_t poll_threshold_ns; /* shorter polls are counted, not recorded (0: all) */
	double overhead_budget;     /* governor: fraction of one CPU per process (0: off) */
	uint64_t hit_cost_ns;       /* governor: estimated cost of one probe hit */
	uint32_t cpu_sample_hz;     /* CPU sampler rate per CPU (0: off) */
	bool floor;                 /* benchmarks: empty programs at the same points */
	bool verbose;
	struct dial9_debuginfo_opts debuginfo; /* debug-dir: where debug files are looked for */
	struct dial9_trigger_rules triggers; /* trigger: dumps nobody asked for */
	uint64_t post_trigger_ns;   /* a triggered dump waits this long for the aftermath */
};

enum dial9_option_kind {
	DIAL9_OPTION_UINT,      /* an integer with K/M/G suffixes in min..max, stored x scale */
	DIAL9_OPTION_POW2,      /* the same, and a power of two */
	DIAL9_OPTION_PERCENT,   /* a percentage min..max, stored as a fraction (double) */
	DIAL9_OPTION_BOOL,      /* yes/no in the file; a flag on the command line */
	DIAL9_OPTION_PATH,      /* an absolute path */
	DIAL9_OPTION_DIR_LIST,  /* debug-dir: an absolute path, repeatable */
	DIAL9_OPTION_TRIGGER_LIST, /* trigger: a rule (trigger_rule.h), repeatable */
};

struct dial9_option {
	const char *name;       /* the file's key and --name */
	char short_name;        /* -x, or 0 */
	enum dial9_option_kind kind;
	size_t offset;          /* of the field in struct dial9d_settings */
	size_t size;            /* of the field (integers: 4 or 8 bytes) */
	uint64_t min, max;      /* in the unit written */
	uint64_t scale;         /* unit written -> field (e.g. 1000000000 for seconds) */
	const char *def;        /* the default as written */
	const char *arg;        /* "SECONDS", "N", "PATH"; NULL for a flag */
	const char *help;
};

extern const struct dial9_option dial9d_options[];
extern const size_t dial9d_noptions;

/* The defaults.  0 or -ENOMEM. */
int dial9d_settings__init(struct dial9d_settings *s);
void dial9d_settings__free(struct dial9d_settings *s);

const struct dial9_option *dial9_option__find(const char *name);
/* Set o in s from the text v ("yes" for a flag).  0 or -EINVAL/-ENOMEM with
 * why ("'0' is not a size in 1..3600 (K/M/G suffixes allowed)"). */
int dial9_option__set(const struct dial9_option *o, struct dial9d_settings *s, const char *v,
		      char *why, size_t whylen);

/* Empty a repeatable setting (the command line's list replaces the file's). */
void dial9_option__clear_list(const struct dial9_option *o, struct dial9d_settings *s);
static inline bool dial9_option__is_list(const struct dial9_option *o)
{
	return o->kind == DIAL9_OPTION_DIR_LIST || o->kind == DIAL9_OPTION_TRIGGER_LIST;
}

/* "  -w, --window SECONDS   rolling window kept per process (default 30)"
 * lines for --help. */
void dial9d_options__usage(FILE *f);
/* The settings in force as a JSON object, keyed by option name, in the unit
 * written (`dial9ctl status`). */
void dial9d_settings__write_json(const struct dial9d_settings *s, struct json_writer *w);
/* The Markdown table of README.md and docs/CONFIG.md. */
void dial9d_options__markdown(FILE *f);

/* "64M" -> 67108864; K, M, G suffixes (powers of 1024).  0 or -EINVAL. */
int dial9_parse_size(const char *s, uint64_t *out);

#endif /* DIAL9_OPTIONS_H */
