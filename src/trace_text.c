// SPDX-License-Identifier: GPL-2.0
/*
 * A line of ftrace text is "<comm>-<tid> [(<tgid>)] [<cpu>] [<flags>]
 * <secs>.<frac>: <event>: <body>".  The body is the event's TP_printk
 * output, read here as "name value" or "name=value" pairs so that the order
 * and punctuation of the fields do not matter.  The formats (see
 * kernel-patch/ and arch/x86/kvm/mmu/mmutrace.h):
 *
 *   kvm_tdp_mmu_spte_changed: as id %d gfn %llx level %d old_spte %llx new_spte %llx
 *   kvm_tdp_mmu_spte_{set,freeze,unfreeze}: pid=%d vm=%u as_id=%u gfn=0x%llx
 *       level=%u sptep=%p old_spte=0x%llx new_spte=0x%llx
 *   kvm_remote_tlb_flush_{begin,end}: pid=%d vm=%u start_gfn=0x%llx
 *       pages=%s seq=%llu            (pages: "all" or 0x%llx)
 *   kvm_tdp_mmu_root_teardown_{begin,end}: pid=%d vm=%u
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct trace_text {
	struct trace_text_opts opts;
	FILE *f;
	char *path;
	char *buf;
	size_t cap;
	unsigned long lineno;
	struct trace_text_stats st;
	char comm[COMM_LEN];
	char err[512];
};

/* ---- Fields and events ------------------------------------------------------- */

enum field {
	F_KVM,
	F_PID,
	F_AS_ID,
	F_GFN,
	F_LEVEL,
	F_SPTEP,
	F_OLD,
	F_NEW,
	F_START,
	F_PAGES,
	F_SEQ,
	F_ROOT,
	F_ROOT_INVALID,
	F_REASON,
	F_PT,
	F_MAX,
};

#define BIT(f) (1U << (f))

static const char *const field_canon[F_MAX] = {
	"vm",	    "pid",	"as_id",     "gfn",	 "level",
	"sptep",    "old_spte", "new_spte",  "start_gfn", "pages",
	"seq",	    "root",	"root_invalid", "reason", "pt",
};

static const struct {
	const char *name;
	enum field f;
	int base; /* without a 0x prefix */
} field_names[] = {
	{ "vm", F_KVM, 10 }, /* the patched kernel's kvm->trace_id */
	{ "pid", F_PID, 10 },	      { "as_id", F_AS_ID, 10 },
	{ "as", F_AS_ID, 10 },	      { "gfn", F_GFN, 16 },
	{ "level", F_LEVEL, 10 },     { "sptep", F_SPTEP, 16 },
	{ "old_spte", F_OLD, 16 },    { "old", F_OLD, 16 },
	{ "new_spte", F_NEW, 16 },    { "new", F_NEW, 16 },
	{ "start_gfn", F_START, 16 }, { "start", F_START, 16 },
	{ "pages", F_PAGES, 16 },     { "seq", F_SEQ, 10 },
	{ "root", F_ROOT, 16 },	      { "root_invalid", F_ROOT_INVALID, 10 },
	{ "reason", F_REASON, 10 },   { "pt", F_PT, 16 },
};

#define SPTE_FIELDS \
	(BIT(F_AS_ID) | BIT(F_GFN) | BIT(F_LEVEL) | BIT(F_OLD) | BIT(F_NEW))

