// SPDX-License-Identifier: GPL-2.0
/* Histogram math: log2 slot edges, percentiles, formatting, bars. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"
#include "spte_rules.h"

/* Every value lands in the slot whose bounds contain it, at every edge. */
static void test_slot_edges(void **state)
{
	unsigned int s;
	__u64 v;

	assert_int_equal(hist_slot(0), 0);
	assert_int_equal(hist_slot(1), 1);
	for (s = 1; s < HIST_SLOTS - 1; s++) {
		v = hist_slot_low(s);
		assert_int_equal(hist_slot(v), s);
		assert_int_equal(hist_slot(hist_slot_high(s)), s);
		assert_int_equal(hist_slot(hist_slot_high(s) + 1), s + 1);
	}
	assert_int_equal(hist_slot(UINT64_MAX), HIST_SLOTS - 1);
	assert_int_equal(hist_slot_high(HIST_SLOTS - 1), UINT64_MAX);
}

static void test_percentile(void **state)
{
	struct hist h = {};

	assert_int_equal(hist_percentile(&h, 50), 0);
	h.slots[hist_slot(1000)] = 90; /* 512..1023 */
	h.slots[hist_slot(100000)] = 10; /* 65536..131071 */
	assert_int_equal(hist_count(&h), 100);
	assert_int_equal(hist_percentile(&h, 50), 1023);
	assert_int_equal(hist_percentile(&h, 90), 1023);
	assert_int_equal(hist_percentile(&h, 99), 131071);
}

static void test_merge(void **state)
{
	struct hist a = {}, b = {};

	a.slots[3] = 2;
	a.sum_ns = 10;
	b.slots[3] = 1;
	b.slots[5] = 4;
	b.sum_ns = 100;
	hist_merge(&a, &b);
	assert_int_equal(a.slots[3], 3);
	assert_int_equal(a.slots[5], 4);
	assert_int_equal(a.sum_ns, 110);
}

static void test_format_ns(void **state)
{
	char buf[16];

	assert_string_equal(format_ns(950, buf, sizeof(buf)), "950ns");
	assert_string_equal(format_ns(1500, buf, sizeof(buf)), "1.5us");
	assert_string_equal(format_ns(12000000, buf, sizeof(buf)), "12.0ms");
	assert_string_equal(format_ns(3200000000ULL, buf, sizeof(buf)), "3.2s");
	assert_string_equal(format_ns(UINT64_MAX, buf, sizeof(buf)), "inf");
}

static void test_print(void **state)
{
	struct hist h = {};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	h.slots[hist_slot(1000)] = 8;
	h.slots[hist_slot(3000)] = 2;
	h.sum_ns = 8 * 1000 + 2 * 3000;
	hist_print(f, &h, "lat");
	fclose(f);
	assert_non_null(strstr(
		out, "lat: 10 samples, avg 1.4us, p50 <= 1.0us, p99 <= 4.1us"));
	/* Empty slots between two non-empty ones are shown. */
	assert_non_null(strstr(out, "1.0us .. 2.0us              0  |"));
	/* The biggest slot gets the full bar, the other a quarter of it. */
	assert_non_null(strstr(
		out,
		"512ns .. 1.0us              8  |****************************************|"));
	assert_non_null(strstr(
		out,
		"2.0us .. 4.1us              2  |**********                              |"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_edges),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_format_ns),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
