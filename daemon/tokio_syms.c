// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tokio_syms.c - find the probe points of the Tokio runtime in an ELF file
 * by demangled path (its symbols: elf_file.c).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "symbol_source.h"
#include "probe_classes.h"
#include "tls_context.h"
#include "tokio_syms.h"
#include "x86_insn.h"

/* --- probe points ------------------------------------------------------- */

static const char *const kind_names[DIAL9_PROBE_KIND_MAX] = {
	[DIAL9_PROBE_RAW_POLL] = "raw_poll",
	[DIAL9_PROBE_WAKE_BY_VAL] = "wake_by_val",
	[DIAL9_PROBE_WAKE_BY_REF] = "wake_by_ref",
	[DIAL9_PROBE_SPAWN] = "spawn",
	[DIAL9_PROBE_RAW_DEALLOC] = "raw_dealloc",
	[DIAL9_PROBE_RAW_SHUTDOWN] = "raw_shutdown",
	[DIAL9_PROBE_PARK] = "park",
	[DIAL9_PROBE_IO_WAKE] = "io_wake",
	[DIAL9_PROBE_TIMER_FIRE] = "timer_fire",
	[DIAL9_PROBE_PANIC] = "panic",
	[DIAL9_PROBE_COMPLETE] = "complete",
	[DIAL9_PROBE_PARK_CT] = "park_ct",
	[DIAL9_PROBE_SPAWN_BIND] = "spawn_bind",
	[DIAL9_PROBE_TASK_ID] = "task_id",
	[DIAL9_PROBE_POLL_RETURN] = "poll_return",
	[DIAL9_PROBE_PARK_RETURN] = "park_return",
	[DIAL9_PROBE_POOL_POLL] = "pool_poll",
};

const char *dial9_probe_kind_name(enum dial9_probe_kind kind)
{
	if ((unsigned)kind >= DIAL9_PROBE_KIND_MAX)
		return "unknown";
	return kind_names[kind];
}

/*
 * Paths, after demangling and normalisation (see normalize()).  A symbol
 * matches a path when it is the path itself or the path followed by
 * "::<…>" (v0 generic arguments), so "raw::poll" does not match
 * "raw::poll_future" nor "RawTask::poll".
 */
struct path_rule {
	enum dial9_probe_kind kind;
	const char *path;
	unsigned int group; /* RULE_*: parks of which level */
};

/* Parks nest: scheduler park -> time driver park -> I/O driver turn.  Each
 * hit costs a trap, and a busy worker parks about once per request, so
 * only what an answer needs is probed: the scheduler's park entry (a
 * multi_thread worker without the driver parks on a condition variable, in
 * no driver), and where the outermost driver park returns (that ends the
 * drivers' waker context before the runtime's deferred wakes: the I/O
 * driver's turn only when no time driver wraps it); a current_thread park's
 * entry and return (its return starts block_on's future). */
enum { RULE_OTHER = 0, RULE_MT_PARK, RULE_DRIVER_PARK, RULE_TIME_PARK, RULE_IO_PARK };

