// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tls_context.c - Tokio's CONTEXT thread-local, found (see tls_context.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "tls_context.h"

/* Demangled, every release from 1.24 to 1.53 and both manglings name it
 * below this path (thread_local!'s storage: "…CONTEXT::{{constant}}::
 * {{closure}}::__RUST_STD_INTERNAL_VAL", older std "…CONTEXT::__getit::
 * __KEY"); the largest such TLS symbol holds the Context. */
#define CONTEXT_PATH "tokio::runtime::context::CONTEXT::"

uint64_t tls_context__block_offset(uint64_t vaddr, uint64_t memsz, uint64_t align)
{
	uint64_t firstbyte = (0 - (vaddr & (align - 1))) & (align - 1);

	return (memsz - firstbyte + align - 1) / align * align + firstbyte;
}

int tls_context__find(const struct dial9_elf_file *exe, const struct dial9_elf_file *syms,
		      int64_t *tp_off, uint32_t *size)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = dial9_elf__symtab(syms->elf, &shdr);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	uint64_t vaddr, memsz, align, best = 0, best_size = 0;
	size_t n, i;

	if (!data || !shdr.sh_entsize || dial9_elf_file__tls(exe, &vaddr, &memsz, &align))
		return -ENOENT;
	if (align & (align - 1))
		return -ENOENT;
	n = shdr.sh_size / shdr.sh_entsize;
	for (i = 0; i < n && i < DIAL9_ELF_MAX_SYMS; i++) {
		const char *name;
		GElf_Sym sym;
		char *dem;

		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_TLS ||
		    sym.st_shndx == SHN_UNDEF || sym.st_size <= best_size)
			continue;
		name = elf_strptr(syms->elf, shdr.sh_link, sym.st_name);
		if (!name || !strstr(name, "7CONTEXT"))
			continue;
		dem = dial9_rust_demangle(name);
		if (dem && !strncmp(dem, CONTEXT_PATH, strlen(CONTEXT_PATH)) &&
		    sym.st_value + sym.st_size <= memsz) {
			best = sym.st_value;
			best_size = sym.st_size;
		}
		free(dem);
	}
	if (!best_size)
		return -ENOENT;
	*tp_off = (int64_t)best - (int64_t)tls_context__block_offset(vaddr, memsz, align);
	*size = (uint32_t)(best_size < UINT32_MAX ? best_size : UINT32_MAX);
	return 0;
}

void tls_learning__init(struct tls_learning *l)
{
	memset(l, 0, sizeof(*l));
	l->result = TLS_LEARNING_PENDING;
}

/* The winner: named by at least 3 reports in 4, no other by half. */
static int winner(const struct tls_learning *l)
{
	uint32_t best = 0, second = 0;
	int i, at = -1;

	for (i = 0; i < 32; i++) {
		if (l->votes[i] > best) {
			second = best;
			best = l->votes[i];
			at = i;
		} else if (l->votes[i] > second) {
			second = l->votes[i];
		}
	}
	if (at < 0)
		return TLS_LEARNING_PENDING;
	/* unanimous from the first reports, or a clear majority later */
	if (l->reports >= TLS_LEARNING_UNANIMOUS && best == l->reports && second < best)
		return at;
	if (l->reports < TLS_LEARNING_REPORTS || best * 4 < l->reports * 3 ||
	    second * 2 >= l->reports)
		return TLS_LEARNING_PENDING;
	return at;
}

int tls_learning__report(struct tls_learning *l, uint32_t eq, uint32_t tagged, bool *is_tagged)
{
	int i;

	if (l->result == TLS_LEARNING_PENDING) {
		for (i = 0; i < 32; i++) {
			l->votes[i] += eq >> i & 1;
			l->tagged[i] += tagged >> i & 1;
		}
		l->reports++;
		l->result = winner(l);
		if (l->result == TLS_LEARNING_PENDING && l->reports >= TLS_LEARNING_GIVE_UP)
			l->result = TLS_LEARNING_FAILED;
	}
	if (l->result >= 0 && is_tagged)
		*is_tagged = l->tagged[l->result] * 4 >= l->votes[l->result] * 3;
	return l->result;
}
