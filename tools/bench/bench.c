// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: what spte-trace's BPF programs cost per event in this kernel,
 * as ratios to an empty program run on the same arguments in the same run;
 * what its maps take; what the daemon's memory is.  docs/performance.md
 * describes the method and holds the latest figures.
 *
 * Raw tracepoint programs cannot use BPF_PROG_TEST_RUN's repeat loop, so
 * every event is one test run, and the kernel's own run-time statistics
 * (BPF_ENABLE_STATS) give the time spent inside the program, without the
 * syscall around it.  For each case (tools/bench/cases.c) every program
 * runs the same events: spte-trace's entry program (which tail calls the
 * protocol program: its time is included), the same with the protocol
 * program taken out of its slot ("entry only", for the profile), an empty
 * program, a count-by-level program and a per-gfn lifetime histogram
 * (tools/bench/ref.bpf.c).  Rounds interleave them, in a rotating order,
 * so that a noisy neighbour on the CPU hits all of them alike; the table
 * gives the median of the round means and the spread of the per-round
 * ratios.
 *
 * Exit status: 0 when every case ran and did what it says (its counters
 * moved as expected), 1 otherwise, 2 on bad usage.  A slow number is never
 * a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "monitor.h"
#include "snapshot.h"
#include "spte_rules.h"
#include "spte.h"
#include "spte_trace.skel.h"
#include "ref.h"
#include "ref.skel.h"

/* ---- Options ------------------------------------------------------------- */

static struct {
	int rounds;
	int iters; /* events per program per round */
	int cpu; /* pinned to; -1: the one we start on */
	const char *only; /* cases whose name contains this */
	const char *daemon; /* spte-trace binary, for its RSS */
	const char *tsv; /* machine-readable results */
	bool smoke;
	bool profile; /* operation counts and unit costs */
	bool verifier_only; /* only the verifier's statistics */
	bool no_memory;
	long lru_fill; /* spte_state entries of another VM at the start */
	const char *spin; /* run one case for spin_s seconds (perf) */
	int spin_s;
} opt = {
	.rounds = 15,
	.iters = 400,
	.cpu = -1,
	.lru_fill = 262144,
	.spin_s = 10,
};

static bool broken; /* a case could not run, or did not do what it says */
static bool spinning; /* --spin: no statistics, only the programs */

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: BROKEN: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	broken = true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static FILE *tsv;

static void tsv_line(const char *fmt, ...)
{
	va_list ap;

	if (!tsv)
		return;
	va_start(ap, fmt);
	vfprintf(tsv, fmt, ap);
	va_end(ap);
	fputc('\n', tsv);
}

/* ---- Kernel statistics ------------------------------------------------------- */

static int prog_stats(int fd, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

static int test_run(int fd, const __u64 *args, int nargs)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args,
		    .ctx_size_in = nargs * sizeof(__u64));

	return bpf_prog_test_run_opts(fd, &o) ? -errno : 0;
}

/*
 * BPF run-time statistics: BPF_ENABLE_STATS keeps them on while its fd is
 * open; a kernel without it needs the sysctl, which is put back after.
 */
static int stats_fd = -1;
static int stats_sysctl_was = -1;

static int read_sysctl_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_sysctl_int(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	err = fprintf(f, "%d\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		err = -errno;
	return err;
}

#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

static int stats_on(void)
{
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd >= 0)
		return 0;
	stats_sysctl_was = read_sysctl_int(STATS_SYSCTL);
	if (stats_sysctl_was < 0 || write_sysctl_int(STATS_SYSCTL, 1)) {
		fprintf(stderr,
			"bench: cannot turn BPF run-time statistics on "
			"(BPF_ENABLE_STATS: %s; %s)\n",
			strerror(errno), STATS_SYSCTL);
		return -1;
	}
	return 0;
}

static void stats_off(void)
{
	if (stats_fd >= 0)
		close(stats_fd);
	if (stats_sysctl_was == 0)
		write_sysctl_int(STATS_SYSCTL, 0);
	stats_fd = -1;
	stats_sysctl_was = -1;
}

static void on_signal(int sig)
{
	/* Put the sysctl back even when interrupted. */
	if (stats_sysctl_was == 0)
		write_sysctl_int(STATS_SYSCTL, 0);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- The reference object and the kernel memory it lends -------------------- */

static struct bench_ref *ref;
static void *fake; /* the "fake" map value, mmapped */

static int ref_open(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	__u64 args[1] = { 0 };
	size_t size;
	int err;

	ref = bench_ref__open();
	if (!ref)
		return -errno;
	/* The unit-cost programs only load for the profile. */
	if (!opt.profile) {
		struct bpf_program *p;

		bpf_object__for_each_program(p, ref->obj)
			if (!strncmp(bpf_program__name(p), "op_", 3))
				bpf_program__set_autoload(p, false);
	}
	err = bench_ref__load(ref);
	if (err) {
		fprintf(stderr, "bench: loading the reference programs: %s\n",
			strerror(-err));
		return err;
	}
	o.ctx_in = args;
	o.ctx_size_in = sizeof(args);
	if (bpf_prog_test_run_opts(bpf_program__fd(ref->progs.ref_layout),
				   &o) ||
	    o.retval) {
		fprintf(stderr, "bench: ref_layout did not run\n");
		return -EINVAL;
	}
	size = ref->bss->layout.fake_size;
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr,
			"layout: fake %#llx page_offset_base %#llx kvm %u pid@%u "
			"reqs@%u sp %u spt@%u gfn@%u role@%u\n",
			(unsigned long long)ref->bss->layout.fake_addr,
			(unsigned long long)ref->bss->layout.page_offset_base,
			ref->bss->layout.kvm_size, ref->bss->layout.kvm_pid_off,
			ref->bss->layout.kvm_reqs_off, ref->bss->layout.sp_size,
			ref->bss->layout.sp_spt_off,
			ref->bss->layout.sp_gfn_off,
			ref->bss->layout.sp_role_off);
	fake = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    bpf_map__fd(ref->maps.fake), 0);
	if (fake == MAP_FAILED) {
		fprintf(stderr, "bench: mmap of the fake map: %s\n",
			strerror(errno));
		return -errno;
	}
	if (ref->bss->layout.kvm_reqs_off + 8 > ref->bss->layout.sp_off ||
	    ref->bss->layout.sp_off + ref->bss->layout.sp_size > size) {
		fprintf(stderr,
			"bench: struct kvm (%u bytes) or kvm_mmu_page (%u) "
			"does not fit the fake memory\n",
			ref->bss->layout.kvm_size, ref->bss->layout.sp_size);
		return -E2BIG;
	}
	return 0;
}

static void fake_put(__u32 off, const void *v, size_t n)
{
	memcpy((char *)fake + off, v, n);
}

/* The struct kvm: its pid and its flush request counter. */
static void fake_kvm_init(void)
{
	const struct bench_layout *l = &ref->bss->layout;
	__s32 pid = getpid();
	__u64 reqs = 100;

	memset(fake, 0, l->sp_off);
	fake_put(l->kvm_pid_off, &pid, sizeof(pid));
	fake_put(l->kvm_reqs_off, &reqs, sizeof(reqs));
}

/* The struct kvm_mmu_page that kvm_tdp_mmu_free_sp() hands over. */
static void fake_sp_set(__u64 pa, __u64 gfn, __u32 level)
{
	const struct bench_layout *l = &ref->bss->layout;
	__u64 spt = l->page_offset_base + pa;
	__u32 role = level & 0xf;

	fake_put(l->sp_off + l->sp_spt_off, &spt, sizeof(spt));
	fake_put(l->sp_off + l->sp_gfn_off, &gfn, sizeof(gfn));
	fake_put(l->sp_off + l->sp_role_off, &role, sizeof(role));
}

/* ---- Programs per variant ----------------------------------------------------- */

enum variant {
	V_SPTE, /* spte-trace: entry program + protocol */
	V_ENTRY, /* the entry program with the protocol slot empty */
	V_EMPTY,
	V_COUNT,
	V_LIFE,
	NV,
};

static const char *const variant_names[NV] = {
	"spte-trace", "entry only", "empty", "count by level", "lifetime",
};

static const char *const tp_progs[TP_PROGS] = {
	[TP_SET] = "patched_SET",
	[TP_FREEZE] = "patched_FREEZE",
	[TP_UNFREEZE] = "patched_UNFREEZE",
	[TP_FLUSH_BEGIN] = "patched_flush_begin",
	[TP_FLUSH_END] = "patched_flush_end",
	[TP_DEADLINE] = "patched_deadline",
	[TP_FREE_SP] = "patched_free_sp",
	[TP_STOCK] = "stock_spte_changed",
};

static bool tp_is_spte(int tp)
{
	return tp == TP_SET || tp == TP_FREEZE || tp == TP_UNFREEZE ||
	       tp == TP_STOCK;
}

#define VM_OTHER 0x7ffffff0U /* the other VMs of the warm state */

struct bench {
	struct monitor *m;
	/*
	 * The same programs, loaded again with the protocol slot left
	 * empty: the entry program's own cost.  A second load rather than
	 * emptying the slot around each run, because every update of a
	 * prog array slot rewrites the callers' JITed tail call (text_poke,
	 * with its TLB flush), and that slowed the next runs by a
	 * microsecond (measured).
	 */
	struct monitor *entry;
	bool stock;
	struct bench_env env;
	int fd[NV][TP_PROGS];
	int task_ctx_fd;
	int entry_task_ctx_fd;
	__u32 tid;
};

