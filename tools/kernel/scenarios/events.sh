#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest scenario for a patched kernel (kernel-patch/6.1 or kernel-patch/6.12):
# checks that every event of the series' ABI (docs/tracepoints.md) fires in
# a real KVM guest with the documented format and values, that the trace
# follows the flush protocol with fault injection off, and that each fault
# injection site, enabled alone, moves its counter and leaves the expected
# trace evidence.  The same script runs on both lines; the values that
# differ (the frozen SPTE, the value an unfreeze writes) are chosen by
# uname -r.
#
#   1. kvm_amd is up with npt=Y and kvm.tdp_mmu=Y.
#   2. Injection off, all ten events on: spte-vmm with every zap kind, 4 KiB
#      and THP backing, and dirty logging with eager splitting off (atomic
#      zaps of huge SPTEs on write faults).  Per run (check-trace.awk):
#      every line in its format, freezes write the frozen value, unfreezes
#      replace it, flush begin/end pair up, every atomic zap has a flush of
#      its task between freeze and unfreeze, every deadline (yield, unlock,
#      notifier) finds the task's zaps covered by an ended flush and every
#      dirty_log deadline its write protections, every freed page table is
#      a root or a table whose removal was traced, every VM is destroyed
#      once and has only teardown events after that.  Memslot deletion and
#      moves show writes in invalid roots (root_invalid=1).  The stock
#      kvmmmu:kvm_mmu_split_huge_page is enabled too, to find the 512
#      fills of each huge page split: they must report the line's
#      non-present value as their old value.
#   2b. Eager splitting racing vCPU faults (spte-vmm --zap dirty-log-race),
#      up to 6 runs until a split loses the race to link its page table
#      and refills it: the refill's old values must be non-present too
#      (not a failure when no run loses the race: it depends on timing).
#   3. Each injection site alone (fail_tdp_mmu_flush, probability 100):
#      yield    a 4 KiB madvise zap under CPU load until a range zap yields
#               (bounded tries): injected_yield > 0, and as many yield
#               deadlines with the task's zaps not covered by a flush;
#      nx_recovery  kvm.nx_huge_pages=force, recovery every 200 ms, a VM
#               executing from THP-backed memory (spte-vmm --exec-data):
#               first without injection (recovery zaps covered), then with
#               one fault (times=1): injected_nx_recovery = 1 and one
#               recovery deadline with its zap not covered;
#      dirty_log  dirty logging: injected_dirty_log > 0, and dirty_log
#               deadlines with write protections not covered (at most as
#               many: enabling dirty logging flushes even when there was
#               nothing left to write-protect);
#      atomic_zap  dirty logging without eager split: injected_atomic_zap
#               > 0 and exactly as many atomic zaps unfrozen without a
#               flush; then with delay_us=200: faults counted, every atomic
#               zap still covered.
#   4. Over all runs: every event fired, every deadline reason was seen.
#
# Writes /out/events.txt (one row per run), /out/results.txt (PASS/FAIL
# lines), /out/vmm.log, /out/sample.txt (the first line of each event) and
# /out/excerpts.txt (event sequences quoted in docs/tracepoints.md).
#
# Run it with `make kernel-boot-test [KERNEL_LINE=6.12]`, or:
#   tools/qemu/run-guest.sh --kernel "$(tools/kernel/build.sh --line 6.1 --print-path)/bzImage" \
#	--scenario tools/kernel/scenarios/events.sh --add build/spte-vmm \
#	--add tools/kernel/scenarios/check-trace.awk --out DIR
set -euo pipefail
# shellcheck source=tools/qemu/scenarios/lib.sh
. /lib/spte/lib.sh