static const struct path_rule rules[] = {
	{ DIAL9_PROBE_RAW_POLL, "tokio::runtime::task::raw::poll", RULE_OTHER },
	{ DIAL9_PROBE_WAKE_BY_VAL, "tokio::runtime::task::waker::wake_by_val", RULE_OTHER },
	{ DIAL9_PROBE_WAKE_BY_REF, "tokio::runtime::task::waker::wake_by_ref", RULE_OTHER },
	/* the spawn path, outermost first; tokio::spawn stays out of line from
	 * 1.43 (spawn_inner inlined into it), spawn_inner in 1.24 */
	{ DIAL9_PROBE_SPAWN, "tokio::task::spawn::spawn", RULE_OTHER },
	{ DIAL9_PROBE_SPAWN, "tokio::task::spawn::spawn_inner", RULE_OTHER },
	{ DIAL9_PROBE_SPAWN, "tokio::task::local::spawn_local_inner", RULE_OTHER },
	{ DIAL9_PROBE_RAW_DEALLOC, "tokio::runtime::task::raw::dealloc", RULE_OTHER },
	{ DIAL9_PROBE_RAW_SHUTDOWN, "tokio::runtime::task::raw::shutdown", RULE_OTHER },
	/* multi_thread: park_timeout up to 1.48, park_internal from 1.49 */
	{ DIAL9_PROBE_PARK, "tokio::runtime::scheduler::multi_thread::worker::Context::park",
	  RULE_MT_PARK },
	{ DIAL9_PROBE_PARK, "tokio::runtime::scheduler::multi_thread::worker::Context::park_timeout",
	  RULE_MT_PARK },
	{ DIAL9_PROBE_PARK, "tokio::runtime::scheduler::multi_thread::worker::Context::park_internal",
	  RULE_MT_PARK },
	/* the drivers, outermost first: runtime::driver::Driver (1.53 keeps it
	 * out of line), the time driver, the I/O driver */
	{ DIAL9_PROBE_PARK, "tokio::runtime::driver::Driver::park", RULE_DRIVER_PARK },
	{ DIAL9_PROBE_PARK, "tokio::runtime::driver::Driver::park_timeout", RULE_DRIVER_PARK },
	{ DIAL9_PROBE_PARK, "tokio::runtime::time::Driver::park_internal", RULE_TIME_PARK },
	{ DIAL9_PROBE_PARK, "tokio::runtime::io::Driver::turn", RULE_IO_PARK },         /* 1.24 */
	{ DIAL9_PROBE_PARK, "tokio::runtime::io::driver::Driver::turn", RULE_IO_PARK }, /* 1.25+ */
	{ DIAL9_PROBE_PARK_CT, "tokio::runtime::scheduler::current_thread::Context::park", RULE_OTHER },
	{ DIAL9_PROBE_PARK_CT, "tokio::runtime::scheduler::current_thread::Context::park_yield", RULE_OTHER },
	{ DIAL9_PROBE_PARK_CT, "tokio::runtime::scheduler::current_thread::Context::park_internal", RULE_OTHER },
	{ DIAL9_PROBE_IO_WAKE, "tokio::runtime::io::scheduled_io::ScheduledIo::wake", RULE_OTHER },
	{ DIAL9_PROBE_TIMER_FIRE, "tokio::runtime::time::entry::TimerShared::fire", RULE_OTHER },
	{ DIAL9_PROBE_TIMER_FIRE, "tokio::runtime::time::entry::StateCell::fire", RULE_OTHER },
	{ DIAL9_PROBE_TIMER_FIRE, "tokio::runtime::time::entry::TimerHandle::fire", RULE_OTHER },
	/* fire() is inlined; the wheel is processed in process_at_time (1.24,
	 * 1.53), process_at_sharded_time (1.43) or, with LTO, a closure of
	 * process_at_time; legacy and v0 spell the impl differently */
	{ DIAL9_PROBE_TIMER_FIRE, "tokio::runtime::time::handle::Handle::process_at_time", RULE_OTHER },
	{ DIAL9_PROBE_TIMER_FIRE,
	  "tokio::runtime::time::<impl tokio::runtime::time::handle::Handle>::process_at_time", RULE_OTHER },
	{ DIAL9_PROBE_TIMER_FIRE, "tokio::runtime::time::handle::Handle::process_at_sharded_time", RULE_OTHER },
	{ DIAL9_PROBE_TIMER_FIRE,
	  "tokio::runtime::time::<impl tokio::runtime::time::handle::Handle>::process_at_sharded_time", RULE_OTHER },
	{ DIAL9_PROBE_TIMER_FIRE,
	  "tokio::runtime::time::handle::Handle::process_at_time::{closure#0}", RULE_OTHER },
	{ DIAL9_PROBE_TIMER_FIRE,
	  "tokio::runtime::time::<impl tokio::runtime::time::handle::Handle>::process_at_time::{{closure}}", RULE_OTHER },
	/* the rest of the spawn path, for when the outer part is inlined; types'
	 * generic arguments are removed before matching (OwnedTasks<S>) */
	{ DIAL9_PROBE_SPAWN, "tokio::runtime::scheduler::Handle::spawn", RULE_OTHER },
	{ DIAL9_PROBE_SPAWN, "tokio::runtime::scheduler::multi_thread::handle::Handle::bind_new_task", RULE_OTHER },
	{ DIAL9_PROBE_SPAWN, "tokio::runtime::scheduler::current_thread::Handle::spawn", RULE_OTHER },
	{ DIAL9_PROBE_SPAWN, "tokio::runtime::task::list::OwnedTasks::bind", RULE_OTHER },
	{ DIAL9_PROBE_SPAWN, "tokio::runtime::task::list::LocalOwnedTasks::bind", RULE_OTHER },
	/* 1.43+: the non-generic part of bind, kept out of line by fat LTO */
	{ DIAL9_PROBE_SPAWN_BIND, "tokio::runtime::task::list::OwnedTasks::bind_inner", RULE_OTHER },
	{ DIAL9_PROBE_COMPLETE, "tokio::runtime::task::harness::Harness::complete", RULE_OTHER },
};

