/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `spte-trace report FILE`: any input src/ingest.h reads, fed through the
 * userspace engine, the same protocol state machine the BPF programs run.
 * What comes out (snapshot, violation records, site counts) goes to the
 * same outputs as a live run.
 *
 * How flushes are judged follows from the input: a recording says so
 * itself; a trace that carries the patched kernel's events shows every
 * remote flush (FLUSH_COMPLETE: no flush event means no flush happened);
 * stock events alone show none (FLUSH_NONE).  Trace text is looked at for
 * at most REPORT_DECIDE_AFTER events before the engine starts.  In a trace
 * with both kinds the stock events are ignored, and counted.
 *
 * Pending zaps are swept on the events' clock, once per @sweep_every_ns of
 * trace time and once at the end, as the live daemon sweeps on its
 * interval.  Map sizes are the recording's (the live run's), or the
 * defaults for traces, unless @limits overrides them; a replay with the
 * live sizes can still differ from the live run where BPF's LRU maps
 * evict approximately and the engine's exactly.
 */
#ifndef __SPTE_REPORT_H
#define __SPTE_REPORT_H

#include <stdbool.h>
#include "engine.h"
#include "ingest.h"

struct stack_table;
struct vmtab;

#define REPORT_DECIDE_AFTER 4096

struct report_opts {
	struct spte_limits limits; /* non-zero fields override */
	__u64 pending_ttl_ns; /* 0: never expire */
	__u64 sweep_every_ns; /* 0: 1 s */
	enum trace_text_vm text_vm; /* stock events: VM key */
	bool mmu_set; /* traces: @mmu instead of npt */
	__u32 mmu; /* enum spte_mmu_flavor */
	__u64 removed_value; /* traces: exact removed value, 0: default */
	engine_violation_fn on_violation; /* may be NULL */
	void *arg;
	struct stack_table *stacks; /* filled from a recording */
	struct vmtab *vms; /* VM names; events counted */
};

struct report {
	enum ingest_format format;
	const char *format_name; /* "trace text", ... */
	struct spte_config cfg; /* recorded, or defaults for traces */
	struct spte_limits limits; /* the map sizes the engine ran with */
	struct record_info info; /* recordings only */
	struct record_totals totals; /* recordings only */
	struct ingest_stats in; /* what the input held besides events */
	__u64 events; /* fed to the engine */
	__u64 first_ns, last_ns; /* event clock */
	struct snapshot snap;
	struct engine *engine; /* for engine__for_each_site() */
	int status; /* 0, or the reader's error */
	char error[512]; /* why status != 0, without the path */
};

/*
 * Replay @path ("-": stdin) into @r.  Returns 0 when the whole input was
 * read; a negative errno when it could not be opened (the message in
 * r->error, r->engine NULL) or when reading stopped early: then r holds
 * everything read up to the damage, so that a truncated input still gives
 * its results.  Free with report__release().
 */
int report__run(const char *path, const struct report_opts *o,
		struct report *r);
void report__release(struct report *r);

#endif /* __SPTE_REPORT_H */
