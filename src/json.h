/* SPDX-License-Identifier: GPL-2.0 */
/*
 * -j: one JSON object per line, for violations and for interval and final
 * summaries.  Every line is a complete object with a "type" member, so a
 * consumer can `jq 'select(.type == "violation")'` a live stream.
 *
 * 64-bit values that are identities rather than quantities (GFNs, SPTE
 * values, kernel addresses) are hex strings; counts and nanoseconds are
 * numbers.
 */
#ifndef __SPTE_JSON_H
#define __SPTE_JSON_H

#include <stdbool.h>
#include "snapshot.h"
#include "strbuf.h"

struct stack_table;
struct vmtab;

struct json_ctx {
	const struct spte_config *cfg; /* NULL: no SPTE decoding */
	const struct vmtab *vms; /* NULL: no VM labels */
	const struct stack_table *stacks; /* NULL: no stacks */
};

struct json_summary {
	const char *kind; /* "interval" or "final" */
	double time; /* unix seconds; 0: omitted */
	double elapsed; /* seconds since start; 0: omitted */
};

/* Append "@s" quoted and escaped: always valid JSON, even for raw bytes. */
void json__string(struct strbuf *sb, const char *s);

/* One line: {"type":"violation",...}\n.  0 or -ENOMEM. */
int json__violation(struct strbuf *sb, const struct violation *v,
		    const struct json_ctx *ctx);
/* One line: {"type":"summary","kind":...}\n.  0 or -ENOMEM. */
int json__summary(struct strbuf *sb, const struct snapshot *snap,
		  const struct json_summary *sum, const struct json_ctx *ctx);

#endif /* __SPTE_JSON_H */
