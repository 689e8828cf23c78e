// SPDX-License-Identifier: GPL-2.0
/*
 * Every family is written in one place, with its HELP and TYPE, followed by
 * all its samples: the exposition format forbids a family appearing twice.
 * Series with zero values are written too, so that rate() and increase()
 * see a series from its start instead of from its first event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hist.h"
#include "names.h"
#include "prom.h"

#define P "spte_trace_"
#include "util.h"

struct label {
	const char *name;
	const char *value;
};

/* ---- Exposition syntax ---------------------------------------------------- */

static void put_escaped(struct strbuf *sb, const char *s, bool quotes)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf__puts(sb, "\\\\");
		else if (*s == '\n')
			strbuf__puts(sb, "\\n");
		else if (*s == '"' && quotes)
			strbuf__puts(sb, "\\\"");
		else
			strbuf__putc(sb, *s);
	}
}

static void family(struct strbuf *sb, const char *name, const char *type,
		   const char *help)
{
	strbuf__printf(sb, "# HELP %s ", name);
	put_escaped(sb, help, false);
	strbuf__printf(sb, "\n# TYPE %s %s\n", name, type);
}

static void sample(struct strbuf *sb, const char *name, const char *suffix,
		   const struct label *l, size_t n, const char *value)
{
	size_t i;

	strbuf__printf(sb, "%s%s", name, suffix);
	for (i = 0; i < n; i++) {
		strbuf__printf(sb, "%s%s=\"", i ? "," : "{", l[i].name);
		put_escaped(sb, l[i].value, true);
		strbuf__putc(sb, '"');
	}
	strbuf__printf(sb, "%s %s\n", n ? "}" : "", value);
}

static void sample_u64(struct strbuf *sb, const char *name,
		       const struct label *l, size_t n, __u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", v);
	sample(sb, name, "", l, n, buf);
}

