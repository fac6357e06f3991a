#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# fetch-crates.sh SUITE DIR - download the Debian SUITE's (trixie, forky, …)
# librust-tokio-dev and its dependency closure into DIR, and unpack them into
# DIR/root, whose usr/share/cargo/registry is a cargo directory source.
# Leaves the system's apt state alone: a private sources list, lists, cache
# and an empty dpkg status live in DIR.  Prints the tokio version it got.
# A second run with DIR complete does nothing.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 SUITE DIR" >&2
	exit 2
fi
suite=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
root=$dir/root
registry=$root/usr/share/cargo/registry

if [ -f "$dir/complete" ]; then
	cat "$dir/complete"
	exit 0
fi

# The mirror the machine already uses (deb822 or one-line sources).
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	grep -v security | head -n1 || true)
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null |
		grep -v security | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

rm -rf "$dir/apt" "$root" "$dir/debs"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs" "$root"
: >"$dir/apt/status"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
	>"$dir/apt/sources.list"
set -- -o "Dir::Etc::SourceList=$dir/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null" \
	-o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache" \
	-o "Dir::State::status=$dir/apt/status" -o "APT::Architecture=amd64" \
	-o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0"

apt-get "$@" -q update >"$dir/apt/update.log" 2>&1 || {
	echo "Error: apt-get update for $suite failed (see $dir/apt/update.log)" >&2
	exit 1
}
pkgs=$(apt-get "$@" -s install librust-tokio-dev 2>/dev/null | sed -n 's/^Inst \(librust-[^ ]*\) .*/\1/p')
if [ -z "$pkgs" ]; then
	echo "Error: $suite has no librust-tokio-dev closure" >&2
	exit 1
fi
(cd "$dir/debs" && apt-get "$@" -q download $pkgs >"$dir/apt/download.log" 2>&1) || {
	echo "Error: downloading $suite's crates failed (see $dir/apt/download.log)" >&2
	exit 1
}
for deb in "$dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
# Debian's registry holds symlinks into /usr/share/cargo/registry of the
# suite's own root: make absolute links relative to this root.
find "$registry" -maxdepth 1 -type l | while read -r l; do
	t=$(readlink "$l")
	case "$t" in /*) ln -sfn "$root$t" "$l" ;; esac
done
version=$(ls -d "$registry"/tokio-1.* | sed 's/.*tokio-//' | sort -V | tail -n1)
[ -n "$version" ] || {
	echo "Error: no tokio in $registry" >&2
	exit 1
}
echo "tokio $version ($suite)" >"$dir/complete"
cat "$dir/complete"