static const struct event_def {
	const char *name;
	__u32 type; /* enum event_type */
	__u8 op; /* enum spte_op */
	__u32 required; /* BIT(field)s */
} event_defs[] = {
	{ "kvm_tdp_mmu_spte_changed", EVENT_SPTE, SPTE_OP_CHANGED,
	  SPTE_FIELDS },
	{ "kvm_tdp_mmu_spte_set", EVENT_SPTE, SPTE_OP_SET,
	  SPTE_FIELDS | BIT(F_KVM) },
	{ "kvm_tdp_mmu_spte_freeze", EVENT_SPTE, SPTE_OP_FREEZE,
	  SPTE_FIELDS | BIT(F_KVM) },
	{ "kvm_tdp_mmu_spte_unfreeze", EVENT_SPTE, SPTE_OP_UNFREEZE,
	  SPTE_FIELDS | BIT(F_KVM) },
	{ "kvm_remote_tlb_flush_begin", EVENT_FLUSH_BEGIN, 0,
	  BIT(F_KVM) | BIT(F_START) | BIT(F_PAGES) | BIT(F_SEQ) },
	{ "kvm_remote_tlb_flush_end", EVENT_FLUSH_END, 0,
	  BIT(F_KVM) | BIT(F_START) | BIT(F_PAGES) | BIT(F_SEQ) },
	{ "kvm_tdp_mmu_root_teardown_begin", EVENT_TEARDOWN_BEGIN, 0,
	  BIT(F_KVM) },
	{ "kvm_tdp_mmu_root_teardown_end", EVENT_TEARDOWN_END, 0, BIT(F_KVM) },
	{ "kvm_mmu_flush_deadline", EVENT_DEADLINE, 0,
	  BIT(F_KVM) | BIT(F_REASON) },
	{ "kvm_tdp_mmu_free_sp", EVENT_FREE_PT, 0,
	  BIT(F_PT) | BIT(F_GFN) | BIT(F_LEVEL) },
	{ "kvm_destroy_vm", EVENT_VM_DESTROY, 0, BIT(F_KVM) },
};

/* kvm_mmu_flush_deadline prints its reason by name. */
static const char *const reason_names[DEADLINE_MAX] = {
	[DEADLINE_YIELD] = "yield",
	[DEADLINE_UNLOCK] = "unlock",
	[DEADLINE_NOTIFIER] = "notifier",
	[DEADLINE_DIRTY_LOG] = "dirty_log",
};

struct fields {
	__u64 v[F_MAX];
	__u32 seen;
};

/* What precedes the event body. */
struct prefix {
	const char *comm;
	size_t comm_len;
	__u32 tid;
	__u32 tgid; /* 0: not shown */
	__u64 ts_ns;
	const char *name;
	size_t name_len;
	const char *body;
};