static int prog_fd_for(struct bench *b, int v, int tp)
{
	return b->fd[v][tp];
}

static void bench_fds(struct bench *b)
{
	int tp, v;

	for (tp = 0; tp < TP_PROGS; tp++) {
		int own = monitor__prog_fd(b->m, tp_progs[tp]);
		bool spte = tp_is_spte(tp);

		b->fd[V_SPTE][tp] = own;
		b->fd[V_ENTRY][tp] =
			spte ? monitor__prog_fd(b->entry, tp_progs[tp]) : -1;
		b->fd[V_EMPTY][tp] =
			own >= 0 ? bpf_program__fd(ref->progs.ref_empty) : -1;
		b->fd[V_COUNT][tp] = b->fd[V_LIFE][tp] = -1;
		if (own < 0 || !spte)
			continue;
		b->fd[V_COUNT][tp] = bpf_program__fd(
			tp == TP_STOCK ? ref->progs.ref_count_stock :
					 ref->progs.ref_count_patched);
		b->fd[V_LIFE][tp] = bpf_program__fd(
			tp == TP_STOCK ? ref->progs.ref_life_stock :
					 ref->progs.ref_life_patched);
	}
	(void)v;
}

/* ---- Loading a monitor the way the daemon would, without attaching ---------- */

static void bench_cfg(struct monitor_opts *o, bool stock)
{
	monitor_opts__default(o);
	spte_config__default(&o->cfg);
	/* What the daemon sets for these plans (src/sources.c). */
	o->cfg.flush_visible = stock ? FLUSH_PARTIAL : FLUSH_COMPLETE;
}

static int bench_open(struct bench *b, bool stock)
{
	struct source_plan plan = {
		.spte = stock ? SPTE_SRC_STOCK : SPTE_SRC_PATCHED,
		.hooks = stock ? HOOK_SRC_NONE : HOOK_SRC_PATCHED,
	};
	struct monitor_opts o;
	__u32 zero = 0;
	int err;

	memset(b, 0, sizeof(*b));
	bench_cfg(&o, stock);
	err = monitor__open_detached(&b->m, &o, &plan);
	if (!err)
		err = monitor__open_detached(&b->entry, &o, &plan);
	if (!err && bpf_map_delete_elem(
			    monitor__map_fd(b->entry, "protocol_prog"), &zero))
		err = -errno;
	if (err) {
		fail("loading spte-trace (%s plan): %s",
		     stock ? "stock" : "patched", strerror(-err));
		return err;
	}
	b->stock = stock;
	b->tid = syscall(SYS_gettid);
	b->env.kvm = ref->bss->layout.fake_addr;
	b->env.sp = ref->bss->layout.fake_addr + ref->bss->layout.sp_off;
	b->env.page_offset_base = ref->bss->layout.page_offset_base;
	b->task_ctx_fd = monitor__map_fd(b->m, "task_ctx");
	b->entry_task_ctx_fd = monitor__map_fd(b->entry, "task_ctx");
	if (b->task_ctx_fd < 0 || b->entry_task_ctx_fd < 0) {
		fail("the task_ctx map is missing");
		return -ENOENT;
	}
	bench_fds(b);
	return 0;
}

/* ---- Running steps -------------------------------------------------------------- */

static int set_ctx_fd(struct bench *b, int fd, const struct step *s)
{
	struct task_ctx tc = {
		.kvm = b->env.kvm,
		.func = s->args[1],
		.flags = s->args[0],
	};

	if (!s->args[2]) {
		if (bpf_map_delete_elem(fd, &b->tid) && errno != ENOENT)
			return -errno;
		return 0;
	}
	return bpf_map_update_elem(fd, &b->tid, &tc, BPF_ANY) ? -errno : 0;
}

/* The context hooks' entry, in both loads. */
static int set_ctx(struct bench *b, const struct step *s)
{
	int err = set_ctx_fd(b, b->task_ctx_fd, s);

	return err ? err : set_ctx_fd(b, b->entry_task_ctx_fd, s);
}

static int feed(struct bench *b, const struct step *s)
{
	struct event ev = s->feed;

	ev.vm.ts_ns = mono_ns();
	ev.vm.pid = getpid();
	ev.vm.tid = b->tid;
	return monitor__feed(b->m, &ev);
}

struct acc {
	double ns;
	__u64 cnt;
};

/*
 * One iteration of a case for variant @v.  Setup steps run only where they
 * matter (the programs that keep state); the measured step runs with the
 * kernel's statistics read around it.
 */
static int run_steps(struct bench *b, int v, const struct step *steps, int n,
		     struct acc *acc)
{
	bool own = v == V_SPTE;
	__u64 c0, n0, c1, n1;
	int i, fd, err = 0;

	for (i = 0; i < n && !err; i++) {
		const struct step *s = &steps[i];

		if (s->tp >= TP_PROGS) {
			/* The entry-only load needs the context and memory. */
			if (!own && !(v == V_ENTRY && s->tp != TP_FEED))
				continue;
			if (s->tp == TP_FEED)
				err = feed(b, s);
			else if (s->tp == TP_CTX)
				err = set_ctx(b, s);
			else if (s->tp == TP_FAKE_SP)
				fake_sp_set(s->args[0], s->args[1], s->args[2]);
			continue;
		}
		fd = prog_fd_for(b, v, s->tp);
		if (fd < 0)
			continue;
		if (!s->measured || spinning) {
			if (own || v == V_LIFE)
				err = test_run(fd, s->args, s->nargs);
			continue;
		}
		err = prog_stats(fd, &c0, &n0);
		if (!err)
			err = test_run(fd, s->args, s->nargs);
		if (!err)
			err = prog_stats(fd, &c1, &n1);
		if (err)
			break;
		if (c1 != c0 + 1) {
			fail("the kernel counted %llu runs for one "
			     "(no BPF run-time statistics?)",
			     (unsigned long long)(c1 - c0));
			return -ENODATA;
		}
		acc->ns += n1 - n0;
		acc->cnt++;
	}
	return err;
}

/* ---- Warm state: what a busy host's maps hold ------------------------------ */

static int fill_batch(int fd, const void *keys, const void *vals, __u32 n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 count = n;

	if (!bpf_map_update_batch(fd, keys, vals, &count, &o))
		return 0;
	return -errno;
}

/*
 * Per-SPTE history for another VM up to the LRU's capacity (so a new
 * entry evicts one, as on a host with more SPTEs than --max-sptes), and
 * 16384 zaps of that VM awaiting their flush.
 */
static int warm_maps(struct bench *b, __u32 lru_entries, __u32 pending)
{
	int st = monitor__map_fd(b->m, "spte_state");
	int pz = monitor__map_fd(b->m, "pending");
	const __u32 chunk = 4096;
	struct spte_key *keys;
	void *vals;
	__u32 i, j;
	int err = 0;

	keys = calloc(chunk, sizeof(*keys));
	vals = calloc(chunk, sizeof(struct pending_zap));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < lru_entries && !err; i += chunk) {
		struct spte_state *sv = vals;

		for (j = 0; j < chunk; j++) {
			spte_key_set(&keys[j], VM_OTHER, 0x2000000, 0,
				     0x40000000ULL + i + j, 1);
			sv[j].ts_ns = mono_ns();
			sv[j].flags = STATE_PRESENT;
		}
		err = fill_batch(st, keys, vals,
				 lru_entries - i < chunk ? lru_entries - i :
							   chunk);
	}
	for (i = 0; i < pending && !err; i += chunk) {
		struct pending_zap *pv = vals;

		memset(vals, 0, chunk * sizeof(*pv));
		for (j = 0; j < chunk; j++) {
			spte_key_set(&keys[j], VM_OTHER, 0x2000000, 0,
				     0x48000000ULL + i + j, 1);
			pv[j].zap_ns = mono_ns();
			pv[j].seq = 1;
			pv[j].old_spte = b_leaf(i + j, 1);
			pv[j].stack = -1;
		}
		err = fill_batch(pz, keys, vals,
				 pending - i < chunk ? pending - i : chunk);
	}
	free(keys);
	free(vals);
	return err;
}

/* Run a list of steps through spte-trace only (warm-up, clean-up). */
static int run_own(struct bench *b, const struct step *s, int n)
{
	struct acc dummy = {};
	int i;

	for (i = 0; i < n; i++)
		if (s[i].measured)
			return -EINVAL;
	return run_steps(b, V_SPTE, s, n, &dummy);
}

static int prune_holders(struct bench *b);

/*
 * Leave one zap of the VM owed, at a gfn no case uses; but no batch: a
 * deadline case must find its task owing only what the case zapped.
 */
static int owe_zap(struct bench *b)
{
	static __u64 next = 0x3d000000ULL;
	struct step s[MAX_STEPS];
	int err;

	err = run_own(b, s, bench_owed_zap(&b->env, b->stock, next++, s));
	return err ? err : prune_holders(b);
}

