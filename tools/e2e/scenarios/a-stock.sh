#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario a: Debian's stock 6.1 kernel, no injection.  spte-trace falls
# back to kvm_tdp_mmu_spte_changed plus fentry (or kprobes) on the flush
# functions, the TDP MMU entry points (which VM a task works on) and the
# deadlines; real guests fault while the host zaps in every way, several
# VMs per process among them (one mm, several VMs: they must never be
# mixed).  Every class the stock kernel can show is seen, the lifetime
# histograms fill, no violation is reported, and the blind spots are
# printed.
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

e2e_begin a-stock
trace_start
assert_grep "stock tracepoint chosen" 'SPTE changes   : kvmmmu:kvm_tdp_mmu_spte_changed' "$TRACE_LOG"
assert_grep "a flush source is attached" 'remote flushes : .* via (fentry|kprobe)' "$TRACE_LOG"
assert_grep "VM identity from the entry points" 'VM identity    : kvm_tdp_mmu_map.* via (fentry|kprobe)' "$TRACE_LOG"
assert_grep "deadlines hooked" 'deadlines      : kvm_mmu_notifier_invalidate_range_start' "$TRACE_LOG"
assert_grep "blind spots printed" 'the write that unfreezes an atomically zapped SPTE is not traced' "$TRACE_LOG"

workload vmm-4k 600 spte-vmm --mem "$VMM_MEM" --vcpus 2 --rounds "$VMM_ROUNDS" --zap "$ALL_ZAPS"
workload vmm-thp 600 spte-vmm --mem "$VMM_MEM" --vcpus 2 --rounds "$VMM_ROUNDS" --backing thp --zap "$ALL_ZAPS"
workload_retry vmm-2procs 600 spte-vmm --mem 32 --procs 2 --rounds "$VMM_ROUNDS" --zap madvise
# Several VMs in one process: the mix that gave false violations when VMs
# were keyed by mm.
workload_retry vmm-2x2 600 spte-vmm --mem 16 --procs 2 --vms 2 --rounds "$VMM_ROUNDS" --zap madvise,memslot-move
workload_retry vmm-1x4 600 spte-vmm --mem 16 --vms 4 --rounds "$VMM_ROUNDS" --zap madvise,memslot-move
trace_stop

assert_gt "SPTE events seen" "$(metric spte_trace_spte_events_total)" 0
for tr in install zap protect; do
	assert_gt "transition $tr seen" "$(metric spte_trace_transitions_total "transition=\"$tr\"")" 0
done
assert_gt "2M mappings seen" "$(metric spte_trace_transitions_total 'level="2M"')" 0
assert_gt "remote flushes seen" "$(metric spte_trace_remote_flushes_total 'phase="end"')" 0
assert_gt "zap_to_reinstall histogram filled" "$(hist_count spte_trace_zap_to_reinstall_seconds)" 0
assert_gt "present_lifetime histogram filled" "$(hist_count spte_trace_present_lifetime_seconds)" 0
assert_gt "reinstalls decided as covered" "$(metric spte_trace_outcomes_total 'outcome="covered"')" 0
assert_eq "no violation reported" 0 "$(metric spte_trace_violations_total)"
assert_no_grep "no violation printed" 'VIOLATION' "$TRACE_LOG"
assert_eq "every SPTE event had its VM" 0 "$(metric spte_trace_spte_events_without_vm_total)"
assert_gt "VMs destroyed and forgotten" "$(metric spte_trace_vms_destroyed_total)" 0
# Flame graph sites, sampled live (one stack in 64, counts scaled back).
assert_grep "site sampling rate printed" 'flame graph: zap and install sites sampled 1 in 64' "$TRACE_LOG"
assert_grep "zap sites in the flame graph" '^\[zap\];.* [0-9]+$' /out/sites.folded
assert_grep "install sites in the flame graph" '^\[install\];.* [0-9]+$' /out/sites.folded
assert_eq "site counts are scaled by the sampling rate" 0 \
	"$(awk '/^\[(zap|install)\];/ && $NF % 64 { n++ } END { print n + 0 }' /out/sites.folded)"
assert_no_grep "no tracer frame in a site stack" '(bpf_prog_|bpf_trace_run|bpf_trampoline|\[bpf\])' /out/sites.folded
assert_grep "the SVG's title states the sampling rate" 'sampled 1 in 64' /out/sites.svg
note_trace_values

# The kprobe fallback, forced: flushes still seen, still no violation.
METRICS=/out/metrics-kprobe.prom TRACE_LOG=/out/spte-trace-kprobe.log trace_start --hooks kprobe
workload vmm-kprobe 600 spte-vmm --mem 32 --vcpus 2 --rounds 4 --zap madvise,mprotect
METRICS=/out/metrics-kprobe.prom TRACE_LOG=/out/spte-trace-kprobe.log trace_stop
assert_grep "--hooks kprobe: kprobes chosen" 'remote flushes : .* via kprobe/kretprobe' /out/spte-trace-kprobe.log
assert_gt "--hooks kprobe: flushes seen" \
	"$(METRICS=/out/metrics-kprobe.prom metric spte_trace_remote_flushes_total 'phase="end"')" 0
