/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numbers from people and from traces, one rule everywhere: decimal unless
 * a 0x/0X prefix says hexadecimal; no blanks, no signs, no octal, nothing
 * after the digits, no overflow.  "010" is ten, "08" is eight, " 1", "+1"
 * and "-1" are refused.
 */
#ifndef __SPTE_PARSE_H
#define __SPTE_PARSE_H

#include <stddef.h>
#include <linux/types.h>

/* The NUL-terminated @s.  0, or -EINVAL (junk) or -ERANGE (too big). */
int parse_u64(const char *s, __u64 *out);
/* The first @n bytes of @s, with the same rules. */
int parse_u64n(const char *s, size_t n, __u64 *out);
/* Digits only, in @base (10 or 16), no prefix: for fixed trace fields. */
int parse_u64_base(const char *s, size_t n, unsigned int base, __u64 *out);

#endif /* __SPTE_PARSE_H */
