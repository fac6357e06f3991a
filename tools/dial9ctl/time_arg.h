/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * time_arg.h - a point in time given on the command line (dial9ctl dumps
 * --since TIME):
 *
 *   YYYY-MM-DD                  midnight, local time
 *   YYYY-MM-DD[T| ]HH:MM[:SS]   local time; a final Z: UTC
 *   @SECONDS                    since the epoch
 *   now, today, yesterday       today and yesterday: local midnight
 *   -N UNIT                     N units ago: s, sec, m, min, h, hour, d, day,
 *                               w, week (plurals too; -1h, -30min, "-2 days")
 */
#ifndef DIAL9CTL_TIME_ARG_H
#define DIAL9CTL_TIME_ARG_H

#include <stddef.h>
#include <stdint.h>

/* s relative to now_ns (ns since the epoch) into *out_ns: 0, or -EINVAL
 * with a one-line reason in err. */
int time_arg__parse(const char *s, int64_t now_ns, int64_t *out_ns, char *err, size_t errlen);

#endif /* DIAL9CTL_TIME_ARG_H */
