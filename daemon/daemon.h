/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * daemon.h - dial9d's state: options, the recorded processes, the event loop.
 */
#ifndef DIAL9D_DAEMON_H
#define DIAL9D_DAEMON_H

#include <linux/types.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr_cache.h"
#include "config.h"
#include "dump.h"
#include "probe_classes.h"
#include "recorder.h"
#include "tokio_syms.h"
#include "window.h"

#define DIAL9D_VERSION "0.1.0"

struct daemon_opts {
	const char *socket_path;  /* control socket */
	const char *state_dir;    /* dumps go to STATE_DIR/dumps */
	uint64_t window_ns;       /* rolling window span per process */
	uint64_t max_bytes;       /* window byte budget per process */
	uint32_t ring_bytes;      /* BPF ring buffer per process */
	uint32_t drain_ms;        /* ring drain period */
	uint32_t max_procs;       /* processes recorded at once */
	uint32_t panic_dumps_per_min; /* rate limit of panic dumps per process */
	uint64_t max_dumps;       /* retention: files kept in the dumps directory */
	uint64_t max_dump_bytes;  /* retention: bytes kept in the dumps directory */
	bool dump_on_exit;        /* dump a window when its process exits normally */
	bool all;                 /* discover Tokio processes system-wide */
	uint64_t poll_threshold_ns; /* shorter polls are counted, not recorded (0: all) */
	double overhead_budget;   /* governor: fraction of one CPU per process (0: off) */
	uint64_t hit_cost_ns;     /* governor: estimated cost of one probe hit */
	bool floor;               /* benchmarks: empty programs at the same points */
	bool verbose;
	struct dial9_debuginfo_opts debuginfo; /* --debug-dir: where debug files are looked for */
};

/* What an epoll event is about. */
enum ep_kind { EP_LISTEN = 1, EP_CLIENT, EP_TIMER, EP_SIGNAL, EP_PIDFD, EP_RING, EP_EXECS };

struct ep_source {
	enum ep_kind kind;
	int fd;
	void *owner; /* struct tracked * or struct client * */
};

#define DIAL9D_MAX_CLIENTS 32
#define DIAL9D_CLIENT_TIMEOUT_NS 2000000000ULL

struct client {
	struct ep_source src; /* src.fd < 0: slot free */
	uid_t uid;
	gid_t gid;            /* SO_PEERCRED: the peer's effective ids at connect */
	pid_t pid;
	uint64_t accepted_ns;
};

/* Why a dump is pending for a process. */
struct pending_dump {
	uint32_t reason; /* enum dial9_reason, 0 = none */
	uint32_t signal;
	uint32_t tid;
	uint64_t task;
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
	} stall_sites[16];
	struct addr_cache spawn_sites;   /* spawn site -> its location's string id */
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
	uint64_t rate_events, rate_ns;   /* last rate sample */
	double events_per_sec;

	/* what the ring said about the process's fate */
	struct pending_dump pending;     /* dump at the next tick */
	uint32_t last_fatal_signal, last_fatal_tid;
	bool exited;
	bool exit_signaled;
	uint32_t exit_code;
	uint64_t panic_dump_ns[8];       /* times of recent panic dumps (rate limit) */
	uint32_t dumps;
	bool released;                   /* detached; freed between epoll batches */
};

struct daemon {
	struct daemon_opts o;
	struct recorder *rec;
	int epfd;
	int listen_fd;
	int timer_fd;
	int signal_fd;
	struct ep_source src_listen, src_timer, src_signal, src_execs;
	struct dial9_rules rules;        /* discovery include/exclude */
	struct client clients[DIAL9D_MAX_CLIENTS];
	struct tracked *procs;
	struct tracked *released;        /* detached, to free after the batch */
	uint32_t nprocs;
	uint64_t start_ns;
	uint64_t dumps_written;
	uint64_t last_second_ns;
	volatile int stop;
};

uint64_t now_mono_ns(void);
uint64_t now_real_ns(void);

/* tracked.c */
/* Where the symbols of the executable at path (the real path exe) are looked for. */
struct dial9_symbols_opts tracked__symbols_opts(const struct daemon *d, const char *exe);
/* ", symbols from PATH (build-id)" into buf when t's symbols came from a
 * debug file, else ""; returns buf. */
const char *tracked__symbols_note(const struct tracked *t, char *buf, size_t len);
/* Record pid.  ps: its probe points if already known, else NULL. */
int tracked__attach(struct daemon *d, pid_t pid, const struct dial9_probe_set *ps,
		    struct tracked **out, char *err, size_t errlen);
/* Stop recording t; it stays allocated (released) until tracked__reap. */
void tracked__detach(struct daemon *d, struct tracked *t);
/* Free the processes released since the last call: between epoll batches. */
void tracked__reap(struct daemon *d);
struct tracked *tracked__find(struct daemon *d, pid_t pid);
/* Drain the ring, account losses, expire the window. */
void tracked__drain(struct tracked *t, uint64_t now_ns);
/* Once a second: flush short-poll counts. */
void tracked__second(struct daemon *d, uint64_t now_ns);
/* Each tick: the overhead governor. */
void tracked__govern(struct daemon *d, uint64_t now_ns);
/* Move the kernel's short-poll counts into the windows as POLL_SUMMARY. */
void tracked__flush_counts(struct daemon *d);
/* Log "recording PID (comm, exe)WHY: N probe points, M uprobes", and the
 * probe classes missing with what that costs. */
void tracked__log_recording(const struct tracked *t, const char *why);
/* "full", "sampled" or "off" */
const char *tracked__mode(const struct tracked *t);
/* Called when the process's pidfd says it is gone. */
void tracked__on_exit(struct daemon *d, struct tracked *t);
/* Write pending dumps (panic, signal); called each tick. */
void tracked__tick(struct daemon *d, struct tracked *t, uint64_t now_ns);

/* dumper.c: write the window of t.  fd >= 0: into that file; else into the
 * state directory, path returned in path_out.  0 or negative errno. */
int dumper__write(struct daemon *d, struct tracked *t, const struct pending_dump *why, int fd,
		  char *path_out, size_t path_len, uint64_t *events_out);

/* retention.c: keep the dumps directory within max_dumps / max_dump_bytes,
 * oldest first, never removing keep (the dump just written). */
void retention__enforce(struct daemon *d, const char *keep);

/* discovery.c */
void discovery__scan(struct daemon *d);
void discovery__on_exec(void *ctx, pid_t pid);
void discovery__free(void);

/* control.c */
int control__open(struct daemon *d);
void control__close(struct daemon *d);
void control__on_accept(struct daemon *d);
void control__on_client(struct daemon *d, int fd);
void control__expire_clients(struct daemon *d, uint64_t now_ns);

/* access.c: may the client (uid, gid) see / act on process pid (the ptrace
 * rule)?  0, -EPERM, or the error reading /proc. */
int access__check(uid_t uid, gid_t gid, pid_t pid);
/* The user who may ptrace pid besides root (root when its ids differ or it
 * is not dumpable): whose its dumps are. */
int proc__owner(pid_t pid, uid_t *uid);

#endif /* DIAL9D_DAEMON_H */
