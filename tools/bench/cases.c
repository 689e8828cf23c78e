// SPDX-License-Identifier: GPL-2.0
/*
 * The cases of make bench: each a short sequence of tracepoint events, one
 * of which (the measured step) is the event whose cost is reported.  The
 * others put the state where a busy host would have it: the SPTE installed
 * before it is zapped, the zap before the flush that covers it, and so on.
 * Every iteration uses fresh gfns, so a "first install" is a first one.
 *
 * Each case says which counter its measured step must move: the driver
 * checks it after the run, so a case that silently took another path
 * (a changed protocol, a broken setup) is reported as a broken benchmark
 * rather than measured.
 */
#include <string.h>

#include "bench.h"
#include "hooks.h"

#define ALL FLUSH_ALL_PAGES

/* ---- Step builders --------------------------------------------------------- */

static struct step *step(struct step *s, int *n, int tp, bool measured)
{
	struct step *st = &s[(*n)++];

	memset(st, 0, sizeof(*st));
	st->tp = tp;
	st->measured = measured;
	return st;
}

/* kvm_tdp_mmu_spte_{set,freeze,unfreeze}(kvm, as_id, gfn, level, sptep,
 * old_spte, new_spte, root, root_invalid) */
static void patched(struct bench_env *e, struct step *s, int *n, int tp, bool m,
		    __u64 gfn, int level, __u64 old, __u64 new)
{
	struct step *st = step(s, n, tp, m);
	__u64 args[9] = { e->kvm,
			  0,
			  gfn,
			  level,
			  0xffffc90000000000ULL + gfn * 8,
			  old,
			  new,
			  0x1000000ULL,
			  0 };

	memcpy(st->args, args, sizeof(args));
	st->nargs = 9;
}

/* kvmmmu:kvm_tdp_mmu_spte_changed(as_id, gfn, level, old_spte, new_spte) */
static void stock(struct step *s, int *n, bool m, __u64 gfn, int level,
		  __u64 old, __u64 new)
{
	struct step *st = step(s, n, TP_STOCK, m);

	st->args[1] = gfn;
	st->args[2] = level;
	st->args[3] = old;
	st->args[4] = new;
	st->nargs = 5;
}

/* kvm_remote_tlb_flush_{begin,end}(kvm, start_gfn, pages, seq) */
static void pflush(struct bench_env *e, struct step *s, int *n, bool begin,
		   bool m, __u64 start, __u64 pages)
{
	struct step *st = step(s, n, begin ? TP_FLUSH_BEGIN : TP_FLUSH_END, m);

	if (begin)
		e->seq++;
	st->args[0] = e->kvm;
	st->args[1] = start;
	st->args[2] = pages;
	st->args[3] = e->seq;
	st->nargs = 4;
}

static void pflush_pair(struct bench_env *e, struct step *s, int *n,
			__u64 start, __u64 pages)
{
	pflush(e, s, n, true, false, start, pages);
	pflush(e, s, n, false, false, start, pages);
}

/*
 * A stock kernel's flush as its fentry hooks report it: this host cannot
 * attach fentry, so the event goes straight to the protocol program.
 */
static void sflush_pair(struct bench_env *e, struct step *s, int *n, __u64 vm,
			__u64 start, __u64 pages)
{
	int type;

	e->tag++;
	for (type = EVENT_FLUSH_BEGIN; type <= EVENT_FLUSH_END; type++) {
		struct step *st = step(s, n, TP_FEED, false);

		st->feed.type = type;
		st->feed.vm.vm = vm;
		st->feed.vm.tag = e->tag;
		st->feed.vm.stack_id = -1;
		if (type == EVENT_FLUSH_BEGIN) {
			st->feed.vm.start_gfn = start;
			st->feed.vm.pages = pages;
		}
	}
}

/* This task's entry in task_ctx, as the stock context hooks write it. */
static void ctx(struct step *s, int *n, __u32 hook, __u32 flags)
{
	struct step *st = step(s, n, TP_CTX, false);

	st->args[0] = flags;
	st->args[1] = hook;
	st->args[2] = 1;
}

static void ctx_clear(struct step *s, int *n)
{
	step(s, n, TP_CTX, false);
}

#define CTX_MAP(s, n) ctx(s, n, HOOK_map, SPTE_F_LOCK_KNOWN | SPTE_F_SHARED)
#define CTX_UNMAP(s, n) ctx(s, n, HOOK_unmap_gfn_range, SPTE_F_LOCK_KNOWN)
#define CTX_WRPROT(s, n) \
	ctx(s, n, HOOK_wrprot_slot, SPTE_F_LOCK_KNOWN | SPTE_F_SHARED)

