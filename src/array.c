// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

void array__init(struct array *a, size_t elem)
{
	memset(a, 0, sizeof(*a));
	a->elem = elem;
}

void array__free(struct array *a)
{
	free(a->data);
	a->data = NULL;
	a->count = a->cap = 0;
}

int array__reserve(struct array *a, size_t n)
{
	size_t cap = a->cap ? a->cap : 16;
	void *p;

	if (n <= a->cap)
		return 0;
	while (cap < n) {
		if (cap > ((size_t)-1) / 2 / a->elem)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(a->data, cap * a->elem);
	if (!p)
		return -ENOMEM;
	a->data = p;
	a->cap = cap;
	return 0;
}

void *array__push(struct array *a)
{
	void *slot;

	if (a->count == a->cap && array__reserve(a, a->count + 1))
		return NULL;
	slot = array__at(a, a->count++);
	memset(slot, 0, a->elem);
	return slot;
}
