// SPDX-License-Identifier: GPL-2.0
/*
 * The live monitor: open the BPF object, size its maps, load the programs
 * src/sources.c picked, attach them one by one (so a refusal tells us which
 * kind of hook to give up on), and read results back out of the maps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "spte_trace.h"
#include "spte_trace.skel.h"
#include "monitor.h"
#include "engine.h"
#include "sweep.h"

#define MAX_LINKS 64

struct monitor {
	struct spte_trace *skel;
	struct {
		struct bpf_program *prog;
		enum hook_source kind; /* what to give up on if refused */
	} sel[MAX_LINKS];
	int nsel;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	bool detached; /* loaded for BPF_PROG_TEST_RUN, never attached */
	struct ring_buffer *rb;
	struct monitor_opts opts;
	struct sweep_stats sweep;
	__u64 ringbuf_lost;
	int ncpus;
};

void monitor_opts__default(struct monitor_opts *o)
{
	memset(o, 0, sizeof(*o));
	spte_limits__default(&o->limits);
	o->violations_kb = 256;
	o->events_kb = 8192;
}

static bool is_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

static int check_opts(const struct monitor_opts *o)
{
#define LIMIT_ZERO(name, def, opt, help) || !o->limits.name
	if (0 SPTE_MAP_LIMITS(LIMIT_ZERO)) {
		fprintf(stderr, "spte-trace: map sizes must be at least 1\n");
		return -EINVAL;
	}
#undef LIMIT_ZERO
	if (!is_pow2(o->violations_kb) || o->violations_kb < 4 ||
	    (o->cfg.record && (!is_pow2(o->events_kb) || o->events_kb < 4))) {
		fprintf(stderr,
			"spte-trace: ring buffer sizes must be powers of two, at least 4 KiB\n");
		return -EINVAL;
	}
	return 0;
}

static int on_violation_rec(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;

	if (size < sizeof(struct violation)) {
		m->ringbuf_lost++;
		return 0;
	}
	if (m->opts.on_violation)
		m->opts.on_violation(m->opts.arg, data);
	return 0;
}

static int on_event_rec(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;

	if (size < sizeof(struct event)) {
		m->ringbuf_lost++;
		return 0;
	}
	if (m->opts.on_event)
		m->opts.on_event(m->opts.arg, data);
	return 0;
}

static void size_maps(struct spte_trace *skel, const struct monitor_opts *o)
{
	long page = sysconf(_SC_PAGESIZE);

	bpf_map__set_max_entries(skel->maps.spte_state, o->limits.max_sptes);
	bpf_map__set_max_entries(skel->maps.pending, o->limits.max_pending);
	bpf_map__set_max_entries(skel->maps.vms, o->limits.max_vms);
	bpf_map__set_max_entries(skel->maps.vm_ids, o->limits.max_vms);
	bpf_map__set_max_entries(skel->maps.dead_vms, o->limits.max_vms);
	bpf_map__set_max_entries(skel->maps.inflight, o->limits.max_inflight);
	bpf_map__set_max_entries(skel->maps.holders, o->limits.max_holders);
	bpf_map__set_max_entries(skel->maps.tables, o->limits.max_tables);
	bpf_map__set_max_entries(skel->maps.stacks, o->limits.max_stacks);
	bpf_map__set_max_entries(skel->maps.sites, o->limits.max_sites);
	bpf_map__set_max_entries(skel->maps.violations,
				 o->violations_kb * 1024);
	/* Nobody reads the record ring unless recording: keep it tiny. */
	bpf_map__set_max_entries(skel->maps.events,
				 o->cfg.record ? o->events_kb * 1024 :
						 (__u32)page);
}

static void monitor__detach(struct monitor *m)
{
	while (m->nlinks > 0)
		bpf_link__destroy(m->links[--m->nlinks]);
}

