#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stand-in for scenario a (tests/harness/harness.sh runs tools/e2e/e2e.sh
# with E2E_SCENARIO_DIR pointing here): on the first try the guest "stalls"
# (prints a stall line and hangs), on the second it passes one check.
set -uo pipefail
. /lib/spte/lib.sh

if [ "${E2E_TRY:-}" = 1 ]; then
	echo "<3>rcu: INFO: rcu_sched self-detected stall on CPU (e2e retry test)" >/dev/kmsg
	while :; do
		sleep 1
	done
fi
e2e_begin a-stock
assert_eq "second try" 2 "${E2E_TRY:-}"
e2e_end
