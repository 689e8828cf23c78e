// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flame_fixture.h"

static char *capture(struct flame *f, bool svg)
{
	struct flame_svg_opts o = { .title = "t<1>", .subtitle = "s&" };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_int_equal(svg ? flame__write_svg(f, out, &o) :
			       flame__write_folded(f, out),
			 0);
	fclose(out);
	return buf;
}

static void test_sanitize(void **state)
{
	struct stack_frame fr = { .sym = "a;b\nc\x7f", .module = "m;d" };
	char s[] = "x;y\tz", buf[64];

	flame__sanitize(s);
	assert_string_equal(s, "x:y?z");
	flame__frame_name(&fr, buf, sizeof(buf));
	assert_string_equal(buf, "a:b?c? [m:d]");
	fr.module = NULL;
	fr.sym = "";
	flame__frame_name(&fr, buf, sizeof(buf));
	assert_string_equal(buf, "[unknown]");
}

static void test_folded(void **state)
{
	struct stack_table *st = flame_fixture__stacks();
	struct flame *f = flame__new(st);
	char *out;

	flame_fixture__fill(f);
	out = capture(f, false);
	assert_string_equal(
		out,
		"[install];[no stack] 3\n"
		"[install];[unknown];weird:name<&> [mod\"x] 7\n"
		"[install];do_syscall_64;__x64_sys_ioctl;kvm_vcpu_ioctl [kvm];kvm_arch_vcpu_ioctl_run [kvm];vmx_handle_exit [kvm_intel];kvm_mmu_page_fault [kvm];direct_page_fault [kvm];kvm_tdp_mmu_map [kvm];tdp_mmu_map_handle_target_level [kvm] 400\n"
		"[violation:stale_pfn];do_syscall_64;__x64_sys_ioctl;kvm_vcpu_ioctl [kvm];kvm_arch_vcpu_ioctl_run [kvm];vmx_handle_exit [kvm_intel];kvm_mmu_page_fault [kvm];direct_page_fault [kvm];kvm_tdp_mmu_map [kvm];tdp_mmu_map_handle_target_level [kvm] 250\n"
		"[violation:unfreeze_unflushed];do_syscall_64;__x64_sys_ioctl;kvm_vcpu_ioctl [kvm];kvm_arch_vcpu_ioctl_run [kvm];vmx_handle_exit [kvm_intel];kvm_mmu_page_fault [kvm];direct_page_fault [kvm];kvm_tdp_mmu_map [kvm];tdp_mmu_map_handle_target_level [kvm] 1\n"
		/* two stack ids, same functions: one line */
		"[zap];try_to_migrate_one;__mmu_notifier_invalidate_range_start;kvm_mmu_notifier_invalidate_range_start [kvm];kvm_tdp_mmu_unmap_gfn_range [kvm];tdp_mmu_zap_leafs [kvm] 500\n");
	assert_int_equal(flame__total(f), 1161);
	assert_int_equal(flame__stacks(f), 6);
	free(out);
	flame__free(f);
	stack_table__free(st);
}

/* Every line is "frame(;frame)* count" with non-empty frames. */
static void test_folded_grammar(void **state)
{
	struct stack_table *st = flame_fixture__stacks();
	struct flame *f = flame__new(st);
	char *out, *line, *save, *sp, *p;

	flame_fixture__fill(f);
	flame__add(f, "[x;y]", 99, 2); /* a stack nobody symbolized */
	out = capture(f, false);
	assert_non_null(strstr(out, "[x:y];[stack 99 not symbolized] 2\n"));
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strrchr(line, ' ');
		assert_non_null(sp);
		assert_true(strspn(sp + 1, "0123456789") == strlen(sp + 1));
		*sp = '\0';
		assert_true(line[0] == '[');
		for (p = line; *p; p++)
			assert_false(p[0] == ';' && (p[1] == ';' || !p[1]));
	}
	free(out);
	flame__free(f);
	stack_table__free(st);
}

static void test_add_folded(void **state)
{
	struct flame *f = flame__new(NULL);
	char *out;

	assert_int_equal(flame__add_folded(f, "a;b;c 12\n"), 0);
	assert_int_equal(flame__add_folded(f, "a;b;c 3"), 0);
	assert_int_equal(flame__add_folded(f, "a with space;d 1\r\n"), 0);
	assert_int_equal(flame__add_folded(f, "a;b 0"), 0); /* ignored */
	assert_int_equal(flame__add_folded(f, "no count"), -EINVAL);
	assert_int_equal(flame__add_folded(f, "12"), -EINVAL);
	assert_int_equal(flame__add_folded(f, " 12"), -EINVAL);
	assert_int_equal(flame__add_folded(f, "a -1"), -EINVAL);
	assert_int_equal(flame__add_folded(f, "a 99999999999999999999"),
			 -EINVAL);
	out = capture(f, false);
	assert_string_equal(out, "a with space;d 1\na;b;c 15\n");
	free(out);
	flame__free(f);
}

static size_t count_of(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s++;
	}
	return n;
}

