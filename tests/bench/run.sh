#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run.sh BUILD_DIR - dial9's benchmark (`make bench`, as root).  Prints numbers
# and writes them to docs/PERFORMANCE.md; never fails on a number.
#
#  1. A Tokio RESP server (build/targets/server, one task per connection, two
#     workers) under `redis-benchmark -t ping,set,get -c 50` on loopback,
#     without the recorder and with it in each mode, interleaved: every round
#     runs each mode once, in an order rotated by one per round.
#  2. BPF run time per probe hit and probe hits per request (bpf stats).
#  3. Daemon CPU per run, daemon RSS and window memory after a 35 s load
#     (full recording: the span kept against 30 s, bytes per event, daemon
#     CPU per event).
#  4. The window on that recording (build/bench/window_bench): a 30 s window
#     of its events replayed at BENCH_WINDOW_RATE events/s, what it keeps,
#     push CPU per event (ingest, seal, compress), a full window's dump time.
#  5. Events/s the daemon ingests without loss (tests/targets/storm).
#  6. Time from a dump request to the file on disk.
#  7. Report generation (tests/bench/report_bench.sh).
#
# Settings (environment):
#   BENCH_REQUESTS=25000   requests per redis-benchmark test (4 tests a run:
#                          PING_INLINE, PING_MBULK, SET, GET)
#   BENCH_ROUNDS=12        interleaved rounds (a multiple of 4 puts each mode
#                          in each position equally often)
#   BENCH_CLIENTS=50       redis-benchmark connections
#   BENCH_SETTLE_SECS=1.5  unmeasured load before each measured run (after the
#                          attach), so the governor has reached its steady state
#   BENCH_WINDOW_SECS=35   the long load for window memory and dump timing (0 = skip)
#   BENCH_DUMPS=10         dump requests timed
#   BENCH_WINDOW_RATE=250000  events/s of window_bench's replay
#   BENCH_WINDOW_RUNS=5    window_bench runs (medians)
#   BENCH_STORM_MS=2000    each step of the ingestion ramp
#   BENCH_STORM_RATES="50000 100000 200000 400000 800000 0"  target polls/s (0 = flat out)
#   BENCH_REPORT_EVENTS=2000000  events in report_bench.sh's dump (0 = skip)
#   BENCH_DOC=docs/PERFORMANCE.md  where the results go ("" = nowhere)
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd) || exit 1

N=${BENCH_REQUESTS:-25000}
ROUNDS=${BENCH_ROUNDS:-12}
CLIENTS=${BENCH_CLIENTS:-50}
SETTLE=${BENCH_SETTLE_SECS:-1.5}
WINDOW_SECS=${BENCH_WINDOW_SECS:-35}
DUMPS=${BENCH_DUMPS:-10}
WINDOW_RATE=${BENCH_WINDOW_RATE:-250000}
WINDOW_RUNS=${BENCH_WINDOW_RUNS:-5}
STORM_MS=${BENCH_STORM_MS:-2000}
STORM_RATES=${BENCH_STORM_RATES:-50000 100000 200000 400000 800000 0}
REPORT_EVENTS=${BENCH_REPORT_EVENTS:-2000000}
DOC=${BENCH_DOC-$here/docs/PERFORMANCE.md}

# shellcheck source=tests/bench/lib.sh
. "$here/tests/bench/lib.sh"
storm=$build/targets/storm
[ -x "$storm" ] || storm=$build/cargo/release/storm
preflight bench "redis-benchmark bpftool" "$build/dial9d" "$build/dial9ctl" "$build/targets/server" "$storm"

work=$(mktemp -d /tmp/dial9-bench.XXXXXX)
out=$build/bench
mkdir -p "$out"
results=$out/results.md
: >"$results"
stats_old=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
server_pid="" storm_pid=""
declare -A dpid=() unavailable=() ok=()

