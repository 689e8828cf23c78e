/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spte-vmm: types shared by the supervisor (spte-vmm.c: options,
 * processes, signals, readiness) and one VM (vm.c: guest, rounds, zaps).
 */
#ifndef SPTE_VMM_H
#define SPTE_VMM_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_VCPUS	64
#define MAX_VMS		16	/* per process */
#define MAX_PROCS	16
#define MAX_ZAPS	32
#define MAX_MEM_MB	1024UL

/* What the VMM does to the guest's mappings between two rounds. */
enum zap_kind {
	ZAP_NONE,
	ZAP_MADVISE,		/* madvise(MADV_DONTNEED): MMU notifier zap */
	ZAP_MPROTECT,		/* mprotect(PROT_READ) and back */
	ZAP_SLOT_DELETE,	/* delete the data memslot and add it again */
	ZAP_SLOT_MOVE,		/* move the data memslot to another GPA */
	ZAP_DIRTY_LOG,		/* log one round, fetch the log, stop logging */
	ZAP_DIRTY_LOG_RACE,	/* the same, logging enabled while the round
				 * runs, over huge SPTEs write-protected
				 * before: eager splitting races the faults
				 * of the vCPUs */
	NR_ZAP_KINDS,
};

extern const char *const zap_names[NR_ZAP_KINDS];

/* What backs guest memory. */
enum backing {
	BACKING_4K,		/* anonymous, MADV_NOHUGEPAGE */
	BACKING_THP,		/* anonymous, 2 MiB aligned, MADV_HUGEPAGE */
	BACKING_HUGETLB,	/* MAP_HUGETLB (needs vm.nr_hugepages) */
	NR_BACKINGS,
};

extern const char *const backing_names[NR_BACKINGS];

struct options {
	unsigned int vcpus;		/* per VM */
	unsigned int vms;		/* per process, one thread each */
	unsigned int procs;		/* processes */
	unsigned int rounds;		/* 0: until SIGTERM/SIGINT */
	unsigned int deadline_s;	/* bound on one round */
	unsigned int interval_ms;	/* pause between rounds */
	unsigned long mem_mb;		/* per VM */
	enum backing backing;
	int eager_split;		/* -1: leave kvm's setting alone */
	const char *ready_path;
	bool trace_marker;
	bool exec_data;			/* run the guest code from data memory */
	bool verbose;
	enum zap_kind zaps[MAX_ZAPS];	/* cycled, one per zap */
	unsigned int nr_zaps;
};

/* How a VM talks to the process that runs it (see spte-vmm.c). */
struct vm_hooks {
	/* Called once, after the first round: every page is mapped. */
	void (*ready)(void *arg);
	/* True once the process was asked to stop (checked between rounds). */
	bool (*stopping)(void *arg);
	/* Wait up to ms milliseconds, returning early when stopping. */
	void (*pause)(void *arg, unsigned int ms);
	void *arg;
};

/*
 * Runs VM number `index` from setup to teardown in the calling thread.
 * Returns 0 when every round ran and was verified.  On failure a vCPU
 * thread may still sit in KVM_RUN: only exiting the process ends it.
 */
int vm_main(const struct options *opt, int index, const struct vm_hooks *hooks);

/* kvm's eager_page_split: get returns 1 (Y), 0 (N) or -1 when unknown. */
int eager_split_get(void);
int eager_split_set(int on);

#endif
