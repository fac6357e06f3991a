// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * recorder.c - load dial9.bpf.c once; per process: a slot (its ring buffer
 * in the `rings` array of maps, its control block in `procs`, its loss
 * counter), and one multi-uprobe link per kind of probe point.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <linux/perf_event.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dial9.skel.h"
#include "dial9_ctl.h"
#include "recorder.h"

/* BPF_TRACE_UPROBE_MULTI (Linux 6.6) is newer than the uapi headers and
 * libbpf this builds against: the link is created with the raw syscall. */
#define DIAL9_TRACE_UPROBE_MULTI 48
#define DIAL9_F_UPROBE_MULTI_RETURN 1U

struct recorder {
	struct dial9_bpf *skel;
	struct ring_buffer *execs;
	recorder_exec_fn on_exec;
	void *exec_ctx;
	uint32_t ring_bytes;
	int ncpus;
	bool floor;
	uint32_t nprocs;            /* attached: sched_switch runs only while > 0 */
	uint32_t sample_hz;         /* CPU sampler rate (0: off) */
	struct bpf_link **samplers; /* one per CPU while nprocs > 0, NULL where none */
	uint32_t nsamplers;         /* opened */
	struct dial9_proc_ctl *ctls; /* the procs map, shared with the programs */
	size_t ctls_bytes;
	uint8_t slot_state[DIAL9_MAX_PROCS]; /* enum slot_state */
};

/* A slot given back may still be in use by a program that found it its
 * process's just before: it is free again after an RCU grace period (the
 * programs run under rcu_read_lock). */
enum slot_state { SLOT_FREE = 0, SLOT_USED, SLOT_RELEASED };

/* Three groups of links per process: the always-on entries (spawn,
 * completion, panic), the spawn returns, and the high-frequency entries
 * (polls, wakes, parks, driver context) that the overhead governor may take
 * away and put back.  Within a group, one link per kind of probe point (each
 * kind has its own program, so bpf stats tell their costs apart); plus one
 * small link per return site learned while the high-frequency group is on
 * (merged into its kind's link when the group is put back). */
enum { LINK_LF = 0, LINK_RET, LINK_HF };

struct recorder_proc {
	struct recorder *r;
	pid_t pid;
	int ring_fd;
	struct ring_buffer *rb;
	int link_fds[DIAL9_PROBE_KIND_MAX][2]; /* [kind][return probe]: multi-uprobe
						* links, -1 if none */
	uint32_t npoints[DIAL9_PROBE_KIND_MAX][2]; /* uprobes behind them */
	bool hf_on;             /* the high-frequency group is attached */
	char *exe;              /* path the links were made with */
	__u64 *hf_off, *hf_cookie; /* the high-frequency link's points, to re-attach;
				    * room for DIAL9_MAX_RET_SITES more */
	uint32_t hf_n;
	int site_fds[DIAL9_MAX_RET_SITES]; /* learned return sites' own links, -1 if none */
	uint32_t nsite_fds;
	uint32_t slot;          /* DIAL9_MAX_PROCS: none */
	struct dial9_proc_ctl *ctl; /* r->ctls[slot] */
	bool counted;           /* in r->nprocs */
	recorder_event_fn fn;
	void *ctx;
};

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int handle_exec(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;
	__u32 pid;

	if (size < sizeof(pid) || !r->on_exec)
		return 0;
	memcpy(&pid, data, sizeof(pid));
	r->on_exec(r->exec_ctx, (pid_t)pid);
	return 0;
}

