#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# fidelity_table.sh DIR - print the fidelity-and-cost table (markdown) from
# the rows fidelity.sh wrote into DIR: DIR/params (the run's settings, shell
# assignments) and DIR/res.SERVER.MODE (one row per round).  Also works on
# build/bench/fidelity-logs after a run, to print the table again.
set -u
export LC_ALL=C
dir=${1:?usage: fidelity_table.sh DIR}
here=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/tests/bench/lib.sh"
# shellcheck source=/dev/null
. "$dir/params" || exit 1

# res columns (1-based; in paired, the none row's follow at +nf):
#   1 round 2 rps 3 reqs 4 cpu/req 5 sent 6 planted 7 spins 8 spin_in 9 spin_found
#   10 spin_dur 11 spin_loc 12 spin_probed 13 blocks 14 block_in 15 block_found
#   16 block_site 17 span_ns 18 intervals 19 with_latency 20 with_queue 21 polled_ns
#   22 rss_kb 23 overhead_pct 24 daemon_cpu_pct
nf=24
# col SERVER MODE N: the median of column N over rounds
col() { awk -v c="$3" '{ print $c }' "$dir/res.$1.$2" 2>/dev/null | grep -v '^-$' | median; }
# sum SERVER MODE N: the sum of column N over rounds
sum() { awk -v c="$3" '$c != "-" { t += $c; n++ } END { print n ? t : "-" }' "$dir/res.$1.$2" 2>/dev/null || echo -; }
# paired SERVER MODE EXPR: median over rounds of EXPR on (mode row, none row), same round
paired() {
	[ -f "$dir/res.$1.$2" ] && [ -f "$dir/res.$1.none" ] || { echo -; return; }
	awk 'NR == FNR { none[$1] = $0; next } $1 in none { $0 = $0 " " none[$1]; print }' \
		"$dir/res.$1.none" "$dir/res.$1.$2" | awk "{ print $3 }" | median
}
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { if (x == "-" || x == "") print "-"; else printf f, x }'; }
# scaled X DIV FORMAT: X / DIV ("-" stays)
scaled() { awk -v x="$1" -v d="$2" -v f="$3" 'BEGIN { if (x == "-" || x == "") print "-"; else printf f, x / d }'; }
# of FOUND PLANTED IN_WINDOW
of() {
	[ "$1" = - ] && { echo -; return; }
	echo "$1 of $2 ($3 in window)"
}
share() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.0f %% (%d/%d)", 100 * a / b, a, b }'; }
n=$((4 + nf)) # the none row's CPU per request, in paired

echo "### Fidelity and cost (medians of $ROUNDS interleaved rounds; incidents and intervals: totals over rounds)"
echo ""
echo "Per run: ${SECS} s of load after ${SETTLE} s of unmeasured load following the attach; $SPINS spinning"
echo "(${SPIN_MS} ms on the CPU) and $BLOCKS blocking (${BLOCK_MS} ms std::thread::sleep) polls planted at random"
echo "moments; one \`dial9ctl dump\` at the end of the run."
echo ""
echo "| server | mode | req/s | ratio vs none | server CPU µs/req | +CPU µs/req | +CPU % | +CPU, % of a CPU | daemon est. cost % | daemon CPU % | spinning polls found | … duration ±max(2 ms, 25 %) | … located (planted_spin) | blocking polls found | … with site | 1 s intervals with latency (≥ 10 samples) | … with queue depth | window span s | … with polls s | daemon RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for s in $SERVERS; do
	for m in $MODES; do
		[ -f "$dir/res.$s.$m" ] || continue
		if [ "$m" = none ]; then
			echo "| $s | none | $(fmt "$(col "$s" none 2)" %.0f) | - | $(fmt "$(col "$s" none 4)" %.2f) |$(printf ' - |%.0s' $(seq 15))"
			continue
		fi
		echo "| $s | $m | $(fmt "$(col "$s" "$m" 2)" %.0f) | $(fmt "$(paired "$s" "$m" "\$2 / \$$((2 + nf))")" %.3f)" \
			"| $(fmt "$(col "$s" "$m" 4)" %.2f) | $(fmt "$(paired "$s" "$m" "\$4 - \$$n")" %+.2f)" \
			"| $(fmt "$(paired "$s" "$m" "100 * (\$4 - \$$n) / \$$n")" %+.1f)" \
			"| $(fmt "$(paired "$s" "$m" "(\$4 - \$$n) * \$2 / 1e4")" %+.1f)" \
			"| $(fmt "$(col "$s" "$m" 23)" %.2f) | $(fmt "$(col "$s" "$m" 24)" %.2f)" \
			"| $(of "$(sum "$s" "$m" 9)" "$(sum "$s" "$m" 7)" "$(sum "$s" "$m" 8)"); $(sum "$s" "$m" 12) by the probes" \
			"| $(sum "$s" "$m" 10) | $(sum "$s" "$m" 11)" \
			"| $(of "$(sum "$s" "$m" 15)" "$(sum "$s" "$m" 13)" "$(sum "$s" "$m" 14)") | $(sum "$s" "$m" 16)" \
			"| $(share "$(sum "$s" "$m" 19)" "$(sum "$s" "$m" 18)") | $(share "$(sum "$s" "$m" 20)" "$(sum "$s" "$m" 18)")" \
			"| $(scaled "$(col "$s" "$m" 17)" 1e9 %.1f) | $(scaled "$(col "$s" "$m" 21)" 1e9 %.0f)" \
			"| $(scaled "$(col "$s" "$m" 22)" 1024 %.1f) |"
	done
done
echo ""
for s in $SERVERS; do
	case "$s" in
	resp) echo "- resp: the RESP server (tests/targets/server) under \`redis-benchmark -t get -c $CLIENTS\`." ;;
	http) echo "- http: the hyper 0.14 HTTP server (tests/targets/http) under \`wrk -t1 -c $CLIENTS\`." ;;
	esac
done
cat <<'NOTES'
- ratio vs none: median over rounds of the mode's req/s / req/s without recorder, same server,
  same round.
- server CPU: the server's utime+stime over the measured stretch / requests (the planted spins'
  CPU is in every mode alike); +CPU = median over rounds of (mode − none, same round); +CPU % of
  none's; +CPU, % of a CPU: (mode − none) × the mode's req/s, the recorder's added CPU as a share
  of one CPU — the unit of the daemon's own estimate (`overhead_pct` of `dial9ctl --json list` at
  the end of the stretch); daemon CPU: dial9d's utime+stime / stretch.
- found: an entry of `dial9 summary --json` on the incident's thread overlapping at least half of
  it — spinning: `cpu_samples.longest_runs` or `long_polls`; blocking: `long_stalls` or
  `long_polls` (each list holds the 10 longest); "in window": inside the dump's window
  (start_ns..end_ns); "by the probes": a `long_polls` entry or a sampler run marked `probed`
  matched; duration: the closest entry within max(2 ms, 25 %) of the incident's; located: a
  sampler run whose location names `planted_spin`; site: a stall whose site names
  `planted_block`.
- intervals: the 1 s intervals of `dial9 metrics --json --interval 1000` wholly inside the
  measured stretch.
- window span: summary's duration_ns; with polls: from the first 1 s interval of the dump with a
  poll to the window's end (what the window holds of polls, to 1 s); daemon RSS: VmRSS before
  the dump.
NOTES
