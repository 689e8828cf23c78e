// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "spte_rules.h"
#include "sweep.h"

/* A pending zap (or region summary) to drop, and why. */
struct victim {
	struct spte_key key;
	__u64 zap_ns;	/* identifies the zap that was judged */
	__u32 action;	/* enum sweep_action */
};

struct pass {
	const struct sweep_ops *ops;
	void *store;
	__u64 now, ttl;
	struct array victims;	/* struct victim */
	struct array keys;	/* VM ids, holder keys or table pfns */
	struct sweep_stats *stats;
	__u64 live;
};

static int visit_pending(void *arg, const void *k, const void *v)
{
	struct pass *ps = arg;
	const struct spte_key *key = k;
	const struct pending_zap *p = v;
	struct vm_state vm;
	struct victim *vi;
	__u32 action;

	action = proto_sweep_action(ps->ops->lookup(ps->store, SWEEP_VMS,
						    &(__u64){ key->vm }, &vm) ?
					    NULL :
					    &vm,
				    key, p, ps->now, ps->ttl);
	if (action == SWEEP_KEEP) {
		ps->live++;
		return 0;
	}
	vi = array__push(&ps->victims);
	if (!vi)
		return -ENOMEM;
	vi->key = *key;
	vi->zap_ns = p->zap_ns;
	vi->action = action;
	return 0;
}

/*
 * The kernel may have resolved the zap and recorded a new one at the same
 * SPTE since the walk: only delete the zap that was judged.  (A window of
 * a few microseconds remains between this check and the delete.)
 */
static bool remove_if_same(struct pass *ps, const struct victim *vi)
{
	struct pending_zap p;

	if (ps->ops->lookup(ps->store, SWEEP_PENDING, &vi->key, &p) ||
	    p.zap_ns != vi->zap_ns)
		return false;
	return !ps->ops->remove(ps->store, SWEEP_PENDING, &vi->key);
}

/* So that an install after the expiry says `expired`, not `covered`. */
static void mark_expired(struct pass *ps, const struct victim *vi)
{
	struct spte_state st;

	if (ps->ops->lookup(ps->store, SWEEP_STATE, &vi->key, &st) ||
	    !(st.flags & STATE_ZAPPED) || st.ts_ns != vi->zap_ns)
		return;
	st.flags |= STATE_EXPIRED;
	/* update: never resurrect an entry the kernel just evicted. */
	ps->ops->update(ps->store, SWEEP_STATE, &vi->key, &st);
}

static void act(struct pass *ps, const struct victim *vi)
{
	switch (vi->action) {
	case SWEEP_COVERED:
		if (remove_if_same(ps, vi))
			ps->stats->covered++;
		break;
	case SWEEP_EXPIRED:
		/* Mark before deleting: an install in between still finds it. */
		mark_expired(ps, vi);
		if (remove_if_same(ps, vi))
			ps->stats->expired++;
		break;
	case SWEEP_VM_GONE:
		if (remove_if_same(ps, vi))
			ps->stats->vm_gone++;
		break;
	}
}

static int collect_key(struct pass *ps, const void *key, size_t size)
{
	void *slot = array__push(&ps->keys);

	if (!slot)
		return -ENOMEM;
	memcpy(slot, key, size);
	return 0;
}

/* A VM's state exists until the VM is destroyed (ids are never reused). */
static bool vm_gone(struct pass *ps, __u64 id)
{
	struct vm_state vm;

	return ps->ops->lookup(ps->store, SWEEP_VMS, &id, &vm) == -ENOENT;
}

static int visit_holder(void *arg, const void *k, const void *v)
{
	struct pass *ps = arg;
	const struct holder_key *hk = k;
	const struct holder *h = v;
	__u64 last = h->zaps.last_ns > h->protects.last_ns ? h->zaps.last_ns :
							     h->protects.last_ns;
	bool idle = ps->ttl && ps->now > last && ps->now - last > ps->ttl;

	if ((!h->zaps.count && !h->protects.count) || idle ||
	    vm_gone(ps, hk->vm))
		return collect_key(ps, k, sizeof(*hk));
	return 0;
}

static int visit_table(void *arg, const void *k, const void *v)
{
	struct pass *ps = arg;
	const struct removed_table *t = v;

	if ((ps->ttl && ps->now > t->removed_ns &&
	     ps->now - t->removed_ns > ps->ttl) ||
	    vm_gone(ps, t->vm))
		return collect_key(ps, k, sizeof(__u64));
	return 0;
}

/* Walk @map collecting keys of @size with @fn, then remove them. */
static int sweep_keys(struct pass *ps, enum sweep_map map, size_t size,
		      sweep_visit_fn fn, __u64 *removed)
{
	size_t i;
	int err;

	array__init(&ps->keys, size);
	err = ps->ops->for_each(ps->store, map, fn, ps);
	for (i = 0; !err && i < ps->keys.count; i++)
		if (!ps->ops->remove(ps->store, map, array__at(&ps->keys, i)))
			(*removed)++;
	array__free(&ps->keys);
	return err;
}

int sweep__run(const struct sweep_ops *ops, void *store, __u64 now_ns,
	       __u64 ttl_ns, struct sweep_stats *stats)
{
	struct pass ps = {
		.ops = ops, .store = store, .now = now_ns, .ttl = ttl_ns,
		.stats = stats,
	};
	size_t i;
	int err;

	array__init(&ps.victims, sizeof(struct victim));
	err = ops->for_each(store, SWEEP_PENDING, visit_pending, &ps);
	for (i = 0; !err && i < ps.victims.count; i++)
		act(&ps, array__at(&ps.victims, i));
	array__free(&ps.victims);
	if (err)
		return err;
	stats->live = ps.live;
	err = sweep_keys(&ps, SWEEP_HOLDERS, sizeof(struct holder_key),
			 visit_holder, &stats->holders_dropped);
	if (!err)
		err = sweep_keys(&ps, SWEEP_TABLES, sizeof(__u64), visit_table,
				 &stats->tables_expired);
	return err;
}