/* ---- Patched kernel ---------------------------------------------------------- */

static int p_install(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, true, g, 1, 0, b_leaf(g, 1));
	return n;
}

static int p_zap(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 1, 0, b_leaf(g, 1));
	patched(e, s, &n, TP_SET, true, g, 1, b_leaf(g, 1), 0);
	return n;
}

static int p_freeze(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 1, 0, b_leaf(g, 1));
	patched(e, s, &n, TP_FREEZE, true, g, 1, b_leaf(g, 1), B_REMOVED);
	return n;
}

static int p_unfreeze(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 1, 0, b_leaf(g, 1));
	patched(e, s, &n, TP_FREEZE, false, g, 1, b_leaf(g, 1), B_REMOVED);
	pflush_pair(e, s, &n, g, 1);
	patched(e, s, &n, TP_UNFREEZE, true, g, 1, B_REMOVED, 0);
	return n;
}

/* Install, zap, then the flush of @pages (0: none), then install again. */
static int p_reinstall(struct bench_env *e, __u64 g, struct step *s,
		       __u64 pages)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 1, 0, b_leaf(g, 1));
	patched(e, s, &n, TP_SET, false, g, 1, b_leaf(g, 1), 0);
	if (pages)
		pflush_pair(e, s, &n, pages == ALL ? 0 : g, pages);
	patched(e, s, &n, TP_SET, true, g, 1, 0, b_leaf(g, 1));
	return n;
}

static int p_reinstall_ranged(struct bench_env *e, __u64 g, __u64 i,
			      struct step *s)
{
	return p_reinstall(e, g, s, 1);
}

static int p_reinstall_full(struct bench_env *e, __u64 g, __u64 i,
			    struct step *s)
{
	return p_reinstall(e, g, s, ALL);
}

static int p_reinstall_uncovered(struct bench_env *e, __u64 g, __u64 i,
				 struct step *s)
{
	return p_reinstall(e, g, s, 0);
}

/* The fault path after an atomic zap: freeze, flush, unfreeze, install. */
static int p_reinstall_atomic(struct bench_env *e, __u64 g, __u64 i,
			      struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 1, 0, b_leaf(g, 1));
	patched(e, s, &n, TP_FREEZE, false, g, 1, b_leaf(g, 1), B_REMOVED);
	pflush_pair(e, s, &n, g, 1);
	patched(e, s, &n, TP_UNFREEZE, false, g, 1, B_REMOVED, 0);
	patched(e, s, &n, TP_SET, true, g, 1, 0, b_leaf(g, 1));
	return n;
}

static int p_accessed(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 1, 0, b_leaf(g, 1));
	patched(e, s, &n, TP_SET, true, g, 1, b_leaf(g, 1),
		b_leaf(g, 1) | 0x60);
	return n;
}

static int p_wrprot(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 1, 0, b_leaf(g, 1));
	patched(e, s, &n, TP_SET, true, g, 1, b_leaf(g, 1),
		b_leaf(g, 1) & ~B_W);
	return n;
}

static int p_flush(struct bench_env *e, __u64 g, struct step *s, bool full,
		   bool end)
{
	__u64 start = full ? 0 : g, pages = full ? ALL : 1;
	int n = 0;

	pflush(e, s, &n, true, !end, start, pages);
	pflush(e, s, &n, false, end, start, pages);
	return n;
}

static int p_flush_begin_full(struct bench_env *e, __u64 g, __u64 i,
			      struct step *s)
{
	return p_flush(e, g, s, true, false);
}

static int p_flush_end_full(struct bench_env *e, __u64 g, __u64 i,
			    struct step *s)
{
	return p_flush(e, g, s, true, true);
}

static int p_flush_begin_ranged(struct bench_env *e, __u64 g, __u64 i,
				struct step *s)
{
	return p_flush(e, g, s, false, false);
}

static int p_flush_end_ranged(struct bench_env *e, __u64 g, __u64 i,
			      struct step *s)
{
	return p_flush(e, g, s, false, true);
}

static void deadline(struct bench_env *e, struct step *s, int *n, bool m,
		     int reason)
{
	struct step *st = step(s, n, TP_DEADLINE, m);

	st->args[0] = e->kvm;
	st->args[1] = reason;
	st->nargs = 2;
}

