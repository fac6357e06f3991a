// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* common.c - errors, loading, formatting and JSON helpers for dial9. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "atomic_file.h"
#include "dial9.h"
#include "probe_classes.h"

static bool errors_as_json;

void p_err_json(bool on)
{
	errors_as_json = on;
}

void p_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fflush(stdout);
	fprintf(stderr, "Error: %s\n", buf);
	if (errors_as_json) /* the same, for whoever reads stdout as JSON */
		json_writer__error_line(stdout, buf);
}

/* Replace control characters (terminal escapes, newlines) in place. */
static void sanitize(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Text output prints strings from the dump as they are: make them safe for
 * a terminal first.  JSON output escapes them instead. */
void dump_sanitize(struct dial9_dump *d)
{
	uint32_t i;

	for (i = 0; i < d->strings.count; i++)
		sanitize(d->strings.strings[i]);
	sanitize(d->meta.exe);
	sanitize(d->meta.hostname);
	sanitize(d->meta.comm);
	sanitize(d->meta.build_id);
	for (i = 0; i < d->nthreads; i++)
		sanitize(d->threads[i].name);
}

int loaded__init(struct loaded *l, struct dial9_dump *d, bool for_text, const char *name)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->dump = d;
	if (for_text)
		dump_sanitize(d);
	l->a = dial9_analysis__new(d);
	if (!l->a) {
		ret = -errno;
		p_err("%s: analysis failed: %s", name, strerror(errno));
		loaded__free(l);
		return ret;
	}
	return 0;
}

int load(const struct options *o, bool for_text, struct loaded *l)
{
	struct dial9_read_opts ropts = { .max_events = o->max_events };
	const char *path = o->args[0];
	struct dial9_dump *d = NULL;
	char err[256] = "";
	int ret;

	memset(l, 0, sizeof(*l));
	ret = dial9_dump__read_opts(path, &ropts, &d, err, sizeof(err));
	if (ret == -E2BIG) {
		p_err("%s: %s; raise it with --max-events N (up to %llu)", path, err,
		      (unsigned long long)DIAL9_DUMP_MAX_EVENTS);
		return ret;
	}
	if (ret) {
		p_err("%s: %s", path, err[0] ? err : strerror(-ret));
		return ret < 0 ? ret : -EIO;
	}
	return loaded__init(l, d, for_text, path);
}

void loaded__free(struct loaded *l)
{
	dial9_analysis__free(l->a);
	dial9_dump__free(l->dump);
	l->a = NULL;
	l->dump = NULL;
}

int run_view(const struct options *o, view_fn view)
{
	struct loaded l;
	int err;

	err = load(o, !o->json, &l);
	if (err)
		return err;
	err = view(o, &l);
	loaded__free(&l);
	return err;
}

FILE *output_open(struct atomic_file *f, const char *path)
{
	mode_t mask = umask(0);
	FILE *out;
	int err;

	umask(mask);
	err = atomic_file__open(f, path, 0666 & ~mask);
	if (err) {
		p_err("%s: %s", path, strerror(-err));
		return NULL;
	}
	out = atomic_file__stream(f);
	if (!out) {
		p_err("%s: %s", path, strerror(errno));
		atomic_file__abort(f);
	}
	return out;
}

int output_close(struct atomic_file *f, const char *path, int err)
{
	if (err) {
		atomic_file__abort(f);
		return err;
	}
	err = atomic_file__commit(f);
	if (err)
		p_err("writing %s: %s", path, strerror(-err));
	return err;
}

struct json_writer *json_out(const struct options *o)
{
	struct json_writer *w = json_writer__new(stdout, o->pretty ? JSON_WRITER_PRETTY : 0);

	if (!w)
		p_err("out of memory");
	return w;
}

int json_done(struct json_writer *w)
{
	int err = json_writer__finish(w);

	json_writer__free(w);
	if (err)
		p_err("writing JSON: %s", strerror(-err));
	return err;
}

int text_done(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		p_err("writing output: %s", strerror(errno ? errno : EIO));
		return -EIO;
	}
	return 0;
}

const char *fmt_dur(char *buf, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, FMT_LEN, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, FMT_LEN, "%.1fµs", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, FMT_LEN, "%.2fms", ns / 1e6);
	else
		snprintf(buf, FMT_LEN, "%.3fs", ns / 1e9);
	return buf;
}

const char *fmt_dur_bound(char *buf, uint64_t ns, bool bound)
{
	char d[FMT_LEN];

	snprintf(buf, FMT_LEN, "%s%s", bound ? "≤" : "", fmt_dur(d, ns));
	return buf;
}