MEM=${EVENTS_MEM:-16}
ROUNDS=${EVENTS_ROUNDS:-3}
ZAPS=${EVENTS_ZAPS:-madvise mprotect memslot-delete memslot-move dirty-log}
BUFFER_KB=${EVENTS_BUFFER_KB:-32768}
# The yield of a range zap needs need_resched() while the zap runs: a long
# zap (large memory) on CPUs that other tasks want.
YIELD_MEM=${EVENTS_YIELD_MEM:-64}
YIELD_TRIES=${EVENTS_YIELD_TRIES:-5}
NX_TIMEOUT=${EVENTS_NX_TIMEOUT:-90}
VMM_TIMEOUT=${EVENTS_VMM_TIMEOUT:-300}
RACE_TRIES=${EVENTS_RACE_TRIES:-6}

tracing=/sys/kernel/tracing
fail_dir=/sys/kernel/debug/fail_tdp_mmu_flush
events="kvmmmu/kvm_tdp_mmu_spte_set kvmmmu/kvm_tdp_mmu_spte_freeze
	kvmmmu/kvm_tdp_mmu_spte_unfreeze kvmmmu/kvm_tdp_mmu_root_teardown_begin
	kvmmmu/kvm_tdp_mmu_root_teardown_end kvmmmu/kvm_tdp_mmu_free_sp
	kvm/kvm_remote_tlb_flush_begin kvm/kvm_remote_tlb_flush_end
	kvm/kvm_mmu_flush_deadline kvm/kvm_destroy_vm"
# Stock, not of the series: it follows each attempt to link a split page
# table, which tells check-trace.awk where the fills of a split are.
split_event=kvmmmu/kvm_mmu_split_huge_page
sites="atomic_zap yield nx_recovery dirty_log"
# What must be non-zero over all runs: the events and the check's counts.
events_total="kvm_tdp_mmu_spte_set kvm_tdp_mmu_spte_freeze kvm_tdp_mmu_spte_unfreeze
	kvm_remote_tlb_flush_begin kvm_remote_tlb_flush_end
	kvm_tdp_mmu_root_teardown_begin kvm_tdp_mmu_root_teardown_end
	kvm_tdp_mmu_free_sp kvm_destroy_vm kvm_mmu_flush_deadline
	deadline_yield deadline_unlock deadline_notifier deadline_dirty_log
	invalid_writes free_matched splits fills_checked"
# Counted over all runs, not required: races that eager splitting lost.
race_totals="split_lost split_reused split_reused_elsewhere"
table=/out/events.txt
vmm_log=/out/vmm.log
state=/tmp/events-state
declare -A totals=()
case_rc=0
case_out=

die() {
	echo "events: $*" >&2
	exit 1
}

check_awk() {
	local f

	for f in /add/check-trace.awk "$(dirname "$0")/check-trace.awk"; do
		[ -r "$f" ] && { echo "$f"; return; }
	done
	die "check-trace.awk not found: pass --add tools/kernel/scenarios/check-trace.awk"
}
AWK_SCRIPT=$(check_awk)

# The two values that differ between the lines: what a freeze writes
# (REMOVED_SPTE on 6.1, FROZEN_SPTE = SHADOW_NONPRESENT_VALUE | 0x5a0 on
# 6.12) and what an unfreeze writes (0, SHADOW_NONPRESENT_VALUE).
case $(uname -r) in
6.1.*) LINE=6.1 FROZEN=0x5a0 NONPRESENT=0x0 ;;
6.12.*) LINE=6.12 FROZEN=0x80000000000005a0 NONPRESENT=0x8000000000000000 ;;
*) die "unknown kernel line: $(uname -r)" ;;
esac

