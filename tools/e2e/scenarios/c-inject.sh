#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario c: the patched kernel with its flush fault injection
# (fail_tdp_mmu_flush, kernel-patch/*/0011-0013).  One spte-trace stays
# attached; each injection site is enabled alone, in its own phase, with a
# workload that reaches it, and the violations of that phase (the
# difference of two /metrics scrapes) must be the rule that site breaks:
#
#   site         workload                          expected verdict
#   atomic_zap   dirty logging, no eager split:    unfreeze_unflushed = injected
#                collapsing zaps the tables        (+ pt_freed_unflushed when the
#                atomically                        table is freed before a flush)
#   delay        atomic_zap with delay_us=200:     injected > 0, no violation
#                the flush is late, never skipped
#   yield        4 KiB madvise zaps under CPU      0 < yield_unflushed <= injected
#                load, until a range zap yields
#   dirty_log    dirty logging, 4 KiB              0 < dirty_log_unflushed <= injected
#   nx_recovery  nx_huge_pages=force, a VM         unlock + yield_unflushed = injected = 1
#                executing from huge pages
#
# Each phase is also traced through tracefs and checked by an independent
# implementation of the same rules, tools/kernel/scenarios/check-trace.awk
# (the kernel boot test's): spte-trace's count of each kind must equal the
# hazards that check finds in the trace.  That is why some sites allow
# fewer reports than faults: a fault skips a flush that is owed in KVM's
# bookkeeping, and some of those flushes had nothing left to cover
# (enabling dirty logging flushes even when no SPTE was writable,
# b64d740ea7dd), which neither checker can call a hazard.
#
# No phase may report any other kind of violation, each violation carries a
# kernel stack through the path that broke the rule (and no frame of the
# tracer), and the recording replays to the same counts.
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

FAIL_DIR=/sys/kernel/debug/fail_tdp_mmu_flush
SITES="atomic_zap yield nx_recovery dirty_log"
INJECT_TIMES=${INJECT_TIMES:-16}
YIELD_TRIES=${YIELD_TRIES:-5}
NX_TIMEOUT=${NX_TIMEOUT:-120}
PORT=9464
KINDS="stale_pfn stale_perm unfreeze_unflushed yield_unflushed unlock_unflushed
	notifier_unflushed pt_freed_unflushed dirty_log_unflushed present_pfn_changed"
TRACING=/sys/kernel/tracing
TRACE_EVENTS="kvmmmu/kvm_tdp_mmu_spte_set kvmmmu/kvm_tdp_mmu_spte_freeze
	kvmmmu/kvm_tdp_mmu_spte_unfreeze kvmmmu/kvm_tdp_mmu_root_teardown_begin
	kvmmmu/kvm_tdp_mmu_root_teardown_end kvmmmu/kvm_tdp_mmu_free_sp
	kvm/kvm_remote_tlb_flush_begin kvm/kvm_remote_tlb_flush_end
	kvm/kvm_mmu_flush_deadline kvm/kvm_destroy_vm"
# What a freeze and an unfreeze write on this line (check-trace.awk).
case $(uname -r) in
6.1.*) FROZEN=0x5a0 NONPRESENT=0x0 ;;
*) FROZEN=0x80000000000005a0 NONPRESENT=0x8000000000000000 ;;
esac

# site_bit SITE: the bit of SITE in the sites mask.
site_bit() {
	case $1 in
	atomic_zap) echo 1 ;;
	yield) echo 2 ;;
	nx_recovery) echo 4 ;;
	dirty_log) echo 8 ;;
	esac
}

# injection SITE [TIMES [DELAY_US]]: faults at SITE only, at every owed
# flush, at most TIMES of them; injection off: none.
injection() {
	local s

	echo 0 >"$FAIL_DIR/sites"
	[ "$1" != off ] || return 0
	echo 0 >"$FAIL_DIR/verbose"
	echo 1 >"$FAIL_DIR/interval"
	echo 100 >"$FAIL_DIR/probability"
	echo "${2:-$INJECT_TIMES}" >"$FAIL_DIR/times"
	echo "${3:-0}" >"$FAIL_DIR/delay_us"
	for s in $SITES; do
		echo 0 >"$FAIL_DIR/injected_$s"
	done
	site_bit "$1" >"$FAIL_DIR/sites"
}

# updated_after T: the exposition was rendered after Unix time T.
updated_after() {
	http_get "http://127.0.0.1:$PORT/metrics" /tmp/fresh.prom 20 &&
		awk -v t="$1" '$1 == "spte_trace_last_update_timestamp_seconds" { ok = $2 > t }
			END { exit !ok }' /tmp/fresh.prom
}

