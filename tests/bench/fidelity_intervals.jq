# fidelity_intervals.jq - how many 1 s intervals of the measured stretch have
# latency and queue depth (tests/bench/fidelity.sh).  Input: `dial9 metrics
# --json DUMP --interval 1000`; $win_ns: the window's start (wall clock, ns:
# summary's clock_base_ns + start_ns); $t0, $t1: the measured stretch (wall
# clock, ns).  Counts the intervals wholly inside the stretch; prints
#   intervals with_latency with_queue polled_ns
# with_latency: `latency` not null with at least 10 samples; with_queue:
# `queue_max` not null; polled_ns: from the first interval of the window
# with a poll to the window's end (what the window holds of polls, to 1 s).
.intervals as $all
| ([$all[] | select(.polls > 0)][0].start_ns) as $first
| (if ($all | length) > 0 and $first != null
   then ($all[-1].start_ns + $all[-1].duration_ns - $first) else 0 end) as $polled
| [$all[] | select($win_ns + .start_ns >= $t0 and $win_ns + .start_ns + .duration_ns <= $t1)]
| [length,
   ([.[] | select(.latency != null and (.latency.samples // 0) >= 10)] | length),
   ([.[] | select(.queue_max != null)] | length),
   $polled]
| map(tostring) | join(" ")
