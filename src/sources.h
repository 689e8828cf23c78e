/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event sources: what the running kernel offers (probed through BTF,
 * tracefs and kallsyms, never by version number), the plan that picks from
 * it, and what that plan cannot see.  The functions an unpatched kernel is
 * hooked at are the ones of bpf/hooks.h; src/monitor.c turns a plan into
 * loaded programs.
 */
#ifndef __SPTE_SOURCES_H
#define __SPTE_SOURCES_H

#include <stdbool.h>
#include <stdio.h>

#include "spte_trace.h"
#include "hooks.h"

enum spte_source {
	SPTE_SRC_NONE,
	SPTE_SRC_PATCHED, /* kernel-patch/ tracepoints (docs/tracepoints.md) */
	SPTE_SRC_STOCK, /* kvmmmu:kvm_tdp_mmu_spte_changed */
};

enum hook_source {
	HOOK_SRC_NONE,
	HOOK_SRC_PATCHED, /* kernel-patch/ tracepoints */
	HOOK_SRC_FENTRY, /* fentry/fexit */
	HOOK_SRC_KPROBE, /* kprobe/kretprobe */
};

struct hook_probe {
	bool in_btf; /* fentry possible */
	bool in_kallsyms; /* kprobe possible */
};

struct source_plan {
	enum spte_source spte;
	/*
	 * How the kernel's functions are seen: HOOK_SRC_PATCHED when its
	 * tracepoints say it all, else the kind of function hook in use.
	 */
	enum hook_source hooks;
	struct hook_probe funcs[HOOK_MAX]; /* by enum hook_id */
	bool zap_all_fast_tp; /* stock kvmmmu:kvm_mmu_zap_all_fast */
	bool kprobes_available;
	bool fentry_failed; /* tried and refused by the kernel */
	bool kprobe_failed;
	bool fentry_excluded; /* --hooks said not to */
	bool kprobe_excluded;
	bool tdp_mmu_disabled;
	bool counter_blind; /* Hyper-V: ranged flushes bypass the counter */
	char fentry_error[128];
	char kprobe_error[128];
	char mmu_vendor[16]; /* "kvm_amd", "kvm_intel", "" */
};

/* Probe the kernel and pick the best sources; -ENOENT if none. */
int sources__probe(struct source_plan *plan, bool force_stock);
/* Give up on a hook kind; @refused: by the kernel (else by --hooks). */
void sources__downgrade(struct source_plan *plan, enum hook_source kind,
			bool refused, const char *why);
/* Should the programs of hook @id be loaded, and as which kind? */
enum hook_source sources__hook_kind(const struct source_plan *plan,
				    enum hook_id id);
/* What the plan sees of remote TLB flushes. */
enum flush_visibility sources__flush_visibility(const struct source_plan *plan);
/* Stock mode: is the VM of an SPTE change known (context hooks)? */
bool sources__vm_identity(const struct source_plan *plan);
/* What is attached and what it cannot see, for people. */
void sources__describe(const struct source_plan *plan, FILE *f);
const char *spte_source_name(enum spte_source s);
const char *hook_source_name(enum hook_source s);
/* The kernel function of hook @id and its class. */
const char *hook_symbol(enum hook_id id);
enum hook_class hook_class_of(enum hook_id id);

#endif /* __SPTE_SOURCES_H */
