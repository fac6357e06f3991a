// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_tls_context.c - where Tokio's CONTEXT lives from the thread pointer,
 * and learning which of its qwords is the task being polled. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tls_context.h"

/* glibc's offset of the executable's TLS block (TLS_TCB_AT_TP). */
static void test_block_offset(void **state)
{
	(void)state;
	/* the test targets': PT_TLS at 0x97e10, 0x100 bytes, 8-aligned */
	assert_int_equal(tls_context__block_offset(0x97e10, 0x100, 8), 0x100);
	assert_int_equal(tls_context__block_offset(0x1000, 0x1, 8), 8);
	assert_int_equal(tls_context__block_offset(0x1000, 0x41, 64), 0x80);
	/* a block whose first byte is not aligned: firstbyte = -vaddr & (align - 1) */
	assert_int_equal(tls_context__block_offset(0x1008, 0x30, 16), 0x38);
}

/* 1.43 on: Option<NonZeroU64>, one qword; reports agree from the start. */
static void test_learn_unanimous(void **state)
{
	struct tls_learning l;
	bool tagged = true;
	int i;

	(void)state;
	tls_learning__init(&l);
	for (i = 0; i < TLS_LEARNING_UNANIMOUS - 1; i++)
		assert_int_equal(tls_learning__report(&l, 1u << 3, 0, &tagged), TLS_LEARNING_PENDING);
	assert_int_equal(tls_learning__report(&l, 1u << 3, 0, &tagged), 3);
	assert_false(tagged);
	/* settled: later reports change nothing */
	assert_int_equal(tls_learning__report(&l, 1u << 7, 0, &tagged), 3);
}

/* 1.24: Option<u64> is a tag then the value; a sample between the poll's
 * entry and Tokio setting the id reports another qword (or none). */
static void test_learn_by_majority(void **state)
{
	struct tls_learning l;
	bool tagged = false;
	int i, r = TLS_LEARNING_PENDING;

	(void)state;
	tls_learning__init(&l);
	assert_int_equal(tls_learning__report(&l, 0, 0, &tagged), TLS_LEARNING_PENDING);
	for (i = 0; i < 30 && r == TLS_LEARNING_PENDING; i++)
		r = tls_learning__report(&l, i % 5 == 4 ? 1u << 9 : 1u << 5, 1u << 5, &tagged);
	assert_int_equal(r, 5);
	assert_true(tagged);
	assert_true(l.reports >= TLS_LEARNING_REPORTS);
}

/* No qword ever wins: given up, said once. */
static void test_learn_fails(void **state)
{
	struct tls_learning l;
	int i, r = TLS_LEARNING_PENDING;

	(void)state;
	tls_learning__init(&l);
	for (i = 0; i < TLS_LEARNING_GIVE_UP && r == TLS_LEARNING_PENDING; i++)
		r = tls_learning__report(&l, 1u << (i % 3), 0, NULL);
	assert_int_equal(r, TLS_LEARNING_FAILED);
	assert_int_equal(l.reports, TLS_LEARNING_GIVE_UP);
	assert_int_equal(tls_learning__report(&l, 1, 0, NULL), TLS_LEARNING_FAILED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_offset),
		cmocka_unit_test(test_learn_unanimous),
		cmocka_unit_test(test_learn_by_majority),
		cmocka_unit_test(test_learn_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
