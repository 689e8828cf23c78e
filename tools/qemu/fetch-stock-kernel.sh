#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's current stock kernel image package (the one
# linux-image-amd64 depends on) into the cache and unpack it there.  The
# package is never installed into the running system.  Prints shell
# assignments a caller can eval or source:
#
#   STOCK_KERNEL_VERSION=6.1.0-NN-amd64
#   STOCK_KERNEL_PACKAGE=linux-image-6.1.0-NN-amd64
#   STOCK_VMLINUZ=/path/to/vmlinuz
#   STOCK_MODULES=/path/to/lib/modules/6.1.0-NN-amd64
#   STOCK_VMLINUX=/path/to/vmlinux  (uncompressed; QEMU boots it through
#                                    PVH, about 4 s faster than the
#                                    xz-compressed vmlinuz under TCG)
#
# The same lines are written to $SPTE_CACHE/stock-kernel/stock.env.
set -euo pipefail

SPTE_CACHE=${SPTE_CACHE:-$HOME/.cache/spte-trace}
top=$SPTE_CACHE/stock-kernel
meta_pkg=linux-image-amd64

usage() {
	cat <<EOF
usage: $0 [--env-file PATH] [--quiet] [-h]

Download and unpack the current $meta_pkg dependency into
$top (SPTE_CACHE=$SPTE_CACHE).

  --env-file PATH  also write the assignments to PATH
  --quiet          print nothing on success (the env file is still written)
EOF
}

die() {
	echo "fetch-stock-kernel: $*" >&2
	exit 1
}

# Print "PACKAGE VERSION" of the linux-image-6.1.0-*-amd64 package that
# the meta package depends on today.  Picking the dependency (not the
# newest name in the archive) keeps us on the kernel Debian ships now.
resolve_package() {
	local info dep

	info=$(apt-cache show --no-all-versions "$meta_pkg" 2>/dev/null) ||
		die "apt-cache knows no $meta_pkg: run 'apt-get update' first"
	dep=$(awk '/^Depends:/ {
		for (i = 2; i <= NF; i++)
			if ($i ~ /^linux-image-6\.1\.0-[0-9]+-amd64$/ && $(i + 1) == "(=") {
				v = $(i + 2); sub(/\)[,]?$/, "", v); print $i, v; exit
			}
	}' <<<"$info")
	[ -n "$dep" ] ||
		die "$meta_pkg does not depend on an exact linux-image-6.1.0-*-amd64 version"
	echo "$dep"
}

# A previous result is still good while apt's package lists are older
# than it and the files it names exist: apt-cache alone takes seconds.
cached_result_valid() {
	local env=$1 lists=/var/lib/apt/lists

	[ -s "$env" ] || return 1
	[ -z "$(find "$lists" -maxdepth 1 -newer "$env" -print -quit 2>/dev/null)" ] || return 1
	(
		# shellcheck disable=SC1090
		. "$env"
		[ -f "$STOCK_VMLINUZ" ] && [ -f "$STOCK_MODULES/modules.dep" ] &&
			[ -s "${STOCK_VMLINUX:-}" ]
	)
}

