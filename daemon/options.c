// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* options.c - dial9d's settings, from one table (see options.h). */
#include <ctype.h>
#include <errno.h>
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>

#include "dial9_ctl.h"
#include "dump_dir.h"
#include "json_writer.h"
#include "options.h"

#define FIELD(f) offsetof(struct dial9d_settings, f), sizeof(((struct dial9d_settings *)0)->f)
#define S 1000000000ULL /* seconds, in ns */
#define K (1ULL << 10)
#define M (1ULL << 20)
#define G (1ULL << 30)
#define P (1ULL << 50)

const struct dial9_option dial9d_options[] = {
	{ "socket", 's', DIAL9_OPTION_PATH, FIELD(socket_path), 0, 0, 0, "/run/dial9/dial9d.sock",
	  "PATH", "control socket" },
	{ "state-dir", 'd', DIAL9_OPTION_PATH, FIELD(state_dir), 0, 0, 0, DIAL9_STATE_DIR_DEFAULT,
	  "DIR", "dumps go to DIR/dumps/UID (the dumped process's owner; DIR/dumps: root's, 0711)" },
	{ "journal-socket", 0, DIAL9_OPTION_PATH, FIELD(journal_socket), 0, 0, 0,
	  "/run/systemd/journal/socket", "PATH",
	  "each dump written is one structured journal entry sent here (MESSAGE_ID "
	  "d19a9b4c6e0f4f2a8d7c5b3a1e0f9d8c, DIAL9_PID, DIAL9_EXE, DIAL9_REASON, DIAL9_DUMP, "
	  "…) when it exists, else a line on stderr" },
	{ "metrics-file", 0, DIAL9_OPTION_PATH, FIELD(metrics_file), 0, 0, 0, NULL, "PATH",
	  "write every recorded process's figures (polls, wakes, long polls, stalls, lost "
	  "events, wake-to-poll latency, queue depth, mode, overhead) and the daemon's in the "
	  "Prometheus text format to PATH (mode 0644, replaced whole), for node_exporter's "
	  "textfile collector (e.g. /var/lib/prometheus/node-exporter/dial9.prom); its directory "
	  "must exist" },
	{ "metrics-interval", 0, DIAL9_OPTION_UINT, FIELD(metrics_interval_s), 1, 3600, 1, "15",
	  "SECONDS", "how often the metrics file is written" },
	{ "window", 'w', DIAL9_OPTION_UINT, FIELD(window_ns), 1, 3600, S, "30", "SECONDS",
	  "rolling window kept per process" },
	{ "max-bytes", 'm', DIAL9_OPTION_UINT, FIELD(max_bytes), M, 64 * G, 1, "64M", "N",
	  "memory budget of one window, its records compressed (about 4 bytes each: the "
	  "default holds 30 s at 250k events/s); when full, the oldest records are dropped "
	  "and counted as lost (lost_window)" },
	{ "ring-bytes", 'r', DIAL9_OPTION_POW2, FIELD(ring_bytes), 64 * K, G, 1, "4M", "N",
	  "BPF ring buffer per recorded process, a power of two" },
	{ "drain-ms", 0, DIAL9_OPTION_UINT, FIELD(drain_ms), 1, 1000, 1, "20", "N",
	  "how often the rings are drained, in ms" },
	{ "max-procs", 0, DIAL9_OPTION_UINT, FIELD(max_procs), 1, DIAL9_MAX_PROCS, 1, "256", "N",
	  "processes recorded at once" },
	{ "dump-on-exit", 0, DIAL9_OPTION_BOOL, FIELD(dump_on_exit), 0, 0, 0, "no", NULL,
	  "also dump when a recorded process exits normally" },
	{ "all", 'a', DIAL9_OPTION_BOOL, FIELD(all), 0, 0, 0, "no", NULL,
	  "discover Tokio processes system-wide (running ones and each new exec); the service "
	  "runs with it" },
	{ "debug-dir", 0, DIAL9_OPTION_DIR_LIST, FIELD(debuginfo), 0, 0, 0, NULL, "DIR",
	  "where stripped programs' debug files are looked for (DIR/.build-id/xx/yyyy.debug, "
	  ".gnu_debuglink names), in order, before /usr/lib/debug; repeatable, up to 16; the "
	  "command line's list replaces the file's; DEBUGINFOD_URLS set: debuginfod too" },
	{ "trigger", 0, DIAL9_OPTION_TRIGGER_LIST, FIELD(triggers), 0, 0, 0, NULL, "RULE",
	  "a dump trigger: '[NAME:] METRIC > VALUE [for SECONDS] [holdoff=60s] "
	  "[max-per-hour=6] [exe=GLOB] [comm=GLOB]', METRIC one of poll (a poll or stall longer "
	  "than VALUE, like 25ms), latency-p99, queue, lost, cost (docs/CONFIG.md); "
	  "repeatable, up to 16; the command line's list replaces the file's" },
	{ "post-trigger", 0, DIAL9_OPTION_UINT, FIELD(post_trigger_ns), 0, 300, S, "5", "SECONDS",
	  "a triggered dump is written this long after its trigger fired, so the window holds "
	  "the aftermath too" },
	{ "poll-threshold-us", 0, DIAL9_OPTION_UINT, FIELD(poll_threshold_ns), 0, 10000000, 1000,
	  "1000", "N", "polls shorter than N µs are counted per task, not recorded one by one "
	  "(0: record every poll)" },
	{ "overhead-budget", 0, DIAL9_OPTION_PERCENT, FIELD(overhead_budget), 0, 100, 0, "1",
	  "PCT", "keep each process's estimated recording cost under PCT of one CPU by "
	  "duty-cycling the poll/wake probes (0: never)" },
	{ "hit-cost-ns", 0, DIAL9_OPTION_UINT, FIELD(hit_cost_ns), 1, 10000000, 1, "1000", "N",
	  "the governor's estimate of one probe hit" },
	{ "cpu-sample-hz", 0, DIAL9_OPTION_UINT, FIELD(cpu_sample_hz), 0, 10000, 1, "997", "N",
	  "the CPU sampler: this many samples a second on each CPU, recorded for the threads "
	  "of recorded processes with the task Tokio polls there, in every mode (0: off)" },
	{ "panic-dumps-per-min", 0, DIAL9_OPTION_UINT, FIELD(panic_dumps_per_min), 1, 8, 1, "3",
	  "N", "panic dumps per process per minute" },
	{ "max-dumps", 0, DIAL9_OPTION_UINT, FIELD(max_dumps), 1, 1000000, 1, "100", "N",
	  "files kept in the dumps directory; room is made before a dump is written: crash "
	  "dumps (panic, signal, OOM kill, exit) first, then triggered, then request dumps, "
	  "oldest first within a rank (the uid holding the most loses first)" },
	{ "max-dump-bytes", 0, DIAL9_OPTION_UINT, FIELD(max_dump_bytes), M, P, 1, "1G", "N",
	  "bytes kept in the dumps directory" },
	{ "max-request-dumps", 0, DIAL9_OPTION_UINT, FIELD(max_request_dumps), 1, 1000000, 1,
	  "10", "N", "request dumps kept per uid (the dumped process's owner); a request dump "
	  "only ever removes its uid's own older request dumps" },
	{ "dump-reserve", 0, DIAL9_OPTION_UINT, FIELD(dump_reserve), 0, P, 1, "64M", "N",
	  "free disk space request dumps leave for crash dumps (at most a quarter of the file "
	  "system)" },
	{ "request-dumps-per-min", 0, DIAL9_OPTION_UINT, FIELD(request_dumps_per_min), 0, 60000, 1,
	  "10", "N", "dump requests a non-root uid may make per minute, in bursts of N "
	  "(0: no limit)" },
	{ "floor", 0, DIAL9_OPTION_BOOL, FIELD(floor), 0, 0, 0, "no", NULL,
	  "benchmarks only: empty programs at the same probe points" },
	{ "verbose", 'v', DIAL9_OPTION_BOOL, FIELD(verbose), 0, 0, 0, "no", NULL,
	  "more logging, libbpf debug output" },
};

