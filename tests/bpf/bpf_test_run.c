// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF programs, loaded into this kernel and run with BPF_PROG_TEST_RUN
 * on synthetic tracepoint arguments: every transition, every install
 * outcome and every loss counter, with the report each one must produce.
 *
 * Events enter through the patched kernel's raw tracepoint programs (which
 * take the VM as an argument) and, for the stock mode, through
 * stock_spte_changed, which keys the VM by the calling process's mm.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "monitor.h"
#include "hist.h"
#include "names.h"
#include "spte.h"

#define VM_A 0xffff888100000000ULL
#define VM_B 0xffff888200000000ULL
#define MAX_SEEN 256

#define P_BIT (1ULL << 0)
#define W_BIT (1ULL << 1)
#define U_BIT (1ULL << 2)
#define LARGE (1ULL << 7)
#define PRESENT (1ULL << 11)
#define REMOVED 0x5a0ULL

struct tb {
	struct monitor *mon;
	struct violation seen[MAX_SEEN];
	int nseen;
	__u64 seq; /* the "kernel's" flush sequence */
};

static void on_violation(void *arg, const struct violation *v)
{
	struct tb *tb = arg;

	if (tb->nseen < MAX_SEEN)
		tb->seen[tb->nseen] = *v;
	tb->nseen++;
}

/* A leaf SPTE in the NPT format: present, user, optionally writable. */
static __u64 leaf(__u64 pfn, int writable, int level)
{
	return PRESENT | P_BIT | U_BIT | (writable ? W_BIT : 0) |
	       (level > 1 ? LARGE : 0) | pfn << 12;
}

struct tb_opts {
	bool stock; /* stock_spte_changed + VMs keyed by mm */
	bool no_flush; /* no flush source attached */
	__u32 max_pending;
	__u32 max_sptes;
	__u32 violations_kb;
};

static struct tb *tb_open(const struct tb_opts *to)
{
	struct source_plan plan = {};
	struct monitor_opts o;
	struct tb *tb = calloc(1, sizeof(*tb));
	int err;

	assert_non_null(tb);
	monitor_opts__default(&o);
	spte_config__default(&o.cfg);
	o.on_violation = on_violation;
	o.arg = tb;
	if (to && to->max_pending)
		o.max_pending = to->max_pending;
	if (to && to->max_sptes)
		o.max_sptes = to->max_sptes;
	if (to && to->violations_kb)
		o.violations_kb = to->violations_kb;
	plan.spte = to && to->stock ? SPTE_SRC_STOCK : SPTE_SRC_PATCHED;
	plan.flush = to && to->no_flush ? HOOK_SRC_NONE : HOOK_SRC_PATCHED;
	plan.teardown = HOOK_SRC_PATCHED;
	err = monitor__open_detached(&tb->mon, &o, &plan);
	if (err)
		fail_msg("loading the BPF programs: %s", strerror(-err));
	return tb;
}

static void tb_close(struct tb *tb)
{
	monitor__destroy(tb->mon);
	free(tb);
}

static void run(struct tb *tb, const char *prog, __u64 *args, size_t nargs)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
		    .ctx_size_in = nargs * sizeof(__u64));
	int fd = monitor__prog_fd(tb->mon, prog);

	assert_true(fd >= 0);
	if (bpf_prog_test_run_opts(fd, &opts))
		fail_msg("BPF_PROG_TEST_RUN %s: %s", prog, strerror(errno));
	assert_int_equal(opts.retval, 0);
}

static void spte(struct tb *tb, const char *op, __u64 vm, __u64 gfn, int level,
		 __u64 old, __u64 new)
{
	__u64 args[7] = { vm,  0,  gfn, level, 0xffffc90000001000ULL + gfn * 8,
			  old, new };
	char prog[40];

	snprintf(prog, sizeof(prog), "patched_spte_%s", op);
	run(tb, prog, args, 7);
}