/* The VM the cases run in: known to the monitor, with a flush history. */
static int warm_vm(struct bench *b)
{
	struct step s[WARM_STEPS];
	__u64 key = b->env.kvm, id;
	int err = 0;

	if (b->stock) {
		/* One event in a task context gives the VM its id. */
		memset(s, 0, 2 * sizeof(s[0]));
		s[0].tp = TP_CTX;
		s[0].args[0] = SPTE_F_LOCK_KNOWN | SPTE_F_SHARED;
		s[0].args[2] = 1;
		s[1].tp = TP_STOCK;
		s[1].args[1] = 0x3f000000;
		s[1].args[2] = 1;
		s[1].args[4] = b_leaf(0x3f000000, 1);
		s[1].nargs = 5;
		err = run_own(b, s, 2);
		/* The entry-only load must know the VM too. */
		if (!err)
			err = test_run(monitor__prog_fd(b->entry,
							"stock_spte_changed"),
				       s[1].args, s[1].nargs);
		if (!err && bpf_map_lookup_elem(monitor__map_fd(b->m, "vm_ids"),
						&key, &id))
			err = -errno;
		if (err) {
			fail("the stock VM got no id: %s", strerror(-err));
			return err;
		}
		b->env.stock_vm = id;
	}
	err = run_own(b, s, bench_warm(&b->env, b->stock, s));
	return err ? err : owe_zap(b);
}

/* ---- Between cases: forget what a case left ------------------------------ */

typedef bool (*keep_fn)(const void *key, const void *val);

static int map_prune(int fd, size_t ksz, size_t vsz, keep_fn keep)
{
	char *keys = NULL, key[64], next[64], val[512];
	size_t n = 0, cap = 0, i;
	bool first = true;
	int err = 0;

	if (ksz > sizeof(key) || vsz > sizeof(val))
		return -E2BIG;
	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		first = false;
		memcpy(key, next, ksz);
		if (bpf_map_lookup_elem(fd, key, val) || keep(key, val))
			continue;
		if (n == cap) {
			char *k;

			cap = cap ? cap * 2 : 1024;
			k = realloc(keys, cap * ksz);
			if (!k) {
				free(keys);
				return -ENOMEM;
			}
			keys = k;
		}
		memcpy(keys + n++ * ksz, key, ksz);
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, keys + i * ksz) && errno != ENOENT)
			err = -errno;
	free(keys);
	return err;
}

static bool keep_other_pending(const void *key, const void *val)
{
	return ((const struct spte_key *)key)->vm == VM_OTHER;
}

static bool keep_none(const void *key, const void *val)
{
	return false;
}

static int prune_holders(struct bench *b)
{
	return map_prune(monitor__map_fd(b->m, "holders"),
			 sizeof(struct holder_key), sizeof(struct holder),
			 keep_none);
}

static int bench_clean(struct bench *b)
{
	int err;

	err = map_prune(monitor__map_fd(b->m, "pending"),
			sizeof(struct spte_key), sizeof(struct pending_zap),
			keep_other_pending);
	if (!err)
		err = map_prune(monitor__map_fd(b->m, "holders"),
				sizeof(struct holder_key),
				sizeof(struct holder), keep_none);
	if (!err)
		err = map_prune(monitor__map_fd(b->m, "tables"), sizeof(__u64),
				sizeof(struct removed_table), keep_none);
	if (!err)
		err = map_prune(monitor__map_fd(b->m, "inflight"),
				sizeof(struct inflight_key),
				sizeof(struct inflight_flush), keep_none);
	if (!err) {
		struct step s = { .tp = TP_CTX };

		err = set_ctx(b, &s);
	}
	/* What the next case starts from: the VM owes a flush. */
	return err ? err : owe_zap(b);
}

/* ---- The cases -------------------------------------------------------------- */

#define MAX_CASES 64
#define MAX_ROUNDS 200

static struct acc results[MAX_CASES][NV][MAX_ROUNDS];
static bool ran[MAX_CASES];
static __u64 measured_runs[MAX_CASES][NV];

static bool variant_applies(const struct bench_case *c, int v)
{
	if (v == V_ENTRY)
		return c->spte;
	if (v == V_COUNT || v == V_LIFE)
		return c->spte;
	return true;
}

static bool case_selected(const struct bench_case *c)
{
	char full[160];

	if (!opt.only)
		return true;
	snprintf(full, sizeof(full), "%s: %s", c->group, c->name);
	return strstr(full, opt.only) != NULL;
}

static __u64 expect_value(const struct snapshot *s, const struct expect *e)
{
	__u64 n = 0;
	int l;

	switch (e->what) {
	case EXP_OUTCOME:
		for (l = 0; l < SPTE_LEVELS; l++)
			n += s->stats.outcomes[e->index][l];
		return n;
	case EXP_TRANSITION:
		for (l = 0; l < SPTE_LEVELS; l++)
			n += s->stats.transitions[e->index][l];
		return n;
	case EXP_COUNTER:
		return s->stats.counters[e->index];
	}
	return 0;
}

static const char *expect_name(const struct expect *e)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s %u",
		 e->what == EXP_OUTCOME	   ? "outcome" :
		 e->what == EXP_TRANSITION ? "transition" :
					     "counter",
		 e->index);
	return buf;
}

static __u64 violations_of(const struct snapshot *s)
{
	__u64 n = 0;
	int k, l;

	for (k = 0; k < VK_MAX; k++)
		for (l = 0; l < SPTE_LEVELS; l++)
			n += s->stats.violations[k][l];
	return n;
}

/* Did the case do what it says?  Counters a clean run never moves, too. */
static void check_case(int ci, const struct snapshot *a,
		       const struct snapshot *z, const struct snapshot *ea,
		       const struct snapshot *ez)
{
	static const int never[] = {
		CNT_PENDING_FULL,    CNT_VM_FULL,
		CNT_INFLIGHT_FULL,   CNT_HOLDERS_FULL,
		CNT_TABLES_FULL,     CNT_STACK_ERRORS,
		CNT_SITES_FULL,	     CNT_VIOLATION_DROPS,
		CNT_FLUSH_UNPAIRED,  CNT_UNFREEZE_UNKNOWN,
		CNT_FREE_UNKNOWN,    CNT_DEADLINE_UNDECIDED,
		CNT_VM_HISTORY_LOST, CNT_STATE_FULL,
		CNT_PROTOCOL_MISSED,
	};
	const struct bench_case *c = &bench_cases[ci];
	__u64 ns = measured_runs[ci][V_SPTE], ne = measured_runs[ci][V_ENTRY];
	__u64 got, want;
	size_t i;

	for (i = 0; i < 3 && c->expect[i].what; i++) {
		const struct expect *e = &c->expect[i];

		got = expect_value(z, e) - expect_value(a, e);
		want = (e->per_iter + e->per_setup) * ns;
		if (got != want)
			fail("%s: %s: %s moved by %llu, expected %llu",
			     c->group, c->name, expect_name(e),
			     (unsigned long long)got, (unsigned long long)want);
	}
	got = violations_of(z) - violations_of(a);
	if (got)
		fail("%s: %s: %llu violations", c->group, c->name,
		     (unsigned long long)got);
	if (getenv("BENCH_DEBUG")) {
		int k, l;

		for (k = 0; k < VK_MAX; k++)
			for (l = 0; l < SPTE_LEVELS; l++)
				if (z->stats.violations[k][l] !=
				    a->stats.violations[k][l])
					fprintf(stderr,
						"  violation %d level %d: %llu\n",
						k, l + 1,
						(unsigned long long)(z->stats.violations
									     [k]
									     [l] -
								     a->stats.violations
									     [k]
									     [l]));
		for (k = 0; k < OUT_MAX; k++)
			for (l = 0; l < SPTE_LEVELS; l++)
				if (z->stats.outcomes[k][l] !=
				    a->stats.outcomes[k][l])
					fprintf(stderr,
						"  outcome %d level %d: %llu\n",
						k, l + 1,
						(unsigned long long)(z->stats.outcomes
									     [k]
									     [l] -
								     a->stats.outcomes
									     [k]
									     [l]));
		for (k = 0; k < CNT_MAX; k++)
			if (z->stats.counters[k] != a->stats.counters[k])
				fprintf(stderr, "  counter %d: %llu\n", k,
					(unsigned long long)(z->stats.counters[k] -
							     a->stats.counters
								     [k]));
	}
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		got = z->stats.counters[never[i]] - a->stats.counters[never[i]];
		if (got)
			fail("%s: %s: counter %d moved by %llu", c->group,
			     c->name, never[i], (unsigned long long)got);
	}
	got = ez->stats.counters[CNT_PROTOCOL_MISSED] -
	      ea->stats.counters[CNT_PROTOCOL_MISSED];
	if (got != ne)
		fail("%s: %s: %llu runs without the protocol, expected %llu",
		     c->group, c->name, (unsigned long long)got,
		     (unsigned long long)ne);
}

static __u64 case_span(const struct bench_case *c)
{
	__u64 n = (__u64)opt.rounds * opt.iters / c->div + 1, span = 1ULL << 18;

	while (span < n * c->stride)
		span <<= 1;
	return span;
}

