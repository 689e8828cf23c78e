#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run scripts/checkpatch.pl --strict on the kernel patch series, each with
# the checkpatch.pl of its own base tree.  Fails (exit 1) on any ERROR or
# WARNING; prints every report, so the CHECK lines are visible too, and
# ends with a one-line summary per line and overall.
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/kernel/checkpatch.sh [--line L]... [PATCH...]

Checks kernel-patch/<line>/*.patch of every kernel line (6.1 and 6.12),
or of the lines given with --line, with checkpatch.pl --strict from that
line's pristine tree in \$SPTE_CACHE/kernel/src (extracted first if
needed).  PATCH files given on the command line are checked instead of a
series, with the tree of the one --line given (default: \$KERNEL_LINE,
else 6.1).
Exit status: 0 when there are no ERROR and no WARNING reports (CHECKs are
reported but allowed) or when there is no patch at all; 1 otherwise; 2 on
bad usage.

UNKNOWN_COMMIT_ID is ignored: the cached tree is a one-commit repository
of the tarball, without the upstream history that check looks ids up in.
EOF
}

KLOG_PREFIX=checkpatch
# shellcheck source=tools/kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LINES=() FILES=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--line)
		[ $# -ge 2 ] || { echo "checkpatch.sh: --line needs a value" >&2; exit 2; }
		LINES+=("$2")
		shift
		;;
	-*)
		echo "checkpatch.sh: unknown option: $1 (see --help)" >&2
		exit 2
		;;
	*)
		[ -f "$1" ] || { echo "checkpatch.sh: no such patch file: $1" >&2; exit 2; }
		FILES+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")")
		;;
	esac
	shift
done
if [ ${#FILES[@]} -gt 0 ]; then
	[ ${#LINES[@]} -le 1 ] || { echo "checkpatch.sh: PATCH files take one --line" >&2; exit 2; }
	LINES=("${LINES[0]:-${KERNEL_LINE:-6.1}}")
elif [ ${#LINES[@]} -eq 0 ]; then
	mapfile -t LINES < <(kernel_lines)
fi

# checkpatch runs scripts/spdxcheck.py with the python3 found in PATH; it
# needs Debian's python3-ply and python3-git, so prefer Debian's python3
# over any other one earlier in PATH.
export PATH=/usr/bin:/bin:$PATH

total_errors=0 total_warnings=0 total_checks=0 total_patches=0 summary=()
for line in "${LINES[@]}"; do
	set_line "$line"
	load_base
	if [ ${#FILES[@]} -gt 0 ]; then
		SERIES=("${FILES[@]}")
	else
		load_series
	fi
	if [ ${#SERIES[@]} -eq 0 ]; then
		summary+=("checkpatch: $line: no patches in ${PATCH_DIR#"$REPO_ROOT"/}/: nothing to check")
		continue
	fi

	# checkpatch only reads the tree; the lock is needed only to create it.
	if [ ! -x "$TREE/scripts/checkpatch.pl" ]; then
		take_lock
		ensure_tree
	fi

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
	summary+=("checkpatch: $line ($BASE_DEB_PACKAGE $BASE_DEB_VERSION): ${#SERIES[@]} patch(es), $errors error(s), $warnings warning(s), $checks check(s): $([ "$bad_patches" -eq 0 ] && echo OK || echo "FAIL ($bad_patches patch(es) to fix)")")
	total_errors=$((total_errors + errors)) total_warnings=$((total_warnings + warnings))
	total_checks=$((total_checks + checks)) total_patches=$((total_patches + ${#SERIES[@]}))
done

printf '%s\n' "${summary[@]}"
[ ${#LINES[@]} -le 1 ] || echo "checkpatch: all lines: $total_patches patch(es), $total_errors error(s)," \
	"$total_warnings warning(s), $total_checks check(s)"
[ $((total_errors + total_warnings)) -eq 0 ]
