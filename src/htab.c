// SPDX-License-Identifier: GPL-2.0
/*
 * Chained hash table over a preallocated node array, like the kernel's
 * preallocated BPF hash maps.  Nodes are on one intrusive list ordered by
 * use (most recent first), which gives the LRU variant its victim.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

#define NIL ((uint32_t)-1)

struct node {
	uint32_t next; /* bucket chain, or free list */
	uint32_t prev_use; /* use list */
	uint32_t next_use;
	uint32_t bucket;
	bool used;
};

struct htab {
	size_t key_size;
	size_t value_size;
	size_t key_stride; /* key_size rounded up: values are 8-byte aligned */
	size_t node_size; /* key_stride + value_size, rounded up likewise */
	size_t capacity;
	size_t count;
	uint64_t evictions;
	bool lru;
	uint32_t nbuckets; /* power of two */
	uint32_t *buckets;
	struct node *nodes;
	unsigned char *data; /* capacity * node_size */
	uint32_t free_head;
	uint32_t use_head; /* most recently used */
	uint32_t use_tail; /* least recently used */
};

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static unsigned char *node_key(const struct htab *h, uint32_t i)
{
	return h->data + (size_t)i * h->node_size;
}

static unsigned char *node_value(const struct htab *h, uint32_t i)
{
	return node_key(h, i) + h->key_stride;
}

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

struct htab *htab__new(size_t key_size, size_t value_size, size_t capacity,
		       bool lru)
{
	struct htab *h;
	uint32_t i;

	if (!key_size || !capacity || capacity >= NIL / 2)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->key_size = key_size;
	h->value_size = value_size;
	h->key_stride = ALIGN8(key_size);
	h->node_size = ALIGN8(h->key_stride + value_size);
	h->capacity = capacity;
	h->lru = lru;
	h->nbuckets = 1;
	while (h->nbuckets < capacity)
		h->nbuckets <<= 1;
	h->buckets = malloc(sizeof(*h->buckets) * h->nbuckets);
	h->nodes = calloc(capacity, sizeof(*h->nodes));
	h->data = calloc(capacity, h->node_size);
	if (!h->buckets || !h->nodes || !h->data) {
		htab__free(h);
		return NULL;
	}
	for (i = 0; i < h->nbuckets; i++)
		h->buckets[i] = NIL;
	for (i = 0; i < capacity; i++)
		h->nodes[i].next = i + 1 < capacity ? i + 1 : NIL;
	h->free_head = 0;
	h->use_head = h->use_tail = NIL;
	return h;
}

void htab__free(struct htab *h)
{
	if (!h)
		return;
	free(h->buckets);
	free(h->nodes);
	free(h->data);
	free(h);
}

static void use_unlink(struct htab *h, uint32_t i)
{
	struct node *n = &h->nodes[i];

	if (n->prev_use != NIL)
		h->nodes[n->prev_use].next_use = n->next_use;
	else
		h->use_head = n->next_use;
	if (n->next_use != NIL)
		h->nodes[n->next_use].prev_use = n->prev_use;
	else
		h->use_tail = n->prev_use;
}

static void use_push_front(struct htab *h, uint32_t i)
{
	struct node *n = &h->nodes[i];

	n->prev_use = NIL;
	n->next_use = h->use_head;
	if (h->use_head != NIL)
		h->nodes[h->use_head].prev_use = i;
	h->use_head = i;
	if (h->use_tail == NIL)
		h->use_tail = i;
}

static uint32_t find(const struct htab *h, const void *key, uint32_t bucket)
{
	uint32_t i;

	for (i = h->buckets[bucket]; i != NIL; i = h->nodes[i].next)
		if (!memcmp(node_key(h, i), key, h->key_size))
			return i;
	return NIL;
}

static uint32_t bucket_of(const struct htab *h, const void *key)
{
	return hash_bytes(key, h->key_size) & (h->nbuckets - 1);
}

void *htab__lookup(struct htab *h, const void *key)
{
	uint32_t i = find(h, key, bucket_of(h, key));

	if (i == NIL)
		return NULL;
	if (h->lru) {
		use_unlink(h, i);
		use_push_front(h, i);
	}
	return node_value(h, i);
}

static void remove_node(struct htab *h, uint32_t i)
{
	struct node *n = &h->nodes[i];
	uint32_t *link = &h->buckets[n->bucket];

	while (*link != i)
		link = &h->nodes[*link].next;
	*link = n->next;
	use_unlink(h, i);
	n->used = false;
	n->next = h->free_head;
	h->free_head = i;
	h->count--;
}

int htab__update(struct htab *h, const void *key, const void *value)
{
	uint32_t bucket = bucket_of(h, key);
	uint32_t i = find(h, key, bucket);

	if (i != NIL) {
		memcpy(node_value(h, i), value, h->value_size);
		use_unlink(h, i);
		use_push_front(h, i);
		return 0;
	}
	if (h->free_head == NIL) {
		if (!h->lru)
			return -E2BIG;
		remove_node(h, h->use_tail);
		h->evictions++;
	}
	i = h->free_head;
	h->free_head = h->nodes[i].next;
	h->nodes[i].used = true;
	h->nodes[i].bucket = bucket;
	h->nodes[i].next = h->buckets[bucket];
	h->buckets[bucket] = i;
	use_push_front(h, i);
	memcpy(node_key(h, i), key, h->key_size);
	memcpy(node_value(h, i), value, h->value_size);
	h->count++;
	return 0;
}

int htab__delete(struct htab *h, const void *key)
{
	uint32_t i = find(h, key, bucket_of(h, key));

	if (i == NIL)
		return -ENOENT;
	remove_node(h, i);
	return 0;
}

bool htab__next(struct htab *h, size_t *cursor, void **key, void **value)
{
	while (*cursor < h->capacity) {
		uint32_t i = (*cursor)++;

		if (!h->nodes[i].used)
			continue;
		*key = node_key(h, i);
		if (value)
			*value = node_value(h, i);
		return true;
	}
	return false;
}
