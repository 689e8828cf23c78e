// SPDX-License-Identifier: GPL-2.0
/*
 * Where events enter the monitor.  Each program turns one kernel event into
 * a struct spte_event or struct vm_event and hands it to bpf/protocol.h.
 * Userspace (src/sources.c) decides at run time which programs to load:
 *
 *   patched_*   tracepoints added by kernel-patch/ (docs/tracepoints.md):
 *               every SPTE write with its root, every remote flush
 *               begin/end, root teardown, flush deadlines, page table frees,
 *               VM destruction; VMs keyed by the kernel's trace id
 *   stock_*     kvmmmu:kvm_tdp_mmu_spte_changed (v5.11+) and
 *               kvmmmu:kvm_mmu_zap_all_fast, with the VM taken from the KVM
 *               entry point the task is in (context hooks below)
 *   fentry_* / fexit_*, kprobe_* / kretprobe_*
 *               the functions of bpf/hooks.h on an unpatched kernel:
 *               remote flushes, root teardown, TDP MMU entry points,
 *               deadlines, VM destruction
 *   protocol    the protocol itself, for the event in this CPU's "cur"
 *               slot: tail called by the SPTE entry programs, run by
 *               tests/bpf with BPF_PROG_TEST_RUN
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "maps.bpf.h"
#include "protocol.h"
#include "hooks.h"

char LICENSE[] SEC("license") = "GPL";

/* Stock mode: the next VM id to hand out (ids are never reused). */
__u64 next_vm_id = 1;

/* The direct map's base, for the physical address of a page table. */
extern const void page_offset_base __ksym __weak;

/* ---- Recording and event construction ------------------------------------ */

static __always_inline void record(struct env *env, __u32 type,
				   const void *body, __u32 size)
{
	struct event *r;

	if (!cfg.record)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		env->stats->counters[CNT_RECORD_DROPS]++;
		return;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->type = type;
	if (size == sizeof(struct spte_event))
		r->spte = *(const struct spte_event *)body;
	else
		r->vm = *(const struct vm_event *)body;
	bpf_ringbuf_submit(r, 0);
}

/*
 * Kernel stacks are captured at an SPTE event only when a recording or a
 * flame graph needs them (one zap or install in cfg.site_sample); a
 * violation captures its own stack when it is found (env_stack()).
 */
static __always_inline __s32 event_stack(struct env *env, const struct
					 spte_config *c, __u64 old_spte,
					 __u64 new_spte)
{
	long sid;

	if (!c->stacks ||
	    spte_is_present(c, old_spte) == spte_is_present(c, new_spte))
		return -1;
	if (!c->record &&
	    (!c->site_sample || bpf_get_prandom_u32() % c->site_sample))
		return -1;
	sid = bpf_get_stackid(env->ctx, &stacks, BPF_F_FAST_STACK_CMP);
	if (sid < 0) {
		env->stats->counters[CNT_STACK_ERRORS]++;
		return -1;
	}
	return sid;
}

/*
 * An SPTE event enters here: the entry program has written it into this
 * CPU's "cur" slot; stamp it, record it, and hand it to the protocol
 * program.  The protocol is one program for every source, verified once,
 * rather than a copy of it in each entry program: that keeps loading fast
 * (most of all under emulation), and events read from a map are plain data
 * to the verifier, which keeps its search small.
 */
static __always_inline int handle_spte(void *ctx, struct spte_event *ev)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct env env;

	if (!env_init(&env, ctx))
		return 0;
	ev->ts_ns = bpf_ktime_get_ns();
	if (!ev->pid)
		ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->stack_id = event_stack(&env, &cfg, ev->old_spte, ev->new_spte);
	record(&env, EVENT_SPTE, ev, sizeof(*ev));
	bpf_tail_call(ctx, &protocol_prog, 0);
	env.stats->counters[CNT_PROTOCOL_MISSED]++;
	return 0;
}

/* The SPTE event of this CPU's "cur" slot, cleared for an entry program. */
static __always_inline struct spte_event *cur_spte(void)
{
	__u32 zero = 0;
	struct event *e = bpf_map_lookup_elem(&cur, &zero);

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = EVENT_SPTE;
	return &e->spte;
}

static __always_inline int handle_vm_event(void *ctx, __u32 type,
					   struct vm_event *ev)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct env env;

	if (!env_init(&env, ctx))
		return 0;
	ev->ts_ns = bpf_ktime_get_ns();
	if (!ev->pid)
		ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->stack_id = -1;
	record(&env, type, ev, sizeof(*ev));
	proto_vm_event(&env, type, ev);
	return 0;
}

