#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest scenario for the patched kernel (kernel-patch/): checks that every
# tracepoint the series adds fires in a real KVM guest, that its text is in
# the format docs/tracepoints.md documents, and that the flush fault
# injection skips flushes and is seen doing so.
#
#   1. kvm_amd is up with npt=Y and kvm.tdp_mmu=Y.
#   2. With the 7 new events enabled, spte-vmm runs every zap kind with 4 KiB
#      and with THP backing, plus dirty logging with eager splitting off
#      (huge SPTEs zapped atomically on write faults).  Each event must
#      fire, every line must match its documented format, freeze events
#      must write the removed SPTE (0x5a0), unfreeze events must replace it
#      with 0, and flush begin/end must pair up by seq.
#   3. Protocol check, injection off: every atomic zap (a freeze that is
#      later unfrozen by the same task) has a completed remote flush of
#      that task in between.
#   4. Fault injection on (probability 100): a large madvise zap under CPU
#      load (to make the range zap yield; retried a bounded number of
#      times, as yielding depends on the scheduler) must raise
#      injected_yield; then dirty logging without eager split must raise
#      injected_atomic_zap, and the protocol check must now find unfrozen
#      SPTEs without a flush.
#   5. With delay_us set, faults are injected but every atomic zap is still
#      covered by its (delayed) flush.
#
# Writes /out/events.txt (counts per run and event), /out/summary.txt,
# /out/vmm.log, /out/sample.txt (one trace line per event) and
# /out/excerpts.txt (the event sequences of a few protocol transitions).
#
# Run it with `make kernel-boot-test`, or:
#   tools/qemu/run-guest.sh --kernel "$(tools/kernel/build.sh --print-path)/bzImage" \
#	--scenario tools/kernel/scenarios/events.sh --add build/spte-vmm --out DIR
set -euo pipefail

MEM=${EVENTS_MEM:-32}
ROUNDS=${EVENTS_ROUNDS:-3}
ZAPS=${EVENTS_ZAPS:-madvise mprotect memslot-delete memslot-move dirty-log}
BUFFER_KB=${EVENTS_BUFFER_KB:-65536}
# The yield of a range zap needs need_resched() while the zap runs: a long
# zap (large memory) on CPUs that other tasks want.
YIELD_MEM=${EVENTS_YIELD_MEM:-128}
YIELD_TRIES=${EVENTS_YIELD_TRIES:-5}

tracing=/sys/kernel/tracing
fail_dir=/sys/kernel/debug/fail_tdp_mmu_flush
events="kvmmmu/kvm_tdp_mmu_spte_set kvmmmu/kvm_tdp_mmu_spte_freeze
	kvmmmu/kvm_tdp_mmu_spte_unfreeze kvm/kvm_remote_tlb_flush_begin
	kvm/kvm_remote_tlb_flush_end kvmmmu/kvm_tdp_mmu_root_teardown_begin
	kvmmmu/kvm_tdp_mmu_root_teardown_end"
table=/out/events.txt
summary=/out/summary.txt
vmm_log=/out/vmm.log
failures=0
hogs=()

die() {
	echo "events: $*" >&2
	exit 1
}

fail() {
	echo "events: FAIL: $*" | tee -a "$summary" >&2
	failures=$((failures + 1))
}

pass() {
	echo "events: ok: $*" | tee -a "$summary"
}

check_env() {
	local e tdp npt

	command -v spte-vmm >/dev/null ||
		die "spte-vmm not on PATH: pass --add build/spte-vmm to run-guest.sh"
	[ -c /dev/kvm ] || die "/dev/kvm missing"
	for e in $events; do
		[ -d "$tracing/events/$e" ] || die "no $tracing/events/$e: not the patched kernel?"
	done
	[ -d "$fail_dir" ] || die "no $fail_dir: CONFIG_KVM_TDP_MMU_FLUSH_FAULT_INJECTION off?"

	tdp=$(cat /sys/module/kvm/parameters/tdp_mmu)
	npt=$(cat /sys/module/kvm_amd/parameters/npt)
	echo "kernel $(uname -r): kvm.tdp_mmu=$tdp kvm_amd.npt=$npt" | tee -a "$summary"
	[ "$tdp" = Y ] || fail "kvm.tdp_mmu is $tdp, not Y"
	[ "$npt" = Y ] || [ "$npt" = 1 ] || fail "kvm_amd.npt is $npt, not on"
}