/* Offsets keep microsecond resolution: "+3.001ms", "+12.000250s". */
const char *fmt_rel(char *buf, const struct dial9_analysis *a, uint64_t ts)
{
	char sign = ts >= a->start_ns ? '+' : '-';
	uint64_t d = ts >= a->start_ns ? ts - a->start_ns : a->start_ns - ts;

	if (d < 1000000000)
		snprintf(buf, FMT_LEN, "%c%.3fms", sign, d / 1e6);
	else
		snprintf(buf, FMT_LEN, "%c%.6fs", sign, d / 1e9);
	return buf;
}

const char *fmt_node(char *buf, const struct dial9_node *n)
{
	if (n->kind == DIAL9_WAKER_TASK)
		snprintf(buf, FMT_LEN, "task %" PRIu64, n->task_id);
	else
		snprintf(buf, FMT_LEN, "%s", dial9_waker_kind_name(n->kind));
	return buf;
}

const char *fmt_u64(char *buf, uint64_t v)
{
	snprintf(buf, FMT_LEN, "%" PRIu64, v);
	return buf;
}

const char *fmt_u64_if(char *buf, bool known, uint64_t v)
{
	return known ? fmt_u64(buf, v) : strcpy(buf, "?");
}

const char *fmt_unknown(const struct dial9_analysis *a, enum dial9_figure f, char *buf,
			size_t len)
{
	char why[DIAL9_WHY_LEN];

	dial9_analysis__why_unknown(a, f, why, sizeof(why));
	snprintf(buf, len, "unknown (%s)", why);
	return buf;
}

void print_probes_note(const struct dial9_analysis *a)
{
	char why[DIAL9_WHY_LEN];

	if (dial9_probe_classes_missing(a->probes, why, sizeof(why)))
		printf("not recorded: %s\n", why);
}

