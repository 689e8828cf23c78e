#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario b: the patched kernel (kernel-patch/6.1 or 6.12), no injection.
# spte-trace uses the series' tracepoints and has no blind spot: every SPTE
# write with its root, every remote flush, every deadline, page table free
# and VM destruction.  Real guests fault while the host zaps in every way,
# several VMs per process, the NX huge page recovery worker zaps split
# tables, KVM selftests run; a correct kernel must give zero violations,
# and nothing may be left undecided or untracked.
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

PORT=9464
NX_TIMEOUT=${NX_TIMEOUT:-120}

e2e_begin b-patched
trace_start --prometheus "127.0.0.1:$PORT"
assert_grep "patched tracepoints chosen" 'SPTE changes   : patched kernel tracepoints' "$TRACE_LOG"
assert_grep "flushes from the patched tracepoints" 'remote flushes : patched kernel tracepoints' "$TRACE_LOG"
assert_grep "no blind spot on the patched kernel" '^  none: every TDP MMU SPTE write' "$TRACE_LOG"

workload vmm-4k 600 spte-vmm --mem "$VMM_MEM" --vcpus 2 --rounds "$VMM_ROUNDS" --zap "$ALL_ZAPS"
workload vmm-thp 600 spte-vmm --mem "$VMM_MEM" --vcpus 2 --rounds "$VMM_ROUNDS" --backing thp --zap "$ALL_ZAPS"
workload vmm-nosplit 600 spte-vmm --mem "$VMM_MEM" --vcpus 2 --rounds "$VMM_ROUNDS" --backing thp --zap dirty-log --eager-split off
workload_retry vmm-2x2 600 spte-vmm --mem 16 --procs 2 --vms 2 --rounds "$VMM_ROUNDS" --zap madvise,memslot-move
workload_retry vmm-1x4 600 spte-vmm --mem 16 --vms 4 --rounds "$VMM_ROUNDS" --zap madvise,memslot-delete

# NX huge page recovery: exec faults split huge pages, the worker zaps the
# split tables (flush before unlock: 048f49809c52), which are then freed.
frees() {
	http_get "http://127.0.0.1:$PORT/metrics" /out/nx.prom 20 &&
		METRICS=/out/nx.prom metric spte_trace_page_table_frees_total
}
nx_freed() { [ "$(frees)" -gt "$frees0" ]; }
kvm_param kvm nx_huge_pages force
kvm_param kvm nx_huge_pages_recovery_ratio 1
kvm_param kvm nx_huge_pages_recovery_period_ms 200
t0=$(_uptime)
daemon_start nxvm /out/nx-vmm.log spte-vmm --backing thp --exec-data \
	--mem "$VMM_MEM" --zap none --rounds 0 --interval 20
# Once exec faults have split huge pages (KVM's nx_lpage_splits stat), a
# table freed while the VM runs unzapped is the recovery worker's.
splits() { [ "$(cat /sys/kernel/debug/kvm/nx_lpage_splits 2>/dev/null || echo 0)" -gt 0 ]; }
wait_until "$NX_TIMEOUT" "exec faults to split huge pages" splits ||
	fail "nx recovery: exec faults split huge pages" "nx_lpage_splits stayed 0"
frees0=$(frees)
if wait_until "$NX_TIMEOUT" "the NX recovery to free a split table" nx_freed; then
	pass "nx recovery: split tables zapped and freed while the VM runs"
else
	fail "nx recovery: split tables zapped and freed while the VM runs" "no free in ${NX_TIMEOUT}s"
fi
daemon_stop nxvm 60 TERM
assert_eq "nx recovery: the VM stops cleanly" 0 "$DAEMON_RC"
note_value workload_vmm-nx_s "$(_since "$t0")"
kvm_param kvm nx_huge_pages auto

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
for r in unlock notifier dirty_log; do
	assert_gt "deadlines ($r) seen" "$(metric spte_trace_deadlines_total "reason=\"$r\"")" 0
done
note_value deadlines_yield "$(metric spte_trace_deadlines_total 'reason="yield"')"
assert_gt "removed page tables freed" "$(metric spte_trace_page_table_frees_total 'seen="removal"')" 0
note_value frees_unknown "$(metric spte_trace_page_table_frees_total 'seen="unknown"')"
assert_gt "VMs destroyed" "$(metric spte_trace_vms_destroyed_total)" 0
assert_gt "frozen_window histogram filled" "$(hist_count spte_trace_frozen_window_seconds)" 0
assert_gt "flush latency histogram filled" "$(hist_count spte_trace_remote_flush_latency_seconds)" 0
assert_gt "zap_to_reinstall histogram filled" "$(hist_count spte_trace_zap_to_reinstall_seconds)" 0
assert_gt "reinstalls decided as covered" "$(metric spte_trace_outcomes_total 'outcome="covered"')" 0
assert_eq "no violation reported" 0 "$(metric spte_trace_violations_total)"
for o in undecidable unverified untracked; do
	assert_eq "no reinstall $o" 0 "$(metric spte_trace_outcomes_total "outcome=\"$o\"")"
done
assert_eq "no deadline or free check undecided" 0 "$(metric spte_trace_checks_undecided_total)"
assert_eq "every event has its VM" 0 "$(metric spte_trace_spte_events_without_vm_total)"
assert_eq "every unfreeze has its freeze" 0 "$(metric spte_trace_unfreeze_unknown_total)"
assert_eq "no flush end without its begin" 0 "$(metric spte_trace_remote_flush_unpaired_total)"
assert_eq "no map full" 0 "$(metric spte_trace_map_full_total)"
assert_eq "the protocol program saw every event" 0 "$(metric spte_trace_protocol_missed_total)"
assert_no_grep "no violation printed" 'VIOLATION' "$TRACE_LOG"
note_trace_values
e2e_end
