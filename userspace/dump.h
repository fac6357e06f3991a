/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dump.h - dial9 dump files: in-memory form, writer and reader.
 * The on-disk layout is specified in docs/FORMAT.md.
 */
#ifndef DIAL9_DUMP_H
#define DIAL9_DUMP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dial9_event.h"
#include "event_block.h"

#define DIAL9_FORMAT_VERSION 4     /* written */
#define DIAL9_FORMAT_VERSION_MIN 1 /* oldest read */

/* Why a dump was written.  Values are part of the file format. */
enum dial9_reason {
	DIAL9_REASON_REQUEST = 1, /* dial9ctl dump */
	DIAL9_REASON_PANIC = 2,   /* Rust panic machinery was entered */
	DIAL9_REASON_SIGNAL = 3,  /* fatal signal; see signal */
	DIAL9_REASON_EXIT = 4,    /* process exited (--dump-on-exit) */
	DIAL9_REASON_OOM = 5,     /* killed by the OOM killer; see oom_* (version 3) */
	DIAL9_REASON_TRIGGERED = 6, /* a dump trigger fired; see trigger_* (version 4) */
	DIAL9_REASON__COUNT
};

/* What a dump trigger measures (version 4).  Values are part of the file
 * format; the unit of trigger_value and trigger_threshold follows. */
enum dial9_trigger_metric {
	DIAL9_TRIGGER_NONE = 0,
	DIAL9_TRIGGER_POLL = 1,        /* a poll or stall longer than the threshold: ns */
	DIAL9_TRIGGER_LATENCY_P99 = 2, /* one second's wake->poll latency p99: ns */
	DIAL9_TRIGGER_QUEUE = 3,       /* one second's most runnable tasks: tasks */
	DIAL9_TRIGGER_LOST = 4,        /* events lost in one second: events */
	DIAL9_TRIGGER_COST = 5,        /* the recorder's estimated cost: ppm of a CPU */
	DIAL9_TRIGGER__COUNT
};

/* The part a thread played in the runtime, as the probes saw it (format
 * version 4).  Values are part of the file format: never renumber. */
enum dial9_thread_role {
	DIAL9_THREAD_UNKNOWN = 0,  /* its records do not tell (a signal, a stall) */
	DIAL9_THREAD_WORKER = 1,   /* a runtime worker: polled tasks, parked in the scheduler */
	DIAL9_THREAD_BLOCKING = 2, /* the blocking pool's: ran spawn_blocking work */
	DIAL9_THREAD_BLOCK_ON = 3, /* a current_thread runtime's thread (its block_on) */
	DIAL9_THREAD_OTHER = 4,    /* no runtime thread: it only woke or spawned tasks */
	DIAL9_THREAD_ROLE__COUNT
};

#define DIAL9_THREAD_NAME_MAX 16 /* bytes of a thread name (comm), without NUL */

/* One thread as the dump names it (the thread table, version 4). */
struct dial9_dump_thread {
	uint32_t tid;
	uint8_t role;                          /* enum dial9_thread_role */
	char name[DIAL9_THREAD_NAME_MAX + 1];  /* its comm, "" if unknown */
};

/* String table: id 0 means "none"; ids 1..count index strings[id - 1]. */
struct dial9_strtab {
	char **strings;
	uint32_t count;
	uint32_t cap;
	/* Private hash index (string -> id) kept by dial9_strtab__add; rebuilt
	 * when NULL or stale, freed by dial9_strtab__free. */
	uint32_t *index;
	uint32_t index_cap;  /* slots, a power of two */
	uint32_t index_count; /* strings indexed */
};

/* Limits shared by writer and reader (docs/FORMAT.md). */
#define DIAL9_DUMP_MAX_STRING_LEN 65535u         /* bytes, without NUL */
#define DIAL9_DUMP_MAX_STRINGS (1u << 24)
#define DIAL9_DUMP_MAX_EVENTS (1ull << 26)       /* 2 GiB of records */
#define DIAL9_DUMP_MAX_FILE_SIZE (1ull << 31)    /* bytes */
#define DIAL9_DUMP_BLOCK_EVENTS DIAL9_EVENT_BLOCK_MAX /* max events per block */
#define DIAL9_DUMP_MAX_TRIGGER_RULE_LEN 1024u    /* bytes of metadata trigger_rule */
#define DIAL9_DUMP_MAX_THREADS 65536u            /* entries of the thread table */

