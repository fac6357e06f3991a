// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * recorder.c - load dial9.bpf.c once; per process: a ring buffer in the
 * `rings` hash-of-maps, a lost counter, and one uprobe link per probe point.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
};

struct recorder_proc {
	struct recorder *r;
	pid_t pid;
	int ring_fd;
	struct ring_buffer *rb;
	int link_fds[2];        /* entry and return multi-uprobe links, -1 if none */
	uint32_t npoints;       /* uprobes behind them */
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
	struct recorder *r;
	int err;

	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ring_bytes = o->ring_bytes;
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
	bpf_program__set_expected_attach_type(r->skel->progs.probe_entry, DIAL9_TRACE_UPROBE_MULTI);
	bpf_program__set_expected_attach_type(r->skel->progs.probe_return, DIAL9_TRACE_UPROBE_MULTI);
	err = dial9_bpf__load(r->skel);
	if (err)
		goto cleanup;

	/* System-wide tracepoints; they record only for processes in `rings`. */
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

void recorder__free(struct recorder *r)
{
	if (!r)
		return;
	ring_buffer__free(r->execs);
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

static bool has_entry(enum dial9_probe_kind k)
{
	return k != DIAL9_PROBE_RAW_SHUTDOWN && k < DIAL9_PROBE_KIND_MAX;
}

static bool has_return(enum dial9_probe_kind k)
{
	/* Only functions that return soon: a return probe pins the probe
	 * until the function returns (see end_poll() in dial9.bpf.c). */
	return k == DIAL9_PROBE_SPAWN;
}

static int attach_probes(struct recorder_proc *p, const char *exe,
			 const struct dial9_probe_set *ps)
{
	struct dial9_bpf *s = p->r->skel;
	__u64 *off = NULL, *cookie = NULL;
	uint32_t n, polls = 0, pass;
	size_t i;
	int err = 0, fd;

	off = calloc(ps->count + 1, sizeof(*off));
	cookie = calloc(ps->count + 1, sizeof(*cookie));
	if (!off || !cookie) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, n = 0; i < ps->count; i++) {
			enum dial9_probe_kind k = ps->points[i].kind;

			if (pass ? !has_return(k) : !has_entry(k))
				continue;
			off[n] = ps->points[i].offset;
			cookie[n] = k;
			n++;
			polls += !pass && k == DIAL9_PROBE_RAW_POLL;
		}
		if (!n)
			continue;
		fd = uprobe_multi_attach(bpf_program__fd(pass ? s->progs.probe_return
							      : s->progs.probe_entry),
					 exe, off, cookie, n, pass, p->pid);
		if (fd < 0) {
			err = fd;
			goto cleanup;
		}
		p->link_fds[pass] = fd;
		p->npoints += n;
	}
	if (!polls)
		err = -ESRCH;
cleanup:
	free(off);
	free(cookie);
	return err;
}

int recorder__attach(struct recorder *r, pid_t pid, const char *exe,
		     const struct dial9_probe_set *ps, recorder_event_fn fn, void *ctx,
		     struct recorder_proc **out)
{
	struct recorder_proc *p;
	__u32 key = pid;
	__u64 *zeros = NULL;
	struct dial9_proc_ctl ctl = { 0, 0 };
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->r = r;
	p->pid = pid;
	p->link_fds[0] = p->link_fds[1] = -1;
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
	if (bpf_map__update_elem(r->skel->maps.lost, &key, sizeof(key), zeros,
				 sizeof(__u64) * r->ncpus, BPF_ANY) ||
	    bpf_map__update_elem(r->skel->maps.procs, &key, sizeof(key), &ctl, sizeof(ctl),
				 BPF_ANY) ||
	    bpf_map__update_elem(r->skel->maps.rings, &key, sizeof(key), &p->ring_fd,
				 sizeof(p->ring_fd), BPF_ANY)) {
		err = -errno;
		goto cleanup;
	}
	err = attach_probes(p, exe, ps);
	if (err)
		goto cleanup;
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
	for (i = 0; i < 2; i++)
		if (p->link_fds[i] >= 0)
			close(p->link_fds[i]);
	bpf_map__delete_elem(r->skel->maps.rings, &key, sizeof(key), 0);
	bpf_map__delete_elem(r->skel->maps.procs, &key, sizeof(key), 0);
	if (p->rb) {
		ring_buffer__consume(p->rb);
		ring_buffer__free(p->rb);
	}
	bpf_map__delete_elem(r->skel->maps.lost, &key, sizeof(key), 0);
	if (p->ring_fd >= 0)
		close(p->ring_fd);
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
	__u32 key = p->pid;
	uint64_t sum = 0;
	int i;

	if (bpf_map__lookup_elem(p->r->skel->maps.lost, &key, sizeof(key), vals, sizeof(vals), 0))
		return 0;
	for (i = 0; i < p->r->ncpus; i++)
		sum += vals[i];
	return sum;
}

uint32_t recorder_proc__uprobes(const struct recorder_proc *p)
{
	return p->npoints;
}

int recorder_proc__set_polls_off(struct recorder_proc *p, bool off)
{
	struct dial9_proc_ctl ctl = { off, 0 };
	__u32 key = p->pid;

	if (bpf_map__update_elem(p->r->skel->maps.procs, &key, sizeof(key), &ctl, sizeof(ctl),
				 BPF_ANY))
		return -errno;
	return 0;
}