static void select_prog(struct monitor *m, struct bpf_program *prog,
			enum hook_source kind)
{
	if (m->nsel == MAX_LINKS)
		return;
	bpf_program__set_autoload(prog, true);
	m->sel[m->nsel].prog = prog;
	m->sel[m->nsel].kind = kind;
	m->nsel++;
}

/* The four programs of hook @id (bpf/hooks.h), through the skeleton. */
static void hook_progs(struct spte_trace *skel, enum hook_id id,
		       struct bpf_program *p[4])
{
	switch (id) {
#define HOOK_CASE(name, sym, cls, shape, arg)				\
	case HOOK_##name:						\
		p[0] = skel->progs.fentry_##name;			\
		p[1] = skel->progs.fexit_##name;			\
		p[2] = skel->progs.kprobe_##name;			\
		p[3] = skel->progs.kretprobe_##name;			\
		break;
		SPTE_HOOKS(HOOK_CASE)
#undef HOOK_CASE
	default:
		p[0] = p[1] = p[2] = p[3] = NULL;
	}
}

/* Exactly the programs the plan needs, and no other, are loaded. */
static void monitor__select(struct monitor *m, const struct source_plan *plan)
{
	struct spte_trace *skel = m->skel;
	struct bpf_program *prog, *p[4];
	enum hook_source kind;
	int id;

	m->nsel = 0;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	/* Never attached: tail called, or run by the tests. */
	bpf_program__set_autoload(skel->progs.protocol, true);
	/*
	 * Programs attach in the order selected.  Flushes, teardowns and VM
	 * lifetimes come first, the SPTE writes and deadlines that are judged
	 * against them last: a zap seen before the flush programs were
	 * attached could otherwise miss the flush that covered it.
	 */
	if (plan->spte == SPTE_SRC_PATCHED) {
		select_prog(m, skel->progs.patched_flush_begin, HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_flush_end, HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_teardown_begin,
			    HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_teardown_end,
			    HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_free_sp, HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_destroy, HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_SET, HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_FREEZE, HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_UNFREEZE, HOOK_SRC_PATCHED);
		select_prog(m, skel->progs.patched_deadline, HOOK_SRC_PATCHED);
		return;
	}
	for (id = 0; id < HOOK_MAX; id++) {
		kind = sources__hook_kind(plan, id);
		if (kind == HOOK_SRC_NONE)
			continue;
		hook_progs(skel, id, p);
		select_prog(m, p[kind == HOOK_SRC_FENTRY ? 0 : 2], kind);
		select_prog(m, p[kind == HOOK_SRC_FENTRY ? 1 : 3], kind);
	}
	if (plan->spte == SPTE_SRC_STOCK) {
		if (plan->zap_all_fast_tp)
			select_prog(m, skel->progs.stock_zap_all_fast,
				    HOOK_SRC_NONE);
		select_prog(m, skel->progs.stock_spte_changed, HOOK_SRC_NONE);
	}
}

/*
 * Attach every selected program.  On failure, *failed_kind says which hook
 * kind was refused so the caller can fall back; NONE means a tracepoint
 * itself failed, which is fatal.
 */
static int monitor__attach(struct monitor *m, enum hook_source *failed_kind,
			   char *why, size_t why_len)
{
	struct bpf_link *link;
	int i, err;

	for (i = 0; i < m->nsel; i++) {
		link = bpf_program__attach(m->sel[i].prog);
		err = libbpf_get_error(link);
		if (err) {
			*failed_kind = m->sel[i].kind == HOOK_SRC_PATCHED ?
					       HOOK_SRC_NONE :
					       m->sel[i].kind;
			snprintf(why, why_len, "attaching %s: %s",
				 bpf_program__name(m->sel[i].prog),
				 strerror(-err));
			return err;
		}
		m->links[m->nlinks++] = link;
	}
	return 0;
}

/* The fanciest hook kind selected: what to blame when loading fails. */
static enum hook_source selected_kind(const struct monitor *m)
{
	enum hook_source kind = HOOK_SRC_NONE;
	int i;

