/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One table of event sequences for the whole protocol (bpf/protocol.h),
 * run through both of its instances: the userspace engine
 * (tests/unit/test_engine.c) and the BPF programs in the running kernel
 * (tests/bpf/bpf_test_run.c, through proto_feed and BPF_PROG_TEST_RUN).
 * Each scenario says what every violation counter and every install
 * outcome must be; the BPF run must also give exactly the engine's
 * snapshot and violation records.
 */
#ifndef __SPTE_TEST_SCENARIO_H
#define __SPTE_TEST_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include "snapshot.h"

/* ---- SPTE values (AMD NPT layout, the defaults of struct spte_config) --- */

#define S_PRESENT (1ULL << 11)
#define S_P 1ULL
#define S_W 2ULL
#define S_U 4ULL
#define S_LARGE (1ULL << 7)
#define S_NX (1ULL << 63)
#define S_REMOVED 0x5a0ULL

#define RW (S_W | S_U)
#define RO (S_U)
#define RWNX (S_W | S_U | S_NX)

/* A leaf: 4K at level 1, huge (large bit) above. */
#define LEAF(pfn, perms, level)                                          \
	(S_PRESENT | S_P | (perms) | ((__u64)(pfn) << 12) |              \
	 ((level) > 1 ? S_LARGE : 0))
#define TABLE(pfn) (S_PRESENT | S_P | S_W | S_U | ((__u64)(pfn) << 12))

#define ROOT_A 0x1000000ULL /* root table physical addresses */
#define ROOT_B 0x2000000ULL
#define TID_ZAP 100 /* the task that zaps (holds mmu_lock) */
#define TID_VCPU 200 /* a vCPU faulting */
#define TID_OTHER 300

/* ---- Events --------------------------------------------------------------- */

#define EV_SPTE(op_, tid_, vm_, root_, gfn_, lvl_, old_, new_, flags_)     \
	{ .type = EVENT_SPTE,                                            \
	  .spte = { .vm = (vm_), .gfn = (gfn_), .old_spte = (old_),      \
		    .new_spte = (new_), .root = (root_), .pid = 1000,    \
		    .tid = (tid_), .stack_id = -1, .level = (lvl_),      \
		    .op = (op_), .flags = (flags_) } }

#define SET(tid, vm, gfn, lvl, old, new) \
	EV_SPTE(SPTE_OP_SET, tid, vm, ROOT_A, gfn, lvl, old, new, 0)
#define SET_IN(root, tid, vm, gfn, lvl, old, new) \
	EV_SPTE(SPTE_OP_SET, tid, vm, root, gfn, lvl, old, new, 0)
#define SET_F(flags, tid, vm, gfn, lvl, old, new) \
	EV_SPTE(SPTE_OP_SET, tid, vm, ROOT_A, gfn, lvl, old, new, flags)
#define FREEZE(tid, vm, gfn, lvl, old) \
	EV_SPTE(SPTE_OP_FREEZE, tid, vm, ROOT_A, gfn, lvl, old, S_REMOVED, 0)
#define UNFREEZE(tid, vm, gfn, lvl) \
	EV_SPTE(SPTE_OP_UNFREEZE, tid, vm, ROOT_A, gfn, lvl, S_REMOVED, 0, 0)
/* The stock tracepoint, with what the context hooks add. */
#define CHANGED(flags_, reqs_, tid_, vm_, gfn_, lvl_, old_, new_)          \
	{ .type = EVENT_SPTE,                                            \
	  .spte = { .vm = (vm_), .gfn = (gfn_), .old_spte = (old_),      \
		    .new_spte = (new_), .flush_reqs = (reqs_), .pid = 1000, \
		    .tid = (tid_), .stack_id = -1, .level = (lvl_),      \
		    .op = SPTE_OP_CHANGED, .flags = (flags_) } }

#define EV_VM(type_, tid_, vm_, start_, pages_, seq_, tag_, reason_)       \
	{ .type = (type_),                                               \
	  .vm = { .vm = (vm_), .start_gfn = (start_), .pages = (pages_), \
		  .seq = (seq_), .tag = (tag_), .pid = 1000, .tid = (tid_), \
		  .stack_id = -1, .reason = (reason_) } }

/* Patched kernel: numbered by the kernel. */
#define FLUSH_BEGIN(tid, vm, seq, start, pages) \
	EV_VM(EVENT_FLUSH_BEGIN, tid, vm, start, pages, seq, seq, 0)
#define FLUSH_END(tid, vm, seq, start, pages) \
	EV_VM(EVENT_FLUSH_END, tid, vm, start, pages, seq, seq, 0)
#define FLUSH_ALL(tid, vm, seq)                                 \
	FLUSH_BEGIN(tid, vm, seq, 0, FLUSH_ALL_PAGES),          \
		FLUSH_END(tid, vm, seq, 0, FLUSH_ALL_PAGES)
#define FLUSH_RANGE(tid, vm, seq, start, pages) \
	FLUSH_BEGIN(tid, vm, seq, start, pages), FLUSH_END(tid, vm, seq, start, pages)
