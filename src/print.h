/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Terminal output: the interval report (counters and log2 histograms), the
 * final summary, and one block per violation with its decoded SPTEs and
 * symbolized kernel stacks.
 */
#ifndef __SPTE_PRINT_H
#define __SPTE_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"

struct stack_table;
struct vmtab;

struct print_ctx {
	const struct spte_config *cfg;
	struct stack_table *stacks; /* NULL: print stack ids only */
	int stack_fd; /* BPF stack map, -1 when replaying */
	__s64 mono_to_real_ns; /* add to event times for wall clock */
	bool hists; /* print histograms each interval */
	const struct vmtab *vms; /* VM names; NULL: none shown */
};

/* Offset from CLOCK_MONOTONIC (bpf_ktime_get_ns) to CLOCK_REALTIME. */
__s64 print_clock_offset(void);

void print_interval(FILE *f, const struct print_ctx *ctx,
		    const struct snapshot *delta, const struct snapshot *total);
void print_summary(FILE *f, const struct print_ctx *ctx,
		   const struct snapshot *total, double seconds);
void print_violation(FILE *f, const struct print_ctx *ctx,
		     const struct violation *v);
/* "VIOLATION" for alarms, "benign" for same-mapping reports. */
const char *violation_severity(const struct violation *v);

#endif /* __SPTE_PRINT_H */
