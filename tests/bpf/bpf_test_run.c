// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF programs, loaded into this kernel and run with BPF_PROG_TEST_RUN.
 *
 * 1. The protocol: every scenario of tests/scenarios/table.c goes through
 *    proto_feed (bpf/spte_trace.bpf.c), i.e. bpf/protocol.h over the BPF
 *    maps, and must give what the scenario expects and exactly the
 *    snapshot and violation records the userspace engine gives.
 * 2. The sources: the programs that turn tracepoint arguments into events
 *    (patched_*, stock_*) give the events the protocol expects: VM identity,
 *    roots, stacks only where they pay, losses counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "monitor.h"
#include "names.h"
#include "run.h"
#include "scenario.h"
#include "spte.h"

#define KVM_A 0xffff888100000000ULL /* struct kvm * of the sources tests */
#define KVM_B 0xffff888200000000ULL

struct tb {
	struct monitor *mon;
	struct seen seen;
};

static void on_violation(void *arg, const struct violation *v)
{
	struct tb *tb = arg;

	seen_add(&tb->seen, v);
}

struct tb_opts {
	bool stock; /* stock_spte_changed, not patched_* */
	__u32 flush_visible; /* enum flush_visibility */
	__u32 max_pending;
	__u32 max_sptes;
	__u32 violations_kb;
	__u32 stacks;
	__u32 site_sample;
};

static struct tb *tb_open(const struct tb_opts *to)
{
	struct source_plan plan = {};
	struct monitor_opts o;
	struct tb *tb = calloc(1, sizeof(*tb));
	int err;

	assert_non_null(tb);
	monitor_opts__default(&o);
	spte_config__default(&o.cfg);
	o.cfg.stacks = to->stacks;
	o.cfg.site_sample = to->site_sample;
	o.on_violation = on_violation;
	o.arg = tb;
	if (to->max_pending)
		o.limits.max_pending = to->max_pending;
	if (to->max_sptes)
		o.limits.max_sptes = to->max_sptes;
	if (to->violations_kb)
		o.violations_kb = to->violations_kb;
	o.cfg.flush_visible = to->flush_visible;
	plan.spte = to->stock ? SPTE_SRC_STOCK : SPTE_SRC_PATCHED;
	plan.hooks = to->stock ? HOOK_SRC_NONE : HOOK_SRC_PATCHED;
	err = monitor__open_detached(&tb->mon, &o, &plan);
	if (err)
		fail_msg("loading the BPF programs: %s", strerror(-err));
	return tb;
}

static void tb_close(struct tb *tb)
{
	monitor__destroy(tb->mon);
	free(tb);
}

static void snap(struct tb *tb, struct snapshot *s)
{
	assert_true(monitor__poll(tb->mon, 0) >= 0);
	assert_int_equal(monitor__snapshot(tb->mon, s), 0);
}

/* ---- 1. The protocol: the scenario table through proto_feed --------------- */

/*
 * One load of the BPF object per map capacity the table asks for (loading
 * verifies the protocol program, which takes a while), reset between
 * scenarios.
 */
static struct tb *loaded[4];

static struct tb *tb_for(const struct scenario *sc)
{
	struct source_plan plan = { .spte = SPTE_SRC_PATCHED,
				    .hooks = HOOK_SRC_PATCHED };
	int slot = sc->max_pending ? 1 : sc->max_vms ? 2 :
		   sc->max_inflight ? 3 : 0;
	struct monitor_opts o;
	struct spte_limits lim;
	struct tb *tb = loaded[slot];
	int err;

	monitor_opts__default(&o);
	scenario_config(sc, &o.cfg, &lim);
	if (!tb) {
		tb = calloc(1, sizeof(*tb));
		assert_non_null(tb);
		o.limits = lim;
		o.on_violation = on_violation;
		o.arg = tb;
		err = monitor__open_detached(&tb->mon, &o, &plan);
		if (err)
			fail_msg("loading the BPF programs: %s", strerror(-err));
		loaded[slot] = tb;
	}
	assert_int_equal(monitor__reset(tb->mon, &o.cfg), 0);
	memset(&tb->seen, 0, sizeof(tb->seen));
	return tb;
}

