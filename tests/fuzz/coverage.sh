#!/usr/bin/env bash
# make fuzz-coverage: coverage.sh BUILD_DIR
# Replays the dump corpus (committed, plus build/fuzz/corpus/fuzz_dump when
# present) through a coverage build of fuzz_dump and prints the line coverage
# of userspace/dump.c (and the rest of the reader).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$1
dirs=("$here/corpus/fuzz_dump")
[ -d "$root/build/fuzz/corpus/fuzz_dump" ] && dirs+=("$root/build/fuzz/corpus/fuzz_dump")
rm -f "$build"/cov-*.profraw
LLVM_PROFILE_FILE="$build/cov-%p.profraw" "$build/fuzz_dump" -runs=0 "${dirs[@]}" >/dev/null 2>&1
llvm-profdata-14 merge -sparse "$build"/cov-*.profraw -o "$build/cov.profdata"
llvm-cov-14 report "$build/fuzz_dump" -instr-profile="$build/cov.profdata" \
	"$root/userspace/dump.c" \
	"$root"/tools/dial9/*.c
