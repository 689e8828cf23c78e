/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol monitor in userspace: bpf/protocol.h compiled against
 * userspace tables.  `spte-trace report` feeds recordings and ftrace text
 * through it, and the unit tests drive it directly.
 */
#ifndef __SPTE_ENGINE_H
#define __SPTE_ENGINE_H

#include <stddef.h>
#include "snapshot.h"

struct engine;

typedef void (*engine_violation_fn)(void *arg, const struct violation *v);
typedef void (*engine_site_fn)(void *arg, __u32 kind, __s32 stack_id,
			       __u64 count);

/* The capacities of SPTE_MAP_LIMITS (bpf/spte_trace.h), the one default. */
void spte_limits__default(struct spte_limits *lim);

/* NULL with errno ENOMEM when the tables cannot be allocated. */
struct engine *engine__new(const struct spte_config *cfg,
			   const struct spte_limits *lim);
void engine__free(struct engine *e);

void engine__on_violation(struct engine *e, engine_violation_fn fn, void *arg);
/* Feed one event, in time order. */
void engine__feed(struct engine *e, const struct event *ev);
/*
 * Forget what the sweeper forgets (src/sweep.h) as of @now_ns (the events'
 * clock); @ttl_ns 0 = nothing expires.  0 or -ENOMEM.
 */
int engine__sweep(struct engine *e, __u64 now_ns, __u64 ttl_ns);
void engine__snapshot(const struct engine *e, struct snapshot *snap);
void engine__for_each_site(const struct engine *e, engine_site_fn fn,
			   void *arg);

#endif /* __SPTE_ENGINE_H */
