/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot of the monitor's results, the same whether it was read from
 * the BPF maps (src/monitor.c) or from the userspace engine (src/engine.c).
 * Every output (terminal, JSON, Prometheus) is produced from one of these.
 */
#ifndef __SPTE_SNAPSHOT_H
#define __SPTE_SNAPSHOT_H

#include <linux/types.h>
#include <stdbool.h>
#include "spte_trace.h"

/* What the daemon's sweeper did with pending zaps (src/sweep.c). */
struct sweep_stats {
	__u64 covered; /* dropped: a completed flush covers them */
	__u64 expired; /* dropped after --pending-ttl */
	__u64 live; /* still pending after the last sweep */
};

struct snapshot {
	struct stats stats;
	struct hists hists;
	struct sweep_stats sweep;
	__u64 ringbuf_lost; /* violation records userspace failed to read */
};

/* out = cur - prev, field by field (histograms and counters). */
void snapshot__delta(struct snapshot *out, const struct snapshot *cur,
		     const struct snapshot *prev);
/* Sums over levels. */
__u64 snapshot__outcome(const struct snapshot *s, __u32 outcome);
__u64 snapshot__transition(const struct snapshot *s, __u32 transition);
/* Installs classified as violations (outcome_is_violation()). */
__u64 snapshot__violations(const struct snapshot *s);
/* Dropped records, full maps, expired pending zaps. */
__u64 snapshot__losses(const struct snapshot *s);

#endif /* __SPTE_SNAPSHOT_H */
