#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# deploy/: the systemd unit passes systemd-analyze verify, the Grafana
# dashboard is valid JSON whose every query is valid PromQL (checked by
# promtool as recording rules, Grafana's variables replaced).

NAME=deploy
. "$(dirname "$0")/../lib/common.sh"

UNIT=deploy/spte-trace.service
DASH=deploy/grafana/spte-trace.json

check "every deploy/ file carries an SPDX line" sh -c '
	for f in deploy/*.service deploy/prometheus/*.yml deploy/grafana/*.json; do
		grep -q "SPDX-License-Identifier: GPL-2.0" "$f" || { echo "$f"; exit 1; }
	done'
check "the unit keeps the capabilities loading needs and no more" sh -c "
	grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_RESOURCE CAP_SETUID CAP_SETGID CAP_SETPCAP' $UNIT &&
	grep -qx 'NoNewPrivileges=yes' $UNIT && grep -qx 'ProtectSystem=strict' $UNIT &&
	grep -q -- '--user nobody' $UNIT && grep -q -- '--prometheus 127.0.0.1:' $UNIT"
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants the ExecStart binary to exist; the daemon may not be
	# installed here, so point it at /bin/true.
	sed 's|^ExecStart=/usr/local/sbin/spte-trace|ExecStart=/bin/true|' \
		"$UNIT" >"$WORK/spte-trace.service"
	check "systemd-analyze verify $UNIT" \
		sh -c "systemd-analyze verify --man=no '$WORK/spte-trace.service' 2>&1 | grep . && exit 1 || exit 0"
else
	echo "  (no systemd-analyze: unit syntax not verified)"
fi

check "$DASH is valid JSON with panels" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['panels'] and d['title'] == 'spte-trace', 'no panels'
titles = [p['title'] for p in d['panels']]
for want in ('Violations in range', 'Zap to reinstall (heatmap)',
             'Ring buffer drops and unread violations'):
    assert want in titles, want
" "$DASH"

if command -v promtool >/dev/null 2>&1; then
	python3 - "$DASH" >"$WORK/dash-rules.yml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
subst = {'$__rate_interval': '5m', '$__range': '1h', '$instance': '.*'}
print('groups:\n  - name: dashboard\n    rules:')
n = 0
def walk(p):
    global n
    for t in p.get('targets', []):
        e = t['expr']
        for k, v in subst.items():
            e = e.replace(k, v)
        n += 1
        print(f'      - record: dashboard_query_{n}\n        expr: {json.dumps(e)}')
    for q in p.get('panels', []):
        walk(q)
for p in d['panels']:
    walk(p)
PY
	check "every dashboard query is valid PromQL" \
		promtool check rules "$WORK/dash-rules.yml"
fi
finish
