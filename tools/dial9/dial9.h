/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* dial9.h - shared pieces of the dial9 dump reader command line tool. */
#ifndef DIAL9_TOOL_H
#define DIAL9_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis.h"
#include "json_writer.h"

/* Options a command accepts (bit mask) and their parsed values. */
enum {
	OPT_JSON = 1 << 0,
	OPT_PRETTY = 1 << 1,
	OPT_SORT = 1 << 2,
	OPT_LIMIT = 1 << 3,
	OPT_DOT = 1 << 4,
	OPT_RANGE = 1 << 5, /* --from, --to */
	OPT_OUTPUT = 1 << 6, /* -o FILE */
	OPT_FORMAT = 1 << 7, /* --format NAME */
	OPT_MAX_EVENTS = 1 << 8, /* --max-events N */
	OPT_INTERVAL = 1 << 9, /* --interval MS */
	OPT_BY = 1 << 10,      /* --by task|location */
};

struct options {
	bool json, pretty, dot;
	enum dial9_task_sort sort;
	uint64_t limit;         /* 0 = no limit */
	bool has_from, has_to;
	uint64_t from_ns, to_ns; /* offsets from window start */
	const char *args[2];    /* positional arguments */
	const char *output;     /* -o FILE, NULL if not given */
	const char *format;     /* --format NAME, NULL if not given */
	uint64_t max_events;    /* --max-events N, 0: the reader's default */
	uint64_t interval_ns;   /* --interval MS, 0: not given */
	bool by_location;       /* --by location (profile) */
	int nargs;
};

struct cmd {
	const char *name;
	int (*run)(const struct options *o); /* 0 or negative errno, message printed */
	unsigned int opts;       /* OPT_* accepted */
	int nargs;               /* positional arguments required */
	const char *args_help;   /* e.g. "FILE ID" */
	const char *help;        /* one line */
	const char *opts_help;   /* option lines, may be NULL */
};

/* The loaded dump and its analysis. */
struct loaded {
	struct dial9_dump *dump;
	struct dial9_analysis *a;
};

/* Print "Error: <message>" as one line on stderr (control characters in the
 * message are replaced). */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With --json: every error also goes to stdout as {"error": "<message>"}. */
void p_err_json(bool on);

/* Read FILE (o->args[0], within o->max_events) and analyse it; for_text:
 * replace control characters in the dump's strings.  0 or negative errno
 * (message printed). */
int load(const struct options *o, bool for_text, struct loaded *l);
/* Analyse d (taken over, freed on failure too) into l.  0 or negative errno
 * (message printed, name first). */
int loaded__init(struct loaded *l, struct dial9_dump *d, bool for_text, const char *name);
void loaded__free(struct loaded *l);
/* Replace control characters (terminal escapes, newlines) in the dump's
 * strings, in place, for text output. */
void dump_sanitize(struct dial9_dump *d);

/* What a command shows of a loaded dump: 0 or negative errno (message
 * printed).  run_view loads o->args[0] (for text unless o->json), runs view
 * and frees. */
typedef int (*view_fn)(const struct options *o, const struct loaded *l);
int run_view(const struct options *o, view_fn view);

/* -o FILE written atomically (see atomic_file.h), mode 0666 & ~umask as
 * fopen would.  NULL on failure (message printed). */
struct atomic_file;
FILE *output_open(struct atomic_file *f, const char *path);
/* err == 0: commit the file at path, else drop it.  Returns err, or the
 * commit's error (message printed). */
int output_close(struct atomic_file *f, const char *path, int err);

/* JSON output on stdout per the options; NULL on failure (message printed). */
struct json_writer *json_out(const struct options *o);
/* Finish the JSON document; 0 or negative errno (message printed). */
int json_done(struct json_writer *w);
/* Flush stdout and report write errors.  0 or negative errno. */
int text_done(void);

/* Formatting into caller buffers (at least FMT_LEN bytes). */
#define FMT_LEN 64
const char *fmt_dur(char *buf, uint64_t ns);              /* "40.00ms" */
const char *fmt_dur_bound(char *buf, uint64_t ns, bool bound); /* "≤40.00ms" if bound */
const char *fmt_rel(char *buf, const struct dial9_analysis *a, uint64_t ts); /* "+1.234ms" */
const char *fmt_node(char *buf, const struct dial9_node *n); /* "task 17", "timer" */
const char *fmt_u64(char *buf, uint64_t v);
/* A thread as the dump names it, "tokio-runtime-w (4250)"; the bare tid
 * when the dump does not (no thread table before version 4). */
const char *fmt_thread(char *buf, const struct dial9_analysis *a, uint32_t tid);
const char *fmt_u64_if(char *buf, bool known, uint64_t v); /* "?" unless known */
/* "unknown (no spawn probe: …)" for a figure the recording cannot vouch for,
 * into buf (len bytes; UNKNOWN_LEN holds every reason). */
