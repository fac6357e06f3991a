/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * probe_classes.h - what a recording can vouch for: the classes of probe
 * points found in a binary (poll, wake, spawn, …), and what each one's
 * absence costs.  The daemon says it at attach and in `list`, the dump
 * records the set, and the reader withholds or qualifies what depends on
 * a missing class.
 */
#ifndef DIAL9_PROBE_CLASSES_H
#define DIAL9_PROBE_CLASSES_H

#include <stddef.h>
#include <stdint.h>


/* Bit numbers of the probe-class set.  Part of the dump format (metadata
 * tag 17): never renumber. */
enum dial9_probe_class {
	DIAL9_CLASS_POLL = 0,      /* raw::poll copies */
	DIAL9_CLASS_POLL_END = 1,  /* where polls return (learned return sites) */
	DIAL9_CLASS_WAKE = 2,      /* the task waker's wake_by_val / wake_by_ref */
	DIAL9_CLASS_SPAWN = 3,     /* a spawn function, bind_inner or the id allocation */
	DIAL9_CLASS_TERMINATE = 4, /* Harness::complete or raw::dealloc */
	DIAL9_CLASS_IO_DRIVER = 5, /* ScheduledIo::wake */
	DIAL9_CLASS_TIMER = 6,     /* the timer wheel's processing */
	DIAL9_CLASS_PARK = 7,      /* a scheduler or driver park */
	DIAL9_CLASS_BLOCK_ON = 8,  /* the current_thread scheduler's park */
	DIAL9_CLASS_PANIC = 9,     /* the panic entry */
	DIAL9_CLASS_MAX,
};

#define DIAL9_CLASSES_ALL ((1u << DIAL9_CLASS_MAX) - 1)

const char *dial9_probe_class_name(enum dial9_probe_class c); /* "park", … */
/* What is not known without class c: "idle time is not recorded; …". */
const char *dial9_probe_class_cost(enum dial9_probe_class c);

/* "no park probe: …; no timer probe: …" for the classes missing from
 * found, or "" when none is; always NUL-terminated.  Returns the number of
 * missing classes. */
int dial9_probe_classes_missing(uint32_t found, char *buf, size_t len);

struct json_writer;
/* "probes_missing": [{"class": "park", "cost": "…"}, …] (an empty array
 * when none is missing) as one key and value of the current object. */
int dial9_probe_classes__write_json(struct json_writer *w, uint32_t found);

#endif /* DIAL9_PROBE_CLASSES_H */
