/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable, always NUL-terminated string buffer.  An allocation failure
 * is sticky: later appends do nothing and strbuf__error() reports it once,
 * so renderers can append freely and check a single time at the end.
 */
#ifndef __SPTE_STRBUF_H
#define __SPTE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf; /* "" until the first append */
	size_t len;
	size_t cap;
	int err; /* 0 or -ENOMEM */
};

#define STRBUF_INIT                                       \
	{                                                 \
		.buf = NULL, .len = 0, .cap = 0, .err = 0 \
	}

void strbuf__init(struct strbuf *sb);
void strbuf__release(struct strbuf *sb);
/* Empty the buffer but keep its memory (and clear the error). */
void strbuf__reset(struct strbuf *sb);

int strbuf__append(struct strbuf *sb, const char *s, size_t n);
int strbuf__puts(struct strbuf *sb, const char *s);
int strbuf__putc(struct strbuf *sb, char c);
int strbuf__printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strbuf__vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The contents; never NULL. */
const char *strbuf__str(const struct strbuf *sb);
/* 0, or -ENOMEM if any append since init/reset failed. */
int strbuf__error(const struct strbuf *sb);
/* Hand the heap string to the caller (NULL after an error); sb is reset. */
char *strbuf__detach(struct strbuf *sb, size_t *len);

#endif /* __SPTE_STRBUF_H */
