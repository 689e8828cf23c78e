// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "htab.h"
#include "io.h"
#include "record.h"
#include "stacks.h"
#include "vmtab.h"
#include "util.h"

static const char file_magic[8] = { 'S', 'P', 'T', 'E', 'R', 'E', 'C', '\n' };
#define BYTE_ORDER_MARK 0x01020304U
#define BLOCK_MAGIC 0x4b4c4253U /* "SBLK" in little endian */
#define BLOCK_HEADER_SIZE 32
#define MAX_PAYLOAD (16U << 20)
#define STACKS_FLUSH_BYTES (256U << 10)
#define VMS_FLUSH_COUNT 256
#define VM_RECORD_SIZE 32
#define NO_MODULE 0xffffU

enum block_type {
	BLOCK_EVENTS = 1,
	BLOCK_STACKS = 2,
	BLOCK_VMS = 3,
	BLOCK_END = 4,
};

/*
 * File header: fixed fields at fixed offsets (no struct padding on disk),
 * then the raw struct spte_config, then the rest, then the CRC.
 */
#define HDR_FIXED 32
#define HDR_TAIL (8 + 8 + 4 * 4 + sizeof(struct spte_limits) + 64 + 32)
#define HDR_SIZE (HDR_FIXED + sizeof(struct spte_config) + HDR_TAIL + 4)

/* ---- Byte helpers ------------------------------------------------------------- */

static void put32(unsigned char *p, __u32 v)
{
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, __u64 v)
{
	memcpy(p, &v, 8);
}

static __u32 get32(const unsigned char *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return v;
}

static __u64 get64(const unsigned char *p)
{
	__u64 v;

	memcpy(&v, p, 8);
	return v;
}

static __u32 crc_of(__u32 crc, const void *p, size_t len)
{
	return crc32(crc, p, len);
}

static __u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- Writer ------------------------------------------------------------------- */

struct recorder {
	int fd;
	char *path;
	__u64 seq;
	struct event *events;
	__u32 nevents;
	unsigned char *stacks;
	size_t stacks_len, stacks_cap;
	__u32 nstacks;
	unsigned char *vms;
	__u32 nvms;
	struct htab *stack_ids;
	struct record_totals totals;
	int error;
	char err[256];
};

static int rec_fail(struct recorder *r, int err, const char *what)
{
	if (!r->error) {
		r->error = err;
		snprintf(r->err, sizeof(r->err), "%s: %s", what,
			 strerror(-err));
	}
	return r->error;
}

static void header_build(unsigned char *h, const struct record_info *in)
{
	size_t off = HDR_FIXED;

	memset(h, 0, HDR_SIZE);
	memcpy(h, file_magic, sizeof(file_magic));
	put32(h + 8, RECORD_VERSION);
	put32(h + 12, BYTE_ORDER_MARK);
	put32(h + 16, HDR_SIZE);
	put32(h + 20, sizeof(struct event));
	put32(h + 24, sizeof(struct spte_config));
	put32(h + 28, BLOCK_HEADER_SIZE);
	memcpy(h + off, &in->cfg, sizeof(in->cfg));
	off += sizeof(in->cfg);
	put64(h + off, in->realtime_ns);
	put64(h + off + 8, in->monotonic_ns);
	put32(h + off + 16, in->spte_source);
	put32(h + off + 20, in->hook_source);
	off += 32;
	memcpy(h + off, &in->limits, sizeof(in->limits));
	off += sizeof(in->limits);
	memcpy(h + off, in->kernel, strnlen(in->kernel, 63));
	memcpy(h + off + 64, in->version, strnlen(in->version, 31));
	put32(h + HDR_SIZE - 4, crc_of(0, h, HDR_SIZE - 4));
}

static void info_complete(struct record_info *info)
{
	struct utsname u;

	if (!info->realtime_ns) {
		info->realtime_ns = clock_ns(CLOCK_REALTIME);
		info->monotonic_ns = clock_ns(CLOCK_MONOTONIC);
	}
	if (!info->kernel[0] && !uname(&u))
		snprintf(info->kernel, sizeof(info->kernel), "%.63s",
			 u.release);
	if (!info->version[0])
		snprintf(info->version, sizeof(info->version), "%.31s",
			 SPTE_TRACE_VERSION);
}