struct dial9_dump_meta {
	uint32_t pid;
	uint32_t reason;       /* enum dial9_reason */
	uint32_t signal;       /* signal number for DIAL9_REASON_SIGNAL, else 0 */
	uint32_t reason_tid;   /* panicking / faulting thread, 0 if unknown */
	uint64_t reason_task;  /* task polled on reason_tid then, 0 if none */
	char comm[17];         /* command name (TASK_COMM_LEN + NUL) */
	char build_id[65];     /* hex GNU build-id of the executable, "" if none */
	char *exe;             /* executable path, malloc'd, may be NULL */
	char *hostname;        /* malloc'd, may be NULL */
	uint64_t clock_base_ns;  /* CLOCK_REALTIME - CLOCK_MONOTONIC at dump time */
	uint64_t start_ns;       /* window start, CLOCK_MONOTONIC */
	uint64_t end_ns;         /* window end (dump time), CLOCK_MONOTONIC */
	uint64_t dump_realtime_ns; /* wall clock when the dump was taken */
	uint64_t lost_ringbuf;   /* events the BPF ring buffer could not take */
	uint64_t lost_window;    /* events dropped by the window's byte budget */
	uint64_t evicted;        /* events older than the window (not lost) */
	uint32_t version;        /* format version of the file read (writers: ignored) */
	uint32_t probes;         /* probe classes found (bits: enum dial9_probe_class) */
	bool probes_known;       /* probes was recorded (version 2 on) */
	/* The dump trigger that fired (version 4; trigger_metric 0: none).  A
	 * crash dump may carry one too: the trigger fired, then the process
	 * crashed before its triggered dump was written. */
	uint32_t trigger_metric;   /* enum dial9_trigger_metric */
	char *trigger_rule;        /* the rule as configured, malloc'd, may be NULL */
	uint64_t trigger_value;    /* what was measured, in the metric's unit */
	uint64_t trigger_threshold; /* the rule's threshold, same unit */
	uint64_t trigger_ns;       /* when it fired, CLOCK_MONOTONIC */
	uint32_t cpu_sample_hz;    /* the CPU sampler's rate per CPU, 0: off or unknown
				    * (version 4) */
};

struct dial9_dump {
	struct dial9_dump_meta meta;
	struct dial9_strtab strings;
	struct dial9_event *events; /* sorted by ts_ns */
	uint64_t nevents;
	struct dial9_dump_thread *threads; /* the thread table, sorted by tid (version 4) */
	uint32_t nthreads;
	bool threads_known;         /* the dump has a thread table (read: version 4 on) */
	/* Writers only, instead of events: the events already coded, in order
	 * (blocks[i].last_ts <= blocks[i + 1].first_ts), nevents their total;
	 * borrowed, not freed by dial9_dump__free. */
	const struct dial9_event_block *blocks;
	uint32_t nblocks;
};

/* String table.  Returned ids are stable; add returns the existing id for a
 * string already present.  Returns id >= 1, or 0 with errno set. */
void dial9_strtab__init(struct dial9_strtab *t);
void dial9_strtab__free(struct dial9_strtab *t);
uint32_t dial9_strtab__add(struct dial9_strtab *t, const char *s);
const char *dial9_strtab__get(const struct dial9_strtab *t, uint32_t id); /* NULL if none */

/* The thread table's entry for tid, NULL if the dump does not name it. */
const struct dial9_dump_thread *dial9_dump__thread(const struct dial9_dump *d, uint32_t tid);

struct dial9_dump *dial9_dump__new(void);
void dial9_dump__free(struct dial9_dump *d); /* accepts NULL */

/* Write d to path atomically: temp file in the same directory, fsync, rename,
 * fsync of the directory.  mode is the file mode (e.g. 0600).
 * Returns 0 or a negative errno. */
int dial9_dump__write(const struct dial9_dump *d, const char *path, unsigned int mode);

/* The two halves of dial9_dump__write: encode d into a malloc'd buffer
 * (its size is known before anything is written), and write such a buffer
 * to path atomically.  0 or negative errno. */
int dial9_dump__encode(const struct dial9_dump *d, uint8_t **out, size_t *len);
int dial9_dump__write_encoded(const void *buf, size_t len, const char *path, unsigned int mode);

/* The size of d's file; for coded blocks without coding or reading them.
 * 0 or negative errno. */
int dial9_dump__size(const struct dial9_dump *d, uint64_t *size);

/* Write d to an open file descriptor (no atomicity); coded blocks go into
 * it from where they are, without a copy of the file in memory.  0 or
 * negative errno. */
int dial9_dump__write_fd(const struct dial9_dump *d, int fd);