assert_gt "--hooks kprobe: reinstalls covered" \
	"$(METRICS=/out/metrics-kprobe.prom metric spte_trace_outcomes_total 'outcome="covered"')" 0
assert_eq "--hooks kprobe: no violation" 0 \
	"$(METRICS=/out/metrics-kprobe.prom metric spte_trace_violations_total)"

# ftrace text through 'spte-trace report': one small VM traced by tracefs
# and by a live spte-trace at once must give the same counts.
T=$TRACEFS
echo 0 >"$T/tracing_on"
echo 65536 >"$T/buffer_size_kb"
echo 1 >"$T/options/record-tgid"
echo >"$T/trace"
echo 1 >"$T/events/kvmmmu/kvm_tdp_mmu_spte_changed/enable"
METRICS=/out/metrics-text.prom TRACE_LOG=/out/spte-trace-text.log trace_start --stock
echo 1 >"$T/tracing_on"
workload vmm-small 600 spte-vmm --mem 16 --vcpus 1 --rounds 3 --zap madvise
echo 0 >"$T/tracing_on"
METRICS=/out/metrics-text.prom TRACE_LOG=/out/spte-trace-text.log trace_stop
echo 0 >"$T/events/kvmmmu/kvm_tdp_mmu_spte_changed/enable"
cat "$T/trace" >/out/ftrace.txt
run_bounded 300 /out/report-text.log spte-trace report --textfile /out/replay-text.prom /out/ftrace.txt
assert_eq "spte-trace report of ftrace text exits 0" 0 "$?"
assert_gt "ftrace text holds events" "$(grep -c kvm_tdp_mmu_spte_changed /out/ftrace.txt)" 0
assert_eq "ftrace replay sees as many SPTE events as live" \
	"$(METRICS=/out/metrics-text.prom metric spte_trace_spte_events_total)" \
	"$(METRICS=/out/replay-text.prom metric spte_trace_spte_events_total)"
assert_eq "ftrace replay: same transitions as live" \
	"$(METRICS=/out/metrics-text.prom metric spte_trace_transitions_total)" \
	"$(METRICS=/out/replay-text.prom metric spte_trace_transitions_total)"

# What people already hold: a trace-cmd trace.dat and perf script text of
# one small workload, recorded while a live spte-trace watched it too.
# Replayed, each must show the live run's SPTE events and transitions (the
# stock event alone shows no flush, so their reinstalls are unverified and
# nothing is a violation), and no tracer loss.
if command -v trace-cmd >/dev/null && command -v perf >/dev/null; then
	# spte-trace first: trace-cmd writes /proc/kallsyms into trace.dat as
	# it starts, and fails ("error in size of file") if loading BPF
	# programs changes it meanwhile (seen once)
	METRICS=/out/metrics-rec.prom TRACE_LOG=/out/spte-trace-rec.log trace_start --stock
	record_start kvmmmu/kvm_tdp_mmu_spte_changed \
		-e kvmmmu:kvm_tdp_mmu_spte_changed -b 8192
	# perf enables its event before it starts the workload: nothing missed
	workload vmm-perf 600 perf record -q -a -e kvmmmu:kvm_tdp_mmu_spte_changed \
		-m 1024 -o /out/perf.data -- spte-vmm --mem 16 --vcpus 2 --rounds 3 --zap madvise
	record_stop
	METRICS=/out/metrics-rec.prom TRACE_LOG=/out/spte-trace-rec.log trace_stop
	for f in trace.dat perf-script.txt; do
		run_bounded 300 "/out/report-$f.log" spte-trace report \
			--textfile "/out/replay-$f.prom" "/out/$f"
		assert_eq "spte-trace report $f exits 0" 0 "$?"
		live=$(METRICS=/out/metrics-rec.prom metric spte_trace_spte_events_total)
		assert_gt "$f: live run saw SPTE events" "$live" 0
		assert_eq "$f: no tracer loss" 0 \
			"$(METRICS="/out/replay-$f.prom" metric spte_trace_tracer_lost_events_total)"
		assert_eq "$f: as many SPTE events as live" "$live" \
			"$(METRICS="/out/replay-$f.prom" metric spte_trace_spte_events_total)"
		for tr in install zap protect; do
			assert_eq "$f: as many $tr transitions as live" \
				"$(METRICS=/out/metrics-rec.prom metric spte_trace_transitions_total "transition=\"$tr\"")" \
				"$(METRICS="/out/replay-$f.prom" metric spte_trace_transitions_total "transition=\"$tr\"")"
		done
		assert_eq "$f: no violation" 0 \
			"$(METRICS="/out/replay-$f.prom" metric spte_trace_violations_total)"
	done
else
	fail "trace-cmd and perf in the guest" "e2e.sh adds them: $(command -v trace-cmd perf | tr '\n' ' ')"
fi
e2e_end