int recorder__new(struct recorder **out, const struct recorder_opts *o)
{
	struct bpf_program *prog;
	struct recorder *r;
	size_t page;
	int err;

	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ring_bytes = o->ring_bytes;
	r->sample_hz = o->floor ? 0 : o->cpu_sample_hz;
	r->on_exec = o->on_exec;
	r->exec_ctx = o->exec_ctx;
	r->ncpus = libbpf_num_possible_cpus();
	if (r->ncpus <= 0) {
		err = r->ncpus ? r->ncpus : -EINVAL;
		goto cleanup;
	}

	r->skel = dial9_bpf__open();
	if (!r->skel) {
		err = -errno;
		goto cleanup;
	}
	r->skel->rodata->wakeup_bytes = o->ring_bytes / 4;
	r->skel->rodata->discover = o->discover;
	r->skel->rodata->poll_threshold_ns = o->poll_threshold_ns;
	r->floor = o->floor;
	bpf_object__for_each_program(prog, r->skel->obj)
		if (bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE) /* the uprobes */
			bpf_program__set_expected_attach_type(prog, DIAL9_TRACE_UPROBE_MULTI);
	err = dial9_bpf__load(r->skel);
	if (err)
		goto cleanup;
	page = (size_t)sysconf(_SC_PAGESIZE);
	r->ctls_bytes = ((size_t)DIAL9_MAX_PROCS * sizeof(*r->ctls) + page - 1) / page * page;
	r->ctls = mmap(NULL, r->ctls_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(r->skel->maps.procs), 0);
	if (r->ctls == MAP_FAILED) {
		r->ctls = NULL;
		err = -errno;
		goto cleanup;
	}

	/* System-wide tracepoints; they record only for processes in `slots`. */
	r->skel->links.signal_generate = bpf_program__attach(r->skel->progs.signal_generate);
	if (!r->skel->links.signal_generate) {
		err = -errno;
		goto cleanup;
	}
	r->skel->links.process_exit = bpf_program__attach(r->skel->progs.process_exit);
	if (!r->skel->links.process_exit) {
		err = -errno;
		goto cleanup;
	}
	/* Without it an OOM kill is still dumped, as a SIGKILL from the kernel. */
	r->skel->links.mark_victim = bpf_program__attach(r->skel->progs.mark_victim);
	if (!r->skel->links.mark_victim)
		fprintf(stderr, "dial9d: oom:mark_victim not attached (%s): OOM kills will be "
			"reported as SIGKILL from the kernel\n", strerror(errno));
	r->skel->links.process_exec = bpf_program__attach(r->skel->progs.process_exec);
	if (!r->skel->links.process_exec) {
		err = -errno;
		goto cleanup;
	}
	r->execs = ring_buffer__new(bpf_map__fd(r->skel->maps.execs), handle_exec, r, NULL);
	if (!r->execs) {
		err = -errno;
		goto cleanup;
	}
	*out = r;
	return 0;

cleanup:
	recorder__free(r);
	return err;
}

/* The CPU sampler: a software clock event at sample_hz on every CPU, its
 * samples given to cpu_sample (dial9.bpf.c).  A CPU that cannot be sampled
 * (offline) is left out; none at all is said once. */
static void sampler_start(struct recorder *r)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
	};
	int cpu, fd;

	if (!r->sample_hz || r->samplers)
		return;
	attr.sample_period = 1000000000ull / r->sample_hz; /* cpu-clock counts ns */
	r->samplers = calloc((size_t)r->ncpus, sizeof(*r->samplers));
	if (!r->samplers)
		return;
	for (cpu = 0; cpu < r->ncpus; cpu++) {
		fd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0)
			continue;
		r->samplers[cpu] = bpf_program__attach_perf_event(r->skel->progs.cpu_sample, fd);
		if (!r->samplers[cpu]) {
			close(fd);
			continue;
		}
		r->nsamplers++;
	}
	if (!r->nsamplers)
		fprintf(stderr, "dial9d: CPU sampler: no perf event could be opened (%s): no CPU "
			"samples\n", strerror(errno));
}

/* The links own their perf event fds. */
static void sampler_stop(struct recorder *r)
{
	int cpu;

	if (!r->samplers)
		return;
	for (cpu = 0; cpu < r->ncpus; cpu++)
		bpf_link__destroy(r->samplers[cpu]);
	free(r->samplers);
	r->samplers = NULL;
	r->nsamplers = 0;
}

uint32_t recorder__sampling_cpus(const struct recorder *r)
{
	return r->nsamplers;
}

void recorder__free(struct recorder *r)
{
	if (!r)
		return;
	sampler_stop(r);
	ring_buffer__free(r->execs);
	if (r->ctls)
		munmap(r->ctls, r->ctls_bytes);
	dial9_bpf__destroy(r->skel);
	free(r);
}

