#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest scenario for tests/harness/harness.sh: prints what a stalled guest
# kernel prints, at an error level the console shows, and then never
# finishes, as a stalled guest would not.  scenarios/d-late-start.sh is a
# link to it: the stand-in for e2e.sh that stalls on every try.
echo "<3>rcu: INFO: rcu_sched self-detected stall on CPU (harness test)" >/dev/kmsg
while :; do
	sleep 1
done