static __always_inline __u32 kvm_pid(struct kvm *kvm)
{
	return BPF_CORE_READ(kvm, userspace_pid);
}

/* Physical address of the memory at @virt in the direct map. */
static __always_inline __u64 direct_map_pa(__u64 virt)
{
	unsigned long base = 0;

	if (&page_offset_base)
		bpf_probe_read_kernel(&base, sizeof(base), &page_offset_base);
	if (!base)
		base = 0xffff888000000000ULL;	/* 4-level paging default */
	return virt - base;
}

/* ---- Patched kernel: kernel-patch/ tracepoints ----------------------------- */

/* struct kvm of a patched kernel: kernel-patch/ adds trace_id. */
struct kvm___spte {
	unsigned int trace_id;
} __attribute__((preserve_access_index));

/*
 * The VM's trace id: numbered at creation, never reused until reboot.  On a
 * kernel without it (the BPF tests run on one), the address, which the
 * patched kernel's kvm_destroy_vm event retires.
 */
static __always_inline __u64 patched_vm_id(struct kvm *kvm)
{
	struct kvm___spte *k = (void *)kvm;

	if (bpf_core_field_exists(k->trace_id))
		return BPF_CORE_READ(k, trace_id);
	return (__u32)((__u64)kvm >> 12);
}

static __always_inline int patched_spte(void *ctx, struct kvm *kvm,
					int as_id, __u64 gfn, int level,
					__u64 *sptep, __u64 old_spte,
					__u64 new_spte, __u64 root,
					bool root_invalid, __u32 op)
{
	struct spte_event *ev = cur_spte();

	if (!ev)
		return 0;
	ev->vm = patched_vm_id(kvm);
	ev->pid = kvm_pid(kvm);
	ev->gfn = gfn;
	ev->old_spte = old_spte;
	ev->new_spte = new_spte;
	ev->sptep = (__u64)sptep;
	ev->root = root;
	ev->as_id = as_id;
	ev->level = level;
	ev->op = op;
	ev->flags = root_invalid ? SPTE_F_ROOT_INVALID : 0;
	return handle_spte(ctx, ev);
}

