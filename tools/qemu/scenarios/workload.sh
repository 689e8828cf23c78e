#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest scenario: run any workload - a static binary added with --add and
# its arguments - and count the stock kvm_tdp_mmu_spte_changed events it
# causes, by class and level.  Nothing here knows the workloads:
#
#   tools/qemu/run-guest.sh --kernel stock \
#       --add "$(tools/kselftests/build.sh --print-path):/add" \
#       --scenario tools/qemu/scenarios/workload.sh \
#       --env WORKLOAD_1='demand_paging_test -b 16M -v 2' \
#       --env WORKLOAD_2='dirty_log_perf_test -b 16M -v 2 -i 2' \
#       --out DIR
#
# Environment (--env NAME=VALUE):
#   WORKLOAD, WORKLOAD_1 .. WORKLOAD_9   command lines, split on blanks
#   WORKLOAD_TIMEOUT   bound on each, seconds (default 300)
#   WORKLOAD_EVENTS    1 (default): assert each caused spte_changed events
#
# Writes /out/counts.txt (one row per workload), /out/hist-counts.txt,
# /out/wN.log (each workload's output) and /out/results.txt.
set -euo pipefail
. /lib/spte/lib.sh

WORKLOAD_TIMEOUT=${WORKLOAD_TIMEOUT:-300}
WORKLOAD_EVENTS=${WORKLOAD_EVENTS:-1}

run_one() {
	local name=$1 cmdline=$2 argv=() all

	read -r -a argv <<<"$cmdline"
	spte_count_start
	workload "$name" "$WORKLOAD_TIMEOUT" "${argv[@]}"
	spte_count_read >/tmp/counts
	spte_count_stop
	sed "s/^/$name /" /tmp/counts >>/out/hist-counts.txt
	all=$(spte_count all all /tmp/counts)
	note_value "${name}_events" "$all"
	printf '%-4s %8s %7s %7s %7s %7s %7s %7s  %s\n' "$name" "$all" \
		"$(spte_count 'p>0' all /tmp/counts)" "$(spte_count '0>p' all /tmp/counts)" \
		"$(spte_count 'p>p' all /tmp/counts)" "$(spte_count 'p>R' all /tmp/counts)" \
		"$(spte_count '0>R' all /tmp/counts)" "$(spte_count other all /tmp/counts)" \
		"$cmdline" >>/out/counts.txt
	[ "$WORKLOAD_EVENTS" != 1 ] ||
		assert_gt "$name ($cmdline): spte_changed events" "$all" 0
}

main() {
	local i var n=0

	e2e_begin workload
	assert_true "the stock tracepoint exists" test -d "$SPTE_EVENT"
	printf '%-4s %8s %7s %7s %7s %7s %7s %7s  %s\n' "#" all 'p>0' '0>p' 'p>p' \
		'p>R' '0>R' other command >/out/counts.txt
	: >/out/hist-counts.txt
	for i in "" 1 2 3 4 5 6 7 8 9; do
		var=WORKLOAD${i:+_$i}
		[ -n "${!var:-}" ] || continue
		n=$((n + 1))
		run_one "w$n" "${!var}"
	done
	[ "$n" -gt 0 ] || fail "no workload given" "pass --env WORKLOAD='BINARY ARGS'"
	cat /out/counts.txt >&2
	e2e_end
}

main "$@"
