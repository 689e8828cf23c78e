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
Then, for each of these functions:
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
		# Addresses and offsets differ between builds: keep the
		# instructions, and call/jump targets by symbol only.
		objdump -d --no-show-raw-insn --no-addresses -r \
			--disassemble="$func" "$obj" |
			sed -n '/^<'"$func"'>:$/,/^$/p' |
			sed -E -e 's/[[:space:]]+/ /g' -e 's/^ //' \
				-e 's/<([a-zA-Z0-9_.]+)\+0x[0-9a-f]+>/<\1+off>/g' \
				-e 's/^(j[a-z]+|call|jmp) [0-9a-f]+ /\1 /' \
			>"$OUT/$tag/$func.s"
	done
}

checkout_base
build_and_disassemble base
apply_series 2>>"$LOG"
build_and_disassemble patched

count() {
	grep -cE "$2" "$1" || true
}

printf '%-36s %14s %12s %12s\n' function "insns b/p" "lock b/p" "nop5 b/p"
for entry in "${FUNCS[@]}"; do
	func=${entry#*:}
	b=$OUT/base/$func.s
	p=$OUT/patched/$func.s
	insn='^[a-z]'
	lock='^lock '
	nop5='^nopl 0x0\(%rax,%rax,1\)$'
	printf '%-36s %6s/%-7s %5s/%-6s %5s/%-6s\n' "$func" \
		"$(count "$b" "$insn")" "$(count "$p" "$insn")" \
		"$(count "$b" "$lock")" "$(count "$p" "$lock")" \
		"$(count "$b" "$nop5")" "$(count "$p" "$nop5")"
	diff -u "$b" "$p" >"$OUT/$func.diff" || true
done
echo "hotpath: disassemblies and diffs in $OUT"
