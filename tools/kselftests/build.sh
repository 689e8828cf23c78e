#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build static KVM selftests from the base kernel tree, to run as workloads
# inside the QEMU guest (which has no libc of its own: static binaries).
set -euo pipefail

# The tests, by name in tools/testing/selftests/kvm/.
TESTS=(
	demand_paging_test               # faults in guest memory, -u: userfaultfd
	dirty_log_perf_test              # write-protects / dirty-logs memory
	kvm_page_table_test              # builds and tears down page tables
	memslot_modification_stress_test # memslot add/delete under vCPU load
)

usage() {
	cat <<EOF
Usage: tools/kselftests/build.sh [--print-path] [--force] [-j N]

Builds these KVM selftests as static x86_64 binaries:
  ${TESTS[*]}
from the pristine base tree of tools/kernel (Debian's linux-source-6.1, the
version in kernel-patch/6.1/BASE, whatever KERNEL_LINE says: the tests use
only stable uapi and run on either kernel line; never from the patched
tree).  The tree is only read: the uapi headers are installed
with 'make O=' and the tests are compiled with OUTPUT= into the cache.
Prints the directory holding the binaries; when all of them exist already
it does nothing else.

  --print-path  print only the binaries' directory (building if needed)
  --force       rebuild even if the binaries exist
  -j, --jobs N  make parallelism (default: nproc = $(nproc))
  -h, --help    this text

Cache: \$SPTE_CACHE/kselftests/<deb version>/{bin,headers,obj}, log in
\$SPTE_CACHE/kselftests/<deb version>/build.log.
EOF
}

KLOG_PREFIX=kselftests
# shellcheck source=tools/kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"

PRINT_PATH=0 FORCE=0 JOBS=$(nproc)
while [ $# -gt 0 ]; do
	if parse_jobs "$@"; then
		shift "$OPT_ARGS"
		continue
	fi
	case $1 in
	--print-path) PRINT_PATH=1 ;;
	--force) FORCE=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "kselftests: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done
[ "$PRINT_PATH" = 1 ] && QUIET=1

set_line 6.1
load_base

OUT=$SPTE_CACHE/kselftests/$BASE_DEB_VERSION
BIN=$OUT/bin

all_built() {
	local t
	for t in "${TESTS[@]}"; do
		[ -x "$BIN/$t" ] || return 1
	done
}

if [ "$FORCE" = 0 ] && all_built; then
	info "up to date: ${#TESTS[@]} tests from $BASE_DEB_PACKAGE $BASE_DEB_VERSION"
	echo "$BIN"
	exit 0
fi

QUIET=0
take_lock
ensure_tree
checkout_base

mkdir -p "$OUT/headers" "$OUT/obj" "$BIN"
LOG=$OUT/build.log
: >"$LOG"
trap 'rc=$?; [ $rc -eq 0 ] || { echo "kselftests: FAILED; last lines of $LOG:" >&2; tail -n 30 "$LOG" >&2; }; exit $rc' EXIT

start=$SECONDS
info "installing uapi headers into $OUT/headers (log: $LOG)"
run_bounded 900 make -C "$TREE" O="$OUT/headers" -j"$JOBS" headers_install >>"$LOG" 2>&1 ||
	die "make headers_install failed"

info "building ${TESTS[*]}"
targets=()
for t in "${TESTS[@]}"; do targets+=("$OUT/obj/$t"); done
# Full output paths: a bare test name would hit make's built-in %: %.c rule.
run_bounded 1800 make -C "$TREE/tools/testing/selftests/kvm" -j"$JOBS" \
	OUTPUT="$OUT/obj" KHDR_INCLUDES="-isystem $OUT/headers/usr/include" \
	EXTRA_CFLAGS=-static "${targets[@]}" >>"$LOG" 2>&1 ||
	die "building the selftests failed"

for t in "${TESTS[@]}"; do
	file -b "$OUT/obj/$t" | grep -q 'statically linked' ||
		die "$t is not statically linked: $(file -b "$OUT/obj/$t")"
	cp "$OUT/obj/$t" "$BIN/$t.tmp"
	mv "$BIN/$t.tmp" "$BIN/$t"
done
[ -z "$(tgit status --porcelain)" ] ||
	die "building the selftests left files in $TREE (expected it to stay pristine)"
info "built ${#TESTS[@]} tests in $((SECONDS - start))s"
echo "$BIN"
