// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "io.h"
#include "instream.h"
#include "util.h"

#define IN_BUF (64 * 1024) /* raw bytes */
#define OUT_BUF (128 * 1024) /* decompressed bytes */
#define XZ_MEMLIMIT (256ULL << 20) /* xz -9 needs 65 MiB */
#define ZSTD_WINDOW_LOG_MAX 27 /* 128 MiB, zstd's own default limit */

struct instream {
	int fd; /* -1: memory */
	bool own_fd;
	unsigned char *mem;
	size_t mem_len, mem_pos;
	enum instream_codec codec;
	bool started; /* a read happened: no more peeking */
	bool codec_end; /* the decoder saw the end of its stream */

	unsigned char *in;
	size_t in_pos, in_len;
	bool in_eof;

	unsigned char *out;
	size_t out_pos, out_len;
	bool eof;

	z_stream z;
	lzma_stream x;
	ZSTD_DStream *zs;

	char *line;
	unsigned long long offset;
	int spool_fd;
	char err[160];
};

static int fail(struct instream *s, int err, const char *what)
{
	if (!s->err[0])
		snprintf(s->err, sizeof(s->err), "%s", what);
	return err;
}

/* ---- Raw bytes ------------------------------------------------------------- */

static ssize_t raw_read(struct instream *s, void *buf, size_t n)
{
	ssize_t r;

	if (s->fd < 0) {
		r = s->mem_len - s->mem_pos < n ? s->mem_len - s->mem_pos : n;
		memcpy(buf, s->mem + s->mem_pos, r);
		s->mem_pos += r;
		return r;
	}
	do
		r = read(s->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int err = -errno;

		snprintf(s->err, sizeof(s->err), "read: %s", strerror(errno));
		return err;
	}
	return r;
}

/* Top up the raw buffer; 0, or -errno. */
static int raw_fill(struct instream *s)
{
	ssize_t r;

	if (s->in_eof)
		return 0;
	if (s->in_pos == s->in_len)
		s->in_pos = s->in_len = 0;
	if (s->in_len == IN_BUF) {
		if (!s->in_pos)
			return 0;
		memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
		s->in_len -= s->in_pos;
		s->in_pos = 0;
	}
	r = raw_read(s, s->in + s->in_len, IN_BUF - s->in_len);
	if (r < 0)
		return r;
	if (!r)
		s->in_eof = true;
	s->in_len += r;
	return 0;
}

/* ---- Codecs ---------------------------------------------------------------- */

static const struct {
	enum instream_codec codec;
	const char *name;
	unsigned char magic[6];
	size_t len;
} codecs[] = {
	{ INSTREAM_GZIP, "gzip", { 0x1f, 0x8b }, 2 },
	{ INSTREAM_XZ, "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
	{ INSTREAM_ZSTD, "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
};

const char *instream__codec_name(enum instream_codec c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codecs); i++)
		if (codecs[i].codec == c)
			return codecs[i].name;
	return "plain";
}

static int codec_start(struct instream *s)
{
	size_t i, have;
	int err;

	while (s->in_len < 6 && !s->in_eof) {
		err = raw_fill(s);
		if (err)
			return err;
	}
	have = s->in_len;
	for (i = 0; i < ARRAY_SIZE(codecs); i++)
		if (have >= codecs[i].len &&
		    !memcmp(s->in, codecs[i].magic, codecs[i].len))
			s->codec = codecs[i].codec;
	switch (s->codec) {
	case INSTREAM_GZIP:
		if (inflateInit2(&s->z, 15 + 16) != Z_OK)
			return fail(s, -ENOMEM, "gzip: cannot start");
		break;
	case INSTREAM_XZ:
		if (lzma_stream_decoder(&s->x, XZ_MEMLIMIT,
					LZMA_CONCATENATED) != LZMA_OK)
			return fail(s, -ENOMEM, "xz: cannot start");
		break;
	case INSTREAM_ZSTD:
		s->zs = ZSTD_createDStream();
		if (!s->zs ||
		    ZSTD_isError(ZSTD_DCtx_setParameter(
			    s->zs, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX)))
			return fail(s, -ENOMEM, "zstd: cannot start");
		break;
	case INSTREAM_PLAIN:
		break;
	}
	return 0;
}

