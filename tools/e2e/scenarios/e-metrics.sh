#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario e: /metrics served by spte-trace inside the guest, scraped
# there while a workload runs, and brought back for `promtool check
# metrics` on the host (tools/e2e/e2e.sh).
set -uo pipefail
. /lib/spte/lib.sh
. /add/common.sh

e2e_begin e-metrics
trace_start --prometheus 127.0.0.1:9464
workload vmm 600 spte-vmm --mem 32 --rounds "$VMM_ROUNDS" --zap madvise,mprotect
if http_get http://127.0.0.1:9464/metrics /out/scrape.txt 30; then
	pass "scraped /metrics"
else
	fail "scraped /metrics"
fi
http_get http://127.0.0.1:9464/nope /out/nope.txt 10 && r=found || r=refused
assert_eq "other paths are refused" refused "$r"
trace_stop
assert_grep "exposition has histograms" '^spte_trace_zap_to_reinstall_seconds_bucket\{' /out/scrape.txt
assert_grep "exposition has the SPTE event counter" '^spte_trace_spte_events_total [1-9]' /out/scrape.txt
note_trace_values
e2e_end
