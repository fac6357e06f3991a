/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dial9_event.h - the one event record shared by the BPF programs, the daemon
 * and the dump reader.  It is the contract between all three: change it only
 * together with DIAL9_FORMAT_VERSION and docs/FORMAT.md.
 *
 * No includes on purpose: BPF code gets __u64 & co. from vmlinux.h, user space
 * from <linux/types.h>.  All fields are little-endian in dump files.
 */
#ifndef DIAL9_EVENT_H
#define DIAL9_EVENT_H

/*
 * Event kinds.  Numbers are part of the file format: never renumber.
 *
 * Field use per kind (task_id is always a Tokio task id, 0 = none):
 *
 *  SPAWN        task_id = new task; arg = spawn location (string id in a dump,
 *               caller address inside the ring buffer); aux = 0.
 *               The spawning task is the one being polled on `tid` at `ts_ns`.
 *  POLL_START   task_id; arg = future location (string id in a dump, the
 *               task's raw::poll address inside the ring buffer).
 *  POLL_END     task_id; arg = poll duration in ns (0 if the start was not
 *               seen); flags & DIAL9_POLL_F_COMPLETE when the task finished,
 *               & DIAL9_POLL_F_INFERRED when the end is the worker's next
 *               poll or park, not the poll's return (its call site was not
 *               probed yet): the duration is then an upper bound.
 *  WAKE         task_id = woken task; arg = waking task id (0 if the waker is
 *               not a task); aux = enum dial9_waker_kind.
 *  TERMINATE    task_id = task that completed or was cancelled; with
 *               flags & DIAL9_TERMINATE_F_RELEASED it is the release of the
 *               task's memory instead (may follow a plain TERMINATE: the
 *               first TERMINATE of a task marks its end).
 *  PARK/UNPARK  a runtime worker thread `tid` goes idle or into the drivers
 *               / comes back (UNPARK at the park's return, or else at the
 *               worker's next poll); PARK flags & DIAL9_PARK_F_CURRENT_THREAD
 *               when it is a current_thread runtime's park.
 *  PANIC        task_id = task polled on `tid` when it panicked (0 if none);
 *               arg = panic location string id ("src/x.rs:12:5", 0 if
 *               unknown; inside the ring buffer: the address of the
 *               panic's core::panic::Location in the process).
 *  SIGNAL       aux = signal number; arg = sending pid (0 = kernel);
 *               tid = thread the signal was sent to.
 *  LOST         arg = number of events lost before ts_ns;
 *               aux = enum dial9_lost_cause.
 *  POLL_SUMMARY task_id; arg = total ns of short polls not recorded one by one;
 *               aux = how many (saturating at 65535).
 *  MODE         aux = enum dial9_record_mode in force from ts_ns on.
 *  STALL        a worker ran arg ns without coming back to the scheduler (one
 *               long poll, or a blocking stretch), ending at ts_ns; task_id
 *               if known; aux = location string id of the code it was in
 *               when it blocked (0 if unknown or above 65535).  Inside the
 *               ring buffer the candidates come first, as STALL records with
 *               flags & DIAL9_STALL_F_SITE (arg = a return address in the
 *               executable found on the blocked thread's stack, aux = rank);
 *               the daemon turns them into aux and drops them.
 *  EXIT         the process exited; arg = exit code (or signal, see flags).
 *  OOM          the OOM killer chose the process (format version 3); tid = the
 *               thread chosen; arg = the memory cgroup limit it ran into, in
 *               bytes (the smallest of its cgroup and their parents; inside
 *               the ring buffer in pages), 0 if none is set.
 *  CPU_SAMPLE   the CPU sampler found thread `tid` on a CPU (format version 4);
 *               task_id = the task Tokio says it polls then (CONTEXT's
 *               current_task_id), 0 none; arg = where it ran (string id of
 *               its function in a dump, the user instruction pointer inside
 *               the ring buffer; with DIAL9_SAMPLE_F_CALLER the call into
 *               a library it was in); flags: DIAL9_SAMPLE_F_*.
 */
enum dial9_event_kind {
	DIAL9_EV_NONE = 0,
	DIAL9_EV_SPAWN = 1,
	DIAL9_EV_POLL_START = 2,
	DIAL9_EV_POLL_END = 3,
	DIAL9_EV_WAKE = 4,
	DIAL9_EV_TERMINATE = 5,
	DIAL9_EV_PARK = 6,
	DIAL9_EV_UNPARK = 7,
	DIAL9_EV_PANIC = 8,
	DIAL9_EV_SIGNAL = 9,
	DIAL9_EV_LOST = 10,
	DIAL9_EV_POLL_SUMMARY = 11,
	DIAL9_EV_MODE = 12,
	DIAL9_EV_STALL = 13,
	DIAL9_EV_EXIT = 14,
	DIAL9_EV_OOM = 15,
	DIAL9_EV_CPU_SAMPLE = 16,
	DIAL9_EV_KIND_MAX, /* first unused value */
};

