// SPDX-License-Identifier: GPL-2.0
/*
 * The environment of bpf/protocol.h in userspace: the same state machine the
 * BPF programs run, over src/htab.c tables instead of BPF maps, for
 * `spte-trace report` and the tests.  Tables have the capacities of the BPF
 * maps they stand in for (struct spte_limits) and behave like them when
 * full: the LRU one evicts, the others refuse.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "htab.h"
#include "sweep.h"

struct env {
	struct spte_config cfg;
	struct stats stats;
	struct hists hists;
	struct sweep_stats sweep;
	struct violation vbuf;
	struct pending_zap pview;
	struct htab *state;
	struct htab *pending;
	struct htab *vms;
	struct htab *dead_vms;
	struct htab *inflight;
	struct htab *teardown;
	struct htab *removals;
	struct htab *holders;
	struct htab *tables;
	struct htab *sites;
	engine_violation_fn on_violation;
	void *arg;
};

static const struct spte_config *env_cfg(struct env *env)
{
	return &env->cfg;
}

static struct stats *env_stats(struct env *env)
{
	return &env->stats;
}

static struct hists *env_hists(struct env *env)
{
	return &env->hists;
}

static struct spte_state *env_state_lookup(struct env *env,
					   const struct spte_key *key)
{
	return htab__lookup(env->state, key);
}

static int env_state_update(struct env *env, const struct spte_key *key,
			    const struct spte_state *val)
{
	return htab__update(env->state, key, val);
}

static void env_state_delete(struct env *env, const struct spte_key *key)
{
	htab__delete(env->state, key);
}

static struct pending_zap *env_pending_lookup(struct env *env,
					      const struct spte_key *key)
{
	return htab__lookup(env->pending, key);
}

static int env_pending_update(struct env *env, const struct spte_key *key,
			      const struct pending_zap *val)
{
	return htab__update(env->pending, key, val);
}

static void env_pending_delete(struct env *env, const struct spte_key *key)
{
	htab__delete(env->pending, key);
}

static struct vm_state *env_vm_lookup(struct env *env, __u64 vm)
{
	return htab__lookup(env->vms, &vm);
}

static struct vm_state *env_vm_create(struct env *env, __u64 vm, __u32 pid,
				      __u64 now)
{
	struct vm_state init = { .pid = pid, .first_seen_ns = now };

	if (htab__update(env->vms, &vm, &init))
		return NULL;
	return htab__lookup(env->vms, &vm);
}

static void env_vm_bury(struct env *env, __u64 vm)
{
	__u8 one = 1;

	htab__update(env->dead_vms, &vm, &one);
	htab__delete(env->vms, &vm);
}

static bool env_vm_is_dead(struct env *env, __u64 vm)
{
	return htab__lookup(env->dead_vms, &vm) != NULL;
}

static struct inflight_flush *env_inflight_lookup(struct env *env,
						  const struct inflight_key *k)
{
	return htab__lookup(env->inflight, k);
}

static int env_inflight_update(struct env *env, const struct inflight_key *k,
			       const struct inflight_flush *val)
{
	return htab__update(env->inflight, k, val);
}

static void env_inflight_delete(struct env *env, const struct inflight_key *k)
{
	htab__delete(env->inflight, k);
}

static __u64 *env_teardown_lookup(struct env *env, __u32 tid)
{
	return htab__lookup(env->teardown, &tid);
}

static void env_teardown_update(struct env *env, __u32 tid, const __u64 *vm)
{
	htab__update(env->teardown, &tid, vm);
}

static struct removal_ctx *env_removal_lookup(struct env *env, __u32 tid)
{
	return htab__lookup(env->removals, &tid);
}

static void env_removal_update(struct env *env, __u32 tid,
			       const struct removal_ctx *r)
{
	htab__update(env->removals, &tid, r);
}

static void env_teardown_delete(struct env *env, __u32 tid)
{
	htab__delete(env->teardown, &tid);
}

static struct holder *env_holder_lookup(struct env *env,
					const struct holder_key *key)
{
	return htab__lookup(env->holders, key);
}

static struct holder *env_holder_create(struct env *env,
					const struct holder_key *key)
{
	static const struct holder empty;

	if (htab__update(env->holders, key, &empty))
		return NULL;
	return htab__lookup(env->holders, key);
}

static struct removed_table *env_table_lookup(struct env *env, __u64 pfn)
{
	return htab__lookup(env->tables, &pfn);
}

static int env_table_update(struct env *env, __u64 pfn,
			    const struct removed_table *t)
{
	return htab__update(env->tables, &pfn, t);
}

static void env_table_delete(struct env *env, __u64 pfn)
{
	htab__delete(env->tables, &pfn);
}

static void env_site_add(struct env *env, __u32 kind, __s32 stack_id)
{
	struct site_key key = { .stack_id = stack_id, .kind = kind };
	__u64 one = 1, *cnt;

	if (stack_id < 0)
		return;
	cnt = htab__lookup(env->sites, &key);
	if (cnt)
		(*cnt)++;
	else if (htab__update(env->sites, &key, &one))
		env->stats.counters[CNT_SITES_FULL]++;
}

/* Replay has no kernel to ask: a violation gets the stack its event had. */
static __s32 env_stack(struct env *env, __s32 have)
{
	return have;
}