#define PATCHED_SPTE(event, op)							\
SEC("raw_tp/" #event)								\
int BPF_PROG(patched_##op, struct kvm *kvm, int as_id, __u64 gfn, int level,	\
	     __u64 *sptep, __u64 old_spte, __u64 new_spte, __u64 root,		\
	     bool root_invalid)							\
{										\
	return patched_spte(ctx, kvm, as_id, gfn, level, sptep, old_spte,	\
			    new_spte, root, root_invalid, SPTE_OP_##op);	\
}

PATCHED_SPTE(kvm_tdp_mmu_spte_set, SET)
PATCHED_SPTE(kvm_tdp_mmu_spte_freeze, FREEZE)
PATCHED_SPTE(kvm_tdp_mmu_spte_unfreeze, UNFREEZE)

static __always_inline int patched_vm_event(void *ctx, __u32 type,
					    struct kvm *kvm, __u64 start,
					    __u64 pages, __u64 seq,
					    __u32 reason)
{
	struct vm_event ev;

	__builtin_memset(&ev, 0, sizeof(ev));
	ev.vm = patched_vm_id(kvm);
	ev.pid = kvm_pid(kvm);
	ev.start_gfn = start;
	ev.pages = pages;
	ev.seq = seq;
	ev.tag = seq;
	ev.reason = reason;
	return handle_vm_event(ctx, type, &ev);
}

SEC("raw_tp/kvm_remote_tlb_flush_begin")
int BPF_PROG(patched_flush_begin, struct kvm *kvm, __u64 start_gfn,
	     __u64 pages, __u64 seq)
{
	return patched_vm_event(ctx, EVENT_FLUSH_BEGIN, kvm, start_gfn, pages,
				seq, 0);
}

SEC("raw_tp/kvm_remote_tlb_flush_end")
int BPF_PROG(patched_flush_end, struct kvm *kvm, __u64 start_gfn,
	     __u64 pages, __u64 seq)
{
	return patched_vm_event(ctx, EVENT_FLUSH_END, kvm, start_gfn, pages,
				seq, 0);
}

SEC("raw_tp/kvm_tdp_mmu_root_teardown_begin")
int BPF_PROG(patched_teardown_begin, struct kvm *kvm)
{
	return patched_vm_event(ctx, EVENT_TEARDOWN_BEGIN, kvm, 0, 0, 0, 0);
}

SEC("raw_tp/kvm_tdp_mmu_root_teardown_end")
int BPF_PROG(patched_teardown_end, struct kvm *kvm)
{
	return patched_vm_event(ctx, EVENT_TEARDOWN_END, kvm, 0, 0, 0, 0);
}

SEC("raw_tp/kvm_mmu_flush_deadline")
int BPF_PROG(patched_deadline, struct kvm *kvm, int reason)
{
	return patched_vm_event(ctx, EVENT_DEADLINE, kvm, 0, 0, 0, reason);
}

SEC("raw_tp/kvm_destroy_vm")
int BPF_PROG(patched_destroy, struct kvm *kvm)
{
	return patched_vm_event(ctx, EVENT_VM_DESTROY, kvm, 0, 0, 0, 0);
}

/* The table's VM is found from the write that removed it. */
SEC("raw_tp/kvm_tdp_mmu_free_sp")
int BPF_PROG(patched_free_sp, struct kvm_mmu_page *sp)
{
	struct vm_event ev;

	__builtin_memset(&ev, 0, sizeof(ev));
	ev.pt = direct_map_pa((__u64)BPF_CORE_READ(sp, spt));
	ev.start_gfn = BPF_CORE_READ(sp, gfn);
	ev.level = BPF_CORE_READ_BITFIELD_PROBED(&sp->role, level);
	return handle_vm_event(ctx, EVENT_FREE_PT, &ev);
}

/* ---- Stock kernel: which VM is the task working on? ---------------------- */

/*
 * The stock SPTE tracepoint carries no VM.  The context hooks (bpf/hooks.h)
 * record, per task, the struct kvm of the TDP MMU entry point it is in and
 * the lock mode that entry point runs with; a VM gets a monitor-assigned
 * id the first time it is seen, retired when kvm_arch_destroy_vm() returns,
 * so a new VM at the same address starts afresh.
 */
static __always_inline __u64 stock_vm_id(struct kvm *kvm, bool create)
{
	__u64 key = (__u64)kvm, *id, fresh;

	id = bpf_map_lookup_elem(&vm_ids, &key);
	if (id)
		return *id;
	if (!create)
		return 0;
	fresh = __sync_fetch_and_add(&next_vm_id, 1);
	if (bpf_map_update_elem(&vm_ids, &key, &fresh, BPF_NOEXIST)) {
		id = bpf_map_lookup_elem(&vm_ids, &key);
		return id ? *id : 0;
	}
	return fresh;
}

/*
 * Evidence that no flush happened (stock kernels): kvm_flush_remote_tlbs()
 * increments kvm->stat.generic.remote_tlb_flush_requests on every call and
 * remote_tlb_flush when the flush was done.  Both increments are plain,
 * not atomic: a racing flush can overwrite one with a stale value, so the
 * sum of the two is used, which stays unchanged across a flush only if
 * both increments were lost.
 */
static __always_inline __u64 flush_requests(struct kvm *kvm)
{
	return BPF_CORE_READ(kvm, stat.generic.remote_tlb_flush_requests) +
	       BPF_CORE_READ(kvm, stat.generic.remote_tlb_flush);
}

SEC("raw_tp/kvm_tdp_mmu_spte_changed")
int BPF_PROG(stock_spte_changed, int as_id, __u64 gfn, int level,
	     __u64 old_spte, __u64 new_spte)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_ctx *tc = bpf_map_lookup_elem(&task_ctx, &tid);
	struct spte_event *ev = cur_spte();
	struct kvm *kvm;
	__u64 mm;

	if (!ev)
		return 0;
	if (tc) {
		kvm = (struct kvm *)tc->kvm;
		ev->vm = stock_vm_id(kvm, true);
		ev->pid = kvm_pid(kvm);
		ev->flush_reqs = flush_requests(kvm);
		ev->flags = tc->flags;
	} else {
		/*
		 * No context: key by the task's mm (0 for a kernel thread),
		 * a guess that two VMs of one process share.
		 */
		mm = (__u64)BPF_CORE_READ((struct task_struct *)
					  bpf_get_current_task(), mm);
		ev->vm = mm ? ((mm >> 12) & 0x7fffffff) | 0x80000000 : 0;
		ev->flags = SPTE_F_VM_GUESSED;
	}
	ev->gfn = gfn;
	ev->old_spte = old_spte;
	ev->new_spte = new_spte;
	ev->as_id = as_id;
	ev->level = level;
	ev->op = SPTE_OP_CHANGED;
	return handle_spte(ctx, ev);
}

SEC("raw_tp/kvm_mmu_zap_all_fast")
int BPF_PROG(stock_zap_all_fast, struct kvm *kvm)
{
	struct vm_event ev;

	__builtin_memset(&ev, 0, sizeof(ev));
	ev.vm = stock_vm_id(kvm, true);
	ev.pid = kvm_pid(kvm);
	return handle_vm_event(ctx, EVENT_ROOTS_INVALID, &ev);
}

/* ---- Stock kernel: function hooks (bpf/hooks.h) ---------------------------- */

static __always_inline __u64 hook_tag(__u32 hook)
{
	return (__u64)(__u32)bpf_get_current_pid_tgid() << 8 | hook;
}

static __always_inline void ctx_enter(struct kvm *kvm, __u32 hook, __u32 lock,
				      bool teardown)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_ctx tc;

	tc.kvm = (__u64)kvm;
	tc.func = hook;
	tc.flags = SPTE_F_LOCK_KNOWN | (lock == HOOK_LOCK_READ ? SPTE_F_SHARED : 0) |
		   (teardown ? SPTE_F_TEARDOWN : 0);
	bpf_map_update_elem(&task_ctx, &tid, &tc, BPF_ANY);
}