int recorder__open(struct recorder **out, const char *path,
		   const struct record_info *info, char *err, size_t errlen)
{
	unsigned char hdr[HDR_SIZE];
	struct record_info full = *info;
	struct recorder *r;
	struct iovec iov = { hdr, sizeof(hdr) };
	int ret = -ENOMEM;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto fail;
	r->fd = -1;
	r->path = strdup(path);
	r->events = calloc(RECORD_BLOCK_EVENTS, sizeof(*r->events));
	r->vms = calloc(VMS_FLUSH_COUNT, VM_RECORD_SIZE);
	r->stack_ids = htab__new(sizeof(__s32), 1, 1 << 20, false);
	if (!r->path || !r->events || !r->vms || !r->stack_ids)
		goto fail;
	r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (r->fd < 0) {
		ret = -errno;
		goto fail;
	}
	info_complete(&full);
	header_build(hdr, &full);
	ret = io__writev_all(r->fd, &iov, 1);
	if (ret)
		goto fail;
	*out = r;
	return 0;
fail:
	snprintf(err, errlen, "%s", strerror(-ret));
	if (r && r->fd >= 0)
		close(r->fd);
	if (r) {
		htab__free(r->stack_ids);
		free(r->vms);
		free(r->events);
		free(r->path);
		free(r);
	}
	return ret;
}

static int write_block(struct recorder *r, __u32 type, __u32 count,
		       const void *payload, size_t len)
{
	unsigned char h[BLOCK_HEADER_SIZE] = { 0 };
	struct iovec iov[2] = { { h, sizeof(h) }, { (void *)payload, len } };
	__u32 crc;
	int ret;

	put32(h, BLOCK_MAGIC);
	put32(h + 4, type);
	put64(h + 8, r->seq);
	put32(h + 16, count);
	put32(h + 20, len);
	crc = crc_of(crc_of(0, h, sizeof(h)), payload, len);
	put32(h + 24, crc);
	ret = io__writev_all(r->fd, iov, len ? 2 : 1);
	if (ret)
		return rec_fail(r, ret, "write");
	r->seq++;
	r->totals.blocks++;
	return 0;
}

int recorder__flush(struct recorder *r)
{
	int ret = r->error;

	/* VMs and stacks first: the events that refer to them follow. */
	if (!ret && r->nvms)
		ret = write_block(r, BLOCK_VMS, r->nvms, r->vms,
				  (size_t)r->nvms * VM_RECORD_SIZE);
	if (!ret && r->nstacks)
		ret = write_block(r, BLOCK_STACKS, r->nstacks, r->stacks,
				  r->stacks_len);
	if (!ret && r->nevents)
		ret = write_block(r, BLOCK_EVENTS, r->nevents, r->events,
				  (size_t)r->nevents * sizeof(struct event));
	r->nvms = 0;
	r->nstacks = 0;
	r->stacks_len = 0;
	r->nevents = 0;
	return ret;
}

int recorder__write(struct recorder *r, const struct event *ev)
{
	if (r->error)
		return r->error;
	r->events[r->nevents++] = *ev;
	r->totals.events++;
	return r->nevents == RECORD_BLOCK_EVENTS ? recorder__flush(r) : 0;
}

static int stacks_reserve(struct recorder *r, size_t n)
{
	size_t cap = r->stacks_cap ? r->stacks_cap : 4096;
	unsigned char *p;

	if (r->stacks_len + n <= r->stacks_cap)
		return 0;
	while (cap < r->stacks_len + n)
		cap *= 2;
	p = realloc(r->stacks, cap);
	if (!p)
		return rec_fail(r, -ENOMEM, "buffer");
	r->stacks = p;
	r->stacks_cap = cap;
	return 0;
}

static void stacks_put(struct recorder *r, const void *p, size_t n)
{
	memcpy(r->stacks + r->stacks_len, p, n);
	r->stacks_len += n;
}

static size_t str_len16(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n < NO_MODULE ? n : NO_MODULE - 1;
}

