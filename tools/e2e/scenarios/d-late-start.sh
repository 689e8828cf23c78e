#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario d: spte-trace started while a VM already runs and zaps.  SPTEs
# zapped before it attached must not be reported: their installs are
# "first" (or covered), never violations.
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

e2e_begin d-late-start
ready_fifo /tmp/vm-ready
daemon_start vm /out/vmm-running.log spte-vmm --mem "$VMM_MEM" --vcpus 2 \
	--rounds 0 --zap "$ALL_ZAPS" --ready /tmp/vm-ready -v
if ready_wait /tmp/vm-ready 300; then
	pass "VM running and zapping before spte-trace starts"
else
	fail "VM running and zapping before spte-trace starts"
fi
rounds_before() { grep -c 'round [0-9]* after' /out/vmm-running.log; }
trace_start
# Let the running VM go through zaps and reinstalls while traced: wait
# (bounded) until its log shows three more rounds.
want=$(($(rounds_before) + 3))
if wait_until 300 "3 more rounds of the running VM" \
	sh -c "[ \$(grep -c 'round [0-9]* after' /out/vmm-running.log) -ge $want ]"; then
	pass "the running VM went through 3 rounds while traced"
else
	fail "the running VM went through 3 rounds while traced"
fi
workload vmm-more 600 spte-vmm --mem 32 --rounds "$VMM_ROUNDS" --zap madvise
daemon_stop vm 120 TERM
assert_eq "the running VM stops cleanly" 0 "$DAEMON_RC"
trace_stop

assert_gt "installs seen" "$(metric spte_trace_transitions_total 'transition="install"')" 0
assert_gt "installs of SPTEs never seen zapped are 'first'" \
	"$(metric spte_trace_outcomes_total 'outcome="first"')" 0
assert_eq "no violation reported" 0 "$(metric spte_trace_violations_total)"
note_trace_values
e2e_end
