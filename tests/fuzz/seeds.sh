#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seed corpus for one fuzz target, from the project's test inputs:
#   tests/fuzz/seeds.sh TARGET DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1 dir=$2
mkdir -p "$dir"

# The head of a real trace.dat of this host (its header, event formats and
# the start of its data), when tracefs and trace-cmd are here.
tracedat_seed() {
	local T=/sys/kernel/tracing inst=spte-seed-$$ tmp
	[ -w $T/instances ] && command -v trace-cmd >/dev/null || return 0
	tmp=$(mktemp -d)
	if mkdir $T/instances/$inst 2>/dev/null; then
		echo 1 >$T/instances/$inst/events/sched/sched_switch/enable
		/bin/true
		echo 0 >$T/instances/$inst/events/sched/sched_switch/enable
		trace-cmd extract -B $inst -o "$tmp/t.dat" >/dev/null 2>&1 &&
			head -c 200000 "$tmp/t.dat" >"$1/tracedat-head"
		rmdir $T/instances/$inst 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
texts=(tests/report/cases/*.txt tests/report/layouts/*.txt)
case $name in
fuzz_trace_text|fuzz_instream|fuzz_report)
	cp "${texts[@]}" "$dir/"
	for f in tests/report/cases/08-patched-pipe.txt tests/report/cases/01-lkml-cr0wp-stock.txt; do
		gzip -c "$f" >"$dir/$(basename "$f").gz"
		xz -c "$f" >"$dir/$(basename "$f").xz"
		zstd -q -c "$f" >"$dir/$(basename "$f").zst"
	done
	"${BUILD:-build}"/tests/mkrecording "$dir/small.rec"
	tracedat_seed "$dir"
	;;
fuzz_recording)
	"${BUILD:-build}"/tests/mkrecording "$dir/small.rec"
	;;
fuzz_cli)
	printf -- '--duration\0010' >"$dir/duration"
	printf -- '--removed-spte\0 -1' >"$dir/removed"
	printf -- 'report\0--max-pending\00x40\0-' >"$dir/report"
	printf -- '[::1]:9464' >"$dir/spec6"
	printf -- '0.0.0.0:9464\0--prometheus\0x:1' >"$dir/spec4"
	;;
fuzz_http)
	printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' >"$dir/get"
	printf 'HEAD / HTTP/1.0\r\n\r\n' >"$dir/head"
	printf 'POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello' >"$dir/post"
	printf 'GET /metrics?x=%%00 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >"$dir/chunked"
	;;
esac
if [ -d tests/fuzz/crashes ]; then	# every crash found so far stays a seed
	cp tests/fuzz/crashes/"$name"-* "$dir/" 2>/dev/null || true
fi
exit 0
