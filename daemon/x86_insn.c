// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * x86_insn.c - recognise call instructions before a return address and
 * `lock xadd` into one variable (see x86_insn.h); the decoding is
 * Capstone's, the byte-pattern scans only find candidates.
 */
#include <errno.h>
#include <string.h>

#include <capstone/capstone.h>

#include "x86_insn.h"

bool dial9_x86_call_ends_at(const uint8_t *code, size_t n)
{
	bool found = false;
	cs_insn *insn;
	csh cs;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return false;
	insn = cs_malloc(cs);
	/* a call is 2 (call *%rax) to 15 bytes long: try each start */
	for (size_t len = 2; insn && len <= 15 && len <= n && !found; len++) {
		const uint8_t *p = code + n - len;
		size_t size = len;
		uint64_t at = 0;

		found = cs_disasm_iter(cs, &p, &size, &at, insn) && insn->id == X86_INS_CALL &&
			insn->size == len;
	}
	cs_free(insn, 1);
	cs_close(&cs);
	return found;
}

size_t dial9_x86_find_xadd(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t target_vaddr,
			   struct dial9_x86_xadd *out, size_t max)
{
	size_t found = 0;

	/* f0 REX.W 0f c1 ModRM(mod 00, rm 101) disp32: 9 bytes. */
	for (size_t i = 0; i + 9 <= len; i++) {
		const uint8_t *p = code + i;
		int32_t disp;
		uint64_t next;

		if (p[0] != 0xf0 || (p[1] & 0xf8) != 0x48 || p[2] != 0x0f || p[3] != 0xc1 ||
		    (p[4] & 0xc7) != 0x05)
			continue;
		memcpy(&disp, p + 5, sizeof(disp)); /* little-endian, like x86 */
		next = vaddr + i + 9;
		if (next + (uint64_t)(int64_t)disp != target_vaddr)
			continue;
		if (found < max)
			out[found] = (struct dial9_x86_xadd){
				.next_vaddr = next,
				.reg = (uint8_t)(((p[4] >> 3) & 7) | ((p[1] & 0x04) << 1)),
			};
		found++;
	}
	return found;
}

#define SLOT_XADD_WINDOW 32 /* bytes after the GOT load the xadd may follow in */

size_t dial9_x86_find_xadd_via_slot(const uint8_t *code, size_t len, uint64_t vaddr,
				    uint64_t slot_vaddr, struct dial9_x86_xadd *out, size_t max)
{
	size_t found = 0;

	/* REX.W(+R) 8b ModRM(mod 00, rm 101) disp32: mov slot(%rip), %rA */
	for (size_t i = 0; i + 7 <= len; i++) {
		const uint8_t *p = code + i;
		uint8_t a;
		int32_t disp;

		if ((p[0] & 0xfb) != 0x48 || p[1] != 0x8b || (p[2] & 0xc7) != 0x05)
			continue;
		memcpy(&disp, p + 3, sizeof(disp));
		if (vaddr + i + 7 + (uint64_t)(int64_t)disp != slot_vaddr)
			continue;
		a = (uint8_t)(((p[2] >> 3) & 7) | ((p[0] & 0x04) << 1));
		if ((a & 7) == 4 || (a & 7) == 5) /* (%rsp), (%rbp) need SIB or disp8 */
			continue;
		/* f0 REX.W(+R +B) 0f c1 ModRM(mod 00, rm = A): lock xadd %rB, (%rA) */
		for (size_t j = i + 7; j + 5 <= len && j < i + 7 + SLOT_XADD_WINDOW; j++) {
			const uint8_t *q = code + j;

			if (q[0] != 0xf0 || (q[1] & 0xf8) != 0x48 || q[2] != 0x0f || q[3] != 0xc1 ||
			    (q[4] & 0xc0) || (q[4] & 7) != (a & 7) || !!(q[1] & 1) != !!(a & 8))
				continue;
			if (found < max)
				out[found] = (struct dial9_x86_xadd){
					.next_vaddr = vaddr + j + 5,
					.reg = (uint8_t)(((q[4] >> 3) & 7) | ((q[1] & 0x04) << 1)),
				};
			found++;
			break;
		}
	}
	return found;
}