# scrape FILE: /metrics holding everything that happened before the call.
# The daemon renders the exposition once a second from a snapshot it takes
# just before: the first rendering after now may come from a snapshot
# taken before, the one after that cannot.
scrape() {
	local now

	now=$EPOCHREALTIME
	if wait_until 10 "a metrics update" updated_after "$now"; then
		now=$(awk '$1 == "spte_trace_last_update_timestamp_seconds" { print $2 }' /tmp/fresh.prom)
		wait_until 10 "a second metrics update" updated_after "$now" ||
			fail "fresh /metrics" "no second update within 10 s"
	else
		fail "fresh /metrics" "no update within 10 s"
	fi
	cp /tmp/fresh.prom "$1"
}

# delta NAME TEXT: NAME{..TEXT..} in the phase's last scrape minus its first.
delta() {
	echo $(( $(METRICS=/out/phase.after metric "$1" "$2") - \
		 $(METRICS=/out/phase.before metric "$1" "$2") ))
}

# The independent check's view of the phase: the kernel series' events in
# tracefs, checked by check-trace.awk.
oracle_begin() {
	local e

	echo 0 >"$TRACING/tracing_on"
	echo "${TRACE_BUFFER_KB:-32768}" >"$TRACING/buffer_size_kb"
	for e in $TRACE_EVENTS; do
		echo 1 >"$TRACING/events/$e/enable"
	done
	echo >"$TRACING/trace"
	echo 1 >"$TRACING/tracing_on"
}

oracle_end() {
	local lost

	echo 0 >"$TRACING/tracing_on"
	lost=$(cat "$TRACING"/per_cpu/cpu*/stats |
		awk '/^(overrun|dropped events):/ { n += $NF } END { print n + 0 }')
	assert_eq "$phase: tracefs lost no event (check-trace.awk's input)" 0 "$lost"
	awk -v frozen="$FROZEN" -v nonpresent="$NONPRESENT" -v state=/tmp/c-state \
		-f /add/check-trace.awk "$TRACING/trace" >"/out/oracle-$phase.txt"
	echo >"$TRACING/trace"
}

# oracle NAME: a count of check-trace.awk for this phase.
oracle() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "/out/oracle-$phase.txt"
}

phase_begin() {	# LABEL SITE [TIMES [DELAY_US]]
	phase=$1
	shift
	scrape /out/phase.before
	oracle_begin
	injection "$@"
	t0=$(_uptime)
}

# phase_end: injection off, then the phase's verdicts by kind, noted.
phase_end() {
	local k

	injection off
	note_value "workload_${phase}_s" "$(_since "$t0")"
	oracle_end
	scrape /out/phase.after
	others=0
	for k in $KINDS; do
		eval "v_$k=$(delta spte_trace_violations_total "kind=\"$k\"")"
	done
	log "phase $phase: injected $(for s in $SITES; do printf '%s=%s ' "$s" "$(cat "$FAIL_DIR/injected_$s")"; done)"
	log "phase $phase: violations $(for k in $KINDS; do eval "printf '%s=%s ' $k \$v_$k"; done)"
	cp /out/phase.after "/out/phase-$phase.prom"
}

# others_than KIND...: violations of the phase of any other kind.
others_than() {
	local k n=0

	for k in $KINDS; do
		case " $* " in
		*" $k "*) ;;
		*) eval "n=\$((n + v_$k))" ;;
		esac
	done
	echo "$n"
}

vmm() {	# LOG ARGS...: one bounded spte-vmm run; its exit is logged only
	local log=$1

	shift
	run_bounded 600 "/out/$log.log" spte-vmm "$@" ||
		log "spte-vmm $*: exit $? (stale translations may break the guest)"
}

e2e_begin c-inject
if [ ! -f "$FAIL_DIR/sites" ]; then
	fail "fault injection present" "no $FAIL_DIR/sites: kernel without CONFIG_KVM_TDP_MMU_FLUSH_FAULT_INJECTION"
	e2e_end
fi
trace_start --record /out/run.spte --prometheus "127.0.0.1:$PORT"
assert_grep "patched tracepoints chosen" 'SPTE changes   : patched kernel tracepoints' "$TRACE_LOG"

# atomic_zap: disabling dirty logging collapses the 4 KiB SPTEs back into
# huge ones, zapping each table atomically (freeze, flush, unfreeze).
phase_begin atomic_zap atomic_zap
vmm inject-atomic --mem "$VMM_MEM" --vcpus 2 --rounds 3 --backing thp \
	--zap dirty-log --eager-split off
