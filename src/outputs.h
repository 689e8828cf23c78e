/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The operator outputs of one run, live or replayed: -j JSON lines,
 * --prometheus, --textfile, --folded, --svg and --record.  Everything that
 * needs privilege or a path is opened by outputs__open(), before the daemon
 * drops its privileges; the rest happens per violation, per event and per
 * interval, and outputs__close() writes the flame graphs.
 */
#ifndef __SPTE_OUTPUTS_H
#define __SPTE_OUTPUTS_H

#include <stdbool.h>
#include "prom.h"
#include "snapshot.h"
#include "sources.h"

struct outputs;
struct stack_table;
struct vmtab;

struct outputs_opts {
	bool json;
	const char *prometheus; /* [ADDR:]PORT */
	const char *textfile;
	const char *folded;
	const char *svg;
	const char *record;
	unsigned int vm_limit; /* VM label limit */
	struct prom_buckets buckets; /* histogram buckets in the metrics */
	const char *mode; /* "live" or "replay" */
	struct spte_limits limits; /* map sizes, carried by recordings */
};

/* Open every file and the listening socket; messages go to stderr. */
int outputs__open(struct outputs **out, const struct outputs_opts *o,
		  const struct spte_config *cfg, const struct source_plan *plan,
		  struct stack_table *stacks);
/* Start the HTTP thread: after privileges are dropped. */
int outputs__start(struct outputs *o);
void outputs__violation(struct outputs *o, const struct violation *v);
void outputs__event(struct outputs *o, const struct event *ev);
/* Publish metrics, write the textfile and, if @json_kind, a JSON summary. */
/* @progs: the BPF programs' run counts, @nprogs < 0 when not live. */
int outputs__interval(struct outputs *o, const struct snapshot *snap,
		      const struct prog_stat *progs, int nprogs,
		      const char *json_kind, double elapsed);
/* Add a flame graph site (zap, install, violation) with its count. */
void outputs__site(struct outputs *o, __u32 kind, __s32 stack_id, __u64 count);
struct vmtab *outputs__vms(struct outputs *o);
/* Write the flame graphs, close the recording; 0 or the first error. */
int outputs__close(struct outputs *o);

#endif /* __SPTE_OUTPUTS_H */