/* Where the schedulers poll their tasks (`task.run()` through the task's
 * vtable): their raw::poll calls' return sites are probed from the start;
 * the others are learned at run time (DIAL9_EV_RING_RET_SITE). */
static const char *const poll_callers[] = {
	"tokio::runtime::scheduler::multi_thread::worker::Context::run_task",
	"tokio::runtime::scheduler::current_thread::Context::run_task",
	"tokio::task::local::LocalSet::tick",
};
#define N_POLL_CALLERS (sizeof(poll_callers) / sizeof(poll_callers[0]))
#define MAX_POLL_CALLER_SYMS 16

/* The task id counter (tokio::runtime::task::id::Id::next, 1.23+): with
 * every spawn function inlined (fat LTO, 1.24) the `lock xadd` into it,
 * inlined into the spawning code, is where a spawn is seen. */
#define NEXT_ID_PATH "tokio::runtime::task::id::Id::next::NEXT_ID"
#define MAX_ID_SITES 4096

/*
 * Panic markers, best first.  Only the best one present is used, so one
 * panic gives one hit: rust_begin_unwind runs before the panic hook (so it
 * fires even when a hook exits the process) but misses std::panic::panic_any
 * payloads; rust_panic (the common tail) is the fallback for binaries
 * without it.
 */
static const char *const panic_paths[] = {
	"__rustc::rust_begin_unwind",
	"rust_begin_unwind",
	"__rustc::rust_panic",
	"rust_panic",
};
#define N_PANIC (sizeof(panic_paths) / sizeof(panic_paths[0]))

static bool path_match_exact(const char *name, const char *path)
{
	size_t n = strlen(path);

	if (strncmp(name, path, n) != 0)
		return false;
	return name[n] == '\0' || strncmp(name + n, "::<", 3) == 0;
}

/* Copy name without the generic arguments of types ("OwnedTasks<S>::bind"
 * -> "OwnedTasks::bind"); a function's own "::<…>" stays.  NULL if nothing
 * was removed or buf is too small. */
static const char *strip_type_generics(const char *name, char *buf, size_t len)
{
	size_t o = 0;
	bool stripped = false;
	const char *p;

	for (p = name; *p; p++) {
		if (*p == '<' && p > name && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) {
			int depth = 1;

			for (p++; *p && depth; p++)
				depth += (*p == '<') - (*p == '>');
			if (!*p && depth)
				return NULL;
			p--;
			stripped = true;
			continue;
		}
		if (o + 1 >= len)
			return NULL;
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return stripped ? buf : NULL;
}

static bool path_match(const char *name, const char *path)
{
	char buf[512];
	const char *plain;

	if (path_match_exact(name, path))
		return true;
	plain = strip_type_generics(name, buf, sizeof(buf));
	return plain && path_match_exact(plain, path);
}

/*
 * v0 renders inherent methods as "<tokio::…::Context>::park"; legacy as
 * "tokio::…::Context::park".  Rewrite the first form into the second (into
 * buf) so one rule matches both.  Trait impls ("<A as B>::f") stay as they are.
 */
static const char *normalize(const char *name, char *buf, size_t len)
{
	int depth = 0;
	const char *p;

	if (name[0] != '<')
		return name;
	for (p = name; *p; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && --depth == 0)
			break;
	}
	if (!*p || strncmp(p, ">::", 3) != 0)
		return name;
	if ((size_t)(p - name) >= len || memmem(name, (size_t)(p - name), " as ", 4))
		return name;
	if ((size_t)snprintf(buf, len, "%.*s%s", (int)(p - name - 1), name + 1, p + 1) >= len)
		return name;
	return buf;
}

