// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_x86_insn.c - the x86-64 decoding helpers on hand-assembled code:
 * call instructions before a return address, `lock xadd` into a variable,
 * direct calls to a function, instruction boundaries, and the constants a
 * call receives in its argument registers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "x86_insn.h"

static void test_call_ends_at(void **state)
{
	/* each buffer ends where a return address would be */
	static const uint8_t direct[] = { 0x90, 0xe8, 0x10, 0x20, 0x30, 0x40 };   /* call rel32 */
	static const uint8_t reg[] = { 0x90, 0x90, 0xff, 0xd0 };                  /* call *%rax */
	static const uint8_t mem[] = { 0x90, 0xff, 0x10 };                        /* call *(%rax) */
	static const uint8_t r11[] = { 0x90, 0x41, 0xff, 0xd3 };                  /* call *%r11 */
	static const uint8_t disp8[] = { 0x90, 0xff, 0x50, 0x18 };                /* call *0x18(%rax) */
	static const uint8_t rip[] = { 0xff, 0x15, 0x01, 0x02, 0x03, 0x04 };     /* call *x(%rip) */
	static const uint8_t sib[] = { 0x90, 0xff, 0x54, 0x24, 0x08 };           /* call *8(%rsp) */
	static const uint8_t jmp[] = { 0x90, 0x90, 0xff, 0xe0 };                  /* jmp *%rax */
	static const uint8_t mov[] = { 0x48, 0x89, 0xc7 };                        /* mov %rax,%rdi */
	static const uint8_t nop[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };

	assert_true(dial9_x86_call_ends_at(direct, sizeof(direct)));
	assert_true(dial9_x86_call_ends_at(reg, sizeof(reg)));
	assert_true(dial9_x86_call_ends_at(mem, sizeof(mem)));
	assert_true(dial9_x86_call_ends_at(r11, sizeof(r11)));
	assert_true(dial9_x86_call_ends_at(disp8, sizeof(disp8)));
	assert_true(dial9_x86_call_ends_at(rip, sizeof(rip)));
	assert_true(dial9_x86_call_ends_at(sib, sizeof(sib)));
	assert_false(dial9_x86_call_ends_at(jmp, sizeof(jmp)));
	assert_false(dial9_x86_call_ends_at(mov, sizeof(mov)));
	assert_false(dial9_x86_call_ends_at(nop, sizeof(nop)));
	assert_false(dial9_x86_call_ends_at(nop, 0));
}

static void test_find_xadd(void **state)
{
	/* at 0x1000: nop; lock xadd %r14,disp(%rip) with disp so that it hits
	 * 0x5000; lock xadd %rax into another variable */
	uint8_t code[32] = { 0x90, 0xf0, 0x4c, 0x0f, 0xc1, 0x35 };
	int32_t disp = 0x5000 - (0x1000 + 1 + 9);
	struct dial9_x86_xadd out[4];

	memcpy(code + 6, &disp, 4);
	memcpy(code + 10, (uint8_t[]){ 0xf0, 0x48, 0x0f, 0xc1, 0x05, 0, 0, 0, 0 }, 9);
	assert_int_equal(dial9_x86_find_xadd(code, sizeof(code), 0x1000, 0x5000, out, 4), 1);
	assert_int_equal(out[0].next_vaddr, 0x1000 + 10);
	assert_int_equal(out[0].reg, 14);
	/* the other one points just after itself */
	assert_int_equal(dial9_x86_find_xadd(code, sizeof(code), 0x1000, 0x1000 + 19, out, 4), 1);
	assert_int_equal(out[0].reg, 0);
	assert_int_equal(dial9_x86_find_xadd(code, sizeof(code), 0x1000, 0x6000, out, 4), 0);
}

/* The blocker target's spawn (1.24, spawn_inner inlined into the
 * program's function): mov NEXT_ID@GOT(%rip),%rax; mov $1,%ebx;
 * lock xadd %rbx,(%rax). */
static void test_find_xadd_via_slot(void **state)
{
	uint8_t code[32] = { 0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xbb, 0x01, 0, 0, 0,
			     0xf0, 0x48, 0x0f, 0xc1, 0x18, 0x90 };
	int32_t disp = 0x9ba68 - (0x2fa54 + 7);
	struct dial9_x86_xadd out[4];

	(void)state;
	memcpy(code + 3, &disp, 4);
	assert_int_equal(dial9_x86_find_xadd_via_slot(code, sizeof(code), 0x2fa54, 0x9ba68, out, 4),
			 1);
	assert_int_equal(out[0].next_vaddr, 0x2fa54 + 17);
	assert_int_equal(out[0].reg, 3); /* %rbx */
	/* another slot, or an xadd into another register's memory: none */
	assert_int_equal(dial9_x86_find_xadd_via_slot(code, sizeof(code), 0x2fa54, 0x9ba70, out, 4),
			 0);
	code[16] = 0x19; /* lock xadd %rbx,(%rcx) */
	assert_int_equal(dial9_x86_find_xadd_via_slot(code, sizeof(code), 0x2fa54, 0x9ba68, out, 4),
			 0);
}

