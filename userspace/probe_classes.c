// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probe_classes.c - probe classes found in a binary, their names and what
 * their absence costs (see probe_classes.h).
 */
#include <stdio.h>
#include <string.h>

#include "json_writer.h"
#include "probe_classes.h"

static const struct {
	const char *name;
	const char *cost;
} classes[DIAL9_CLASS_MAX] = {
	[DIAL9_CLASS_POLL] = { "poll", "no poll is recorded" },
	[DIAL9_CLASS_POLL_END] = { "poll_end",
				   "poll durations are upper bounds (each ends at the worker's "
				   "next poll or park)" },
	[DIAL9_CLASS_WAKE] = { "wake", "no wake, wake graph or wake-to-poll latency" },
	[DIAL9_CLASS_SPAWN] = { "spawn", "spawn times, locations and parents are unknown" },
	[DIAL9_CLASS_TERMINATE] = { "terminate", "task ends are unknown" },
	[DIAL9_CLASS_IO_DRIVER] = { "io_driver", "I/O-driver wakes show as runtime wakes" },
	[DIAL9_CLASS_TIMER] = { "timer", "timer wakes show as runtime wakes" },
	[DIAL9_CLASS_PARK] = { "park",
			       "idle time is not recorded; driver wakes are not told from the "
			       "runtime's" },
	[DIAL9_CLASS_BLOCK_ON] = { "block_on",
				   "on a current_thread runtime, wakes by block_on's future show "
				   "as runtime wakes" },
	[DIAL9_CLASS_PANIC] = { "panic", "panics are not captured (crash signals still are)" },
};

const char *dial9_probe_class_name(enum dial9_probe_class c)
{
	return (unsigned)c < DIAL9_CLASS_MAX ? classes[c].name : "unknown";
}

const char *dial9_probe_class_cost(enum dial9_probe_class c)
{
	return (unsigned)c < DIAL9_CLASS_MAX ? classes[c].cost : "";
}

int dial9_probe_classes_missing(uint32_t found, char *buf, size_t len)
{
	size_t used = 0;
	int missing = 0;

	if (len)
		buf[0] = '\0';
	for (int c = 0; c < DIAL9_CLASS_MAX; c++) {
		int n;

		if (found & (1u << c))
			continue;
		missing++;
		if (used >= len)
			continue;
		n = snprintf(buf + used, len - used, "%sno %s probe: %s", used ? "; " : "",
			     classes[c].name, classes[c].cost);
		used += n > 0 ? (size_t)n : 0;
	}
	return missing;
}

int dial9_probe_classes__write_json(struct json_writer *w, uint32_t found)
{
	json_writer__key(w, "probes_missing");
	json_writer__begin_array(w);
	for (int c = 0; c < DIAL9_CLASS_MAX; c++) {
		if (found & (1u << c))
			continue;
		json_writer__begin_object(w);
		json_writer__kv_string(w, "class", classes[c].name);
		json_writer__kv_string(w, "cost", classes[c].cost);
		json_writer__end_object(w);
	}
	return json_writer__end_array(w);
}