char *prom__ns_to_seconds(__u64 ns, char *buf, size_t len)
{
	__u64 sec = ns / 1000000000ULL, frac = ns % 1000000000ULL;
	int digits = 9;

	if (!frac) {
		snprintf(buf, len, "%llu", sec);
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%llu.%0*llu", sec, digits, frac);
	return buf;
}

/* ---- Build, sources, self ------------------------------------------------- */

static void put_build_info(struct strbuf *sb, const struct prom_input *in)
{
	const struct label l[] = {
		{ "version", in->version ? in->version : SPTE_TRACE_VERSION },
		{ "mode", in->mode ? in->mode : "live" },
	};
	char buf[32];

	family(sb, P "build_info", "gauge",
	       "Always 1; labels give the spte-trace version and whether it watches the kernel (live) or replays a file (replay).");
	sample(sb, P "build_info", "", l, ARRAY_SIZE(l), "1");
	if (in->start_time > 0) {
		family(sb, P "start_time_seconds", "gauge",
		       "Unix time at which spte-trace started.");
		snprintf(buf, sizeof(buf), "%.3f", in->start_time);
		sample(sb, P "start_time_seconds", "", NULL, 0, buf);
	}
	if (in->now > 0) {
		family(sb, P "last_update_timestamp_seconds", "gauge",
		       "Unix time at which this exposition was rendered.");
		snprintf(buf, sizeof(buf), "%.3f", in->now);
		sample(sb, P "last_update_timestamp_seconds", "", NULL, 0, buf);
	}
}

static const char *const spte_sources[] = {
	[SPTE_SRC_PATCHED] = "patched",
	[SPTE_SRC_STOCK] = "stock",
};
static const char *const hook_sources[] = {
	[HOOK_SRC_PATCHED] = "patched",
	[HOOK_SRC_FENTRY] = "fentry",
	[HOOK_SRC_KPROBE] = "kprobe",
};

/* One series per possible source, 1 for the attached one. */
static void put_source_class(struct strbuf *sb, const char *cls,
			     const char *const *names, size_t n,
			     unsigned int chosen)
{
	struct label l[] = { { "class", cls }, { "source", NULL } };
	size_t i;

	for (i = 1; i < n; i++) {
		l[1].value = names[i];
		sample(sb, P "source_attached", "", l, ARRAY_SIZE(l),
		       i == chosen ? "1" : "0");
	}
}

static void put_sources(struct strbuf *sb, const struct source_plan *plan)
{
	char buf[4];

	if (!plan)
		return;
	family(sb, P "source_attached", "gauge",
	       "1 for the event source attached for each class (spte: SPTE changes; hooks: remote flushes, root teardown, VM identity, deadlines), 0 for the others.");
	put_source_class(sb, "spte", spte_sources, ARRAY_SIZE(spte_sources),
			 plan->spte);
	put_source_class(sb, "hooks", hook_sources, ARRAY_SIZE(hook_sources),
			 plan->hooks);
	family(sb, P "flush_visibility", "gauge",
	       "What is seen of remote TLB flushes: 2 every flush (patched kernel), 1 those of hooked functions (stock: violations only with counter evidence), 0 none (nothing is decided).");
	snprintf(buf, sizeof(buf), "%d", sources__flush_visibility(plan));
	sample(sb, P "flush_visibility", "", NULL, 0, buf);
}

static void put_progs(struct strbuf *sb, const struct prom_input *in)
{
	struct label l = { "prog", NULL };
	char buf[32];
	int i;

	if (in->bpf_stats_enabled >= 0) {
		family(sb, P "bpf_stats_enabled", "gauge",
		       "1 when kernel.bpf_stats_enabled is on; run counts and run times only grow while it is.");
		sample(sb, P "bpf_stats_enabled", "", NULL, 0,
		       in->bpf_stats_enabled ? "1" : "0");
	}
	if (!in->progs || in->nprogs <= 0)
		return;
	family(sb, P "bpf_prog_runs_total", "counter",
	       "Runs of each BPF program (counted while kernel.bpf_stats_enabled is on).");
	for (i = 0; i < in->nprogs; i++) {
		l.value = in->progs[i].name;
		sample_u64(sb, P "bpf_prog_runs_total", &l, 1,
			   in->progs[i].run_cnt);
	}
	family(sb, P "bpf_prog_run_seconds_total", "counter",
	       "Time spent in each BPF program (counted while kernel.bpf_stats_enabled is on).");
	for (i = 0; i < in->nprogs; i++) {
		l.value = in->progs[i].name;
		sample(sb, P "bpf_prog_run_seconds_total", "", &l, 1,
		       prom__ns_to_seconds(in->progs[i].run_time_ns, buf,
					   sizeof(buf)));
	}
}

/* ---- Monitor counters ------------------------------------------------------- */

struct counter_map {
	enum counter cnt;
	const char *family;
	const char *label; /* NULL: the family has no label */
	const char *value;
	const char *help; /* on the first row of a family */
};

/* Grouped by family; test_prom checks that every enum counter is here once. */
static const struct counter_map counter_map[] = {
	{ CNT_SPTE_EVENTS, P "spte_events_total", NULL, NULL,
	  "SPTE change events processed." },
	{ CNT_SAME_VALUE, P "spte_same_value_writes_total", NULL, NULL,
	  "SPTE writes that did not change the value." },
	{ CNT_NO_VM, P "spte_events_without_vm_total", NULL, NULL,
	  "SPTE events without VM identity (kernel threads in stock mode); their zaps are not tracked." },
	{ CNT_FLUSH_BEGIN, P "remote_flushes_total", "phase", "begin",
	  "Remote TLB flushes seen, by phase (begin, end)." },
	{ CNT_FLUSH_END, P "remote_flushes_total", "phase", "end", NULL },
	{ CNT_FLUSH_UNPAIRED, P "remote_flush_unpaired_total", NULL, NULL,
	  "Remote TLB flush completions whose begin was not seen." },
	{ CNT_VIOLATION_DROPS, P "ringbuf_drops_total", "ring", "violations",
	  "Records the BPF programs could not reserve in a ring buffer (full), by ring." },
	{ CNT_RECORD_DROPS, P "ringbuf_drops_total", "ring", "events", NULL },
	{ CNT_STATE_FULL, P "map_full_total", "map", "spte_state",
	  "Updates refused because a BPF map was full, by map." },
	{ CNT_PENDING_FULL, P "map_full_total", "map", "pending", NULL },
	{ CNT_VM_FULL, P "map_full_total", "map", "vms", NULL },
	{ CNT_INFLIGHT_FULL, P "map_full_total", "map", "inflight", NULL },
	{ CNT_SITES_FULL, P "map_full_total", "map", "sites", NULL },
	{ CNT_HOLDERS_FULL, P "map_full_total", "map", "holders", NULL },
	{ CNT_TABLES_FULL, P "map_full_total", "map", "tables", NULL },
	{ CNT_STACK_ERRORS, P "stack_errors_total", NULL, NULL,
	  "Kernel stacks that could not be captured or kept (the sites map busy on its CPU)." },
	{ CNT_PROTOCOL_MISSED, P "protocol_missed_total", NULL, NULL,
	  "SPTE events lost because the tail call to the protocol program failed." },
	{ CNT_DEADLINES, P "deadlines_total", "reason", "yield",
	  "Flush deadlines seen, by reason: yield (mmu_lock yielded), unlock (mmu_lock released), notifier (invalidate_range_start returns), dirty_log (dirty state reported)." },
	{ CNT_DEADLINES_UNLOCK, P "deadlines_total", "reason", "unlock", NULL },
	{ CNT_DEADLINES_NOTIFIER, P "deadlines_total", "reason", "notifier",
	  NULL },
	{ CNT_DEADLINES_DIRTY_LOG, P "deadlines_total", "reason", "dirty_log",
	  NULL },
	{ CNT_DEADLINE_UNDECIDED, P "checks_undecided_total", "why",
	  "history_lost",
	  "Deadline and free checks that could not decide, by why: history_lost (flush history lost or several ranged flushes each covering part), flushes_unseen (stock: a flush may have been missed by the hooks)." },
	{ CNT_DEADLINE_UNVERIFIED, P "checks_undecided_total", "why",
	  "flushes_unseen", NULL },
	{ CNT_FREE_PT, P "page_table_frees_total", "seen", "removal",
	  "Page table frees seen, by whether their removal was seen (removal) or not (unknown: roots, or removed before the start)." },
	{ CNT_FREE_UNKNOWN, P "page_table_frees_total", "seen", "unknown",
	  NULL },
	{ CNT_VM_DESTROYED, P "vms_destroyed_total", NULL, NULL,
	  "VMs destroyed while tracing." },
	{ CNT_VM_HISTORY_LOST, P "vm_history_lost_total", NULL, NULL,
	  "Zaps older than their VM's flush state (the state was re-created): judged undecidable." },
	{ CNT_UNFREEZE_UNKNOWN, P "unfreeze_unknown_total", NULL, NULL,
	  "Unfreezes whose freeze was not tracked (before the start, or not tracked)." },
};

static void put_counters(struct strbuf *sb, const struct snapshot *snap)
{
	const struct counter_map *m;
	struct label l;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(counter_map); i++) {
		m = &counter_map[i];
		if (m->help)
			family(sb, m->family, "counter", m->help);
		l.name = m->label;
		l.value = m->value;
		sample_u64(sb, m->family, &l, m->label ? 1 : 0,
			   snap->stats.counters[m->cnt]);
	}
}