int recorder__execs_epoll_fd(const struct recorder *r)
{
	return ring_buffer__epoll_fd(r->execs);
}

int recorder__drain_execs(struct recorder *r)
{
	return ring_buffer__consume(r->execs);
}

uint64_t recorder__execs_lost(const struct recorder *r)
{
	return r->skel->bss->execs_lost;
}

static int handle_sample(void *ctx, void *data, size_t size)
{
	struct recorder_proc *p = ctx;

	if (size < sizeof(struct dial9_event))
		return 0;
	p->fn(p->ctx, data);
	return 0;
}

struct uprobe_multi_link_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 um_flags;
	__u32 pid;
	__u32 pad;
};

static int uprobe_multi_attach(int prog_fd, const char *path, const __u64 *offsets,
			       const __u64 *cookies, __u32 cnt, bool retprobe, pid_t pid)
{
	struct uprobe_multi_link_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = (__u32)prog_fd;
	a.attach_type = DIAL9_TRACE_UPROBE_MULTI;
	a.path = (__u64)(uintptr_t)path;
	a.offsets = (__u64)(uintptr_t)offsets;
	a.cookies = (__u64)(uintptr_t)cookies;
	a.cnt = cnt;
	a.um_flags = retprobe ? DIAL9_F_UPROBE_MULTI_RETURN : 0;
	a.pid = (__u32)pid;
	fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

/* Which group of links a probe point belongs to, or -1. */
static int link_of(enum dial9_probe_kind k, bool ret)
{
	if (ret) /* only functions that return soon: see end_poll() in dial9.bpf.c */
		return k == DIAL9_PROBE_SPAWN ? LINK_RET : -1;
	switch (k) {
	case DIAL9_PROBE_RAW_POLL:
	case DIAL9_PROBE_WAKE_BY_VAL:
	case DIAL9_PROBE_WAKE_BY_REF:
	case DIAL9_PROBE_IO_WAKE:
	case DIAL9_PROBE_TIMER_FIRE:
	case DIAL9_PROBE_PARK: /* once per request on a busy server: as costly as the rest */
	case DIAL9_PROBE_PARK_CT:
	case DIAL9_PROBE_POLL_RETURN:
	case DIAL9_PROBE_PARK_RETURN:
		return LINK_HF;
	case DIAL9_PROBE_SPAWN:
	case DIAL9_PROBE_SPAWN_BIND:
	case DIAL9_PROBE_TASK_ID:
	case DIAL9_PROBE_COMPLETE:
	case DIAL9_PROBE_RAW_DEALLOC:
	case DIAL9_PROBE_PANIC:
	case DIAL9_PROBE_POOL_POLL: /* once per spawn_blocking task and per worker's start */
		return LINK_LF;
	default:
		return -1;
	}
}

/* The program behind the probe points of kind k (ret: their return
 * probes); NULL for a kind that is not attached. */
static struct bpf_program *kind_prog(const struct recorder *r, enum dial9_probe_kind k, bool ret)
{
	struct dial9_bpf *s = r->skel;

	if (link_of(k, ret) < 0)
		return NULL;
	if (r->floor)
		return ret ? s->progs.probe_floor_return : s->progs.probe_floor;
	if (ret)
		return s->progs.spawn_return;
	switch (k) {
	case DIAL9_PROBE_RAW_POLL:
		return s->progs.poll_entry;
	case DIAL9_PROBE_POLL_RETURN:
		return s->progs.poll_ret_site;
	case DIAL9_PROBE_POOL_POLL:
		return s->progs.pool_poll;
	case DIAL9_PROBE_WAKE_BY_VAL:
	case DIAL9_PROBE_WAKE_BY_REF:
		return s->progs.wake;
	case DIAL9_PROBE_SPAWN:
		return s->progs.spawn_entry;
	case DIAL9_PROBE_SPAWN_BIND:
		return s->progs.spawn_bind_at;
	case DIAL9_PROBE_TASK_ID:
		return s->progs.task_id_at;
	case DIAL9_PROBE_COMPLETE:
		return s->progs.task_complete;
	case DIAL9_PROBE_RAW_DEALLOC:
		return s->progs.task_dealloc;
	case DIAL9_PROBE_PARK:
	case DIAL9_PROBE_PARK_CT:
		return s->progs.park_entry;
	case DIAL9_PROBE_PARK_RETURN:
		return s->progs.park_ret_site;
	case DIAL9_PROBE_IO_WAKE:
		return s->progs.io_wake;
	case DIAL9_PROBE_TIMER_FIRE:
		return s->progs.timer_fire;
	case DIAL9_PROBE_PANIC:
		return s->progs.panic_entry;
	default:
		return NULL;
	}
}

/* Attach the points (off, cookie)[0..n) that are of kind k (by their
 * cookie) with one link; off and cookie are reused as scratch space. */
static int attach_kind(struct recorder_proc *p, enum dial9_probe_kind k, bool ret,
		       const __u64 *off, const __u64 *cookie, uint32_t n, __u64 *koff,
		       __u64 *kcookie)
{
	struct bpf_program *prog = kind_prog(p->r, k, ret);
	uint32_t i, m = 0;
	int fd;

	for (i = 0; i < n && prog; i++) {
		if (DIAL9_COOKIE_KIND(cookie[i]) != k)
			continue;
		koff[m] = off[i];
		kcookie[m] = cookie[i];
		m++;
	}
	if (!m)
		return 0;
	fd = uprobe_multi_attach(bpf_program__fd(prog), p->exe, koff, kcookie, m, ret, p->pid);
	if (fd < 0)
		return fd;
	p->link_fds[k][ret] = fd;
	p->npoints[k][ret] = m;
	return 0;
}

/* Attach the points of group `link` among (off, cookie)[0..n), a link per
 * kind. */
static int attach_group(struct recorder_proc *p, int link, const __u64 *off, const __u64 *cookie,
			uint32_t n)
{
	bool ret = link == LINK_RET;
	__u64 *koff, *kcookie;
	int k, err = 0;

	koff = calloc(n + 1, sizeof(*koff));
	kcookie = calloc(n + 1, sizeof(*kcookie));
	if (!koff || !kcookie) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (k = 0; k < DIAL9_PROBE_KIND_MAX && !err; k++)
		if (link_of(k, ret) == link)
			err = attach_kind(p, k, ret, off, cookie, n, koff, kcookie);
cleanup:
	free(koff);
	free(kcookie);
	return err;
}

static int attach_probes(struct recorder_proc *p, const struct dial9_probe_set *ps)
{
	__u64 *off = NULL, *cookie = NULL;
	uint32_t n, polls = 0;
	size_t i;
	int err = 0, link;

	off = calloc(ps->count + 1, sizeof(*off));
	cookie = calloc(ps->count + 1, sizeof(*cookie));
	p->hf_off = calloc(ps->count + DIAL9_MAX_RET_SITES + 1, sizeof(*off));
	p->hf_cookie = calloc(ps->count + DIAL9_MAX_RET_SITES + 1, sizeof(*cookie));
	if (!off || !cookie || !p->hf_off || !p->hf_cookie) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (link = LINK_LF; link <= LINK_HF; link++) {
		for (i = 0, n = 0; i < ps->count; i++) {
			enum dial9_probe_kind k = ps->points[i].kind;

			if (link_of(k, link == LINK_RET) != link)
				continue;
			off[n] = ps->points[i].offset;
			cookie[n] = ps->points[i].cookie; /* its kind in the low byte */
			n++;
			polls += k == DIAL9_PROBE_RAW_POLL;
		}
		if (link == LINK_HF) {
			memcpy(p->hf_off, off, n * sizeof(*off));
			memcpy(p->hf_cookie, cookie, n * sizeof(*cookie));
			p->hf_n = n;
			p->hf_on = true;
		}
		err = attach_group(p, link, off, cookie, n);
		if (err)
			goto cleanup;
	}
	if (!polls)
		err = -ESRCH;
cleanup:
	free(off);
	free(cookie);
	return err;
}

/* A free slot, waiting for a grace period first when only released ones
 * are left; 0 or a negative errno. */
static int slot_take(struct recorder *r, uint32_t *slot)
{
	uint32_t i, released = 0;

	for (i = 0; i < DIAL9_MAX_PROCS; i++) {
		if (r->slot_state[i] == SLOT_FREE) {
			r->slot_state[i] = SLOT_USED;
			*slot = i;
			return 0;
		}
		released += r->slot_state[i] == SLOT_RELEASED;
	}
	if (!released)
		return -ENOSPC;
	/* synchronize_rcu(): a program still running with a released slot
	 * started before the slot was emptied, and is done after this */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		return -errno;
	for (i = 0; i < DIAL9_MAX_PROCS; i++)
		if (r->slot_state[i] == SLOT_RELEASED)
			r->slot_state[i] = SLOT_FREE;
	return slot_take(r, slot);
}

/* Fill p's control block, its owner last (see struct dial9_proc_ctl). */
static void ctl_fill(struct recorder_proc *p, const struct dial9_probe_set *ps, uint64_t text_lo,
		     uint64_t text_hi, uint64_t text_off)
{
	struct dial9_proc_ctl *c = p->ctl;

	memset(c, 0, sizeof(*c));
	c->text_lo = text_lo;
	c->text_hi = text_hi;
	c->hdr_vtable_off = ps->hdr_vtable_off;
	c->vtable_id_off = ps->vtable_id_off;
	c->tls_context_off = ps->tls_context_off;
	c->tls_context_qwords = (__u16)(ps->tls_context_size / 8 < DIAL9_TLS_SCAN_QWORDS
					? ps->tls_context_size / 8 : DIAL9_TLS_SCAN_QWORDS);
	c->tls_learn = ps->tls_context_off && c->tls_context_qwords;
	/* return sites found in the file: the BPF side need not report them */
	for (size_t i = 0; i < ps->count && text_lo; i++) {
		const struct dial9_probe_point *pt = &ps->points[i];

		if ((pt->kind == DIAL9_PROBE_PARK_RETURN || pt->kind == DIAL9_PROBE_POLL_RETURN) &&
		    pt->site_offset >= text_off && c->nsites < DIAL9_MAX_RET_SITES) {
			c->probed_sites |= 1u << c->nsites;
			c->ret_sites[c->nsites++] = text_lo + (pt->site_offset - text_off);
		}
	}
	__atomic_store_n(&c->tgid, (__u32)p->pid, __ATOMIC_RELEASE);
}

int recorder__attach(struct recorder *r, pid_t pid, const char *exe,
		     const struct dial9_probe_set *ps, uint64_t text_lo, uint64_t text_hi,
		     uint64_t text_off, recorder_event_fn fn, void *ctx, struct recorder_proc **out)
{
	struct recorder_proc *p;
	__u32 key = pid;
	__u64 *zeros = NULL;
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->r = r;
	p->pid = pid;
	p->ring_fd = -1;
	p->slot = DIAL9_MAX_PROCS;
	for (int k = 0; k < DIAL9_PROBE_KIND_MAX; k++)
		p->link_fds[k][0] = p->link_fds[k][1] = -1;
	for (int i = 0; i < DIAL9_MAX_RET_SITES; i++)
		p->site_fds[i] = -1;
	p->exe = strdup(exe);
	if (!p->exe) {
		err = -ENOMEM;
		goto cleanup;
	}
	p->fn = fn;
	p->ctx = ctx;
	p->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "dial9_ring", 0, 0, r->ring_bytes, NULL);
	if (p->ring_fd < 0) {
		err = -errno;
		p->ring_fd = -1;
		goto cleanup;
	}
	p->rb = ring_buffer__new(p->ring_fd, handle_sample, p, NULL);
	if (!p->rb) {
		err = -errno;
		goto cleanup;
	}
	zeros = calloc(r->ncpus, sizeof(__u64));
	if (!zeros) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = slot_take(r, &p->slot);
	if (err)
		goto cleanup;
	p->ctl = &r->ctls[p->slot];
	/* the slot's ring and counter, then its owner, then how the owner
	 * finds it: a program that finds the slot finds it complete */
	if (bpf_map__update_elem(r->skel->maps.lost, &p->slot, sizeof(p->slot), zeros,
				 sizeof(__u64) * r->ncpus, BPF_ANY) ||
	    bpf_map__update_elem(r->skel->maps.rings, &p->slot, sizeof(p->slot), &p->ring_fd,
				 sizeof(p->ring_fd), BPF_ANY)) {
		err = -errno;
		goto cleanup;
	}
	ctl_fill(p, ps, text_lo, text_hi, text_off);
	if (bpf_map__update_elem(r->skel->maps.slots, &key, sizeof(key), &p->slot,
				 sizeof(p->slot), BPF_ANY)) {
		err = -errno;
		goto cleanup;
	}
	err = attach_probes(p, ps);
	if (err)
		goto cleanup;
	/* the stall detector, on every context switch of the machine: only
	 * while something is recorded */
	if (!r->skel->links.sched_switch) {
		r->skel->links.sched_switch = bpf_program__attach(r->skel->progs.sched_switch);
		if (!r->skel->links.sched_switch) {
			err = -errno;
			goto cleanup;
		}
	}
	sampler_start(r);
	r->nprocs++;
	p->counted = true;
	free(zeros);
	*out = p;
	return 0;

cleanup:
	free(zeros);
	recorder__detach(r, p);
	return err;
}

