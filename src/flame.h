/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flame graphs of where SPTEs are zapped, reinstalled and reinstalled too
 * early: --folded FILE writes folded stacks, one "root;...;leaf count" line
 * per distinct stack (the input of flamegraph.pl, inferno and speedscope);
 * --svg FILE draws an interactive flame graph itself (src/flame_svg.c).
 *
 * The first frame of every stack says what it counts, so one file holds
 * all kinds and each can be searched or zoomed:
 *   [zap]                      stacks that zapped a present SPTE
 *   [install]                  stacks that installed one
 *   [violation]                installs that broke the protocol (from sites)
 *   [violation:<class>]        the same, by class (from violation records)
 * Frames are kernel symbols, "func" or "func [module]", outermost first.
 */
#ifndef __SPTE_FLAME_H
#define __SPTE_FLAME_H

#include <stdio.h>
#include "spte_trace.h"

struct flame;
struct stack_frame;
struct stack_table;

struct flame_svg_opts {
	const char *title; /* NULL: "spte-trace" */
	const char *subtitle; /* NULL: none */
	unsigned int width; /* px; 0: 1200 */
};

/* @st symbolizes stack ids; it must outlive every flame__add*() call. */
struct flame *flame__new(const struct stack_table *st);
void flame__free(struct flame *f);

/* @count samples of stack @stack_id under the frame @root. */
int flame__add(struct flame *f, const char *root, __s32 stack_id, __u64 count);
/* A site count, from engine__for_each_site() or monitor__for_each_site(). */
int flame__add_site(struct flame *f, __u32 kind, __s32 stack_id, __u64 count);
/* One violation record, under "[violation:<class>]", by its install stack. */
int flame__add_violation(struct flame *f, const struct violation *v);
/* One folded line "a;b;c 12" (to redraw a folded file as SVG). */
int flame__add_folded(struct flame *f, const char *line);

/* Sorted, merged folded lines.  0 or -errno. */
int flame__write_folded(struct flame *f, FILE *out);
int flame__write_svg(struct flame *f, FILE *out,
		     const struct flame_svg_opts *opts);
/* Total samples and distinct stacks, after merging. */
__u64 flame__total(struct flame *f);
size_t flame__stacks(struct flame *f);
/* Merged sample @i: its path, and its count in *@count; NULL past the end. */
const char *flame__path(struct flame *f, size_t i, __u64 *count);

/* A frame's name with ';' and control characters replaced. */
void flame__frame_name(const struct stack_frame *fr, char *buf, size_t len);
void flame__sanitize(char *s);

#endif /* __SPTE_FLAME_H */