/* For test_prom: the family a monitor counter is exported in, or NULL. */
const char *prom_counter_family(unsigned int cnt, int *rows);

const char *prom_counter_family(unsigned int cnt, int *rows)
{
	const char *fam = NULL;
	size_t i;

	*rows = 0;
	for (i = 0; i < ARRAY_SIZE(counter_map); i++) {
		if (counter_map[i].cnt == cnt) {
			fam = counter_map[i].family;
			(*rows)++;
		}
	}
	return fam;
}

/*
 * Levels every level-labelled series is exported for, even at zero: the
 * page sizes (4K, 2M, 1G).  L4 and L5 (the 512G and 256T entries, only
 * ever page tables) appear once they count something, which keeps an idle
 * daemon's exposition small.
 */
#define LEVELS_ALWAYS 3

static bool level_shown(unsigned int lvl, __u64 v)
{
	return lvl < LEVELS_ALWAYS || v;
}

static void put_transitions(struct strbuf *sb, const struct stats *st)
{
	struct label l[2] = { { "transition", NULL }, { "level", NULL } };
	unsigned int tr, lvl;

	family(sb, P "transitions_total", "counter",
	       "SPTE changes by kind of transition and page level.");
	for (tr = 0; tr < TR_MAX; tr++) {
		for (lvl = 0; lvl < SPTE_LEVELS; lvl++) {
			if (!level_shown(lvl, st->transitions[tr][lvl]))
				continue;
			l[0].value = transition_name(tr);
			l[1].value = level_name(lvl + 1);
			sample_u64(sb, P "transitions_total", l, 2,
				   st->transitions[tr][lvl]);
		}
	}
}

