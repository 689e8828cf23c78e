// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "idmap.h"
#include "names.h"
#include "stacks.h"
#include "strbuf.h"
#include "util.h"

/*
 * Memory grows with distinct stacks, not with samples: a sample added from
 * a stack id is merged at once into the entry of its (root, stack id), so a
 * million violations of one stack cost one path.  Folded lines read back
 * (flame__add_folded) are merged when written.
 */
#define MAX_ROOTS 64 /* distinct first frames: [zap], [violation:...] */

struct sample {
	char *path; /* "root;outer;...;leaf" */
	__u64 count;
	__u64 key; /* (root, stack id) it was made from, 0: a folded line */
};

struct flame {
	const struct stack_table *st;
	struct sample *samples;
	size_t n, cap;
	bool merged;
	struct idmap index; /* key -> index in samples */
	char *roots[MAX_ROOTS];
	unsigned int nroots;
};

/* ---- Frames ------------------------------------------------------------------- */

void flame__sanitize(char *s)
{
	/* ';' separates frames; a newline would end the line early. */
	for (; *s; s++) {
		if (*s == ';')
			*s = ':';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

void flame__frame_name(const struct stack_frame *fr, char *buf, size_t len)
{
	const char *sym = fr->sym && *fr->sym ? fr->sym : "[unknown]";

	/* Offsets are left out so that one function is one frame. */
	if (fr->module)
		snprintf(buf, len, "%s [%s]", sym, fr->module);
	else
		snprintf(buf, len, "%s", sym);
	flame__sanitize(buf);
}

struct flame *flame__new(const struct stack_table *st)
{
	struct flame *f = calloc(1, sizeof(*f));

	if (f)
		f->st = st;
	return f;
}

void flame__free(struct flame *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		free(f->samples[i].path);
	for (i = 0; i < f->nroots; i++)
		free(f->roots[i]);
	idmap__free(&f->index);
	free(f->samples);
	free(f);
}

static int push(struct flame *f, char *path, __u64 count, __u64 key)
{
	struct sample *p;
	size_t cap;

	if (f->n == f->cap) {
		cap = f->cap ? f->cap * 2 : 256;
		p = realloc(f->samples, cap * sizeof(*p));
		if (!p) {
			free(path);
			return -ENOMEM;
		}
		f->samples = p;
		f->cap = cap;
	}
	if (key && idmap__put(&f->index, key, f->n)) {
		free(path);
		return -ENOMEM;
	}
	f->samples[f->n].path = path;
	f->samples[f->n].count = count;
	f->samples[f->n].key = key;
	f->n++;
	f->merged = false;
	return 0;
}

/* The key of (@root, @stack_id); 0 when the roots table is full. */
static __u64 sample_key(struct flame *f, const char *root, __s32 stack_id)
{
	unsigned int r;

	for (r = 0; r < f->nroots; r++)
		if (!strcmp(f->roots[r], root))
			break;
	if (r == f->nroots) {
		if (r == MAX_ROOTS || !(f->roots[r] = strdup(root)))
			return 0;
		f->nroots++;
	}
	/* stack ids are >= -1: shifted up, never 0 */
	return ((__u64)(r + 1) << 33) | (__u64)((__s64)stack_id + 2);
}

static void append_frame(struct strbuf *sb, const char *name)
{
	size_t at = sb->len;

	strbuf__putc(sb, ';');
	strbuf__puts(sb, name);
	if (!strbuf__error(sb))
		flame__sanitize(sb->buf + at + 1);
}

/*
 * The innermost frames of a stack captured by a BPF program are the
 * tracer's own (the program, the tracepoint glue): not where KVM was.
 */
static const char *const tracer_prefixes[] = {
	"bpf_prog_",	"bpf_trace_run",	  "__bpf_trace_",
	"__traceiter_", "trace_event_raw_event_", "perf_trace_",
	"__probestub_", "bpf_get_stack",	  "bpf_dispatcher_",
};

static size_t tracer_frames(const struct stack *s)
{
	size_t n = 0, i;

	for (; n < s->depth && s->frames[n].sym; n++) {
		for (i = 0;
		     i < ARRAY_SIZE(tracer_prefixes);
		     i++)
			if (!strncmp(s->frames[n].sym, tracer_prefixes[i],
				     strlen(tracer_prefixes[i])))
				break;
		if (i == ARRAY_SIZE(tracer_prefixes))
			break;
	}
	return n < s->depth ? n : 0; /* all of them: keep the stack as is */
}

int flame__add(struct flame *f, const char *root, __s32 stack_id, __u64 count)
{
	const struct stack *s = NULL;
	struct strbuf sb = STRBUF_INIT;
	char name[256];
	__u32 *hit;
	__u64 key;
	size_t i;
	char *path;

	if (!count)
		return 0;
	key = sample_key(f, root, stack_id);
	hit = key ? idmap__get(&f->index, key) : NULL;
	if (hit) {
		f->samples[*hit].count += count;
		return 0;
	}
	strbuf__puts(&sb, root);
	if (!strbuf__error(&sb))
		flame__sanitize(sb.buf);
	if (stack_id >= 0 && f->st)
		s = stack_table__get(f->st, stack_id);
	if (stack_id < 0) {
		append_frame(&sb, "[no stack]");
	} else if (!s) {
		snprintf(name, sizeof(name), "[stack %d not symbolized]",
			 stack_id);
		append_frame(&sb, name);
	} else {
		size_t skip = tracer_frames(s);

		for (i = s->depth; i-- > skip;) {
			flame__frame_name(&s->frames[i], name, sizeof(name));
			append_frame(&sb, name);
		}
	}
	path = strbuf__detach(&sb, NULL);
	return path ? push(f, path, count, key) : -ENOMEM;
}

int flame__add_site(struct flame *f, __u32 kind, __s32 stack_id, __u64 count)
{
	char root[64];

	snprintf(root, sizeof(root), "[%s]", site_name(kind));
	return flame__add(f, root, stack_id, count);
}

int flame__add_violation(struct flame *f, const struct violation *v)
{
	char root[64];

	snprintf(root, sizeof(root), "[violation:%s]",
		 violation_kind_name(v->kind));
	return flame__add(f, root, v->stack_id, 1);
}

int flame__add_folded(struct flame *f, const char *line)
{
	size_t n = strlen(line), end, i;
	unsigned long long count = 0;
	char *path, *p;

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
		     line[n - 1] == ' '))
		n--;
	end = n;
	while (n && line[n - 1] >= '0' && line[n - 1] <= '9')
		n--;
	if (n == end || !n || line[n - 1] != ' ' || end - n > 19)
		return -EINVAL;
	for (i = n; i < end; i++)
		count = count * 10 + (line[i] - '0');
	while (n && line[n - 1] == ' ')
		n--;
	if (!n)
		return -EINVAL;
	path = strndup(line, n);
	if (!path)
		return -ENOMEM;
	for (p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return count ? push(f, path, count, 0) : (free(path), 0);
}

static int cmp_sample(const void *a, const void *b)
{
	return strcmp(((const struct sample *)a)->path,
		      ((const struct sample *)b)->path);
}

static void merge(struct flame *f)
{
	size_t i, out = 0;

	if (f->merged || !f->n)
		return;
	idmap__free(&f->index); /* indices move: rebuilt below */
	qsort(f->samples, f->n, sizeof(*f->samples), cmp_sample);
	for (i = 0; i < f->n; i++) {
		if (out &&
		    !strcmp(f->samples[out - 1].path, f->samples[i].path)) {
			f->samples[out - 1].count += f->samples[i].count;
			free(f->samples[i].path);
		} else {
			f->samples[out++] = f->samples[i];
		}
	}
	f->n = out;
	f->merged = true;
	for (i = 0; i < f->n; i++)
		if (f->samples[i].key &&
		    idmap__put(&f->index, f->samples[i].key, i))
			f->samples[i].key =
				0; /* no index: merged when written */
}

int flame__write_folded(struct flame *f, FILE *out)
{
	size_t i;

	merge(f);
	for (i = 0; i < f->n; i++)
		fprintf(out, "%s %llu\n", f->samples[i].path,
			f->samples[i].count);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

__u64 flame__total(struct flame *f)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < f->n; i++)
		n += f->samples[i].count;
	return n;
}

size_t flame__stacks(struct flame *f)
{
	merge(f);
	return f->n;
}

const char *flame__path(struct flame *f, size_t i, __u64 *count)
{
	merge(f);
	if (i >= f->n)
		return NULL;
	*count = f->samples[i].count;
	return f->samples[i].path;
}
