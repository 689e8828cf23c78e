/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live monitor: the BPF object loaded into the running kernel with the
 * sources src/sources.c chose, its ring buffers, and its results.
 */
#ifndef __SPTE_MONITOR_H
#define __SPTE_MONITOR_H

#include <stdbool.h>
#include "snapshot.h"
#include "sources.h"

struct monitor;

typedef void (*monitor_violation_fn)(void *arg, const struct violation *v);
typedef void (*monitor_event_fn)(void *arg, const struct event *ev);
typedef void (*monitor_site_fn)(void *arg, __u32 kind, __s32 stack_id,
				__u64 count);

struct monitor_opts {
	struct spte_config cfg; /* flush_visible is set by the monitor */
	struct spte_limits limits; /* map capacities */
	bool force_stock; /* ignore patched tracepoints */
	bool mmu_auto; /* cfg.flavor from kvm_amd/kvm_intel */
	bool no_fentry; /* --hooks kprobe|none */
	bool no_kprobe; /* --hooks fentry|none */
	__u32 violations_kb; /* ring buffer sizes, powers of two */
	__u32 events_kb; /* only with cfg.record */
	monitor_violation_fn on_violation;
	monitor_event_fn on_event; /* every event, with cfg.record */
	void *arg;
};

void monitor_opts__default(struct monitor_opts *o);

/*
 * Probe, load and attach, falling back from fentry to kprobes to no flush
 * source as the kernel refuses them.  On success *plan says what is attached.
 */
int monitor__open(struct monitor **out, const struct monitor_opts *opts,
		  struct source_plan *plan);
/*
 * Load the programs of @plan and proto_feed, without probing or attaching,
 * with opts->cfg exactly as given (flush visibility included): for running
 * them with BPF_PROG_TEST_RUN (tests/bpf) and for benchmarks.
 */
int monitor__open_detached(struct monitor **out,
			   const struct monitor_opts *opts,
			   const struct source_plan *plan);
/* fd of the loaded program called @name, or -ENOENT. */
int monitor__prog_fd(const struct monitor *m, const char *name);
void monitor__destroy(struct monitor *m);

/* Consume ring buffers for up to @timeout_ms; returns records or -errno. */
int monitor__poll(struct monitor *m, int timeout_ms);
int monitor__snapshot(struct monitor *m, struct snapshot *snap);
/* Forget what src/sweep.h says to, as of now; @ttl_ns 0: nothing expires. */
int monitor__sweep(struct monitor *m, __u64 ttl_ns);
/* The same as of @now_ns on the events' clock (tests). */
int monitor__sweep_at(struct monitor *m, __u64 now_ns, __u64 ttl_ns);
/*
 * Tests: forget every SPTE, VM, flush and result, and run with @cfg from
 * now on, as if freshly loaded (the maps keep their sizes).
 */
int monitor__reset(struct monitor *m, const struct spte_config *cfg);
/* fd of the map called @name, or -ENOENT (tests). */
int monitor__map_fd(const struct monitor *m, const char *name);
/*
 * Tests: write one event into the "feed" map and run proto_feed, the
 * protocol alone, on it in the kernel (BPF_PROG_TEST_RUN).
 */
int monitor__feed(struct monitor *m, const struct event *ev);
int monitor__for_each_site(struct monitor *m, monitor_site_fn fn, void *arg);
int monitor__stack_fd(const struct monitor *m);
/* Some key of the pending-zap map (-ENOENT when empty); for tests. */
int monitor__pending_key(const struct monitor *m, struct spte_key *key);
/* The SPTE format in use, after auto-detection. */
const struct spte_config *monitor__config(const struct monitor *m);
/*
 * Run counts and run times (kernel.bpf_stats_enabled) added up per role of
 * the loaded programs ("spte", "protocol", "flush", "teardown", "context",
 * "deadline", "destroy", "free_sp"): the number of entries, at most @max.
 * Each entry's id is that of the role's first program.
 */
int monitor__prog_stats(struct monitor *m, struct prog_stat *out, int max);

#endif /* __SPTE_MONITOR_H */
