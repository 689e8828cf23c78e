#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's current stock kernel image package of one kernel line into
# the cache and unpack it there: for 6.1 the package linux-image-amd64
# depends on (linux-image-6.1.0-NN-amd64), for 6.12 the one
# linux-image-6.12-amd64 depends on (linux-image-6.12.NNN+deb12-amd64,
# bookworm-security).  The package is never installed into the running
# system.  Prints shell assignments a caller can eval or source:
#
#   STOCK_KERNEL_LINE=6.1
#   STOCK_KERNEL_VERSION=6.1.0-NN-amd64
#   STOCK_KERNEL_PACKAGE=linux-image-6.1.0-NN-amd64=VERSION
#   STOCK_VMLINUZ=/path/to/vmlinuz
#   STOCK_MODULES=/path/to/lib/modules/6.1.0-NN-amd64
#   STOCK_VMLINUX=/path/to/vmlinux  (uncompressed; QEMU boots it through
#                                    PVH, about 4 s faster than the
#                                    xz-compressed vmlinuz under TCG)
#
# The same lines are written to $SPTE_CACHE/stock-kernel/stock.env (6.1)
# or stock-<line>.env (other lines).
set -euo pipefail

SPTE_CACHE=${SPTE_CACHE:-$HOME/.cache/spte-trace}
top=$SPTE_CACHE/stock-kernel
line=6.1

usage() {
	cat <<EOF
usage: $0 [--line 6.1|6.12] [--env-file PATH] [--quiet] [-h]

Download and unpack Debian's current kernel image of the line (default
6.1) into $top (SPTE_CACHE=$SPTE_CACHE).

  --line L         6.1: the image linux-image-amd64 depends on;
                   6.12: the image linux-image-6.12-amd64 depends on
  --env-file PATH  also write the assignments to PATH
  --quiet          print nothing on success (the env file is still written)
EOF
}

die() {
	echo "fetch-stock-kernel: $*" >&2
	exit 1
}

# The meta package of a line and the pattern of the image it depends on.
line_packages() {
	case $1 in
	6.1)
		meta_pkg=linux-image-amd64
		image_re='^linux-image-6\.1\.0-[0-9]+-amd64$'
		;;
	6.12)
		meta_pkg=linux-image-6.12-amd64
		image_re='^linux-image-6\.12\.[0-9]+\+deb12-amd64$'
		;;
	*) die "unknown kernel line '$1' (6.1 or 6.12)" ;;
	esac
}

# Print "PACKAGE VERSION" of the image package that the line's meta
# package depends on today.  Picking the dependency (not the newest name
# in the archive) keeps us on the kernel Debian ships now.
resolve_package() {
	local info dep

	info=$(apt-cache show --no-all-versions "$meta_pkg" 2>/dev/null) ||
		die "apt-cache knows no $meta_pkg: run 'apt-get update' first"
	dep=$(awk -v re="$image_re" '/^Depends:/ {
		for (i = 2; i <= NF; i++)
			if ($i ~ re && $(i + 1) == "(=") {
				v = $(i + 2); sub(/\)[,]?$/, "", v); print $i, v; exit
			}
	}' <<<"$info")
	[ -n "$dep" ] ||
		die "$meta_pkg does not depend on an exact version of an image matching $image_re"
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

# Copies $3 bytes at offset $2 of file $1 to stdout.
payload() {
	dd if="$1" bs=64K iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none
}

# Prints the unsigned little-endian number of $3 bytes at offset $2 of $1.
le_field() {
	od -A n -t u"$3" -j "$2" -N "$3" --endian=little "$1" | tr -d ' '
}

# Write the uncompressed kernel inside bzImage $1 to $2.  The boot
# protocol header says where the compressed payload is (payload_offset
# and payload_length, counted from the protected-mode code that follows
# the (setup_sects + 1) * 512 bytes of setup); Debian compresses 6.1 with
# xz and 6.12 with zstd.  The payload is the ELF vmlinux (with relocations
# appended, which ELF loaders ignore).
extract_vmlinux() {
	local bz=$1 out=$2 sects off len magic

	[ -s "$out" ] && return
	sects=$(le_field "$bz" $((0x1f1)) 1)
	[ "$sects" -gt 0 ] || sects=4
	off=$(( (sects + 1) * 512 + $(le_field "$bz" $((0x248)) 4) ))
	len=$(le_field "$bz" $((0x24c)) 4)
	[ "$len" -gt 0 ] || die "no payload in the boot header of $bz"
	magic=$(od -A n -t x1 -j "$off" -N 4 "$bz" | tr -d ' ')
	# The payload's last 4 bytes are the uncompressed size the boot code
	# reads, not part of the compressed stream.
	case $magic in
	fd377a58)
		payload "$bz" "$off" "$((len - 4))" | xz -dc --single-stream >"$out.tmp"
		;;
	28b52ffd)
		command -v zstd >/dev/null || die "zstd not found: install zstd"
		# The kernel compresses with a window above zstd's default limit.
		payload "$bz" "$off" "$((len - 4))" | zstd -qdc --memory=2048MB >"$out.tmp"
		;;
	*) die "unknown compression of the kernel in $bz (magic $magic)" ;;
	esac || { rm -f "$out.tmp"; die "cannot decompress the kernel in $bz"; }
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
		--line)
			[ $# -ge 2 ] || die "--line needs a value"
			line=$2
			shift 2
			;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; die "unknown argument: $1" ;;
		esac
	done

	command -v apt-cache >/dev/null || die "apt-cache not found (Debian only)"
	command -v dpkg-deb >/dev/null || die "dpkg-deb not found (Debian only)"
	PATH=$PATH:/usr/sbin:/sbin command -v depmod >/dev/null ||
		die "depmod not found: install kmod (make deps)"
	PATH=$PATH:/usr/sbin:/sbin

	local pkg ver kver deb root vmlinuz moddir out env

	line_packages "$line"
	env=$top/stock.env
	[ "$line" = 6.1 ] || env=$top/stock-$line.env
	if cached_result_valid "$env"; then
		out=$(cat "$env")
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

	out=$(printf 'STOCK_KERNEL_LINE=%q\nSTOCK_KERNEL_VERSION=%q\nSTOCK_KERNEL_PACKAGE=%q\nSTOCK_VMLINUZ=%q\nSTOCK_MODULES=%q\nSTOCK_VMLINUX=%q\n' \
		"$line" "$kver" "${pkg}=$ver" "$vmlinuz" "$moddir" "$root/vmlinux")
	echo "$out" >"$env"
	[ -z "$env_file" ] || echo "$out" >"$env_file"
	[ "$quiet" = 1 ] || echo "$out"
}

main "$@"
