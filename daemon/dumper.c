// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dumper.c - turn a process's rolling window into a dump file, without
 * stopping the recording.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dump_dirs.h"
#include "dumper.h"
#include "ingest.h"
#include "journal.h"
#include "retention.h"

/* DIR/COMM.PID.STAMP.MSEC.REASON.dial9 (dump_dir.h) */
static void dump_name(const struct tracked *t, const char *dir, uint32_t reason, uint64_t real_ns,
		      char *buf, size_t len)
{
	time_t secs = (time_t)(real_ns / 1000000000ULL);
	char stamp[32] = "unknown";
	char comm[17];
	struct tm tm;
	size_t i;

	/* comm is chosen by the process: keep it to a safe file-name alphabet */
	snprintf(comm, sizeof(comm), "%s", t->comm[0] ? t->comm : "unknown");
	for (i = 0; comm[i]; i++)
		if (!((comm[i] >= 'a' && comm[i] <= 'z') || (comm[i] >= 'A' && comm[i] <= 'Z') ||
		      (comm[i] >= '0' && comm[i] <= '9') || comm[i] == '-' || comm[i] == '_'))
			comm[i] = '_';
	if (gmtime_r(&secs, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "%s/%s.%d.%s.%03u.%s.dial9", dir, comm, t->pid, stamp,
		 (unsigned)(real_ns / 1000000ULL % 1000), dial9_reason_name(reason));
}

/* The first record of kind in the blocks (found through each block's kinds,
 * decoding one block at most): 1 and where, 0 if none, or negative errno. */
static int find_first_of_kind(const struct dial9_window_snapshot *s, uint8_t kind,
			      struct dial9_event *found, bool *first_of_all)
{
	for (size_t i = 0; i < s->nblocks; i++) {
		const struct dial9_event_block *b = &s->blocks[i];
		struct dial9_event *ev;
		int ret = 0;

		if (!(b->kinds & (1u << kind)))
			continue;
		ev = malloc((size_t)b->count * sizeof(*ev));
		if (!ev)
			return -ENOMEM;
		ret = dial9_event_block__decode(b, ev);
		for (uint32_t j = 0; !ret && j < b->count; j++) {
			if (ev[j].kind == kind) {
				*found = ev[j];
				*first_of_all = i == 0 && j == 0;
				ret = 1;
			}
		}
		free(ev);
		return ret ? ret : -EBADMSG; /* the block said it held one */
	}
	return 0;
}

/* The window may have lost the MODE record in force at its start: put one
 * there (a block of one record before the window's), so a reader knows how
 * the first stretch was recorded.  Modes alternate between on (full or
 * sampled) and off.  *mode_block: coded, or left empty when not needed. */
static int mode_at_start(struct tracked *t, const struct dial9_window_snapshot *snap,
			 uint64_t start_ns, struct dial9_event_block *mode_block)
{
	uint16_t on = t->d->o.poll_threshold_ns ? DIAL9_MODE_SAMPLED : DIAL9_MODE_FULL;
	struct dial9_event ev = { .ts_ns = start_ns, .kind = DIAL9_EV_MODE };
	struct dial9_event first = { 0 };
	bool at_first = false;
	int ret;

	memset(mode_block, 0, sizeof(*mode_block));
	ev.aux = t->gov.off_until_ns ? DIAL9_MODE_OFF : on;
	ret = find_first_of_kind(snap, DIAL9_EV_MODE, &first, &at_first);
	if (ret < 0)
		return ret;
	if (ret) {
		if (at_first || first.ts_ns == start_ns)
			return 0;
		ev.aux = first.aux == DIAL9_MODE_OFF ? on : DIAL9_MODE_OFF;
	}
	return dial9_event_block__encode(&ev, 1, mode_block);
}

/* The dump's blocks: the MODE record's, if any, then the window's. */
static int dump_blocks(const struct dial9_event_block *mode_block,
		       const struct dial9_window_snapshot *snap, struct dial9_dump *dump,
		       struct dial9_event_block **blocks)
{
	size_t n = 0;

	*blocks = malloc((snap->nblocks + 1) * sizeof(**blocks));
	if (!*blocks)
		return -ENOMEM;
	if (mode_block->count)
		(*blocks)[n++] = *mode_block;
	memcpy(*blocks + n, snap->blocks, snap->nblocks * sizeof(**blocks));
	n += snap->nblocks;
	if (n > UINT32_MAX) {
		free(*blocks);
		return -EFBIG;
	}
	dump->blocks = *blocks;
	dump->nblocks = (uint32_t)n;
	dump->nevents = snap->nevents + mode_block->count;
	return 0;
}

/* Into the state directory: room made first, by rank (retention.c); a file
 * system that fills up anyway gets one more round of eviction. */
static int write_to_state_dir(struct daemon *d, struct tracked *t, uint32_t reason,
			      const struct dial9_dump *dump, uint64_t real_ns, char *path_out,
			      size_t path_len, char *err, size_t errlen)
{
	enum dump_rank rank = retention__rank(reason);
	char dir[PATH_MAX - 96], path[PATH_MAX]; /* a dump name is under 96 bytes */
	uint64_t len = 0;
	int ret, tries;

	/* the size is known before anything is written: room is made first */
	ret = dial9_dump__size(dump, &len);
	if (ret) {
		snprintf(err, errlen, "cannot encode the window: %s", strerror(-ret));
		return ret;
	}
	ret = dump_dirs__for_uid(d, t->uid, dir, sizeof(dir), err, errlen);
	if (ret)
		return ret;
	dump_name(t, dir, reason, real_ns, path, sizeof(path));
	for (tries = 0; tries < 2; tries++) {
		/* the second round asks for twice the room: the first estimate fell short */
		ret = retention__make_room(d, rank, t->uid, len << tries, err, errlen);
		if (ret)
			break;
		ret = dial9_dump__write(dump, path, 0600);
		if (ret != -ENOSPC && ret != -EDQUOT)
			break;
	}
	if (ret && !err[0])
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	/* The process's owner may read the dump of their own process. */
	if (!ret && chown(path, t->uid, (gid_t)-1)) {
		ret = -errno;
		snprintf(err, errlen, "chown %s: %s", path, strerror(-ret));
		unlink(path);
	}
	if (!ret && path_out)
		snprintf(path_out, path_len, "%s", path);
	return ret;
}

int dumper__write(struct daemon *d, struct tracked *t, const struct pending_dump *why, int fd,
		  char *path_out, size_t path_len, uint64_t *events_out, char *err,
		  size_t errlen)
{
	struct dial9_window_snapshot snap;
	struct dial9_event_block mode_block = { 0 }, *blocks = NULL;
	struct dial9_window_stats st;
	struct dial9_dump dump;
	uint64_t now = now_mono_ns(), real = now_real_ns();
	char host[256] = "", why_buf[512] = "", written[PATH_MAX] = "";
	char rule_text[2 * DIAL9_TRIGGER_TEXT_MAX];
	int ret;

	if (!err) {
		err = why_buf;
		errlen = sizeof(why_buf);
	}
	err[0] = '\0';
	if (path_out && path_len)
		path_out[0] = '\0';
	ingest__drain(t, now);
	ingest__flush_counts(d);
	memset(&dump, 0, sizeof(dump));
	/* the window's sealed blocks go into the file as they are */
	ret = dial9_window__snapshot_blocks(t->win, &snap);
	if (ret) {
		snprintf(err, errlen, "cannot copy the window: %s", strerror(-ret));
		return ret;
	}
	dial9_window__stats(t->win, &st);

	dump.meta.pid = t->pid;
	dump.meta.reason = why->reason;
	dump.meta.signal = why->signal;
	dump.meta.reason_tid = why->tid;
	dump.meta.reason_task = why->task;
	snprintf(dump.meta.comm, sizeof(dump.meta.comm), "%s", t->comm);
	snprintf(dump.meta.build_id, sizeof(dump.meta.build_id), "%s", t->build_id);
	dump.meta.exe = t->exe;
	gethostname(host, sizeof(host) - 1);
	dump.meta.hostname = host;
	dump.meta.clock_base_ns = real - now;
	dump.meta.end_ns = now;
	dump.meta.start_ns = now > d->o.window_ns ? now - d->o.window_ns : 0;
	if (t->attached_ns > dump.meta.start_ns)
		dump.meta.start_ns = t->attached_ns;
	if (snap.nblocks && snap.blocks[0].first_ts < dump.meta.start_ns)
		dump.meta.start_ns = snap.blocks[0].first_ts;
	/* The byte budget dropped the oldest records: what the window holds
	 * begins with its oldest record, not at the window's nominal start (a
	 * reader would take the stretch before for recorded and idle). */
	if (st.dropped && st.oldest_ns > dump.meta.start_ns)
		dump.meta.start_ns = st.oldest_ns;
	dump.meta.dump_realtime_ns = real;
	dump.meta.lost_ringbuf = t->lost_ringbuf;
	dump.meta.probes = t->probe_classes;
	dump.meta.cpu_sample_hz = recorder__sampling_cpus(d->rec) ? d->o.cpu_sample_hz : 0;
	dump.meta.lost_window = st.dropped;
	dump.meta.evicted = st.evicted;
	if (why->trigger.metric) {
		const struct dial9_trigger_rule *rule = &d->o.triggers.rule[why->trigger.rule];

		dial9_trigger_rule__format(rule, rule_text, sizeof(rule_text));
		dump.meta.trigger_metric = why->trigger.metric;
		dump.meta.trigger_rule = rule_text;
		dump.meta.trigger_value = why->trigger.value;
		dump.meta.trigger_threshold = why->trigger.threshold;
		dump.meta.trigger_ns = why->trigger.fired_ns;
	}
	dump.strings = t->strings; /* borrowed: not freed here */
	dump.threads_known = true;
	ret = thread_table__snapshot(&t->threads, t->pid, &dump.threads, &dump.nthreads);
	if (!ret)
		ret = mode_at_start(t, &snap, dump.meta.start_ns, &mode_block);
	if (!ret)
		ret = dump_blocks(&mode_block, &snap, &dump, &blocks);
	if (ret) {
		snprintf(err, errlen, "%s", strerror(-ret));
		goto cleanup;
	}

	if (fd >= 0) {
		ret = dial9_dump__write_fd(&dump, fd);
		if (ret)
			snprintf(err, errlen, "%s", strerror(-ret));
	} else {
		ret = write_to_state_dir(d, t, why->reason, &dump, real, written, sizeof(written), err,
					 errlen);
	}
	if (!ret) {
		journal__dump(d, t, why, fd >= 0 ? NULL : written, dump.nevents);
		if (fd < 0 && path_out && path_len)
			snprintf(path_out, path_len, "%s", written);
		t->dumps++;
		d->dumps_written++;
		if (why->reason < DIAL9_REASON__COUNT)
			d->dumps_by_reason[why->reason]++;
		if (events_out)
			*events_out = dump.nevents;
	}
cleanup:
	free(dump.threads);
	free(blocks);
	dial9_event_block__release(&mode_block);
	dial9_window_snapshot__free(&snap);
	return ret;
}
