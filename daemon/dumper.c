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

#include "daemon.h"

static void dump_name(const struct tracked *t, uint32_t reason, uint64_t real_ns, char *buf,
		      size_t len)
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
	snprintf(buf, len, "%s/dumps/%s.%d.%s.%03u.%s.dial9", t->d->o.state_dir, comm, t->pid, stamp,
		 (unsigned)(real_ns / 1000000ULL % 1000), dial9_reason_name(reason));
}

/* The window may have lost the MODE record in force at its start: put one
 * there, so a reader knows how the first stretch was recorded.  Modes
 * alternate between on (full or sampled) and off. */
static int prepend_mode(struct tracked *t, struct dial9_dump *dump)
{
	uint16_t on = t->d->o.poll_threshold_ns ? DIAL9_MODE_SAMPLED : DIAL9_MODE_FULL;
	uint16_t mode = t->gov.off_until_ns ? DIAL9_MODE_OFF : on;
	struct dial9_event *ev;
	uint64_t i;

	for (i = 0; i < dump->nevents; i++) {
		if (dump->events[i].kind == DIAL9_EV_MODE) {
			if (i == 0 || dump->events[i].ts_ns == dump->meta.start_ns)
				return 0;
			mode = dump->events[i].aux == DIAL9_MODE_OFF ? on : DIAL9_MODE_OFF;
			break;
		}
	}
	ev = realloc(dump->events, (dump->nevents + 1) * sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	memmove(ev + 1, ev, dump->nevents * sizeof(*ev));
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = dump->meta.start_ns;
	ev->kind = DIAL9_EV_MODE;
	ev->aux = mode;
	dump->events = ev;
	dump->nevents++;
	return 0;
}

int dumper__write(struct daemon *d, struct tracked *t, const struct pending_dump *why, int fd,
		  char *path_out, size_t path_len, uint64_t *events_out)
{
	struct dial9_window_stats st;
	struct dial9_dump dump;
	uint64_t now = now_mono_ns(), real = now_real_ns();
	char host[256] = "";
	int err;

	tracked__drain(t, now);
	tracked__flush_counts(d);
	memset(&dump, 0, sizeof(dump));
	err = dial9_window__snapshot(t->win, &dump.events, &dump.nevents);
	if (err)
		return err;
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
	if (dump.nevents && dump.events[0].ts_ns < dump.meta.start_ns)
		dump.meta.start_ns = dump.events[0].ts_ns;
	dump.meta.dump_realtime_ns = real;
	dump.meta.lost_ringbuf = t->lost_ringbuf;
	dump.meta.probes = t->probe_classes;
	dump.meta.lost_window = st.dropped;
	dump.meta.evicted = st.evicted;
	dump.strings = t->strings; /* borrowed: not freed here */
	err = prepend_mode(t, &dump);
	if (err) {
		free(dump.events);
		return err;
	}

	if (fd >= 0) {
		err = dial9_dump__write_fd(&dump, fd);
		if (path_out && path_len)
			path_out[0] = '\0';
	} else {
		char path[PATH_MAX];

		dump_name(t, why->reason, real, path, sizeof(path));
		err = dial9_dump__write(&dump, path, 0600);
		/* The process's owner may read the dump of their own process. */
		if (!err && chown(path, t->uid, (gid_t)-1))
			err = -errno;
		if (!err && path_out)
			snprintf(path_out, path_len, "%s", path);
		if (!err)
			retention__enforce(d, path);
	}
	if (!err) {
		t->dumps++;
		d->dumps_written++;
		if (events_out)
			*events_out = dump.nevents;
	}
	free(dump.events);
	return err;
}
