// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario table (tests/scenarios/scenario.h): every rule of
 * docs/protocol.md, both ways (broken and kept), every outcome class, the
 * identity cases (two VMs, several roots, a destroyed VM), cross-level
 * checks, the stock mode's evidence rules, and the re-created upstream
 * bugs a835429cda91 and 048f49809c52.
 */
#include "scenario.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SCENARIO(id, ...) \
	{ .name = #id, .events = id, .nevents = N(id), __VA_ARGS__ }

/* Installs used again and again: a 4K leaf at gfn 0x100 with pfn 0x500. */
#define INSTALL_100(perms) \
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, perms, 1))
#define ZAP_100(perms) SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, perms, 1), 0)

/* ---- Basics ---------------------------------------------------------------- */

/* Stock events: the lock mode the hooked entry point says the task holds. */
#define WRITE_LOCK SPTE_F_LOCK_KNOWN
#define READ_LOCK (SPTE_F_LOCK_KNOWN | SPTE_F_SHARED)

static const struct event first_install[] = {
	INSTALL_100(RW),
};

static const struct event zap_flush_reinstall[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, UNLOCK),
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x501, RW, 1)),
};

static const struct event atomic_zap_covered[] = {
	INSTALL_100(RW),
	FREEZE(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1)),
	FLUSH_RANGE(TID_ZAP, 1, 1, 0x100, 1),
	UNFREEZE(TID_ZAP, 1, 0x100, 1),
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x501, RW, 1)),
};

/*
 * present_lifetime is sampled by key (bpf/protocol.h, LIFETIME_SAMPLE):
 * the SPTE at 0x104 is a sample, the one at 0x100 is not.  Each SPTE is
 * installed, zapped, flushed and reinstalled twice; the reinstall of an
 * unsampled SPTE drops its history, so the second zap of 0x100 finds none.
 */
#define ZAP_CYCLE(gfn, pfn, seq)                                 \
	SET(TID_VCPU, 1, gfn, 1, 0, LEAF(pfn, RW, 1)),            \
	SET(TID_ZAP, 1, gfn, 1, LEAF(pfn, RW, 1), 0),             \
	FLUSH_ALL(TID_ZAP, 1, seq), DEADLINE(TID_ZAP, 1, UNLOCK)
static const struct event lifetime_sampled[] = {
	ZAP_CYCLE(0x104, 0x600, 1),
	ZAP_CYCLE(0x104, 0x601, 2),
	ZAP_CYCLE(0x100, 0x500, 3),
	ZAP_CYCLE(0x100, 0x501, 4),
};

/* ---- R2: unfreeze before the flush (08f07c800e9d) ---------------------------- */

static const struct event unfreeze_without_flush[] = {
	INSTALL_100(RW),
	FREEZE(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1)),
	UNFREEZE(TID_ZAP, 1, 0x100, 1),
	/* the consequence: another pfn installed; already reported */
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

static const struct event unfreeze_flush_begun_before[] = {
	INSTALL_100(RW),
	FLUSH_BEGIN(TID_OTHER, 1, 1, 0, FLUSH_ALL_PAGES),
	FREEZE(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1)),
	FLUSH_END(TID_OTHER, 1, 1, 0, FLUSH_ALL_PAGES),
	UNFREEZE(TID_ZAP, 1, 0x100, 1),
};

static const struct event unfreeze_range_too_small[] = {
	SET(TID_VCPU, 1, 0x200, 2, 0, LEAF(0x800, RW, 2)),
	FREEZE(TID_ZAP, 1, 0x200, 2, LEAF(0x800, RW, 2)),
	FLUSH_RANGE(TID_ZAP, 1, 1, 0x200, 1),
	UNFREEZE(TID_ZAP, 1, 0x200, 2),
};

/* ---- R1: stale translations at install ------------------------------------------- */

static const struct event stale_pfn[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/* ../shared/cases/verdicts/perm-narrowed-no-flush.txt */
static const struct event stale_perm_write[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	INSTALL_100(RO),
};

/* ../shared/cases/verdicts/perm-widened-no-flush.txt */
static const struct event stale_narrower[] = {
	INSTALL_100(RO),
	ZAP_100(RO),
	INSTALL_100(RW),
};

static const struct event stale_same[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	INSTALL_100(RW),
};

static const struct event stale_perm_exec[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	INSTALL_100(RWNX),
};

/* A 2M zap, then 4K installs inside it, before any flush. */
static const struct event cross_level_up[] = {
	SET(TID_VCPU, 1, 0x200, 2, 0, LEAF(0x800, RW, 2)),
	SET(TID_ZAP, 1, 0x200, 2, LEAF(0x800, RW, 2), 0),
	SET(TID_VCPU, 1, 0x203, 1, 0, LEAF(0x803, RW, 1)),
	SET(TID_VCPU, 1, 0x204, 1, 0, LEAF(0x999, RW, 1)),
};

/* 4K zaps, then a 2M install over them, before any flush. */
static const struct event cross_level_down_same[] = {
	SET(TID_VCPU, 1, 0x400, 1, 0, LEAF(0x900, RW, 1)),
	SET(TID_VCPU, 1, 0x401, 1, 0, LEAF(0x901, RW, 1)),
	SET(TID_VCPU, 1, 0x402, 1, 0, LEAF(0x902, RW, 1)),
	SET(TID_ZAP, 1, 0x400, 1, LEAF(0x900, RW, 1), 0),
	SET(TID_ZAP, 1, 0x401, 1, LEAF(0x901, RW, 1), 0),
	SET(TID_ZAP, 1, 0x402, 1, LEAF(0x902, RW, 1), 0),
	SET(TID_VCPU, 1, 0x400, 2, 0, LEAF(0x900, RW, 2)),
};

static const struct event cross_level_down_pfn[] = {
	SET(TID_VCPU, 1, 0x400, 1, 0, LEAF(0x900, RW, 1)),
	SET(TID_VCPU, 1, 0x401, 1, 0, LEAF(0x777, RW, 1)),
	SET(TID_ZAP, 1, 0x400, 1, LEAF(0x900, RW, 1), 0),
	SET(TID_ZAP, 1, 0x401, 1, LEAF(0x777, RW, 1), 0),
	SET(TID_VCPU, 1, 0x400, 2, 0, LEAF(0x900, RW, 2)),
};

static const struct event cross_level_down_covered[] = {
	SET(TID_VCPU, 1, 0x400, 1, 0, LEAF(0x900, RW, 1)),
	SET(TID_ZAP, 1, 0x400, 1, LEAF(0x900, RW, 1), 0),
	FLUSH_RANGE(TID_ZAP, 1, 1, 0x400, 512),
	SET(TID_VCPU, 1, 0x400, 2, 0, LEAF(0x700, RW, 2)),
};

/* A 1G install over an unflushed 2M zap. */
static const struct event cross_level_1g[] = {
	SET(TID_VCPU, 1, 0x40000, 2, 0, LEAF(0x80000, RW, 2)),
	SET(TID_ZAP, 1, 0x40000, 2, LEAF(0x80000, RW, 2), 0),
	SET(TID_VCPU, 1, 0x40000, 3, 0, LEAF(0x80000, RW, 3)),
};

/*
 * A page table zapped (children frozen) and a huge leaf installed in its
 * place: the table is compared with nothing, its children's leaves are.
 */
static const struct event table_then_huge_leaf[] = {
	SET(TID_VCPU, 1, 0x600, 2, 0, TABLE(0xabc)),
	SET(TID_VCPU, 1, 0x600, 1, 0, LEAF(0xa00, RW, 1)),
	SET(TID_VCPU, 1, 0x601, 1, 0, LEAF(0xa01, RW, 1)),
	SET(TID_ZAP, 1, 0x600, 2, TABLE(0xabc), 0),
	FREEZE(TID_ZAP, 1, 0x600, 1, LEAF(0xa00, RW, 1)),
	FREEZE(TID_ZAP, 1, 0x601, 1, LEAF(0xa01, RW, 1)),
	SET(TID_VCPU, 1, 0x600, 2, 0, LEAF(0xa00, RW, 2)),
};

/* ---- R3, R4: yield, unlock, notifier (a835429cda91, 35ef80eb29ab) ------------------ */

static const struct event yield_unflushed[] = {
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	SET(TID_VCPU, 1, 0x101, 1, 0, LEAF(0x501, RW, 1)),
	SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	SET(TID_ZAP, 1, 0x101, 1, LEAF(0x501, RW, 1), 0),
	DEADLINE(TID_ZAP, 1, YIELD),
};

static const struct event yield_after_flush[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, YIELD),
};

