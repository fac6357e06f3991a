// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* elf_file.c - an ELF file's symbols, segments and build-id (see elf_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "demangle.h"
#include "elf_file.h"

#define MAX_SYMS DIAL9_ELF_MAX_SYMS
#define MAX_SEGS 256u

void dial9_syms_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* --- ELF file ---------------------------------------------------------- */

static int cmp_sym(const void *a, const void *b)
{
	const struct dial9_elf_sym *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	/* Prefer the sized symbol first among aliases. */
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return 0;
}

Elf_Scn *dial9_elf__symtab(Elf *elf, GElf_Shdr *shdr_out)
{
	Elf_Scn *scn = NULL, *dynsym = NULL;
	GElf_Shdr shdr, dyn_shdr;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type == SHT_SYMTAB) {
			*shdr_out = shdr;
			return scn;
		}
		if (shdr.sh_type == SHT_DYNSYM && !dynsym) {
			dynsym = scn;
			dyn_shdr = shdr;
		}
	}
	if (dynsym)
		*shdr_out = dyn_shdr;
	return dynsym;
}

static int load_syms(struct dial9_elf_file *f)
{
	Elf *elf = f->elf;
	GElf_Shdr shdr;
	Elf_Scn *scn = dial9_elf__symtab(elf, &shdr);
	Elf_Data *data;
	size_t n, cap = 0;

	if (!scn)
		return 0; /* stripped: no symbols, not an error here */
	f->has_symtab = shdr.sh_type == SHT_SYMTAB;
	data = elf_getdata(scn, NULL);
	if (!data || !shdr.sh_entsize)
		return 0;
	n = shdr.sh_size / shdr.sh_entsize;
	if (n > MAX_SYMS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;
		int type;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (f->nsyms == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct dial9_elf_sym *p = reallocarray(f->syms, ncap, sizeof(*p));

			if (!p)
				return -ENOMEM;
			f->syms = p;
			cap = ncap;
		}
		f->syms[f->nsyms++] = (struct dial9_elf_sym){
			.vaddr = sym.st_value, .size = sym.st_size, .mangled = name,
		};
	}
	if (f->nsyms)
		qsort(f->syms, f->nsyms, sizeof(*f->syms), cmp_sym);
	return 0;
}

static int load_segs(struct dial9_elf_file *f)
{
	size_t phnum;

	if (elf_getphdrnum(f->elf, &phnum) != 0)
		return -ENOEXEC;
	if (phnum > MAX_SEGS)
		return -E2BIG;
	f->segs = calloc(phnum ? phnum : 1, sizeof(*f->segs));
	if (!f->segs)
		return -ENOMEM;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		f->segs[f->nsegs++] = (struct dial9_elf_segment){
			.vaddr = ph.p_vaddr, .memsz = ph.p_memsz, .offset = ph.p_offset,
			.filesz = ph.p_filesz, .flags = ph.p_flags,
		};
	}
	return 0;
}

size_t dial9_elf_file__slots_of(const struct dial9_elf_file *f, uint64_t target,
				uint64_t *slots, size_t max)
{
	Elf_Scn *scn = NULL;
	size_t found = 0;

	while ((scn = elf_nextscn(f->elf, scn)) && found < max) {
		Elf_Data *data, *symdata = NULL;
		GElf_Shdr shdr, symshdr;
		size_t n, i;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_RELA || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		if (shdr.sh_link) {
			Elf_Scn *ss = elf_getscn(f->elf, shdr.sh_link);

			if (ss && gelf_getshdr(ss, &symshdr))
				symdata = elf_getdata(ss, NULL);
		}
		n = shdr.sh_size / shdr.sh_entsize;
		for (i = 0; i < n && i < DIAL9_ELF_MAX_SYMS && found < max; i++) {
			GElf_Rela r;
			GElf_Sym sym;
			uint64_t type;

			if (!gelf_getrela(data, (int)i, &r))
				break;
			type = GELF_R_TYPE(r.r_info);
			if (type == R_X86_64_RELATIVE && (uint64_t)r.r_addend == target)
				slots[found++] = r.r_offset;
			else if ((type == R_X86_64_GLOB_DAT || type == R_X86_64_64) && symdata &&
				 gelf_getsym(symdata, (int)GELF_R_SYM(r.r_info), &sym) &&
				 sym.st_value + (uint64_t)r.r_addend == target && sym.st_value)
				slots[found++] = r.r_offset;
		}
	}
	return found;
}

