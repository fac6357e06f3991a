// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_demangle.c - Rust symbol demangling and generic-argument extraction. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tokio_syms.h"

/* Real symbols from the test targets (tokio 1.24.2, rustc 1.95). */
#define LEGACY_POLL "_ZN5tokio7runtime4task3raw4poll17h5cceef98cba4fcfeE"
#define V0_POLL                                                                          \
	"_RINvNtNtNtCsfIsnam9uc67_5tokio7runtime4task3raw4pollNCNvCsk9RCo5Plmx3_5relay5stage0" \
	"INtNtCslNYArtu3iFV_5alloc4sync3ArcNtNtNtB6_9scheduler14current_thread6HandleEEBS_"
#define V0_POLL_NAME                                                                     \
	"tokio::runtime::task::raw::poll::<relay::stage::{closure#0}, "                  \
	"alloc::sync::Arc<tokio::runtime::scheduler::current_thread::Handle>>"

static void expect(const char *sym, const char *want)
{
	char *got = dial9_rust_demangle(sym);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_legacy_hash_stripped(void **state)
{
	expect(LEGACY_POLL, "tokio::runtime::task::raw::poll");
	expect("_ZN5tokio7runtime4task5waker11wake_by_ref17h99bd0bed9addd34aE",
	       "tokio::runtime::task::waker::wake_by_ref");
}

static void test_legacy_llvm_suffix(void **state)
{
	expect(LEGACY_POLL ".llvm.4651877722244643832", "tokio::runtime::task::raw::poll");
}

static void test_v0(void **state)
{
	expect(V0_POLL, V0_POLL_NAME);
	expect("_RNvCs1yBGgSLdYv3_7___rustc17rust_begin_unwind", "__rustc::rust_begin_unwind");
}

static void test_v0_llvm_suffix(void **state)
{
	expect(V0_POLL ".llvm.17652103196087098069", V0_POLL_NAME);
}

static void test_non_rust_passthrough(void **state)
{
	expect("main", "main");
	expect("_ZN3foo3barEv", "_ZN3foo3barEv"); /* C++, no Rust hash */
	expect("_Z3fooi", "_Z3fooi");
	expect("", "");
}

static void test_garbage(void **state)
{
	static const char *const junk[] = {
		"_R", "_RINv", "_ZN", "_ZN5tokio", "_ZN5tokio17h0123E", "_RNvCs_7___rustc99x",
		"_ZN99999999999999999999abcE", "_R.llvm.1", "_ZN.llvm.",
	};
	char big[20000];

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		expect(junk[i], junk[i]);
	memset(big, 'N', sizeof(big) - 1);
	memcpy(big, "_RN", 3);
	big[sizeof(big) - 1] = '\0';
	expect(big, big);

	errno = 0;
	assert_null(dial9_rust_demangle(NULL));
	assert_int_equal(errno, EINVAL);
}

static void test_first_generic_arg(void **state)
{
	char buf[128];

	assert_int_equal(dial9_rust_first_generic_arg(V0_POLL_NAME, buf, sizeof(buf)),
			 strlen("relay::stage::{closure#0}"));
	assert_string_equal(buf, "relay::stage::{closure#0}");

	/* DWARF style: no "::" before the list, nested brackets in later args. */
	assert_true(dial9_rust_first_generic_arg(
			    "poll<relay::stage::{async_fn_env#0}, alloc::sync::Arc<X, Y>>", buf,
			    sizeof(buf)) > 0);
	assert_string_equal(buf, "relay::stage::{async_fn_env#0}");

	/* Nested generics and a fn type with "->" inside the first argument. */
	assert_true(dial9_rust_first_generic_arg("f::<a::B<C<D>, E>, Z>", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "a::B<C<D>, E>");
	assert_true(dial9_rust_first_generic_arg("f::<fn() -> u8, Z>", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "fn() -> u8");

	/* No generic list on the last segment. */
	assert_int_equal(dial9_rust_first_generic_arg("tokio::runtime::task::raw::poll", buf,
						      sizeof(buf)), -ENOENT);
	assert_int_equal(dial9_rust_first_generic_arg("<a::B as c::D>::f", buf, sizeof(buf)),
			 -ENOENT);
	assert_int_equal(dial9_rust_first_generic_arg("f::<>", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(dial9_rust_first_generic_arg("f::<a, b", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(dial9_rust_first_generic_arg(">>>", buf, sizeof(buf)), -ENOENT);

	assert_int_equal(dial9_rust_first_generic_arg(V0_POLL_NAME, buf, 8), -ENOSPC);
	assert_int_equal(dial9_rust_first_generic_arg(NULL, buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_hash_stripped),
		cmocka_unit_test(test_legacy_llvm_suffix),
		cmocka_unit_test(test_v0),
		cmocka_unit_test(test_v0_llvm_suffix),
		cmocka_unit_test(test_non_rust_passthrough),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_first_generic_arg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
