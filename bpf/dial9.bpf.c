// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dial9.bpf.c - record what a Tokio runtime does, from uprobes on its
 * runtime functions, into one BPF ring buffer per recorded process.
 *
 * Every event is one struct dial9_event (32 bytes).  Per probe hit the work
 * is: one task-storage lookup (the thread's state, which caches the
 * process's slot), the process's control block and ring by that slot (array
 * lookups the verifier inlines), usually one user-memory read (task id),
 * and per record one bpf_ringbuf_output.  Records do not wake the daemon
 * unless the ring is filling up: the daemon drains on its own clock.
 *
 * Anchors that every Tokio release keeps are preferred to private function
 * names: a poll ends where its raw::poll call returns to (a return site the
 * daemon learns from the first polls and probes with a plain uprobe), a
 * spawn is seen at OwnedTasks::bind_inner, the spawn functions' returns or,
 * when LTO inlined all of them, at the task id's allocation.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "dial9_ctl.h"
#include "dial9_event.h"

/* The kernel's name for the licence above: GPL-compatible, as the helpers
 * used (bpf_probe_read_user, task storage) require. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Second integer return register (a 16-byte pair comes back in two), and
 * the sixth argument, which libbpf 1.1 lacks. */
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_RC2(x) PT_REGS_PARM3(x) /* rdx */
#ifndef PT_REGS_PARM6
#define PT_REGS_PARM6(x) ((x)->r9)
#endif
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_RC2(x) PT_REGS_PARM2(x) /* x1 */
#ifndef PT_REGS_PARM6
#define PT_REGS_PARM6(x) (((const struct user_pt_regs *)(x))->regs[5])
#endif
#else
#error "dial9: unsupported architecture"
#endif

/* The kernel's SEND_SIG_PRIV siginfo, and page_counter's "max" (LONG_MAX /
 * PAGE_SIZE, at least this for any page size up to 64K). */
#define DIAL9_SEND_SIG_PRIV ((struct kernel_siginfo *)1)
#define DIAL9_PAGE_COUNTER_UNLIMITED (0x7fffffffffffffffULL >> 16)

/* Set by the daemon before load. */
const volatile __u64 wakeup_bytes = 1 << 20; /* wake the daemon past this much unread data */
const volatile bool discover = false;          /* report every exec (dial9d --all) */
const volatile __u64 poll_threshold_ns = 0;    /* shorter polls are counted, not recorded */
const volatile __u64 stall_ns = DIAL9_STALL_NS;      /* a worker away from the scheduler this long stalls */

/* Per-process ring buffer, created by the daemon at attach time. */
struct ring_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
};

/*
 * A recorded process has a slot: its ring in rings[slot], its control block
 * in procs[slot] (whose tgid says whose slot it is), its loss counter in
 * lost[slot].  Probe hits find the slot in the thread's state; tracepoints
 * and a thread's first hit through `slots`.  The daemon gives a slot back
 * only after an RCU grace period (recorder.c): a program that found the
 * slot its own has finished before the slot can be another process's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, DIAL9_MAX_PROCS);
	__type(key, __u32); /* slot */
	__array(values, struct ring_map);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DIAL9_MAX_PROCS);
	__type(key, __u32);   /* tgid */
	__type(value, __u32); /* slot */
} slots SEC(".maps");

/* Execs the daemon should look at: a pid per record. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} execs SEC(".maps");

__u64 execs_lost = 0;

/* Short polls, counted per task; the daemon drains it periodically. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct dial9_poll_key);
	__type(value, struct dial9_poll_count);
} poll_counts SEC(".maps");

/* Failed reservations, per CPU, per slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DIAL9_MAX_PROCS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Per-process control blocks, by slot; the daemon writes them in place
 * through a shared mapping (see struct dial9_proc_ctl for the order). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DIAL9_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct dial9_proc_ctl);
} procs SEC(".maps");

enum thread_ctx {
	CTX_NONE = 0,  /* not known to be a runtime thread */
	CTX_RUNTIME,   /* runtime thread, outside any poll */
	CTX_IO,        /* inside the I/O driver's dispatch */
	CTX_TIMER,     /* inside the timer wheel's processing */
	CTX_BLOCK_ON,  /* current_thread: back from park, polling block_on's future */
};

/* Vtables whose Vtable.id_offset a thread remembers: a task id then takes
 * one user-memory read (the Header and the id together), not three. */
#define ID_CACHE 2

