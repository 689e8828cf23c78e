/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event sources: what the running kernel offers (probed through BTF,
 * tracefs and kallsyms, never by version number), which BPF programs that
 * selects, and what the chosen combination cannot see.
 */
#ifndef __SPTE_SOURCES_H
#define __SPTE_SOURCES_H

#include <stdbool.h>
#include <stdio.h>

struct bpf_object;

enum spte_source {
	SPTE_SRC_NONE,
	SPTE_SRC_PATCHED, /* kernel-patch/ tracepoints */
	SPTE_SRC_STOCK, /* kvmmmu:kvm_tdp_mmu_spte_changed */
};

enum hook_source {
	HOOK_SRC_NONE,
	HOOK_SRC_PATCHED, /* kernel-patch/ tracepoints */
	HOOK_SRC_FENTRY, /* fentry/fexit */
	HOOK_SRC_KPROBE, /* kprobe/kretprobe */
};

enum hook_class {
	HOOK_FLUSH,
	HOOK_TEARDOWN,
};

#define MAX_HOOK_FUNCS 6

struct hook_func {
	const char *name;
	enum hook_class cls;
	bool in_btf; /* fentry possible */
	bool in_kallsyms; /* kprobe possible */
};

struct source_plan {
	enum spte_source spte;
	enum hook_source flush;
	enum hook_source teardown;
	struct hook_func funcs[MAX_HOOK_FUNCS];
	int nfuncs;
	bool kprobes_available;
	bool fentry_failed; /* tried and refused by the kernel */
	bool kprobe_failed;
	bool tdp_mmu_disabled;
	char fentry_error[128];
	char kprobe_error[128];
	char mmu_vendor[16]; /* "kvm_amd", "kvm_intel", "" */
};

/* Probe the kernel and pick the best sources; negative errno if none. */
int sources__probe(struct source_plan *plan, bool force_stock);
/* Give up on a hook kind after the kernel refused it; picks the next one. */
void sources__downgrade(struct source_plan *plan, enum hook_source failed,
			const char *why);
/* Enable exactly the programs the plan needs. */
void sources__select(const struct source_plan *plan, struct bpf_object *obj);
/* True when flushes are seen. */
bool sources__flush_visible(const struct source_plan *plan);
/* What is attached and what it cannot see, for people. */
void sources__describe(const struct source_plan *plan, FILE *f);
const char *spte_source_name(enum spte_source s);
const char *hook_source_name(enum hook_source s);

#endif /* __SPTE_SOURCES_H */