setup_tracing() {
	local e

	echo 0 >"$tracing/tracing_on"
	echo "$BUFFER_KB" >"$tracing/buffer_size_kb"
	echo nop >"$tracing/current_tracer"
	for e in $events; do
		echo 1 >"$tracing/events/$e/enable"
	done
}

# Fault injection: $1 = on|off.  Injected faults are silent (verbose 0),
# every flush at the two sites fails while on (probability 100, no limit).
set_injection() {
	if [ "$1" = on ]; then
		echo 0 >"$fail_dir/verbose"
		echo 1 >"$fail_dir/interval"
		echo -1 >"$fail_dir/times"
		echo 0 >"$fail_dir/delay_us"
		echo 100 >"$fail_dir/probability"
	else
		echo 0 >"$fail_dir/probability"
	fi
}

lost_events() {
	cat "$tracing"/per_cpu/cpu*/stats |
		awk '/^(overrun|dropped events):/ { n += $NF } END { print n + 0 }'
}

# Checks the trace of one run and prints "event count" lines plus
# "bad_format N", "bad_freeze N", "bad_unfreeze N", "unpaired_flush N",
# "atomic_zaps N" and "uncovered N": atomic zaps whose task completed no
# remote flush between the freeze and the unfreeze of the SPTE.  The
# format of the first 200 lines of each event is checked; set events, the
# bulk of the trace, are only counted after that.
check_trace() {
	awk '
	BEGIN {
		hex = "0x[0-9a-f]+"
		id = "^pid=-?[0-9]+ vm=[0-9]+"
		spte = id " as_id=[0-9]+ gfn=" hex " level=[0-9]+ sptep=[0-9a-f]+ old_spte=" hex " new_spte=" hex "$"
		flush = id " start_gfn=" hex " pages=(all|" hex ") seq=[0-9]+$"
		fmt["kvm_tdp_mmu_spte_set"] = spte
		fmt["kvm_tdp_mmu_spte_freeze"] = spte
		fmt["kvm_tdp_mmu_spte_unfreeze"] = spte
		fmt["kvm_remote_tlb_flush_begin"] = flush
		fmt["kvm_remote_tlb_flush_end"] = flush
		fmt["kvm_tdp_mmu_root_teardown_begin"] = id "$"
		fmt["kvm_tdp_mmu_root_teardown_end"] = id "$"
		for (e in fmt)
			count[e] = 0
	}
	/^#/ { next }
	{
		# "comm-TID [cpu] flags time: event: body", usually.
		i = 5
		if ($i !~ /^kvm_/) {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^kvm_[a-z_]+:$/)
					break
		}
		ev = substr($i, 1, length($i) - 1)
		if (!(ev in fmt))
			next
		count[ev]++
		if (count[ev] <= 200) {
			body = $0
			sub(/^.*: kvm_[a-z_]+: /, "", body)
			if (body !~ fmt[ev] && ++bad_format <= 3)
				print "bad line: " $0 > "/dev/stderr"
			if (count[ev] == 1)
				sample[ev] = $0
		}
		if (ev == "kvm_tdp_mmu_spte_set" || ev ~ /teardown/)
			next

		task = $1
		sub(/^.*-/, "", task)
		vm = $(i + 2)
		if (ev ~ /spte/) {
			key = vm SUBSEP $(i + 6)
			old = $(i + 7)
			new = $(i + 8)
		} else {
			seq = $(i + 5)
			fkey = vm SUBSEP seq
		}
		if (ev == "kvm_tdp_mmu_spte_freeze") {
			if (new != "new_spte=0x5a0")
				bad_freeze++
			frozen[key] = task SUBSEP (done[task] + 0)
		} else if (ev == "kvm_tdp_mmu_spte_unfreeze") {
			if (old != "old_spte=0x5a0" || new != "new_spte=0x0")
				bad_unfreeze++
			if (!(key in frozen)) {
				bad_unfreeze++
				next
			}
			split(frozen[key], fz, SUBSEP)
			atomic_zaps++
			if (fz[1] != task || done[task] + 0 == fz[2] + 0)
				uncovered++
			delete frozen[key]
		} else if (ev == "kvm_remote_tlb_flush_begin") {
			if (seq != "seq=0")
				open_flush[fkey] = 1
		} else if (ev == "kvm_remote_tlb_flush_end") {
			if (seq != "seq=0") {
				if (fkey in open_flush)
					delete open_flush[fkey]
				else
					unpaired++
			}
			done[task]++
		}
	}
	END {
		for (k in open_flush)
			unpaired++
		for (e in count)
			print e, count[e]
		print "bad_format", bad_format + 0
		print "bad_freeze", bad_freeze + 0
		print "bad_unfreeze", bad_unfreeze + 0
		print "unpaired_flush", unpaired + 0
		print "atomic_zaps", atomic_zaps + 0
		print "uncovered", uncovered + 0
		for (e in sample)
			print "sample", sample[e]
	}' "$tracing/trace"
}

