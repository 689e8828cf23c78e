/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF monitor (bpf/spte_trace.bpf.c), the protocol state
 * machine (bpf/protocol.h) and the spte-trace daemon (src/).  Everything the
 * kernel side writes into a map, a ring buffer or a recording is declared
 * here, so that both sides agree on one layout.  docs/protocol.md explains
 * what each field means to the protocol.
 */
#ifndef __SPTE_TRACE_H
#define __SPTE_TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Levels as the TDP MMU counts them: 1 = 4K, 2 = 2M, 3 = 1G, 4, 5. */
#define SPTE_LEVELS		5
#define LEAF_LEVELS		3	/* the largest level a leaf can have */
#define HIST_SLOTS		48	/* log2(ns): the last slot holds >= 2^46 ns */
#define FLUSH_RING		8	/* completed ranged flushes kept per VM */
#define COMM_LEN		16

/* A remote flush with this page count flushes the whole VM. */
#define FLUSH_ALL_PAGES		(~0ULL)

/*
 * Map capacities: the one place their defaults are written.  The daemon's
 * --max-* options, the userspace engine and the BPF object all start from
 * these (X(field, default, option, what a full map costs)).
 */
#define SPTE_MAP_LIMITS(X)							\
	X(max_sptes, 262144, "max-sptes",					\
	  "per-SPTE history (LRU): evicting loses histogram samples only")	\
	X(max_pending, 65536, "max-pending",					\
	  "zaps no completed flush is known to cover: a full map leaves new zaps unchecked") \
	X(max_vms, 1024, "max-vms",						\
	  "per-VM flush state (LRU, destroyed VMs removed): a full map evicts the least recently active VM") \
	X(max_inflight, 4096, "max-inflight",					\
	  "remote flushes in progress: a full map makes the zaps an untracked flush may cover undecidable") \
	X(max_holders, 4096, "max-holders",					\
	  "per-task zap and write-protect batches awaiting their deadline")	\
	X(max_tables, 65536, "max-tables",					\
	  "removed page tables awaiting their RCU free")			\
	X(max_stacks, 16384, "max-stacks",					\
	  "distinct kernel stacks: a full map reports violations without a stack") \
	X(max_sites, 65536, "max-sites",					\
	  "flame graph (site, stack) pairs: a full map loses flame graph samples")

struct spte_limits {
#define SPTE_LIMIT_FIELD(name, def, opt, help) __u32 name;
	SPTE_MAP_LIMITS(SPTE_LIMIT_FIELD)
#undef SPTE_LIMIT_FIELD
};

/*
 * Default SPTE layout of the x86 TDP MMU (kernel 5.13 and later).  Every
 * value is a run-time setting (struct spte_config), these are only the
 * defaults that userspace starts from.
 */
#define SPTE_DEF_PRESENT_MASK	(1ULL << 11)	/* SPTE_MMU_PRESENT_MASK */
#define SPTE_DEF_REMOVED_LOW	0x5a0ULL	/* REMOVED_SPTE / FROZEN_SPTE, low bits */
#define SPTE_DEF_REMOVED_EXTRA	(1ULL << 63)	/* SHADOW_NONPRESENT_VALUE, 6.10+ */
#define SPTE_DEF_PFN_MASK	0x000ffffffffff000ULL
#define SPTE_DEF_LARGE_MASK	(1ULL << 7)
#define SPTE_DEF_WRITE_MASK	(1ULL << 1)

/* The defaults as an initializer, for the BPF global and for userspace. */
#define SPTE_CONFIG_DEFAULT {					\
	.present_mask = SPTE_DEF_PRESENT_MASK,			\
	.removed_low = SPTE_DEF_REMOVED_LOW,			\
	.removed_extra = SPTE_DEF_REMOVED_EXTRA,		\
	.pfn_mask = SPTE_DEF_PFN_MASK,				\
	.large_mask = SPTE_DEF_LARGE_MASK,			\
	.write_mask = SPTE_DEF_WRITE_MASK,			\
	.flavor = MMU_NPT,					\
	.stacks = 1,						\
}

