/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF monitor (bpf/spte_trace.bpf.c), the protocol state machine
 * (bpf/protocol.h) and the spte-trace daemon (src/).  Everything the kernel
 * side writes into a map, a ring buffer or a recording is declared here, so
 * that both sides agree on one layout.
 */
#ifndef __SPTE_TRACE_H
#define __SPTE_TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Levels as the TDP MMU counts them: 1 = 4K, 2 = 2M, 3 = 1G, 4, 5. */
#define SPTE_LEVELS		5
#define HIST_SLOTS		48	/* log2(ns): the last slot holds >= 2^46 ns */
#define FLUSH_RING		8	/* completed ranged flushes kept per VM */
#define COMM_LEN		16

/* A remote flush with this page count flushes the whole VM. */
#define FLUSH_ALL_PAGES		(~0ULL)

/*
 * Default SPTE layout of the x86 TDP MMU (kernel 5.13 and later).  Every
 * value is a run-time setting (struct spte_config), these are only the
 * defaults that userspace starts from.
 */
#define SPTE_DEF_PRESENT_MASK	(1ULL << 11)	/* SPTE_MMU_PRESENT_MASK */
#define SPTE_DEF_REMOVED_LOW	0x5a0ULL	/* removed/frozen SPTE, low bits */
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
 * How the monitor recognises SPTE values.  Filled by userspace from probing
 * and flags; read-only to the BPF programs.
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
	__u32 flush_visible;	/* a flush source is attached */
	__u32 record;		/* copy every event to the record ring */
	__u32 stacks;		/* capture kernel stacks at zaps/installs */
};

/* ---- Events: what every source is normalised into ---------------------- */

enum spte_op {
	SPTE_OP_CHANGED = 0,	/* stock tracepoint: kind inferred from values */
	SPTE_OP_SET = 1,	/* patched: any write except the two below */
	SPTE_OP_FREEZE = 2,	/* patched: write of the removed value */
	SPTE_OP_UNFREEZE = 3,	/* patched: write that replaces it after the flush */
};

enum event_type {
	EVENT_SPTE = 1,
	EVENT_FLUSH_BEGIN = 2,
	EVENT_FLUSH_END = 3,
	EVENT_TEARDOWN_BEGIN = 4,	/* a task starts zapping unreachable roots */
	EVENT_TEARDOWN_END = 5,
};

struct spte_event {
	__u64 ts_ns;
	__u64 vm;		/* VM key: struct kvm * (patched) or mm (stock) */
	__u64 gfn;
	__u64 old_spte;
	__u64 new_spte;
	__u64 sptep;		/* 0 when the source does not give it */
	__u32 pid;		/* VM's userspace pid, 0 = unknown */
	__u32 tid;		/* task that made the change */
	__s32 stack_id;		/* kernel stack, < 0 = none */
	__u16 as_id;
	__u8 level;
	__u8 op;		/* enum spte_op */
};

struct flush_event {
	__u64 ts_ns;
	__u64 vm;
	__u64 start_gfn;
	__u64 pages;		/* FLUSH_ALL_PAGES: the whole VM */
	__u64 seq;		/* kernel's per-VM sequence, 0 = monitor assigns */
	__u64 tag;		/* pairs an end with its begin */
	__u32 pid;
	__u32 tid;
};

/*
 * One record of the "events" ring buffer and of a recording.  Flush and
 * teardown events share struct flush_event.
 */
struct event {
	__u32 type;		/* enum event_type */
	__u32 pad;
	union {
		struct spte_event spte;
		struct flush_event flush;
	};
};

/* ---- State ---------------------------------------------------------------- */

struct spte_key {
	__u64 vm;
	__u64 gfn;
	__u16 as_id;
	__u8 level;
	__u8 pad[5];
};