	for (i = 0; i < m->nsel; i++) {
		if (m->sel[i].kind == HOOK_SRC_FENTRY)
			return HOOK_SRC_FENTRY;
		if (m->sel[i].kind == HOOK_SRC_KPROBE)
			kind = HOOK_SRC_KPROBE;
	}
	return kind;
}

/* The SPTE entry programs tail call the protocol program: slot 0. */
static int monitor__link_protocol(struct monitor *m)
{
	int fd = bpf_program__fd(m->skel->progs.protocol);
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(m->skel->maps.protocol_prog),
				&zero, &fd, BPF_ANY))
		return -errno;
	return 0;
}

/* Open the object, configure it for @plan, load the selected programs. */
static int monitor__load(struct monitor *m, const struct source_plan *plan,
			 char *why, size_t why_len)
{
	struct spte_trace *skel;
	int err;

	skel = spte_trace__open();
	if (!skel) {
		err = errno ? -errno : -EINVAL;
		snprintf(why, why_len, "opening the BPF object: %s",
			 strerror(-err));
		return err;
	}
	m->skel = skel;
	skel->data->cfg = m->opts.cfg;
	/* Detached (tests, benchmarks): the configuration exactly as given. */
	if (!m->detached) {
		skel->data->cfg.flush_visible = sources__flush_visibility(plan);
		skel->data->cfg.counter_blind = plan->counter_blind;
	}
	size_maps(skel, &m->opts);
	monitor__select(m, plan);
	err = spte_trace__load(skel);
	if (err) {
		snprintf(why, why_len, "loading: %s", strerror(-err));
		return err;
	}
	err = monitor__link_protocol(m);
	if (err)
		snprintf(why, why_len, "linking the protocol program: %s",
			 strerror(-err));
	return err;
}

/* One attempt with the current plan; *failed_kind set on a hook refusal. */
static int monitor__try(struct monitor *m, struct source_plan *plan,
			enum hook_source *failed_kind, char *why,
			size_t why_len)
{
	int err;

	*failed_kind = HOOK_SRC_NONE;
	err = monitor__load(m, plan, why, why_len);
	if (err) {
		*failed_kind = selected_kind(m);
		return err;
	}
	return monitor__attach(m, failed_kind, why, why_len);
}

static void monitor__unload(struct monitor *m)
{
	monitor__detach(m);
	spte_trace__destroy(m->skel);
	m->skel = NULL;
}

static int monitor__load_best(struct monitor *m, struct source_plan *plan)
{
	enum hook_source failed;
	char why[160];
	int err;

	for (;;) {
		err = monitor__try(m, plan, &failed, why, sizeof(why));
		if (!err)
			return 0;
		monitor__unload(m);
		if (failed == HOOK_SRC_NONE) {
			fprintf(stderr, "spte-trace: %s\n", why);
			return err;
		}
		sources__downgrade(plan, failed, true, why);
	}
}

static int monitor__open_rings(struct monitor *m)
{
	int err;

	m->rb = ring_buffer__new(bpf_map__fd(m->skel->maps.violations),
				 on_violation_rec, m, NULL);
	if (!m->rb)
		return -errno;
	if (!m->opts.cfg.record)
		return 0;
	err = ring_buffer__add(m->rb, bpf_map__fd(m->skel->maps.events),
			       on_event_rec, m);
	return err;
}

int monitor__open(struct monitor **out, const struct monitor_opts *opts,
		  struct source_plan *plan)
{
	struct monitor *m = NULL;
	int err;

