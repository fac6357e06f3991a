// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* dumps.c - dial9ctl dumps and dumps info: see dumps.h. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dump_dir.h"
#include "dumps.h"
#include "human.h"
#include "json_writer.h"
#include "probe_classes.h"

#define NS 1000000000LL

/* ns since the epoch, local time: "2026-12-02 10:00:00 UTC". */
static const char *local_time(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / NS);
	struct tm tm;

	if (ns <= 0 || !localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, len, "unknown");
	return buf;
}

/* The same in UTC for JSON: "2026-12-02T10:00:00.123Z". */
static const char *iso_utc(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / NS);
	char secs[32];
	struct tm tm;

	if (ns <= 0 || !gmtime_r(&t, &tm) || !strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm))
		return NULL;
	snprintf(buf, len, "%s.%03lldZ", secs, (long long)(ns % NS / 1000000));
	return buf;
}

static const char *signal_name(uint32_t sig)
{
	const char *n = sig ? sigabbrev_np((int)sig) : NULL;

	return n ? n : "";
}

static bool is_root(void)
{
	return geteuid() == 0;
}

static int load(const struct dumps_args *a, struct catalogue *c, char *err, size_t errlen)
{
	return catalogue__load(c, a->state_dir ? a->state_dir : DIAL9_STATE_DIR_DEFAULT, is_root(),
			       err, errlen);
}

/* What every JSON view of a dump starts with. */
static void entry_json(struct json_writer *w, const struct catalogue_entry *e)
{
	const struct dial9_dump_meta *m = &e->info.meta;
	char when[48], trig[DIAL9_TRIGGER_NAME_LEN];

	json_writer__kv_string(w, "id", e->id);
	json_writer__kv_string(w, "time", iso_utc(e->time_ns, when, sizeof(when)));
	json_writer__kv_u64(w, "dump_realtime_ns", e->time_ns > 0 ? (uint64_t)e->time_ns : 0);
	json_writer__kv_bool(w, "time_from_file", e->time_from_file);
	if (e->error) {
		json_writer__kv_null(w, "pid");
		json_writer__kv_null(w, "comm");
		json_writer__kv_null(w, "reason");
		json_writer__kv_null(w, "signal");
		json_writer__kv_null(w, "trigger");
		json_writer__kv_null(w, "trigger_rule");
	} else {
		json_writer__kv_u64(w, "pid", m->pid);
		json_writer__kv_string(w, "comm", m->comm);
		json_writer__kv_string(w, "reason", dial9_reason_name(m->reason));
		json_writer__kv_u64(w, "signal", m->signal);
		json_writer__kv_string(w, "trigger", *catalogue__trigger(e, trig, sizeof(trig))
						     ? trig : NULL);
		json_writer__kv_string(w, "trigger_rule", m->trigger_rule);
	}
	json_writer__kv_u64(w, "uid", e->uid);
	json_writer__kv_u64(w, "size", e->size);
	json_writer__kv_string(w, "path", e->path);
	json_writer__kv_string(w, "error", e->error ? e->error_text : NULL);
}

static int list_json(const struct catalogue *c, const struct catalogue_filter *f)
{
	struct json_writer *w = json_writer__new(stdout, JSON_WRITER_PRETTY);
	int rc;

	if (!w)
		return -errno;
	json_writer__begin_array(w);
	for (size_t i = 0; i < c->n; i++) {
		if (!catalogue__matches(&c->entries[i], f))
			continue;
		json_writer__begin_object(w);
		entry_json(w, &c->entries[i]);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	rc = json_writer__finish(w);
	json_writer__free(w);
	return rc;
}

static void list_text(const struct catalogue *c, const struct catalogue_filter *f,
		      const char *state_dir)
{
	size_t shown = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct catalogue_entry *e = &c->entries[i];
		const struct dial9_dump_meta *m = &e->info.meta;
		char trig[DIAL9_TRIGGER_NAME_LEN];
		char when[64], size[32], pid[16];

		if (!catalogue__matches(e, f))
			continue;
		if (!shown++)
			printf("%-8s  %-23s  %7s  %6s  %-15s  %-9s  %-5s  %-8s  %6s  %s\n", "ID",
			       "TIME", "PID", "UID", "COMM", "REASON", "SIG", "TRIGGER", "SIZE",
			       "PATH");
		human_bytes(e->size, size, sizeof(size));
		snprintf(pid, sizeof(pid), "%u", m->pid);
		printf("%-8s  %-23s  %7s  %6u  %-15s  %-9s  %-5s  %-8s  %6s  %s\n", e->id,
		       local_time(e->time_ns, when, sizeof(when)), e->error ? "-" : pid,
		       (unsigned)e->uid, e->error ? "-" : m->comm,
		       e->error ? "damaged" : dial9_reason_name(m->reason),
		       e->error || !m->signal ? "-" : signal_name(m->signal),
		       e->error || !*catalogue__trigger(e, trig, sizeof(trig)) ? "-" : trig, size,
		       e->path);
		if (e->error)
			printf("%-8s  error: %s (time: the file's)\n", "", e->error_text);
	}
	if (!shown)
		printf("no dumps%s in %s/dumps%s\n", f->pid || f->since_set ? " match" : "",
		       state_dir, is_root() ? "" : " (of yours; root sees every user's)");
}