static const struct event unlock_range_covers[] = {
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	SET(TID_VCPU, 1, 0x101, 1, 0, LEAF(0x501, RW, 1)),
	SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	SET(TID_ZAP, 1, 0x101, 1, LEAF(0x501, RW, 1), 0),
	FLUSH_RANGE(TID_ZAP, 1, 1, 0x100, 2),
	DEADLINE(TID_ZAP, 1, UNLOCK),
};

/* Each zap flushed by its own ranged flush: cannot be told from a batch. */
static const struct event unlock_partly_covered[] = {
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	SET(TID_VCPU, 1, 0x300, 1, 0, LEAF(0x501, RW, 1)),
	SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	SET(TID_ZAP, 1, 0x300, 1, LEAF(0x501, RW, 1), 0),
	FLUSH_RANGE(TID_ZAP, 1, 1, 0x100, 1),
	FLUSH_RANGE(TID_ZAP, 1, 2, 0x300, 1),
	DEADLINE(TID_ZAP, 1, UNLOCK),
};

/* A batch settles at its next member once a flush covered it. */
static const struct event batch_settles[] = {
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	SET(TID_VCPU, 1, 0x300, 1, 0, LEAF(0x501, RW, 1)),
	SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	FLUSH_RANGE(TID_ZAP, 1, 1, 0x100, 1),
	SET(TID_ZAP, 1, 0x300, 1, LEAF(0x501, RW, 1), 0),
	FLUSH_RANGE(TID_ZAP, 1, 2, 0x300, 1),
	DEADLINE(TID_ZAP, 1, UNLOCK),
};

static const struct event unlock_flush_begun_before[] = {
	INSTALL_100(RW),
	FLUSH_BEGIN(TID_OTHER, 1, 1, 0, FLUSH_ALL_PAGES),
	ZAP_100(RW),
	FLUSH_END(TID_OTHER, 1, 1, 0, FLUSH_ALL_PAGES),
	DEADLINE(TID_ZAP, 1, UNLOCK),
};

static const struct event notifier_unflushed[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	DEADLINE(TID_ZAP, 1, NOTIFIER),
};

/* Zaps in an invalid root owe nothing (fcdffe97f80e). */
static const struct event invalid_root_exempt[] = {
	INSTALL_100(RW),
	SET_F(SPTE_F_ROOT_INVALID, TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	DEADLINE(TID_ZAP, 1, NOTIFIER),
	SET_IN(ROOT_B, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/* Another task's deadline does not settle this task's batch. */
static const struct event holders_apart[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	DEADLINE(TID_OTHER, 1, UNLOCK),
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, UNLOCK),
};

/* A flush end whose begin was not seen covers nothing. */
/* A flush end whose begin was missed (the monitor attached in between). */
static const struct event unpaired_end[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	FLUSH_END(TID_ZAP, 1, 7, 0, FLUSH_ALL_PAGES),
	DEADLINE(TID_ZAP, 1, UNLOCK),
};

/* ... and one that the kernel numbered before the zap: it covers nothing. */
static const struct event unpaired_end_older[] = {
	INSTALL_100(RW),
	FLUSH_ALL(TID_OTHER, 1, 5),
	ZAP_100(RW),
	FLUSH_END(TID_ZAP, 1, 4, 0, FLUSH_ALL_PAGES),
	DEADLINE(TID_ZAP, 1, UNLOCK),
};

/*
 * The inflight map is full (one entry, held by another VM's flush that has
 * not ended): the zapping task's flush cannot be tracked, and a flush that
 * happened must not become a violation.
 */
static const struct event inflight_full[] = {
	INSTALL_100(RW),
	FLUSH_BEGIN(TID_OTHER, 2, 1, 0, FLUSH_ALL_PAGES),
	ZAP_100(RW),
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, NOTIFIER),
};

static const struct event deadline_alone[] = {
	DEADLINE(TID_ZAP, 1, UNLOCK),
};

/* ---- R5: removed page tables freed before the flush ----------------------------------- */

#define TABLE_AT_600                                            \
	SET(TID_VCPU, 1, 0x600, 2, 0, TABLE(0xabc)),             \
		SET(TID_VCPU, 1, 0x600, 1, 0, LEAF(0xa00, RW, 1)), \
		SET(TID_ZAP, 1, 0x600, 2, TABLE(0xabc), 0),        \
		FREEZE(TID_ZAP, 1, 0x600, 1, LEAF(0xa00, RW, 1))

static const struct event pt_freed_unflushed[] = {
	TABLE_AT_600,
	FREE_PT(0xabc, 0x600, 1),
};

static const struct event pt_freed_after_flush[] = {
	TABLE_AT_600,
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, UNLOCK),
	FREE_PT(0xabc, 0x600, 1),
};