cleanup() {
	echo "$stats_old" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	for m in "${!dpid[@]}"; do kill "${dpid[$m]}" 2>/dev/null; done
	[ -n "$storm_pid" ] && kill "$storm_pid" 2>/dev/null
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$out/logs" && mkdir -p "$out/logs" && cp "$work"/*.log "$work"/*.out "$out/logs/" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t_begin=$(date +%s)
hz=$(getconf CLK_TCK)

# --- modes ---------------------------------------------------------------------
modes=(none default full floor)
probe_modes "${modes[@]}"

# --- the server under load -----------------------------------------------------
read -r server_pid port < <(start_target server 0) || exit 1
[ -n "${port:-}" ] || exit 1

# load FILE: one redis-benchmark run; FILE gets "rps p50 p99 requests wall_s"
load() {
	local t0 t1
	t0=$(now_ns)
	redis-benchmark -h 127.0.0.1 -p "$port" -t ping,set,get -n "$N" -c "$CLIENTS" --csv \
		>"$work/rb.csv" 2>/dev/null
	t1=$(now_ns)
	# requests / sum of per-test times = the run's throughput; latencies: mean over tests
	awk -F, -v n="$N" -v wall="$(((t1 - t0) / 1000000))" '
		NR > 1 { gsub(/"/, ""); if ($2 > 0) { t += n / $2; p50 += $5; p99 += $7; k++ } }
		END { if (k) printf "%.0f %.3f %.3f %d %.3f\n", k * n / t, p50 / k, p99 / k, k * n, wall / 1000 }
	' "$work/rb.csv" >"$1"
	[ -s "$1" ]
}

# settle: unmeasured load, the same in every mode
settle() {
	[ "$SETTLE" = 0 ] && return 0
	timeout "$SETTLE" redis-benchmark -h 127.0.0.1 -p "$port" -t get -n 2000000000 -c "$CLIENTS" -q \
		>/dev/null 2>&1
	return 0
}


# run_mode MODE ROUND: one load in MODE; appends to $work/res.MODE:
#   round rps p50 p99 requests wall_s daemon_cpu_ms server_cpu_us_per_request
run_mode() {
	local m=$1 r=$2 d0=0 d1=0 s0 s1
	if [ "$m" != none ]; then
		up "$m" "$server_pid" || return 1
	fi
	settle
	[ "$m" != none ] && d0=$(proc_cpu_ticks "${dpid[$m]}")
	s0=$(proc_cpu_ticks "$server_pid")
	if load "$work/one"; then
		s1=$(proc_cpu_ticks "$server_pid")
		[ "$m" != none ] && d1=$(proc_cpu_ticks "${dpid[$m]}")
		read -r rps p50 p99 reqs wall <"$work/one"
		awk -v r="$r" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v reqs="$reqs" -v wall="$wall" \
			-v d="$((d1 - d0))" -v s="$((s1 - s0))" -v hz="$hz" -v m="$m" \
			'BEGIN { printf "%d %s %s %s %s %s %s %.2f\n", r, rps, p50, p99, reqs, wall,
				m == "none" ? "-" : d * 1000 / hz, s * 1e6 / hz / reqs }' >>"$work/res.$m"
		say "round $r $m: $rps req/s p50 $p50 ms p99 $p99 ms"
	else
		say "round $r $m: redis-benchmark failed"
	fi
	if [ "$m" != none ]; then
		kill -0 "${dpid[$m]}" 2>/dev/null || say "round $r $m: dial9d exited: $(tail -1 "$work/$m.log")"
		down "$m" "$server_pid"
	fi
	return 0
}

say "server pid $server_pid port $port; modes: ${avail[*]}; $ROUNDS rounds of 4x$N requests, $CLIENTS clients"
load "$work/warm" # warm-up, not counted
k=${#avail[@]}
for r in $(seq 1 "$ROUNDS"); do
	for i in $(seq 0 $((k - 1))); do
		run_mode "${avail[$(((i + r - 1) % k))]}" "$r"
	done
done

# --- BPF run time per hit (separate pass: bpf stats cost time themselves) --------
# bpf_sample MODE FILE: "id name type run_cnt run_time_ns" for the daemon's programs
# (found through its file descriptors: /proc/PID/fdinfo has prog_id)
bpf_sample() {
	local fd info id
	: >"$2"
	for fd in /proc/"${dpid[$1]}"/fdinfo/*; do
		info=$(cat "$fd" 2>/dev/null) || continue
		id=$(sed -n 's/^prog_id:[[:space:]]*//p' <<<"$info")
		[ -n "$id" ] && grep -q '^prog_type:' <<<"$info" || continue
		bpftool -j prog show id "$id" 2>/dev/null | awk -v id="$id" '{
			name = $0; sub(/.*"name":"/, "", name); sub(/".*/, "", name)
			type = $0; sub(/.*"type":"/, "", type); sub(/".*/, "", type)
			cnt = 0; if (match($0, /"run_cnt":[0-9]+/)) cnt = substr($0, RSTART + 10, RLENGTH - 10)
			ns = 0; if (match($0, /"run_time_ns":[0-9]+/)) ns = substr($0, RSTART + 14, RLENGTH - 14)
			print id, name, type, cnt, ns }' >>"$2"
	done
	sort -u -o "$2" "$2"
}

echo 1 >/proc/sys/kernel/bpf_stats_enabled
: >"$work/bpf"
for m in "${avail[@]}"; do
	[ "$m" = none ] && continue
	up "$m" "$server_pid" || continue
	settle
	bpf_sample "$m" "$work/b0"
	if load "$work/one"; then
		bpf_sample "$m" "$work/b1"
		read -r _ _ _ reqs _ <"$work/one"
		# mode name type hits ns_total requests
		join "$work/b0" "$work/b1" | awk -v m="$m" -v reqs="$reqs" \
			'{ print m, $2, $3, $8 - $4, $9 - $5, reqs }' >>"$work/bpf"
	fi
	down "$m" "$server_pid"
done
echo "$stats_old" >/proc/sys/kernel/bpf_stats_enabled

# --- window memory, daemon RSS and dump time after a long load ---------------------
: >"$work/window"
: >"$work/dumps"
if [ "$WINDOW_SECS" -gt 0 ]; then
	for m in default full; do
		has "$m" || continue
		up "$m" "$server_pid" || continue
		say "window: $m mode, ${WINDOW_SECS} s of load"
		d0=$(proc_cpu_ticks "${dpid[$m]}")
		t0=$(now_ns)
		timeout "$WINDOW_SECS" redis-benchmark -h 127.0.0.1 -p "$port" -t ping,set,get \
			-n 2000000000 -c "$CLIENTS" -q >/dev/null 2>&1
		t1=$(now_ns)
		d1=$(proc_cpu_ticks "${dpid[$m]}")
		sleep 0.2
		ctl "$m" --json list >"$work/list.json" 2>/dev/null
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/${dpid[$m]}/status")
		hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/${dpid[$m]}/status")
		# mode secs events window_events span_ns window_bytes lost dropped rss_kb hwm_kb cpu_ms
		#   governor_mode duty overhead_pct sealed_events sealed_bytes
		echo "$m $(((t1 - t0) / 1000000)) $(json_num "$work/list.json" events)" \
			"$(json_num "$work/list.json" window_events) $(json_num "$work/list.json" window_span_ns)" \
			"$(json_num "$work/list.json" window_bytes) $(json_num "$work/list.json" lost_ringbuf)" \
			"$(json_num "$work/list.json" lost_window) $rss $hwm $(((d1 - d0) * 1000 / hz))" \
			"$(json_str "$work/list.json" mode) $(json_num "$work/list.json" duty | grep . || echo -)" \
			"$(json_num "$work/list.json" overhead_pct | grep . || echo -)" \
			"$(json_num "$work/list.json" window_sealed_events | grep . || echo 0)" \
			"$(json_num "$work/list.json" window_sealed_bytes | grep . || echo 0)" >>"$work/window"
		for _ in $(seq 1 "$DUMPS"); do
			t0=$(now_ns)
			path=$(ctl "$m" dump --pid "$server_pid" 2>/dev/null)
			t1=$(now_ns)
			if [ -n "$path" ] && [ -f "$path" ]; then
				echo "$m $(((t1 - t0) / 1000)) $(stat -c %s "$path")" >>"$work/dumps"
				[ "$m" = full ] && mv -f "$path" "$work/full.dial9" # window_bench's data
				rm -f "$path"
			fi
		done
		down "$m" "$server_pid"
	done
fi
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=""

# --- the window on the full recording's events ------------------------------------------
: >"$work/wbench"
if [ -s "$work/full.dial9" ] && [ -x "$build/bench/window_bench" ]; then
	say "window_bench: $WINDOW_RUNS runs, a 30 s window at $WINDOW_RATE events/s of the full recording"
	"$build/bench/window_bench" "$work/full.dial9" "$WINDOW_RATE" 30 67108864 "$WINDOW_RUNS" \
		"$work" >"$work/wbench" 2>"$work/wbench.log" || say "window_bench failed: $(tail -1 "$work/wbench.log")"
fi

# --- ingestion: events/s without loss (synthetic producer, full recording) --------
storm_mode=full
has full || storm_mode=default
# shellcheck disable=SC2086
start_daemon storm ${mode_opts[$storm_mode]} --max-bytes 1G
: >"$work/storm"
if has storm; then
	best=0
	for rate in $STORM_RATES; do
		rm -f "$work/go"
		DIAL9_TARGET_GO=$work/go "$storm" 100 "$STORM_MS" "$rate" 30000 >"$work/storm.out" 2>&1 &
		storm_pid=$!
		for _ in $(seq 100); do grep -q '^ready' "$work/storm.out" && break; sleep 0.05; done
		if ! attach storm "$storm_pid"; then
			say "storm: attach failed: $(cat "$work/attach.err")"
			break
		fi
		touch "$work/go"
		for _ in $(seq $((STORM_MS / 50 + 400))); do grep -q '^done=1' "$work/storm.out" && break; sleep 0.05; done
		sleep 0.1 # a drain period or more
		ctl storm --json list >"$work/list.json" 2>/dev/null
		detach storm "$storm_pid"
		kill "$storm_pid" 2>/dev/null
		wait "$storm_pid" 2>/dev/null
		storm_pid=""
		read -r polls ms <<<"$(sed -n 's/^polls=\([0-9]*\) elapsed_ms=\([0-9]*\).*/\1 \2/p' "$work/storm.out")"
		ev=$(json_num "$work/list.json" events)
		lost=$(json_num "$work/list.json" lost_ringbuf)
		dropped=$(json_num "$work/list.json" lost_window)
		[ -n "${polls:-}" ] && [ -n "$ev" ] || {
			say "storm: no result at rate $rate: $(tail -1 "$work/storm.out"); list: $(head -c 200 "$work/list.json")"
			break
		}
		# rate polls ms events lost dropped
		echo "$rate $polls $ms $ev $lost $dropped" >>"$work/storm"
		say "storm: target $rate polls/s: $((polls * 1000 / ms)) polls/s, $((ev * 1000 / ms)) events/s, lost $lost"
		[ "$lost" != 0 ] && break
		[ "$rate" = 0 ] && break
		# the producer saturated: below 90 % of its target and no faster than before
		got=$((polls * 1000 / ms))
		[ "$got" -lt $((rate * 9 / 10)) ] && [ "$got" -le $((best * 105 / 100)) ] && break
		[ "$got" -gt "$best" ] && best=$got
	done
fi

stop_daemon storm

# --- tables -------------------------------------------------------------------------
med() { awk -v c="$2" '{ print $c }' "$work/res.$1" 2>/dev/null | grep -v '^-$' | median; }
# paired A B AWK-EXPR: median over rounds of EXPR on the join of A's and B's rows
# (A's fields are $2..$8, B's $9..$15: rps p50 p99 requests wall daemon_ms server_us)
paired() {
	[ -s "$work/res.$1" ] && [ -s "$work/res.$2" ] || { echo "-"; return; }
	join <(sort -k1,1 "$work/res.$1") <(sort -k1,1 "$work/res.$2") | awk "{ print $3 }" | median
}
ratio() { paired "$1" "$2" '$2 / $9'; }
cpu_delta() { paired "$1" "$2" '$8 - $15'; }
human_awk='function human(b) { return b >= 1048576 ? sprintf("%.1f MiB", b / 1048576) : sprintf("%.0f KiB", b / 1024) } '
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { if (x == "-" || x == "") print "-"; else printf f, x }'; }
# cost of a mode from its throughput ratio: 1/ratio - 1 = extra time per request
cost() { awk -v r="$1" 'BEGIN { if (r == "-" || r <= 0) print "-"; else print 1 / r - 1 }'; }
# times A B: A / B when B is clearly above noise (> MIN), else "-"
times() { awk -v a="$1" -v b="$2" -v min="$3" 'BEGIN { if (a == "-" || b == "-" || b <= min) print "-"; else printf "%.2f×", a / b }'; }

floor_cost="-" floor_cpu="-"
if has floor && [ -s "$work/res.floor" ]; then
	floor_cost=$(cost "$(ratio floor none)")
	floor_cpu=$(cpu_delta floor none)
fi
emit "### Throughput, latency and CPU per request (redis-benchmark, medians of $ROUNDS interleaved rounds)"
emit ""
emit "Per run: 4 × $N requests (PING_INLINE, PING_MBULK, SET, GET), $CLIENTS connections, measured after"
emit "${SETTLE} s of unmeasured load following the attach (the governor's steady state; the same in every mode)."
emit ""
emit "| mode | what | req/s | p50 ms | p99 ms | ratio vs none | ratio vs floor | thr. cost | thr. cost vs floor | server CPU µs/req | +CPU µs/req | CPU cost vs floor | daemon CPU ms/run |"
emit "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for m in "${modes[@]}"; do
	if ! has "$m" || [ ! -s "$work/res.$m" ]; then
		emit "| $m | unavailable (${unavailable[$m]:-no result}) | | | | | | | | | | | |"
		continue
	fi
	rn="-" c="-" rf="-" cf="-" dc="-" cfc="-"
	if [ "$m" != none ]; then
		rn=$(ratio "$m" none)
		c=$(cost "$rn")
		dc=$(cpu_delta "$m" none)
	fi
	if [ "$m" != none ] && [ "$m" != floor ] && has floor; then
		rf=$(ratio "$m" floor)
		cf=$(times "$c" "$floor_cost" 0.005)
		cfc=$(times "$dc" "$floor_cpu" 0.05)
	fi
	emit "| $m | ${mode_what[$m]} | $(fmt "$(med "$m" 2)" %.0f) | $(med "$m" 3) | $(med "$m" 4) |" \
		"$(fmt "$rn" %.3f) | $(fmt "$rf" %.3f) | $(fmt "$c" %+.3f) | $cf |" \
		"$(fmt "$(med "$m" 8)" %.2f) | $(fmt "$dc" %+.2f) | $cfc | $(med "$m" 7) |"
done
emit ""
emit "- req/s = requests / Σ of the four tests' times; p50/p99 = mean of the four tests' percentiles."
emit "- ratio vs none (vs floor): median over rounds of the mode's req/s / req/s without recorder"
emit "  (in floor mode), both measured in the same round."
emit "- thr. cost = 1 / (ratio vs none) − 1: the extra time per request; thr. cost vs floor = thr. cost /"
emit "  floor's thr. cost (1.00× = dial9 adds nothing to the probe traps; \"-\" when the floor's cost is < 0.5 %)."
emit "- server CPU: the server's utime+stime per request (traps and BPF programs run in its context);"
emit "  +CPU = median over rounds of (mode − none, same round); CPU cost vs floor = +CPU / floor's +CPU."
emit "- daemon CPU: utime+stime of dial9d during one run."
emit ""
# targets
if has default && [ -s "$work/res.default" ]; then
	rd=$(ratio default none)
	emit "- Target, default mode throughput ratio vs none ≥ 0.99: $(fmt "$rd" %.3f) — $(awk -v r="$rd" 'BEGIN {
		if (r == "-") print "no result"; else if (r >= 0.99) print "met"; else printf "missed by %.1f points", (0.99 - r) * 100 }')."
fi
if has full && [ -n "${mode_opts[full]}" ] && [ -s "$work/res.full" ]; then
	cfull=$(cost "$(ratio full none)")
	dfull=$(cpu_delta full none)
	emit "- Target, full recording within 1.15× of the floor's cost: $(awk -v c="$cfull" -v f="$floor_cost" -v dc="$dfull" -v df="$floor_cpu" 'BEGIN {
		if (f == "-" || df == "-") { print "no result (floor unavailable)"; exit }
		if (f > 0.005 && c != "-") s = sprintf("throughput: %.2f× (full %+.1f %%, floor %+.1f %%)", c / f, c * 100, f * 100)
		else s = sprintf("throughput: floor cost %+.1f %% is within noise, full %+.1f %%", f * 100, c * 100)
		if (df > 0.05) s = s sprintf("; CPU: %.2f× (full %+.2f µs/req, floor %+.2f µs/req)", dc / df, dc, df)
		if (df > 0.05) { v = dc / df; by = "CPU" } else if (f > 0.005 && c != "-") { v = c / f; by = "throughput" } else v = 0
		if (v == 0) print s " — inconclusive"
		else if (v <= 1.15) printf "%s — met (%s measure)\n", s, by
		else printf "%s — missed: %.2f× against 1.15× (%s measure)\n", s, v, by }')."
