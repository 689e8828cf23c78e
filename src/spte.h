/* SPDX-License-Identifier: GPL-2.0 */
/* Decoding SPTE values for people: what a raw 64-bit value means. */
#ifndef __SPTE_SPTE_H
#define __SPTE_SPTE_H

#include <stddef.h>
#include "spte_trace.h"

void spte_config__default(struct spte_config *c);

/*
 * Describe @spte at @level, e.g. "pfn 0x1a2b3 4K rwx AD" or
 * "removed (0x5a0)".  Always NUL-terminates; returns @buf.
 */
char *spte__describe(const struct spte_config *c, __u64 spte, __u32 level,
		     char *buf, size_t len);

#endif /* __SPTE_SPTE_H */
