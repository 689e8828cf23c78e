/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growing map from non-zero 64-bit keys to 32-bit values (indices into
 * an array the caller keeps): open addressing, load factor under 1/2,
 * never deletes.  src/htab.h is the other table, with BPF maps' fixed
 * capacity; this one is for userspace indexes that grow with their input
 * (VMs in src/vmtab.c, stacks in src/stacks.c).  docs/libraries.md says
 * why neither is a library's.
 */
#ifndef __SPTE_IDMAP_H
#define __SPTE_IDMAP_H

#include <stddef.h>
#include <linux/types.h>

struct idmap {
	__u64 *keys;
	__u32 *vals;
	size_t cap; /* power of two, or 0 */
	size_t count;
};

#define IDMAP_INIT \
	{          \
		0  \
	}

/* The value of @key, or NULL. */
__u32 *idmap__get(const struct idmap *m, __u64 key);
/* Insert or overwrite (@key != 0).  0 or -ENOMEM. */
int idmap__put(struct idmap *m, __u64 key, __u32 val);
void idmap__free(struct idmap *m);

#endif /* __SPTE_IDMAP_H */
