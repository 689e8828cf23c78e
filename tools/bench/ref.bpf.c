// SPDX-License-Identifier: GPL-2.0
/*
 * Reference programs for make bench (tools/bench/bench.c), run with
 * BPF_PROG_TEST_RUN on the same tracepoint arguments as spte-trace's own
 * programs, in the same run:
 *
 *   ref_empty          an empty raw_tp program: the floor every ratio
 *                      is measured against
 *   ref_count_*        count by level, the map operations that bpftrace
 *                      0.17 generates for `@[args->level] = count()`
 *                      (per-CPU hash: lookup, then update)
 *   ref_life_*         a zap -> reinstall lifetime histogram keyed by gfn,
 *                      the operations bpftrace 0.17 generates for
 *                      tools/bench/e2e/life.bt (hash of zap times, per-CPU
 *                      hash histogram: two lookups, one update and one
 *                      delete at an install, one update at a zap)
 *   ref_layout         tells userspace the kernel address of the "fake"
 *                      map value (kernel memory the benchmark writes
 *                      through mmap: a struct kvm and a struct
 *                      kvm_mmu_page whose fields it controls), the offsets
 *                      of the fields spte-trace reads there, and
 *                      page_offset_base
 *   op_*               one map or helper operation, N times per run, for
 *                      the unit costs of the profile (docs/performance.md)
 *
 * *_stock take kvmmmu:kvm_tdp_mmu_spte_changed's arguments (as_id, gfn,
 * level, old, new); *_patched those of the patched kernel's
 * kvm_tdp_mmu_spte_set (kvm, as_id, gfn, level, sptep, old, new, root,
 * root_invalid).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "spte_trace.h"
#include "ref.h"

char LICENSE[] SEC("license") = "GPL";

#define PRESENT_BIT	(1ULL << 11)

/* ---- Floor ------------------------------------------------------------- */

SEC("raw_tp")
int ref_empty(void *ctx)
{
	return 0;
}

/* ---- Count by level ----------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} by_level SEC(".maps");

static __always_inline int count_level(__u64 level)
{
	__u64 *v = bpf_map_lookup_elem(&by_level, &level);
	__u64 n = v ? *v + 1 : 1;

	bpf_map_update_elem(&by_level, &level, &n, BPF_ANY);
	return 0;
}

SEC("raw_tp")
int ref_count_stock(__u64 *ctx)
{
	return count_level(ctx[2]);
}

SEC("raw_tp")
int ref_count_patched(__u64 *ctx)
{
	return count_level(ctx[3]);
}

/* ---- Zap -> reinstall lifetime by gfn ------------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, __u64);
} zap_ns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} life_hist SEC(".maps");

static __always_inline __u64 log2_slot(__u64 v)
{
	__u64 slot = 0;
	int i;

	for (i = 32; i > 0; i >>= 1) {
		if (v >= (1ULL << i)) {
			v >>= i;
			slot += i;
		}
	}
	return slot;
}

static __always_inline int lifetime(__u64 gfn, __u64 old, __u64 new)
{
	__u64 now, *t, slot, *cnt, n;

	if ((old & PRESENT_BIT) && !(new & PRESENT_BIT)) {
		now = bpf_ktime_get_boot_ns();
		bpf_map_update_elem(&zap_ns, &gfn, &now, BPF_ANY);
		return 0;
	}
	if ((old & PRESENT_BIT) || !(new & PRESENT_BIT))
		return 0;
	if (!bpf_map_lookup_elem(&zap_ns, &gfn))
		return 0;
	now = bpf_ktime_get_boot_ns();
	t = bpf_map_lookup_elem(&zap_ns, &gfn);
	slot = log2_slot(t ? now - *t : now);
	cnt = bpf_map_lookup_elem(&life_hist, &slot);
	n = cnt ? *cnt + 1 : 1;
	bpf_map_update_elem(&life_hist, &slot, &n, BPF_ANY);
	bpf_map_delete_elem(&zap_ns, &gfn);
	return 0;
}

SEC("raw_tp")
int ref_life_stock(__u64 *ctx)
{
	return lifetime(ctx[1], ctx[3], ctx[4]);
}

SEC("raw_tp")
int ref_life_patched(__u64 *ctx)
{
	return lifetime(ctx[2], ctx[5], ctx[6]);
}

/* ---- Kernel memory the benchmark controls --------------------------------- */

