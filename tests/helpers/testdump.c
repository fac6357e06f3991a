// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* testdump.c - see testdump.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "testdump.h"

void testdump_ev(struct dial9_dump *d, uint64_t ts, uint8_t kind, uint64_t task, uint64_t arg,
		 uint32_t tid, uint16_t aux, uint8_t flags)
{
	struct dial9_event *e;

	d->events = realloc(d->events, (d->nevents + 1) * sizeof(*d->events));
	assert_non_null(d->events);
	e = &d->events[d->nevents++];
	e->ts_ns = ts;
	e->kind = kind;
	e->task_id = task;
	e->arg = arg;
	e->tid = tid;
	e->aux = aux;
	e->flags = flags;
}

uint32_t testdump_str(struct dial9_dump *d, const char *s)
{
	uint32_t id = dial9_strtab__add(&d->strings, s);

	assert_int_not_equal(id, 0);
	return id;
}
