// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace instance of the protocol (src/engine.c over bpf/protocol.h):
 * the same sequences as tests/bpf give the same outcomes, so replaying a
 * recording agrees with the live monitor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "hist.h"
#include "spte.h"

#define VM_A 0x1000
#define VM_B 0x2000
#define PRESENT (1ULL << 11)

struct fx {
	struct engine *e;
	struct violation seen[16];
	int nseen;
	__u64 now, seq;
};

static __u64 leaf(__u64 pfn, int w)
{
	return PRESENT | 0x5 | (w ? 2 : 0) | pfn << 12;
}

static void on_violation(void *arg, const struct violation *v)
{
	struct fx *fx = arg;

	if (fx->nseen < 16)
		fx->seen[fx->nseen] = *v;
	fx->nseen++;
}

static int setup(void **state)
{
	static struct fx fx;
	struct engine_limits lim;
	struct spte_config cfg;

	memset(&fx, 0, sizeof(fx));
	spte_config__default(&cfg);
	cfg.flush_visible = 1;
	engine_limits__default(&lim);
	lim.max_pending = 4;
	fx.e = engine__new(&cfg, &lim);
	assert_non_null(fx.e);
	engine__on_violation(fx.e, on_violation, &fx);
	fx.now = 1000000;
	*state = &fx;
	return 0;
}

static int teardown_fx(void **state)
{
	struct fx *fx = *state;

	engine__free(fx->e);
	return 0;
}

static void spte(struct fx *fx, __u64 vm, __u64 gfn, __u64 old, __u64 new)
{
	struct event ev = { .type = EVENT_SPTE };

	ev.spte.ts_ns = fx->now += 1000;
	ev.spte.vm = vm;
	ev.spte.gfn = gfn;
	ev.spte.level = 1;
	ev.spte.old_spte = old;
	ev.spte.new_spte = new;
	ev.spte.tid = 7;
	ev.spte.stack_id = -1;
	engine__feed(fx->e, &ev);
}

static void flush(struct fx *fx, __u32 type, __u64 vm, __u64 start, __u64 pages)
{
	struct event ev = { .type = type };

	if (type == EVENT_FLUSH_BEGIN)
		fx->seq++;
	ev.flush.ts_ns = fx->now += 1000;
	ev.flush.vm = vm;
	ev.flush.start_gfn = start;
	ev.flush.pages = pages;
	ev.flush.seq = fx->seq;
	ev.flush.tag = fx->seq;
	ev.flush.tid = 7;
	engine__feed(fx->e, &ev);
}

static __u64 outcome(struct fx *fx, __u32 out)
{
	struct snapshot s;

	engine__snapshot(fx->e, &s);
	return snapshot__outcome(&s, out);
}

static void test_covered_and_violation(void **state)
{
	struct fx *fx = *state;

	spte(fx, VM_A, 1, 0, leaf(1, 1));
	spte(fx, VM_A, 1, leaf(1, 1), 0x5a0);
	flush(fx, EVENT_FLUSH_BEGIN, VM_A, 1, 1);
	flush(fx, EVENT_FLUSH_END, VM_A, 1, 1);
	spte(fx, VM_A, 1, 0x5a0, 0);
	spte(fx, VM_A, 1, 0, leaf(2, 1));
	assert_int_equal(outcome(fx, OUT_COVERED), 1);

	spte(fx, VM_A, 1, leaf(2, 1), 0x5a0);
	spte(fx, VM_A, 1, 0x5a0, 0);
	spte(fx, VM_A, 1, 0, leaf(3, 1));
	assert_int_equal(outcome(fx, OUT_VIOL_PFN), 1);
	assert_int_equal(fx->nseen, 1);
	assert_int_equal(fx->seen[0].old_spte, leaf(2, 1));
	assert_int_equal(fx->seen[0].new_spte, leaf(3, 1));
	assert_int_equal(fx->seen[0].zap_spte, 0x5a0);
}