/* kvmmmu:kvm_tdp_mmu_spte_changed(as_id, gfn, level, old, new) */
static void stock(struct tb *tb, __u64 gfn, int level, __u64 old, __u64 new)
{
	__u64 args[5] = { 0, gfn, level, old, new };

	run(tb, "stock_spte_changed", args, 5);
}

static void flush(struct tb *tb, const char *which, __u64 vm, __u64 start,
		  __u64 pages, __u64 seq)
{
	__u64 args[4] = { vm, start, pages, seq };
	char prog[40];

	snprintf(prog, sizeof(prog), "patched_flush_%s", which);
	run(tb, prog, args, 4);
}

static void flush_all(struct tb *tb, __u64 vm)
{
	tb->seq++;
	flush(tb, "begin", vm, 0, FLUSH_ALL_PAGES, tb->seq);
	flush(tb, "end", vm, 0, FLUSH_ALL_PAGES, tb->seq);
}

static void flush_range(struct tb *tb, __u64 vm, __u64 start, __u64 pages)
{
	tb->seq++;
	flush(tb, "begin", vm, start, pages, tb->seq);
	flush(tb, "end", vm, start, pages, tb->seq);
}

static void teardown(struct tb *tb, const char *which, __u64 vm)
{
	__u64 args[1] = { vm };
	char prog[40];

	snprintf(prog, sizeof(prog), "patched_teardown_%s", which);
	run(tb, prog, args, 1);
}

static void snap(struct tb *tb, struct snapshot *s)
{
	assert_int_equal(monitor__poll(tb->mon, 0) >= 0, 1);
	assert_int_equal(monitor__snapshot(tb->mon, s), 0);
}

static __u64 outcome(const struct snapshot *s, __u32 out, int level)
{
	return s->stats.outcomes[out][level - 1];
}

static __u64 transition(const struct snapshot *s, __u32 tr, int level)
{
	return s->stats.transitions[tr][level - 1];
}

/* The atomic zap of the TDP MMU: freeze, (flush), write non-present. */
static void atomic_zap(struct tb *tb, __u64 vm, __u64 gfn, int level, __u64 old,
		       bool do_flush)
{
	spte(tb, "freeze", vm, gfn, level, old, REMOVED);
	if (do_flush)
		flush_range(tb, vm, gfn, 1ULL << (9 * (level - 1)));
	spte(tb, "unfreeze", vm, gfn, level, REMOVED, 0);
}

/* Exactly one outcome of one kind, at one level, and nothing alarming. */
static void assert_only_outcome(const struct snapshot *s, __u32 out, int level,
				__u64 n)
{
	__u32 o;
	int l;

	for (o = 0; o < OUT_MAX; o++)
		for (l = 1; l <= SPTE_LEVELS; l++)
			if (outcome(s, o, l))
				print_message("outcome %s level %d: %llu\n",
					      outcome_name(o), l,
					      (unsigned long long)outcome(s, o,
									  l));
	for (o = 0; o < OUT_MAX; o++)
		for (l = 1; l <= SPTE_LEVELS; l++)
			if (o == out && l == level)
				assert_int_equal(outcome(s, o, l), n);
			else if (o != OUT_FIRST && outcome(s, o, l))
				fail_msg(
					"unexpected outcome %s at level %d: %llu",
					outcome_name(o), l,
					(unsigned long long)outcome(s, o, l));
}

/* ---- Correct sequences: no violation ---------------------------------- */

static void test_first_install(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x100, 1, 0, leaf(0x1000, 1, 1));
	snap(tb, &s);
	assert_int_equal(transition(&s, TR_INSTALL, 1), 1);
	assert_int_equal(outcome(&s, OUT_FIRST, 1), 1);
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

