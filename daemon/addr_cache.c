// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* addr_cache.c - see addr_cache.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr_cache.h"

static uint32_t slot_of(uint64_t addr, uint32_t cap)
{
	addr ^= addr >> 33;
	addr *= 0xff51afd7ed558ccdULL;
	addr ^= addr >> 33;
	return (uint32_t)addr & (cap - 1);
}

void addr_cache__init(struct addr_cache *c)
{
	memset(c, 0, sizeof(*c));
}

void addr_cache__free(struct addr_cache *c)
{
	free(c->keys);
	free(c->vals);
	memset(c, 0, sizeof(*c));
}

uint32_t addr_cache__get(const struct addr_cache *c, uint64_t addr)
{
	uint32_t i;

	if (!c->cap || !addr)
		return 0;
	for (i = slot_of(addr, c->cap); c->keys[i]; i = (i + 1) & (c->cap - 1))
		if (c->keys[i] == addr)
			return c->vals[i];
	return 0;
}

static void insert(uint64_t *keys, uint32_t *vals, uint32_t cap, uint64_t addr, uint32_t val)
{
	uint32_t i = slot_of(addr, cap);

	while (keys[i] && keys[i] != addr)
		i = (i + 1) & (cap - 1);
	keys[i] = addr;
	vals[i] = val;
}

static int grow(struct addr_cache *c)
{
	uint32_t cap = c->cap ? c->cap * 2 : 64, i;
	uint64_t *keys = calloc(cap, sizeof(*keys));
	uint32_t *vals = calloc(cap, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < c->cap; i++)
		if (c->keys[i])
			insert(keys, vals, cap, c->keys[i], c->vals[i]);
	free(c->keys);
	free(c->vals);
	c->keys = keys;
	c->vals = vals;
	c->cap = cap;
	return 0;
}

int addr_cache__put(struct addr_cache *c, uint64_t addr, uint32_t val)
{
	int err;

	if (!addr)
		return -EINVAL;
	if (addr_cache__get(c, addr)) {
		insert(c->keys, c->vals, c->cap, addr, val);
		return 0;
	}
	if (c->count >= ADDR_CACHE_MAX)
		return -ENOSPC;
	if ((c->count + 1) * 2 > c->cap) {
		err = grow(c);
		if (err)
			return err;
	}
	insert(c->keys, c->vals, c->cap, addr, val);
	c->count++;
	return 0;
}
