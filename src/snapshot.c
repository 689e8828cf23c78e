// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "snapshot.h"
#include "spte_rules.h"

/* Every field of these structs is a __u64 counter, so diff them as arrays. */
static void diff_u64(void *out, const void *cur, const void *prev, size_t size)
{
	const __u64 *c = cur, *p = prev;
	__u64 *o = out;
	size_t i;

	for (i = 0; i < size / sizeof(__u64); i++)
		o[i] = c[i] >= p[i] ? c[i] - p[i] : 0;
}

void snapshot__delta(struct snapshot *out, const struct snapshot *cur,
		     const struct snapshot *prev)
{
	diff_u64(&out->stats, &cur->stats, &prev->stats, sizeof(out->stats));
	diff_u64(&out->hists, &cur->hists, &prev->hists, sizeof(out->hists));
	diff_u64(&out->sweep, &cur->sweep, &prev->sweep, sizeof(out->sweep));
	out->sweep.live = cur->sweep.live;
	out->ringbuf_lost = cur->ringbuf_lost - prev->ringbuf_lost;
	out->input = cur->input;
	out->input.tracer_lost =
		cur->input.tracer_lost - prev->input.tracer_lost;
}

__u64 snapshot__outcome(const struct snapshot *s, __u32 out)
{
	__u64 n = 0;
	int l;

	for (l = 0; l < SPTE_LEVELS; l++)
		n += s->stats.outcomes[out][l];
	return n;
}

__u64 snapshot__violation_kind(const struct snapshot *s, __u32 kind)
{
	__u64 n = 0;
	int l;

	for (l = 0; l < SPTE_LEVELS; l++)
		n += s->stats.violations[kind][l];
	return n;
}

__u64 snapshot__violations(const struct snapshot *s)
{
	__u64 n = 0;
	__u32 kind;

	for (kind = 0; kind < VK_MAX; kind++)
		n += snapshot__violation_kind(s, kind);
	return n;
}

/* Everything that means an event or a result was lost. */
__u64 snapshot__losses(const struct snapshot *s)
{
	const __u64 *c = s->stats.counters;

	return c[CNT_VIOLATION_DROPS] + c[CNT_RECORD_DROPS] +
	       c[CNT_STATE_FULL] + c[CNT_PENDING_FULL] + c[CNT_VM_FULL] +
	       c[CNT_INFLIGHT_FULL] + c[CNT_SITES_FULL] + c[CNT_HOLDERS_FULL] +
	       c[CNT_TABLES_FULL] + s->ringbuf_lost + s->sweep.expired +
	       s->sweep.tables_expired + s->input.tracer_lost +
	       s->input.lost_uncounted + s->input.ignored;
}