int dumps__list(const struct dumps_args *a, char *err, size_t errlen)
{
	struct catalogue c;
	int rc = load(a, &c, err, errlen);

	if (rc)
		return rc;
	if (a->json) {
		rc = list_json(&c, &a->filter);
		if (rc)
			snprintf(err, errlen, "cannot write the listing: %s", strerror(-rc));
	} else {
		list_text(&c, &a->filter, a->state_dir ? a->state_dir : DIAL9_STATE_DIR_DEFAULT);
	}
	catalogue__free(&c);
	return rc;
}

/* --- one dump ---------------------------------------------------------- */

/* The checksum of the file at path: 0, or the error (why: its text). */
static int verify(const char *path, char *why, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), rc;

	if (fd < 0) {
		rc = -errno;
		snprintf(why, len, "cannot open: %s", strerror(errno));
		return rc;
	}
	rc = dial9_dump__verify_fd(fd, why, len);
	close(fd);
	return rc;
}

static const char *user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) || !res)
		snprintf(buf, len, "%u", (unsigned)uid);
	else
		snprintf(buf, len, "%u (%s)", (unsigned)uid, res->pw_name);
	return buf;
}

static uint64_t span_ns(const struct dial9_dump_meta *m)
{
	return m->end_ns > m->start_ns ? m->end_ns - m->start_ns : 0;
}

static int info_json(const struct catalogue_entry *e, const char *checksum)
{
	const struct dial9_dump_meta *m = &e->info.meta;
	struct json_writer *w = json_writer__new(stdout, JSON_WRITER_PRETTY);
	int rc;

	if (!w)
		return -errno;
	json_writer__begin_object(w);
	entry_json(w, e);
	json_writer__kv_string(w, "checksum", checksum);
	if (!e->error) {
		json_writer__kv_u64(w, "format_version", m->version);
		json_writer__kv_string(w, "exe", m->exe);
		json_writer__kv_string(w, "build_id", m->build_id[0] ? m->build_id : NULL);
		json_writer__kv_string(w, "hostname", m->hostname);
		json_writer__kv_string(w, "signal_name", m->signal ? signal_name(m->signal) : NULL);
		json_writer__kv_u64(w, "reason_tid", m->reason_tid);
		json_writer__kv_u64(w, "reason_task", m->reason_task);
		json_writer__kv_u64(w, "start_ns", m->start_ns);
		json_writer__kv_u64(w, "end_ns", m->end_ns);
		json_writer__kv_u64(w, "duration_ns", span_ns(m));
		json_writer__kv_u64(w, "clock_base_ns", m->clock_base_ns);
		json_writer__kv_u64(w, "events", e->info.nevents);
		json_writer__kv_bool(w, "events_checked", e->info.nevents_checked);
		json_writer__kv_u64(w, "lost", m->lost_ringbuf + m->lost_window);
		json_writer__kv_u64(w, "lost_ringbuf", m->lost_ringbuf);
		json_writer__kv_u64(w, "lost_window", m->lost_window);
		json_writer__kv_u64(w, "evicted", m->evicted);
		if (m->probes_known)
			dial9_probe_classes__write_json(w, m->probes);
		else
			json_writer__kv_null(w, "probes_missing");
	}
	json_writer__end_object(w);
	rc = json_writer__finish(w);
	json_writer__free(w);
	return rc;
}