# Appends to /out/excerpts.txt the lines around the first trace line that
# matches regex $2: $3 lines before and $4 after, under title $1.
save_excerpt() {
	{
		echo "== $1"
		grep -m1 -B"$3" -A"$4" -E "$2" "$tracing/trace" || echo "(no match)"
	} >>/out/excerpts.txt
}

# Value of key $2 in check_trace output $1.
value_of() {
	awk -v k="$2" '$1 == k { print $2; exit }' <<<"$1"
}

# One traced spte-vmm run: $1 = label, the rest = spte-vmm arguments.
# Appends to the table and to the per-event totals.
run_case() {
	local label=$1 rc=0 out lost e n
	shift

	echo >"$tracing/trace"
	echo 1 >"$tracing/tracing_on"
	echo "== $label: spte-vmm $*" >>"$vmm_log"
	spte-vmm "$@" >>"$vmm_log" 2>&1 || rc=$?
	echo 0 >"$tracing/tracing_on"
	lost=$(lost_events)
	out=$(check_trace)
	grep '^sample ' <<<"$out" | cut -d' ' -f2- >>/out/sample-all.txt || true

	printf '%-28s %4s' "$label" "$([ "$rc" -eq 0 ] && echo ok || echo "rc$rc")" >>"$table"
	for e in spte_set spte_freeze spte_unfreeze flush_begin flush_end teardown_begin teardown_end; do
		case $e in
		spte_*) n=$(value_of "$out" "kvm_tdp_mmu_$e") ;;
		flush_*) n=$(value_of "$out" "kvm_remote_tlb_$e") ;;
		teardown_*) n=$(value_of "$out" "kvm_tdp_mmu_root_$e") ;;
		esac
		printf ' %8s' "$n" >>"$table"
		totals[$e]=$((${totals[$e]:-0} + n))
	done
	printf ' %5s %5s %5s\n' "$(value_of "$out" atomic_zaps)" \
		"$(value_of "$out" uncovered)" "$lost" >>"$table"

	case_rc=$rc
	case_out=$out
	[ "$lost" -eq 0 ] || fail "$label: $lost events lost (raise EVENTS_BUFFER_KB)"
	for e in bad_format bad_freeze bad_unfreeze unpaired_flush; do
		n=$(value_of "$out" "$e")
		[ "$n" -eq 0 ] || fail "$label: $e = $n"
	done
}