struct thread_state {
	__u64 task_id;       /* task being polled on this thread, 0 if none */
	__u64 poll_hdr;      /* its Header*, when the poll's return is probed: until
			      * then a Header* equal to it is that task's */
	__u64 poll_start_ns;
	__u64 spawn_site;    /* where the spawn in progress was called from */
	__u64 reported_site; /* last unknown return site reported (once, not per hit) */
	__u64 last_spawn_id; /* task of the last SPAWN emitted on this thread */
	__u64 poll_fn;       /* raw::poll copy of the poll in progress */
	__u32 ctx;           /* enum thread_ctx when task_id == 0 */
	__u32 parked;        /* PARK emitted, UNPARK not yet */
	__u32 epoch;         /* process epoch when the poll began */
	__u32 idle;          /* asleep in the runtime's park (futex or epoll wait) */
	__u64 run_since_ns;  /* last passed through the scheduler (poll, park, wakeup) */
	__u64 site[DIAL9_STALL_SITES]; /* where it last blocked off-CPU (stall site candidates) */
	__u64 blocked_since_ns; /* asleep outside the park since then */
	__u32 tgid, tid;        /* this thread's, set with the state */
	__u32 slot;             /* its process's slot when last looked up */
	__u32 id_next;          /* the id cache's entry to replace next */
	__u32 records;          /* emitted (emit_at), for FILL_CHECK_EVERY */
	__u64 pool_told;        /* last task id told to be the pool's by the sampler */
	__u32 out_of_poll;      /* epoch + 1 when the probes saw its last poll return
				 * (or it park) in that epoch: outside any poll since;
				 * 0 once a poll starts */
	__u64 id_vtable[ID_CACHE]; /* vtables seen, */
	__u64 id_off[ID_CACHE];    /* and their id_offset */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

/* The current thread's state, created at its first probe hit. */
static __always_inline struct thread_state *thread_state(void)
{
	struct thread_state *st;
	__u64 pid_tgid;

	st = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (st && !st->tgid) {
		pid_tgid = bpf_get_current_pid_tgid();
		st->tgid = pid_tgid >> 32;
		st->tid = (__u32)pid_tgid;
		st->slot = DIAL9_MAX_PROCS; /* none yet */
	}
	return st;
}

/* The control block of the process in slot, if it is tgid's. */
static __always_inline struct dial9_proc_ctl *proc_in(__u32 slot, __u32 tgid)
{
	struct dial9_proc_ctl *c = bpf_map_lookup_elem(&procs, &slot);

	return c && c->tgid == tgid ? c : NULL;
}

/* The control block of st's process, NULL when it is not recorded: through
 * the slot st remembers, and when that is not (or no longer) its, through
 * `slots`. */
static __always_inline struct dial9_proc_ctl *proc_of(struct thread_state *st)
{
	struct dial9_proc_ctl *c = proc_in(st->slot, st->tgid);
	__u32 *slot;

	if (c)
		return c;
	slot = bpf_map_lookup_elem(&slots, &st->tgid);
	if (!slot)
		return NULL;
	st->slot = *slot;
	return proc_in(st->slot, st->tgid);
}

/* The first bytes of a task: its Header and, in every layout seen, the
 * start of its Core with the id (a task's memory is always longer: Header,
 * Core with scheduler, id and future, Trailer). */
#define TASK_HEAD_WORDS 8

/* The id_offset of vtable, from the thread's cache or the vtable itself;
 * 0 if unreadable or implausible. */
static __always_inline __u64 id_offset_of(struct thread_state *st,
					  const struct dial9_proc_ctl *c, __u64 vtable)
{
	__u64 off = 0;
	__u32 i;

	for (i = 0; i < ID_CACHE; i++)
		if (st->id_vtable[i] == vtable)
			return st->id_off[i];
	if (bpf_probe_read_user(&off, sizeof(off), (void *)(vtable + c->vtable_id_off)))
		return 0;
	if (off < 24 || off > 4096)
		return 0;
	i = st->id_next++ % ID_CACHE;
	st->id_vtable[i] = vtable;
	st->id_off[i] = off;
	return off;
}

/* The id of the task whose Header is at hdr, through the process's task
 * layout; 0 if none.  The task being polled is known without a read. */
static __always_inline __u64 task_id_of(struct thread_state *st, const struct dial9_proc_ctl *c,
					__u64 hdr)
{
	__u64 head[TASK_HEAD_WORDS] = {}, vtable, off, i, id = 0;
	__u32 hv = c->hdr_vtable_off;
	bool whole;

	if (!hdr || !c->vtable_id_off)
		return 0;
	if (hdr == st->poll_hdr && st->task_id && st->epoch == c->epoch)
		return st->task_id;
	if (hv > sizeof(head) - 8 || hv & 7)
		return 0;
	whole = !bpf_probe_read_user(head, sizeof(head), (void *)hdr);
	/* at the very end of a mapping: word by word */
	if (!whole && bpf_probe_read_user(&head[(hv / 8) & (TASK_HEAD_WORDS - 1)], 8,
					  (void *)(hdr + hv)))
		return 0;
	vtable = head[(hv / 8) & (TASK_HEAD_WORDS - 1)];
	off = vtable ? id_offset_of(st, c, vtable) : 0;
	if (!off)
		return 0;
	i = off / 8;
	asm volatile("" : "+r"(i)); /* the bound checked is the index used (verifier) */
	if (whole && !(off & 7) && i < TASK_HEAD_WORDS)
		return head[i];
	if (bpf_probe_read_user(&id, sizeof(id), (void *)(hdr + off)))
		return 0;
	return id;
}

/* Count a short poll; false when it must be recorded after all. */
static __always_inline bool count_short_poll(__u32 tgid, __u64 task_id, __u64 dur)
{
	struct dial9_poll_key key = { .tgid = tgid, .task_id = task_id };
	struct dial9_poll_count *c, init = { 1, dur };

	c = bpf_map_lookup_elem(&poll_counts, &key);
	if (c) {
		__sync_fetch_and_add(&c->count, 1);
		__sync_fetch_and_add(&c->ns, dur);
		return true;
	}
	return bpf_map_update_elem(&poll_counts, &key, &init, BPF_NOEXIST) == 0;
}

static __always_inline void count_lost(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &slot);

	if (n)
		*n += 1;
}

/* A record into the ring of the process in slot, which the caller found to
 * be the process's (proc_in, proc_of), written with one helper call.  The
 * daemon is woken for an urgent record, or when a record finds the ring
 * past wakeup_bytes; check_fill says whether this one looks. */
static __always_inline void emit_slot(__u32 slot, __u32 tid, __u64 ts, __u8 kind, __u64 task_id,
				      __u64 arg, __u8 flags, __u16 aux, bool urgent,
				      bool check_fill)
{
	struct dial9_event e = {
		.ts_ns = ts ? ts : bpf_ktime_get_ns(),
		.task_id = task_id,
		.arg = arg,
		.tid = tid,
		.kind = kind,
		.flags = flags,
		.aux = aux,
	};
	__u64 wake = BPF_RB_NO_WAKEUP;
	void *rb;

	rb = bpf_map_lookup_elem(&rings, &slot);
	if (!rb)
		return;
	if (urgent || (check_fill && bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >= wakeup_bytes))
		wake = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(rb, &e, sizeof(e), wake))
		count_lost(slot);
}

