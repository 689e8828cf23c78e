// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "spte_rules.h"
#include "sweep.h"

struct victim {
	struct spte_key key;
	__u64 zap_ns; /* identifies the zap we judged */
};

struct doomed {
	struct victim *v;
	size_t count;
	size_t cap;
};

static int doomed_add(struct doomed *d, const struct spte_key *key,
		      __u64 zap_ns)
{
	struct victim *p;

	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;

		p = realloc(d->v, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->v = p;
		d->cap = cap;
	}
	d->v[d->count].key = *key;
	d->v[d->count].zap_ns = zap_ns;
	d->count++;
	return 0;
}

/*
 * The kernel may have resolved the zap and made a new one at the same SPTE
 * since we looked: only delete the zap we judged.  (A window of a few
 * microseconds remains between this check and the delete.)
 */
static bool delete_if_same(int pending_fd, const struct victim *v)
{
	struct pending_zap p;

	if (bpf_map_lookup_elem(pending_fd, &v->key, &p) ||
	    p.zap_ns != v->zap_ns)
		return false;
	return !bpf_map_delete_elem(pending_fd, &v->key);
}

static void mark_expired(int state_fd, const struct victim *v)
{
	struct spte_state st;

	if (bpf_map_lookup_elem(state_fd, &v->key, &st) ||
	    !(st.flags & STATE_ZAPPED) || st.zap_ns != v->zap_ns)
		return;
	st.flags |= STATE_EXPIRED;
	/* BPF_EXIST: never resurrect an entry the kernel just evicted. */
	bpf_map_update_elem(state_fd, &v->key, &st, BPF_EXIST);
}

/*
 * Deleting while walking with get_next_key restarts the walk, so collect
 * the victims first and delete them afterwards.
 */
int sweep_pending(const struct sweep_maps *maps, __u64 now_ns, __u64 ttl_ns,
		  struct sweep_stats *stats)
{
	struct doomed covered = {}, expired = {};
	struct spte_key key, next;
	struct pending_zap p;
	struct vm_state vm;
	bool first = true, have_vm;
	__u64 live = 0;
	size_t i;
	int err = 0;

	while (!err && !bpf_map_get_next_key(maps->pending_fd,
					     first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(maps->pending_fd, &key, &p))
			continue;
		have_vm = !bpf_map_lookup_elem(maps->vms_fd, &key.vm, &vm);
		switch (proto_sweep_action(have_vm ? &vm : NULL, &key, &p,
					   now_ns, ttl_ns)) {
		case SWEEP_COVERED:
			err = doomed_add(&covered, &key, p.zap_ns);
			break;
		case SWEEP_EXPIRED:
			err = doomed_add(&expired, &key, p.zap_ns);
			break;
		default:
			live++;
			break;
		}
	}
	for (i = 0; i < covered.count; i++)
		if (delete_if_same(maps->pending_fd, &covered.v[i]))
			stats->covered++;
	/* Mark before deleting: an install in between still finds the zap. */
	for (i = 0; i < expired.count; i++) {
		mark_expired(maps->state_fd, &expired.v[i]);
		if (delete_if_same(maps->pending_fd, &expired.v[i]))
			stats->expired++;
	}
	stats->live = live;
	free(covered.v);
	free(expired.v);
	return err;
}