static __u32 env_launder(struct env *env, __u32 v)
{
	return v;
}

static struct pending_zap *env_pending_view(struct env *env)
{
	return &env->pview;
}

static struct violation *env_violation(struct env *env)
{
	return &env->vbuf;
}

static void env_report(struct env *env, const struct violation *v)
{
	if (env->on_violation)
		env->on_violation(env->arg, v);
}

static void env_loop(struct env *env, __u32 n, long (*fn)(__u32 i, void *data),
		     void *data)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (fn(i, data))
			break;
}

static __u64 env_fetch_add(__u64 *p, __u64 v)
{
	__u64 old = *p;

	*p += v;
	return old;
}

static void env_store_max(__u64 *p, __u64 v)
{
	if (*p < v)
		*p = v;
}

#include "protocol.h"

struct engine {
	struct env env;
};

void spte_limits__default(struct spte_limits *lim)
{
#define LIMIT_DEFAULT(name, def, opt, help) lim->name = def;
	SPTE_MAP_LIMITS(LIMIT_DEFAULT)
#undef LIMIT_DEFAULT
}

struct engine *engine__new(const struct spte_config *cfg,
			   const struct spte_limits *lim)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct env *env;

	if (!e)
		return NULL;
	env = &e->env;
	env->cfg = *cfg;
	env->state = htab__new(sizeof(struct spte_key),
			       sizeof(struct spte_state), lim->max_sptes, true);
	env->pending = htab__new(sizeof(struct spte_key),
				 sizeof(struct pending_zap), lim->max_pending,
				 false);
	env->vms = htab__new(sizeof(__u64), sizeof(struct vm_state),
			     lim->max_vms, false);
	env->dead_vms = htab__new(sizeof(__u64), sizeof(__u8), lim->max_vms,
				  true);
	env->inflight = htab__new(sizeof(struct inflight_key),
				  sizeof(struct inflight_flush),
				  lim->max_inflight, false);
	env->teardown = htab__new(sizeof(__u32), sizeof(__u64), 1024, false);
	env->removals = htab__new(sizeof(__u32), sizeof(struct removal_ctx),
				  4096, true);
	env->holders = htab__new(sizeof(struct holder_key),
				 sizeof(struct holder), lim->max_holders, false);
	env->tables = htab__new(sizeof(__u64), sizeof(struct removed_table),
				lim->max_tables, false);
	env->sites = htab__new(sizeof(struct site_key), sizeof(__u64),
			       lim->max_sites, false);
	if (!env->state || !env->pending || !env->vms || !env->inflight ||
	    !env->teardown || !env->removals || !env->holders || !env->tables || !env->sites ||
	    !env->dead_vms) {
		engine__free(e);
		return NULL;
	}
	return e;
}