/* A record for process tgid (a tracepoint's, not the current thread's). */
static __always_inline void emit_to(__u32 tgid, __u32 tid, __u64 ts, __u8 kind, __u64 task_id,
				    __u64 arg, __u8 flags, __u16 aux, bool urgent)
{
	__u32 *slot = bpf_map_lookup_elem(&slots, &tgid);

	if (slot && proc_in(*slot, tgid))
		emit_slot(*slot, tid, ts, kind, task_id, arg, flags, aux, urgent, true);
}

/* Records of one thread between two looks at how full its ring is: the
 * daemon is woken at most this many records late (it drains on its own
 * clock anyway). */
#define FILL_CHECK_EVERY 64

/* A record of the current thread, whose state st proc_of() found recorded;
 * ts 0: now. */
static __always_inline void emit_at(struct thread_state *st, __u64 ts, __u8 kind, __u64 task_id,
				    __u64 arg, __u8 flags, __u16 aux)
{
	emit_slot(st->slot, st->tid, ts, kind, task_id, arg, flags, aux, false,
		  ++st->records % FILL_CHECK_EVERY == 0);
}

static __always_inline void emit(struct thread_state *st, __u8 kind, __u64 task_id, __u64 arg,
				 __u8 flags, __u16 aux)
{
	emit_at(st, 0, kind, task_id, arg, flags, aux);
}

/*
 * A poll ends where its raw::poll call returns to: the daemon probes each
 * such return site (plain uprobes, see learn_ret_site()).  There is no
 * return probe (uretprobe) on raw::poll: a return probe keeps an instance
 * alive for as long as the function runs, and the blocking pool runs each
 * worker thread inside one raw::poll that returns only at shutdown.  Until
 * a site is probed, its polls end where the worker does the next thing the
 * probes see (its next poll or park): flags DIAL9_POLL_F_INFERRED.
 */
static __always_inline void end_poll(struct thread_state *st, __u64 now, __u32 epoch,
				     __u8 flags)
{
	__u64 dur = now - st->poll_start_ns;

	if (!st->poll_start_ns)
		return;
	st->poll_start_ns = 0;
	if (st->epoch != epoch) { /* the probes were off meanwhile */
		st->task_id = 0;
		st->poll_hdr = 0;
		return;
	}
	if (poll_threshold_ns) {
		/* sampled: POLL_START was held back until the length was known */
		if (dur < poll_threshold_ns && count_short_poll(st->tgid, st->task_id, dur)) {
			st->task_id = 0;
		st->poll_hdr = 0;
			return;
		}
		emit_at(st, now - dur, DIAL9_EV_POLL_START, st->task_id, st->poll_fn, 0, 0);
	}
	emit_at(st, now, DIAL9_EV_POLL_END, st->task_id, dur, flags, 0);
	st->task_id = 0;
	st->poll_hdr = 0;
}

/* A park ends at its return site, or else when the worker polls again. */
static __always_inline void end_park(struct thread_state *st, __u64 now)
{
	if (!st->parked)
		return;
	st->parked = 0;
	emit_at(st, now, DIAL9_EV_UNPARK, 0, 0, 0, 0);
}

/*
 * The return address of a raw::poll or park call (at the entry, on top of
 * the stack): when the daemon does not know it yet, tell it, once per
 * thread, so that it probes it.  A runtime calls these from a handful of
 * places, so this settles within the first few polls.  Returns the site's
 * index in ret_sites, or -1 when it is not known yet.
 */
static __always_inline int learn_ret_site(struct pt_regs *ctx, struct thread_state *st,
					  struct dial9_proc_ctl *c, __u16 kind, __u64 task_id)
{
	__u64 ret = 0;
	__u32 i, n;

	if (bpf_probe_read_user(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx)) || !ret)
		return -1;
	n = c->nsites;
	for (i = 0; i < DIAL9_MAX_RET_SITES; i++) {
		if (i >= n)
			break;
		if (c->ret_sites[i] == ret)
			return (int)i;
	}
	if (n >= DIAL9_MAX_RET_SITES || st->reported_site == ret)
		return -1;
	st->reported_site = ret;
	emit_slot(st->slot, st->tid, 0, DIAL9_EV_RING_RET_SITE, task_id, ret, 0, kind, true,
		  true); /* learn it soon */
	return -1;
}

static __always_inline void clear_sites(struct thread_state *st)
{
	for (int i = 0; i < DIAL9_STALL_SITES; i++)
		st->site[i] = 0;
}

/*
 * The stall detector, on in every mode: a worker that goes more than
 * stall_ns between two passes through the scheduler (a poll starting, a
 * park) was stuck in one poll or in code that blocks.  Its cost does not
 * grow with the poll rate: park probes and context switches only, plus the
 * poll probes when they are on.
 */
static __always_inline void check_stall(struct thread_state *st, __u64 now, __u32 epoch)
{
	__u64 stretch = st->run_since_ns ? now - st->run_since_ns : 0;
	int i;

	if (!st->idle && stretch >= stall_ns) {
		for (i = 0; i < DIAL9_STALL_SITES; i++)
			if (st->site[i])
				emit_at(st, now, DIAL9_EV_STALL, 0, st->site[i], DIAL9_STALL_F_SITE, i);
		emit_at(st, now, DIAL9_EV_STALL,
			st->poll_start_ns && st->epoch == epoch ? st->task_id : 0, stretch, 0, 0);
	}
	clear_sites(st);
	st->run_since_ns = now;
}

