#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# report_bench.sh [BUILD_DIR] [EVENTS] - time `dial9 report` / `dial9 export` on a
# synthetic dump (default 5M events) and, if chromium is installed, how long
# the page takes to load and draw.  Prints numbers; never fails on one.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd) || exit 1
out=$build/bench
mkdir -p "$out"
cc -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-I"$here/bpf" -I"$here/userspace" "$here/tests/bench/report_bench.c" "$build/libdial9.a" \
	-lbpf -ldw -lelf -liberty -lz -o "$out/report_bench" || exit 1
"$out/report_bench" "$build/dial9" "$out" "${2:-5000000}"
if command -v chromium >/dev/null 2>&1 && [ -s "$out/report-bench.html" ]; then
	profile=$(mktemp -d)
	start=$(date +%s.%N)
	dom=$(timeout 300 chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --no-first-run \
		--user-data-dir="$profile" --window-size=1400,900 --virtual-time-budget=30000 \
		--dump-dom "file://$out/report-bench.html#selftest" 2>/dev/null)
	end=$(date +%s.%N)
	rm -rf "$profile"
	init=$(sed -n 's/.*"init_ms":\([0-9]*\).*/\1/p' <<<"$dom")
	printf 'report bench: page load in headless chromium %.1f s (browser start included), page init %s ms\n' \
		"$(echo "$end - $start" | bc)" "${init:-?}"
fi
exit 0
