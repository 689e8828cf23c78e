/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Histogram math for the kernel's log2 slots (bpf/spte_rules.h, hist_slot)
 * and their terminal rendering.
 */
#ifndef __SPTE_HIST_H
#define __SPTE_HIST_H

#include <stdio.h>
#include "spte_trace.h"

/* Smallest and largest value (ns) slot @s can hold. */
__u64 hist_slot_low(unsigned int s);
__u64 hist_slot_high(unsigned int s); /* UINT64_MAX for the last slot */

__u64 hist_count(const struct hist *h);
/* Upper bound (ns) of the slot that holds the p-th percentile (0 < p <= 100). */
__u64 hist_percentile(const struct hist *h, double p);
/* Element-wise a += b. */
void hist_merge(struct hist *a, const struct hist *b);

/* "950ns", "1.5us", "12.0ms", "3.2s" */
char *format_ns(__u64 ns, char *buf, size_t len);

/* log2 bars, one line per slot between the first and last non-empty one. */
void hist_print(FILE *f, const struct hist *h, const char *title);

#endif /* __SPTE_HIST_H */
