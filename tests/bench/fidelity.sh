#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# fidelity.sh BUILD_DIR - fidelity and cost together (`make bench`, as root):
# two servers under load with incidents planted at random moments, without
# the recorder and with it in each mode, interleaved; prints one table and
# writes it to docs/PERFORMANCE.md between the `fidelity:` markers.  Never
# fails on a number.
#
# Servers: build/targets/server (RESP) under `redis-benchmark -t get`, and
# build/targets/http (hyper 0.14) under `wrk -t1`, BENCH_FID_SECS each run.  While the load runs, a
# client sends BENCH_FID_SPINS requests whose poll spins on the CPU for 8 ms
# (RESP `SPIN`, HTTP `/spin`) and BENCH_FID_BLOCKS whose poll sleeps the
# worker for 20 ms (`BLOCK`, `/block`), one in each of SPINS+BLOCKS equal
# slots of the stretch, at a random moment within it, in a shuffled order.
# The server prints when each ran (wall clock), on which thread, how long.
#
# The table: fidelity_table.sh (it can print it again from the logs).
#
# Each run: start the mode's dial9d, attach, BENCH_SETTLE_SECS of unmeasured
# load, the measured stretch (server utime+stime, requests, the planted
# incidents), daemon RSS and `dial9ctl --json list`, `dial9ctl dump -o`, then
# `dial9 summary --json` (incidents found: fidelity_found.jq) and `dial9
# metrics --json --interval 1000` (1 s intervals with latency and queue depth:
# fidelity_intervals.jq); detach, stop the daemon.  A round runs every
# server in every mode once, modes in an order rotated by one per round.
#
# Settings (environment):
#   BENCH_FID_ROUNDS=12    interleaved rounds
#   BENCH_FID_SECS=20      measured stretch per run, seconds
#   BENCH_FID_SPINS=5      spinning polls planted per run (8 ms each)
#   BENCH_FID_BLOCKS=5     blocking polls planted per run (20 ms each)
#   BENCH_FID_SERVERS="resp http"
#   BENCH_CLIENTS=50       connections (redis-benchmark -c, wrk -c)
#   BENCH_SETTLE_SECS=1.5  unmeasured load after the attach
#   BENCH_FID_KEEP_DUMPS=0 1: keep each run's dump in build/bench/fidelity-logs
#   BENCH_DOC=docs/PERFORMANCE.md  where the table goes ("" = nowhere)
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd) || exit 1

ROUNDS=${BENCH_FID_ROUNDS:-12}
SECS=${BENCH_FID_SECS:-20}
SPINS=${BENCH_FID_SPINS:-5}
BLOCKS=${BENCH_FID_BLOCKS:-5}
SERVERS=${BENCH_FID_SERVERS:-resp http}
CLIENTS=${BENCH_CLIENTS:-50}
SETTLE=${BENCH_SETTLE_SECS:-1.5}
KEEP=${BENCH_FID_KEEP_DUMPS:-0}
DOC=${BENCH_DOC-$here/docs/PERFORMANCE.md}
SPIN_MS=8
BLOCK_MS=20

# shellcheck source=tests/bench/lib.sh
. "$here/tests/bench/lib.sh"
preflight fidelity.sh "redis-benchmark redis-cli wrk curl jq" \
	"$build/dial9d" "$build/dial9ctl" "$build/dial9" "$build/targets/server" "$build/targets/http"

work=$(mktemp -d /tmp/dial9-fidelity.XXXXXX)
out=$build/bench
mkdir -p "$out"
results=$out/fidelity.md
: >"$results"
declare -A dpid=() unavailable=() ok=() spid=() sport=()
hz=$(getconf CLK_TCK)

