/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dial9_ctl.h - what the daemon tells the BPF programs: probe-point kinds
 * (link cookies) and map values.  Shared by dial9.bpf.c, daemon/recorder.c
 * and userspace/tokio_syms.h.  No includes (see dial9_event.h).
 */
#ifndef DIAL9_CTL_H
#define DIAL9_CTL_H

/* What a probe point is.  One binary may hold many copies of a generic
 * function (e.g. one raw::poll per future type).  It is also the cookie of
 * each point of the multi-uprobe links: it tells the BPF programs what they
 * were called for. */
enum dial9_probe_kind {
	DIAL9_PROBE_RAW_POLL = 0,   /* tokio::runtime::task::raw::poll::<T,S> (arg0 = Header*) */
	DIAL9_PROBE_WAKE_BY_VAL,    /* tokio::runtime::task::waker::wake_by_val (arg0 = Header*) */
	DIAL9_PROBE_WAKE_BY_REF,    /* tokio::runtime::task::waker::wake_by_ref (arg0 = Header*) */
	DIAL9_PROBE_SPAWN,          /* the spawn path, outermost first: spawn_inner,
				     * spawn_local_inner, scheduler::Handle::spawn, the
				     * schedulers' bind/spawn, OwnedTasks::bind.  Each returns
				     * the JoinHandle (a Header*) first; any of them may be
				     * inlined, so every copy found is probed. */
	DIAL9_PROBE_RAW_DEALLOC,    /* tokio::runtime::task::raw::dealloc::<T,S> (arg0 = Header*) */
	DIAL9_PROBE_RAW_SHUTDOWN,   /* tokio::runtime::task::raw::shutdown::<T,S> (arg0 = Header*) */
	DIAL9_PROBE_PARK,           /* scheduler park: multi_thread worker Context::park / park_timeout,
				     * current_thread Context::park / park_yield */
	DIAL9_PROBE_IO_WAKE,        /* tokio::runtime::io::scheduled_io::ScheduledIo::wake (I/O driver) */
	DIAL9_PROBE_TIMER_FIRE,     /* timer wheel firing an entry (time::entry::…::fire) */
	DIAL9_PROBE_PANIC,          /* rust_begin_unwind / __rustc::rust_begin_unwind / rust_panic … */
	DIAL9_PROBE_COMPLETE,       /* tokio::runtime::task::harness::Harness<T,S>::complete (arg0 =
				     * Header*): the task finished or was cancelled */
	DIAL9_PROBE_KIND_MAX,
};

/* procs map value: per-process state the daemon changes at run time. */
struct dial9_proc_ctl {
	__u32 epoch; /* bumped when the poll/wake probes go off or on: a poll
		      * begun in another epoch is not ended (its end was not seen) */
	__u32 pad;
	__u64 text_lo, text_hi; /* the executable's code, runtime addresses:
				 * where stall sites are looked for */
};

/* poll_counts map: short polls counted per task instead of recorded. */
struct dial9_poll_key {
	__u32 tgid;
	__u32 pad;
	__u64 task_id;
};

struct dial9_poll_count {
	__u64 count;
	__u64 ns;
};

#endif /* DIAL9_CTL_H */