static __always_inline void ctx_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&task_ctx, &tid);
}

static __always_inline int hook_vm_event(void *ctx, __u32 type,
					 struct kvm *kvm, __u64 start,
					 __u64 pages, __u64 tag, __u32 reason)
{
	struct vm_event ev;

	__builtin_memset(&ev, 0, sizeof(ev));
	ev.vm = stock_vm_id(kvm, true);
	ev.pid = kvm_pid(kvm);
	ev.start_gfn = start;
	ev.pages = pages;
	ev.tag = tag;
	ev.reason = reason;
	ev.flush_reqs = flush_requests(kvm);
	return handle_vm_event(ctx, type, &ev);
}

/* A kretprobe sees no arguments: remember the kvm for it. */
static __always_inline void kret_save(__u32 hook, struct kvm *kvm)
{
	__u64 tag = hook_tag(hook), val = (__u64)kvm;

	bpf_map_update_elem(&kret_vm, &tag, &val, BPF_ANY);
}

static __always_inline struct kvm *kret_take(__u32 hook)
{
	__u64 tag = hook_tag(hook), *val = bpf_map_lookup_elem(&kret_vm, &tag);
	struct kvm *kvm;

	if (!val)
		return 0;
	kvm = (struct kvm *)*val;
	bpf_map_delete_elem(&kret_vm, &tag);
	return kvm;
}

/* What a hook does at the function's entry and at its exit. */
static __always_inline int hook_entry(void *ctx, __u32 hook, __u32 cls,
				      __u32 arg, struct kvm *kvm, __u64 start,
				      __u64 pages, bool shared_arg)
{
	__u32 lock = arg == HOOK_LOCK_ARG ?
			     (shared_arg ? HOOK_LOCK_READ : HOOK_LOCK_WRITE) :
			     arg;
	__u32 tid;
	struct task_ctx *tc;

	if (!kvm)
		return 0;
	switch (cls) {
	case HOOK_FLUSH:
		return hook_vm_event(ctx, EVENT_FLUSH_BEGIN, kvm, start, pages,
				     hook_tag(hook), 0);
	case HOOK_TEARDOWN:
		ctx_enter(kvm, hook, lock, true);
		return hook_vm_event(ctx, EVENT_TEARDOWN_BEGIN, kvm, 0, 0, 0, 0);
	case HOOK_CONTEXT:
		ctx_enter(kvm, hook, lock, false);
		return 0;
	case HOOK_DEADLINE:
		if (arg != DEADLINE_YIELD)
			return 0;
		/* Only a yield of this task's own VM's mmu_lock. */
		tid = (__u32)bpf_get_current_pid_tgid();
		tc = bpf_map_lookup_elem(&task_ctx, &tid);
		if (!tc || tc->kvm != (__u64)kvm)
			return 0;
		return hook_vm_event(ctx, EVENT_DEADLINE, kvm, 0, 0, 0, arg);
	}
	return 0;
}

