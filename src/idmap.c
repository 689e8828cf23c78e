// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "idmap.h"

static size_t key_hash(__u64 key, size_t cap)
{
	/* Kernel pointers and ids share their low bits; mix before masking. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key & (cap - 1);
}

static size_t slot(const struct idmap *m, __u64 key)
{
	size_t i = key_hash(key, m->cap);

	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

__u32 *idmap__get(const struct idmap *m, __u64 key)
{
	size_t i;

	if (!m->cap || !key)
		return NULL;
	i = slot(m, key);
	return m->keys[i] ? &m->vals[i] : NULL;
}

static int grow(struct idmap *m)
{
	struct idmap n = { .cap = m->cap ? m->cap * 2 : 64 };
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
		j = slot(&n, m->keys[i]);
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
	}
	n.count = m->count;
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

int idmap__put(struct idmap *m, __u64 key, __u32 val)
{
	__u32 *v = idmap__get(m, key);
	size_t i;

	if (!key)
		return -EINVAL;
	if (v) {
		*v = val;
		return 0;
	}
	if ((m->count + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	i = slot(m, key);
	m->keys[i] = key;
	m->vals[i] = val;
	m->count++;
	return 0;
}

void idmap__free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->count = 0;
}