/* Display columns of a UTF-8 string (every code point is one column). */
static int columns(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

void cell(const char *s, int width, bool right)
{
	int pad = width - columns(s);

	if (right)
		printf("%*s%s  ", pad > 0 ? pad : 0, "", s);
	else
		printf("%s%*s  ", s, pad > 0 ? pad : 0, "");
}

void print_table(const char *const *heads, const bool *right, int ncols, uint64_t nrows,
		 table_row_fn row, void *ctx)
{
	char cells[TABLE_MAX_COLS][FMT_LEN];
	int width[TABLE_MAX_COLS], c;
	const char *last;
	uint64_t i;

	if (ncols > TABLE_MAX_COLS)
		ncols = TABLE_MAX_COLS;
	for (c = 0; c < ncols - 1; c++)
		width[c] = columns(heads[c]);
	for (i = 0; i < nrows; i++) {
		row(ctx, i, cells);
		for (c = 0; c < ncols - 1; c++)
			if (columns(cells[c]) > width[c])
				width[c] = columns(cells[c]);
	}
	printf("  ");
	for (c = 0; c < ncols - 1; c++)
		cell(heads[c], width[c], right[c]);
	printf("%s\n", heads[ncols - 1]);
	for (i = 0; i < nrows; i++) {
		last = row(ctx, i, cells);
		printf("  ");
		for (c = 0; c < ncols - 1; c++)
			cell(cells[c], width[c], right[c]);
		printf("%s\n", last ? last : "");
	}
}

void json_u64_if(struct json_writer *w, const char *key, bool known, uint64_t v)
{
	if (known)
		json_writer__kv_u64(w, key, v);
	else
		json_writer__kv_null(w, key);
}

void json_bool_if(struct json_writer *w, const char *key, bool known, bool v)
{
	if (known)
		json_writer__kv_bool(w, key, v);
	else
		json_writer__kv_null(w, key);
}

bool json_key_if(struct json_writer *w, const char *key, const struct dial9_analysis *a,
		 enum dial9_figure f)
{
	if (!dial9_analysis__knows(a, f)) {
		json_writer__kv_null(w, key);
		return false;
	}
	json_writer__key(w, key);
	return true;
}

void json_chain(struct json_writer *w, const struct dial9_wakegraph *g)
{
	uint64_t i;

	json_writer__kv_u64(w, "length", g->chain_len);
	json_writer__kv_string(w, "first_waker", g->chain_len ?
				dial9_waker_kind_name(g->chain_nodes[0].kind) : NULL);
	json_writer__key(w, "tasks");
	json_writer__begin_array(w);
	for (i = 0; g->chain_len && i <= g->chain_len; i++)
		if (g->chain_nodes[i].kind == DIAL9_WAKER_TASK)
			json_writer__u64(w, g->chain_nodes[i].task_id);
	json_writer__end_array(w);
}

void json_node(struct json_writer *w, const char *key, const struct dial9_node *n)
{
	json_writer__key(w, key);
	json_writer__begin_object(w);
	json_writer__kv_string(w, "kind", dial9_waker_kind_name(n->kind));
	if (n->kind == DIAL9_WAKER_TASK)
		json_writer__kv_u64(w, "task_id", n->task_id);
	else
		json_writer__kv_null(w, "task_id");
	json_writer__end_object(w);
}

void json_task(struct json_writer *w, const struct dial9_analysis *a,
	       const struct dial9_task_info *t)
{
	bool polls = dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	bool wakes = dial9_analysis__knows(a, DIAL9_FIG_WAKES);
	bool queue = dial9_analysis__knows(a, DIAL9_FIG_QUEUE);

	json_writer__begin_object(w);
	json_writer__kv_u64(w, "task_id", t->task_id);
	json_writer__kv_string(w, "location", dial9_analysis__task_location(a, t));
	json_writer__kv_string(w, "spawn_location", dial9_analysis__string(a, t->spawn_loc));
	json_writer__kv_string(w, "future_location", dial9_analysis__string(a, t->future_loc));
	if (t->spawn_seen) {
		json_writer__kv_u64(w, "parent", t->parent);
		json_writer__kv_u64(w, "spawn_ns", t->spawn_ns);
		json_thread(w, "spawn_tid", a, t->spawn_tid);
	} else {
		json_writer__kv_null(w, "parent");
		json_writer__kv_null(w, "spawn_ns");
		json_writer__kv_null(w, "spawn_tid");
		json_writer__kv_null(w, "spawn_thread_name");
		json_writer__kv_null(w, "spawn_thread_role");
	}
	if (t->end_seen)
		json_writer__kv_u64(w, "end_ns", t->end_ns);
	else
		json_writer__kv_null(w, "end_ns");
	json_bool_if(w, "completed", polls, t->completed);
	json_bool_if(w, "panicked", dial9_analysis__knows(a, DIAL9_FIG_PANICS), t->panicked);
	json_u64_if(w, "polls", polls, t->polls + t->counted_polls);
	json_u64_if(w, "polls_recorded", polls, t->polls);
	json_u64_if(w, "polls_counted", polls, t->counted_polls);
	json_u64_if(w, "poll_ns_total", polls, t->poll_ns_total + t->counted_poll_ns);
	json_bool_if(w, "poll_ns_total_is_bound", polls, t->poll_ns_total_is_bound);
	json_u64_if(w, "poll_ns_recorded", polls, t->poll_ns_total);
	json_u64_if(w, "poll_ns_counted", polls, t->counted_poll_ns);
	json_u64_if(w, "poll_ns_max", polls, t->poll_ns_max);
	json_bool_if(w, "poll_ns_max_is_bound", polls, t->poll_ns_max_is_bound);
	json_u64_if(w, "wakes", wakes, t->wakes);
	json_u64_if(w, "wakes_sent", wakes, t->wakes_sent);
	json_u64_if(w, "children", dial9_analysis__knows(a, DIAL9_FIG_SPAWNS), t->children);
	if (t->top_waker_count)
		json_node(w, "top_waker", &t->top_waker);
	else
		json_writer__kv_null(w, "top_waker");
	json_u64_if(w, "top_waker_count", wakes, t->top_waker_count);
	json_u64_if(w, "wake_latency_count", queue, t->lat_count);
	json_u64_if(w, "wake_latency_max_ns", queue, t->lat_max_ns);
	json_u64_if(w, "wake_latency_p99_ns", queue, t->lat_p99_ns);
	json_writer__end_object(w);
}

const char *fmt_thread(char *buf, const struct dial9_analysis *a, uint32_t tid)
{
	const char *name = dial9_analysis__thread_name(a, tid);

	if (name)
		snprintf(buf, FMT_LEN, "%s (%" PRIu32 ")", name, tid);
	else
		snprintf(buf, FMT_LEN, "%" PRIu32, tid);
	return buf;
}

void json_thread(struct json_writer *w, const char *tid_key, const struct dial9_analysis *a,
		 uint32_t tid)
{
	size_t prefix = strlen(tid_key) - strlen("tid"); /* "reason_tid": "reason_" */
	char key[64];

	json_writer__kv_u64(w, tid_key, tid);
	snprintf(key, sizeof(key), "%.*sthread_name", (int)prefix, tid_key);
	json_writer__kv_string(w, key, dial9_analysis__thread_name(a, tid));
	snprintf(key, sizeof(key), "%.*sthread_role", (int)prefix, tid_key);
	json_writer__kv_string(w, key, dial9_analysis__thread_role(a, tid));
}

void json_thread_totals(struct json_writer *w, const struct dial9_analysis *a,
			const struct dial9_thread *th)
{
	bool polls = dial9_analysis__knows(a, DIAL9_FIG_POLLS);
	bool idle = dial9_analysis__knows(a, DIAL9_FIG_IDLE);

	json_thread(w, "tid", a, th->tid);
	json_u64_if(w, "polls", polls, th->polls);
	json_u64_if(w, "busy_ns", polls, th->busy_ns);
	json_bool_if(w, "busy_ns_is_bound", polls, th->busy_is_bound);
	json_u64_if(w, "idle_ns", idle, th->idle_ns);
}
