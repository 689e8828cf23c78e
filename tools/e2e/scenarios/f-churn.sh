#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario f: VM churn.  Dozens of short-lived VMs one after another (each
# a process with one VM, created, faulted, zapped and destroyed), traced by
# spte-trace with room for only 4 VMs in its maps: a destroyed VM must
# free its slot at once and never come back, so every VM is checked
# (nothing untracked, no full VM map), and no violation is reported.  The
# same struct kvm addresses recur, which a VM identity that inherited its
# predecessor's flush history would turn into false violations.
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

CHURN_VMS=${CHURN_VMS:-24}

e2e_begin f-churn
trace_start --max-vms 4
for i in $(seq 1 "$CHURN_VMS"); do
	workload "vmm-churn-$i" 300 spte-vmm --mem 8 --vcpus 1 --rounds 2 --zap madvise
done
# And four at once, each in a process of its own, twice.
workload_retry vmm-churn-4procs 300 spte-vmm --mem 8 --vcpus 1 --procs 4 --rounds 2 --zap madvise,mprotect
workload_retry vmm-churn-4procs-again 300 spte-vmm --mem 8 --vcpus 1 --procs 4 --rounds 2 --zap madvise
trace_stop

destroyed=$(metric spte_trace_vms_destroyed_total)
assert_gt "every VM was destroyed and forgotten ($CHURN_VMS + 8)" "$destroyed" $((CHURN_VMS + 7))
assert_eq "the VM map never ran full" 0 "$(metric spte_trace_map_full_total 'map="vms"')"
assert_eq "no install was untracked" 0 "$(metric spte_trace_outcomes_total 'outcome="untracked"')"
assert_eq "no install was undecidable" 0 "$(metric spte_trace_outcomes_total 'outcome="undecidable"')"
assert_gt "reinstalls decided as covered" "$(metric spte_trace_outcomes_total 'outcome="covered"')" 0
assert_gt "deadlines checked" "$(metric spte_trace_deadlines_total)" 0
assert_eq "no violation reported" 0 "$(metric spte_trace_violations_total)"
assert_no_grep "no violation printed" 'VIOLATION' "$TRACE_LOG"
note_value vms "$destroyed"
note_trace_values
e2e_end
