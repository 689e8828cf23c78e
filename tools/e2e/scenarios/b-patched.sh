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

# A trace.dat and perf script text of the series' events, recorded beside a
# live spte-trace over one workload: replayed, each must reach the live
# run's counts (every event carries its VM, and every flush is in the
# trace, so the verdicts are the live ones) with no tracer loss.
events="kvmmmu:kvm_tdp_mmu_spte_set kvmmmu:kvm_tdp_mmu_spte_freeze
	kvmmmu:kvm_tdp_mmu_spte_unfreeze kvmmmu:kvm_tdp_mmu_root_teardown_begin
	kvmmmu:kvm_tdp_mmu_root_teardown_end kvmmmu:kvm_tdp_mmu_free_sp
	kvm:kvm_remote_tlb_flush_begin kvm:kvm_remote_tlb_flush_end
	kvm:kvm_mmu_flush_deadline kvm:kvm_destroy_vm"
if command -v trace-cmd >/dev/null && command -v perf >/dev/null; then
	tc_args=() perf_args=()
	for e in $events; do
		tc_args+=(-e "$e")
		perf_args+=(-e "$e")
	done
	# spte-trace first: trace-cmd writes /proc/kallsyms into trace.dat as
	# it starts, and fails ("error in size of file") if loading BPF
	# programs changes it meanwhile (seen once)
	METRICS=/out/metrics-rec.prom TRACE_LOG=/out/spte-trace-rec.log trace_start
	record_start kvm/kvm_destroy_vm "${tc_args[@]}" -b 16384
	# perf enables its events before it starts the workload: nothing missed
	workload vmm-perf 600 perf record -q -a "${perf_args[@]}" -m 2048 \
		-o /out/perf.data -- spte-vmm --mem 16 --vcpus 2 --rounds 3 --zap madvise,mprotect
	record_stop
	METRICS=/out/metrics-rec.prom TRACE_LOG=/out/spte-trace-rec.log trace_stop
	live() { METRICS=/out/metrics-rec.prom metric "$@"; }
	assert_gt "live run saw SPTE events" "$(live spte_trace_spte_events_total)" 0
	for f in trace.dat perf-script.txt; do
		run_bounded 300 "/out/report-$f.log" spte-trace report \
			--textfile "/out/replay-$f.prom" "/out/$f"
		assert_eq "spte-trace report $f exits 0" 0 "$?"
		replay() { METRICS="/out/replay-$f.prom" metric "$@"; }
		assert_eq "$f: no tracer loss" 0 "$(replay spte_trace_tracer_lost_events_total)"
		assert_eq "$f: as many SPTE events as live" \
			"$(live spte_trace_spte_events_total)" "$(replay spte_trace_spte_events_total)"
		for tr in install zap freeze unfreeze protect; do
			assert_eq "$f: as many $tr transitions as live" \
				"$(live spte_trace_transitions_total "transition=\"$tr\"")" \
				"$(replay spte_trace_transitions_total "transition=\"$tr\"")"
		done
		for ph in begin end; do
			assert_eq "$f: as many flush ${ph}s as live" \
				"$(live spte_trace_remote_flushes_total "phase=\"$ph\"")" \
				"$(replay spte_trace_remote_flushes_total "phase=\"$ph\"")"
		done
		assert_eq "$f: as many deadlines as live" \
			"$(live spte_trace_deadlines_total)" "$(replay spte_trace_deadlines_total)"
		assert_eq "$f: as many covered reinstalls as live" \
			"$(live spte_trace_outcomes_total 'outcome="covered"')" \
			"$(replay spte_trace_outcomes_total 'outcome="covered"')"
		assert_eq "$f: no violation" 0 "$(replay spte_trace_violations_total)"
		assert_eq "$f: nothing undecided" 0 "$(replay spte_trace_checks_undecided_total)"
	done
else
	fail "trace-cmd and perf in the guest" "e2e.sh adds them: $(command -v trace-cmd perf | tr '\n' ' ')"
fi
e2e_end