/* tokio::runtime::task::raw::poll::<T, S>(ptr: NonNull<Header>) */
static __always_inline int poll_enter(struct pt_regs *ctx, struct thread_state *st,
				      struct dial9_proc_ctl *c)
{
	__u64 hdr = PT_REGS_PARM1(ctx), id, now;
	__u32 epoch = c->epoch;
	int site;

	id = task_id_of(st, c, hdr);
	site = learn_ret_site(ctx, st, c, DIAL9_PROBE_RAW_POLL, id);
	if (site >= 0 && site < DIAL9_MAX_RET_SITES && (c->pool_sites >> site) & 1) {
		/* the blocking pool's own work, not a task of the program: the
		 * daemon leaves its other records (its end) out */
		if (id)
			emit(st, DIAL9_EV_RING_POOL_TASK, id, 0, 0, 0);
		return 0;
	}
	now = bpf_ktime_get_ns();
	check_stall(st, now, epoch);
	st->idle = 0;
	end_poll(st, now, epoch, DIAL9_POLL_F_INFERRED); /* its return was not seen */
	end_park(st, now);
	st->spawn_site = 0; /* a spawn that never completed */
	st->task_id = id;
	/* a known, probed return site ends the poll where it ends */
	st->poll_hdr = site >= 0 && site < DIAL9_MAX_RET_SITES && (c->probed_sites >> site) & 1 ?
			       hdr : 0;
	st->poll_start_ns = now;
	st->poll_fn = PT_REGS_IP(ctx);
	st->epoch = epoch;
	st->out_of_poll = 0;
	st->ctx = CTX_RUNTIME;
	if (!poll_threshold_ns)
		emit_at(st, now, DIAL9_EV_POLL_START, id, st->poll_fn, 0, 0);
	return 0;
}

/* A raw::poll copy of the blocking pool's own tasks: nothing of the poll is
 * recorded (the pool's work is not the program's task), only that this
 * thread runs the pool's work. */
static __always_inline int pool_poll_enter(struct pt_regs *ctx, struct thread_state *st,
					   struct dial9_proc_ctl *c)
{
	emit(st, DIAL9_EV_RING_POOL_TASK, task_id_of(st, c, PT_REGS_PARM1(ctx)), 0, 0, 0);
	return 0;
}

/* A raw::poll call returned (its return site, DIAL9_PROBE_POLL_RETURN). */
static __always_inline int poll_return(struct pt_regs *ctx, struct thread_state *st,
				       struct dial9_proc_ctl *c)
{
	__u64 now = bpf_ktime_get_ns();

	check_stall(st, now, c->epoch);
	end_poll(st, now, c->epoch, 0);
	st->out_of_poll = c->epoch + 1;
	st->ctx = CTX_RUNTIME;
	return 0;
}

/* Tokio's CONTEXT thread-local of the current thread: addr of its first
 * qword, 0 when not known for this process. */
static __always_inline __u64 tls_context(const struct dial9_proc_ctl *c, struct task_struct *task)
{
	__u64 fsbase;

	if (!c->tls_context_off)
		return 0;
	fsbase = BPF_CORE_READ(task, thread.fsbase);
	return fsbase ? fsbase + c->tls_context_off : 0;
}

/*
 * A task that wakes another one is being polled: Tokio's CONTEXT holds its
 * id then.  Until the daemon knows which qword that is, each such wake
 * tells it which qwords hold that id (and which follow a 1, an Option's
 * tag); so does a CPU sample inside a poll the probes saw.  The daemon
 * takes the qword most reports agree on.
 */
static __always_inline void learn_tls_task_slot(struct thread_state *st,
						const struct dial9_proc_ctl *c, __u64 task_id)
{
	__u64 ctx, q[DIAL9_TLS_SCAN_QWORDS];
	__u32 eq = 0, tagged = 0;
	int i;

	if (!c->tls_learn || c->tls_task_slot)
		return;
	ctx = tls_context(c, bpf_get_current_task_btf());
	if (!ctx || bpf_probe_read_user(q, sizeof(q), (void *)ctx))
		return;
	for (i = 0; i < DIAL9_TLS_SCAN_QWORDS; i++) {
		if (i >= c->tls_context_qwords)
			break;
		if (q[i] == task_id) {
			eq |= 1u << i;
			if (i && q[i - 1] == 1)
				tagged |= 1u << i;
		}
	}
	emit(st, DIAL9_EV_RING_TLS_LEARN, task_id, eq, 0, (__u16)tagged);
}

/* tokio::runtime::task::waker::wake_by_val / wake_by_ref (ptr: *const ()) */
static __always_inline int wake_enter(struct pt_regs *ctx, struct thread_state *st,
				      struct dial9_proc_ctl *c)
{
	__u64 hdr = PT_REGS_PARM1(ctx);
	__u64 waker = 0;
	__u16 kind = DIAL9_WAKER_THREAD;

	if (st->task_id) {
		kind = DIAL9_WAKER_TASK;
		waker = st->task_id;
	} else if (st->ctx == CTX_IO) {
		kind = DIAL9_WAKER_IO_DRIVER;
	} else if (st->ctx == CTX_TIMER) {
		kind = DIAL9_WAKER_TIMER;
	} else if (st->ctx == CTX_RUNTIME) {
		kind = DIAL9_WAKER_RUNTIME;
	} else if (st->ctx == CTX_BLOCK_ON) {
		kind = DIAL9_WAKER_BLOCK_ON;
	}
	emit(st, DIAL9_EV_WAKE, task_id_of(st, c, hdr), waker, 0, kind);
	if (waker)
		learn_tls_task_slot(st, c, waker);
	return 0;
}

