#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every tests/operator/*.sh (or the ones named) and fail if any failed.
# Each prints its own "<name>: N passed, N failed" line.

cd "$(dirname "$0")/../.." || exit 1
status=0
if [ $# -eq 0 ]; then
	set -- tests/operator/*.sh
fi
for t in "$@"; do
	case $t in
	*/lib.sh|*/run.sh) continue ;;
	esac
	echo "== $t"
	sh "$t" || status=1
done
exit $status
