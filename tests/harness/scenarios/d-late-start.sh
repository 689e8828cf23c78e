#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stand-in for scenario d (see a-stock.sh here): stalls on every try, so
# e2e.sh must give up after its one retry and fail.
echo "<3>rcu: INFO: rcu_sched self-detected stall on CPU (e2e retry test)" >/dev/kmsg
while :; do
	sleep 1
done
