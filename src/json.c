// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>

#include "hist.h"
#include "json.h"
#include "names.h"
#include "spte.h"
#include "stacks.h"
#include "vmtab.h"

void json__string(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	strbuf__putc(sb, '"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			strbuf__puts(sb, "\\\"");
			break;
		case '\\':
			strbuf__puts(sb, "\\\\");
			break;
		case '\n':
			strbuf__puts(sb, "\\n");
			break;
		case '\t':
			strbuf__puts(sb, "\\t");
			break;
		default:
			/*
			 * Bytes >= 0x7f are escaped as Latin-1 so that a comm
			 * or symbol with broken UTF-8 still gives valid JSON.
			 */
			if (*p < 0x20 || *p >= 0x7f)
				strbuf__printf(sb, "\\u%04x", *p);
			else
				strbuf__putc(sb, *p);
		}
	}
	strbuf__putc(sb, '"');
}

static void key(struct strbuf *sb, bool *first, const char *k)
{
	strbuf__puts(sb, *first ? "" : ",");
	*first = false;
	json__string(sb, k);
	strbuf__putc(sb, ':');
}

static void kv_u64(struct strbuf *sb, bool *first, const char *k, __u64 v)
{
	key(sb, first, k);
	strbuf__printf(sb, "%llu", v);
}

static void kv_hex(struct strbuf *sb, bool *first, const char *k, __u64 v)
{
	key(sb, first, k);
	strbuf__printf(sb, "\"0x%llx\"", v);
}

static void kv_str(struct strbuf *sb, bool *first, const char *k, const char *v)
{
	key(sb, first, k);
	json__string(sb, v);
}

/* ---- Violations -------------------------------------------------------------- */

static void put_stack(struct strbuf *sb, bool *first, const char *k,
		      const struct json_ctx *ctx, __s32 id)
{
	const struct stack *st = NULL;
	char buf[256];
	size_t i;

	if (ctx->stacks && id >= 0)
		st = stack_table__get(ctx->stacks, id);
	key(sb, first, k);
	if (!st) {
		strbuf__puts(sb, "null");
		return;
	}
	strbuf__putc(sb, '[');
	for (i = 0; i < st->depth; i++) {
		stack_frame__format(&st->frames[i], buf, sizeof(buf));
		strbuf__puts(sb, i ? "," : "");
		json__string(sb, buf);
	}
	strbuf__putc(sb, ']');
}

static void put_vm(struct strbuf *sb, bool *first, const struct vm_entry *e,
		   __u32 pid)
{
	bool f = true;

	key(sb, first, "vm");
	strbuf__putc(sb, '{');
	if (e)
		kv_str(sb, &f, "label", e->label);
	kv_u64(sb, &f, "pid", pid ? pid : e ? e->pid : 0);
	if (e && e->comm[0])
		kv_str(sb, &f, "comm", e->comm);
	strbuf__putc(sb, '}');
}

static void put_spte(struct strbuf *sb, bool *first, const char *k,
		     const struct json_ctx *ctx, __u64 v, __u32 level)
{
	char buf[128], name[32];

	kv_hex(sb, first, k, v);
	if (!ctx->cfg)
		return;
	snprintf(name, sizeof(name), "%s_desc", k);
	kv_str(sb, first, name,
	       spte__describe(ctx->cfg, v, level, buf, sizeof(buf)));
}

