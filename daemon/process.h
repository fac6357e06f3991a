/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * process.h - the state dial9d keeps for one recorded process.
 */
#ifndef DIAL9D_PROCESS_H
#define DIAL9D_PROCESS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr_cache.h"
#include "daemon.h"
#include "dump.h"
#include "proc_stats.h"
#include "recorder.h"
#include "threads.h"
#include "tokio_syms.h"
#include "tls_context.h"
#include "trigger.h"
#include "window.h"

#define DIAL9D_STALL_THREADS 16 /* threads whose stall sites are collected at once */

/* Why a dump is pending for a process. */
struct pending_dump {
	uint32_t reason; /* enum dial9_reason, 0 = none */
	uint32_t signal;
	uint32_t tid;
	uint64_t task;
	struct trigger_fire trigger; /* metric 0: no trigger fired */
};

/* One recorded process. */
struct tracked {
	struct tracked *next;
	struct daemon *d;
	pid_t pid;
	uid_t uid;             /* its ptrace owner at attach time (proc__owner) */
	int pidfd;
	struct ep_source src_pidfd, src_ring;
	char comm[17];
	char exe[PATH_MAX];
	char build_id[65];
	char symbols_from[PATH_MAX];     /* the debug file its symbols came from, "" if its own */
	enum dial9_debuginfo_method symbols_method;
	uint32_t probes;       /* probe points found */
	uint32_t probe_classes; /* classes among them (enum dial9_probe_class bits) */
	uint64_t attached_ns;

	struct recorder_proc *rp;
	struct dial9_window *win;
	struct dial9_strtab strings;     /* locations referenced by the window */
	struct addr_cache locations;     /* runtime address -> string id */
	struct addr_cache pool_polls;    /* raw::poll addresses of the blocking pool */
	struct addr_cache pool_tasks;    /* task ids run by the blocking pool */
	struct stall_sites {             /* candidates of the STALL that follows, per thread */
		uint32_t tid;
		uint64_t site[DIAL9_STALL_SITES];
	} stall_sites[DIAL9D_STALL_THREADS];
	struct addr_cache spawn_sites;   /* spawn site -> its location's string id */
	struct addr_cache sample_sites;  /* CPU sample's instruction pointer -> string id */
	struct tls_learning tls;         /* where CONTEXT.current_task_id lives (tls_context.h) */
	bool probe_set_has_tls;          /* the binary's CONTEXT was found: samples can learn it */
	struct thread_table threads;     /* its threads' names and roles */
	uint64_t text_lo, text_hi, text_off; /* the executable's code mapping */
	uint32_t ret_sites_probed;       /* return sites learned and probed */
	uint32_t ret_sites_refused;      /* ... reported but not probed (no call before them) */
	struct dial9_symbolizer *sym;

	uint64_t events;                 /* records ingested */
	uint64_t hits;                   /* probe hits they stand for (estimate) */
	struct governor {
		uint64_t since_ns;       /* current phase began */
		uint64_t hits_at;        /* hits when the phase began */
		uint64_t off_until_ns;   /* probes off until then (0: on) */
		double cost;             /* estimated fraction of a CPU while on */
		double duty;             /* fraction of time on, 1 when within budget */
		double hits_per_sec;
	} gov;
	uint64_t lost_ringbuf;           /* reported so far */
	struct proc_stats stats;         /* live figures of what entered the window */
	uint64_t rate_events, rate_ns;   /* last rate sample */
	double events_per_sec;

	/* what the ring said about the process's fate */
	struct pending_dump pending;     /* dump at the next tick */
	uint32_t last_fatal_signal, last_fatal_tid;
	bool oom_killed;                 /* the OOM killer chose it (its thread: oom_tid) */
	uint32_t oom_tid;
	bool exited;
	bool exit_signaled;
	uint32_t exit_code;
	uint64_t panic_dump_ns[8];       /* times of recent panic dumps (rate limit) */
	struct trigger_state trig;       /* dump triggers on this process */
	uint32_t dumps;
	bool released;                   /* detached; freed between epoll batches */
};


static inline struct tracked *tracked__find(struct daemon *d, pid_t pid)
{
	struct tracked *t;

	for (t = d->procs; t; t = t->next)
		if (t->pid == pid)
			return t;
	return NULL;
}

#endif /* DIAL9D_PROCESS_H */
