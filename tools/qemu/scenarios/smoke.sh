#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest scenario: run spte-vmm once per zap kind, with 4 KiB and with
# 2 MiB backing, and count kvmmmu:kvm_tdp_mmu_spte_changed events by
# transition.  spte-vmm marks its phases in the trace (--trace-marker),
# so events are split into those of the zap itself, of the guest rounds
# (faults) and of VM teardown.
#
# Writes /out/counts.txt (the table), /out/details.txt (per phase, kind
# and level) and /out/vmm.log.  Fails when spte-vmm fails, events were
# lost, or a zap kind produced no event inside its zap phases.
#
# Run it with:  tools/qemu/run-guest.sh --kernel stock \
#   --scenario tools/qemu/scenarios/smoke.sh --add build/spte-vmm --out DIR
set -euo pipefail

SMOKE_MEM=${SMOKE_MEM:-32}
SMOKE_VCPUS=${SMOKE_VCPUS:-2}
SMOKE_ROUNDS=${SMOKE_ROUNDS:-3}
SMOKE_ZAPS=${SMOKE_ZAPS:-madvise mprotect memslot-delete memslot-move dirty-log}
SMOKE_MODES=${SMOKE_MODES:-flat huge}
SMOKE_BUFFER_KB=${SMOKE_BUFFER_KB:-65536}

tracing=/sys/kernel/tracing
event=$tracing/events/kvmmmu/kvm_tdp_mmu_spte_changed
counts=/out/counts.txt
details=/out/details.txt
vmm_log=/out/vmm.log
failures=0

die() {
	echo "smoke: $*" >&2
	exit 1
}

fail() {
	echo "smoke: FAIL: $*" >&2
	failures=$((failures + 1))
}

check_env() {
	command -v spte-vmm >/dev/null ||
		die "spte-vmm not on PATH: pass --add build/spte-vmm to run-guest.sh"
	[ -c /dev/kvm ] || die "/dev/kvm missing"
	[ -d "$event" ] || die "no $event: kvmmmu tracepoints unavailable"
	[ -w "$tracing/trace_marker" ] || die "no $tracing/trace_marker"
}

setup_tracing() {
	echo 0 >"$tracing/tracing_on"
	echo "$SMOKE_BUFFER_KB" >"$tracing/buffer_size_kb"
	echo nop >"$tracing/current_tracer"
	echo 1 >"$event/enable"
}

# Events the ring buffer dropped since the last clear, over all CPUs.
lost_events() {
	cat "$tracing"/per_cpu/cpu*/stats |
		awk '/^(overrun|dropped events):/ { n += $NF } END { print n + 0 }'
}

# Classify every spte_changed event of the trace and attribute it to
# the phase spte-vmm last marked.  Prints "phase kind level count"
# lines; kind is p->0, 0->p, p->p, *->5a0 or other.  A SPTE is present
# when bit 11 (SPTE_MMU_PRESENT_MASK) is set.
classify_trace() {
	awk '
	function present(v,   d) {
		if (length(v) < 3)
			return 0
		d = substr(v, length(v) - 2, 1)
		return index("89abcdef", d) > 0
	}
	function kind(o, n) {
		if (n == "5a0") return "*->5a0"
		if (present(o) && present(n)) return "p->p"
		if (present(o) && n == "0") return "p->0"
		if (o == "0" && present(n)) return "0->p"
		return "other"
	}
	BEGIN { phase = "setup" }
	/tracing_mark_write: spte-vmm / {
		for (i = 1; i <= NF; i++)
			if ($i == "spte-vmm") break
		p = $(i + 2); edge = $(i + 3)
		phase = edge == "begin" ? p : (p == "teardown" ? "after" : "between")
		next
	}
	/kvm_tdp_mmu_spte_changed:/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "level") lvl = $(i + 1)
			else if ($i == "old_spte") o = $(i + 1)
			else if ($i == "new_spte") n = $(i + 1)
		}
		c[phase " " kind(o, n) " " lvl]++
	}
	END { for (k in c) print k, c[k] }' "$tracing/trace"
}

# Sum the classified lines ($1) whose phase matches regex $2 and kind
# matches regex $3.
sum_of() {
	awk -v pr="$2" -v kr="$3" '$1 ~ pr && $2 ~ kr { n += $4 } END { print n + 0 }' <<<"$1"
}

