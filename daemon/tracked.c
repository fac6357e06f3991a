// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracked.c - the table of recorded processes: attach (probe points,
 * symbols, window, ring buffer and pidfd into the event loop), find,
 * detach, and free between epoll batches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "access.h"
#include "blocking_pool.h"
#include "clock.h"
#include "governor.h"
#include "ingest.h"
#include "probe_classes.h"
#include "procfs.h"
#include "tracked.h"

void tracked__log_recording(const struct tracked *t, const char *why)
{
	char missing[2048], note[PATH_MAX + 64];

	fprintf(stderr, "dial9d: recording %d (%s, %s)%s: %u probe points, %u uprobes%s\n", t->pid,
		t->comm, t->exe, why, t->probes, recorder_proc__uprobes(t->rp),
		tracked__symbols_note(t, note, sizeof(note)));
	if (dial9_probe_classes_missing(t->probe_classes, missing, sizeof(missing)))
		fprintf(stderr, "dial9d: %d: %s\n", t->pid, missing);
}

struct dial9_symbols_opts tracked__symbols_opts(const struct daemon *d, const char *exe)
{
	return (struct dial9_symbols_opts){ .exe_name = exe, .debuginfo = &d->o.debuginfo };
}

const char *tracked__symbols_note(const struct tracked *t, char *buf, size_t len)
{
	buf[0] = '\0';
	if (t->symbols_method != DIAL9_DEBUGINFO_NONE)
		snprintf(buf, len, ", symbols from %s (%s)", t->symbols_from,
			 dial9_debuginfo_method_name(t->symbols_method));
	return buf;
}

struct tracked *tracked__new(struct daemon *d, pid_t pid)
{
	struct tracked *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->d = d;
	t->pid = pid;
	t->pidfd = -1;
	proc_stats__init(&t->stats, d->o.poll_threshold_ns, now_mono_ns());
	dial9_strtab__init(&t->strings);
	addr_cache__init(&t->locations);
	addr_cache__init(&t->pool_polls);
	addr_cache__init(&t->pool_tasks);
	addr_cache__init(&t->spawn_sites);
	addr_cache__init(&t->sample_sites);
	tls_learning__init(&t->tls);
	thread_table__init(&t->threads);
	return t;
}

void tracked__free(struct tracked *t)
{
	if (!t)
		return;
	dial9_window__free(t->win);
	dial9_strtab__free(&t->strings);
	addr_cache__free(&t->locations);
	addr_cache__free(&t->pool_polls);
	addr_cache__free(&t->pool_tasks);
	addr_cache__free(&t->spawn_sites);
	addr_cache__free(&t->sample_sites);
	thread_table__free(&t->threads);
	dial9_symbolizer__free(t->sym);
	if (t->pidfd >= 0)
		close(t->pidfd);
	free(t);
}

int tracked__attach(struct daemon *d, pid_t pid, const struct dial9_probe_set *known,
		    struct tracked **out, char *err, size_t errlen)
{
	struct dial9_probe_set *found = NULL;
	const struct dial9_probe_set *ps = known;
	struct dial9_symbols_opts so;
	struct epoll_event ev = { .events = EPOLLIN };
	struct tracked *t;
	uint64_t text_lo = 0, text_hi = 0, text_off = 0;
	struct dial9_probe_set own = { 0 };
	char exe_link[64];
	ssize_t n;
	int ret;

