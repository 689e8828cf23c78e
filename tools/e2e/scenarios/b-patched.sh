#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario b: the patched kernel, no injection.  spte-trace uses the new
# tracepoints; every transition is seen, including the freeze, the write
# after the flush and flush begin/completion, and no workload gives a
# violation (no false positives).
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

e2e_begin b-patched
trace_start
assert_grep "patched tracepoints chosen" 'SPTE changes   : patched kernel tracepoints' "$TRACE_LOG"
assert_grep "flushes from the patched tracepoints" 'remote flushes : patched kernel tracepoints' "$TRACE_LOG"
assert_grep "no blind spot on the patched kernel" '^  none: every TDP MMU SPTE write' "$TRACE_LOG"

workload vmm-4k 600 spte-vmm --mem "$VMM_MEM" --vcpus 2 --rounds "$VMM_ROUNDS" --zap "$ALL_ZAPS"
workload vmm-thp 600 spte-vmm --mem "$VMM_MEM" --vcpus 2 --rounds "$VMM_ROUNDS" --backing thp --zap "$ALL_ZAPS"
workload vmm-nosplit 600 spte-vmm --mem "$VMM_MEM" --vcpus 2 --rounds "$VMM_ROUNDS" --backing thp --zap dirty-log --eager-split off
workload_retry vmm-2procs 600 spte-vmm --mem 32 --procs 2 --vms 2 --rounds "$VMM_ROUNDS" --zap madvise,memslot-move
for t in /add/kselftests/demand_paging_test /add/kselftests/memslot_modification_stress_test; do
	[ -x "$t" ] || continue
	case $t in
	*memslot*) workload "$(basename "$t")" 300 "$t" -i 5 ;;
	*) workload "$(basename "$t")" 300 "$t" -b 16M -v 1 ;;
	esac
done
trace_stop

for tr in install zap freeze unfreeze protect; do
	assert_gt "transition $tr seen" "$(metric spte_trace_transitions_total "transition=\"$tr\"")" 0
done
assert_gt "flush begins seen" "$(metric spte_trace_remote_flushes_total 'phase="begin"')" 0
assert_eq "every flush begin has its end" \
	"$(metric spte_trace_remote_flushes_total 'phase="begin"')" \
	"$(metric spte_trace_remote_flushes_total 'phase="end"')"
assert_gt "frozen_window histogram filled" "$(hist_count spte_trace_frozen_window_seconds)" 0
assert_gt "flush latency histogram filled" "$(hist_count spte_trace_remote_flush_latency_seconds)" 0
assert_gt "zap_to_reinstall histogram filled" "$(hist_count spte_trace_zap_to_reinstall_seconds)" 0
assert_gt "reinstalls decided as covered" "$(metric spte_trace_outcomes_total 'outcome="covered"')" 0
assert_eq "no violation reported" 0 "$(metric spte_trace_violations_total)"
assert_eq "no reinstall left undecidable" 0 "$(metric spte_trace_outcomes_total 'outcome="undecidable"')"
assert_no_grep "no violation printed" 'VIOLATION' "$TRACE_LOG"
note_trace_values
e2e_end
