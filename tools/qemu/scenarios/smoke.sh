#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest scenario: the harness's own end-to-end check.  Verifies the guest
# has what a BPF tool needs, then runs spte-vmm once per zap kind and
# backing (4k, THP, hugetlb), with two VMs in one process and in two
# processes, and with dirty logging on huge pages under
# eager_page_split=N, and counts the stock kvmmmu:kvm_tdp_mmu_spte_changed
# events of each run by class.
#
# Counting is done twice: lib.sh spte_count_* (in-kernel hist triggers,
# lossless totals; the trace buffer on a kernel without
# CONFIG_HIST_TRIGGERS) and, for single-VM runs, the trace buffer, which
# spte-vmm's phase markers (--trace-marker) split into the zap itself,
# the guest rounds (faults) and VM teardown.  The two totals must agree.
#
# Writes /out/counts.txt (the table), /out/details.txt (per phase, class
# and level), /out/hist-counts.txt, /out/vmm.log and /out/results.txt.
#
#   tools/qemu/run-guest.sh --kernel stock --add build/spte-vmm \
#       --scenario tools/qemu/scenarios/smoke.sh --out DIR
#
# Knobs (--env NAME=VALUE): SMOKE_MEM (MiB per VM, default 16),
# SMOKE_VCPUS (2), SMOKE_ROUNDS (3), SMOKE_CASES (a subset of the case
# names below, default all), SMOKE_BUFFER_KB (trace buffer per CPU).
set -euo pipefail
. /lib/spte/lib.sh

SMOKE_MEM=${SMOKE_MEM:-16}
SMOKE_VCPUS=${SMOKE_VCPUS:-2}
SMOKE_ROUNDS=${SMOKE_ROUNDS:-3}
SMOKE_BUFFER_KB=${SMOKE_BUFFER_KB:-32768}

# name | spte-vmm arguments (besides rounds, vCPUs and memory)
CASES="
4k-madvise|--backing 4k --zap madvise
4k-mprotect|--backing 4k --zap mprotect
4k-memslot-delete|--backing 4k --zap memslot-delete
4k-memslot-move|--backing 4k --zap memslot-move
4k-dirty-log|--backing 4k --zap dirty-log
thp-madvise|--backing thp --zap madvise
thp-mprotect|--backing thp --zap mprotect
thp-memslot-delete|--backing thp --zap memslot-delete
thp-memslot-move|--backing thp --zap memslot-move
thp-dirty-log|--backing thp --zap dirty-log
thp-dirty-log-nosplit|--backing thp --zap dirty-log --eager-split off
hugetlb-madvise|--backing hugetlb --zap madvise
hugetlb-mprotect|--backing hugetlb --zap mprotect
hugetlb-memslot-delete|--backing hugetlb --zap memslot-delete
hugetlb-memslot-move|--backing hugetlb --zap memslot-move
hugetlb-dirty-log|--backing hugetlb --zap dirty-log
hugetlb-dirty-log-nosplit|--backing hugetlb --zap dirty-log --eager-split off
4k-2vms-1proc|--backing 4k --zap madvise,memslot-delete --vms 2
4k-2procs|--backing 4k --zap madvise,memslot-delete --procs 2
"

tracing=$TRACEFS
counts=/out/counts.txt
details=/out/details.txt
hist_counts=/out/hist-counts.txt
vmm_log=/out/vmm.log

# ------------------------------------------------------------ the guest ----

check_guest() {
	assert_true "/dev/kvm exists" test -c /dev/kvm
	assert_eq "kvm tdp_mmu" Y "$(kvm_param kvm tdp_mmu)"
	assert_eq "kvm_amd npt" Y "$(kvm_param kvm_amd npt 2>/dev/null || echo missing)"
	assert_true "BTF at /sys/kernel/btf/vmlinux" test -s /sys/kernel/btf/vmlinux
	# Loaded modules have an initstate; built-in KVM's BTF is vmlinux's.
	if [ -e /sys/module/kvm/initstate ]; then
		assert_true "BTF of the kvm module" test -s /sys/kernel/btf/kvm
	fi
	assert_grep "tracefs mounted" ' /sys/kernel/tracing tracefs ' /proc/mounts
	assert_grep "debugfs mounted" ' /sys/kernel/debug debugfs ' /proc/mounts
	assert_grep "bpffs mounted" ' /sys/fs/bpf bpf ' /proc/mounts
	# One pass over kallsyms (200k lines: slow under TCG).
	assert_eq "kallsyms: _stext has an address, kvm_flush_remote_tlbs is listed" "1 1" \
		"$(awk '$3 == "_stext" && $1 !~ /^0+$/ { a = 1 }
			$3 == "kvm_flush_remote_tlbs" { b = 1 }
			END { print a + 0, b + 0 }' /proc/kallsyms)"
	assert_true "the stock tracepoint exists" test -d "$SPTE_EVENT"
	assert_true "spte-vmm on PATH" command -v spte-vmm
	# A dynamically linked tool added with --add finds its libraries.
	if command -v spte-trace >/dev/null; then
		assert_true "spte-trace runs (shared libraries came along)" \
			run_bounded 30 /out/spte-trace-version.log spte-trace --version
	fi
}

