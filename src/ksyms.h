/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel symbols from /proc/kallsyms, module symbols included. */
#ifndef __SPTE_KSYMS_H
#define __SPTE_KSYMS_H

#include <linux/types.h>
#include <stddef.h>

struct ksyms;

struct ksym {
	__u64 addr;
	const char *name;
	const char *module; /* NULL for vmlinux */
};

/* NULL with errno set on failure. */
struct ksyms *ksyms__load(const char *path);
void ksyms__free(struct ksyms *ks);

/* The symbol containing @addr, or NULL. */
const struct ksym *ksyms__find(const struct ksyms *ks, __u64 addr);
/* The symbol named @name (first match), or NULL. */
const struct ksym *ksyms__find_name(const struct ksyms *ks, const char *name);
/* True when kallsyms hid the addresses (kptr_restrict): all are zero. */
int ksyms__restricted(const struct ksyms *ks);

#endif /* __SPTE_KSYMS_H */