/* A [rows][SPTE_LEVELS] counter matrix as one family labelled by row and level. */
static void put_level_matrix(struct strbuf *sb, const __u64 (*m)[SPTE_LEVELS],
			     unsigned int rows, const char *(*row_name)(__u32),
			     const char *name, const char *lname,
			     const char *help)
{
	struct label l[2] = { { lname, NULL }, { "level", NULL } };
	unsigned int r, lvl;

	family(sb, name, "counter", help);
	for (r = 0; r < rows; r++) {
		for (lvl = 0; lvl < SPTE_LEVELS; lvl++) {
			if (!level_shown(lvl, m[r][lvl]))
				continue;
			l[0].value = row_name(r);
			l[1].value = level_name(lvl + 1);
			sample_u64(sb, name, l, 2, m[r][lvl]);
		}
	}
}

static void put_sweep(struct strbuf *sb, const struct snapshot *snap)
{
	struct label l = { "reason", "covered" };

	family(sb, P "pending_zaps_dropped_total", "counter",
	       "Pending zaps dropped by the sweeper: covered (a completed flush covers them), expired (older than --pending-ttl) or vm_gone (their VM was destroyed).");
	sample_u64(sb, P "pending_zaps_dropped_total", &l, 1,
		   snap->sweep.covered);
	l.value = "expired";
	sample_u64(sb, P "pending_zaps_dropped_total", &l, 1,
		   snap->sweep.expired);
	l.value = "vm_gone";
	sample_u64(sb, P "pending_zaps_dropped_total", &l, 1,
		   snap->sweep.vm_gone);
	family(sb, P "page_tables_expired_total", "counter",
	       "Removed page tables forgotten after --pending-ttl without their free: not checked.");
	sample_u64(sb, P "page_tables_expired_total", NULL, 0,
		   snap->sweep.tables_expired);
	family(sb, P "pending_zaps", "gauge",
	       "Zaps still waiting for a covering remote flush after the last sweep.");
	sample_u64(sb, P "pending_zaps", NULL, 0, snap->sweep.live);
	family(sb, P "violations_unread_total", "counter",
	       "Violation records userspace failed to read from the ring buffer.");
	sample_u64(sb, P "violations_unread_total", NULL, 0,
		   snap->ringbuf_lost);
	family(sb, P "tracer_lost_events_total", "counter",
	       "Events the tracer said it lost in a replayed trace (a zap or a flush may be among them); 0 when live.");
	sample_u64(sb, P "tracer_lost_events_total", NULL, 0,
		   snap->input.tracer_lost);
	family(sb, P "tracer_losses_uncounted_total", "counter",
	       "Notes of lost events that gave no count, in a replayed trace.");
	sample_u64(sb, P "tracer_losses_uncounted_total", NULL, 0,
		   snap->input.lost_uncounted);
	family(sb, P "input_events_ignored_total", "counter",
	       "Events of a replayed trace not used: stock events in a trace that also carries the patched kernel's.");
	sample_u64(sb, P "input_events_ignored_total", NULL, 0,
		   snap->input.ignored);
	family(sb, P "vms_keyed_by_thread", "gauge",
	       "1 when a replayed trace shows no process ids: each thread was taken for its own VM.");
	sample_u64(sb, P "vms_keyed_by_thread", NULL, 0,
		   snap->input.thread_keyed);
}

/* ---- Histograms -------------------------------------------------------------- */

static const char *const hist_families[HIST_KINDS] = {
	[HIST_ZAP_TO_INSTALL] = P "zap_to_reinstall_seconds",
	[HIST_PRESENT_LIFETIME] = P "present_lifetime_seconds",
	[HIST_FROZEN_WINDOW] = P "frozen_window_seconds",
	[HIST_FLUSH_LATENCY] = P "remote_flush_latency_seconds",
};

