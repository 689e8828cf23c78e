// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "sources.h"

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

static void scan_kallsyms(struct source_plan *plan)
{
	char line[512], type, name[256];
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "r");
	int i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		for (i = 0; i < plan->nfuncs; i++)
			if (!strcmp(name, plan->funcs[i].name))
				plan->funcs[i].in_kallsyms = true;
	}
	fclose(f);
}

static bool kprobes_available(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
	       access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

static bool any_func(const struct source_plan *plan, enum hook_class cls,
		     bool btf)
{
	int i;

	for (i = 0; i < plan->nfuncs; i++)
		if (plan->funcs[i].cls == cls &&
		    (btf ? plan->funcs[i].in_btf : plan->funcs[i].in_kallsyms))
			return true;
	return false;
}

static enum hook_source pick_hook(const struct source_plan *plan,
				  enum hook_class cls, bool patched_tp)
{
	if (patched_tp)
		return HOOK_SRC_PATCHED;
	if (!plan->fentry_failed && any_func(plan, cls, true))
		return HOOK_SRC_FENTRY;
	if (!plan->kprobe_failed && plan->kprobes_available &&
	    any_func(plan, cls, false))
		return HOOK_SRC_KPROBE;
	return HOOK_SRC_NONE;
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

static const struct hook_func hook_funcs[] = {
	{ .name = "kvm_flush_remote_tlbs", .cls = HOOK_FLUSH },
	{ .name = "kvm_flush_remote_tlbs_with_address",
	  .cls = HOOK_FLUSH }, /* to 6.5 */
	{ .name = "kvm_flush_remote_tlbs_range", .cls = HOOK_FLUSH }, /* 6.6+ */
	{ .name = "kvm_flush_remote_tlbs_memslot",
	  .cls = HOOK_FLUSH }, /* 6.6+ */
	{ .name = "kvm_tdp_mmu_zap_invalidated_roots", .cls = HOOK_TEARDOWN },
	{ .name = "kvm_tdp_mmu_zap_all", .cls = HOOK_TEARDOWN },
};

int sources__probe(struct source_plan *plan, bool force_stock)
{
	struct btfs b = {};
	bool patched;
	int i;

	memset(plan, 0, sizeof(*plan));
	plan->nfuncs = sizeof(hook_funcs) / sizeof(hook_funcs[0]);
	memcpy(plan->funcs, hook_funcs, sizeof(hook_funcs));
	btfs_load(&b);
	for (i = 0; i < plan->nfuncs; i++)
		plan->funcs[i].in_btf =
			btfs_has(&b, plan->funcs[i].name, BTF_KIND_FUNC);
	scan_kallsyms(plan);
	plan->kprobes_available = kprobes_available();
	read_mmu_state(plan);

	patched = !force_stock &&
		  has_tracepoint(&b, "kvmmmu", "kvm_tdp_mmu_spte_set");
	if (patched)
		plan->spte = SPTE_SRC_PATCHED;
	else if (has_tracepoint(&b, "kvmmmu", "kvm_tdp_mmu_spte_changed"))
		plan->spte = SPTE_SRC_STOCK;
	plan->flush = pick_hook(
		plan, HOOK_FLUSH,
		patched && has_tracepoint(&b, "kvm",
					  "kvm_remote_tlb_flush_begin"));
	plan->teardown = pick_hook(
		plan, HOOK_TEARDOWN,
		patched && has_tracepoint(&b, "kvmmmu",
					  "kvm_tdp_mmu_root_teardown_begin"));
	btfs_free(&b);
	return plan->spte == SPTE_SRC_NONE ? -ENOENT : 0;
}

void sources__downgrade(struct source_plan *plan, enum hook_source failed,
			const char *why)
{
	if (failed == HOOK_SRC_FENTRY) {
		plan->fentry_failed = true;
		snprintf(plan->fentry_error, sizeof(plan->fentry_error), "%s",
			 why);
	} else if (failed == HOOK_SRC_KPROBE) {
		plan->kprobe_failed = true;
		snprintf(plan->kprobe_error, sizeof(plan->kprobe_error), "%s",
			 why);
	}
	if (plan->flush == failed)
		plan->flush = pick_hook(plan, HOOK_FLUSH, false);
	if (plan->teardown == failed)
		plan->teardown = pick_hook(plan, HOOK_TEARDOWN, false);
}

static void enable(struct bpf_object *obj, const char *prefix, const char *name)
{
	struct bpf_program *prog;
	char buf[128];

	snprintf(buf, sizeof(buf), "%s%s", prefix, name);
	prog = bpf_object__find_program_by_name(obj, buf);
	if (prog)
		bpf_program__set_autoload(prog, true);
}

static void select_hooks(const struct source_plan *plan, struct bpf_object *obj,
			 enum hook_class cls, enum hook_source src)
{
	int i;

	for (i = 0; i < plan->nfuncs; i++) {
		const struct hook_func *fn = &plan->funcs[i];

		if (fn->cls != cls)
			continue;
		if (src == HOOK_SRC_FENTRY && fn->in_btf) {
			enable(obj, "fentry_", fn->name);
			enable(obj, "fexit_", fn->name);
		} else if (src == HOOK_SRC_KPROBE && fn->in_kallsyms) {
			enable(obj, "kprobe_", fn->name);
			enable(obj, "kretprobe_", fn->name);
		}
	}
}

void sources__select(const struct source_plan *plan, struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);

	if (plan->spte == SPTE_SRC_PATCHED) {
		enable(obj, "patched_", "spte_set");
		enable(obj, "patched_", "spte_freeze");
		enable(obj, "patched_", "spte_unfreeze");
	} else if (plan->spte == SPTE_SRC_STOCK) {
		enable(obj, "stock_", "spte_changed");
	}
	if (plan->flush == HOOK_SRC_PATCHED) {
		enable(obj, "patched_", "flush_begin");
		enable(obj, "patched_", "flush_end");
	} else {
		select_hooks(plan, obj, HOOK_FLUSH, plan->flush);
	}
	if (plan->teardown == HOOK_SRC_PATCHED) {
		enable(obj, "patched_", "teardown_begin");
		enable(obj, "patched_", "teardown_end");
	} else {
		select_hooks(plan, obj, HOOK_TEARDOWN, plan->teardown);
	}
}

bool sources__flush_visible(const struct source_plan *plan)
{
	return plan->flush != HOOK_SRC_NONE;
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

static void describe_hooks(const struct source_plan *plan, FILE *f,
			   enum hook_class cls, enum hook_source src)
{
	int i, n = 0;

	fprintf(f, "%s", hook_source_name(src));
	if (src != HOOK_SRC_FENTRY && src != HOOK_SRC_KPROBE)
		return;
	fprintf(f, " on");
	for (i = 0; i < plan->nfuncs; i++) {
		const struct hook_func *fn = &plan->funcs[i];

		if (fn->cls == cls &&
		    (src == HOOK_SRC_FENTRY ? fn->in_btf : fn->in_kallsyms)) {
			fprintf(f, "%s %s", n ? "," : "", fn->name);
			n++;
		}
	}
}

/* A kind given up on: refused by the kernel, or excluded by --hooks. */
static const char *refusal(const char *why)
{
	return strncmp(why, "not used", 8) ? "refused by this kernel " : "";
}

static void describe_refusals(const struct source_plan *plan, FILE *f)
{
	if (plan->fentry_failed)
		fprintf(f, "  fentry/fexit   : %s(%s)\n",
			refusal(plan->fentry_error), plan->fentry_error);
	if (plan->kprobe_failed)
		fprintf(f, "  kprobes        : %s(%s)\n",
			refusal(plan->kprobe_error), plan->kprobe_error);
	else if (!plan->kprobes_available)
		fprintf(f,
			"  kprobes        : this kernel has none (no kprobe PMU, no kprobe_events)\n");
}

static bool no_blind_spots(const struct source_plan *plan)
{
	return plan->spte == SPTE_SRC_PATCHED &&
	       plan->flush == HOOK_SRC_PATCHED &&
	       plan->teardown == HOOK_SRC_PATCHED && !plan->tdp_mmu_disabled;
}

static void describe_blind_spots(const struct source_plan *plan, FILE *f)
{
	fprintf(f, "blind spots:\n");
	if (no_blind_spots(plan))
		fprintf(f,
			"  none: every TDP MMU SPTE write, remote flush and root teardown is traced\n");
	if (plan->spte == SPTE_SRC_STOCK) {
		fprintf(f,
			"  - the stock tracepoint carries no VM: VMs are keyed by the mm of the task\n"
			"    making the change; changes made by kernel threads (kswapd, khugepaged)\n"
			"    are not attributed and not checked; two VMs in one process share a key\n");
		fprintf(f,
			"  - the write that replaces a removed SPTE after the flush is not traced:\n"
			"    the frozen window histogram stays empty\n");
		fprintf(f,
			"  - writes outside handle_changed_spte() (huge page split fill, fast page\n"
			"    fault fix-ups) are not traced\n");
	}
	switch (plan->flush) {
	case HOOK_SRC_NONE:
		fprintf(f,
			"  - remote TLB flushes are invisible: no reinstall can be verified; they are\n"
			"    counted as 'unverified', never reported as violations\n");
		break;
	case HOOK_SRC_FENTRY:
	case HOOK_SRC_KPROBE:
		fprintf(f,
			"  - flushes are seen only through calls to the hooked functions: a flush the\n"
			"    compiler inlined into its caller is missed, and a zap it covered is then\n"
			"    reported as uncovered; confirm violations on a patched kernel\n");
		break;
	default:
		break;
	}
	if (plan->teardown == HOOK_SRC_NONE && plan->flush != HOOK_SRC_NONE)
		fprintf(f,
			"  - root teardown (memslot deletion, VM exit) is invisible: zaps of torn-down\n"
			"    roots followed by installs in new roots are reported as uncovered\n");
	if (plan->tdp_mmu_disabled)
		fprintf(f,
			"  - kvm.tdp_mmu=N: the TDP MMU is off, nothing will be seen\n");
}

void sources__describe(const struct source_plan *plan, FILE *f)
{
	fprintf(f, "sources:\n");
	fprintf(f, "  SPTE changes   : %s\n", spte_source_name(plan->spte));
	fprintf(f, "  remote flushes : ");
	describe_hooks(plan, f, HOOK_FLUSH, plan->flush);
	fprintf(f, "\n  root teardown  : ");
	describe_hooks(plan, f, HOOK_TEARDOWN, plan->teardown);
	fputc('\n', f);
	describe_refusals(plan, f);
	describe_blind_spots(plan, f);
}