	err = check_opts(opts);
	if (err)
		goto out;
	err = sources__probe(plan, opts->force_stock);
	if (err) {
		fprintf(stderr,
			"spte-trace: this kernel has no TDP MMU SPTE tracepoint "
			"(neither kvmmmu:kvm_tdp_mmu_spte_set nor kvmmmu:kvm_tdp_mmu_spte_changed);\n"
			"            is KVM loaded (modprobe kvm_amd or kvm_intel)?\n");
		goto out;
	}
	if (opts->no_fentry)
		sources__downgrade(plan, HOOK_SRC_FENTRY, false,
				   "not used: --hooks");
	if (opts->no_kprobe)
		sources__downgrade(plan, HOOK_SRC_KPROBE, false,
				   "not used: --hooks");
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto out;
	}
	m->opts = *opts;
	if (opts->mmu_auto && !strcmp(plan->mmu_vendor, "kvm_intel"))
		m->opts.cfg.flavor = MMU_EPT;
	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus <= 0) {
		err = m->ncpus ? m->ncpus : -EINVAL;
		goto out;
	}
	err = monitor__load_best(m, plan);
	if (err)
		goto out;
	/* What the programs were loaded with; recordings carry it. */
	m->opts.cfg = m->skel->data->cfg;
	err = monitor__open_rings(m);
	if (err)
		fprintf(stderr, "spte-trace: opening ring buffers: %s\n",
			strerror(-err));
out:
	if (err) {
		monitor__destroy(m);
		m = NULL;
	}
	*out = m;
	return err;
}

int monitor__open_detached(struct monitor **out,
			   const struct monitor_opts *opts,
			   const struct source_plan *plan)
{
	struct source_plan p = *plan;
	struct monitor *m = NULL;
	char why[160];
	int err;

	err = check_opts(opts);
	if (err)
		goto out;
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto out;
	}
	m->opts = *opts;
	m->detached = true;
	m->ncpus = libbpf_num_possible_cpus();
	err = monitor__load(m, &p, why, sizeof(why));
	if (err)
		fprintf(stderr, "spte-trace: %s\n", why);
	else
		err = monitor__open_rings(m);
out:
	if (err) {
		monitor__destroy(m);
		m = NULL;
	}
	*out = m;
	return err;
}

int monitor__prog_fd(const struct monitor *m, const char *name)
{
	struct bpf_program *prog;

	prog = bpf_object__find_program_by_name(m->skel->obj, name);
	if (!prog || bpf_program__fd(prog) < 0)
		return -ENOENT;
	return bpf_program__fd(prog);
}

void monitor__destroy(struct monitor *m)
{
	if (!m)
		return;
	ring_buffer__free(m->rb);
	monitor__detach(m);
	spte_trace__destroy(m->skel);
	free(m);
}

int monitor__poll(struct monitor *m, int timeout_ms)
{
	int n = ring_buffer__poll(m->rb, timeout_ms);

	return n == -EINTR ? 0 : n;
}

/* Sum a per-CPU array of u64s element-wise into @out. */
static int read_percpu(int fd, void *out, size_t size, int ncpus)
{
	size_t words = size / sizeof(__u64), i;
	__u64 *buf, *dst = out;
	__u32 zero = 0;
	int cpu, err = 0;

	buf = calloc(ncpus, size);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, buf)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, size);
	for (cpu = 0; cpu < ncpus; cpu++) {
		const __u64 *src = (const __u64 *)((char *)buf + cpu * size);

		for (i = 0; i < words; i++)
			dst[i] += src[i];
	}
out:
	free(buf);
	return err;
}

int monitor__snapshot(struct monitor *m, struct snapshot *snap)
{
	int err;

	memset(snap, 0, sizeof(*snap));
	err = read_percpu(bpf_map__fd(m->skel->maps.stats), &snap->stats,
			  sizeof(snap->stats), m->ncpus);
	if (!err)
		err = read_percpu(bpf_map__fd(m->skel->maps.hists),
				  &snap->hists, sizeof(snap->hists), m->ncpus);
	snap->sweep = m->sweep;
	snap->ringbuf_lost = m->ringbuf_lost;
	return err;
}

/* ---- The sweeper's view of the maps (src/sweep.c) ------------------------- */

