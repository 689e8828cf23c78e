// SPDX-License-Identifier: GPL-2.0
/* The command line: defaults, every option, and specific errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "monitor.h"

#define ARGV(...) ((char *[]){ "spte-trace", __VA_ARGS__, NULL })
#define ARGC(...)                                                \
	((int)(sizeof((char *[]){ "spte-trace", __VA_ARGS__ }) / \
	       sizeof(char *)))
#define PARSE(cli, ...) cli__parse(cli, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_defaults(void **state)
{
	char *argv[] = { "spte-trace", NULL };
	struct monitor_opts o;
	struct cli cli;

	assert_int_equal(cli__parse(&cli, 1, argv), 0);
	assert_int_equal(cli.interval_s, 0);
	assert_int_equal(cli.count, 0);
	assert_int_equal(cli.cfg.removed_value, 0);
	assert_int_equal(cli.cfg.removed_low, 0x5a0);
	assert_int_equal(cli.pending_ttl_ns, 60000000000ULL);
	monitor_opts__default(&o);
	cli__monitor_opts(&cli, &o);
	assert_true(o.mmu_auto);
	assert_int_equal(o.limits.max_sptes, 262144);
}

static void test_positional(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "5", "3"), 0);
	assert_int_equal(cli.interval_s, 5);
	assert_int_equal(cli.count, 3);
	assert_int_equal(PARSE(&cli, "0"), -22);
	assert_int_equal(PARSE(&cli, "1", "2", "3"), -22);
	assert_int_equal(PARSE(&cli, "x"), -22);
}

static void test_options(void **state)
{
	struct monitor_opts o;
	struct cli cli;

	assert_int_equal(PARSE(&cli, "--removed-spte", "0x80000000000005a0",
			       "--mmu", "ept", "--max-pending", "1024",
			       "--pending-ttl", "0", "--stock", "--no-stacks",
			       "-d", "7", "-v"),
			 0);
	assert_int_equal(cli.cfg.removed_value, 0x80000000000005a0ULL);
	assert_int_equal(cli.cfg.flavor, MMU_EPT);
	assert_int_equal(cli.limits.max_pending, 1024);
	assert_int_equal(cli.pending_ttl_ns, 0);
	assert_int_equal(cli.duration_s, 7);
	assert_true(cli.force_stock && cli.verbose);
	assert_int_equal(cli.cfg.stacks, 0);
	monitor_opts__default(&o);
	cli__monitor_opts(&cli, &o);
	assert_false(o.mmu_auto);
	assert_true(o.force_stock);
	assert_int_equal(o.limits.max_pending, 1024);
}

static void test_errors(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "--mmu", "svm"), -22);
	assert_int_equal(PARSE(&cli, "--max-sptes", "1"), -22);
	assert_int_equal(PARSE(&cli, "--max-sptes", "-5"), -22);
	assert_int_equal(PARSE(&cli, "--removed-spte", "0"), -22);
	assert_int_equal(PARSE(&cli, "--duration", "1s"), -22);
	assert_int_equal(PARSE(&cli, "--no-such-option"), -22);
	assert_int_equal(PARSE(&cli, "--hooks", "uprobe"), -22);
}

static void test_hooks(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "--hooks", "kprobe"), 0);
	assert_true(cli.no_fentry && !cli.no_kprobe);
	assert_int_equal(PARSE(&cli, "--hooks", "none"), 0);
	assert_true(cli.no_fentry && cli.no_kprobe);
	assert_int_equal(PARSE(&cli, "--hooks", "auto"), 0);
	assert_true(!cli.no_fentry && !cli.no_kprobe);
}

static void test_help_and_version(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "--version"), 1);
	assert_int_equal(PARSE(&cli, "-h"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_positional),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_help_and_version),
	};

	/* getopt's own messages go to stderr; keep stdout for cmocka. */
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