enum spte_state_flags {
	STATE_PRESENT = 1 << 0,
	STATE_ZAPPED = 1 << 1,
	STATE_FROZEN = 1 << 2,		/* removed value seen, write-after-flush not yet */
	STATE_UNTRACKED = 1 << 3,	/* zap could not be tracked (map full) */
	STATE_EXPIRED = 1 << 4,		/* pending zap dropped after the TTL */
	STATE_TEARDOWN = 1 << 5,	/* zapped while its root was torn down */
};

/* Per-SPTE history (LRU map): feeds the histograms. */
struct spte_state {
	__u64 install_ns;
	__u64 zap_ns;
	__u64 freeze_ns;
	__u64 last_spte;
	__s32 zap_stack;
	__u32 flags;
};

/* A zap that no completed flush is known to cover yet (non-evicting map). */
struct pending_zap {
	__u64 zap_ns;
	__u64 flush_seq;	/* flushes begun in the VM before the zap */
	__u64 old_spte;		/* the present value that was zapped */
	__u64 zap_spte;		/* the value the zap wrote */
	__s32 zap_stack;
	__u32 zap_tid;
};

struct flush_range {
	__u64 seq;
	__u64 start;
	__u64 end;		/* exclusive */
};

/* Per-VM flush bookkeeping. */
struct vm_state {
	__u64 begun_seq;	/* highest sequence begun */
	__u64 full_done_seq;	/* highest sequence of a completed full flush */
	__u64 ranged_lost_seq;	/* highest completed ranged seq pushed out of ring */
	__u64 ring_head;
	struct flush_range ring[FLUSH_RING];
	__u64 first_seen_ns;
	__u32 pid;
	__u32 pad;
	char comm[COMM_LEN];
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
	TR_INSTALL,		/* non-present -> present */
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

enum outcome {
	OUT_FIRST,		/* install with no zap seen before it */
	OUT_COVERED,		/* a flush that began after the zap completed */
	OUT_VIOL_PFN,		/* not covered, PFN changed: violation */
	OUT_VIOL_PERM,		/* not covered, permissions widened: violation */
	OUT_SAME_MAPPING,	/* not covered, same mapping: benign, not alarmed */
	OUT_UNVERIFIED,		/* no flush source: cannot decide */
	OUT_UNDECIDABLE,	/* flush history lost (ring overflow, VM evicted) */
	OUT_UNTRACKED,		/* the zap was not tracked (map full) */
	OUT_EXPIRED,		/* the pending zap outlived the TTL */
	OUT_NEW_ROOT,		/* zapped in a torn-down root: vCPUs use a new one */
	OUT_PRESENT_PFN,	/* present -> present PFN change: violation */
	OUT_MAX,
};

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
	CNT_FLUSH_UNPAIRED,	/* flush end without its begin */
	CNT_STACK_ERRORS,	/* bpf_get_stackid failed */
	CNT_SITES_FULL,		/* flame graph site map full */
	CNT_MAX,
};

struct stats {
	__u64 counters[CNT_MAX];
	__u64 transitions[TR_MAX][SPTE_LEVELS];
	__u64 outcomes[OUT_MAX][SPTE_LEVELS];
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

/* What the violation ring buffer carries. */
struct violation {
	__u64 ts_ns;		/* the install */
	__u64 zap_ns;
	__u64 vm;
	__u64 gfn;
	__u64 old_spte;		/* present value before the zap */
	__u64 zap_spte;		/* value the zap wrote */
	__u64 new_spte;		/* the install */
	__u64 sptep;
	__u64 zap_flush_seq;
	__u64 vm_begun_seq;	/* flush state at the install, for diagnosis */
	__u64 vm_full_done_seq;
	__u32 pid;
	__u32 tid;
	__u32 zap_tid;
	__s32 stack_id;		/* install stack */
	__s32 zap_stack_id;
	__u16 as_id;
	__u8 level;
	__u8 outcome;		/* enum outcome */
};

#endif /* __SPTE_TRACE_H */
