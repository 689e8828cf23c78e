/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stacks by id: read from the BPF stack map (live) or from a
 * recording, symbolized once, then used by violation reports, flame graphs
 * and recordings alike.
 */
#ifndef __SPTE_STACKS_H
#define __SPTE_STACKS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct ksyms;
struct stack_table;

struct stack_frame {
	__u64 ip;
	char *sym; /* "func", or "0x<ip>" when unknown */
	char *module; /* NULL for vmlinux */
	__u64 offset;
};

struct stack {
	__s32 id;
	size_t depth; /* frames[0] is the innermost (leaf) */
	struct stack_frame *frames;
};

/* Stacks kept at most: a recording cannot make the table grow past it. */
#define STACK_TABLE_MAX (1U << 20)

struct stack_table *stack_table__new(const struct ksyms *ks);
void stack_table__free(struct stack_table *st);

/* Remember stack @id made of @ips (innermost first, zero-terminated or n). */
int stack_table__add_ips(struct stack_table *st, __s32 id, const __u64 *ips,
			 size_t n);
/* Remember stack @id with already symbolized frames (from a recording). */
int stack_table__add_frames(struct stack_table *st, __s32 id,
			    const struct stack_frame *frames, size_t n);
/* Fetch stack @id from a BPF stack map unless it is known already. */
int stack_table__fetch(struct stack_table *st, int map_fd, __s32 id);

const struct stack *stack_table__get(const struct stack_table *st, __s32 id);

/*
 * True for a frame of the tracer itself (BPF programs, tracepoint,
 * trampoline and kprobe machinery): stacks drop the innermost run of them.
 */
bool stack__is_tracer_frame(const char *sym, const char *module);

/* "func+0x1a [kvm]" */
int stack_frame__format(const struct stack_frame *fr, char *buf, size_t len);

#endif /* __SPTE_STACKS_H */