static void test_same_mapping_and_perm(void **state)
{
	struct fx *fx = *state;

	spte(fx, VM_A, 2, 0, leaf(5, 0));
	spte(fx, VM_A, 2, leaf(5, 0), 0);
	spte(fx, VM_A, 2, 0, leaf(5, 0));
	assert_int_equal(outcome(fx, OUT_SAME_MAPPING), 1);
	spte(fx, VM_A, 2, leaf(5, 0), 0);
	spte(fx, VM_A, 2, 0, leaf(5, 1));
	assert_int_equal(outcome(fx, OUT_VIOL_PERM), 1);
	assert_int_equal(fx->nseen, 1);
}

static void test_other_vm_flush_does_not_cover(void **state)
{
	struct fx *fx = *state;

	spte(fx, VM_A, 3, 0, leaf(1, 1));
	spte(fx, VM_A, 3, leaf(1, 1), 0);
	flush(fx, EVENT_FLUSH_BEGIN, VM_B, 0, FLUSH_ALL_PAGES);
	flush(fx, EVENT_FLUSH_END, VM_B, 0, FLUSH_ALL_PAGES);
	spte(fx, VM_A, 3, 0, leaf(2, 1));
	assert_int_equal(outcome(fx, OUT_VIOL_PFN), 1);
}

static void test_pending_full_and_sweep(void **state)
{
	struct fx *fx = *state;
	struct snapshot s;
	__u64 gfn;

	for (gfn = 10; gfn < 16; gfn++) {
		spte(fx, VM_A, gfn, 0, leaf(gfn, 1));
		spte(fx, VM_A, gfn, leaf(gfn, 1), 0);
	}
	engine__snapshot(fx->e, &s);
	assert_int_equal(s.stats.counters[CNT_PENDING_FULL], 2);
	/* Every pending zap is older than 1 ns: all expire. */
	engine__sweep(fx->e, fx->now + 10, 1);
	engine__snapshot(fx->e, &s);
	assert_int_equal(s.sweep.expired, 4);
	for (gfn = 10; gfn < 16; gfn++)
		spte(fx, VM_A, gfn, 0, leaf(gfn + 100, 1));
	assert_int_equal(outcome(fx, OUT_EXPIRED), 4);
	assert_int_equal(outcome(fx, OUT_UNTRACKED), 2);
	assert_int_equal(fx->nseen, 0);
}

static void test_histograms(void **state)
{
	struct fx *fx = *state;
	struct snapshot s;

	spte(fx, VM_A, 20, 0, leaf(1, 1)); /* t */
	spte(fx, VM_A, 20, leaf(1, 1), 0x5a0); /* t+1us */
	flush(fx, EVENT_FLUSH_BEGIN, VM_A, 0, FLUSH_ALL_PAGES);
	flush(fx, EVENT_FLUSH_END, VM_A, 0, FLUSH_ALL_PAGES);
	spte(fx, VM_A, 20, 0x5a0, 0); /* t+4us */
	spte(fx, VM_A, 20, 0, leaf(2, 1)); /* t+5us */
	engine__snapshot(fx->e, &s);
	assert_int_equal(s.hists.h[HIST_PRESENT_LIFETIME][0].sum_ns, 1000);
	assert_int_equal(s.hists.h[HIST_FROZEN_WINDOW][0].sum_ns, 3000);
	assert_int_equal(s.hists.h[HIST_ZAP_TO_INSTALL][0].sum_ns, 4000);
	assert_int_equal(s.hists.h[HIST_FLUSH_LATENCY][0].sum_ns, 1000);
	assert_int_equal(hist_count(&s.hists.h[HIST_FLUSH_LATENCY][0]), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_covered_and_violation,
						setup, teardown_fx),
		cmocka_unit_test_setup_teardown(test_same_mapping_and_perm,
						setup, teardown_fx),
		cmocka_unit_test_setup_teardown(
			test_other_vm_flush_does_not_cover, setup, teardown_fx),
		cmocka_unit_test_setup_teardown(test_pending_full_and_sweep,
						setup, teardown_fx),
		cmocka_unit_test_setup_teardown(test_histograms, setup,
						teardown_fx),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