static void test_atomic_zap_covered(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x100, 1, 0, leaf(0x1000, 1, 1));
	atomic_zap(tb, VM_A, 0x100, 1, leaf(0x1000, 1, 1), true);
	spte(tb, "set", VM_A, 0x100, 1, 0, leaf(0x2000, 1, 1));
	snap(tb, &s);
	assert_int_equal(transition(&s, TR_FREEZE, 1), 1);
	assert_int_equal(transition(&s, TR_UNFREEZE, 1), 1);
	assert_int_equal(transition(&s, TR_INSTALL, 1), 2);
	assert_only_outcome(&s, OUT_COVERED, 1, 1);
	assert_int_equal(tb->nseen, 0);
	/* Every histogram got its sample at 4K; flushes were ranged. */
	assert_int_equal(hist_count(&s.hists.h[HIST_ZAP_TO_INSTALL][0]), 1);
	assert_int_equal(hist_count(&s.hists.h[HIST_PRESENT_LIFETIME][0]), 1);
	assert_int_equal(hist_count(&s.hists.h[HIST_FROZEN_WINDOW][0]), 1);
	assert_int_equal(hist_count(&s.hists.h[HIST_FLUSH_LATENCY][1]), 1);
	assert_int_equal(hist_count(&s.hists.h[HIST_FLUSH_LATENCY][0]), 0);
	tb_close(tb);
}

/* A direct zap (mmu_lock held for write) followed by a full flush. */
static void test_direct_zap_full_flush(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x200, 1, 0, leaf(0x1000, 1, 1));
	spte(tb, "set", VM_A, 0x200, 1, leaf(0x1000, 1, 1), 0);
	flush_all(tb, VM_A);
	spte(tb, "set", VM_A, 0x200, 1, 0, leaf(0x3000, 1, 1));
	snap(tb, &s);
	assert_int_equal(transition(&s, TR_ZAP, 1), 1);
	assert_only_outcome(&s, OUT_COVERED, 1, 1);
	assert_int_equal(hist_count(&s.hists.h[HIST_FLUSH_LATENCY][0]), 1);
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

