#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compare the machine code of the KVM hot paths the series touches, base
# versus patched, as built by default (the fault injection option off), to
# check that tracing costs nothing but static branches when it is off.
set -euo pipefail

# Functions that exist as symbols in the objects (the helpers the series
# touches are inlined into these).
FUNCS=(
	virt/kvm/kvm_main.o:kvm_flush_remote_tlbs
	arch/x86/kvm/mmu/mmu.o:kvm_flush_remote_tlbs_with_address
	arch/x86/kvm/mmu/mmu.o:fast_page_fault
	arch/x86/kvm/mmu/mmu.o:direct_page_fault
	arch/x86/kvm/mmu/mmu.o:kvm_tdp_page_fault
	arch/x86/kvm/mmu/tdp_mmu.o:__tdp_mmu_set_spte
	arch/x86/kvm/mmu/tdp_mmu.o:__handle_changed_spte
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_zap_leafs
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_map
	arch/x86/kvm/mmu/tdp_mmu.o:wrprot_gfn_range
	arch/x86/kvm/mmu/tdp_mmu.o:zap_collapsible_spte_range
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_split_huge_pages_root
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_zap_all
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_zap_invalidated_roots
)

usage() {
	cat <<EOF
Usage: tools/kernel/hotpath-check.sh [-j N]

Builds arch/x86/kvm/ twice in \$SPTE_CACHE/kernel/build/<key>/hotpath
(config.fragment with CONFIG_KVM_TDP_MMU_FLUSH_FAULT_INJECTION off, as a
kernel built without asking for it): at the base and with the series.
Then lists the functions that exist out of line in only one of the two
builds, and for each of these functions:
$(printf '  %s\n' "${FUNCS[@]}")
prints the number of instructions, of lock-prefixed instructions and of
5-byte NOPs (static branch sites) at the base and with the series, and
leaves both disassemblies (addresses stripped) and their diff in
\$SPTE_CACHE/kernel/logs/hotpath-<time>/ for reading.

A function where tracing costs more than its static branches shows up as
a diff whose straight-line path (the fall-through of each NOP) gains
instructions; this script gives the material, the reading is manual.

  -j, --jobs N  make parallelism (default: nproc = $(nproc))
  -h, --help    this text
EOF
}

JOBS=$(nproc)
while [ $# -gt 0 ]; do
	case $1 in
	-j | --jobs)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || {
			echo "hotpath-check.sh: $1 needs a positive number" >&2
			exit 2
		}
		JOBS=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "hotpath-check.sh: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

KLOG_PREFIX=hotpath
# shellcheck source=tools/kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_base
load_series
config_key
take_lock
ensure_tree

OBJ=$BUILD_ROOT/hotpath
OUT=$KCACHE/logs/hotpath-$(date +%Y%m%d-%H%M%S)
LOG=$OUT/build.log
mkdir -p "$OBJ" "$OUT"

# Builds the KVM objects of the tree as it is now with the fault injection
# option off, and disassembles FUNCS into $OUT/$1/.
build_and_disassemble() {
	local tag=$1 entry obj func
	write_config "$OBJ" "$LOG"
	"$TREE/scripts/config" --file "$OBJ/.config" \
		--disable KVM_TDP_MMU_FLUSH_FAULT_INJECTION
	run_bounded 600 make -C "$TREE" O="$OBJ" olddefconfig >>"$LOG" 2>&1 ||
		die "olddefconfig failed; see $LOG"
	! grep -q '^CONFIG_KVM_TDP_MMU_FLUSH_FAULT_INJECTION=y' "$OBJ/.config" ||
		die "could not turn the fault injection option off"
	info "$tag: make arch/x86/kvm/ (log: $LOG)"
	run_bounded "$SPTE_BUILD_TIMEOUT" make -C "$TREE" O="$OBJ" -j"$JOBS" \
		arch/x86/kvm/ >>"$LOG" 2>&1 || die "make arch/x86/kvm/ failed; see $LOG"
	mkdir -p "$OUT/$tag"
	for entry in "${FUNCS[@]}"; do
		obj=$OBJ/${entry%%:*}
		func=${entry#*:}
		# The function and its .cold part, relocations inline.
		# Addresses differ between builds: drop them, and keep jump
		# and call targets by symbol only.
		objdump -dr --no-show-raw-insn "$obj" |
			awk -v f="$func" '
			$0 ~ "^[0-9a-f]+ <" f "(\\.cold)?>:$" { on = 1 }
			on { print }
			on && /^$/ { on = 0 }' |
			sed -E -e 's/^[[:space:]]*[0-9a-f]+:[[:space:]]*//' \
				-e 's/[[:space:]]+/ /g' \
				-e 's/^[0-9a-f]+ </</' \
				-e 's/ [0-9a-f]+ <([^>+]+)(\+0x[0-9a-f]+)?>/ <\1+off>/g' \
				-e 's/ # <[^>]*>$//' \
			>"$OUT/$tag/$func.s"
		[ -s "$OUT/$tag/$func.s" ] || info "$tag: $func not found in ${entry%%:*} (inlined?)"
	done
	# The functions the compiler kept out of line: a helper that the base
	# inlines and the series does not costs a call on the hot path.
	for obj in $(printf '%s\n' "${FUNCS[@]}" | cut -d: -f1 | sort -u); do
		nm --defined-only "$OBJ/$obj" | awk '$2 ~ /^[tT]$/ { print $3 }'
	done | sort -u >"$OUT/$tag/functions"
}

checkout_base
build_and_disassemble base
apply_series 2>>"$LOG"
build_and_disassemble patched

count() {
	grep -cE "$2" "$1" || true
}

# Instructions, lock-prefixed ones, static branch sites (the 2- and 5-byte
# NOPs objtool leaves at asm goto sites; the kernel is built with
# -falign-jumps=1 -falign-loops=1, so there is no other NOP inside a
# function), calls, and instructions that address the stack (spills show
# up there).  Counts are over the whole function, traced paths included.
printf '%-36s %12s %10s %10s %10s %10s\n' function "insns b/p" "lock b/p" \
	"nops b/p" "calls b/p" "stack b/p"
for entry in "${FUNCS[@]}"; do
	func=${entry#*:}
	b=$OUT/base/$func.s
	p=$OUT/patched/$func.s
	insn='^[a-z]'
	lock='^lock '
	nop='^(xchg %ax,%ax|nopl 0x0\(%rax,%rax,1\)|nop)$'
	call='^call '
	stack='\(%rsp\)|^(push|pop) '
	printf '%-36s %5s/%-6s %4s/%-5s %4s/%-5s %4s/%-5s %4s/%-5s\n' "$func" \
		"$(count "$b" "$insn")" "$(count "$p" "$insn")" \
		"$(count "$b" "$lock")" "$(count "$p" "$lock")" \
		"$(count "$b" "$nop")" "$(count "$p" "$nop")" \
		"$(count "$b" "$call")" "$(count "$p" "$call")" \
		"$(count "$b" "$stack")" "$(count "$p" "$stack")"
	diff -u "$b" "$p" >"$OUT/$func.diff" || true
done
echo "functions only in the base:" $(comm -23 "$OUT/base/functions" "$OUT/patched/functions")
echo "functions only with the series:" $(comm -13 "$OUT/base/functions" "$OUT/patched/functions")
echo "hotpath: disassemblies and diffs in $OUT"
