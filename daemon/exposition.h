/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * exposition.h - the Prometheus text exposition format (version 0.0.4, what
 * node_exporter's textfile collector reads): family headers, samples, label
 * values escaped.  It only formats; metrics.c says what is exposed.
 */
#ifndef DIAL9D_EXPOSITION_H
#define DIAL9D_EXPOSITION_H

#include <stdint.h>
#include <stdio.h>

/* "# HELP name help" (help escaped) and "# TYPE name type". */
void expo__family(FILE *f, const char *name, const char *type, const char *help);

/* A sample being written: expo__begin, labels, then one value. */
struct expo_sample {
	FILE *f;
	unsigned int nlabels;
};

void expo__begin(struct expo_sample *s, FILE *f, const char *name);
/* key="value": backslash, double quote and newline escaped; bytes that are
 * not UTF-8 become U+FFFD (the format is UTF-8; a process names itself). */
void expo__label(struct expo_sample *s, const char *key, const char *value);
/* Labels already written in the format, trusted ("cause=\"ringbuf\""). */
void expo__label_raw(struct expo_sample *s, const char *labels);
void expo__value_u64(struct expo_sample *s, uint64_t v);
/* ns as seconds, exactly ("1.5", "0.000001"). */
void expo__value_ns(struct expo_sample *s, uint64_t ns);
/* %.6g; NaN and infinities as the format spells them. */
void expo__value_double(struct expo_sample *s, double v);

/* ns as seconds, exactly, trailing zeros trimmed, into buf ("0.000256"). */
void expo__seconds(char *buf, size_t len, uint64_t ns);

#endif /* DIAL9D_EXPOSITION_H */
