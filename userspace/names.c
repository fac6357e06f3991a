// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * names.c - printable names for the numbered values of the dump format.
 * Out-of-range values map to "unknown".
 */
#include <stdio.h>

#include "dump.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *dial9_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[DIAL9_REASON_REQUEST] = "request",
		[DIAL9_REASON_PANIC] = "panic",
		[DIAL9_REASON_SIGNAL] = "signal",
		[DIAL9_REASON_EXIT] = "exit",
		[DIAL9_REASON_OOM] = "oom",
		[DIAL9_REASON_TRIGGERED] = "triggered",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "unknown";
}

const char *dial9_event_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		[DIAL9_EV_NONE] = "none",
		[DIAL9_EV_SPAWN] = "spawn",
		[DIAL9_EV_POLL_START] = "poll_start",
		[DIAL9_EV_POLL_END] = "poll_end",
		[DIAL9_EV_WAKE] = "wake",
		[DIAL9_EV_TERMINATE] = "terminate",
		[DIAL9_EV_PARK] = "park",
		[DIAL9_EV_UNPARK] = "unpark",
		[DIAL9_EV_PANIC] = "panic",
		[DIAL9_EV_SIGNAL] = "signal",
		[DIAL9_EV_LOST] = "lost",
		[DIAL9_EV_POLL_SUMMARY] = "poll_summary",
		[DIAL9_EV_MODE] = "mode",
		[DIAL9_EV_STALL] = "stall",
		[DIAL9_EV_EXIT] = "exit",
		[DIAL9_EV_OOM] = "oom",
		[DIAL9_EV_CPU_SAMPLE] = "cpu_sample",
	};

	_Static_assert(ARRAY_SIZE(names) == DIAL9_EV_KIND_MAX, "a kind has no name");
	if (kind < ARRAY_SIZE(names) && names[kind])
		return names[kind];
	return "unknown";
}

const char *dial9_waker_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		[DIAL9_WAKER_UNKNOWN] = "unknown",
		[DIAL9_WAKER_TASK] = "task",
		[DIAL9_WAKER_IO_DRIVER] = "io_driver",
		[DIAL9_WAKER_TIMER] = "timer",
		[DIAL9_WAKER_RUNTIME] = "runtime",
		[DIAL9_WAKER_THREAD] = "thread",
		[DIAL9_WAKER_BLOCK_ON] = "block_on",
	};

	if (kind < ARRAY_SIZE(names) && names[kind])
		return names[kind];
	return "unknown";
}

const char *dial9_mode_name(uint32_t mode)
{
	static const char *const names[] = {
		[DIAL9_MODE_FULL] = "full",
		[DIAL9_MODE_SAMPLED] = "sampled",
		[DIAL9_MODE_OFF] = "off",
	};

	if (mode < ARRAY_SIZE(names) && names[mode])
		return names[mode];
	return "unknown";
}

const char *dial9_lost_cause_name(uint32_t cause)
{
	static const char *const names[] = {
		[DIAL9_LOST_RINGBUF] = "ringbuf",
		[DIAL9_LOST_WINDOW] = "window",
	};

	if (cause < ARRAY_SIZE(names) && names[cause])
		return names[cause];
	return "unknown";
}

const char *dial9_lost_cause_text(uint32_t cause)
{
	static const char *const texts[] = {
		[DIAL9_LOST_RINGBUF] = "ring buffer full",
		[DIAL9_LOST_WINDOW] = "window budget",
	};

	if (cause < ARRAY_SIZE(texts) && texts[cause])
		return texts[cause];
	return "unknown cause";
}

bool dial9_event_kind_names_task(uint32_t kind)
{
	switch (kind) {
	case DIAL9_EV_SPAWN:
	case DIAL9_EV_POLL_START:
	case DIAL9_EV_POLL_END:
	case DIAL9_EV_WAKE:
	case DIAL9_EV_TERMINATE:
	case DIAL9_EV_POLL_SUMMARY:
	case DIAL9_EV_PANIC:
	case DIAL9_EV_STALL:
	case DIAL9_EV_CPU_SAMPLE:
		return true;
	default:
		return false;
	}
}

const char *dial9_trigger_metric_name(uint32_t metric)
{
	static const char *const names[] = {
		[DIAL9_TRIGGER_POLL] = "poll",
		[DIAL9_TRIGGER_LATENCY_P99] = "latency-p99",
		[DIAL9_TRIGGER_QUEUE] = "queue",
		[DIAL9_TRIGGER_LOST] = "lost",
		[DIAL9_TRIGGER_COST] = "cost",
	};

	if (metric < ARRAY_SIZE(names) && names[metric])
		return names[metric];
	return "unknown";
}

void dial9_trigger_value_text(uint32_t metric, uint64_t v, char *buf, size_t len)
{
	switch (metric) {
	case DIAL9_TRIGGER_POLL:
	case DIAL9_TRIGGER_LATENCY_P99:
		if (v >= 1000000)
			snprintf(buf, len, "%.1f ms", (double)v / 1e6);
		else
			snprintf(buf, len, "%.1f us", (double)v / 1e3);
		break;
	case DIAL9_TRIGGER_QUEUE:
		snprintf(buf, len, "%llu tasks", (unsigned long long)v);
		break;
	case DIAL9_TRIGGER_LOST:
		snprintf(buf, len, "%llu events", (unsigned long long)v);
		break;
	case DIAL9_TRIGGER_COST:
		snprintf(buf, len, "%.2f %%", (double)v / 1e4);
		break;
	default:
		snprintf(buf, len, "%llu", (unsigned long long)v);
		break;
	}
}

const char *dial9_thread_role_name(uint32_t role)
{
	static const char *const names[] = {
		[DIAL9_THREAD_UNKNOWN] = "unknown",
		[DIAL9_THREAD_WORKER] = "worker",
		[DIAL9_THREAD_BLOCKING] = "blocking",
		[DIAL9_THREAD_BLOCK_ON] = "block_on",
		[DIAL9_THREAD_OTHER] = "other",
	};

	_Static_assert(ARRAY_SIZE(names) == DIAL9_THREAD_ROLE__COUNT, "a role has no name");
	if (role < ARRAY_SIZE(names) && names[role])
		return names[role];
	return "unknown";
}
