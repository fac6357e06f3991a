/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json_writer.h - a small streaming JSON writer.
 *
 * Values are written as they come; the writer tracks nesting and fails on
 * misuse (a value without a key inside an object, a key inside an array,
 * unbalanced ends).  Errors are sticky: after the first one every call is a
 * no-op returning that error, so callers may check only json_writer__finish().
 *
 * Strings are escaped per RFC 8259: quote, backslash and control characters
 * are escaped, valid UTF-8 passes through unchanged and every byte that is
 * not part of a valid UTF-8 sequence becomes U+FFFD, so the output is always
 * valid UTF-8 JSON whatever the input bytes.
 */
#ifndef DIAL9_JSON_WRITER_H
#define DIAL9_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_WRITER_PRETTY 0x1 /* newlines and two-space indentation */
#define JSON_WRITER_MAX_DEPTH 64

struct json_writer;

/* NULL with errno set on failure.  The writer does not own out. */
struct json_writer *json_writer__new(FILE *out, unsigned int flags);
void json_writer__free(struct json_writer *w); /* accepts NULL */

/* Each returns 0 or the writer's (sticky) negative errno:
 * -EINVAL misuse, -EOVERFLOW nesting deeper than JSON_WRITER_MAX_DEPTH,
 * -EIO the stream reported a write error. */
int json_writer__begin_object(struct json_writer *w);
int json_writer__end_object(struct json_writer *w);
int json_writer__begin_array(struct json_writer *w);
int json_writer__end_array(struct json_writer *w);
int json_writer__key(struct json_writer *w, const char *key);
int json_writer__string(struct json_writer *w, const char *s); /* NULL -> null */
int json_writer__string_len(struct json_writer *w, const char *s, size_t len);
int json_writer__u64(struct json_writer *w, uint64_t v);
int json_writer__i64(struct json_writer *w, int64_t v);
int json_writer__double(struct json_writer *w, double v); /* NaN/inf -> null */
/* v thousandths as a decimal with three places: 1234567 -> 1234.567 (e.g.
 * ns printed as µs, exactly). */
int json_writer__milli(struct json_writer *w, uint64_t v);
int json_writer__bool(struct json_writer *w, bool v);
int json_writer__null(struct json_writer *w);

/* key + value in one call. */
int json_writer__kv_string(struct json_writer *w, const char *key, const char *s);
int json_writer__kv_u64(struct json_writer *w, const char *key, uint64_t v);
int json_writer__kv_i64(struct json_writer *w, const char *key, int64_t v);
int json_writer__kv_double(struct json_writer *w, const char *key, double v);
int json_writer__kv_milli(struct json_writer *w, const char *key, uint64_t v);
int json_writer__kv_bool(struct json_writer *w, const char *key, bool v);
int json_writer__kv_null(struct json_writer *w, const char *key);

/* First error so far, 0 if none. */
int json_writer__error(const struct json_writer *w);

/* Check that exactly one complete top-level value was written, end it with a
 * newline and flush the stream.  0 or negative errno. */
int json_writer__finish(struct json_writer *w);

/* {"error": message} and a newline on out: how the tools say an error under
 * --json.  0 or negative errno. */
int json_writer__error_line(FILE *out, const char *message);

#endif /* DIAL9_JSON_WRITER_H */