void recorder__detach(struct recorder *r, struct recorder_proc *p)
{
	__u32 key;
	uint32_t i;

	if (!p)
		return;
	key = p->pid;
	for (i = 0; i < DIAL9_PROBE_KIND_MAX; i++)
		for (int ret = 0; ret < 2; ret++)
			if (p->link_fds[i][ret] >= 0)
				close(p->link_fds[i][ret]);
	for (i = 0; i < p->nsite_fds; i++)
		if (p->site_fds[i] >= 0)
			close(p->site_fds[i]);
	free(p->exe);
	free(p->hf_off);
	free(p->hf_cookie);
	if (p->slot < DIAL9_MAX_PROCS) { /* emptied in the reverse order of attach */
		bpf_map__delete_elem(r->skel->maps.slots, &key, sizeof(key), 0);
		__atomic_store_n(&p->ctl->tgid, 0, __ATOMIC_RELEASE);
		bpf_map__delete_elem(r->skel->maps.rings, &p->slot, sizeof(p->slot), 0);
		r->slot_state[p->slot] = SLOT_RELEASED;
	}
	if (p->rb) {
		ring_buffer__consume(p->rb);
		ring_buffer__free(p->rb);
	}
	if (p->ring_fd >= 0)
		close(p->ring_fd);
	if (p->counted && --r->nprocs == 0) {
		bpf_link__destroy(r->skel->links.sched_switch);
		r->skel->links.sched_switch = NULL;
		sampler_stop(r);
	}
	free(p);
}

