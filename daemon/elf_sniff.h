/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * elf_sniff.h - tell, without symbols, whether an ELF executable looks like
 * a Rust program and whether it holds Tokio's runtime, by strings in its
 * read-only data.  For deciding which stripped programs are worth a search
 * for their debug files.
 */
#ifndef DIAL9_ELF_SNIFF_H
#define DIAL9_ELF_SNIFF_H

struct dial9_elf_file; /* elf_file.h */

enum dial9_elf_kind {
	DIAL9_ELF_OTHER = 0, /* no sign of Rust's standard library */
	DIAL9_ELF_RUST,      /* Rust's std ("RUST_BACKTRACE", "/rustc/" paths), no sign of Tokio */
	DIAL9_ELF_TOKIO,     /* Tokio's worker thread name ("tokio-runtime-worker", "tokio-rt-worker") */
};

enum dial9_elf_kind dial9_elf_file__sniff(const struct dial9_elf_file *f);

#endif /* DIAL9_ELF_SNIFF_H */