int recorder__write_stack(struct recorder *r, const struct stack *s)
{
	unsigned char fh[20], one = 1;
	size_t i, need = 8, sl, ml;
	const struct stack_frame *fr;
	__u32 depth = s->depth;

	if (r->error)
		return r->error;
	if (htab__lookup(r->stack_ids, &s->id))
		return 0;
	for (i = 0; i < s->depth; i++)
		need += sizeof(fh) + str_len16(s->frames[i].sym) +
			str_len16(s->frames[i].module);
	if (stacks_reserve(r, need))
		return r->error;
	stacks_put(r, &s->id, 4);
	stacks_put(r, &depth, 4);
	for (i = 0; i < s->depth; i++) {
		fr = &s->frames[i];
		sl = str_len16(fr->sym);
		ml = str_len16(fr->module);
		put64(fh, fr->ip);
		put64(fh + 8, fr->offset);
		fh[16] = sl & 0xff;
		fh[17] = sl >> 8;
		fh[18] = (fr->module ? ml : NO_MODULE) & 0xff;
		fh[19] = (fr->module ? ml : NO_MODULE) >> 8;
		stacks_put(r, fh, sizeof(fh));
		stacks_put(r, fr->sym ? fr->sym : "", sl);
		stacks_put(r, fr->module ? fr->module : "", ml);
	}
	/* A full id table only means a stack may be written twice. */
	htab__update(r->stack_ids, &s->id, &one);
	r->nstacks++;
	r->totals.stacks++;
	return r->stacks_len >= STACKS_FLUSH_BYTES ? recorder__flush(r) : 0;
}

int recorder__write_vm(struct recorder *r, __u64 key, __u32 pid,
		       const char *comm)
{
	unsigned char *p;

	if (r->error)
		return r->error;
	p = r->vms + (size_t)r->nvms * VM_RECORD_SIZE;
	memset(p, 0, VM_RECORD_SIZE);
	put64(p, key);
	put32(p + 8, pid);
	if (comm)
		memcpy(p + 12, comm, strnlen(comm, COMM_LEN - 1));
	r->nvms++;
	r->totals.vms++;
	return r->nvms == VMS_FLUSH_COUNT ? recorder__flush(r) : 0;
}

int recorder__close(struct recorder *r)
{
	unsigned char end[24];
	int ret;

	if (!r)
		return 0;
	ret = recorder__flush(r);
	if (!ret) {
		put64(end, r->totals.events);
		put64(end + 8, r->totals.stacks);
		put64(end + 16, r->totals.vms);
		ret = write_block(r, BLOCK_END, 0, end, sizeof(end));
	}
	if (!ret && fsync(r->fd))
		ret = rec_fail(r, -errno, "fsync");
	if (close(r->fd) && !ret)
		ret = rec_fail(r, -errno, "close");
	htab__free(r->stack_ids);
	free(r->stacks);
	free(r->vms);
	free(r->events);
	free(r->path);
	free(r);
	return ret;
}

const char *recorder__error(const struct recorder *r)
{
	return r->error ? r->err : "";
}

/* ---- Reader ------------------------------------------------------------------- */

struct replay {
	FILE *f;
	char *path;
	struct record_info info;
	__u64 offset; /* of the next block */
	__u64 seq; /* expected sequence number of the next block */
	unsigned char *payload;
	size_t payload_cap;
	const struct event *events; /* in payload */
	__u32 nevents, pos;
	struct stack_table *stacks;
	struct vmtab *vms;
	struct record_totals totals;
	bool ended;
	int error;
	char err[512];
};

static int rp_fail(struct replay *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rp_fail(struct replay *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->error)
		return r->error;
	r->error = err;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return err;
}

bool replay__is_recording(const void *head, size_t len)
{
	return len >= sizeof(file_magic) &&
	       !memcmp(head, file_magic, sizeof(file_magic));
}

static int check_fixed(struct replay *r, const unsigned char *h)
{
	__u32 bom = get32(h + 12);

	if (memcmp(h, file_magic, sizeof(file_magic)))
		return rp_fail(r, -EBADMSG,
			       "not a spte-trace recording (bad magic)");
	if (bom == __builtin_bswap32(BYTE_ORDER_MARK))
		return rp_fail(
			r, -EBADMSG,
			"recorded on a host of the other byte order; replay it there");
	if (bom != BYTE_ORDER_MARK)
		return rp_fail(r, -EBADMSG,
			       "corrupt file header (byte-order mark 0x%08x)",
			       bom);
	if (get32(h + 8) != RECORD_VERSION)
		return rp_fail(
			r, -EBADMSG,
			"recording format version %u; this spte-trace reads version %u",
			get32(h + 8), RECORD_VERSION);
	if (get32(h + 16) != HDR_SIZE)
		return rp_fail(
			r, -EBADMSG,
			"file header of %u bytes, expected %zu (corrupt or from another build)",
			get32(h + 16), HDR_SIZE);
	if (get32(h + 20) != sizeof(struct event) ||
	    get32(h + 24) != sizeof(struct spte_config) ||
	    get32(h + 28) != BLOCK_HEADER_SIZE)
		return rp_fail(
			r, -EBADMSG,
			"recorded with sizeof(struct event) %u, sizeof(struct spte_config) %u; this build has %zu and %zu",
			get32(h + 20), get32(h + 24), sizeof(struct event),
			sizeof(struct spte_config));
	return 0;
}