/* 4K, 2M and 1G: outcomes and histograms land at their own level. */
static void test_levels(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;
	int level;

	for (level = 1; level <= 3; level++) {
		__u64 gfn = 0x40000ULL * level;

		spte(tb, "set", VM_A, gfn, level, 0, leaf(0x100000, 1, level));
		atomic_zap(tb, VM_A, gfn, level, leaf(0x100000, 1, level),
			   true);
		spte(tb, "set", VM_A, gfn, level, 0, leaf(0x200000, 1, level));
	}
	snap(tb, &s);
	for (level = 1; level <= 3; level++) {
		assert_int_equal(outcome(&s, OUT_COVERED, level), 1);
		assert_int_equal(transition(&s, TR_FREEZE, level), 1);
		assert_int_equal(
			hist_count(&s.hists.h[HIST_ZAP_TO_INSTALL][level - 1]),
			1);
	}
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

/* Present -> present changes that are legal: protect, A/D, split. */
static void test_present_changes(void **state)
{
	struct tb *tb = tb_open(NULL);
	__u64 rw = leaf(0x1000, 1, 2), ro = leaf(0x1000, 0, 2);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x400, 2, 0, rw);
	spte(tb, "set", VM_A, 0x400, 2, rw, ro); /* protect */
	spte(tb, "set", VM_A, 0x400, 2, ro, ro | (1ULL << 5)); /* accessed */
	spte(tb, "set", VM_A, 0x400, 2, ro | (1ULL << 5),
	     PRESENT | P_BIT | W_BIT | U_BIT | 0x77000ULL); /* split */
	snap(tb, &s);
	assert_int_equal(transition(&s, TR_PROTECT, 2), 1);
	assert_int_equal(transition(&s, TR_MODIFY, 2), 1);
	assert_int_equal(transition(&s, TR_SPLIT, 2), 1);
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

/* The remaining transitions, each counted once at its level. */
static void test_other_transitions(void **state)
{
	struct tb *tb = tb_open(NULL);
	__u64 table = PRESENT | P_BIT | W_BIT | U_BIT | 0x77000ULL;
	__u64 mmio = 0x3ULL << 52 | 0x6; /* non-present, not removed */
	struct snapshot s;

	spte(tb, "freeze", VM_A, 0xa0, 1, 0, REMOVED); /* freeze_empty */
	spte(tb, "set", VM_A, 0xa0, 1, REMOVED,
	     leaf(1, 1, 1)); /* install_over_removed */
	spte(tb, "set", VM_A, 0xb0, 1, 0, leaf(2, 0, 1));
	spte(tb, "set", VM_A, 0xb0, 1, leaf(2, 0, 1),
	     leaf(2, 1, 1)); /* widen */
	spte(tb, "set", VM_A, 0xc0, 2, 0, table);
	spte(tb, "set", VM_A, 0xc0, 2, table, leaf(0x200, 1, 2)); /* collapse */
	spte(tb, "set", VM_A, 0xd0, 1, mmio, 0); /* nonpresent */
	spte(tb, "set", VM_A, 0xd0, 1, 0, 0); /* same value */
	snap(tb, &s);
	assert_int_equal(transition(&s, TR_FREEZE_EMPTY, 1), 1);
	assert_int_equal(transition(&s, TR_INSTALL_REMOVED, 1), 1);
	assert_int_equal(transition(&s, TR_WIDEN, 1), 1);
	assert_int_equal(transition(&s, TR_COLLAPSE, 2), 1);
	assert_int_equal(transition(&s, TR_NONPRESENT, 1), 1);
	assert_int_equal(s.stats.counters[CNT_SAME_VALUE], 1);
	assert_int_equal(s.stats.counters[CNT_SPTE_EVENTS], 8);
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

/* ---- Violations -------------------------------------------------------- */

static void assert_report(const struct violation *v, __u32 out, __u64 vm,
			  __u64 gfn, int level, __u64 old, __u64 new)
{
	assert_int_equal(v->outcome, out);
	assert_int_equal(v->vm, vm);
	assert_int_equal(v->gfn, gfn);
	assert_int_equal(v->level, level);
	assert_int_equal(v->old_spte, old);
	assert_int_equal(v->new_spte, new);
}

static void test_violation_pfn(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x500, 1, 0, leaf(0x1000, 1, 1));
	atomic_zap(tb, VM_A, 0x500, 1, leaf(0x1000, 1, 1), false);
	spte(tb, "set", VM_A, 0x500, 1, 0, leaf(0x2000, 1, 1));
	snap(tb, &s);
	assert_only_outcome(&s, OUT_VIOL_PFN, 1, 1);
	assert_int_equal(tb->nseen, 1);
	assert_report(&tb->seen[0], OUT_VIOL_PFN, VM_A, 0x500, 1,
		      leaf(0x1000, 1, 1), leaf(0x2000, 1, 1));
	assert_int_equal(tb->seen[0].zap_spte, REMOVED);
	assert_true(tb->seen[0].ts_ns >= tb->seen[0].zap_ns);
	tb_close(tb);
}

static void test_violation_perm(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x600, 2, 0, leaf(0x1000, 0, 2));
	atomic_zap(tb, VM_A, 0x600, 2, leaf(0x1000, 0, 2), false);
	spte(tb, "set", VM_A, 0x600, 2, 0, leaf(0x1000, 1, 2));
	snap(tb, &s);
	assert_only_outcome(&s, OUT_VIOL_PERM, 2, 1);
	assert_int_equal(tb->nseen, 1);
	assert_report(&tb->seen[0], OUT_VIOL_PERM, VM_A, 0x600, 2,
		      leaf(0x1000, 0, 2), leaf(0x1000, 1, 2));
	tb_close(tb);
}