# ------------------------------------------------------------- counting ----

setup_tracing() {
	echo 0 >"$tracing/tracing_on"
	echo "$SMOKE_BUFFER_KB" >"$tracing/buffer_size_kb"
	echo nop >"$tracing/current_tracer"
	echo 1 >"$SPTE_EVENT/enable"
}

# Events the ring buffer dropped since the last clear, over all CPUs.
lost_events() {
	cat "$tracing"/per_cpu/cpu*/stats |
		awk '/^(overrun|dropped events):/ { n += $NF } END { print n + 0 }'
}

# Classify the trace's spte_changed events and attribute each to the
# phase spte-vmm last marked.  Prints "phase class level count" lines.
# Fields are taken from the end of the line, which is fixed:
#   ...: kvm_tdp_mmu_spte_changed: as id 0 gfn 1ff level 1 old_spte 2a8ae67 new_spte 0
#   ...: tracing_mark_write: spte-vmm vm=0 round begin
classify_trace() {
	awk '
	function present(v) {
		return length(v) >= 3 && index("89abcdef", substr(v, length(v) - 2, 1)) > 0
	}
	BEGIN { phase = "setup" }
	NF < 6 { next }
	$(NF - 1) == "new_spte" {
		o = $(NF - 2); n = $NF
		if (n == "5a0") k = present(o) ? "p>R" : (o == "0" ? "0>R" : "other")
		else if (o == "5a0") k = "R>*"
		else if (present(o)) k = present(n) ? "p>p" : (n == "0" ? "p>0" : "other")
		else if (o == "0" && present(n)) k = "0>p"
		else k = "other"
		c[phase " " k " " $(NF - 4)]++
		next
	}
	$(NF - 3) == "spte-vmm" {
		phase = $NF == "begin" ? $(NF - 1) : ($(NF - 1) == "teardown" ? "after" : "between")
	}
	END { for (x in c) print x, c[x] }' "$tracing/trace"
}

# sum CLASSIFIED PHASE_ERE CLASS_ERE [LEVEL_ERE]
sum() {
	awk -v pr="$2" -v kr="$3" -v lr="${4:-.}" \
		'$1 ~ pr && $2 ~ kr && $3 ~ lr { n += $4 } END { print n + 0 }' <<<"$1"
}

# --------------------------------------------------------------- a case ----

