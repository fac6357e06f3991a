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
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dial9.skel.h"
#include "dial9_ctl.h"
#include "recorder.h"

struct recorder {
	struct dial9_bpf *skel;
	uint32_t ring_bytes;
	int ncpus;
};

struct recorder_proc {
	struct recorder *r;
	pid_t pid;
	int ring_fd;
	struct ring_buffer *rb;
	struct bpf_link **links;
	uint32_t nlinks;
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
	dial9_bpf__destroy(r->skel);
	free(r);
}

static int handle_sample(void *ctx, void *data, size_t size)
{
	struct recorder_proc *p = ctx;

	if (size < sizeof(struct dial9_event))
		return 0;
	p->fn(p->ctx, data);
	return 0;
}

struct probe_binding {
	struct bpf_program *prog;
	bool retprobe;
};

/* Which programs go on a probe point of each kind (up to two). */
static int bindings_for(struct dial9_bpf *s, enum dial9_probe_kind kind,
			struct probe_binding b[2])
{
	switch (kind) {
	case DIAL9_PROBE_RAW_POLL:
		b[0] = (struct probe_binding){ s->progs.poll_enter, false };
		b[1] = (struct probe_binding){ s->progs.poll_exit, true };
		return 2;
	case DIAL9_PROBE_WAKE_BY_VAL:
	case DIAL9_PROBE_WAKE_BY_REF:
		b[0] = (struct probe_binding){ s->progs.wake_enter, false };
		return 1;
	case DIAL9_PROBE_SPAWN:
		b[0] = (struct probe_binding){ s->progs.spawn_enter, false };
		b[1] = (struct probe_binding){ s->progs.spawn_exit, true };
		return 2;
	case DIAL9_PROBE_RAW_DEALLOC:
		b[0] = (struct probe_binding){ s->progs.dealloc_enter, false };
		return 1;
	case DIAL9_PROBE_COMPLETE:
		b[0] = (struct probe_binding){ s->progs.complete_enter, false };
		return 1;
	case DIAL9_PROBE_PARK:
		b[0] = (struct probe_binding){ s->progs.park_enter, false };
		b[1] = (struct probe_binding){ s->progs.park_exit, true };
		return 2;
	case DIAL9_PROBE_IO_WAKE:
		b[0] = (struct probe_binding){ s->progs.io_wake_enter, false };
		return 1;
	case DIAL9_PROBE_TIMER_FIRE:
		b[0] = (struct probe_binding){ s->progs.timer_enter, false };
		return 1;
	case DIAL9_PROBE_PANIC:
		b[0] = (struct probe_binding){ s->progs.panic_enter, false };
		return 1;
	default:
		return 0;
	}
}

static int attach_probes(struct recorder_proc *p, const char *exe,
			 const struct dial9_probe_set *ps)
{
	struct dial9_bpf *s = p->r->skel;
	uint32_t polls = 0;
	size_t i;

	p->links = calloc(ps->count * 2 + 1, sizeof(*p->links));
	if (!p->links)
		return -ENOMEM;
	for (i = 0; i < ps->count; i++) {
		const struct dial9_probe_point *pt = &ps->points[i];
		struct probe_binding b[2];
		int n = bindings_for(s, pt->kind, b), j;

		for (j = 0; j < n; j++) {
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = b[j].retprobe);
			struct bpf_link *l;

			l = bpf_program__attach_uprobe_opts(b[j].prog, p->pid, exe, pt->offset, &uo);
			if (!l)
				return -errno;
			p->links[p->nlinks++] = l;
		}
		if (pt->kind == DIAL9_PROBE_RAW_POLL)
			polls++;
	}
	return polls ? 0 : -ESRCH;
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
	for (i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);
	free(p->links);
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

uint32_t recorder_proc__links(const struct recorder_proc *p)
{
	return p->nlinks;
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
