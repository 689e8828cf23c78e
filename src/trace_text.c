// SPDX-License-Identifier: GPL-2.0
/*
 * One line of trace text is a prefix, an event name and a body.  The
 * prefixes this reads (docs/operators.md lists them with examples):
 *
 *   tracefs trace, trace_pipe   comm-TID [(TGID)] [CPU] [flags] SECS.USECS: event: body
 *   trace-cmd report            comm-TID [CPU] [flags] SECS.USECS: event: body
 *       -t                      ... SECS.NSECS: ...
 *       --ts-diff               ... SECS.USECS: (+DELTA) event: body
 *       -l                      comm-TID CPUflags SECS.USECS: event: body
 *       several -i, instances   "FILE: " or "INSTANCE: " before the line
 *   perf script                 comm TID [CPU] SECS.USECS: system:event: body
 *       -F +pid                 comm PID/TID [CPU] ...
 *
 * The body is the event's TP_printk output, read as "name value" or
 * "name=value" pairs, so that the order and punctuation of the fields do
 * not matter.  The formats (kernel-patch/, /work/spec ABI v2 and
 * arch/x86/kvm/mmu/mmutrace.h):
 *
 *   kvm_tdp_mmu_spte_changed: as id %d gfn %llx level %d old_spte %llx new_spte %llx
 *   kvm_tdp_mmu_spte_{set,freeze,unfreeze}: pid=%d vm=%u as_id=%u gfn=0x%llx
 *       level=%u sptep=%p old_spte=0x%llx new_spte=0x%llx [root=0x%llx root_invalid=%u]
 *   kvm_remote_tlb_flush_{begin,end}: pid=%d vm=%u start_gfn=0x%llx
 *       pages=%s seq=%llu            (pages: "all" or 0x%llx)
 *   kvm_tdp_mmu_root_teardown_{begin,end}: pid=%d vm=%u
 *   kvm_mmu_flush_deadline: pid=%d vm=%u reason=%s
 *   kvm_tdp_mmu_free_sp: pt=0x%llx gfn=0x%llx level=%u as_id=%u
 *   kvm_destroy_vm: pid=%d vm=%u
 *
 * Lines the tracer writes when it lost events ("CPU:7 [LOST 204600
 * EVENTS]", trace-cmd's "CPU:7 [204600 EVENTS DROPPED]", perf script
 * --show-lost-events' "PERF_RECORD_LOST lost N") are counted per CPU; stack trace lines ("=> func", "<stack trace>") and every other line
 * are counted as other text.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "trace_events.h"
#include "trace_text.h"
#include "util.h"

#define ERR_LEN 256
#define ERR_QUOTE 48 /* bytes of a bad value or body quoted in an error */