fi
emit ""

emit "### BPF run time per probe hit (bpf stats, one run of 4 × $N requests per mode)"
emit ""
emit "| mode | program | type | hits/request | ns/hit | BPF ns/request |"
emit "|---|---|---|---|---|---|"
if [ -s "$work/bpf" ]; then
	awk 'function total(m) {
			printf "| %s | **uprobe programs** | | %.2f | %s | %.0f |\n", m, uh[m] / req[m],
				uh[m] ? sprintf("%.0f", uns[m] / uh[m]) : "-", uns[m] / req[m]
			printf "| %s | **all programs** | | | | %.0f |\n", m, ns[m] / req[m]
		}
		$1 != last { if (last != "") total(last); last = $1 }
		{ req[$1] = $6; ns[$1] += $5
		  if ($3 == "kprobe") { uh[$1] += $4; uns[$1] += $5 }
		  if ($4 > 0) printf "| %s | %s | %s | %.2f | %.0f | %.0f |\n", $1, $2, $3 == "kprobe" ? "uprobe" : $3, $4 / $6, $5 / $4, $5 / $6 }
		END { if (last != "") total(last) }' \
		"$work/bpf" >>"$results"
fi
emit ""
emit "ns/hit: the BPF program alone (run_time_ns / run_cnt; the uprobe trap is not in it); hits of tracing"
emit "programs (sched_switch, …) count events on the whole machine during the run, per request."
emit ""