# Download the .deb into $1 unless a complete one is already there.
download_deb() {
	local dir=$1 pkg=$2 ver=$3 deb

	deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
	if [ -n "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; then
		echo "$deb"
		return
	fi
	# apt-get download writes into the current directory; use a scratch
	# directory so an interrupted download never looks complete.
	local tmp apt_opts=()
	tmp=$(mktemp -d "$dir/.download.XXXXXX")
	# As root, apt drops to the _apt user, which cannot write into a
	# private cache under $HOME; download as root instead.
	[ "$(id -u)" -ne 0 ] || apt_opts=(-o APT::Sandbox::User=root)
	if ! (cd "$tmp" && apt-get download -q "${apt_opts[@]}" "$pkg=$ver" >&2); then
		rm -rf "$tmp"
		die "apt-get download $pkg=$ver failed"
	fi
	deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
	[ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download produced no .deb"; }
	mv "$deb" "$dir/"
	rm -rf "$tmp"
	echo "$dir/$(basename "$deb")"
}

# Unpack the .deb into $2 once; a stamp file marks a finished unpack.
# The package ships no modules.dep (its postinst runs depmod), so build
# one for the unpacked tree.
unpack_deb() {
	local deb=$1 root=$2 kver=$3

	[ -e "$root/.unpacked" ] && return
	rm -rf "$root" "$root.tmp"
	mkdir -p "$root.tmp"
	dpkg-deb -x "$deb" "$root.tmp" || { rm -rf "$root.tmp"; die "dpkg-deb -x $deb failed"; }
	depmod -b "$root.tmp" "$kver" || { rm -rf "$root.tmp"; die "depmod on $root.tmp failed"; }
	touch "$root.tmp/.unpacked"
	mv "$root.tmp" "$root"
}

# Write the uncompressed kernel inside bzImage $1 to $2.  Debian's image
# is xz-compressed (CONFIG_KERNEL_XZ): the payload starts at the xz
# magic; --single-stream ignores what follows it in the bzImage.
extract_vmlinux() {
	local bz=$1 out=$2 off

	[ -s "$out" ] && return
	off=$(LC_ALL=C grep -abo -m1 $'\xfd7zXZ\x00' "$bz" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || die "no xz payload in $bz"
	# Not a pipe: xz stops reading at the stream's end, and the SIGPIPE
	# of tail would fail the pipeline.
	xz -dc --single-stream <(tail -c +"$((off + 1))" "$bz") >"$out.tmp" ||
		{ rm -f "$out.tmp"; die "cannot decompress the kernel in $bz"; }
	[ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] ||
		{ rm -f "$out.tmp"; die "the payload of $bz is not an ELF kernel"; }
	mv "$out.tmp" "$out"
}

main() {
	local env_file="" quiet=0

	while [ $# -gt 0 ]; do
		case $1 in
		--env-file)
			[ $# -ge 2 ] || die "--env-file needs a path"
			env_file=$2
			shift 2
			;;
		--quiet) quiet=1; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; die "unknown argument: $1" ;;
		esac
	done

	command -v apt-cache >/dev/null || die "apt-cache not found (Debian only)"
	command -v dpkg-deb >/dev/null || die "dpkg-deb not found (Debian only)"
	PATH=$PATH:/usr/sbin:/sbin command -v depmod >/dev/null ||
		die "depmod not found: install kmod (make deps)"
	PATH=$PATH:/usr/sbin:/sbin

	local pkg ver kver deb root vmlinuz moddir out

	if cached_result_valid "$top/stock.env"; then
		out=$(cat "$top/stock.env")
		[ -z "$env_file" ] || echo "$out" >"$env_file"
		[ "$quiet" = 1 ] || echo "$out"
		return
	fi

	read -r pkg ver <<<"$(resolve_package)"
	kver=${pkg#linux-image-}

	mkdir -p "$top"
	deb=$(download_deb "$top" "$pkg" "$ver")
	root=$top/${pkg}_$ver
	unpack_deb "$deb" "$root" "$kver"

	vmlinuz=$root/boot/vmlinuz-$kver
	moddir=$root/lib/modules/$kver
	[ -f "$vmlinuz" ] || die "$vmlinuz missing from $deb"
	[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing from $deb"
	extract_vmlinux "$vmlinuz" "$root/vmlinux"

	out=$(printf 'STOCK_KERNEL_VERSION=%q\nSTOCK_KERNEL_PACKAGE=%q\nSTOCK_VMLINUZ=%q\nSTOCK_MODULES=%q\nSTOCK_VMLINUX=%q\n' \
		"$kver" "${pkg}=$ver" "$vmlinuz" "$moddir" "$root/vmlinux")
	echo "$out" >"$top/stock.env"
	[ -z "$env_file" ] || echo "$out" >"$env_file"
	[ "$quiet" = 1 ] || echo "$out"
}

main "$@"