static int fail(struct trace_text *tt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct trace_text *tt, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(tt->err, sizeof(tt->err),
		     "%s%sline %lu: ", tt->path ? tt->path : "",
		     tt->path ? ":" : "", tt->lineno);
	va_start(ap, fmt);
	vsnprintf(tt->err + n, sizeof(tt->err) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- The prefix ----------------------------------------------------------------- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_ws(const char *p)
{
	while (is_ws(*p))
		p++;
	return p;
}

/* The first " [<digits>]": the CPU column. */
static const char *find_cpu(const char *line)
{
	const char *p = line, *q;

	while ((p = strchr(p, '['))) {
		q = p + 1;
		while (isdigit((unsigned char)*q))
			q++;
		if (q > p + 1 && *q == ']' && p > line &&
		    (p[-1] == ' ' || p[-1] == '\t'))
			return p;
		p++;
	}
	return NULL;
}

static bool parse_digits(const char *s, size_t n, __u64 *out)
{
	__u64 v = 0;
	size_t i;

	if (!n || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* "comm-tid" or "comm-tid (tgid)" in [s, end). */
static bool parse_task(const char *s, const char *end, struct prefix *pf)
{
	const char *open, *dash, *t;
	__u64 v;

	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end > s && end[-1] == ')') {
		open = memrchr(s, '(', end - s);
		if (!open)
			return false;
		t = skip_ws(open + 1);
		/* "(-------)": the tgid was not recorded */
		if (parse_digits(t, end - 1 - t, &v))
			pf->tgid = v;
		end = open;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
	}
	dash = memrchr(s, '-', end - s);
	if (!dash || !parse_digits(dash + 1, end - dash - 1, &v))
		return false;
	pf->tid = v;
	pf->comm = s;
	pf->comm_len = dash - s;
	return true;
}

/* "<secs>[.<frac>]:" to ns; integer clocks (counter) are taken as ns. */
static bool parse_ts(const char *s, size_t n, __u64 *ns)
{
	const char *dot = memchr(s, '.', n);
	__u64 sec, frac = 0;
	size_t fl, i;

	if (!n || s[n - 1] != ':')
		return false;
	n--;
	if (!dot)
		return parse_digits(s, n, ns);
	fl = s + n - dot - 1;
	if (!parse_digits(s, dot - s, &sec) ||
	    (fl && !parse_digits(dot + 1, fl > 9 ? 9 : fl, &frac)))
		return false;
	for (i = 9; i < fl; i++)
		if (!isdigit((unsigned char)dot[1 + i]))
			return false;
	for (i = fl; i < 9; i++)
		frac *= 10;
	*ns = sec * 1000000000ULL + frac;
	return true;
}

static size_t token_len(const char *p)
{
	size_t n = 0;

	while (p[n] && !is_ws(p[n]))
		n++;
	return n;
}

static bool parse_prefix(const char *line, struct prefix *pf)
{
	const char *p = skip_ws(line), *cpu = find_cpu(p);
	size_t n;

	memset(pf, 0, sizeof(*pf));
	if (!cpu || !parse_task(p, cpu, pf))
		return false;
	p = skip_ws(strchr(cpu, ']') + 1);
	n = token_len(p);
	if (!parse_ts(p, n, &pf->ts_ns)) {
		/* latency flags ("d..1.") come before the timestamp */
		p = skip_ws(p + n);
		n = token_len(p);
		if (!parse_ts(p, n, &pf->ts_ns))
			return false;
	}
	p = skip_ws(p + n);
	pf->name = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	pf->name_len = p - pf->name;
	if (!pf->name_len || *p != ':')
		return false;
	pf->body = skip_ws(p + 1);
	return true;
}

/* ---- The body ---------------------------------------------------------------- */

static int lookup_field(const char *s, size_t n, int *base)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(field_names); i++) {
		if (strlen(field_names[i].name) == n &&
		    !strncmp(field_names[i].name, s, n)) {
			*base = field_names[i].base;
			return field_names[i].f;
		}
	}
	return -1;
}

static bool parse_value(const char *s, size_t n, int base, enum field f,
			__u64 *out)
{
	char buf[32], *end;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (f == F_PAGES && (!strcmp(buf, "all") || !strcmp(buf, "-1"))) {
		*out = FLUSH_ALL_PAGES;
		return true;
	}
	if (f == F_REASON) {
		for (*out = 0; *out < DEADLINE_MAX; (*out)++)
			if (!strcmp(buf, reason_names[*out]))
				return true;
	}
	if (!strncmp(buf, "0x", 2) || !strncmp(buf, "0X", 2))
		base = 16;
	if (buf[0] == '-' || buf[0] == '+' || !isxdigit((unsigned char)buf[0]))
		return false;
	errno = 0;
	*out = strtoull(buf, &end, base);
	return !errno && !*end;
}

/* Next token of the body, with trailing commas and semicolons dropped. */
static const char *next_token(const char **pp, size_t *n)
{
	const char *p = skip_ws(*pp);

	*n = token_len(p);
	*pp = p + *n;
	while (*n && (p[*n - 1] == ',' || p[*n - 1] == ';'))
		(*n)--;
	return *n ? p : NULL;
}

static int parse_body(struct trace_text *tt, const struct event_def *def,
		      const char *body, struct fields *fl)
{
	const char *p = body, *name, *val, *eq;
	size_t nn, vn;
	int f, base;

	memset(fl, 0, sizeof(*fl));
	while ((name = next_token(&p, &nn))) {
		eq = memchr(name, '=', nn);
		if (eq) {
			val = eq + 1;
			vn = name + nn - val;
			nn = eq - name;
		} else {
			/* the stock event says "as id 0" */
			if (nn == 2 && !strncmp(name, "as", 2) &&
			    !strncmp(skip_ws(p), "id ", 3))
				p = skip_ws(p) + 2;
			val = next_token(&p, &vn);
		}
		f = lookup_field(name, nn, &base);
		if (f < 0)
			continue; /* a field spte-trace does not use */
		/* %p gives "(____ptrval____)" early in boot: not needed */
		if (f == F_SPTEP && val &&
		    !parse_value(val, vn, base, f, &fl->v[f]))
			continue;
		if (!val || !parse_value(val, vn, base, f, &fl->v[f]))
			return fail(tt, "%s: bad value '%.*s' for %.*s",
				    def->name, (int)(val ? vn : 0),
				    val ? val : "", (int)nn, name);
		fl->seen |= BIT(f);
	}
	for (f = 0; f < F_MAX; f++)
		if ((def->required & BIT(f)) && !(fl->seen & BIT(f)))
			return fail(tt, "%s: no %s field in '%s'", def->name,
				    field_canon[f], body);
	return 0;
}

/* ---- Events ---------------------------------------------------------------------- */

static const struct event_def *find_event(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(event_defs); i++)
		if (strlen(event_defs[i].name) == n &&
		    !strncmp(event_defs[i].name, name, n))
			return &event_defs[i];
	return NULL;
}