# CPU hogs that make the zapping task see need_resched().
start_hogs() {
	local i

	for i in 1 2; do
		(while :; do :; done) &
		hogs+=($!)
	done
}

stop_hogs() {
	[ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null || true
	hogs=()
}

header() {
	{
		echo "# new trace events per spte-vmm run (mem ${MEM}M, $ROUNDS rounds)"
		echo "# zaps: atomic zaps (freeze ... unfreeze); uncov: of those, without a"
		echo "# completed remote flush of the zapping task in between"
		printf '%-28s %4s %8s %8s %8s %8s %8s %8s %8s %5s %5s %5s\n' "#run" vmm \
			set freeze unfreeze fl_begin fl_end td_begin td_end zaps uncov lost
	} >"$table"
	: >"$summary"
	: >"$vmm_log"
	: >/out/sample-all.txt
	: >/out/excerpts.txt
}

# The flush before a range zap yields: injected only when the zap sees
# need_resched(), which depends on the scheduler, so up to YIELD_TRIES
# large madvise zaps run under CPU load until one yields.  Runs before the
# atomic-zap injection, whose skipped flushes can leave stale translations
# that make the next VM fail before it zaps anything.  Untraced: only the
# counter matters here, and tracing every SPTE of a large VM would cost
# more time than the run itself.
inject_yield() {
	local try inj=0

	echo 0 >"$fail_dir/injected_yield"
	for try in $(seq 1 "$YIELD_TRIES"); do
		set_injection on
		start_hogs
		echo "== inject yield, try $try: 4k madvise ${YIELD_MEM}M under load: spte-vmm" >>"$vmm_log"
		spte-vmm --backing 4k --zap madvise --mem "$YIELD_MEM" --rounds 3 \
			>>"$vmm_log" 2>&1 || echo "(spte-vmm exited $?)" >>"$vmm_log"
		stop_hogs
		set_injection off
		inj=$(cat "$fail_dir/injected_yield")
		echo "injected_yield=$inj after try $try of $YIELD_TRIES" | tee -a "$summary"
		[ "$inj" -eq 0 ] || break
	done
	[ "$inj" -gt 0 ] && pass "injected_yield = $inj" ||
		fail "no fault injected before a yield in $YIELD_TRIES tries"
}

declare -A totals
case_rc=0
case_out=""

main() {
	local backing zap e uncovered=0 zaps=0 inj_zap inj_yield

	header
	check_env
	setup_tracing
	trap stop_hogs EXIT

	# Injection off: every zap kind, both backings.
	set_injection off
	for backing in 4k thp; do
		for zap in $ZAPS; do
			run_case "$backing $zap" --backing "$backing" --zap "$zap" \
				--mem "$MEM" --rounds "$ROUNDS"
			[ "$case_rc" -eq 0 ] || fail "$backing $zap: spte-vmm exited $case_rc"
			zaps=$((zaps + $(value_of "$case_out" atomic_zaps)))
			uncovered=$((uncovered + $(value_of "$case_out" uncovered)))
			[ "$backing $zap" = "thp dirty-log" ] || continue
			# Eager split when logging starts (the link replaces a huge
			# SPTE, bit 7 set, by a table), collapse when it stops.
			save_excerpt "huge page split (eager, dirty logging starts)" \
				'kvm_tdp_mmu_spte_set: .* level=2 .* old_spte=0x[0-9a-f]+[89a-f][0-9a-f] new_spte=0x[0-9a-f]+[0-7][0-9a-f]$' 3 1
			save_excerpt "collapse when dirty logging stops (atomic zap of a table)" \
				'kvm_tdp_mmu_spte_freeze: .* level=2 ' 1 4
		done
	done
	run_case "thp dirty-log no-split" --backing thp --zap dirty-log \
		--eager-split off --mem "$MEM" --rounds "$ROUNDS"
	[ "$case_rc" -eq 0 ] || fail "thp dirty-log no-split: spte-vmm exited $case_rc"
	zaps=$((zaps + $(value_of "$case_out" atomic_zaps)))
	uncovered=$((uncovered + $(value_of "$case_out" uncovered)))
	save_excerpt "atomic zap on a write fault (dirty logging, no eager split)" \
		'kvm_tdp_mmu_spte_unfreeze' 8 3
	save_excerpt "teardown" 'kvm_tdp_mmu_root_teardown_begin' 0 6

	for e in spte_set spte_freeze spte_unfreeze flush_begin flush_end teardown_begin teardown_end; do
		if [ "${totals[$e]:-0}" -gt 0 ]; then
			pass "$e fired ${totals[$e]} times"
		else
			fail "$e never fired"
		fi
	done
	if [ "$zaps" -gt 0 ] && [ "$uncovered" -eq 0 ]; then
		pass "injection off: all $zaps atomic zaps covered by a completed flush"
	else
		fail "injection off: $uncovered of $zaps atomic zaps not covered by a flush"
	fi

	inject_yield

	# Injection on.  A skipped flush may break the nested guest: spte-vmm
	# failing is reported but not an error here.
	echo 0 >"$fail_dir/injected_atomic_zap"
	echo 0 >"$fail_dir/injected_yield"
	set_injection on
	run_case "inject thp dirty-log no-split" --backing thp --zap dirty-log \
		--eager-split off --mem "$MEM" --rounds "$ROUNDS"
	zaps=$(value_of "$case_out" atomic_zaps)
	uncovered=$(value_of "$case_out" uncovered)
	save_excerpt "injected skip of an atomic zap's flush" \
		'kvm_tdp_mmu_spte_unfreeze' 3 1
	set_injection off
	inj_zap=$(cat "$fail_dir/injected_atomic_zap")
	echo "injected_atomic_zap=$inj_zap" | tee -a "$summary"
	[ "$inj_zap" -gt 0 ] && pass "injected_atomic_zap = $inj_zap" ||
		fail "no fault injected into an atomic zap"
	if [ "$uncovered" -gt 0 ]; then
		pass "injection on: the trace shows $uncovered of $zaps atomic zaps without a flush"
	else
		fail "injection on: the trace shows no atomic zap without a flush ($zaps zaps)"
	fi

	# Delay instead of skip: faults are injected and counted, and every
	# atomic zap is still covered by its flush.
	echo 0 >"$fail_dir/injected_atomic_zap"
	set_injection on
	echo 200 >"$fail_dir/delay_us"
	run_case "delay thp dirty-log no-split" --backing thp --zap dirty-log \
		--eager-split off --mem "$MEM" --rounds "$ROUNDS"
	set_injection off
	echo 0 >"$fail_dir/delay_us"
	[ "$case_rc" -eq 0 ] || fail "delay thp dirty-log no-split: spte-vmm exited $case_rc"
	inj_zap=$(cat "$fail_dir/injected_atomic_zap")
	zaps=$(value_of "$case_out" atomic_zaps)
	uncovered=$(value_of "$case_out" uncovered)
	echo "delay_us=200: injected_atomic_zap=$inj_zap atomic zaps=$zaps uncovered=$uncovered" |
		tee -a "$summary"
	if [ "$inj_zap" -gt 0 ] && [ "$zaps" -gt 0 ] && [ "$uncovered" -eq 0 ]; then
		pass "delay_us: $inj_zap flushes delayed, none skipped"
	else
		fail "delay_us: injected $inj_zap, $uncovered of $zaps atomic zaps uncovered"
	fi

	for e in $events; do
		echo 0 >"$tracing/events/$e/enable"
	done
	# One line per event: the first one seen.
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^kvm_[a-z_]+:$/) break }
		!seen[$i]++' /out/sample-all.txt >/out/sample.txt
	rm -f /out/sample-all.txt

	echo
	cat "$table"
	echo
	cat "$summary"
	if [ "$failures" -ne 0 ]; then
		echo "events: $failures check(s) failed" >&2
		exit 1
	fi
	echo "events: all checks passed"
}

main "$@"
