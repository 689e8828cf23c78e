// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "strbuf.h"

static void test_empty(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	assert_string_equal(strbuf__str(&sb), "");
	assert_int_equal(sb.len, 0);
	assert_int_equal(strbuf__error(&sb), 0);
	strbuf__release(&sb);
}

static void test_append_and_printf(void **state)
{
	struct strbuf sb;

	strbuf__init(&sb);
	assert_int_equal(strbuf__puts(&sb, "abc"), 0);
	assert_int_equal(strbuf__putc(&sb, '-'), 0);
	assert_int_equal(strbuf__printf(&sb, "%d:%s", 42, "x"), 0);
	assert_string_equal(strbuf__str(&sb), "abc-42:x");
	assert_int_equal(sb.len, 8);
	strbuf__reset(&sb);
	assert_string_equal(strbuf__str(&sb), "");
	strbuf__release(&sb);
}

/* Growth across many reallocations keeps every byte. */
static void test_growth(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char want[16];
	size_t i, off = 0;

	for (i = 0; i < 10000; i++)
		assert_int_equal(strbuf__printf(&sb, "%05zu;", i), 0);
	assert_int_equal(sb.len, 60000);
	for (i = 0; i < 10000; i++, off += 6) {
		snprintf(want, sizeof(want), "%05zu;", i);
		assert_memory_equal(sb.buf + off, want, 6);
	}
	strbuf__release(&sb);
}

/* A single printf larger than the current capacity. */
static void test_big_printf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(5000);

	memset(big, 'z', 4999);
	big[4999] = '\0';
	strbuf__puts(&sb, "a");
	assert_int_equal(strbuf__printf(&sb, "<%s>", big), 0);
	assert_int_equal(sb.len, 5002);
	assert_int_equal(sb.buf[5001], '>');
	assert_int_equal(sb.buf[5002], '\0');
	free(big);
	strbuf__release(&sb);
}

static void test_detach(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 99;
	char *s;

	s = strbuf__detach(&sb, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);

	strbuf__puts(&sb, "hello");
	s = strbuf__detach(&sb, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_null(sb.buf);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_append_and_printf),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_big_printf),
		cmocka_unit_test(test_detach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