static int run_case(struct bench *b, int ci)
{
	const struct bench_case *c = &bench_cases[ci];
	int iters = opt.iters / c->div ? opt.iters / c->div : 1;
	struct step steps[MAX_STEPS];
	struct snapshot a, z, ea, ez;
	__u64 span = case_span(c), base, g, i;
	int r, vi, v, k, n, err;

	err = monitor__snapshot(b->m, &a);
	if (!err)
		err = monitor__snapshot(b->entry, &ea);
	for (r = 0; r < opt.rounds && !err; r++) {
		for (vi = 0; vi < NV && !err; vi++) {
			v = (vi + r) % NV;
			if (!variant_applies(c, v))
				continue;
			/* Fresh gfns per case and variant, 1G aligned. */
			base = ((__u64)ci * NV + v + 1) * span;
			for (k = 0; k < iters && !err; k++) {
				i = (__u64)r * iters + k;
				g = base + i * c->stride;
				n = c->gen(&b->env, g, i, steps);
				err = run_steps(b, v, steps, n,
						&results[ci][v][r]);
			}
		}
	}
	if (!err)
		err = monitor__snapshot(b->m, &z);
	if (!err)
		err = monitor__snapshot(b->entry, &ez);
	if (err) {
		fail("%s: %s: %s", c->group, c->name, strerror(-err));
		return err;
	}
	for (v = 0; v < NV; v++)
		for (r = 0; r < opt.rounds; r++)
			measured_runs[ci][v] += results[ci][v][r].cnt;
	check_case(ci, &a, &z, &ea, &ez);
	ran[ci] = true;
	return bench_clean(b);
}

static int run_plan(bool stock)
{
	struct bench b;
	int ci, err;
	double t0 = now_s();

	err = bench_open(&b, stock);
	if (err)
		return err;
	fake_kvm_init();
	err = warm_maps(&b, opt.lru_fill, 16384);
	if (err)
		fail("filling the maps: %s", strerror(-err));
	if (!err)
		err = warm_vm(&b);
	for (ci = 0; ci < bench_ncases && !err; ci++) {
		if (bench_cases[ci].stock != stock ||
		    !case_selected(&bench_cases[ci]))
			continue;
		err = run_case(&b, ci);
	}
	monitor__destroy(b.m);
	monitor__destroy(b.entry);
	fprintf(stderr, "bench: %s cases took %.1f s\n",
		stock ? "stock" : "patched", now_s() - t0);
	return err;
}

/* ---- Statistics over rounds ------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median, min and max over rounds of variant @v's ns/event (or ratio to @ref). */
static int round_stats(int ci, int v, int refv, double *med, double *lo,
		       double *hi)
{
	double x[MAX_ROUNDS];
	int r, n = 0;

	for (r = 0; r < opt.rounds; r++) {
		const struct acc *a = &results[ci][v][r];
		const struct acc *e = &results[ci][refv < 0 ? v : refv][r];

		if (!a->cnt || !e->cnt)
			continue;
		x[n] = a->ns / a->cnt;
		if (refv >= 0)
			x[n] /= e->ns / e->cnt;
		n++;
	}
	if (!n)
		return 0;
	*med = median(x, n);
	*lo = x[0];
	*hi = x[n - 1];
	return n;
}

#define GOAL_RATIO 4.0

static void print_table(void)
{
	const char *group = NULL;
	double m, lo, hi, e, rm, rlo, rhi;
	int ci, met = 0, total = 0;
	char name[80];

	for (ci = 0; ci < bench_ncases; ci++) {
		const struct bench_case *c = &bench_cases[ci];
		const char *prog = NULL;
		struct step s[MAX_STEPS];
		struct bench_env env = {};
		int n, i, v;

		if (!ran[ci])
			continue;
		if (!group || strcmp(group, c->group)) {
			group = c->group;
			printf("\n%s\n", group);
			printf("  %-52s %8s %7s %6s %-18s %-5s %-13s %-13s\n",
			       "case [program]", "spte-tr", "entry", "empty",
			       "ratio (min-max)", "<=4x", "count (ratio)",
			       "life (ratio)");
		}
		n = c->gen(&env, 0, 0, s);
		for (i = 0; i < n; i++)
			if (s[i].measured)
				prog = tp_progs[s[i].tp];
		snprintf(name, sizeof(name), "%s [%s]", c->name, prog);
		round_stats(ci, V_SPTE, -1, &m, &lo, &hi);
		round_stats(ci, V_EMPTY, -1, &e, &lo, &hi);
		round_stats(ci, V_SPTE, V_EMPTY, &rm, &rlo, &rhi);
		printf("  %-52.52s %8.0f", name, m);
		if (round_stats(ci, V_ENTRY, -1, &m, &lo, &hi))
			printf(" %7.0f", m);
		else
			printf(" %7s", "-");
		printf(" %6.0f %5.1f (%4.1f-%4.1f) %-5s", e, rm, rlo, rhi,
		       rm <= GOAL_RATIO ? "yes" : "no");
		total++;
		met += rm <= GOAL_RATIO;
		tsv_line(
			"case\t%s\t%s\t%s\tspte\t%.1f\tempty\t%.1f\tratio\t%.2f\t%.2f\t%.2f",
			c->group, c->name, prog, rm * e, e, rm, rlo, rhi);
		for (v = V_COUNT; v <= V_LIFE; v++) {
			double vm, vr, a, z;

			if (!round_stats(ci, v, -1, &vm, &a, &z)) {
				printf(" %-13s", "-");
				continue;
			}
			round_stats(ci, v, V_EMPTY, &vr, &a, &z);
			printf(" %4.0f (%4.1f)  ", vm, vr);
			tsv_line("ref\t%s\t%s\t%s\t%.1f\t%.2f", c->group,
				 c->name, variant_names[v], vm, vr);
		}
		if (round_stats(ci, V_ENTRY, -1, &m, &lo, &hi))
			tsv_line("entry\t%s\t%s\t%.1f", c->group, c->name, m);
		printf("\n");
	}
	printf("\n%d of %d cases within %.0fx of the empty program\n", met,
	       total, GOAL_RATIO);
}

/* ---- Map memory ------------------------------------------------------------- */

/* "memlock:" of /proc/self/fdinfo/FD: what the kernel charges for it. */
static long long fd_memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static const char *map_type_name(__u32 t)
{
	switch (t) {
	case BPF_MAP_TYPE_HASH:
		return "hash";
	case BPF_MAP_TYPE_LRU_HASH:
		return "lru_hash";
	case BPF_MAP_TYPE_ARRAY:
		return "array";
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return "percpu_array";
	case BPF_MAP_TYPE_STACK_TRACE:
		return "stack_trace";
	case BPF_MAP_TYPE_RINGBUF:
		return "ringbuf";
	case BPF_MAP_TYPE_PROG_ARRAY:
		return "prog_array";
	default:
		return "other";
	}
}

/* Every map of a loaded spte-trace object, with what the kernel charges. */
static long long print_maps(struct monitor *m, const char *title, bool rows)
{
	static const char *const progs[] = { "protocol", "patched_SET",
					     "stock_spte_changed" };
	__u32 ids[64], nids = 0, i, j;
	long long total = 0;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info), map_ids[64];
		int fd = monitor__prog_fd(m, progs[i]);

		if (fd < 0)
			continue;
		info.nr_map_ids = 64;
		info.map_ids = (__u64)(unsigned long)map_ids;
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		for (j = 0; j < info.nr_map_ids && j < 64; j++) {
			__u32 k;

			for (k = 0; k < nids && ids[k] != map_ids[j]; k++)
				;
			if (k == nids && nids < 64)
				ids[nids++] = map_ids[j];
		}
	}
	if (rows)
		printf("\n%s\n  %-16s %-13s %9s %6s %6s %12s\n", title, "map",
		       "type", "entries", "key", "value", "memlock");
	for (i = 0; i < nids; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(ids[i]);
		long long ml;

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			ml = fd_memlock(fd);
			total += ml > 0 ? ml : 0;
			if (rows)
				printf("  %-16s %-13s %9u %6u %6u %12lld\n",
				       info.name, map_type_name(info.type),
				       info.max_entries, info.key_size,
				       info.value_size, ml);
			tsv_line("map\t%s\t%s\t%s\t%u\t%lld", title, info.name,
				 map_type_name(info.type), info.max_entries,
				 ml);
		}
		close(fd);
	}
	if (rows)
		printf("  %-16s %43s %12lld (%.1f MiB)\n", "total", "", total,
		       total / 1048576.0);
	return total;
}

static void map_memory(void)
{
	static const struct {
		const char *name;
		__u32 pending, sptes;
	} cfgs[] = {
		{ "default sizes", 0, 0 },
		{ "--max-pending 1048576", 1 << 20, 0 },
		{ "--max-pending 1048576 --max-sptes 1048576", 1 << 20,
		  1 << 20 },
	};
	struct source_plan plan = { .spte = SPTE_SRC_PATCHED,
				    .hooks = HOOK_SRC_PATCHED };
	size_t i;

	printf("\nMap memory (the kernel's memlock charge per map fd, "
	       "/proc/self/fdinfo)\n");
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		struct monitor_opts o;
		struct monitor *m;
		long long total;
		int err;

		bench_cfg(&o, false);
		if (cfgs[i].pending)
			o.limits.max_pending = cfgs[i].pending;
		if (cfgs[i].sptes)
			o.limits.max_sptes = cfgs[i].sptes;
		err = monitor__open_detached(&m, &o, &plan);
		if (err) {
			fail("loading with %s: %s", cfgs[i].name,
			     strerror(-err));
			continue;
		}
		total = print_maps(m, cfgs[i].name, i == 0);
		if (i)
			printf("  %-45s total %12lld (%.1f MiB)\n",
			       cfgs[i].name, total, total / 1048576.0);
		tsv_line("maptotal\t%s\t%lld", cfgs[i].name, total);
		monitor__destroy(m);
	}
}

/* ---- The sweeper at 1M pending zaps ------------------------------------- */

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * 1M pending zaps of one VM, first all still owed (the sweep walks them
 * and keeps them), then all covered by a full flush (it drops them).
 */