	if (tracked__find(d, pid)) {
		snprintf(err, errlen, "process %d is already recorded", pid);
		return -EEXIST;
	}
	if (d->nprocs >= d->o.max_procs) {
		snprintf(err, errlen, "already recording %u processes (--max-procs)", d->nprocs);
		return -ENOSPC;
	}
	t = tracked__new(d, pid);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}

	/* The pidfd pins the identity of the process we check and attach to. */
	t->pidfd = procfs__pidfd_open(pid);
	if (t->pidfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "no such process %d", pid);
		goto cleanup;
	}
	ret = proc__owner(pid, &t->uid);
	if (ret) {
		snprintf(err, errlen, "cannot read process %d: %s", pid, strerror(-ret));
		goto cleanup;
	}
	procfs__read_comm(pid, t->comm);
	snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", pid);
	n = readlink(exe_link, t->exe, sizeof(t->exe) - 1);
	if (n < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", exe_link, strerror(errno));
		goto cleanup;
	}
	t->exe[n] = '\0';

	so = tracked__symbols_opts(d, t->exe);
	if (!ps) {
		ret = dial9_probe_set__find_opts(exe_link, &so, &found, err, errlen);
		if (ret) {
			/* Name the real path, not /proc/PID/exe, in the message. */
			if (ret == -ENOEXEC)
				snprintf(err, errlen, "%s is not an ELF executable", t->exe);
			goto cleanup;
		}
		ps = found;
	}
	t->probes = ps->count;
	snprintf(t->build_id, sizeof(t->build_id), "%s", ps->build_id);
	t->symbols_method = ps->symbols_method;
	if (ps->symbols_method != DIAL9_DEBUGINFO_NONE)
		snprintf(t->symbols_from, sizeof(t->symbols_from), "%s", ps->symbols_from);
	/* the probe points' symbols, again: the same debug file */
	so.debug_file = ps->symbols_from;
	so.debug_method = ps->symbols_method;
	t->sym = dial9_symbolizer__new_opts(pid, &so, err, errlen); /* best effort */

	t->win = dial9_window__new(d->o.window_ns, d->o.max_bytes);
	if (!t->win) {
		ret = -errno;
		snprintf(err, errlen, "cannot create window: %s", strerror(errno));
		goto cleanup;
	}
	procfs__exe_text_range(pid, t->exe, &text_lo, &text_hi, &text_off);
	t->text_lo = text_lo;
	t->text_hi = text_hi;
	t->text_off = text_off;
	ret = blocking_pool__probe_set(t, ps, text_lo, text_hi, text_off, &own);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	t->probe_classes = dial9_probe_classes(&own);
	t->probe_set_has_tls = own.tls_context_off != 0;
	ret = recorder__attach(d->rec, pid, exe_link, &own, text_lo, text_hi, text_off, ingest__on_event, t,
			       &t->rp);
	free(own.points);
	if (ret) {
		snprintf(err, errlen, "cannot attach probes to %d: %s", pid, strerror(-ret));
		goto cleanup;
	}
	t->src_pidfd = (struct ep_source){ EP_PIDFD, t->pidfd, t };
	t->src_ring = (struct ep_source){ EP_RING, recorder_proc__epoll_fd(t->rp), t };
	ev.data.ptr = &t->src_ring;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, t->src_ring.fd, &ev)) {
		ret = -errno;
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto cleanup;
	}
	ev.data.ptr = &t->src_pidfd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, t->pidfd, &ev)) {
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, t->src_ring.fd, NULL);
		ret = -errno;
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto cleanup;
	}
	t->attached_ns = now_mono_ns();
	t->gov.since_ns = t->attached_ns;
	t->gov.duty = 1.0;
	trigger__init(&t->trig, &d->o.triggers, t->exe, t->comm);
	governor__push_mode(t, t->attached_ns);
	t->next = d->procs;
	d->procs = t;
	d->nprocs++;
	dial9_probe_set__free(found);
	*out = t;
	return 0;

cleanup:
	recorder__detach(d->rec, t->rp);
	dial9_probe_set__free(found);
	tracked__free(t);
	return ret;
}

/*
 * Stop recording t.  Later events of the epoll batch being handled may still
 * name t (its ring, its pidfd): it is only unlinked, marked released and
 * kept on d->released; tracked__reap() frees it between batches.
 */
void tracked__detach(struct daemon *d, struct tracked *t)
{
	struct tracked **pp;

	if (t->released)
		return;
	for (pp = &d->procs; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			d->nprocs--;
			break;
		}
	}
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, t->pidfd, NULL);
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, t->src_ring.fd, NULL);
	recorder__detach(d->rec, t->rp);
	t->rp = NULL;
	t->released = true;
	t->next = d->released;
	d->released = t;
}

void tracked__reap(struct daemon *d)
{
	while (d->released) {
		struct tracked *t = d->released;

		d->released = t->next;
		tracked__free(t);
	}
}
