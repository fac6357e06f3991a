/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dial9_ctl.h - what the daemon tells the BPF programs: probe-point kinds
 * (link cookies) and map values.  Shared by dial9.bpf.c, daemon/recorder.c
 * and daemon/tokio_syms.h.  No includes (see dial9_event.h).
 */
#ifndef DIAL9_CTL_H
#define DIAL9_CTL_H

/* What a probe point is.  One binary may hold many copies of a generic
 * function (e.g. one raw::poll per future type).  The low byte of each
 * point's cookie on the multi-uprobe links is its kind: it tells the BPF
 * programs what they were called for (see DIAL9_COOKIE_*). */
enum dial9_probe_kind {
	DIAL9_PROBE_RAW_POLL = 0,   /* tokio::runtime::task::raw::poll::<T,S> (arg0 = Header*) */
	DIAL9_PROBE_WAKE_BY_VAL,    /* tokio::runtime::task::waker::wake_by_val (arg0 = Header*) */
	DIAL9_PROBE_WAKE_BY_REF,    /* tokio::runtime::task::waker::wake_by_ref (arg0 = Header*) */
	DIAL9_PROBE_SPAWN,          /* the spawn path, outermost first: tokio::task::spawn::spawn
				     * (1.43+), spawn_inner, spawn_local_inner, scheduler::Handle::
				     * spawn, the schedulers' bind/spawn, OwnedTasks::bind.  Each
				     * returns the JoinHandle (a Header*) first; any of them may be
				     * inlined, so every copy found is probed.  The #[track_caller]
				     * ones receive the caller's core::panic::Location. */
	DIAL9_PROBE_RAW_DEALLOC,    /* tokio::runtime::task::raw::dealloc::<T,S> (arg0 = Header*) */
	DIAL9_PROBE_RAW_SHUTDOWN,   /* tokio::runtime::task::raw::shutdown::<T,S> (arg0 = Header*) */
	DIAL9_PROBE_PARK,           /* the worker goes idle or into the drivers: multi_thread
				     * Context::park / park_timeout / park_internal, the time
				     * driver's park_internal, the I/O driver's turn */
	DIAL9_PROBE_IO_WAKE,        /* tokio::runtime::io::scheduled_io::ScheduledIo::wake (I/O driver) */
	DIAL9_PROBE_TIMER_FIRE,     /* the timer wheel's processing (process_at_time & co.) */
	DIAL9_PROBE_PANIC,          /* rust_begin_unwind / __rustc::rust_begin_unwind / rust_panic … */
	DIAL9_PROBE_COMPLETE,       /* tokio::runtime::task::harness::Harness<T,S>::complete (arg0 =
				     * Header*): the task finished or was cancelled */
	DIAL9_PROBE_PARK_CT,        /* current_thread Context::park / park_yield / park_internal:
				     * when they return, block_on polls its own future */
	DIAL9_PROBE_SPAWN_BIND,     /* tokio::runtime::task::list::OwnedTasks::bind_inner (1.43+;
				     * arg1 = the new task's Header*): kept out of line by LTO */
	DIAL9_PROBE_TASK_ID,        /* the instruction after `lock xadd %reg, Id::next::NEXT_ID`
				     * inlined into a spawn (fat LTO): reg holds the new task id;
				     * the cookie's DIAL9_COOKIE_REG byte names reg */
	DIAL9_PROBE_POLL_RETURN,    /* where a raw::poll call returns to (learned at run time) */
	DIAL9_PROBE_PARK_RETURN,    /* where a PARK / PARK_CT call returns to (learned); with
				     * DIAL9_COOKIE_CT: a current_thread scheduler's park */
	DIAL9_PROBE_POOL_POLL,      /* a raw::poll copy of the blocking pool's own tasks
				     * (BlockingTask): no poll is recorded, only which thread
				     * is the pool's (DIAL9_EV_RING_POOL_TASK) */
	DIAL9_PROBE_KIND_MAX,
};

