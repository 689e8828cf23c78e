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
/* What the sweeper did (src/sweep.c); all counters but the gauge live. */
struct sweep_stats {
	__u64 covered; /* pending zaps dropped: a completed flush covers them */
	__u64 expired; /* pending zaps dropped after --pending-ttl */
	__u64 vm_gone; /* pending zaps dropped: their VM was destroyed */
	__u64 holders_dropped; /* empty, idle or dead-VM task batches */
	__u64 tables_expired; /* removed tables whose free never came */
	__u64 live; /* gauge: still pending after the last sweep */
};

/*
 * What a replayed input lost or could not use; zero in a live run.  Losses
 * are the tracer's own ("[LOST N EVENTS]", trace.dat missed events): a zap
 * or a flush may be among them.
 */
struct input_stats {
	__u64 tracer_lost; /* events the tracer said it lost */
	__u64 lost_uncounted; /* loss notes that gave no count */
	__u64 ignored; /* events not fed: the other kernel's kind in a mixed trace */
	__s32 lost_cpu; /* with lost_cpus 1: that CPU, -1 if not known */
	__u32 lost_cpus; /* how many CPUs lost events */
	__u32 thread_keyed; /* 1: stock events keyed by thread (no TGIDs) */
	__u32 pad;
};

struct snapshot {
	struct stats stats;
	struct hists hists;
	struct sweep_stats sweep;
	__u64 ringbuf_lost; /* violation records userspace failed to read */
	struct input_stats input; /* replay only */
};

/* Run counts of one attached BPF program (live runs only). */
struct prog_stat {
	char name[64];
	__u32 id;
	__u64 run_cnt;
	__u64 run_time_ns;
};

#define SNAPSHOT_MAX_PROGS 64

/* out = cur - prev, field by field (histograms and counters). */
void snapshot__delta(struct snapshot *out, const struct snapshot *cur,
		     const struct snapshot *prev);
/* Sums over levels. */
__u64 snapshot__outcome(const struct snapshot *s, __u32 outcome);
__u64 snapshot__violation_kind(const struct snapshot *s, __u32 kind);
/* Violations of every rule (enum violation_kind). */
__u64 snapshot__violations(const struct snapshot *s);
/* Dropped records, full maps, expired pending zaps. */
__u64 snapshot__losses(const struct snapshot *s);

#endif /* __SPTE_SNAPSHOT_H */