emit "### Daemon memory and CPU over a ${WINDOW_SECS} s load; dump time"
emit ""
emit "| mode | load s | events/s | window events | window span s | window bytes | bytes/event (sealed) | 30 s at this rate | lost | dropped | daemon RSS (peak) | daemon CPU | daemon ns/event | governor at end |"
emit "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk "$human_awk"'{ r = $3 / ($2 / 1000); bpe = $4 ? $6 / $4 : 0
	gov = $12 == "-" ? "-" : sprintf("%s, duty %s, est. %s %%", $12, $13 == "-" ? "-" : sprintf("%.3f", $13), $14 == "-" ? "-" : sprintf("%.2f", $14))
	printf "| %s | %.1f | %.0f | %s | %.1f | %s | %.2f (%s) | %s | %s | %s | %s (%s) | %.1f %% | %.0f | %s |\n",
	$1, $2 / 1000, r, $4, $5 / 1e9, human($6), bpe, $15 ? sprintf("%.2f", $16 / $15) : "-", human(r * 30 * bpe),
	$7, $8, human($9 * 1024), human($10 * 1024), $11 / $2 * 100, $3 ? $11 * 1e6 / $3 : 0, gov }' \
	"$work/window" >>"$results"
emit ""
emit "- events/s: events recorded over the load / load time; bytes/event: window bytes (compressed blocks, their"
emit "  descriptors and the open block's allocation) / events held, in brackets the compressed blocks alone;"
emit "  30 s at this rate: bytes/event × events/s × 30 s."
emit "- dropped: records the window's byte budget (--max-bytes, default 64 MiB) pushed out while still inside the 30 s span."
emit "- daemon ns/event: dial9d's CPU over the load / events recorded (draining, symbolizing, the window's sealing and"
emit "  compression, the governor)."
emit "- governor at end: the process's recording mode, duty cycle and the daemon's overhead estimate (dial9ctl --json list)."
emit ""
awk '$1 == "full" { printf "- Target, full recording keeps the 30 s window with nothing dropped: span %.1f s, dropped %s — %s.\n",
	$5 / 1e9, $8, ($5 >= 29.5e9 && $8 == 0) ? "met" : ($2 < 30500 ? "inconclusive (load shorter than 30 s)" : "missed") }' \
	"$work/window" >>"$results"