static int p_deadline_owed(struct bench_env *e, __u64 g, __u64 i,
			   struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 1, 0, b_leaf(g, 1));
	patched(e, s, &n, TP_SET, false, g, 1, b_leaf(g, 1), 0);
	pflush_pair(e, s, &n, g, 1);
	deadline(e, s, &n, true, DEADLINE_UNLOCK);
	return n;
}

static int p_deadline_none(struct bench_env *e, __u64 g, __u64 i,
			   struct step *s)
{
	int n = 0;

	deadline(e, s, &n, true, DEADLINE_NOTIFIER);
	return n;
}

/*
 * A 2M region's page table (at pfn 0x200000 + g) linked, zapped, flushed,
 * then freed: kvm_tdp_mmu_free_sp() of a struct kvm_mmu_page whose spt
 * the benchmark wrote into kernel memory.
 */
static int p_free_sp(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	__u64 pfn = 0x200000ULL + g;
	struct step *st;
	int n = 0;

	patched(e, s, &n, TP_SET, false, g, 2, 0, b_table(pfn));
	patched(e, s, &n, TP_SET, false, g, 2, b_table(pfn), 0);
	pflush_pair(e, s, &n, 0, ALL);
	st = step(s, &n, TP_FAKE_SP, false);
	st->args[0] = pfn << 12;
	st->args[1] = g;
	st->args[2] = 1;
	st = step(s, &n, TP_FREE_SP, true);
	st->args[0] = e->sp;
	st->nargs = 1;
	return n;
}

/*
 * The worst install: a 2M leaf over a region where a 4K zap is not known
 * to be covered, so the walk looks up every 4K SPTE below it.
 */
static int p_install_2m_walk(struct bench_env *e, __u64 g, __u64 i,
			     struct step *s)
{
	int n = 0;

	patched(e, s, &n, TP_SET, false, g + 1, 1, 0, b_leaf(g + 1, 1));
	patched(e, s, &n, TP_SET, false, g + 1, 1, b_leaf(g + 1, 1), 0);
	patched(e, s, &n, TP_SET, true, g, 2, 0, b_leaf(g, 2));
	return n;
}

/* ---- Stock kernel ------------------------------------------------------------- */

static int s_install(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	CTX_MAP(s, &n);
	stock(s, &n, true, g, 1, 0, b_leaf(g, 1));
	return n;
}

static int s_zap(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	CTX_MAP(s, &n);
	stock(s, &n, false, g, 1, 0, b_leaf(g, 1));
	CTX_UNMAP(s, &n);
	stock(s, &n, true, g, 1, b_leaf(g, 1), 0);
	return n;
}

static int s_freeze(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	CTX_MAP(s, &n);
	stock(s, &n, false, g, 1, 0, b_leaf(g, 1));
	stock(s, &n, true, g, 1, b_leaf(g, 1), B_REMOVED);
	return n;
}

static int s_reinstall(struct bench_env *e, __u64 g, struct step *s,
		       __u64 pages)
{
	int n = 0;

	CTX_MAP(s, &n);
	stock(s, &n, false, g, 1, 0, b_leaf(g, 1));
	CTX_UNMAP(s, &n);
	stock(s, &n, false, g, 1, b_leaf(g, 1), 0);
	if (pages)
		sflush_pair(e, s, &n, e->stock_vm, pages == ALL ? 0 : g, pages);
	CTX_MAP(s, &n);
	stock(s, &n, true, g, 1, 0, b_leaf(g, 1));
	return n;
}

static int s_reinstall_ranged(struct bench_env *e, __u64 g, __u64 i,
			      struct step *s)
{
	return s_reinstall(e, g, s, 1);
}

static int s_reinstall_full(struct bench_env *e, __u64 g, __u64 i,
			    struct step *s)
{
	return s_reinstall(e, g, s, ALL);
}

static int s_reinstall_uncovered(struct bench_env *e, __u64 g, __u64 i,
				 struct step *s)
{
	return s_reinstall(e, g, s, 0);
}

static int s_accessed(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	CTX_MAP(s, &n);
	stock(s, &n, false, g, 1, 0, b_leaf(g, 1));
	stock(s, &n, true, g, 1, b_leaf(g, 1), b_leaf(g, 1) | 0x60);
	return n;
}

