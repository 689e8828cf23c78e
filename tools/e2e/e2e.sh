#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end scenarios on real KVM inside QEMU (tools/qemu/run-guest.sh):
#
# Each runs on one kernel line (--line 6.1, the default, or 6.12): Debian's
# stock image of that line or the patched kernel built from
# kernel-patch/<line>.
#
#   a  stock kernel, no injection: stock sources, zero violations
#   b  patched kernel, no injection: every transition, zero violations
#   c  patched kernel, flush fault injection: every injected skip reported
#   d  stock kernel, spte-trace started while a VM runs: no violation
#   e  stock kernel, /metrics scraped in the guest, promtool on the host
#   f  stock kernel, VM churn: dozens of short-lived VMs, --max-vms 4
#
# Prints a table (scenario, kernel, workloads, events, violations
# expected/reported, wall time), for c the faults injected and the
# violations reported per injection site, and "e2e: N passed, N failed".  A scenario
# that needs the patched kernel is skipped, with the reason, when it has
# not been built (make kernel).
set -uo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out_root=$BUILD/e2e
# The scenario scripts; tests/harness points this at stand-ins.
scenario_dir=${E2E_SCENARIO_DIR:-tools/e2e/scenarios}
scenarios=()
console=()
line=${E2E_LINE:-6.1}
patched_image=

usage() {
	cat <<EOF
usage: $0 [--scenario a|b|c|d|e|f|all]... [--line 6.1|6.12]
       [--patched-kernel BZIMAGE] [--out DIR] [--console]

--patched-kernel runs b and c on BZIMAGE (a kernel with the series of the
line, built elsewhere) instead of the cached build of make kernel.
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--scenario) scenarios+=("$2"); shift 2 ;;
	--line) line=$2; shift 2 ;;
	--patched-kernel) patched_image=$2; shift 2 ;;
	--out) out_root=$2; shift 2 ;;
	--console) console=(--console); shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "e2e: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
