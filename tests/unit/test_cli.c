// SPDX-License-Identifier: GPL-2.0
/* The command line: defaults, every option, and specific errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
	struct cli cli;

	assert_int_equal(cli__parse(&cli, 1, argv), 0);
	assert_int_equal(cli.cmd, CLI_LIVE);
	assert_int_equal(cli.interval_s, 0);
	assert_int_equal(cli.count, 0);
	assert_int_equal(cli.mon.cfg.removed_value, 0);
	assert_int_equal(cli.mon.cfg.removed_low, 0x5a0);
	assert_int_equal(cli.pending_ttl_ns, 60000000000ULL);
	assert_true(cli.mon.mmu_auto);
	assert_int_equal(cli.mon.limits.max_sptes, 262144);
	assert_int_equal(cli.limits_given.max_sptes, 0);
	assert_int_equal(cli.out.vm_limit, 32);
	assert_string_equal(cli.user, "nobody");
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
	struct cli cli;

	assert_int_equal(PARSE(&cli, "--removed-spte", "0x80000000000005a0",
			       "--mmu", "ept", "--max-pending", "1024",
			       "--pending-ttl", "0", "-d", "7", "--stock", "-v",
			       "--no-stacks", "--max-inflight", "64"),
			 0);
	assert_int_equal(cli.mon.cfg.removed_value, 0x80000000000005a0ULL);
	assert_int_equal(cli.mon.cfg.flavor, MMU_EPT);
	assert_false(cli.mon.mmu_auto);
	assert_int_equal(cli.mon.limits.max_pending, 1024);
	assert_int_equal(cli.limits_given.max_pending, 1024);
	assert_int_equal(cli.mon.limits.max_inflight, 64);
	assert_int_equal(cli.limits_given.max_sptes, 0);
	assert_int_equal(cli.pending_ttl_ns, 0);
	assert_int_equal(cli.duration_s, 7);
	assert_true(cli.mon.force_stock && cli.verbose);
	assert_int_equal(cli.mon.cfg.stacks, 0);
	assert_int_equal(PARSE(&cli, "--record", "x.rec", "-j"), 0);
	assert_string_equal(cli.out.record, "x.rec");
	assert_int_equal(cli.mon.cfg.record, 1);
	assert_true(cli.out.json);
}

static void test_errors(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "--mmu", "svm"), -22);
	assert_int_equal(PARSE(&cli, "--max-sptes", "0"), -22);
	assert_int_equal(PARSE(&cli, "--max-vms", "1"), 0);
	assert_int_equal(PARSE(&cli, "--max-sptes", "-5"), -22);
	assert_int_equal(PARSE(&cli, "--removed-spte", "0"), -22);
	assert_int_equal(PARSE(&cli, "--duration", "1s"), -22);
	assert_int_equal(PARSE(&cli, "--no-such-option"), -22);
	assert_int_equal(PARSE(&cli, "--hooks", "uprobe"), -22);
	assert_int_equal(PARSE(&cli, "--textfile", ""), -22);
	/* usage errors, found before anything is loaded (exit status 2) */
	assert_int_equal(PARSE(&cli, "--prometheus", "99999"), -22);
	assert_int_equal(PARSE(&cli, "--prometheus", "1.2.3.4:"), -22);
	assert_int_equal(PARSE(&cli, "--prometheus", "[::1]:0"), 0);
	assert_string_equal(cli.out.prometheus, "[::1]:0");
	assert_int_equal(PARSE(&cli, "--user", "no-such-user-spte"), -22);
	assert_int_equal(PARSE(&cli, "--user", "root"), -22);
	assert_int_equal(PARSE(&cli, "--user", "nobody"), 0);
	assert_string_equal(cli.user, "nobody");
	assert_int_equal(PARSE(&cli, "--no-privdrop", "--user", "nobody"), -22);
	assert_int_equal(PARSE(&cli, "--no-privdrop"), 0);
	assert_null(cli.user);
	assert_int_equal(PARSE(&cli, "--duration"), -22); /* no value */
}

/*
 * Flame graph sites: sampled live (default 1 in 64), every one with a
 * recording, none without a flame graph; --site-sample alone is refused.
 */
