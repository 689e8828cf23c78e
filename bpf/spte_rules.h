/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules of the removed-SPTE protocol as pure functions: how to read an
 * SPTE value, how a latency maps to a histogram slot, whether a flush covers
 * a zap, how an uncovered install is classified.  No state: the BPF
 * programs, the state machine (bpf/protocol.h) and the daemon's decoding and
 * sweeping (src/) all use these same definitions.
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
};

/* ---- SPTE values ------------------------------------------------------ */

PROTO_INLINE bool spte_is_present(const struct spte_config *c, __u64 spte)
{
	return (spte & c->present_mask) != 0;
}

/*
 * The removed ("frozen" from 6.11) value is 0x5a0 up to 6.9 and
 * SHADOW_NONPRESENT_VALUE | 0x5a0 from 6.10.  Unless the user gave the exact
 * value, accept either: the value was chosen so that no MMIO SPTE can take
 * it, so matching the low bits with any of the allowed extra bits is safe.
 */
PROTO_INLINE bool spte_is_removed(const struct spte_config *c, __u64 spte)
{
	if (c->removed_value)
		return spte == c->removed_value;
	return (spte & ~c->removed_extra) == c->removed_low;
}

PROTO_INLINE bool spte_is_leaf(const struct spte_config *c, __u64 spte,
			       __u32 level)
{
	return level == 1 || (spte & c->large_mask);
}

PROTO_INLINE __u64 spte_pfn(const struct spte_config *c, __u64 spte)
{
	return (spte & c->pfn_mask) >> 12;
}

#define PERM_READ	1	/* EPT R; NPT: always (present) */
#define PERM_WRITE	2
#define PERM_EXEC	4
#define PERM_USER	8	/* NPT U */

/* Guest-visible permissions of a present SPTE, in one encoding. */
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

PROTO_INLINE __u32 level_index(__u32 level)
{
	if (level < 1)
		return 0;
	if (level > SPTE_LEVELS)
		return SPTE_LEVELS - 1;
	return level - 1;
}

PROTO_INLINE __u64 level_pages(__u32 level)
{
	return 1ULL << (9 * level_index(level));
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
 * Was a zap made when @zap_seq flushes had begun covered by a flush that has
 * completed since?  A flush covers a zap if it began after it (its sequence
 * is larger) and flushed the whole VM or a range holding the SPTE's GFNs.
 */
PROTO_INLINE __u32 proto_coverage(const struct vm_state *vm, __u64 zap_seq,
				  __u64 gfn, __u32 level)
{
	__u64 end = gfn + level_pages(level);
	__u32 i;

	if (vm->full_done_seq > zap_seq)
		return COVERAGE_FLUSHED;
	for (i = 0; i < FLUSH_RING; i++) {
		const struct flush_range *r = &vm->ring[i];

		if (r->seq > zap_seq && r->start <= gfn && end <= r->end)
			return COVERAGE_FLUSHED;
	}
	if (vm->ranged_lost_seq > zap_seq)
		return COVERAGE_UNKNOWN;
	return COVERAGE_NONE;
}

/* The outcome of an install that no flush covered. */
PROTO_INLINE __u32 proto_classify(const struct spte_config *c, __u64 old_spte,
				  __u64 new_spte)
{
	if (spte_pfn(c, old_spte) != spte_pfn(c, new_spte))
		return OUT_VIOL_PFN;
	if (spte_perms(c, new_spte) & ~spte_perms(c, old_spte))
		return OUT_VIOL_PERM;
	return OUT_SAME_MAPPING;
}

PROTO_INLINE bool outcome_is_violation(__u32 out)
{
	return out == OUT_VIOL_PFN || out == OUT_VIOL_PERM ||
	       out == OUT_PRESENT_PFN;
}


enum sweep_action {
	SWEEP_KEEP,
	SWEEP_COVERED,		/* a completed flush covers it: drop, it is safe */
	SWEEP_EXPIRED,		/* older than the TTL: drop and say so */
};

/* What the daemon's sweeper does with a pending zap (src/sweep.c). */
PROTO_INLINE __u32 proto_sweep_action(const struct vm_state *vm,
				      const struct spte_key *key,
				      const struct pending_zap *p, __u64 now,
				      __u64 ttl)
{
	if (vm && proto_coverage(vm, p->flush_seq, key->gfn, key->level) ==
		  COVERAGE_FLUSHED)
		return SWEEP_COVERED;
	if (ttl && now > p->zap_ns && now - p->zap_ns > ttl)
		return SWEEP_EXPIRED;
	return SWEEP_KEEP;
}

#endif /* __SPTE_RULES_H */