enum spte_mmu_flavor {
	MMU_NPT = 0,	/* AMD: P/W/U in bits 0-2, NX in bit 63 */
	MMU_EPT = 1,	/* Intel: R/W/X in bits 0-2 */
};

/*
 * What the monitor can see of remote TLB flushes.  It decides whether an
 * uncovered zap can be reported (docs/protocol.md, "Evidence").
 */
enum flush_visibility {
	FLUSH_NONE = 0,		/* no flush source: nothing can be decided */
	FLUSH_PARTIAL = 1,	/* function hooks: calls they miss are possible */
	FLUSH_COMPLETE = 2,	/* patched kernel: every remote flush is an event */
};

/*
 * How the monitor recognises SPTE values and what it may conclude.  Filled
 * by userspace from probing and flags; read-only to the BPF programs.
 */
struct spte_config {
	__u64 present_mask;
	__u64 removed_value;	/* non-zero: the exact removed value */
	__u64 removed_low;	/* else: (v & ~removed_extra) == removed_low */
	__u64 removed_extra;
	__u64 pfn_mask;
	__u64 large_mask;
	__u64 write_mask;
	__u32 flavor;		/* enum spte_mmu_flavor */
	__u32 flush_visible;	/* enum flush_visibility */
	__u32 record;		/* copy every event to the record ring */
	__u32 stacks;		/* capture kernel stacks for violations */
	__u32 site_sample;	/* flame graph: one zap/install site in N, 0 off */
	__u32 counter_blind;	/* stock: ranged flushes bypass the stat counter */
};

/* ---- Events: what every source is normalised into ---------------------- */

enum spte_op {
	SPTE_OP_CHANGED = 0,	/* stock tracepoint: kind inferred from values */
	SPTE_OP_SET = 1,	/* patched: any write except the two below */
	SPTE_OP_FREEZE = 2,	/* patched: write of the removed value */
	SPTE_OP_UNFREEZE = 3,	/* patched: write that replaces it after the flush */
};

enum event_type {
	EVENT_SPTE = 1,			/* struct spte_event */
	EVENT_FLUSH_BEGIN = 2,		/* struct vm_event: a remote flush starts */
	EVENT_FLUSH_END = 3,		/* ... and has completed */
	EVENT_TEARDOWN_BEGIN = 4,	/* a task starts zapping unreachable roots */
	EVENT_TEARDOWN_END = 5,
	EVENT_DEADLINE = 6,		/* the task's owed flushes must be done */
	EVENT_FREE_PT = 7,		/* a removed page table is freed (RCU) */
	EVENT_VM_DESTROY = 8,		/* the VM is going away */
	EVENT_ROOTS_INVALID = 9,	/* every root of the VM was invalidated */
	EVENT_TYPE_MAX,
};

/* enum deadline_reason: the kernel's KVM_MMU_FLUSH_DEADLINE_* values. */
enum deadline_reason {
	DEADLINE_YIELD = 0,	/* mmu_lock yielded (tdp_mmu_iter_cond_resched) */
	DEADLINE_UNLOCK = 1,	/* mmu_lock released after zapping */
	DEADLINE_NOTIFIER = 2,	/* invalidate_range_start returns */
	DEADLINE_DIRTY_LOG = 3,	/* dirty state reported to userspace */
	DEADLINE_MAX,
};

/* spte_event.flags */
#define SPTE_F_ROOT_INVALID	(1U << 0)	/* the root was invalid at the write */
#define SPTE_F_LOCK_KNOWN	(1U << 1)	/* SPTE_F_SHARED is meaningful */
#define SPTE_F_SHARED		(1U << 2)	/* written with mmu_lock held for read */
#define SPTE_F_VM_GUESSED	(1U << 3)	/* VM keyed by mm: not one VM for sure */
#define SPTE_F_TEARDOWN		(1U << 4)	/* the source knows it is a root teardown */

