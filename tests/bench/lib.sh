# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash disable=SC2154,SC2034
# lib.sh - what the benchmark scripts share (sourced by run.sh and
# fidelity.sh): private dial9d daemons per mode, attach/detach, /proc
# readers, medians, starting a target, writing a block of PERFORMANCE.md.
# The caller sets here (the tree) and build (the build directory) before
# sourcing it; before calling its functions, work (a scratch directory), hz
# (getconf CLK_TCK) and results (where emit appends), and declares the
# associative arrays dpid, unavailable and ok.

# preflight WHAT "TOOL..." FILE...: exit unless root, each TOOL on PATH and each
# FILE executable
preflight() {
	local what=$1 tools=$2 t f
	shift 2
	if [ "$(id -u)" -ne 0 ]; then
		echo "Error: $what loads BPF programs: run it as root" >&2
		exit 1
	fi
	for t in $tools; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "Error: $t not found (make deps)" >&2
			exit 1
		fi
	done
	for f in "$@"; do
		if [ ! -x "$f" ]; then
			echo "Error: $f missing (make all targets)" >&2
			exit 1
		fi
	done
}

say() { echo "bench: $*" >&2; }
emit() { echo "$*" >>"$results"; }
now_ns() { date +%s%N; }
ctl() { local m=$1; shift; "$build/dial9ctl" --socket "$work/$m.sock" "$@"; }
# median of the numbers on stdin ("-" if none)
median() { sort -g | awk '{v[NR]=$1} END {if (!NR) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# proc_cpu_ticks PID: utime+stime
proc_cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# proc_rss_kb PID [FIELD]: VmRSS (or FIELD, e.g. VmHWM) in KiB ("-" if gone)
proc_rss_kb() { awk -v f="${2:-VmRSS}:" '$1 == f { print $2; n++ } END { if (!n) print "-" }' "/proc/$1/status" 2>/dev/null || echo -; }
# json_num FILE KEY: a number field of dial9ctl --json output (first match)
json_num() { sed -n "s/^ *\"$2\": *\\([-0-9.e+]*\\),\\{0,1\\}\$/\\1/p" "$1" | head -1; }
# json_str FILE KEY: a string field ("-" if absent)
json_str() { sed -n "s/^ *\"$2\": *\"\\([^\"]*\\)\",\\{0,1\\}\$/\\1/p" "$1" | head -1 | grep . || echo -; }

# --- modes ---------------------------------------------------------------------
declare -A mode_opts=(
	[none]=""
	[default]=""
	[full]="--poll-threshold-us 0 --overhead-budget 0"
	[floor]="--floor"
)
declare -A mode_what=(
	[none]="no daemon attached"
	[default]="dial9d defaults (sampling + governor)"
	[full]="dial9d --poll-threshold-us 0 --overhead-budget 0 (record everything)"
	[floor]="dial9d --floor (same probe points, empty BPF programs)"
)

# start_daemon NAME OPTIONS...: a private dial9d; sets dpid[NAME] and ok[NAME],
# or unavailable[NAME].  A daemon runs only while its mode is measured: an idle
# dial9d still runs its tracepoint programs (sched_switch) for every context
# switch on the machine, which would tax the other modes.
start_daemon() {
	local m=$1; shift
	local o
	[ -n "${d9_help:-}" ] || d9_help=$("$build/dial9d" --help 2>&1)
	for o in "$@"; do
		case "$o" in
		--*) if ! grep -q -- "$o\\b" <<<"$d9_help"; then
			unavailable[$m]="dial9d does not support $o"
			return 1
		fi ;;
		esac
	done
	rm -f "$work/$m.sock"
	"$build/dial9d" "$@" --socket "$work/$m.sock" --state-dir "$work/$m-state" 2>>"$work/$m.log" &
	local pid=$!
	for _ in $(seq 200); do
		[ -S "$work/$m.sock" ] && ctl "$m" status >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if ! kill -0 "$pid" 2>/dev/null || [ ! -S "$work/$m.sock" ]; then
		unavailable[$m]="dial9d did not start: $(tail -1 "$work/$m.log")"
		kill "$pid" 2>/dev/null
		return 1
	fi
	dpid[$m]=$pid
	ok[$m]=1
}

