#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: what an operator sees on a production host.  A VM runs and
# its memory is zapped in every way the host can (spte-vmm) while
# spte-trace reports every 5 seconds; its output goes to the console,
# which `make demo` streams.
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

e2e_begin demo
echo 0 >/proc/sys/kernel/printk 2>/dev/null || true
daemon_start vm /out/vmm.log spte-vmm --mem 64 --vcpus 2 --rounds 0 \
	--backing thp --zap "$ALL_ZAPS" --interval 500
# spte-trace in the foreground, its output on the console as on a terminal.
timeout -k 5 60 spte-trace --no-privdrop -d 30 5 --folded /out/sites.folded \
	--textfile "$METRICS" 2>&1 | tee "$TRACE_LOG"
assert_eq "spte-trace exits 0" 0 "${PIPESTATUS[0]}"
daemon_stop vm 60 TERM
assert_eq "the VM stops cleanly" 0 "$DAEMON_RC"
note_trace_values
e2e_end