/* A known event name in a line whose prefix did not parse. */
static const struct event_def *mentions_event(const char *line)
{
	const char *p;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(event_defs); i++) {
		n = strlen(event_defs[i].name);
		p = strstr(line, event_defs[i].name);
		if (p && p[n] == ':')
			return &event_defs[i];
	}
	return NULL;
}

/* The stock event has no VM: key it by task (see trace_text.h). */
static __u64 stock_vm(struct trace_text *tt, const struct prefix *pf)
{
	if (tt->opts.vm == TRACE_TEXT_VM_SINGLE)
		return 1;
	if (pf->tgid)
		return pf->tgid;
	tt->st.no_tgid++;
	return pf->tid;
}

static int fill_spte(struct trace_text *tt, const struct event_def *def,
		     const struct prefix *pf, const struct fields *fl,
		     struct event *ev)
{
	struct spte_event *s = &ev->spte;

	if (fl->v[F_LEVEL] < 1 || fl->v[F_LEVEL] > SPTE_LEVELS)
		return fail(tt, "%s: level %llu is not 1 to %d", def->name,
			    fl->v[F_LEVEL], SPTE_LEVELS);
	if (fl->v[F_AS_ID] > 0xffff)
		return fail(tt, "%s: as_id %llu out of range", def->name,
			    fl->v[F_AS_ID]);
	s->ts_ns = pf->ts_ns;
	s->gfn = fl->v[F_GFN];
	s->old_spte = fl->v[F_OLD];
	s->new_spte = fl->v[F_NEW];
	s->sptep = fl->v[F_SPTEP];
	s->tid = pf->tid;
	s->stack_id = -1;
	s->as_id = fl->v[F_AS_ID];
	s->level = fl->v[F_LEVEL];
	s->op = def->op;
	s->root = fl->v[F_ROOT];
	if (fl->v[F_ROOT_INVALID])
		s->flags |= SPTE_F_ROOT_INVALID;
	if (def->op == SPTE_OP_CHANGED) {
		/* The VM is a guess: never enough for a violation. */
		s->vm = stock_vm(tt, pf);
		s->pid = pf->tgid ? pf->tgid : pf->tid;
		s->flags |= SPTE_F_VM_GUESSED;
	} else {
		s->vm = fl->v[F_KVM];
		s->pid = fl->seen & BIT(F_PID) ? fl->v[F_PID] :
			 pf->tgid	       ? pf->tgid :
						 pf->tid;
	}
	return 1;
}

static int fill_vm_event(const struct prefix *pf, const struct fields *fl,
			 struct event *ev)
{
	struct vm_event *f = &ev->vm;

	f->ts_ns = pf->ts_ns;
	f->vm = fl->v[F_KVM];
	f->start_gfn = ev->type == EVENT_FREE_PT ? fl->v[F_GFN] :
						   fl->v[F_START];
	f->pages = fl->v[F_PAGES];
	f->seq = fl->v[F_SEQ];
	f->tag = fl->v[F_SEQ]; /* as the BPF programs pair them */
	f->reason = fl->v[F_REASON];
	f->pt = fl->v[F_PT];
	f->level = fl->v[F_LEVEL];
	f->as_id = fl->v[F_AS_ID];
	f->stack_id = -1;
	f->pid = fl->seen & BIT(F_PID) ? fl->v[F_PID] :
		 pf->tgid	       ? pf->tgid :
					 pf->tid;
	f->tid = pf->tid;
	return 1;
}

