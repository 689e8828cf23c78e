/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A busy, awkward prom_input for tests/unit/test_prom.c and
 * tests/operator/prom_dump.c: values in many histogram slots, every
 * counter non-zero, VMs past the limit and label values that need escaping.
 */
#ifndef __SPTE_PROM_FIXTURE_H
#define __SPTE_PROM_FIXTURE_H

#include <string.h>
#include "prom.h"

struct prom_fixture {
	struct snapshot snap;
	struct source_plan plan;
	struct prog_stat progs[2];
	struct vmtab *vms;
	struct prom_input in;
};

static int fixture_comm(void *arg, __u32 pid, char *comm)
{
	/* A comm may hold anything a process chose: quote, backslash, newline. */
	snprintf(comm, COMM_LEN, pid == 101 ? "we\"ird\\vm\n" : "qemu-%u", pid);
	return 0;
}

static void prom_fixture__init(struct prom_fixture *f)
{
	struct violation v = { .kind = VK_STALE_PFN };
	unsigned int i, k, l;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < CNT_MAX; i++)
		f->snap.stats.counters[i] = 1000 + i;
	for (i = 0; i < TR_MAX; i++)
		for (l = 0; l < SPTE_LEVELS; l++)
			f->snap.stats.transitions[i][l] = i * 10 + l;
	for (i = 0; i < OUT_MAX; i++)
		for (l = 0; l < SPTE_LEVELS; l++)
			f->snap.stats.outcomes[i][l] = i + l;
	for (i = 0; i < VK_MAX; i++)
		for (l = 0; l < SPTE_LEVELS; l++)
			f->snap.stats.violations[i][l] = 2 * i + l;
	for (k = 0; k < HIST_KINDS; k++) {
		for (l = 0; l < SPTE_LEVELS; l++) {
			struct hist *h = &f->snap.hists.h[k][l];

			for (i = 0; i < HIST_SLOTS; i += 1 + k)
				h->slots[i] = i + l + 1;
			h->sum_ns = 123456789012ULL + k;
		}
	}
	f->snap.sweep.covered = 7;
	f->snap.sweep.expired = 2;
	f->snap.sweep.live = 3;
	f->snap.ringbuf_lost = 4;

	f->plan.spte = SPTE_SRC_STOCK;
	f->plan.hooks = HOOK_SRC_KPROBE;
	f->plan.funcs[HOOK_flush_all].in_kallsyms = true;

	snprintf(f->progs[0].name, sizeof(f->progs[0].name), "stock_spte");
	f->progs[0].run_cnt = 5000;
	f->progs[0].run_time_ns = 1234567;
	snprintf(f->progs[1].name, sizeof(f->progs[1].name), "kp_flush");
	f->progs[1].run_cnt = 10;
	f->progs[1].run_time_ns = 3000000000ULL;

	f->vms = vmtab__new(2);
	vmtab__set_comm_fn(f->vms, fixture_comm, NULL);
	for (k = 1; k <= 4; k++) {
		v.vm = 0xffff888000000000ULL + k * 0x1000;
		v.pid = 100 + k;
		vmtab__add_violation(f->vms, &v);
		vmtab__add_events(f->vms, v.vm, v.pid, 10 * k);
	}

	f->in.snap = &f->snap;
	f->in.vm_events = true;
	f->in.plan = &f->plan;
	f->in.vms = f->vms;
	f->in.progs = f->progs;
	f->in.nprogs = 2;
	f->in.bpf_stats_enabled = 1;
	f->in.version = "v1.2-test \"q\"";
	f->in.mode = "live";
	f->in.start_time = 1700000000.25;
	f->in.now = 1700000100.5;
}

static void prom_fixture__release(struct prom_fixture *f)
{
	vmtab__free(f->vms);
}

#endif /* __SPTE_PROM_FIXTURE_H */