struct spte_event {
	__u64 ts_ns;
	__u64 vm;		/* VM id (docs/protocol.md "VM identity"), 0 = none */
	__u64 gfn;
	__u64 old_spte;
	__u64 new_spte;
	__u64 sptep;		/* 0 when the source does not give it */
	__u64 root;		/* root table's physical address, 0 = unknown */
	__u64 flush_reqs;	/* stock: the VM's remote_tlb_flush_requests, 0 = unknown */
	__u32 pid;		/* VM's userspace pid, 0 = unknown */
	__u32 tid;		/* task that made the change */
	__s32 stack_id;		/* kernel stack, < 0 = none */
	__u16 as_id;
	__u8 level;
	__u8 op;		/* enum spte_op */
	__u32 flags;		/* SPTE_F_* */
	__u32 pad;
};

/*
 * Every other event concerns a VM (or, for EVENT_FREE_PT, a page table of
 * one): flushes, teardown brackets, deadlines, frees, destruction.
 */
struct vm_event {
	__u64 ts_ns;
	__u64 vm;		/* 0 for EVENT_FREE_PT: the table says which VM */
	__u64 start_gfn;	/* flush: first gfn; FREE_PT: the table's gfn */
	__u64 pages;		/* flush: FLUSH_ALL_PAGES = the whole VM */
	__u64 seq;		/* kernel's per-VM flush sequence, 0 = monitor assigns */
	__u64 tag;		/* pairs an end with its begin */
	__u64 pt;		/* FREE_PT: the table's physical address */
	__u64 flush_reqs;	/* stock: remote_tlb_flush_requests, 0 = unknown */
	__u32 pid;
	__u32 tid;
	__s32 stack_id;		/* deadline: where KVM reached it, < 0 = none */
	__u16 reason;		/* deadline: enum deadline_reason */
	__u8 level;		/* FREE_PT: the table's level */
	__u8 as_id;		/* FREE_PT */
};

/* One record of the "events" ring buffer and of a recording. */
struct event {
	__u32 type;		/* enum event_type */
	__u32 pad;
	union {
		struct spte_event spte;
		struct vm_event vm;
	};
};

/* ---- State ---------------------------------------------------------------- */

/*
 * One SPTE of one root of one VM.  gla packs gfn (bits 0-55), level (56-59)
 * and as_id (60-63); root is the root table's pfn (0 = unknown root).
 */
struct spte_key {
	__u64 gla;
	__u32 vm;
	__u32 root;
};

#define SPTE_KEY_LEVEL_SHIFT	56
#define SPTE_KEY_AS_SHIFT	60
#define SPTE_KEY_GFN_MASK	((1ULL << SPTE_KEY_LEVEL_SHIFT) - 1)
/* A region summary (see struct pending_zap) carries this in its level. */
#define SPTE_KEY_SUMMARY	8

enum spte_state_flags {
	STATE_PRESENT = 1 << 0,
	STATE_ZAPPED = 1 << 1,
	STATE_FROZEN = 1 << 2,		/* removed value seen, write-after-flush not yet */
	STATE_UNTRACKED = 1 << 3,	/* zap could not be tracked */
	STATE_EXPIRED = 1 << 4,		/* pending zap dropped after the TTL */
	STATE_EXEMPT = 1 << 5,		/* zapped in a torn-down or invalid root */
	STATE_BATCHED = 1 << 6,		/* zap checked at its task's deadline */
};

/*
 * Per-SPTE history (LRU map): feeds the histograms and first/covered, and
 * for a zap checked at its task's deadline (STATE_BATCHED, patched kernel)
 * what R1 needs to classify an install over it: no pending entry is kept
 * for such zaps, so one zap of a million SPTEs costs one batch.
 */
struct spte_state {
	__u64 ts_ns;		/* last install or zap (freeze) */
	__u64 seq;		/* batched zap: flushes begun before it */
	__u64 old_spte;		/* batched zap: the value it zapped */
	__u32 tid;		/* batched zap: the zapping task */
	__u32 flags;
};

/* pending_zap.flags */
#define PZ_FROZEN	(1U << 0)	/* an atomic zap: its unfreeze is checked */
#define PZ_CHILD	(1U << 1)	/* child of a removed page table */
#define PZ_REPORTED	(1U << 2)	/* a deadline rule already reported it */
#define PZ_LATE		(1U << 3)	/* stock 6.10+: reported after its flush */
#define PZ_GUESSED	(1U << 4)	/* VM identity was a guess */
#define PZ_OWN_LOCK	(1U << 6)	/* judged for the zapping task itself,
					 * still inside its write-locked batch */
