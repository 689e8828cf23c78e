/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way `spte-trace report` reads its input: a file, a pipe, "-"
 * (stdin), a FIFO or a process substitution, plain or compressed with
 * gzip, xz or zstd (recognised by their magic bytes, not by the name).
 * The input is read once, front to back, through a fixed buffer: nothing
 * is opened twice and nothing grows with the input.
 *
 * The first bytes can be looked at (instream__peek()) to tell the format
 * apart before reading starts; reading then starts at byte 0.  Text is
 * read line by line with a bounded line length; a binary reader gets a
 * FILE * over the same bytes (instream__file()).  Readers that need to
 * seek (libtracecmd) get a file descriptor of a regular file holding the
 * whole input: the file itself when it is one and is not compressed, else
 * an unlinked temporary file the stream is copied to (instream__spool()).
 *
 * Errors: functions return a negative errno; instream__error() says what
 * went wrong without repeating the path (the caller names the input).
 */
#ifndef __SPTE_INSTREAM_H
#define __SPTE_INSTREAM_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define INSTREAM_LINE_MAX (64 * 1024) /* longest text line accepted */
#define INSTREAM_PEEK_MAX 4096

enum instream_codec {
	INSTREAM_PLAIN,
	INSTREAM_GZIP,
	INSTREAM_XZ,
	INSTREAM_ZSTD,
};

struct instream;

/* @path, or "-" for stdin.  0 or -errno (then *out is NULL). */
int instream__open(struct instream **out, const char *path);
/* Read from @fd, which the stream does not close (tests, fuzzing). */
int instream__open_fd(struct instream **out, int fd);
/* The same, over a copy of @len bytes at @data. */
int instream__open_mem(struct instream **out, const void *data, size_t len);
void instream__close(struct instream *s);

/*
 * The first bytes of the (decompressed) input without consuming them:
 * points *@p at up to @want (<= INSTREAM_PEEK_MAX) bytes; returns how many
 * there are (fewer at the end of a short input) or -errno.  Only before
 * the first read.
 */
ssize_t instream__peek(struct instream *s, const void **p, size_t want);
/* Up to @n bytes: how many (0 at the end), or -errno. */
ssize_t instream__read(struct instream *s, void *buf, size_t n);
/*
 * The next line, without its "\n" or "\r\n", NUL-terminated, in a buffer
 * the stream owns until the next call: 1, 0 at the end, -E2BIG for a line
 * longer than INSTREAM_LINE_MAX, -EILSEQ for a NUL byte in it, or -errno.
 */
int instream__getline(struct instream *s, char **line, size_t *len);
/* A read-only FILE * over the rest of the stream; fclose() it first. */
FILE *instream__file(struct instream *s);
/*
 * A regular file's descriptor at offset 0 holding the whole input, for a
 * reader that seeks; the stream keeps it.  0 or -errno.
 */
int instream__spool(struct instream *s, int *fd);

enum instream_codec instream__codec(const struct instream *s);
const char *instream__codec_name(enum instream_codec c);
/* Bytes of (decompressed) input consumed so far. */
unsigned long long instream__offset(const struct instream *s);
const char *instream__error(const struct instream *s);

#endif /* __SPTE_INSTREAM_H */
