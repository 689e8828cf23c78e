#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario c: the patched kernel with its flush fault injection on.  The
# kernel skips the remote flush of INJECT_TIMES zaps; each skipped flush
# that a reinstall follows must be reported, classified, with a kernel
# stack through the zap path, and the number reported must match what the
# kernel says it injected.
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

FAIL_DIR=/sys/kernel/debug/fail_tdp_mmu_flush
INJECT_TIMES=${INJECT_TIMES:-8}

injection() {	# on TIMES | off
	if [ "$1" = on ]; then
		echo 0 >"$FAIL_DIR/verbose"
		echo 0 >"$FAIL_DIR/injected_atomic_zap"
		echo 0 >"$FAIL_DIR/injected_yield"
		echo 0 >"$FAIL_DIR/delay_us"
		echo 1 >"$FAIL_DIR/interval"
		echo "$2" >"$FAIL_DIR/times"
		echo 100 >"$FAIL_DIR/probability"
	else
		echo 0 >"$FAIL_DIR/probability"
	fi
}

e2e_begin c-inject
if [ ! -d "$FAIL_DIR" ]; then
	fail "fault injection present" "no $FAIL_DIR: kernel without CONFIG_KVM_TDP_MMU_FLUSH_FAULT_INJECTION"
	e2e_end
fi
trace_start --record /out/run.spte
injection on "$INJECT_TIMES"
# Dirty logging without eager splitting leaves huge SPTEs in place; each
# write fault then zaps one atomically (freeze, flush, unfreeze) and
# installs a page table in its place.  A skipped flush makes that install
# a reinstall before the flush.  The nested guest may suffer: its exit
# status is logged, not asserted.
t0=$(_uptime)
run_bounded 600 /out/vmm-inject.log spte-vmm --mem "$VMM_MEM" --vcpus 2 \
	--rounds "$VMM_ROUNDS" --backing thp --zap dirty-log --eager-split off || true
note_value workload_vmm-nosplit_s "$(_since "$t0")"
injection off
inj_zap=$(cat "$FAIL_DIR/injected_atomic_zap")
inj_yield=$(cat "$FAIL_DIR/injected_yield")
trace_stop

pfn=$(metric spte_trace_violations_total 'class="pfn_changed"')
perm=$(metric spte_trace_violations_total 'class="perm_widened"')
same=$(metric spte_trace_outcomes_total 'outcome="same_mapping"')
reported=$((pfn + perm + same))
note_value injected "$((inj_zap + inj_yield))"
note_value injected_atomic_zap "$inj_zap"
note_value reported_uncovered "$reported"
log "injected: atomic zap $inj_zap, yield $inj_yield; reported: pfn $pfn perm $perm same $same"

assert_gt "the kernel injected skipped flushes" "$inj_zap" 0
assert_eq "every injected atomic-zap skip is reported as an uncovered reinstall" \
	"$((inj_zap + inj_yield))" "$reported"
assert_gt "violations are classified (pfn_changed)" "$pfn" 0
assert_eq "violation records printed = violations counted" "$((pfn + perm))" \
	"$(grep -c ' VIOLATION [a-z_]*: ' "$TRACE_LOG")"
assert_grep "violations carry a zap stack through the atomic zap path" \
	'^\[violation:[a-z_]*\];.*kvm_tdp_mmu_map' /out/sites.folded
assert_grep "violation reports show the zap stack" '^  zap stack:$' "$TRACE_LOG"

# The recording replays through the same state machine to the same result.
assert_eq "no event lost while recording" 0 \
	"$(metric spte_trace_ringbuf_drops_total 'ring="events"')"
run_bounded 300 /out/replay.log spte-trace report --textfile /out/replay.prom \
	--folded /out/replay.folded /out/run.spte
assert_eq "spte-trace report of the recording exits 0" 0 "$?"
same_counts "replay = live" "$METRICS" /out/replay.prom
assert_eq "replay prints the same violations" "$((pfn + perm))" \
	"$(grep -c ' VIOLATION [a-z_]*: ' /out/replay.log)"
assert_eq "replay's folded violation stacks = live's" \
	"$(grep '^\[violation' /out/sites.folded | sort | md5sum)" \
	"$(grep '^\[violation' /out/replay.folded | sort | md5sum)"
note_trace_values
e2e_end
