#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Prometheus side: `promtool check metrics` on real prom__render()
# output (a busy fixture and a fresh daemon), the alert rules checked and
# unit-tested with promtool, and every metric docs/metrics.md, the rules
# and the dashboard name is one the exposition has.

NAME=promtool
. "$(dirname "$0")/../lib/common.sh"

command -v promtool >/dev/null 2>&1 ||
	skip "no promtool (Debian package prometheus; make deps installs it)"
need_bin "$BUILD/tests/prom_dump"

"$BUILD/tests/prom_dump" >"$WORK/full.prom" || fail "prom_dump"
"$BUILD/tests/prom_dump" empty >"$WORK/empty.prom" || fail "prom_dump empty"

# promtool check metrics exits non-zero on lint problems and prints them
lint() {
	promtool check metrics <"$1" >"$WORK/lint.out" 2>&1 &&
		[ ! -s "$WORK/lint.out" ] || { cat "$WORK/lint.out"; false; }
}
check "promtool check metrics: busy exposition" lint "$WORK/full.prom"
check "promtool check metrics: fresh daemon" lint "$WORK/empty.prom"
check "exposition is not trivially small" \
	[ "$(grep -c '^spte_trace_' "$WORK/full.prom")" -gt 900 ]

sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$WORK/full.prom" | sort >"$WORK/families"
sed -n 's/^| `\(spte_trace_[a-z_]*\)` |.*/\1/p' docs/metrics.md | sort -u \
	>"$WORK/documented"
check "docs/metrics.md documents every family" \
	sh -c "comm -23 '$WORK/families' '$WORK/documented' | sed 's/^/undocumented: /' | grep . && exit 1 || exit 0"
check "docs/metrics.md documents no family that does not exist" \
	sh -c "comm -13 '$WORK/families' '$WORK/documented' | sed 's/^/not exported: /' | grep . && exit 1 || exit 0"

RULES=deploy/prometheus/spte-trace-alerts.yml
check "promtool check rules $RULES" promtool check rules "$RULES"
check "promtool test rules tests/operator/alerts.test.yml" \
	promtool test rules tests/operator/alerts.test.yml

# Metric names used by the rules and the dashboard, without histogram
# suffixes, must all be exported.
grep -oh 'spte_trace_[a-z_]*' "$RULES" deploy/grafana/spte-trace.json |
	sed -E 's/_(bucket|sum|count)$//' | sort -u >"$WORK/used"
check "rules and dashboard use only exported metrics" \
	sh -c "comm -23 '$WORK/used' '$WORK/families' | sed 's/^/unknown: /' | grep . && exit 1 || exit 0"
finish
