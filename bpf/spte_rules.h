/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules of the removed-SPTE protocol as pure functions: how to read an
 * SPTE value, how keys are packed, how a latency maps to a histogram slot,
 * whether a flush covers a zap, how a stale translation is classified.  No
 * state: the BPF programs, the state machine (bpf/protocol.h) and the
 * daemon's decoding and sweeping (src/) all use these same definitions.
 */
#ifndef __SPTE_RULES_H
#define __SPTE_RULES_H

#include "spte_trace.h"

#ifndef __VMLINUX_H__
#include <stdbool.h>
#endif

#ifndef PROTO_INLINE
#define PROTO_INLINE static inline __attribute__((always_inline))
#endif

/*
 * A step of the state machine big enough to be its own BPF function: BPF
 * programs have 512 bytes of stack, and one function per step keeps each
 * frame small.  Userspace lets the compiler decide.
 */
#ifdef __bpf__
#define PROTO_STEP static __attribute__((noinline))
#else
#define PROTO_STEP static inline
#endif

/*
 * Hide a value from the compiler so that the bounds check after it stays in
 * the BPF code: clang proves some checks redundant and drops them, and the
 * verifier, which tracks registers rather than C values, then rejects the
 * access.  A no-op in userspace.
 */
#ifdef __bpf__
#define proto_opaque(v) asm volatile("" : "+r"(v))
#else
#define proto_opaque(v) ((void)0)
#endif

enum coverage {
	COVERAGE_NONE,		/* no completed flush began after the zap */
	COVERAGE_FLUSHED,	/* a completed flush covers the zap */
	COVERAGE_UNKNOWN,	/* the history that could cover it was lost */
	COVERAGE_PARTIAL,	/* later flushes covered parts of a batch only */
};

/* ---- SPTE values ------------------------------------------------------ */

PROTO_INLINE bool spte_is_present(const struct spte_config *c, __u64 spte)
{
	return (spte & c->present_mask) != 0;
}

/*
 * The removed value (REMOVED_SPTE, FROZEN_SPTE from 6.11) is 0x5a0 up to
 * 6.9 and SHADOW_NONPRESENT_VALUE | 0x5a0 from 6.10.  Unless the user gave
 * the exact value, accept either: the value was chosen so that no MMIO SPTE
 * can take it, so matching the low bits with any of the allowed extra bits
 * is safe.
 */
PROTO_INLINE bool spte_is_removed(const struct spte_config *c, __u64 spte)
{
	if (c->removed_value)
		return spte == c->removed_value;
	return (spte & ~c->removed_extra) == c->removed_low;
}

/* A present SPTE maps memory (a leaf) rather than a lower page table. */
PROTO_INLINE bool spte_is_leaf(const struct spte_config *c, __u64 spte,
			       __u32 level)
{
	return level == 1 || (spte & c->large_mask);
}

PROTO_INLINE __u64 spte_pfn(const struct spte_config *c, __u64 spte)
{
	return (spte & c->pfn_mask) >> 12;
}

/* Guest-visible permissions of a present SPTE, in one encoding (PERM_*). */
PROTO_INLINE __u32 spte_perms(const struct spte_config *c, __u64 spte)
{
	__u32 perms = 0;

	if (spte & c->write_mask)
		perms |= PERM_WRITE;
	if (c->flavor == MMU_EPT) {
		if (spte & 1)
			perms |= PERM_READ;
		if (spte & 4)
			perms |= PERM_EXEC;
	} else {
		perms |= PERM_READ;
		if (spte & 4)
			perms |= PERM_USER;
		if (!(spte >> 63))
			perms |= PERM_EXEC;
	}
	return perms;
}

/*
 * Dirty bit of a leaf: bit 9 with EPT A/D bits, bit 6 on NPT.  Clearing it
 * while the SPTE stays writable is how dirty logging write-protects with
 * PML (kvm_tdp_mmu_clear_dirty_pt_masked(), clear_dirty_gfn_range()): a
 * vCPU that keeps a TLB entry with D set writes without logging, exactly
 * as through a stale writable entry.
 */
PROTO_INLINE bool spte_dirty_cleared(const struct spte_config *c,
				     __u64 old_spte, __u64 new_spte)
{
	__u64 d = c->flavor == MMU_EPT ? 1ULL << 9 : 1ULL << 6;

	return (old_spte & d) && !(new_spte & d) &&
	       (new_spte & c->write_mask);
}

/*
 * EPT without A/D bits: aging marks an SPTE for access tracking by saving
 * and clearing its RWX bits (mark_spte_for_access_track()), and never
 * flushes for it (kvm_mmu_notifier_clear_young(): aging tolerates stale
 * entries).  Not a write-protection owed to dirty logging.
 */