/* Stock hooks: the monitor numbers them, a tag pairs begin and end. */
#define HOOK_FLUSH_ALL(tid_, vm_, reqs_)                                   \
	{ .type = EVENT_FLUSH_BEGIN,                                      \
	  .vm = { .vm = (vm_), .pages = FLUSH_ALL_PAGES, .tag = (tid_),    \
		  .flush_reqs = (reqs_), .tid = (tid_), .stack_id = -1 } }, \
	{ .type = EVENT_FLUSH_END,                                        \
	  .vm = { .vm = (vm_), .tag = (tid_), .flush_reqs = (reqs_) + 1,   \
		  .tid = (tid_), .stack_id = -1 } }
#define DEADLINE(tid, vm, reason) \
	EV_VM(EVENT_DEADLINE, tid, vm, 0, 0, 0, 0, DEADLINE_##reason)
#define DEADLINE_REQS(tid_, vm_, reason_, reqs_)                          \
	{ .type = EVENT_DEADLINE,                                         \
	  .vm = { .vm = (vm_), .tid = (tid_), .flush_reqs = (reqs_),       \
		  .stack_id = -1, .reason = DEADLINE_##reason_ } }
#define TEARDOWN_BEGIN(tid, vm) \
	EV_VM(EVENT_TEARDOWN_BEGIN, tid, vm, 0, 0, 0, 0, 0)
#define TEARDOWN_END(tid, vm) EV_VM(EVENT_TEARDOWN_END, tid, vm, 0, 0, 0, 0, 0)
#define DESTROY(vm) EV_VM(EVENT_VM_DESTROY, TID_ZAP, vm, 0, 0, 0, 0, 0)
#define ROOTS_INVALID(vm) EV_VM(EVENT_ROOTS_INVALID, TID_ZAP, vm, 0, 0, 0, 0, 0)
/* The RCU free of the page table at pfn @pfn (gfn and level of the table). */
#define FREE_PT(pfn_, gfn_, lvl_)                                          \
	{ .type = EVENT_FREE_PT,                                          \
	  .vm = { .pt = (__u64)(pfn_) << 12, .start_gfn = (gfn_),          \
		  .level = (lvl_), .tid = 0, .stack_id = -1 } }

/*
 * Not an event: the runner sweeps (src/sweep.c) @advance_ns after the
 * previous event with a TTL of @ttl_ns.
 */
#define STEP_SWEEP 100
#define SWEEP(advance_ns, ttl_ns) \
	{ .type = STEP_SWEEP, .vm = { .ts_ns = (advance_ns), .pages = (ttl_ns) } }

/* ---- Expectations ----------------------------------------------------------- */

/* A count at one level (1 = 4K); an array of them ends at .n == 0. */
struct expect {
	__u32 what; /* enum outcome, enum violation_kind or enum counter */
	__u32 level;
	__u64 n;
};

#define MAX_EXPECT 8

struct scenario {
	const char *name;
	const char *why; /* the rule or case it proves */
	__u32 visibility; /* enum flush_visibility; 0 means FLUSH_COMPLETE */
	bool no_flush; /* FLUSH_NONE */
	bool partial; /* FLUSH_PARTIAL (stock hooks) */
	__u32 max_pending; /* 0: default capacity */
	__u32 max_vms; /* 0: default capacity */
	__u32 max_inflight; /* 0: default capacity */
	bool ept; /* Intel EPT SPTE format (default: AMD NPT) */
	const struct event *events;
	size_t nevents;
	/* Every violation cell must be exactly this (unlisted: 0). */
	struct expect violations[MAX_EXPECT];
	/* Every install outcome cell must be exactly this (unlisted: 0). */
	struct expect outcomes[MAX_EXPECT];
	/* These counters must be exactly this (others: anything). */
	struct expect counters[MAX_EXPECT];
};

extern const struct scenario scenarios[];
extern const size_t nscenarios;

/* The configuration a scenario runs with. */
void scenario_config(const struct scenario *sc, struct spte_config *cfg,
		     struct spte_limits *lim);
/* Each event's time, assigned by the runner: 1 us apart from 1 s on. */
__u64 scenario_ts(size_t i);

/*
 * One instance of the protocol (the engine, or the BPF programs): feed one
 * event, or sweep at @now_ns dropping what is older than @ttl_ns; 0 or
 * -errno.
 */
struct scenario_driver {
	int (*feed)(void *ctx, const struct event *ev);
	int (*sweep)(void *ctx, __u64 now_ns, __u64 ttl_ns);
};

/*
 * Play @sc's events through @d, each stamped with scenario_ts(), sweeping
 * at SWEEP steps; fails the cmocka test on an error.
 */
void scenario_play(const struct scenario *sc, const struct scenario_driver *d,
		   void *ctx);

/* Checks @snap against what @sc expects; fails the cmocka test if not. */
void scenario_check(const struct scenario *sc, const struct snapshot *snap);

/* The violation records of a run, as the runner collected them. */
struct seen {
	struct violation v[64];
	size_t n;
};

void seen_add(struct seen *s, const struct violation *v);
/* The records agree with the counters (one record per counted violation). */
void scenario_check_records(const struct scenario *sc, const struct seen *s,
			    const struct snapshot *snap);
/* Two runs gave the same records (BPF vs engine). */
void seen_equal(const struct scenario *sc, const struct seen *a,
		const struct seen *b);

#endif /* __SPTE_TEST_SCENARIO_H */
