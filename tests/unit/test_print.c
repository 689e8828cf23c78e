// SPDX-License-Identifier: GPL-2.0
/* Terminal output: violation blocks, interval reports and the summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "print.h"
#include "spte.h"
#include "stacks.h"

#define PRESENT (1ULL << 11)

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static void out_open(struct out *o)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->buf, &o->len);
	assert_non_null(o->f);
}

static void out_close(struct out *o)
{
	fclose(o->f);
}

static void test_violation_block(void **state)
{
	static const __u64 ips[] = { 0xffffffff81001000ULL,
				     0xffffffff81002000ULL };
	struct spte_config cfg;
	struct print_ctx ctx = { .cfg = &cfg, .stack_fd = -1 };
	struct violation v = {
		.ts_ns = 5000000000ULL,
		.zap_ns = 4999990000ULL,
		.vm = 0xffff888100000000ULL,
		.gfn = 0x1234,
		.level = 1,
		.old_spte = PRESENT | 0x7 | 0x1000ULL << 12,
		.zap_spte = 0x5a0,
		.new_spte = PRESENT | 0x7 | 0x2000ULL << 12,
		.pid = 0,
		.tid = 42,
		.zap_tid = 43,
		.stack_id = 3,
		.zap_stack_id = -1,
		.kind = VK_STALE_PFN,
		.new_level = 1,
		.new_gfn = 0x1234,
		.count = 1,
		.zap_flush_seq = 5,
		.vm_begun_seq = 5,
		.vm_full_done_seq = 4,
	};
	struct out o;

	spte_config__default(&cfg);
	ctx.stacks = stack_table__new(NULL);
	assert_non_null(ctx.stacks);
	assert_int_equal(stack_table__add_ips(ctx.stacks, 3, ips, 2), 0);
	out_open(&o);
	print_violation(o.f, &ctx, &v);
	out_close(&o);
	assert_non_null(strstr(
		o.buf,
		" VIOLATION stale_pfn: a leaf was installed while an overlapping zapped leaf mapping another pfn was not yet flushed\n"));
	assert_non_null(strstr(o.buf, "as_id 0 gfn 0x1234 level 4K"));
	assert_non_null(strstr(
		o.buf, "zapped     : 0x0000000001000807  pfn 0x1000 4K rwxu"));
	assert_non_null(strstr(
		o.buf, "zap wrote  : 0x00000000000005a0  removed (0x5a0)"));
	assert_non_null(strstr(
		o.buf,
		"installed 4K leaf at gfn 0x1234, 10.0us after the zap by tid 43:"));
	assert_non_null(strstr(
		o.buf, "installed  : 0x0000000002000807  pfn 0x2000 4K"));
	assert_non_null(strstr(o.buf, "where stack:\n    0xffffffff81001000"));
	/* No zap stack captured: nothing said about it. */
	assert_null(strstr(o.buf, "zap stack"));
	assert_string_equal(violation_severity(&v), "VIOLATION");
	free(o.buf);
	stack_table__free(ctx.stacks);
}

static void test_interval_and_summary(void **state)
{
	struct spte_config cfg;
	struct print_ctx ctx = { .cfg = &cfg, .stack_fd = -1, .hists = true };
	struct snapshot s = {};
	struct out o;

	spte_config__default(&cfg);
	s.stats.counters[CNT_SPTE_EVENTS] = 100;
	s.stats.counters[CNT_FLUSH_BEGIN] = 3;
	s.stats.counters[CNT_FLUSH_END] = 3;
	s.stats.counters[CNT_PENDING_FULL] = 2;
	s.stats.transitions[TR_INSTALL][0] = 40;
	s.stats.transitions[TR_INSTALL][1] = 2;
	s.stats.violations[VK_STALE_PFN][0] = 1;
	s.stats.outcomes[OUT_STALE_SAME][0] = 5;
	s.hists.h[HIST_ZAP_TO_INSTALL][0].slots[10] = 7;
	s.hists.h[HIST_ZAP_TO_INSTALL][0].sum_ns = 7 * 600;
	out_open(&o);
	print_interval(o.f, &ctx, &s, &s);
	print_summary(o.f, &ctx, &s, 2.0);
	out_close(&o);
	assert_non_null(strstr(
		o.buf,
		"spte events 100, flushes 3/3, violations 1, benign early reinstalls 5, undecided 0, losses 2"));
	assert_non_null(strstr(
		o.buf,
		"  install                      40          2          0         42"));
	assert_non_null(strstr(
		o.buf,
		"  stale_pfn                     1          0          0          1"));
	assert_non_null(strstr(
		o.buf,
		"counters: spte_events 100, flush_begin 3, flush_end 3, pending_full 2"));
	assert_non_null(strstr(o.buf, "zap_to_reinstall (4K): 7 samples"));
	assert_non_null(strstr(o.buf, "==== summary: 2.0s ===="));
	assert_non_null(strstr(o.buf, "\nviolations: 1\n"));
	free(o.buf);
}

/* A link at L4 gets the upper-level columns, so that total adds up. */
static void test_upper_level_columns(void **state)
{
	struct spte_config cfg;
	struct print_ctx ctx = { .cfg = &cfg, .stack_fd = -1 };
	struct snapshot s = {};
	struct out o;

	spte_config__default(&cfg);
	s.stats.transitions[TR_LINK][3] = 1;
	s.stats.transitions[TR_LINK][1] = 2;
	s.stats.transitions[TR_INSTALL][0] = 5;
	out_open(&o);
	print_summary(o.f, &ctx, &s, 1.0);
	out_close(&o);
	assert_non_null(strstr(o.buf, "1G         L4         L5      total\n"));
	assert_non_null(strstr(
		o.buf,
		"  link                          0          2          0          1          0          3\n"));
	assert_non_null(strstr(
		o.buf,
		"  install                       5          0          0          0          0          5\n"));
	free(o.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_violation_block),
		cmocka_unit_test(test_interval_and_summary),
		cmocka_unit_test(test_upper_level_columns),
	};

	return cmocka_run_group_tests_name("print", tests, NULL, NULL);
}
