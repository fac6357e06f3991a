// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * profile.c - what the CPU sampler saw: its lines of `dial9 summary` (the
 * samples, the longest on-CPU runs of a task) and `dial9 profile FILE
 * [--by task|location]`, the CPU profile per task or spawn location with
 * the functions each ran in.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dial9.h"

#define TOP_RUNS 10

/* --- summary ------------------------------------------------------------ */

static const char *attributed_text(const struct dial9_analysis *a, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 " found a task polled (%.0f%%)", a->cpu_samples_task,
		 a->cpu_samples ? 100.0 * (double)a->cpu_samples_task / (double)a->cpu_samples : 0);
	return buf;
}

void cpu_summary_text(const struct dial9_analysis *a)
{
	const struct dial9_dump_meta *m = &a->dump->meta;
	char att[96];

	if (!a->cpu_samples) {
		if (m->version >= 4)
			printf("cpu        no samples%s\n", m->cpu_sample_hz ? ""
			       : " (the CPU sampler was off)");
		return;
	}
	printf("cpu        %" PRIu64 " samples at %" PRIu32 " Hz a CPU: %s", a->cpu_samples,
	       m->cpu_sample_hz, attributed_text(a, att, sizeof(att)));
	if (a->cpu_samples_no_id)
		printf("; %" PRIu64 " taken before dial9d knew where Tokio keeps the task being "
		       "polled (not attributed)", a->cpu_samples_no_id);
	printf("\n");
}

void cpu_runs_text(const struct dial9_analysis *a)
{
	char b1[FMT_LEN], b2[FMT_LEN], b3[FMT_LEN];
	uint64_t i;

	if (!a->ncpu_runs)
		return;
	printf("\nLongest on-CPU runs of a task (CPU samples; 'off': the poll probes were off)\n  ");
	cell("TASK", 6, true);
	cell("DURATION", 10, true);
	cell("AT", 11, true);
	cell("THREAD", 24, true);
	cell("SAMPLES", 7, true);
	cell("PROBES", 6, false);
	printf("RUNNING IN\n");
	for (i = 0; i < a->ncpu_runs && i < TOP_RUNS; i++) {
		const struct dial9_cpu_run *r = &a->cpu_runs[i];
		const char *loc = dial9_analysis__string(a, r->loc);

		printf("  ");
		cell(fmt_u64(b1, r->task_id), 6, true);
		cell(fmt_dur(b2, r->end_ns - r->start_ns), 10, true);
		cell(fmt_rel(b3, a, r->start_ns), 11, true);
		cell(fmt_thread(b1, a, r->tid), 24, true);
		cell(fmt_u64(b2, r->samples), 7, true);
		cell(r->probed ? "on" : "off", 6, false);
		printf("%s\n", loc ? loc : "?");
	}
}