static void info_text(const struct catalogue_entry *e, const char *checksum)
{
	const struct dial9_dump_meta *m = &e->info.meta;
	char when[64], owner[300], missing[2048], trig[DIAL9_TRIGGER_NAME_LEN];
	uint64_t wall0 = m->clock_base_ns + m->start_ns;

	printf("         ID: %s\n", e->id);
	printf("       Path: %s\n", e->path);
	printf("      Owner: %s\n", user_name(e->uid, owner, sizeof(owner)));
	printf("       Size: %llu bytes\n", (unsigned long long)e->size);
	printf("       Time: %s%s\n", local_time(e->time_ns, when, sizeof(when)),
	       e->time_from_file ? " (the file's: the dump's own is unreadable)" : "");
	if (e->error) {
		printf("      Error: %s\n", e->error_text);
		return;
	}
	if (checksum)
		printf("   Checksum: %s: the file is damaged, what follows may be wrong\n", checksum);
	else
		printf("   Checksum: ok\n");
	printf("        PID: %u\n", m->pid);
	printf("       Comm: %s\n", m->comm);
	printf("        Exe: %s\n", m->exe ? m->exe : "unknown");
	printf("   Build-id: %s\n", m->build_id[0] ? m->build_id : "none");
	printf("   Hostname: %s\n", m->hostname ? m->hostname : "unknown");
	printf("     Reason: %s\n", dial9_reason_name(m->reason));
	if (m->trigger_metric) {
		char value[32], threshold[32];

		dial9_trigger_value_text(m->trigger_metric, m->trigger_value, value, sizeof(value));
		dial9_trigger_value_text(m->trigger_metric, m->trigger_threshold, threshold,
					 sizeof(threshold));
		printf("    Trigger: %s: %s %s, over %s\n",
		       *catalogue__trigger(e, trig, sizeof(trig)) ? trig : "?",
		       dial9_trigger_metric_name(m->trigger_metric), value, threshold);
		printf("       Rule: %s\n", m->trigger_rule ? m->trigger_rule : "(not recorded)");
	}
	if (m->signal)
		printf("     Signal: %u (%s)\n", m->signal, signal_name(m->signal));
	printf("     Thread: %s", m->reason_tid ? "" : "unknown\n");
	if (m->reason_tid)
		printf("%u\n", m->reason_tid);
	printf("       Task: ");
	if (m->reason_task)
		printf("%llu\n", (unsigned long long)m->reason_task);
	else
		printf("none\n");
	printf("     Window: %.3f s", (double)span_ns(m) / 1e9);
	if (m->clock_base_ns)
		printf(", from %s", local_time((int64_t)wall0, when, sizeof(when)));
	printf("\n     Events: %llu%s\n", (unsigned long long)e->info.nevents,
	       e->info.nevents_checked ? "" : " (as declared: more blocks than a writer makes, "
	       "not checked; dial9 summary reads them)");
	printf("       Lost: %llu (ring buffer %llu, window budget %llu); %llu older than the "
	       "window left out (not lost)\n",
	       (unsigned long long)(m->lost_ringbuf + m->lost_window),
	       (unsigned long long)m->lost_ringbuf, (unsigned long long)m->lost_window,
	       (unsigned long long)m->evicted);
	if (!m->probes_known)
		printf("     Probes: unknown (format version 1 did not record them)\n");
	else if (dial9_probe_classes_missing(m->probes, missing, sizeof(missing)))
		printf("     Probes: %s\n", missing);
	else
		printf("     Probes: all found\n");
	printf("     Format: version %u\n", m->version);
	printf("  Read with: dial9 summary %s\n", e->path);
}

int dumps__info(const struct dumps_args *a, const char *key, char *err, size_t errlen)
{
	const struct catalogue_entry *e;
	char why[512] = "";
	struct catalogue c;
	int rc = load(a, &c, err, errlen), bad = 0;

	if (rc)
		return rc;
	e = catalogue__find(&c, key, err, errlen);
	if (!e) {
		catalogue__free(&c);
		return -ENOENT;
	}
	if (!e->error)
		bad = verify(e->path, why, sizeof(why));
	if (a->json)
		rc = info_json(e, e->error ? NULL : bad ? why : "ok");
	else
		info_text(e, bad ? why : NULL);
	if (!rc && (e->error || bad)) { /* shown above: the error line on stderr only */
		fprintf(stderr, "Error: %s: %s\n", e->path, e->error ? e->error_text : why);
		rc = e->error ? e->error : bad;
	}
	catalogue__free(&c);
	return rc;
}
