// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cpuid.h>

#include "ksyms.h"
#include "sources.h"

static const struct {
	const char *symbol;
	enum hook_class cls;
} hooks[HOOK_MAX] = {
#define HOOK_ROW(name, sym, cls, shape, arg) [HOOK_##name] = { #sym, cls },
	SPTE_HOOKS(HOOK_ROW)
#undef HOOK_ROW
};

const char *hook_symbol(enum hook_id id)
{
	return id < HOOK_MAX ? hooks[id].symbol : "unknown";
}

enum hook_class hook_class_of(enum hook_id id)
{
	return id < HOOK_MAX ? hooks[id].cls : HOOK_CLASSES;
}

struct btfs {
	struct btf *vmlinux;
	struct btf *kvm; /* KVM built as a module */
};

static void btfs_load(struct btfs *b)
{
	b->vmlinux = btf__load_vmlinux_btf();
	if (libbpf_get_error(b->vmlinux)) {
		b->vmlinux = NULL;
		return;
	}
	if (access("/sys/kernel/btf/kvm", R_OK) == 0) {
		b->kvm = btf__load_module_btf("kvm", b->vmlinux);
		if (libbpf_get_error(b->kvm))
			b->kvm = NULL;
	}
}

static void btfs_free(struct btfs *b)
{
	btf__free(b->kvm);
	btf__free(b->vmlinux);
}

static bool btfs_has(const struct btfs *b, const char *name, __u32 kind)
{
	return (b->vmlinux &&
		btf__find_by_name_kind(b->vmlinux, name, kind) >= 0) ||
	       (b->kvm && btf__find_by_name_kind(b->kvm, name, kind) >= 0);
}

/* Raw tracepoints are in BTF as btf_trace_<name>; tracefs is the fallback. */
static bool has_tracepoint(const struct btfs *b, const char *sys,
			   const char *name)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/events",
		"/sys/kernel/debug/tracing/events",
	};
	char path[256];
	unsigned int i;

	snprintf(path, sizeof(path), "btf_trace_%s", name);
	if (btfs_has(b, path, BTF_KIND_TYPEDEF))
		return true;
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", roots[i], sys, name);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

static bool kprobes_available(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
	       access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

static void read_mmu_state(struct source_plan *plan)
{
	char buf[8] = "";
	FILE *f;

	if (access("/sys/module/kvm_amd", F_OK) == 0)
		snprintf(plan->mmu_vendor, sizeof(plan->mmu_vendor), "kvm_amd");
	else if (access("/sys/module/kvm_intel", F_OK) == 0)
		snprintf(plan->mmu_vendor, sizeof(plan->mmu_vendor),
			 "kvm_intel");
	f = fopen("/sys/module/kvm/parameters/tdp_mmu", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && buf[0] == 'N')
			plan->tdp_mmu_disabled = true;
		fclose(f);
	}
}

/*
 * Under Hyper-V, KVM flushes gfn ranges through a hypercall
 * (kvm_x86_ops.flush_remote_tlbs_range, tlb_remote_flush_with_range before
 * 6.6) that never touches kvm->stat.generic.remote_tlb_flush_requests: the
 * counter then cannot prove that no flush happened.
 */
static bool on_hyperv(void)
{
	unsigned int eax, ebx, ecx, edx;
	char vendor[13];

	__cpuid(1, eax, ebx, ecx, edx);
	if (!(ecx & (1U << 31)))
		return false;
	__cpuid(0x40000000, eax, ebx, ecx, edx);
	memcpy(vendor, &ebx, 4);
	memcpy(vendor + 4, &ecx, 4);
	memcpy(vendor + 8, &edx, 4);
	vendor[12] = '\0';
	return !strcmp(vendor, "Microsoft Hv");
}

static bool any_hook(const struct source_plan *plan, bool btf)
{
	int i;

	for (i = 0; i < HOOK_MAX; i++)
		if (btf ? plan->funcs[i].in_btf : plan->funcs[i].in_kallsyms)
			return true;
	return false;
}

static enum hook_source pick_hooks(const struct source_plan *plan)
{
	if (plan->spte == SPTE_SRC_PATCHED)
		return HOOK_SRC_PATCHED;
	if (!plan->fentry_failed && !plan->fentry_excluded &&
	    any_hook(plan, true))
		return HOOK_SRC_FENTRY;
	if (!plan->kprobe_failed && !plan->kprobe_excluded &&
	    plan->kprobes_available && any_hook(plan, false))
		return HOOK_SRC_KPROBE;
	return HOOK_SRC_NONE;
}

/*
 * The patched kernel's v2 series (docs/tracepoints.md): SPTE events with
 * their root, and the deadline event.  A kernel with only the SPTE events
 * of an older series is taken for a stock one.
 */