static void header_parse(struct replay *r, const unsigned char *h)
{
	size_t off = HDR_FIXED;

	memcpy(&r->info.cfg, h + off, sizeof(r->info.cfg));
	off += sizeof(r->info.cfg);
	r->info.realtime_ns = get64(h + off);
	r->info.monotonic_ns = get64(h + off + 8);
	r->info.spte_source = get32(h + off + 16);
	r->info.hook_source = get32(h + off + 20);
	off += 32;
	memcpy(&r->info.limits, h + off, sizeof(r->info.limits));
	off += sizeof(r->info.limits);
	memcpy(r->info.kernel, h + off, 63);
	memcpy(r->info.version, h + off + 64, 31);
}

static int read_header(struct replay *r)
{
	unsigned char h[HDR_SIZE];
	size_t n = fread(h, 1, sizeof(h), r->f);
	__u32 crc;

	if (ferror(r->f))
		return rp_fail(r, -EIO, "read: %s", strerror(errno));
	if (memcmp(h, file_magic,
		   n < sizeof(file_magic) ? n : sizeof(file_magic)))
		return rp_fail(r, -EBADMSG,
			       "not a spte-trace recording (bad magic)");
	if (n < HDR_FIXED) {
		if (!n)
			return rp_fail(
				r, -EBADMSG,
				"empty file, not a spte-trace recording");
		return rp_fail(r, -ENODATA,
			       "truncated inside the file header (%zu bytes)",
			       n);
	}
	if (check_fixed(r, h))
		return r->error;
	if (n < sizeof(h))
		return rp_fail(
			r, -ENODATA,
			"truncated inside the file header (%zu of %zu bytes)",
			n, sizeof(h));
	crc = crc_of(0, h, sizeof(h) - 4);
	if (crc != get32(h + sizeof(h) - 4))
		return rp_fail(
			r, -EBADMSG,
			"file header checksum mismatch (stored 0x%08x, computed 0x%08x)",
			get32(h + sizeof(h) - 4), crc);
	header_parse(r, h);
	r->offset = sizeof(h);
	return 0;
}

int replay__open(struct replay **out, FILE *f, char *err, size_t errlen)
{
	struct replay *r = calloc(1, sizeof(*r));
	int ret = -ENOMEM;

	*out = NULL;
	if (!r) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		fclose(f);
		return ret;
	}
	r->f = f;
	ret = read_header(r);
	if (ret) {
		snprintf(err, errlen, "%s", r->err);
		goto fail;
	}
	*out = r;
	return 0;
fail:
	replay__close(r);
	return ret;
}

const struct record_info *replay__info(const struct replay *r)
{
	return &r->info;
}

void replay__set_sinks(struct replay *r, struct stack_table *stacks,
		       struct vmtab *vms)
{
	r->stacks = stacks;
	r->vms = vms;
}

/* "block 12 at offset 34567" */
#define BLK_FMT "block %llu at offset %llu"
#define BLK_ARGS(r) \
	(unsigned long long)(r)->seq, (unsigned long long)(r)->offset

static int parse_events(struct replay *r, __u32 count, __u32 len)
{
	const struct event *ev = (const struct event *)r->payload;
	__u32 i;

	if ((size_t)count * sizeof(struct event) != len)
		return rp_fail(r, -EBADMSG,
			       BLK_FMT ": %u events in %u bytes (corrupt)",
			       BLK_ARGS(r), count, len);
	for (i = 0; i < count; i++)
		if (ev[i].type < EVENT_SPTE || ev[i].type >= EVENT_TYPE_MAX)
			return rp_fail(r, -EBADMSG,
				       BLK_FMT ": event %u has unknown type %u",
				       BLK_ARGS(r), i, ev[i].type);
	r->events = ev;
	r->nevents = count;
	r->pos = 0;
	r->totals.events += count;
	return 0;
}

