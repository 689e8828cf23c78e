// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hist.h"
#include "names.h"
#include "print.h"
#include "spte.h"
#include "spte_rules.h"
#include "stacks.h"
#include "vmtab.h"

__s64 print_clock_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL +
	       (real.tv_nsec - mono.tv_nsec);
}

static char *format_wall(__s64 offset, __u64 ts_ns, char *buf, size_t len)
{
	__s64 ns = (__s64)ts_ns + offset;
	time_t secs = ns / 1000000000LL;
	struct tm tm;
	size_t n;

	localtime_r(&secs, &tm);
	n = strftime(buf, len, "%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06lld",
		 (long long)(ns % 1000000000LL) / 1000);
	return buf;
}

static void print_now(FILE *f)
{
	char buf[16];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fprintf(f, "%s", buf);
}

/*
 * A table row per non-zero entry of a [n][SPTE_LEVELS] counter array.  The
 * upper table levels (L4, L5: links only, never leaves) get columns when
 * any row of the table has one, so that "total" is the sum of what is shown.
 */
static void print_level_table(FILE *f, const char *title,
			      const __u64 (*rows)[SPTE_LEVELS], __u32 n,
			      const char *(*name)(__u32))
{
	bool header = false, upper = false;
	__u32 i, l;

	for (i = 0; i < n; i++)
		for (l = LEAF_LEVELS; l < SPTE_LEVELS; l++)
			upper |= rows[i][l] != 0;
	for (i = 0; i < n; i++) {
		__u64 sum = 0;

		for (l = 0; l < SPTE_LEVELS; l++)
			sum += rows[i][l];
		if (!sum)
			continue;
		if (!header) {
			fprintf(f, "%-22s %10s %10s %10s", title, "4K", "2M",
				"1G");
			if (upper)
				fprintf(f, " %10s %10s", "L4", "L5");
			fprintf(f, " %10s\n", "total");
			header = true;
		}
		fprintf(f, "  %-20s %10llu %10llu %10llu", name(i), rows[i][0],
			rows[i][1], rows[i][2]);
		if (upper)
			fprintf(f, " %10llu %10llu", rows[i][3], rows[i][4]);
		fprintf(f, " %10llu\n", sum);
	}
}

static void print_counters(FILE *f, const struct snapshot *s)
{
	bool any = false;
	__u32 i;

	for (i = 0; i < CNT_MAX; i++) {
		if (!s->stats.counters[i])
			continue;
		fprintf(f, "%s%s %llu",
			any ? ", " : "counters: ", counter_name(i),
			s->stats.counters[i]);
		any = true;
	}
	if (s->sweep.covered || s->sweep.expired || s->sweep.vm_gone) {
		fprintf(f, "%spending covered %llu, expired %llu, vm gone %llu",
			any ? ", " : "counters: ", s->sweep.covered,
			s->sweep.expired, s->sweep.vm_gone);
		any = true;
	}
	if (s->sweep.tables_expired) {
		fprintf(f, "%stables expired %llu",
			any ? ", " : "counters: ", s->sweep.tables_expired);
		any = true;
	}
	if (any)
		fputc('\n', f);
}

static void print_hists(FILE *f, const struct snapshot *s)
{
	char title[96];
	__u32 k, i;

	for (k = 0; k < HIST_KINDS; k++) {
		for (i = 0; i < SPTE_LEVELS; i++) {
			const struct hist *h = &s->hists.h[k][i];

			if (!hist_count(h))
				continue;
			snprintf(title, sizeof(title), "\n%s (%s)",
				 hist_name(k), hist_index_name(k, i));
			hist_print(f, h, title);
		}
	}
}

static void print_headline(FILE *f, const struct snapshot *s)
{
	fprintf(f,
		"spte events %llu, flushes %llu/%llu, violations %llu, "
		"benign early reinstalls %llu, undecided %llu, losses %llu\n",
		s->stats.counters[CNT_SPTE_EVENTS],
		s->stats.counters[CNT_FLUSH_BEGIN],
		s->stats.counters[CNT_FLUSH_END], snapshot__violations(s),
		snapshot__outcome(s, OUT_STALE_SAME) +
			snapshot__outcome(s, OUT_STALE_NARROWER),
		snapshot__outcome(s, OUT_UNVERIFIED) +
			snapshot__outcome(s, OUT_UNDECIDABLE) +
			s->stats.counters[CNT_DEADLINE_UNDECIDED] +
			s->stats.counters[CNT_DEADLINE_UNVERIFIED],
		snapshot__losses(s));
}