check_env() {
	local e tdp npt site

	command -v spte-vmm >/dev/null ||
		die "spte-vmm not on PATH: pass --add build/spte-vmm to run-guest.sh"
	[ -c /dev/kvm ] || die "/dev/kvm missing"
	for e in $events; do
		[ -d "$tracing/events/$e" ] || die "no $tracing/events/$e: not the patched kernel?"
	done
	[ -d "$tracing/events/$split_event" ] || die "no $tracing/events/$split_event"
	[ -d "$fail_dir" ] || die "no $fail_dir: CONFIG_KVM_TDP_MMU_FLUSH_FAULT_INJECTION off?"
	for site in $sites; do
		[ -f "$fail_dir/injected_$site" ] || die "no $fail_dir/injected_$site"
	done
	tdp=$(kvm_param kvm tdp_mmu)
	npt=$(kvm_param kvm_amd npt)
	log "line $LINE, kernel $(uname -r): kvm.tdp_mmu=$tdp kvm_amd.npt=$npt"
	assert_eq "kvm.tdp_mmu is on" Y "$tdp"
	check "kvm_amd.npt is on" "$npt" test "$npt" = Y -o "$npt" = 1
}

setup_tracing() {
	local e

	echo 0 >"$tracing/tracing_on"
	echo "$BUFFER_KB" >"$tracing/buffer_size_kb"
	echo nop >"$tracing/current_tracer"
	for e in $events $split_event; do
		echo 1 >"$tracing/events/$e/enable"
	done
}

# set_injection SITE... : faults at these sites only, every owed flush
# (probability 100, no limit), silently; INJECT_TIMES / INJECT_DELAY_US
# override the limit and the delay.  set_injection (no site): off.
set_injection() {
	local mask=0 site bit s

	for site in "$@"; do
		bit=0
		for s in $sites; do
			[ "$s" = "$site" ] && break
			bit=$((bit + 1))
		done
		mask=$((mask | (1 << bit)))
	done
	echo 0 >"$fail_dir/probability"
	echo "$mask" >"$fail_dir/sites"
	[ "$mask" -ne 0 ] || return 0
	echo 0 >"$fail_dir/verbose"
	echo 1 >"$fail_dir/interval"
	echo "${INJECT_TIMES:--1}" >"$fail_dir/times"
	echo "${INJECT_DELAY_US:-0}" >"$fail_dir/delay_us"
	echo 100 >"$fail_dir/probability"
}

reset_counters() {
	local site

	for site in $sites; do
		echo 0 >"$fail_dir/injected_$site"
	done
}

injected() {
	cat "$fail_dir/injected_$1"
}

lost_events() {
	cat "$tracing"/per_cpu/cpu*/stats |
		awk '/^(overrun|dropped events):/ { n += $NF } END { print n + 0 }'
}

trace_begin() {
	echo >"$tracing/trace"
	echo 1 >"$tracing/tracing_on"
}

# trace_end LABEL RC: stop tracing, check the trace, add a row to the
# table and the run's counts to the totals.  The check's output is left
# in case_out for the caller's own assertions.
trace_end() {
	local label=$1 lost e n

	echo 0 >"$tracing/tracing_on"
	case_rc=$2
	lost=$(lost_events)
	case_out=$(awk -v frozen="$FROZEN" -v nonpresent="$NONPRESENT" -v state="$state" \
		-f "$AWK_SCRIPT" "$tracing/trace")
	grep '^sample ' <<<"$case_out" | cut -d' ' -f2- >>/tmp/sample-all.txt || true
	printf '%-26s %4s' "$label" "$([ "$case_rc" -eq 0 ] && echo ok || echo "rc$case_rc")" >>"$table"
	for e in kvm_tdp_mmu_spte_set kvm_tdp_mmu_spte_freeze kvm_tdp_mmu_spte_unfreeze \
		kvm_remote_tlb_flush_begin kvm_tdp_mmu_root_teardown_begin kvm_tdp_mmu_free_sp \
		kvm_destroy_vm kvm_mmu_flush_deadline; do
		printf ' %7s' "$(value_of "$e")" >>"$table"
	done
	for e in $events_total $race_totals; do
		totals[$e]=$((${totals[$e]:-0} + $(value_of "$e")))
	done
	printf ' %4s/%-4s %4s %4s %4s %4s %4s/%-4s %4s\n' "$(value_of uncovered)" "$(value_of atomic_zaps)" \
		"$(( $(value_of deadline_uncovered_yield) + $(value_of deadline_uncovered_unlock) + \
		     $(value_of deadline_uncovered_notifier) ))" \
		"$(value_of dirty_uncovered)" "$(value_of invalid_writes)" "$(value_of free_unmatched)" \
		"$(value_of splits)" "$(value_of split_lost)" "$lost" >>"$table"
	assert_eq "$label: no trace event lost" 0 "$lost"
	for e in bad_format bad_header bad_freeze bad_unfreeze unpaired_flush unpaired_teardown \
		destroy_twice after_destroy free_unmatched bad_fill fill_missing; do
		assert_eq "$label: $e" 0 "$(value_of "$e")"
	done
	assert_eq "$label: every VM destroyed once" "$(value_of vms)" "$(value_of vms_destroyed)"
}

