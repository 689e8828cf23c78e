/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable array of fixed-size elements: the one grow-by-doubling helper
 * of the daemon.  Zero-initialised with array__init(); array__push() returns
 * a zeroed slot at the end or NULL when memory runs out.
 */
#ifndef __SPTE_ARRAY_H
#define __SPTE_ARRAY_H

#include <stddef.h>

struct array {
	void *data;
	size_t elem;	/* bytes per element */
	size_t count;
	size_t cap;
};

void array__init(struct array *a, size_t elem);
void array__free(struct array *a);
void *array__push(struct array *a);
/* Make room for @n elements in all; 0 or -ENOMEM. */
int array__reserve(struct array *a, size_t n);

static inline void *array__at(const struct array *a, size_t i)
{
	return (char *)a->data + i * a->elem;
}

#endif /* __SPTE_ARRAY_H */
