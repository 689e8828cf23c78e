// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void strbuf__init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void strbuf__release(struct strbuf *sb)
{
	free(sb->buf);
	strbuf__init(sb);
}

void strbuf__reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->err = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

/* Make room for @extra more bytes plus the terminating NUL. */
static int grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (sb->err)
		return sb->err;
	need = sb->len + extra + 1;
	if (need < sb->len) {
		sb->err = -ENOMEM;
		return sb->err;
	}
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p) {
		sb->err = -ENOMEM;
		return sb->err;
	}
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

int strbuf__append(struct strbuf *sb, const char *s, size_t n)
{
	int err = grow(sb, n);

	if (err)
		return err;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf__puts(struct strbuf *sb, const char *s)
{
	return strbuf__append(sb, s, strlen(s));
}

int strbuf__putc(struct strbuf *sb, char c)
{
	return strbuf__append(sb, &c, 1);
}

int strbuf__vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list again;
	int n, err;

	if (sb->err)
		return sb->err;
	/* Try in the space we have; retry once with the exact size. */
	va_copy(again, ap);
	n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL,
		      sb->buf ? sb->cap - sb->len : 0, fmt, ap);
	if (n < 0) {
		err = -EINVAL;
		goto out;
	}
	if (sb->buf && (size_t)n < sb->cap - sb->len) {
		sb->len += n;
		err = 0;
		goto out;
	}
	err = grow(sb, n);
	if (err)
		goto out;
	vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, again);
	sb->len += n;
out:
	va_end(again);
	return err;
}

int strbuf__printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = strbuf__vprintf(sb, fmt, ap);
	va_end(ap);
	return err;
}

const char *strbuf__str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

int strbuf__error(const struct strbuf *sb)
{
	return sb->err;
}

char *strbuf__detach(struct strbuf *sb, size_t *len)
{
	char *s = NULL;

	if (!sb->err) {
		s = sb->buf ? sb->buf : strdup("");
		if (len)
			*len = s ? sb->len : 0;
		sb->buf = NULL;
	}
	strbuf__release(sb);
	return s;
}