size_t dial9_x86_find_calls(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t target,
			    uint64_t *ret, size_t max)
{
	size_t found = 0;

	for (size_t i = 0; i + 5 <= len; i++) {
		int32_t rel;

		if (code[i] != 0xe8)
			continue;
		memcpy(&rel, code + i + 1, sizeof(rel));
		if (vaddr + i + 5 + (uint64_t)(int64_t)rel != target)
			continue;
		if (found < max)
			ret[found] = vaddr + i + 5;
		found++;
	}
	return found;
}

bool dial9_x86_insn_starts_at(const uint8_t *fn_code, size_t fn_len, uint64_t fn_vaddr,
			      uint64_t addr)
{
	const uint8_t *code = fn_code;
	size_t size = fn_len;
	uint64_t at = fn_vaddr;
	bool found = false;
	cs_insn *insn;
	csh cs;

	if (addr < fn_vaddr || addr - fn_vaddr > fn_len)
		return false;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return false;
	insn = cs_malloc(cs);
	while (insn && at < addr && cs_disasm_iter(cs, &code, &size, &at, insn))
		;
	found = insn && at == addr;
	cs_free(insn, 1);
	cs_close(&cs);
	return found;
}

/* General-purpose register number (rax 0 … r15 15) that a Capstone
 * register is (rax) or is part of (eax, ax, al, …); -1 for others. */