const size_t dial9d_noptions = sizeof(dial9d_options) / sizeof(dial9d_options[0]);

int dial9_parse_size(const char *s, uint64_t *out)
{
	static const char suffixes[] = "KMG";
	unsigned long long v;
	const char *at;
	char *end;
	int shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end && (at = strchr(suffixes, toupper((unsigned char)*end)))) {
		shift = 10 * (int)(at - suffixes + 1);
		end++;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static void *field(const struct dial9_option *o, struct dial9d_settings *s)
{
	return (char *)s + o->offset;
}

static uint64_t get_uint(const struct dial9_option *o, const struct dial9d_settings *s)
{
	const char *p = (const char *)s + o->offset;

	return o->size == 4 ? *(const uint32_t *)p : *(const uint64_t *)p;
}

int dial9_option__set(const struct dial9_option *o, struct dial9d_settings *s, const char *v,
		      char *why, size_t whylen)
{
	uint64_t n;

	switch (o->kind) {
	case DIAL9_OPTION_UINT:
	case DIAL9_OPTION_POW2:
		if (dial9_parse_size(v, &n) || n < o->min || n > o->max) {
			snprintf(why, whylen, "'%s' is not a size in %llu..%llu (K/M/G suffixes allowed)",
				 v, (unsigned long long)o->min, (unsigned long long)o->max);
			return -EINVAL;
		}
		if (o->kind == DIAL9_OPTION_POW2 && (n & (n - 1))) {
			snprintf(why, whylen, "%s must be a power of two", o->name);
			return -EINVAL;
		}
		n *= o->scale;
		if (o->size == 4)
			*(uint32_t *)field(o, s) = (uint32_t)n;
		else
			*(uint64_t *)field(o, s) = n;
		return 0;
	case DIAL9_OPTION_PERCENT: {
		char *end;
		double pct;

		errno = 0;
		pct = strtod(v, &end);
		if (errno || end == v || *end || !(pct >= (double)o->min && pct <= (double)o->max)) {
			snprintf(why, whylen, "'%s' is not a percentage %llu..%llu", v,
				 (unsigned long long)o->min, (unsigned long long)o->max);
			return -EINVAL;
		}
		*(double *)field(o, s) = pct / 100.0;
		return 0;
	}
	case DIAL9_OPTION_BOOL:
		if (parse_bool(v, (bool *)field(o, s))) {
			snprintf(why, whylen, "'%s' is not yes or no", v);
			return -EINVAL;
		}
		return 0;
	case DIAL9_OPTION_PATH: {
		char **dst = field(o, s), *copy;

		if (*v != '/') {
			snprintf(why, whylen, "needs an absolute path");
			return -EINVAL;
		}
		copy = strdup(v);
		if (!copy) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		free(*dst);
		*dst = copy;
		return 0;
	}
	case DIAL9_OPTION_DIR_LIST: {
		char *dir = strdup(v);

		if (!dir) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		if (dial9_debuginfo_opts__add_dir(&s->debuginfo, dir, why, whylen)) {
			free(dir);
			return -EINVAL;
		}
		return 0;
	}
	case DIAL9_OPTION_TRIGGER_LIST:
		return dial9_trigger_rules__add(&s->triggers, v, why, whylen);
	}
	snprintf(why, whylen, "unknown kind of setting");
	return -EINVAL;
}

int dial9d_settings__init(struct dial9d_settings *s)
{
	char why[128];
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < dial9d_noptions; i++) {
		const struct dial9_option *o = &dial9d_options[i];
		int err;

		if (!o->def)
			continue;
		err = dial9_option__set(o, s, o->def, why, sizeof(why));
		if (err) {
			dial9d_settings__free(s);
			return err;
		}
	}
	return 0;
}