/* Decompress into out[out_len..OUT_BUF): bytes produced, 0 at the end. */
static ssize_t decode(struct instream *s)
{
	size_t room = OUT_BUF - s->out_len, got = 0, used = 0;
	unsigned char *dst = s->out + s->out_len;
	int err;

	while (!got) {
		if (s->in_pos == s->in_len && !s->in_eof) {
			err = raw_fill(s);
			if (err)
				return err;
		}
		/* a decoder may still hold output: it is asked once more */
		if (s->in_pos == s->in_len && s->in_eof &&
		    (s->codec_end || s->codec == INSTREAM_PLAIN))
			return 0;
		switch (s->codec) {
		case INSTREAM_PLAIN:
			got = s->in_len - s->in_pos < room ?
				      s->in_len - s->in_pos :
				      room;
			memcpy(dst, s->in + s->in_pos, got);
			used = got;
			break;
		case INSTREAM_GZIP: {
			int ret;

			if (s->codec_end) {
				/* another member follows: gzip -c a b > c */
				inflateReset(&s->z);
				s->codec_end = false;
			}
			s->z.next_in = s->in + s->in_pos;
			s->z.avail_in = s->in_len - s->in_pos;
			s->z.next_out = dst;
			s->z.avail_out = room;
			ret = inflate(&s->z, Z_NO_FLUSH);
			if (ret != Z_OK && ret != Z_STREAM_END &&
			    ret != Z_BUF_ERROR)
				return fail(s, -EBADMSG,
					    "gzip data is damaged");
			used = s->in_len - s->in_pos - s->z.avail_in;
			got = room - s->z.avail_out;
			if (ret == Z_STREAM_END)
				s->codec_end = true;
			break;
		}
		case INSTREAM_XZ: {
			lzma_ret ret;

			s->x.next_in = s->in + s->in_pos;
			s->x.avail_in = s->in_len - s->in_pos;
			s->x.next_out = dst;
			s->x.avail_out = room;
			ret = lzma_code(&s->x,
					s->in_eof ? LZMA_FINISH : LZMA_RUN);
			used = s->in_len - s->in_pos - s->x.avail_in;
			got = room - s->x.avail_out;
			if (ret == LZMA_STREAM_END)
				s->codec_end = true;
			else if (ret == LZMA_MEMLIMIT_ERROR)
				return fail(
					s, -E2BIG,
					"xz data needs more than 256 MiB to decode");
			else if (ret == LZMA_BUF_ERROR && s->in_eof)
				return fail(s, -EBADMSG, "xz data ends early");
			else if (ret != LZMA_OK && ret != LZMA_BUF_ERROR)
				return fail(s, -EBADMSG, "xz data is damaged");
			break;
		}
		case INSTREAM_ZSTD: {
			ZSTD_inBuffer ib = { s->in + s->in_pos,
					     s->in_len - s->in_pos, 0 };
			ZSTD_outBuffer ob = { dst, room, 0 };
			size_t ret = ZSTD_decompressStream(s->zs, &ob, &ib);

			if (ZSTD_isError(ret))
				return fail(s, -EBADMSG,
					    "zstd data is damaged");
			used = ib.pos;
			got = ob.pos;
			/* 0: a frame ended; more frames may follow */
			s->codec_end = ret == 0;
			break;
		}
		}
		s->in_pos += used;
		if (!got && !used && s->in_eof && s->in_pos == s->in_len) {
			if (s->codec_end)
				return 0;
			snprintf(s->err, sizeof(s->err), "%s data ends early",
				 instream__codec_name(s->codec));
			return -EBADMSG;
		}
	}
	s->out_len += got;
	return got;
}

/* Make out hold at least @want unread bytes, or all that is left. */
static int fill(struct instream *s, size_t want)
{
	ssize_t r;

	if (s->out_pos && s->out_len - s->out_pos < want) {
		memmove(s->out, s->out + s->out_pos, s->out_len - s->out_pos);
		s->out_len -= s->out_pos;
		s->out_pos = 0;
	}
	while (!s->eof && s->out_len - s->out_pos < want &&
	       s->out_len < OUT_BUF) {
		r = decode(s);
		if (r < 0)
			return r;
		if (!r)
			s->eof = true;
	}
	return 0;
}

/* ---- Opening and closing ---------------------------------------------------- */

static int stream_new(struct instream **out, int fd, bool own)
{
	struct instream *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s) {
		if (own)
			close(fd);
		return -ENOMEM;
	}
	s->fd = fd;
	s->own_fd = own;
	s->spool_fd = -1;
	s->in = malloc(IN_BUF);
	s->out = malloc(OUT_BUF);
	if (!s->in || !s->out) {
		instream__close(s);
		return -ENOMEM;
	}
	err = codec_start(s);
	*out = s;
	return err;
}

int instream__open(struct instream **out, const char *path)
{
	int fd;

	if (!strcmp(path, "-"))
		return stream_new(out, STDIN_FILENO, false);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*out = NULL;
		return -errno;
	}
	return stream_new(out, fd, true);
}

int instream__open_fd(struct instream **out, int fd)
{
	return stream_new(out, fd, false);
}

int instream__open_mem(struct instream **out, const void *data, size_t len)
{
	struct instream *s;
	unsigned char *copy = malloc(len ? len : 1);
	int err;

	*out = NULL;
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	s = calloc(1, sizeof(*s));
	if (!s) {
		free(copy);
		return -ENOMEM;
	}
	s->fd = -1;
	s->mem = copy;
	s->mem_len = len;
	s->spool_fd = -1;
	s->in = malloc(IN_BUF);
	s->out = malloc(OUT_BUF);
	if (!s->in || !s->out) {
		instream__close(s);
		return -ENOMEM;
	}
	err = codec_start(s);
	*out = s;
	return err;
}

