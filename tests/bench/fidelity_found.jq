# fidelity_found.jq - which planted incidents a dump holds (tests/bench/fidelity.sh).
# Input: `dial9 summary --json DUMP`.  $planted (--slurpfile): the server's
# `planted` facts as {kind, start_us, took_us, tid} (wall clock, µs).  Prints one line of counts:
#   spins in_window found dur_ok located probed blocks in_window found site span_ns
# An incident is found when an entry of the same thread overlaps at least half
# of it: for a spin, a CPU-sampler run (cpu_samples.longest_runs) or a long
# poll (long_polls); for a block, a stall (long_stalls) or a long poll.
# dur_ok: the closest such entry's duration within max(2 ms, 25 %) of the
# spin's; located: a sampler run whose location names planted_spin; site: a
# stall whose site names planted_block.  Times are converted with the dump's
# clock_base_ns (wall clock = clock_base_ns + monotonic).
def overlap($p): ([(.start_ns + .duration_ns), $p.e] | min) - ([.start_ns, $p.s] | max);
def hits($p; $list): [$list[]? | select(.tid == $p.tid and overlap($p) >= 0.5 * $p.d)];
. as $d
| ($d.clock_base_ns) as $cb
| [$planted[] | {kind, tid, s: (.start_us * 1000 - $cb), d: (.took_us * 1000)} | .e = .s + .d
   | .in_window = (.s >= $d.start_ns and .e <= $d.end_ns)] as $ps
| [$ps[] | select(.kind == "spin") | . as $p
   | (hits($p; $d.cpu_samples.longest_runs)) as $runs
   | ($runs + hits($p; $d.long_polls)) as $all
   | {in_window, found: ($all | length > 0),
      dur_ok: (([$all[] | (.duration_ns - $p.d) | fabs] | min // 1e18) <= ([2e6, 0.25 * $p.d] | max)),
      located: ([$runs[] | select((.location // "") | test("planted_spin"))] | length > 0),
      probed: (([$runs[] | select(.probed)] | length > 0) or (hits($p; $d.long_polls) | length > 0))}] as $spins
| [$ps[] | select(.kind == "block") | . as $p
   | (hits($p; $d.long_stalls)) as $stalls
   | {in_window, found: (($stalls + hits($p; $d.long_polls)) | length > 0),
      site: ([$stalls[] | select((.site // "") | test("planted_block"))] | length > 0)}] as $blocks
| def n(f): [.[] | select(f)] | length;
  [($spins | length), ($spins | n(.in_window)), ($spins | n(.found)), ($spins | n(.dur_ok)),
   ($spins | n(.located)), ($spins | n(.probed)),
   ($blocks | length), ($blocks | n(.in_window)), ($blocks | n(.found)), ($blocks | n(.site)),
   $d.duration_ns]
| map(tostring) | join(" ")
