// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * locations.c - the strings a recorded process's events point at: spawn
 * sites, futures' poll functions, panic locations and where a stall blocked,
 * symbolized once per address into the process's string table.
 */
#include <stdio.h>
#include <string.h>

#include "locations.h"
#include "procfs.h"

/* String id for a runtime address: a spawn site or a future's poll function. */
uint64_t locations__id(struct tracked *t, uint64_t addr, bool future)
{
	char buf[LOCATION_MAX];
	uint32_t id;

	if (!addr)
		return 0;
	id = addr_cache__get(&t->locations, addr);
	if (id)
		return id;
	if (!t->sym)
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)addr);
	else if (future)
		dial9_symbolizer__describe_future(t->sym, addr, buf, sizeof(buf));
	else /* a return address: the call instruction ends just before it */
		dial9_symbolizer__describe(t->sym, addr - 1, buf, sizeof(buf));
	id = dial9_strtab__add(&t->strings, buf);
	if (id)
		addr_cache__put(&t->locations, addr, id);
	return id;
}

uint64_t locations__sample(struct tracked *t, uint64_t ip)
{
	char buf[LOCATION_MAX], func[LOCATION_MAX - 64], pos[60];
	uint32_t id;

	if (!ip)
		return 0;
	id = addr_cache__get(&t->sample_sites, ip);
	if (id)
		return id;
	if (!t->sym)
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)ip);
	else if (!dial9_symbolizer__user_frame(t->sym, ip, func, sizeof(func), pos, sizeof(pos)))
		snprintf(buf, sizeof(buf), "%s (%s)", func, pos);
	else
		dial9_symbolizer__function(t->sym, ip, buf, sizeof(buf));
	id = dial9_strtab__add(&t->strings, buf);
	if (id)
		addr_cache__put(&t->sample_sites, ip, id); /* full: symbolized again */
	return id;
}

/* Read a core::panic::Location of the process into "file:line:col";
 * false when it cannot be read. */
static bool read_location(struct tracked *t, uint64_t addr, char *buf, size_t len)
{
	struct { uint64_t file_ptr, file_len; uint32_t line, col; } loc;
	char file[4097];

	if (!addr || !procfs__read_mem(t->pid, addr, &loc, sizeof(loc)))
		return false;
	if (!loc.file_len || loc.file_len >= sizeof(file))
		return false;
	if (!procfs__read_mem(t->pid, loc.file_ptr, file, loc.file_len))
		return false;
	file[loc.file_len] = '\0';
	if (strlen(file) != loc.file_len)
		return false;
	snprintf(buf, len, "%s:%u:%u", file, loc.line, loc.col);
	return true;
}

/* The panic's core::panic::Location, read from the (still unwinding)
 * process: "file:line:col"; 0 when it cannot be read. */
uint64_t locations__panic(struct tracked *t, uint64_t addr)
{
	char buf[4200];

	if (!read_location(t, addr, buf, sizeof(buf)))
		return 0;
	return dial9_strtab__add(&t->strings, buf);
}

/* The "file:line:col" string id of the core::panic::Location the call
 * returning to site passed as a constant argument (how a #[track_caller]
 * function such as tokio::spawn learns its caller), or 0. */
static uint32_t call_location_id(struct tracked *t, uint64_t site)
{
	char where[4200];
	uint64_t args[6];
	uint32_t found = 0;
	int valid = 0;

	if (dial9_symbolizer__call_arg_constants(t->sym, site, args) == 0) {
		for (int i = 0; i < 6; i++) {
			if (!args[i] || !read_location(t, args[i], where, sizeof(where)))
				continue;
			valid++;
			found = dial9_strtab__add(&t->strings, where);
		}
	}
	return valid == 1 ? found : 0; /* two Locations: cannot tell which */
}

/*
 * Where a task was spawned: the program's function that called the spawn
 * (the debug info's innermost frame of the program's own at the outermost
 * spawn function's return address, or where the spawn was inlined; else
 * the symbol there) and the call's file:line:col - from the
 * core::panic::Location that #[track_caller] has the caller pass to
 * tokio::spawn when the call is out of line (no debug info needed), else
 * from the debug info.  Cached per site.
 */
uint64_t locations__spawn(struct tracked *t, uint64_t site)
{
	char func[LOCATION_MAX], pos[4200], buf[LOCATION_MAX + 4200 + 4];
	uint32_t loc, id = addr_cache__get(&t->spawn_sites, site);
	bool framed;

	if (id)
		return id;
	if (!t->sym || !site)
		return locations__id(t, site, false);
	loc = call_location_id(t, site);
	framed = dial9_symbolizer__user_frame(t->sym, site - 1, func, sizeof(func), pos,
					      sizeof(pos)) == 0;
	if (!framed && !loc)
		return locations__id(t, site, false);
	if (!framed)
		dial9_symbolizer__function(t->sym, site - 1, func, sizeof(func));
	snprintf(buf, sizeof(buf), "%s (%s)", func, loc ? dial9_strtab__get(&t->strings, loc) : pos);
	id = dial9_strtab__add(&t->strings, buf);
	if (id)
		addr_cache__put(&t->spawn_sites, site, id);
	return id;
}

void locations__stall_site(struct tracked *t, uint32_t tid, uint16_t rank, uint64_t addr)
{
	struct stall_sites *ss = &t->stall_sites[tid % DIAL9D_STALL_THREADS];

	if (ss->tid != tid)
		memset(ss, 0, sizeof(*ss));
	ss->tid = tid;
	if (rank < DIAL9_STALL_SITES)
		ss->site[rank] = addr;
}

/* The location of a stall: the first stack candidate in the program's own
 * code; a raw::poll copy stands for the future it polls (inlined into it). */
uint16_t locations__stall(struct tracked *t, uint32_t tid)
{
	struct stall_sites *ss = &t->stall_sites[tid % DIAL9D_STALL_THREADS];
	char buf[LOCATION_MAX * 2 + 4], func[LOCATION_MAX], pos[LOCATION_MAX];
	uint32_t id = 0;
	int i;

	for (i = 0; i < DIAL9_STALL_SITES && !id && t->sym && ss->tid == tid; i++) {
		uint64_t a = ss->site[i];

		if (!a)
			continue;
		if (dial9_symbolizer__user_frame(t->sym, a - 1, func, sizeof(func), pos,
						 sizeof(pos)) == 0) {
			snprintf(buf, sizeof(buf), "%s (%s)", func, pos);
			id = dial9_strtab__add(&t->strings, buf);
			break;
		}
		dial9_symbolizer__describe(t->sym, a - 1, buf, sizeof(buf));
		if (!strncmp(buf, "tokio::runtime::task::raw::poll", 31))
			dial9_symbolizer__describe_future(t->sym, a - 1, buf, sizeof(buf));
		if (!dial9_is_runtime_path(buf))
			id = dial9_strtab__add(&t->strings, buf);
	}
	memset(ss, 0, sizeof(*ss));
	return id <= 65535 ? (uint16_t)id : 0;
}