phase_end
inj=$(cat "$FAIL_DIR/injected_atomic_zap")
note_value injected_atomic_zap "$inj"
note_value reported_atomic_zap "$v_unfreeze_unflushed"
note_value hazards_atomic_zap "$(oracle uncovered)"
assert_gt "atomic_zap: faults injected" "$inj" 0
assert_eq "atomic_zap: every skipped flush reported as unfreeze_unflushed" \
	"$inj" "$v_unfreeze_unflushed"
assert_eq "atomic_zap: = unfreezes without a flush in the trace (check-trace.awk)" \
	"$(oracle uncovered)" "$v_unfreeze_unflushed"
# The table a collapse zapped is freed after an RCU grace period, before
# the next flush (pt_freed_unflushed) or after it, as timing has it.
note_value reported_atomic_zap_pt_freed "$v_pt_freed_unflushed"
assert_eq "atomic_zap: no other kind of violation" 0 \
	"$(others_than unfreeze_unflushed pt_freed_unflushed)"

# The same site delaying its flush instead: late but kept, nothing to report.
phase_begin delay atomic_zap "$INJECT_TIMES" 200
vmm inject-delay --mem "$VMM_MEM" --vcpus 2 --rounds 3 --backing thp \
	--zap dirty-log --eager-split off
phase_end
inj=$(cat "$FAIL_DIR/injected_atomic_zap")
note_value injected_delay "$inj"
note_value reported_delay "$(others_than)"
note_value hazards_delay "$(oracle uncovered)"
assert_gt "delay: flushes delayed" "$inj" 0
assert_eq "delay: a delayed flush is no violation" 0 "$(others_than)"
assert_eq "delay: the trace agrees (check-trace.awk)" 0 "$(oracle uncovered)"

# yield: only a range zap that sees need_resched() yields; CPU hogs make
# that likely, a few bounded tries make it near certain.
for try in $(seq 1 "$YIELD_TRIES"); do
	phase_begin "yield$try" yield
	start_hogs
	vmm "inject-yield$try" --mem 64 --vcpus 2 --rounds 3 --zap madvise
	stop_hogs
	phase_end
	inj=$(cat "$FAIL_DIR/injected_yield")
	[ "$inj" -eq 0 ] || break
done
note_value injected_yield "$inj"
note_value reported_yield "$v_yield_unflushed"
note_value hazards_yield "$(oracle deadline_uncovered_yield)"
assert_gt "yield: faults injected (try $try of $YIELD_TRIES)" "$inj" 0
assert_gt "yield: reported as yield_unflushed" "$v_yield_unflushed" 0
assert_le "yield: no more reports than faults" "$v_yield_unflushed" "$inj"
assert_eq "yield: = uncovered yield deadlines in the trace (check-trace.awk)" \
	"$(oracle deadline_uncovered_yield)" "$v_yield_unflushed"
assert_eq "yield: no other kind of violation" 0 \
	"$(others_than yield_unflushed)"

# dirty_log: the flush after write-protecting for KVM_GET_DIRTY_LOG.
phase_begin dirty_log dirty_log
vmm inject-dirty --mem "$VMM_MEM" --vcpus 2 --rounds 3 --zap dirty-log
phase_end
inj=$(cat "$FAIL_DIR/injected_dirty_log")
note_value injected_dirty_log "$inj"
note_value reported_dirty_log "$v_dirty_log_unflushed"
assert_gt "dirty_log: faults injected" "$inj" 0
assert_gt "dirty_log: reported as dirty_log_unflushed" "$v_dirty_log_unflushed" 0
assert_le "dirty_log: no more reports than faults" "$v_dirty_log_unflushed" "$inj"
assert_eq "dirty_log: = uncovered dirty_log deadlines in the trace (check-trace.awk)" \
	"$(oracle dirty_uncovered)" "$v_dirty_log_unflushed"
note_value hazards_dirty_log "$(oracle dirty_uncovered)"
assert_eq "dirty_log: no other kind of violation" 0 "$(others_than dirty_log_unflushed)"

# nx_recovery: exec faults split huge pages; the recovery worker zaps the
# split tables and must flush before it yields or unlocks.  One fault.
nx_injected() { [ "$(cat "$FAIL_DIR/injected_nx_recovery")" -ge 1 ]; }
kvm_param kvm nx_huge_pages force
kvm_param kvm nx_huge_pages_recovery_ratio 1
kvm_param kvm nx_huge_pages_recovery_period_ms 200
phase_begin nx_recovery nx_recovery 1
daemon_start nxvm /out/inject-nx.log spte-vmm --backing thp --exec-data \
	--mem "$VMM_MEM" --zap none --rounds 0 --interval 20
