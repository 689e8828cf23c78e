/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The functions of an unpatched kernel that spte-trace hooks, declared once:
 * bpf/spte_trace.bpf.c expands this list into fentry/fexit and
 * kprobe/kretprobe programs, src/sources.c into the table it probes the
 * kernel with and selects programs from.  A new hook is one line here (and,
 * for a new shape, one program template in bpf/spte_trace.bpf.c).
 *
 * SPTE_HOOKS(H): H(name, symbol, class, shape, arg)
 *   name    the programs are fentry_<name>, fexit_<name>, kprobe_<name>,
 *           kretprobe_<name>; the hook id is HOOK_<name>
 *   symbol  the kernel function
 *   class   what the hook tells the monitor (enum hook_class)
 *   shape   how the function's arguments give the VM (enum hook_shape)
 *   arg     per class: flush = how the range is read; context = lock mode
 *           (HOOK_LOCK_*); deadline = enum deadline_reason
 */
#ifndef __SPTE_HOOKS_H
#define __SPTE_HOOKS_H

enum hook_class {
	HOOK_FLUSH,	/* a remote TLB flush: begin at entry, end at exit */
	HOOK_TEARDOWN,	/* zaps roots no vCPU can use: a teardown bracket */
	HOOK_CONTEXT,	/* a TDP MMU entry point: which VM, which lock mode */
	HOOK_DEADLINE,	/* a point by which owed flushes must be done */
	HOOK_DESTROY,	/* the VM is destroyed (at exit) */
	HOOK_CLASSES,
};

enum hook_shape {
	SHAPE_KVM,	/* f(struct kvm *kvm, ...) */
	SHAPE_KVM_RANGE,	/* f(struct kvm *kvm, u64 start_gfn, u64 pages) */
	SHAPE_KVM_SLOT,	/* f(struct kvm *kvm, const struct kvm_memory_slot *) */
	SHAPE_VCPU,	/* f(struct kvm_vcpu *vcpu, ...) */
	SHAPE_SPLIT,	/* f(kvm, slot, start, end, target_level, bool shared) */
	SHAPE_NOTIFIER,	/* f(struct mmu_notifier *mn, ...): kvm embeds mn */
	SHAPE_RWLOCK,	/* f(rwlock_t *lock): &kvm->mmu_lock of the task's VM */
};

/* Lock mode of a context hook. */
#define HOOK_LOCK_READ	1
#define HOOK_LOCK_WRITE	2
#define HOOK_LOCK_ARG	3	/* SHAPE_SPLIT: the shared argument says */

/*
 * Ranged flush entry points changed names over time: 6.1-6.5
 * kvm_flush_remote_tlbs_with_address(kvm, start_gfn, pages), 6.6+
 * kvm_flush_remote_tlbs_range(kvm, gfn, nr_pages) and
 * kvm_flush_remote_tlbs_memslot(kvm, slot).  Whichever exist are hooked.
 * The TDP MMU entry points are those of 6.1 and 6.12 (both lines' names
 * agree); kvm_tdp_mmu_set_spte_gfn() is gone from 6.9 on.
 */
#define SPTE_HOOKS(H)								\
	H(flush_all, kvm_flush_remote_tlbs, HOOK_FLUSH, SHAPE_KVM, 0)		\
	H(flush_with_address, kvm_flush_remote_tlbs_with_address, HOOK_FLUSH,	\
	  SHAPE_KVM_RANGE, 0)							\
	H(flush_range, kvm_flush_remote_tlbs_range, HOOK_FLUSH,		\
	  SHAPE_KVM_RANGE, 0)							\
	H(flush_memslot, kvm_flush_remote_tlbs_memslot, HOOK_FLUSH,		\
	  SHAPE_KVM_SLOT, 0)							\
	H(zap_invalidated_roots, kvm_tdp_mmu_zap_invalidated_roots,		\
	  HOOK_TEARDOWN, SHAPE_KVM, HOOK_LOCK_READ)				\
	H(zap_all, kvm_tdp_mmu_zap_all, HOOK_TEARDOWN, SHAPE_KVM,		\
	  HOOK_LOCK_WRITE)							\
	H(map, kvm_tdp_mmu_map, HOOK_CONTEXT, SHAPE_VCPU, HOOK_LOCK_READ)	\
	H(zap_leafs, kvm_tdp_mmu_zap_leafs, HOOK_CONTEXT, SHAPE_KVM,		\
	  HOOK_LOCK_WRITE)							\
	H(zap_sp, kvm_tdp_mmu_zap_sp, HOOK_CONTEXT, SHAPE_KVM, HOOK_LOCK_WRITE) \
	H(unmap_gfn_range, kvm_tdp_mmu_unmap_gfn_range, HOOK_CONTEXT,		\
	  SHAPE_KVM, HOOK_LOCK_WRITE)						\
	H(age_gfn_range, kvm_tdp_mmu_age_gfn_range, HOOK_CONTEXT, SHAPE_KVM,	\
	  HOOK_LOCK_WRITE)							\
	H(set_spte_gfn, kvm_tdp_mmu_set_spte_gfn, HOOK_CONTEXT, SHAPE_KVM,	\
	  HOOK_LOCK_WRITE)							\
	H(wrprot_slot, kvm_tdp_mmu_wrprot_slot, HOOK_CONTEXT, SHAPE_KVM,	\
	  HOOK_LOCK_READ)							\
	H(clear_dirty_slot, kvm_tdp_mmu_clear_dirty_slot, HOOK_CONTEXT,	\
	  SHAPE_KVM, HOOK_LOCK_READ)						\
	H(clear_dirty_pt_masked, kvm_tdp_mmu_clear_dirty_pt_masked,		\
	  HOOK_CONTEXT, SHAPE_KVM, HOOK_LOCK_WRITE)				\
	H(zap_collapsible, kvm_tdp_mmu_zap_collapsible_sptes, HOOK_CONTEXT,	\
	  SHAPE_KVM, HOOK_LOCK_READ)						\
	H(write_protect_gfn, kvm_tdp_mmu_write_protect_gfn, HOOK_CONTEXT,	\
	  SHAPE_KVM, HOOK_LOCK_WRITE)						\
	H(split_huge_pages, kvm_tdp_mmu_try_split_huge_pages, HOOK_CONTEXT,	\
	  SHAPE_SPLIT, HOOK_LOCK_ARG)						\
	H(notifier, kvm_mmu_notifier_invalidate_range_start, HOOK_DEADLINE,	\
	  SHAPE_NOTIFIER, DEADLINE_NOTIFIER)					\
	H(zap_gfn_range, kvm_zap_gfn_range, HOOK_DEADLINE, SHAPE_KVM,		\
	  DEADLINE_UNLOCK)							\
	H(yield_write, __cond_resched_rwlock_write, HOOK_DEADLINE,		\
	  SHAPE_RWLOCK, DEADLINE_YIELD)						\
	H(destroy, kvm_arch_destroy_vm, HOOK_DESTROY, SHAPE_KVM, 0)

enum hook_id {
#define HOOK_ID(name, sym, cls, shape, arg) HOOK_##name,
	SPTE_HOOKS(HOOK_ID)
#undef HOOK_ID
	HOOK_MAX,
};

#endif /* __SPTE_HOOKS_H */