# The protocol holds: nothing uncovered (runs without injection).
assert_covered() {
	local label=$1 e

	for e in uncovered deadline_uncovered_yield deadline_uncovered_unlock \
		deadline_uncovered_notifier dirty_uncovered; do
		assert_eq "$label: $e" 0 "$(value_of "$e")"
	done
}

# Value of key $1 in the output of the last check.
value_of() {
	awk -v k="$1" '$1 == k { print $2; found = 1; exit } END { if (!found) print 0 }' <<<"$case_out"
}

# vmm_run LABEL ARGS...: one traced spte-vmm run, bounded.
vmm_run() {
	local label=$1 rc=0

	shift
	echo "== $label: spte-vmm $*" >>"$vmm_log"
	trace_begin
	run_bounded "$VMM_TIMEOUT" "$vmm_log" spte-vmm "$@" || rc=$?
	trace_end "$label" "$rc"
}

# excerpt TITLE ERE BEFORE AFTER: the trace lines around the first line
# matching ERE, for docs/tracepoints.md.
excerpt() {
	{
		echo "== $LINE: $1"
		grep -m1 -B"$3" -A"$4" -E "$2" "$tracing/trace" || echo "(no match)"
	} >>/out/excerpts.txt
}

header() {
	{
		echo "# kernel line $LINE ($(uname -r)): trace events per spte-vmm run (mem ${MEM}M, $ROUNDS rounds)"
		echo "# unc/zaps: atomic zaps unfrozen without a flush of their task / all atomic zaps;"
		echo "# dl_unc: yield/unlock/notifier deadlines with a zap not covered by an ended flush;"
		echo "# dirty: dirty_log deadlines with a write protection not covered; inval: writes in"
		echo "# invalid roots; unfree: freed tables never seen removed; split/lost: huge page splits /"
		echo "# those whose link lost a race; lost: events dropped"
		printf '%-26s %4s %7s %7s %7s %7s %7s %7s %7s %7s %9s %4s %4s %4s %4s %9s %4s\n' "#run" vmm \
			set freeze unfrz fl_beg td_beg free_sp destroy deadl unc/zaps dl_unc dirty inval unfree \
			split/lost lost
	} >"$table"
	: >"$vmm_log"
	: >/tmp/sample-all.txt
	: >/out/excerpts.txt
	: >"$state"
}

# ---------------------------------------------------------------- runs ----

