/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-capacity hash tables for the userspace instance of the protocol
 * (src/engine.c).  They behave like the BPF maps they stand in for: a plain
 * table refuses an insert when full (-E2BIG), an LRU table evicts its least
 * recently used entry instead.
 */
#ifndef __SPTE_HTAB_H
#define __SPTE_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htab;

struct htab *htab__new(size_t key_size, size_t value_size, size_t capacity,
		       bool lru);
void htab__free(struct htab *h);

/* Returns the value, or NULL.  In an LRU table, marks the entry used. */
void *htab__lookup(struct htab *h, const void *key);
/* 0, or -E2BIG when a plain table is full. */
int htab__update(struct htab *h, const void *key, const void *value);
/* 0, or -ENOENT. */
int htab__delete(struct htab *h, const void *key);

/*
 * Iteration: start with *cursor = 0; returns false at the end.  Deleting the
 * entry just returned is allowed.
 */
bool htab__next(struct htab *h, size_t *cursor, void **key, void **value);

#endif /* __SPTE_HTAB_H */