int recorder_proc__epoll_fd(const struct recorder_proc *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int recorder_proc__drain(struct recorder_proc *p)
{
	return ring_buffer__consume(p->rb);
}

uint64_t recorder_proc__lost(const struct recorder_proc *p)
{
	__u64 vals[p->r->ncpus];
	uint64_t sum = 0;
	int i;

	if (bpf_map__lookup_elem(p->r->skel->maps.lost, &p->slot, sizeof(p->slot), vals,
				 sizeof(vals), 0))
		return 0;
	for (i = 0; i < p->r->ncpus; i++)
		sum += vals[i];
	return sum;
}

uint32_t recorder_proc__uprobes(const struct recorder_proc *p)
{
	uint32_t n = p->nsite_fds;

	for (int k = 0; k < DIAL9_PROBE_KIND_MAX; k++)
		n += p->npoints[k][0] + p->npoints[k][1];
	return n;
}

static void *close_link(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

bool recorder_proc__hf_on(const struct recorder_proc *p)
{
	return p->hf_on;
}

/* Removing uprobes waits for the kernel to quiesce them: not in the event
 * loop. */
static void close_in_background(int fd)
{
	pthread_t th;

	if (fd < 0)
		return;
	if (pthread_create(&th, NULL, close_link, (void *)(intptr_t)fd) == 0)
		pthread_detach(th);
	else
		close(fd);
}

int recorder_proc__set_tls_task_slot(struct recorder_proc *p, int slot, bool tagged)
{
	struct dial9_proc_ctl *c = p->ctl;

	/* the tag before the slot that makes the sampler read it */
	if (slot >= 0 && slot < DIAL9_TLS_SCAN_QWORDS && (!tagged || slot > 0)) {
		__atomic_store_n(&c->tls_task_tagged, (__u16)tagged, __ATOMIC_RELEASE);
		__atomic_store_n(&c->tls_task_slot, (__u16)(slot + 1), __ATOMIC_RELEASE);
	}
	__atomic_store_n(&c->tls_learn, 0, __ATOMIC_RELEASE);
	return 0;
}

int recorder_proc__set_hf(struct recorder_proc *p, bool on)
{
	if (on == recorder_proc__hf_on(p))
		return 0;
	/* A poll begun before the switch must not be ended after it. */
	__atomic_store_n(&p->ctl->epoch, p->ctl->epoch + 1, __ATOMIC_RELEASE);
	if (on) { /* a link per kind, the learned return sites included */
		p->hf_on = true;
		return attach_group(p, LINK_HF, p->hf_off, p->hf_cookie, p->hf_n);
	}
	p->hf_on = false;
	for (int k = 0; k < DIAL9_PROBE_KIND_MAX; k++) {
		if (link_of(k, false) != LINK_HF)
			continue;
		close_in_background(p->link_fds[k][0]);
		p->link_fds[k][0] = -1;
		p->npoints[k][0] = 0;
	}
	for (uint32_t i = 0; i < p->nsite_fds; i++)
		close_in_background(p->site_fds[i]);
	p->nsite_fds = 0;
	return 0;
}

int recorder_proc__add_ret_site(struct recorder_proc *p, uint64_t addr, uint64_t offset,
				uint64_t cookie, bool probe, bool pool)
{
	struct bpf_program *prog = kind_prog(p->r, DIAL9_COOKIE_KIND(cookie), false);
	__u64 off = offset, ck = cookie;
	uint32_t i;
	int fd;

	if (probe && !prog)
		return -EINVAL;

	for (i = 0; i < p->ctl->nsites; i++)
		if (p->ctl->ret_sites[i] == addr)
			return -EEXIST;
	if (p->ctl->nsites >= DIAL9_MAX_RET_SITES)
		return -ENOSPC;
	if (probe) {
		p->hf_off[p->hf_n] = offset;
		p->hf_cookie[p->hf_n] = cookie;
		if (recorder_proc__hf_on(p)) {
			fd = uprobe_multi_attach(bpf_program__fd(prog), p->exe, &off, &ck, 1, false,
						 p->pid);
			if (fd < 0)
				return fd;
			p->site_fds[p->nsite_fds++] = fd;
		}
		p->hf_n++;
	}
	/* known from now on, probed or not: the BPF side stops reporting it
	 * (the site before the count that takes it in, see dial9_proc_ctl) */
	i = p->ctl->nsites;
	if (pool)
		__atomic_or_fetch(&p->ctl->pool_sites, 1u << i, __ATOMIC_RELEASE);
	if (probe)
		__atomic_or_fetch(&p->ctl->probed_sites, 1u << i, __ATOMIC_RELEASE);
	__atomic_store_n(&p->ctl->ret_sites[i], addr, __ATOMIC_RELEASE);
	__atomic_store_n(&p->ctl->nsites, i + 1, __ATOMIC_RELEASE);
	return 0;
}

int recorder__drain_poll_counts(struct recorder *r, recorder_count_fn fn, void *ctx)
{
	struct dial9_poll_key keys[512];
	struct dial9_poll_count vals[512];
	int fd = bpf_map__fd(r->skel->maps.poll_counts), total = 0, err;
	__u64 batch = 0;
	bool first = true;

	for (;;) {
		__u32 n = 512, i;
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &batch, &batch, keys, vals,
						      &n, &o);
		first = false;
		if (err && errno != ENOENT)
			return -errno;
		for (i = 0; i < n; i++)
			fn(ctx, keys[i].tgid, keys[i].task_id, vals[i].count, vals[i].ns);
		total += (int)n;
		if (err) /* ENOENT: that was the last batch */
			break;
	}
	return total;
}