/* Cheap filter before demangling: Rust encodes identifiers as <len><ident>
 * in both manglings, so every Tokio symbol holds "5tokio". */
static bool worth_demangling(const char *mangled)
{
	return strstr(mangled, "5tokio") || strstr(mangled, "rust_begin_unwind") ||
	       strstr(mangled, "rust_panic");
}

static bool in_exec_segment(const struct dial9_elf_file *f, uint64_t vaddr)
{
	for (size_t i = 0; i < f->nsegs; i++) {
		const struct dial9_elf_segment *s = &f->segs[i];

		if ((s->flags & PF_X) && vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz)
			return true;
	}
	return false;
}

/* cookie_extra: DIAL9_COOKIE_REG / DIAL9_COOKIE_CT bits of its cookie. */
static int add_point(struct dial9_probe_set *s, size_t *cap, enum dial9_probe_kind kind,
		     uint64_t vaddr, uint64_t size, uint64_t offset, const char *name,
		     unsigned int group, uint64_t cookie_extra)
{
	struct dial9_probe_point *p;

	/* Aliases (.symtab and .dynsym, or two names) must not be probed twice. */
	for (size_t i = 0; i < s->count; i++)
		if (s->points[i].kind == kind && s->points[i].vaddr == vaddr)
			return 0;
	if (s->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;

		p = reallocarray(s->points, ncap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->points = p;
		*cap = ncap;
	}
	p = &s->points[s->count];
	*p = (struct dial9_probe_point){
		.kind = kind, .vaddr = vaddr, .offset = offset, .size = size,
		.name = strdup(name), .rule_group = (uint8_t)group,
		.cookie = (uint64_t)kind | cookie_extra,
	};
	if (!p->name)
		return -ENOMEM;
	s->count++;
	s->per_kind[kind]++;
	return 0;
}

/* Keep the outermost level of the nested driver parks (see RULE_*). */
static void drop_nested_parks(struct dial9_probe_set *s)
{
	unsigned int outer = RULE_IO_PARK + 1;
	size_t i, o;

	for (i = 0; i < s->count; i++) {
		unsigned int g = s->points[i].rule_group;

		if (g >= RULE_DRIVER_PARK && g < outer)
			outer = g;
	}
	for (i = 0, o = 0; i < s->count; i++) {
		struct dial9_probe_point *p = &s->points[i];
		bool nested = p->rule_group > outer;

		if (nested) {
			s->per_kind[p->kind]--;
			free(p->name);
			continue;
		}
		s->points[o++] = *p;
	}
	s->count = o;
}

/* The driver parks are probed where they return (PARK_RETURN points), not
 * where they begin: the scheduler's park entry already marks the park. */
static void drop_driver_park_entries(struct dial9_probe_set *s)
{
	bool sched_park = false;
	size_t i, o;

	for (i = 0; i < s->count; i++)
		sched_park |= s->points[i].rule_group == RULE_MT_PARK ||
			      s->points[i].kind == DIAL9_PROBE_PARK_CT;
	if (!sched_park) /* then they are the only mark of a park */
		return;
	for (i = 0, o = 0; i < s->count; i++) {
		struct dial9_probe_point *p = &s->points[i];

		if (p->rule_group >= RULE_DRIVER_PARK) {
			s->per_kind[p->kind]--;
			free(p->name);
			continue;
		}
		s->points[o++] = *p;
	}
	s->count = o;
}

bool dial9_is_runtime_path(const char *name)
{
	static const char *const prefixes[] = {
		"std::", "core::", "alloc::", "tokio::", "__rust", "__libc", "0x",
	};

	/* "<std::…>::f", "<&core::… as tokio::…>::f": the type's path decides */
	while (*name == '<' || *name == '&' || *name == '*')
		name++;
	if (!strncmp(name, "mut ", 4) || !strncmp(name, "dyn ", 4))
		name += 4;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Virtual address of the data symbol with this demangled path, or 0. */
static uint64_t find_object(const struct dial9_elf_file *f, const char *mangled_part,
			    const char *path)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = dial9_elf__symtab(f->elf, &shdr);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	char norm[1024];
	uint64_t found = 0;
	size_t n;

	if (!data || !shdr.sh_entsize)
		return 0;
	n = shdr.sh_size / shdr.sh_entsize;
	for (size_t i = 0; i < n && i < DIAL9_ELF_MAX_SYMS && !found; i++) {
		GElf_Sym sym;
		const char *name;
		char *dem;

		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(f->elf, shdr.sh_link, sym.st_name);
		if (!name || !strstr(name, mangled_part))
			continue;
		dem = dial9_rust_demangle(name);
		if (dem && !strcmp(normalize(dem, norm, sizeof(norm)), path))
			found = sym.st_value;
		free(dem);
	}
	return found;
}

/* One executable segment of the binary, read once for every scan below:
 * its bytes come from the executable f, symbols from syms (f, or its debug
 * file). */
struct code_seg {
	struct dial9_elf_file *f;
	const struct dial9_elf_file *syms;
	const struct dial9_elf_segment *seg;
	uint8_t *code;
};

/* The bytes of an executable segment (malloc'd), or NULL. */
static uint8_t *read_segment(const struct dial9_elf_file *f, const struct dial9_elf_segment *seg)
{
	uint8_t *code;

	if (!(seg->flags & PF_X) || !seg->filesz || seg->filesz > (1ull << 30))
		return NULL;
	code = malloc(seg->filesz);
	if (code && pread(f->fd, code, seg->filesz, (off_t)seg->offset) != (ssize_t)seg->filesz) {
		free(code);
		code = NULL;
	}
	return code;
}

/* Do instructions start at a and at b, decoding the function that holds
 * them from its start? */
static bool on_boundaries(const struct code_seg *cs, uint64_t a, uint64_t b)
{
	const struct dial9_elf_segment *seg = cs->seg;
	struct dial9_elf_sym *sym = dial9_elf_file__lookup(cs->syms, a);
	const uint8_t *fn;
	uint64_t len;

	if (!sym || sym->vaddr < seg->vaddr || sym->vaddr - seg->vaddr >= seg->filesz)
		return false;
	fn = cs->code + (sym->vaddr - seg->vaddr);
	len = sym->size ? sym->size : seg->filesz - (sym->vaddr - seg->vaddr);
	if (len > seg->filesz - (sym->vaddr - seg->vaddr))
		return false;
	return dial9_x86_insn_starts_at(fn, len, sym->vaddr, a) &&
	       dial9_x86_insn_starts_at(fn, len, sym->vaddr, b);
}

/* A POLL_RETURN / PARK_RETURN point for return address ret (file offset
 * offset), its uprobe on the first instruction from there that the kernel
 * emulates. */
static int add_return_point(struct dial9_probe_set *s, size_t *cap, enum dial9_probe_kind kind,
			    const struct code_seg *cs, uint64_t ret, uint64_t offset,
			    const char *name, uint64_t cookie_extra)
{
	uint64_t skip = ret - cs->seg->vaddr;
	uint64_t at = dial9_x86_emulated_probe_at(cs->code + skip, cs->seg->filesz - skip, ret);
	uint64_t at_offset;
	int err;

	if (dial9_elf_file__vaddr_to_offset(cs->f, at, &at_offset))
		at_offset = offset, at = ret;
	err = add_point(s, cap, kind, at, 0, at_offset, name, RULE_OTHER, cookie_extra);
	if (!err)
		s->points[s->count - 1].site_offset = offset;
	return err;
}

/*
 * With every spawn function inlined (fat LTO), a spawn shows only as the
 * task id's allocation inlined into the spawning code: `lock xadd %reg,
 * NEXT_ID(%rip)` (next_id: its address), after which reg holds the new id.
 * The allocations in the runtime's own code (Builder::build's worker launch
 * and other blocking spawns) are not the program's spawns.
 */
#define MAX_ID_SLOTS 4
static int add_task_id_sites(const struct code_seg *cs, uint64_t next_id,
			     struct dial9_probe_set *s, size_t *cap)
{
	struct dial9_x86_xadd *sites = calloc(MAX_ID_SITES, sizeof(*sites));
	uint64_t slots[MAX_ID_SLOTS];
	size_t n, direct, nslots;
	int ret = 0;

	if (!sites)
		return -ENOMEM;
	n = dial9_x86_find_xadd(cs->code, cs->seg->filesz, cs->seg->vaddr, next_id, sites,
				MAX_ID_SITES);
	direct = n < MAX_ID_SITES ? n : MAX_ID_SITES;
	/* position-independent code reaching NEXT_ID through a GOT slot */
	nslots = dial9_elf_file__slots_of(cs->f, next_id, slots, MAX_ID_SLOTS);
	for (size_t k = 0; k < nslots && n < MAX_ID_SITES; k++)
		n += dial9_x86_find_xadd_via_slot(cs->code, cs->seg->filesz, cs->seg->vaddr,
						  slots[k], sites + n, MAX_ID_SITES - n);
	for (size_t j = 0; j < n && j < MAX_ID_SITES && !ret; j++) {
		uint64_t at = sites[j].next_vaddr, offset;
		struct dial9_elf_sym *sym = dial9_elf_file__lookup(cs->syms, at);
		const char *name = sym ? dial9_elf_file__sym_name(sym) : NULL;
		uint64_t xadd_len = j < direct ? 9 : 5;

		if (!name || dial9_is_runtime_path(name) ||
		    dial9_elf_file__vaddr_to_offset(cs->f, at, &offset) ||
		    !on_boundaries(cs, at - xadd_len, at))
			continue;
		ret = add_point(s, cap, DIAL9_PROBE_TASK_ID, at, 0, offset, name, RULE_OTHER,
				(uint64_t)sites[j].reg << 8);
	}
	free(sites);
	return ret;
}

/*
 * Where the parks return to, found before the process runs them: each
 * direct call to a PARK_CT point or an outermost driver park (decoded, to be
 * sure it is one), nparks: the points to look at.  The rest (calls through
 * pointers, tail calls) the BPF side reports at run time
 * (DIAL9_EV_RING_RET_SITE).
 */
#define MAX_STATIC_RET_SITES (DIAL9_MAX_RET_SITES / 2)
static int add_park_return_sites(const struct code_seg *cs, size_t nparks,
				 struct dial9_probe_set *s, size_t *cap, size_t *added)
{
	uint64_t rets[8];
	int ret = 0;

	for (size_t k = 0; k < nparks && !ret; k++) {
		const struct dial9_probe_point *p = &s->points[k];
		uint64_t ct = p->kind == DIAL9_PROBE_PARK_CT ? DIAL9_COOKIE_CT : 0, target = p->vaddr;
		size_t n;

		if (p->kind != DIAL9_PROBE_PARK_CT && p->rule_group < RULE_DRIVER_PARK)
			continue; /* a multi_thread park: its entry only */
		n = dial9_x86_find_calls(cs->code, cs->seg->filesz, cs->seg->vaddr, target, rets, 8);
		for (size_t j = 0; j < n && j < 8 && !ret; j++) {
			struct dial9_elf_sym *sym = dial9_elf_file__lookup(cs->syms, rets[j] - 5);
			const char *name = sym ? dial9_elf_file__sym_name(sym) : NULL;
			uint64_t offset;

			if (*added >= MAX_STATIC_RET_SITES || !name ||
			    dial9_elf_file__vaddr_to_offset(cs->f, rets[j], &offset) ||
			    !on_boundaries(cs, rets[j] - 5, rets[j]))
				continue;
			ret = add_return_point(s, cap, DIAL9_PROBE_PARK_RETURN, cs, rets[j], offset, name,
					       ct);
			*added += !ret;
		}
	}
	return ret;
}

/* The raw::poll calls of the schedulers' own task loops (poll_callers). */
static int add_poll_return_sites(const struct code_seg *cs, struct dial9_probe_set *s, size_t *cap,
				 struct dial9_elf_sym **callers, size_t ncallers)
{
	const struct dial9_elf_segment *seg = cs->seg;
	uint64_t rets[8];
	int ret = 0;

	for (size_t k = 0; k < ncallers && !ret; k++) {
		struct dial9_elf_sym *sym = callers[k];
		size_t n;

		if (!sym->size || sym->vaddr < seg->vaddr ||
		    sym->vaddr - seg->vaddr + sym->size > seg->filesz)
			continue;
		n = dial9_x86_find_vtable_calls(cs->code + (sym->vaddr - seg->vaddr), sym->size,
						sym->vaddr, rets, 8);
		for (size_t j = 0; j < n && j < 8 && !ret; j++) {
			uint64_t offset;

			if (dial9_elf_file__vaddr_to_offset(cs->f, rets[j], &offset))
				continue;
			ret = add_return_point(s, cap, DIAL9_PROBE_POLL_RETURN, cs, rets[j], offset,
					       dial9_elf_file__sym_name(sym), 0);
		}
	}
	return ret;
}

/* The probe points found by decoding the code, not by name: id allocations
 * (when no spawn function is left), and the return sites of the parks and
 * the schedulers' polls.  Each executable segment is read once. */
static int add_code_points(struct dial9_elf_file *f, const struct dial9_elf_file *syms,
			   struct dial9_probe_set *s, size_t *cap, struct dial9_elf_sym **callers,
			   size_t ncallers)
{
	uint64_t next_id = 0;
	size_t nparks = s->count, added = 0;
	int ret = 0;

	/* Also when spawn functions exist: other spawns may have the whole
	 * path inlined into the program's code (a 1.24 build where spawn_inner
	 * went into one caller and stayed out of line for another).  Only
	 * sites in the program's own functions are probed, and a spawn seen
	 * twice (here and at a bind) is recorded once, by its id. */
	next_id = find_object(syms, "7NEXT_ID", NEXT_ID_PATH);
	for (size_t i = 0; i < f->nsegs && !ret; i++) {
		struct code_seg cs = { f, syms, &f->segs[i], read_segment(f, &f->segs[i]) };

		if (!cs.code)
			continue;
		if (next_id)
			ret = add_task_id_sites(&cs, next_id, s, cap);
		if (!ret)
			ret = add_park_return_sites(&cs, nparks, s, cap, &added);
		if (!ret)
			ret = add_poll_return_sites(&cs, s, cap, callers, ncallers);
		free(cs.code);
	}
	return ret;
}

int dial9_probe_set__find(const char *path, struct dial9_probe_set **out,
			  char *err, size_t errlen)
{
	return dial9_probe_set__find_opts(path, NULL, out, err, errlen);
}

int dial9_probe_set__find_opts(const char *path, const struct dial9_symbols_opts *o,
			       struct dial9_probe_set **out, char *err, size_t errlen)
{
	struct dial9_elf_file *f = NULL, *sf; /* the executable; the file of its symbols */
	struct dial9_symbol_source src = { 0 };
	struct dial9_probe_set *s = NULL;
	struct dial9_elf_sym *panic_sym[N_PANIC] = { 0 };
	struct dial9_elf_sym *callers[MAX_POLL_CALLER_SYMS];
	const char *exe_name = o && o->exe_name ? o->exe_name : path;
	size_t cap = 0, ncallers = 0;
	char norm[1024];
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	ret = dial9_elf_file__open(path, &f, err, errlen);
	if (ret)
		return ret;
	sf = f;
	if (o) {
		ret = dial9_symbol_source__open(&src, f, exe_name, o, false, err, errlen);
		if (ret)
			goto cleanup;
		sf = src.syms;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->symbols_from = strdup(sf != f ? src.debug_path : exe_name))) {
		ret = -ENOMEM;
		goto oom;
	}
	snprintf(s->build_id, sizeof(s->build_id), "%s", f->build_id);
	s->symbols_method = sf == f ? DIAL9_DEBUGINFO_NONE : src.method;
	s->hdr_vtable_off = DIAL9_TOKIO_HDR_VTABLE_OFF;
	s->vtable_id_off = DIAL9_TOKIO_VTABLE_ID_OFF;

	for (size_t i = 0; i < sf->nsyms; i++) {
		struct dial9_elf_sym *sym = &sf->syms[i];
		const char *name, *n;
		uint64_t offset;

		if (!worth_demangling(sym->mangled))
			continue;
		if (!in_exec_segment(f, sym->vaddr) ||
		    dial9_elf_file__vaddr_to_offset(f, sym->vaddr, &offset))
			continue;
		name = dial9_elf_file__sym_name(sym);
		if (!name) {
			ret = -ENOMEM;
			goto oom;
		}
		n = normalize(name, norm, sizeof(norm));
		for (size_t j = 0; j < N_PANIC; j++)
			if (strcmp(n, panic_paths[j]) == 0 && !panic_sym[j])
				panic_sym[j] = sym;
		for (size_t j = 0; j < N_POLL_CALLERS; j++)
			if (ncallers < MAX_POLL_CALLER_SYMS && path_match(n, poll_callers[j]))
				callers[ncallers++] = sym;
		for (size_t j = 0; j < sizeof(rules) / sizeof(rules[0]); j++) {
			if (!path_match(n, rules[j].path))
				continue;
			ret = add_point(s, &cap, rules[j].kind, sym->vaddr, sym->size, offset, name,
					rules[j].group, 0);
			if (ret)
				goto oom;
			break;
		}
	}
	for (size_t j = 0; j < N_PANIC; j++) {
		uint64_t offset = 0;

		if (!panic_sym[j])
			continue;
		dial9_elf_file__vaddr_to_offset(f, panic_sym[j]->vaddr, &offset);
		ret = add_point(s, &cap, DIAL9_PROBE_PANIC, panic_sym[j]->vaddr, panic_sym[j]->size,
				offset, dial9_elf_file__sym_name(panic_sym[j]), RULE_OTHER, 0);
		if (ret)
			goto oom;
		break;
	}
	drop_nested_parks(s);
	if (tls_context__find(f, sf, &s->tls_context_off, &s->tls_context_size))
		s->tls_context_off = 0; /* CPU samples are not attributed to tasks */
	ret = add_code_points(f, sf, s, &cap, callers, ncallers);
	drop_driver_park_entries(s);
	if (ret)
		goto oom;

	if (!s->per_kind[DIAL9_PROBE_RAW_POLL] && !s->per_kind[DIAL9_PROBE_WAKE_BY_VAL] &&
	    !s->per_kind[DIAL9_PROBE_WAKE_BY_REF]) {
		ret = -ESRCH;
		if (!o)
			dial9_syms_err(err, errlen, "no Tokio runtime symbols in %s (stripped?)", path);
		else
			dial9_syms_err(err, errlen, "no Tokio runtime symbols in %s%s%s", exe_name,
				src.debug ? " nor in its debug file " : "",
				src.debug ? src.debug_path : "");
		goto cleanup;
	}
	*out = s;
	s = NULL;
	ret = 0;
	goto cleanup;

oom:
	dial9_syms_err(err, errlen, "%s: out of memory", path);
cleanup:
	dial9_probe_set__free(s);
	dial9_symbol_source__close(&src);
	dial9_elf_file__free(f);
	return ret;
}

