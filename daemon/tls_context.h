/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tls_context.h - where Tokio's CONTEXT thread-local lives in a thread of a
 * program: its TLS symbol and the executable's PT_TLS give its place from
 * the thread pointer (x86-64: the fs base), for the CPU sampler to read
 * CONTEXT.current_task_id, the task being polled.
 */
#ifndef DIAL9D_TLS_CONTEXT_H
#define DIAL9D_TLS_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "elf_file.h"

/* The executable exe's CONTEXT (its symbol from syms: exe or its debug
 * file): *tp_off, its address minus the thread pointer (negative), and
 * *size in bytes.  0, or -ENOENT (no such symbol, or no PT_TLS). */
int tls_context__find(const struct dial9_elf_file *exe, const struct dial9_elf_file *syms,
		      int64_t *tp_off, uint32_t *size);

/* Learning which qword of CONTEXT is current_task_id: each report (a task
 * waking another during its poll, a CPU sample inside a poll) says which
 * qwords held the polled task's id (eq) and which of those follow a 1
 * (tagged: 1.24's Option<u64>, whose tag comes first).  A report may be
 * wrong (a sample between the poll's entry and Tokio setting the id): the
 * qword that nearly every report names is taken, by vote. */
struct tls_learning {
	uint32_t votes[32], tagged[32];
	uint32_t reports;
	int result;           /* TLS_LEARNING_* or the qword found (>= 0) */
};

#define TLS_LEARNING_UNANIMOUS 4  /* reports all naming one qword: taken */
#define TLS_LEARNING_REPORTS 16   /* else reports before a majority is taken */
#define TLS_LEARNING_GIVE_UP 512  /* reports without a clear winner: not found */
enum { TLS_LEARNING_PENDING = -1, TLS_LEARNING_FAILED = -2 };

void tls_learning__init(struct tls_learning *l);
/* One report.  Returns the qword once learned (*tagged: its tag precedes
 * it), TLS_LEARNING_PENDING, or TLS_LEARNING_FAILED when no qword has won
 * after TLS_LEARNING_GIVE_UP reports (CONTEXT is not laid out as expected). */
int tls_learning__report(struct tls_learning *l, uint32_t eq, uint32_t tagged, bool *is_tagged);

/* glibc's place of the executable's TLS block below the thread pointer
 * (TLS_TCB_AT_TP: _dl_determine_tlsoffset for the first module). */
uint64_t tls_context__block_offset(uint64_t vaddr, uint64_t memsz, uint64_t align);

#endif /* DIAL9D_TLS_CONTEXT_H */
