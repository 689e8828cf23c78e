#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile arch/x86/kvm/ with W=1 for the base tree and for the base + our
# series of one kernel line (same config.fragment), and fail if the series
# adds any warning.
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/kernel/w1-check.sh [--line 6.1|6.12] [-j N]

Builds arch/x86/kvm/ (and the virt/kvm/ files it includes) with W=1 in
\$SPTE_CACHE/kernel/build/<kver>-<config key>/w1, once at the base and once
with kernel-patch/<line>/*.patch applied, and prints the warnings of the patched
build that the base build does not have.  Warnings are compared as lines
"file: warning: text [-Wflag]" (line and column numbers dropped), counted
with multiplicity.  -Werror=X reports (CONFIG_KVM_WERROR is on) count as
the warning X; other compiler errors always count as new.

The base warnings are cached (the base never changes), so a run compiles
the KVM objects once: deleting them first, because a warning is printed
only when its object is compiled.  The w1 directory itself is reused, so
everything outside KVM is built only on the first run.

  --line L      kernel line (default: \$KERNEL_LINE, else 6.1)
  -j, --jobs N  make parallelism (default: nproc = $(nproc))
  -h, --help    this text
Exit status: 0 no new warning, 1 new warnings or failure, 2 bad usage.
EOF
}

KLOG_PREFIX=w1-check
# shellcheck source=tools/kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JOBS=$(nproc) LINE=
while [ $# -gt 0 ]; do
	if parse_jobs "$@"; then
		shift "$OPT_ARGS"
		continue
	fi
	case $1 in
	--line)
		[ $# -ge 2 ] || { echo "w1-check.sh: --line needs a value" >&2; exit 2; }
		LINE=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "w1-check.sh: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

set_line "$LINE"
load_base
load_series
config_key
take_lock
ensure_tree

W1=$BUILD_ROOT/w1
mkdir -p "$W1" "$KCACHE/logs"
STAMP=$(date +%Y%m%d-%H%M%S)
BASE_CACHE=$BUILD_ROOT/w1-base-$(cat "$KLIB_DIR/w1-check.sh" "$KLIB_DIR/lib.sh" |
	{ cat; gcc --version; } | short_hash 12).warnings

# Compiles the KVM objects of the tree as it is now with W=1 into $W1;
# the full compiler output goes to $1.
compile_kvm() {
	local log=$1 rc=0
	write_config "$W1" "$log"
	find "$W1/arch/x86/kvm" "$W1/virt/kvm" -name '*.o' -delete 2>/dev/null || true
	info "make W=1 arch/x86/kvm/ (log: $log)"
	local start=$SECONDS
	run_bounded "$SPTE_BUILD_TIMEOUT" make -C "$TREE" O="$W1" -j"$JOBS" -k W=1 \
		arch/x86/kvm/ >>"$log" 2>&1 || rc=$?
	info "compiled in $((SECONDS - start))s (make exit status $rc)"
	if [ "$rc" -ne 0 ] && ! grep -qE ': (warning|error): ' "$log"; then
		echo "w1-check: make failed without a compiler diagnostic; last lines of $log:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
}

# Turns compiler diagnostics (stdin) into comparable lines: paths relative
# to the source tree, no line/column numbers, -Werror=X shown as warning X.
normalise() {
	grep -E '^[^ ]+:[0-9]+(:[0-9]+)?: (warning|error): ' |
		sed -E -e "s#^($TREE|$W1)/##" -e 's#^(\.\./)+##' \
			-e 's#^([^ ]+):[0-9]+(:[0-9]+)?: #\1: #' \
			-e 's#: error: (.*) \[-Werror=([^]]+)\]$#: warning: \1 [-W\2]#' || true
}

if [ -f "$BASE_CACHE" ]; then
	info "base warnings from cache: $BASE_CACHE"
else
	LOG=$KCACHE/logs/w1-base-$STAMP.log
	info "compiling the base once to learn its W=1 warnings"
	checkout_base
	compile_kvm "$LOG"
	normalise <"$LOG" | LC_ALL=C sort >"$BASE_CACHE.tmp"
	mv "$BASE_CACHE.tmp" "$BASE_CACHE"
fi
base_count=$(wc -l <"$BASE_CACHE")

if [ ${#SERIES[@]} -eq 0 ]; then
	echo "w1-check: no patches in ${PATCH_DIR#"$REPO_ROOT"/}/: the patched tree is the base" \
		"($base_count W=1 warning line(s) in arch/x86/kvm at the base); no new warnings"
	exit 0
fi

LOG=$KCACHE/logs/w1-patched-$STAMP.log
apply_series 2>>"$LOG"
compile_kvm "$LOG"
patched=$(normalise <"$LOG" | LC_ALL=C sort)
new=$(LC_ALL=C comm -13 "$BASE_CACHE" <(printf '%s\n' "$patched" | sed '/^$/d'))
patched_count=$(printf '%s\n' "$patched" | sed '/^$/d' | wc -l)

if [ -z "$new" ]; then
	echo "w1-check: $KERNEL_LINE: ${#SERIES[@]} patch(es): no new W=1 warnings in arch/x86/kvm" \
		"(base $base_count, patched $patched_count warning line(s))"
	exit 0
fi

echo "w1-check: warnings new with the series (as the compiler printed them):"
# Show the compiler's own lines (with line numbers) for each new warning.
while IFS= read -r raw; do
	n=$(normalise <<<"$raw")
	[ -n "$n" ] && grep -qxF -- "$n" <<<"$new" && echo "  ${raw#"$TREE"/}"
done < <(grep -E '^[^ ]+:[0-9]+(:[0-9]+)?: (warning|error): ' "$LOG") | LC_ALL=C sort -u
echo "w1-check: $(printf '%s\n' "$new" | wc -l) new warning line(s)" \
	"(base $base_count, patched $patched_count); full log: $LOG"
exit 1
