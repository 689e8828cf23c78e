#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the QEMU harness's failure paths (tools/qemu/run-guest.sh), on
# the stock kernel under QEMU/TCG: a guest kernel that stalls is stopped
# long before --timeout and reported as stalled with its console; a guest
# that hangs silently is stopped at --timeout and reported as timed out;
# tools/e2e/e2e.sh retries a stalled scenario once and no more; and the
# guest-side scenario library passes its own test.
# Ends with "harness: N passed, N failed"; exit 77 with a reason when the
# stock kernel cannot be fetched.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0 failed=0
check() {	# name command...
	if "${@:2}"; then
		passed=$((passed + 1))
		echo "PASS harness: $1"
	else
		failed=$((failed + 1))
		echo "FAIL harness: $1"
	fi
}

if ! tools/qemu/fetch-stock-kernel.sh --quiet; then
	echo "harness: SKIP: the stock kernel could not be fetched (apt-get download)"
	exit 77
fi
out=${BUILD:-build}/harness
mkdir -p "$out"

# A stall line on the console: the watchdog stops QEMU after the grace,
# far inside the 300 s bound.
rm -rf "$out/stall"
t0=$SECONDS
rc=0
tools/qemu/run-guest.sh --kernel stock --timeout 300 --stall-grace 3 \
	--scenario tests/harness/stall-scenario.sh --out "$out/stall" \
	>"$out/stall.log" 2>&1 || rc=$?
took=$((SECONDS - t0))
check "stalled guest: exit 125 (got $rc)" [ "$rc" -eq 125 ]
check "stalled guest: stopped in ${took}s, before the 300 s timeout" [ "$took" -lt 120 ]
check "stalled guest: the stall line is reported" \
	grep -q 'the guest kernel stalled after .*self-detected stall on CPU (harness test)' "$out/stall.log"
check "stalled guest: stalled.txt kept" grep -q 'self-detected stall' "$out/stall/stalled.txt"
check "stalled guest: console tail shown" grep -q 'last lines of .*console.log' "$out/stall.log"

# No stall line: only --timeout ends it.
rm -rf "$out/hang"
rc=0
tools/qemu/run-guest.sh --kernel stock --timeout 25 \
	--scenario tests/harness/hang-scenario.sh --out "$out/hang" \
	>"$out/hang.log" 2>&1 || rc=$?
check "silent hang: exit 124 (got $rc)" [ "$rc" -eq 124 ]
check "silent hang: reported as a timeout" grep -qE 'timed out after 25s|ran past its [0-9]+s deadline' "$out/hang.log"
check "silent hang: not reported as a stall" [ ! -e "$out/hang/stalled.txt" ]

# Bad usage is refused before anything boots.
rc=0
tools/qemu/run-guest.sh --kernel stock --stall-grace x --scenario tests/harness/hang-scenario.sh \
	--out "$out/usage" >"$out/usage.log" 2>&1 || rc=$?
check "bad --stall-grace: exit 2 (got $rc)" [ "$rc" -eq 2 ]
check "bad --stall-grace: says why" grep -q -- "--stall-grace must be a positive integer, not 'x'" "$out/usage.log"

# The guest-side scenario library's own test (make guest-lib-test):
# assertions, bounded waits, workload_retry, daemons.
rm -rf "$out/lib-test"
rc=0
tools/qemu/run-guest.sh --kernel stock --timeout 300 --add "${BUILD:-build}/spte-vmm" \
	--scenario tools/qemu/scenarios/lib-test.sh --out "$out/lib-test" \
	>"$out/lib-test.log" 2>&1 || rc=$?
check "scenario library self-test: exit 0 (got $rc; $(grep -c '^PASS' "$out/lib-test/results.txt" 2>/dev/null) checks passed)" \
	[ "$rc" -eq 0 ]
grep '^FAIL' "$out/lib-test/results.txt" 2>/dev/null

# e2e.sh retries a scenario whose guest stalled once, loudly, and fails
# one that stalls again (stand-in scenarios: a stalls on its first try
# only, d on every try).
rm -rf "$out/e2e"
rc=0
E2E_SCENARIO_DIR=tests/harness/scenarios E2E_STALL_GRACE=3 \
	tools/e2e/e2e.sh --scenario a --scenario d --out "$out/e2e" \
	>"$out/e2e.log" 2>&1 || rc=$?
check "e2e retry: a stall twice fails the run (exit $rc)" [ "$rc" -ne 0 ]
check "e2e retry: a passed on its second try" grep -q '^PASS a-stock: second try' "$out/e2e/6.1/a-stock/results.txt"
check "e2e retry: the first try of a is kept" [ -s "$out/e2e/6.1/a-stock.stalled/stalled.txt" ]
check "e2e retry: the retry is announced" \
	grep -q 'WARNING: a-stock: the guest kernel stalled (.*(e2e retry test)); retrying once' "$out/e2e.log"
check "e2e retry: d failed after its retry" grep -qE '^d-late-start .* 0/1 *$' "$out/e2e.log"
check "e2e retry: the summary names both" \
	grep -q 'stalled and retried once: a-stock d-late-start' "$out/e2e.log"

echo "harness: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
