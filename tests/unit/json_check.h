/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON syntax checker for tests (RFC 8259 grammar, no extensions),
 * so that tests can assert "this line is one valid JSON value" without a
 * JSON library.
 */
#ifndef __SPTE_JSON_CHECK_H
#define __SPTE_JSON_CHECK_H

#include <stdbool.h>
#include <string.h>

static bool jc_value(const char **p, int depth);

static void jc_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool jc_string(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	int i;

	if (*s++ != '"')
		return false;
	for (; *s != '"'; s++) {
		if (*s < 0x20)
			return false;
		if (*s != '\\')
			continue;
		s++;
		if (*s == 'u') {
			for (i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", s[i]) ||
				    !s[i])
					return false;
			s += 4;
		} else if (!*s || !strchr("\"\\/bfnrt", *s)) {
			return false;
		}
	}
	*p = (const char *)s + 1;
	return true;
}

static bool jc_number(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	*p = s;
	return true;
}

static bool jc_list(const char **p, int depth, char close, bool object)
{
	(*p)++;
	jc_ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		if (object) {
			if (!jc_string(p))
				return false;
			jc_ws(p);
			if (*(*p)++ != ':')
				return false;
		}
		if (!jc_value(p, depth + 1))
			return false;
		if (**p == close) {
			(*p)++;
			return true;
		}
		if (*(*p)++ != ',')
			return false;
		jc_ws(p);
	}
}

static bool jc_value(const char **p, int depth)
{
	bool ok;

	if (depth > 64)
		return false;
	jc_ws(p);
	if (**p == '{')
		ok = jc_list(p, depth, '}', true);
	else if (**p == '[')
		ok = jc_list(p, depth, ']', false);
	else if (**p == '"')
		ok = jc_string(p);
	else if (!strncmp(*p, "true", 4) || !strncmp(*p, "null", 4))
		ok = (*p += 4, true);
	else if (!strncmp(*p, "false", 5))
		ok = (*p += 5, true);
	else
		ok = jc_number(p);
	jc_ws(p);
	return ok;
}

/* True if @s is exactly one JSON value (surrounding whitespace allowed). */
static inline bool json_valid(const char *s)
{
	return jc_value(&s, 0) && !*s;
}

#endif /* __SPTE_JSON_CHECK_H */
