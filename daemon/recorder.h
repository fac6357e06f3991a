/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * recorder.h - the BPF side of dial9d: loads the programs once, and per
 * recorded process creates its ring buffer and attaches its uprobes.
 */
#ifndef DIAL9D_RECORDER_H
#define DIAL9D_RECORDER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dial9_event.h"
#include "tokio_syms.h"

struct recorder;
struct recorder_proc;

/* Called for every record drained from a process's ring buffer. */
typedef void (*recorder_event_fn)(void *ctx, const struct dial9_event *e);

/* Called with the pid of a process that exec'd (see recorder_opts.discover). */
typedef void (*recorder_exec_fn)(void *ctx, pid_t pid);

/* Called for each task's count of short polls drained from the kernel. */
typedef void (*recorder_count_fn)(void *ctx, pid_t pid, uint64_t task_id, uint64_t count,
				  uint64_t ns);

struct recorder_opts {
	uint32_t ring_bytes;   /* per-process ring buffer size, power of two */
	uint64_t poll_threshold_ns; /* shorter polls are counted, not recorded (0: record all) */
	bool floor;            /* attach empty programs (benchmarks: the bare trap cost) */
	bool discover;         /* report every exec, not only recorded processes' */
	bool verbose;          /* libbpf debug output */
	uint32_t cpu_sample_hz; /* the CPU sampler's rate on each CPU (0: off) */
	recorder_exec_fn on_exec;
	void *exec_ctx;
};

int recorder__new(struct recorder **out, const struct recorder_opts *o);
void recorder__free(struct recorder *r);

/* Epoll fd readable when exec reports are waiting; drain calls on_exec. */
int recorder__execs_epoll_fd(const struct recorder *r);
int recorder__drain_execs(struct recorder *r);
/* Exec reports lost because their ring was full. */
uint64_t recorder__execs_lost(const struct recorder *r);

/* Start recording pid, whose executable is exe (a path the kernel can open,
 * e.g. /proc/PID/exe) with probe points ps; [text_lo, text_hi) is where the
 * executable's code is mapped, from file offset text_off (stall sites are
 * looked for there, 0 0: not at all).  Returns 0 or a negative errno; on
 * success *out is the per-process handle. */
int recorder__attach(struct recorder *r, pid_t pid, const char *exe,
		     const struct dial9_probe_set *ps, uint64_t text_lo, uint64_t text_hi,
		     uint64_t text_off, recorder_event_fn fn, void *ctx,
		     struct recorder_proc **out);
/* Stop recording; drains what is left first.  Accepts NULL. */
void recorder__detach(struct recorder *r, struct recorder_proc *p);

/* Epoll fd that becomes readable when the process's ring wants draining. */
int recorder_proc__epoll_fd(const struct recorder_proc *p);
/* Drain the ring; returns records consumed or a negative errno. */
int recorder_proc__drain(struct recorder_proc *p);
/* Total failed reservations so far (sum over CPUs). */
uint64_t recorder_proc__lost(const struct recorder_proc *p);
/* Number of uprobes attached (probe points, entries and returns). */
uint32_t recorder_proc__uprobes(const struct recorder_proc *p);
/* Tokio's CONTEXT.current_task_id is qword slot of CONTEXT (tagged: an
 * Option tag before it): the CPU sampler reads it from now on and the
 * wakes stop reporting it.  slot < 0: it could not be found; stop looking.
 * 0 or negative errno. */
int recorder_proc__set_tls_task_slot(struct recorder_proc *p, int slot, bool tagged);
/* CPU sampler perf events open (one per CPU while anything is recorded). */
uint32_t recorder__sampling_cpus(const struct recorder *r);
/* Attach or remove the high-frequency probes (polls, wakes, driver context):
 * the overhead governor's duty cycle.  Spawn, completion, park, panic and
 * the crash tracepoints stay.  0 or negative errno. */
int recorder_proc__set_hf(struct recorder_proc *p, bool on);
bool recorder_proc__hf_on(const struct recorder_proc *p);
/* A return site (runtime address addr, file offset offset) the BPF side
 * reported: with probe, put a uprobe with this cookie there (with the
 * high-frequency probes); either way the BPF side stops reporting it.
 * pool: raw::poll calls from there are the blocking pool's, not recorded.
 * 0, -EEXIST (known), -ENOSPC (DIAL9_MAX_RET_SITES reached) or a negative
 * errno from the attach. */
int recorder_proc__add_ret_site(struct recorder_proc *p, uint64_t addr, uint64_t offset,
				uint64_t cookie, bool probe, bool pool);

/* Hand every task's short-poll count to fn and reset them.  Returns the
 * number of counts or a negative errno. */
int recorder__drain_poll_counts(struct recorder *r, recorder_count_fn fn, void *ctx);

#endif /* DIAL9D_RECORDER_H */
