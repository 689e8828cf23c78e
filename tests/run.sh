#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run test layers and add up their results.  Every layer ends with a line
# "<layer>: N passed, N failed" (or "<layer>: SKIP: reason"); the last line
# of this script is "TOTAL: N passed, N failed, N skipped layers".
#
#   tests/run.sh [layer...]     default: unit report bpf live operator e2e-stock e2e-patched
#
# unit-asan runs the unit tests of an ASan+UBSan build (make test-asan sets
# BUILD to that tree).
#
# A layer that cannot run here says why and counts as skipped; CI sets
# SPTE_REQUIRE="bpf live ..." to turn named skips into failures.
set -uo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
layers=("$@")
[ ${#layers[@]} -gt 0 ] || layers=(unit report bpf live operator e2e-stock e2e-patched)

total_pass=0 total_fail=0 skipped=0
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"

record() {	# layer passed failed
	echo "$1: $2 passed, $3 failed"
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
}

skip() {	# layer reason
	echo "$1: SKIP: $2"
	if [[ " ${SPTE_REQUIRE:-} " == *" ${1%% *} "* ]]; then
		echo "$1: required by SPTE_REQUIRE, counting the skip as a failure"
		total_fail=$((total_fail + 1))
	else
		skipped=$((skipped + 1))
	fi
}

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
cmocka_counts() {	# log -> "passed failed"
	local p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -1)
	echo "${p:-0} ${f:-0}"
}

run_cmocka() {	# layer binary
	local log=$log_dir/$(basename "$2").log rc p f
	"$2" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		skip "$1" "$(grep -m1 SKIP "$log" | sed 's/.*SKIP: //')"
		return
	fi
	read -r p f < <(cmocka_counts "$log")
	# A crash or a non-zero exit with no failure listed is a failure.
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	[ "$f" -eq 0 ] || { echo "---- $2 ----"; grep -v '^\[ *\(RUN\|OK\) ' "$log"; }
	record "$1 $(basename "$2")" "$p" "$f"
}

layer_unit() {
	local bin found=0
	for bin in "$BUILD"/tests/test_*; do
		[ -x "$bin" ] || continue
		found=1
		run_cmocka unit "$bin"
	done
	[ $found -eq 1 ] || record unit 0 1
}

# The same binaries built with the sanitizers: any report is a failure.
layer_unit-asan() {
	local bin found=0
	for bin in "$BUILD"/tests/test_*; do
		[ -x "$bin" ] || continue
		found=1
		run_cmocka unit-asan "$bin"
	done
	[ $found -eq 1 ] || record unit-asan 0 1
}

# spte-trace report on every case and layout (needs only the binary).
layer_report() {
	local t
	for t in tests/report/*.sh; do
		run_script report "$t"
	done
}

layer_bpf() {
	run_cmocka bpf "$BUILD/tests/bpf_test_run"
}

# Script layers print their own "<name>: N passed, N failed" line.
run_script() {	# layer script [args...]
	local log=$log_dir/$(basename "$2").log rc line p f
	bash "$2" "${@:3}" >"$log" 2>&1
	rc=$?
	line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ $rc -eq 77 ]; then
		skip "$1 $(basename "$2")" "$(grep -m1 'SKIP' "$log" | sed 's/.*SKIP: //')"
		return
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"${line:-x: 0 passed, 0 failed}")
	f=$(sed -E 's/.*, ([0-9]+) failed.*/\1/' <<<"${line:-x: 0 passed, 0 failed}")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	[ "$f" -eq 0 ] || { echo "---- $2 ----"; tail -40 "$log"; }
	record "$1 $(basename "$2" .sh)" "$p" "$f"
}

layer_live() {
	run_script live tests/live/live.sh
}

layer_operator() {
	local t found=0
	for t in tests/operator/*.sh; do
		[ -e "$t" ] || continue
		found=1
		run_script operator "$t"
	done
	[ $found -eq 1 ] || skip operator "no operator tests yet"
}

# Real KVM in QEMU, on both kernel lines (SPTE_E2E_LINES, default
# "6.1 6.12"): the harness's own tests, then the stock scenarios (a, d, e,
# f) on Debian's stock image of each line.
E2E_LINES=${SPTE_E2E_LINES:-6.1 6.12}

layer_e2e-stock() {
	local line

	if [ ! -x "$BUILD/spte-vmm" ]; then
		skip e2e-stock "$BUILD/spte-vmm is not built (make vmm)"
		return
	fi
	run_script e2e-stock tests/harness/harness.sh
	for line in $E2E_LINES; do
		run_script "e2e-stock $line" tools/e2e/e2e.sh --line "$line" \
			--scenario a --scenario d --scenario e --scenario f
	done
}

# Scenarios b and c need the patched kernel of their line: run them where
# a build of the current series is cached (make kernel KERNEL_LINE=...),
# say so otherwise.
layer_e2e-patched() {
	local dir line

	for line in $E2E_LINES; do
		if ! dir=$(tools/kernel/build.sh --line "$line" --print-path --no-build 2>/dev/null) ||
		   [ ! -f "$dir/bzImage" ]; then
			skip "e2e-patched $line" "no cached build of the patched $line kernel for this series (make kernel KERNEL_LINE=$line)"
			continue
		fi
		run_script "e2e-patched $line" tools/e2e/e2e.sh --line "$line" \
			--scenario b --scenario c
	done
}

for layer in "${layers[@]}"; do
	if ! declare -F "layer_$layer" >/dev/null; then
		echo "tests/run.sh: unknown layer '$layer'" >&2
		exit 2
	fi
	"layer_$layer"
done
echo "TOTAL: $total_pass passed, $total_fail failed, $skipped skipped layers"
[ $total_fail -eq 0 ]
