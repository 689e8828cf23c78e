/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus text exposition (format 0.0.4) of a snapshot, for
 * --prometheus and --textfile.  docs/metrics.md lists every family.
 */
#ifndef __SPTE_PROM_H
#define __SPTE_PROM_H

#include <stdbool.h>
#include "snapshot.h"
#include "sources.h"
#include "strbuf.h"
#include "vmtab.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * The buckets a histogram is exported with: the in-kernel slots are log2
 * of nanoseconds, slot s holding [2^(s-1), 2^s - 1] ns, so an exported
 * bucket can only end where a slot ends (le = 2^s - 1 ns) to stay exact.
 * Exported: le for s = lo, lo + step, ... up to hi, then +Inf.
 */
struct prom_buckets {
	unsigned int lo;   /* first slot (0..HIST_SLOTS-2) */
	unsigned int hi;   /* last slot, >= lo */
	unsigned int step; /* slots between two buckets, >= 1 */
};

/* 1.023 us .. 68.7 s, a bucket every factor of 4: 14 buckets + +Inf. */
#define PROM_BUCKETS_DEFAULT { .lo = 10, .hi = 36, .step = 2 }

/*
 * Parse "MIN:MAX:FACTOR" (durations with ns, us, ms or s, FACTOR a power
 * of two: "1us:64s:4") or "all" (every slot).  MIN and MAX are rounded up
 * to the next slot bound.  0, or -EINVAL with a reason in @err.
 */
int prom_buckets__parse(const char *s, struct prom_buckets *b, char *err,
			size_t len);
/* How many bucket lines (with +Inf) a histogram has with @b. */
unsigned int prom_buckets__count(const struct prom_buckets *b);

struct prom_input {
	const struct snapshot *snap; /* required */
	const struct source_plan *plan; /* NULL: no live sources */
	const struct vmtab *vms; /* NULL: no per-VM series */
	const struct prog_stat *progs; /* NULL or @nprogs entries */
	int nprogs;
	int bpf_stats_enabled; /* 1, 0, or < 0: unknown */
	const char *version; /* NULL: this build's */
	const char *mode; /* "live", "replay"; NULL: "live" */
	double start_time; /* unix seconds; 0: omitted */
	double now; /* unix seconds; 0: omitted */
	const struct prom_buckets *buckets; /* NULL: PROM_BUCKETS_DEFAULT */
	bool vm_events; /* per-VM event counts are kept (--record, replay) */
};

/* Append the exposition to @out; 0 or -ENOMEM. */
int prom__render(const struct prom_input *in, struct strbuf *out);

/*
 * "1.023e-06"-free rendering of @ns as seconds: the exact decimal
 * ("0.000001023"), so a bucket bound is never rounded below the values
 * it counts.  @buf needs 32 bytes.
 */
char *prom__ns_to_seconds(__u64 ns, char *buf, size_t len);

/* kernel.bpf_stats_enabled: 1, 0, or -errno when unreadable. */
int prom__bpf_stats_enabled(const char *path);
#define PROM_BPF_STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

#endif /* __SPTE_PROM_H */