static void test_svg(void **state)
{
	struct stack_table *st = flame_fixture__stacks();
	struct flame *f = flame__new(st);
	char *svg;

	flame_fixture__fill(f);
	svg = capture(f, true);
	assert_int_equal(strncmp(svg, "<?xml", 5), 0);
	assert_non_null(strstr(svg, "onload=\"init(evt)\""));
	assert_non_null(strstr(svg, "<![CDATA["));
	assert_non_null(strstr(svg, ">t&lt;1&gt;</text>"));
	assert_non_null(strstr(svg, ">s&amp;</text>"));
	/* all, 3 roots + no-stack + odd(2) + install(9) + 2 violation
	 * roots with 9 frames each + zap(5) = 1 + 4 + 1 + 2 + 9 + 18 + 5 */
	assert_int_equal(count_of(svg, "<g class=\"f\""), 40);
	assert_non_null(
		strstr(svg, "data-n=\"weird:name&lt;&amp;&gt; [mod&quot;x]\""));
	assert_non_null(
		strstr(svg, "<title>all (1161 samples, 100.00%)</title>"));
	assert_non_null(
		strstr(svg, "<title>[zap] (500 samples, 43.07%)</title>"));
	assert_non_null(strstr(svg, "data-total=\"1161\""));
	assert_true(strstr(svg, "</svg>\n") == svg + strlen(svg) - 7);
	free(svg);
	flame__free(f);
	stack_table__free(st);
}

/* Frames too narrow to see are left out of the picture. */
static void test_svg_min_width(void **state)
{
	struct flame *f = flame__new(NULL);
	char *svg;

	flame__add_folded(f, "big;x 10000000");
	flame__add_folded(f, "tiny;y 1");
	svg = capture(f, true);
	assert_non_null(strstr(svg, "data-n=\"big\""));
	assert_null(strstr(svg, "data-n=\"tiny\""));
	free(svg);
	flame__free(f);

	f = flame__new(NULL);
	svg = capture(f, true);
	assert_non_null(strstr(svg, ">no samples</text>"));
	assert_int_equal(count_of(svg, "<g class=\"f\""), 0);
	free(svg);
	flame__free(f);
}

static const struct stack_frame traced[] = {
	/* a BPF program's view */
	FR("bpf_prog_6deef7357e7b4530_stock_spte", NULL, 0x5),
	FR("bpf_trace_run5", NULL, 0x40),
	FR("__bpf_trace_kvm_tdp_mmu_spte_changed", "kvm", 0x10),
	FR("handle_changed_spte", "kvm", 0x120),
	FR("tdp_mmu_zap_leafs", "kvm", 0x1a),
};

/*
 * Memory grows with distinct stacks, not samples (a million violations of
 * one stack are one line), and the tracer's own frames are not shown.
 */
static void test_bounded_and_trimmed(void **state)
{
	struct stack_table *st = stack_table__new(NULL);
	struct violation v = { .kind = VK_STALE_PFN, .stack_id = 7 };
	struct flame *f;
	__u64 count;
	const char *path;
	int i;

	assert_int_equal(stack_table__add_frames(st, 7, traced, 5), 0);
	f = flame__new(st);
	for (i = 0; i < 1000000; i++)
		assert_int_equal(flame__add_violation(f, &v), 0);
	assert_int_equal(flame__add_site(f, SITE_ZAP, 7, 3), 0);
	assert_int_equal(flame__stacks(f), 2);
	/* adds after a merge still land on their line */
	assert_int_equal(flame__add_violation(f, &v), 0);
	assert_int_equal(flame__stacks(f), 2);
	path = flame__path(f, 1, &count);
	assert_non_null(path);
	assert_string_equal(path, "[zap];tdp_mmu_zap_leafs [kvm];"
				  "handle_changed_spte [kvm]");
	assert_int_equal(count, 3);
	path = flame__path(f, 0, &count);
	assert_string_equal(path,
			    "[violation:stale_pfn];tdp_mmu_zap_leafs [kvm];"
			    "handle_changed_spte [kvm]");
	assert_int_equal(count, 1000001);
	assert_null(flame__path(f, 2, &count));
	flame__free(f);
	stack_table__free(st);
}

/* Loading stacks is not quadratic: 200k ids in random order. */
static void test_many_stacks(void **state)
{
	struct stack_table *st = stack_table__new(NULL);
	__u64 ips[2] = { 0xffffffff81000000ULL, 0 };
	__s32 id;
	int i;

	for (i = 0; i < 200000; i++) {
		id = (__s32)((i * 2654435761U) & 0x7fffffff);
		ips[0] = 0xffffffff81000000ULL + i;
		assert_int_equal(stack_table__add_ips(st, id, ips, 1), 0);
	}
	id = (__s32)((12345 * 2654435761U) & 0x7fffffff);
	assert_non_null(stack_table__get(st, id));
	assert_int_equal(stack_table__get(st, id)->frames[0].ip,
			 0xffffffff81000000ULL + 12345);
	assert_null(stack_table__get(st, 3));
	stack_table__free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_folded_grammar),
		cmocka_unit_test(test_add_folded),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_svg_min_width),
		cmocka_unit_test(test_bounded_and_trimmed),
		cmocka_unit_test(test_many_stacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
