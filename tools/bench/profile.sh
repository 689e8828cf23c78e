#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-profile: where spte-trace's BPF time goes, by kernel symbol.
#
# For each case below, `bench --spin CASE` runs the case's events through
# spte-trace's programs for SECS seconds while `perf record -e cpu-clock -g`
# samples that CPU (no hardware counters are needed: this host's VM has
# none).  Of the samples whose kernel call chain passes through a JITed
# BPF program (bpf_prog_<tag>_<name>), each is charged to what the program
# was doing: its own instructions, or the helper or kernel function it had
# called (the frame just below the program's), with the innermost function
# alongside.  Cases with setup steps (a zap needs its install first) are
# profiled with their setup: the table says which.  Then the operation
# counts and unit costs of `bench --profile`.
set -euo pipefail

bench=${1:-build/bench/bench}
secs=${PROFILE_SECS:-8}
out=${PROFILE_OUT:-build/bench/profile}
PERF=${PERF:-perf}

# "setup: ..." says what else the loop runs besides the measured event.
cases=(
	"patched: install (first)|none"
	"patched: zap (direct, mmu_lock held for write)|an install before each zap"
	"patched: install after zap, covered (ranged flush)|install, zap, ranged flush before each"
	"patched: present->present: write-protect|an install before each"
	"patched: flush end (ranged)|a flush begin before each"
	"patched: install 2M over an uncovered 4K zap (515-step walk)|a 4K install and zap before each (2 of 517 lookups)"
	"stock: install (first)|none"
	"stock: zap (mmu_lock held for write)|an install before each"
)

command -v "$PERF" >/dev/null || { echo "bench-profile: no perf (make deps: linux-perf)" >&2; exit 1; }
[ -x "$bench" ] || { echo "bench-profile: $bench is not built" >&2; exit 1; }
[ "$(cat /proc/sys/net/core/bpf_jit_kallsyms 2>/dev/null || echo 0)" = 1 ] ||
	echo "bench-profile: warning: net.core.bpf_jit_kallsyms is 0: BPF frames will not be named" >&2
mkdir -p "$out"
cpu=$(awk '{ print $39 }' /proc/self/stat)

i=0
for entry in "${cases[@]}"; do
	name=${entry%%|*} setup=${entry#*|}
	i=$((i + 1))
	data=$out/case$i.data
	echo
	echo "== $name (loop also runs: $setup)"
	if ! timeout $((secs + 120)) "$PERF" record -q -e cpu-clock -F 10000 -g -C "$cpu" \
		-o "$data" -- "$bench" --cpu "$cpu" --spin "$name" --spin-secs "$secs" \
		>"$out/case$i.log" 2>&1; then
		echo "bench-profile: perf record failed; see $out/case$i.log" >&2
		exit 1
	fi
	"$PERF" script -i "$data" -F ip,sym 2>/dev/null | awk -v top=12 '
	# One sample: its frames, innermost first, then a blank line.
	function flush(   i, p, what, leaf, prog) {
		if (!n) return
		total++
		p = 0
		for (i = 1; i <= n; i++)
			if (f[i] ~ /^bpf_prog_[0-9a-f]+_/) { p = i; break }
		if (p) {
			inbpf++
			leaf = f[1]
			prog = f[p]
			sub(/bpf_prog_[0-9a-f]+_/, "", prog)
			what = p == 1 ? prog " (own instructions)" : prog " -> " f[p - 1]
			by[what]++
			leafs[leaf]++
		}
		n = 0
	}
	NF == 0 { flush(); next }
	{ f[++n] = $2 }
	END {
		flush()
		if (!inbpf) { print "  no samples inside BPF programs"; exit }
		printf "  %d samples, %d (%.0f%%) inside BPF programs; of those, by what the program was doing:\n",
			total, inbpf, 100 * inbpf / total
		k = 0
		for (w in by) { key[++k] = w }
		for (a = 1; a <= k; a++)
			for (b = a + 1; b <= k; b++)
				if (by[key[b]] > by[key[a]]) { t = key[a]; key[a] = key[b]; key[b] = t }
		for (a = 1; a <= k && a <= top; a++)
			printf "    %5.1f%%  %s\n", 100 * by[key[a]] / inbpf, key[a]
		k = 0
		for (w in leafs) { lk[++k] = w }
		for (a = 1; a <= k; a++)
			for (b = a + 1; b <= k; b++)
				if (leafs[lk[b]] > leafs[lk[a]]) { t = lk[a]; lk[a] = lk[b]; lk[b] = t }
		printf "  innermost functions:"
		for (a = 1; a <= k && a <= 8; a++)
			printf " %s %.0f%%;", lk[a], 100 * leafs[lk[a]] / inbpf
		printf "\n"
	}'
done
echo
"$bench" --profile --smoke --no-memory --cpu "$cpu" | sed -n '/^Protocol state operations/,$p'
