// SPDX-License-Identifier: GPL-2.0
/*
 * Where events enter the monitor.  Each program turns one kernel event into
 * a struct spte_event or struct flush_event and hands it to bpf/protocol.h.
 * Userspace (src/sources.c) decides at run time which programs to load:
 *
 *   patched_*   tracepoints added by kernel-patch/ (every SPTE write, every
 *               remote flush begin/end, root teardown), keyed by struct kvm *
 *   stock_*     kvmmmu:kvm_tdp_mmu_spte_changed (v5.11+), keyed by the
 *               current task's mm: that tracepoint carries no VM
 *   fentry_* / fexit_*, kprobe_* / kretprobe_*
 *               remote flush functions and root teardown functions of an
 *               unpatched kernel, whichever of them the kernel has
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "maps.bpf.h"
#include "protocol.h"

char LICENSE[] SEC("license") = "GPL";

/* Stock mode keys VMs by their mm, so flush hooks must do the same. */
const volatile bool vm_key_is_mm = false;

/* Which function a stock flush/teardown hook sits on: pairs entry and exit. */
enum hook_func {
	FUNC_FLUSH_ALL = 1,
	FUNC_FLUSH_WITH_ADDRESS,
	FUNC_FLUSH_RANGE,
	FUNC_FLUSH_MEMSLOT,
	FUNC_ZAP_INVALIDATED_ROOTS,
	FUNC_ZAP_ALL,
};

/* ---- Recording ---------------------------------------------------------- */

static __always_inline struct event *record_reserve(struct env *env, __u32 type)
{
	struct event *r;

	if (!cfg.record)
		return NULL;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		env->stats->counters[CNT_RECORD_DROPS]++;
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->type = type;
	return r;
}

static __always_inline void record_spte(struct env *env,
					const struct spte_event *ev)
{
	struct event *r = record_reserve(env, EVENT_SPTE);

	if (!r)
		return;
	r->spte = *ev;
	bpf_ringbuf_submit(r, 0);
}

static __always_inline void record_flush(struct env *env, __u32 type,
					 const struct flush_event *ev)
{
	struct event *r = record_reserve(env, type);

	if (!r)
		return;
	r->flush = *ev;
	bpf_ringbuf_submit(r, 0);
}

/* ---- Common handlers ------------------------------------------------------ */

static __always_inline int handle_spte(void *ctx, __u64 vm, __u32 pid,
				       __u64 as_id, __u64 gfn, __u64 level,
				       __u64 sptep, __u64 old_spte,
				       __u64 new_spte, __u32 op)
{
	const struct spte_config *c = &cfg;
	__u64 id = bpf_get_current_pid_tgid();
	struct spte_event ev;
	struct env env;
	long sid;

	if (!env_init(&env))
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	ev.ts_ns = bpf_ktime_get_ns();
	ev.vm = vm;
	ev.gfn = gfn;
	ev.old_spte = old_spte;
	ev.new_spte = new_spte;
	ev.sptep = sptep;
	ev.pid = pid ? pid : id >> 32;
	ev.tid = (__u32)id;
	ev.stack_id = -1;
	ev.as_id = as_id;
	ev.level = level;
	ev.op = op;

	/* Stacks only where a flame graph or a report needs them. */
	if (c->stacks &&
	    spte_is_present(c, old_spte) != spte_is_present(c, new_spte)) {
		sid = bpf_get_stackid(ctx, &stacks, 0);
		if (sid >= 0)
			ev.stack_id = sid;
		else
			env.stats->counters[CNT_STACK_ERRORS]++;
	}

	record_spte(&env, &ev);
	proto_spte(&env, &ev);
	return 0;
}

static __always_inline int handle_flush(__u32 type, __u64 vm, __u32 pid,
					__u64 start_gfn, __u64 pages,
					__u64 seq, __u64 tag)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct flush_event ev;
	struct env env;

	if (!env_init(&env))
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	ev.ts_ns = bpf_ktime_get_ns();
	ev.vm = vm;
	ev.start_gfn = start_gfn;
	ev.pages = pages;
	ev.seq = seq;
	ev.tag = tag;
	ev.pid = pid ? pid : id >> 32;
	ev.tid = (__u32)id;

	record_flush(&env, type, &ev);
	switch (type) {
	case EVENT_FLUSH_BEGIN:
		proto_flush_begin(&env, &ev);
		break;
	case EVENT_FLUSH_END:
		proto_flush_end(&env, &ev);
		break;
	case EVENT_TEARDOWN_BEGIN:
		proto_teardown_begin(&env, &ev);
		break;
	case EVENT_TEARDOWN_END:
		proto_teardown_end(&env, &ev);
		break;
	}
	return 0;
}

