// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_json_writer.c - escaping, nesting and misuse of the JSON writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

struct sink {
	FILE *f;
	char *buf;
	size_t len;
	struct json_writer *w;
};

static void sink_open(struct sink *s, unsigned int flags)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->buf, &s->len);
	assert_non_null(s->f);
	s->w = json_writer__new(s->f, flags);
	assert_non_null(s->w);
}

/* Close the stream and return what was written (owned by s). */
static const char *sink_text(struct sink *s)
{
	json_writer__free(s->w);
	s->w = NULL;
	fclose(s->f);
	s->f = NULL;
	return s->buf;
}

static void sink_close(struct sink *s)
{
	if (s->w)
		json_writer__free(s->w);
	if (s->f)
		fclose(s->f);
	free(s->buf);
}

/* The JSON text for one string value. */
static void check_string(const char *in, size_t len, const char *want)
{
	struct sink s;

	sink_open(&s, 0);
	assert_int_equal(json_writer__string_len(s.w, in, len), 0);
	assert_int_equal(json_writer__finish(s.w), 0);
	assert_string_equal(sink_text(&s), want);
	sink_close(&s);
}

static void test_escaping(void **state)
{
	check_string("plain", 5, "\"plain\"\n");
	check_string("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"\n");
	check_string("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"\n");
	check_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"\n");
	check_string("nul\0in", 6, "\"nul\\u0000in\"\n");
	check_string("", 0, "\"\"\n");
}

static void test_utf8(void **state)
{
	/* Valid UTF-8 passes through: é (2 bytes), € (3), 😀 (4). */
	check_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
	/* Invalid bytes become U+FFFD, one per bad byte. */
	check_string("a\xff" "b", 3, "\"a\\ufffdb\"\n");
	check_string("\xc3", 1, "\"\\ufffd\"\n");                  /* truncated */
	check_string("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"\n");       /* overlong */
	check_string("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"\n"); /* surrogate */
	check_string("\xf4\x90\x80\x80", 4,
		     "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n");         /* > U+10FFFF */
}

static void test_nesting(void **state)
{
	struct sink s;

	sink_open(&s, 0);
	json_writer__begin_object(s.w);
	json_writer__kv_u64(s.w, "n", UINT64_MAX);
	json_writer__kv_i64(s.w, "neg", -5);
	json_writer__key(s.w, "list");
	json_writer__begin_array(s.w);
	json_writer__u64(s.w, 1);
	json_writer__begin_object(s.w);
	json_writer__end_object(s.w);
	json_writer__begin_array(s.w);
	json_writer__end_array(s.w);
	json_writer__string(s.w, NULL);
	json_writer__bool(s.w, true);
	json_writer__end_array(s.w);
	json_writer__kv_string(s.w, "k\"ey", "v");
	json_writer__kv_double(s.w, "x", 0.5);
	json_writer__kv_double(s.w, "nan", 0.0 / 0.0);
	json_writer__kv_null(s.w, "z");
	json_writer__kv_bool(s.w, "f", false);
	json_writer__end_object(s.w);
	assert_int_equal(json_writer__finish(s.w), 0);
	assert_string_equal(sink_text(&s),
			    "{\"n\":18446744073709551615,\"neg\":-5,\"list\":[1,{},[],null,true],"
			    "\"k\\\"ey\":\"v\",\"x\":0.5,\"nan\":null,\"z\":null,\"f\":false}\n");
	sink_close(&s);
}

static void test_pretty(void **state)
{
	struct sink s;

	sink_open(&s, JSON_WRITER_PRETTY);
	json_writer__begin_object(s.w);
	json_writer__kv_u64(s.w, "a", 1);
	json_writer__key(s.w, "b");
	json_writer__begin_array(s.w);
	json_writer__u64(s.w, 2);
	json_writer__u64(s.w, 3);
	json_writer__end_array(s.w);
	json_writer__key(s.w, "c");
	json_writer__begin_array(s.w);
	json_writer__end_array(s.w);
	json_writer__end_object(s.w);
	assert_int_equal(json_writer__finish(s.w), 0);
	assert_string_equal(sink_text(&s),
			    "{\n  \"a\": 1,\n  \"b\": [\n    2,\n    3\n  ],\n  \"c\": []\n}\n");
	sink_close(&s);
}

static void test_misuse(void **state)
{
	struct sink s;
	int i;

	/* A value without a key in an object; the error sticks. */
	sink_open(&s, 0);
	json_writer__begin_object(s.w);
	assert_int_equal(json_writer__u64(s.w, 1), -EINVAL);
	assert_int_equal(json_writer__end_object(s.w), -EINVAL);
	assert_int_equal(json_writer__finish(s.w), -EINVAL);
	sink_close(&s);

	/* A key in an array. */
	sink_open(&s, 0);
	json_writer__begin_array(s.w);
	assert_int_equal(json_writer__key(s.w, "k"), -EINVAL);
	sink_close(&s);

	/* Mismatched end, unclosed container, two top-level values. */
	sink_open(&s, 0);
	json_writer__begin_array(s.w);
	assert_int_equal(json_writer__end_object(s.w), -EINVAL);
	sink_close(&s);
	sink_open(&s, 0);
	json_writer__begin_array(s.w);
	assert_int_equal(json_writer__finish(s.w), -EINVAL);
	sink_close(&s);
	sink_open(&s, 0);
	json_writer__u64(s.w, 1);
	assert_int_equal(json_writer__u64(s.w, 2), -EINVAL);
	sink_close(&s);
	sink_open(&s, 0);
	assert_int_equal(json_writer__finish(s.w), -EINVAL); /* nothing written */
	sink_close(&s);

	/* A key with no value before the end. */
	sink_open(&s, 0);
	json_writer__begin_object(s.w);
	json_writer__key(s.w, "k");
	assert_int_equal(json_writer__end_object(s.w), -EINVAL);
	sink_close(&s);

	/* Too deep. */
	sink_open(&s, 0);
	for (i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
		assert_int_equal(json_writer__begin_array(s.w), 0);
	assert_int_equal(json_writer__begin_array(s.w), -EOVERFLOW);
	sink_close(&s);

	assert_null(json_writer__new(NULL, 0));
	json_writer__free(NULL);
}

static void test_write_error(void **state)
{
	FILE *f = fopen("/dev/full", "w");
	struct json_writer *w;

	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	w = json_writer__new(f, 0);
	assert_non_null(w);
	json_writer__string(w, "x");
	assert_int_equal(json_writer__finish(w), -EIO);
	json_writer__free(w);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