#define PZ_UNLINK_BATCHED (1U << 5)	/* child of a table unlinked under the
					 * write lock: owed at its deadline */

/*
 * A zap that no completed flush is known to cover yet (non-evicting map).
 * With SPTE_KEY_SUMMARY in the key's level, an entry at a 2M or 1G region
 * summarises the smaller zaps below it: seq is the largest of their
 * sequences, so one covering flush clears them all.
 */
struct pending_zap {
	__u64 zap_ns;
	__u64 seq;		/* flushes begun in the VM before the zap */
	__u64 old_spte;		/* the present value that was zapped */
	__u64 flush_reqs;	/* stock counter at the zap, 0 = unknown */
	__u32 tid;
	__s32 stack;
	__u32 flags;		/* PZ_* */
	__u32 pad;
};

struct flush_range {
	__u64 seq;
	__u64 start;
	__u64 end;		/* exclusive */
};

/* vm_state.flags */
#define VM_ROOTS_INVALID (1U << 1)	/* stock: invalid roots may be zapped */

/* Per-VM flush bookkeeping. */
struct vm_state {
	__u64 begun_seq;	/* highest sequence begun */
	__u64 full_done_seq;	/* highest sequence of a completed full flush */
	__u64 lost_seq;		/* flushes up to here may be missing: a ranged
				 * one pushed out of the ring, a begin not
				 * tracked (inflight full), an end without begin */
	__u64 last_zap_seq;	/* begun_seq at the VM's latest tracked zap */
	__u64 ring_head;
	struct flush_range ring[FLUSH_RING];
	__u64 first_seen_ns;	/* history before this is unknown */
	__u64 kvm;		/* stock: struct kvm *, for its counters */
	__u32 pid;
	__u32 flags;		/* VM_* */
};

struct inflight_key {
	__u64 vm;
	__u64 tag;
};

struct inflight_flush {
	__u64 seq;
	__u64 begin_ns;
	__u64 start_gfn;
	__u64 pages;
};

/*
 * What one task owes at its next deadline: the zaps (and, separately, the
 * write-protections) it made since its previous one, as a gfn range and the
 * sequences around it.  Keyed by (vm, tid).
 */
struct batch {
	__u64 first_seq;	/* begun_seq at the first member */
	__u64 last_seq;		/* begun_seq at the latest member */
	__u64 lo, hi;		/* gfn range [lo, hi) of the members */
	__u64 count;
	__u64 first_reqs;	/* stock counter at the first member, 0 = unknown */
	__u64 last_ns;		/* the latest member, for the report */
	__u64 last_gfn;
	__u64 last_old;
	__u64 last_new;
	__u32 last_level;
	__u32 last_as_id;
};

struct holder_key {
	__u64 vm;
	__u32 tid;
	__u32 pad;
};

struct holder {
	struct batch zaps;
	struct batch protects;
};

/* A page table removed from its parent, until its RCU free. */
struct removed_table {
	__u64 vm;
	__u64 seq;		/* begun_seq at the removal */
	__u64 removed_ns;
	__u64 gfn;
	__u64 old_spte;		/* the parent SPTE that pointed to the table */
	__u64 new_spte;
	__u64 flush_reqs;
	__u32 tid;
	__s32 stack;
	__u32 level;		/* the parent SPTE's level */
	__u32 flags;		/* TABLE_* */
};

#define TABLE_EXEMPT	(1U << 0)	/* removed in a torn-down or invalid root */

/*
 * A task's latest unlink of a page table (a non-leaf zap or freeze).  The
 * entries below it are written after it, by the same task and possibly
 * after the flush that followed the unlink (6.12's collapse: upstream
 * aca48556c592 handles the removed table after the unfreeze); they inherit
 * its sequence, because no vCPU could reach them since the unlink.
 */
struct removal_ctx {
	__u64 vm;
	__u64 lo, hi;		/* gfns [lo, hi) under the removed table */
	__u64 seq;		/* begun_seq at the unlink */
	__u64 flush_reqs;	/* stock counter at the unlink */
	__u32 level;		/* the removed table's own SPTE level */
	__u32 flags;		/* PZ_LATE | PZ_GUESSED of the unlink,
				 * PZ_UNLINK_BATCHED if it joined its batch */
};