stop_daemon() {
	[ -n "${dpid[$1]:-}" ] || return 0
	kill "${dpid[$1]}" 2>/dev/null
	wait "${dpid[$1]}" 2>/dev/null
	unset "dpid[$1]"
}

# probe_modes MODE...: sets avail to the modes whose daemon starts
probe_modes() {
	local m
	avail=()
	for m in "$@"; do
		if [ "$m" = none ]; then avail+=(none); continue; fi
		# shellcheck disable=SC2086
		if start_daemon "$m" ${mode_opts[$m]}; then
			stop_daemon "$m"
			avail+=("$m")
		else
			say "mode $m: unavailable (${unavailable[$m]})"
		fi
	done
}
has() { [ "$1" = none ] || [ -n "${ok[$1]:-}" ]; }
attach() { ctl "$1" attach --pid "$2" >/dev/null 2>"$work/attach.err"; }
detach() { ctl "$1" detach --pid "$2" >/dev/null 2>&1; }
# up MODE PID: start MODE's daemon and attach it to PID
up() {
	# shellcheck disable=SC2086
	if ! start_daemon "$1" ${mode_opts[$1]}; then
		say "mode $1: dial9d did not start: ${unavailable[$1]}"
		return 1
	fi
	if ! attach "$1" "$2"; then
		say "mode $1: attach failed: $(cat "$work/attach.err")"
		stop_daemon "$1"
		return 1
	fi
}
down() { detach "$1" "$2"; stop_daemon "$1"; }

# start_target NAME ARGS...: run build/targets/NAME with ARGS, its output in
# $work/NAME.out; waits for its `listen addr=127.0.0.1:PORT` fact and prints
# "PID PORT", or fails.  The caller kills PID.
start_target() {
	local name=$1; shift
	"$build/targets/$name" "$@" >"$work/$name.out" 2>&1 &
	local pid=$! port=""
	for _ in $(seq 200); do
		port=$(sed -n 's/^listen addr=127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$name.out")
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		kill "$pid" 2>/dev/null
		echo "Error: $name did not start: $(cat "$work/$name.out")" >&2
		return 1
	fi
	echo "$pid $port"
}

# machine_facts: the date, machine and kernel lines of a results block
machine_facts() {
	local cpu virt commit
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	virt="bare metal or unknown"
	grep -qw hypervisor /proc/cpuinfo && virt="virtual machine (hypervisor CPU flag)"
	commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
	[ -n "$(git -C "$here" status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit + uncommitted changes"
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Machine: $(nproc) CPUs ($cpu), $virt, $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
	echo "- Kernel: $(uname -r); $*; commit $commit"
}

# doc_block DOC NAME FILE: put FILE between DOC's `<!-- NAME:begin` and
# `<!-- NAME:end` lines (text outside them is kept); without those markers,
# FILE is appended (DOC is created with a title if missing).  FILE holds the
# marker lines itself.
doc_block() {
	local doc=$1 name=$2 blk=$3
	if [ -f "$doc" ] && grep -q "^<!-- $name:begin" "$doc" && grep -q "^<!-- $name:end" "$doc"; then
		awk -v blk="$blk" -v b="^<!-- $name:begin" -v e="^<!-- $name:end" '
			$0 ~ b { while ((getline l < blk) > 0) print l; skip = 1; next }
			$0 ~ e { skip = 0; next }
			!skip' "$doc" >"$work/doc"
	elif [ -f "$doc" ]; then
		{ cat "$doc"; echo ""; cat "$blk"; } >"$work/doc"
	else
		{ echo "# dial9 performance"; echo ""; cat "$blk"; } >"$work/doc"
	fi
	cp "$work/doc" "$doc" && say "wrote $doc"
}
