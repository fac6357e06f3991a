#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The main job, end to end: start dial9d (private socket and state dir), run a
# real Tokio server under load, attach to it without restarting it, dump its
# rolling window and show what was recorded.  Run as root from the repo root:
#   make deps demo
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
work=$(mktemp -d /tmp/dial9-demo.XXXXXX)
daemon_pid="" server_pid="" blocker_pid=""

cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	[ -n "$blocker_pid" ] && kill "$blocker_pid" 2>/dev/null
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	wait 2>/dev/null || true
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "Error: the demo loads BPF programs: run it as root" >&2
	exit 1
fi

sock="$work/dial9d.sock"
ctl() { "$build/dial9ctl" --socket "$sock" "$@"; }

echo "== starting dial9d (socket $sock, dumps in $work/state/dumps)"
"$build/dial9d" --socket "$sock" --state-dir "$work/state" 2>"$work/dial9d.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

echo "== starting a Tokio RESP server (port 6391) and a program whose task blocks its worker"
"$build/targets/server" 6391 >"$work/server.out" 2>&1 &
server_pid=$!
"$build/targets/blocker" 40 1000000 >"$work/blocker.out" 2>&1 &
blocker_pid=$!
sleep 0.5

echo "== attaching to the running processes (no restart, no rebuild)"
ctl attach --pid "$server_pid"
ctl attach --pid "$blocker_pid"

echo "== load: redis-benchmark, 20000 requests, 20 clients"
redis-benchmark -p 6391 -t ping,set,get -n 20000 -c 20 -q 2>/dev/null | tr "\r" "\n" | grep -a "requests per second" || true
sleep 1
ctl list

echo "== dumping the rolling windows"
server_dump=$(ctl dump --pid "$server_pid")
blocker_dump=$(ctl dump --pid "$blocker_pid")
echo "$server_dump"
echo "$blocker_dump"
echo
echo "== the dump catalogue (read from the state directory, no daemon needed)"
"$build/dial9ctl" dumps --state-dir "$work/state"

echo
echo "################ dial9 summary (server) ################"
"$build/dial9" summary "$server_dump"
echo
echo "################ dial9 tasks (server, busiest 10) ################"
"$build/dial9" tasks --sort polls --limit 10 "$server_dump"
echo
echo "################ dial9 summary (blocker) ################"
"$build/dial9" summary "$blocker_dump"
echo
echo "################ dial9 wakegraph (blocker) ################"
"$build/dial9" wakegraph "$blocker_dump"
echo
echo "Dumps kept in $work/state/dumps; daemon log in $work/dial9d.log"