static int bpf_feed(void *ctx, const struct event *ev)
{
	struct tb *tb = ctx;
	int err = monitor__feed(tb->mon, ev);

	return err ? err : monitor__poll(tb->mon, 0) < 0 ? -EIO : 0;
}

static int bpf_sweep(void *ctx, __u64 now_ns, __u64 ttl_ns)
{
	struct tb *tb = ctx;

	return monitor__sweep_at(tb->mon, now_ns, ttl_ns);
}

static void run_bpf(const struct scenario *sc, struct tb *tb,
		    struct snapshot *s)
{
	static const struct scenario_driver bpf_driver = {
		.feed = bpf_feed,
		.sweep = bpf_sweep,
	};

	scenario_play(sc, &bpf_driver, tb);
	snap(tb, s);
}

static void assert_same_snapshot(const struct scenario *sc,
				 const struct snapshot *bpf,
				 const struct snapshot *eng)
{
	__u32 i, l;

	for (i = 0; i < CNT_MAX; i++)
		if (bpf->stats.counters[i] != eng->stats.counters[i])
			fail_msg("%s: counter %s: BPF %llu, engine %llu",
				 sc->name, counter_name(i),
				 bpf->stats.counters[i], eng->stats.counters[i]);
	for (i = 0; i < TR_MAX; i++)
		for (l = 0; l < SPTE_LEVELS; l++)
			if (bpf->stats.transitions[i][l] !=
			    eng->stats.transitions[i][l])
				fail_msg("%s: transition %s at %s: BPF %llu, engine %llu",
					 sc->name, transition_name(i),
					 level_name(l + 1),
					 bpf->stats.transitions[i][l],
					 eng->stats.transitions[i][l]);
	if (memcmp(&bpf->stats, &eng->stats, sizeof(bpf->stats)))
		fail_msg("%s: stats differ between BPF and the engine",
			 sc->name);
	if (memcmp(&bpf->hists, &eng->hists, sizeof(bpf->hists)))
		fail_msg("%s: histograms differ between BPF and the engine",
			 sc->name);
	if (memcmp(&bpf->sweep, &eng->sweep, sizeof(bpf->sweep)))
		fail_msg("%s: sweeps differ: covered %llu/%llu expired %llu/%llu live %llu/%llu",
			 sc->name, bpf->sweep.covered, eng->sweep.covered,
			 bpf->sweep.expired, eng->sweep.expired,
			 bpf->sweep.live, eng->sweep.live);
}

static void test_scenario(void **state)
{
	const struct scenario *sc = *state;
	struct snapshot bpf, eng;
	struct seen seen;
	struct tb *tb = tb_for(sc);

	run_bpf(sc, tb, &bpf);
	scenario_check(sc, &bpf);
	scenario_check_records(sc, &tb->seen, &bpf);
	scenario_run_engine(sc, &eng, &seen);
	assert_same_snapshot(sc, &bpf, &eng);
	seen_equal(sc, &tb->seen, &seen);
}

/* ---- 2. The sources -------------------------------------------------------- */

static void run(struct tb *tb, const char *prog, __u64 *args, size_t nargs)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
		    .ctx_size_in = nargs * sizeof(__u64));
	int fd = monitor__prog_fd(tb->mon, prog);

	if (fd < 0)
		fail_msg("program %s is not loaded", prog);
	if (bpf_prog_test_run_opts(fd, &opts))
		fail_msg("BPF_PROG_TEST_RUN %s: %s", prog, strerror(errno));
	assert_int_equal(opts.retval, 0);
}

/* kvm_tdp_mmu_spte_{set,freeze,unfreeze}(kvm, as_id, gfn, level, sptep,
 * old_spte, new_spte, root, root_invalid) */
static void patched_spte(struct tb *tb, const char *op, __u64 kvm, __u64 root,
			 bool invalid, __u64 gfn, int level, __u64 old,
			 __u64 new)
{
	__u64 args[9] = { kvm, 0,   gfn,  level, 0xffffc90000001000ULL + gfn * 8,
			  old, new, root, invalid };
	char prog[40];

	snprintf(prog, sizeof(prog), "patched_%s", op);
	run(tb, prog, args, 9);
}

