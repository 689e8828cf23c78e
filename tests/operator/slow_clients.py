#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Scrapes of /metrics while N clients trickle a request one byte a second
and M clients connect and say nothing.  127.0.0.1 only; every wait bounded.

usage: slow_clients.py PORT SLOW SILENT SECONDS
Prints one line per scrape ("scrape OK|FAIL <ms> <status>") and a summary
line "slow=N silent=M scrapes=K ok=J worst_ms=W".
"""
import asyncio
import sys
import time

PORT, SLOW, SILENT, SECONDS = (int(a) for a in sys.argv[1:5])
DEADLINE = 10.0  # Prometheus' default scrape_timeout


async def slow(stop, opened):
    try:
        _, w = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", PORT), 5)
    except Exception:
        return
    opened.append(1)
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 8000
    i = 0
    try:
        while not stop.is_set() and i < len(req):
            w.write(req[i:i + 1])
            i += 1
            await w.drain()
            try:
                await asyncio.wait_for(stop.wait(), 1.0)
            except asyncio.TimeoutError:
                pass
    except Exception:
        pass
    w.close()


async def silent(stop, opened):
    try:
        _, w = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", PORT), 5)
    except Exception:
        return
    opened.append(1)
    await stop.wait()
    w.close()


async def scrape():
    t0 = time.monotonic()
    try:
        r, w = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", PORT), DEADLINE)
        w.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = await asyncio.wait_for(r.read(), DEADLINE - (time.monotonic() - t0))
        w.close()
        status = data.split(b" ", 2)[1].decode() if data else "EOF"
    except Exception as e:
        status = type(e).__name__
    return status, (time.monotonic() - t0) * 1000


async def main():
    stop = asyncio.Event()
    opened = []
    tasks = [asyncio.create_task(slow(stop, opened)) for _ in range(SLOW)]
    tasks += [asyncio.create_task(silent(stop, opened)) for _ in range(SILENT)]
    await asyncio.sleep(1)
    results = []
    end = time.monotonic() + SECONDS
    while time.monotonic() < end:
        status, ms = await scrape()
        results.append((status, ms))
        print(f"scrape {'OK' if status == '200' else 'FAIL'} {ms:.0f} {status}")
        await asyncio.sleep(max(0.0, 1.0 - ms / 1000))
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 20)
    ok = sum(1 for s, _ in results if s == "200")
    worst = max(ms for _, ms in results)
    print(f"slow={SLOW} silent={SILENT} connected={len(opened)} "
          f"scrapes={len(results)} ok={ok} worst_ms={worst:.0f}")


asyncio.run(main())