runs_without_injection() {
	local backing zap

	set_injection
	for backing in 4k thp; do
		for zap in $ZAPS; do
			vmm_run "$backing $zap" --backing "$backing" --zap "$zap" \
				--mem "$MEM" --rounds "$ROUNDS"
			assert_eq "$backing $zap: spte-vmm exits 0" 0 "$case_rc"
			assert_covered "$backing $zap"
			case $zap in
			memslot-delete | memslot-move)
				assert_gt "$backing $zap: writes in invalid roots" \
					"$(value_of invalid_writes)" 0
				excerpt "writes in an invalidated root ($backing $zap)" \
					'root_invalid=1' 2 2
				;;
			madvise)
				excerpt "MMU notifier zap, flush, notifier deadline ($backing)" \
					'kvm_remote_tlb_flush_end: .* pages=all' 3 1
				excerpt "VM destruction ($backing $zap)" 'kvm_destroy_vm:' 1 4
				;;
			dirty-log)
				excerpt "dirty_log deadline after write protection ($backing)" \
					'reason=dirty_log' 4 0
				;;
			esac
		done
	done
	excerpt "freeing a removed page table" 'kvm_tdp_mmu_free_sp:' 0 1
	vmm_run "thp dirty-log no-split" --backing thp --zap dirty-log \
		--eager-split off --mem "$MEM" --rounds "$ROUNDS"
	assert_eq "thp dirty-log no-split: spte-vmm exits 0" 0 "$case_rc"
	assert_covered "thp dirty-log no-split"
	assert_gt "thp dirty-log no-split: atomic zaps" "$(value_of atomic_zaps)" 0
	# 6.1: on the write fault under a huge SPTE; 6.12 splits there, and
	# zaps atomically when collapsing tables after dirty logging.
	excerpt "atomic zap (dirty logging without eager split)" 'kvm_tdp_mmu_spte_unfreeze' 8 3
}

# Eager splitting (tdp_mmu_split_huge_pages_root(), mmu_lock for read)
# keeps the page table whose link lost a race to a vCPU's fault and
# refills it for the next huge SPTE, or for the same one when it is still
# huge: the fill must still report non-present old values, not what the
# table held (bad_fill).  spte-vmm's dirty-log-race write-protects the
# huge SPTEs and enables dirty logging while the vCPUs fault on them.
# The race depends on timing: up to RACE_TRIES runs, not a failure when
# none refills a table (measured on the 2-core machine, 16-17 s a run:
# 6.1 refilled one in the first run in 3 boots of 3, 6.12 in the 3rd run
# and in the 1st).
split_race() {
	local try label vcpus lost=0 reused=0 elsewhere=0 start=$SECONDS

	for try in $(seq 1 "$RACE_TRIES"); do
		vcpus=$((try % 2 ? 4 : 2))
		label="split race #$try"
		vmm_run "$label" --backing thp --zap dirty-log-race,none --vcpus "$vcpus" \
			--mem 16 --rounds 19
		assert_eq "$label: spte-vmm exits 0" 0 "$case_rc"
		assert_covered "$label"
		lost=$((lost + $(value_of split_lost)))
		reused=$((reused + $(value_of split_reused)))
		elsewhere=$((elsewhere + $(value_of split_reused_elsewhere)))
		[ "$reused" -eq 0 ] || break
	done
	note_value split_race_runs "$try"
	note_value split_race_lost "$lost"
	note_value split_race_reused "$reused"
	note_value split_race_reused_elsewhere "$elsewhere"
	note_value split_race_seconds $((SECONDS - start))
	if [ "$reused" -gt 0 ]; then
		log "split race: $lost link(s) lost, $reused table(s) refilled ($elsewhere at another gfn) in $try run(s), $((SECONDS - start)) s"
		excerpt "eager split losing the race to link its table" \
			'kvm_mmu_split_huge_page: .* errno -16' 3 2
	else
		log "split race: no table refilled in $try run(s) ($lost link(s) lost, $((SECONDS - start)) s): reuse not exercised"
	fi
}