int json__violation(struct strbuf *sb, const struct violation *v,
		    const struct json_ctx *ctx)
{
	const struct vm_entry *e = ctx->vms ? vmtab__lookup(ctx->vms, v->vm) :
					      NULL;
	bool f = true;

	strbuf__putc(sb, '{');
	kv_str(sb, &f, "type", "violation");
	kv_str(sb, &f, "kind", violation_kind_name(v->kind));
	kv_str(sb, &f, "level", level_name(v->level));
	kv_u64(sb, &f, "ts_ns", v->ts_ns);
	kv_u64(sb, &f, "zap_ns", v->zap_ns);
	kv_u64(sb, &f, "zap_age_ns",
	       v->zap_ns && v->ts_ns >= v->zap_ns ? v->ts_ns - v->zap_ns : 0);
	if (v->kind >= VK_YIELD && v->kind <= VK_NOTIFIER)
		kv_str(sb, &f, "deadline", deadline_reason_name(v->reason));
	if (v->kind == VK_DIRTY_LOG)
		kv_str(sb, &f, "deadline", deadline_reason_name(v->reason));
	kv_u64(sb, &f, "count", v->count);
	put_vm(sb, &f, e, v->pid);
	kv_hex(sb, &f, "vm_key", v->vm);
	kv_u64(sb, &f, "as_id", v->as_id);
	kv_hex(sb, &f, "gfn", v->gfn);
	put_spte(sb, &f, "old_spte", ctx, v->old_spte, v->level);
	put_spte(sb, &f, "zap_spte", ctx, v->zap_spte, v->level);
	put_spte(sb, &f, "new_spte", ctx, v->new_spte,
		 v->new_level ? v->new_level : v->level);
	if (v->kind == VK_STALE_PFN || v->kind == VK_STALE_PERM) {
		kv_hex(sb, &f, "new_gfn", v->new_gfn);
		kv_str(sb, &f, "new_level", level_name(v->new_level));
	}
	if (v->kind == VK_STALE_PERM)
		kv_u64(sb, &f, "stale_perm_bits", v->perm_bits);
	kv_hex(sb, &f, "root", v->root);
	kv_hex(sb, &f, v->kind == VK_PT_FREED ? "page_table" : "sptep",
	       v->sptep);
	kv_u64(sb, &f, "tid", v->tid);
	kv_u64(sb, &f, "zap_tid", v->zap_tid);
	kv_u64(sb, &f, "zap_flush_seq", v->zap_flush_seq);
	kv_u64(sb, &f, "vm_begun_seq", v->vm_begun_seq);
	kv_u64(sb, &f, "vm_full_done_seq", v->vm_full_done_seq);
	put_stack(sb, &f, "stack", ctx, v->stack_id);
	put_stack(sb, &f, "zap_stack", ctx, v->zap_stack_id);
	strbuf__puts(sb, "}\n");
	return strbuf__error(sb);
}

/* ---- Summaries ----------------------------------------------------------------- */

/* {"name":{"4K":n,...},...} leaving out zero cells and empty rows. */
static void put_matrix(struct strbuf *sb, bool *first, const char *k,
		       const __u64 (*m)[SPTE_LEVELS], unsigned int rows,
		       const char *(*row_name)(__u32))
{
	unsigned int r, l;
	bool fr = true, fl;

	key(sb, first, k);
	strbuf__putc(sb, '{');
	for (r = 0; r < rows; r++) {
		fl = true;
		for (l = 0; l < SPTE_LEVELS; l++) {
			if (!m[r][l])
				continue;
			if (fl) {
				key(sb, &fr, row_name(r));
				strbuf__putc(sb, '{');
			}
			kv_u64(sb, &fl, level_name(l + 1), m[r][l]);
		}
		if (!fl)
			strbuf__putc(sb, '}');
	}
	strbuf__putc(sb, '}');
}

static void put_counters(struct strbuf *sb, bool *first,
			 const struct snapshot *snap)
{
	unsigned int c;
	bool f = true;

	key(sb, first, "counters");
	strbuf__putc(sb, '{');
	for (c = 0; c < CNT_MAX; c++)
		kv_u64(sb, &f, counter_name(c), snap->stats.counters[c]);
	strbuf__putc(sb, '}');
}

static void put_hist(struct strbuf *sb, bool *first, const char *k,
		     const struct hist *h)
{
	__u64 n = hist_count(h);
	bool f = true, fs = true;
	unsigned int s;

	key(sb, first, k);
	strbuf__putc(sb, '{');
	kv_u64(sb, &f, "count", n);
	kv_u64(sb, &f, "sum_ns", h->sum_ns);
	kv_u64(sb, &f, "p50_le_ns", hist_percentile(h, 50));
	kv_u64(sb, &f, "p99_le_ns", hist_percentile(h, 99));
	/* [low_ns, high_ns, count]; high is null for the open-ended slot */
	key(sb, &f, "slots");
	strbuf__putc(sb, '[');
	for (s = 0; s < HIST_SLOTS; s++) {
		if (!h->slots[s])
			continue;
		strbuf__puts(sb, fs ? "" : ",");
		fs = false;
		strbuf__printf(sb, "[%llu,", hist_slot_low(s));
		if (s == HIST_SLOTS - 1)
			strbuf__puts(sb, "null");
		else
			strbuf__printf(sb, "%llu", hist_slot_high(s));
		strbuf__printf(sb, ",%llu]", h->slots[s]);
	}
	strbuf__puts(sb, "]}");
}

