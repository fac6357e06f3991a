// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* json_writer.c - streaming JSON writer, see json_writer.h. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

enum { CTX_OBJECT = 1, CTX_ARRAY = 2 };

struct json_level {
	uint8_t type;
	bool have_key;  /* object: a key was written, a value must follow */
	uint64_t items; /* values written at this level */
};

struct json_writer {
	FILE *out;
	unsigned int flags;
	int err;
	int depth;        /* open containers */
	uint64_t top;     /* values written at top level */
	struct json_level stack[JSON_WRITER_MAX_DEPTH];
};

struct json_writer *json_writer__new(FILE *out, unsigned int flags)
{
	struct json_writer *w;

	if (!out) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->out = out;
	w->flags = flags;
	return w;
}

void json_writer__free(struct json_writer *w)
{
	free(w);
}

int json_writer__error(const struct json_writer *w)
{
	return w ? w->err : -EINVAL;
}

static void put_raw(struct json_writer *w, const char *s, size_t len)
{
	if (w->err || !len)
		return;
	if (fwrite(s, 1, len, w->out) != len)
		w->err = -EIO;
}

static void put_str(struct json_writer *w, const char *s)
{
	put_raw(w, s, strlen(s));
}

static void newline_indent(struct json_writer *w, int depth)
{
	static const char spaces[] = "                                ";
	int n = depth * 2;

	put_raw(w, "\n", 1);
	while (n > 0) {
		int k = n < (int)sizeof(spaces) - 1 ? n : (int)sizeof(spaces) - 1;

		put_raw(w, spaces, (size_t)k);
		n -= k;
	}
}

/* Called before every value and every key: separators, indentation and the
 * checks that the value is allowed here. */
static int before_item(struct json_writer *w, bool is_key)
{
	struct json_level *l;

	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	if (w->depth == 0) {
		if (is_key || w->top > 0)
			return w->err = -EINVAL;
		w->top++;
		return 0;
	}
	l = &w->stack[w->depth - 1];
	if (l->type == CTX_OBJECT) {
		if (is_key == l->have_key)
			return w->err = -EINVAL;
		if (!is_key) {
			l->have_key = false;
			return 0; /* separator came with the key */
		}
	} else if (is_key) {
		return w->err = -EINVAL;
	}
	if (l->items++ > 0)
		put_raw(w, ",", 1);
	if (w->flags & JSON_WRITER_PRETTY)
		newline_indent(w, w->depth);
	return w->err;
}

static int begin(struct json_writer *w, uint8_t type, const char *open)
{
	int err = before_item(w, false);

	if (err)
		return err;
	if (w->depth >= JSON_WRITER_MAX_DEPTH)
		return w->err = -EOVERFLOW;
	w->stack[w->depth].type = type;
	w->stack[w->depth].have_key = false;
	w->stack[w->depth].items = 0;
	w->depth++;
	put_str(w, open);
	return w->err;
}

static int end(struct json_writer *w, uint8_t type, const char *close)
{
	struct json_level *l;

	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	if (w->depth == 0)
		return w->err = -EINVAL;
	l = &w->stack[w->depth - 1];
	if (l->type != type || l->have_key)
		return w->err = -EINVAL;
	w->depth--;
	if ((w->flags & JSON_WRITER_PRETTY) && l->items > 0)
		newline_indent(w, w->depth);
	put_str(w, close);
	return w->err;
}

int json_writer__begin_object(struct json_writer *w)
{
	return begin(w, CTX_OBJECT, "{");
}

int json_writer__end_object(struct json_writer *w)
{
	return end(w, CTX_OBJECT, "}");
}

int json_writer__begin_array(struct json_writer *w)
{
	return begin(w, CTX_ARRAY, "[");
}

int json_writer__end_array(struct json_writer *w)
{
	return end(w, CTX_ARRAY, "]");
}