enum dial9_waker_kind {
	DIAL9_WAKER_UNKNOWN = 0,
	DIAL9_WAKER_TASK = 1,      /* arg holds the waking task id */
	DIAL9_WAKER_IO_DRIVER = 2, /* the I/O driver (epoll readiness) */
	DIAL9_WAKER_TIMER = 3,     /* the timer wheel */
	DIAL9_WAKER_RUNTIME = 4,   /* a runtime thread outside any poll */
	DIAL9_WAKER_THREAD = 5,    /* a thread that is not a runtime worker */
	DIAL9_WAKER_BLOCK_ON = 6,  /* the future of a current_thread runtime's block_on
				    * (polled on the runtime's thread between its tasks) */
	DIAL9_WAKER_KIND_MAX,      /* first unused value */
};

enum dial9_lost_cause {
	DIAL9_LOST_RINGBUF = 1, /* BPF ring buffer was full */
	DIAL9_LOST_WINDOW = 2,  /* window byte budget dropped records inside the time span */
};

enum dial9_record_mode {
	DIAL9_MODE_FULL = 0,    /* every event recorded */
	DIAL9_MODE_SAMPLED = 1, /* short polls summarised */
	DIAL9_MODE_OFF = 2,     /* poll/wake probes off; spawn/terminate/crash on */
};

/*
 * Ring-buffer-only records, consumed by the daemon and never written to a
 * dump (kind >= DIAL9_EV_RING_FIRST):
 *  RING_RET_SITE   arg = a return address of a raw::poll or park call the
 *                  daemon does not know yet (dial9_proc_ctl.ret_sites);
 *                  aux = enum dial9_probe_kind of the function called;
 *                  task_id = the task that raw::poll polls (0 for a park).
 *  RING_POOL_TASK  task_id = a task the blocking pool polls (its work, not
 *                  the program's task; not recorded; 0 if unknown); tid = a
 *                  thread that runs the pool's work.
 *  RING_TLS_LEARN  a task is being polled (a wake it sends, a CPU sample the
 *                  probes saw inside its poll; task_id = it): arg bit i:
 *                  qword i of Tokio's CONTEXT equals it; aux bit i: qword
 *                  i - 1 is 1 (an Option's Some tag).  The daemon learns
 *                  where current_task_id lives from these.
 */
enum dial9_ring_kind {
	DIAL9_EV_RING_FIRST = 64,
	DIAL9_EV_RING_RET_SITE = 64,
	DIAL9_EV_RING_POOL_TASK = 65,
	DIAL9_EV_RING_TLS_LEARN = 66,
};

#define DIAL9_POLL_F_COMPLETE 0x01 /* POLL_END: the task completed in this poll */
#define DIAL9_POLL_F_INFERRED 0x02 /* POLL_END: placed at the worker's next poll or park
				    * (an upper bound of the poll's length) */
#define DIAL9_PARK_F_CURRENT_THREAD 0x01 /* PARK: the current_thread scheduler's park
					  * (format version 4) */
#define DIAL9_EXIT_F_SIGNALED 0x01 /* EXIT: arg is the killing signal number */
#define DIAL9_TERMINATE_F_RELEASED 0x01 /* TERMINATE: seen at deallocation */
#define DIAL9_STALL_F_SITE 0x01 /* STALL: a site candidate (ring buffer only) */
#define DIAL9_SAMPLE_F_NO_TASK_ID 0x01 /* CPU_SAMPLE: where Tokio keeps the polled task is
					  * not known (yet): task_id is not a "none" */
#define DIAL9_SAMPLE_F_KERNEL 0x02  /* CPU_SAMPLE: in the kernel (a syscall), arg is where
				     * the thread entered it */
#define DIAL9_SAMPLE_F_PROBED 0x04  /* CPU_SAMPLE: the poll probes saw the poll in progress */
#define DIAL9_SAMPLE_F_CALLER 0x08  /* CPU_SAMPLE: it ran outside the executable (a shared
				     * library, the vDSO); arg is the innermost return
				     * address into the executable on its stack */

/* The signals whose delivery ends a process with a crash: each is recorded
 * as a SIGNAL, and a process they end is dumped with reason "signal".  One
 * definition for the BPF side and the daemon. */
static inline int dial9_fatal_signal(unsigned int sig)
{
	switch (sig) {
	case 4:  /* SIGILL */
	case 5:  /* SIGTRAP */
	case 6:  /* SIGABRT */
	case 7:  /* SIGBUS */
	case 8:  /* SIGFPE */
	case 9:  /* SIGKILL */
	case 11: /* SIGSEGV */
	case 31: /* SIGSYS */
		return 1;
	}
	return 0;
}

struct dial9_event {
	__u64 ts_ns;   /* CLOCK_MONOTONIC, ns (bpf_ktime_get_ns) */
	__u64 task_id; /* Tokio task id (tokio::task::Id), 0 = none */
	__u64 arg;     /* per kind, see above */
	__u32 tid;     /* kernel thread id that produced the event */
	__u8 kind;     /* enum dial9_event_kind */
	__u8 flags;    /* per kind */
	__u16 aux;     /* per kind */
};

_Static_assert(sizeof(struct dial9_event) == 32, "dial9_event must be 32 bytes");

#endif /* DIAL9_EVENT_H */