static bool patched_kernel(const struct btfs *b)
{
	return has_tracepoint(b, "kvmmmu", "kvm_tdp_mmu_spte_set") &&
	       has_tracepoint(b, "kvm", "kvm_mmu_flush_deadline") &&
	       has_tracepoint(b, "kvm", "kvm_remote_tlb_flush_begin");
}

int sources__probe(struct source_plan *plan, bool force_stock)
{
	struct ksyms *ks = ksyms__load("/proc/kallsyms");
	struct btfs b = {};
	int i;

	memset(plan, 0, sizeof(*plan));
	btfs_load(&b);
	for (i = 0; i < HOOK_MAX; i++) {
		plan->funcs[i].in_btf =
			btfs_has(&b, hooks[i].symbol, BTF_KIND_FUNC);
		plan->funcs[i].in_kallsyms =
			ks && ksyms__find_name(ks, hooks[i].symbol);
	}
	ksyms__free(ks);
	plan->kprobes_available = kprobes_available();
	plan->counter_blind = on_hyperv();
	read_mmu_state(plan);

	if (!force_stock && patched_kernel(&b))
		plan->spte = SPTE_SRC_PATCHED;
	else if (has_tracepoint(&b, "kvmmmu", "kvm_tdp_mmu_spte_changed"))
		plan->spte = SPTE_SRC_STOCK;
	plan->zap_all_fast_tp =
		has_tracepoint(&b, "kvmmmu", "kvm_mmu_zap_all_fast");
	plan->hooks = pick_hooks(plan);
	btfs_free(&b);
	return plan->spte == SPTE_SRC_NONE ? -ENOENT : 0;
}

void sources__downgrade(struct source_plan *plan, enum hook_source kind,
			bool refused, const char *why)
{
	bool *failed = kind == HOOK_SRC_FENTRY ? &plan->fentry_failed :
						 &plan->kprobe_failed;
	bool *excluded = kind == HOOK_SRC_FENTRY ? &plan->fentry_excluded :
						   &plan->kprobe_excluded;
	char *error = kind == HOOK_SRC_FENTRY ? plan->fentry_error :
						plan->kprobe_error;

	if (kind != HOOK_SRC_FENTRY && kind != HOOK_SRC_KPROBE)
		return;
	*(refused ? failed : excluded) = true;
	snprintf(error, sizeof(plan->fentry_error), "%s", why);
	if (plan->hooks == kind)
		plan->hooks = pick_hooks(plan);
}

enum hook_source sources__hook_kind(const struct source_plan *plan,
				    enum hook_id id)
{
	if (id >= HOOK_MAX)
		return HOOK_SRC_NONE;
	if (plan->hooks == HOOK_SRC_FENTRY && plan->funcs[id].in_btf)
		return HOOK_SRC_FENTRY;
	if (plan->hooks == HOOK_SRC_KPROBE && plan->funcs[id].in_kallsyms)
		return HOOK_SRC_KPROBE;
	return HOOK_SRC_NONE;
}

static bool class_hooked(const struct source_plan *plan, enum hook_class cls)
{
	int i;

	for (i = 0; i < HOOK_MAX; i++)
		if (hooks[i].cls == cls &&
		    sources__hook_kind(plan, i) != HOOK_SRC_NONE)
			return true;
	return false;
}

enum flush_visibility sources__flush_visibility(const struct source_plan *plan)
{
	if (plan->hooks == HOOK_SRC_PATCHED)
		return FLUSH_COMPLETE;
	if (plan->spte == SPTE_SRC_STOCK && class_hooked(plan, HOOK_FLUSH))
		return FLUSH_PARTIAL;
	return FLUSH_NONE;
}

bool sources__vm_identity(const struct source_plan *plan)
{
	return plan->spte == SPTE_SRC_PATCHED ||
	       class_hooked(plan, HOOK_CONTEXT);
}

const char *spte_source_name(enum spte_source s)
{
	switch (s) {
	case SPTE_SRC_PATCHED:
		return "patched kernel tracepoints (kvmmmu:kvm_tdp_mmu_spte_{set,freeze,unfreeze})";
	case SPTE_SRC_STOCK:
		return "kvmmmu:kvm_tdp_mmu_spte_changed (stock kernel)";
	default:
		return "none";
	}
}

const char *hook_source_name(enum hook_source s)
{
	switch (s) {
	case HOOK_SRC_PATCHED:
		return "patched kernel tracepoints";
	case HOOK_SRC_FENTRY:
		return "fentry/fexit";
	case HOOK_SRC_KPROBE:
		return "kprobe/kretprobe";
	default:
		return "none";
	}
}