# The flush before a range zap yields: injected only when the zap sees
# need_resched(), which depends on the scheduler, so up to YIELD_TRIES
# large madvise zaps run under CPU load until one yields.  Runs before the
# other injections, whose skipped flushes can leave stale translations
# that make the next VM fail before it zaps anything.  Only writes that
# replace a present SPTE are traced (a filter): the installs of a large
# VM would cost more time than the run itself.
inject_yield() {
	local try inj=0 label

	echo 'old_spte & 0x800' >"$tracing/events/kvmmmu/kvm_tdp_mmu_spte_set/filter"
	for try in $(seq 1 "$YIELD_TRIES"); do
		label="inject yield #$try"
		reset_counters
		set_injection yield
		start_hogs
		vmm_run "$label" --backing 4k --zap madvise --mem "$YIELD_MEM" --rounds 3
		stop_hogs
		set_injection
		inj=$(injected yield)
		log "injected_yield=$inj after try $try of $YIELD_TRIES"
		[ "$inj" -eq 0 ] || break
	done
	echo 0 >"$tracing/events/kvmmmu/kvm_tdp_mmu_spte_set/filter"
	note_value injected_yield "$inj"
	assert_gt "yield: injected_yield after $try of $YIELD_TRIES tries" "$inj" 0
	assert_gt "yield: yield deadlines with zaps not covered by a flush" \
		"$(value_of deadline_uncovered_yield)" 0
	assert_le "yield: no more uncovered yield deadlines than injected faults" \
		"$(value_of deadline_uncovered_yield)" "$inj"
	assert_eq "yield: nothing else uncovered" 0 \
		"$(( $(value_of uncovered) + $(value_of deadline_uncovered_notifier) + $(value_of dirty_uncovered) ))"
	excerpt "injected skip of the flush before a yield" 'reason=yield' 6 1
}

# The NX huge page recovery zaps the page tables that exec faults split
# off huge pages; spte-vmm --exec-data makes the vCPUs execute from
# THP-backed data memory.  nx_run LABEL EVIDENCE: run such a VM until
# EVIDENCE (a command) succeeds, bounded, then stop it.
nx_run() {
	local label=$1 rc=0

	shift
	echo "== $label: spte-vmm --backing thp --exec-data --rounds 0" >>"$vmm_log"
	trace_begin
	daemon_start nxvm /tmp/nxvm.log spte-vmm --backing thp --exec-data --mem "$MEM" \
		--zap none --rounds 0 --interval 20
	wait_until "$NX_TIMEOUT" "$label" "$@" || rc=1
	daemon_stop nxvm 60 TERM
	cat /tmp/nxvm.log >>"$vmm_log"
	[ "$DAEMON_RC" -eq 0 ] || rc=$DAEMON_RC
	trace_end "$label" "$rc"
}

nx_recovery_flushed() {
	grep -q 'kvm-nx-lpage.*kvm_remote_tlb_flush_end' "$tracing/trace"
}

nx_fault_injected() {
	[ "$(injected nx_recovery)" -ge 1 ]
}

inject_nx_recovery() {
	local inj

	kvm_param kvm nx_huge_pages force
	kvm_param kvm nx_huge_pages_recovery_ratio 1
	kvm_param kvm nx_huge_pages_recovery_period_ms 200
	log "nx_huge_pages=$(kvm_param kvm nx_huge_pages)" \
		"ratio=$(kvm_param kvm nx_huge_pages_recovery_ratio)" \
		"period_ms=$(kvm_param kvm nx_huge_pages_recovery_period_ms)"

	set_injection
	nx_run "nx recovery" nx_recovery_flushed
	assert_eq "nx recovery: the VM runs and stops cleanly" 0 "$case_rc"
	assert_gt "nx recovery: recovery deadlines after zaps" "$(value_of nx_checked)" 0
	assert_covered "nx recovery"
	assert_gt "nx recovery: unlock deadlines" "$(value_of deadline_unlock)" 0
	excerpt "NX huge page recovery: zap, flush, unlock deadline" \
		'kvm-nx-lpage.*reason=unlock' 6 0

	reset_counters
	INJECT_TIMES=1 set_injection nx_recovery
	nx_run "inject nx_recovery" nx_fault_injected
	set_injection
	inj=$(injected nx_recovery)
	note_value injected_nx_recovery "$inj"
	assert_eq "nx_recovery: one fault injected (times=1)" 1 "$inj"
	assert_eq "nx_recovery: recovery deadlines with a zap not covered" \
		"$inj" "$(value_of nx_uncovered)"
	excerpt "injected skip of the NX recovery flush" 'kvm-nx-lpage.*reason=(unlock|yield)' 3 0

	kvm_param kvm nx_huge_pages auto
}

