#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# spte-trace report on the inputs people already have: every case of
# tests/report/cases/ (README.md there gives each one's right result) and
# every text layout of tests/report/layouts/, from a file, a pipe, "-",
# process substitution and compressed files alike.
NAME=report
. "$(dirname "$0")/../lib/common.sh"

BIN=${SPTE_TRACE:-./spte-trace}
CASES=tests/report/cases
LAYOUTS=tests/report/layouts
need_bin "$BIN"

# summary KEY...: a value of the last JSON summary on stdin.
summary() {
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read().strip().splitlines()[-1])
for k in sys.argv[1:]:
    d = d.get(k, 0) if isinstance(d, dict) else 0
print(d)' "$@"
}

# The JSON summary without its wall-clock time: identical runs compare equal.
stable() {
	"$BIN" report -j "$@" 2>/dev/null | tail -1 | sed 's/"time":[0-9.]*,//'
}

# eq WHAT GOT WANT
eq() {
	if [ "$2" = "$3" ]; then
		pass "$1 ($2)"
	else
		fail "$1: got '$2', want '$3'"
	fi
}

# ---- Any input source gives what the file gives --------------------------------
for f in 01-lkml-cr0wp-stock.txt 08-patched-pipe.txt \
	 09-a835429cda91-yield-no-flush.txt; do
	want=$(stable "$CASES/$f")
	eq "$f: pipe to /dev/stdin" "$(cat "$CASES/$f" | stable /dev/stdin)" "$want"
	eq "$f: pipe to -" "$(cat "$CASES/$f" | stable -)" "$want"
	eq "$f: redirect to -" "$(stable - <"$CASES/$f")" "$want"
	eq "$f: process substitution" "$(stable <(cat "$CASES/$f"))" "$want"
	eq "$f: gzip" "$(stable <(gzip -c "$CASES/$f"))" "$want"
	eq "$f: xz through a pipe" "$(xz -c "$CASES/$f" | stable -)" "$want"
	eq "$f: zstd file" \
		"$(zstd -q -c "$CASES/$f" >"$WORK/z.zst" && stable "$WORK/z.zst")" "$want"
done
eq "gzip members concatenated" \
	"$( (head -500 "$CASES/08-patched-pipe.txt" | gzip -c;
	     tail -n +501 "$CASES/08-patched-pipe.txt" | gzip -c) | stable -)" \
	"$(stable "$CASES/08-patched-pipe.txt")"

out=$(cat "$CASES/01-lkml-cr0wp-stock.txt" | "$BIN" report -j - 2>/dev/null)
eq "01 through a pipe: 14 SPTE events" "$(summary counters spte_events <<<"$out")" 14

out=$(cat "$CASES/08-patched-pipe.txt" | "$BIN" report -j /dev/stdin 2>/dev/null)
eq "08: 600 SPTE events" "$(summary counters spte_events <<<"$out")" 600
eq "08: 200 flushes" "$(summary counters flush_end <<<"$out")" 200
eq "08: 200 covered" "$(summary outcomes covered 2M <<<"$out")" 200
eq "08: nothing unverified" "$(summary outcomes unverified 2M <<<"$out")" 0

# ---- Verdicts -----------------------------------------------------------------
for src in file stdin; do
	if [ $src = file ]; then
		out=$("$BIN" report -j "$CASES/09-a835429cda91-yield-no-flush.txt" 2>/dev/null)
	else
		out=$("$BIN" report -j - <"$CASES/09-a835429cda91-yield-no-flush.txt" 2>/dev/null)
	fi
	eq "09 ($src): a pfn-changed violation" \
		"$(summary violation_kinds stale_pfn 4K <<<"$out")" 1
done
out=$("$BIN" report -j "$CASES/10-048f49809c52-nx-recovery.txt" 2>/dev/null)
check "10: no flush at all in a patched trace is a violation" \
	[ "$(summary violations <<<"$out")" -ge 1 ]
eq "10: flushes are visible" \
	"$("$BIN" report "$CASES/10-048f49809c52-nx-recovery.txt" 2>&1 >/dev/null |
	   grep -c 'flushes visible')" 1
