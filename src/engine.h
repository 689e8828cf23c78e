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

struct engine_limits {
	size_t max_sptes; /* LRU, like the spte_state map */
	size_t max_pending;
	size_t max_vms;
	size_t max_inflight;
	size_t max_sites;
};

typedef void (*engine_violation_fn)(void *arg, const struct violation *v);
typedef void (*engine_site_fn)(void *arg, __u32 kind, __s32 stack_id,
			       __u64 count);

void engine_limits__default(struct engine_limits *lim);

struct engine *engine__new(const struct spte_config *cfg,
			   const struct engine_limits *lim);
void engine__free(struct engine *e);

void engine__on_violation(struct engine *e, engine_violation_fn fn, void *arg);
/* Feed one event, in time order. */
void engine__feed(struct engine *e, const struct event *ev);
/* Drop pending zaps a flush covers, and those older than ttl_ns (0: never). */
void engine__sweep(struct engine *e, __u64 now_ns, __u64 ttl_ns);
void engine__snapshot(const struct engine *e, struct snapshot *snap);
void engine__for_each_site(const struct engine *e, engine_site_fn fn,
			   void *arg);

#endif /* __SPTE_ENGINE_H */