/* Read and fully validate a dump.  On failure returns a negative errno
 * (-EINVAL bad magic, -EPROTO unsupported version, -EBADMSG corrupt or
 * truncated, -ENOMEM, -E2BIG over the event limit below, -EINVAL as well for
 * anything but a regular file, or the open/read error) and writes a one-line
 * reason without trailing newline into err (errlen bytes).  The file's header
 * is checked against its size before the rest is read. */
int dial9_dump__read(const char *path, struct dial9_dump **out, char *err, size_t errlen);
int dial9_dump__read_mem(const void *buf, size_t len, struct dial9_dump **out,
			 char *err, size_t errlen);

/* The reader's bounds.  A dump's events are decoded into 32 bytes each and
 * the analysis takes 10-50 more per event, so max_events bounds the reader's
 * memory: at the default, 1.4 GiB for a dump of identical events, about
 * 2.5 GiB for a busy server's (measured, docs/FORMAT.md).  The file itself is
 * at most DIAL9_DUMP_MAX_FILE_SIZE.  Deflate inflates up to ~1032:1, so a
 * 1 MB file may hold 2^25 events: the event limit is what bounds it. */
#define DIAL9_DUMP_DEFAULT_MAX_EVENTS (1ull << 25) /* 33,554,432 */

struct dial9_read_opts {
	uint64_t max_events; /* 1..DIAL9_DUMP_MAX_EVENTS; 0: the default */
};

/* As dial9_dump__read(_mem) (which use the defaults), with bounds: a dump
 * declaring more than opts->max_events events is refused with -E2BIG before
 * any event is decoded, err naming the limit. */
int dial9_dump__read_opts(const char *path, const struct dial9_read_opts *opts,
			  struct dial9_dump **out, char *err, size_t errlen);
int dial9_dump__read_mem_opts(const void *buf, size_t len, const struct dial9_read_opts *opts,
			      struct dial9_dump **out, char *err, size_t errlen);

/* What a catalogue shows of a dump without decoding its events (a few KiB
 * of a dump of any size): the header checked against the file's size, the
 * trailer's marker, every section header, the metadata section in full, the
 * events section's header and each block's header (counts and lengths, as
 * the full reader's first pass checks them).  Not the checksum (that reads
 * the whole file: dial9_dump__verify_fd), nor the string table or what the
 * blocks inflate to (dial9_dump__read).  fd: the open file, read with pread
 * (its offset is not moved).  0, or a negative errno with a one-line reason in
 * err, as dial9_dump__read; *out is cleared on failure. */
struct dial9_dump_info {
	struct dial9_dump_meta meta; /* meta.version: the file's format version */
	uint64_t nevents;            /* declared */
	bool nevents_checked;        /* and what the block headers add up to (false:
					more blocks than a writer makes, not walked) */
	uint64_t file_size;
};
int dial9_dump__read_info_fd(int fd, struct dial9_dump_info *out, char *err, size_t errlen);
void dial9_dump_info__clear(struct dial9_dump_info *info); /* frees exe, hostname, trigger_rule */
/* The checksum of the file at fd against its trailer, read in 1 MiB pieces
 * (nothing inflated).  0, or -EBADMSG (message in err). */
int dial9_dump__verify_fd(int fd, char *err, size_t errlen);

/* When the dump was taken, ns since the epoch: dump_realtime_ns, else the
 * window's end on the wall clock, else 0 (unknown). */
uint64_t dial9_dump_meta__wall_ns(const struct dial9_dump_meta *m);

const char *dial9_reason_name(uint32_t reason);   /* "request", "panic", … */
const char *dial9_event_kind_name(uint32_t kind); /* "spawn", "poll_start", … */
const char *dial9_waker_kind_name(uint32_t kind); /* "task", "io_driver", … */
const char *dial9_mode_name(uint32_t mode);       /* "full", "sampled", "off" */
const char *dial9_trigger_metric_name(uint32_t metric); /* "poll", "latency-p99", … */
/* A trigger value in its metric's unit as text: "50.1 ms", "120 tasks", "2.30 %". */
void dial9_trigger_value_text(uint32_t metric, uint64_t v, char *buf, size_t len);
const char *dial9_thread_role_name(uint32_t role); /* "worker", "blocking", … */
/* Does an event of this kind name a task in task_id (the task it is about)? */
bool dial9_event_kind_names_task(uint32_t kind);
/* A lost-event cause as JSON says it ("ringbuf", "window") and as text
 * says it ("ring buffer full", "window budget"). */
const char *dial9_lost_cause_name(uint32_t cause);
const char *dial9_lost_cause_text(uint32_t cause);

#endif /* DIAL9_DUMP_H */