/*
 * The spawn path (tokio::spawn -> spawn_inner -> scheduler::Handle::spawn ->
 * bind_new_task -> OwnedTasks::bind -> bind_inner); which of these exist
 * out of line differs per release, per build profile and per future type,
 * so all that exist are probed.  The outermost entry seen names the spawn
 * site (its return address is in the spawning code; the daemon finds the
 * #[track_caller] Location the call passes there).  The new task's id comes
 * from the first of: bind_inner's argument, a spawn function's returned
 * JoinHandle, the id allocation inlined into the spawning code; the other
 * sightings of the same spawn are recognised by its id and skipped.
 */
static __always_inline int spawn_enter(struct pt_regs *ctx, struct thread_state *st)
{
	__u64 ret = 0;

	if (!st->spawn_site &&
	    !bpf_probe_read_user(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx)))
		st->spawn_site = ret;
	return 0;
}

/* site: where the spawn is, when no outer spawn function's entry said. */
static __always_inline void emit_spawn(struct thread_state *st, __u64 id, __u64 site)
{
	if (!id || id == st->last_spawn_id)
		return;
	if (st->spawn_site)
		site = st->spawn_site;
	emit(st, DIAL9_EV_SPAWN, id, site, 0, 0);
	st->spawn_site = 0;
	st->last_spawn_id = id;
}

/* Each returns the JoinHandle's Header* first: in rax, or in rax:rdx for
 * OwnedTasks::bind's (JoinHandle, Option<Notified>). */
static __always_inline int spawn_exit(struct pt_regs *ctx, struct thread_state *st,
				      struct dial9_proc_ctl *c)
{
	__u64 rc = PT_REGS_RC(ctx), rc2 = PT_REGS_RC2(ctx), ip = PT_REGS_IP(ctx);
	__u64 id = task_id_of(st, c, rc);

	if (!id)
		id = task_id_of(st, c, rc2);
	emit_spawn(st, id, ip);
	return 0;
}

/* OwnedTasks<S>::bind_inner(&self, task: Task<S>, notified: Notified<S>):
 * both hold the new task's Header*. */
static __always_inline int spawn_bind(struct pt_regs *ctx, struct thread_state *st,
				      struct dial9_proc_ctl *c)
{
	__u64 id = task_id_of(st, c, PT_REGS_PARM2(ctx)), ret = 0;

	if (!id)
		id = task_id_of(st, c, PT_REGS_PARM3(ctx));
	bpf_probe_read_user(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx));
	emit_spawn(st, id, ret);
	return 0;
}

/* x86 register number (ModRM order) -> value.  The registers are copied
 * to the stack first: the verifier refuses a context access at a computed
 * offset. */
static __always_inline __u64 reg_value(struct pt_regs *ctx, __u32 reg)
{
#if defined(__TARGET_ARCH_x86)
	__u64 r[16];

	r[0] = ctx->ax;
	r[1] = ctx->cx;
	r[2] = ctx->dx;
	r[3] = ctx->bx;
	r[4] = ctx->sp;
	r[5] = ctx->bp;
	r[6] = ctx->si;
	r[7] = ctx->di;
	r[8] = ctx->r8;
	r[9] = ctx->r9;
	r[10] = ctx->r10;
	r[11] = ctx->r11;
	r[12] = ctx->r12;
	r[13] = ctx->r13;
	r[14] = ctx->r14;
	r[15] = ctx->r15;
	return r[reg & 15];
#else
	return 0;
#endif
}

/* Just after `lock xadd %reg, NEXT_ID` inlined into a spawn: reg holds the
 * id the new task gets (fetch_add returns the old value). */
static __always_inline int task_id_taken(struct pt_regs *ctx, struct thread_state *st,
					 __u64 cookie)
{
	emit_spawn(st, reg_value(ctx, DIAL9_COOKIE_REG(cookie)), PT_REGS_IP(ctx));
	return 0;
}

/* Harness<T, S>::complete(self): the task finished (or was cancelled). */
static __always_inline int complete_enter(struct pt_regs *ctx, struct thread_state *st,
					  struct dial9_proc_ctl *c)
{
	emit(st, DIAL9_EV_TERMINATE, task_id_of(st, c, PT_REGS_PARM1(ctx)), 0, 0, 0);
	return 0;
}

/* raw::dealloc::<T, S>(ptr): the task's memory is released.  This catches
 * the end of tasks whose Harness::complete was inlined. */
static __always_inline int dealloc_enter(struct pt_regs *ctx, struct thread_state *st,
					 struct dial9_proc_ctl *c)
{
	emit(st, DIAL9_EV_TERMINATE, task_id_of(st, c, PT_REGS_PARM1(ctx)), 0,
	     DIAL9_TERMINATE_F_RELEASED, 0);
	return 0;
}

/* Scheduler or driver park: the worker thread goes idle (and runs the
 * drivers).  Parks nest (scheduler, time driver, I/O driver): one PARK. */
static __always_inline int park_enter(struct pt_regs *ctx, struct thread_state *st,
				      struct dial9_proc_ctl *c, __u16 kind)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = c->epoch;

	st->ctx = CTX_RUNTIME;
	/* a multi_thread park's return is not probed (it costs a trap per
	 * park): the driver's return and the next poll end it */
	if (kind == DIAL9_PROBE_PARK_CT)
		learn_ret_site(ctx, st, c, kind, 0);
	check_stall(st, now, epoch);
	end_poll(st, now, epoch, DIAL9_POLL_F_INFERRED);
	if (!st->parked) {
		st->parked = 1;
		emit_at(st, now, DIAL9_EV_PARK, 0, 0,
			kind == DIAL9_PROBE_PARK_CT ? DIAL9_PARK_F_CURRENT_THREAD : 0, 0);
	}
	return 0;
}