void dial9_option__clear_list(const struct dial9_option *o, struct dial9d_settings *s)
{
	size_t i;

	if (o->kind == DIAL9_OPTION_DIR_LIST) {
		for (i = 0; i < s->debuginfo.ndirs; i++)
			free((char *)s->debuginfo.dirs[i]);
		s->debuginfo.ndirs = 0;
	} else if (o->kind == DIAL9_OPTION_TRIGGER_LIST) {
		s->triggers.count = 0;
	}
}

void dial9d_settings__free(struct dial9d_settings *s)
{
	size_t i;

	if (!s)
		return;
	free(s->socket_path);
	free(s->state_dir);
	free(s->journal_socket);
	free(s->metrics_file);
	for (i = 0; i < dial9d_noptions; i++)
		if (dial9_option__is_list(&dial9d_options[i]))
			dial9_option__clear_list(&dial9d_options[i], s);
	memset(s, 0, sizeof(*s));
}

const struct dial9_option *dial9_option__find(const char *name)
{
	size_t i;

	for (i = 0; i < dial9d_noptions; i++)
		if (!strcmp(dial9d_options[i].name, name))
			return &dial9d_options[i];
	return NULL;
}

/* "1..3600" or "power of two in 64K..1G", the range as written. */
static void range_text(const struct dial9_option *o, char *buf, size_t len)
{
	static const char suffixes[] = "KMG";
	uint64_t v[2] = { o->min, o->max };
	char part[2][32];
	int i;

	buf[0] = '\0';
	if (o->kind == DIAL9_OPTION_PATH || o->kind == DIAL9_OPTION_DIR_LIST) {
		snprintf(buf, len, "absolute path");
		return;
	}
	if (o->kind == DIAL9_OPTION_BOOL) {
		snprintf(buf, len, "yes / no");
		return;
	}
	if (o->kind == DIAL9_OPTION_TRIGGER_LIST) {
		snprintf(buf, len, "a rule");
		return;
	}
	for (i = 0; i < 2; i++) {
		int s = 0;

		while (v[i] && v[i] % 1024 == 0 && s < 3) {
			v[i] /= 1024;
			s++;
		}
		if (s)
			snprintf(part[i], sizeof(part[i]), "%llu%c", (unsigned long long)v[i],
				 suffixes[s - 1]);
		else
			snprintf(part[i], sizeof(part[i]), "%llu", (unsigned long long)v[i]);
	}
	snprintf(buf, len, "%s%s..%s%s", o->kind == DIAL9_OPTION_POW2 ? "power of two, " : "",
		 part[0], part[1], o->kind == DIAL9_OPTION_PERCENT ? " %" : "");
}