/*
 * Slot s holds integer ns in [2^(s-1), 2^s - 1], so a bucket ending with
 * slot s has the bound le = 2^s - 1 ns exactly: every value it counts is
 * <= le, and the next slot's smallest value (2^s ns) is not.  Buckets are
 * cumulative, so leaving slots out between two exported bounds (or below
 * the first) loses no count; the last slot is open-ended: +Inf only.
 */
static void put_hist(struct strbuf *sb, const char *name, const char *lname,
		     const char *lvalue, const struct hist *h,
		     const struct prom_buckets *b)
{
	struct label l[2] = { { lname, lvalue }, { "le", NULL } };
	char le[32], buf[32];
	__u64 cum = 0;
	unsigned int s, next = b->lo;

	for (s = 0; s < HIST_SLOTS - 1; s++) {
		cum += h->slots[s];
		if (s != next || s > b->hi)
			continue;
		next += b->step;
		l[1].value =
			prom__ns_to_seconds(hist_slot_high(s), le, sizeof(le));
		snprintf(buf, sizeof(buf), "%llu", cum);
		sample(sb, name, "_bucket", l, 2, buf);
	}
	cum += h->slots[HIST_SLOTS - 1];
	l[1].value = "+Inf";
	snprintf(buf, sizeof(buf), "%llu", cum);
	sample(sb, name, "_bucket", l, 2, buf);
	sample(sb, name, "_sum", l, 1,
	       prom__ns_to_seconds(h->sum_ns, le, sizeof(le)));
	sample(sb, name, "_count", l, 1, buf);
}

static void put_hists(struct strbuf *sb, const struct hists *hs,
		      const struct prom_buckets *b)
{
	static const struct prom_buckets def = PROM_BUCKETS_DEFAULT;
	unsigned int kind, i, n;
	const char *lname;

	if (!b || !b->step)
		b = &def;
	for (kind = 0; kind < HIST_KINDS; kind++) {
		bool flush = kind == HIST_FLUSH_LATENCY;

		lname = flush ? "scope" : "level";
		n = flush ? 2 : SPTE_LEVELS;
		family(sb, hist_families[kind], "histogram", hist_help(kind));
		for (i = 0; i < n; i++)
			if (flush || level_shown(i, hist_count(&hs->h[kind][i])))
				put_hist(sb, hist_families[kind], lname,
					 hist_index_name(kind, i),
					 &hs->h[kind][i], b);
	}
}

unsigned int prom_buckets__count(const struct prom_buckets *b)
{
	if (!b->step)
		return 0;
	return (b->hi - b->lo) / b->step + 2;
}

/* "250us", "1s", "64s", "10ms", "100ns" -> ns; -EINVAL. */
static int parse_duration_ns(const char *s, size_t len, __u64 *ns)
{
	static const struct {
		const char *unit;
		__u64 mult;
	} units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		      { "s", 1000000000 } };
	char buf[32], *end;
	unsigned long long v;
	size_t i;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(end, units[i].unit) &&
		    v <= ~0ULL / units[i].mult) {
			*ns = v * units[i].mult;
			return 0;
		}
	}
	return -EINVAL;
}

/* The first slot whose bound 2^s - 1 ns is at least @ns. */
static unsigned int slot_for(__u64 ns)
{
	unsigned int s = 0;

	while (s < HIST_SLOTS - 2 && hist_slot_high(s) < ns)
		s++;
	return s;
}

int prom_buckets__parse(const char *s, struct prom_buckets *b, char *err,
			size_t len)
{
	const char *c1, *c2;
	__u64 lo, hi, factor;
	char *end;
	unsigned int step = 0;

	if (!strcmp(s, "all")) {
		*b = (struct prom_buckets){ 0, HIST_SLOTS - 2, 1 };
		return 0;
	}
	c1 = strchr(s, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2) {
		snprintf(err, len, "want MIN:MAX:FACTOR (e.g. 1us:64s:4) or 'all'");
		return -EINVAL;
	}
	if (parse_duration_ns(s, c1 - s, &lo) ||
	    parse_duration_ns(c1 + 1, c2 - c1 - 1, &hi)) {
		snprintf(err, len, "MIN and MAX are durations with a unit: ns, us, ms or s");
		return -EINVAL;
	}
	errno = 0;
	factor = strtoull(c2 + 1, &end, 10);
	if (errno || *end || c2[1] < '0' || c2[1] > '9' || factor < 2 ||
	    factor > (1ULL << 16) || (factor & (factor - 1))) {
		snprintf(err, len, "FACTOR must be a power of two from 2 to 65536 (bucket bounds are powers of two of nanoseconds)");
		return -EINVAL;
	}
	while ((1ULL << step) < factor)
		step++;
	if (lo > hi) {
		snprintf(err, len, "MIN is above MAX");
		return -EINVAL;
	}
	b->lo = slot_for(lo);
	b->hi = slot_for(hi);
	b->step = step;
	/* The last bound may fall short of MAX: extend to cover it. */
	while (b->lo + (b->hi - b->lo) / step * step < b->hi &&
	       b->lo + ((b->hi - b->lo) / step + 1) * step <= HIST_SLOTS - 2)
		b->hi = b->lo + ((b->hi - b->lo) / step + 1) * step;
	return 0;
}