static const struct event pt_freed_teardown[] = {
	SET(TID_VCPU, 1, 0x600, 2, 0, TABLE(0xabc)),
	TEARDOWN_BEGIN(TID_ZAP, 1),
	SET(TID_ZAP, 1, 0x600, 2, TABLE(0xabc), 0),
	TEARDOWN_END(TID_ZAP, 1),
	FREE_PT(0xabc, 0x600, 1),
};

/*
 * Removed, not yet flushed, then the VM is destroyed and the table freed
 * (teardown, RCU callbacks after kvm_destroy_vm()): no vCPU is left to
 * walk it.
 */
static const struct event pt_freed_after_destroy[] = {
	TABLE_AT_600,
	DESTROY(1),
	FREE_PT(0xabc, 0x600, 1),
};

/* The same table freed while the VM lives: still a violation. */
static const struct event pt_freed_before_destroy[] = {
	TABLE_AT_600,
	FREE_PT(0xabc, 0x600, 1),
	DESTROY(1),
};

/* 6.12's fault path: a table replaced by a huge leaf, flushed after. */
static const struct event collapse_flushed[] = {
	SET(TID_VCPU, 1, 0x800, 2, 0, TABLE(0xccc)),
	SET(TID_VCPU, 1, 0x800, 1, 0, LEAF(0x900, RW, 1)),
	SET(TID_VCPU, 1, 0x800, 2, TABLE(0xccc), LEAF(0x900, RW, 2)),
	FREEZE(TID_VCPU, 1, 0x800, 1, LEAF(0x900, RW, 1)),
	FLUSH_RANGE(TID_VCPU, 1, 1, 0x800, 512),
	FREE_PT(0xccc, 0x800, 1),
};

static const struct event collapse_unflushed[] = {
	SET(TID_VCPU, 1, 0x800, 2, 0, TABLE(0xccc)),
	SET(TID_VCPU, 1, 0x800, 2, TABLE(0xccc), LEAF(0x900, RW, 2)),
	FREE_PT(0xccc, 0x800, 1),
};

static const struct event free_unknown[] = {
	FREE_PT(0xdef, 0x0, 1),
};

/*
 * 6.12's collapse (zap_collapsible_spte_range() -> tdp_mmu_zap_spte_atomic()
 * of a table): freeze, flush, unfreeze, and only then are the children
 * frozen (aca48556c592 handles the removed table last).  They were covered
 * by the parent's flush: no vCPU could reach them since the unlink.  The
 * re-fault then maps the region as a huge leaf without X (NX huge pages),
 * narrower than the executable children: nothing to report.
 */
static const struct event collapse_children_after_flush[] = {
	SET(TID_VCPU, 1, 0x800, 2, 0, TABLE(0xccc)),
	SET(TID_VCPU, 1, 0x800, 1, 0, LEAF(0x900, RW, 1)),
	SET(TID_VCPU, 1, 0x801, 1, 0, LEAF(0x901, RW, 1)),
	FREEZE(TID_ZAP, 1, 0x800, 2, TABLE(0xccc)),
	FLUSH_BEGIN(TID_ZAP, 1, 1, 0x800, 512),
	FLUSH_ALL(TID_ZAP, 1, 2),
	FLUSH_END(TID_ZAP, 1, 1, 0x800, 512),
	UNFREEZE(TID_ZAP, 1, 0x800, 2),
	FREEZE(TID_ZAP, 1, 0x800, 1, LEAF(0x900, RW, 1)),
	FREEZE(TID_ZAP, 1, 0x801, 1, LEAF(0x901, RW, 1)),
	FREE_PT(0xccc, 0x800, 1),
	SET(TID_VCPU, 1, 0x800, 2, 0, LEAF(0x900, RWNX, 2)),
};

/* The same, with the unlink never flushed: the children are not covered. */
static const struct event collapse_children_unflushed[] = {
	SET(TID_VCPU, 1, 0x800, 2, 0, TABLE(0xccc)),
	SET(TID_VCPU, 1, 0x800, 1, 0, LEAF(0x900, RW, 1)),
	FREEZE(TID_ZAP, 1, 0x800, 2, TABLE(0xccc)),
	UNFREEZE(TID_ZAP, 1, 0x800, 2),
	FREEZE(TID_ZAP, 1, 0x800, 1, LEAF(0x900, RW, 1)),
	SET(TID_VCPU, 1, 0x800, 2, 0, LEAF(0xa00, RW, 2)),
};

/*
 * One level up (a 1G-level table): the 2M tables below it are removed
 * after the parent's flush and freed after the grace period.
 */
static const struct event collapse_1g_subtables[] = {
	SET(TID_VCPU, 1, 0x40000, 3, 0, TABLE(0xaaa)),
	SET(TID_VCPU, 1, 0x40000, 2, 0, TABLE(0xbbb)),
	SET(TID_VCPU, 1, 0x40000, 1, 0, LEAF(0x80000, RW, 1)),
	FREEZE(TID_ZAP, 1, 0x40000, 3, TABLE(0xaaa)),
	FLUSH_BEGIN(TID_ZAP, 1, 1, 0x40000, 0x40000),
	FLUSH_ALL(TID_ZAP, 1, 2),
	FLUSH_END(TID_ZAP, 1, 1, 0x40000, 0x40000),
	UNFREEZE(TID_ZAP, 1, 0x40000, 3),
	FREEZE(TID_ZAP, 1, 0x40000, 2, TABLE(0xbbb)),
	FREEZE(TID_ZAP, 1, 0x40000, 1, LEAF(0x80000, RW, 1)),
	FREE_PT(0xbbb, 0x40000, 1),
	FREE_PT(0xaaa, 0x40000, 2),
};

/*
 * The same task zaps in the range of a table it unlinked earlier, after
 * other writes: not a child, its own sequence.
 */
static const struct event removal_context_ends[] = {
	SET(TID_VCPU, 1, 0x800, 2, 0, TABLE(0xccc)),
	FREEZE(TID_ZAP, 1, 0x800, 2, TABLE(0xccc)),
	FLUSH_ALL(TID_ZAP, 1, 1),
	UNFREEZE(TID_ZAP, 1, 0x800, 2),
	SET(TID_ZAP, 1, 0x1000, 1, 0, LEAF(0x700, RW, 1)),	/* ends it */
	SET(TID_VCPU, 1, 0x800, 2, 0, TABLE(0xddd)),
	SET(TID_VCPU, 1, 0x800, 1, 0, LEAF(0x900, RW, 1)),
	FREEZE(TID_ZAP, 1, 0x800, 1, LEAF(0x900, RW, 1)),
	UNFREEZE(TID_ZAP, 1, 0x800, 1),
};

/*
 * Stock 6.12: the collapse's parent is reported after its flush (late),
 * its children after it: late too.
 */