static void patched_flush(struct tb *tb, const char *which, __u64 kvm,
			  __u64 start, __u64 pages, __u64 seq)
{
	__u64 args[4] = { kvm, start, pages, seq };
	char prog[40];

	snprintf(prog, sizeof(prog), "patched_flush_%s", which);
	run(tb, prog, args, 4);
}

static void patched_deadline(struct tb *tb, __u64 kvm, int reason)
{
	__u64 args[2] = { kvm, reason };

	run(tb, "patched_deadline", args, 2);
}

/* kvmmmu:kvm_tdp_mmu_spte_changed(as_id, gfn, level, old, new) */
static void stock(struct tb *tb, __u64 gfn, int level, __u64 old, __u64 new)
{
	__u64 args[5] = { 0, gfn, level, old, new };

	run(tb, "stock_spte_changed", args, 5);
}

static struct tb *tb_patched(const struct tb_opts *to)
{
	struct tb_opts o = to ? *to : (struct tb_opts){};

	o.flush_visible = FLUSH_COMPLETE;
	return tb_open(&o);
}

/*
 * The patched tracepoints as a re-created a835429cda91 shows them: the
 * VM from its struct kvm, the zap batched for the yield, the yield's
 * violation with the stack where KVM yielded.
 */
static void test_patched_yield(void **state)
{
	struct tb_opts to = { .stacks = 1 };
	struct tb *tb = tb_patched(&to);
	struct snapshot s;

	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x10, 1, 0,
		     LEAF(0x500, RW, 1));
	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x10, 1,
		     LEAF(0x500, RW, 1), 0);
	patched_deadline(tb, KVM_A, DEADLINE_YIELD);
	snap(tb, &s);
	assert_int_equal(s.stats.violations[VK_YIELD][0], 1);
	assert_int_equal(tb->seen.n, 1);
	assert_int_equal(tb->seen.v[0].vm, (__u32)(KVM_A >> 12));
	assert_int_equal(tb->seen.v[0].tid, (__u32)syscall(SYS_gettid));
	assert_true(tb->seen.v[0].stack_id >= 0);
	/* Stacks only where they pay: none for the install and the zap. */
	assert_int_equal(s.stats.counters[CNT_STACK_ERRORS], 0);
	tb_close(tb);
}

/* Two struct kvm: two VMs, whatever their gfns. */
static void test_patched_two_vms(void **state)
{
	struct tb *tb = tb_patched(NULL);
	struct snapshot s;

	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x10, 1, 0,
		     LEAF(0x500, RW, 1));
	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x10, 1,
		     LEAF(0x500, RW, 1), 0);
	patched_spte(tb, "SET", KVM_B, ROOT_A, false, 0x10, 1, 0,
		     LEAF(0x600, RW, 1));
	snap(tb, &s);
	assert_int_equal(s.stats.outcomes[OUT_FIRST][0], 2);
	assert_int_equal(snapshot__violations(&s), 0);
	tb_close(tb);
}

/* Two roots of one VM stay apart; an invalid root owes nothing. */
static void test_patched_roots(void **state)
{
	struct tb *tb = tb_patched(NULL);
	struct snapshot s;

	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x10, 1, 0,
		     LEAF(0x500, RW, 1));
	patched_spte(tb, "SET", KVM_A, ROOT_A, true, 0x10, 1,
		     LEAF(0x500, RW, 1), 0);
	patched_deadline(tb, KVM_A, DEADLINE_NOTIFIER);
	patched_spte(tb, "SET", KVM_A, ROOT_B, false, 0x10, 1, 0,
		     LEAF(0x600, RW, 1));
	snap(tb, &s);
	assert_int_equal(s.stats.outcomes[OUT_FIRST][0], 2);
	assert_int_equal(snapshot__violations(&s), 0);
	tb_close(tb);
}