void print_interval(FILE *f, const struct print_ctx *ctx,
		    const struct snapshot *delta, const struct snapshot *total)
{
	print_now(f);
	fprintf(f, "  ");
	print_headline(f, delta);
	print_level_table(f, "transitions", delta->stats.transitions, TR_MAX,
			  transition_name);
	print_level_table(f, "install outcomes", delta->stats.outcomes, OUT_MAX,
			  outcome_name);
	print_level_table(f, "violations", delta->stats.violations, VK_MAX,
			  violation_kind_name);
	print_counters(f, delta);
	if (ctx->hists)
		print_hists(f, delta);
	fprintf(f, "\n");
	fflush(f);
}

/* What a replayed input lost or could not tell: said in words. */
static void print_input(FILE *f, const struct input_stats *in)
{
	if (in->tracer_lost || in->lost_uncounted) {
		fprintf(f, "\nINPUT INCOMPLETE: ");
		if (in->tracer_lost)
			fprintf(f, "%llu events lost", in->tracer_lost);
		if (in->lost_uncounted)
			fprintf(f, "%s%llu losses of unknown size",
				in->tracer_lost ? " and " : "",
				in->lost_uncounted);
		if (in->lost_cpus == 1 && in->lost_cpu >= 0)
			fprintf(f, " on CPU %d", in->lost_cpu);
		else if (in->lost_cpus > 1)
			fprintf(f, " on %u CPUs", in->lost_cpus);
		fprintf(f, ": a zap or a flush may be missing, so a violation "
			   "may be missed and a reinstall misjudged\n");
	}
	if (in->ignored)
		fprintf(f,
			"\n%llu events ignored: the trace mixes the stock and the "
			"patched kernel's SPTE events; only one kind was used\n",
			in->ignored);
	if (in->thread_keyed)
		fprintf(f,
			"\nthreads could not be tied to VMs: the input shows no "
			"process ids (TGIDs), so each thread was taken for its "
			"own VM and a zap by one thread is never matched to a "
			"reinstall by another; record with TGIDs (tracefs "
			"options/record-tgid, perf script -F +pid) or use "
			"--single-vm when one VM ran\n");
}

void print_summary(FILE *f, const struct print_ctx *ctx,
		   const struct snapshot *total, double seconds)
{
	fprintf(f, "\n==== summary: %.1fs ====\n", seconds);
	print_headline(f, total);
	print_level_table(f, "transitions", total->stats.transitions, TR_MAX,
			  transition_name);
	print_level_table(f, "install outcomes", total->stats.outcomes, OUT_MAX,
			  outcome_name);
	print_level_table(f, "violations", total->stats.violations, VK_MAX,
			  violation_kind_name);
	print_counters(f, total);
	print_hists(f, total);
	print_input(f, &total->input);
	fprintf(f, "\nviolations: %llu\n", snapshot__violations(total));
	fflush(f);
}

const char *violation_severity(const struct violation *v)
{
	return v->kind < VK_MAX ? "VIOLATION" : "unknown";
}

static void print_stack(FILE *f, const struct print_ctx *ctx, const char *title,
			__s32 id)
{
	const struct stack *st = NULL;
	char frame[160];
	size_t i;

	if (id < 0) {
		fprintf(f, "  %s stack: not captured\n", title);
		return;
	}
	if (ctx->stacks) {
		if (ctx->stack_fd >= 0)
			stack_table__fetch(ctx->stacks, ctx->stack_fd, id);
		st = stack_table__get(ctx->stacks, id);
	}
	if (!st) {
		fprintf(f, "  %s stack: id %d (gone from the stack map)\n",
			title, id);
		return;
	}
	fprintf(f, "  %s stack:\n", title);
	for (i = 0; i < st->depth; i++) {
		stack_frame__format(&st->frames[i], frame, sizeof(frame));
		fprintf(f, "    %s\n", frame);
	}
}

/* The VM as the run saw it (src/vmtab.h): never this host's /proc. */
static void print_vm(FILE *f, const struct print_ctx *ctx,
		     const struct violation *v)
{
	const struct vm_entry *e = ctx->vms ? vmtab__find(ctx->vms, v->vm) :
					      NULL;
	const char *comm = e ? e->comm : "";

	fprintf(f, "vm pid %u%s%s%s key 0x%llx", v->pid, comm[0] ? " (" : "",
		comm, comm[0] ? ")" : "", v->vm);
}