static const struct event stock_collapse_late[] = {
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x800, 1, 0, LEAF(0x900, RW, 1)),
	HOOK_FLUSH_ALL(TID_ZAP, 1, 10),
	CHANGED(READ_LOCK, 11, TID_ZAP, 1, 0x800, 2, TABLE(0xccc), S_NX),
	CHANGED(READ_LOCK, 11, TID_ZAP, 1, 0x800, 1, LEAF(0x900, RW, 1),
		S_NX | S_REMOVED),
	CHANGED(READ_LOCK, 11, TID_VCPU, 1, 0x800, 2, S_NX, LEAF(0x900, RWNX, 2)),
};

/*
 * NX huge page recovery with its flush skipped (048f49809c52 re-created):
 * the worker zaps a split table under the write lock (6.12 clears its
 * entries, 6.1 freezes them), yields without flushing, and a vCPU maps the
 * region again as a non-executable huge page.  One violation, R3 at the
 * yield; the install over the entries is counted, not reported again.
 */
#define NX_SPLIT_TABLE                                                  \
	SET(TID_VCPU, 1, 0xa00, 2, 0, TABLE(0xeee)),                    \
		SET(TID_VCPU, 1, 0xa00, 1, 0, LEAF(0xc00, RW, 1)),      \
		SET(TID_VCPU, 1, 0xa01, 1, 0, LEAF(0xc01, RW, 1)),      \
		SET(TID_ZAP, 1, 0xa00, 2, TABLE(0xeee), 0)

static const struct event nx_recovery_unflushed_612[] = {
	NX_SPLIT_TABLE,
	SET(TID_ZAP, 1, 0xa00, 1, LEAF(0xc00, RW, 1), 0),
	SET(TID_ZAP, 1, 0xa01, 1, LEAF(0xc01, RW, 1), 0),
	DEADLINE(TID_ZAP, 1, YIELD),
	SET(TID_VCPU, 1, 0xa00, 2, 0, LEAF(0xc00, RWNX, 2)),
};

static const struct event nx_recovery_unflushed_61[] = {
	NX_SPLIT_TABLE,
	FREEZE(TID_ZAP, 1, 0xa00, 1, LEAF(0xc00, RW, 1)),
	FREEZE(TID_ZAP, 1, 0xa01, 1, LEAF(0xc01, RW, 1)),
	DEADLINE(TID_ZAP, 1, UNLOCK),
	SET(TID_VCPU, 1, 0xa00, 2, 0, LEAF(0xc00, RWNX, 2)),
};

/* ... and flushed: nothing. */
static const struct event nx_recovery_flushed[] = {
	NX_SPLIT_TABLE,
	FREEZE(TID_ZAP, 1, 0xa00, 1, LEAF(0xc00, RW, 1)),
	FREEZE(TID_ZAP, 1, 0xa01, 1, LEAF(0xc01, RW, 1)),
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, UNLOCK),
	FREE_PT(0xeee, 0xa00, 1),
	SET(TID_VCPU, 1, 0xa00, 2, 0, LEAF(0xc00, RWNX, 2)),
};

/* ---- R6: write-protection and the dirty log --------------------------------------- */

/*
 * PML (Intel): dirty logging clears the D bit of writable 4K SPTEs instead
 * of write-protecting them; a skipped flush loses dirty pages the same way.
 * EPT format: R|W|X = 7, D = bit 9, MMU-present = bit 11.
 */
#define EPT_LEAF(pfn) (((__u64)(pfn) << 12) | 0x800 | 0x7)
static const struct event dirty_bit_unflushed[] = {
	SET(TID_VCPU, 1, 0x100, 1, 0, EPT_LEAF(0x500) | 0x200),
	SET(TID_ZAP, 1, 0x100, 1, EPT_LEAF(0x500) | 0x200, EPT_LEAF(0x500)),
	DEADLINE(TID_ZAP, 1, DIRTY_LOG),
};

static const struct event dirty_bit_flushed[] = {
	SET(TID_VCPU, 1, 0x100, 1, 0, EPT_LEAF(0x500) | 0x200),
	SET(TID_ZAP, 1, 0x100, 1, EPT_LEAF(0x500) | 0x200, EPT_LEAF(0x500)),
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, DIRTY_LOG),
};

/*
 * EPT without A/D bits: aging marks the SPTE for access tracking (RWX
 * cleared, saved in high bits) and never flushes; the task later reports
 * dirty state with nothing it write-protected: nothing owed.
 */
static const struct event access_tracking_not_owed[] = {
	SET(TID_VCPU, 1, 0x100, 1, 0, EPT_LEAF(0x500)),
	SET(TID_ZAP, 1, 0x100, 1, EPT_LEAF(0x500),
	    ((__u64)0x500 << 12) | 0x800 | (7ULL << 54)),
	DEADLINE(TID_ZAP, 1, DIRTY_LOG),
};

static const struct event dirty_log_unflushed[] = {
	INSTALL_100(RW),
	SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), LEAF(0x500, RO, 1)),
	DEADLINE(TID_ZAP, 1, DIRTY_LOG),
};

static const struct event dirty_log_flushed[] = {
	INSTALL_100(RW),
	SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), LEAF(0x500, RO, 1)),
	FLUSH_RANGE(TID_ZAP, 1, 1, 0x0, 0x10000),
	DEADLINE(TID_ZAP, 1, DIRTY_LOG),
};

/* ---- R7 -------------------------------------------------------------------------------- */

static const struct event present_pfn_change[] = {
	INSTALL_100(RW),
	SET(TID_VCPU, 1, 0x100, 1, LEAF(0x500, RW, 1), LEAF(0x501, RW, 1)),
};

/* ---- Identity --------------------------------------------------------------------------- */

