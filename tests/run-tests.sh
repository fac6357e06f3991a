#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Run cmocka test binaries and keep a running tally across `make test`.
#   run-tests.sh GROUP BIN...   run each binary, add its counts to the tally
#   run-tests.sh total          print "tests: N passed, N failed" and fail if any failed
# A binary that dies without cmocka's summary counts as one failure.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
tally="$here/build/test-tally"
mkdir -p "$here/build"

if [ "${1:-}" = total ]; then
	passed=0 failed=0 skipped=0
	if [ -f "$tally" ]; then
		while read -r p f s; do
			passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		done <"$tally"
		rm -f "$tally"
	fi
	echo "tests: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit
fi

group=$1
shift
status=0
for bin in "$@"; do
	echo "== $group: $(basename "$bin")"
	out=$(mktemp)
	"$bin" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
	# scripts (not cmocka) end with "NAME: N passed, M failed"
	if [ -z "$p$f" ]; then
		p=$(sed -n 's/^[a-z]*: \([0-9]*\) passed, [0-9]* failed.*/\1/p' "$out" | tail -n1)
		f=$(sed -n 's/^[a-z]*: [0-9]* passed, \([0-9]*\) failed.*/\1/p' "$out" | tail -n1)
	fi
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "== $group: $(basename "$bin") exited with status $rc"
		f=1
	fi
	[ "$f" -eq 0 ] || status=1
	echo "$p $f $s" >>"$tally"
	rm -f "$out"
done
exit $status