static void print_spte(FILE *f, const struct print_ctx *ctx, const char *title,
		       __u64 spte, __u32 level)
{
	char desc[128];

	fprintf(f, "  %-11s: 0x%016llx  %s\n", title, spte,
		spte__describe(ctx->cfg, spte, level, desc, sizeof(desc)));
}

static void print_perm_bits(FILE *f, __u32 bits)
{
	fprintf(f, "%s%s%s%s", bits & PERM_READ ? " R" : "",
		bits & PERM_WRITE ? " W" : "", bits & PERM_EXEC ? " X" : "",
		bits & PERM_USER ? " U" : "");
}

/* What each rule's report says about the zap(s) it concerns. */
static void print_kind_details(FILE *f, const struct print_ctx *ctx,
			       const struct violation *v)
{
	char since[16];

	format_ns(v->ts_ns >= v->zap_ns ? v->ts_ns - v->zap_ns : 0, since,
		  sizeof(since));
	switch (v->kind) {
	case VK_STALE_PFN:
	case VK_STALE_PERM:
		print_spte(f, ctx, "zapped", v->old_spte, v->level);
		print_spte(f, ctx, "zap wrote", v->zap_spte, v->level);
		fprintf(f,
			"  installed %s leaf at gfn 0x%llx, %s after the zap by tid %u:\n",
			level_name(v->new_level), v->new_gfn, since,
			v->zap_tid);
		print_spte(f, ctx, "installed", v->new_spte, v->new_level);
		if (v->kind == VK_STALE_PERM) {
			fprintf(f, "  the stale entry still grants:");
			print_perm_bits(f, v->perm_bits);
			fputc('\n', f);
		}
		break;
	case VK_UNFREEZE:
		print_spte(f, ctx, "before", v->old_spte, v->level);
		print_spte(f, ctx, "frozen to", v->zap_spte, v->level);
		fprintf(f,
			"  unfrozen %s after the freeze by tid %u, no covering flush completed\n",
			since, v->zap_tid);
		break;
	case VK_YIELD:
	case VK_UNLOCK:
	case VK_NOTIFIER:
	case VK_DIRTY_LOG:
		fprintf(f,
			"  %llu %s of tid %u not flushed at the %s deadline; the latest, %s before it:\n",
			v->count,
			v->kind == VK_DIRTY_LOG ? "write-protection(s)" :
						  "zap(s)",
			v->tid, deadline_reason_name(v->reason), since);
		print_spte(f, ctx, "was", v->old_spte, v->level);
		print_spte(f, ctx, "became", v->zap_spte, v->level);
		break;
	case VK_PT_FREED:
		fprintf(f,
			"  page table 0x%llx removed by tid %u, freed %s later\n",
			v->sptep, v->zap_tid, since);
		print_spte(f, ctx, "parent was", v->old_spte, v->level);
		print_spte(f, ctx, "became", v->zap_spte, v->level);
		break;
	default:
		print_spte(f, ctx, "was", v->old_spte, v->level);
		print_spte(f, ctx, "became", v->new_spte, v->level);
		break;
	}
}

void print_violation(FILE *f, const struct print_ctx *ctx,
		     const struct violation *v)
{
	char when[32];

	fprintf(f, "%s %s %s: %s\n",
		format_wall(ctx->mono_to_real_ns, v->ts_ns, when, sizeof(when)),
		violation_severity(v), violation_kind_name(v->kind),
		violation_kind_help(v->kind));
	fprintf(f, "  ");
	print_vm(f, ctx, v);
	fprintf(f, " as_id %u gfn 0x%llx level %s", v->as_id, v->gfn,
		level_name(v->level));
	if (v->root)
		fprintf(f, " root 0x%llx", v->root);
	if (v->sptep && v->kind != VK_PT_FREED)
		fprintf(f, " sptep 0x%llx", v->sptep);
	fprintf(f, " tid %u\n", v->tid);
	print_kind_details(f, ctx, v);
	if (v->kind != VK_PRESENT_PFN)
		fprintf(f,
			"  flushes: %llu begun before the zap, %llu begun now, last full flush done #%llu\n",
			v->zap_flush_seq, v->vm_begun_seq, v->vm_full_done_seq);
	print_stack(f, ctx, "where", v->stack_id);
	if (v->zap_stack_id >= 0)
		print_stack(f, ctx, "zap", v->zap_stack_id);
	fflush(f);
}
