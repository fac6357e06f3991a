/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * addr_cache.h - open-addressing map from a runtime address to a string id,
 * so each spawn site or future type is symbolized once per process.
 */
#ifndef DIAL9D_ADDR_CACHE_H
#define DIAL9D_ADDR_CACHE_H

#include <stdint.h>

#define ADDR_CACHE_MAX 65536 /* distinct addresses kept per process */

struct addr_cache {
	uint64_t *keys; /* 0 = empty slot */
	uint32_t *vals;
	uint32_t cap;   /* power of two */
	uint32_t count;
};

void addr_cache__init(struct addr_cache *c);
void addr_cache__free(struct addr_cache *c);
/* 0 when absent. */
uint32_t addr_cache__get(const struct addr_cache *c, uint64_t addr);
/* 0, -ENOSPC when full (ADDR_CACHE_MAX), -ENOMEM. addr must not be 0. */
int addr_cache__put(struct addr_cache *c, uint64_t addr, uint32_t val);

#endif /* DIAL9D_ADDR_CACHE_H */
