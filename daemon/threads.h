/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * threads.h - the threads of a recorded process: each one's name (its
 * comm, read once when its first record arrives) and the part it plays in
 * the runtime, as its records show; the dump's thread table.
 */
#ifndef DIAL9D_THREADS_H
#define DIAL9D_THREADS_H

#include <stdint.h>
#include <sys/types.h>

#include "dump.h"

/* Threads kept per process: 4096 × 32 bytes = 128 KiB at most.  When full,
 * threads whose last record left the window are forgotten (at most once a
 * second); a thread past the bound is not named (its tid shows bare). */
#define DIAL9D_MAX_THREADS 4096u

struct thread_seen {
	struct dial9_dump_thread th;
	uint64_t last_ns;  /* its last record */
};

struct thread_table {
	struct thread_seen *v; /* sorted by tid */
	uint32_t count, cap;
	uint32_t last;         /* index of the last thread looked up */
	uint64_t pruned_ns;    /* when the full table was last pruned */
	uint64_t refused;      /* sightings of threads not kept (table full) */
};

void thread_table__init(struct thread_table *tt);
void thread_table__free(struct thread_table *tt);

/* The role a record shows its thread playing, DIAL9_THREAD_UNKNOWN when it
 * does not tell.  pool: the record is the blocking pool's own (a poll of
 * its tasks, left out of the window). */
uint8_t thread_role__of(const struct dial9_event *e, bool pool);

/*
 * A record of thread tid (of process pid) at ts_ns shows it playing role:
 * the role is merged in (block_on over worker over blocking over other over
 * unknown), and a thread seen for the first time has its name read from
 * /proc/PID/task/TID/comm (the one system call of a sighting).  Threads
 * last seen before forget_before_ns may make room.  tid 0 is no thread.
 */
void thread_table__see(struct thread_table *tt, pid_t pid, uint32_t tid, uint8_t role,
		       uint64_t ts_ns, uint64_t forget_before_ns);

/* The table for a dump, sorted by tid, with the names of the threads that
 * still live read again (a rename shows; a thread gone keeps the name it
 * had).  *out malloc'd (NULL when empty).  0 or -ENOMEM. */
int thread_table__snapshot(struct thread_table *tt, pid_t pid, struct dial9_dump_thread **out,
			   uint32_t *n);

#endif /* DIAL9D_THREADS_H */