void dial9_probe_set__free(struct dial9_probe_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		free(s->points[i].name);
	free(s->points);
	free(s->symbols_from);
	free(s);
}

uint32_t dial9_probe_classes(const struct dial9_probe_set *ps)
{
	const size_t *k = ps->per_kind;
	uint32_t c = 0;

	if (k[DIAL9_PROBE_RAW_POLL])
		c |= 1u << DIAL9_CLASS_POLL | 1u << DIAL9_CLASS_POLL_END;
	if (k[DIAL9_PROBE_WAKE_BY_VAL] || k[DIAL9_PROBE_WAKE_BY_REF])
		c |= 1u << DIAL9_CLASS_WAKE;
	if (k[DIAL9_PROBE_SPAWN] || k[DIAL9_PROBE_SPAWN_BIND] || k[DIAL9_PROBE_TASK_ID])
		c |= 1u << DIAL9_CLASS_SPAWN;
	if (k[DIAL9_PROBE_COMPLETE] || k[DIAL9_PROBE_RAW_DEALLOC])
		c |= 1u << DIAL9_CLASS_TERMINATE;
	if (k[DIAL9_PROBE_IO_WAKE])
		c |= 1u << DIAL9_CLASS_IO_DRIVER;
	if (k[DIAL9_PROBE_TIMER_FIRE])
		c |= 1u << DIAL9_CLASS_TIMER;
	if (k[DIAL9_PROBE_PARK] || k[DIAL9_PROBE_PARK_CT])
		c |= 1u << DIAL9_CLASS_PARK;
	if (k[DIAL9_PROBE_PARK_CT])
		c |= 1u << DIAL9_CLASS_BLOCK_ON;
	if (k[DIAL9_PROBE_PANIC])
		c |= 1u << DIAL9_CLASS_PANIC;
	return c;
}
