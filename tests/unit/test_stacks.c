// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel stacks as reports and flame graphs show them: the tracer's own
 * frames (BPF programs, tracepoint and probe machinery) are dropped from
 * the innermost end; elsewhere only JITed [bpf] code (an fentry/fexit
 * trampoline), with the traced function it splits in two kept once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "ksyms.h"
#include "stacks.h"

static void test_tracer_frames(void **state)
{
	(void)state;
	assert_true(stack__is_tracer_frame("bpf_prog_2f5d340a0174d081_patched_deadline", "bpf"));
	assert_true(stack__is_tracer_frame("anything", "bpf"));
	assert_true(stack__is_tracer_frame("bpf_trace_run2", NULL));
	assert_true(stack__is_tracer_frame("__bpf_trace_kvm_tdp_mmu_spte_set", NULL));
	assert_true(stack__is_tracer_frame("__traceiter_kvm_tdp_mmu_spte_changed", NULL));
	assert_true(stack__is_tracer_frame("kprobe_ftrace_handler", NULL));
	assert_true(stack__is_tracer_frame("trace_call_bpf", NULL));
	assert_false(stack__is_tracer_frame("kvm_tdp_mmu_map", "kvm"));
	assert_false(stack__is_tracer_frame("tdp_mmu_trace_spte", NULL));
	assert_false(stack__is_tracer_frame("kvm_nx_lpage_recovery_worker", NULL));
	assert_false(stack__is_tracer_frame(NULL, NULL));
}

/* A recorded stack: tracer frames innermost, then KVM's, then a syscall. */
static void test_frames_stripped(void **state)
{
	const struct stack_frame in[] = {
		{ .ip = 1, .sym = "bpf_prog_b39c885a62579de4_proto_deadline", .module = "bpf" },
		{ .ip = 2, .sym = "bpf_prog_2f5d340a0174d081_patched_deadline", .module = "bpf" },
		{ .ip = 3, .sym = "bpf_trace_run2" },
		{ .ip = 4, .sym = "tdp_mmu_zap_leafs", .module = "kvm" },
		{ .ip = 5, .sym = "kvm_tdp_mmu_unmap_gfn_range", .module = "kvm" },
		{ .ip = 6, .sym = "bpf_trace_run2" }, /* not innermost: kept */
		{ .ip = 7, .sym = "do_syscall_64" },
	};
	struct stack_table *st = stack_table__new(NULL);
	const struct stack *s;

	(void)state;
	assert_non_null(st);
	assert_int_equal(stack_table__add_frames(st, 9, in, 7), 0);
	s = stack_table__get(st, 9);
	assert_non_null(s);
	assert_int_equal(s->depth, 4);
	assert_string_equal(s->frames[0].sym, "tdp_mmu_zap_leafs");
	assert_string_equal(s->frames[0].module, "kvm");
	assert_int_equal(s->frames[0].ip, 4);
	assert_string_equal(s->frames[2].sym, "bpf_trace_run2");
	assert_string_equal(s->frames[3].sym, "do_syscall_64");
	stack_table__free(st);
}

/* Live stacks: symbolized through kallsyms, the same frames go. */
static void test_ips_stripped(void **state)
{
	char path[] = "/tmp/spte-ksyms.XXXXXX";
	const __u64 ips[] = { 0xffffffffa0001010ULL, 0xffffffff81000110ULL,
			      0xffffffffc0000020ULL, 0xffffffff81000210ULL, 0 };
	struct stack_table *st;
	const struct stack *s;
	struct ksyms *ks;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "ffffffff81000100 T bpf_trace_run9\n"
		   "ffffffff81000200 T do_syscall_64\n"
		   "ffffffffa0001000 t bpf_prog_1ac2b1358db95feb_protocol\t[bpf]\n"
		   "ffffffffc0000000 t kvm_tdp_mmu_map\t[kvm]\n");
	fclose(f);
	ks = ksyms__load(path);
	unlink(path);
	assert_non_null(ks);
	st = stack_table__new(ks);
	assert_non_null(st);
	assert_int_equal(stack_table__add_ips(st, 1, ips, 5), 0);
	s = stack_table__get(st, 1);
	assert_non_null(s);
	assert_int_equal(s->depth, 2);
	assert_string_equal(s->frames[0].sym, "kvm_tdp_mmu_map");
	assert_int_equal(s->frames[0].offset, 0x20);
	assert_string_equal(s->frames[1].sym, "do_syscall_64");
	stack_table__free(st);
	ksyms__free(ks);
}

/*
 * A stack through a function with an fexit hook, as seen in scenario a:
 * the trampoline sits between the traced function's entry and its body.
 */
static void test_trampoline_merged(void **state)
{
	const struct stack_frame in[] = {
		{ .ip = 1, .sym = "bpf_prog_1ac2b1358db95feb_protocol", .module = "bpf" },
		{ .ip = 2, .sym = "bpf_trace_run5" },
		{ .ip = 3, .sym = "__handle_changed_spte", .module = "kvm" },
		{ .ip = 4, .sym = "kvm_tdp_mmu_map", .module = "kvm" },
		{ .ip = 5, .sym = "bpf_trampoline_15032490260", .module = "bpf" },
		{ .ip = 6, .sym = "kvm_tdp_mmu_map", .module = "kvm" },
		{ .ip = 7, .sym = "direct_page_fault", .module = "kvm" },
		{ .ip = 8, .sym = "bpf_trampoline_15032490261", .module = "bpf" },
		{ .ip = 9, .sym = "kvm_tdp_mmu_map" }, /* not the same: vmlinux */
		{ .ip = 10, .sym = "do_syscall_64" },
	};
	static const char *const want[] = {
		"__handle_changed_spte", "kvm_tdp_mmu_map", "direct_page_fault",
		"kvm_tdp_mmu_map", "do_syscall_64",
	};
	struct stack_table *st = stack_table__new(NULL);
	const struct stack *s;
	size_t i;

	(void)state;
	assert_non_null(st);
	assert_int_equal(stack_table__add_frames(st, 3, in, 10), 0);
	s = stack_table__get(st, 3);
	assert_non_null(s);
	assert_int_equal(s->depth, 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(s->frames[i].sym, want[i]);
	assert_int_equal(s->frames[1].ip, 4);
	assert_null(s->frames[3].module);
	stack_table__free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracer_frames),
		cmocka_unit_test(test_frames_stripped),
		cmocka_unit_test(test_ips_stripped),
		cmocka_unit_test(test_trampoline_merged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
