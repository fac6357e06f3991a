// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * elf_sniff.c - Rust and Tokio programs by their read-only data (see
 * elf_sniff.h).  The strings stay in a stripped binary: Tokio names its
 * worker threads "tokio-runtime-worker" (1.x up to 1.4x) or
 * "tokio-rt-worker" (later), and Rust's std reads RUST_BACKTRACE and keeps
 * "/rustc/<commit>/library/…" panic locations.
 */
#include <stdbool.h>
#include <string.h>

#include <gelf.h>
#include <libelf.h>

#include "elf_sniff.h"
#include "elf_file.h"

static const char *const tokio_marks[] = { "tokio-runtime-worker", "tokio-rt-worker" };
static const char *const rust_marks[] = { "RUST_BACKTRACE", "/rustc/" };

static bool holds_any(const void *buf, size_t len, const char *const *marks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memmem(buf, len, marks[i], strlen(marks[i])))
			return true;
	return false;
}

/* Fold one buffer's marks into *kind. */
static void sniff_buf(const void *buf, size_t len, enum dial9_elf_kind *kind)
{
	if (!buf || !len)
		return;
	if (holds_any(buf, len, tokio_marks, sizeof(tokio_marks) / sizeof(tokio_marks[0])))
		*kind = DIAL9_ELF_TOKIO;
	else if (*kind == DIAL9_ELF_OTHER &&
		 holds_any(buf, len, rust_marks, sizeof(rust_marks) / sizeof(rust_marks[0])))
		*kind = DIAL9_ELF_RUST;
}

enum dial9_elf_kind dial9_elf_file__sniff(const struct dial9_elf_file *f)
{
	enum dial9_elf_kind kind = DIAL9_ELF_OTHER;
	Elf *elf = f->elf;
	Elf_Scn *scn = NULL;
	bool any = false;

	/* Allocated, read-only, non-code sections: .rodata and its kin. */
	while ((scn = elf_nextscn(elf, scn)) && kind != DIAL9_ELF_TOKIO) {
		GElf_Shdr shdr;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS ||
		    !(shdr.sh_flags & SHF_ALLOC) || (shdr.sh_flags & (SHF_WRITE | SHF_EXECINSTR)))
			continue;
		any = true;
		data = elf_rawdata(scn, NULL);
		if (data)
			sniff_buf(data->d_buf, data->d_size, &kind);
	}
	if (!any) { /* no section headers: the whole file */
		size_t size = 0;
		const char *raw = elf_rawfile(elf, &size);

		sniff_buf(raw, size, &kind);
	}
	return kind;
}
