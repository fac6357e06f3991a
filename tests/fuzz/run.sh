#!/usr/bin/env bash
# make fuzz: run.sh BUILD_DIR SECONDS HARNESS...
# Each harness fuzzes for SECONDS, two at a time, starting from the committed
# corpus (tests/fuzz/corpus/<harness>, only read) and build/fuzz/corpus/<harness>,
# where new inputs go.  Crashes go to BUILD_DIR/artifacts/<harness>/, logs to
# BUILD_DIR/logs/.  Fails if any harness found something.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1 seconds=$2
shift 2
. "$here/options.sh"
mkdir -p "$build/logs"

fuzz_one() {
	local name=$1 corpus="$build/corpus/$1" art="$build/artifacts/$1/"
	mkdir -p "$corpus" "$art" "$here/corpus/$name"
	# shellcheck disable=SC2046 # options are words
	"$build/$name" $(fuzz_opts "$name") -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$art" "$corpus" "$here/corpus/$name" \
		>"$build/logs/$name.log" 2>&1
}

status=0 total=0
while [ $# -gt 0 ]; do
	pids=() names=()
	for _ in 1 2; do
		[ $# -gt 0 ] || break
		fuzz_one "$1" &
		pids+=($!) names+=("$1")
		shift
	done
	for i in "${!pids[@]}"; do
		name=${names[$i]}
		if wait "${pids[$i]}"; then
			result=ok
		else
			result="FOUND A BUG (see $build/logs/$name.log, $build/artifacts/$name/)"
			status=1
		fi
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$name.log" | tail -n1)
		cov=$(grep -o 'cov: [0-9]*' "$build/logs/$name.log" | tail -n1)
		echo "fuzz: $name: ${execs:-?} executions, $cov, $(ls "$build/corpus/$name" | wc -l) inputs in $build/corpus/$name: $result"
		total=$((total + ${execs:-0}))
	done
done
echo "fuzz: $total executions in all"
exit $status
