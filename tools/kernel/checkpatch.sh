#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the base tree's scripts/checkpatch.pl --strict on the kernel patch
# series.  Fails (exit 1) on any ERROR or WARNING; prints every report, so
# the CHECK lines are visible too, and ends with a one-line summary.
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/kernel/checkpatch.sh [PATCH...]

Checks kernel-patch/*.patch (or the PATCH files given) with checkpatch.pl
--strict from the pristine $(
		grep -m1 '^DEB_PACKAGE=' "$(dirname "$0")/../../kernel-patch/BASE" | cut -d= -f2
	) tree in \$SPTE_CACHE/kernel/src (extracted first if needed).
Exit status: 0 when there are no ERROR and no WARNING reports (CHECKs are
reported but allowed) or when there is no patch at all; 1 otherwise; 2 on
bad usage.

UNKNOWN_COMMIT_ID is ignored: the cached tree is a one-commit repository
of the tarball, without the upstream history that check looks ids up in.
EOF
}

case ${1:-} in
-h | --help)
	usage
	exit 0
	;;
-*)
	echo "checkpatch.sh: unknown option: $1 (see --help)" >&2
	exit 2
	;;
esac

KLOG_PREFIX=checkpatch
# shellcheck source=tools/kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_base

if [ $# -gt 0 ]; then
	SERIES=()
	for p in "$@"; do
		[ -f "$p" ] || die "no such patch file: $p"
		SERIES+=("$(cd "$(dirname "$p")" && pwd)/$(basename "$p")")
	done
else
	load_series
fi
if [ ${#SERIES[@]} -eq 0 ]; then
	echo "checkpatch: no patches in ${PATCH_DIR#"$REPO_ROOT"/}/ yet: nothing to check"
	exit 0
fi

# checkpatch only reads the tree; the lock is needed only to create it.
if [ ! -x "$TREE/scripts/checkpatch.pl" ]; then
	take_lock
	ensure_tree
fi

# checkpatch runs scripts/spdxcheck.py with the python3 found in PATH; it
# needs Debian's python3-ply and python3-git, so prefer Debian's python3
# over any other one earlier in PATH.
export PATH=/usr/bin:/bin:$PATH

errors=0 warnings=0 checks=0 bad_patches=0
for p in "${SERIES[@]}"; do
	name=${p#"$REPO_ROOT"/}
	out=$(cd "$TREE" && run_bounded 300 perl scripts/checkpatch.pl --strict --color=never \
		--show-types --ignore UNKNOWN_COMMIT_ID "$p" 2>&1) || true
	total=$(grep -E '^total: [0-9]+ errors, [0-9]+ warnings, [0-9]+ checks' <<<"$out" | tail -n1 || true)
	[ -n "$total" ] || {
		echo "$out" >&2
		die "checkpatch.pl produced no summary for $name"
	}
	read -r e w c < <(sed -E 's/^total: ([0-9]+) errors, ([0-9]+) warnings, ([0-9]+) checks.*/\1 \2 \3/' <<<"$total")
	errors=$((errors + e)) warnings=$((warnings + w)) checks=$((checks + c))
	[ $((e + w)) -eq 0 ] || bad_patches=$((bad_patches + 1))
	echo "=== $name: $e errors, $w warnings, $c checks"
	if [ $((e + w + c)) -gt 0 ]; then
		# The reports, without checkpatch's closing boilerplate.
		sed -n '/^total: /q;p' <<<"$out" | sed -e '/^$/N;/^\n$/D'
	fi
done

echo "checkpatch: ${#SERIES[@]} patch(es), $errors error(s), $warnings warning(s)," \
	"$checks check(s): $([ "$bad_patches" -eq 0 ] && echo OK || echo "FAIL ($bad_patches patch(es) to fix)")"
[ $((errors + warnings)) -eq 0 ]