/* Same mapping reinstalled before the flush: counted, not alarmed. */
static void test_same_mapping_benign(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x700, 1, 0, leaf(0x1000, 1, 1));
	atomic_zap(tb, VM_A, 0x700, 1, leaf(0x1000, 1, 1), false);
	spte(tb, "set", VM_A, 0x700, 1, 0, leaf(0x1000, 1, 1));
	snap(tb, &s);
	assert_only_outcome(&s, OUT_SAME_MAPPING, 1, 1);
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

static void test_present_pfn_change(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x800, 1, 0, leaf(0x1000, 1, 1));
	spte(tb, "set", VM_A, 0x800, 1, leaf(0x1000, 1, 1), leaf(0x9000, 1, 1));
	snap(tb, &s);
	assert_only_outcome(&s, OUT_PRESENT_PFN, 1, 1);
	assert_int_equal(tb->nseen, 1);
	assert_report(&tb->seen[0], OUT_PRESENT_PFN, VM_A, 0x800, 1,
		      leaf(0x1000, 1, 1), leaf(0x9000, 1, 1));
	tb_close(tb);
}

/* A flush that began before the zap does not cover it, even if it ends after. */
static void test_flush_begun_before_zap(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x900, 1, 0, leaf(0x1000, 1, 1));
	tb->seq++;
	flush(tb, "begin", VM_A, 0, FLUSH_ALL_PAGES, tb->seq);
	spte(tb, "set", VM_A, 0x900, 1, leaf(0x1000, 1, 1), 0);
	flush(tb, "end", VM_A, 0, FLUSH_ALL_PAGES, tb->seq);
	spte(tb, "set", VM_A, 0x900, 1, 0, leaf(0x2000, 1, 1));
	snap(tb, &s);
	assert_only_outcome(&s, OUT_VIOL_PFN, 1, 1);
	assert_int_equal(tb->nseen, 1);
	tb_close(tb);
}

/* Begun after the zap but not yet completed at the install: not covered. */
static void test_flush_incomplete(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x950, 1, 0, leaf(0x1000, 1, 1));
	spte(tb, "set", VM_A, 0x950, 1, leaf(0x1000, 1, 1), 0);
	tb->seq++;
	flush(tb, "begin", VM_A, 0, FLUSH_ALL_PAGES, tb->seq);
	spte(tb, "set", VM_A, 0x950, 1, 0, leaf(0x2000, 1, 1));
	flush(tb, "end", VM_A, 0, FLUSH_ALL_PAGES, tb->seq);
	snap(tb, &s);
	assert_only_outcome(&s, OUT_VIOL_PFN, 1, 1);
	tb_close(tb);
}

/* A ranged flush covers only the GFNs in its range. */
static void test_ranged_flush(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x1000, 1, 0, leaf(0x1, 1, 1));
	spte(tb, "set", VM_A, 0x2000, 1, 0, leaf(0x2, 1, 1));
	spte(tb, "set", VM_A, 0x1000, 1, leaf(0x1, 1, 1), 0);
	spte(tb, "set", VM_A, 0x2000, 1, leaf(0x2, 1, 1), 0);
	flush_range(tb, VM_A, 0x1000, 0x10); /* [0x1000, 0x1010) */
	spte(tb, "set", VM_A, 0x1000, 1, 0, leaf(0x3, 1, 1));
	spte(tb, "set", VM_A, 0x2000, 1, 0, leaf(0x4, 1, 1));
	snap(tb, &s);
	assert_int_equal(outcome(&s, OUT_COVERED, 1), 1);
	assert_int_equal(outcome(&s, OUT_VIOL_PFN, 1), 1);
	assert_int_equal(tb->nseen, 1);
	assert_int_equal(tb->seen[0].gfn, 0x2000);
	tb_close(tb);
}