static void test_site_sample(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "1"), 0);
	assert_int_equal(cli.mon.cfg.site_sample, 0);
	assert_int_equal(PARSE(&cli, "--folded", "z.folded"), 0);
	assert_int_equal(cli.mon.cfg.site_sample, 64);
	assert_int_equal(PARSE(&cli, "--svg", "z.svg", "--site-sample", "8"), 0);
	assert_int_equal(cli.mon.cfg.site_sample, 8);
	assert_int_equal(PARSE(&cli, "--folded", "z.folded", "--record", "r"),
			 0);
	assert_int_equal(cli.mon.cfg.site_sample, 0);
	assert_int_equal(PARSE(&cli, "--site-sample", "8"), -22);
	assert_int_equal(PARSE(&cli, "--folded", "z", "--site-sample", "0"),
			 -22);
	assert_int_equal(PARSE(&cli, "--folded", "z", "--record", "r",
			       "--site-sample", "2"),
			 -22);
	assert_int_equal(PARSE(&cli, "report", "--folded", "z", "x.dat"), 0);
	assert_int_equal(cli.mon.cfg.site_sample, 0);
}

/* Numbers: decimal unless 0x, no blanks, signs or octal (cases/hostile). */
static void test_numbers(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "--duration", "010"), 0);
	assert_int_equal(cli.duration_s, 10);
	assert_int_equal(PARSE(&cli, "--duration", "08"), 0);
	assert_int_equal(cli.duration_s, 8);
	assert_int_equal(PARSE(&cli, "--duration", "0x10"), 0);
	assert_int_equal(cli.duration_s, 16);
	assert_int_equal(PARSE(&cli, "--removed-spte", " -1"), -22);
	assert_int_equal(PARSE(&cli, "--removed-spte", "-1"), -22);
	assert_int_equal(PARSE(&cli, "--removed-spte", "+1"), -22);
	assert_int_equal(PARSE(&cli, "--removed-spte", "1 "), -22);
	assert_int_equal(PARSE(&cli, "--removed-spte", "0x"), -22);
	assert_int_equal(PARSE(&cli, "--removed-spte", "18446744073709551616"),
			 -22);
	assert_int_equal(PARSE(&cli, "--removed-spte", "18446744073709551615"),
			 0);
	assert_int_equal(cli.mon.cfg.removed_value, ~0ULL);
}

/* A second parse in one process starts from scratch. */
static void test_reparse(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "-d", "5", "--max-vms", "32", "2"), 0);
	assert_int_equal(cli.duration_s, 5);
	assert_int_equal(PARSE(&cli, "3"), 0);
	assert_int_equal(cli.duration_s, 0);
	assert_int_equal(cli.interval_s, 3);
	assert_int_equal(cli.mon.limits.max_vms, 1024);
	assert_int_equal(PARSE(&cli, "-d", "9"), 0);
	assert_int_equal(cli.duration_s, 9);
}

/* Each option says which subcommands take it. */
static void test_report(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "report", "--single-vm", "-j",
			       "--max-pending", "64", "--mmu", "ept", "t.txt"),
			 0);
	assert_int_equal(cli.cmd, CLI_REPORT);
	assert_string_equal(cli.input, "t.txt");
	assert_int_equal(cli.text_vm, TRACE_TEXT_VM_SINGLE);
	assert_int_equal(cli.limits_given.max_pending, 64);
	assert_true(cli.mmu_given);
	assert_int_equal(PARSE(&cli, "report", "-"), 0);
	assert_string_equal(cli.input, "-");
	assert_int_equal(PARSE(&cli, "report", "--prometheus", "9464", "x"),
			 -22);
	assert_int_equal(PARSE(&cli, "report", "--record", "r", "x"), -22);
	assert_int_equal(PARSE(&cli, "report", "-d", "5", "x"), -22);
	assert_int_equal(PARSE(&cli, "report"), -22);
	assert_int_equal(PARSE(&cli, "report", "a", "b"), -22);
	assert_int_equal(PARSE(&cli, "--single-vm"), -22);
}

static void test_hooks(void **state)
{
	struct cli cli;

	assert_int_equal(PARSE(&cli, "--hooks", "kprobe"), 0);
	assert_true(cli.mon.no_fentry && !cli.mon.no_kprobe);
	assert_int_equal(PARSE(&cli, "--hooks", "none"), 0);
	assert_true(cli.mon.no_fentry && cli.mon.no_kprobe);
	assert_int_equal(PARSE(&cli, "--hooks", "auto"), 0);
	assert_true(!cli.mon.no_fentry && !cli.mon.no_kprobe);
}

/* The help is generated from the option table: every option is in it. */
static void test_usage(void **state)
{
	static const char *const names[] = {
		"--duration",  "--max-sptes",	"--max-inflight", "--max-sites",
		"--single-vm", "--prometheus",	"--pending-ttl",  "--hooks",
		"--user",      "--no-privdrop", "report FILE",
	};
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cli__usage(f);
	fclose(f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(strstr(buf, names[i]));
	free(buf);
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
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_site_sample),
		cmocka_unit_test(test_reparse),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_help_and_version),
	};

	/* getopt's own messages go to stderr; keep stdout for cmocka. */
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