static void sweeper_1m(void)
{
	struct source_plan plan = { .spte = SPTE_SRC_PATCHED,
				    .hooks = HOOK_SRC_PATCHED };
	const __u32 n = 1 << 20, chunk = 8192;
	struct pending_zap *vals = NULL;
	struct spte_key *keys = NULL;
	struct monitor_opts o;
	struct monitor *m;
	struct event ev = {};
	double c0, w0;
	__u32 i, j;
	int pz, err;

	bench_cfg(&o, false);
	o.limits.max_pending = n + 4096;
	err = monitor__open_detached(&m, &o, &plan);
	if (err) {
		fail("sweeper: loading: %s", strerror(-err));
		return;
	}
	keys = calloc(chunk, sizeof(*keys));
	vals = calloc(chunk, sizeof(*vals));
	pz = monitor__map_fd(m, "pending");
	/* The VM exists and has begun flush 1. */
	ev.type = EVENT_FLUSH_BEGIN;
	ev.vm.vm = 5;
	ev.vm.seq = 1;
	ev.vm.tag = 1;
	ev.vm.pages = FLUSH_ALL_PAGES;
	ev.vm.ts_ns = mono_ns();
	err = keys && vals ? monitor__feed(m, &ev) : -ENOMEM;
	for (i = 0; i < n && !err; i += chunk) {
		for (j = 0; j < chunk; j++) {
			spte_key_set(&keys[j], 5, 0x1000000, 0, i + j, 1);
			memset(&vals[j], 0, sizeof(vals[j]));
			vals[j].zap_ns = mono_ns();
			vals[j].seq = 1;
			vals[j].old_spte = b_leaf(i + j, 1);
			vals[j].stack = -1;
		}
		err = fill_batch(pz, keys, vals, chunk);
	}
	if (!err) {
		c0 = cpu_s();
		w0 = now_s();
		err = monitor__sweep_at(m, mono_ns(), 0);
		printf("\nSweeper, 1,048,576 pending zaps: all owed (kept): "
		       "%.2f s CPU, %.2f s wall\n",
		       cpu_s() - c0, now_s() - w0);
		tsv_line("sweep\tkept\t%.3f", cpu_s() - c0);
	}
	if (!err) {
		ev.type = EVENT_FLUSH_END;
		ev.vm.ts_ns = mono_ns();
		err = monitor__feed(m, &ev);
	}
	if (!err) {
		c0 = cpu_s();
		w0 = now_s();
		err = monitor__sweep_at(m, mono_ns(), 0);
		printf("Sweeper, 1,048,576 pending zaps: all covered "
		       "(dropped): %.2f s CPU, %.2f s wall\n",
		       cpu_s() - c0, now_s() - w0);
		tsv_line("sweep\tdropped\t%.3f", cpu_s() - c0);
	}
	if (err)
		fail("sweeper at 1M: %s", strerror(-err));
	free(keys);
	free(vals);
	monitor__destroy(m);
}

/* ---- The daemon's memory ------------------------------------------------- */

static long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

/* Wait at most @timeout_s for @pid to exit; its status, or -1. */
static int wait_bounded(pid_t pid, double timeout_s)
{
	double end = now_s() + timeout_s;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int status;

	while (now_s() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		nanosleep(&tick, NULL);
	}
	return -1;
}

/*
 * Start the daemon at default sizes (interval 1 s), wait (bounded) for
 * its first interval report, sample VmRSS over its next reports, stop it
 * with SIGINT.
 */
static void daemon_rss(const char *path)
{
	char buf[4096], *arg[] = { (char *)path, "--no-privdrop", "1", NULL };
	long rss, max_rss = 0, hwm = 0;
	int pfd[2], reports = 0, status;
	size_t have = 0;
	double end;
	pid_t pid;

	if (access(path, X_OK)) {
		printf("\nDaemon RSS: %s not built; skipped\n", path);
		return;
	}
	if (pipe(pfd))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv(path, arg);
		_exit(127);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	end = now_s() + 30;
	/* Each interval report has one headline, "  spte events N, ...". */
	while (now_s() < end && reports < 6) {
		struct timespec tick = { 0, 100 * 1000 * 1000 };
		ssize_t r = read(pfd[0], buf + have, sizeof(buf) - 1 - have);

		if (r > 0) {
			char *p;

			have += r;
			buf[have] = 0;
			for (p = buf; (p = strstr(p, "spte events ")); p++)
				reports++;
			/* Counted: keep only what may be half a headline. */
			if (have > 16) {
				memmove(buf, buf + have - 11, 11);
				have = 11;
			}
		} else if (r == 0 || (r < 0 && errno != EAGAIN)) {
			break;
		}
		rss = status_kb(pid, "VmRSS");
		if (rss > max_rss)
			max_rss = rss;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			printf("\nDaemon RSS: %s exited early (status %d)\n",
			       path, status);
			fail("the daemon did not run");
			close(pfd[0]);
			return;
		}
		nanosleep(&tick, NULL);
	}
	hwm = status_kb(pid, "VmHWM");
	rss = status_kb(pid, "VmRSS");
	kill(pid, SIGINT);
	if (wait_bounded(pid, 15) < 0) {
		kill(pid, SIGKILL);
		wait_bounded(pid, 5);
	}
	close(pfd[0]);
	printf("\nDaemon RSS at default sizes (%s 1, sampled over %.0f s, "
	       "%d interval reports): now %ld KiB, max seen %ld KiB, "
	       "peak (VmHWM) %ld KiB; goal <= 32768 KiB: %s\n",
	       path, 30 - (end - now_s()), reports, rss, max_rss, hwm,
	       hwm <= 32768 ? "met" : "NOT met");
	tsv_line("rss\t%ld\t%ld\t%ld", rss, max_rss, hwm);
}

/* ---- The verifier --------------------------------------------------------- */

/*
 * Load every program this kernel accepts with BPF_LOG_STATS (log level 4)
 * and print what the verifier processed and how long it took.  Programs of
 * a kind the kernel refuses (fentry without trampolines) are listed as such.
 */
static void verifier_stats(void)
{
	static char log[1 << 16];
	struct spte_trace *skel;
	struct bpf_program *p;
	int ok = 0, refused = 0;
	struct utsname u;

	uname(&u);
	printf("\nVerifier, per program (each loaded alone, BPF_LOG_STATS), "
	       "kernel %s\n",
	       u.release);
	printf("  %-34s %7s %9s %8s %8s %9s\n", "program", "insns", "processed",
	       "states", "peak", "verif us");
	printf("  (verification time: best of 3 loads)\n");
	skel = spte_trace__open();
	if (!skel) {
		fail("opening spte-trace's object");
		return;
	}
	bpf_object__for_each_program(p, skel->obj) {
		const char *name = bpf_program__name(p);
		unsigned long processed = 0, states = 0, peak = 0, us = ~0UL;
		size_t insns = 0;
		int rep, err = 0;

		/* Best of 3: a neighbour on the CPU only ever adds time. */
		for (rep = 0; rep < 3 && !err; rep++) {
			struct bpf_program *q, *target = NULL;
			struct spte_trace *one = spte_trace__open();
			unsigned long t = 0;
			char *s;

			if (!one) {
				err = -ENOMEM;
				break;
			}
			bpf_object__for_each_program(q, one->obj) {
				bool me = !strcmp(bpf_program__name(q), name);

				bpf_program__set_autoload(q, me);
				if (me)
					target = q;
			}
			log[0] = 0;
			bpf_program__set_log_level(target, 4);
			bpf_program__set_log_buf(target, log, sizeof(log));
			err = spte_trace__load(one);
			if (!err) {
				insns = bpf_program__insn_cnt(target);
				s = strstr(log, "processed ");
				if (s)
					sscanf(s,
					       "processed %lu insns (limit %*u) "
					       "max_states_per_insn %*u "
					       "total_states %lu peak_states %lu",
					       &processed, &states, &peak);
				s = strstr(log, "verification time ");
				if (s &&
				    sscanf(s, "verification time %lu usec",
					   &t) == 1 &&
				    t < us)
					us = t;
			}
			spte_trace__destroy(one);
		}
		if (err) {
			if (opt.verifier_only)
				printf("  %-34s refused by this kernel (%s)\n",
				       name, strerror(-err));
			tsv_line("verifier\t%s\trefused", name);
			refused++;
			continue;
		}
		printf("  %-34s %7zu %9lu %8lu %8lu %9lu\n", name, insns,
		       processed, states, peak, us);
		tsv_line("verifier\t%s\t%zu\t%lu\t%lu\t%lu\t%lu", name, insns,
			 processed, states, peak, us);
		ok++;
	}
	spte_trace__destroy(skel);
	printf("  %d programs loaded, %d refused by this kernel\n", ok,
	       refused);
}