/* The atomic zap through the three SPTE programs and a nested flush. */
static void test_patched_atomic_zap(void **state)
{
	struct tb *tb = tb_patched(NULL);
	struct snapshot s;

	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x200, 2, 0,
		     LEAF(0x800, RW, 2));
	patched_spte(tb, "FREEZE", KVM_A, ROOT_A, false, 0x200, 2,
		     LEAF(0x800, RW, 2), S_REMOVED);
	/* SVM: the ranged flush falls back to a full one, nested. */
	patched_flush(tb, "begin", KVM_A, 0x200, 512, 1);
	patched_flush(tb, "begin", KVM_A, 0, FLUSH_ALL_PAGES, 2);
	patched_flush(tb, "end", KVM_A, 0, FLUSH_ALL_PAGES, 2);
	patched_flush(tb, "end", KVM_A, 0x200, 512, 1);
	patched_spte(tb, "UNFREEZE", KVM_A, ROOT_A, false, 0x200, 2, S_REMOVED,
		     0);
	/* And one with no flush at all. */
	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x400, 2, 0,
		     LEAF(0x900, RW, 2));
	patched_spte(tb, "FREEZE", KVM_A, ROOT_A, false, 0x400, 2,
		     LEAF(0x900, RW, 2), S_REMOVED);
	patched_spte(tb, "UNFREEZE", KVM_A, ROOT_A, false, 0x400, 2, S_REMOVED,
		     0);
	snap(tb, &s);
	assert_int_equal(s.stats.transitions[TR_FREEZE][1], 2);
	assert_int_equal(s.stats.transitions[TR_UNFREEZE][1], 2);
	assert_int_equal(s.stats.violations[VK_UNFREEZE][1], 1);
	assert_int_equal(s.stats.counters[CNT_FLUSH_BEGIN], 2);
	assert_int_equal(s.stats.counters[CNT_FLUSH_END], 2);
	assert_int_equal(tb->seen.n, 1);
	assert_int_equal(tb->seen.v[0].gfn, 0x400);
	tb_close(tb);
}

/* A full violation ring buffer: every lost record is counted. */
static void test_violation_drops(void **state)
{
	struct tb_opts to = { .violations_kb = 4 };
	struct tb *tb = tb_patched(&to);
	struct snapshot s;
	__u64 gfn, n = 200;

	for (gfn = 0; gfn < n; gfn++) {
		patched_spte(tb, "SET", KVM_A, ROOT_A, false, gfn, 1, 0,
			     LEAF(gfn, RW, 1));
		patched_spte(tb, "FREEZE", KVM_A, ROOT_A, false, gfn, 1,
			     LEAF(gfn, RW, 1), S_REMOVED);
		patched_spte(tb, "UNFREEZE", KVM_A, ROOT_A, false, gfn, 1,
			     S_REMOVED, 0);
	}
	snap(tb, &s);
	assert_int_equal(s.stats.violations[VK_UNFREEZE][0], n);
	assert_true(s.stats.counters[CNT_VIOLATION_DROPS] > 0);
	assert_int_equal(tb->seen.n + s.stats.counters[CNT_VIOLATION_DROPS], n);
	tb_close(tb);
}

/*
 * An evicted SPTE history loses histogram samples, not violations: the
 * zap's history is pushed out of the LRU before its deadline, which still
 * finds it unflushed.
 */
static void test_state_eviction(void **state)
{
	struct tb_opts to = { .max_sptes = 16 };
	struct tb *tb = tb_patched(&to);
	struct snapshot s;
	__u64 gfn;

	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x5000, 1, 0,
		     LEAF(1, RW, 1));
	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x5000, 1,
		     LEAF(1, RW, 1), 0);
	for (gfn = 0; gfn < 1000; gfn++)
		patched_spte(tb, "SET", KVM_A, ROOT_A, false, gfn, 1, 0,
			     LEAF(gfn, RW, 1));
	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x5000, 1, 0,
		     LEAF(2, RW, 1));
	patched_deadline(tb, KVM_A, DEADLINE_UNLOCK);
	snap(tb, &s);
	assert_int_equal(s.stats.violations[VK_UNLOCK][0], 1);
	assert_int_equal(tb->seen.n, 1);
	tb_close(tb);
}

