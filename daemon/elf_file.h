/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * elf_file.h - an ELF file's function symbols, PT_LOAD segments and GNU
 * build-id (libelf), for the probe finder, the symbolizer and the debug-file
 * lookup.
 */
#ifndef DIAL9_ELF_FILE_H
#define DIAL9_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gelf.h>

/* Symbol tables larger than this are refused (a hostile file could claim more). */
#define DIAL9_ELF_MAX_SYMS (16u << 20)

/* One function symbol of an ELF file. */
struct dial9_elf_sym {
	uint64_t vaddr;
	uint64_t size;
	const char *mangled; /* into the file's string table; valid while open */
	char *name;          /* demangled, filled on demand by dial9_elf_file__sym_name() */
};

/* One PT_LOAD program header. */
struct dial9_elf_segment {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags; /* PF_X | PF_W | PF_R */
};

/* An ELF file opened for reading: its defined function symbols (.symtab,
 * else .dynsym), sorted by address, its PT_LOAD segments and GNU build-id.
 * The fields are read-only for callers. */
struct dial9_elf_file {
	struct dial9_elf_sym *syms;
	size_t nsyms;
	struct dial9_elf_segment *segs;
	size_t nsegs;
	char build_id[65];   /* hex GNU build-id, "" if none */
	bool has_symtab;     /* syms came from .symtab (not stripped) */
	int fd;              /* private */
	void *elf;           /* private: the libelf handle */
};

/* Open path: 0, or -ENOENT/-EACCES/... (open), -ENOEXEC (not ELF) with a
 * one-line reason in err. */
int dial9_elf_file__open(const char *path, struct dial9_elf_file **out,
			 char *err, size_t errlen);
void dial9_elf_file__free(struct dial9_elf_file *f); /* accepts NULL */
/* ELF virtual address <-> file offset through the PT_LOAD segments (file-
 * backed part only).  0, or -ERANGE when no segment holds it. */
int dial9_elf_file__vaddr_to_offset(const struct dial9_elf_file *f, uint64_t vaddr,
				    uint64_t *offset);
int dial9_elf_file__offset_to_vaddr(const struct dial9_elf_file *f, uint64_t offset,
				    uint64_t *vaddr);
/* The function symbol holding vaddr (vaddr in [value, value+size), or equal
 * to value for a size-0 symbol), or NULL with errno ENOENT. */
struct dial9_elf_sym *dial9_elf_file__lookup(const struct dial9_elf_file *f, uint64_t vaddr);
/* Demangled name of a symbol (cached in s->name), or NULL with errno set. */
const char *dial9_elf_file__sym_name(struct dial9_elf_sym *s);

/* GOT slots the dynamic loader fills with target (R_X86_64_RELATIVE with
 * that addend, or GLOB_DAT/64 against a symbol of that value): up to max
 * into slots; returns how many were found. */
size_t dial9_elf_file__slots_of(const struct dial9_elf_file *f, uint64_t target,
				uint64_t *slots, size_t max);

/* The PT_TLS program header: 0, or -ENOENT when the file has none. */
int dial9_elf_file__tls(const struct dial9_elf_file *f, uint64_t *vaddr, uint64_t *memsz,
			uint64_t *align);

/* A one-line reason into err (when err is not NULL): the finder's and the
 * symbolizer's messages. */
void dial9_syms_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The symbol table section of elf (.symtab, else .dynsym) and its header,
 * or NULL. */
Elf_Scn *dial9_elf__symtab(Elf *elf, GElf_Shdr *shdr_out);

#endif /* DIAL9_ELF_FILE_H */