void cpu_summary_json(const struct dial9_analysis *a, struct json_writer *w)
{
	uint64_t i;

	json_writer__key(w, "cpu_samples");
	if (!a->cpu_samples && !a->dump->meta.cpu_sample_hz) {
		json_writer__null(w); /* the sampler was off, or the dump is older */
		return;
	}
	json_writer__begin_object(w);
	json_writer__kv_u64(w, "hz", a->dump->meta.cpu_sample_hz);
	json_writer__kv_u64(w, "count", a->cpu_samples);
	json_writer__kv_u64(w, "with_task", a->cpu_samples_task);
	json_writer__kv_u64(w, "unattributed", a->cpu_samples_no_id);
	json_writer__key(w, "longest_runs");
	json_writer__begin_array(w);
	for (i = 0; i < a->ncpu_runs && i < TOP_RUNS; i++) {
		const struct dial9_cpu_run *r = &a->cpu_runs[i];

		json_writer__begin_object(w);
		json_writer__kv_u64(w, "task_id", r->task_id);
		json_thread(w, "tid", a, r->tid);
		json_writer__kv_u64(w, "start_ns", r->start_ns);
		json_writer__kv_u64(w, "duration_ns", r->end_ns - r->start_ns);
		json_writer__kv_u64(w, "samples", r->samples);
		json_writer__kv_bool(w, "probed", r->probed);
		json_writer__kv_string(w, "location", dial9_analysis__string(a, r->loc));
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__end_object(w);
}

/* --- dial9 profile ------------------------------------------------------ */

struct sample_key {
	uint64_t row, func;
};

static int cmp_key(const void *pa, const void *pb)
{
	const struct sample_key *a = pa, *b = pb;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return a->func < b->func ? -1 : a->func > b->func;
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct cpu_profile_row *a = pa, *b = pb;

	if (a->samples != b->samples)
		return a->samples > b->samples ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* Where a task's samples are counted with --by location. */
static uint64_t location_key(const struct dial9_analysis *a, uint64_t task_id)
{
	const struct dial9_task_info *t = task_id ? dial9_analysis__task(a, task_id) : NULL;

	if (!t)
		return 0;
	return t->spawn_loc ? t->spawn_loc : t->future_loc;
}

static void add_func(struct cpu_profile_row *r, uint32_t func, uint64_t n)
{
	int i, j;

	for (i = 0; i < CPU_PROFILE_FUNCS; i++) {
		if (n <= r->func_n[i])
			continue;
		for (j = CPU_PROFILE_FUNCS - 1; j > i; j--) {
			r->func[j] = r->func[j - 1];
			r->func_n[j] = r->func_n[j - 1];
		}
		r->func[i] = func;
		r->func_n[i] = n;
		return;
	}
}

int cpu_profile(const struct dial9_analysis *a, bool by_location, struct cpu_profile_row **out,
		uint64_t *nrows)
{
	const struct dial9_dump *d = a->dump;
	struct sample_key *k = malloc((a->cpu_samples ? a->cpu_samples : 1) * sizeof(*k));
	struct cpu_profile_row *rows = NULL;
	uint64_t i, j, n = 0, nr = 0;

	*out = NULL;
	*nrows = 0;
	if (!k)
		return -ENOMEM;
	for (i = 0; i < d->nevents && n < a->cpu_samples; i++) {
		const struct dial9_event *e = &d->events[i];

		if (e->kind != DIAL9_EV_CPU_SAMPLE)
			continue;
		k[n].row = by_location ? location_key(a, e->task_id) : e->task_id;
		k[n++].func = e->arg;
	}
	qsort(k, n, sizeof(*k), cmp_key);
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(k);
		return -ENOMEM;
	}
	for (i = 0; i < n; i = j) {
		struct cpu_profile_row *r = &rows[nr++];
		uint64_t f, fn;

		r->key = k[i].row;
		for (j = i; j < n && k[j].row == k[i].row; j = f) {
			for (f = j, fn = 0; f < n && k[f].row == k[j].row && k[f].func == k[j].func; f++)
				fn++;
			r->samples += fn;
			add_func(r, (uint32_t)k[j].func, fn);
		}
	}
	free(k);
	qsort(rows, nr, sizeof(*rows), cmp_row);
	*out = rows;
	*nrows = nr;
	return 0;
}

static const char *row_name(const struct dial9_analysis *a, bool by_location,
			    const struct cpu_profile_row *r, char *buf, size_t len)
{
	const char *s;

	if (!r->key)
		return by_location ? "(no task, or a task of unknown spawn location)"
				   : "(no task: the runtime, block_on, other code)";
	if (!by_location) {
		snprintf(buf, len, "task %" PRIu64, r->key);
		return buf;
	}
	s = dial9_analysis__string(a, r->key);
	return s ? s : "?";
}

static void profile_text(const struct dial9_analysis *a, bool by_location, const struct cpu_profile_row *rows,
			 uint64_t n, uint64_t limit)
{
	char name[512], b1[FMT_LEN];
	uint64_t i;
	int f;

	printf("%" PRIu64 " CPU samples at %" PRIu32 " Hz a CPU (one is ~%s of CPU time), by %s\n\n",
	       a->cpu_samples, a->dump->meta.cpu_sample_hz, fmt_dur(b1, a->cpu_sample_period_ns),
	       by_location ? "spawn location" : "task");
	for (i = 0; i < n && (!limit || i < limit); i++) {
		const struct cpu_profile_row *r = &rows[i];

		printf("%6.1f%%  %7" PRIu64 "  %s\n", 100.0 * (double)r->samples / (double)a->cpu_samples,
		       r->samples, row_name(a, by_location, r, name, sizeof(name)));
		for (f = 0; f < CPU_PROFILE_FUNCS && r->func_n[f]; f++) {
			const char *fn = dial9_analysis__string(a, r->func[f]);

			printf("         %5.1f%%  %s\n", 100.0 * (double)r->func_n[f] / (double)r->samples,
			       fn ? fn : "?");
		}
	}
}

static void profile_json(const struct dial9_analysis *a, bool by_location, const struct cpu_profile_row *rows,
			 uint64_t n, uint64_t limit, struct json_writer *w)
{
	char name[512];
	uint64_t i;
	int f;

	json_writer__begin_object(w);
	json_writer__kv_u64(w, "hz", a->dump->meta.cpu_sample_hz);
	json_writer__kv_u64(w, "samples", a->cpu_samples);
	json_writer__kv_u64(w, "unattributed", a->cpu_samples_no_id);
	json_writer__kv_string(w, "by", by_location ? "location" : "task");
	json_writer__key(w, "rows");
	json_writer__begin_array(w);
	for (i = 0; i < n && (!limit || i < limit); i++) {
		const struct cpu_profile_row *r = &rows[i];

		json_writer__begin_object(w);
		if (by_location)
			json_writer__kv_string(w, "location", r->key ? row_name(a, true, r, name,
										 sizeof(name)) : NULL);
		else
			json_writer__kv_u64(w, "task_id", r->key);
		json_writer__kv_u64(w, "samples", r->samples);
		json_writer__key(w, "functions");
		json_writer__begin_array(w);
		for (f = 0; f < CPU_PROFILE_FUNCS && r->func_n[f]; f++) {
			json_writer__begin_object(w);
			json_writer__kv_string(w, "function", dial9_analysis__string(a, r->func[f]));
			json_writer__kv_u64(w, "samples", r->func_n[f]);
			json_writer__end_object(w);
		}
		json_writer__end_array(w);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__end_object(w);
}

int view_profile(const struct options *o, const struct loaded *l)
{
	bool by_location = o->by_location;
	struct json_writer *w;
	struct cpu_profile_row *rows;
	uint64_t n;
	int err;

	if (!l->a->cpu_samples) {
		p_err("no CPU samples in this dump (%s)", l->dump->meta.version < 4 ?
		      "written before dial9d had a CPU sampler" :
		      l->dump->meta.cpu_sample_hz ? "no recorded thread was on a CPU when sampled" :
		      "the CPU sampler was off: dial9d --cpu-sample-hz");
		return -ENODATA;
	}
	err = cpu_profile(l->a, by_location, &rows, &n);
	if (err) {
		p_err("%s", strerror(-err));
		return err;
	}
	if (o->json) {
		w = json_out(o);
		err = -ENOMEM;
		if (w) {
			profile_json(l->a, by_location, rows, n, o->limit, w);
			err = json_done(w);
		}
	} else {
		profile_text(l->a, by_location, rows, n, o->limit);
		err = text_done();
	}
	free(rows);
	return err;
}

int cmd_profile(const struct options *o)
{
	return run_view(o, view_profile);
}