/* Flame graph sites: sampled at the stated rate, never on every event. */
static void test_site_sampling(void **state)
{
	struct tb_opts to = { .stacks = 1, .site_sample = 1 };
	struct tb *tb = tb_patched(&to);
	int fd = monitor__map_fd(tb->mon, "sites");
	struct site_key key;
	__u64 count = 0, v;
	bool first = true;
	struct site_key next;

	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x10, 1, 0,
		     LEAF(0x500, RW, 1));
	patched_spte(tb, "SET", KVM_A, ROOT_A, false, 0x10, 1,
		     LEAF(0x500, RW, 1), 0);
	assert_true(fd >= 0);
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		assert_int_equal(bpf_map_lookup_elem(fd, &key, &v), 0);
		count += v;
	}
	/* site_sample 1: every install and zap is a sample. */
	assert_int_equal(count, 2);
	tb_close(tb);
}

/* ---- Capacity ------------------------------------------------------------------ */

/* Kernel memory of every map of the object, from /proc/self/fdinfo. */
static __u64 maps_memlock(struct monitor *m)
{
	static const char *const names[] = {
		"spte_state", "pending", "vms", "dead_vms", "inflight",
		"teardown", "holders", "tables", "task_ctx", "vm_ids",
		"kret_vm", "stats", "hists", "stacks", "sites", "violations",
		"events", "scratch", "cur", "protocol_prog",
	};
	char path[64], line[128];
	__u64 total = 0, v;
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d",
			 monitor__map_fd(m, names[i]));
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "memlock: %llu", &v) == 1)
				total += v;
		fclose(f);
	}
	return total;
}

/*
 * One zap of a million 4K SPTEs (4 GiB of guest memory unmapped at once,
 * mmu_lock held for write) with the default map sizes: every zap is in the
 * task's batch, nothing is lost, and the deadline judges all of them, once
 * without a flush and once with one.
 */
static void test_million_zaps(void **state)
{
	const __u64 n = 1 << 20;
	struct event ev = { .type = EVENT_SPTE };
	struct snapshot s;
	struct tb *tb;
	__u64 gfn, mem;
	int round;

	for (round = 0; round < 2; round++) {
		tb = tb_patched(NULL);
		ev.type = EVENT_SPTE;
		memset(&ev.spte, 0, sizeof(ev.spte));
		ev.spte.vm = 1;
		ev.spte.tid = TID_ZAP;
		ev.spte.level = 1;
		ev.spte.op = SPTE_OP_SET;
		ev.spte.stack_id = -1;
		for (gfn = 0; gfn < n; gfn++) {
			ev.spte.ts_ns = 1000000000ULL + gfn;
			ev.spte.gfn = gfn;
			ev.spte.old_spte = LEAF(0x100000 + gfn, RW, 1);
			ev.spte.new_spte = 0;
			assert_int_equal(monitor__feed(tb->mon, &ev), 0);
		}
		memset(&ev, 0, sizeof(ev));
		if (round) {
			struct event fl[] = { FLUSH_ALL(TID_ZAP, 1, 1) };

			fl[0].vm.ts_ns = 3000000000ULL;
			fl[1].vm.ts_ns = 3000000001ULL;
			assert_int_equal(monitor__feed(tb->mon, &fl[0]), 0);
			assert_int_equal(monitor__feed(tb->mon, &fl[1]), 0);
		}
		ev.type = EVENT_DEADLINE;
		ev.vm.vm = 1;
		ev.vm.tid = TID_ZAP;
		ev.vm.ts_ns = 4000000000ULL;
		ev.vm.reason = DEADLINE_NOTIFIER;
		ev.vm.stack_id = -1;
		assert_int_equal(monitor__feed(tb->mon, &ev), 0);
		snap(tb, &s);
		assert_int_equal(s.stats.transitions[TR_ZAP][0], n);
		assert_int_equal(s.stats.counters[CNT_PENDING_FULL], 0);
		assert_int_equal(s.stats.counters[CNT_HOLDERS_FULL], 0);
		if (!round) {
			assert_int_equal(s.stats.violations[VK_NOTIFIER][0], 1);
			assert_int_equal(tb->seen.n, 1);
			assert_int_equal(tb->seen.v[0].count, n);
		} else {
			assert_int_equal(snapshot__violations(&s), 0);
		}
		mem = maps_memlock(tb->mon);
		print_message("maps of the default configuration: %llu MiB\n",
			      mem >> 20);
		assert_true(mem <= 128ULL << 20);
		tb_close(tb);
	}
}

/* ---- Stock mode: the VM of the task's context -------------------------------- */