wait_until "$NX_TIMEOUT" "an injected NX recovery fault" nx_injected
daemon_stop nxvm 60 TERM
phase_end
kvm_param kvm nx_huge_pages auto
inj=$(cat "$FAIL_DIR/injected_nx_recovery")
note_value injected_nx_recovery "$inj"
note_value reported_nx_recovery "$((v_unlock_unflushed + v_yield_unflushed))"
note_value reported_nx_pt_freed "$v_pt_freed_unflushed"
note_value hazards_nx_recovery "$(( $(oracle deadline_uncovered_unlock) + $(oracle deadline_uncovered_yield) ))"
assert_eq "nx_recovery: one fault injected" 1 "$inj"
assert_eq "nx_recovery: reported as unlock/yield_unflushed" "$inj" \
	"$((v_unlock_unflushed + v_yield_unflushed))"
assert_eq "nx_recovery: = uncovered unlock/yield deadlines in the trace (check-trace.awk)" \
	"$(( $(oracle deadline_uncovered_unlock) + $(oracle deadline_uncovered_yield) ))" \
	"$((v_unlock_unflushed + v_yield_unflushed))"
# The split tables it zapped are freed after an RCU grace period: before
# the next flush (pt_freed_unflushed) or after it, as timing has it.
assert_eq "nx_recovery: no other kind of violation" 0 \
	"$(others_than unlock_unflushed yield_unflushed pt_freed_unflushed)"
trace_stop

# Every violation has a stack through the path that broke its rule, none
# with the tracer's own frames.
stack_of() {	# KIND REGEX [optional]: the kind's folded violation stacks match REGEX
	local k=$1 re=$2 optional=${3:-}

	# The frames only, without the "[violation:KIND]" root.
	sed -n "s/^\[violation:$k\];//p" /out/sites.folded >/tmp/stacks.$k
	if [ ! -s "/tmp/stacks.$k" ] && [ -n "$optional" ]; then
		log "$k: no violation of this kind (optional)"
	elif [ ! -s "/tmp/stacks.$k" ]; then
		fail "$k: violation stacks in the flame graph" "none"
	elif grep -qvE "$re" "/tmp/stacks.$k"; then
		fail "$k: every violation stack goes through $re" "$(grep -vE "$re" "/tmp/stacks.$k" | head -1)"
	else
		pass "$k: every violation stack goes through $re"
	fi
}
stack_of unfreeze_unflushed 'zap_collapsible|tdp_mmu_zap_spte_atomic|kvm_tdp_mmu_map'
stack_of yield_unflushed 'kvm_mmu_notifier_invalidate_range_start|kvm_tdp_mmu_unmap_gfn_range|zap_leafs|nx_lpage_recovery|nx_huge_page_recovery|recover_nx'
stack_of dirty_log_unflushed 'kvm_vm_ioctl'
# NX recovery's one fault shows at its unlock, or at a yield.
stack_of unlock_unflushed 'nx_lpage_recovery|nx_huge_page_recovery|recover_nx' optional
assert_no_grep "no tracer frame in a violation stack" '^\[violation.*(bpf_prog_|bpf_trace_run|bpf_trampoline|\[bpf\])' /out/sites.folded
assert_grep "violation reports show where the rule was broken" '^  where stack:$' "$TRACE_LOG"

# The recording replays through the same state machine to the same result.
assert_eq "no event lost while recording" 0 \
	"$(metric spte_trace_ringbuf_drops_total 'ring="events"')"
run_bounded 300 /out/replay.log spte-trace report --textfile /out/replay.prom \
	--folded /out/replay.folded /out/run.spte
assert_eq "spte-trace report of the recording exits 0" 0 "$?"
same_counts "replay = live" "$METRICS" /out/replay.prom
assert_eq "replay prints the same violations" \
	"$(grep -c ' VIOLATION [a-z_]*: ' "$TRACE_LOG")" \
	"$(grep -c ' VIOLATION [a-z_]*: ' /out/replay.log)"
note_value injected "$(awk '$2 ~ /^injected_(atomic_zap|yield|dirty_log|nx_recovery)$/ { s += $3 } END { print s + 0 }' "$VALUES")"
note_trace_values
e2e_end