/* Length of the valid UTF-8 sequence starting at s (n bytes left), or 0 if
 * the bytes there are not valid UTF-8 (overlong, surrogate, > U+10FFFF,
 * truncated). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

static void put_escaped(struct json_writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0; /* run: bytes [i - run, i) pass through */
	char buf[8];

	put_raw(w, "\"", 1);
	while (i < len) {
		unsigned char c = s[i];
		const char *esc = NULL;
		size_t seq;

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
			seq = utf8_seq_len(s + i, len - i);
			if (seq) {
				i += seq;
				run += seq;
				continue;
			}
			esc = "\\ufffd";
		} else {
			switch (c) {
			case '"': esc = "\\\""; break;
			case '\\': esc = "\\\\"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			default:
				snprintf(buf, sizeof(buf), "\\u%04x", c);
				esc = buf;
			}
		}
		put_raw(w, str + i - run, run);
		run = 0;
		put_str(w, esc);
		i++;
	}
	put_raw(w, str + i - run, run);
	put_raw(w, "\"", 1);
}

int json_writer__key(struct json_writer *w, const char *key)
{
	int err;

	if (!w)
		return -EINVAL;
	if (!key) {
		if (!w->err)
			w->err = -EINVAL;
		return w->err;
	}
	err = before_item(w, true);
	if (err)
		return err;
	w->stack[w->depth - 1].have_key = true;
	put_escaped(w, key, strlen(key));
	put_str(w, (w->flags & JSON_WRITER_PRETTY) ? ": " : ":");
	return w->err;
}

int json_writer__string_len(struct json_writer *w, const char *s, size_t len)
{
	int err = before_item(w, false);

	if (err)
		return err;
	if (!s)
		put_str(w, "null");
	else
		put_escaped(w, s, len);
	return w->err;
}

int json_writer__string(struct json_writer *w, const char *s)
{
	return json_writer__string_len(w, s, s ? strlen(s) : 0);
}

static int put_scalar(struct json_writer *w, const char *text)
{
	int err = before_item(w, false);

	if (err)
		return err;
	put_str(w, text);
	return w->err;
}

int json_writer__u64(struct json_writer *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return put_scalar(w, buf);
}

int json_writer__milli(struct json_writer *w, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03u", v / 1000, (unsigned int)(v % 1000));
	return put_scalar(w, buf);
}

int json_writer__i64(struct json_writer *w, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return put_scalar(w, buf);
}

int json_writer__double(struct json_writer *w, double v)
{
	char buf[32];

	if (!isfinite(v))
		return put_scalar(w, "null");
	snprintf(buf, sizeof(buf), "%.17g", v);
	return put_scalar(w, buf);
}

int json_writer__bool(struct json_writer *w, bool v)
{
	return put_scalar(w, v ? "true" : "false");
}

int json_writer__null(struct json_writer *w)
{
	return put_scalar(w, "null");
}

int json_writer__kv_string(struct json_writer *w, const char *key, const char *s)
{
	json_writer__key(w, key);
	return json_writer__string(w, s);
}

int json_writer__kv_u64(struct json_writer *w, const char *key, uint64_t v)
{
	json_writer__key(w, key);
	return json_writer__u64(w, v);
}

int json_writer__kv_milli(struct json_writer *w, const char *key, uint64_t v)
{
	json_writer__key(w, key);
	return json_writer__milli(w, v);
}

int json_writer__kv_i64(struct json_writer *w, const char *key, int64_t v)
{
	json_writer__key(w, key);
	return json_writer__i64(w, v);
}

int json_writer__kv_double(struct json_writer *w, const char *key, double v)
{
	json_writer__key(w, key);
	return json_writer__double(w, v);
}

int json_writer__kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_writer__key(w, key);
	return json_writer__bool(w, v);
}

int json_writer__kv_null(struct json_writer *w, const char *key)
{
	json_writer__key(w, key);
	return json_writer__null(w);
}

int json_writer__finish(struct json_writer *w)
{
	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	if (w->depth != 0 || w->top != 1)
		return w->err = -EINVAL;
	put_raw(w, "\n", 1);
	if (!w->err && (fflush(w->out) != 0 || ferror(w->out)))
		w->err = -EIO;
	return w->err;
}

int json_writer__error_line(FILE *out, const char *message)
{
	struct json_writer *w = json_writer__new(out, 0);
	int err;

	if (!w)
		return -ENOMEM;
	json_writer__begin_object(w);
	json_writer__kv_string(w, "error", message);
	json_writer__end_object(w);
	err = json_writer__finish(w);
	json_writer__free(w);
	if (!err && fflush(out))
		err = -EIO;
	return err;
}
