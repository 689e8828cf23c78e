/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the monitor's state lives in the kernel: the BPF maps, and the env_*()
 * functions through which bpf/protocol.h reaches them.  Capacities are the
 * defaults of SPTE_MAP_LIMITS (bpf/spte_trace.h); the daemon resizes the maps
 * before load (--max-* options, docs/protocol.md "Capacity").
 */
#ifndef __SPTE_MAPS_BPF_H
#define __SPTE_MAPS_BPF_H

#include "spte_trace.h"

#define MAX_STACK_DEPTH 127
#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef E2BIG
#define E2BIG 7
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
 * Zaps that no completed flush is known to cover, and region summaries.
 * Not an LRU: a pending zap is never dropped silently.  When the map is
 * full a new zap is counted in CNT_PENDING_FULL; userspace deletes entries
 * once a flush covers them (src/sweep.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct spte_key);
	__type(value, struct pending_zap);
} pending SEC(".maps");

/* Per-VM flush state, by VM id; destroyed VMs are removed by the sweeper. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct vm_state);
} vms SEC(".maps");

/* Ids of destroyed VMs, so that their last events create nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} dead_vms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct inflight_key);
	__type(value, struct inflight_flush);
} inflight SEC(".maps");

/* Each task's latest page table unlink: tid -> struct removal_ctx. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct removal_ctx);
} removals SEC(".maps");

/* Tasks inside a root teardown: tid -> VM id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} teardown SEC(".maps");

/* What each task owes at its next deadline. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct holder_key);
	__type(value, struct holder);
} holders SEC(".maps");

/* Removed page tables until their RCU free, by the table's pfn. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct removed_table);
} tables SEC(".maps");

/* Stock mode: the KVM entry point each task is in (tid -> context). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct task_ctx);
} task_ctx SEC(".maps");

/* Stock mode: struct kvm * -> VM id, until the VM is destroyed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} vm_ids SEC(".maps");

/* kprobe/kretprobe pairs: tag -> VM id, since a kretprobe has no args. */
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