run_case() {
	local name=$1 args=() rc=0 t0 secs lost cls="" traced hist_all zap_re
	local single=1 zap_ev=- zap_p0=- zap_pp=- zap_pr=- round_pr2=- tear=-

	read -r -a args <<<"$2"
	args+=(--rounds "$SMOKE_ROUNDS" --vcpus "$SMOKE_VCPUS" --mem "$SMOKE_MEM")
	[[ " ${args[*]} " != *" --vms "* && " ${args[*]} " != *" --procs "* ]] || single=0
	[ "$single" = 0 ] || args+=(--trace-marker)

	spte_count_start
	echo >"$tracing/trace"
	echo 1 >"$tracing/tracing_on"
	t0=$(_uptime)
	echo "== $name: spte-vmm ${args[*]}" >>"$vmm_log"
	run_bounded 300 "$vmm_log" spte-vmm "${args[@]}" || rc=$?
	secs=$(_since "$t0")
	echo 0 >"$tracing/tracing_on"
	spte_count_read >/tmp/counts
	sed "s/^/$name /" /tmp/counts >>"$hist_counts"
	hist_all=$(spte_count all all /tmp/counts)
	lost=$(lost_events)

	assert_eq "$name: spte-vmm exits 0" 0 "$rc"
	assert_gt "$name: spte_changed events counted" "$hist_all" 0
	assert_eq "$name: no unclassified transition" 0 "$(spte_count other all /tmp/counts)"
	if [ "$single" = 1 ]; then
		log "$name: spte-vmm ${secs}s, $hist_all events; reading the trace"
		cls=$(classify_trace)
		sed "s/^/$name /" <<<"$cls" | sort >>"$details"
		traced=$(sum "$cls" . .)
		assert_eq "$name: no trace event lost" 0 "$lost"
		assert_eq "$name: spte_count and the trace agree" "$hist_all" "$traced"
		zap_re="^(${name#*-}|${name#*-}-enable|${name#*-}-get|${name#*-}-disable)$"
		zap_re=${zap_re//-nosplit/}
		read -r zap_ev zap_p0 zap_pp zap_pr round_pr2 tear < <(awk -v z="$zap_re" '
			$1 ~ z { zap += $4; if ($2 == "p>0") p0 += $4
				 if ($2 == "p>p") pp += $4; if ($2 == "p>R") pr += $4 }
			$1 == "round" && $2 == "p>R" && $3 == 2 { r2 += $4 }
			$1 == "teardown" || $1 == "after" { tear += $4 }
			END { print zap + 0, p0 + 0, pp + 0, pr + 0, r2 + 0, tear + 0 }' <<<"$cls")
		assert_gt "$name: events inside the zap" "$zap_ev" 0
	fi
	printf '%-26s %-4s %5s %7s %6s %6s %6s %6s %6s | %6s %6s %6s %6s | %6s %6s\n' \
		"$name" "$([ "$rc" -eq 0 ] && echo ok || echo "rc$rc")" "$secs" "$hist_all" \
		"$(spte_count 'p>0' all /tmp/counts)" "$(spte_count '0>p' all /tmp/counts)" \
		"$(spte_count 'p>p' all /tmp/counts)" "$(spte_count 'p>R' all /tmp/counts)" \
		"$(spte_count '0>R' all /tmp/counts)" \
		"$zap_ev" "$zap_p0" "$zap_pp" "$zap_pr" "$round_pr2" "$tear" >>"$counts"
	note_value "${name}_events" "$hist_all"
	note_value "${name}_s" "$secs"
	spte_count_stop
	case $name in
	*-nosplit)
		# eager_page_split=N leaves huge SPTEs in place when logging
		# starts (write-protected); the first write fault replaces
		# each through tdp_mmu_zap_spte_atomic() in kvm_tdp_mmu_map(),
		# which freezes it to 0x5a0 (traced), flushes, then writes 0
		# (not traced).
		assert_gt "$name: huge SPTEs frozen to 0x5a0 by write faults (p>R at level 2 in rounds)" \
			"$round_pr2" 0
		;;
	esac
}

header() {
	{
		echo "# kvm_tdp_mmu_spte_changed events per spte-vmm run"
		echo "# kernel $(uname -r); tdp_mmu=$(kvm_param kvm tdp_mmu);" \
			"counted by $(spte_count_mode)" \
			"mem=${SMOKE_MEM}M per VM, vcpus=$SMOKE_VCPUS rounds=$SMOKE_ROUNDS" \
			"($((SMOKE_ROUNDS - 1)) zaps per run)"
		echo "# p: present (bit 11), R: removed (0x5a0).  all..0>R: every event of"
		echo "# the run (lib.sh spte_count); zap..: events between the zap's trace markers;"
		echo "# rnd-p>R2: p>R at level 2 during guest rounds; tear: VM teardown."
		echo "# - : not split by phase (several VMs)."
		printf '%-26s %-4s %5s %7s %6s %6s %6s %6s %6s | %6s %6s %6s %6s | %6s %6s\n' \
			"#case" vmm secs all 'p>0' '0>p' 'p>p' 'p>R' '0>R' \
			zap 'p>0' 'p>p' 'p>R' rndpR2 tear
	} >"$counts"
	: >"$details"
	: >"$hist_counts"
	: >"$vmm_log"
}

main() {
	local name args

	e2e_begin smoke
	check_guest
	setup_tracing
	# One VM's worth of 2 MiB pages: the hugetlb cases run one VM.
	hugetlb_reserve $((SMOKE_MEM / 2 + 4)) || fail "reserve hugetlb pages"
	header
	while IFS='|' read -r name args; do
		[ -n "$name" ] || continue
		if [ -n "${SMOKE_CASES:-}" ] && [[ " $SMOKE_CASES " != *" $name "* ]]; then
			continue
		fi
		log "case $name"
		run_case "$name" "$args"
	done <<<"$CASES"
	echo 0 >"$SPTE_EVENT/enable"
	cat "$counts" >&2
	e2e_end
}

main "$@"
