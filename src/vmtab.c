// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "vmtab.h"

/* Open addressing over non-zero u64 keys; never deletes. */
#define IDX_FOLDED UINT32_MAX /* own map: the key's new VM overflowed */
struct keymap {
	__u64 *keys;
	__u32 *vals;
	size_t cap; /* power of two, or 0 */
	size_t count;
};

struct vmtab {
	struct vm_entry *entries;
	size_t count;
	size_t limit;
	struct vm_entry other;
	struct keymap own; /* key -> index in entries */
	struct keymap overflow; /* keys folded into "other" */
	bool saturated;
	vmtab_comm_fn comm_fn;
	void *comm_arg;
};

static size_t key_hash(__u64 key, size_t cap)
{
	/* Kernel pointers share their low bits; mix before masking. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key & (cap - 1);
}

static size_t keymap_slot(const struct keymap *m, __u64 key)
{
	size_t i = key_hash(key, m->cap);

	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static __u32 *keymap_get(const struct keymap *m, __u64 key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = keymap_slot(m, key);
	return m->keys[i] ? &m->vals[i] : NULL;
}

static int keymap_grow(struct keymap *m)
{
	struct keymap n = { .cap = m->cap ? m->cap * 2 : 64 };
	size_t i, j;

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		j = keymap_slot(&n, m->keys[i]);
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
	}
	n.count = m->count;
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

/* Insert or overwrite; keeps the load factor under 1/2. */
static int keymap_put(struct keymap *m, __u64 key, __u32 val)
{
	__u32 *v = keymap_get(m, key);
	size_t i;

	if (v) {
		*v = val;
		return 0;
	}
	if ((m->count + 1) * 2 > m->cap && keymap_grow(m))
		return -ENOMEM;
	i = keymap_slot(m, key);
	m->keys[i] = key;
	m->vals[i] = val;
	m->count++;
	return 0;
}

static void keymap_free(struct keymap *m)
{
	free(m->keys);
	free(m->vals);
}

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
	keymap_free(&t->own);
	keymap_free(&t->overflow);
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
	if (keymap_get(&t->overflow, key) || t->saturated)
		return &t->other;
	if (t->overflow.count >= VMTAB_OVERFLOW_TRACKED ||
	    keymap_put(&t->overflow, key, 1))
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
	if (keymap_put(&t->own, key, t->count))
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
	idx = keymap_get(&t->own, key);
	if (!idx)
		return keymap_get(&t->overflow, key) ?
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
	__u32 *idx = key ? keymap_get(&t->own, key) : NULL;

	return idx && *idx != IDX_FOLDED ? &t->entries[*idx] : NULL;
}

const struct vm_entry *vmtab__lookup(const struct vmtab *t, __u64 key)
{
	const struct vm_entry *e = vmtab__find(t, key);

	if (e || !key)
		return e;
	if (keymap_get(&t->own, key))
		return &t->other;
	/* Once saturated, unknown keys may be folded ones we lost track of. */
	return keymap_get(&t->overflow, key) || t->saturated ? &t->other : NULL;
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