#define UNKNOWN_LEN (DIAL9_WHY_LEN + 16)
const char *fmt_unknown(const struct dial9_analysis *a, enum dial9_figure f, char *buf,
			size_t len);

/* For a dump missing probe classes, one line naming them and what each
 * costs ("not recorded: no spawn probe: …; no wake probe: …"). */
void print_probes_note(const struct dial9_analysis *a);

/* Print s padded to width display columns (UTF-8 aware), then two spaces.
 * right: right-align. */
void cell(const char *s, int width, bool right);

/* An aligned text table: columns sized to their widest cell.  row() fills
 * cells[0 .. ncols-2] for row i and returns the last column's text (left
 * aligned, unpadded, may be NULL).  At most TABLE_MAX_COLS columns. */
#define TABLE_MAX_COLS 16
typedef const char *(*table_row_fn)(void *ctx, uint64_t i, char cells[][FMT_LEN]);
void print_table(const char *const *heads, const bool *right, int ncols, uint64_t nrows,
		 table_row_fn row, void *ctx);

/* JSON helpers shared by commands.  The _if ones write null unless known. */
void json_u64_if(struct json_writer *w, const char *key, bool known, uint64_t v);
void json_bool_if(struct json_writer *w, const char *key, bool known, bool v);
/* key, when the recording vouches for f (true: the caller writes the
 * value); else key: null and false. */
bool json_key_if(struct json_writer *w, const char *key, const struct dial9_analysis *a,
		 enum dial9_figure f);
/* The longest wake chain's "length", "first_waker" and "tasks" in the
 * current object. */
void json_chain(struct json_writer *w, const struct dial9_wakegraph *g);
void json_node(struct json_writer *w, const char *key, const struct dial9_node *n);
/* tid_key: tid, and beside it PREFIX"thread_name" and PREFIX"thread_role"
 * (tid_key "reason_tid": "reason_thread_name", …), null when the dump does
 * not say. */
void json_thread(struct json_writer *w, const char *tid_key, const struct dial9_analysis *a,
		 uint32_t tid);
/* A thread's tid, name, role, polls, busy and idle time (null where the
 * recording cannot vouch for them), in the current object. */
void json_thread_totals(struct json_writer *w, const struct dial9_analysis *a,
			const struct dial9_thread *th);
void json_task(struct json_writer *w, const struct dial9_analysis *a,
	       const struct dial9_task_info *t);

int cmd_summary(const struct options *o);
int cmd_tasks(const struct options *o);
int cmd_task(const struct options *o);
int cmd_wakegraph(const struct options *o);
int cmd_timeline(const struct options *o);
int cmd_metrics(const struct options *o); /* metrics.c */
int cmd_profile(const struct options *o); /* profile.c */
int cmd_report(const struct options *o);  /* report.c */
int cmd_export(const struct options *o);  /* export_perfetto.c */

/* The views behind them, on stdout (for tests/fuzz/ as well).  view_task
 * takes the task id from o->args[1]. */
int view_summary(const struct options *o, const struct loaded *l);
int view_tasks(const struct options *o, const struct loaded *l);
int view_task(const struct options *o, const struct loaded *l);
int view_wakegraph(const struct options *o, const struct loaded *l);
int view_timeline(const struct options *o, const struct loaded *l);
int view_metrics(const struct options *o, const struct loaded *l);
int view_profile(const struct options *o, const struct loaded *l);

/* The CPU sampler's part of `dial9 summary` (profile.c). */
void cpu_summary_text(const struct dial9_analysis *a); /* the "cpu" line */
void cpu_runs_text(const struct dial9_analysis *a);    /* the longest on-CPU runs */
void cpu_summary_json(const struct dial9_analysis *a, struct json_writer *w);

/* A CPU profile row: a task, or a spawn location (string id), with the
 * functions its samples ran in, most first; key 0: samples outside any task
 * (or, by location, of tasks whose location is unknown). */
#define CPU_PROFILE_FUNCS 6
struct cpu_profile_row {
	uint64_t key;
	uint64_t samples;
	uint32_t func[CPU_PROFILE_FUNCS];
	uint64_t func_n[CPU_PROFILE_FUNCS];
};

/* The rows, most samples first, malloc'd into *out.  0 or -ENOMEM. */
int cpu_profile(const struct dial9_analysis *a, bool by_location, struct cpu_profile_row **out,
		uint64_t *nrows);
/* Task id argument: 0, or -EINVAL with the message printed. */
int parse_task_id(const char *s, uint64_t *id);

#endif /* DIAL9_TOOL_H */
