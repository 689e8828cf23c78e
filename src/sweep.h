/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sweeper: what the monitor forgets, and when.  Written once and run
 * over either store of the protocol's state (the BPF maps, src/monitor.c;
 * the userspace tables, src/engine.c) through struct sweep_ops.
 *
 *   pending zaps   a completed flush covers them: drop (they can no longer
 *                  be violations); older than the TTL: drop, count, and mark
 *                  the SPTE so a late install says `expired`; their VM was
 *                  destroyed: drop
 *   VMs            destroyed ones, once their pending zaps are gone
 *   holders        empty batches, and batches of destroyed VMs or older
 *                  than the TTL (a deadline never came)
 *   tables         removed page tables whose free never came within the TTL
 *
 * The decisions are the pure rules of bpf/spte_rules.h; this file only
 * walks, collects and deletes (a walk must not delete as it goes: the BPF
 * map walk would restart).
 */
#ifndef __SPTE_SWEEP_H
#define __SPTE_SWEEP_H

#include "snapshot.h"

enum sweep_map {
	SWEEP_PENDING,		/* struct spte_key -> struct pending_zap */
	SWEEP_VMS,		/* __u64 -> struct vm_state */
	SWEEP_HOLDERS,		/* struct holder_key -> struct holder */
	SWEEP_TABLES,		/* __u64 -> struct removed_table */
	SWEEP_STATE,		/* struct spte_key -> struct spte_state */
};

typedef int (*sweep_visit_fn)(void *arg, const void *key, const void *val);

/* What a store provides; every function returns 0 or -errno. */
struct sweep_ops {
	/* Call @fn on every entry of @map (a copy; stop early on non-zero). */
	int (*for_each)(void *store, enum sweep_map map, sweep_visit_fn fn,
			void *arg);
	/* Copy the value of @key out; -ENOENT when there is none. */
	int (*lookup)(void *store, enum sweep_map map, const void *key,
		      void *val);
	/* Replace the value of an existing @key (never creates one). */
	int (*update)(void *store, enum sweep_map map, const void *key,
		      const void *val);
	int (*remove)(void *store, enum sweep_map map, const void *key);
};

/*
 * One sweep at @now_ns (the clock of the events: CLOCK_MONOTONIC live, the
 * recording's when replaying); @ttl_ns 0 = nothing expires.  Adds to
 * @stats and sets its gauges.  Returns 0 or -ENOMEM.
 */
int sweep__run(const struct sweep_ops *ops, void *store, __u64 now_ns,
	       __u64 ttl_ns, struct sweep_stats *stats);

#endif /* __SPTE_SWEEP_H */
