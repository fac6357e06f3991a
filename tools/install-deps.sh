#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Install the Debian packages dial9 needs to build, test and benchmark, when
# they are missing.  Safe to run again; needs root (or sudo) only to install.
set -euo pipefail

packages=(
	make gcc clang llvm pkg-config libclang-rt-14-dev
	libbpf-dev bpftool libelf-dev libdw-dev libdebuginfod-dev libiberty-dev zlib1g-dev libcmocka-dev libjansson-dev
	libcapstone-dev binutils debuginfod
	cargo rustc librust-tokio-dev librust-hyper-dev
	redis-tools wrk curl jq chromium systemd prometheus
)

missing=()
for p in "${packages[@]}"; do
	# cargo/rustc may come from rustup instead of Debian: accept either.
	case "$p" in
	cargo | rustc) command -v "$p" >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
