#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /metrics under slow and silent clients (loopback only): 200 clients
# trickling a request one byte a second and 200 saying nothing must not
# stop a scraper from getting its answer within Prometheus' 10 s timeout,
# and memory stays bounded (../shared/cases/hostile/slowloris_threshold.py:
# 32 such clients used to block every scrape).  Runs against build/tests/serve_dump, which
# serves the daemon's HTTP code without BPF.
NAME=slow_clients
. "$(dirname "$0")/../lib/common.sh"

SERVE=$BUILD/tests/serve_dump
need_bin "$SERVE"
command -v python3 >/dev/null || skip "python3 is not installed"

"$SERVE" --prometheus 127.0.0.1:0 2>"$WORK/serve.err" &
pid=$!
port=
for _ in $(seq 50); do	# the address is printed once it listens
	port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$WORK/serve.err")
	[ -n "$port" ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || { fail "serve_dump did not start"; cat "$WORK/serve.err"; finish; }

rss() { awk '/^VmRSS:/ {print $2}' /proc/$pid/status; }
rss0=$(rss)
timeout 90 python3 tests/operator/slow_clients.py "$port" 200 200 15 >"$WORK/out"
check "the load script ran to its end" grep -q "^slow=200 silent=200" "$WORK/out"
sum=$(tail -1 "$WORK/out")
echo "  $sum"
scrapes=$(sed -n 's/.*scrapes=\([0-9]*\).*/\1/p' <<<"$sum")
ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$sum")
worst=$(sed -n 's/.*worst_ms=\([0-9]*\).*/\1/p' <<<"$sum")
check "400 clients all connected" grep -q "connected=400" <<<"$sum"
check "every scrape answered 200 ($ok/$scrapes)" [ -n "$ok" ] && [ "$ok" -eq "$scrapes" ] && [ "$scrapes" -ge 5 ]
check "the slowest scrape took ${worst} ms, under 10 s" [ -n "$worst" ] && [ "$worst" -lt 10000 ]
rss1=$(rss)
echo "  RSS ${rss0} -> ${rss1} KiB"
check "RSS grew by less than 32 MiB" [ $((rss1 - rss0)) -lt 32768 ]
kill $pid
wait $pid 2>/dev/null
finish
