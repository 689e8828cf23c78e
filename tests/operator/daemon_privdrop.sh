#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The running daemon, as an operator deploys it: spte-trace --prometheus
# --user nobody.  Once /metrics answers, every thread of the process must
# show no capability in any set and nobody's uid in /proc/PID/task/*/status,
# the metrics it serves must pass promtool, and the server must refuse
# what it should.  Skipped (with the reason) where the daemon cannot load
# its BPF programs.

NAME=${PRIVDROP_TEST_NAME:-daemon_privdrop}
. "$(dirname "$0")/../lib/common.sh"

DAEMON=${SPTE_TRACE:-./spte-trace}
[ -x "$DAEMON" ] || skip "$DAEMON is not built"
"$DAEMON" --help 2>&1 | grep -q -- '--prometheus' ||
	skip "$DAEMON has no --prometheus option yet"
[ "$(id -u)" -eq 0 ] || skip "needs root to load BPF programs"
command -v curl >/dev/null 2>&1 || skip "no curl"
nobody=$(id -u nobody 2>/dev/null) || skip "no user nobody"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
"$DAEMON" --prometheus "127.0.0.1:$port" --user nobody \
	>"$WORK/daemon.out" 2>"$WORK/daemon.err" &
pid=$!

up=0
for _ in $(seq 1 100); do
	if curl -sf -o "$WORK/metrics" "$url/metrics"; then
		up=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
if [ $up -eq 0 ]; then
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		fail "/metrics did not answer within 20 s"
		tail -5 "$WORK/daemon.err"
		finish
	fi
	wait "$pid"
	skip "spte-trace exited before serving: $(tail -1 "$WORK/daemon.err")"
fi
pass "spte-trace serves /metrics on 127.0.0.1:$port"

# every thread: the HTTP server's too
for st in /proc/$pid/task/*/status; do
	tid=$(basename "$(dirname "$st")")
	check "thread $tid has no capabilities" sh -c "
		for set in CapInh CapPrm CapEff CapBnd CapAmb; do
			v=\$(awk -v k=\$set: '\$1 == k { print \$2 }' $st)
			[ \"\$v\" = 0000000000000000 ] || { echo \"\$set \$v\"; exit 1; }
		done"
	check "thread $tid runs as nobody ($nobody)" sh -c "
		awk '\$1 == \"Uid:\" { exit !(\$2 == $nobody && \$3 == $nobody && \$4 == $nobody && \$5 == $nobody) }' $st"
	check "thread $tid has no_new_privs" \
		sh -c "grep -q '^NoNewPrivs:[[:space:]]*1' $st"
done
check "more than one thread was checked (the HTTP server runs)" \
	[ "$(ls /proc/$pid/task | wc -l)" -gt 1 ]

if command -v promtool >/dev/null 2>&1; then
	check "promtool check metrics on the daemon's /metrics" sh -c "
		promtool check metrics <'$WORK/metrics' 2>&1 | grep . && exit 1 || exit 0"
fi
check "the exposition has the build info" \
	grep -q '^spte_trace_build_info{' "$WORK/metrics"
check "other paths: 404" sh -c "
	[ \"\$(curl -s -o /dev/null -w '%{http_code}' $url/nope)\" = 404 ]"
check "POST: 405 with Allow" sh -c "
	curl -s -D - -o /dev/null -X POST $url/metrics | grep -qi '^Allow: GET, HEAD'"
check "not listening on other addresses" sh -c "
	! curl -s -o /dev/null --connect-timeout 2 http://\$(hostname -I 2>/dev/null | awk '{print \$1}'):$port/metrics"

kill -TERM "$pid"
wait "$pid"
rc=$?
check "spte-trace exits 0 on SIGTERM" [ "$rc" -eq 0 ]
finish
