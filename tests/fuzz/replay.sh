#!/usr/bin/env bash
# Replay the committed corpora (tests/fuzz/corpus/<harness>/) through the
# libFuzzer harnesses in $FUZZ_BUILD (default build/fuzz): each input runs
# once, no fuzzing.  Ends with "fuzz: N passed, M failed" (inputs passed,
# harnesses failed)
# for tests/run-tests.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${FUZZ_BUILD:-$here/../../build/fuzz}
. "$here/options.sh"
passed=0 failed=0
for dir in "$here"/corpus/*/; do
	name=$(basename "$dir")
	bin="$build/$name"
	if [ ! -x "$bin" ]; then
		echo "fuzz: $name: no harness $bin"
		failed=$((failed + 1))
		continue
	fi
	inputs=()
	for input in "$dir"*; do
		[ -f "$input" ] && inputs+=("$input")
	done
	[ "${#inputs[@]}" -gt 0 ] || continue
	# files as arguments: each runs once (libFuzzer stops at the first failure)
	# shellcheck disable=SC2046 # options are words
	if out=$("$bin" $(fuzz_opts "$name") "${inputs[@]}" 2>&1); then
		passed=$((passed + ${#inputs[@]}))
	else
		echo "$out" | tail -n 40
		echo "fuzz: $name: FAILED ($(echo "$out" | sed -n 's/^Running: //p' | tail -n1))"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
