// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_ctl_proto.c - libFuzzer harness for the control-protocol parser
 * (dial9_ctl_request__parse).  A request it accepts must format back into a
 * request that parses to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dial9_ctl_request req, again;
	char err[256], buf[DIAL9_CTL_MAX_REQUEST];
	int n;

	memset(&req, 0, sizeof(req));
	if (dial9_ctl_request__parse((const char *)data, size, &req, err, sizeof(err))) {
		if (!memchr(err, 0, sizeof(err)))
			abort(); /* the reason must be a terminated string */
		return 0;
	}
	if (!dial9_ctl_cmd_name(req.cmd))
		abort();
	n = dial9_ctl_request__format(&req, buf, sizeof(buf));
	if (n < 0)
		abort();
	memset(&again, 0, sizeof(again));
	if (dial9_ctl_request__parse(buf, (size_t)n, &again, err, sizeof(err)) ||
	    again.cmd != req.cmd || again.pid != req.pid)
		abort(); /* accepted, yet its own encoding does not round-trip */
	return 0;
}
