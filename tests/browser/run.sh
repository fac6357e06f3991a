#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tests/browser/run.sh - check `dial9 report` pages in a real headless browser.
#
# Builds a dump with known content (tests/browser/gen_dump.c), renders it with
# `dial9 report`, loads the page in Debian's chromium with #selftest (the page
# then writes its own findings into <pre id="selftest">) and checks: no
# console errors, the known task count, the longest poll highlighted, the task
# table sorts, the timeline is drawn; a dump with hostile strings cannot
# inject markup; the page loads nothing from the network.  Screenshot:
# $BUILD/browser/report.png.  Prints "browser: N passed, M failed".
#
#   tests/browser/run.sh [BUILD_DIR]     (default: build; needs `make` first)
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" 2>/dev/null && pwd) || { echo "Error: no build dir ${1:-build}; run make" >&2; exit 1; }
out=$build/browser
mkdir -p "$out"
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $1"; }
check() { # check NAME COND...
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
finish() {
	echo "browser: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit
}

if ! command -v chromium >/dev/null 2>&1; then
	echo "browser: installing chromium"
	if ! apt-get install -y chromium >"$out/apt.log" 2>&1; then
		bad "chromium available (apt-get install chromium failed, see $out/apt.log)"
		finish
	fi
fi

[ -x "$build/dial9" ] || { bad "dial9 built ($build/dial9)"; finish; }
cc -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes -std=gnu11 \
	-D_GNU_SOURCE -I"$here/bpf" -I"$here/userspace" "$here/tests/browser/gen_dump.c" \
	"$build/libdial9.a" -lbpf -ldw -lelf -liberty -lz -o "$out/gen_dump" ||
	{ bad "gen_dump compiles"; finish; }

# chromium FLAGS... URL: stdout = DOM, stderr -> $out/chromium.log
browse() {
	local profile rc
	profile=$(mktemp -d)
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --no-first-run --user-data-dir="$profile" \
		--enable-logging=stderr --v=0 --virtual-time-budget=10000 --window-size=1400,900 \
		"$@" 2>>"$out/chromium.log"
	rc=$?
	rm -rf "$profile"
	return $rc
}

# field JSON KEY: the raw value of "KEY": in a flat JSON object
field() { sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" <<<"$1"; }

: >"$out/chromium.log"
facts=$("$out/gen_dump" "$out/known.d9") || { bad "gen_dump writes a dump"; finish; }
want_tasks=$(sed -n 's/.*tasks=\([0-9]*\).*/\1/p' <<<"$facts")
want_longest=$(sed -n 's/.*longest_task=\([0-9]*\).*/\1/p' <<<"$facts")
want_lanes=$(sed -n 's/.*lanes=\([0-9]*\).*/\1/p' <<<"$facts")
"$build/dial9" report "$out/known.d9" -o "$out/report.html" >/dev/null ||
	{ bad "dial9 report succeeds"; finish; }

check "page has no external resources" \
	bash -c "! grep -Eiq '<(script|link|img|iframe)[^>]+(src|href)=' '$out/report.html'"

dom=$(browse --dump-dom "file://$out/report.html#selftest")
st=$(sed -n 's/.*<pre id="selftest"[^>]*>\([^<]*\)<.*/\1/p' <<<"$dom" | sed 's/&quot;/"/g; s/&amp;/\&/g')
echo "selftest: $st"
check "page ran its self-test" test -n "$st"
check "no script errors in the page" test "$(field "$st" errors)" = "[]"
check "no console errors" bash -c "! grep -Eq 'Uncaught|CONSOLE.*(Error|error)' '$out/chromium.log'"
check "task table has all $want_tasks tasks" test "$(field "$st" tasks_in_data)" = "$want_tasks"
check "summary shows $want_tasks tasks" test "$(field "$st" tasks_fact)" = "$want_tasks"
check "one lane per worker ($want_lanes)" test "$(field "$st" lanes)" = "$want_lanes"
check "longest poll (task $want_longest) highlighted" \
	test "$(field "$st" longest_task)/$(field "$st" longest_visible)" = "$want_longest/true"
check "culprit line names task $want_longest" \
	bash -c "grep -q 'polling task $want_longest ' <<<'$(field "$st" culprit)'"
check "table sorts by polls, descending" test "$(field "$st" sort_polls_desc)" = true
check "table sorts by polls, ascending" test "$(field "$st" sort_polls_asc)" = true
check "table sorts by max poll" test "$(field "$st" sort_max_desc)" = true
check "max-poll sort puts task $want_longest first" \
	test "$(field "$st" first_row_after_max_sort)" = "$want_longest"
check "clicking a row selects its task" test "$(field "$st" selected)" = "$want_longest"
check "timeline drawn (long polls in red)" test "$(field "$st" red_pixels)" -gt 0
check "wake graph drawn" test "$(field "$st" graph_edges)" -gt 0
echo "page init: $(field "$st" init_ms) ms"

# Hostile strings from a dump are data, never markup.
python_free_hostile() {
	sed 's#src/metrics.rs:12:5#</script><img id=pwned src=x onerror=alert(1)><script>#' \
		"$here/tests/browser/gen_dump.c" >"$out/gen_hostile.c"
	cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$here/bpf" -I"$here/userspace" "$out/gen_hostile.c" \
		"$build/libdial9.a" -lbpf -ldw -lelf -liberty -lz -o "$out/gen_hostile" &&
		"$out/gen_hostile" "$out/hostile.d9" >/dev/null &&
		"$build/dial9" report "$out/hostile.d9" -o "$out/hostile.html" >/dev/null
}
if python_free_hostile; then
	browse --dump-dom "file://$out/hostile.html#selftest" >"$out/hostile.dom.html"
	hst=$(sed -n 's/.*<pre id="selftest"[^>]*>\([^<]*\)<.*/\1/p' "$out/hostile.dom.html" | sed 's/&quot;/"/g')
	check "hostile strings: page still runs" test "$(field "$hst" errors)" = "[]"
	check "hostile strings: shown as text" grep -q '&lt;/script&gt;&lt;img id=pwned' "$out/hostile.dom.html"
	check "hostile strings: no injected element" bash -c "! grep -q '<img id=.\?pwned' '$out/hostile.dom.html'"
else
	bad "hostile dump builds"
fi

rm -f "$out/report.png"
browse --hide-scrollbars --window-size=1400,1500 --screenshot="$out/report.png" \
	"file://$out/report.html" >/dev/null
check "screenshot $out/report.png" test -s "$out/report.png"
finish
