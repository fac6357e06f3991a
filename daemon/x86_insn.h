/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * x86_insn.h - the little x86-64 instruction decoding dial9 needs: is there
 * a call instruction that ends at a given address (a return site), and
 * where does the code atomically add to a given variable (`lock xadd`).
 * Pure functions on byte buffers; the decoding is Capstone's.
 */
#ifndef DIAL9_X86_INSN_H
#define DIAL9_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* code[0..n) are the n bytes just before a candidate return address.  True
 * when some call instruction (direct, or through a register or memory in
 * any addressing form) ends exactly at code + n. */
bool dial9_x86_call_ends_at(const uint8_t *code, size_t n);

/* One `lock xadd %reg, disp32(%rip)` whose memory operand is the target. */
struct dial9_x86_xadd {
	uint64_t next_vaddr; /* the instruction after it */
	uint8_t reg;         /* register operand, 0..15 in ModRM order (rax, rcx, …) */
};

/* The same through a GOT slot: `mov slot(%rip), %rA` and, within a few
 * instructions, `lock xadd %rB, (%rA)` (code built position-independent
 * reaches another crate's static that way when the linker left the GOT
 * load).  next_vaddr is the end of the xadd (4 or 5 bytes: f0 REX 0f c1
 * ModRM), reg its %rB. */
size_t dial9_x86_find_xadd_via_slot(const uint8_t *code, size_t len, uint64_t vaddr,
				    uint64_t slot_vaddr, struct dial9_x86_xadd *out, size_t max);

/* Scan code (len bytes mapped at vaddr) for 64-bit `lock xadd` into
 * target_vaddr, RIP-relative.  Fills at most max entries of out and returns
 * how many were found (possibly more than max). */
size_t dial9_x86_find_xadd(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t target_vaddr,
			   struct dial9_x86_xadd *out, size_t max);

/* Direct calls (e8 rel32) in code (len bytes at vaddr) to target: the
 * return address of each into ret (at most max; returns how many were
 * found).  Candidates only: a byte pattern may sit inside another
 * instruction, see dial9_x86_insn_starts_at(). */
size_t dial9_x86_find_calls(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t target,
			    uint64_t *ret, size_t max);

/* Decoding the function whose code is fn_code (fn_len bytes at fn_vaddr)
 * from its first instruction, does an instruction start at addr (and
 * decode cleanly up to there)?  Decoded with Capstone. */
bool dial9_x86_insn_starts_at(const uint8_t *fn_code, size_t fn_len, uint64_t fn_vaddr,
			      uint64_t addr);

/* Return addresses of the calls through a pointer at offset 0 of a register
 * (`call *(%reg)`, how Tokio calls a task vtable's poll) in the function
 * fn_code (fn_len bytes at fn_vaddr), at most max; returns how many. */
size_t dial9_x86_find_vtable_calls(const uint8_t *fn_code, size_t fn_len, uint64_t fn_vaddr,
				   uint64_t *ret, size_t max);

/* Where to put a uprobe that fires each time control passes vaddr (the
 * instructions at code, len bytes at vaddr): vaddr itself, or the first of
 * the straight-line instructions from there that the kernel emulates
 * (relative jmp / jcc / call, push, nop) when vaddr's would be
 * single-stepped - a single-step trap costs about ten times as much as an
 * emulated probe in a VM.  Looks at most 8 instructions ahead and never past
 * another control transfer. */
uint64_t dial9_x86_emulated_probe_at(const uint8_t *code, size_t len, uint64_t vaddr);

/* The constants (RIP-relative lea targets) that the instructions just
 * before the call ending at ret_vaddr load into the six argument registers
 * (rdi, rsi, rdx, rcx, r8, r9; 0: none), decoding the calling function
 * (fn_code, fn_len bytes at fn_vaddr) from its start: how a #[track_caller]
 * callee gets its &Location.  0, or -ENOENT when ret_vaddr does not follow
 * a decoded call. */
int dial9_x86_call_arg_constants(const uint8_t *fn_code, size_t fn_len, uint64_t fn_vaddr,
				 uint64_t ret_vaddr, uint64_t out[6]);

#endif /* DIAL9_X86_INSN_H */
