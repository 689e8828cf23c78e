#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run each fuzz target for a while on its seeds (tests/fuzz/seeds.sh makes
# them from the test inputs).  A crash, a leak or a sanitizer report fails
# the run; the input that caused it is left in build/fuzz/crashes/.
#
#   tests/fuzz/run.sh [--seconds N] TARGET...
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
seconds=20
if [ "${1:-}" = --seconds ]; then
	seconds=$2
	shift 2
fi
out=$BUILD/fuzz
# Known leaks of Debian's libraries, each with its reason (lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
mkdir -p "$out/crashes"
pass=0 fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=$out/corpus/$name
	tests/fuzz/seeds.sh "$name" "$corpus" || { fail=$((fail + 1)); continue; }
	log=$out/$name.log
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=262144 -artifact_prefix="$out/crashes/$name-" \
		-print_final_stats=1 "$corpus" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "  ok: $name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
			awk '{print $2}') runs in ${seconds}s"
	else
		fail=$((fail + 1))
		echo "  FAIL: $name (see $log)"
		grep -m5 -E 'ERROR|SUMMARY|runtime error' "$log" | sed 's/^/    /'
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