/* A 2M SPTE needs a range that covers all its 512 pages. */
static void test_ranged_flush_partial_huge(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x200, 2, 0, leaf(0x200, 1, 2));
	spte(tb, "set", VM_A, 0x200, 2, leaf(0x200, 1, 2), 0);
	flush_range(tb, VM_A, 0x200, 1);
	spte(tb, "set", VM_A, 0x200, 2, 0, leaf(0x400, 1, 2));
	snap(tb, &s);
	assert_only_outcome(&s, OUT_VIOL_PFN, 2, 1);
	tb_close(tb);
}

/* Two VMs interleaved: one VM's flush never covers the other's zap. */
static void test_two_vms(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x10, 1, 0, leaf(0x1, 1, 1));
	spte(tb, "set", VM_B, 0x10, 1, 0, leaf(0x2, 1, 1));
	spte(tb, "freeze", VM_A, 0x10, 1, leaf(0x1, 1, 1), REMOVED);
	spte(tb, "freeze", VM_B, 0x10, 1, leaf(0x2, 1, 1), REMOVED);
	flush_all(tb, VM_B);
	spte(tb, "unfreeze", VM_B, 0x10, 1, REMOVED, 0);
	spte(tb, "unfreeze", VM_A, 0x10, 1, REMOVED, 0);
	spte(tb, "set", VM_B, 0x10, 1, 0, leaf(0x5, 1, 1));
	spte(tb, "set", VM_A, 0x10, 1, 0, leaf(0x6, 1, 1));
	snap(tb, &s);
	assert_int_equal(outcome(&s, OUT_COVERED, 1), 1);
	assert_int_equal(outcome(&s, OUT_VIOL_PFN, 1), 1);
	assert_int_equal(tb->nseen, 1);
	assert_int_equal(tb->seen[0].vm, VM_A);
	tb_close(tb);
}

/* Zaps of roots being torn down owe no remote flush. */
static void test_teardown(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x30, 1, 0, leaf(0x1, 1, 1));
	teardown(tb, "begin", VM_A);
	spte(tb, "set", VM_A, 0x30, 1, leaf(0x1, 1, 1), 0);
	teardown(tb, "end", VM_A);
	spte(tb, "set", VM_A, 0x30, 1, 0, leaf(0x2, 1, 1));
	/* After the teardown ended, zaps are tracked again. */
	spte(tb, "set", VM_A, 0x30, 1, leaf(0x2, 1, 1), 0);
	spte(tb, "set", VM_A, 0x30, 1, 0, leaf(0x3, 1, 1));
	snap(tb, &s);
	assert_int_equal(outcome(&s, OUT_NEW_ROOT, 1), 1);
	assert_int_equal(outcome(&s, OUT_VIOL_PFN, 1), 1);
	assert_int_equal(tb->nseen, 1);
	tb_close(tb);
}

/* Without a flush source nothing can be decided: never a violation. */
static void test_no_flush_source(void **state)
{
	struct tb_opts to = { .no_flush = true };
	struct tb *tb = tb_open(&to);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x40, 1, 0, leaf(0x1, 1, 1));
	spte(tb, "set", VM_A, 0x40, 1, leaf(0x1, 1, 1), 0);
	spte(tb, "set", VM_A, 0x40, 1, 0, leaf(0x2, 1, 1));
	snap(tb, &s);
	assert_only_outcome(&s, OUT_UNVERIFIED, 1, 1);
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

/* ---- Bounded memory: losses are counted, never silent ------------------- */

static void test_pending_full(void **state)
{
	struct tb_opts to = { .max_pending = 16 };
	struct tb *tb = tb_open(&to);
	struct snapshot s;
	__u64 gfn;

	for (gfn = 0; gfn < 20; gfn++) {
		spte(tb, "set", VM_A, gfn, 1, 0, leaf(gfn, 1, 1));
		spte(tb, "set", VM_A, gfn, 1, leaf(gfn, 1, 1), 0);
	}
	for (gfn = 0; gfn < 20; gfn++)
		spte(tb, "set", VM_A, gfn, 1, 0, leaf(gfn + 100, 1, 1));
	snap(tb, &s);
	assert_int_equal(s.stats.counters[CNT_PENDING_FULL], 4);
	assert_int_equal(outcome(&s, OUT_UNTRACKED, 1), 4);
	assert_int_equal(outcome(&s, OUT_VIOL_PFN, 1), 16);
	assert_int_equal(tb->nseen, 16);
	tb_close(tb);
}