/* What the daemon pays to load each plan, as it loads it. */
static void load_times(void)
{
	int stock, rep;

	printf("\nLoad time of each plan (open, load, verify; wall):");
	for (stock = 0; stock <= 1; stock++) {
		double best = 1e9;

		for (rep = 0; rep < 3; rep++) {
			struct source_plan plan = {
				.spte = stock ? SPTE_SRC_STOCK :
						SPTE_SRC_PATCHED,
				.hooks = stock ? HOOK_SRC_NONE :
						 HOOK_SRC_PATCHED,
			};
			struct monitor_opts o;
			struct monitor *m;
			double t0 = now_s(), t;

			bench_cfg(&o, stock);
			if (monitor__open_detached(&m, &o, &plan)) {
				fail("loading the %s plan",
				     stock ? "stock" : "patched");
				return;
			}
			t = now_s() - t0;
			monitor__destroy(m);
			if (t < best)
				best = t;
		}
		printf(" %s %.0f ms",
		       stock ? "stock (tracepoint only)" : "patched;",
		       best * 1000);
		tsv_line("load\t%s\t%.4f", stock ? "stock" : "patched", best);
	}
	printf(" (best of 3)\n");
}

/* ---- The profile: operation counts and unit costs ------------------------ */

/* The event an entry program makes of @s (src: bpf/spte_trace.bpf.c). */
static bool step_event(const struct bench *b, const struct step *s,
		       __u32 ctx_flags, bool have_ctx, struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (s->tp == TP_FEED) {
		*ev = s->feed;
		return true;
	}
	if (tp_is_spte(s->tp)) {
		ev->type = EVENT_SPTE;
		ev->spte.stack_id = -1;
		ev->spte.tid = b->tid;
		ev->spte.pid = getpid();
		if (s->tp == TP_STOCK) {
			ev->spte.vm = have_ctx ? b->env.stock_vm : 0x80000001;
			ev->spte.flags = have_ctx ? ctx_flags :
						    SPTE_F_VM_GUESSED;
			ev->spte.flush_reqs = have_ctx ? 100 : 0;
			ev->spte.gfn = s->args[1];
			ev->spte.level = s->args[2];
			ev->spte.old_spte = s->args[3];
			ev->spte.new_spte = s->args[4];
			ev->spte.op = SPTE_OP_CHANGED;
		} else {
			ev->spte.vm = (__u32)(s->args[0] >> 12);
			ev->spte.gfn = s->args[2];
			ev->spte.level = s->args[3];
			ev->spte.sptep = s->args[4];
			ev->spte.old_spte = s->args[5];
			ev->spte.new_spte = s->args[6];
			ev->spte.root = s->args[7];
			ev->spte.op = s->tp == TP_SET	 ? SPTE_OP_SET :
				      s->tp == TP_FREEZE ? SPTE_OP_FREEZE :
							   SPTE_OP_UNFREEZE;
		}
		return true;
	}
	ev->vm.tid = b->tid;
	ev->vm.pid = getpid();
	ev->vm.stack_id = -1;
	switch (s->tp) {
	case TP_FLUSH_BEGIN:
	case TP_FLUSH_END:
		ev->type = s->tp == TP_FLUSH_BEGIN ? EVENT_FLUSH_BEGIN :
						     EVENT_FLUSH_END;
		ev->vm.vm = (__u32)(s->args[0] >> 12);
		ev->vm.start_gfn = s->args[1];
		ev->vm.pages = s->args[2];
		ev->vm.seq = ev->vm.tag = s->args[3];
		return true;
	case TP_DEADLINE:
		ev->type = EVENT_DEADLINE;
		ev->vm.vm = (__u32)(s->args[0] >> 12);
		ev->vm.reason = s->args[1];
		return true;
	case TP_FREE_SP:
		ev->type = EVENT_FREE_PT;
		return false; /* needs the fake memory: set below */
	}
	return false;
}

/*
 * The protocol's operations for the measured step of each case: the case
 * run three times through the userspace engine (the same state machine),
 * the third run's measured step counted.
 */
static __u64 case_ops[MAX_CASES][OP_MAX];
static bool have_ops[MAX_CASES];

static void op_counts(void)
{
	int ci, k;

	printf("\nProtocol state operations of the measured event "
	       "(bpf/protocol.h through tools/bench/opcount.c)\n");
	for (ci = 0; ci < bench_ncases; ci++) {
		const struct bench_case *c = &bench_cases[ci];
		struct spte_config cfg;
		struct monitor_opts o;
		struct opcount *oc;
		struct bench b = {};
		__u64 ops[OP_MAX] = {}, dummy[OP_MAX];
		__u32 ctx_flags = 0;
		bool have_ctx = false;
		int it;

		if (!case_selected(c))
			continue;
		bench_cfg(&o, c->stock);
		cfg = o.cfg;
		oc = opcount__new(&cfg);
		if (!oc)
			return;
		b.tid = syscall(SYS_gettid);
		b.env.kvm = 0xffff888100000000ULL;
		b.env.stock_vm = 1;
		/* it -2: the warm flushes; -1: the owed zap; 0..2: the case. */
		for (it = -2; it < 3; it++) {
			struct step s[WARM_STEPS];
			__u64 g = 0x1000000ULL + it * c->stride;
			int n, i;

			if (it == -2)
				n = bench_warm(&b.env, c->stock, s);
			else if (it == -1)
				n = bench_owed_zap(&b.env, c->stock, 0x3d000000,
						   s);
			else
				n = c->gen(&b.env, g, it, s);

			for (i = 0; i < n; i++) {
				struct event ev;

				if (s[i].tp == TP_CTX) {
					have_ctx = s[i].args[2];
					ctx_flags = s[i].args[0];
					continue;
				}
				if (s[i].tp == TP_FAKE_SP) {
					b.env.sp = s[i].args[0];
					continue;
				}
				if (!step_event(&b, &s[i], ctx_flags, have_ctx,
						&ev)) {
					if (s[i].tp != TP_FREE_SP)
						continue;
					ev.vm.pt = b.env.sp;
					ev.vm.level = 1;
				}
				ev.spte.ts_ns = mono_ns();
				if (ev.type != EVENT_SPTE)
					ev.vm.ts_ns = mono_ns();
				opcount__feed(oc, &ev,
					      s[i].measured && it == 2 ? ops :
									 dummy);
			}
		}
		opcount__free(oc);
		memcpy(case_ops[ci], ops, sizeof(ops));
		have_ops[ci] = true;
		printf("  %-14s %-50.50s", c->stock ? "stock" : "patched",
		       c->name);
		for (k = 0; k < OP_MAX; k++)
			if (ops[k] && k != OP_LAUNDER)
				printf(" %s %llu;", op_names[k],
				       (unsigned long long)ops[k]);
		printf("\n");
		tsv_line("ops\t%s\t%s", c->group, c->name);
		for (k = 0; k < OP_MAX; k++)
			if (ops[k])
				tsv_line("op\t%s\t%s\t%s\t%llu", c->group,
					 c->name, op_names[k],
					 (unsigned long long)ops[k]);
	}
}

/* The unit costs the model below uses. */
enum unit {
	U_LOOP_STEP,
	U_PCPU_LOOKUP,
	U_MEMSET,
	U_KTIME,
	U_PID,
	U_PROBE_READ,
	U_LRU_HIT,
	U_LRU_MISS,
	U_LRU_REPLACE,
	U_LRU_NEW,
	U_HASH_HIT,
	U_HASH_MISS,
	U_HASH_REPLACE,
	U_HASH_NEW,
	U_HASH_DELETE,
	U_STACKID,
	U_TAIL_CALL,
	U_NONE,
	U_MAX,
};

/* [0]: the same key every time (cache hot); [1]: keys across the map. */
static double unit[2][U_MAX];
static bool have_units;

/* A taken tail call: op_tail_call (into an empty program) - ref_empty. */
static double tail_call_cost(void)
{
	int tfd = bpf_program__fd(ref->progs.op_tail_target);
	int cfd = bpf_program__fd(ref->progs.op_tail_call);
	int efd = bpf_program__fd(ref->progs.ref_empty);
	__u64 args[1] = { 0 }, c0 = 0, n0 = 0, c1 = 0, n1 = 0;
	double x[9], with, without;
	__u32 zero = 0;
	int r, i;

	if (bpf_map_update_elem(bpf_map__fd(ref->maps.op_tail), &zero, &tfd,
				BPF_ANY))
		return NAN;
	for (r = 0; r < 9; r++) {
		with = without = 0;
		for (i = 0; i < 100; i++) {
			int fd = (i & 1) ? cfd : efd;

			if (prog_stats(fd, &c0, &n0) || test_run(fd, args, 1) ||
			    prog_stats(fd, &c1, &n1))
				return NAN;
			if (i & 1)
				with += n1 - n0;
			else
				without += n1 - n0;
		}
		x[r] = (with - without) / 50.0;
	}
	return median(x, 9);
}

/*
 * One operation's cost: runs with op_n operations alternate with runs of
 * none; (with - without) / op_n, median of 9 repetitions of 50 + 50 runs.
 */
static double unit_cost(struct bpf_program *p, __u32 n)
{
	__u64 args[1] = { 0 }, c0 = 0, n0 = 0, c1 = 0, n1 = 0;
	int fd = bpf_program__fd(p), r, i;
	double x[9], with, without;

	for (r = 0; r < 9; r++) {
		with = without = 0;
		for (i = 0; i < 100; i++) {
			ref->data->op_n = (i & 1) ? n : 0;
			if (prog_stats(fd, &c0, &n0) || test_run(fd, args, 1) ||
			    prog_stats(fd, &c1, &n1))
				return NAN;
			if (i & 1)
				with += n1 - n0;
			else
				without += n1 - n0;
		}
		x[r] = (with - without) / 50.0 / n;
	}
	return median(x, 9);
}