inject_dirty_log() {
	local inj

	reset_counters
	set_injection dirty_log
	vmm_run "inject dirty_log" --backing 4k --zap dirty-log --mem "$MEM" --rounds "$ROUNDS"
	set_injection
	inj=$(injected dirty_log)
	note_value injected_dirty_log "$inj"
	[ "$case_rc" -eq 0 ] || log "inject dirty_log: spte-vmm exited $case_rc (expected: writes through stale TLB entries are not logged)"
	assert_gt "dirty_log: injected_dirty_log" "$inj" 0
	# Enabling dirty logging flushes unconditionally (b64d740ea7dd), also
	# when no SPTE had the writable bit left to clear: a fault injected
	# there skips a flush that nothing in the trace needed.
	assert_gt "dirty_log: dirty_log deadlines with write protections not covered" \
		"$(value_of dirty_uncovered)" 0
	assert_le "dirty_log: no more uncovered dirty_log deadlines than injected faults" \
		"$(value_of dirty_uncovered)" "$inj"
	excerpt "injected skip of the dirty logging flush" 'reason=dirty_log' 3 0
}

inject_atomic_zap() {
	local inj

	reset_counters
	set_injection atomic_zap
	vmm_run "inject atomic_zap" --backing thp --zap dirty-log --eager-split off \
		--mem "$MEM" --rounds "$ROUNDS"
	set_injection
	inj=$(injected atomic_zap)
	note_value injected_atomic_zap "$inj"
	assert_gt "atomic_zap: injected_atomic_zap" "$inj" 0
	assert_eq "atomic_zap: atomic zaps unfrozen without a flush" "$inj" "$(value_of uncovered)"
	excerpt "injected skip of an atomic zap's flush" 'kvm_tdp_mmu_spte_unfreeze' 3 1

	# Delay instead of skip: faults are counted, every zap is still covered.
	reset_counters
	INJECT_DELAY_US=200 set_injection atomic_zap
	vmm_run "delay atomic_zap 200us" --backing thp --zap dirty-log --eager-split off \
		--mem "$MEM" --rounds "$ROUNDS"
	set_injection
	echo 0 >"$fail_dir/delay_us"
	inj=$(injected atomic_zap)
	assert_eq "delay_us: spte-vmm exits 0" 0 "$case_rc"
	assert_gt "delay_us: faults injected" "$inj" 0
	assert_gt "delay_us: atomic zaps" "$(value_of atomic_zaps)" 0
	assert_eq "delay_us: every atomic zap still covered" 0 "$(value_of uncovered)"
}

main() {
	local e

	e2e_begin "events-$LINE"
	header
	check_env
	setup_tracing
	# Keep lib.sh's handler, which stops daemons left running.
	trap 'stop_hogs; _e2e_exit' EXIT

	runs_without_injection
	split_race
	inject_yield
	inject_nx_recovery
	inject_dirty_log
	inject_atomic_zap

	for e in $events_total; do
		note_value "total_$e" "${totals[$e]:-0}"
		assert_gt "over all runs: $e" "${totals[$e]:-0}" 0
	done
	for e in $race_totals; do
		note_value "total_$e" "${totals[$e]:-0}"
	done

	for e in $events $split_event; do
		echo 0 >"$tracing/events/$e/enable"
	done
	# One line per event: the first one seen.
	awk '{ if (match($0, / kvm_[a-z_]+: /) && !seen[substr($0, RSTART, RLENGTH)]++) print }' \
		/tmp/sample-all.txt >/out/sample.txt
	cat "$table" >&2
	e2e_end
}

main "$@"