static __always_inline __u32 kvm_pid(struct kvm *kvm)
{
	return BPF_CORE_READ(kvm, userspace_pid);
}

static __always_inline __u64 vm_key(struct kvm *kvm)
{
	if (vm_key_is_mm)
		return (__u64)BPF_CORE_READ(kvm, mm);
	return (__u64)kvm;
}

/* ---- Patched kernel: kernel-patch/ tracepoints ----------------------------- */

static __always_inline int patched_spte(void *ctx, struct kvm *kvm, int as_id,
					__u64 gfn, int level, __u64 *sptep,
					__u64 old_spte, __u64 new_spte, __u32 op)
{
	return handle_spte(ctx, (__u64)kvm, kvm_pid(kvm), as_id, gfn, level,
			   (__u64)sptep, old_spte, new_spte, op);
}

SEC("raw_tp/kvm_tdp_mmu_spte_set")
int BPF_PROG(patched_spte_set, struct kvm *kvm, int as_id, __u64 gfn,
	     int level, __u64 *sptep, __u64 old_spte, __u64 new_spte)
{
	return patched_spte(ctx, kvm, as_id, gfn, level, sptep, old_spte,
			    new_spte, SPTE_OP_SET);
}

SEC("raw_tp/kvm_tdp_mmu_spte_freeze")
int BPF_PROG(patched_spte_freeze, struct kvm *kvm, int as_id, __u64 gfn,
	     int level, __u64 *sptep, __u64 old_spte, __u64 new_spte)
{
	return patched_spte(ctx, kvm, as_id, gfn, level, sptep, old_spte,
			    new_spte, SPTE_OP_FREEZE);
}

SEC("raw_tp/kvm_tdp_mmu_spte_unfreeze")
int BPF_PROG(patched_spte_unfreeze, struct kvm *kvm, int as_id, __u64 gfn,
	     int level, __u64 *sptep, __u64 old_spte, __u64 new_spte)
{
	return patched_spte(ctx, kvm, as_id, gfn, level, sptep, old_spte,
			    new_spte, SPTE_OP_UNFREEZE);
}

SEC("raw_tp/kvm_remote_tlb_flush_begin")
int BPF_PROG(patched_flush_begin, struct kvm *kvm, __u64 start_gfn,
	     __u64 pages, __u64 seq)
{
	return handle_flush(EVENT_FLUSH_BEGIN, (__u64)kvm, kvm_pid(kvm),
			    start_gfn, pages, seq, seq);
}

SEC("raw_tp/kvm_remote_tlb_flush_end")
int BPF_PROG(patched_flush_end, struct kvm *kvm, __u64 start_gfn,
	     __u64 pages, __u64 seq)
{
	return handle_flush(EVENT_FLUSH_END, (__u64)kvm, kvm_pid(kvm),
			    start_gfn, pages, seq, seq);
}

SEC("raw_tp/kvm_tdp_mmu_root_teardown_begin")
int BPF_PROG(patched_teardown_begin, struct kvm *kvm)
{
	return handle_flush(EVENT_TEARDOWN_BEGIN, (__u64)kvm, kvm_pid(kvm),
			    0, 0, 0, 0);
}

SEC("raw_tp/kvm_tdp_mmu_root_teardown_end")
int BPF_PROG(patched_teardown_end, struct kvm *kvm)
{
	return handle_flush(EVENT_TEARDOWN_END, (__u64)kvm, kvm_pid(kvm),
			    0, 0, 0, 0);
}

/* ---- Stock kernel: kvmmmu:kvm_tdp_mmu_spte_changed ------------------------- */

SEC("raw_tp/kvm_tdp_mmu_spte_changed")
int BPF_PROG(stock_spte_changed, int as_id, __u64 gfn, int level,
	     __u64 old_spte, __u64 new_spte)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 mm = (__u64)BPF_CORE_READ(task, mm);

	/* A kernel thread (mm == 0) gives no VM; counted as CNT_NO_VM. */
	return handle_spte(ctx, mm, 0, as_id, gfn, level, 0, old_spte,
			   new_spte, SPTE_OP_CHANGED);
}

/* ---- Stock kernel: flush and teardown functions ----------------------------- */

static __always_inline __u64 hook_tag(__u32 func)
{
	return (__u64)(__u32)bpf_get_current_pid_tgid() << 8 | func;
}

static __always_inline int hook_enter(__u32 type, struct kvm *kvm, __u64 start,
				      __u64 pages, __u32 func, bool kprobe)
{
	__u64 tag = hook_tag(func), vm = vm_key(kvm);

	/* A kretprobe sees no arguments: remember the VM for it. */
	if (kprobe)
		bpf_map_update_elem(&kret_vm, &tag, &vm, BPF_ANY);
	return handle_flush(type, vm, kvm_pid(kvm), start, pages, 0, tag);
}