out=$("$BIN" report -j "$CASES/10b-nx-recovery-late-flush.txt" 2>/dev/null)
check "10b: a late flush is still a violation" \
	[ "$(summary violations <<<"$out")" -ge 1 ]
out=$("$BIN" report -j "$CASES/perm-narrowed-no-flush.txt" 2>/dev/null)
eq "perm narrowed, no flush: a violation" "$(summary violations <<<"$out")" 1
out=$("$BIN" report -j "$CASES/perm-widened-no-flush.txt" 2>/dev/null)
eq "perm widened, no flush: benign" "$(summary violations <<<"$out")" 0

# ---- Losses: summary, -j, metrics ---------------------------------------------
for f in 06-tracecmd-v6-dropped.txt 06b-ftrace-lost.txt; do
	out=$("$BIN" report -j --textfile "$WORK/m.prom" "$CASES/$f" 2>/dev/null)
	eq "$f: -j tracer_lost" "$(summary input tracer_lost <<<"$out")" 204600
	eq "$f: -j lost_cpu" "$(summary input lost_cpu <<<"$out")" 7
	eq "$f: metric" "$(awk '/^spte_trace_tracer_lost_events_total /{print $2}' "$WORK/m.prom")" 204600
	check "$f: the summary names the loss and the CPU" \
		grep -q "204600 events lost on CPU 7: a zap or a flush may be missing" \
		<("$BIN" report "$CASES/$f" 2>/dev/null)
done