emit ""
emit "| mode | dump requests | median ms to file on disk | dump size |"
emit "|---|---|---|---|"
for m in default full; do
	grep -q "^$m " "$work/dumps" || continue
	emit "| $m | $(grep -c "^$m " "$work/dumps") | $(fmt "$(awk -v m="$m" '$1 == m { print $2 / 1000 }' "$work/dumps" | median)" %.1f) | $(awk -v m="$m" "$human_awk"'$1 == m { s = $3 } END { print human(s) }' "$work/dumps") |"
done
emit ""
dfull=$(awk '$1 == "full" { print $2 / 1000 }' "$work/dumps" | median)
[ "$dfull" != "-" ] && emit "- Target, dump of the full-recording window ≤ 100 ms median: $(fmt "$dfull" %.1f) ms — $(awk -v x="$dfull" 'BEGIN { print x <= 100 ? "met" : "missed" }')."
emit ""

emit "### The window on recorded data (build/bench/window_bench, medians of $WINDOW_RUNS runs)"
emit ""
emit "The full recording's last dump replayed, end to end, into a window of dial9d's defaults (30 s, 64 MiB),"
emit "its timestamps scaled to $WINDOW_RATE events/s, for 35 s."
emit ""
emit "| events/s | span kept s (of 30) | events held | dropped | window bytes | bytes/event | sealed bytes/event | push CPU ns/event | dump of the full window ms | dump size |"
emit "|---|---|---|---|---|---|---|---|---|---|"
if [ -s "$work/wbench" ]; then
	wb() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$work/wbench" | median; }
	emit "| $(wb rate) | $(wb span_kept_s) | $(wb records) | $(wb dropped) | $(awk -v b="$(wb bytes)" "$human_awk"'BEGIN { print human(b) }') |" \
		"$(wb bytes_per_record) | $(wb sealed_bytes_per_record) | $(wb push_ns_per_record) | $(wb dump_ms) |" \
		"$(awk -v b="$(wb dump_bytes)" "$human_awk"'BEGIN { print human(b) }') |"
	emit ""
	emit "- push CPU: the process CPU time of pushing every event (into the open block, sorting, sealing, byte planes"
	emit "  and zlib) / events pushed; dump: snapshot of the blocks, the file written from them, fsync, rename,"
	emit "  directory fsync, into the benchmark's directory."
	emit "- Target, $WINDOW_RATE events/s for 30 s in 64 MiB (≤ 8 bytes/event, nothing dropped):" \
		"$(wb bytes_per_record) bytes/event, $(wb span_kept_s) s kept, dropped $(wb dropped) — $(awk -v b="$(wb bytes_per_record)" -v d="$(wb dropped)" -v k="$(wb span_kept_s)" 'BEGIN { print (b <= 8 && d == 0 && k >= 29.9) ? "met" : "missed" }')."