void engine__free(struct engine *e)
{
	if (!e)
		return;
	htab__free(e->env.state);
	htab__free(e->env.pending);
	htab__free(e->env.vms);
	htab__free(e->env.dead_vms);
	htab__free(e->env.inflight);
	htab__free(e->env.teardown);
	htab__free(e->env.removals);
	htab__free(e->env.holders);
	htab__free(e->env.tables);
	htab__free(e->env.sites);
	free(e);
}

void engine__on_violation(struct engine *e, engine_violation_fn fn, void *arg)
{
	e->env.on_violation = fn;
	e->env.arg = arg;
}

void engine__feed(struct engine *e, const struct event *ev)
{
	proto_event(&e->env, ev);
}

/* ---- The sweeper's view of the tables (src/sweep.c) ----------------------- */

static struct htab *table_of(struct env *env, enum sweep_map map)
{
	switch (map) {
	case SWEEP_PENDING:
		return env->pending;
	case SWEEP_VMS:
		return env->vms;
	case SWEEP_HOLDERS:
		return env->holders;
	case SWEEP_TABLES:
		return env->tables;
	case SWEEP_STATE:
		return env->state;
	}
	return NULL;
}

static size_t value_size(enum sweep_map map)
{
	switch (map) {
	case SWEEP_PENDING:
		return sizeof(struct pending_zap);
	case SWEEP_VMS:
		return sizeof(struct vm_state);
	case SWEEP_HOLDERS:
		return sizeof(struct holder);
	case SWEEP_TABLES:
		return sizeof(struct removed_table);
	case SWEEP_STATE:
		return sizeof(struct spte_state);
	}
	return 0;
}

static int htab_for_each(void *store, enum sweep_map map, sweep_visit_fn fn,
			 void *arg)
{
	struct htab *h = table_of(store, map);
	size_t cursor = 0;
	void *k, *v;
	int err;

	while (htab__next(h, &cursor, &k, &v)) {
		err = fn(arg, k, v);
		if (err)
			return err;
	}
	return 0;
}

/* A lookup that does not count as a use of an LRU entry would be nicer. */
static int htab_lookup(void *store, enum sweep_map map, const void *key,
		       void *val)
{
	void *v = htab__lookup(table_of(store, map), key);

	if (!v)
		return -ENOENT;
	memcpy(val, v, value_size(map));
	return 0;
}

static int htab_update(void *store, enum sweep_map map, const void *key,
		       const void *val)
{
	void *v = htab__lookup(table_of(store, map), key);

	if (!v)
		return -ENOENT;
	memcpy(v, val, value_size(map));
	return 0;
}

static int htab_remove(void *store, enum sweep_map map, const void *key)
{
	return htab__delete(table_of(store, map), key);
}

static const struct sweep_ops htab_sweep_ops = {
	.for_each = htab_for_each,
	.lookup = htab_lookup,
	.update = htab_update,
	.remove = htab_remove,
};

int engine__sweep(struct engine *e, __u64 now_ns, __u64 ttl_ns)
{
	return sweep__run(&htab_sweep_ops, &e->env, now_ns, ttl_ns,
			  &e->env.sweep);
}

void engine__snapshot(const struct engine *e, struct snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	snap->stats = e->env.stats;
	snap->hists = e->env.hists;
	snap->sweep = e->env.sweep;
}

void engine__for_each_site(const struct engine *e, engine_site_fn fn, void *arg)
{
	struct site_key *key;
	size_t cursor = 0;
	void *k, *v;

	while (htab__next(e->env.sites, &cursor, &k, &v)) {
		key = k;
		fn(arg, key->kind, key->stack_id, *(__u64 *)v);
	}
}