static int map_fd(const struct monitor *m, enum sweep_map map)
{
	switch (map) {
	case SWEEP_PENDING:
		return bpf_map__fd(m->skel->maps.pending);
	case SWEEP_VMS:
		return bpf_map__fd(m->skel->maps.vms);
	case SWEEP_HOLDERS:
		return bpf_map__fd(m->skel->maps.holders);
	case SWEEP_TABLES:
		return bpf_map__fd(m->skel->maps.tables);
	case SWEEP_STATE:
		return bpf_map__fd(m->skel->maps.spte_state);
	}
	return -1;
}

/* Large enough for any key and value the sweeper walks. */
union sweep_buf {
	struct spte_key spte;
	struct holder_key holder;
	__u64 id;
	struct pending_zap pending;
	struct vm_state vm;
	struct holder h;
	struct removed_table table;
	struct spte_state state;
};

static int maps_for_each(void *store, enum sweep_map map, sweep_visit_fn fn,
			 void *arg)
{
	union sweep_buf key, next, val;
	int fd = map_fd(store, map), err;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue; /* deleted by the kernel meanwhile */
		err = fn(arg, &key, &val);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int maps_lookup(void *store, enum sweep_map map, const void *key,
		       void *val)
{
	return bpf_map_lookup_elem(map_fd(store, map), key, val) ? -errno : 0;
}

static int maps_update(void *store, enum sweep_map map, const void *key,
		       const void *val)
{
	return bpf_map_update_elem(map_fd(store, map), key, val, BPF_EXIST) ?
		       -errno :
		       0;
}

static int maps_remove(void *store, enum sweep_map map, const void *key)
{
	return bpf_map_delete_elem(map_fd(store, map), key) ? -errno : 0;
}

static const struct sweep_ops map_sweep_ops = {
	.for_each = maps_for_each,
	.lookup = maps_lookup,
	.update = maps_update,
	.remove = maps_remove,
};

int monitor__sweep_at(struct monitor *m, __u64 now_ns, __u64 ttl_ns)
{
	return sweep__run(&map_sweep_ops, m, now_ns, ttl_ns, &m->sweep);
}

int monitor__sweep(struct monitor *m, __u64 ttl_ns)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return monitor__sweep_at(m, ts.tv_sec * 1000000000ULL + ts.tv_nsec,
				 ttl_ns);
}

/* Delete every entry of a hash map (a walk that restarts after deletes). */
static int clear_hash(int fd, size_t key_size)
{
	char key[64];

	if (key_size > sizeof(key))
		return -E2BIG;
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

int monitor__reset(struct monitor *m, const struct spte_config *cfg)
{
	struct bpf_map *map;
	void *zeros;
	__u32 zero = 0;
	size_t size;
	int err = 0, fd;

	bpf_object__for_each_map(map, m->skel->obj) {
		fd = bpf_map__fd(map);
		switch (bpf_map__type(map)) {
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_LRU_HASH:
			err = clear_hash(fd, bpf_map__key_size(map));
			break;
		case BPF_MAP_TYPE_PERCPU_ARRAY:
			size = (size_t)bpf_map__value_size(map) * m->ncpus;
			zeros = calloc(1, size);
			if (!zeros)
				return -ENOMEM;
			err = bpf_map_update_elem(fd, &zero, zeros, BPF_ANY) ?
				      -errno :
				      0;
			free(zeros);
			break;
		default:
			break;
		}
		if (err)
			return err;
	}
	memset(&m->sweep, 0, sizeof(m->sweep));
	m->ringbuf_lost = 0;
	m->skel->data->cfg = *cfg;
	m->opts.cfg = *cfg;
	return 0;
}

int monitor__map_fd(const struct monitor *m, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(m->skel->obj, name);

	return map ? bpf_map__fd(map) : -ENOENT;
}

int monitor__feed(struct monitor *m, const struct event *ev)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	__u64 args[1] = { 0 };
	struct event *all;
	__u32 zero = 0;
	int i, err;

	/* "cur" is per CPU: the test run uses the slot of the CPU it is on. */
	all = calloc(m->ncpus, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < m->ncpus; i++)
		all[i] = *ev;
	err = bpf_map_update_elem(bpf_map__fd(m->skel->maps.cur), &zero, all,
				  BPF_ANY);
	free(all);
	if (err)
		return -errno;
	opts.ctx_in = args;
	opts.ctx_size_in = sizeof(args);
	err = bpf_prog_test_run_opts(bpf_program__fd(m->skel->progs.protocol),
				     &opts);
	return err ? -errno : 0;
}