static void describe_class(const struct source_plan *plan, FILE *f,
			   const char *title, enum hook_class cls)
{
	int i, n = 0;

	fprintf(f, "  %-15s: ", title);
	if (plan->hooks == HOOK_SRC_PATCHED) {
		fprintf(f, "%s\n", hook_source_name(HOOK_SRC_PATCHED));
		return;
	}
	for (i = 0; i < HOOK_MAX; i++) {
		enum hook_source k = sources__hook_kind(plan, i);

		if (hooks[i].cls != cls || k == HOOK_SRC_NONE)
			continue;
		fprintf(f, "%s%s", n ? ", " : "", hooks[i].symbol);
		n++;
	}
	fprintf(f, "%s%s\n", n ? " via " : "none",
		n ? hook_source_name(plan->hooks) : "");
}

static void describe_refusals(const struct source_plan *plan, FILE *f)
{
	if (plan->fentry_failed || plan->fentry_excluded)
		fprintf(f, "  fentry/fexit   : %s(%s)\n",
			plan->fentry_failed ? "refused by this kernel " : "",
			plan->fentry_error);
	if (plan->kprobe_failed || plan->kprobe_excluded)
		fprintf(f, "  kprobes        : %s(%s)\n",
			plan->kprobe_failed ? "refused by this kernel " : "",
			plan->kprobe_error);
	else if (!plan->kprobes_available && plan->spte == SPTE_SRC_STOCK)
		fprintf(f,
			"  kprobes        : this kernel has none (no kprobe PMU, no kprobe_events)\n");
}

/*
 * What the plan cannot see, and what the monitor does about it: never a
 * violation on evidence that a blind spot could explain.
 */
static void describe_blind_spots(const struct source_plan *plan, FILE *f)
{
	enum flush_visibility vis = sources__flush_visibility(plan);

	fprintf(f, "blind spots:\n");
	if (plan->spte == SPTE_SRC_PATCHED && !plan->tdp_mmu_disabled) {
		fprintf(f,
			"  none: every TDP MMU SPTE write with its root, every remote flush, every\n"
			"  flush deadline, page table free and VM destruction is traced\n");
		return;
	}
	if (vis == FLUSH_NONE)
		fprintf(f,
			"  - remote TLB flushes are invisible (no fentry/fexit, no kprobes): no zap\n"
			"    can be checked; installs after zaps are counted as 'unverified'\n");
	if (!sources__vm_identity(plan))
		fprintf(f,
			"  - the stock tracepoint carries no VM and the TDP MMU entry points cannot be\n"
			"    hooked: SPTE changes are keyed by the task's mm, a guess (two VMs of one\n"
			"    process share it), and nothing keyed by a guess is ever reported\n");
	else
		fprintf(f,
			"  - SPTE changes outside the hooked TDP MMU entry points (none known) are\n"
			"    keyed by the task's mm and never reported\n");
	if (vis == FLUSH_PARTIAL)
		fprintf(f,
			"  - flushes are seen through function hooks, which miss inlined calls: an\n"
			"    uncovered zap is reported only when kvm->stat.generic's remote_tlb_flush_requests\n"
			"    and remote_tlb_flush show that no flush was requested or done since the zap%s\n",
			plan->counter_blind ?
				";\n    under Hyper-V ranged flushes bypass that counter, so nothing is reported" :
				"");
	fprintf(f,
		"  - the stock tracepoint has no root: zaps made while invalidated roots exist\n"
		"    (memslot updates) are not judged; roots of guest mode and SMM are told apart\n"
		"    only by address space (as_id)\n"
		"  - the write that unfreezes an atomically zapped SPTE is not traced: the\n"
		"    unfreeze rule (R2) and the frozen-window histogram need the patched kernel;\n"
		"    on 6.10+ an atomic zap is reported only after its flush (upstream\n"
		"    aca48556c592) and is not judged\n"
		"  - no page table free or dirty-log deadline is traced: rules R5 and R6 need the\n"
		"    patched kernel; writes outside handle_changed_spte() (huge page split fill,\n"
		"    fast page fault fix-ups) are not traced\n");
	if (plan->tdp_mmu_disabled)
		fprintf(f,
			"  - kvm.tdp_mmu=N: the TDP MMU is off, nothing will be seen\n");
}

void sources__describe(const struct source_plan *plan, FILE *f)
{
	fprintf(f, "sources:\n");
	fprintf(f, "  %-15s: %s\n", "SPTE changes", spte_source_name(plan->spte));
	describe_class(plan, f, "remote flushes", HOOK_FLUSH);
	describe_class(plan, f, "root teardown", HOOK_TEARDOWN);
	if (plan->hooks != HOOK_SRC_PATCHED) {
		describe_class(plan, f, "VM identity", HOOK_CONTEXT);
		describe_class(plan, f, "deadlines", HOOK_DEADLINE);
		describe_class(plan, f, "VM destruction", HOOK_DESTROY);
	}
	describe_refusals(plan, f);
	describe_blind_spots(plan, f);
}
