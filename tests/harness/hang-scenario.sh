#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest scenario for tests/harness/harness.sh: hangs without a word, so
# only run-guest.sh's --timeout can end the run.
echo "hang-scenario: hanging"
while :; do
	sleep 1
done
