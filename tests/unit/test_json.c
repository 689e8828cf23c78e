// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "json_check.h"
#include "spte.h"
#include "stacks.h"
#include "vmtab.h"

static void test_checker(void **state)
{
	assert_true(json_valid("{\"a\":[1,2.5,-3e4,true,null,\"x\\u00e9\"]}"));
	assert_false(json_valid("{\"a\":1,}"));
	assert_false(json_valid("{\"a\":\"tab\there\"}"));
	assert_false(json_valid("[01]"));
	assert_false(json_valid("{} {}"));
}

static void test_string_escaping(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	json__string(&sb, "q\"b\\n\nt\tc\x01\x7f\xe9");
	assert_string_equal(strbuf__str(&sb),
			    "\"q\\\"b\\\\n\\nt\\tc\\u0001\\u007f\\u00e9\"");
	assert_true(json_valid(strbuf__str(&sb)));
	strbuf__release(&sb);
}

static int comm_fn(void *arg, __u32 pid, char *comm)
{
	snprintf(comm, COMM_LEN, "qemu\"%u", pid);
	return 0;
}

static void test_violation(void **state)
{
	struct violation v = {
		.ts_ns = 5000,
		.zap_ns = 1500,
		.vm = 0xffff888012345000ULL,
		.gfn = 0x1234,
		.old_spte = 0x600000010f867ULL,
		.zap_spte = 0x5a0,
		.new_spte = 0x6000000abc867ULL,
		.pid = 4321,
		.tid = 4322,
		.zap_tid = 4323,
		.stack_id = 7,
		.zap_stack_id = -1,
		.level = 1,
		.kind = VK_STALE_PFN,
		.new_level = 1,
		.new_gfn = 0x1234,
		.count = 1,
		.zap_flush_seq = 3,
		.vm_begun_seq = 3,
	};
	const struct stack_frame frames[] = {
		{ .ip = 0x10,
		  .sym = "tdp_mmu_set_spte",
		  .module = "kvm",
		  .offset = 0x1a },
		{ .ip = 0x20, .sym = "kvm_tdp_mmu_map", .module = "kvm" },
	};
	struct stack_table *st = stack_table__new(NULL);
	struct vmtab *vms = vmtab__new(4);
	struct spte_config cfg;
	struct json_ctx ctx = { .cfg = &cfg, .vms = vms, .stacks = st };
	struct strbuf sb = STRBUF_INIT;
	const char *s;

	spte_config__default(&cfg);
	vmtab__set_comm_fn(vms, comm_fn, NULL);
	vmtab__add_violation(vms, &v);
	assert_int_equal(stack_table__add_frames(st, 7, frames, 2), 0);
	assert_int_equal(json__violation(&sb, &v, &ctx), 0);
	s = strbuf__str(&sb);
	assert_int_equal(s[sb.len - 1], '\n');
	assert_ptr_equal(strchr(s, '\n'), s + sb.len - 1); /* one line */
	assert_true(json_valid(s));
	assert_non_null(strstr(
		s,
		"{\"type\":\"violation\",\"kind\":\"stale_pfn\",\"level\":\"4K\""));
	assert_non_null(strstr(s, "\"zap_age_ns\":3500"));
	assert_non_null(strstr(
		s,
		"\"vm\":{\"label\":\"4321\",\"pid\":4321,\"comm\":\"qemu\\\"4321\"}"));
	assert_non_null(strstr(s, "\"gfn\":\"0x1234\""));
	assert_non_null(strstr(
		s,
		"\"new_spte\":\"0x6000000abc867\",\"new_spte_desc\":\"pfn 0x6000000abc"));
	assert_non_null(strstr(
		s,
		"\"stack\":[\"tdp_mmu_set_spte+0x1a [kvm]\",\"kvm_tdp_mmu_map+0x0 [kvm]\"]"));
	assert_non_null(strstr(s, "\"zap_stack\":null"));

	/* without context: no decoding, no labels, no stacks */
	memset(&ctx, 0, sizeof(ctx));
	strbuf__reset(&sb);
	assert_int_equal(json__violation(&sb, &v, &ctx), 0);
	s = strbuf__str(&sb);
	assert_true(json_valid(s));
	assert_null(strstr(s, "_desc"));
	assert_non_null(strstr(s, "\"vm\":{\"pid\":4321}"));
	assert_non_null(strstr(s, "\"stack\":null"));
	strbuf__release(&sb);
	stack_table__free(st);
	vmtab__free(vms);
}