static __always_inline int hook_exit(__u32 type, __u64 vm, __u32 func)
{
	return handle_flush(type, vm, 0, 0, 0, 0, hook_tag(func));
}

static __always_inline int kret_exit(__u32 type, __u32 func)
{
	__u64 tag = hook_tag(func), *vm = bpf_map_lookup_elem(&kret_vm, &tag);
	__u64 key;

	if (!vm)
		return 0;
	key = *vm;
	bpf_map_delete_elem(&kret_vm, &tag);
	return hook_exit(type, key, func);
}

#define FLUSH_HOOKS(func_id, sym, ...)						\
SEC("fentry/" #sym)								\
int BPF_PROG(fentry_##sym, struct kvm *kvm, ##__VA_ARGS__)			\
{										\
	return hook_enter(EVENT_FLUSH_BEGIN, kvm, RANGE_START, RANGE_PAGES,	\
			  func_id, false);					\
}										\
SEC("fexit/" #sym)								\
int BPF_PROG(fexit_##sym, struct kvm *kvm)					\
{										\
	return hook_exit(EVENT_FLUSH_END, vm_key(kvm), func_id);		\
}										\
SEC("kprobe/" #sym)								\
int BPF_KPROBE(kprobe_##sym, struct kvm *kvm, ##__VA_ARGS__)			\
{										\
	return hook_enter(EVENT_FLUSH_BEGIN, kvm, RANGE_START, RANGE_PAGES,	\
			  func_id, true);					\
}										\
SEC("kretprobe/" #sym)								\
int BPF_KRETPROBE(kretprobe_##sym)						\
{										\
	return kret_exit(EVENT_FLUSH_END, func_id);				\
}

/* void kvm_flush_remote_tlbs(struct kvm *kvm) */
#define RANGE_START 0
#define RANGE_PAGES FLUSH_ALL_PAGES
FLUSH_HOOKS(FUNC_FLUSH_ALL, kvm_flush_remote_tlbs)
#undef RANGE_START
#undef RANGE_PAGES

/* 6.1-6.5: void kvm_flush_remote_tlbs_with_address(kvm, u64 start_gfn, u64 pages) */
#define RANGE_START start_gfn
#define RANGE_PAGES pages
FLUSH_HOOKS(FUNC_FLUSH_WITH_ADDRESS, kvm_flush_remote_tlbs_with_address,
	    __u64 start_gfn, __u64 pages)
/* 6.6+: void kvm_flush_remote_tlbs_range(kvm, gfn_t gfn, u64 nr_pages) */
FLUSH_HOOKS(FUNC_FLUSH_RANGE, kvm_flush_remote_tlbs_range,
	    __u64 start_gfn, __u64 pages)
#undef RANGE_START
#undef RANGE_PAGES

/* 6.6+: void kvm_flush_remote_tlbs_memslot(kvm, const struct kvm_memory_slot *) */
#define RANGE_START BPF_CORE_READ(slot, base_gfn)
#define RANGE_PAGES BPF_CORE_READ(slot, npages)
FLUSH_HOOKS(FUNC_FLUSH_MEMSLOT, kvm_flush_remote_tlbs_memslot,
	    const struct kvm_memory_slot *slot)
#undef RANGE_START
#undef RANGE_PAGES

#define TEARDOWN_HOOKS(func_id, sym)						\
SEC("fentry/" #sym)								\
int BPF_PROG(fentry_##sym, struct kvm *kvm)					\
{										\
	return hook_enter(EVENT_TEARDOWN_BEGIN, kvm, 0, 0, func_id, false);	\
}										\
SEC("fexit/" #sym)								\
int BPF_PROG(fexit_##sym, struct kvm *kvm)					\
{										\
	return hook_exit(EVENT_TEARDOWN_END, vm_key(kvm), func_id);		\
}										\
SEC("kprobe/" #sym)								\
int BPF_KPROBE(kprobe_##sym, struct kvm *kvm)					\
{										\
	return hook_enter(EVENT_TEARDOWN_BEGIN, kvm, 0, 0, func_id, true);	\
}										\
SEC("kretprobe/" #sym)								\
int BPF_KRETPROBE(kretprobe_##sym)						\
{										\
	return kret_exit(EVENT_TEARDOWN_END, func_id);				\
}

TEARDOWN_HOOKS(FUNC_ZAP_INVALIDATED_ROOTS, kvm_tdp_mmu_zap_invalidated_roots)
TEARDOWN_HOOKS(FUNC_ZAP_ALL, kvm_tdp_mmu_zap_all)
