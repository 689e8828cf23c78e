// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace instance of the protocol (src/engine.c over bpf/protocol.h)
 * on every scenario of tests/scenarios/table.c; tests/bpf runs the same
 * table through the BPF programs and compares the two.  Then what only the
 * records can show: the fields of a violation, and the histograms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "hist.h"
#include "run.h"
#include "scenario.h"

static void test_scenario(void **state)
{
	const struct scenario *sc = *state;
	struct snapshot snap;
	struct seen seen;

	scenario_run_engine(sc, &snap, &seen);
	scenario_check(sc, &snap);
	scenario_check_records(sc, &seen, &snap);
}

static const struct scenario *find(const char *name)
{
	size_t i;

	for (i = 0; i < nscenarios; i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	fail_msg("no scenario %s", name);
	return NULL;
}

/* What an operator reads in a report of each kind. */
static void test_records(void **state)
{
	struct snapshot snap;
	struct seen seen;

	scenario_run_engine(find("stale_perm_write"), &snap, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.v[0].kind, VK_STALE_PERM);
	assert_int_equal(seen.v[0].perm_bits, PERM_WRITE);
	assert_int_equal(seen.v[0].old_spte, LEAF(0x500, RW, 1));
	assert_int_equal(seen.v[0].new_spte, LEAF(0x500, RO, 1));
	assert_int_equal(seen.v[0].tid, TID_VCPU);
	assert_int_equal(seen.v[0].zap_tid, TID_ZAP);
	assert_int_equal(seen.v[0].gfn, 0x100);

	scenario_run_engine(find("cross_level_up"), &snap, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.v[0].level, 2);
	assert_int_equal(seen.v[0].new_level, 1);
	assert_int_equal(seen.v[0].gfn, 0x200);
	assert_int_equal(seen.v[0].new_gfn, 0x204);

	scenario_run_engine(find("yield_unflushed"), &snap, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.v[0].kind, VK_YIELD);
	assert_int_equal(seen.v[0].reason, DEADLINE_YIELD);
	assert_int_equal(seen.v[0].count, 2);
	assert_int_equal(seen.v[0].gfn, 0x101);

	scenario_run_engine(find("nx_recovery_no_flush"), &snap, &seen);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.v[0].kind, VK_UNLOCK);
	assert_int_equal(seen.v[0].old_spte, TABLE(0xbbb));
	assert_int_equal(seen.v[1].kind, VK_PT_FREED);
	assert_int_equal(seen.v[1].sptep, 0xbbbULL << 12);
	assert_int_equal(seen.v[1].zap_tid, 400);

	scenario_run_engine(find("unfreeze_without_flush"), &snap, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.v[0].kind, VK_UNFREEZE);
	assert_int_equal(seen.v[0].zap_spte, S_REMOVED);
}

static void test_histograms(void **state)
{
	struct snapshot snap;
	struct seen seen;

	/*
	 * install 1 us, zap 1 us later, ... (scenario_ts); the lifetime of
	 * the SPTE at 0x100 is not sampled (LIFETIME_SAMPLE)
	 */
	scenario_run_engine(find("atomic_zap_covered"), &snap, &seen);
	assert_int_equal(hist_count(&snap.hists.h[HIST_PRESENT_LIFETIME][0]),
			 0);
	assert_int_equal(hist_count(&snap.hists.h[HIST_FROZEN_WINDOW][0]), 1);
	assert_int_equal(snap.hists.h[HIST_FROZEN_WINDOW][0].sum_ns, 3000);
	assert_int_equal(hist_count(&snap.hists.h[HIST_ZAP_TO_INSTALL][0]),
			 1);
	assert_int_equal(hist_count(&snap.hists.h[HIST_FLUSH_LATENCY][1]), 1);

	/* two lifetimes of the sampled SPTE at 0x104, 16 each; none of 0x100 */
	scenario_run_engine(find("lifetime_sampled"), &snap, &seen);
	assert_int_equal(hist_count(&snap.hists.h[HIST_PRESENT_LIFETIME][0]),
			 2 * 16);
	assert_int_equal(snap.hists.h[HIST_PRESENT_LIFETIME][0].sum_ns,
			 2 * 16 * 1000);
	assert_int_equal(hist_count(&snap.hists.h[HIST_ZAP_TO_INSTALL][0]),
			 2);
}

int main(void)
{
	struct CMUnitTest *tests = calloc(nscenarios + 2, sizeof(*tests));
	size_t i;

	if (!tests)
		return 1;
	for (i = 0; i < nscenarios; i++) {
		tests[i].name = scenarios[i].name;
		tests[i].test_func = test_scenario;
		tests[i].initial_state = (void *)&scenarios[i];
	}
	tests[i].name = "records";
	tests[i++].test_func = test_records;
	tests[i].name = "histograms";
	tests[i++].test_func = test_histograms;
	return _cmocka_run_group_tests("engine", tests, i, NULL, NULL);
}
