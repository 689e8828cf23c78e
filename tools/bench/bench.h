/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make bench: the cases (tools/bench/cases.c), the driver that runs them
 * through spte-trace's programs and the reference programs
 * (tools/bench/bench.c), and the operation counter (tools/bench/opcount.c).
 */
#ifndef __SPTE_BENCH_H
#define __SPTE_BENCH_H

#include <stdbool.h>
#include <linux/types.h>

#include "spte_trace.h"

/* What one step of a case runs. */
enum bench_tp {
	TP_SET, /* patched kvm_tdp_mmu_spte_set */
	TP_FREEZE, /* patched kvm_tdp_mmu_spte_freeze */
	TP_UNFREEZE, /* patched kvm_tdp_mmu_spte_unfreeze */
	TP_FLUSH_BEGIN, /* patched kvm_remote_tlb_flush_begin */
	TP_FLUSH_END, /* patched kvm_remote_tlb_flush_end */
	TP_DEADLINE, /* patched kvm_mmu_flush_deadline */
	TP_FREE_SP, /* patched kvm_tdp_mmu_free_sp */
	TP_STOCK, /* stock kvmmmu:kvm_tdp_mmu_spte_changed */
	TP_PROGS, /* the steps above run a program */
	TP_FEED = TP_PROGS, /* an event straight into the protocol program */
	TP_CTX, /* set (or clear) this task's task_ctx entry */
	TP_FAKE_SP, /* write the struct kvm_mmu_page in kernel memory */
	TP_MAX,
};

#define MAX_ARGS 9
#define MAX_STEPS 8

struct step {
	__u8 tp; /* enum bench_tp */
	__u8 measured; /* the step whose cost the case reports */
	__u8 nargs;
	__u64 args[MAX_ARGS]; /* tracepoint arguments; TP_CTX: flags, func,
				 * 0 = clear; TP_FAKE_SP: pa, gfn, level */
	struct event feed; /* TP_FEED */
};

/* Addresses and identities the cases need, from tools/bench/bench.c. */
struct bench_env {
	__u64 kvm; /* fake struct kvm (kernel address) */
	__u64 sp; /* fake struct kvm_mmu_page */
	__u64 page_offset_base;
	__u64 stock_vm; /* monitor-assigned id of the fake kvm */
	__u64 seq; /* the patched kernel's flush sequence */
	__u64 tag; /* stock flush tags */
};

/* A counter a case must move by per_iter for each of its iterations. */
enum expect_what {
	EXP_NONE,
	EXP_OUTCOME, /* index: enum outcome */
	EXP_TRANSITION, /* index: enum transition */
	EXP_COUNTER, /* index: enum counter */
};

struct expect {
	__u8 what;
	__u8 index;
	__u8 per_iter; /* per measured run of the full program */
	__u8 per_setup; /* per iteration of either spte-trace variant */
};

struct bench_case {
	const char *name;
	const char *group; /* heading it is listed under */
	bool stock;
	bool spte; /* an SPTE event: the protocol is tail called */
	unsigned int stride; /* gfns per iteration */
	unsigned int div; /* run 1/div of the iterations (costly setup) */
	/* Fill @s with the steps of iteration @i at gfn @g; returns how many. */
	int (*gen)(struct bench_env *e, __u64 g, __u64 i, struct step *s);
	struct expect expect[3];
};

extern const struct bench_case bench_cases[];

#define WARM_STEPS 32
/* Steps that give the cases' VM a flush history (at most WARM_STEPS). */
int bench_warm(struct bench_env *e, bool stock, struct step *s);
/* Steps that leave one zap of the VM owed (no flush covers it). */
int bench_owed_zap(struct bench_env *e, bool stock, __u64 gfn, struct step *s);
extern const int bench_ncases;

/* SPTE values of the default layout (NPT). */
#define B_PRESENT (1ULL << 11)
#define B_LARGE (1ULL << 7)
#define B_W (1ULL << 1)
#define B_REMOVED 0x5a0ULL
#define B_PFN_BASE 0x100000ULL

static inline __u64 b_leaf(__u64 gfn, int level)
{
	return B_PRESENT | ((B_PFN_BASE + gfn) << 12) | 0x7 |
	       (level > 1 ? B_LARGE : 0);
}

/* A page table at level @level (no large bit), at pfn @pfn. */
static inline __u64 b_table(__u64 pfn)
{
	return B_PRESENT | (pfn << 12) | 0x7;
}

/* ---- Counting the protocol's state operations (tools/bench/opcount.c) ---- */

/*
 * Operations on a map: lookups that found an entry or not, updates that
 * made a new entry or replaced one, deletes.
 */
#define OP_MAP_KINDS(m)                                              \
	OP_##m##_HIT, OP_##m##_MISS, OP_##m##_NEW, OP_##m##_REPLACE, \
		OP_##m##_DELETE

enum op_kind {
	OP_MAP_KINDS(STATE), /* spte_state (LRU) */
	OP_MAP_KINDS(PENDING),
	OP_MAP_KINDS(VMS),
	OP_MAP_KINDS(INFLIGHT),
	OP_MAP_KINDS(TEARDOWN),
	OP_MAP_KINDS(HOLDERS),
	OP_MAP_KINDS(TABLES),
	OP_MAP_OPS, /* the map operations end here */
	OP_VM_CREATE = OP_MAP_OPS, /* + the insert and lookup it does */
	OP_HOLDER_CREATE, /* + the insert and lookup it does */
	OP_SITE_ADD,
	OP_STACK,
	OP_REPORT,
	OP_LAUNDER,
	OP_LOOP,
	OP_LOOP_STEP,
	OP_FETCH_ADD,
	OP_STORE_MAX,
	OP_MAX,
};

#define OP_MAPS 7
#define OP_PER_MAP 5

extern const char *const op_names[OP_MAX];

struct opcount;

struct opcount *opcount__new(const struct spte_config *cfg);
void opcount__free(struct opcount *oc);
/* Feed @ev; *ops (OP_MAX entries) gets what it cost, added. */
void opcount__feed(struct opcount *oc, const struct event *ev, __u64 *ops);

#endif /* __SPTE_BENCH_H */