/* text from column `at` on, words wrapped before column 80 */
static void wrapped(FILE *f, const char *text, int at)
{
	int col = at;

	while (*text) {
		int word = (int)strcspn(text, " ");

		if (col > at && col + 1 + word > 79) {
			fprintf(f, "\n%*s", at, "");
			col = at;
		} else if (col > at) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", word, text);
		col += word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

void dial9d_options__usage(FILE *f)
{
	size_t i;

	for (i = 0; i < dial9d_noptions; i++) {
		const struct dial9_option *o = &dial9d_options[i];
		char head[64], help[1024];

		if (o->short_name)
			snprintf(head, sizeof(head), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(head, sizeof(head), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		snprintf(help, sizeof(help), "%s%s%s%s", o->help,
			 o->def && o->kind != DIAL9_OPTION_BOOL ? " (default " : "",
			 o->def && o->kind != DIAL9_OPTION_BOOL ? o->def : "",
			 o->def && o->kind != DIAL9_OPTION_BOOL ? ")" : "");
		fprintf(f, "  %-30s ", head);
		wrapped(f, help, 33);
	}
}

void dial9d_settings__write_json(const struct dial9d_settings *s, struct json_writer *w)
{
	size_t i;

	json_writer__begin_object(w);
	for (i = 0; i < dial9d_noptions; i++) {
		const struct dial9_option *o = &dial9d_options[i];
		const char *p = (const char *)s + o->offset;

		switch (o->kind) {
		case DIAL9_OPTION_UINT:
		case DIAL9_OPTION_POW2:
			json_writer__kv_u64(w, o->name, get_uint(o, s) / o->scale);
			break;
		case DIAL9_OPTION_PERCENT:
			json_writer__kv_double(w, o->name, *(const double *)p * 100.0);
			break;
		case DIAL9_OPTION_BOOL:
			json_writer__kv_bool(w, o->name, *(const bool *)p);
			break;
		case DIAL9_OPTION_PATH:
			json_writer__kv_string(w, o->name, *(char *const *)p);
			break;
		case DIAL9_OPTION_DIR_LIST:
			json_writer__key(w, o->name);
			json_writer__begin_array(w);
			for (size_t j = 0; j < s->debuginfo.ndirs; j++)
				json_writer__string(w, s->debuginfo.dirs[j]);
			json_writer__end_array(w);
			break;
		case DIAL9_OPTION_TRIGGER_LIST:
			json_writer__key(w, o->name);
			json_writer__begin_array(w);
			for (uint32_t j = 0; j < s->triggers.count; j++) {
				char text[2 * DIAL9_TRIGGER_TEXT_MAX];

				dial9_trigger_rule__format(&s->triggers.rule[j], text, sizeof(text));
				json_writer__string(w, text);
			}
			json_writer__end_array(w);
			break;
		}
	}
	json_writer__end_object(w);
}

void dial9d_options__markdown(FILE *f)
{
	size_t i;

	fputs("| option | file key | default | range | meaning |\n|---|---|---|---|---|\n", f);
	for (i = 0; i < dial9d_noptions; i++) {
		const struct dial9_option *o = &dial9d_options[i];
		char range[128];

		range_text(o, range, sizeof(range));
		fprintf(f, "| `");
		if (o->short_name)
			fprintf(f, "-%c, ", o->short_name);
		fprintf(f, "--%s%s%s` | `%s` | %s | %s | %s |\n", o->name, o->arg ? " " : "",
			o->arg ? o->arg : "", o->name,
			o->def ? o->def : "none", range, o->help);
	}
}