/* ---- Per VM -------------------------------------------------------------------- */

/*
 * One series per VM: the kinds are in spte_trace_violations_total and in
 * each violation's report, which names its VM.
 */
static void put_vm_violations(struct strbuf *sb, const struct vm_entry *e)
{
	struct label l[2] = { { "vm", e->label }, { "comm", e->comm } };
	unsigned int kind;
	__u64 n = 0;

	for (kind = 0; kind < VK_MAX; kind++)
		n += e->violations[kind];
	sample_u64(sb, P "vm_violations_total", l, 2, n);
}

static void put_vms(struct strbuf *sb, const struct vmtab *t, bool events)
{
	const struct vm_entry *e;
	struct label l[2] = { { "vm", NULL }, { "comm", NULL } };
	size_t i, n;

	if (!t)
		return;
	n = vmtab__count(t);
	family(sb, P "vm_violations_total", "counter",
	       "Violations by VM (vm: VMM pid, or \"other\" for VMs over --vm-limit), all kinds.");
	for (i = 0; i < n; i++)
		put_vm_violations(sb, vmtab__at(t, i));
	put_vm_violations(sb, vmtab__other(t));

	/* Counted from the event stream: only when it is read (--record). */
	family(sb, P "vm_spte_events_total", "counter",
	       "SPTE change events by VM (vm: VMM pid, or \"other\" for VMs over --vm-limit); exported with --record and in replays.");
	for (i = 0; events && i <= n; i++) {
		e = i < n ? vmtab__at(t, i) : vmtab__other(t);
		l[0].value = e->label;
		l[1].value = e->comm;
		sample_u64(sb, P "vm_spte_events_total", l, 2, e->events);
	}
	family(sb, P "vm_series_limit", "gauge",
	       "How many VMs get their own series (--vm-limit); later VMs are counted as vm=\"other\".");
	sample_u64(sb, P "vm_series_limit", NULL, 0, vmtab__limit(t));
	family(sb, P "vms_overflowed_total", "counter",
	       "Distinct VMs counted as vm=\"other\" because --vm-limit was reached (a lower bound past 65536).");
	sample_u64(sb, P "vms_overflowed_total", NULL, 0, vmtab__overflowed(t));
}

int prom__render(const struct prom_input *in, struct strbuf *out)
{
	const struct snapshot *snap = in->snap;

	if (!snap)
		return -EINVAL;
	put_build_info(out, in);
	put_sources(out, in->plan);
	put_progs(out, in);
	put_counters(out, snap);
	put_transitions(out, &snap->stats);
	put_level_matrix(
		out, (const __u64(*)[SPTE_LEVELS])snap->stats.outcomes, OUT_MAX,
		outcome_name, P "outcomes_total", "outcome",
		"What each install of a leaf found under and over it, by outcome and level.");
	put_level_matrix(
		out, (const __u64(*)[SPTE_LEVELS])snap->stats.violations,
		VK_MAX, violation_kind_name, P "violations_total", "kind",
		"Violations of the removed-SPTE protocol, by the rule broken (kind) and level of the zapped SPTE.");
	put_sweep(out, snap);
	put_hists(out, &snap->hists, in->buckets);
	put_vms(out, in->vms, in->vm_events);
	return strbuf__error(out);
}

int prom__bpf_stats_enabled(const char *path)
{
	char buf[8] = "";
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	ret = n < 0 ? -errno : buf[0] == '1';
	close(fd);
	return ret;
}
