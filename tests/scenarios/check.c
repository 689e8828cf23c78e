// SPDX-License-Identifier: GPL-2.0
/*
 * What every run of a scenario must satisfy, whichever instance of the
 * protocol ran it (tests/scenarios/scenario.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "names.h"
#include "scenario.h"

void scenario_config(const struct scenario *sc, struct spte_config *cfg,
		     struct spte_limits *lim)
{
	static const struct spte_config defaults = SPTE_CONFIG_DEFAULT;

	*cfg = defaults;
	cfg->stacks = 0;
	cfg->flush_visible = sc->no_flush ? FLUSH_NONE :
			     sc->partial  ? FLUSH_PARTIAL :
					    FLUSH_COMPLETE;
	if (sc->ept)
		cfg->flavor = MMU_EPT;
	spte_limits__default(lim);
	if (sc->max_pending)
		lim->max_pending = sc->max_pending;
	if (sc->max_vms)
		lim->max_vms = sc->max_vms;
	if (sc->max_inflight)
		lim->max_inflight = sc->max_inflight;
}

__u64 scenario_ts(size_t i)
{
	return 1000000000ULL + i * 1000;
}

void scenario_play(const struct scenario *sc, const struct scenario_driver *d,
		   void *ctx)
{
	struct event ev;
	__u64 now = 0;
	size_t i;

	for (i = 0; i < sc->nevents; i++) {
		ev = sc->events[i];
		if (ev.type == STEP_SWEEP) {
			assert_int_equal(d->sweep(ctx, now + ev.vm.ts_ns,
						  ev.vm.pages),
					 0);
			continue;
		}
		now = scenario_ts(i);
		if (ev.type == EVENT_SPTE)
			ev.spte.ts_ns = now;
		else
			ev.vm.ts_ns = now;
		assert_int_equal(d->feed(ctx, &ev), 0);
	}
}

/* The expected count of (@what, @level) in @list (0 when unlisted). */
static __u64 expected(const struct expect *list, __u32 what, __u32 level)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < MAX_EXPECT && list[i].n; i++)
		if (list[i].what == what && list[i].level == level)
			n += list[i].n;
	return n;
}

void scenario_check(const struct scenario *sc, const struct snapshot *snap)
{
	__u64 want, got;
	__u32 k, l;
	int i;

	for (k = 0; k < VK_MAX; k++)
		for (l = 1; l <= SPTE_LEVELS; l++) {
			want = expected(sc->violations, k, l);
			got = snap->stats.violations[k][l - 1];
			if (want != got)
				fail_msg("%s (%s): violations %s at %s: %llu, expected %llu",
					 sc->name, sc->why,
					 violation_kind_name(k), level_name(l),
					 got, want);
		}
	for (k = 0; k < OUT_MAX; k++)
		for (l = 1; l <= SPTE_LEVELS; l++) {
			want = expected(sc->outcomes, k, l);
			got = snap->stats.outcomes[k][l - 1];
			if (want != got)
				fail_msg("%s (%s): outcome %s at %s: %llu, expected %llu",
					 sc->name, sc->why, outcome_name(k),
					 level_name(l), got, want);
		}
	/* Counters: only those listed; a listed 0 is written { c, 0, 0 }. */
	for (i = 0; i < MAX_EXPECT; i++) {
		const struct expect *e = &sc->counters[i];

		if (!e->what && !e->n)
			break;
		got = snap->stats.counters[e->what];
		if (got != e->n)
			fail_msg("%s (%s): counter %s: %llu, expected %llu",
				 sc->name, sc->why, counter_name(e->what), got,
				 e->n);
	}
}

void seen_add(struct seen *s, const struct violation *v)
{
	if (s->n < sizeof(s->v) / sizeof(s->v[0]))
		s->v[s->n] = *v;
	s->n++;
}

void scenario_check_records(const struct scenario *sc, const struct seen *s,
			    const struct snapshot *snap)
{
	__u64 counted = snapshot__violations(snap);
	size_t i;

	if (s->n != counted)
		fail_msg("%s: %zu violation records for %llu counted violations",
			 sc->name, s->n, counted);
	for (i = 0; i < s->n && i < 64; i++) {
		const struct violation *v = &s->v[i];

		if (v->kind >= VK_MAX || !v->count || !v->vm)
			fail_msg("%s: record %zu: kind %u count %llu vm %llu",
				 sc->name, i, v->kind, v->count, v->vm);
	}
}

void seen_equal(const struct scenario *sc, const struct seen *a,
		const struct seen *b)
{
	size_t i;

	if (a->n != b->n)
		fail_msg("%s: %zu violation records in one run, %zu in the other",
			 sc->name, a->n, b->n);
	for (i = 0; i < a->n && i < 64; i++)
		if (memcmp(&a->v[i], &b->v[i], sizeof(a->v[i])))
			fail_msg("%s: violation record %zu differs (%s at gfn 0x%llx vs %s at gfn 0x%llx)",
				 sc->name, i, violation_kind_name(a->v[i].kind),
				 a->v[i].gfn, violation_kind_name(b->v[i].kind),
				 b->v[i].gfn);
}
