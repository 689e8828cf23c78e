#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-e2e: boot one QEMU guest per kernel (Debian's stock 6.1, and
# the patched kernel when a build of it is cached), run the same
# SPTE-heavy workload with nothing attached, spte-trace (default options),
# bpftrace counting by level, a bpftrace zap->reinstall lifetime histogram
# keyed by gfn, and trace-cmd recording the stock tracepoint, interleaved
# and repeated (tools/bench/e2e/guest.sh), and print wall times and
# in-kernel ns per event as ratios to the unattached runs.
#
# Exit status: 0 when every run completed, 1 when the benchmark itself
# broke (a tool that does not attach, a failed workload, no guest), 2 on
# bad usage.  A slow tracer is never a failure: the table says it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../.." && pwd)
BUILD=${BUILD:-build}
SPTE_CACHE=${SPTE_CACHE:-$HOME/.cache/spte-trace}

rounds=3 smoke=0 kernels=auto patched_image="" out="" timeout_s=""
vmm_args="" selftest="" selftest_set=0 mem=3072

usage() {
	cat <<EOF
usage: $0 [--smoke] [--rounds N] [--kernel stock|patched|both|auto]
          [--patched BZIMAGE] [--out DIR] [--timeout SECS]
          [--vmm 'ARGS'] [--selftest 'CMD'] [--mem MB]

  --smoke         one round of a small workload, no statistics pass
                  (checks that every tracer attaches and detaches)
  --rounds N      interleaved rounds of every mode (default $rounds)
  --kernel K      stock, patched (needs a cached build), both, or auto
                  (default: stock, and patched when cached)
  --patched IMG   the patched bzImage to use (default: the cached build
                  of this tree's series, tools/kernel/build.sh --no-build)
  --out DIR       where each guest's output goes (default $BUILD/bench-e2e)
  --vmm ARGS      spte-vmm's arguments (default: the guest script's)
  --selftest CMD  the KVM selftest run after spte-vmm ('' for none)
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1; shift ;;
	--rounds) rounds=$2; shift 2 ;;
	--kernel) kernels=$2; shift 2 ;;
	--patched) patched_image=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--vmm) vmm_args=$2; shift 2 ;;
	--selftest) selftest=$2; selftest_set=1; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench-e2e: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench-e2e: --rounds N" >&2; exit 2; }
out=$(realpath -m "${out:-$top/$BUILD/bench-e2e}")
cd "$top"

for f in spte-trace "$BUILD/spte-vmm" "$BUILD/bench/bench"; do
	[ -x "$f" ] || { echo "bench-e2e: $f is not built (make spte-trace vmm bench)" >&2; exit 1; }
done
for t in bpftrace trace-cmd bpftool; do
	command -v "$t" >/dev/null || { echo "bench-e2e: $t missing: make deps" >&2; exit 1; }
done

# The KVM selftest, when tools/kselftests has built one (cached).
ks_add=()
ks_dir=$(tools/kselftests/build.sh --print-path 2>/dev/null || true)
if [ -n "$ks_dir" ] && [ -x "$ks_dir/dirty_log_perf_test" ]; then
	ks_add=(--add "$ks_dir/dirty_log_perf_test")
fi

guest_env=(--env "ROUNDS=$rounds")
if [ "$smoke" = 1 ]; then
	rounds=1
	guest_env=(--env ROUNDS=1 --env STATS_PASS=0 --env VERIFIER=0
		   --env "VMM_ARGS=--mem 16 --vcpus 2 --rounds 2 --zap madvise,mprotect"
		   --env "SELFTEST=dirty_log_perf_test -b 16M -v 1 -i 2")
fi
[ -z "$vmm_args" ] || guest_env+=(--env "VMM_ARGS=$vmm_args")
[ "$selftest_set" = 0 ] || guest_env+=(--env "SELFTEST=$selftest")

# Which kernels.
run_kernels=()
if [ -z "$patched_image" ]; then
	dir=$(tools/kernel/build.sh --print-path --no-build 2>/dev/null || true)
	[ -z "$dir" ] || patched_image=$dir/bzImage
fi
case $kernels in
stock) run_kernels=(stock) ;;
patched | both | auto)
	[ "$kernels" = patched ] || run_kernels=(stock)
	if [ -n "$patched_image" ] && [ -f "$patched_image" ]; then
		run_kernels+=(patched)
	elif [ "$kernels" != auto ]; then
		echo "bench-e2e: no patched kernel cached for this series (make kernel)" >&2
		exit 1
	else
		echo "bench-e2e: patched kernel: not cached for this series (make kernel); stock only" >&2
	fi
	;;
*) echo "bench-e2e: --kernel stock|patched|both|auto" >&2; exit 2 ;;
esac