/* stock mode: the KVM entry point a task is in (src/sources.c, hooks) */
struct task_ctx {
	__u64 kvm;		/* struct kvm * */
	__u32 func;		/* enum kvm_entry */
	__u32 flags;		/* SPTE_F_LOCK_KNOWN | SPTE_F_SHARED | SPTE_F_TEARDOWN */
};

/* ---- Results ---------------------------------------------------------------- */

enum hist_kind {
	HIST_ZAP_TO_INSTALL,	/* present -> zapped -> present again */
	HIST_PRESENT_LIFETIME,	/* install -> zap */
	HIST_FROZEN_WINDOW,	/* freeze -> write after the flush */
	HIST_FLUSH_LATENCY,	/* remote flush begin -> end; index 0 full, 1 ranged */
	HIST_KINDS,
};

struct hist {
	__u64 slots[HIST_SLOTS];
	__u64 sum_ns;
};

struct hists {
	struct hist h[HIST_KINDS][SPTE_LEVELS];
};

enum transition {
	TR_INSTALL,		/* non-present -> present leaf */
	TR_LINK,		/* non-present -> page table */
	TR_ZAP,			/* present -> non-present (not removed) */
	TR_FREEZE,		/* present -> removed */
	TR_FREEZE_EMPTY,	/* non-present -> removed (empty child of a removed table) */
	TR_UNFREEZE,		/* removed -> non-present, after the flush */
	TR_INSTALL_REMOVED,	/* removed -> present: never expected */
	TR_PROTECT,		/* present -> present, permissions narrowed */
	TR_WIDEN,		/* present -> present, permissions widened */
	TR_MODIFY,		/* present -> present, other bits (A/D, ...) */
	TR_SPLIT,		/* leaf -> table */
	TR_COLLAPSE,		/* table -> leaf */
	TR_NONPRESENT,		/* MMIO or other non-present -> non-present */
	TR_MAX,
};

/* What an install of a leaf found under and over it. */
enum outcome {
	OUT_FIRST,		/* no zap of this translation seen before it */
	OUT_COVERED,		/* every zap it overlaps was covered by a flush */
	OUT_STALE_PFN,		/* an uncovered zap mapped another pfn: violation */
	OUT_STALE_PERM,		/* same pfn, the stale entry allows more: violation */
	OUT_STALE_SAME,		/* uncovered, identical translation: benign */
	OUT_STALE_NARROWER,	/* uncovered, stale entry allows less: benign */
	OUT_UNVERIFIED,		/* flushes not (fully) visible: cannot decide */
	OUT_UNDECIDABLE,	/* flush history lost (ring overflow, VM evicted) */
	OUT_UNTRACKED,		/* the zap was not tracked (map full, no VM) */
	OUT_EXPIRED,		/* the pending zap outlived the TTL */
	OUT_NEW_ROOT,		/* zapped in a torn-down or invalid root */
	OUT_MAX,
};

/* Violations, one kind per rule (docs/protocol.md, "Rules"). */
enum violation_kind {
	VK_STALE_PFN,		/* R1: install over an uncovered zap, other pfn */
	VK_STALE_PERM,		/* R1: same pfn, stale permissions wider */
	VK_UNFREEZE,		/* R2: frozen SPTE replaced before its flush */
	VK_YIELD,		/* R3: mmu_lock yielded with unflushed zaps */
	VK_UNLOCK,		/* R3: mmu_lock released with unflushed zaps */
	VK_NOTIFIER,		/* R4: invalidate_range_start returned unflushed */
	VK_PT_FREED,		/* R5: removed page table freed before its flush */
	VK_DIRTY_LOG,		/* R6: write-protection reported unflushed */
	VK_PRESENT_PFN,		/* R7: present leaf changed pfn without a zap */
	VK_MAX,
};

