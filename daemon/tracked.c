// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracked.c - one recorded process: attach, ingest its ring buffer into its
 * rolling window, notice panics, fatal signals and exit, detach.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon.h"
#include "x86_insn.h"

#define LOCATION_MAX 512

static int pidfd_open_cloexec(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void read_comm(pid_t pid, char comm[17])
{
	char path[64];
	ssize_t n;
	int fd;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, 16);
	close(fd);
	if (n <= 0)
		return;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

/* Where the executable's code is mapped: its r-x mapping in /proc/PID/maps
 * (runtime addresses [lo, hi) holding file offsets from *off). */
static void exe_text_range(pid_t pid, const char *exe, uint64_t *lo, uint64_t *hi,
			   uint64_t *off)
{
	char path[64], line[PATH_MAX + 128];
	unsigned long long a, b, o;
	char perms[8];
	int name_at;
	FILE *f;

	*lo = *hi = *off = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		name_at = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &a, &b, perms, &o, &name_at) < 4 ||
		    !name_at || perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line + name_at, exe)) {
			*lo = a;
			*hi = b;
			*off = o;
			break;
		}
	}
	fclose(f);
}

struct tracked *tracked__find(struct daemon *d, pid_t pid)
{
	struct tracked *t;

	for (t = d->procs; t; t = t->next)
		if (t->pid == pid)
			return t;
	return NULL;
}

/* String id for a runtime address: a spawn site or a future's poll function. */
static uint64_t location_id(struct tracked *t, uint64_t addr, bool future)
{
	char buf[LOCATION_MAX];
	uint32_t id;

	if (!addr)
		return 0;
	id = addr_cache__get(&t->locations, addr);
	if (id)
		return id;
	if (!t->sym)
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)addr);
	else if (future)
		dial9_symbolizer__describe_future(t->sym, addr, buf, sizeof(buf));
	else /* a return address: the call instruction ends just before it */
		dial9_symbolizer__describe(t->sym, addr - 1, buf, sizeof(buf));
	id = dial9_strtab__add(&t->strings, buf);
	if (id)
		addr_cache__put(&t->locations, addr, id);
	return id;
}

/* Read a core::panic::Location of the process into "file:line:col";
 * false when it cannot be read. */
