#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the spte-trace guest kernel of one kernel line: Debian's
# linux-source-<line> (the version in kernel-patch/<line>/BASE) +
# kernel-patch/<line>/*.patch, configured from tools/kernel/config.fragment,
# cached under $SPTE_CACHE/kernel.
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/kernel/build.sh [--line 6.1|6.12] [--print-path] [--no-build]
                             [--force] [-j N]

Builds bzImage for the base in kernel-patch/<line>/BASE plus every
kernel-patch/<line>/*.patch (applied in name order with git am; an empty
series builds the base kernel) and prints the artifact directory on
stdout.  When that directory already exists the script does nothing else
(seconds).

  --line L      kernel line (default: \$KERNEL_LINE, else 6.1); the lines
                are the directories of kernel-patch/ with a BASE file
  --print-path  print only the artifact directory on stdout and stay quiet
                on stderr unless a build is needed (building if needed)
  --no-build    never build: print the artifact directory if it exists,
                else fail (exit 3); for Makefiles that want the path cheaply
  --force       rebuild and replace the artifact even if it exists
  -j, --jobs N  make parallelism (default: nproc = $(nproc))
  -h, --help    this text

Cache (\$SPTE_CACHE, default \$HOME/.cache/spte-trace):
  kernel/src/<deb package>_<deb version>/
                                   pristine git tree, tag "base"
  kernel/build/<kver>-<config key>/obj
                                   make O= directory, reused by every series
                                   built with the same BASE + config.fragment
  kernel/artifacts/<kver>-p<N>-<key>/
                                   bzImage vmlinux System.map config series
                                   build-info; <N> = number of patches, <key> =
                                   hash of BASE, the series, config.fragment
                                   and these scripts
  kernel/logs/build-<key>-<time>.log

Environment: KERNEL_LINE, SPTE_CACHE, SPTE_BUILD_TIMEOUT (s, default 7200),
SPTE_LOCK_TIMEOUT (s, default 7200).
EOF
}

KLOG_PREFIX=kernel
# shellcheck source=tools/kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PRINT_PATH=0 NO_BUILD=0 FORCE=0 JOBS=$(nproc) LINE=
while [ $# -gt 0 ]; do
	if parse_jobs "$@"; then
		shift "$OPT_ARGS"
		continue
	fi
	case $1 in
	--line)
		[ $# -ge 2 ] || { echo "build.sh: --line needs a value" >&2; exit 2; }
		LINE=$2
		shift
		;;
	--print-path) PRINT_PATH=1 ;;
	--no-build) NO_BUILD=1 ;;
	--force) FORCE=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "build.sh: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done
[ "$PRINT_PATH" = 1 ] && QUIET=1

set_line "$LINE"
load_base
load_series
config_key

# The artifact key: everything that decides what the build produces.
artifact_inputs() {
	local f
	echo "base"
	cat "$BASE_FILE"
	for f in ${SERIES[@]+"${SERIES[@]}"}; do
		echo "patch $(basename "$f")"
		cat "$f"
	done
	for f in "$CONFIG_FRAGMENT" "$KLIB_DIR/build.sh" "$KLIB_DIR/lib.sh"; do
		echo "file $(basename "$f")"
		cat "$f"
	done
}
KEY=$(artifact_inputs | short_hash 16)
ARTIFACT=$KCACHE/artifacts/$BASE_KERNEL_VERSION-p${#SERIES[@]}-$KEY

if [ "$FORCE" = 0 ] && [ -f "$ARTIFACT/bzImage" ]; then
	info "up to date: $BASE_KERNEL_VERSION + ${#SERIES[@]} patch(es)"
	echo "$ARTIFACT"
	exit 0
fi
if [ "$NO_BUILD" = 1 ]; then
	echo "kernel: not built yet for this series/config ($ARTIFACT); run 'make kernel KERNEL_LINE=$KERNEL_LINE'" >&2
	exit 3
fi

QUIET=0
take_lock
# Another build may have produced it while we waited for the lock.
if [ "$FORCE" = 0 ] && [ -f "$ARTIFACT/bzImage" ]; then
	echo "$ARTIFACT"
	exit 0
fi

ensure_tree
mkdir -p "$KCACHE/logs"
LOG=$KCACHE/logs/build-$KEY-$(date +%Y%m%d-%H%M%S).log
OBJ=$BUILD_ROOT/obj

on_failure() {
	echo "kernel: build FAILED; last lines of $LOG:" >&2
	tail -n 40 "$LOG" >&2 || true
}
trap 'rc=$?; [ $rc -eq 0 ] || on_failure; exit $rc' EXIT

info "building $BASE_DEB_PACKAGE $BASE_DEB_VERSION + ${#SERIES[@]} patch(es) of kernel-patch/$KERNEL_LINE in $OBJ"
info "log: $LOG"
apply_series 2>>"$LOG"
write_config "$OBJ" "$LOG"

start=$SECONDS
info "make -j$JOBS bzImage (7 to 12 min from scratch on 2 cores; at most ${SPTE_BUILD_TIMEOUT}s)"
if ! run_bounded "$SPTE_BUILD_TIMEOUT" make -C "$TREE" O="$OBJ" -j"$JOBS" bzImage >>"$LOG" 2>&1; then
	die "make bzImage failed or timed out"
fi
wall=$((SECONDS - start))

tmp=$ARTIFACT.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
cp "$OBJ/arch/x86/boot/bzImage" "$OBJ/vmlinux" "$OBJ/System.map" "$tmp/"
cp "$OBJ/.config" "$tmp/config"
cp "$BASE_FILE" "$tmp/BASE"
{
	for f in ${SERIES[@]+"${SERIES[@]}"}; do
		echo "$(sha256sum <"$f" | cut -c1-64)  $(basename "$f")"
	done
} >"$tmp/series"
cat >"$tmp/build-info" <<EOF
KERNEL_RELEASE=$(cat "$OBJ/include/config/kernel.release")
KERNEL_LINE=$KERNEL_LINE
BASE=$BASE_DEB_PACKAGE $BASE_DEB_VERSION
PATCHES=${#SERIES[@]}
TREE_HEAD=$(tgit rev-parse HEAD)
ARTIFACT_KEY=$KEY
BUILD_DIR=$OBJ
MAKE_JOBS=$JOBS
MAKE_WALL_SECONDS=$wall
BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
COMPILER=$(gcc --version | head -n1)
LOG=$LOG
EOF
rm -rf "$ARTIFACT"
mv "$tmp" "$ARTIFACT"
info "built in ${wall}s: $(du -h "$ARTIFACT/bzImage" | cut -f1) bzImage, release $(cat "$OBJ/include/config/kernel.release")"
echo "$ARTIFACT"