static const struct event roots_never_mix[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	SET_IN(ROOT_B, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

static const struct event vms_never_mix[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	SET(TID_VCPU, 2, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/* A destroyed VM is forgotten; the next VM starts with no history. */
static const struct event vm_destroyed[] = {
	SET(TID_VCPU, 5, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	FLUSH_ALL(TID_ZAP, 5, 41),
	SET(TID_ZAP, 5, 0x100, 1, LEAF(0x500, RW, 1), 0),
	DESTROY(5),
	SWEEP(1000, 0),
	SET(TID_VCPU, 6, 0x100, 1, 0, LEAF(0x600, RW, 1)),
	SET(TID_ZAP, 6, 0x100, 1, LEAF(0x600, RW, 1), 0),
	FLUSH_ALL(TID_ZAP, 6, 1),
	DEADLINE(TID_ZAP, 6, UNLOCK),
	SET(TID_VCPU, 6, 0x100, 1, 0, LEAF(0x700, RW, 1)),
};

/*
 * VM churn with room for one VM: the first one's teardown after its
 * destruction does not bring it back, so the second one has its slot.
 */
static const struct event vm_churn_one_slot[] = {
	SET(TID_VCPU, 7, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	SET(TID_ZAP, 7, 0x100, 1, LEAF(0x500, RW, 1), 0),
	FLUSH_ALL(TID_ZAP, 7, 1),
	DESTROY(7),
	TEARDOWN_BEGIN(TID_ZAP, 7),
	SET(TID_ZAP, 7, 0x200, 2, TABLE(0xabc), 0),
	TEARDOWN_END(TID_ZAP, 7),
	FLUSH_ALL(TID_ZAP, 7, 2),
	SET(TID_VCPU, 8, 0x100, 1, 0, LEAF(0x600, RW, 1)),
	SET(TID_ZAP, 8, 0x100, 1, LEAF(0x600, RW, 1), 0),
	DEADLINE(TID_ZAP, 8, NOTIFIER),
};

static const struct event teardown_new_root[] = {
	INSTALL_100(RW),
	TEARDOWN_BEGIN(TID_ZAP, 1),
	ZAP_100(RW),
	TEARDOWN_END(TID_ZAP, 1),
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/* ---- What cannot be decided ----------------------------------------------------------------- */

static const struct event no_flush_source[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	DEADLINE(TID_ZAP, 1, YIELD),
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

static const struct event ring_overflow[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	FLUSH_RANGE(TID_OTHER, 1, 1, 0x1000, 1),
	FLUSH_RANGE(TID_OTHER, 1, 2, 0x1001, 1),
	FLUSH_RANGE(TID_OTHER, 1, 3, 0x1002, 1),
	FLUSH_RANGE(TID_OTHER, 1, 4, 0x1003, 1),
	FLUSH_RANGE(TID_OTHER, 1, 5, 0x1004, 1),
	FLUSH_RANGE(TID_OTHER, 1, 6, 0x1005, 1),
	FLUSH_RANGE(TID_OTHER, 1, 7, 0x1006, 1),
	FLUSH_RANGE(TID_OTHER, 1, 8, 0x1007, 1),
	FLUSH_RANGE(TID_OTHER, 1, 9, 0x1008, 1),
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/*
 * A stock kernel keeps a pending entry per zap (the patched kernel checks
 * zaps made under mmu_lock held for write at their deadline instead).
 * Four entries: a leaf and its two region summaries, one more leaf.
 */
#define ZAP_W(reqs, tid, gfn, pfn) \
	CHANGED(SPTE_F_LOCK_KNOWN, reqs, tid, 1, gfn, 1, LEAF(pfn, RW, 1), 0)
#define INSTALL_R(reqs, tid, gfn, pfn)                                  \
	CHANGED(SPTE_F_LOCK_KNOWN | SPTE_F_SHARED, reqs, tid, 1, gfn, 1, 0, \
		LEAF(pfn, RW, 1))
static const struct event pending_full[] = {
	INSTALL_R(10, TID_VCPU, 0x100, 0x500),
	INSTALL_R(10, TID_VCPU, 0x101, 0x501),
	INSTALL_R(10, TID_VCPU, 0x102, 0x502),
	ZAP_W(10, TID_ZAP, 0x100, 0x500),
	ZAP_W(10, TID_ZAP, 0x101, 0x501),
	ZAP_W(10, TID_ZAP, 0x102, 0x502),
	INSTALL_R(10, TID_VCPU, 0x102, 0x600),
};

static const struct event expired[] = {
	INSTALL_R(10, TID_VCPU, 0x100, 0x500),
	ZAP_W(10, TID_ZAP, 0x100, 0x500),
	SWEEP(10000000000ULL, 1000000000ULL),
	INSTALL_R(10, TID_VCPU, 0x100, 0x600),
};

/* The patched kernel: a batched zap outlives no deadline it missed. */
static const struct event batched_zap_no_deadline[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	SWEEP(10000000000ULL, 1000000000ULL),
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/*
 * 6.1's change_pte handler, set_spte_gfn(): the zapping task installs the
 * new pfn in the same write-locked section, then flushes before unlocking.
 */
static const struct event change_pte_same_task[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	SET(TID_ZAP, 1, 0x100, 1, 0, LEAF(0x600, RO, 1)),
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, NOTIFIER),
};

/*
 * The zapping task reinstalls the same memory read-only before its flush
 * (../shared/cases/verdicts/perm-narrowed-no-flush.txt): not the
 * change_pte pattern, a stale writable entry: reported.
 */
static const struct event perm_narrowed_same_task[] = {
	FLUSH_ALL(TID_ZAP, 1, 1),
	SET(TID_ZAP, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	SET(TID_ZAP, 1, 0x100, 1, 0, LEAF(0x500, RO, 1)),
	FLUSH_ALL(TID_ZAP, 1, 2),
};

/* ... and without the flush: R4 reports it at the notifier's return. */
static const struct event change_pte_unflushed[] = {
	INSTALL_100(RW),
	ZAP_100(RW),
	SET(TID_ZAP, 1, 0x100, 1, 0, LEAF(0x600, RO, 1)),
	DEADLINE(TID_ZAP, 1, NOTIFIER),
};

/* ---- Stock kernels: evidence ---------------------------------------------------------------- */


/* No flush was even requested (the counter did not move): a violation. */
static const struct event stock_no_flush_at_all[] = {
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	CHANGED(WRITE_LOCK, 10, TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/* The counter moved: a flush the hooks missed may have covered it. */
static const struct event stock_counter_moved[] = {
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	CHANGED(WRITE_LOCK, 10, TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	CHANGED(READ_LOCK, 11, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

static const struct event stock_guessed_vm[] = {
	CHANGED(SPTE_F_VM_GUESSED, 0, TID_VCPU, 0x80000001, 0x100, 1, 0,
		LEAF(0x500, RW, 1)),
	CHANGED(SPTE_F_VM_GUESSED, 0, TID_ZAP, 0x80000001, 0x100, 1,
		LEAF(0x500, RW, 1), 0),
	CHANGED(SPTE_F_VM_GUESSED, 0, TID_VCPU, 0x80000001, 0x100, 1, 0,
		LEAF(0x600, RW, 1)),
};

/* aca48556c592: on 6.10+ an atomic zap is reported after its flush. */
static const struct event stock_late_atomic_zap[] = {
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	HOOK_FLUSH_ALL(TID_ZAP, 1, 10),
	CHANGED(READ_LOCK, 11, TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1),
		S_NX),
	CHANGED(READ_LOCK, 11, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

static const struct event stock_notifier_unflushed[] = {
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	CHANGED(WRITE_LOCK, 10, TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	DEADLINE_REQS(TID_ZAP, 1, NOTIFIER, 10),
};

static const struct event stock_notifier_counter_moved[] = {
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	CHANGED(WRITE_LOCK, 10, TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	DEADLINE_REQS(TID_ZAP, 1, NOTIFIER, 11),
};

static const struct event stock_hook_covers[] = {
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	CHANGED(WRITE_LOCK, 10, TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	HOOK_FLUSH_ALL(TID_ZAP, 1, 10),
	DEADLINE_REQS(TID_ZAP, 1, NOTIFIER, 11),
	CHANGED(READ_LOCK, 11, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/* After kvm_mmu_zap_all_fast() the stock event cannot name the root. */
static const struct event stock_roots_invalid[] = {
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	ROOTS_INVALID(1),
	CHANGED(WRITE_LOCK, 10, TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	DEADLINE_REQS(TID_ZAP, 1, NOTIFIER, 10),
	CHANGED(READ_LOCK, 10, TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/* ---- Re-created upstream bugs, as the patched kernel shows them ---------------------------- */

/*
 * 048f49809c52: NX huge page recovery zaps a split page table and does
 * not flush.  Caught at the unlock and at the table's free; the huge page
 * a vCPU then installs maps the same memory with more rights (exec), which
 * is benign by itself.
 */
#define TID_NX 400
static const struct event nx_recovery_no_flush[] = {
	SET(TID_VCPU, 1, 0x2400, 2, 0, TABLE(0xbbb)),
	SET(TID_VCPU, 1, 0x2400, 1, 0, LEAF(0x21be00, RWNX, 1)),
	SET(TID_VCPU, 1, 0x2401, 1, 0, LEAF(0x21be01, RWNX, 1)),
	SET(TID_NX, 1, 0x2400, 2, TABLE(0xbbb), 0),
	FREEZE(TID_NX, 1, 0x2400, 1, LEAF(0x21be00, RWNX, 1)),
	FREEZE(TID_NX, 1, 0x2401, 1, LEAF(0x21be01, RWNX, 1)),
	DEADLINE(TID_NX, 1, UNLOCK),
	FREE_PT(0xbbb, 0x2400, 1),
	SET(TID_VCPU, 1, 0x2400, 2, 0, LEAF(0x21be00, RW, 2)),
};

/*
 * a835429cda91: a range zap over two roots yields in the second with the
 * first root's zaps unflushed.  Caught at the yield; everything is
 * flushed before the unlock, so nothing more is reported.
 */
static const struct event range_zap_yield_no_flush[] = {
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	SET_IN(ROOT_B, TID_VCPU, 1, 0x200, 1, 0, LEAF(0x501, RW, 1)),
	SET(TID_ZAP, 1, 0x100, 1, LEAF(0x500, RW, 1), 0),
	SET_IN(ROOT_B, TID_ZAP, 1, 0x200, 1, LEAF(0x501, RW, 1), 0),
	DEADLINE(TID_ZAP, 1, YIELD),
	FLUSH_ALL(TID_ZAP, 1, 1),
	DEADLINE(TID_ZAP, 1, UNLOCK),
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x600, RW, 1)),
};

/* ---- Transitions that decide nothing -------------------------------------------------------- */

static const struct event other_transitions[] = {
	SET(TID_ZAP, 1, 0x100, 1, 0, S_REMOVED),		/* freeze_empty */
	SET(TID_ZAP, 1, 0x101, 1, 0x6, 0x16),			/* MMIO */
	SET(TID_ZAP, 1, 0x102, 1, 0x6, 0x6),			/* same value */
	SET(TID_VCPU, 1, 0x200, 2, 0, LEAF(0x800, RW, 2)),
	SET(TID_VCPU, 1, 0x200, 2, LEAF(0x800, RW, 2), TABLE(0x123)), /* split */
	SET(TID_VCPU, 1, 0x100, 1, 0, LEAF(0x500, RW, 1)),
	SET(TID_VCPU, 1, 0x100, 1, LEAF(0x500, RW, 1),
	    LEAF(0x500, RW, 1) | 0x20),				/* accessed */
	SET(TID_VCPU, 1, 0x100, 1, LEAF(0x500, RW, 1) | 0x20,
	    LEAF(0x500, RO, 1) | 0x20),				/* protect */
	SET(TID_VCPU, 1, 0x100, 1, LEAF(0x500, RO, 1) | 0x20,
	    LEAF(0x500, RW, 1) | 0x20),				/* widen */
};

const struct scenario scenarios[] = {
	SCENARIO(first_install, .why = "an install with no zap before it",
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(zap_flush_reinstall,
		 .why = "a direct zap flushed before unlock: reinstall covered",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_COVERED, 1, 1 } },
		 .counters = { { CNT_DEADLINES_UNLOCK, 0, 1 } }),
	SCENARIO(atomic_zap_covered,
		 .why = "freeze, ranged flush, unfreeze: R2 kept",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_COVERED, 1, 1 } }),
	SCENARIO(lifetime_sampled,
		 .why = "lifetimes kept for 1 SPTE in 16, by key, in both engines",
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_COVERED, 1, 2 } },
		 .counters = { { CNT_DEADLINES_UNLOCK, 0, 4 } }),
	SCENARIO(unfreeze_without_flush,
		 .why = "R2: unfrozen with no flush (08f07c800e9d)",
		 .violations = { { VK_UNFREEZE, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PFN, 1, 1 } }),
	SCENARIO(unfreeze_flush_begun_before,
		 .why = "R2: a flush that began before the freeze covers nothing",
		 .violations = { { VK_UNFREEZE, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(unfreeze_range_too_small,
		 .why = "R2: a 2M SPTE needs all its 512 pages flushed",
		 .violations = { { VK_UNFREEZE, 2, 1 } },
		 .outcomes = { { OUT_FIRST, 2, 1 } }),
	SCENARIO(stale_pfn, .why = "R1: another pfn installed before the flush",
		 .violations = { { VK_STALE_PFN, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PFN, 1, 1 } }),
	SCENARIO(stale_perm_write,
		 .why = "R1: writable zapped, read-only installed: stale W (case perm-narrowed-no-flush)",
		 .violations = { { VK_STALE_PERM, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PERM, 1, 1 } }),
	SCENARIO(stale_narrower,
		 .why = "R1: read-only zapped, writable installed: benign (case perm-widened-no-flush)",
		 .outcomes = { { OUT_FIRST, 1, 1 },
			       { OUT_STALE_NARROWER, 1, 1 } }),
	SCENARIO(stale_same, .why = "R1: the same translation again: benign",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_SAME, 1, 1 } }),
	SCENARIO(stale_perm_exec,
		 .why = "R1: executable zapped, NX installed: stale X",
		 .violations = { { VK_STALE_PERM, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PERM, 1, 1 } }),
	SCENARIO(cross_level_up,
		 .why = "R1 across levels: 4K installs under an unflushed 2M zap",
		 .violations = { { VK_STALE_PFN, 2, 1 } },
		 .outcomes = { { OUT_FIRST, 2, 1 },
			       { OUT_STALE_SAME, 1, 1 },
			       { OUT_STALE_PFN, 1, 1 } }),
	SCENARIO(cross_level_down_same,
		 .why = "R1 across levels: a 2M install over unflushed 4K zaps of the same memory",
		 .outcomes = { { OUT_FIRST, 1, 3 }, { OUT_STALE_SAME, 2, 1 } }),
	SCENARIO(cross_level_down_pfn,
		 .why = "R1 across levels: a 2M install over an unflushed 4K zap of other memory",
		 .violations = { { VK_STALE_PFN, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_STALE_PFN, 2, 1 } }),
	SCENARIO(cross_level_down_covered,
		 .why = "R1 across levels: a flush of the 2M region covers the 4K zaps",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_COVERED, 2, 1 } }),
	SCENARIO(cross_level_1g,
		 .why = "R1 across levels: a 1G install over an unflushed 2M zap",
		 .outcomes = { { OUT_FIRST, 2, 1 }, { OUT_STALE_SAME, 3, 1 } }),
	SCENARIO(table_then_huge_leaf,
		 .why = "a table's pfn is never compared with a leaf's",
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_STALE_SAME, 2, 1 } }),
	SCENARIO(yield_unflushed,
		 .why = "R3: yielded with two zaps unflushed (a835429cda91)",
		 .violations = { { VK_YIELD, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 2 } }),
	SCENARIO(yield_after_flush, .why = "R3 kept: flushed, then yielded",
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(unlock_range_covers,
		 .why = "R3 kept: one ranged flush covers the batch",
		 .outcomes = { { OUT_FIRST, 1, 2 } }),
	SCENARIO(unlock_partly_covered,
		 .why = "R3: ranged flushes cover members one by one: undecided, not reported",
		 .outcomes = { { OUT_FIRST, 1, 2 } },
		 .counters = { { CNT_DEADLINE_UNDECIDED, 0, 1 } }),
	SCENARIO(batch_settles,
		 .why = "R3 kept: each zap flushed before the next",
		 .outcomes = { { OUT_FIRST, 1, 2 } },
		 .counters = { { CNT_DEADLINE_UNDECIDED, 0, 0 } }),
	SCENARIO(unlock_flush_begun_before,
		 .why = "R3: a flush that began before the zap covers nothing",
		 .violations = { { VK_UNLOCK, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(notifier_unflushed,
		 .why = "R4: invalidate_range_start returned unflushed",
		 .violations = { { VK_NOTIFIER, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(invalid_root_exempt,
		 .why = "zaps in an invalid root owe nothing (fcdffe97f80e)",
		 .outcomes = { { OUT_FIRST, 1, 2 } }),
	SCENARIO(holders_apart,
		 .why = "one task's deadline never settles another's zaps",
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(unpaired_end,
		 .why = "a flush end without its begin, numbered after the zap: undecided, never a violation",
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_FLUSH_UNPAIRED, 0, 1 },
			       { CNT_DEADLINE_UNDECIDED, 0, 1 } }),
	SCENARIO(unpaired_end_older,
		 .why = "a flush end without its begin, numbered before the zap, covers nothing",
		 .violations = { { VK_UNLOCK, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_FLUSH_UNPAIRED, 0, 1 } }),
	SCENARIO(inflight_full, .max_inflight = 1,
		 .why = "a flush the inflight map could not track leaves its zaps undecided, not uncovered",
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_INFLIGHT_FULL, 0, 1 },
			       { CNT_DEADLINE_UNDECIDED, 0, 1 } }),
	SCENARIO(collapse_children_after_flush,
		 .why = "6.12 collapse: children frozen after the parent's flush are covered by it",
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_COVERED, 2, 1 } },
		 .counters = { { CNT_FREE_PT, 0, 1 } }),
	SCENARIO(collapse_children_unflushed,
		 .why = "6.12 collapse never flushed: R2 at the unfreeze, R1 at the re-fault",
		 .violations = { { VK_UNFREEZE, 2, 1 }, { VK_STALE_PFN, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PFN, 2, 1 } }),
	SCENARIO(collapse_1g_subtables,
		 .why = "6.12 collapse of a 1G-level table: subtables removed after the flush are covered",
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_FREE_PT, 0, 2 },
			       { CNT_DEADLINE_UNDECIDED, 0, 0 } }),
	SCENARIO(removal_context_ends,
		 .why = "a later zap by the same task in an unlinked range takes its own sequence",
		 .violations = { { VK_UNFREEZE, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 2 } }),
	SCENARIO(stock_collapse_late, .partial = true,
		 .why = "stock 6.12 collapse: children reported after the late parent are late too",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_UNVERIFIED, 2, 1 } }),
	SCENARIO(nx_recovery_unflushed_612,
		 .why = "048f49809c52 re-created (6.12): one R3 violation, the re-fault only counted",
		 .violations = { { VK_YIELD, 2, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_STALE_PERM, 2, 1 } }),
	SCENARIO(nx_recovery_unflushed_61,
		 .why = "048f49809c52 re-created (6.1, frozen entries): one R3 violation",
		 .violations = { { VK_UNLOCK, 2, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_STALE_PERM, 2, 1 } }),
	SCENARIO(nx_recovery_flushed, .why = "NX recovery flushed before its unlock",
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_COVERED, 2, 1 } },
		 .counters = { { CNT_FREE_PT, 0, 1 } }),
	SCENARIO(dirty_bit_unflushed, .ept = true,
		 .why = "R6 with PML: a cleared dirty bit not flushed before the dirty log is read",
		 .violations = { { VK_DIRTY_LOG, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(dirty_bit_flushed, .ept = true, .why = "R6 with PML kept",
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(access_tracking_not_owed, .ept = true,
		 .why = "EPT access tracking is not a write-protection owed to the dirty log",
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(deadline_alone, .why = "a deadline with nothing owed",
		 .counters = { { CNT_DEADLINES_UNLOCK, 0, 1 } }),
	SCENARIO(pt_freed_unflushed,
		 .why = "R5: a removed page table freed with no flush",
		 .violations = { { VK_PT_FREED, 2, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_FREE_PT, 0, 1 } }),
	SCENARIO(pt_freed_after_flush, .why = "R5 kept",
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_FREE_PT, 0, 1 },
			       { CNT_FREE_UNKNOWN, 0, 0 } }),
	SCENARIO(pt_freed_teardown,
		 .why = "R5: tables of a torn-down root owe nothing",
		 .counters = { { CNT_FREE_PT, 0, 1 },
			       { CNT_FREE_UNKNOWN, 0, 0 } }),
	SCENARIO(pt_freed_after_destroy,
		 .why = "R5: a table freed after its VM was destroyed owes nothing",
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_FREE_PT, 0, 1 },
			       { CNT_FREE_UNKNOWN, 0, 0 },
			       { CNT_DEADLINE_UNDECIDED, 0, 0 },
			       { CNT_VM_DESTROYED, 0, 1 } }),
	SCENARIO(pt_freed_before_destroy,
		 .why = "R5: freed unflushed while the VM lived, destroyed after",
		 .violations = { { VK_PT_FREED, 2, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_FREE_PT, 0, 1 },
			       { CNT_VM_DESTROYED, 0, 1 } }),
	SCENARIO(collapse_flushed,
		 .why = "R5 kept: a table replaced by a huge leaf, flushed before the free",
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(collapse_unflushed,
		 .why = "R5: a table replaced by a huge leaf, freed unflushed",
		 .violations = { { VK_PT_FREED, 2, 1 } }),
	SCENARIO(free_unknown, .why = "a free whose removal was not seen",
		 .counters = { { CNT_FREE_UNKNOWN, 0, 1 } }),
	SCENARIO(dirty_log_unflushed,
		 .why = "R6: write-protected, dirty log reported, no flush",
		 .violations = { { VK_DIRTY_LOG, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(dirty_log_flushed, .why = "R6 kept: the memslot flush",
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(present_pfn_change,
		 .why = "R7: a present leaf changed pfn",
		 .violations = { { VK_PRESENT_PFN, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(roots_never_mix,
		 .why = "a zap in one root, an install in another: not compared",
		 .outcomes = { { OUT_FIRST, 1, 2 } }),
	SCENARIO(vms_never_mix,
		 .why = "a zap in one VM, an install in another: not compared",
		 .outcomes = { { OUT_FIRST, 1, 2 } }),
	SCENARIO(vm_destroyed,
		 .why = "a destroyed VM is forgotten; a new VM inherits nothing",
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_COVERED, 1, 1 } },
		 .counters = { { CNT_VM_DESTROYED, 0, 1 } }),
	SCENARIO(vm_churn_one_slot, .max_vms = 1,
		 .why = "a destroyed VM frees its slot and stays dead",
		 .violations = { { VK_NOTIFIER, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 2 } },
		 .counters = { { CNT_VM_FULL, 0, 0 },
			       { CNT_VM_DESTROYED, 0, 1 } }),
	SCENARIO(teardown_new_root,
		 .why = "zaps of a root teardown owe no flush",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_NEW_ROOT, 1, 1 } }),
	SCENARIO(no_flush_source, .no_flush = true,
		 .why = "no flush source: nothing decided",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_UNVERIFIED, 1, 1 } }),
	SCENARIO(ring_overflow,
		 .why = "the ranged flush history that could cover it was lost",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_UNDECIDABLE, 1, 1 } }),
	SCENARIO(pending_full, .max_pending = 4, .partial = true,
		 .why = "a full pending map: the zap is untracked, and counted",
		 .outcomes = { { OUT_FIRST, 1, 3 }, { OUT_UNTRACKED, 1, 1 } },
		 .counters = { { CNT_PENDING_FULL, 0, 1 } }),
	SCENARIO(expired, .partial = true,
		 .why = "a zap older than the TTL is dropped, and said so",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_EXPIRED, 1, 1 } }),
	SCENARIO(batched_zap_no_deadline,
		 .why = "a batched zap whose task's batch was forgotten: counted, not reported",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PFN, 1, 1 } }),
	SCENARIO(change_pte_same_task,
		 .why = "R1: the zapping task's own install under the write lock is judged at its deadline",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PFN, 1, 1 } }),
	SCENARIO(perm_narrowed_same_task,
		 .why = "R1: the zapping task's own narrower reinstall before the flush is stale_perm",
		 .violations = { { VK_STALE_PERM, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PERM, 1, 1 } }),
	SCENARIO(change_pte_unflushed,
		 .why = "... where a missing flush is reported once, as R4",
		 .violations = { { VK_NOTIFIER, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PFN, 1, 1 } }),
	SCENARIO(stock_no_flush_at_all, .partial = true,
		 .why = "stock: the counter shows no flush at all: reported",
		 .violations = { { VK_STALE_PFN, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_STALE_PFN, 1, 1 } }),
	SCENARIO(stock_counter_moved, .partial = true,
		 .why = "stock: a flush was requested that the hooks did not see",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_UNVERIFIED, 1, 1 } }),
	SCENARIO(stock_guessed_vm, .partial = true,
		 .why = "stock without context: the VM is a guess",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_UNVERIFIED, 1, 1 } }),
	SCENARIO(stock_late_atomic_zap, .partial = true,
		 .why = "stock 6.10+: an atomic zap reported after its flush (aca48556c592)",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_UNVERIFIED, 1, 1 } }),
	SCENARIO(stock_notifier_unflushed, .partial = true,
		 .why = "stock R4 with the counter as evidence",
		 .violations = { { VK_NOTIFIER, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 1 } }),
	SCENARIO(stock_notifier_counter_moved, .partial = true,
		 .why = "stock R4: a flush may have been missed",
		 .outcomes = { { OUT_FIRST, 1, 1 } },
		 .counters = { { CNT_DEADLINE_UNVERIFIED, 0, 1 } }),
	SCENARIO(stock_hook_covers, .partial = true,
		 .why = "stock: a hooked flush covers the zap",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_COVERED, 1, 1 } }),
	SCENARIO(stock_roots_invalid, .partial = true,
		 .why = "stock: roots invalidated, the root of a zap unknown",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_UNVERIFIED, 1, 1 } }),
	SCENARIO(nx_recovery_no_flush,
		 .why = "048f49809c52 re-created: unlock and free unflushed, huge reinstall benign",
		 .violations = { { VK_UNLOCK, 2, 1 }, { VK_PT_FREED, 2, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 2 },
			       { OUT_STALE_NARROWER, 2, 1 } }),
	SCENARIO(range_zap_yield_no_flush,
		 .why = "a835429cda91 re-created: yield with the first root's zaps unflushed",
		 .violations = { { VK_YIELD, 1, 1 } },
		 .outcomes = { { OUT_FIRST, 1, 2 }, { OUT_COVERED, 1, 1 } }),
	SCENARIO(other_transitions,
		 .why = "freeze_empty, MMIO, same value, split, A bit, protect, widen",
		 .outcomes = { { OUT_FIRST, 1, 1 }, { OUT_FIRST, 2, 1 } },
		 .counters = { { CNT_SAME_VALUE, 0, 1 } }),
};

const size_t nscenarios = N(scenarios);
