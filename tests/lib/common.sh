# SPDX-License-Identifier: GPL-2.0
#
# Shared by tests/operator/*.sh: pass/fail bookkeeping and the final line
# "<name>: N passed, N failed" (or "<name>: SKIP: reason" and exit 77, as
# tests/run.sh expects).  Source it after setting NAME.

BUILD=${BUILD:-build}
PASSED=0
FAILED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spte-$NAME.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

pass() {
	PASSED=$((PASSED + 1))
	echo "  ok: $*"
}

fail() {
	FAILED=$((FAILED + 1))
	echo "  FAIL: $*"
}

# check DESCRIPTION COMMAND...: pass if the command succeeds.
check() {
	local what=$1

	shift
	if "$@" >"$WORK/check.out" 2>&1; then
		pass "$what"
	else
		fail "$what"
		sed 's/^/    /' "$WORK/check.out" | head -40
	fi
}

# skip REASON: this test cannot run here; say why and end.
skip() {
	echo "$NAME: SKIP: $*"
	exit 77
}

finish() {
	echo "$NAME: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
}

need_bin() {
	if [ ! -x "$1" ]; then
		fail "$1 is not built (make tests)"
		finish
	fi
}