static int s_wrprot(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	CTX_MAP(s, &n);
	stock(s, &n, false, g, 1, 0, b_leaf(g, 1));
	CTX_WRPROT(s, &n);
	stock(s, &n, true, g, 1, b_leaf(g, 1), b_leaf(g, 1) & ~B_W);
	return n;
}

/* No task context: the VM is guessed from the task's mm. */
static int s_install_noctx(struct bench_env *e, __u64 g, __u64 i,
			   struct step *s)
{
	int n = 0;

	ctx_clear(s, &n);
	stock(s, &n, true, g, 1, 0, b_leaf(g, 1));
	return n;
}

static int s_zap_noctx(struct bench_env *e, __u64 g, __u64 i, struct step *s)
{
	int n = 0;

	ctx_clear(s, &n);
	stock(s, &n, false, g, 1, 0, b_leaf(g, 1));
	stock(s, &n, true, g, 1, b_leaf(g, 1), 0);
	return n;
}

static int s_reinstall_noctx(struct bench_env *e, __u64 g, __u64 i,
			     struct step *s)
{
	int n = 0;

	ctx_clear(s, &n);
	stock(s, &n, false, g, 1, 0, b_leaf(g, 1));
	stock(s, &n, false, g, 1, b_leaf(g, 1), 0);
	stock(s, &n, true, g, 1, 0, b_leaf(g, 1));
	return n;
}

static int s_accessed_noctx(struct bench_env *e, __u64 g, __u64 i,
			    struct step *s)
{
	int n = 0;

	ctx_clear(s, &n);
	stock(s, &n, false, g, 1, 0, b_leaf(g, 1));
	stock(s, &n, true, g, 1, b_leaf(g, 1), b_leaf(g, 1) | 0x60);
	return n;
}

/* ---- Warm state, shared with tools/bench/bench.c ----------------------------- */

/* The VM's flush history: one full flush, then 12 ranged ones far away. */
int bench_warm(struct bench_env *e, bool is_stock, struct step *s)
{
	int n = 0, i;

	if (is_stock)
		sflush_pair(e, s, &n, e->stock_vm, 0, ALL);
	else
		pflush_pair(e, s, &n, 0, ALL);
	for (i = 0; i < 12; i++) {
		__u64 start = 0x3e000000ULL + i * 64;

		if (is_stock)
			sflush_pair(e, s, &n, e->stock_vm, start, 64);
		else
			pflush_pair(e, s, &n, start, 64);
	}
	return n;
}

/*
 * A zap in the VM that no flush has covered yet, as on a host whose VMs
 * keep zapping: an install then cannot skip its walk on the grounds that
 * a full flush came after every zap of the VM.
 */
int bench_owed_zap(struct bench_env *e, bool is_stock, __u64 gfn,
		   struct step *s)
{
	int n = 0;

	if (is_stock) {
		CTX_MAP(s, &n);
		stock(s, &n, false, gfn, 1, 0, b_leaf(gfn, 1));
		CTX_UNMAP(s, &n);
		stock(s, &n, false, gfn, 1, b_leaf(gfn, 1), 0);
		ctx_clear(s, &n);
	} else {
		patched(e, s, &n, TP_SET, false, gfn, 1, 0, b_leaf(gfn, 1));
		patched(e, s, &n, TP_SET, false, gfn, 1, b_leaf(gfn, 1), 0);
	}
	return n;
}

/* ---- The table --------------------------------------------------------------- */

/* The measured step moves it once; or each iteration's setup does. */
#define OUT(o)                             \
	{                                  \
		EXP_OUTCOME, OUT_##o, 1, 0 \
	}
#define TR(t)                                \
	{                                    \
		EXP_TRANSITION, TR_##t, 1, 0 \
	}
#define CNT(c)                             \
	{                                  \
		EXP_COUNTER, CNT_##c, 1, 0 \
	}
#define SETUP_OUT(o)                       \
	{                                  \
		EXP_OUTCOME, OUT_##o, 0, 1 \
	}
#define SETUP_TR(t)                          \
	{                                    \
		EXP_TRANSITION, TR_##t, 0, 1 \
	}
#define SETUP_CNT(c)                       \
	{                                  \
		EXP_COUNTER, CNT_##c, 0, 1 \
	}

#define P "patched kernel"
#define S "stock kernel, task context (fentry hooks)"
#define SN "stock kernel, no task context (VM guessed from mm)"