/* A park returned (its return site): what runs next on a current_thread
 * runtime's thread, until its next task poll, is block_on's own future. */
static __always_inline int park_return(struct pt_regs *ctx, struct thread_state *st,
				       __u64 cookie)
{
	__u64 now = bpf_ktime_get_ns();

	end_park(st, now);
	st->ctx = cookie & DIAL9_COOKIE_CT ? CTX_BLOCK_ON : CTX_RUNTIME;
	st->run_since_ns = now;
	return 0;
}

/* Wakes that follow, until the next poll or park, come from the I/O driver. */
static __always_inline int io_wake_enter(struct pt_regs *ctx, struct thread_state *st)
{
	st->ctx = CTX_IO;
	return 0;
}

/* Wakes that follow, until the next poll or park, come from the timer wheel. */
static __always_inline int timer_enter(struct pt_regs *ctx, struct thread_state *st)
{
	st->ctx = CTX_TIMER;
	return 0;
}

/* rust_begin_unwind and friends: a panic starts on this thread. */
/* core::panic::Location: file: &str, line: u32, col: u32 (the order rustc
 * has always used; checked below rather than trusted). */
struct rust_location {
	__u64 file_ptr;
	__u64 file_len;
	__u32 line;
	__u32 col;
};

/* Does p look like a &'static Location whose file name ends in ".rs"? */
static __always_inline bool is_location(__u64 p)
{
	struct rust_location loc;
	char tail[3];

	if (!p || bpf_probe_read_user(&loc, sizeof(loc), (void *)p))
		return false;
	if (!loc.file_ptr || loc.file_len < 4 || loc.file_len > 4096 || !loc.line ||
	    loc.line > 10000000 || loc.col > 100000)
		return false;
	if (bpf_probe_read_user(tail, sizeof(tail), (void *)(loc.file_ptr + loc.file_len - 3)))
		return false;
	return tail[0] == '.' && tail[1] == 'r' && tail[2] == 's';
}

/* rust_begin_unwind(info: &PanicInfo): PanicInfo holds a reference to the
 * message and one to the Location, in an order the compiler picks; the
 * Location's address goes in the record and the daemon reads it. */
static __always_inline int panic_enter(struct pt_regs *ctx, struct thread_state *st)
{
	__u64 info = PT_REGS_PARM1(ctx), refs[2] = { 0, 0 }, loc = 0;

	if (info && !bpf_probe_read_user(refs, sizeof(refs), (void *)info)) {
		if (is_location(refs[1]))
			loc = refs[1];
		else if (is_location(refs[0]))
			loc = refs[0];
	}
	emit_slot(st->slot, st->tid, 0, DIAL9_EV_PANIC, st->task_id, loc, 0, 0, true, true);
	return 0;
}

/*
 * One program per kind of probe point, so that bpf stats (run_time_ns,
 * run_cnt) give each its own cost.  A process's points of one kind are
 * attached with one multi-uprobe link (see recorder.c), whose per-point
 * cookie holds the point's enum dial9_probe_kind and its details
 * (DIAL9_COOKIE_*): attaching and detaching cost a few kernel
 * synchronisations, not one per function.  Names: at most 15 characters
 * (the kernel's limit), as `bpftool prog show` and `make bench` print them.
 * Each works for a thread of a recorded process only (proc_of()).
 */
/* A program for the probe points of one kind: call runs with ctx, the
 * thread's state st and its process's control block c, for a thread of a
 * recorded process only. */
#define PROBE_PROGRAM(sec, name, call)					\
	SEC(sec) int name(struct pt_regs *ctx)				\
	{								\
		struct thread_state *st = thread_state();		\
		struct dial9_proc_ctl *c = st ? proc_of(st) : NULL;	\
									\
		return c ? (call) : 0;					\
	}

PROBE_PROGRAM("uprobe", poll_entry, poll_enter(ctx, st, c))

PROBE_PROGRAM("uprobe", pool_poll, pool_poll_enter(ctx, st, c))

PROBE_PROGRAM("uprobe", poll_ret_site, poll_return(ctx, st, c))

PROBE_PROGRAM("uprobe", wake, wake_enter(ctx, st, c))

PROBE_PROGRAM("uprobe", spawn_entry, spawn_enter(ctx, st))

PROBE_PROGRAM("uretprobe", spawn_return, spawn_exit(ctx, st, c))

PROBE_PROGRAM("uprobe", spawn_bind_at, spawn_bind(ctx, st, c))

PROBE_PROGRAM("uprobe", task_id_at, task_id_taken(ctx, st, bpf_get_attach_cookie(ctx)))

PROBE_PROGRAM("uprobe", task_complete, complete_enter(ctx, st, c))

PROBE_PROGRAM("uprobe", task_dealloc, dealloc_enter(ctx, st, c))

PROBE_PROGRAM("uprobe", park_entry,
	      park_enter(ctx, st, c, DIAL9_COOKIE_KIND(bpf_get_attach_cookie(ctx))))

PROBE_PROGRAM("uprobe", park_ret_site, park_return(ctx, st, bpf_get_attach_cookie(ctx)))

PROBE_PROGRAM("uprobe", io_wake, io_wake_enter(ctx, st))

PROBE_PROGRAM("uprobe", timer_fire, timer_enter(ctx, st))

PROBE_PROGRAM("uprobe", panic_entry, panic_enter(ctx, st))

/* dial9d --floor: the same probe points with nothing behind them, to
 * measure what the traps alone cost. */
SEC("uprobe")
int probe_floor(struct pt_regs *ctx)
{
	return 0;
}

SEC("uretprobe")
int probe_floor_return(struct pt_regs *ctx)
{
	return 0;
}