struct fake_mem {
	__u8 bytes[FAKE_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fake_mem);
} fake SEC(".maps");

/* Written by ref_layout, read by userspace through the skeleton's .bss. */
struct bench_layout layout;

extern const void page_offset_base __ksym __weak;

SEC("raw_tp")
int ref_layout(void *ctx)
{
	__u32 zero = 0;
	void *v = bpf_map_lookup_elem(&fake, &zero);
	__u64 base = 0;

	if (!v)
		return 1;
	layout.fake_addr = (__u64)v;
	if (&page_offset_base)
		bpf_probe_read_kernel(&base, sizeof(base), &page_offset_base);
	/* As spte-trace's direct_map_pa(): without KASLR it is a constant. */
	layout.page_offset_base = base ? base : 0xffff888000000000ULL;
	layout.kvm_size = bpf_core_type_size(struct kvm);
	layout.kvm_pid_off = bpf_core_field_offset(struct kvm, userspace_pid);
	layout.kvm_reqs_off = bpf_core_field_offset(struct kvm, stat) +
			      bpf_core_field_offset(struct kvm_vm_stat, generic) +
			      bpf_core_field_offset(struct kvm_vm_stat_generic,
						    remote_tlb_flush_requests);
	layout.sp_size = bpf_core_type_size(struct kvm_mmu_page);
	layout.sp_spt_off = bpf_core_field_offset(struct kvm_mmu_page, spt);
	layout.sp_gfn_off = bpf_core_field_offset(struct kvm_mmu_page, gfn);
	layout.sp_role_off = bpf_core_field_offset(struct kvm_mmu_page, role);
	layout.sp_off = FAKE_SP_OFF;
	layout.fake_size = FAKE_SIZE;
	return 0;
}

/* ---- Unit costs: one operation, op_n times per run ----------------------- */

/*
 * Maps shaped like spte-trace's (bpf/maps.bpf.h): the key and value sizes
 * of spte_state (LRU), pending (hash) and the per-CPU array lookups every
 * program starts with.  Userspace fills them before a run.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct spte_key);
	__type(value, struct spte_state);
} op_lru SEC(".maps");

/* The same with per-CPU LRU lists (BPF_F_NO_COMMON_LRU), for comparison. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 262144);
	__type(key, struct spte_key);
	__type(value, struct spte_state);
} op_lru_pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct spte_key);
	__type(value, struct pending_zap);
} op_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} op_pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} op_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} op_tail SEC(".maps");

/* Set by userspace: operations per run, and the key range they walk. */
__u32 op_n = 1;
__u64 op_base;		/* first key of a run */
__u64 op_span = 1;	/* keys are (op_base + i) % op_span */
__u32 op_advance;	/* op_base += op_n after each run: new keys every run */
__u64 op_sink;

struct op_ctx {
	void *ctx;
	__u64 acc;
};

static __always_inline void op_key(struct spte_key *k, __u32 i)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->gla = (op_base + i) % op_span;
	k->vm = 1;
}

static long lru_lookup_step(__u32 i, void *data)
{
	struct op_ctx *c = data;
	struct spte_key k;

	op_key(&k, i);
	c->acc += bpf_map_lookup_elem(&op_lru, &k) != NULL;
	return 0;
}

static long lru_update_step(__u32 i, void *data)
{
	struct spte_state s = { .ts_ns = i, .flags = 1 };
	struct spte_key k;

	op_key(&k, i);
	bpf_map_update_elem(&op_lru, &k, &s, BPF_ANY);
	return 0;
}

static long lru_pcpu_lookup_step(__u32 i, void *data)
{
	struct op_ctx *c = data;
	struct spte_key k;

	op_key(&k, i);
	c->acc += bpf_map_lookup_elem(&op_lru_pcpu, &k) != NULL;
	return 0;
}