# ---- Layouts ---------------------------------------------------------------------
for f in "$CASES/05d-tracecmd-l.txt" "$CASES/05g-tracecmd-tsdiff.txt" "$LAYOUTS"/*.txt; do
	out=$("$BIN" report -j "$f" 2>"$WORK/err")
	eq "$(basename "$f"): 3 events" "$(summary counters spte_events <<<"$out")" 3
done
for f in tracefs-tgid-irqinfo.txt perf-script-pid.txt; do
	out=$("$BIN" report -j "$LAYOUTS/$f" 2>/dev/null)
	eq "$f: one VM from the TGIDs" "$(summary vms_overflowed <<<"$out")/$(grep -o '"vm":"61880"' <<<"$out" | wc -l)" "0/1"
	eq "$f: threads tied to VMs" "$(summary input vms_by_thread <<<"$out")" False
done
out=$("$BIN" report -j "$LAYOUTS/perf-script.txt" 2>/dev/null)
eq "perf script --show-lost-events: the loss is counted" "$(summary input tracer_lost <<<"$out")" 190
eq "perf script --show-lost-events: on its CPU" "$(summary input lost_cpu <<<"$out")" 1
check "no TGIDs: the summary says threads could not be tied to VMs" \
	grep -q "threads could not be tied to VMs" \
	<("$BIN" report "$LAYOUTS/perf-script.txt" 2>/dev/null)

# ---- --single-vm --------------------------------------------------------------
"$BIN" report --single-vm --textfile "$WORK/s.prom" "$CASES/07c-single-vm-interleaved.txt" >/dev/null 2>&1
eq "07c --single-vm: one VM series" \
	"$(grep -c '^spte_trace_vm_spte_events_total{vm="vm1"' "$WORK/s.prom")" 1
eq "07c --single-vm: no VM overflow" \
	"$(awk '/^spte_trace_vms_overflowed_total /{print $2}' "$WORK/s.prom")" 0
eq "07c --single-vm: no thread-keyed VMs" \
	"$(awk '/^spte_trace_vms_keyed_by_thread /{print $2}' "$WORK/s.prom")" 0

# ---- Bad input: a clear error, exit 1, bounded memory ------------------------
maxrss_kb() {	# command...: peak RSS of the command in KiB
	python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
truncate -s 1G "$WORK/nonl"
"$BIN" report "$WORK/nonl" >/dev/null 2>"$WORK/err"
eq "1 GB without a newline: exit 1" $? 1
check "1 GB without a newline: says why" grep -q "line 1: longer than 65536 bytes: not trace text" "$WORK/err"
tr '\0' 'a' <"$WORK/nonl" | head -c 200M >"$WORK/longline"
"$BIN" report "$WORK/longline" >/dev/null 2>"$WORK/err"
eq "200 MB line: exit 1" $? 1
check "200 MB line: says why" grep -q "longer than 65536 bytes: not trace text" "$WORK/err"
rss=$(maxrss_kb "$BIN" report "$WORK/longline")
check "200 MB line: RSS ${rss} KiB stays under 32 MiB" [ "$rss" -lt 32768 ]
rm -f "$WORK/nonl" "$WORK/longline"

# ../shared/cases/hostile/longpath.sh: a path of 500+ bytes overflowed the
# readers' error buffer (a segfault with a long bad line)
d=$WORK/$(printf 'd%.0s' {1..200})/$(printf 'e%.0s' {1..200})/$(printf 'f%.0s' {1..120})
mkdir -p "$d"
printf ' qemu-1 [000] 1.0: kvm_tdp_mmu_spte_changed: as id 0 gfn 1 level 1\n' >"$d/bad.txt"
"$BIN" report "$d/bad.txt" >/dev/null 2>"$WORK/err"
eq "long path, bad line: exit 1" $? 1
check "long path, bad line: names the line" grep -q "line 1: kvm_tdp_mmu_spte_changed: no old_spte field" "$WORK/err"
{ printf ' qemu-1 [000] 1.0: kvm_tdp_mmu_spte_changed: as id 0 gfn 1 level 1 old_spte '
  head -c 5000 /dev/zero | tr '\0' 'z'; echo; } >"$d/big.txt"
"$BIN" report "$d/big.txt" >/dev/null 2>"$WORK/err"
eq "long path, long bad line: exit 1" $? 1
check "long path, long bad line: quotes a bounded part" \
	[ "$(wc -c <"$WORK/err")" -lt 2048 ]
printf 'SPTEREC\n\x02\x00\x00\x00\x04\x03\x02\x01garbagegarbagegarbage' >"$d/bad.rec"
"$BIN" report "$d/bad.rec" >/dev/null 2>"$WORK/err"
eq "long path, damaged recording: exit 1" $? 1
"$BIN" report /nonexistent >/dev/null 2>"$WORK/err"
eq "a missing file: the path once" "$(cat "$WORK/err")" \
	"spte-trace: report /nonexistent: No such file or directory"
printf 'PERFILE2xxxxxxxx' >"$WORK/perf.data"
"$BIN" report "$WORK/perf.data" >/dev/null 2>"$WORK/err"
check "perf.data: points to perf script" grep -q "perf script" "$WORK/err"
printf '\x1f\x8b\x08\x00garbage' >"$WORK/bad.gz"
"$BIN" report "$WORK/bad.gz" >/dev/null 2>"$WORK/err"
check "damaged gzip: says so" grep -q "gzip data" "$WORK/err"
gzip -c "$CASES/08-patched-pipe.txt" | head -c 3000 >"$WORK/cut.gz"
"$BIN" report "$WORK/cut.gz" >/dev/null 2>"$WORK/err"
eq "cut gzip: exit 1" $? 1
check "cut gzip: says it ends early" grep -q "ends early" "$WORK/err"
printf 'hello\nworld\n' >"$WORK/hello.txt"
"$BIN" report "$WORK/hello.txt" >/dev/null 2>"$WORK/err"
eq "text without events: exit 1" $? 1
check "text without events: says what it is not" grep -q "not a recording, a trace.dat or trace text" "$WORK/err"
"$BIN" report tests/fuzz/crashes/fuzz_report-tracecmd-open-leak >/dev/null 2>"$WORK/err"
eq "fuzz find, a damaged trace.dat header: exit 1" $? 1
check "fuzz find, a damaged trace.dat header: says why" \
	grep -q "libtracecmd cannot read this trace.dat" "$WORK/err"
"$BIN" report "$CASES/misaligned_teardown.txt" >/dev/null 2>&1
eq "teardown then a write (UB case): exit 0" $? 0

finish