/*
 * Key choice of a unit-cost row.  HOT: one key, again and again (what an
 * event finds when the event before it touched the same SPTE).  EXISTING:
 * every key the fill made, in turn (mostly cache-cold, as in a busy host's
 * maps).  FRESH: keys never seen.  ABSENT_HOT: one key that is not there.
 */
enum keys { K_NONE, K_HOT, K_EXISTING, K_FRESH, K_ABSENT_HOT };

static void unit_costs(void)
{
	const __u32 n = 64;
	struct {
		const char *what;
		struct bpf_program *p;
		int keys, u,
			hot; /* hot: row fills unit[0] (and [1] if K_NONE) */
	} ops[] = {
		{ "bpf_loop step (empty callback)", ref->progs.op_loop, K_NONE,
		  U_LOOP_STEP, 0 },
		{ "per-CPU array lookup", ref->progs.op_pcpu_lookup, K_NONE,
		  U_PCPU_LOOKUP, 0 },
		{ "memset of struct event (120 B)", ref->progs.op_memset_event,
		  K_NONE, U_MEMSET, 0 },
		{ "bpf_ktime_get_ns", ref->progs.op_ktime, K_NONE, U_KTIME, 0 },
		{ "bpf_get_current_pid_tgid", ref->progs.op_pid_tgid, K_NONE,
		  U_PID, 0 },
		{ "bpf_probe_read_kernel (8 B)", ref->progs.op_probe_read,
		  K_NONE, U_PROBE_READ, 0 },
		{ "bpf_get_stackid (this stack)", ref->progs.op_stackid, K_NONE,
		  U_STACKID, 0 },
		{ "LRU (full) lookup, hit", ref->progs.op_lru_lookup, K_HOT,
		  U_LRU_HIT, 1 },
		{ "LRU (full) lookup, hit", ref->progs.op_lru_lookup,
		  K_EXISTING, U_LRU_HIT, 0 },
		{ "LRU (full) lookup, miss", ref->progs.op_lru_lookup,
		  K_ABSENT_HOT, U_LRU_MISS, 1 },
		{ "LRU (full) lookup, miss", ref->progs.op_lru_lookup, K_FRESH,
		  U_LRU_MISS, 0 },
		{ "LRU (full) update, existing key", ref->progs.op_lru_update,
		  K_HOT, U_LRU_REPLACE, 1 },
		{ "LRU (full) update, existing key", ref->progs.op_lru_update,
		  K_EXISTING, U_LRU_REPLACE, 0 },
		{ "LRU (full) update, new key (evicts)",
		  ref->progs.op_lru_update, K_FRESH, U_LRU_NEW, 0 },
		{ "LRU (full) lookup + write in place",
		  ref->progs.op_lru_in_place, K_HOT, U_NONE, 0 },
		{ "LRU (full) lookup + write in place",
		  ref->progs.op_lru_in_place, K_EXISTING, U_NONE, 0 },
		{ "LRU, per-CPU lists: update, existing",
		  ref->progs.op_lru_pcpu_update, K_HOT, U_NONE, 0 },
		{ "LRU, per-CPU lists: update, existing",
		  ref->progs.op_lru_pcpu_update, K_EXISTING, U_NONE, 0 },
		{ "LRU, per-CPU lists: update, new key",
		  ref->progs.op_lru_pcpu_update, K_FRESH, U_NONE, 0 },
		{ "hash lookup, hit", ref->progs.op_hash_lookup, K_HOT,
		  U_HASH_HIT, 1 },
		{ "hash lookup, hit", ref->progs.op_hash_lookup, K_EXISTING,
		  U_HASH_HIT, 0 },
		{ "hash lookup, miss", ref->progs.op_hash_lookup, K_ABSENT_HOT,
		  U_HASH_MISS, 1 },
		{ "hash lookup, miss", ref->progs.op_hash_lookup, K_FRESH,
		  U_HASH_MISS, 0 },
		{ "hash update, existing key", ref->progs.op_hash_update, K_HOT,
		  U_HASH_REPLACE, 1 },
		{ "hash update, existing key", ref->progs.op_hash_update,
		  K_EXISTING, U_HASH_REPLACE, 0 },
		{ "hash update, new key", ref->progs.op_hash_update, K_FRESH,
		  U_HASH_NEW, 0 },
		{ "hash delete (keys just added)", ref->progs.op_hash_delete,
		  K_FRESH, U_HASH_DELETE, 0 },
	};
	static const char *const kname[] = { "", "same key", "all keys",
					     "new keys", "same absent key" };
	struct spte_key *keys;
	struct pending_zap *vals;
	__u64 fresh = 1ULL << 40, b;
	int cold_rows = 0;
	__u32 j;
	size_t i;

	printf("\nUnit costs in this kernel (ns per operation: %u per run, "
	       "median of 9 x 50 runs, minus runs of none;\n"
	       "maps shaped like spte_state (LRU, full: 262144) and pending "
	       "(hash, 16384 of 65536 used); \"per-CPU lists\":\n"
	       "the LRU with BPF_F_NO_COMMON_LRU, whose CPUs each hold a share "
	       "of the entries)\n",
	       n);
	keys = calloc(8192, sizeof(*keys));
	vals = calloc(8192, sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return;
	}
	for (b = 0; b < 262144; b += 8192) {
		for (j = 0; j < 8192; j++) {
			memset(&keys[j], 0, sizeof(keys[j]));
			keys[j].gla = b + j;
			keys[j].vm = 1;
		}
		if (fill_batch(bpf_map__fd(ref->maps.op_lru), keys, vals,
			       8192) ||
		    fill_batch(bpf_map__fd(ref->maps.op_lru_pcpu), keys, vals,
			       8192) ||
		    (b < 16384 && fill_batch(bpf_map__fd(ref->maps.op_hash),
					     keys, vals, 8192)))
			fail("filling the unit-cost maps: %s", strerror(errno));
	}
	free(keys);
	free(vals);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		bool lru = strstr(ops[i].what, "LRU") != NULL;
		double c;

		ref->bss->op_advance = true;
		ref->data->op_span = 1ULL << 62;
		switch (ops[i].keys) {
		case K_HOT:
			ref->bss->op_base = 7;
			ref->bss->op_advance = false;
			ref->data->op_span = 1;
			break;
		case K_ABSENT_HOT:
			ref->bss->op_base = 1ULL << 50;
			ref->bss->op_advance = false;
			ref->data->op_span = 1;
			break;
		case K_EXISTING:
			/*
			 * Each row its own stretch of the LRU (a row walks
			 * 28800 keys): not the keys the row before warmed.
			 * The hash's 16384 keys (2 MiB) are one stretch.
			 */
			ref->data->op_span = lru ? 262144 : 16384;
			ref->bss->op_base =
				lru ? (cold_rows++ * 32768) % 262144 : 0;
			break;
		default:
			if (ops[i].p == ref->progs.op_hash_delete) {
				/* The keys "hash update, new key" added. */
				ref->bss->op_base = fresh - (1ULL << 32);
			} else {
				ref->bss->op_base = fresh;
				fresh += 1ULL << 32;
			}
		}
		/* K_HOT with a span of one: (base + i) % 1 is key 0. */
		c = unit_cost(ops[i].p, n);
		if (ops[i].keys == K_NONE || ops[i].keys == K_FRESH ||
		    !ops[i].hot)
			unit[1][ops[i].u] = c;
		if (ops[i].keys == K_NONE || ops[i].keys == K_FRESH ||
		    ops[i].hot)
			unit[0][ops[i].u] = c;
		printf("  %-40s %-16s %7.1f\n", ops[i].what, kname[ops[i].keys],
		       c);
		tsv_line("unit\t%s\t%s\t%.1f", ops[i].what, kname[ops[i].keys],
			 c);
	}
	unit[0][U_TAIL_CALL] = unit[1][U_TAIL_CALL] = tail_call_cost();
	printf("  %-40s %-16s %7.1f\n",
	       "tail call, taken (into an empty program)", "",
	       unit[0][U_TAIL_CALL]);
	tsv_line("unit\ttail call\t\t%.1f", unit[0][U_TAIL_CALL]);
	have_units = true;
}

/* The unit cost of one protocol map operation; @cold: keys across the map. */
static double op_unit(int k, int cold)
{
	static const int lru[OP_PER_MAP] = { U_LRU_HIT, U_LRU_MISS, U_LRU_NEW,
					     U_LRU_REPLACE, U_HASH_DELETE };
	static const int hash[OP_PER_MAP] = { U_HASH_HIT, U_HASH_MISS,
					      U_HASH_NEW, U_HASH_REPLACE,
					      U_HASH_DELETE };

	if (k < OP_PER_MAP)
		return unit[cold][lru[k]];
	if (k < OP_MAP_OPS)
		return unit[cold][hash[k % OP_PER_MAP]];
	switch (k) {
	case OP_VM_CREATE:
	case OP_HOLDER_CREATE:
		return unit[cold][U_HASH_NEW] + unit[cold][U_HASH_HIT];
	case OP_LOOP_STEP:
		return unit[cold][U_LOOP_STEP];
	}
	return 0;
}

/*
 * Measured cost against a model: the entry program alone (measured), a
 * taken tail call, and the protocol's map operations at their unit costs,
 * every key cache-hot (same key as the last operation) or every key cold
 * (anywhere in the map): the measured cost should lie between.
 */