PROTO_INLINE bool spte_access_tracked(const struct spte_config *c,
				      __u64 spte)
{
	return c->flavor == MMU_EPT && !(spte & 7);
}

PROTO_INLINE __u32 level_index(__u32 level)
{
	if (level < 1)
		return 0;
	if (level > SPTE_LEVELS)
		return SPTE_LEVELS - 1;
	return level - 1;
}

/* 4K pages an SPTE of @level maps: 1, 512, 262144, ... */
PROTO_INLINE __u64 level_pages(__u32 level)
{
	return 1ULL << (9 * level_index(level));
}

PROTO_INLINE __u64 gfn_align(__u64 gfn, __u32 level)
{
	return gfn & ~(level_pages(level) - 1);
}

/* ---- Keys ------------------------------------------------------------- */

PROTO_INLINE void spte_key_set(struct spte_key *key, __u64 vm, __u64 root,
			       __u32 as_id, __u64 gfn, __u32 level)
{
	key->gla = (gfn & SPTE_KEY_GFN_MASK) |
		   ((__u64)(level & 0xf) << SPTE_KEY_LEVEL_SHIFT) |
		   ((__u64)(as_id & 0xf) << SPTE_KEY_AS_SHIFT);
	key->vm = (__u32)vm;
	key->root = (__u32)(root >> 12);
}

PROTO_INLINE __u64 spte_key_gfn(const struct spte_key *key)
{
	return key->gla & SPTE_KEY_GFN_MASK;
}

PROTO_INLINE __u32 spte_key_level(const struct spte_key *key)
{
	return (key->gla >> SPTE_KEY_LEVEL_SHIFT) & 0xf;
}

PROTO_INLINE __u32 spte_key_as_id(const struct spte_key *key)
{
	return key->gla >> SPTE_KEY_AS_SHIFT;
}

/* The same SPTE at another gfn/level (same VM, root and address space). */
PROTO_INLINE void spte_key_move(struct spte_key *key, __u64 gfn, __u32 level)
{
	key->gla = (key->gla & ~((1ULL << SPTE_KEY_AS_SHIFT) - 1)) |
		   (gfn & SPTE_KEY_GFN_MASK) |
		   ((__u64)(level & 0xf) << SPTE_KEY_LEVEL_SHIFT);
}

/* ---- Histograms ------------------------------------------------------- */

PROTO_INLINE __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

/*
 * Slot 0 holds 0; slot s >= 1 holds [2^(s-1), 2^s - 1] ns; the last slot
 * also holds everything larger.  src/hist.c converts slots to Prometheus
 * buckets with le = 2^s - 1 ns, the largest value a slot can hold.
 */
PROTO_INLINE __u32 hist_slot(__u64 v)
{
	__u32 slot = v ? log2_u64(v) + 1 : 0;

	return slot < HIST_SLOTS ? slot : HIST_SLOTS - 1;
}

/* ---- Flush coverage ----------------------------------------------------- */

/*
 * Was everything zapped in gfns [lo, hi) when @seq flushes had begun
 * covered by one flush that has completed since?  A flush covers a zap if
 * it began after it (a larger sequence: its begin was seen after the zap)
 * and flushed the whole VM or a range holding every page the zap could
 * have left in a TLB.  A flush that began before the zap never covers it,
 * even if it ends after it: the vCPUs may have refilled their TLBs from the
 * SPTE in between.  (Hardware invalidates a huge-page TLB entry when any
 * address in it is flushed, so "holding every page" is conservative.)
 */
PROTO_INLINE __u32 proto_coverage(const struct vm_state *vm, __u64 seq,
				  __u64 lo, __u64 hi)
{
	__u32 i;

	if (vm->full_done_seq > seq)
		return COVERAGE_FLUSHED;
	for (i = 0; i < FLUSH_RING; i++) {
		const struct flush_range *r = &vm->ring[i];

		if (r->seq > seq && r->start <= lo && hi <= r->end)
			return COVERAGE_FLUSHED;
	}
	if (vm->lost_seq > seq)
		return COVERAGE_UNKNOWN;
	return COVERAGE_NONE;
}

/*
 * A batch (one task's zaps or write-protections between two deadlines) is
 * covered when one completed flush that began after its latest member
 * covers its whole range.  If not, but flushes that began after its first
 * member reached part of the range, several ranged flushes may still have
 * covered each member: that cannot be decided from a batch, so say so
 * rather than report.
 */