/* Counters of events, losses and checks that could not decide. */
enum counter {
	CNT_SPTE_EVENTS,
	CNT_FLUSH_BEGIN,
	CNT_FLUSH_END,
	CNT_SAME_VALUE,		/* old == new: nothing changed */
	CNT_NO_VM,		/* event without VM identity */
	CNT_VIOLATION_DROPS,	/* violation ring buffer full */
	CNT_RECORD_DROPS,	/* record ring buffer full */
	CNT_STATE_FULL,		/* spte_state update failed */
	CNT_PENDING_FULL,	/* pending map full: zap not tracked */
	CNT_VM_FULL,		/* vm map full */
	CNT_INFLIGHT_FULL,	/* inflight map full: flush latency lost */
	CNT_FLUSH_UNPAIRED,	/* flush end without its begin: not used */
	CNT_STACK_ERRORS,	/* bpf_get_stackid failed, or sites map busy */
	CNT_SITES_FULL,		/* flame graph site map full */
	CNT_HOLDERS_FULL,	/* holder map full: a batch not tracked */
	CNT_TABLES_FULL,	/* table map full: a removal not tracked */
	CNT_DEADLINES,		/* deadline events seen: yield, */
	CNT_DEADLINES_UNLOCK,	/* ... unlock, */
	CNT_DEADLINES_NOTIFIER,	/* ... notifier return, */
	CNT_DEADLINES_DIRTY_LOG, /* ... dirty log: CNT_DEADLINES + reason */
	CNT_DEADLINE_UNDECIDED,	/* deadline check could not decide */
	CNT_DEADLINE_UNVERIFIED, /* ... because flushes are only partly visible */
	CNT_FREE_PT,		/* page table frees seen */
	CNT_FREE_UNKNOWN,	/* frees of tables whose removal was not seen */
	CNT_VM_DESTROYED,	/* VMs destroyed */
	CNT_VM_HISTORY_LOST,	/* zaps older than their VM's state */
	CNT_UNFREEZE_UNKNOWN,	/* unfreezes without their freeze */
	CNT_PROTOCOL_MISSED,	/* SPTE events the protocol program never got */
	CNT_MAX,
};

struct stats {
	__u64 counters[CNT_MAX];
	__u64 transitions[TR_MAX][SPTE_LEVELS];
	__u64 outcomes[OUT_MAX][SPTE_LEVELS];
	__u64 violations[VK_MAX][SPTE_LEVELS];
};

enum site_kind {
	SITE_ZAP,
	SITE_INSTALL,
	SITE_VIOLATION,
	SITE_KINDS,
};

struct site_key {
	__s32 stack_id;
	__u32 kind;		/* enum site_kind */
};

/* violation.perm_bits: which permissions the stale entry still grants */
#define PERM_READ	1	/* EPT R; NPT: always (present) */
#define PERM_WRITE	2
#define PERM_EXEC	4
#define PERM_USER	8	/* NPT U */

/* What the violation ring buffer carries. */
struct violation {
	__u64 ts_ns;		/* when the rule was broken */
	__u64 zap_ns;		/* the (latest) zap it concerns */
	__u64 vm;
	__u64 gfn;		/* the zapped SPTE's gfn */
	__u64 old_spte;		/* present value before the zap */
	__u64 zap_spte;		/* value the zap wrote */
	__u64 new_spte;		/* the install (R1, R7), else 0 */
	__u64 new_gfn;		/* the install's gfn (R1), else = gfn */
	__u64 sptep;
	__u64 root;
	__u64 zap_flush_seq;	/* flush state, for diagnosis */
	__u64 vm_begun_seq;
	__u64 vm_full_done_seq;
	__u64 count;		/* members of the batch (R3, R4, R6), else 1 */
	__u32 pid;
	__u32 tid;		/* the task that broke the rule */
	__u32 zap_tid;
	__s32 stack_id;		/* where the rule was broken */
	__s32 zap_stack_id;
	__u16 as_id;
	__u8 level;		/* the zapped SPTE's level */
	__u8 kind;		/* enum violation_kind */
	__u8 new_level;		/* the install's level (R1) */
	__u8 reason;		/* R3/R4/R6: enum deadline_reason */
	__u8 perm_bits;		/* R1 perm: PERM_* the stale entry adds */
	__u8 pad[5];
};

#endif /* __SPTE_TRACE_H */