/* Evicting SPTE history (LRU) loses samples, not pending zaps. */
static void test_state_eviction(void **state)
{
	struct tb_opts to = { .max_sptes = 16 };
	struct tb *tb = tb_open(&to);
	struct snapshot s;
	__u64 gfn;

	spte(tb, "set", VM_A, 0x5000, 1, 0, leaf(1, 1, 1));
	spte(tb, "set", VM_A, 0x5000, 1, leaf(1, 1, 1), 0);
	for (gfn = 0; gfn < 1000; gfn++)
		spte(tb, "set", VM_A, gfn, 1, 0, leaf(gfn, 1, 1));
	spte(tb, "set", VM_A, 0x5000, 1, 0, leaf(2, 1, 1));
	snap(tb, &s);
	assert_int_equal(outcome(&s, OUT_VIOL_PFN, 1), 1);
	assert_int_equal(tb->nseen, 1);
	tb_close(tb);
}

/* A full violation ring buffer: every lost record is counted. */
static void test_violation_drops(void **state)
{
	struct tb_opts to = { .violations_kb = 4 };
	struct tb *tb = tb_open(&to);
	struct snapshot s;
	__u64 gfn, n = 200;

	for (gfn = 0; gfn < n; gfn++) {
		spte(tb, "set", VM_A, gfn, 1, 0, leaf(gfn, 1, 1));
		spte(tb, "set", VM_A, gfn, 1, leaf(gfn, 1, 1), 0);
		spte(tb, "set", VM_A, gfn, 1, 0, leaf(gfn + 1000, 1, 1));
	}
	snap(tb, &s);
	assert_int_equal(outcome(&s, OUT_VIOL_PFN, 1), n);
	assert_true(s.stats.counters[CNT_VIOLATION_DROPS] > 0);
	assert_int_equal(tb->nseen + s.stats.counters[CNT_VIOLATION_DROPS], n);
	tb_close(tb);
}

