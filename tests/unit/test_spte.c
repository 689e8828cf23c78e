// SPDX-License-Identifier: GPL-2.0
/* SPTE decoding: presence, the removed value, PFN, permissions, leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"
#include "spte.h"
#include "spte_rules.h"

static struct spte_config cfg;

static int setup(void **state)
{
	spte_config__default(&cfg);
	return 0;
}

static void test_removed_value_variants(void **state)
{
	/* 5.13-6.9: 0x5a0; 6.10+: SHADOW_NONPRESENT_VALUE (bit 63) | 0x5a0. */
	assert_true(spte_is_removed(&cfg, 0x5a0));
	assert_true(spte_is_removed(&cfg, (1ULL << 63) | 0x5a0));
	assert_false(spte_is_removed(&cfg, 0));
	assert_false(spte_is_removed(&cfg, 1ULL << 63));
	assert_false(spte_is_removed(&cfg, 0x5a1));
	assert_false(spte_is_present(&cfg, 0x5a0));
}

static void test_removed_override(void **state)
{
	struct spte_config c = cfg;

	c.removed_value = 0x8000000000000123ULL;
	assert_true(spte_is_removed(&c, 0x8000000000000123ULL));
	assert_false(spte_is_removed(&c, 0x5a0));
}

static void test_present_and_pfn(void **state)
{
	__u64 v = (1ULL << 11) | 0x7 | (0x12345ULL << 12);

	assert_true(spte_is_present(&cfg, v));
	assert_int_equal(spte_pfn(&cfg, v), 0x12345);
	assert_true(spte_is_leaf(&cfg, v, 1));
	assert_false(spte_is_leaf(&cfg, v, 2));
	assert_true(spte_is_leaf(&cfg, v | (1ULL << 7), 2));
}

static void test_perms_npt_vs_ept(void **state)
{
	struct spte_config ept = cfg;
	__u64 ro_nx = (1ULL << 11) | 0x5 | (1ULL << 63); /* P U NX */
	__u64 rw = (1ULL << 11) | 0x7;

	__u32 bits;

	assert_true(spte_perms(&cfg, rw) & ~spte_perms(&cfg, ro_nx));
	/* Stale read-only NX, new writable executable: the stale one grants less. */
	assert_int_equal(proto_classify_stale(&cfg, ro_nx, 0, rw, 0, &bits),
			 OUT_STALE_NARROWER);
	assert_int_equal(bits, 0);
	/* Stale writable executable, new read-only NX: stale W and X. */
	assert_int_equal(proto_classify_stale(&cfg, rw, 0, ro_nx, 0, &bits),
			 OUT_STALE_PERM);
	assert_int_equal(bits, PERM_WRITE | PERM_EXEC);
	assert_int_equal(proto_classify_stale(&cfg, rw, 0, rw, 0, &bits),
			 OUT_STALE_SAME);
	assert_int_equal(proto_classify_stale(&cfg, rw, 0, rw | (1ULL << 12), 0,
					      &bits),
			 OUT_STALE_PFN);
	/* A 2M zap and a 4K install 3 pages into it: the same memory. */
	assert_int_equal(proto_classify_stale(&cfg, rw | (0x800ULL << 12),
					      0x200, rw | (0x803ULL << 12),
					      0x203, &bits),
			 OUT_STALE_SAME);
	ept.flavor = MMU_EPT;
	/* EPT: R=bit0, W=bit1, X=bit2. */
	assert_true(spte_perms(&ept, (1ULL << 11) | 0x3) & PERM_WRITE);
	assert_false(spte_perms(&ept, (1ULL << 11) | 0x1) & PERM_WRITE);
}

static void test_describe(void **state)
{
	char buf[128];

	spte__describe(&cfg, 0x5a0, 1, buf, sizeof(buf));
	assert_string_equal(buf, "removed (0x5a0)");
	spte__describe(&cfg, 0, 1, buf, sizeof(buf));
	assert_string_equal(buf, "non-present (0x0)");
	spte__describe(&cfg,
		       (1ULL << 11) | 0x7 | (1ULL << 5) | (0xabcULL << 12) |
			       (1ULL << 7),
		       2, buf, sizeof(buf));
	assert_string_equal(buf, "pfn 0xabc 2M rwxu A- (0xabc8a7)");
}

static void test_parse_u64(void **state)
{
	__u64 v;

	assert_int_equal(parse_u64("0x5a0", &v), 0);
	assert_int_equal(v, 0x5a0);
	assert_int_equal(parse_u64("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_not_equal(parse_u64("", &v), 0);
	assert_int_not_equal(parse_u64("-1", &v), 0);
	assert_int_not_equal(parse_u64("12abc", &v), 0);
	assert_int_not_equal(parse_u64("0x1ffffffffffffffff", &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_value_variants),
		cmocka_unit_test(test_removed_override),
		cmocka_unit_test(test_present_and_pfn),
		cmocka_unit_test(test_perms_npt_vs_ept),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_parse_u64),
	};

	return cmocka_run_group_tests_name("spte", tests, setup, NULL);
}