/* Cookie layout: kind | reg << 8 | flags. */
#define DIAL9_COOKIE_KIND(c) ((c) & 0xff)
#define DIAL9_COOKIE_REG(c) (((c) >> 8) & 0xff) /* x86 register number 0..15 (TASK_ID) */
#define DIAL9_COOKIE_CT (1ULL << 16)            /* PARK_RETURN of a PARK_CT */

/* Return addresses taken from a blocked worker's stack as its stall's
 * site candidates (the daemon names the first in the program's own code). */
#define DIAL9_STALL_SITES 6

/* A worker away from the scheduler this long stalls (the stall detector,
 * on in every recording mode). */
#define DIAL9_STALL_NS 10000000ULL

/* Return sites learned per process: where raw::poll and the parks return
 * to.  A runtime calls them from a handful of places. */
#define DIAL9_MAX_RET_SITES 32

/* Processes recorded at once: the per-process maps' size, and the most
 * dial9d's max-procs allows. */
#define DIAL9_MAX_PROCS 4096

/* Tokio's task layout, through which a task id is read from a Header*:
 * Header.vtable, then Vtable.id_offset, the offset of the task's Id from the
 * Header.  The same from 1.23 to 1.53 (where the binary's DWARF does not
 * say otherwise); kept per process in dial9_proc_ctl. */
#define DIAL9_TOKIO_HDR_VTABLE_OFF 16
#define DIAL9_TOKIO_VTABLE_ID_OFF 72

/* Tokio's CONTEXT thread-local (CONTEXT.current_task_id: the task being
 * polled, in every release from 1.24 to 1.53), read by the CPU sampler:
 * this many bytes of it at most are scanned while its task id's place is
 * learned. */
#define DIAL9_TLS_SCAN_QWORDS 16

/* procs map value, one per slot: per-process state the daemon changes at
 * run time, in place (a shared mapping) while the programs read it.  So
 * each field the programs read is written whole (aligned, at most 8 bytes)
 * and in an order that keeps it consistent: tgid last when a slot is filled
 * and first (to 0) when it is emptied; a return site before the nsites that
 * counts it, its pool_sites and probed_sites bits before either. */
struct dial9_proc_ctl {
	__u32 epoch; /* bumped when the poll/wake probes go off or on: a poll
		      * begun in another epoch is not ended (its end was not seen);
		      * odd while they are off (they are on at attach, epoch 0) */
	__u32 nsites; /* used entries of ret_sites */
	__u32 pool_sites; /* bit i: ret_sites[i] is where the blocking pool polls its
			   * own tasks (spawn_blocking work, the workers' launch):
			   * those are not the program's tasks, and are not recorded */
	__u32 tgid;   /* the process this slot is for; 0: none */
	__u32 probed_sites; /* bit i: a uprobe is on ret_sites[i] (with the
			     * high-frequency probes) */
	__u16 hdr_vtable_off; /* this binary's Tokio task layout: Header.vtable, */
	__u16 vtable_id_off;  /* and Vtable.id_offset (0: no task ids) */
	__u64 text_lo, text_hi; /* the executable's code, runtime addresses:
				 * where stall sites are looked for */
	__u64 ret_sites[DIAL9_MAX_RET_SITES]; /* return addresses (runtime) the daemon
					       * knows of: probed, or refused */
	__s64 tls_context_off;  /* Tokio's CONTEXT, from the thread pointer (fs base);
				 * 0: not found */
	__u16 tls_context_qwords; /* its size in qwords, at most DIAL9_TLS_SCAN_QWORDS */
	__u16 tls_task_slot;    /* qword of CONTEXT holding current_task_id, plus 1
				 * (0: not known yet) */
	__u16 tls_task_tagged;  /* 1: the qword before it is Option's tag (1 = Some) */
	__u16 tls_learn;        /* 1: a wake by a task reports which qwords equal its id */
};

_Static_assert(DIAL9_MAX_RET_SITES <= 32, "pool_sites has a bit per return site");
_Static_assert(sizeof(struct dial9_proc_ctl) % 8 == 0,
	       "the daemon indexes the shared procs map by sizeof (an array's stride)");

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