int dial9_elf_file__tls(const struct dial9_elf_file *f, uint64_t *vaddr, uint64_t *memsz,
			uint64_t *align)
{
	size_t phnum, i;

	if (elf_getphdrnum(f->elf, &phnum) != 0)
		return -ENOEXEC;
	for (i = 0; i < phnum && i < MAX_SEGS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_TLS)
			continue;
		*vaddr = ph.p_vaddr;
		*memsz = ph.p_memsz;
		*align = ph.p_align ? ph.p_align : 1;
		return 0;
	}
	return -ENOENT;
}

/* Look for NT_GNU_BUILD_ID in one note buffer. */
static bool build_id_in(Elf_Data *data, char out[65])
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp((char *)data->d_buf + name_off, "GNU", 4) == 0 &&
		    nh.n_descsz > 0 && nh.n_descsz <= 32) {
			const unsigned char *d = (unsigned char *)data->d_buf + desc_off;

			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(out + 2 * i, 3, "%02x", d[i]);
			return true;
		}
		off = next;
	}
	return false;
}

static void load_build_id(struct dial9_elf_file *f)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	size_t phnum;

	f->build_id[0] = '\0';
	while ((scn = elf_nextscn(f->elf, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (data && build_id_in(data, f->build_id))
			return;
	}
	/* No section headers (or no note section): try the PT_NOTE segments. */
	if (elf_getphdrnum(f->elf, &phnum) != 0)
		return;
	for (size_t i = 0; i < phnum && i < MAX_SEGS; i++) {
		GElf_Phdr ph;
		Elf_Data *data;

		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(f->elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (data && build_id_in(data, f->build_id))
			return;
	}
}

int dial9_elf_file__open(const char *path, struct dial9_elf_file **out,
			 char *err, size_t errlen)
{
	struct dial9_elf_file *f = NULL;
	int ret;

	*out = NULL;
	if (!path) {
		dial9_syms_err(err, errlen, "no file name");
		return -EINVAL;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		dial9_syms_err(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -ENOSYS;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		ret = -ENOMEM;
		dial9_syms_err(err, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	f->fd = -1;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		ret = -errno;
		dial9_syms_err(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		goto cleanup;
	}
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF || gelf_getclass(f->elf) == ELFCLASSNONE) {
		ret = -ENOEXEC;
		dial9_syms_err(err, errlen, "%s: not an ELF file", path);
		goto cleanup;
	}
	ret = load_segs(f);
	if (!ret)
		ret = load_syms(f);
	if (ret) {
		dial9_syms_err(err, errlen, "%s: cannot read ELF headers or symbols: %s", path,
			strerror(-ret));
		goto cleanup;
	}
	load_build_id(f);
	*out = f;
	return 0;

cleanup:
	dial9_elf_file__free(f);
	return ret;
}

void dial9_elf_file__free(struct dial9_elf_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nsyms; i++)
		free(f->syms[i].name);
	free(f->syms);
	free(f->segs);
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

int dial9_elf_file__vaddr_to_offset(const struct dial9_elf_file *f, uint64_t vaddr,
				    uint64_t *offset)
{
	for (size_t i = 0; i < f->nsegs; i++) {
		const struct dial9_elf_segment *s = &f->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*offset = vaddr - s->vaddr + s->offset;
			return 0;
		}
	}
	return -ERANGE;
}

int dial9_elf_file__offset_to_vaddr(const struct dial9_elf_file *f, uint64_t offset,
				    uint64_t *vaddr)
{
	for (size_t i = 0; i < f->nsegs; i++) {
		const struct dial9_elf_segment *s = &f->segs[i];

		if (offset >= s->offset && offset - s->offset < s->filesz) {
			*vaddr = offset - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ERANGE;
}

struct dial9_elf_sym *dial9_elf_file__lookup(const struct dial9_elf_file *f, uint64_t vaddr)
{
	size_t lo = 0, hi = f->nsyms;

	/* Last symbol with value <= vaddr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->syms[mid].vaddr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Among aliases and nested symbols at or below vaddr, take the first
	 * that covers it; a bounded look back is enough for those. */
	for (size_t i = lo, steps = 0; i > 0 && steps < 16; i--, steps++) {
		struct dial9_elf_sym *s = &f->syms[i - 1];

		if (vaddr - s->vaddr < s->size || (s->size == 0 && s->vaddr == vaddr))
			return s;
	}
	errno = ENOENT;
	return NULL;
}

const char *dial9_elf_file__sym_name(struct dial9_elf_sym *s)
{
	if (!s->name)
		s->name = dial9_rust_demangle(s->mangled);
	return s->name;
}
