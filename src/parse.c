// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "parse.h"

static int digit(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

int parse_u64_base(const char *s, size_t n, unsigned int base, __u64 *out)
{
	__u64 v = 0;
	size_t i;
	int d;

	if (!s || !n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		d = digit(s[i], base);
		if (d < 0)
			return -EINVAL;
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int parse_u64n(const char *s, size_t n, __u64 *out)
{
	if (s && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_u64_base(s + 2, n - 2, 16, out);
	return parse_u64_base(s, n, 10, out);
}

int parse_u64(const char *s, __u64 *out)
{
	size_t n = 0;

	if (!s)
		return -EINVAL;
	while (s[n])
		n++;
	return parse_u64n(s, n, out);
}