int monitor__for_each_site(struct monitor *m, monitor_site_fn fn, void *arg)
{
	int fd = bpf_map__fd(m->skel->maps.sites);
	struct site_key key, next;
	bool first = true;
	__u64 count;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &count))
			fn(arg, key.kind, key.stack_id, count);
	}
	return errno == ENOENT ? 0 : -errno;
}

int monitor__stack_fd(const struct monitor *m)
{
	return bpf_map__fd(m->skel->maps.stacks);
}

int monitor__pending_key(const struct monitor *m, struct spte_key *key)
{
	int err = bpf_map_get_next_key(bpf_map__fd(m->skel->maps.pending), NULL,
				       key);

	return err ? -errno : 0;
}

const struct spte_config *monitor__config(const struct monitor *m)
{
	return &m->opts.cfg;
}

/*
 * What a program does, for its run statistics: the programs of one role
 * are added up, so that the metrics have one series per role however many
 * functions a stock kernel needs hooked.
 */
static const char *prog_role(struct monitor *m, struct bpf_program *prog)
{
	static const char *const classes[HOOK_CLASSES] = {
		[HOOK_FLUSH] = "flush",	      [HOOK_TEARDOWN] = "teardown",
		[HOOK_CONTEXT] = "context",   [HOOK_DEADLINE] = "deadline",
		[HOOK_DESTROY] = "destroy",
	};
	struct spte_trace *skel = m->skel;
	struct bpf_program *p[4];
	const char *name = bpf_program__name(prog);
	int id, j;

	if (prog == skel->progs.protocol)
		return "protocol";
	if (prog == skel->progs.stock_spte_changed ||
	    prog == skel->progs.patched_SET ||
	    prog == skel->progs.patched_FREEZE ||
	    prog == skel->progs.patched_UNFREEZE)
		return "spte";
	if (prog == skel->progs.stock_zap_all_fast)
		return "teardown";
	if (prog == skel->progs.patched_flush_begin ||
	    prog == skel->progs.patched_flush_end)
		return "flush";
	if (prog == skel->progs.patched_teardown_begin ||
	    prog == skel->progs.patched_teardown_end)
		return "teardown";
	if (prog == skel->progs.patched_deadline)
		return "deadline";
	if (prog == skel->progs.patched_free_sp)
		return "free_sp";
	if (prog == skel->progs.patched_destroy)
		return "destroy";
	for (id = 0; id < HOOK_MAX; id++) {
		hook_progs(skel, id, p);
		for (j = 0; j < 4; j++)
			if (p[j] == prog)
				return classes[hook_class_of(id)];
	}
	return name;
}

int monitor__prog_stats(struct monitor *m, struct prog_stat *out, int max)
{
	struct bpf_program *prog;
	const char *role;
	int n = 0, i;

	bpf_object__for_each_program(prog, m->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		role = prog_role(m, prog);
		for (i = 0; i < n && strcmp(out[i].name, role); i++)
			;
		if (i == n) {
			if (n == max)
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			snprintf(out[n].name, sizeof(out[n].name), "%s", role);
			out[n].id = info.id;
			n++;
		}
		out[i].run_cnt += info.run_cnt;
		out[i].run_time_ns += info.run_time_ns;
	}
	return n;
}