static __always_inline int hook_exit(void *ctx, __u32 hook, __u32 cls,
				     __u32 arg, struct kvm *kvm)
{
	__u64 key;

	if (!kvm)
		return 0;
	switch (cls) {
	case HOOK_FLUSH:
		return hook_vm_event(ctx, EVENT_FLUSH_END, kvm, 0, 0,
				     hook_tag(hook), 0);
	case HOOK_TEARDOWN:
		ctx_exit();
		return hook_vm_event(ctx, EVENT_TEARDOWN_END, kvm, 0, 0, 0, 0);
	case HOOK_CONTEXT:
		ctx_exit();
		return 0;
	case HOOK_DEADLINE:
		if (arg == DEADLINE_YIELD)
			return 0;
		return hook_vm_event(ctx, EVENT_DEADLINE, kvm, 0, 0, 0, arg);
	case HOOK_DESTROY:
		hook_vm_event(ctx, EVENT_VM_DESTROY, kvm, 0, 0, 0, 0);
		key = (__u64)kvm;
		bpf_map_delete_elem(&vm_ids, &key);
		return 0;
	}
	return 0;
}

/* The struct kvm each shape of function gives, from its first argument. */
static __always_inline struct kvm *shape_kvm(__u32 shape, void *arg0)
{
	switch (shape) {
	case SHAPE_VCPU:
		return BPF_CORE_READ((struct kvm_vcpu *)arg0, kvm);
	case SHAPE_NOTIFIER:
		return (void *)((char *)arg0 -
				bpf_core_field_offset(struct kvm, mmu_notifier));
	case SHAPE_RWLOCK:
		return (void *)((char *)arg0 -
				bpf_core_field_offset(struct kvm, mmu_lock));
	default:
		return arg0;
	}
}

/* A flush's range, per shape: the whole VM unless the function says. */
#define SHAPE_RANGE(shape, a1, a2, start, pages)				\
	do {									\
		start = 0;							\
		pages = FLUSH_ALL_PAGES;					\
		if (shape == SHAPE_KVM_RANGE) {					\
			start = (__u64)(a1);					\
			pages = (__u64)(a2);					\
		} else if (shape == SHAPE_KVM_SLOT) {				\
			start = BPF_CORE_READ((struct kvm_memory_slot *)(a1),	\
					      base_gfn);			\
			pages = BPF_CORE_READ((struct kvm_memory_slot *)(a1),	\
					      npages);				\
		}								\
	} while (0)

/*
 * Four programs per hook.  The entry programs take six arguments: the
 * ones a shape does not have are never read.  The exit ones read only the
 * first (fexit) or use the kvm saved at entry (kretprobe).
 */
#define HOOK_PROGS(name, sym, cls, shape, arg)					\
SEC("fentry/" #sym)								\
int BPF_PROG(fentry_##name, void *a0, __u64 a1, __u64 a2, __u64 a3,		\
	     __u64 a4, __u64 a5)						\
{										\
	__u64 start, pages;							\
										\
	SHAPE_RANGE(shape, a1, a2, start, pages);				\
	return hook_entry(ctx, HOOK_##name, cls, arg, shape_kvm(shape, a0),	\
			  start, pages, shape == SHAPE_SPLIT && (bool)a5);	\
}										\
SEC("fexit/" #sym)								\
int BPF_PROG(fexit_##name, void *a0)						\
{										\
	return hook_exit(ctx, HOOK_##name, cls, arg, shape_kvm(shape, a0));	\
}										\
SEC("kprobe/" #sym)								\
int BPF_KPROBE(kprobe_##name, void *a0, __u64 a1, __u64 a2)			\
{										\
	struct kvm *kvm = shape_kvm(shape, a0);					\
	__u64 start, pages;							\
										\
	SHAPE_RANGE(shape, a1, a2, start, pages);				\
	kret_save(HOOK_##name, kvm);						\
	/* The sixth argument of x86-64's calling convention is in r9. */	\
	return hook_entry(ctx, HOOK_##name, cls, arg, kvm, start, pages,	\
			  shape == SHAPE_SPLIT &&				\
			  (bool)BPF_CORE_READ(ctx, r9));			\
}										\
SEC("kretprobe/" #sym)								\
int BPF_KRETPROBE(kretprobe_##name)						\
{										\
	return hook_exit(ctx, HOOK_##name, cls, arg, kret_take(HOOK_##name));	\
}

SPTE_HOOKS(HOOK_PROGS)

/* ---- The protocol ----------------------------------------------------------- */

/*
 * Runs the event in this CPU's "cur" slot through bpf/protocol.h: tail
 * called by the SPTE entry programs, run directly by the tests
 * (BPF_PROG_TEST_RUN), never attached.
 */
SEC("raw_tp")
int protocol(void *ctx)
{
	__u32 zero = 0;
	struct event *ev = bpf_map_lookup_elem(&cur, &zero);
	struct env env;

	if (!ev || !env_init(&env, ctx))
		return 0;
	proto_event(&env, ev);
	return 0;
}