/* A fatal signal is generated for a recorded process. */
SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	__u32 tgid, tid, sender;

	if (!dial9_fatal_signal(sig))
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	tid = BPF_CORE_READ(task, pid);
	sender = bpf_get_current_pid_tgid() >> 32;
	/* The kernel's own signals (the OOM killer's SIGKILL among them) come
	 * with SEND_SIG_PRIV, whoever runs; a fault is raised on the faulting
	 * thread itself. */
	if (info == DIAL9_SEND_SIG_PRIV || (sender == tgid && sig != 6 && sig != 9))
		sender = 0;
	emit_to(tgid, tid, 0, DIAL9_EV_SIGNAL, 0, sender, 0, sig, true);
	return 0;
}

/* The smallest memory limit of task's memory cgroup and its parents
 * (memory.max, or memory.limit_in_bytes on cgroup v1), in pages; 0 if none is
 * set (a global OOM).  The cgroup that ran out is one of them. */
static __always_inline __u64 memcg_limit_pages(struct task_struct *task)
{
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct css_set *cgroups = BPF_CORE_READ(task, cgroups);
	struct cgroup_subsys_state *css = NULL;
	__u64 limit = 0, max;
	int i;

	if (!cgroups || id < 0 || id >= CGROUP_SUBSYS_COUNT)
		return 0;
	bpf_probe_read_kernel(&css, sizeof(css), &cgroups->subsys[id]);
	for (i = 0; i < 16 && css; i++) {
		struct mem_cgroup *memcg =
			(void *)css - bpf_core_field_offset(struct mem_cgroup, css);

		max = BPF_CORE_READ(memcg, memory.max);
		if (max < DIAL9_PAGE_COUNTER_UNLIMITED && (!limit || max < limit))
			limit = max;
		css = BPF_CORE_READ(css, parent);
	}
	return limit;
}

/* The OOM killer chose a recorded process (its SIGKILL is already sent). */
SEC("tp_btf/mark_victim")
int BPF_PROG(mark_victim, struct task_struct *task, uid_t uid)
{
	__u32 tgid = BPF_CORE_READ(task, tgid), tid = BPF_CORE_READ(task, pid);

	emit_to(tgid, tid, 0, DIAL9_EV_OOM, 0, memcg_limit_pages(task), 0, 0, true);
	return 0;
}

/* The last thread of a recorded process exits. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit, struct task_struct *task, bool group_dead)
{
	__u32 tgid, tid;
	int code;

	if (!group_dead)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	tid = BPF_CORE_READ(task, pid);
	code = BPF_CORE_READ(task, signal, group_exit_code);
	if (!code)
		code = BPF_CORE_READ(task, exit_code);
	if (code & 0x7f)
		emit_to(tgid, tid, 0, DIAL9_EV_EXIT, 0, code & 0x7f, DIAL9_EXIT_F_SIGNALED, 0, true);
	else
		emit_to(tgid, tid, 0, DIAL9_EV_EXIT, 0, (code >> 8) & 0xff, 0, 0, true);
	return 0;
}

/* A process replaced its image: with discovery on, a candidate for
 * recording; if it was recorded, its probes now point at the old binary. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	__u32 *e;

	/* what the thread's state says is of the old image */
	bpf_task_storage_delete(&threads, p);
	if (!discover && !bpf_map_lookup_elem(&slots, &tgid))
		return 0;
	e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&execs_lost, 1);
		return 0;
	}
	*e = tgid;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Return addresses in the executable on a user stack, innermost first. */
static __always_inline void scan_stack(struct task_struct *task, struct dial9_proc_ctl *c,
				       struct thread_state *st)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 words[48], sp;
	int i, n = 0;

	if (!regs)
		return;
	sp = PT_REGS_SP_CORE(regs);
	if (!sp || bpf_probe_read_user(words, sizeof(words), (void *)sp))
		return;
	for (i = 0; i < 48; i++) {
		if (words[i] >= c->text_lo && words[i] < c->text_hi) {
			if (n >= DIAL9_STALL_SITES)
				break;
			st->site[n] = words[i];
			n++;
		}
	}
}

/* Is the thread asleep where a parked worker sleeps (futex, epoll wait)?
 * Anything else it sleeps in was called by the code of a poll. */
static __always_inline bool parked_syscall(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	long nr = BPF_CORE_READ(regs, orig_ax);

	return nr == 202 || nr == 232 || nr == 281 || nr == 441 || nr == 449;
#else
	long nr = BPF_CORE_READ(regs, syscallno);

	return nr == 98 || nr == 22 || nr == 441 || nr == 449;
#endif
}

/*
 * A runtime worker leaves the CPU to sleep: in the runtime's park it is
 * idle; anywhere else its poll (or the runtime) blocked, and where is
 * remembered.  When a blocked worker comes back after stall_ns or more, that
 * is a stall, reported there and then: this needs no uprobe at all, so it
 * works while the poll/wake/park probes are duty-cycled off.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct thread_state *st;
	struct dial9_proc_ctl *c;
	struct pt_regs *regs;
	__u64 now = bpf_ktime_get_ns();
	int i;

	/* Only threads that ran a probe have a state: for every other thread
	 * of the machine this costs a task-storage check, no map lookup. */
	if (!preempt && prev_state) { /* going to sleep, not preempted */
		st = bpf_task_storage_get(&threads, prev, 0, 0);
		c = st ? proc_of(st) : NULL;
		regs = c ? (struct pt_regs *)bpf_task_pt_regs(prev) : NULL;
		if (st && c && regs) {
			st->idle = parked_syscall(regs);
			st->blocked_since_ns = 0;
			if (!st->idle && st->run_since_ns) {
				scan_stack(prev, c, st);
				st->blocked_since_ns = now;
			}
		}
	}
	st = bpf_task_storage_get(&threads, next, 0, 0);
	c = st ? proc_of(st) : NULL;
	if (!c)
		return 0;
	if (st->idle) {
		st->idle = 0;
		st->run_since_ns = now;
	} else if (st->blocked_since_ns && now - st->blocked_since_ns >= stall_ns) {
		for (i = 0; i < DIAL9_STALL_SITES; i++)
			if (st->site[i])
				emit_at(st, now, DIAL9_EV_STALL, 0, st->site[i], DIAL9_STALL_F_SITE, i);
		emit_at(st, now, DIAL9_EV_STALL,
			st->poll_start_ns && st->epoch == c->epoch ? st->task_id : 0,
			now - st->run_since_ns, 0, 0);
		clear_sites(st);
		st->run_since_ns = now; /* reported: not again at the next poll */
	}
	st->blocked_since_ns = 0;
	return 0;
}