static bool read_location(struct tracked *t, uint64_t addr, char *buf, size_t len)
{
	struct { uint64_t file_ptr, file_len; uint32_t line, col; } loc;
	char file[4097];
	struct iovec local, remote;

	if (!addr)
		return false;
	local = (struct iovec){ &loc, sizeof(loc) };
	remote = (struct iovec){ (void *)(uintptr_t)addr, sizeof(loc) };
	if (process_vm_readv(t->pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(loc))
		return false;
	if (!loc.file_len || loc.file_len >= sizeof(file))
		return false;
	local = (struct iovec){ file, loc.file_len };
	remote = (struct iovec){ (void *)(uintptr_t)loc.file_ptr, loc.file_len };
	if (process_vm_readv(t->pid, &local, 1, &remote, 1, 0) != (ssize_t)loc.file_len)
		return false;
	file[loc.file_len] = '\0';
	if (strlen(file) != loc.file_len)
		return false;
	snprintf(buf, len, "%s:%u:%u", file, loc.line, loc.col);
	return true;
}

/* The panic's core::panic::Location, read from the (still unwinding)
 * process: "file:line:col"; 0 when it cannot be read. */
static uint64_t panic_location_id(struct tracked *t, uint64_t addr)
{
	char buf[4200];

	if (!read_location(t, addr, buf, sizeof(buf)))
		return 0;
	return dial9_strtab__add(&t->strings, buf);
}

/* The "file:line:col" string id of the core::panic::Location the call
 * returning to site passed as a constant argument (how a #[track_caller]
 * function such as tokio::spawn learns its caller), or 0. */
static uint32_t call_location_id(struct tracked *t, uint64_t site)
{
	char where[4200];
	uint64_t args[6];
	uint32_t found = 0;
	int valid = 0;

	if (dial9_symbolizer__call_arg_constants(t->sym, site, args) == 0) {
		for (int i = 0; i < 6; i++) {
			if (!args[i] || !read_location(t, args[i], where, sizeof(where)))
				continue;
			valid++;
			found = dial9_strtab__add(&t->strings, where);
		}
	}
	return valid == 1 ? found : 0; /* two Locations: cannot tell which */
}

/*
 * Where a task was spawned: the program's function that called the spawn
 * (the debug info's innermost frame of the program's own at the outermost
 * spawn function's return address, or where the spawn was inlined; else
 * the symbol there) and the call's file:line:col - from the
 * core::panic::Location that #[track_caller] has the caller pass to
 * tokio::spawn when the call is out of line (no debug info needed), else
 * from the debug info.  Cached per site.
 */
static uint64_t spawn_location_id(struct tracked *t, uint64_t site)
{
	char func[LOCATION_MAX], pos[4200], buf[LOCATION_MAX + 4200 + 4];
	uint32_t loc, id = addr_cache__get(&t->spawn_sites, site);
	bool framed;

	if (id)
		return id;
	if (!t->sym || !site)
		return location_id(t, site, false);
	loc = call_location_id(t, site);
	framed = dial9_symbolizer__user_frame(t->sym, site - 1, func, sizeof(func), pos,
					      sizeof(pos)) == 0;
	if (!framed && !loc)
		return location_id(t, site, false);
	if (!framed)
		dial9_symbolizer__function(t->sym, site - 1, func, sizeof(func));
	snprintf(buf, sizeof(buf), "%s (%s)", func, loc ? dial9_strtab__get(&t->strings, loc) : pos);
	id = dial9_strtab__add(&t->strings, buf);
	if (id)
		addr_cache__put(&t->spawn_sites, site, id);
	return id;
}

/* Does the raw::poll call returning to addr run the blocking pool's own
 * tasks (tokio::runtime::blocking::pool::Inner::run)?  By the symbol, or the
 * debug info's inline chain; without debug info a call from the standard
 * library's thread entry (where LTO inlines the pool's loop) counts too. */
static bool is_pool_site(struct tracked *t, uint64_t addr)
{
	char func[LOCATION_MAX];

	if (!t->sym || dial9_symbolizer__function(t->sym, addr - 1, func, sizeof(func)))
		return false;
	if (strstr(func, "tokio::runtime::blocking::pool"))
		return true;
	if (dial9_symbolizer__has_dwarf(t->sym))
		return dial9_symbolizer__inlined_from(t->sym, addr - 1, "tokio::runtime::blocking::pool");
	return !strncmp(func, "std::", 5) || !strncmp(func, "core::", 6);
}

/*
 * A raw::poll or park call returns to addr, and the BPF side does not know
 * it yet: probe it (DIAL9_PROBE_POLL_RETURN / PARK_RETURN) when a call
 * instruction ends there, so that polls end where they return.
 */
static void learn_ret_site(struct tracked *t, uint64_t addr, uint16_t called, uint64_t task_id)
{
	uint64_t cookie = called == DIAL9_PROBE_RAW_POLL ? DIAL9_PROBE_POLL_RETURN
			  : DIAL9_PROBE_PARK_RETURN | (called == DIAL9_PROBE_PARK_CT ? DIAL9_COOKIE_CT : 0);
	uint8_t code[16 + 64]; /* the call before addr, and what follows */
	struct iovec local = { code, sizeof(code) }, remote = { (void *)(uintptr_t)(addr - 16), 0 };
	bool ok = addr >= t->text_lo + 16 && addr < t->text_hi;
	bool pool = called == DIAL9_PROBE_RAW_POLL && is_pool_site(t, addr);
	uint64_t at = addr;
	int ret;

	remote.iov_len = ok ? (t->text_hi - addr < 64 ? t->text_hi - addr : 64) + 16 : 0;
	local.iov_len = remote.iov_len;
	ok = ok && process_vm_readv(t->pid, &local, 1, &remote, 1, 0) == (ssize_t)remote.iov_len &&
	     dial9_x86_call_ends_at(code, 16);
	if (ok) /* a cheaper place to probe, a few instructions on */
		at = dial9_x86_emulated_probe_at(code + 16, remote.iov_len - 16, addr);
	ret = recorder_proc__add_ret_site(t->rp, addr, at - t->text_lo + t->text_off, cookie,
					  ok && !pool, pool);
	/* the poll that reported it (first, or on another thread meanwhile) is
	 * the pool's: not a task's */
	if (pool && task_id)
		addr_cache__put(&t->pool_tasks, task_id, 1);
	if (ret == -EEXIST)
		return;
	if (ret == 0 && ok && !pool)
		t->ret_sites_probed++;
	else if (!pool)
		t->ret_sites_refused++;
	if (t->d->o.verbose || (ret && ret != -ENOSPC) || !ok) {
		char func[LOCATION_MAX];

		dial9_symbolizer__function(t->sym, addr - 1, func, sizeof(func));
		fprintf(stderr, "dial9d: %d: %s return site %#llx in %s%s%s\n", t->pid,
			dial9_probe_kind_name(called), (unsigned long long)addr, func,
			pool ? ": the blocking pool's"
			: ok ? (ret ? ": cannot probe: " : ": probed") : ": no call before it, not probed",
			!pool && ok && ret ? strerror(-ret) : "");
	}
}

/* The location of a stall: the first stack candidate in the program's own
 * code; a raw::poll copy stands for the future it polls (inlined into it). */
static uint16_t stall_location(struct tracked *t, uint32_t tid)
{
	struct stall_sites *ss = &t->stall_sites[tid % 16];
	char buf[LOCATION_MAX * 2 + 4], func[LOCATION_MAX], pos[LOCATION_MAX];
	uint32_t id = 0;
	int i;

	for (i = 0; i < DIAL9_STALL_SITES && !id && t->sym && ss->tid == tid; i++) {
		uint64_t a = ss->site[i];

		if (!a)
			continue;
		if (dial9_symbolizer__user_frame(t->sym, a - 1, func, sizeof(func), pos,
						 sizeof(pos)) == 0) {
			snprintf(buf, sizeof(buf), "%s (%s)", func, pos);
			id = dial9_strtab__add(&t->strings, buf);
			break;
		}
		dial9_symbolizer__describe(t->sym, a - 1, buf, sizeof(buf));
		if (!strncmp(buf, "tokio::runtime::task::raw::poll", 31))
			dial9_symbolizer__describe_future(t->sym, a - 1, buf, sizeof(buf));
		if (!dial9_is_runtime_path(buf))
			id = dial9_strtab__add(&t->strings, buf);
	}
	memset(ss, 0, sizeof(*ss));
	return id <= 65535 ? (uint16_t)id : 0;
}

static bool is_fatal(uint32_t sig)
{
	switch (sig) {
	case 4: case 5: case 6: case 7: case 8: case 9: case 11: case 31:
		return true;
	}
	return false;
}

/*
 * The blocking pool runs its work, the runtime's worker threads included,
 * as tasks of its own (BlockingTask<F> under BlockingSchedule): one "poll"
 * of a worker's launcher lasts as long as the worker and holds every poll of
 * that worker.  Those are the runtime's threads, not the program's tasks:
 * they are left out, and wakes they appear to make are the runtime's.
 */
static bool is_pool_future(const char *loc)
{
	return loc && (strstr(loc, "BlockingTask<") || strstr(loc, "BlockingSchedule"));
}

/* The probe set without the per-task copies (raw::poll, complete, dealloc)
 * of the blocking pool, when their futures can be named (v0 symbols or
 * debug info), and without the task id allocations that the debug info
 * places in spawn_blocking: those are not probed at all.  out->points is
 * malloc'd; names are borrowed. */
static int without_pool_polls(struct tracked *t, const struct dial9_probe_set *ps,
			      uint64_t text_lo, uint64_t text_hi, uint64_t text_off,
			      struct dial9_probe_set *out)
{
	char buf[LOCATION_MAX];
	size_t i;

	*out = *ps;
	out->points = calloc(ps->count + 1, sizeof(*out->points));
	if (!out->points)
		return -ENOMEM;
	out->count = 0;
	for (i = 0; i < ps->count; i++) {
		const struct dial9_probe_point *pt = &ps->points[i];
		uint64_t addr = text_lo + (pt->offset - text_off);

		bool per_task = pt->kind == DIAL9_PROBE_RAW_POLL || pt->kind == DIAL9_PROBE_COMPLETE ||
				pt->kind == DIAL9_PROBE_RAW_DEALLOC;

		bool mapped = t->sym && text_hi && pt->offset >= text_off && addr < text_hi;

		if ((per_task && mapped &&
		     (is_pool_future(pt->name) ||
		      (dial9_symbolizer__describe_future(t->sym, addr, buf, sizeof(buf)) == 0 &&
		       is_pool_future(buf)))) ||
		    (pt->kind == DIAL9_PROBE_TASK_ID && mapped &&
		     dial9_symbolizer__inlined_from(t->sym, addr, "spawn_blocking"))) {
			out->per_kind[pt->kind]--;
			continue;
		}
		out->points[out->count++] = *pt;
	}
	return 0;
}

/* false: drop the event */
static bool filter_pool(struct tracked *t, struct dial9_event *ev, uint64_t poll_addr)
{
	switch (ev->kind) {
	case DIAL9_EV_POLL_START:
		if (ev->task_id && addr_cache__get(&t->pool_tasks, ev->task_id))
			return false;
		if (!addr_cache__get(&t->pool_polls, poll_addr))
			return true;
		if (ev->task_id)
			addr_cache__put(&t->pool_tasks, ev->task_id, 1);
		return false;
	case DIAL9_EV_POLL_END:
	case DIAL9_EV_TERMINATE:
		return !(ev->task_id && addr_cache__get(&t->pool_tasks, ev->task_id));
	case DIAL9_EV_WAKE:
		if (ev->task_id && addr_cache__get(&t->pool_tasks, ev->task_id))
			return false;
		if (ev->aux == DIAL9_WAKER_TASK && addr_cache__get(&t->pool_tasks, ev->arg)) {
			ev->aux = DIAL9_WAKER_RUNTIME;
			ev->arg = 0;
		}
		return true;
	default:
		return true;
	}
}

static void on_event(void *ctx, const struct dial9_event *e)
{
	struct tracked *t = ctx;
	struct dial9_event ev = *e;
	uint64_t poll_addr = 0;

	switch (ev.kind) {
	case DIAL9_EV_RING_RET_SITE:
		learn_ret_site(t, ev.arg, ev.aux, ev.task_id);
		return;
	case DIAL9_EV_RING_POOL_TASK:
		addr_cache__put(&t->pool_tasks, ev.task_id, 1);
		return;
	case DIAL9_EV_SPAWN:
		ev.arg = spawn_location_id(t, ev.arg);
		break;
	case DIAL9_EV_POLL_START:
		poll_addr = ev.arg;
		if (!addr_cache__get(&t->locations, poll_addr)) {
			ev.arg = location_id(t, poll_addr, true);
			if (is_pool_future(dial9_strtab__get(&t->strings, (uint32_t)ev.arg)))
				addr_cache__put(&t->pool_polls, poll_addr, 1);
		} else {
			ev.arg = addr_cache__get(&t->locations, poll_addr);
		}
		break;
	case DIAL9_EV_STALL:
		if (ev.flags & DIAL9_STALL_F_SITE) {
			struct stall_sites *ss = &t->stall_sites[ev.tid % 16];

			if (ss->tid != ev.tid)
				memset(ss, 0, sizeof(*ss));
			ss->tid = ev.tid;
			if (ev.aux < DIAL9_STALL_SITES)
				ss->site[ev.aux] = ev.arg;
			return;
		}
		ev.aux = stall_location(t, ev.tid);
		if (ev.task_id && addr_cache__get(&t->pool_tasks, ev.task_id))
			ev.task_id = 0;
		break;
	case DIAL9_EV_PANIC:
		ev.arg = panic_location_id(t, ev.arg);
		if (!t->pending.reason) {
			t->pending.reason = DIAL9_REASON_PANIC;
			t->pending.signal = 0;
			t->pending.tid = ev.tid;
			t->pending.task = ev.task_id;
		}
		break;
	case DIAL9_EV_SIGNAL:
		if (is_fatal(ev.aux)) {
			t->last_fatal_signal = ev.aux;
			t->last_fatal_tid = ev.tid;
		}
		break;
	case DIAL9_EV_OOM:
		ev.arg *= (uint64_t)sysconf(_SC_PAGESIZE); /* pages in the ring, bytes in a dump */
		t->oom_killed = true;
		t->oom_tid = ev.tid;
		break;
	case DIAL9_EV_EXIT:
		t->exited = true;
		t->exit_signaled = ev.flags & DIAL9_EXIT_F_SIGNALED;
		t->exit_code = (uint32_t)ev.arg;
		break;
	default:
		break;
	}
	if (!filter_pool(t, &ev, poll_addr))
		return;
	/* each record but an inferred poll end and an unpark stands for one
	 * probe hit */
	if ((ev.kind != DIAL9_EV_POLL_END || !(ev.flags & DIAL9_POLL_F_INFERRED)) &&
	    ev.kind != DIAL9_EV_UNPARK && ev.kind != DIAL9_EV_LOST)
		t->hits++;
	if (!dial9_window__push(t->win, &ev))
		t->events++;
}

/* Report ring-buffer losses as LOST records, so the dump shows when. */
static void account_lost(struct tracked *t, uint64_t now_ns)
{
	uint64_t lost = recorder_proc__lost(t->rp);
	struct dial9_event ev = { 0 };

	if (lost <= t->lost_ringbuf)
		return;
	ev.ts_ns = now_ns;
	ev.kind = DIAL9_EV_LOST;
	ev.aux = DIAL9_LOST_RINGBUF;
	ev.arg = lost - t->lost_ringbuf;
	t->lost_ringbuf = lost;
	dial9_window__push(t->win, &ev);
}

void tracked__log_recording(const struct tracked *t, const char *why)
{
	char missing[2048], note[PATH_MAX + 64];

	fprintf(stderr, "dial9d: recording %d (%s, %s)%s: %u probe points, %u uprobes%s\n", t->pid,
		t->comm, t->exe, why, t->probes, recorder_proc__uprobes(t->rp),
		tracked__symbols_note(t, note, sizeof(note)));
	if (dial9_probe_classes_missing(t->probe_classes, missing, sizeof(missing)))
		fprintf(stderr, "dial9d: %d: %s\n", t->pid, missing);
}

const char *tracked__mode(const struct tracked *t)
{
	if (t->gov.off_until_ns)
		return "off";
	return t->d->o.poll_threshold_ns ? "sampled" : "full";
}

static void push_mode(struct tracked *t, uint64_t now_ns)
{
	struct dial9_event ev = { .ts_ns = now_ns, .kind = DIAL9_EV_MODE };

	ev.aux = t->gov.off_until_ns ? DIAL9_MODE_OFF
		 : t->d->o.poll_threshold_ns ? DIAL9_MODE_SAMPLED : DIAL9_MODE_FULL;
	dial9_window__push(t->win, &ev);
}

static void on_count(void *ctx, pid_t pid, uint64_t task_id, uint64_t count, uint64_t ns)
{
	struct daemon *d = ctx;
	struct tracked *t = tracked__find(d, pid);
	struct dial9_event ev = { .kind = DIAL9_EV_POLL_SUMMARY, .task_id = task_id };

	if (!t || (task_id && addr_cache__get(&t->pool_tasks, task_id)))
		return;
	ev.ts_ns = now_mono_ns();
	t->hits += count;
	while (count) { /* aux holds at most 65535 polls */
		uint64_t n = count > 65535 ? 65535 : count, part = ns / count * n;

		ev.aux = (uint16_t)n;
		ev.arg = count == n ? ns : part;
		ns -= ev.arg;
		count -= n;
		if (!dial9_window__push(t->win, &ev))
			t->events++;
	}
}

void tracked__flush_counts(struct daemon *d)
{
	if (d->o.poll_threshold_ns)
		recorder__drain_poll_counts(d->rec, on_count, d);
}

/*
 * The overhead governor.  While the high-frequency probes are on, the cost
 * is estimated as hits/s x cost per hit; over the budget, they are taken
 * off for as long as makes the average meet it (at most GOVERNOR_MAX_OFF_S,
 * so that no stretch goes long unrecorded), then put back to measure again
 * for GOVERNOR_MEASURE_S.  Spawn, completion, panic, crash capture and the
 * stall detector stay.
 */
#define GOVERNOR_MEASURE_S 0.25
#define GOVERNOR_MAX_OFF_S 10.0
static void govern(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	struct governor *g = &t->gov;
	double secs = (double)(now_ns - g->since_ns) / 1e9, budget = d->o.overhead_budget;

	if (g->off_until_ns) {
		if (now_ns < g->off_until_ns)
			return;
		if (recorder_proc__set_hf(t->rp, true) == 0) {
			g->off_until_ns = 0;
			g->since_ns = now_ns;
			g->hits_at = t->hits;
			push_mode(t, now_ns);
		}
		return;
	}
	if (secs < GOVERNOR_MEASURE_S)
		return;
	g->hits_per_sec = (double)(t->hits - g->hits_at) / secs;
	g->cost = g->hits_per_sec * (double)d->o.hit_cost_ns / 1e9;
	if (budget <= 0 || g->cost <= budget) {
		g->duty = 1.0;
		g->since_ns = now_ns;
		g->hits_at = t->hits;
		return;
	}
	/* on for `secs`, off for secs * (cost / budget - 1): on average, budget */
	{
		double off = secs * (g->cost / budget - 1.0);

		if (off > GOVERNOR_MAX_OFF_S)
			off = GOVERNOR_MAX_OFF_S;
		g->duty = secs / (secs + off);
		if (recorder_proc__set_hf(t->rp, false) == 0) {
			g->off_until_ns = now_ns + (uint64_t)(off * 1e9);
			push_mode(t, now_ns);
			if (d->o.verbose)
				fprintf(stderr,
					"dial9d: %d: estimated %.1f%% of a CPU (%.0f hits/s), "
					"poll/wake probes off for %.1fs\n",
					t->pid, g->cost * 100, g->hits_per_sec, off);
		}
	}
}

void tracked__govern(struct daemon *d, uint64_t now_ns)
{
	struct tracked *t;

	for (t = d->procs; t; t = t->next)
		govern(d, t, now_ns);
}

void tracked__second(struct daemon *d, uint64_t now_ns)
{
	tracked__flush_counts(d);
}

void tracked__drain(struct tracked *t, uint64_t now_ns)
{
	recorder_proc__drain(t->rp);
	account_lost(t, now_ns);
	dial9_window__expire(t->win, now_ns);
	if (now_ns - t->rate_ns >= 1000000000ULL) {
		if (t->rate_ns)
			t->events_per_sec = (double)(t->events - t->rate_events) * 1e9 /
					    (double)(now_ns - t->rate_ns);
		t->rate_ns = now_ns;
		t->rate_events = t->events;
	}
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

static void free_tracked(struct tracked *t)
{
	if (!t)
		return;
	dial9_window__free(t->win);
	dial9_strtab__free(&t->strings);
	addr_cache__free(&t->locations);
	addr_cache__free(&t->pool_polls);
	addr_cache__free(&t->pool_tasks);
		addr_cache__free(&t->spawn_sites);
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
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->d = d;
	t->pid = pid;
	dial9_strtab__init(&t->strings);
	addr_cache__init(&t->locations);
	addr_cache__init(&t->pool_polls);
	addr_cache__init(&t->pool_tasks);
		addr_cache__init(&t->spawn_sites);

	/* The pidfd pins the identity of the process we check and attach to. */
	t->pidfd = pidfd_open_cloexec(pid);
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
	read_comm(pid, t->comm);
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
	exe_text_range(pid, t->exe, &text_lo, &text_hi, &text_off);
	t->text_lo = text_lo;
	t->text_hi = text_hi;
	t->text_off = text_off;
	ret = without_pool_polls(t, ps, text_lo, text_hi, text_off, &own);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	t->probe_classes = dial9_probe_classes(&own);
	ret = recorder__attach(d->rec, pid, exe_link, &own, text_lo, text_hi, text_off, on_event, t,
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
	push_mode(t, t->attached_ns);
	t->next = d->procs;
	d->procs = t;
	d->nprocs++;
	dial9_probe_set__free(found);
	*out = t;
	return 0;

cleanup:
	recorder__detach(d->rec, t->rp);
	dial9_probe_set__free(found);
	free_tracked(t);
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
		free_tracked(t);
	}
}

static void write_pending(struct daemon *d, struct tracked *t, const struct pending_dump *why)
{
	char path[PATH_MAX], msg[512];
	uint64_t events = 0;
	int err;

	err = dumper__write(d, t, why, -1, path, sizeof(path), &events, msg, sizeof(msg));
	if (err)
		fprintf(stderr, "dial9d: dump of %d (%s) failed: %s\n", t->pid,
			dial9_reason_name(why->reason), msg);
	else
		fprintf(stderr, "dial9d: dumped %d (%s, %s) to %s: %llu events\n", t->pid,
			t->comm, dial9_reason_name(why->reason), path,
			(unsigned long long)events);
}

/* Keep at most panic_dumps_per_min panic dumps per minute per process. */
static bool panic_dump_allowed(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	uint32_t i, recent = 0, oldest = 0, max = d->o.panic_dumps_per_min;
	const uint32_t slots = sizeof(t->panic_dump_ns) / sizeof(t->panic_dump_ns[0]);

	if (max > slots)
		max = slots;
	for (i = 0; i < slots; i++) {
		if (t->panic_dump_ns[i] && now_ns - t->panic_dump_ns[i] < 60000000000ULL)
			recent++;
		if (t->panic_dump_ns[i] < t->panic_dump_ns[oldest])
			oldest = i;
	}
	if (recent >= max)
		return false;
	t->panic_dump_ns[oldest] = now_ns;
	return true;
}

void tracked__tick(struct daemon *d, struct tracked *t, uint64_t now_ns)
{
	struct pending_dump why = t->pending;

	if (!why.reason)
		return;
	memset(&t->pending, 0, sizeof(t->pending));
	if (why.reason == DIAL9_REASON_PANIC && !panic_dump_allowed(d, t, now_ns)) {
		fprintf(stderr, "dial9d: panic in %d (%s): dump skipped (rate limit)\n", t->pid,
			t->comm);
		return;
	}
	write_pending(d, t, &why);
}

void tracked__on_exit(struct daemon *d, struct tracked *t)
{
	struct pending_dump why = { 0 };
	uint64_t now = now_mono_ns();

	/* What the process did last is still in its ring: take it all. */
	tracked__drain(t, now);
	if (t->oom_killed && (!t->exited || (t->exit_signaled && t->exit_code == SIGKILL))) {
		why.reason = DIAL9_REASON_OOM;
		why.signal = SIGKILL;
		why.tid = t->oom_tid;
	} else if (t->exited && t->exit_signaled && is_fatal(t->exit_code)) {
		why.reason = DIAL9_REASON_SIGNAL;
		why.signal = t->exit_code;
		why.tid = t->last_fatal_signal == t->exit_code ? t->last_fatal_tid : 0;
	} else if (!t->exited && t->last_fatal_signal) {
		/* Exit record lost: the last fatal signal is the best evidence. */
		why.reason = DIAL9_REASON_SIGNAL;
		why.signal = t->last_fatal_signal;
		why.tid = t->last_fatal_tid;
	} else if (t->pending.reason) {
		why = t->pending; /* a panic that ended the process */
	} else if (d->o.dump_on_exit) {
		why.reason = DIAL9_REASON_EXIT;
	}
	if (t->pending.reason == DIAL9_REASON_PANIC && why.reason == DIAL9_REASON_SIGNAL) {
		/* panic=abort: the panic explains the SIGABRT */
		why.task = t->pending.task;
	}
	memset(&t->pending, 0, sizeof(t->pending));
	if (why.reason)
		write_pending(d, t, &why);
	if (d->o.verbose)
		fprintf(stderr, "dial9d: process %d (%s) exited; released\n", t->pid, t->comm);
	tracked__detach(d, t);
}