PROTO_INLINE __u32 proto_batch_coverage(const struct vm_state *vm,
					const struct batch *b)
{
	__u32 cov = proto_coverage(vm, b->last_seq, b->lo, b->hi);
	__u32 i;

	if (cov != COVERAGE_NONE)
		return cov;
	for (i = 0; i < FLUSH_RING; i++) {
		const struct flush_range *r = &vm->ring[i];

		if (r->seq > b->first_seq && r->start < b->hi && b->lo < r->end)
			return COVERAGE_PARTIAL;
	}
	return COVERAGE_NONE;
}

/* ---- Stale translations --------------------------------------------------- */

/*
 * An install of @new_spte at (@new_gfn, @new_level) while a zapped leaf
 * @old_spte at (@old_gfn, @old_level) that overlaps it may still be cached
 * by a vCPU.  The two map the same memory where they overlap iff pfn - gfn
 * is the same for both; the stale entry is harmful iff it maps other memory
 * or grants a permission the new SPTE does not (a write after
 * write-protection defeats dirty logging, KSM and copy-on-write).  A stale
 * entry that grants less only costs a spurious fault.  *perm_bits gets the
 * permissions only the stale entry grants.
 */
PROTO_INLINE __u32 proto_classify_stale(const struct spte_config *c,
					__u64 old_spte, __u64 old_gfn,
					__u64 new_spte, __u64 new_gfn,
					__u32 *perm_bits)
{
	__u32 old_perms = spte_perms(c, old_spte);
	__u32 new_perms = spte_perms(c, new_spte);

	*perm_bits = 0;
	if (spte_pfn(c, old_spte) - old_gfn != spte_pfn(c, new_spte) - new_gfn)
		return OUT_STALE_PFN;
	if (old_perms & ~new_perms) {
		*perm_bits = old_perms & ~new_perms;
		return OUT_STALE_PERM;
	}
	if (old_perms == new_perms)
		return OUT_STALE_SAME;
	return OUT_STALE_NARROWER;
}

/* Of two outcomes of one install, the one to report: the most severe. */
PROTO_INLINE __u32 outcome_rank(__u32 out)
{
	switch (out) {
	case OUT_STALE_PFN:
		return 10;
	case OUT_STALE_PERM:
		return 9;
	case OUT_UNDECIDABLE:
		return 8;
	case OUT_UNVERIFIED:
		return 7;
	case OUT_STALE_NARROWER:
		return 6;
	case OUT_STALE_SAME:
		return 5;
	case OUT_EXPIRED:
		return 4;
	case OUT_UNTRACKED:
		return 3;
	case OUT_NEW_ROOT:
		return 2;
	case OUT_COVERED:
		return 1;
	default:
		return 0;
	}
}

PROTO_INLINE __u32 outcome_worse(__u32 a, __u32 b)
{
	return outcome_rank(b) > outcome_rank(a) ? b : a;
}

PROTO_INLINE bool outcome_is_violation(__u32 out)
{
	return out == OUT_STALE_PFN || out == OUT_STALE_PERM;
}

/* The violation kind a deadline of @reason checks for. */
PROTO_INLINE __u32 deadline_kind(__u32 reason)
{
	switch (reason) {
	case DEADLINE_YIELD:
		return VK_YIELD;
	case DEADLINE_UNLOCK:
		return VK_UNLOCK;
	case DEADLINE_NOTIFIER:
		return VK_NOTIFIER;
	default:
		return VK_DIRTY_LOG;
	}
}

/* ---- Sweeping ---------------------------------------------------------------- */

enum sweep_action {
	SWEEP_KEEP,
	SWEEP_COVERED,		/* a completed flush covers it: drop, it is safe */
	SWEEP_EXPIRED,		/* older than the TTL: drop and say so */
	SWEEP_VM_GONE,		/* its VM was destroyed (no state): drop */
};

/* What the sweeper does with a pending zap or a region summary. */
PROTO_INLINE __u32 proto_sweep_action(const struct vm_state *vm,
				      const struct spte_key *key,
				      const struct pending_zap *p, __u64 now,
				      __u64 ttl)
{
	__u32 level = spte_key_level(key) & (SPTE_KEY_SUMMARY - 1);
	__u64 gfn = spte_key_gfn(key);

	/*
	 * VM ids are never reused and a VM's state is only deleted when it is
	 * destroyed (a full map refuses new VMs, it evicts none): no state
	 * means a destroyed VM.
	 */
	if (!vm)
		return SWEEP_VM_GONE;
	if (proto_coverage(vm, p->seq, gfn, gfn + level_pages(level)) ==
	    COVERAGE_FLUSHED)
		return SWEEP_COVERED;
	if (ttl && now > p->zap_ns && now - p->zap_ns > ttl)
		return SWEEP_EXPIRED;
	return SWEEP_KEEP;
}

#endif /* __SPTE_RULES_H */