static int gpr_of(unsigned int reg)
{
	static const unsigned int views[16][5] = {
		{ X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
		{ X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
		{ X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
		{ X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
		{ X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, X86_REG_SPL },
		{ X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, X86_REG_BPL },
		{ X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, X86_REG_SIL },
		{ X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, X86_REG_DIL },
		{ X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, X86_REG_R8B },
		{ X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, X86_REG_R9B },
		{ X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, X86_REG_R10B },
		{ X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, X86_REG_R11B },
		{ X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, X86_REG_R12B },
		{ X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, X86_REG_R13B },
		{ X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, X86_REG_R14B },
		{ X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, X86_REG_R15B },
	};

	for (int i = 0; i < 16; i++)
		for (int v = 0; v < 5; v++)
			if (views[i][v] == reg)
				return i;
	return -1;
}

static bool x86_reg64(unsigned int reg)
{
	int i = gpr_of(reg);

	return i >= 0 && (reg == X86_REG_RAX || reg == X86_REG_RCX || reg == X86_REG_RDX ||
			  reg == X86_REG_RBX || reg == X86_REG_RSP || reg == X86_REG_RBP ||
			  reg == X86_REG_RSI || reg == X86_REG_RDI ||
			  (reg >= X86_REG_R8 && reg <= X86_REG_R15));
}

/* rax, rcx, rdx, rsi, rdi, r8-r11: what a call may change (System V). */
#define CALLER_SAVED ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 6) | (1u << 7) | (0xfu << 8))

int dial9_x86_call_arg_constants(const uint8_t *fn_code, size_t fn_len, uint64_t fn_vaddr,
				 uint64_t ret_vaddr, uint64_t out[6])
{
	static const int args[6] = { 7, 6, 2, 1, 8, 9 }; /* rdi rsi rdx rcx r8 r9 */
	const uint8_t *code = fn_code;
	size_t size = fn_len;
	uint64_t at = fn_vaddr, konst[16] = { 0 };
	int ret = -ENOENT;
	cs_insn *insn = NULL;
	csh cs;

	memset(out, 0, 6 * sizeof(*out));
	if (ret_vaddr <= fn_vaddr || ret_vaddr - fn_vaddr > fn_len)
		return -ENOENT;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -ENOSYS;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	/* Linear decoding, tracking which registers hold a RIP-relative lea's
	 * constant (loop invariants stay in callee-saved registers). */
	while (insn && at < ret_vaddr && cs_disasm_iter(cs, &code, &size, &at, insn)) {
		const cs_x86 *x = &insn->detail->x86;
		int dst;

		if (insn->id == X86_INS_CALL) {
			if (at == ret_vaddr) {
				for (int i = 0; i < 6; i++)
					out[i] = konst[args[i]];
				ret = 0;
				break;
			}
			for (int i = 0; i < 16; i++)
				if (CALLER_SAVED & (1u << i))
					konst[i] = 0;
			continue;
		}
		if (insn->id == X86_INS_JMP || insn->id == X86_INS_RET) {
			for (int i = 0; i < 16; i++) /* another block: keep the invariants only */
				if (CALLER_SAVED & (1u << i))
					konst[i] = 0;
			continue;
		}
		for (int i = 0; i < x->op_count; i++) {
			const cs_x86_op *op = &x->operands[i];
			const cs_x86_op *src = &x->operands[1];
			bool whole = i == 0 && x->op_count == 2 && x86_reg64(op->reg);

			if (op->type != X86_OP_REG || !(op->access & CS_AC_WRITE) ||
			    (dst = gpr_of(op->reg)) < 0)
				continue;
			if (whole && insn->id == X86_INS_LEA && src->type == X86_OP_MEM &&
			    src->mem.base == X86_REG_RIP && src->mem.index == X86_REG_INVALID)
				konst[dst] = at + (uint64_t)src->mem.disp;
			else if (whole && insn->id == X86_INS_MOV && src->type == X86_OP_REG &&
				 x86_reg64(src->reg))
				konst[dst] = konst[gpr_of(src->reg)];
			else /* any other write, to any part of it */
				konst[dst] = 0;
		}
	}
	cs_free(insn, 1);
	cs_close(&cs);
	return ret;
}

size_t dial9_x86_find_vtable_calls(const uint8_t *fn_code, size_t fn_len, uint64_t fn_vaddr,
				   uint64_t *ret, size_t max)
{
	const uint8_t *code = fn_code;
	size_t size = fn_len, found = 0;
	uint64_t at = fn_vaddr;
	cs_insn *insn;
	csh cs;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return 0;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	while (insn && cs_disasm_iter(cs, &code, &size, &at, insn)) {
		const cs_x86 *x = &insn->detail->x86;
		const cs_x86_op *op = &x->operands[0];

		if (insn->id != X86_INS_CALL || x->op_count != 1 || op->type != X86_OP_MEM ||
		    op->mem.base == X86_REG_INVALID || op->mem.base == X86_REG_RIP ||
		    op->mem.index != X86_REG_INVALID || op->mem.disp != 0)
			continue;
		if (found < max)
			ret[found] = at;
		found++;
	}
	cs_free(insn, 1);
	cs_close(&cs);
	return found;
}

/* Does the kernel's x86 uprobe code emulate insn (no single-step)? */
static bool emulated(csh cs, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;

	if (insn->id == X86_INS_NOP)
		return true;
	if (insn->id == X86_INS_PUSH)
		return x->op_count == 1 && x->operands[0].type == X86_OP_REG;
	return cs_insn_group(cs, insn, CS_GRP_BRANCH_RELATIVE) && x->op_count == 1 &&
	       x->operands[0].type == X86_OP_IMM;
}

uint64_t dial9_x86_emulated_probe_at(const uint8_t *code, size_t len, uint64_t vaddr)
{
	uint64_t at = vaddr, found = vaddr;
	size_t size = len;
	cs_insn *insn;
	csh cs;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return vaddr;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	for (int i = 0; insn && i < 8 && cs_disasm_iter(cs, &code, &size, &at, insn); i++) {
		if (emulated(cs, insn)) {
			found = insn->address;
			break;
		}
		if (cs_insn_group(cs, insn, CS_GRP_JUMP) || cs_insn_group(cs, insn, CS_GRP_CALL) ||
		    cs_insn_group(cs, insn, CS_GRP_RET) || cs_insn_group(cs, insn, CS_GRP_INT) ||
		    cs_insn_group(cs, insn, CS_GRP_IRET))
			break; /* control leaves the straight line: stay at vaddr */
	}
	cs_free(insn, 1);
	cs_close(&cs);
	return found;
}