# One spte-vmm run with tracing; appends a row to counts.txt.
run_case() {
	local mode=$1 zap=$2 vms=$3 args=() rc=0 t0 secs lost cls zap_re
	local all zap_ev

	args=(--zap "$zap" --rounds "$SMOKE_ROUNDS" --vcpus "$SMOKE_VCPUS"
	      --mem "$SMOKE_MEM" --vms "$vms")
	[ "$mode" = flat ] || args+=(--hugepages)
	[ "$vms" -gt 1 ] || args+=(--trace-marker)

	echo >"$tracing/trace"
	echo 1 >"$tracing/tracing_on"
	t0=$(date +%s)
	echo "== $mode $zap vms=$vms: spte-vmm ${args[*]}" >>"$vmm_log"
	spte-vmm "${args[@]}" >>"$vmm_log" 2>&1 || rc=$?
	secs=$(($(date +%s) - t0))
	echo 0 >"$tracing/tracing_on"
	lost=$(lost_events)
	cls=$(classify_trace)
	sed "s/^/$mode $zap vms=$vms /" <<<"$cls" | sort >>"$details"

	# Phases that are the zap operation itself (dirty-log has three).
	zap_re="^($zap|$zap-enable|$zap-get|$zap-disable)$"
	all=.
	zap_ev=$(sum_of "$cls" "$zap_re" .)
	printf '%-5s %-14s %3s %-4s %4ss %7s %7s %7s %7s %7s %6s | %6s %6s %6s %6s %6s | %6s %6s %4s\n' \
		"$mode" "$zap" "$vms" "$([ "$rc" -eq 0 ] && echo ok || echo "rc$rc")" "$secs" \
		"$(sum_of "$cls" $all .)" \
		"$(sum_of "$cls" $all '^p->0$')" "$(sum_of "$cls" $all '^0->p$')" \
		"$(sum_of "$cls" $all '^p->p$')" "$(sum_of "$cls" $all '^\*->5a0$')" \
		"$(sum_of "$cls" $all '^other$')" \
		"$zap_ev" \
		"$(sum_of "$cls" "$zap_re" '^p->0$')" "$(sum_of "$cls" "$zap_re" '^0->p$')" \
		"$(sum_of "$cls" "$zap_re" '^p->p$')" "$(sum_of "$cls" "$zap_re" '^\*->5a0$')" \
		"$(sum_of "$cls" '^round$' .)" "$(sum_of "$cls" '^(teardown|after)$' .)" \
		"$lost" >>"$counts"

	[ "$rc" -eq 0 ] || fail "$mode $zap vms=$vms: spte-vmm exited $rc"
	[ "$lost" -eq 0 ] || fail "$mode $zap vms=$vms: $lost events lost (raise SMOKE_BUFFER_KB)"
	if [ "$vms" -eq 1 ] && [ "$zap_ev" -eq 0 ]; then
		fail "$mode $zap: no spte_changed event inside the zap"
	fi
	if [ "$(sum_of "$cls" $all .)" -eq 0 ]; then
		fail "$mode $zap vms=$vms: no spte_changed event at all"
	fi
}

header() {
	{
		echo "# kvm_tdp_mmu_spte_changed events per spte-vmm run"
		echo "# kernel $(uname -r); tdp_mmu=$(cat /sys/module/kvm/parameters/tdp_mmu)" \
			"mem=${SMOKE_MEM}M vcpus=$SMOKE_VCPUS rounds=$SMOKE_ROUNDS" \
			"(one zap between two rounds: $((SMOKE_ROUNDS - 1)) zaps per run)"
		echo "# all: every event of the run; zap: events between the zap's"
		echo "# trace markers; round: guest rounds (faults); tear: VM teardown"
		printf '%-5s %-14s %3s %-4s %5s %7s %7s %7s %7s %7s %6s | %6s %6s %6s %6s %6s | %6s %6s %4s\n' \
			"#mode" zap vms vmm time all p-\>0 0-\>p p-\>p \*-\>5a0 other \
			zap p-\>0 0-\>p p-\>p \*-\>5a0 round tear lost
	} >"$counts"
	: >"$details"
	: >"$vmm_log"
}

main() {
	local mode zap

	check_env
	setup_tracing
	header
	for mode in $SMOKE_MODES; do
		for zap in $SMOKE_ZAPS; do
			run_case "$mode" "$zap" 1
		done
	done
	# Two VMs at once on one host; events are not split by VM.
	run_case flat madvise 2
	echo 0 >"$event/enable"

	cat "$counts"
	if [ "$failures" -ne 0 ]; then
		echo "smoke: $failures check(s) failed" >&2
		exit 1
	fi
	echo "smoke: all checks passed"
}

main "$@"
