// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "ksyms.h"
#include "array.h"
#include "idmap.h"
#include "stacks.h"

#define MAX_DEPTH 127

struct stack_table {
	const struct ksyms *ks;
	struct array stacks; /* struct stack, in the order they came */
	struct idmap index; /* id + 1 -> index in stacks */
};

struct stack_table *stack_table__new(const struct ksyms *ks)
{
	struct stack_table *st = calloc(1, sizeof(*st));

	if (st) {
		st->ks = ks;
		array__init(&st->stacks, sizeof(struct stack));
	}
	return st;
}

static void stack_clear(struct stack *s)
{
	size_t i;

	for (i = 0; i < s->depth; i++) {
		free(s->frames[i].sym);
		free(s->frames[i].module);
	}
	free(s->frames);
}

void stack_table__free(struct stack_table *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->stacks.count; i++)
		stack_clear(array__at(&st->stacks, i));
	array__free(&st->stacks);
	idmap__free(&st->index);
	free(st);
}

/* Ids are >= 0; the index keys them one up, as it takes no zero key. */
static __u64 id_key(__s32 id)
{
	return (__u64)(__u32)id + 1;
}

const struct stack *stack_table__get(const struct stack_table *st, __s32 id)
{
	__u32 *i = id >= 0 ? idmap__get(&st->index, id_key(id)) : NULL;

	return i ? array__at(&st->stacks, *i) : NULL;
}

/* Append an empty stack for @id; NULL if it exists, is full or on ENOMEM. */
static struct stack *insert(struct stack_table *st, __s32 id)
{
	struct stack *p;

	if (id < 0 || stack_table__get(st, id) ||
	    st->stacks.count >= STACK_TABLE_MAX ||
	    array__reserve(&st->stacks, st->stacks.count + 1) ||
	    idmap__put(&st->index, id_key(id), st->stacks.count))
		return NULL;
	p = array__push(&st->stacks);
	p->id = id;
	return p;
}

static int fill_frame(struct stack_frame *fr, const struct ksym *sym, __u64 ip)
{
	char buf[32];

	fr->ip = ip;
	if (sym) {
		fr->sym = strdup(sym->name);
		fr->module = sym->module ? strdup(sym->module) : NULL;
		fr->offset = ip - sym->addr;
		if (sym->module && !fr->module)
			return -ENOMEM;
	} else {
		snprintf(buf, sizeof(buf), "0x%llx", ip);
		fr->sym = strdup(buf);
	}
	return fr->sym ? 0 : -ENOMEM;
}

/*
 * The tracer's own frames: the BPF programs, the tracepoint, trampoline
 * and kprobe machinery that called them.  A kernel stack taken inside a
 * BPF program starts (innermost) with a run of these; they say nothing
 * about where KVM was, and would split identical KVM sites by program.
 */
static const char *const tracer_prefixes[] = {
	"bpf_prog_",	   "bpf_trace_run",	"__bpf_trace_",
	"__traceiter_",	   "bpf_trampoline_",	"__bpf_prog_enter",
	"__bpf_prog_exit", "trace_call_bpf",	"kprobe_",
	"kretprobe_",	   "__kretprobe_",	"pre_handler_kretprobe",
	"aggr_pre_handler", "arch_rethook_",	"rethook_",
	"ftrace_",	   "arch_ftrace_",	"perf_trace_run_bpf_submit",
	"exc_int3",	   "asm_exc_int3",
};

bool stack__is_tracer_frame(const char *sym, const char *module)
{
	size_t i;

	if (module && !strcmp(module, "bpf"))
		return true;
	if (!sym)
		return false;
	for (i = 0; i < sizeof(tracer_prefixes) / sizeof(*tracer_prefixes); i++)
		if (!strncmp(sym, tracer_prefixes[i],
			     strlen(tracer_prefixes[i])))
			return true;
	return false;
}

static void frame_release(struct stack_frame *fr)
{
	free(fr->sym);
	free(fr->module);
}