if [ -z "$timeout_s" ]; then
	# Measured: a run of the default workload is 40-90 s under TCG.
	timeout_s=$((600 + rounds * 5 * 150 + 4 * 150))
	[ "$smoke" = 0 ] || timeout_s=900
fi

# The QEMU process whose serial console is $1, a path only this run uses
# (found, never signalled): its command line starts with QEMU itself, not
# with the timeout(1) that runs it.
qemu_of() {
	pgrep -f -- "^[^ ]*qemu-system[^ ]* .*file,id=con,path=$1( |$)" | head -n 1 || true
}

# mark_emulator_cpu CONSOLE OUT: while the guest runs, each time a new
# "SPTE-BENCH-MARK begin|end ROUND MODE" line reaches CONSOLE, append
# "begin|end ROUND MODE CPU_S" to OUT, CPU_S the emulator's user + system
# time so far.  Single-threaded TCG executes the guest on one host thread,
# so the CPU time between two marks is the emulation work of the run,
# whatever share of the host the emulator got; its wall time is not
# (measured: the unattached run took 17.6 s and 41.6 s in one guest, the
# host's load average going from 5 to 9).  Polled every 0.1 s: 0.1 s of
# error at most, on runs of 20 s and more.
mark_emulator_cpu() {
	local console=$1 out=$2 qpid="" seen=0 n ticks line
	local hz

	hz=$(getconf CLK_TCK)
	: >"$out"
	while :; do
		if [ -z "$qpid" ]; then
			# Building the initramfs comes first: look once a second.
			qpid=$(qemu_of "$console" || true)
			[ -n "$qpid" ] || { sleep 1; continue; }
		fi
		if [ -r "/proc/$qpid/stat" ]; then
			n=$(grep -ac '^SPTE-BENCH-MARK ' "$console" 2>/dev/null || true)
			if [ "${n:-0}" -gt "$seen" ]; then
				# Fields 14 and 15, after the ")" ending the name.
				ticks=$(sed 's/.*) //' "/proc/$qpid/stat" | awk '{ print $12 + $13 }')
				grep -a '^SPTE-BENCH-MARK ' "$console" | tr -d '\r' |
					sed -n "$((seen + 1)),${n}p" | while read -r _ kind round mode; do
					awk -v k="$kind" -v r="$round" -v m="$mode" -v t="$ticks" -v hz="$hz" \
						'BEGIN { printf "%s\t%s\t%s\t%.2f\n", k, r, m, t / hz }'
				done >>"$out"
				seen=$n
			fi
		fi
		sleep 0.1
	done
}

rc=0
for k in "${run_kernels[@]}"; do
	dir=$out/$k
	image=stock
	[ "$k" = stock ] || image=$patched_image
	echo "bench-e2e: $k kernel, $rounds round(s), output in $dir" >&2
	t0=$SECONDS
	guest_rc=0
	# The guest's clock is the host's: a busy host slows every mode.
	# The host's load average, every 10 s, goes with the results.
	mkdir -p "$out"
	load_log=$out/$k.loadavg
	: >"$load_log"
	(while :; do cut -d' ' -f1 /proc/loadavg >>"$load_log"; sleep 10; done) &
	load_pid=$!
	# The emulator's CPU time at each SPTE-BENCH-MARK line of the guest.
	cpu_log=$out/$k.qemu-cpu
	mark_emulator_cpu "$dir/console.log" "$cpu_log" &
	mark_pid=$!
	tools/qemu/run-guest.sh --kernel "$image" --mem "$mem" \
		--timeout "$timeout_s" --out "$dir" \
		--scenario "$here/guest.sh" \
		--add spte-trace --add "$BUILD/spte-vmm" \
		--add "$BUILD/bench/bench" \
		--add "$(command -v bpftrace)" --add "$(command -v trace-cmd)" \
		--add "$(command -v bpftool)" \
		--add "$here/count.bt" --add "$here/life.bt" \
		${ks_add[@]+"${ks_add[@]}"} "${guest_env[@]}" || guest_rc=$?
	kill "$load_pid" "$mark_pid" 2>/dev/null || true
	wait "$load_pid" "$mark_pid" 2>/dev/null || true
	cp "$load_log" "$dir/host-loadavg.txt" 2>/dev/null || true
	cp "$cpu_log" "$dir/emulator-cpu.tsv" 2>/dev/null || true
	echo "bench-e2e: $k guest exited $guest_rc after $((SECONDS - t0)) s" >&2
	if [ "$guest_rc" -ne 0 ]; then
		rc=1
		grep -h '^FAIL' "$dir/results.txt" 2>/dev/null >&2 || true
	fi
	if [ -s "$dir/runs.tsv" ]; then
		"$here/table.sh" "$dir" "$k" | tee "$dir/table.txt"
	else
		echo "bench-e2e: $k: no results" >&2
		rc=1
	fi
done
exit "$rc"
