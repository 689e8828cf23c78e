/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the monitor's state lives in the kernel: the BPF maps, and the env_*()
 * functions through which bpf/protocol.h reaches them.  Map sizes are
 * defaults; the daemon resizes them before load (see --max-* options and
 * docs/protocol.md, "Capacity").
 */
#ifndef __SPTE_MAPS_BPF_H
#define __SPTE_MAPS_BPF_H

#include "spte_trace.h"

#define MAX_STACK_DEPTH 127
#ifndef EEXIST
#define EEXIST 17
#endif

/*
 * Writable global data (.data), set by userspace before load.  Not a
 * const volatile rodata value: the protocol code reads it through a plain
 * const pointer, and the compiler would fold such reads of a constant to
 * its initializer, ignoring what userspace wrote.
 */
struct spte_config cfg = SPTE_CONFIG_DEFAULT;

/* Per-SPTE history; evicting an entry loses histogram samples only. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct spte_key);
	__type(value, struct spte_state);
} spte_state SEC(".maps");

/*
 * Zaps that no completed flush is known to cover.  Not an LRU: a pending
 * zap is never dropped silently.  When the map is full a new zap is counted
 * in CNT_PENDING_FULL; userspace deletes entries once a flush covers them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct spte_key);
	__type(value, struct pending_zap);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct vm_state);
} vms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct inflight_key);
	__type(value, struct inflight_flush);
} inflight SEC(".maps");

/* Tasks inside a root teardown: tid -> VM key. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} teardown SEC(".maps");

/* kprobe/kretprobe pairs: tag -> VM key, since a kretprobe has no args. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} kret_vm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hists);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* Flame graph input: (site kind, stack) -> count. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct site_key);
	__type(value, __u64);
} sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} violations SEC(".maps");

/* Every event, for --record; shrunk to one page when not recording. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps");

/* ---- The environment of bpf/protocol.h ----------------------------------- */

struct env {
	struct stats *stats;
	struct hists *hists;
};

static __always_inline bool env_init(struct env *env)
{
	__u32 zero = 0;

	env->stats = bpf_map_lookup_elem(&stats, &zero);
	env->hists = bpf_map_lookup_elem(&hists, &zero);
	return env->stats && env->hists;
}

static __always_inline const struct spte_config *env_cfg(struct env *env)
{
	return &cfg;
}

static __always_inline struct stats *env_stats(struct env *env)
{
	return env->stats;
}

static __always_inline struct hists *env_hists(struct env *env)
{
	return env->hists;
}

static __always_inline struct spte_state *
env_state_lookup(struct env *env, const struct spte_key *key)
{
	return bpf_map_lookup_elem(&spte_state, key);
}

static __always_inline int env_state_update(struct env *env,
					    const struct spte_key *key,
					    const struct spte_state *val)
{
	return bpf_map_update_elem(&spte_state, key, val, BPF_ANY);
}

static __always_inline struct pending_zap *
env_pending_lookup(struct env *env, const struct spte_key *key)
{
	return bpf_map_lookup_elem(&pending, key);
}

static __always_inline int env_pending_update(struct env *env,
					      const struct spte_key *key,
					      const struct pending_zap *val)
{
	return bpf_map_update_elem(&pending, key, val, BPF_ANY);
}

static __always_inline void env_pending_delete(struct env *env,
					       const struct spte_key *key)
{
	bpf_map_delete_elem(&pending, key);
}

static __always_inline struct vm_state *env_vm_lookup(struct env *env, __u64 vm)
{
	return bpf_map_lookup_elem(&vms, &vm);
}

static __always_inline struct vm_state *
env_vm_create(struct env *env, __u64 vm, const struct vm_state *init)
{
	/* Another CPU may create it first: then use theirs. */
	bpf_map_update_elem(&vms, &vm, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(&vms, &vm);
}

static __always_inline struct inflight_flush *
env_inflight_lookup(struct env *env, const struct inflight_key *key)
{
	return bpf_map_lookup_elem(&inflight, key);
}

static __always_inline int env_inflight_update(struct env *env,
					       const struct inflight_key *key,
					       const struct inflight_flush *val)
{
	return bpf_map_update_elem(&inflight, key, val, BPF_ANY);
}

static __always_inline void env_inflight_delete(struct env *env,
						const struct inflight_key *key)
{
	bpf_map_delete_elem(&inflight, key);
}

static __always_inline __u64 *env_teardown_lookup(struct env *env, __u32 tid)
{
	return bpf_map_lookup_elem(&teardown, &tid);
}

static __always_inline void env_teardown_update(struct env *env, __u32 tid,
						const __u64 *vm)
{
	bpf_map_update_elem(&teardown, &tid, vm, BPF_ANY);
}

static __always_inline void env_teardown_delete(struct env *env, __u32 tid)
{
	bpf_map_delete_elem(&teardown, &tid);
}

static __always_inline void env_site_add(struct env *env, __u32 kind,
					 __s32 stack_id)
{
	struct site_key key = { .stack_id = stack_id, .kind = kind };
	__u64 one = 1, *cnt;
	long err;

	if (stack_id < 0)
		return;
	cnt = bpf_map_lookup_elem(&sites, &key);
	if (cnt) {
		__sync_fetch_and_add(cnt, 1);
		return;
	}
	err = bpf_map_update_elem(&sites, &key, &one, BPF_NOEXIST);
	if (!err)
		return;
	/* Lost a race with another CPU inserting the same key. */
	cnt = err == -EEXIST ? bpf_map_lookup_elem(&sites, &key) : NULL;
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		env->stats->counters[CNT_SITES_FULL]++;
}

static __always_inline void env_report(struct env *env,
				       const struct violation *v)
{
	if (bpf_ringbuf_output(&violations, (void *)v, sizeof(*v), 0))
		env->stats->counters[CNT_VIOLATION_DROPS]++;
}

static __always_inline __u64 env_fetch_add(__u64 *p, __u64 v)
{
	return __sync_fetch_and_add(p, v);
}

/* *p = max(*p, v), racing with other CPUs; bounded so the verifier agrees. */
static __always_inline void env_store_max(__u64 *p, __u64 v)
{
	__u64 cur = *p, prev;
	int i;

	for (i = 0; i < 8 && cur < v; i++) {
		prev = __sync_val_compare_and_swap(p, cur, v);
		if (prev == cur)
			break;
		cur = prev;
	}
}

#endif /* __SPTE_MAPS_BPF_H */