static void test_summary(void **state)
{
	struct json_summary sum = { .kind = "interval",
				    .time = 1700000000.5,
				    .elapsed = 10 };
	struct vmtab *vms = vmtab__new(1);
	struct json_ctx ctx = { .vms = vms };
	struct strbuf sb = STRBUF_INIT;
	struct snapshot snap;
	const char *s;

	memset(&snap, 0, sizeof(snap));
	vmtab__set_comm_fn(vms, comm_fn, NULL);
	vmtab__add_events(vms, 0x1000, 10, 3);
	vmtab__add_events(vms, 0x2000, 20, 4);
	snap.stats.counters[CNT_SPTE_EVENTS] = 99;
	snap.stats.transitions[TR_ZAP][0] = 5;
	snap.stats.violations[VK_STALE_PFN][1] = 2;
	snap.stats.violations[VK_PRESENT_PFN][0] = 1;
	snap.stats.outcomes[OUT_COVERED][0] = 8;
	snap.hists.h[HIST_ZAP_TO_INSTALL][0].slots[3] = 4;
	snap.hists.h[HIST_ZAP_TO_INSTALL][0].slots[HIST_SLOTS - 1] = 1;
	snap.hists.h[HIST_ZAP_TO_INSTALL][0].sum_ns = 100;
	snap.hists.h[HIST_FLUSH_LATENCY][1].slots[10] = 1;
	assert_int_equal(json__summary(&sb, &snap, &sum, &ctx), 0);
	s = strbuf__str(&sb);
	assert_true(json_valid(s));
	assert_non_null(strstr(
		s,
		"{\"type\":\"summary\",\"kind\":\"interval\",\"time\":1700000000.500,\"elapsed_s\":10.000,\"violations\":3,"));
	assert_non_null(strstr(s, "\"spte_events\":99"));
	assert_non_null(strstr(s, "\"transitions\":{\"zap\":{\"4K\":5}}"));
	assert_non_null(strstr(
		s,
		"\"outcomes\":{\"covered\":{\"4K\":8}},\"violation_kinds\":{\"stale_pfn\":{\"2M\":2},\"present_pfn_changed\":{\"4K\":1}}"));
	assert_non_null(strstr(
		s,
		"\"zap_to_reinstall\":{\"4K\":{\"count\":5,\"sum_ns\":100,"));
	assert_non_null(
		strstr(s, "\"slots\":[[4,7,4],[70368744177664,null,1]]"));
	assert_non_null(
		strstr(s, "\"flush_latency\":{\"ranged\":{\"count\":1,"));
	assert_non_null(strstr(
		s,
		"{\"vm\":\"other\",\"pid\":0,\"comm\":\"\",\"spte_events\":4,"));
	assert_non_null(strstr(s, "\"vms_overflowed\":1}\n"));

	/* an empty final summary is valid too */
	memset(&snap, 0, sizeof(snap));
	memset(&sum, 0, sizeof(sum));
	strbuf__reset(&sb);
	assert_int_equal(json__summary(&sb, &snap, &sum, NULL), 0);
	assert_true(json_valid(strbuf__str(&sb)));
	assert_non_null(strstr(strbuf__str(&sb), "\"kind\":\"final\""));
	strbuf__release(&sb);
	vmtab__free(vms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_string_escaping),
		cmocka_unit_test(test_violation),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
