#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# spte-trace live on this host: it attaches to what the kernel offers,
# runs a bounded time, exits 0 with a summary, and leaves no BPF program or
# link behind (checked with bpftool).  Also: SIGINT and SIGTERM end it
# cleanly, bad usage exits 2, and an unprivileged user gets a clear error.
set -uo pipefail
NAME=live
. "$(dirname "$0")/../lib/common.sh"

BIN=${SPTE_TRACE:-./spte-trace}
tmp=$WORK

[ "$(id -u)" -eq 0 ] || skip "needs root to load BPF programs"
command -v bpftool >/dev/null || skip "bpftool is not installed (make deps)"

ids() {	# prog|link -> sorted ids
	bpftool -j "$1" show 2>/dev/null |
		python3 -c 'import json,sys; print("\n".join(str(o["id"]) for o in json.load(sys.stdin)))' |
		sort -n
}

# Wait (bounded) until FILE contains PATTERN or PID exits.
wait_for() {	# file pattern pid seconds
	local deadline=$((SECONDS + $4))
	while [ $SECONDS -lt "$deadline" ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		read -r -t 0.1 <> <(:) || true
	done
	return 1
}

ids prog >"$tmp/progs.before"
ids link >"$tmp/links.before"

# 1. A bounded run with intervals.
timeout 60 "$BIN" -d 3 1 >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
check "bounded run exits 0 (rc $rc)" [ $rc -eq 0 ]
check "names its sources" grep -q "SPTE changes   : kvmmmu:kvm_tdp_mmu_spte_changed" "$tmp/run.out"
check "states its blind spots" grep -q "^blind spots:" "$tmp/run.out"
check "prints interval reports" [ "$(grep -c 'spte events' "$tmp/run.out")" -ge 3 ]
check "prints a final summary" grep -q "==== summary" "$tmp/run.out"
# A host with kvm.tdp_mmu=N (this one, as measured) gets one warning
# about it; nothing else may reach stderr.
if [ "$(cat /sys/module/kvm/parameters/tdp_mmu 2>/dev/null)" = N ]; then
	check "kvm.tdp_mmu=N is warned about on stderr" \
		grep -q "warning: kvm.tdp_mmu=N on this host" "$tmp/run.err"
	grep -v "warning: kvm.tdp_mmu=N on this host" "$tmp/run.err" >"$tmp/run.err2"
else
	cp "$tmp/run.err" "$tmp/run.err2"
fi
check "no errors on stderr" [ ! -s "$tmp/run.err2" ]
[ -s "$tmp/run.err" ] && cat "$tmp/run.err"

# 2. While it runs, its programs are attached; SIGINT and SIGTERM end it.
for sig in INT TERM; do
	out=$tmp/sig-$sig.out
	"$BIN" >"$out" 2>&1 &
	pid=$!
	if wait_for "$out" "^blind spots:" $pid 30; then
		ids prog >"$tmp/progs.during"
		check "SIG$sig run: a program is loaded while attached" \
			[ -n "$(comm -13 "$tmp/progs.before" "$tmp/progs.during")" ]
		check "SIG$sig run: bpftool sees the raw tracepoint link" \
			bash -c "bpftool link show | grep -q raw_tracepoint"
	else
		fail "SIG$sig run: did not start within 30s"
		cat "$out"
	fi
	kill -"$sig" $pid 2>/dev/null
	timeout 30 tail --pid=$pid -f /dev/null
	wait $pid
	rc=$?
	check "SIG$sig: exit status 0 (rc $rc)" [ $rc -eq 0 ]
	check "SIG$sig: summary printed" grep -q "==== summary" "$out"
done

# 3. Nothing left behind: no id that was not there before (other
# processes' programs may come and go meanwhile).  The kernel releases
# links and programs of an exited process from a workqueue, so give it a
# bounded moment to finish.
new_ids() {	# kind: ids present now and not before
	ids "$1" | sort >"$tmp/$1.after"
	sort "$tmp/$1s.before" | comm -13 - "$tmp/$1.after"
}
deadline=$((SECONDS + 10))
while :; do
	[ -z "$(new_ids prog)" ] && [ -z "$(new_ids link)" ] && break
	[ $SECONDS -lt $deadline ] || break
	read -r -t 0.2 <> <(:) || true
done
check "no BPF program left behind" [ -z "$(new_ids prog)" ]
check "no BPF link left behind" [ -z "$(new_ids link)" ]

# 4. Outputs: JSON lines, a recording that replays, metrics files.
# The textfile is renamed into place every interval by the unprivileged
# --user (nobody): its directory must be writable by that user.
chmod 711 "$tmp"
mkdir -m 1777 "$tmp/textfile"
timeout 60 "$BIN" -j -d 2 1 --record "$tmp/run.spte" --textfile "$tmp/textfile/m.prom" \
	--folded "$tmp/f.folded" --svg "$tmp/f.svg" >"$tmp/json.out" 2>"$tmp/json.err"
rc=$?
check "-j run exits 0 (rc $rc)" [ $rc -eq 0 ]
check "-j: every stdout line is a JSON object" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no output"
objs = [json.loads(l) for l in lines]
assert all(isinstance(o, dict) for o in objs)
assert objs[-1]["type"] == "summary" and objs[-1]["kind"] == "final", objs[-1]
' "$tmp/json.out"
check "-j: the banner goes to stderr" grep -q "^sources:" "$tmp/json.err"
check "--textfile is a valid exposition" bash -c "promtool check metrics <'$tmp/textfile/m.prom'"
check "--svg is an SVG document" grep -q "<svg" "$tmp/f.svg"
check "--folded exists" [ -f "$tmp/f.folded" ]
"$BIN" report "$tmp/run.spte" >"$tmp/report.out" 2>"$tmp/report.err"
rc=$?
check "report of the recording exits 0 (rc $rc)" [ $rc -eq 0 ]
check "report prints the summary" grep -q "==== summary" "$tmp/report.out"
printf 'SPTE\0\1\2binary' >"$tmp/junk"
printf 'hello\nworld\n' >"$tmp/junk.txt"
for f in "$tmp/junk" "$tmp/junk.txt"; do
	"$BIN" report "$f" >/dev/null 2>"$tmp/junk.err"
	rc=$?
	check "report of $(basename "$f") exits 1 (rc $rc)" [ $rc -eq 1 ]
	check "report of $(basename "$f") says why" grep -q "report $f: " "$tmp/junk.err"
done
"$BIN" report --prometheus 9000 "$tmp/run.spte" >/dev/null 2>"$tmp/rp.err"
check "report --prometheus is refused (exit 2)" [ $? -eq 2 ]

# 5. Bad input and missing privilege.
"$BIN" --max-sptes abc >/dev/null 2>"$tmp/usage.err"
rc=$?
check "bad option value exits 2 (rc $rc)" [ $rc -eq 2 ]
check "bad option value is named" grep -q "invalid --max-sptes 'abc'" "$tmp/usage.err"
"$BIN" 1 2 3 >/dev/null 2>&1
check "extra argument exits 2" [ $? -eq 2 ]
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" -d 1 \
		>/dev/null 2>"$tmp/priv.err"
	rc=$?
	check "unprivileged run exits 1 (rc $rc)" [ $rc -eq 1 ]
	check "unprivileged run says what it needs" grep -q "needs CAP_BPF" "$tmp/priv.err"
fi

finish
