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
	out->sweep.covered = cur->sweep.covered - prev->sweep.covered;
	out->sweep.expired = cur->sweep.expired - prev->sweep.expired;
	out->sweep.live = cur->sweep.live;
	out->ringbuf_lost = cur->ringbuf_lost - prev->ringbuf_lost;
}

__u64 snapshot__outcome(const struct snapshot *s, __u32 out)
{
	__u64 n = 0;
	int l;

	for (l = 0; l < SPTE_LEVELS; l++)
		n += s->stats.outcomes[out][l];
	return n;
}

__u64 snapshot__transition(const struct snapshot *s, __u32 tr)
{
	__u64 n = 0;
	int l;

	for (l = 0; l < SPTE_LEVELS; l++)
		n += s->stats.transitions[tr][l];
	return n;
}

__u64 snapshot__violations(const struct snapshot *s)
{
	__u64 n = 0;
	__u32 out;

	for (out = 0; out < OUT_MAX; out++)
		if (outcome_is_violation(out))
			n += snapshot__outcome(s, out);
	return n;
}

/* Everything that means an event or a result was lost. */
__u64 snapshot__losses(const struct snapshot *s)
{
	const __u64 *c = s->stats.counters;

	return c[CNT_VIOLATION_DROPS] + c[CNT_RECORD_DROPS] +
	       c[CNT_STATE_FULL] + c[CNT_PENDING_FULL] + c[CNT_VM_FULL] +
	       c[CNT_INFLIGHT_FULL] + c[CNT_SITES_FULL] + s->ringbuf_lost +
	       s->sweep.expired;
}
