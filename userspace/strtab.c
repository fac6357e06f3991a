// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * strtab.c - the dump's string table: ids from 1, deduplicated by a
 * private open-addressing hash index so that add() is O(1) on average.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

void dial9_strtab__init(struct dial9_strtab *t)
{
	memset(t, 0, sizeof(*t));
}

void dial9_strtab__free(struct dial9_strtab *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->count; i++)
		free(t->strings[i]);
	free(t->strings);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

const char *dial9_strtab__get(const struct dial9_strtab *t, uint32_t id)
{
	if (!t || id == 0 || id > t->count)
		return NULL;
	return t->strings[id - 1];
}

static uint64_t strtab_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

static void strtab_index_put(struct dial9_strtab *t, uint32_t id)
{
	uint32_t mask = t->index_cap - 1;
	uint32_t i = (uint32_t)strtab_hash(t->strings[id - 1]) & mask;

	while (t->index[i])
		i = (i + 1) & mask;
	t->index[i] = id;
}

/* (Re)build the index for at least `need` strings.  0 or -ENOMEM. */
static int strtab_index_rebuild(struct dial9_strtab *t, uint32_t need)
{
	uint32_t cap = 64;
	uint32_t *slots;

	while (cap < 2 * (uint64_t)need)
		cap *= 2;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	free(t->index);
	t->index = slots;
	t->index_cap = cap;
	/* A table read from a file or built by hand may hold a string twice:
	 * index its first id only. */
	t->index_count = 0;
	for (uint32_t id = 1; id <= t->count; id++) {
		uint32_t mask = cap - 1;
		uint32_t i = (uint32_t)strtab_hash(t->strings[id - 1]) & mask;
		int dup = 0;

		while (slots[i]) {
			if (strcmp(t->strings[slots[i] - 1], t->strings[id - 1]) == 0) {
				dup = 1;
				break;
			}
			i = (i + 1) & mask;
		}
		if (!dup)
			slots[i] = id;
		t->index_count = id;
	}
	return 0;
}

static uint32_t strtab_lookup(const struct dial9_strtab *t, const char *s, uint64_t h)
{
	uint32_t mask = t->index_cap - 1;
	uint32_t i = (uint32_t)h & mask;

	while (t->index[i]) {
		if (strcmp(t->strings[t->index[i] - 1], s) == 0)
			return t->index[i];
		i = (i + 1) & mask;
	}
	return 0;
}

uint32_t dial9_strtab__add(struct dial9_strtab *t, const char *s)
{
	uint32_t id;
	size_t len;
	char *copy;

	if (!t || !s) {
		errno = EINVAL;
		return 0;
	}
	len = strnlen(s, DIAL9_DUMP_MAX_STRING_LEN + 1);
	if (len > DIAL9_DUMP_MAX_STRING_LEN) {
		errno = ENAMETOOLONG;
		return 0;
	}
	if (!t->index || t->index_count != t->count ||
	    2 * (uint64_t)(t->count + 1) > t->index_cap) {
		int err = strtab_index_rebuild(t, t->count + 1 > 32 ? 2 * t->count : 32);

		if (err) {
			errno = -err;
			return 0;
		}
	}
	id = strtab_lookup(t, s, strtab_hash(s));
	if (id)
		return id;
	if (t->count >= DIAL9_DUMP_MAX_STRINGS) {
		errno = ENOSPC;
		return 0;
	}
	if (t->count == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 16;
		char **n = realloc(t->strings, ncap * sizeof(*n));

		if (!n) {
			errno = ENOMEM;
			return 0;
		}
		t->strings = n;
		t->cap = ncap;
	}
	copy = malloc(len + 1);
	if (!copy) {
		errno = ENOMEM;
		return 0;
	}
	memcpy(copy, s, len + 1);
	t->strings[t->count++] = copy;
	strtab_index_put(t, t->count);
	t->index_count = t->count;
	return t->count;
}
