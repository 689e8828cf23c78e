/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `spte-trace report FILE`: a recording (src/record.h) or ftrace text
 * (src/trace_text.h) fed through the userspace engine, the same protocol
 * state machine the BPF programs run.  What comes out (snapshot, violation
 * records, site counts) goes to the same outputs as a live run.
 *
 * Pending zaps are swept on the events' clock, once per @sweep_every_ns of
 * trace time and once at the end, as the live daemon sweeps on its
 * interval: results can differ from the live run only in when a zap
 * counts as expired.
 */
#ifndef __SPTE_REPORT_H
#define __SPTE_REPORT_H

#include <stdbool.h>
#include "engine.h"
#include "record.h"
#include "trace_text.h"

struct stack_table;
struct vmtab;

enum report_format {
	REPORT_RECORDING,
	REPORT_TEXT,
};

struct report_opts {
	struct spte_limits limits; /* engine_limits__default() */
	__u64 pending_ttl_ns; /* 0: never expire */
	__u64 sweep_every_ns; /* 0: 1 s */
	enum trace_text_vm text_vm; /* stock text: VM key */
	engine_violation_fn on_violation; /* may be NULL */
	void *arg;
	struct stack_table *stacks; /* filled from a recording */
	struct vmtab *vms; /* VM names; events counted */
};

struct report {
	enum report_format format;
	struct spte_config cfg; /* recorded, or defaults for text */
	struct record_info info; /* recordings only */
	struct trace_text_stats text; /* text only */
	struct record_totals totals; /* recordings only */
	__u64 events;
	__u64 first_ns, last_ns; /* event clock */
	struct snapshot snap;
	struct engine *engine; /* for engine__for_each_site() */
	int status; /* 0, or the reader's error */
	char error[512]; /* why status != 0 */
};

/*
 * Replay @path ("-" for ftrace text on stdin) into @r.  Returns 0 when the
 * whole input was read; a negative errno when it could not be opened (the
 * message in r->error, r->engine NULL) or when reading stopped early: then
 * r holds everything read up to the damage, so that a truncated recording
 * still gives its results.  Free with report__release().
 */
int report__run(const char *path, const struct report_opts *o,
		struct report *r);
void report__release(struct report *r);

#endif /* __SPTE_REPORT_H */