static void put_hists(struct strbuf *sb, bool *first, const struct hists *hs)
{
	unsigned int kind, i, n;
	bool fk = true, fi;

	key(sb, first, "histograms");
	strbuf__putc(sb, '{');
	for (kind = 0; kind < HIST_KINDS; kind++) {
		n = kind == HIST_FLUSH_LATENCY ? 2 : SPTE_LEVELS;
		fi = true;
		for (i = 0; i < n; i++) {
			if (!hist_count(&hs->h[kind][i]))
				continue;
			if (fi) {
				key(sb, &fk, hist_name(kind));
				strbuf__putc(sb, '{');
			}
			put_hist(sb, &fi, hist_index_name(kind, i),
				 &hs->h[kind][i]);
		}
		if (!fi)
			strbuf__putc(sb, '}');
	}
	strbuf__putc(sb, '}');
}

static void put_vm_entry(struct strbuf *sb, const struct vm_entry *e,
			 bool *first)
{
	unsigned int out;
	bool f = true, fv = true;

	strbuf__puts(sb, *first ? "{" : ",{");
	*first = false;
	kv_str(sb, &f, "vm", e->label);
	kv_u64(sb, &f, "pid", e->pid);
	kv_str(sb, &f, "comm", e->comm);
	kv_u64(sb, &f, "spte_events", e->events);
	key(sb, &f, "violations");
	strbuf__putc(sb, '{');
	for (out = 0; out < VK_MAX; out++)
		kv_u64(sb, &fv, violation_kind_name(out), e->violations[out]);
	strbuf__puts(sb, "}}");
}

static void put_vms(struct strbuf *sb, bool *first, const struct vmtab *t)
{
	size_t i, n = vmtab__count(t);
	bool f = true;

	key(sb, first, "vms");
	strbuf__putc(sb, '[');
	for (i = 0; i < n; i++)
		put_vm_entry(sb, vmtab__at(t, i), &f);
	put_vm_entry(sb, vmtab__other(t), &f);
	strbuf__putc(sb, ']');
	kv_u64(sb, first, "vms_overflowed", vmtab__overflowed(t));
}

int json__summary(struct strbuf *sb, const struct snapshot *snap,
		  const struct json_summary *sum, const struct json_ctx *ctx)
{
	bool f = true;

	strbuf__putc(sb, '{');
	kv_str(sb, &f, "type", "summary");
	kv_str(sb, &f, "kind", sum->kind ? sum->kind : "final");
	if (sum->time > 0) {
		key(sb, &f, "time");
		strbuf__printf(sb, "%.3f", sum->time);
	}
	if (sum->elapsed > 0) {
		key(sb, &f, "elapsed_s");
		strbuf__printf(sb, "%.3f", sum->elapsed);
	}
	kv_u64(sb, &f, "violations", snapshot__violations(snap));
	put_counters(sb, &f, snap);
	put_matrix(sb, &f, "transitions",
		   (const __u64(*)[SPTE_LEVELS])snap->stats.transitions, TR_MAX,
		   transition_name);
	put_matrix(sb, &f, "outcomes",
		   (const __u64(*)[SPTE_LEVELS])snap->stats.outcomes, OUT_MAX,
		   outcome_name);
	put_matrix(sb, &f, "violation_kinds",
		   (const __u64(*)[SPTE_LEVELS])snap->stats.violations, VK_MAX,
		   violation_kind_name);
	put_hists(sb, &f, &snap->hists);
	key(sb, &f, "sweep");
	strbuf__printf(sb,
		       "{\"covered\":%llu,\"expired\":%llu,\"vm_gone\":%llu,"
		       "\"holders_dropped\":%llu,\"tables_expired\":%llu,"
		       "\"live\":%llu}",
		       snap->sweep.covered, snap->sweep.expired,
		       snap->sweep.vm_gone, snap->sweep.holders_dropped,
		       snap->sweep.tables_expired, snap->sweep.live);
	kv_u64(sb, &f, "ringbuf_lost", snap->ringbuf_lost);
	key(sb, &f, "input");
	strbuf__printf(sb,
		       "{\"tracer_lost\":%llu,\"lost_uncounted\":%llu,"
		       "\"lost_cpus\":%u,\"lost_cpu\":%d,\"ignored\":%llu,"
		       "\"vms_by_thread\":%s}",
		       snap->input.tracer_lost, snap->input.lost_uncounted,
		       snap->input.lost_cpus,
		       snap->input.lost_cpus == 1 ? snap->input.lost_cpu : -1,
		       snap->input.ignored,
		       snap->input.thread_keyed ? "true" : "false");
	if (ctx && ctx->vms)
		put_vms(sb, &f, ctx->vms);
	strbuf__puts(sb, "}\n");
	return strbuf__error(sb);
}
