// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_config.c - libFuzzer harness for dial9d's configuration parser
 * (dial9_config__parse), the size parser and the discovery rules it builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dial9_config c;
	char err[256], *s;
	uint64_t v;

	dial9_config__init(&c);
	if (dial9_config__parse((const char *)data, size, &c, err, sizeof(err)) &&
	    !memchr(err, 0, sizeof(err)))
		abort(); /* the reason must be a terminated string */
	/* the rules, whole or partial, are usable */
	dial9_rules__match(&c.rules, "/usr/bin/server", "server", "/system.slice/x.service");
	dial9_rules__match(&c.rules, NULL, "tokio-runtime-w", NULL);
	dial9_config__free(&c);

	/* the same bytes as one size value ("64M") */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	(void)dial9_parse_size(s, &v);
	free(s);
	return 0;
}