case $line in
6.1|6.12) ;;
*) echo "e2e: unknown kernel line '$line' (6.1 or 6.12)" >&2; exit 2 ;;
esac
out_root=$out_root/$line
[ ${#scenarios[@]} -gt 0 ] || scenarios=(all)
[ "${scenarios[*]}" != all ] || scenarios=(a b c d e f)

declare -A script=([a]=a-stock [b]=b-patched [c]=c-inject [d]=d-late-start [e]=e-metrics [f]=f-churn)
declare -A kernel_of=([a]=stock [b]=patched [c]=patched [d]=stock [e]=stock [f]=stock)

for s in "${scenarios[@]}"; do
	[ -n "${script[$s]:-}" ] || { echo "e2e: unknown scenario '$s'" >&2; exit 2; }
done
for f in spte-trace "$BUILD/spte-vmm"; do
	[ -x "$f" ] || { echo "e2e: $f is not built (make spte-trace vmm)" >&2; exit 2; }
done

patched_kernel() {
	local dir

	if [ -n "$patched_image" ]; then
		[ -f "$patched_image" ] && echo "$patched_image"
		return
	fi
	dir=$(tools/kernel/build.sh --line "$line" --print-path --no-build 2>/dev/null) || return 1
	[ -f "$dir/bzImage" ] && echo "$dir/bzImage"
}

total_pass=0 total_fail=0
rows=()
stalls=()

# value FILE NAME: a number the guest noted (0 when absent).
value() {
	awk -v n="$2" '$2 == n { v = $3 } END { print v == "" ? 0 : v }' "$1" 2>/dev/null
}

host_checks() {	# scenario dir
	[ "$1" = e ] || return 0
	if [ -s "$2/scrape.txt" ] && promtool check metrics <"$2/scrape.txt" >"$2/promtool.txt" 2>&1; then
		echo "PASS e-metrics: promtool check metrics on the guest's /metrics" >>"$2/results.txt"
	else
		echo "FAIL e-metrics: promtool check metrics on the guest's /metrics ($(head -3 "$2/promtool.txt" 2>/dev/null | tr '\n' ' '))" >>"$2/results.txt"
	fi
}

run_scenario() {
	local s=$1 name=${script[$1]} dir=$out_root/${script[$1]} kernel t0 rc=0
	local extra=() expected a reported p f wall try

	rm -rf "$dir" "$dir.run.log"
	mkdir -p "$out_root"
	if [ "${kernel_of[$s]}" = patched ]; then
		kernel=$(patched_kernel) || {
			echo "e2e: SKIP $name: the patched $line kernel is not built (make kernel KERNEL_LINE=$line)"
			rows+=("$(printf '%-14s %-13s %s' "$name" "patched-$line" "SKIP: make kernel KERNEL_LINE=$line first")")
			return
		}
	else
		kernel=stock-$line
	fi
	if ks=$(tools/kselftests/build.sh --print-path 2>/dev/null) && [ -d "$ks" ]; then
		extra=(--add "$ks:/add/kselftests")
	fi
	# c checks its traces with the kernel boot test's awk script; the
	# host's mawk (or gawk) runs it several times faster than busybox's.
	if [ "$s" = c ]; then
		extra+=(--add tools/kernel/scenarios/check-trace.awk)
		for a in /usr/bin/mawk /usr/bin/gawk; do
			[ -x "$a" ] && { extra+=(--add "$a:/add/awk"); break; }
		done
	fi
	# a and b record the same workload with trace-cmd and perf, and
	# replay those files against the live run (Debian's packages; make deps).
	if [ "$s" = a ] || [ "$s" = b ]; then
		for a in trace-cmd perf; do
			a=$(command -v "$a") && extra+=(--add "$a")
		done
	fi
	t0=$SECONDS
	rm -rf "$dir.stalled" "$dir.stalled.run.log"
	for try in 1 2; do
		rc=0
		tools/qemu/run-guest.sh --kernel "$kernel" --timeout 900 \
			--stall-grace "${E2E_STALL_GRACE:-30}" \
			--scenario "$scenario_dir/$name.sh" --out "$dir" \
			--env E2E_TRY="$try" \
			--add spte-trace --add "$BUILD/spte-vmm" \
			--add tools/e2e/scenarios/common.sh "${extra[@]}" \
			"${console[@]}" >"$dir.run.log" 2>&1 || rc=$?
		# A stalled guest kernel (RCU stall, soft lockup) is retried
		# once, loudly: seen twice under multi-threaded TCG, on the
		# stock kernel too (docs/e2e.md, known flakes).  A second
		# stall fails the scenario.
		[ "$try" = 1 ] && [ "$rc" -eq 125 ] && [ -s "$dir/stalled.txt" ] || break
		echo "e2e: WARNING: $name: the guest kernel stalled ($(cat "$dir/stalled.txt")); retrying once; first try kept in $dir.stalled/"
		mv "$dir" "$dir.stalled"
		mv "$dir.run.log" "$dir.stalled.run.log"
		stalls+=("$name")
	done
	mkdir -p "$dir"
	wall=$((SECONDS - t0))
	host_checks "$s" "$dir"
	p=$(grep -c '^PASS' "$dir/results.txt" 2>/dev/null)
	f=$(grep -c '^FAIL' "$dir/results.txt" 2>/dev/null)
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL $name: the guest run failed (exit $rc); see $dir/console.log" >>"$dir/results.txt"
		tail -5 "$dir.run.log"
		tail -30 "$dir/console.log" 2>/dev/null
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	expected=0
	[ "$s" != c ] || expected=$(value "$dir/values.txt" injected)
	reported=$(value "$dir/values.txt" violations)
	rows+=("$(printf '%-14s %-13s %-40s %10s %10s/%-10s %6ss %3d/%-3d' "$name" \
		"${kernel_of[$s]}-$line" "$(workload_list "$dir/values.txt")" \
		"$(value "$dir/values.txt" events)" "$expected" "$reported" "$wall" "$p" "$f")")
	grep '^FAIL' "$dir/results.txt" 2>/dev/null
}

# The workloads a scenario ran, short: spte-vmm runs as "vmm(N)", KVM
# selftests without their _test suffix.
workload_list() {
	grep -o 'workload_[a-z0-9_-]*_s' "$1" 2>/dev/null |
		sed 's/^workload_//; s/_s$//; s/_test$//; s/_modification_/_mod_/' | sort -u |
		awk '/^vmm(-|$)/ { vmm++; next } { o = o "," $0 }
			END { s = vmm ? "vmm(" vmm ")" o : substr(o, 2); print substr(s, 1, 40) }'
}

for s in "${scenarios[@]}"; do
	echo "e2e: scenario ${script[$s]} ..."
	run_scenario "$s"
done

printf '\n%-14s %-13s %-40s %10s %21s %7s %s\n' scenario kernel workloads events \
	"violations exp/rep" wall "pass/fail"
printf '%s\n' "${rows[@]}"
# Scenario c, per injection site: faults the kernel injected, hazards the
# independent check (check-trace.awk) found in the tracefs trace, and the
# violations spte-trace reported for the rule that site breaks.
inject_table() {
	local v=$out_root/c-inject/values.txt site

	[[ " ${scenarios[*]} " == *" c "* ]] && [ -s "$v" ] || return 0
	printf '\n%-12s %-32s %9s %9s %9s\n' "site ($line)" "rule (kind)" injected "in trace" reported
	for site in atomic_zap:unfreeze_unflushed delay:none yield:yield_unflushed \
		    dirty_log:dirty_log_unflushed nx_recovery:unlock/yield_unflushed; do
		printf '%-12s %-32s %9s %9s %9s\n' "${site%%:*}" "${site#*:}" \
			"$(value "$v" "injected_${site%%:*}")" "$(value "$v" "hazards_${site%%:*}")" \
			"$(value "$v" "reported_${site%%:*}")"
	done
}
inject_table
for s in "${scenarios[@]}"; do
	awk -v n="${script[$s]}" '$2 ~ /^retried_/ && $3 == 1 {
		sub(/^retried_/, "", $2)
		print "e2e: WARNING: " n ": workload " $2 " failed once and was run again (see docs/e2e.md, known flakes)"
	}' "$out_root/${script[$s]}/values.txt" 2>/dev/null
done
[ ${#stalls[@]} -eq 0 ] ||
	echo "e2e: WARNING: guest kernel stalled and retried once: ${stalls[*]} (see <scenario>.stalled/)"
echo "e2e: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