cleanup() {
	local m s
	for m in "${!dpid[@]}"; do kill "${dpid[$m]}" 2>/dev/null; done
	for s in "${!spid[@]}"; do kill "${spid[$s]}" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$out/fidelity-logs" && mkdir -p "$out/fidelity-logs" &&
		cp "$work"/*.log "$work"/*.out "$work"/res.* "$work"/*.json "$work/params" "$out/fidelity-logs/" 2>/dev/null
	[ "$KEEP" = 1 ] && mv "$work"/*.dial9 "$out/fidelity-logs/" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
t_begin=$(date +%s)

modes=(none default full)
probe_modes "${modes[@]}"

# --- the servers: load, settle, planted requests ---------------------------------
declare -A target=([resp]=server [http]=http)

# load SERVER FILE: SECS of load; FILE gets "rps requests".  redis-benchmark
# runs until interrupted; its last progress line's overall rate is the run's
# (it prints one every 250 ms: the last fraction of a second is not in it).
load() {
	local p=${sport[$1]}
	case "$1" in
	resp)
		timeout -s INT "$SECS" redis-benchmark -h 127.0.0.1 -p "$p" -t get -n 2000000000 -c "$CLIENTS" \
			2>/dev/null | tr '\r' '\n' | awk -v secs="$SECS" '
			match($0, /^GET: rps=[0-9.]+ \(overall: [0-9.]+/) { r = substr($0, 1, RLENGTH); sub(/.*: /, "", r) }
			END { if (r > 0) printf "%s %.0f\n", r, r * secs }' >"$2"
		;;
	http)
		wrk -t1 -c "$CLIENTS" -d "${SECS}s" "http://127.0.0.1:$p/" 2>/dev/null | awk '
			/ requests in / { n = $1 } /^Requests\/sec:/ { r = $2 }
			END { if (n && r) print r, n }' >"$2"
		;;
	esac
	[ -s "$2" ]
}

# settle SERVER: unmeasured load, the same in every mode
settle() {
	local p=${sport[$1]}
	[ "$SETTLE" = 0 ] && return 0
	case "$1" in
	resp) timeout "$SETTLE" redis-benchmark -h 127.0.0.1 -p "$p" -t get -n 2000000000 -c "$CLIENTS" -q ;;
	http) timeout "$SETTLE" wrk -t1 -c "$CLIENTS" -d "${SETTLE}s" "http://127.0.0.1:$p/" ;;
	esac >/dev/null 2>&1
	return 0
}

# send SERVER KIND: one planted request on a connection of its own
send() {
	local p=${sport[$1]}
	case "$1" in
	resp) redis-cli -h 127.0.0.1 -p "$p" "${2^^}" ;;
	http) curl -s -m 5 "http://127.0.0.1:$p/$2" ;;
	esac >/dev/null 2>&1
}

# plant SERVER FILE: in the background of the load, one planted request per
# slot of SECS / (SPINS + BLOCKS), at a random moment within its slot;
# FILE gets "kind sent_unix_us" per request sent.
plant() {
	local kinds=() k i slots t0 at now
	for _ in $(seq 1 "$SPINS"); do kinds+=(spin); done
	for _ in $(seq 1 "$BLOCKS"); do kinds+=(block); done
	slots=${#kinds[@]}
	[ "$slots" -gt 0 ] || return 0
	mapfile -t kinds < <(printf '%s\n' "${kinds[@]}" | shuf)
	t0=$(now_ns)
	for i in $(seq 0 $((slots - 1))); do
		k=${kinds[$i]}
		# slot start + 10..90 % of the slot, in ns
		at=$(awk -v i="$i" -v n="$slots" -v s="$SECS" -v r="$RANDOM" \
			'BEGIN { printf "%.0f", (i + 0.1 + 0.8 * r / 32768) * s / n * 1e9 }')
		now=$(now_ns)
		[ $((t0 + at)) -gt "$now" ] && sleep "$(awk -v d="$((t0 + at - now))" 'BEGIN { printf "%.3f", d / 1e9 }')"
		echo "$k $(($(now_ns) / 1000))" >>"$2"
		send "$1" "$k"
	done
}

for s in $SERVERS; do
	if [ -z "${target[$s]:-}" ]; then
		echo "Error: unknown server $s (resp, http)" >&2
		exit 1
	fi
	read -r pid port < <(start_target "${target[$s]}" 0) || exit 1
	[ -n "${port:-}" ] || exit 1
	spid[$s]=$pid sport[$s]=$port
	say "$s: pid $pid port $port"
done
for s in $SERVERS; do settle "$s"; done # warm-up

# planted_facts SERVER FROM: the server's `planted` facts after line FROM of
# its output, as JSON lines for fidelity_found.jq
planted_facts() {
	tail -n +"$(($2 + 1))" "$work/${target[$1]}.out" | awk '$1 == "planted" {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "{\"kind\":\"%s\",\"start_us\":%s,\"took_us\":%s,\"tid\":%s}\n",
			v["kind"], v["start_unix_us"], v["took_us"], v["tid"] }'
}

# run SERVER MODE ROUND: one measured stretch; appends to $work/res.SERVER.MODE:
#   round rps requests cpu_us_per_request sent planted  spins in_window found
#   dur_ok located probed  blocks in_window found site  span_ns  intervals
#   with_latency with_queue polled_ns  rss_kb overhead_pct daemon_cpu_pct
run() {
	local s=$1 m=$2 r=$3 pid=${spid[$1]} from s0 s1 d0=0 d1=0 t0 t1 rss=- est=- dcpu=- found=- iv=- sent planted
	if [ "$m" != none ]; then
		up "$m" "$pid" || return 0
	fi
	settle "$s"
	from=$(wc -l <"$work/${target[$s]}.out")
	: >"$work/sent"
	[ "$m" != none ] && d0=$(proc_cpu_ticks "${dpid[$m]}")
	s0=$(proc_cpu_ticks "$pid")
	t0=$(now_ns)
	plant "$s" "$work/sent" &
	local planter=$!
	if ! load "$s" "$work/one"; then
		say "round $r $s $m: the load failed"
		kill "$planter" 2>/dev/null
		wait "$planter" 2>/dev/null
		[ "$m" != none ] && down "$m" "$pid"
		return 0
	fi
	t1=$(now_ns)
	s1=$(proc_cpu_ticks "$pid")
	[ "$m" != none ] && d1=$(proc_cpu_ticks "${dpid[$m]}")
	wait "$planter" 2>/dev/null
	sleep 0.1 # the last planted request's fact
	sent=$(wc -l <"$work/sent")
	planted_facts "$s" "$from" >"$work/planted"
	planted=$(wc -l <"$work/planted")
	if [ "$m" != none ]; then
		rss=$(proc_rss_kb "${dpid[$m]}")
		ctl "$m" --json list >"$work/list.json" 2>/dev/null
		est=$(json_num "$work/list.json" overhead_pct | grep . || echo -)
		dcpu=$(awk -v d="$((d1 - d0))" -v hz="$hz" -v t="$((t1 - t0))" 'BEGIN { printf "%.2f", d / hz / (t / 1e9) * 100 }')
		local dump=$work/$s.$m.dial9
		if ctl "$m" dump --pid "$pid" -o "$dump" >/dev/null 2>"$work/dump.err" &&
			"$build/dial9" summary --json "$dump" >"$work/summary.json" 2>>"$work/dial9.log"; then
			found=$(jq -r --slurpfile planted "$work/planted" -f "$here/tests/bench/fidelity_found.jq" \
				"$work/summary.json" 2>>"$work/dial9.log")
			# kept for a look afterwards: the summary and the planted facts
			cp "$work/summary.json" "$work/summary.$s.$m.$r.json"
			jq -s . "$work/planted" >"$work/planted.$s.$m.$r.json"
			local win
			win=$(jq -r '(.clock_base_ns + .start_ns) | tostring' "$work/summary.json")
			iv=$("$build/dial9" metrics --json "$dump" --interval 1000 2>>"$work/dial9.log" |
				jq -r --argjson win_ns "$win" --argjson t0 "$t0" --argjson t1 "$t1" \
					-f "$here/tests/bench/fidelity_intervals.jq" 2>>"$work/dial9.log")
		else
			say "round $r $s $m: dump failed: $(cat "$work/dump.err")"
		fi
		if [ "$KEEP" = 1 ] && [ -f "$dump" ]; then mv "$dump" "$work/$s.$m.$r.dial9"; else rm -f "$dump"; fi
		kill -0 "${dpid[$m]}" 2>/dev/null || say "round $r $s $m: dial9d exited: $(tail -1 "$work/$m.log")"
		down "$m" "$pid"
	fi
	[ -n "$found" ] || found=-
	[ -n "$iv" ] || iv=-
	read -r rps reqs <"$work/one"
	# "-" fields keep the columns in place when there is no dump (mode none)
	awk -v r="$r" -v rps="$rps" -v reqs="$reqs" -v s="$((s1 - s0))" -v hz="$hz" -v sent="$sent" \
		-v planted="$planted" -v found="$found" -v iv="$iv" -v rss="$rss" -v est="$est" -v dcpu="$dcpu" 'BEGIN {
		if (found == "-") found = "- - - - - - - - - - -"
		if (iv == "-") iv = "- - - -"
		printf "%d %s %s %.3f %d %d %s %s %s %s %s\n", r, rps, reqs, s * 1e6 / hz / reqs, sent, planted,
			found, iv, rss, est, dcpu }' >>"$work/res.$s.$m"
	say "round $r $s $m: $rps req/s, sent $sent planted $planted, found: $found, intervals: $iv"
}

say "servers: $SERVERS; modes: ${avail[*]}; $ROUNDS rounds of ${SECS} s, $SPINS spins + $BLOCKS blocks a run"
k=${#avail[@]}
for r in $(seq 1 "$ROUNDS"); do
	for s in $SERVERS; do
		for i in $(seq 0 $((k - 1))); do
			run "$s" "${avail[$(((i + r - 1) % k))]}" "$r"
		done
	done
done

# --- the table ----------------------------------------------------------------------
cat >"$work/params" <<PARAMS
ROUNDS=$ROUNDS SECS=$SECS SETTLE=$SETTLE SPINS=$SPINS BLOCKS=$BLOCKS SPIN_MS=$SPIN_MS BLOCK_MS=$BLOCK_MS
CLIENTS=$CLIENTS SERVERS="$SERVERS" MODES="${avail[*]}"
PARAMS
{
	"$here/tests/bench/fidelity_table.sh" "$work"
	echo ""
	echo "Fidelity wall time: $(($(date +%s) - t_begin)) s."
} >>"$results"

echo
cat "$results"
if [ -n "$DOC" ]; then
	{
		echo "<!-- fidelity:begin (generated by tests/bench/fidelity.sh; text outside these markers is kept) -->"
		machine_facts "$(redis-benchmark --version 2>/dev/null | head -1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
		echo "- Reproduce: \`sudo make bench\` (this run: BENCH_FID_ROUNDS=$ROUNDS BENCH_FID_SECS=$SECS BENCH_FID_SPINS=$SPINS BENCH_FID_BLOCKS=$BLOCKS BENCH_CLIENTS=$CLIENTS BENCH_SETTLE_SECS=$SETTLE)"
		echo ""
		cat "$results"
		echo "<!-- fidelity:end -->"
	} >"$work/block"
	doc_block "$DOC" fidelity "$work/block"
fi
exit 0
