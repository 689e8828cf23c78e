#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# table.sh DIR KERNEL: the bench-e2e table of one guest's DIR/runs.tsv
# (tools/bench/e2e/guest.sh writes it): per mode the median workload wall
# time and its spread, the median of the per-round ratios to the
# unattached run of the same round, and, from the statistics pass, the
# in-kernel time per SPTE event.
set -euo pipefail

dir=$1 kernel=$2
tsv=$dir/runs.tsv

echo
echo "bench-e2e, $kernel kernel: $(sed -n 's/^kernel //p' "$dir/versions.txt" 2>/dev/null)" \
	"under QEMU/TCG; $(sed -n 's/^cpus //p' "$dir/versions.txt" 2>/dev/null) guest CPUs"
echo "workload: $(sed -n 's/^vmm //p' "$dir/versions.txt" 2>/dev/null); then $(sed -n 's/^selftest //p' "$dir/versions.txt" 2>/dev/null)"
echo "tools: $(sed -n 's/^bpftrace //p' "$dir/versions.txt" 2>/dev/null), $(sed -n 's/^trace-cmd //p' "$dir/versions.txt" 2>/dev/null | sed 's/^ *//'), $(sed -n 's/^spte-trace //p' "$dir/versions.txt" 2>/dev/null)"

awk -F '\t' '
function sort(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
function median(a, n) {
	sort(a, n)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$1 == "run" {
	r = $2; m = $3
	wall[m, r] = $4
	if (!(m in seen)) { seen[m] = 1; order[++nm] = m }
	if (r > nr) nr = r
}
$1 == "events" { events[$3] = $4 }
$1 == "prog" {
	m = $2; ns[m] += $6
	# The program on the SPTE tracepoint: spte-trace stock_spte_changed or
	# patched_SET, bpftrace its tracepoint program.
	if ($5 ~ /^(stock_spte_chan|patched_SET|kvm_tdp_mmu_spt)/ || $4 == "tracepoint") {
		spte_ns[m] += $6; spte_cnt[m] += $7
	}
	progs[m]++
}
END {
	printf "\n%-16s %-24s %-22s %-10s %s\n", "mode", "wall s: median (min-max)",
		"ratio to none (min-max)", "slowdown", "in-kernel ns per SPTE event: SPTE program / all its programs"
	for (i = 1; i <= nm; i++) {
		m = order[i]; n = 0; k = 0
		for (r = 1; r <= nr; r++) {
			if ((m, r) in wall) w[++n] = wall[m, r]
			if ((m, r) in wall && ("none", r) in wall && wall["none", r] > 0)
				q[++k] = wall[m, r] / wall["none", r]
		}
		if (!n) continue
		med = median(w, n); lo = w[1]; hi = w[n]
		if (k) { qm = median(q, k); qlo = q[1]; qhi = q[k] } else { qm = qlo = qhi = 0 }
		medw[m] = med; slow[m] = qm - 1
		kns = "-"
		if (spte_cnt[m] > 0)
			kns = sprintf("%.0f / %.0f (%d programs, %d events)", spte_ns[m] / spte_cnt[m],
				ns[m] / spte_cnt[m], progs[m], spte_cnt[m])
		else if (m == "trace-cmd")
			kns = "not BPF: not measured"
		printf "%-16s %6.1f (%5.1f-%5.1f)     %5.3f (%5.3f-%5.3f)     %+6.1f%%    %s\n",
			m, med, lo, hi, qm, qlo, qhi, 100 * (qm - 1), kns
	}
	printf "\n%d round(s), modes interleaved and rotated each round; ratio = median over rounds of\n", nr
	printf "(wall with the tool / wall with nothing attached, same round)\n"
	if (("spte-trace" in slow) && ("bpftrace-life" in slow))
		printf "goal: spte-trace slowdown %+.1f%% below bpftrace lifetime script %+.1f%%: %s\n",
			100 * slow["spte-trace"], 100 * slow["bpftrace-life"],
			slow["spte-trace"] < slow["bpftrace-life"] ? "met" : "NOT met"
	if (("spte-trace" in slow) && ("trace-cmd" in slow))
		printf "goal: spte-trace slowdown %+.1f%% below trace-cmd record %+.1f%%: %s\n",
			100 * slow["spte-trace"], 100 * slow["trace-cmd"],
			slow["spte-trace"] < slow["trace-cmd"] ? "met" : "NOT met"
}' "$tsv"
if grep -q '^note' "$tsv"; then
	echo
	grep '^note' "$tsv" | sort | uniq -c | awk '{ $2 = ""; print "note:" $0 " (times)" }'
fi
if [ -s "$dir/emulator-cpu.tsv" ]; then
	echo
	echo "The same runs in emulator CPU seconds (QEMU's user + system time between the guest's marks"
	echo "around each workload: the emulation work, whatever share of the busy host QEMU got):"
	awk -F '\t' '
	function sort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
	}
	function median(a, n) {
		sort(a, n)
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == "begin" { b[$2, $3] = $4 }
	$1 == "end" && (($2, $3) in b) {
		c[$3, $2] = $4 - b[$2, $3]
		if (!($3 in seen)) { seen[$3] = 1; order[++nm] = $3 }
		if ($2 > nr) nr = $2
	}
	END {
		printf "\n%-16s %-24s %-22s %s\n", "mode", "CPU s: median (min-max)",
			"ratio to none (min-max)", "slowdown"
		for (i = 1; i <= nm; i++) {
			m = order[i]; n = 0; k = 0
			for (r = 1; r <= nr; r++) {
				if ((m, r) in c) w[++n] = c[m, r]
				if ((m, r) in c && ("none", r) in c && c["none", r] > 0)
					q[++k] = c[m, r] / c["none", r]
			}
			if (!n) continue
			med = median(w, n); lo = w[1]; hi = w[n]
			if (k) { qm = median(q, k); qlo = q[1]; qhi = q[k] } else { qm = qlo = qhi = 0 }
			slow[m] = qm - 1
			printf "%-16s %6.1f (%5.1f-%5.1f)     %5.3f (%5.3f-%5.3f)     %+6.1f%%\n",
				m, med, lo, hi, qm, qlo, qhi, 100 * (qm - 1)
		}
		if (("spte-trace" in slow) && ("bpftrace-life" in slow))
			printf "goal (emulator CPU): spte-trace %+.1f%% below bpftrace lifetime script %+.1f%%: %s\n",
				100 * slow["spte-trace"], 100 * slow["bpftrace-life"],
				slow["spte-trace"] < slow["bpftrace-life"] ? "met" : "NOT met"
		if (("spte-trace" in slow) && ("trace-cmd" in slow))
			printf "goal (emulator CPU): spte-trace %+.1f%% below trace-cmd record %+.1f%%: %s\n",
				100 * slow["spte-trace"], 100 * slow["trace-cmd"],
				slow["spte-trace"] < slow["trace-cmd"] ? "met" : "NOT met"
	}' "$dir/emulator-cpu.tsv"
fi
if [ -s "$dir/host-loadavg.txt" ]; then
	sort -n "$dir/host-loadavg.txt" | awk '{ v[NR] = $1 } END {
		if (NR) printf "host load average (1 min) during the guest run, every 10 s: min %s, median %s, max %s (%d samples; the host has %d CPUs)\n",
			v[1], v[int((NR + 1) / 2)], v[NR], NR, '"$(nproc)"' }'
fi
if [ -s "$dir/verifier.txt" ]; then
	echo
	echo "spte-trace's programs in the guest kernel's verifier ($dir/verifier.txt):"
	grep -E '^  |programs loaded|Load time' "$dir/verifier.txt" || true
fi
