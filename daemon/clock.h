/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * clock.h - the daemon's clocks, in ns.
 */
#ifndef DIAL9D_CLOCK_H
#define DIAL9D_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC: the clock of bpf_ktime_get_ns() and of every record. */
static inline uint64_t now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

#endif /* DIAL9D_CLOCK_H */