struct trace_text {
	struct trace_text_opts opts;
	unsigned long long lineno;
	struct trace_text_stats st;
	char comm[COMM_LEN];
	char err[ERR_LEN];
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

/* "line N: <what>", cut to the buffer whatever the lengths. */
static int fail(struct trace_text *tt, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(tt->err, sizeof(tt->err), "line %llu: ", tt->lineno);
	if (n < 0 || (size_t)n >= sizeof(tt->err))
		return -EINVAL;
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

static size_t token_len(const char *p)
{
	size_t n = 0;

	while (p[n] && !is_ws(p[n]))
		n++;
	return n;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool parse_dec(const char *s, size_t n, __u64 *out)
{
	return all_digits(s, n) && !parse_u64_base(s, n, 10, out);
}

static bool parse_dec32(const char *s, size_t n, __u32 *out)
{
	__u64 v;

	if (!parse_dec(s, n, &v) || v > 0xffffffffULL)
		return false;
	*out = v;
	return true;
}

/* "<secs>[.<frac>]": ns; an integer clock (counter, perf) is taken as ns. */
static bool parse_ts(const char *s, size_t n, __u64 *ns)
{
	const char *dot = memchr(s, '.', n);
	__u64 sec, frac = 0;
	size_t fl, i;

	if (!dot)
		return parse_dec(s, n, ns);
	fl = s + n - dot - 1;
	if (!parse_dec(s, dot - s, &sec) || !fl || !all_digits(dot + 1, fl) ||
	    sec > ~0ULL / 1000000000ULL - 1)
		return false;
	parse_dec(dot + 1, fl > 9 ? 9 : fl, &frac);
	for (i = fl; i < 9; i++)
		frac *= 10;
	*ns = sec * 1000000000ULL + frac;
	return true;
}

/*
 * ftrace's latency flags: irqs-off, need-resched, hardirq/softirq, then
 * preempt and migrate-disable depths; the first is never a digit.
 */
static bool is_flags(const char *s, size_t n)
{
	size_t i;

	if (n < 4 || n > 6 || isdigit((unsigned char)s[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!strchr(".dDXbBnNpPhHsSzZ0123456789abcdef", s[i]))
			return false;
	return true;
}

/* The last token of [s, *end): its start, with *end moved before it. */
static const char *last_token(const char *s, const char **end, size_t *n)
{
	const char *e = *end, *b;

	while (e > s && is_ws(e[-1]))
		e--;
	b = e;
	while (b > s && !is_ws(b[-1]))
		b--;
	*n = e - b;
	*end = b;
	return *n ? b : NULL;
}

/* The CPU column: "[007]", "[007] d..1.", or trace-cmd -l's "7d..1.". */
static bool parse_cpu(const char *s, const char **end)
{
	const char *t, *e = *end;
	size_t n, d;

	t = last_token(s, &e, &n);
	if (!t)
		return false;
	if (is_flags(t, n)) {
		const char *e2 = e;
		const char *c = last_token(s, &e2, &n);

		if (c && n >= 3 && c[0] == '[' && c[n - 1] == ']' &&
		    all_digits(c + 1, n - 2)) {
			*end = e2;
			return true;
		}
		return false;
	}
	if (n >= 3 && t[0] == '[' && t[n - 1] == ']' &&
	    all_digits(t + 1, n - 2)) {
		*end = e;
		return true;
	}
	for (d = 0; d < n && isdigit((unsigned char)t[d]); d++)
		;
	if (d && is_flags(t + d, n - d)) {
		*end = e;
		return true;
	}
	return false;
}

/*
 * The task in [s, end): "comm-TID", "comm-TID (TGID)", "comm-TID
 * (-------)" (TGID not recorded), or perf's "comm TID", "comm PID/TID".
 */
static bool parse_task(const char *s, const char *end, struct prefix *pf)
{
	const char *t, *e = end, *open, *dash, *slash;
	size_t n;

	while (e > s && is_ws(e[-1]))
		e--;
	if (e > s && e[-1] == ')') {
		open = memrchr(s, '(', e - s);
		if (!open)
			return false;
		t = skip_ws(open + 1);
		if (t < e - 1 && *t != '-' &&
		    !parse_dec32(t, e - 1 - t, &pf->tgid))
			return false;
		e = open;
	}
	t = last_token(s, &e, &n);
	if (!t)
		return false;
	slash = memchr(t, '/', n);
	if (all_digits(t, n) || (slash && all_digits(t, slash - t) &&
				 all_digits(slash + 1, t + n - slash - 1))) {
		/* perf script */
		if (slash) {
			if (!parse_dec32(t, slash - t, &pf->tgid) ||
			    !parse_dec32(slash + 1, t + n - slash - 1,
					 &pf->tid))
				return false;
		} else if (!parse_dec32(t, n, &pf->tid)) {
			return false;
		}
		while (e > s && is_ws(e[-1]))
			e--;
		pf->comm = s;
		pf->comm_len = e - s;
		return true;
	}
	e = t + n;
	dash = memrchr(s, '-', e - s);
	if (!dash || !parse_dec32(dash + 1, e - dash - 1, &pf->tid))
		return false;
	pf->comm = s;
	pf->comm_len = dash - s;
	return true;
}

/* "FILE: " or "INSTANCE: " that trace-cmd report puts before a line. */
static const char *skip_source(const char *p)
{
	size_t n = token_len(p);

	if (n > 1 && p[n - 1] == ':' && is_ws(p[n]))
		return skip_ws(p + n);
	return p;
}

/*
 * Find "<ts>: [(+delta)] [system:]event:" and read what precedes it.
 */
static bool parse_prefix(const char *line, struct prefix *pf)
{
	const char *start = skip_source(skip_ws(line)), *p = start, *head_end;
	size_t n;

	memset(pf, 0, sizeof(*pf));
	for (;; p += n) {
		p = skip_ws(p);
		n = token_len(p);
		if (!n)
			return false;
		if (p[n - 1] == ':' && p > start &&
		    parse_ts(p, n - 1, &pf->ts_ns))
			break;
	}
	head_end = p;
	p = skip_ws(p + n);
	n = token_len(p);
	if (n > 3 && p[0] == '(' && p[1] == '+' &&
	    p[n - 1] == ')') /* --ts-diff */
		p = skip_ws(p + n);
	pf->name = p;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
		p++;
	if (p == pf->name || p[-1] != ':')
		return false;
	pf->name_len = p - 1 - pf->name;
	/* perf names the system: "kvmmmu:kvm_tdp_mmu_spte_changed:" */
	while (memchr(pf->name, ':', pf->name_len)) {
		const char *c = memchr(pf->name, ':', pf->name_len);

		pf->name_len -= c + 1 - pf->name;
		pf->name = c + 1;
	}
	if (!pf->name_len)
		return false;
	pf->body = skip_ws(p);
	if (!parse_cpu(start, &head_end))
		return false;
	return parse_task(skip_ws(start), head_end, pf);
}

/* ---- The body ---------------------------------------------------------------- */

static bool parse_value(const char *s, size_t n, int base, int f, __u64 *out)
{
	int r;

	if (f == F_PAGES && ((n == 3 && !strncmp(s, "all", 3)) ||
			     (n == 2 && !strncmp(s, "-1", 2)))) {
		*out = FLUSH_ALL_PAGES;
		return true;
	}
	if (f == F_REASON && (r = trace_reason__lookup(s, n)) >= 0) {
		*out = r;
		return true;
	}
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return !parse_u64_base(s + 2, n - 2, 16, out);
	return !parse_u64_base(s, n, base, out);
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

static int parse_body(struct trace_text *tt, const struct trace_event_def *def,
		      const char *body, struct trace_fields *fl)
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
		f = trace_field__lookup(name, nn, &base);
		if (f < 0)
			continue; /* a field spte-trace does not use */
		/* %p gives "(____ptrval____)" early in boot: not needed */
		if (f == F_SPTEP && val &&
		    !parse_value(val, vn, base, f, &fl->v[f]))
			continue;
		if (!val || !vn || !parse_value(val, vn, base, f, &fl->v[f]))
			return fail(tt, "%s: bad value '%.*s' for %.*s",
				    def->name,
				    (int)(val && vn < ERR_QUOTE ? vn :
					  val			? ERR_QUOTE :
								  0),
				    val ? val : "",
				    (int)(nn < ERR_QUOTE ? nn : ERR_QUOTE),
				    name);
		fl->seen |= FIELD_BIT(f);
	}
	return 0;
}

/* ---- Events ---------------------------------------------------------------------- */

/* A known event name in a line whose prefix did not parse. */
static const struct trace_event_def *mentions_event(const char *line)
{
	const char *p;
	size_t i, n;

	for (i = 0; i < trace_event_ndefs; i++) {
		n = strlen(trace_event_defs[i].name);
		p = strstr(line, trace_event_defs[i].name);
		if (p && p[n] == ':')
			return &trace_event_defs[i];
	}
	return NULL;
}

void trace_losses__add(struct trace_losses *l, int cpu, __u64 n)
{
	l->reports++;
	if (!n)
		l->unknown++;
	l->total += n;
	if (cpu < 0 || cpu >= TRACE_LOST_CPUS)
		cpu = TRACE_LOST_CPUS - 1;
	l->cpu[cpu] += n;
	l->noted[cpu / 64] |= 1ULL << (cpu % 64);
}

/*
 * "CPU:7 [LOST 204600 EVENTS]" (ftrace), "CPU:7 [204600 EVENTS DROPPED]"
 * and "CPU:7 [EVENTS DROPPED]" (trace-cmd, count unknown).
 */
/* perf script --show-lost-events: "comm TID [CPU] TS: PERF_RECORD_LOST lost N" */
static bool count_perf_lost(struct trace_text *tt, const char *line)
{
	const char *p = strstr(line, " PERF_RECORD_LOST lost "), *c, *q;
	__u64 n, cpu;
	size_t len;

	if (!p)
		return false;
	q = p + strlen(" PERF_RECORD_LOST lost ");
	for (len = 0; isdigit((unsigned char)q[len]); len++)
		;
	if (!parse_dec(q, len, &n))
		return false;
	c = memchr(line, '[', p - line);
	for (len = 0; c && isdigit((unsigned char)c[1 + len]); len++)
		;
	if (!c || !len || c[1 + len] != ']' || !parse_dec(c + 1, len, &cpu))
		cpu = ~0ULL;
	trace_losses__add(&tt->st.lost,
			  cpu >= TRACE_LOST_CPUS ? -1 : (int)cpu, n);
	return true;
}

static bool count_lost(struct trace_text *tt, const char *line)
{
	const char *p = strstr(skip_source(skip_ws(line)), "CPU:"), *b, *q;
	__u64 cpu, n = 0;
	size_t len;

	if (!p)
		return false;
	p += 4;
	for (len = 0; isdigit((unsigned char)p[len]); len++)
		;
	if (!parse_dec(p, len, &cpu))
		return false;
	b = skip_ws(p + len);
	if (*b != '[')
		return false;
	b++;
	if (!strncmp(b, "LOST ", 5))
		b += 5;
	for (len = 0; isdigit((unsigned char)b[len]); len++)
		;
	if (len && !parse_dec(b, len, &n))
		return false;
	q = skip_ws(b + len);
	if (strncmp(q, "EVENTS]", 7) && strncmp(q, "EVENTS DROPPED]", 15))
		return false;
	trace_losses__add(&tt->st.lost, cpu > TRACE_LOST_CPUS ? -1 : (int)cpu,
			  n);
	return true;
}

static bool is_stack_line(const char *p)
{
	return !strncmp(p, "=>", 2) || strstr(p, "<stack trace>") ||
	       strstr(p, "<user stack trace>");
}

int trace_text__parse_line(struct trace_text *tt, const char *line,
			   struct event *ev)
{
	const char *p = skip_ws(line);
	const struct trace_event_def *def;
	struct trace_fields fl;
	struct trace_task task;
	struct prefix pf;
	char why[160];
	int ret;

	tt->lineno++;
	tt->st.lines++;
	if (!*p || *p == '#') {
		tt->st.comments++;
		return 0;
	}
	if (is_stack_line(p)) {
		tt->st.stack_lines++;
		return 0;
	}
	if (!parse_prefix(line, &pf)) {
		if (count_lost(tt, line) || count_perf_lost(tt, line))
			return 0;
		def = mentions_event(line);
		if (def)
			return fail(
				tt,
				"%s: cannot parse the task, CPU and timestamp before the event name",
				def->name);
		tt->st.unknown++;
		return 0;
	}
	def = trace_event__find(pf.name, pf.name_len);
	if (!def) {
		tt->st.unknown++;
		return 0;
	}
	ret = parse_body(tt, def, pf.body, &fl);
	if (ret)
		return ret;
	task.ts_ns = pf.ts_ns;
	task.tid = pf.tid;
	task.tgid = pf.tgid;
	ret = trace_event__build(def, &task, &fl, tt->opts.vm, &tt->st.no_tgid,
				 ev, why, sizeof(why));
	if (ret < 0)
		return fail(tt, "%s", why);
	snprintf(tt->comm, sizeof(tt->comm), "%.*s",
		 (int)(pf.comm_len < COMM_LEN ? pf.comm_len : COMM_LEN - 1),
		 pf.comm);
	tt->st.events++;
	return 1;
}

struct trace_text *trace_text__new(const struct trace_text_opts *opts)
{
	struct trace_text *tt = calloc(1, sizeof(*tt));

	if (tt && opts)
		tt->opts = *opts;
	return tt;
}

void trace_text__free(struct trace_text *tt)
{
	free(tt);
}

const char *trace_text__error(const struct trace_text *tt)
{
	return tt->err;
}

const char *trace_text__comm(const struct trace_text *tt)
{
	return tt->comm;
}

const struct trace_text_stats *trace_text__stats(const struct trace_text *tt)
{
	return &tt->st;
}