static bool same_function(const struct stack_frame *a,
			  const struct stack_frame *b)
{
	return !strcmp(a->sym, b->sym) &&
	       !strcmp(a->module ? a->module : "", b->module ? b->module : "");
}

/*
 * Drop the tracer's frames from a stack: the run of them at the innermost
 * end (the program, the tracepoint or probe machinery that called it), and
 * anywhere else the JITed code of [bpf]: a BPF trampoline of an fentry or
 * fexit hook on a function the stack passed through.  Such a trampoline
 * is entered from the traced function's first instruction and calls the
 * rest of it, so the function shows on both sides of it: one is kept.
 */
static void stack_strip(struct stack *s)
{
	size_t i, out = 0, n = s->depth;
	bool inner = true, merge = false;

	for (i = 0; i < n; i++) {
		struct stack_frame *fr = &s->frames[i];
		bool tracer = stack__is_tracer_frame(fr->sym, fr->module);

		if ((inner && tracer) ||
		    (fr->module && !strcmp(fr->module, "bpf"))) {
			merge = !inner && out;
			frame_release(fr);
			continue;
		}
		inner = false;
		if (merge && same_function(&s->frames[out - 1], fr)) {
			/* the traced function's entry, outside its trampoline */
			merge = false;
			frame_release(fr);
			continue;
		}
		merge = false;
		s->frames[out++] = *fr;
	}
	s->depth = out;
}

int stack_table__add_ips(struct stack_table *st, __s32 id, const __u64 *ips,
			 size_t n)
{
	struct stack *s;
	size_t depth = 0, i;
	int err = 0;

	while (depth < n && ips[depth])
		depth++;
	if (stack_table__get(st, id))
		return 0;
	s = insert(st, id);
	if (!s)
		return -ENOMEM;
	s->frames = calloc(depth ? depth : 1, sizeof(*s->frames));
	if (!s->frames)
		return -ENOMEM;
	for (i = 0; i < depth && !err; i++) {
		err = fill_frame(&s->frames[i],
				 st->ks ? ksyms__find(st->ks, ips[i]) : NULL,
				 ips[i]);
		s->depth = i + 1;
	}
	if (!err)
		stack_strip(s);
	return err;
}

int stack_table__add_frames(struct stack_table *st, __s32 id,
			    const struct stack_frame *frames, size_t n)
{
	struct stack *s;
	size_t i;

	if (stack_table__get(st, id))
		return 0;
	s = insert(st, id);
	if (!s)
		return -ENOMEM;
	s->frames = calloc(n ? n : 1, sizeof(*s->frames));
	if (!s->frames)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct stack_frame *fr = &s->frames[i];

		fr->ip = frames[i].ip;
		fr->offset = frames[i].offset;
		fr->sym = strdup(frames[i].sym ? frames[i].sym : "?");
		fr->module = frames[i].module ? strdup(frames[i].module) : NULL;
		s->depth = i + 1;
		if (!fr->sym || (frames[i].module && !fr->module))
			return -ENOMEM;
	}
	/* Recordings of older versions kept the tracer's frames. */
	stack_strip(s);
	return 0;
}

int stack_table__fetch(struct stack_table *st, int map_fd, __s32 id)
{
	__u64 ips[MAX_DEPTH];
	__u32 key = id;

	if (id < 0 || stack_table__get(st, id))
		return 0;
	memset(ips, 0, sizeof(ips));
	if (bpf_map_lookup_elem(map_fd, &key, ips))
		return -errno;
	return stack_table__add_ips(st, id, ips, MAX_DEPTH);
}

int stack_frame__format(const struct stack_frame *fr, char *buf, size_t len)
{
	if (fr->module)
		return snprintf(buf, len, "%s+0x%llx [%s]", fr->sym, fr->offset,
				fr->module);
	if (fr->sym && fr->sym[0] != '0')
		return snprintf(buf, len, "%s+0x%llx", fr->sym, fr->offset);
	return snprintf(buf, len, "%s", fr->sym);
}
