#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# build-matrix.sh OUTDIR - build the `matrix` target (and `panicker`) against
# three Tokio releases from Debian - bookworm's (the system's
# librust-tokio-dev), trixie's and forky's (downloaded into OUTDIR/../crates
# by fetch-crates.sh) - each in three profiles:
#   legacy  release, legacy symbol mangling
#   v0      release, -C symbol-mangling-version=v0
#   lto     release, lto = "fat", codegen-units = 1 (legacy mangling)
# plus `abort` (panic = "abort") for the newest release.  Every profile keeps
# symbols and line tables (debug = 1).  Binaries go to
# OUTDIR/TOKIO_VERSION-PROFILE/NAME; OUTDIR/cells lists one cell per line:
#   CELL TOKIO_VERSION SUITE PROFILE DIR
# A rebuild with nothing changed is a no-op.
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
quiet=
[ "${V:-0}" = 1 ] || quiet=--quiet
suites=${DIAL9_MATRIX_SUITES:-"bookworm trixie forky"}
newest=$(echo "$suites" | awk '{ print $NF }')

registry_of() {
	if [ "$1" = bookworm ]; then
		echo /usr/share/cargo/registry
	else
		"$here/fetch-crates.sh" "$1" "$top/crates/$1" >&2
		echo "$top/crates/$1/root/usr/share/cargo/registry"
	fi
}

# A workspace of the shared crate and the matrix programs, whose cargo
# source is the suite's registry.  Sources are linked, not copied.
make_workspace() { # SUITE REGISTRY
	ws=$top/matrix-ws/$1
	mkdir -p "$ws/.cargo"
	for m in common matrix panicker; do
		ln -sfn "$here/$m" "$ws/$m"
	done
	sed -e '/^members = \[/,/^\]/c\members = ["common", "matrix", "panicker"]' \
		"$here/Cargo.toml" >"$ws/Cargo.toml.new"
	cmp -s "$ws/Cargo.toml.new" "$ws/Cargo.toml" 2>/dev/null || mv "$ws/Cargo.toml.new" "$ws/Cargo.toml"
	rm -f "$ws/Cargo.toml.new"
	cat >"$ws/.cargo/config.toml.new" <<CONF
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$2"

[net]
offline = true
CONF
	cmp -s "$ws/.cargo/config.toml.new" "$ws/.cargo/config.toml" 2>/dev/null ||
		mv "$ws/.cargo/config.toml.new" "$ws/.cargo/config.toml"
	rm -f "$ws/.cargo/config.toml.new"
	echo "$ws"
}

copy() {
	if ! cmp -s "$1" "$2"; then
		cp -f "$1" "$2.tmp"
		mv -f "$2.tmp" "$2"
	fi
}

: >"$out/cells.new"
for suite in $suites; do
	registry=$(registry_of "$suite")
	ws=$(make_workspace "$suite" "$registry")
	profiles="legacy v0 lto"
	[ "$suite" = "$newest" ] && profiles="$profiles abort"
	for profile in $profiles; do
		rustflags= lto=false cgu=16 panic=unwind
		case $profile in
		v0) rustflags="-C symbol-mangling-version=v0" ;;
		lto) lto=fat cgu=1 ;;
		abort) panic=abort ;;
		esac
		(cd "$ws" && RUSTFLAGS="$rustflags" CARGO_TARGET_DIR="$ws/target-$profile" \
			CARGO_PROFILE_RELEASE_LTO=$lto CARGO_PROFILE_RELEASE_CODEGEN_UNITS=$cgu \
			CARGO_PROFILE_RELEASE_PANIC=$panic \
			"$cargo" build $quiet --release -p matrix -p panicker)
		version=$(sed -n '/^name = "tokio"$/{n;s/^version = "\(.*\)"$/\1/p}' "$ws/Cargo.lock")
		cell=$version-$profile
		mkdir -p "$out/$cell"
		for t in matrix panicker; do
			copy "$ws/target-$profile/release/$t" "$out/$cell/$t"
		done
		echo "$cell $version $suite $profile $out/$cell" >>"$out/cells.new"
	done
done
mv -f "$out/cells.new" "$out/cells"
cat "$out/cells"