/* clang-format off */
const struct bench_case bench_cases[] = {
	{ "install (first)", P, false, true, 1, 1, p_install,
	  { OUT(FIRST) } },
	{ "zap (direct, mmu_lock held for write)", P, false, true, 1, 1, p_zap,
	  { TR(ZAP), SETUP_OUT(FIRST) } },
	{ "freeze (atomic zap)", P, false, true, 1, 1, p_freeze,
	  { TR(FREEZE) } },
	{ "unfreeze (after its flush)", P, false, true, 1, 1, p_unfreeze,
	  { TR(UNFREEZE), SETUP_TR(FREEZE) } },
	{ "install after zap, covered (ranged flush)", P, false, true, 1, 1,
	  p_reinstall_ranged, { OUT(COVERED) } },
	{ "install after zap, covered (full flush)", P, false, true, 1, 1,
	  p_reinstall_full, { OUT(COVERED) } },
	{ "install after zap, uncovered (same pfn: benign)", P, false, true, 1,
	  1, p_reinstall_uncovered, { OUT(STALE_SAME) } },
	{ "install after freeze, flush, unfreeze", P, false, true, 1, 1,
	  p_reinstall_atomic, { OUT(COVERED), SETUP_TR(UNFREEZE) } },
	{ "present->present: A/D bits", P, false, true, 1, 1, p_accessed,
	  { TR(MODIFY) } },
	{ "present->present: write-protect", P, false, true, 1, 1, p_wrprot,
	  { TR(PROTECT) } },
	{ "flush begin (full)", P, false, false, 1, 1, p_flush_begin_full,
	  { CNT(FLUSH_BEGIN), SETUP_CNT(FLUSH_END) } },
	{ "flush end (full)", P, false, false, 1, 1, p_flush_end_full,
	  { CNT(FLUSH_END), SETUP_CNT(FLUSH_BEGIN) } },
	{ "flush begin (ranged)", P, false, false, 1, 1, p_flush_begin_ranged,
	  { CNT(FLUSH_BEGIN), SETUP_CNT(FLUSH_END) } },
	{ "flush end (ranged)", P, false, false, 1, 1, p_flush_end_ranged,
	  { CNT(FLUSH_END), SETUP_CNT(FLUSH_BEGIN) } },
	{ "deadline, zaps owed and covered", P, false, false, 1, 1,
	  p_deadline_owed, { CNT(DEADLINES_UNLOCK), SETUP_TR(ZAP) } },
	{ "deadline, nothing owed", P, false, false, 1, 1, p_deadline_none,
	  { CNT(DEADLINES_NOTIFIER) } },
	{ "page table free (after its flush)", P, false, false, 512, 1,
	  p_free_sp, { CNT(FREE_PT), SETUP_TR(LINK) } },
	{ "install 2M over an uncovered 4K zap (515-step walk)", P, false, true,
	  512, 8, p_install_2m_walk, { OUT(STALE_SAME) } },

	{ "install (first)", S, true, true, 1, 1, s_install,
	  { OUT(FIRST) } },
	{ "zap (mmu_lock held for write)", S, true, true, 1, 1, s_zap,
	  { TR(ZAP), SETUP_OUT(FIRST) } },
	{ "atomic zap (present -> removed)", S, true, true, 1, 1, s_freeze,
	  { TR(FREEZE) } },
	{ "install after zap, covered (ranged flush)", S, true, true, 1, 1,
	  s_reinstall_ranged, { OUT(COVERED) } },
	{ "install after zap, covered (full flush)", S, true, true, 1, 1,
	  s_reinstall_full, { OUT(COVERED) } },
	{ "install after zap, uncovered (same pfn: benign)", S, true, true, 1,
	  1, s_reinstall_uncovered, { OUT(STALE_SAME) } },
	{ "present->present: A/D bits", S, true, true, 1, 1, s_accessed,
	  { TR(MODIFY) } },
	{ "present->present: write-protect", S, true, true, 1, 1, s_wrprot,
	  { TR(PROTECT) } },

	{ "install (first)", SN, true, true, 1, 1, s_install_noctx,
	  { OUT(FIRST) } },
	{ "zap", SN, true, true, 1, 1, s_zap_noctx, { TR(ZAP) } },
	{ "install after zap (VM a guess: unverified)", SN, true, true, 1, 1,
	  s_reinstall_noctx, { OUT(UNVERIFIED) } },
	{ "present->present: A/D bits", SN, true, true, 1, 1,
	  s_accessed_noctx, { TR(MODIFY) } },
};
/* clang-format on */

const int bench_ncases = sizeof(bench_cases) / sizeof(bench_cases[0]);