static void count_lost(struct trace_text *tt, const char *line)
{
	const char *p = strstr(line, "[LOST ");
	unsigned long long n;

	if (p && sscanf(p, "[LOST %llu EVENTS]", &n) == 1)
		tt->st.lost += n;
}

int trace_text__parse_line(struct trace_text *tt, const char *line,
			   struct event *ev)
{
	const struct event_def *def;
	struct fields fl;
	struct prefix pf;
	int ret;

	tt->lineno++;
	tt->st.lines++;
	if (!*skip_ws(line) || *skip_ws(line) == '#') {
		tt->st.comments++;
		return 0;
	}
	if (!parse_prefix(line, &pf)) {
		def = mentions_event(line);
		if (def)
			return fail(
				tt,
				"%s: cannot parse the task, CPU and timestamp before the event name",
				def->name);
		count_lost(tt, line);
		tt->st.unknown++;
		return 0;
	}
	def = find_event(pf.name, pf.name_len);
	if (!def) {
		tt->st.unknown++;
		return 0;
	}
	ret = parse_body(tt, def, pf.body, &fl);
	if (ret)
		return ret;
	memset(ev, 0, sizeof(*ev));
	ev->type = def->type;
	ret = def->type == EVENT_SPTE ? fill_spte(tt, def, &pf, &fl, ev) :
					fill_vm_event(&pf, &fl, ev);
	if (ret == 1) {
		snprintf(tt->comm, sizeof(tt->comm), "%.*s", (int)pf.comm_len,
			 pf.comm);
		tt->st.events++;
	}
	return ret;
}

/* ---- Files ----------------------------------------------------------------------- */

struct trace_text *trace_text__new(const struct trace_text_opts *opts)
{
	struct trace_text *tt = calloc(1, sizeof(*tt));

	if (tt && opts)
		tt->opts = *opts;
	return tt;
}

void trace_text__free(struct trace_text *tt)
{
	if (!tt)
		return;
	if (tt->f && tt->f != stdin)
		fclose(tt->f);
	free(tt->buf);
	free(tt->path);
	free(tt);
}

int trace_text__open(struct trace_text **out, const char *path,
		     const struct trace_text_opts *opts, char *err,
		     size_t errlen)
{
	struct trace_text *tt = trace_text__new(opts);
	int ret = -ENOMEM;

	*out = NULL;
	if (!tt || !(tt->path = strdup(path)))
		goto fail;
	tt->f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!tt->f) {
		ret = -errno;
		goto fail;
	}
	*out = tt;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	trace_text__free(tt);
	return ret;
}

int trace_text__next(struct trace_text *tt, struct event *ev)
{
	ssize_t n;
	int ret;

	for (;;) {
		errno = 0;
		n = getline(&tt->buf, &tt->cap, tt->f);
		if (n < 0) {
			if (!errno || feof(tt->f))
				return 0;
			snprintf(tt->err, sizeof(tt->err), "%s: read: %s",
				 tt->path, strerror(errno));
			return -EIO;
		}
		while (n && (tt->buf[n - 1] == '\n' || tt->buf[n - 1] == '\r'))
			tt->buf[--n] = '\0';
		if ((size_t)n != strlen(tt->buf))
			return fail(
				tt,
				"NUL byte in the text: not an ftrace text file");
		ret = trace_text__parse_line(tt, tt->buf, ev);
		if (ret)
			return ret;
	}
}

const char *trace_text__error(const struct trace_text *tt)
{
	return tt->err;
}

const char *trace_text__comm(const struct trace_text *tt)
{
	return tt->comm;
}

void trace_text__stats(const struct trace_text *tt, struct trace_text_stats *st)
{
	*st = tt->st;
}