/* One stack at @p; its length in *used.  0 or -EBADMSG. */
static int parse_stack(struct replay *r, const unsigned char *p, size_t left,
		       size_t *used, __u32 index)
{
	struct stack_frame *frames = NULL;
	size_t off = 8, i, sl, ml;
	__u32 depth;
	__s32 id;
	int ret = -EBADMSG;

	if (left < 8)
		goto bad;
	memcpy(&id, p, 4);
	depth = get32(p + 4);
	if (depth > 4096)
		goto bad;
	frames = calloc(depth ? depth : 1, sizeof(*frames));
	if (!frames)
		return rp_fail(r, -ENOMEM, "out of memory");
	for (i = 0; i < depth; i++) {
		if (left - off < 20)
			goto bad;
		frames[i].ip = get64(p + off);
		frames[i].offset = get64(p + off + 8);
		sl = p[off + 16] | p[off + 17] << 8;
		ml = p[off + 18] | p[off + 19] << 8;
		off += 20;
		if (left - off < sl + (ml == NO_MODULE ? 0 : ml))
			goto bad;
		frames[i].sym = strndup((const char *)p + off, sl);
		off += sl;
		if (ml != NO_MODULE) {
			frames[i].module = strndup((const char *)p + off, ml);
			off += ml;
		}
	}
	ret = r->stacks ?
		      stack_table__add_frames(r->stacks, id, frames, depth) :
		      0;
	if (ret)
		rp_fail(r, ret, "out of memory");
	*used = off;
	goto out;
bad:
	rp_fail(r, -EBADMSG, BLK_FMT ": stack record %u is malformed",
		BLK_ARGS(r), index);
out:
	for (i = 0; frames && i < depth; i++) {
		free(frames[i].sym);
		free(frames[i].module);
	}
	free(frames);
	return ret;
}

static int parse_stacks(struct replay *r, __u32 count, __u32 len)
{
	size_t off = 0, used = 0;
	__u32 i;

	if (count && !len) /* no payload buffer to point into */
		return rp_fail(r, -EBADMSG,
			       BLK_FMT ": %u stacks in 0 bytes (corrupt)",
			       BLK_ARGS(r), count);
	for (i = 0; i < count; i++) {
		if (parse_stack(r, r->payload + off, len - off, &used, i))
			return r->error;
		off += used;
	}
	if (off != len)
		return rp_fail(r, -EBADMSG,
			       BLK_FMT ": %zu bytes after the last stack",
			       BLK_ARGS(r), len - off);
	r->totals.stacks += count;
	return 0;
}

static int parse_vms(struct replay *r, __u32 count, __u32 len)
{
	const unsigned char *p = r->payload;
	char comm[COMM_LEN];
	__u32 i;

	if ((size_t)count * VM_RECORD_SIZE != len)
		return rp_fail(r, -EBADMSG,
			       BLK_FMT ": %u VM records in %u bytes (corrupt)",
			       BLK_ARGS(r), count, len);
	for (i = 0; i < count; i++, p += VM_RECORD_SIZE) {
		memcpy(comm, p + 12, COMM_LEN);
		comm[COMM_LEN - 1] = '\0';
		if (r->vms)
			vmtab__note(r->vms, get64(p), get32(p + 8), comm);
	}
	r->totals.vms += count;
	return 0;
}

static int parse_end(struct replay *r, __u32 len)
{
	const unsigned char *p = r->payload;

	if (len != 24)
		return rp_fail(r, -EBADMSG, BLK_FMT ": end block of %u bytes",
			       BLK_ARGS(r), len);
	if (get64(p) != r->totals.events || get64(p + 8) != r->totals.stacks ||
	    get64(p + 16) != r->totals.vms)
		return rp_fail(
			r, -EBADMSG,
			BLK_FMT
			": end block counts %llu events, %llu stacks, %llu VMs; the file holds %llu, %llu, %llu",
			BLK_ARGS(r), get64(p), get64(p + 8), get64(p + 16),
			r->totals.events, r->totals.stacks, r->totals.vms);
	r->ended = true;
	return 0;
}

static int read_exact(struct replay *r, void *buf, size_t len, size_t *got)
{
	*got = fread(buf, 1, len, r->f);
	if (*got < len && ferror(r->f))
		return rp_fail(r, -EIO, BLK_FMT ": read: %s", BLK_ARGS(r),
			       strerror(errno));
	return 0;
}

