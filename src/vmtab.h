/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-VM accounting with bounded cardinality.  The first @limit VMs seen
 * get their own entry (and their own Prometheus series); every later VM is
 * folded into one "other" entry and counted as overflowed, so a host that
 * churns through VMs cannot grow the exposition without bound.
 *
 * VMs are told apart by the monitor's VM key (struct kvm * or mm), which
 * is a kernel address and is therefore never used as a label: labels are
 * the VMM's pid ("1234", "1234.2" for a second VM in the same process) or
 * "vm<N>" when the pid is unknown.
 */
#ifndef __SPTE_VMTAB_H
#define __SPTE_VMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include "spte_trace.h"

#define VMTAB_OTHER_LABEL "other"
#define VMTAB_LABEL_LEN 24

struct vmtab;

struct vm_entry {
	__u64 key; /* 0 for "other" */
	__u32 pid; /* 0 = unknown */
	char comm[COMM_LEN]; /* "" = unknown */
	char label[VMTAB_LABEL_LEN];
	__u64 violations[VK_MAX]; /* violation records, by kind */
	__u64 events; /* SPTE events the daemon counted */
};

/* Fill @comm (COMM_LEN bytes) for @pid; return 0 or -errno. */
typedef int (*vmtab_comm_fn)(void *arg, __u32 pid, char *comm);

/* @limit: how many VMs get their own entry (0: all go to "other"). */
struct vmtab *vmtab__new(size_t limit);
void vmtab__free(struct vmtab *t);
/* Replace the /proc/PID/comm lookup (tests, replays of other hosts). */
void vmtab__set_comm_fn(struct vmtab *t, vmtab_comm_fn fn, void *arg);

/*
 * The entry for VM @key, created if new; "other" when over the limit;
 * NULL for key 0 (no VM identity) or on ENOMEM.  A known key seen with a
 * different non-zero pid is a new VM that reuses the address.  @comm may
 * be NULL: it is then looked up once from @pid.
 */
struct vm_entry *vmtab__note(struct vmtab *t, __u64 key, __u32 pid,
			     const char *comm);
void vmtab__add_violation(struct vmtab *t, const struct violation *v);
void vmtab__add_events(struct vmtab *t, __u64 key, __u32 pid, __u64 n);

/* The VM's own entry, or NULL if it overflowed or was never seen. */
const struct vm_entry *vmtab__find(const struct vmtab *t, __u64 key);
/* The entry @key's counts go to: its own, "other", or NULL if unseen. */
const struct vm_entry *vmtab__lookup(const struct vmtab *t, __u64 key);

size_t vmtab__count(const struct vmtab *t); /* own entries */
const struct vm_entry *vmtab__at(const struct vmtab *t, size_t i);
const struct vm_entry *vmtab__other(const struct vmtab *t);
size_t vmtab__limit(const struct vmtab *t);
/*
 * Distinct VMs folded into "other".  Exact up to VMTAB_OVERFLOW_TRACKED
 * keys; beyond that a lower bound, flagged by vmtab__overflow_saturated().
 */
#define VMTAB_OVERFLOW_TRACKED 65536
__u64 vmtab__overflowed(const struct vmtab *t);
bool vmtab__overflow_saturated(const struct vmtab *t);

#endif /* __SPTE_VMTAB_H */
