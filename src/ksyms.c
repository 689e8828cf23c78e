// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

struct ksyms {
	struct ksym *syms;
	size_t count;
	size_t cap;
	char *strs; /* all names and modules, NUL separated */
	size_t strs_len;
	size_t strs_cap;
	int restricted;
};

static long add_str(struct ksyms *ks, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (ks->strs_len + n > ks->strs_cap) {
		size_t cap = ks->strs_cap ? ks->strs_cap * 2 : 1 << 20;

		while (cap < ks->strs_len + n)
			cap *= 2;
		p = realloc(ks->strs, cap);
		if (!p)
			return -1;
		ks->strs = p;
		ks->strs_cap = cap;
	}
	memcpy(ks->strs + ks->strs_len, s, n);
	ks->strs_len += n;
	return ks->strs_len - n;
}

/* Names are stored as offsets while the string buffer may move. */
static int add_sym(struct ksyms *ks, __u64 addr, const char *name,
		   const char *module)
{
	long name_off, mod_off = -1;
	struct ksym *p;

	if (ks->count == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 65536;

		p = realloc(ks->syms, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ks->syms = p;
		ks->cap = cap;
	}
	name_off = add_str(ks, name);
	if (module)
		mod_off = add_str(ks, module);
	if (name_off < 0 || (module && mod_off < 0))
		return -ENOMEM;
	ks->syms[ks->count++] = (struct ksym){
		.addr = addr,
		.name = (const char *)(long)name_off,
		.module = (const char *)mod_off,
	};
	return 0;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void finish(struct ksyms *ks)
{
	size_t i;

	for (i = 0; i < ks->count; i++) {
		long name = (long)ks->syms[i].name,
		     mod = (long)ks->syms[i].module;

		ks->syms[i].name = ks->strs + name;
		ks->syms[i].module = mod >= 0 ? ks->strs + mod : NULL;
	}
	qsort(ks->syms, ks->count, sizeof(*ks->syms), cmp_addr);
}

static int parse_line(struct ksyms *ks, char *line)
{
	char type, name[256], module[64];
	unsigned long long addr;
	int n;

	module[0] = '\0';
	n = sscanf(line, "%llx %c %255s [%63[^]]]", &addr, &type, name, module);
	if (n < 3)
		return 0;
	/* Text symbols only: stacks hold code addresses. */
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	if (addr)
		ks->restricted = 0;
	return add_sym(ks, addr, name, module[0] ? module : NULL);
}

struct ksyms *ksyms__load(const char *path)
{
	struct ksyms *ks;
	char line[512];
	int err = 0;
	FILE *f;

	f = fopen(path ? path : "/proc/kallsyms", "r");
	if (!f)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	ks->restricted = 1;
	while (!err && fgets(line, sizeof(line), f))
		err = parse_line(ks, line);
	fclose(f);
	if (err) {
		ksyms__free(ks);
		errno = -err;
		return NULL;
	}
	finish(ks);
	return ks;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strs);
	free(ks);
}

const struct ksym *ksyms__find(const struct ksyms *ks, __u64 addr)
{
	size_t lo = 0, hi = ks->count;

	if (!ks->count || addr < ks->syms[0].addr)
		return NULL;
	/* The last symbol whose address is <= addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &ks->syms[lo];
}

const struct ksym *ksyms__find_name(const struct ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->count; i++)
		if (!strcmp(ks->syms[i].name, name))
			return &ks->syms[i];
	return NULL;
}

int ksyms__restricted(const struct ksyms *ks)
{
	return ks->restricted;
}