static int check_block_header(struct replay *r, const unsigned char *h)
{
	__u32 type = get32(h + 4), len = get32(h + 20);

	if (get32(h) != BLOCK_MAGIC)
		return rp_fail(r, -EBADMSG,
			       BLK_FMT ": bad block magic 0x%08x (corrupt)",
			       BLK_ARGS(r), get32(h));
	if (get64(h + 8) != r->seq)
		return rp_fail(
			r, -EBADMSG,
			BLK_FMT
			": sequence number %llu (blocks missing or out of order)",
			BLK_ARGS(r), get64(h + 8));
	if (type < BLOCK_EVENTS || type > BLOCK_END)
		return rp_fail(r, -EBADMSG, BLK_FMT ": unknown block type %u",
			       BLK_ARGS(r), type);
	if (len > MAX_PAYLOAD)
		return rp_fail(r, -EBADMSG,
			       BLK_FMT
			       ": payload length %u is too large (corrupt)",
			       BLK_ARGS(r), len);
	return 0;
}

static int grow_payload(struct replay *r, size_t len)
{
	unsigned char *p;

	if (len <= r->payload_cap)
		return 0;
	p = realloc(r->payload, len);
	if (!p)
		return rp_fail(r, -ENOMEM, "out of memory");
	r->payload = p;
	r->payload_cap = len;
	return 0;
}

static int dispatch(struct replay *r, __u32 type, __u32 count, __u32 len)
{
	switch (type) {
	case BLOCK_EVENTS:
		return parse_events(r, count, len);
	case BLOCK_STACKS:
		return parse_stacks(r, count, len);
	case BLOCK_VMS:
		return parse_vms(r, count, len);
	default:
		return parse_end(r, len);
	}
}

static int read_block(struct replay *r)
{
	unsigned char h[BLOCK_HEADER_SIZE];
	__u32 len, crc, stored;
	size_t got;

	if (read_exact(r, h, sizeof(h), &got))
		return r->error;
	if (!got)
		return rp_fail(
			r, -ENODATA,
			"ends at offset %llu after %llu blocks without an end block: the recording was cut short or never closed (%llu events read)",
			(unsigned long long)r->offset,
			(unsigned long long)r->seq,
			(unsigned long long)r->totals.events);
	if (got < sizeof(h))
		return rp_fail(
			r, -ENODATA,
			BLK_FMT
			": truncated inside the block header (%zu of %zu bytes)",
			BLK_ARGS(r), got, sizeof(h));
	if (check_block_header(r, h))
		return r->error;
	len = get32(h + 20);
	if (grow_payload(r, len) || read_exact(r, r->payload, len, &got))
		return r->error;
	if (got < len)
		return rp_fail(
			r, -ENODATA,
			BLK_FMT
			": truncated: payload of %u bytes, only %zu present",
			BLK_ARGS(r), len, got);
	stored = get32(h + 24);
	put32(h + 24, 0);
	crc = crc_of(crc_of(0, h, sizeof(h)), r->payload, len);
	if (crc != stored)
		return rp_fail(
			r, -EBADMSG,
			BLK_FMT
			": checksum mismatch (stored 0x%08x, computed 0x%08x)",
			BLK_ARGS(r), stored, crc);
	if (dispatch(r, get32(h + 4), get32(h + 16), len))
		return r->error;
	r->offset += sizeof(h) + len;
	r->seq++;
	r->totals.blocks++;
	return 0;
}

int replay__next(struct replay *r, struct event *ev)
{
	while (!r->error) {
		if (r->pos < r->nevents) {
			memcpy(ev, &r->events[r->pos++], sizeof(*ev));
			return 1;
		}
		if (r->ended) {
			if (fgetc(r->f) != EOF)
				return rp_fail(
					r, -EBADMSG,
					"data after the end block at offset %llu",
					(unsigned long long)r->offset);
			return 0;
		}
		r->nevents = 0;
		read_block(r);
	}
	return r->error;
}

const char *replay__error(const struct replay *r)
{
	return r->error ? r->err : "";
}

void replay__totals(const struct replay *r, struct record_totals *t)
{
	*t = r->totals;
}

void replay__close(struct replay *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->payload);
	free(r->path);
	free(r);
}