static struct tb *tb_stock(void)
{
	struct source_plan plan = { .spte = SPTE_SRC_STOCK,
				    .hooks = HOOK_SRC_NONE };
	struct monitor_opts o;
	struct tb *tb = calloc(1, sizeof(*tb));

	assert_non_null(tb);
	monitor_opts__default(&o);
	spte_config__default(&o.cfg);
	o.cfg.stacks = 0;
	o.cfg.flush_visible = FLUSH_NONE;
	o.on_violation = on_violation;
	o.arg = tb;
	assert_int_equal(monitor__open_detached(&tb->mon, &o, &plan), 0);
	return tb;
}

/* Without a context hook entry the VM is a guess: nothing is decided. */
static void test_stock_guess(void **state)
{
	struct tb *tb = tb_stock();
	struct snapshot s;

	stock(tb, 0x80, 1, 0, LEAF(1, RW, 1));
	stock(tb, 0x80, 1, LEAF(1, RW, 1), 0);
	stock(tb, 0x80, 1, 0, LEAF(2, RW, 1));
	snap(tb, &s);
	/* No flush source in this plan: unverified. */
	assert_int_equal(s.stats.outcomes[OUT_FIRST][0], 1);
	assert_int_equal(s.stats.outcomes[OUT_UNVERIFIED][0], 1);
	assert_int_equal(snapshot__violations(&s), 0);
	tb_close(tb);
}

/*
 * With a context (what fentry on a TDP MMU entry point records), the VM is
 * the struct kvm's monitor-assigned id: one id per struct kvm, shared by
 * every task working on it.
 */
static void test_stock_context(void **state)
{
	struct tb *tb = tb_stock();
	int fd = monitor__map_fd(tb->mon, "task_ctx");
	int ids = monitor__map_fd(tb->mon, "vm_ids");
	__u32 tid = syscall(SYS_gettid);
	struct task_ctx tc = { .kvm = KVM_A, .func = HOOK_zap_leafs,
			       .flags = SPTE_F_LOCK_KNOWN };
	__u64 key = KVM_A, id = 0;
	struct snapshot s;

	assert_true(fd >= 0 && ids >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &tid, &tc, BPF_ANY), 0);
	stock(tb, 0x80, 1, 0, LEAF(1, RW, 1));
	assert_int_equal(bpf_map_lookup_elem(ids, &key, &id), 0);
	assert_true(id >= 1);
	tc.kvm = KVM_B;
	assert_int_equal(bpf_map_update_elem(fd, &tid, &tc, BPF_ANY), 0);
	stock(tb, 0x80, 1, 0, LEAF(2, RW, 1));
	key = KVM_B;
	assert_int_equal(bpf_map_lookup_elem(ids, &key, &key), 0);
	assert_true(key != id);
	snap(tb, &s);
	assert_int_equal(s.stats.outcomes[OUT_FIRST][0], 2);
	assert_int_equal(s.stats.counters[CNT_NO_VM], 0);
	tb_close(tb);
}

int main(void)
{
	static const struct CMUnitTest sources[] = {
		cmocka_unit_test(test_patched_yield),
		cmocka_unit_test(test_patched_two_vms),
		cmocka_unit_test(test_patched_roots),
		cmocka_unit_test(test_patched_atomic_zap),
		cmocka_unit_test(test_violation_drops),
		cmocka_unit_test(test_state_eviction),
		cmocka_unit_test(test_site_sampling),
		cmocka_unit_test(test_stock_guess),
		cmocka_unit_test(test_stock_context),
		cmocka_unit_test(test_million_zaps),
	};
	size_t n = sizeof(sources) / sizeof(sources[0]), i;
	struct CMUnitTest *tests;

	if (geteuid()) {
		printf("SKIP: needs root (BPF_PROG_TEST_RUN)\n");
		return 77;
	}
	tests = calloc(nscenarios + n, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < nscenarios; i++) {
		tests[i].name = scenarios[i].name;
		tests[i].test_func = test_scenario;
		tests[i].initial_state = (void *)&scenarios[i];
	}
	memcpy(tests + nscenarios, sources, sizeof(sources));
	return _cmocka_run_group_tests("bpf", tests, nscenarios + n, NULL,
				       NULL);
}
