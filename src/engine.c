// SPDX-License-Identifier: GPL-2.0
/*
 * The environment of bpf/protocol.h in userspace: the same state machine the
 * BPF programs run, over src/htab.c tables instead of BPF maps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "htab.h"

struct env {
	struct spte_config cfg;
	struct stats stats;
	struct hists hists;
	struct sweep_stats sweep;
	struct htab *state;
	struct htab *pending;
	struct htab *vms;
	struct htab *inflight;
	struct htab *teardown;
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

static struct vm_state *env_vm_create(struct env *env, __u64 vm,
				      const struct vm_state *init)
{
	if (htab__update(env->vms, &vm, init))
		return NULL;
	return htab__lookup(env->vms, &vm);
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

static void env_teardown_delete(struct env *env, __u32 tid)
{
	htab__delete(env->teardown, &tid);
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

static void env_report(struct env *env, const struct violation *v)
{
	if (env->on_violation)
		env->on_violation(env->arg, v);
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

void engine_limits__default(struct engine_limits *lim)
{
	lim->max_sptes = 262144;
	lim->max_pending = 65536;
	lim->max_vms = 1024;
	lim->max_inflight = 4096;
	lim->max_sites = 65536;
}

struct engine *engine__new(const struct spte_config *cfg,
			   const struct engine_limits *lim)
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
	env->inflight = htab__new(sizeof(struct inflight_key),
				  sizeof(struct inflight_flush),
				  lim->max_inflight, false);
	env->teardown = htab__new(sizeof(__u32), sizeof(__u64), 1024, false);
	env->sites = htab__new(sizeof(struct site_key), sizeof(__u64),
			       lim->max_sites, false);
	if (!env->state || !env->pending || !env->vms || !env->inflight ||
	    !env->teardown || !env->sites) {
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
	htab__free(e->env.inflight);
	htab__free(e->env.teardown);
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
	switch (ev->type) {
	case EVENT_SPTE:
		proto_spte(&e->env, &ev->spte);
		break;
	case EVENT_FLUSH_BEGIN:
		proto_flush_begin(&e->env, &ev->flush);
		break;
	case EVENT_FLUSH_END:
		proto_flush_end(&e->env, &ev->flush);
		break;
	case EVENT_TEARDOWN_BEGIN:
		proto_teardown_begin(&e->env, &ev->flush);
		break;
	case EVENT_TEARDOWN_END:
		proto_teardown_end(&e->env, &ev->flush);
		break;
	}
}

static void mark_expired(struct env *env, const struct spte_key *key)
{
	struct spte_state *st = htab__lookup(env->state, key);

	if (st)
		st->flags |= STATE_EXPIRED;
}

void engine__sweep(struct engine *e, __u64 now_ns, __u64 ttl_ns)
{
	struct env *env = &e->env;
	struct pending_zap *p;
	struct spte_key *key;
	size_t cursor = 0;
	void *k, *v;

	env->sweep.live = 0;
	while (htab__next(env->pending, &cursor, &k, &v)) {
		key = k;
		p = v;
		switch (proto_sweep_action(htab__lookup(env->vms, &key->vm),
					   key, p, now_ns, ttl_ns)) {
		case SWEEP_COVERED:
			env->sweep.covered++;
			htab__delete(env->pending, key);
			break;
		case SWEEP_EXPIRED:
			env->sweep.expired++;
			mark_expired(env, key);
			htab__delete(env->pending, key);
			break;
		default:
			env->sweep.live++;
			break;
		}
	}
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
