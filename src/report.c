// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "report.h"
#include "spte.h"
#include "vmtab.h"

#define DEFAULT_SWEEP_NS 1000000000ULL

/* One replay: the input, the engine once started, events held until then. */
struct replay_run {
	const struct report_opts *o;
	struct report *r;
	struct ingest *in;
	struct array held; /* struct held_event, before the engine starts */
	__u64 next_sweep;
	bool patched_seen;
};

struct held_event {
	struct event ev;
	char comm[COMM_LEN];
};

static __u64 event_ts(const struct event *ev)
{
	return ev->type == EVENT_SPTE ? ev->spte.ts_ns : ev->vm.ts_ns;
}

static bool is_stock(const struct event *ev)
{
	return ev->type == EVENT_SPTE && ev->spte.op == SPTE_OP_CHANGED;
}

static void feed(struct replay_run *run, const struct event *ev,
		 const char *comm)
{
	__u64 ts = event_ts(ev), every = run->o->sweep_every_ns ?
						 run->o->sweep_every_ns :
						 DEFAULT_SWEEP_NS;
	struct report *r = run->r;
	bool complete = r->cfg.flush_visible == FLUSH_COMPLETE;

	/* A mixed trace: only the kind the engine was started for counts. */
	if (r->format != INGEST_RECORDING && is_stock(ev) == complete) {
		r->snap.input.ignored++;
		return;
	}
	if (!r->events++)
		r->first_ns = ts;
	if (ts > r->last_ns)
		r->last_ns = ts;
	if (run->o->vms && ev->type == EVENT_SPTE && ev->spte.vm) {
		vmtab__note(run->o->vms, ev->spte.vm, ev->spte.pid, comm);
		vmtab__add_events(run->o->vms, ev->spte.vm, ev->spte.pid, 1);
	}
	engine__feed(r->engine, ev);
	if (!run->next_sweep)
		run->next_sweep = ts + every;
	if (ts >= run->next_sweep) {
		engine__sweep(r->engine, ts, run->o->pending_ttl_ns);
		run->next_sweep = ts + every;
	}
}

static void choose_limits(struct report *r, const struct spte_limits *given,
			  const struct spte_limits *recorded)
{
	spte_limits__default(&r->limits);
#define PICK(name, def, opt, help)            \
	if (given->name)                      \
		r->limits.name = given->name; \
	else if (recorded && recorded->name)  \
		r->limits.name = recorded->name;
	SPTE_MAP_LIMITS(PICK)
#undef PICK
}

static int start_engine(struct replay_run *run, int visibility)
{
	struct report *r = run->r;
	struct held_event *h;
	size_t i;

	if (r->format != INGEST_RECORDING)
		r->cfg.flush_visible = visibility;
	r->engine = engine__new(&r->cfg, &r->limits);
	if (!r->engine) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return -ENOMEM;
	}
	if (run->o->on_violation)
		engine__on_violation(r->engine, run->o->on_violation,
				     run->o->arg);
	for (i = 0; i < run->held.count; i++) {
		h = array__at(&run->held, i);
		feed(run, &h->ev, h->comm);
	}
	array__free(&run->held);
	return 0;
}

/* Text: hold events until one shows which kernel wrote the trace. */
static int take(struct replay_run *run, const struct event *ev,
		const char *comm)
{
	struct held_event *h;

	if (run->r->engine) {
		feed(run, ev, comm);
		return 0;
	}
	if (!is_stock(ev)) {
		h = array__push(&run->held);
		if (!h)
			return -ENOMEM;
		h->ev = *ev;
		snprintf(h->comm, sizeof(h->comm), "%s", comm);
		return start_engine(run, FLUSH_COMPLETE);
	}
	h = array__push(&run->held);
	if (!h)
		return -ENOMEM;
	h->ev = *ev;
	snprintf(h->comm, sizeof(h->comm), "%s", comm);
	if (run->held.count >= REPORT_DECIDE_AFTER)
		return start_engine(run, FLUSH_NONE);
	return 0;
}

static void input_stats(struct report *r)
{
	const struct trace_losses *l = &r->in.lost;
	struct input_stats *is = &r->snap.input;
	int cpu;

	is->tracer_lost = l->total;
	is->lost_uncounted = l->unknown;
	for (cpu = 0; cpu < TRACE_LOST_CPUS; cpu++) {
		if (!(l->noted[cpu / 64] & (1ULL << (cpu % 64))))
			continue;
		is->lost_cpus++;
		is->lost_cpu = is->lost_cpus == 1 && cpu < TRACE_LOST_CPUS - 1 ?
				       cpu :
				       -1;
	}
	is->thread_keyed = r->in.no_tgid > 0;
}

int report__run(const char *path, const struct report_opts *o, struct report *r)
{
	struct ingest_opts io = { .text_vm = o->text_vm,
				  .stacks = o->stacks,
				  .vms = o->vms };
	struct replay_run run = { .o = o, .r = r };
	const struct record_info *info;
	struct event ev;
	int ret, vis;

	memset(r, 0, sizeof(*r));
	array__init(&run.held, sizeof(struct held_event));
	ret = ingest__open(&run.in, path, &io, r->error, sizeof(r->error));
	if (ret)
		goto out;
	r->format = ingest__format(run.in);
	r->format_name = ingest__format_name(run.in);
	info = ingest__record_info(run.in);
	if (info) {
		r->info = *info;
		r->cfg = info->cfg;
		if (o->mmu_set || o->removed_value) {
			snprintf(
				r->error, sizeof(r->error),
				"a recording carries its own SPTE format: "
				"--mmu and --removed-spte apply to traces only");
			ret = -EINVAL;
			goto out;
		}
	} else {
		spte_config__default(&r->cfg);
		if (o->mmu_set)
			r->cfg.flavor = o->mmu;
		if (o->removed_value)
			r->cfg.removed_value = o->removed_value;
	}
	choose_limits(r, &o->limits, info ? &info->limits : NULL);
	vis = ingest__flush_visibility(run.in);
	if (vis >= 0) {
		ret = start_engine(&run, vis);
		if (ret)
			goto out;
	}
	while ((ret = ingest__next(run.in, &ev)) == 1) {
		ret = take(&run, &ev, ingest__vm_comm(run.in));
		if (ret)
			break;
	}
	if (ret < 0 && !r->error[0])
		snprintf(r->error, sizeof(r->error), "%s",
			 ingest__error(run.in));
	/* Whatever was read up to the end or the damage is replayed. */
	if (!r->engine) {
		int err = start_engine(&run, FLUSH_NONE);

		ret = ret ? ret : err;
	}
	ingest__stats(run.in, &r->in);
	ingest__record_totals(run.in, &r->totals);
	input_stats(r);
	if (r->engine) {
		struct input_stats keep = r->snap.input;

		/* What the live daemon's last interval would have swept */
		engine__sweep(r->engine, r->last_ns, o->pending_ttl_ns);
		engine__snapshot(r->engine, &r->snap);
		r->snap.input = keep;
	}
out:
	array__free(&run.held);
	ingest__close(run.in);
	r->status = ret;
	return ret;
}

void report__release(struct report *r)
{
	engine__free(r->engine);
	r->engine = NULL;
}
