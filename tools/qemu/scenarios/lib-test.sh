#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest scenario that tests lib.sh itself, and spte-vmm's run-until-
# stopped mode, which scenario d builds on:
#
#   tools/qemu/run-guest.sh --kernel stock --add build/spte-vmm \
#       --scenario tools/qemu/scenarios/lib-test.sh --out DIR
set -euo pipefail
. /lib/spte/lib.sh

e2e_begin lib-test

# --- assertions record what they should, failing ones included --------
real_results=$RESULTS real_fails=$E2E_FAILS real_passes=$E2E_PASSES
RESULTS=/tmp/deliberate.txt
assert_eq "eq" 1 1
assert_eq "eq mismatch" 1 2 || true
assert_ge "ge" 5 5
assert_gt "gt not int" x 1 || true
assert_true "true" true
assert_false "false" false
assert_grep "grep miss" nothing /proc/version || true
fails=$E2E_FAILS passes=$E2E_PASSES
RESULTS=$real_results E2E_FAILS=$real_fails E2E_PASSES=$real_passes
assert_eq "deliberate checks: 3 FAIL lines" 3 "$(grep -c '^FAIL lib-test: ' /tmp/deliberate.txt)"
assert_eq "deliberate checks: 4 PASS lines" 4 "$(grep -c '^PASS lib-test: ' /tmp/deliberate.txt)"
assert_eq "fail counter" 3 "$fails"
assert_eq "pass counter" 4 "$passes"
assert_grep "a FAIL line names its details" \
	"^FAIL lib-test: eq mismatch \(expected '1', got '2'\)$" /tmp/deliberate.txt

# --- workload_retry: a second run after a failed first, never a third -----
rm -f /tmp/retry-marker
workload_retry retry-once 30 bash -c '[ -e /tmp/retry-marker ] || { touch /tmp/retry-marker; exit 3; }'
assert_grep "retry-once: the second run is recorded" \
	'^PASS lib-test: workload retry-once exits 0' "$RESULTS"
assert_grep "retry-once: noted as retried" '^lib-test retried_retry-once 1$' /out/values.txt
assert_grep "retry-once: the first run's log is kept" '^[+] bash -c' /out/retry-once.try1.log
workload_retry first-try 30 true
assert_grep "first-try: noted as not retried" '^lib-test retried_first-try 0$' /out/values.txt
real_results=$RESULTS real_fails=$E2E_FAILS real_passes=$E2E_PASSES
RESULTS=/tmp/deliberate-retry.txt
workload_retry always-fails 30 false
RESULTS=$real_results E2E_FAILS=$real_fails E2E_PASSES=$real_passes
assert_grep "always-fails: fails after its one retry" \
	"^FAIL lib-test: workload always-fails exits 0 \\(expected '0', got '1'\\)$" /tmp/deliberate-retry.txt

# --- bounded waits really are bounded -----------------------------------
t0=$SECONDS
if wait_until 2 "something that never happens" false; then
	fail "wait_until false returns 1"
else
	pass "wait_until false returns 1"
fi
assert_le "wait_until 2 gives up within 4 s" $((SECONDS - t0)) 4
ready_fifo /tmp/never
t0=$SECONDS
if ready_wait /tmp/never 1; then fail "ready_wait on a silent FIFO times out"; else pass "ready_wait on a silent FIFO times out"; fi
assert_le "ready_wait 1 gives up within 3 s" $((SECONDS - t0)) 3

# --- the stock tracepoint counters -----------------------------------------
spte_count_start
workload vmm-count 120 spte-vmm --mem 8 --vcpus 2 --rounds 3 --zap madvise
spte_count_read >/out/lib-test-counts.txt
# 8 MiB = 2048 pages, mapped once and zapped twice by madvise.  From 6.10
# on (6.12), tearing the VM down also zaps 4 KiB leaves directly (p>0),
# where 6.1 freezes them as the children of removed tables (p>R).
if [ "$_spte_np" = 0 ]; then
	assert_eq "madvise zaps: p>0 at level 1" 4096 "$(spte_count 'p>0' 1)"
else
	assert_ge "madvise zaps and teardown: p>0 at level 1" "$(spte_count 'p>0' 1)" 4096
fi
assert_ge "faults: 0>p at level 1" "$(spte_count '0>p' 1)" 6144
assert_eq "no unclassified transition" 0 "$(spte_count other)"
spte_count_stop
assert_no_grep "counters removed" '^hist:' "$SPTE_EVENT/trigger"

# --- a VM that runs until told to stop (scenario d's setup) ---------------
ready_fifo /tmp/vmm.ready
daemon_start vmm /out/vmm-daemon.log \
	spte-vmm --rounds 0 --procs 2 --vms 2 --mem 8 --vcpus 2 \
	--zap madvise,mprotect --interval 200 --ready /tmp/vmm.ready
if ready_wait /tmp/vmm.ready 120; then
	pass "VMs signal readiness" "$READY_LINE"
else
	fail "VMs signal readiness"
fi
assert_grep "ready line names 4 VMs" 'vms=4' <(echo "$READY_LINE")
assert_true "VMM still runs after ready" daemon_running vmm
daemon_stop vmm 60 INT
assert_eq "VMM exits 0 on SIGINT" 0 "$DAEMON_RC"
assert_eq "4 VM summaries" 4 "$(grep -c '^spte-vmm: vm [0-9]*: pid=' /out/vmm-daemon.log)"

daemon_start vmm2 /out/vmm-daemon2.log \
	spte-vmm --rounds 0 --mem 8 --ready /tmp/vmm.ready
ready_wait /tmp/vmm.ready 120 || true
daemon_stop vmm2 60 TERM
assert_eq "VMM exits 0 on SIGTERM" 0 "$DAEMON_RC"

# One process failing stops the others: hugetlb pages for one VM only,
# two processes that each want them; the run ends (bounded) and fails.
hugetlb_reserve 4
t0=$SECONDS
rc=0
run_bounded 120 /out/vmm-one-fails.log spte-vmm --rounds 0 --procs 2 \
	--backing hugetlb --mem 8 --ready /tmp/vmm.ready || rc=$?
assert_eq "a failed VM process fails the run" 1 "$rc"
assert_le "... and stops the other process promptly" $((SECONDS - t0)) 60
assert_grep "... which says why" 'raise vm.nr_hugepages' /out/vmm-one-fails.log
hugetlb_reserve 0

# A daemon that ignores the stop signal is killed at the bound.
daemon_start stubborn /out/stubborn.log \
	bash -c 'trap "" INT; echo ignoring; while :; do sleep 1; done'
# Signalled before its trap is set, it would just die: wait for it.
daemon_wait_log stubborn '^ignoring$' 30 || fail "stubborn daemon starts"
t0=$SECONDS
daemon_stop stubborn 3 INT
assert_eq "a daemon ignoring SIGINT is killed: status 124" 124 "$DAEMON_RC"
assert_le "daemon_stop 3 is bounded" $((SECONDS - t0)) 6

e2e_end