static long lru_pcpu_update_step(__u32 i, void *data)
{
	struct spte_state s = { .ts_ns = i, .flags = 1 };
	struct spte_key k;

	op_key(&k, i);
	bpf_map_update_elem(&op_lru_pcpu, &k, &s, BPF_ANY);
	return 0;
}

/* What an update in place costs: find the entry, write its fields. */
static long lru_in_place_step(__u32 i, void *data)
{
	struct spte_state *s;
	struct spte_key k;

	op_key(&k, i);
	s = bpf_map_lookup_elem(&op_lru, &k);
	if (s) {
		s->ts_ns = i;
		s->flags = 1;
	}
	return 0;
}

static long hash_lookup_step(__u32 i, void *data)
{
	struct op_ctx *c = data;
	struct spte_key k;

	op_key(&k, i);
	c->acc += bpf_map_lookup_elem(&op_hash, &k) != NULL;
	return 0;
}

static long hash_update_step(__u32 i, void *data)
{
	struct pending_zap p = { .zap_ns = i };
	struct spte_key k;

	op_key(&k, i);
	bpf_map_update_elem(&op_hash, &k, &p, BPF_ANY);
	return 0;
}

static long hash_delete_step(__u32 i, void *data)
{
	struct spte_key k;

	op_key(&k, i);
	bpf_map_delete_elem(&op_hash, &k);
	return 0;
}

static long pcpu_lookup_step(__u32 i, void *data)
{
	struct op_ctx *c = data;
	__u32 zero = 0;

	c->acc += bpf_map_lookup_elem(&op_pcpu, &zero) != NULL;
	return 0;
}

static long memset_event_step(__u32 i, void *data)
{
	__u32 zero = 0;
	struct event *e = bpf_map_lookup_elem(&op_pcpu, &zero);

	if (e)
		__builtin_memset(e, 0, sizeof(*e));
	return 0;
}

static long ktime_step(__u32 i, void *data)
{
	struct op_ctx *c = data;

	c->acc += bpf_ktime_get_ns();
	return 0;
}

static long pid_step(__u32 i, void *data)
{
	struct op_ctx *c = data;

	c->acc += bpf_get_current_pid_tgid();
	return 0;
}

static long probe_read_step(__u32 i, void *data)
{
	struct op_ctx *c = data;
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)(layout.fake_addr + 64));
	c->acc += v;
	return 0;
}

static long stackid_step(__u32 i, void *data)
{
	struct op_ctx *c = data;

	c->acc += bpf_get_stackid(c->ctx, &op_stacks, BPF_F_FAST_STACK_CMP);
	return 0;
}

static long nop_step(__u32 i, void *data)
{
	return 0;
}

#define OP_PROG(name, step)						\
SEC("raw_tp")								\
int op_##name(void *ctx)						\
{									\
	struct op_ctx c = { .ctx = ctx };				\
									\
	bpf_loop(op_n, step, &c, 0);					\
	op_sink += c.acc;						\
	if (op_advance)							\
		op_base += op_n;					\
	return 0;							\
}

OP_PROG(loop, nop_step)
OP_PROG(lru_lookup, lru_lookup_step)
OP_PROG(lru_update, lru_update_step)
OP_PROG(lru_pcpu_lookup, lru_pcpu_lookup_step)
OP_PROG(lru_pcpu_update, lru_pcpu_update_step)
OP_PROG(lru_in_place, lru_in_place_step)
OP_PROG(hash_lookup, hash_lookup_step)
OP_PROG(hash_update, hash_update_step)
OP_PROG(hash_delete, hash_delete_step)
OP_PROG(pcpu_lookup, pcpu_lookup_step)
OP_PROG(memset_event, memset_event_step)
OP_PROG(ktime, ktime_step)
OP_PROG(pid_tgid, pid_step)
OP_PROG(probe_read, probe_read_step)
OP_PROG(stackid, stackid_step)

/* A tail call into an empty program (slot 0 of op_tail: op_tail_target). */
SEC("raw_tp")
int op_tail_target(void *ctx)
{
	return 0;
}

SEC("raw_tp")
int op_tail_call(void *ctx)
{
	bpf_tail_call(ctx, &op_tail, 0);
	return 0;
}