static void test_find_calls_and_boundaries(void **state)
{
	/* at 0x2000: push %rbp; call 0x3000; mov $0xe8e8e8e8,%eax; ret */
	uint8_t code[] = { 0x55, 0xe8, 0, 0, 0, 0, 0xb8, 0xe8, 0x00, 0x10, 0x00, 0xc3 };
	int32_t rel = 0x3000 - (0x2000 + 6);
	uint64_t ret[4];

	memcpy(code + 2, &rel, 4);
	assert_int_equal(dial9_x86_find_calls(code, sizeof(code), 0x2000, 0x3000, ret, 4), 1);
	assert_int_equal(ret[0], 0x2006);
	assert_true(dial9_x86_insn_starts_at(code, sizeof(code), 0x2000, 0x2001));
	assert_true(dial9_x86_insn_starts_at(code, sizeof(code), 0x2000, 0x2006));
	/* the e8 inside the mov's immediate is no instruction */
	assert_false(dial9_x86_insn_starts_at(code, sizeof(code), 0x2000, 0x2007));
	/* its bytes read as a call (e8, rel32 = 0xc3001000) that is refused */
	assert_int_equal(dial9_x86_find_calls(code, sizeof(code), 0x2000,
					      0x200c + (uint64_t)(int64_t)(int32_t)0xc3001000u, ret, 4),
			 1);
	assert_false(dial9_x86_insn_starts_at(code, sizeof(code), 0x2000, ret[0] - 5));
	assert_false(dial9_x86_insn_starts_at(code, sizeof(code), 0x2000, 0x1000));
}

static void test_call_arg_constants(void **state)
{
	/*
	 * 0x4000: lea 0x100(%rip),%rbx      48 8d 1d 00 01 00 00   (rbx = 0x4107)
	 * 0x4007: call 0x5000               e8 ..                  (clobbers rsi…)
	 * 0x400c: lea 0x200(%rip),%rsi      48 8d 35 00 02 00 00   (rsi = 0x4213)
	 * 0x4013: mov %rbx,%rdx             48 89 da               (rdx = rbx)
	 * 0x4016: mov $1,%ecx               b9 01 00 00 00         (rcx: not a constant)
	 * 0x401b: call 0x6000               e8 ..                  -> returns to 0x4020
	 */
	uint8_t code[] = { 0x48, 0x8d, 0x1d, 0x00, 0x01, 0x00, 0x00, 0xe8, 0, 0, 0, 0,
			   0x48, 0x8d, 0x35, 0x00, 0x02, 0x00, 0x00, 0x48, 0x89, 0xda,
			   0xb9, 0x01, 0x00, 0x00, 0x00, 0xe8, 0, 0, 0, 0 };
	int32_t r1 = 0x5000 - 0x400c, r2 = 0x6000 - 0x4020;
	uint64_t out[6];

	memcpy(code + 8, &r1, 4);
	memcpy(code + 28, &r2, 4);
	assert_int_equal(dial9_x86_call_arg_constants(code, sizeof(code), 0x4000, 0x4020, out), 0);
	assert_int_equal(out[0], 0);      /* rdi */
	assert_int_equal(out[1], 0x4213); /* rsi */
	assert_int_equal(out[2], 0x4107); /* rdx, from rbx kept across the first call */
	assert_int_equal(out[3], 0);      /* rcx */
	/* the first call: rbx is no argument, nothing loaded yet */
	assert_int_equal(dial9_x86_call_arg_constants(code, sizeof(code), 0x4000, 0x400c, out), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(out[i], 0);
	/* not after a call */
	assert_int_equal(dial9_x86_call_arg_constants(code, sizeof(code), 0x4000, 0x4013, out),
			 -ENOENT);
	assert_int_equal(dial9_x86_call_arg_constants(code, sizeof(code), 0x4000, 0x9000, out),
			 -ENOENT);
}

static void test_emulated_probe_at(void **state)
{
	/* 0x5000: mov %r15b,0xe(%rsp); cmpq $0,0x8(%r14); jne +0x10; nop */
	static const uint8_t after_call[] = { 0x44, 0x88, 0x7c, 0x24, 0x0e, 0x49, 0x83, 0x7e, 0x08,
					      0x00, 0x75, 0x10, 0x90 };
	/* 0x6000: push %rbx (emulated at once) */
	static const uint8_t push[] = { 0x53, 0x48, 0x89, 0xc7 };
	/* 0x7000: mov %rax,%rdi; ret; jmp (past the ret: not on every path) */
	static const uint8_t ret[] = { 0x48, 0x89, 0xc7, 0xc3, 0xeb, 0x00 };
	/* 0x8000: mov %rax,%rdi; call *%rax (not emulated, leaves the line) */
	static const uint8_t icall[] = { 0x48, 0x89, 0xc7, 0xff, 0xd0, 0x90 };

	assert_int_equal(dial9_x86_emulated_probe_at(after_call, sizeof(after_call), 0x5000), 0x500a);
	assert_int_equal(dial9_x86_emulated_probe_at(push, sizeof(push), 0x6000), 0x6000);
	assert_int_equal(dial9_x86_emulated_probe_at(ret, sizeof(ret), 0x7000), 0x7000);
	assert_int_equal(dial9_x86_emulated_probe_at(icall, sizeof(icall), 0x8000), 0x8000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_ends_at),
		cmocka_unit_test(test_find_xadd),
		cmocka_unit_test(test_find_xadd_via_slot),
		cmocka_unit_test(test_find_calls_and_boundaries),
		cmocka_unit_test(test_call_arg_constants),
		cmocka_unit_test(test_emulated_probe_at),
	};

	return cmocka_run_group_tests_name("x86_insn", tests, NULL, NULL);
}
