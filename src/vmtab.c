// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idmap.h"
#include "proc.h"
#include "vmtab.h"

#define IDX_FOLDED UINT32_MAX /* own map: the key's new VM overflowed */

struct vmtab {
	struct vm_entry *entries;
	size_t count;
	size_t limit;
	struct vm_entry other;
	struct idmap own; /* key -> index in entries */
	struct idmap overflow; /* keys folded into "other" */
	bool saturated;
	vmtab_comm_fn comm_fn;
	void *comm_arg;
};

static int host_comm(void *arg, __u32 pid, char *comm)
{
	return proc_comm(pid, comm, COMM_LEN);
}

struct vmtab *vmtab__new(size_t limit)
{
	struct vmtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->limit = limit;
	t->entries = calloc(limit ? limit : 1, sizeof(*t->entries));
	if (!t->entries) {
		free(t);
		return NULL;
	}
	snprintf(t->other.label, sizeof(t->other.label), "%s",
		 VMTAB_OTHER_LABEL);
	t->comm_fn = host_comm;
	return t;
}

void vmtab__free(struct vmtab *t)
{
	if (!t)
		return;
	idmap__free(&t->own);
	idmap__free(&t->overflow);
	free(t->entries);
	free(t);
}

void vmtab__set_comm_fn(struct vmtab *t, vmtab_comm_fn fn, void *arg)
{
	t->comm_fn = fn;
	t->comm_arg = arg;
}

static void make_label(const struct vmtab *t, struct vm_entry *e)
{
	size_t i, same = 0;

	if (!e->pid) {
		snprintf(e->label, sizeof(e->label), "vm%zu", t->count + 1);
		return;
	}
	for (i = 0; i < t->count; i++)
		same += t->entries[i].pid == e->pid;
	if (same)
		snprintf(e->label, sizeof(e->label), "%u.%zu", e->pid,
			 same + 1);
	else
		snprintf(e->label, sizeof(e->label), "%u", e->pid);
}

static void set_comm(struct vmtab *t, struct vm_entry *e, const char *comm)
{
	if (comm)
		snprintf(e->comm, sizeof(e->comm), "%s", comm);
	else if (e->pid && t->comm_fn &&
		 t->comm_fn(t->comm_arg, e->pid, e->comm))
		e->comm[0] = '\0';
}

static struct vm_entry *fold_into_other(struct vmtab *t, __u64 key)
{
	if (idmap__get(&t->overflow, key) || t->saturated)
		return &t->other;
	if (t->overflow.count >= VMTAB_OVERFLOW_TRACKED ||
	    idmap__put(&t->overflow, key, 1))
		t->saturated = true;
	return &t->other;
}

static struct vm_entry *add_entry(struct vmtab *t, __u64 key, __u32 pid,
				  const char *comm)
{
	struct vm_entry *e;

	if (t->count >= t->limit)
		return fold_into_other(t, key);
	e = &t->entries[t->count];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->pid = pid;
	set_comm(t, e, comm);
	make_label(t, e);
	if (idmap__put(&t->own, key, t->count))
		return NULL;
	t->count++;
	return e;
}

struct vm_entry *vmtab__note(struct vmtab *t, __u64 key, __u32 pid,
			     const char *comm)
{
	__u32 *idx;
	struct vm_entry *e;

	if (!key)
		return NULL;
	idx = idmap__get(&t->own, key);
	if (!idx)
		return idmap__get(&t->overflow, key) ?
			       &t->other :
			       add_entry(t, key, pid, comm);
	if (*idx == IDX_FOLDED)
		return &t->other;
	e = &t->entries[*idx];
	if (pid && e->pid && pid != e->pid) {
		/* A new VM at a freed VM's address. */
		if (t->count < t->limit)
			return add_entry(t, key, pid, comm);
		*idx = IDX_FOLDED;
		return fold_into_other(t, key);
	}
	if (pid && !e->pid) {
		/* The label stays: a series must not change its name. */
		e->pid = pid;
		set_comm(t, e, comm);
	}
	return e;
}

void vmtab__add_violation(struct vmtab *t, const struct violation *v)
{
	struct vm_entry *e = vmtab__note(t, v->vm, v->pid, NULL);

	if (e && v->kind < VK_MAX)
		e->violations[v->kind]++;
}

void vmtab__add_events(struct vmtab *t, __u64 key, __u32 pid, __u64 n)
{
	struct vm_entry *e = vmtab__note(t, key, pid, NULL);

	if (e)
		e->events += n;
}

const struct vm_entry *vmtab__find(const struct vmtab *t, __u64 key)
{
	__u32 *idx = key ? idmap__get(&t->own, key) : NULL;

	return idx && *idx != IDX_FOLDED ? &t->entries[*idx] : NULL;
}

const struct vm_entry *vmtab__lookup(const struct vmtab *t, __u64 key)
{
	const struct vm_entry *e = vmtab__find(t, key);

	if (e || !key)
		return e;
	if (idmap__get(&t->own, key))
		return &t->other;
	/* Once saturated, unknown keys may be folded ones we lost track of. */
	return idmap__get(&t->overflow, key) || t->saturated ? &t->other : NULL;
}

size_t vmtab__count(const struct vmtab *t)
{
	return t->count;
}

const struct vm_entry *vmtab__at(const struct vmtab *t, size_t i)
{
	return i < t->count ? &t->entries[i] : NULL;
}

const struct vm_entry *vmtab__other(const struct vmtab *t)
{
	return &t->other;
}

size_t vmtab__limit(const struct vmtab *t)
{
	return t->limit;
}

__u64 vmtab__overflowed(const struct vmtab *t)
{
	return t->overflow.count;
}

bool vmtab__overflow_saturated(const struct vmtab *t)
{
	return t->saturated;
}