/* Pending zaps that outlive the TTL are dropped, counted and flagged. */
static void test_pending_expiry(void **state)
{
	struct tb *tb = tb_open(NULL);
	struct snapshot s;

	spte(tb, "set", VM_A, 0x70, 1, 0, leaf(1, 1, 1));
	spte(tb, "set", VM_A, 0x70, 1, leaf(1, 1, 1), 0);
	spte(tb, "set", VM_A, 0x71, 1, 0, leaf(1, 1, 1));
	spte(tb, "set", VM_A, 0x71, 1, leaf(1, 1, 1), 0);
	flush_range(tb, VM_A, 0x71, 1);
	/* A TTL of 1 ns: 0x70 expires; 0x71 is covered and swept as such. */
	assert_int_equal(monitor__sweep(tb->mon, 1), 0);
	spte(tb, "set", VM_A, 0x70, 1, 0, leaf(2, 1, 1));
	spte(tb, "set", VM_A, 0x71, 1, 0, leaf(2, 1, 1));
	snap(tb, &s);
	assert_int_equal(s.sweep.expired, 1);
	assert_int_equal(s.sweep.covered, 1);
	assert_int_equal(outcome(&s, OUT_EXPIRED, 1), 1);
	assert_int_equal(outcome(&s, OUT_COVERED, 1), 1);
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

/* ---- Stock mode: VMs keyed by the mm of the task ------------------------- */

/* The VM key the stock program gave this process: read from pending. */
static __u64 stock_vm_key(struct tb *tb)
{
	struct spte_key key;

	assert_int_equal(monitor__pending_key(tb->mon, &key), 0);
	return key.vm;
}

static void test_stock_mode(void **state)
{
	struct tb_opts to = { .stock = true };
	struct tb *tb = tb_open(&to);
	struct snapshot s;
	__u64 mm;

	stock(tb, 0x80, 1, 0, leaf(1, 1, 1));
	stock(tb, 0x80, 1, leaf(1, 1, 1), REMOVED);
	mm = stock_vm_key(tb);
	assert_true(mm != 0);
	stock(tb, 0x80, 1, REMOVED, 0);
	flush_all(tb, mm);
	stock(tb, 0x80, 1, 0, leaf(2, 1, 1));
	/* An uncovered one, to prove the key matched. */
	stock(tb, 0x80, 1, leaf(2, 1, 1), REMOVED);
	stock(tb, 0x80, 1, REMOVED, 0);
	stock(tb, 0x80, 1, 0, leaf(3, 1, 1));
	snap(tb, &s);
	assert_int_equal(outcome(&s, OUT_COVERED, 1), 1);
	assert_int_equal(outcome(&s, OUT_VIOL_PFN, 1), 1);
	assert_int_equal(transition(&s, TR_FREEZE, 1), 2);
	assert_int_equal(transition(&s, TR_UNFREEZE, 1), 2);
	assert_int_equal(tb->nseen, 1);
	assert_int_equal(tb->seen[0].vm, mm);
	tb_close(tb);
}

/*
 * Two VM processes on one host: a zap in one and an install at the same
 * GFN in the other must not pair up.
 */
static void test_stock_two_processes(void **state)
{
	struct tb_opts to = { .stock = true };
	struct tb *tb = tb_open(&to);
	struct snapshot s;
	int status;
	pid_t pid;

	stock(tb, 0x90, 1, 0, leaf(1, 1, 1));
	stock(tb, 0x90, 1, leaf(1, 1, 1), REMOVED);
	stock(tb, 0x90, 1, REMOVED, 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Another process: another mm, so another VM. */
		__u64 args[5] = { 0, 0x90, 1, 0, leaf(7, 1, 1) };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
			    .ctx_size_in = sizeof(args));

		_exit(bpf_prog_test_run_opts(
			      monitor__prog_fd(tb->mon, "stock_spte_changed"),
			      &opts) ?
			      1 :
			      0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snap(tb, &s);
	assert_int_equal(outcome(&s, OUT_FIRST, 1), 2);
	assert_int_equal(snapshot__violations(&s), 0);
	assert_int_equal(tb->nseen, 0);
	tb_close(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_install),
		cmocka_unit_test(test_atomic_zap_covered),
		cmocka_unit_test(test_direct_zap_full_flush),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_present_changes),
		cmocka_unit_test(test_other_transitions),
		cmocka_unit_test(test_violation_pfn),
		cmocka_unit_test(test_violation_perm),
		cmocka_unit_test(test_same_mapping_benign),
		cmocka_unit_test(test_present_pfn_change),
		cmocka_unit_test(test_flush_begun_before_zap),
		cmocka_unit_test(test_flush_incomplete),
		cmocka_unit_test(test_ranged_flush),
		cmocka_unit_test(test_ranged_flush_partial_huge),
		cmocka_unit_test(test_two_vms),
		cmocka_unit_test(test_teardown),
		cmocka_unit_test(test_no_flush_source),
		cmocka_unit_test(test_pending_full),
		cmocka_unit_test(test_state_eviction),
		cmocka_unit_test(test_violation_drops),
		cmocka_unit_test(test_pending_expiry),
		cmocka_unit_test(test_stock_mode),
		cmocka_unit_test(test_stock_two_processes),
	};

	if (geteuid() != 0) {
		printf("bpf: SKIP: BPF_PROG_TEST_RUN needs root (euid %u)\n",
		       geteuid());
		return 77;
	}
	libbpf_set_print(NULL);
	return cmocka_run_group_tests_name("bpf", tests, NULL, NULL);
}