static void cost_model(void)
{
	int ci, k, cold;

	printf("\nWhere the time goes: measured ns/event against entry alone + tail "
	       "call + the protocol's map operations\n"
	       "at their unit costs, keys all hot .. all cold; rest = measured - "
	       "entry - tail - maps (hot .. cold)\n");
	printf("  %-52s %8s %6s %5s %13s %13s  %s\n", "case", "measured",
	       "entry", "tail", "maps", "rest",
	       "map operations, count x ns (hot/cold)");
	for (ci = 0; ci < bench_ncases; ci++) {
		const struct bench_case *c = &bench_cases[ci];
		double m, e = 0, lo, hi, maps[2] = { 0, 0 }, tail;
		char name[80];

		if (!ran[ci] || !have_ops[ci] || !c->spte ||
		    !round_stats(ci, V_SPTE, -1, &m, &lo, &hi))
			continue;
		round_stats(ci, V_ENTRY, -1, &e, &lo, &hi);
		tail = unit[0][U_TAIL_CALL];
		for (cold = 0; cold < 2; cold++)
			for (k = 0; k < OP_MAX; k++)
				maps[cold] +=
					case_ops[ci][k] * op_unit(k, cold);
		snprintf(name, sizeof(name), "%s: %s",
			 !c->stock		     ? "patched" :
			 strstr(c->group, "no task") ? "stock, no ctx" :
						       "stock",
			 c->name);
		printf("  %-52.52s %8.0f %6.0f %5.0f %6.0f..%-5.0f %6.0f..%-5.0f ",
		       name, m, e, tail, maps[0], maps[1],
		       m - e - tail - maps[1], m - e - tail - maps[0]);
		for (k = 0; k < OP_MAX; k++)
			if (case_ops[ci][k] && op_unit(k, 1) > 0)
				printf(" %s %llux%.0f/%.0f;", op_names[k],
				       (unsigned long long)case_ops[ci][k],
				       op_unit(k, 0), op_unit(k, 1));
		printf("\n");
		tsv_line("model\t%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f",
			 c->group, c->name, m, e, tail, maps[0], maps[1]);
	}
}

/* ---- Spinning one case (perf record, tools/bench/profile.sh) ---------------- */

static int spin(const char *name, int secs)
{
	struct bench b;
	double end;
	int ci, stock, err = 0;
	__u64 i = 0;

	for (ci = 0; ci < bench_ncases; ci++) {
		char full[160];

		snprintf(full, sizeof(full), "%s: %s",
			 bench_cases[ci].stock ? "stock" : "patched",
			 bench_cases[ci].name);
		if (!strcmp(full, name))
			break;
	}
	if (ci == bench_ncases) {
		fprintf(stderr, "bench: no case '%s'; cases:\n", name);
		for (ci = 0; ci < bench_ncases; ci++)
			fprintf(stderr, "  %s: %s\n",
				bench_cases[ci].stock ? "stock" : "patched",
				bench_cases[ci].name);
		return 2;
	}
	stock = bench_cases[ci].stock;
	spinning = true;
	if (bench_open(&b, stock))
		return 1;
	fake_kvm_init();
	err = warm_maps(&b, 262144, 16384);
	if (!err)
		err = warm_vm(&b);
	end = now_s() + secs;
	while (!err && now_s() < end) {
		struct step s[MAX_STEPS];
		struct acc a = {};
		int k;

		for (k = 0; k < 1000 && !err; k++, i++) {
			int n = bench_cases[ci].gen(
				&b.env,
				(1ULL << 24) + i * bench_cases[ci].stride, i,
				s);

			err = run_steps(&b, V_SPTE, s, n, &a);
		}
		if (!err && i % 20000 == 0)
			err = bench_clean(&b);
	}
	monitor__destroy(b.m);
	monitor__destroy(b.entry);
	printf("spin: %llu iterations of %s\n", (unsigned long long)i, name);
	return err ? 1 : 0;
}

/* ---- Main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench [options]\n"
		"  --rounds N       rounds, each running every program (default %d)\n"
		"  --iters N        events per program per round (default %d)\n"
		"  --smoke          3 rounds of 40: checks that every case runs\n"
		"  --only TEXT      only the cases whose \"group: name\" has TEXT\n"
		"  --cpu N          pin to CPU N (default: the current one)\n"
		"  --daemon PATH    spte-trace binary whose RSS to measure\n"
		"  --tsv FILE       also write the results as tab-separated lines\n"
		"  --profile        also count the protocol's operations per case\n"
		"                   and measure the unit cost of each operation\n"
		"  --verifier       only the verifier's statistics per program\n"
		"  --no-memory      skip map memory, the sweeper and the daemon\n"
		"  --lru-fill N     spte_state entries of another VM before the cases\n"
		"                   (default 262144: full, so new SPTEs evict)\n"
		"  --spin CASE      run \"patched|stock: CASE\" for --spin-secs (perf)\n"
		"  --spin-secs N    (default %d)\n",
		opt.rounds, opt.iters, opt.spin_s);
}

static int parse_args(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "iters", required_argument, NULL, 'n' },
		{ "smoke", no_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'o' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "daemon", required_argument, NULL, 'd' },
		{ "tsv", required_argument, NULL, 't' },
		{ "profile", no_argument, NULL, 'p' },
		{ "verifier", no_argument, NULL, 'v' },
		{ "no-memory", no_argument, NULL, 'M' },
		{ "lru-fill", required_argument, NULL, 'L' },
		{ "spin", required_argument, NULL, 'S' },
		{ "spin-secs", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'r':
			opt.rounds = atoi(optarg);
			break;
		case 'n':
			opt.iters = atoi(optarg);
			break;
		case 's':
			opt.smoke = true;
			opt.rounds = 3;
			opt.iters = 40;
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'c':
			opt.cpu = atoi(optarg);
			break;
		case 'd':
			opt.daemon = optarg;
			break;
		case 't':
			opt.tsv = optarg;
			break;
		case 'p':
			opt.profile = true;
			break;
		case 'v':
			opt.verifier_only = true;
			break;
		case 'M':
			opt.no_memory = true;
			break;
		case 'L':
			opt.lru_fill = atol(optarg);
			break;
		case 'S':
			opt.spin = optarg;
			break;
		case 'T':
			opt.spin_s = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || opt.rounds < 1 || opt.rounds > MAX_ROUNDS ||
	    opt.lru_fill < 0 || opt.lru_fill > 262144 || opt.iters < 1 ||
	    opt.spin_s < 1) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static void header(void)
{
	char model[128] = "unknown", line[256], when[64];
	struct utsname u;
	time_t t = time(NULL);
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "model name : %127[^\n]", model) == 1)
			break;
	if (f)
		fclose(f);
	uname(&u);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	printf("make bench: spte-trace's BPF programs, per event, in this "
	       "kernel\n");
	printf("machine: %s, %ld CPUs, kernel %s; %s\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), u.release, when);
	printf("method: BPF_PROG_TEST_RUN, time inside the program from the "
	       "kernel's run-time statistics;\n"
	       "  %d rounds x %d events per program per case, programs "
	       "interleaved (rotating order) in each round;\n"
	       "  ns = median of the round means; ratio = median of the "
	       "per-round ratios to the empty program\n"
	       "  (min-max over rounds); entry = spte-trace's entry program "
	       "alone (protocol slot empty)\n",
	       opt.rounds, opt.iters);
	printf("configuration: the daemon's defaults (kernel stacks only for "
	       "violations, no recording,\n"
	       "  no flame graph sampling); warm state: %ld of spte_state's "
	       "262144 entries used%s, 16384 pending\n"
	       "  zaps of another VM, the VM with 1 full and 12 ranged flushes "
	       "behind it and one zap it owes a flush\n",
	       opt.lru_fill,
	       opt.lru_fill == 262144 ? " (full: a new SPTE evicts one)" : "");
	tsv_line("machine\t%s\t%ld\t%s\t%s", model,
		 sysconf(_SC_NPROCESSORS_ONLN), u.release, when);
}

static int pin_cpu(void)
{
	cpu_set_t set;
	int cpu = opt.cpu >= 0 ? opt.cpu : sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "bench: pinning to CPU %d: %s\n", cpu,
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	double t0 = now_s();
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv))
		return 2;
	if (geteuid()) {
		fprintf(stderr, "bench: needs root to load BPF programs\n");
		return 1;
	}
	libbpf_set_print(NULL);
	if (opt.tsv) {
		tsv = fopen(opt.tsv, "w");
		if (!tsv) {
			fprintf(stderr, "bench: %s: %s\n", opt.tsv,
				strerror(errno));
			return 1;
		}
	}
	if (opt.verifier_only) {
		verifier_stats();
		load_times();
		return broken ? 1 : 0;
	}
	if (pin_cpu())
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (stats_on())
		return 1;
	if (ref_open()) {
		stats_off();
		return 1;
	}
	if (opt.spin) {
		rc = spin(opt.spin, opt.spin_s);
		stats_off();
		return rc;
	}
	header();
	if (!run_plan(false))
		run_plan(true);
	print_table();
	if (opt.profile) {
		op_counts();
		unit_costs();
		cost_model();
	}
	stats_off();
	if (!opt.no_memory) {
		map_memory();
		sweeper_1m();
		if (opt.daemon)
			daemon_rss(opt.daemon);
		verifier_stats();
		load_times();
	}
	printf("\nbench: %s after %.0f s\n",
	       broken ? "BROKEN (see the lines above)" : "every case ran",
	       now_s() - t0);
	if (tsv)
		fclose(tsv);
	return broken ? 1 : 0;
}