/*
 * The CPU sampler: a software clock event on every CPU (dial9d
 * --cpu-sample-hz), whose cost does not grow with the poll rate.  For a
 * thread of a recorded process it records which task Tokio says the thread
 * polls (CONTEXT.current_task_id, in every release from 1.24 to 1.53, once
 * the daemon has learned where it lives) and where the thread runs: with
 * the poll probes off, a poll spinning on the CPU still shows, as a run of
 * samples of one task.
 */
/* Does a call instruction end at ret (e8 rel32, or ff /2 of 2 to 7 bytes)?
 * A word on the stack that points into the code is a return address only
 * then; the daemon checks its samples' the same way. */
static __always_inline bool follows_call(__u64 ret)
{
	__u8 b[8];

	if (bpf_probe_read_user(b, sizeof(b), (void *)(ret - 8)))
		return false;
	return b[3] == 0xe8 || b[6] == 0xff || b[5] == 0xff || b[4] == 0xff || b[2] == 0xff ||
	       b[1] == 0xff;
}

/* Words of a sampled thread's stack looked at for the program's call into
 * a library (the BPF stack is 512 bytes). */
#define STACK_SCAN_WORDS 16

SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), ip, sp, q[2] = { 0, 0 }, task_id = 0, at;
	__u64 words[STACK_SCAN_WORDS];
	__u32 tgid = pid_tgid >> 32, *slot;
	struct task_struct *task;
	struct thread_state *st;
	struct dial9_proc_ctl *c;
	struct pt_regs *regs;
	__u8 flags = 0;
	int i;

	if (!tgid)
		return 0;
	/* through the thread's slot when it has a state, else `slots` */
	task = bpf_get_current_task_btf();
	st = bpf_task_storage_get(&threads, task, 0, 0);
	c = st && st->tgid == tgid ? proc_of(st) : NULL;
	if (!c) {
		slot = bpf_map_lookup_elem(&slots, &tgid);
		c = slot ? proc_in(*slot, tgid) : NULL;
		if (!c)
			return 0;
		st = NULL;
	}
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return 0;
	ip = BPF_CORE_READ(regs, ip);
	if (ctx->regs.ip != ip) /* interrupted in the kernel, on the thread's behalf */
		flags |= DIAL9_SAMPLE_F_KERNEL;
	if (c->text_hi && (ip < c->text_lo || ip >= c->text_hi)) {
		/* in a library (libc, the vDSO): name the program's call into it */
		sp = PT_REGS_SP_CORE(regs);
		if (sp && !bpf_probe_read_user(words, sizeof(words), (void *)sp)) {
			int tried = 0;

			for (i = 0; i < STACK_SCAN_WORDS && tried < 4; i++) {
				if (words[i] < c->text_lo + 8 || words[i] >= c->text_hi)
					continue;
				tried++;
				if (follows_call(words[i])) {
					ip = words[i];
					flags |= DIAL9_SAMPLE_F_CALLER;
					break;
				}
			}
		}
	}
	/* the probes are on (an even epoch), and saw this poll begin: a poll
	 * whose end they missed while they were being taken away is not one */
	if (st && st->poll_start_ns && st->epoch == c->epoch && !(c->epoch & 1)) {
		flags |= DIAL9_SAMPLE_F_PROBED;
		if (st->task_id)
			learn_tls_task_slot(st, c, st->task_id);
	}
	at = tls_context(c, task);
	if (!c->tls_task_slot || !at) {
		flags |= DIAL9_SAMPLE_F_NO_TASK_ID;
	} else {
		at += (__u64)(c->tls_task_slot - 1) * 8;
		if (c->tls_task_tagged) {
			if (bpf_probe_read_user(q, sizeof(q), (void *)(at - 8)))
				flags |= DIAL9_SAMPLE_F_NO_TASK_ID;
			else if (q[0] == 1)
				task_id = q[1];
		} else if (bpf_probe_read_user(&task_id, sizeof(task_id), (void *)at)) {
			flags |= DIAL9_SAMPLE_F_NO_TASK_ID;
		}
	}
	/* Outside any poll (the probes, on, saw its last poll return and no
	 * poll begin since), Tokio's CONTEXT still names a task: the blocking
	 * pool's task a worker thread runs in (1.24 launches each worker that
	 * way).  Its id is not the program's task: told once, and left out. */
	if (task_id && st && !st->poll_start_ns && !(c->epoch & 1) &&
	    st->out_of_poll == c->epoch + 1) {
		if (st->pool_told != task_id) {
			emit(st, DIAL9_EV_RING_POOL_TASK, task_id, 0, 0, 0);
			st->pool_told = task_id;
		}
		task_id = 0;
	}
	if (st)
		emit(st, DIAL9_EV_CPU_SAMPLE, task_id, ip, flags, 0);
	else
		emit_to(tgid, (__u32)pid_tgid, 0, DIAL9_EV_CPU_SAMPLE, task_id, ip, flags, 0, false);
	return 0;
}
