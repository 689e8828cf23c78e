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
#include "sweep.h"

#define MAX_LINKS 32

struct monitor {
	struct spte_trace *skel;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	struct ring_buffer *rb;
	struct monitor_opts opts;
	struct sweep_stats sweep;
	__u64 ringbuf_lost;
	int ncpus;
};

void monitor_opts__default(struct monitor_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_sptes = 262144;
	o->max_pending = 65536;
	o->max_vms = 1024;
	o->max_stacks = 16384;
	o->max_sites = 65536;
	o->violations_kb = 256;
	o->events_kb = 8192;
}

static bool is_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

static int check_opts(const struct monitor_opts *o)
{
	if (!o->max_sptes || !o->max_pending || !o->max_vms || !o->max_stacks ||
	    !o->max_sites) {
		fprintf(stderr, "spte-trace: map sizes must be at least 1\n");
		return -EINVAL;
	}
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

	bpf_map__set_max_entries(skel->maps.spte_state, o->max_sptes);
	bpf_map__set_max_entries(skel->maps.pending, o->max_pending);
	bpf_map__set_max_entries(skel->maps.vms, o->max_vms);
	bpf_map__set_max_entries(skel->maps.stacks, o->max_stacks);
	bpf_map__set_max_entries(skel->maps.sites, o->max_sites);
	bpf_map__set_max_entries(skel->maps.violations,
				 o->violations_kb * 1024);
	/* Nobody reads the record ring unless recording: keep it tiny. */
	bpf_map__set_max_entries(skel->maps.events,
				 o->cfg.record ? o->events_kb * 1024 :
						 (__u32)page);
}

/* Which hook kind a program belongs to, by its name prefix. */
static enum hook_source prog_hook_kind(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	if (!strncmp(name, "fentry_", 7) || !strncmp(name, "fexit_", 6))
		return HOOK_SRC_FENTRY;
	if (!strncmp(name, "kprobe_", 7) || !strncmp(name, "kretprobe_", 10))
		return HOOK_SRC_KPROBE;
	return HOOK_SRC_NONE;
}

static void monitor__detach(struct monitor *m)
{
	while (m->nlinks > 0)
		bpf_link__destroy(m->links[--m->nlinks]);
}

/*
 * Attach every loaded program.  On failure, *failed_kind says which hook
 * kind was refused so the caller can fall back; NONE means a tracepoint
 * itself failed, which is fatal.
 */
static int monitor__attach(struct monitor *m, enum hook_source *failed_kind,
			   char *why, size_t why_len)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	bpf_object__for_each_program(prog, m->skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		if (m->nlinks == MAX_LINKS)
			return -E2BIG;
		link = bpf_program__attach(prog);
		err = libbpf_get_error(link);
		if (err) {
			*failed_kind = prog_hook_kind(prog);
			snprintf(why, why_len, "attaching %s: %s",
				 bpf_program__name(prog), strerror(-err));
			return err;
		}
		m->links[m->nlinks++] = link;
	}
	return 0;
}

/* Any loaded program of hook kind @kind?  Tells a load failure's cause. */
static bool loads_kind(struct spte_trace *skel, enum hook_source kind)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj)
		if (bpf_program__autoload(prog) && prog_hook_kind(prog) == kind)
			return true;
	return false;
}

static enum hook_source fallback_kind(const struct source_plan *plan)
{
	if (plan->flush == HOOK_SRC_FENTRY || plan->teardown == HOOK_SRC_FENTRY)
		return HOOK_SRC_FENTRY;
	if (plan->flush == HOOK_SRC_KPROBE || plan->teardown == HOOK_SRC_KPROBE)
		return HOOK_SRC_KPROBE;
	return HOOK_SRC_NONE;
}

/* One attempt with the current plan; *failed_kind set on a hook refusal. */
static int monitor__try(struct monitor *m, struct source_plan *plan,
			enum hook_source *failed_kind, char *why,
			size_t why_len)
{
	struct spte_trace *skel;
	int err;

	*failed_kind = HOOK_SRC_NONE;
	skel = spte_trace__open();
	if (!skel) {
		snprintf(why, why_len, "opening the BPF object: %s",
			 strerror(errno));
		return -errno ? -errno : -EINVAL;
	}
	m->skel = skel;
	skel->data->cfg = m->opts.cfg;
	skel->data->cfg.flush_visible = sources__flush_visible(plan);
	skel->rodata->vm_key_is_mm = plan->spte == SPTE_SRC_STOCK;
	size_maps(skel, &m->opts);
	sources__select(plan, skel->obj);

	err = spte_trace__load(skel);
	if (err) {
		/* Which kind to blame: the fanciest kind that was loaded. */
		if (loads_kind(skel, HOOK_SRC_FENTRY))
			*failed_kind = HOOK_SRC_FENTRY;
		else if (loads_kind(skel, HOOK_SRC_KPROBE))
			*failed_kind = HOOK_SRC_KPROBE;
		snprintf(why, why_len, "loading: %s", strerror(-err));
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
		if (failed == HOOK_SRC_NONE)
			failed = fallback_kind(plan);
		if (failed == HOOK_SRC_NONE) {
			fprintf(stderr, "spte-trace: %s\n", why);
			return err;
		}
		sources__downgrade(plan, failed, why);
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
		sources__downgrade(plan, HOOK_SRC_FENTRY, "not used: --hooks");
	if (opts->no_kprobe)
		sources__downgrade(plan, HOOK_SRC_KPROBE, "not used: --hooks");
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
	m->opts.cfg.flush_visible = sources__flush_visible(plan);
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
	m->ncpus = libbpf_num_possible_cpus();
	m->skel = spte_trace__open();
	if (!m->skel) {
		err = -errno;
		goto out;
	}
	m->skel->data->cfg = m->opts.cfg;
	m->skel->data->cfg.flush_visible = sources__flush_visible(&p);
	m->skel->rodata->vm_key_is_mm = p.spte == SPTE_SRC_STOCK;
	size_maps(m->skel, &m->opts);
	sources__select(&p, m->skel->obj);
	err = spte_trace__load(m->skel);
	if (!err)
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

int monitor__sweep(struct monitor *m, __u64 ttl_ns)
{
	struct sweep_maps maps = {
		.pending_fd = bpf_map__fd(m->skel->maps.pending),
		.vms_fd = bpf_map__fd(m->skel->maps.vms),
		.state_fd = bpf_map__fd(m->skel->maps.spte_state),
	};
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sweep_pending(&maps, ts.tv_sec * 1000000000ULL + ts.tv_nsec,
			     ttl_ns, &m->sweep);
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

int monitor__prog_stats(struct monitor *m, struct prog_stat *out, int max)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, m->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (n == max)
			break;
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s",
			 bpf_program__name(prog));
		out[n].id = info.id;
		out[n].run_cnt = info.run_cnt;
		out[n].run_time_ns = info.run_time_ns;
		n++;
	}
	return n;
}
