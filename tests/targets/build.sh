#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# build.sh OUTDIR - build the dial9 test targets (release, symbols and line
# tables kept) offline against Debian's crate sources, and copy them to OUTDIR.
# Also builds v0-mangled copies (-C symbol-mangling-version=v0) named NAME-v0.
# Cargo's target dirs are OUTDIR/../cargo and OUTDIR/../cargo-v0.
# Needs: apt-get install cargo librust-tokio-dev librust-hyper-dev
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
top=$(dirname "$out")
cargo=${CARGO:-cargo}
targets="spawner relay blocker io_pingpong current_thread panicker server http storm threads"

if ! command -v "$cargo" >/dev/null 2>&1; then
	echo "Error: cargo not found (apt-get install cargo librust-tokio-dev)" >&2
	exit 1
fi
if ! ls -d /usr/share/cargo/registry/tokio-1.* >/dev/null 2>&1; then
	echo "Error: no tokio sources in /usr/share/cargo/registry (apt-get install librust-tokio-dev)" >&2
	exit 1
fi
if ! ls -d /usr/share/cargo/registry/hyper-0.14.* >/dev/null 2>&1; then
	echo "Error: no hyper 0.14 sources in /usr/share/cargo/registry (apt-get install librust-hyper-dev; make deps)" >&2
	exit 1
fi

# Copy only when the content changed, so a no-op build leaves OUTDIR alone.
copy() {
	if ! cmp -s "$1" "$2"; then
		cp -f "$1" "$2.tmp"
		mv -f "$2.tmp" "$2"
	fi
}

cd "$here"
# Cargo.lock is generated on first use (from the local registry only).
quiet=
[ "${V:-0}" = 1 ] || quiet=--quiet

# The .cargo/config.toml next to this script makes the build offline.
# RUSTFLAGS is cleared so the caller's environment cannot change the mangling.
RUSTFLAGS= CARGO_TARGET_DIR="$top/cargo" "$cargo" build $quiet --release --workspace
for t in $targets; do
	copy "$top/cargo/release/$t" "$out/$t"
done

RUSTFLAGS="-C symbol-mangling-version=v0" CARGO_TARGET_DIR="$top/cargo-v0" \
	"$cargo" build $quiet --release --workspace
for t in $targets; do
	copy "$top/cargo-v0/release/$t" "$out/$t-v0"
done
