#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# trace.dat through libtracecmd against the same trace as text: a real
# trace-cmd trace.dat of a tracefs instance on this host (both CPUs, lost
# events), whose sched_switch records build/tests/retype_tracedat turns
# into kvm_tdp_mmu_spte_changed records (this host declares the event but
# has no TDP MMU to emit it).  `spte-trace report FILE.dat` must give
# exactly what `trace-cmd report -t FILE.dat | spte-trace report -` gives,
# from a file, a pipe and gzip alike, losses included.
NAME=tracedat
. "$(dirname "$0")/../lib/common.sh"

BIN=${SPTE_TRACE:-./spte-trace}
RETYPE=$BUILD/tests/retype_tracedat
T=/sys/kernel/tracing
need_bin "$BIN"
need_bin "$RETYPE"
[ "$(id -u)" -eq 0 ] || skip "needs root to record with tracefs"
command -v trace-cmd >/dev/null || skip "trace-cmd is not installed (make deps)"
[ -d $T/events/sched/sched_switch ] || skip "no tracefs at $T"
[ -d $T/events/kvmmmu/kvm_tdp_mmu_spte_changed ] ||
	skip "this kernel does not declare kvmmmu:kvm_tdp_mmu_spte_changed (kvm not loaded)"

inst=spte-test-$$
I=$T/instances/$inst
mkdir "$I" || skip "cannot make a tracefs instance"
trap 'rmdir "$I" 2>/dev/null; rm -rf "$WORK"' EXIT
echo 4 >"$I/buffer_size_kb"	# small: the burst overflows it
echo 1 >"$I/events/sched/sched_switch/enable"
for _ in $(seq 400); do /bin/true; done
echo 0 >"$I/events/sched/sched_switch/enable"
trace-cmd extract -B "$inst" --compression none -o "$WORK/t.dat" >"$WORK/extract.log" 2>&1
check "trace-cmd extract wrote a trace.dat" test -s "$WORK/t.dat"

# install, zap, reinstall elsewhere by another thread, a 2M table zap...
cat >"$WORK/script" <<'SCRIPT'
100 800 1 0 600000455200b77
100 800 1 600000455200b77 0
100 800 1 0 600000455201b77
100 1000 2 2c583b907 5a0
100 1000 1 6000002c7c00b77 5a0
100 1000 1 5a0 0
100 2400 2 0 60000021be00bf3
SCRIPT
"$RETYPE" "$WORK/t.dat" "$WORK/script" >"$WORK/retype.log" 2>&1
check "the fixture was made ($(cat "$WORK/retype.log"))" grep -q "records rewritten" "$WORK/retype.log"

stable() { sed 's/"time":[0-9.]*,//' | tail -1; }
"$BIN" report -j "$WORK/t.dat" 2>"$WORK/dat.err" | stable >"$WORK/dat.json"
check "report FILE.dat exits 0" [ "${PIPESTATUS[0]}" -eq 0 ]
trace-cmd report -t -i "$WORK/t.dat" 2>/dev/null >"$WORK/t.txt"
"$BIN" report -j - <"$WORK/t.txt" 2>/dev/null | stable >"$WORK/txt.json"
check "trace.dat and its text give the same results" cmp "$WORK/dat.json" "$WORK/txt.json"
check "through a pipe too" sh -c "cat '$WORK/t.dat' | '$BIN' report -j - 2>/dev/null |
	sed 's/\"time\":[0-9.]*,//' | tail -1 | cmp - '$WORK/dat.json'"
gzip -c "$WORK/t.dat" >"$WORK/t.dat.gz"
check "gzip-compressed too" sh -c "'$BIN' report -j '$WORK/t.dat.gz' 2>/dev/null |
	sed 's/\"time\":[0-9.]*,//' | tail -1 | cmp - '$WORK/dat.json'"
n=$(grep -c "kvm_tdp_mmu_spte_changed" "$WORK/t.txt")
check "every record is an event ($n)" grep -q "\"spte_events\":$n," "$WORK/dat.json"
check "it says it read a trace.dat" grep -q "replayed trace-cmd trace.dat" "$WORK/dat.err"
if grep -q "EVENTS DROPPED" "$WORK/t.txt"; then
	notes=$(grep -c "EVENTS DROPPED" "$WORK/t.txt")
	check "the buffer's $notes loss notes are counted" \
		grep -q "\"lost_uncounted\":$notes," "$WORK/dat.json"
else
	echo "  (the buffer did not overflow this time: no loss to count)"
fi
check "installs are unverified (stock events show no flush)" \
	grep -q '"unverified":{' "$WORK/dat.json"
check "threads not tied to VMs: said" grep -q '"vms_by_thread":true' "$WORK/dat.json"
"$BIN" report --single-vm -j "$WORK/t.dat" 2>/dev/null | stable >"$WORK/one.json"
check "--single-vm: one VM" grep -q '"vms_overflowed":0' "$WORK/one.json"
head -c 20000 "$WORK/t.dat" >"$WORK/cut.dat"
"$BIN" report "$WORK/cut.dat" >/dev/null 2>"$WORK/cut.err"
rc=$?
check "a cut trace.dat: exit 1 (rc $rc)" [ $rc -eq 1 ]
check "a cut trace.dat: says why" grep -q "cannot read this trace.dat" "$WORK/cut.err"
finish