else
	emit "| no result (no full-recording dump, or window_bench failed) | | | | | | | | | |"
fi
emit ""

emit "### Ingestion without loss (tests/targets/storm, 100 tasks yielding, $storm_mode recording, --max-bytes 1G)"
emit ""
emit "| target polls/s | polls/s | events/s | events/poll | lost | dropped |"
emit "|---|---|---|---|---|---|"
awk '{ printf "| %s | %.0f | %.0f | %.2f | %s | %s |\n", $1 == 0 ? "flat out" : $1, $2 / ($3 / 1000), $4 / ($3 / 1000),
	$2 ? $4 / $2 : 0, $5, $6 }' "$work/storm" >>"$results"
maxev=$(awk '$5 == 0 { e = $4 / ($3 / 1000); if (e > m) m = e } END { printf "%.0f", m }' "$work/storm")
sat=$(awk 'END { if ($5 != 0) print "a ring overflowed (lost > 0)"; else print "the producer saturated first (no loss at any step)" }' "$work/storm")
emit ""
emit "Highest rate with lost == 0: $maxev events/s; the ramp stopped because $sat."
emit ""

if [ "$REPORT_EVENTS" -gt 0 ]; then
	say "report generation ($REPORT_EVENTS events)"
	emit "### Report generation (tests/bench/report_bench.sh, $REPORT_EVENTS events)"
	emit ""
	emit '```'
	"$here/tests/bench/report_bench.sh" "$build" "$REPORT_EVENTS" 2>&1 | grep -v '^wrote ' >>"$results"
	emit '```'
	emit ""
fi

t_end=$(date +%s)
emit "Benchmark wall time: $((t_end - t_begin)) s."

# --- output ---------------------------------------------------------------------------
echo
cat "$results"
if [ -n "$DOC" ]; then
	{
		echo "<!-- bench:begin (generated by tests/bench/run.sh; text outside these markers is kept) -->"
		echo "## Results"
		echo ""
		machine_facts "$(redis-benchmark --version 2>/dev/null | head -1)"
		echo "- Reproduce: \`sudo make bench\` (defaults; this run: BENCH_REQUESTS=$N BENCH_ROUNDS=$ROUNDS BENCH_CLIENTS=$CLIENTS BENCH_SETTLE_SECS=$SETTLE)"
		echo "- dial9d modes: ${avail[*]}$(for m in "${!unavailable[@]}"; do [ "$m" = storm ] || printf '; %s unavailable (%s)' "$m" "${unavailable[$m]}"; done)"
		echo ""
		cat "$results"
		echo "<!-- bench:end -->"
	} >"$work/block"
	doc_block "$DOC" bench "$work/block"
fi
exit 0