void instream__close(struct instream *s)
{
	if (!s)
		return;
	if (s->codec == INSTREAM_GZIP)
		inflateEnd(&s->z);
	else if (s->codec == INSTREAM_XZ)
		lzma_end(&s->x);
	ZSTD_freeDStream(s->zs);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	if (s->spool_fd >= 0)
		close(s->spool_fd);
	free(s->mem);
	free(s->in);
	free(s->out);
	free(s->line);
	free(s);
}

/* ---- Reading ---------------------------------------------------------------- */

ssize_t instream__peek(struct instream *s, const void **p, size_t want)
{
	int err;

	if (s->started || want > INSTREAM_PEEK_MAX)
		return -EINVAL;
	err = fill(s, want);
	if (err)
		return err;
	*p = s->out + s->out_pos;
	return s->out_len - s->out_pos < want ? s->out_len - s->out_pos : want;
}

ssize_t instream__read(struct instream *s, void *buf, size_t n)
{
	size_t have;
	int err;

	s->started = true;
	if (s->out_pos == s->out_len) {
		err = fill(s, 1);
		if (err)
			return err;
	}
	have = s->out_len - s->out_pos;
	if (n > have)
		n = have;
	memcpy(buf, s->out + s->out_pos, n);
	s->out_pos += n;
	s->offset += n;
	return n;
}

int instream__getline(struct instream *s, char **line, size_t *len)
{
	size_t n = 0, chunk;
	unsigned char *nl;
	int err;

	s->started = true;
	if (!s->line && !(s->line = malloc(INSTREAM_LINE_MAX + 1)))
		return -ENOMEM;
	for (;;) {
		if (s->out_pos == s->out_len) {
			err = fill(s, 1);
			if (err)
				return err;
			if (s->out_pos == s->out_len) {
				if (!n)
					return 0;
				break; /* the last line has no newline */
			}
		}
		nl = memchr(s->out + s->out_pos, '\n', s->out_len - s->out_pos);
		chunk = nl ? (size_t)(nl - (s->out + s->out_pos)) :
			     s->out_len - s->out_pos;
		if (n + chunk > INSTREAM_LINE_MAX)
			return fail(s, -E2BIG, "a line is too long");
		memcpy(s->line + n, s->out + s->out_pos, chunk);
		n += chunk;
		s->out_pos += chunk + (nl ? 1 : 0);
		s->offset += chunk + (nl ? 1 : 0);
		if (nl)
			break;
	}
	if (n && s->line[n - 1] == '\r')
		n--;
	s->line[n] = '\0';
	if (memchr(s->line, '\0', n))
		return -EILSEQ;
	*line = s->line;
	*len = n;
	return 1;
}

static ssize_t cookie_read(void *c, char *buf, size_t n)
{
	ssize_t r = instream__read(c, buf, n);

	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

FILE *instream__file(struct instream *s)
{
	cookie_io_functions_t io = { .read = cookie_read };

	s->started = true;
	return fopencookie(s, "r", io);
}

int instream__spool(struct instream *s, int *fd)
{
	const char *dir = getenv("TMPDIR");
	struct stat st;
	ssize_t n;
	int err;

	if (s->spool_fd >= 0)
		goto done;
	if (s->codec == INSTREAM_PLAIN && s->fd >= 0 && !s->offset &&
	    !fstat(s->fd, &st) && S_ISREG(st.st_mode) &&
	    lseek(s->fd, 0, SEEK_SET) == 0) {
		s->spool_fd = dup(s->fd);
		if (s->spool_fd < 0)
			return -errno;
		goto done;
	}
	s->spool_fd =
		open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR, 0600);
	if (s->spool_fd < 0) {
		err = -errno;
		snprintf(s->err, sizeof(s->err),
			 "cannot make a temporary copy in %s: %s",
			 dir && *dir ? dir : "/tmp", strerror(errno));
		return err;
	}
	for (;;) {
		err = fill(s, 1);
		if (err)
			return err;
		n = s->out_len - s->out_pos;
		if (!n)
			break;
		err = io__write_all(s->spool_fd, s->out + s->out_pos, n);
		if (err) {
			snprintf(s->err, sizeof(s->err),
				 "writing a temporary copy: %s",
				 strerror(-err));
			return err;
		}
		s->out_pos += n;
		s->offset += n;
	}
	if (lseek(s->spool_fd, 0, SEEK_SET))
		return -errno;
done:
	s->started = true;
	*fd = s->spool_fd;
	return 0;
}

enum instream_codec instream__codec(const struct instream *s)
{
	return s->codec;
}

unsigned long long instream__offset(const struct instream *s)
{
	return s->offset;
}

const char *instream__error(const struct instream *s)
{
	return s->err;
}
