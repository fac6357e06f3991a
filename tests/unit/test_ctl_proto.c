// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_ctl_proto.c - the control protocol's requests, and the address cache. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "addr_cache.h"
#include "ctl_proto.h"

static void test_round_trip(void **state)
{
	static const struct dial9_ctl_request reqs[] = {
		{ DIAL9_CTL_ATTACH, 42 }, { DIAL9_CTL_DETACH, 7 }, { DIAL9_CTL_DUMP, 2147483647 },
		{ DIAL9_CTL_LIST, 0 },    { DIAL9_CTL_STATUS, 0 },
	};
	struct dial9_ctl_request got;
	char buf[DIAL9_CTL_MAX_REQUEST], err[128];
	size_t i;
	int n;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		n = dial9_ctl_request__format(&reqs[i], buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(dial9_ctl_request__parse(buf, (size_t)n, &got, err, sizeof(err)), 0);
		assert_int_equal(got.cmd, reqs[i].cmd);
		assert_int_equal(got.pid, reqs[i].pid);
	}
	/* a buffer too small is refused, not truncated */
	assert_int_equal(dial9_ctl_request__format(&reqs[0], buf, 5), -ENOSPC);
}

static void test_bad_requests(void **state)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "", "request of 0 bytes" },
		{ "attach\n", "attach needs a pid" },
		{ "dump\n", "dump needs a pid" },
		{ "detach\npid=0\n", "bad pid" },
		{ "attach\npid=12x\n", "bad pid" },
		{ "attach\npid=99999999999\n", "bad pid" },
		{ "attach\npid=-1\n", "bad pid" },
		{ "attach\npid=\n", "bad pid" },
		{ "attach\npid=+1\n", "bad pid" },
		{ "attach\npid= 1\n", "bad pid" },
		{ "attach\npid=1 \n", "bad pid" },
		{ "attach\npid=000000000000001\n", "bad pid" },
		{ "attach\npid=01\n", "bad pid" },
		{ "attach\npid=2147483648\n", "bad pid" },
		{ "attach\npid=1\npid=2\n", "pid given twice" },
		{ "attach\npid=1\npid=1\n", "pid given twice" },
		{ "attach\nout=/etc/shadow\n", "unknown key 'out'" },
		{ "attach\npid\n", "malformed line" },
		{ "reboot\n", "unknown command 'reboot'" },
		{ "ATTACH\npid=1\n", "unknown command 'ATTACH'" },
	};
	struct dial9_ctl_request got;
	char err[128], big[DIAL9_CTL_MAX_REQUEST + 2];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(dial9_ctl_request__parse(cases[i].text, strlen(cases[i].text), &got,
							  err, sizeof(err)),
				 -EINVAL);
		if (!strstr(err, cases[i].why))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].why);
	}
	assert_int_equal(dial9_ctl_request__parse("list\0x", 6, &got, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	memset(big, 'a', sizeof(big));
	assert_int_equal(dial9_ctl_request__parse(big, sizeof(big), &got, err, sizeof(err)),
			 -EINVAL);
}

static void test_addr_cache(void **state)
{
	struct addr_cache c;
	uint64_t a;

	addr_cache__init(&c);
	assert_int_equal(addr_cache__get(&c, 0x1000), 0);
	assert_int_equal(addr_cache__put(&c, 0, 1), -EINVAL);
	for (a = 1; a <= 10000; a++)
		assert_int_equal(addr_cache__put(&c, a * 0x1000, (uint32_t)a), 0);
	for (a = 1; a <= 10000; a++)
		assert_int_equal(addr_cache__get(&c, a * 0x1000), a);
	assert_int_equal(addr_cache__get(&c, 0x1001), 0);
	/* replacing keeps the count */
	assert_int_equal(addr_cache__put(&c, 0x1000, 99), 0);
	assert_int_equal(addr_cache__get(&c, 0x1000), 99);
	assert_int_equal(c.count, 10000);
	/* bounded */
	for (a = 10001; a <= ADDR_CACHE_MAX; a++)
		assert_int_equal(addr_cache__put(&c, a * 0x1000, 1), 0);
	assert_int_equal(addr_cache__put(&c, 0xdead0000ULL << 8, 1), -ENOSPC);
	addr_cache__free(&c);
	assert_int_equal(addr_cache__get(&c, 0x1000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_addr_cache),
	};

	return cmocka_run_group_tests_name("ctl_proto", tests, NULL, NULL);
}