/* Per-CPU scratch memory: too big for the BPF stack, or not tracked. */
struct scratch {
	struct violation v;	/* one violation record being built */
	struct vm_state vm;	/* a VM's first state */
	struct pending_zap p;	/* a batched zap seen as a pending one */
	__u64 launder;		/* env_launder() */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/*
 * The event each CPU is processing: an entry program writes it and tail
 * calls the protocol program, which reads it (tests write it themselves).
 * Programs on tracepoints run with preemption disabled, so one per CPU is
 * enough.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} cur SEC(".maps");

/* Slot 0: the protocol program ("protocol", bpf/spte_trace.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} protocol_prog SEC(".maps");

/* ---- The environment of bpf/protocol.h ----------------------------------- */

struct env {
	struct stats *stats;
	struct hists *hists;
	struct scratch *scratch;
	void *ctx;		/* the program's context, for stacks */
};

static __always_inline bool env_init(struct env *env, void *ctx)
{
	__u32 zero = 0;

	env->stats = bpf_map_lookup_elem(&stats, &zero);
	env->hists = bpf_map_lookup_elem(&hists, &zero);
	env->scratch = bpf_map_lookup_elem(&scratch, &zero);
	env->ctx = ctx;
	return env->stats && env->hists && env->scratch;
}

/*
 * Pass @v through map memory, which the verifier does not track: an
 * outcome or a transition chosen by one of many branches then no longer
 * keeps those branches' states apart (a constant used as an array index
 * is tracked precisely), which keeps verification within its limits.
 */
static __always_inline __u32 env_launder(struct env *env, __u32 v)
{
	volatile __u64 *slot = &env->scratch->launder;

	*slot = v;
	return *slot;
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

static __always_inline void env_state_delete(struct env *env,
					     const struct spte_key *key)
{
	bpf_map_delete_elem(&spte_state, key);
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

/* A new VM's state, built in scratch memory: too big for the BPF stack. */
static __always_inline struct vm_state *
env_vm_create(struct env *env, __u64 vm, __u32 pid, __u64 now)
{
	struct vm_state *init = &env->scratch->vm;

	__builtin_memset(init, 0, sizeof(*init));
	init->pid = pid;
	init->first_seen_ns = now;
	/* Another CPU may create it first: then use theirs. */
	bpf_map_update_elem(&vms, &vm, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(&vms, &vm);
}

static __always_inline void env_vm_bury(struct env *env, __u64 vm)
{
	__u8 one = 1;

	bpf_map_update_elem(&dead_vms, &vm, &one, BPF_ANY);
	bpf_map_delete_elem(&vms, &vm);
}

static __always_inline bool env_vm_is_dead(struct env *env, __u64 vm)
{
	return bpf_map_lookup_elem(&dead_vms, &vm) != NULL;
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

static __always_inline struct removal_ctx *env_removal_lookup(struct env *env,
								__u32 tid)
{
	return bpf_map_lookup_elem(&removals, &tid);
}

static __always_inline void env_removal_update(struct env *env, __u32 tid,
					       const struct removal_ctx *r)
{
	bpf_map_update_elem(&removals, &tid, r, BPF_ANY);
}

static __always_inline void env_teardown_delete(struct env *env, __u32 tid)
{
	bpf_map_delete_elem(&teardown, &tid);
}

static __always_inline struct holder *
env_holder_lookup(struct env *env, const struct holder_key *key)
{
	return bpf_map_lookup_elem(&holders, key);
}

static __always_inline struct holder *
env_holder_create(struct env *env, const struct holder_key *key)
{
	static const struct holder empty;

	bpf_map_update_elem(&holders, key, &empty, BPF_NOEXIST);
	return bpf_map_lookup_elem(&holders, key);
}

static __always_inline struct removed_table *
env_table_lookup(struct env *env, __u64 pfn)
{
	return bpf_map_lookup_elem(&tables, &pfn);
}

static __always_inline int env_table_update(struct env *env, __u64 pfn,
					    const struct removed_table *t)
{
	return bpf_map_update_elem(&tables, &pfn, t, BPF_ANY);
}

static __always_inline void env_table_delete(struct env *env, __u64 pfn)
{
	bpf_map_delete_elem(&tables, &pfn);
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
	else if (err == -E2BIG)
		env->stats->counters[CNT_SITES_FULL]++;
	else
		/*
		 * -EBUSY: a program that interrupted another on this CPU
		 * (an RCU callback's event, say) found the bucket locked.
		 * Seen once in scenario b; the sample is lost, not the map
		 * full.
		 */
		env->stats->counters[CNT_STACK_ERRORS]++;
}

/*
 * The kernel stack where a rule was broken: the event's own if the source
 * captured one, else captured now (BPF_F_FAST_STACK_CMP: identical stacks
 * share an id).  Only violations pay for this.
 */
static __always_inline __s32 env_stack(struct env *env, __s32 have)
{
	long sid;

	if (have >= 0 || !cfg.stacks || !env->ctx)
		return have;
	sid = bpf_get_stackid(env->ctx, &stacks, BPF_F_FAST_STACK_CMP);
	if (sid < 0) {
		env->stats->counters[CNT_STACK_ERRORS]++;
		return -1;
	}
	return sid;
}

static __always_inline struct pending_zap *env_pending_view(struct env *env)
{
	return &env->scratch->p;
}

static __always_inline struct violation *env_violation(struct env *env)
{
	return &env->scratch->v;
}

static __always_inline void env_report(struct env *env,
				       const struct violation *v)
{
	if (bpf_ringbuf_output(&violations, (void *)v, sizeof(*v), 0))
		env->stats->counters[CNT_VIOLATION_DROPS]++;
}

/* A loop the verifier checks once, not once per iteration (5.17+). */
static __always_inline void env_loop(struct env *env, __u32 n,
				     long (*fn)(__u32 i, void *data),
				     void *data)
{
	bpf_loop(n, fn, data, 0);
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
