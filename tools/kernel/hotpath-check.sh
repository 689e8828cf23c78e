#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compare the machine code of the KVM hot paths the series touches, base
# versus patched, with the fault injection option off (as a kernel built
# without asking for it), and fail if tracing off costs anything but
# static branches: a lock-prefixed instruction or a call more on the path
# that runs with every static key off (tools/kernel/hotpath.py).
set -euo pipefail

# Functions that exist as symbols in the objects (the helpers the series
# touches are inlined into these), per kernel line.
FUNCS_6_1=(
	virt/kvm/kvm_main.o:kvm_flush_remote_tlbs
	virt/kvm/kvm_main.o:kvm_mmu_notifier_invalidate_range_start
	arch/x86/kvm/mmu/mmu.o:kvm_flush_remote_tlbs_with_address
	arch/x86/kvm/mmu/mmu.o:fast_page_fault
	arch/x86/kvm/mmu/mmu.o:direct_page_fault
	arch/x86/kvm/mmu/mmu.o:kvm_tdp_page_fault
	arch/x86/kvm/mmu/mmu.o:kvm_zap_gfn_range
	arch/x86/kvm/mmu/mmu.o:kvm_nx_lpage_recovery_worker
	arch/x86/kvm/mmu/tdp_mmu.o:__tdp_mmu_set_spte
	arch/x86/kvm/mmu/tdp_mmu.o:__handle_changed_spte
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_zap_leafs
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_map
	arch/x86/kvm/mmu/tdp_mmu.o:wrprot_gfn_range
	arch/x86/kvm/mmu/tdp_mmu.o:clear_dirty_gfn_range
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_clear_dirty_pt_masked
	arch/x86/kvm/mmu/tdp_mmu.o:zap_collapsible_spte_range
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_split_huge_pages_root
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_zap_all
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_zap_invalidated_roots
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_free_sp_rcu_callback
	arch/x86/kvm/x86.o:kvm_arch_commit_memory_region
)
FUNCS_6_12=(
	virt/kvm/kvm_main.o:kvm_flush_remote_tlbs
	virt/kvm/kvm_main.o:kvm_flush_remote_tlbs_range
	virt/kvm/kvm_main.o:kvm_flush_remote_tlbs_memslot
	virt/kvm/kvm_main.o:kvm_mmu_notifier_invalidate_range_start
	arch/x86/kvm/mmu/mmu.o:fast_page_fault
	arch/x86/kvm/mmu/mmu.o:kvm_tdp_page_fault
	arch/x86/kvm/mmu/mmu.o:kvm_zap_gfn_range
	arch/x86/kvm/mmu/mmu.o:kvm_nx_huge_page_recovery_worker
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_set_spte
	arch/x86/kvm/mmu/tdp_mmu.o:handle_changed_spte
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_zap_leafs
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_map
	arch/x86/kvm/mmu/tdp_mmu.o:wrprot_gfn_range
	arch/x86/kvm/mmu/tdp_mmu.o:clear_dirty_gfn_range
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_clear_dirty_pt_masked
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_age_gfn_range
	arch/x86/kvm/mmu/tdp_mmu.o:zap_collapsible_spte_range
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_split_huge_pages_root
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_zap_all
	arch/x86/kvm/mmu/tdp_mmu.o:kvm_tdp_mmu_zap_invalidated_roots
	arch/x86/kvm/mmu/tdp_mmu.o:tdp_mmu_free_sp_rcu_callback
	arch/x86/kvm/x86.o:kvm_arch_commit_memory_region
)

usage() {
	cat <<EOF
Usage: tools/kernel/hotpath-check.sh [--line 6.1|6.12] [-j N]

Builds arch/x86/kvm/ twice in \$SPTE_CACHE/kernel/build/<key>/hotpath
(config.fragment with CONFIG_KVM_TDP_MMU_FLUSH_FAULT_INJECTION off): at
the base and with the series of the line.  For each function of the
line's list (FUNCS_6_1, FUNCS_6_12 in this script), tools/kernel/hotpath.py
walks the code that runs with every static key off (jump-label NOPs are
not followed) and prints its instructions, lock-prefixed instructions and
calls at the base and with the series; it fails when the series adds a
lock-prefixed instruction or a call to that path.  Also lists the
functions that exist out of line in only one of the two builds.  The
disassemblies (addresses stripped) and their diffs stay in
\$SPTE_CACHE/kernel/logs/hotpath-<line>-<time>/ for reading.

  --line L      kernel line (default: \$KERNEL_LINE, else 6.1)
  -j, --jobs N  make parallelism (default: nproc = $(nproc))
  -h, --help    this text
Exit status: 0 no hot-path cost, 1 a cost or a failure, 2 bad usage.
EOF
}

KLOG_PREFIX=hotpath
# shellcheck source=tools/kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JOBS=$(nproc) LINE=
while [ $# -gt 0 ]; do
	if parse_jobs "$@"; then
		shift "$OPT_ARGS"
		continue
	fi
	case $1 in
	--line)
		[ $# -ge 2 ] || { echo "hotpath-check.sh: --line needs a value" >&2; exit 2; }
		LINE=$2
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

set_line "$LINE"
load_base
load_series
config_key
case $KERNEL_LINE in
6.1) FUNCS=("${FUNCS_6_1[@]}") ;;
6.12) FUNCS=("${FUNCS_6_12[@]}") ;;
*) die "no function list for kernel line $KERNEL_LINE" ;;
esac
take_lock
ensure_tree

OBJ=$BUILD_ROOT/hotpath
OUT=$KCACHE/logs/hotpath-$KERNEL_LINE-$(date +%Y%m%d-%H%M%S)
LOG=$OUT/build.log
mkdir -p "$OBJ" "$OUT"
OBJS=$(printf '%s\n' "${FUNCS[@]}" | cut -d: -f1 | sort -u)

# Builds the KVM objects of the tree as it is now with the fault injection
# option off, keeps a copy of the objects in $OUT/$1-obj and the list of
# functions they have out of line in $OUT/$1.functions.
build_objects() {
	local tag=$1 obj
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
	for obj in $OBJS; do
		mkdir -p "$OUT/$tag-obj/$(dirname "$obj")"
		cp "$OBJ/$obj" "$OUT/$tag-obj/$obj"
		nm --defined-only "$OBJ/$obj" | awk '$2 ~ /^[tT]$/ { print $3 }'
	done | sort -u >"$OUT/$tag.functions"
}

checkout_base
build_objects base
apply_series 2>>"$LOG"
build_objects patched

rc=0
python3 "$KLIB_DIR/hotpath.py" "$OUT/base-obj" "$OUT/patched-obj" "$OUT" "${FUNCS[@]}" \
	>"$OUT/summary.txt" || rc=$?
cat "$OUT/summary.txt"
echo "functions only in the base:" $(comm -23 "$OUT/base.functions" "$OUT/patched.functions")
echo "functions only with the series:" $(comm -13 "$OUT/base.functions" "$OUT/patched.functions")
echo "hotpath: $KERNEL_LINE: disassemblies and diffs in $OUT"
[ "$rc" -eq 0 ] && echo "hotpath: $KERNEL_LINE: OK, no lock-prefixed instruction and no call added to a hot path"
exit "$rc"
