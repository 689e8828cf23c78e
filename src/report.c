// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "spte.h"
#include "vmtab.h"

#define DEFAULT_SWEEP_NS 1000000000ULL

/* Feeds one event and sweeps when the event clock has moved on enough. */
struct feeder {
	const struct report_opts *o;
	struct report *r;
	__u64 next_sweep;
};

static __u64 event_ts(const struct event *ev)
{
	return ev->type == EVENT_SPTE ? ev->spte.ts_ns : ev->vm.ts_ns;
}

static void feed(struct feeder *f, const struct event *ev, const char *comm)
{
	__u64 ts = event_ts(ev), every = f->o->sweep_every_ns ?
						 f->o->sweep_every_ns :
						 DEFAULT_SWEEP_NS;
	struct report *r = f->r;

	if (!r->events++)
		r->first_ns = ts;
	if (ts > r->last_ns)
		r->last_ns = ts;
	if (f->o->vms && ev->type == EVENT_SPTE && ev->spte.vm) {
		vmtab__note(f->o->vms, ev->spte.vm, ev->spte.pid, comm);
		vmtab__add_events(f->o->vms, ev->spte.vm, ev->spte.pid, 1);
	}
	engine__feed(r->engine, ev);
	if (!f->next_sweep)
		f->next_sweep = ts + every;
	if (ts >= f->next_sweep) {
		engine__sweep(r->engine, ts, f->o->pending_ttl_ns);
		f->next_sweep = ts + every;
	}
}

static int start_engine(struct report *r, const struct report_opts *o)
{
	r->engine = engine__new(&r->cfg, &o->limits);
	if (!r->engine) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return -ENOMEM;
	}
	if (o->on_violation)
		engine__on_violation(r->engine, o->on_violation, o->arg);
	return 0;
}

static int run_recording(const char *path, const struct report_opts *o,
			 struct report *r)
{
	struct feeder f = { .o = o, .r = r };
	struct replay *rp;
	struct event ev;
	int ret;

	ret = replay__open(&rp, path, r->error, sizeof(r->error));
	if (ret)
		return ret;
	r->format = REPORT_RECORDING;
	r->info = *replay__info(rp);
	r->cfg = r->info.cfg;
	ret = start_engine(r, o);
	if (!ret) {
		replay__set_sinks(rp, o->stacks, o->vms);
		/* "": never look up this host's /proc for a recorded pid */
		while ((ret = replay__next(rp, &ev)) == 1)
			feed(&f, &ev, "");
		if (ret)
			snprintf(r->error, sizeof(r->error), "%s",
				 replay__error(rp));
		replay__totals(rp, &r->totals);
	}
	replay__close(rp);
	return ret;
}

/*
 * Whether @path has flush events decides how zaps are judged, and must be
 * known before the first one: look ahead when the input can be re-read.
 */
static bool text_has_flushes(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : NULL;
	char line[512];
	bool yes = false;

	while (f && !yes && fgets(line, sizeof(line), f))
		yes = strstr(line, "kvm_remote_tlb_flush_end:") != NULL;
	if (f)
		fclose(f);
	return yes;
}

static int run_text(const char *path, const struct report_opts *o,
		    struct report *r)
{
	struct trace_text_opts to = { .vm = o->text_vm };
	struct feeder f = { .o = o, .r = r };
	struct trace_text *tt;
	struct event ev;
	int ret;

	ret = trace_text__open(&tt, path, &to, r->error, sizeof(r->error));
	if (ret)
		return ret;
	r->format = REPORT_TEXT;
	spte_config__default(&r->cfg);
	r->cfg.flush_visible = text_has_flushes(path) ? FLUSH_COMPLETE :
						       FLUSH_NONE;
	ret = start_engine(r, o);
	while (!ret && (ret = trace_text__next(tt, &ev)) == 1) {
		/* a vCPU thread's name is not the VMM's: only the main thread's */
		feed(&f, &ev,
		     ev.type == EVENT_SPTE && ev.spte.tid == ev.spte.pid ?
			     trace_text__comm(tt) :
			     "");
		ret = 0;
	}
	if (ret && !r->error[0])
		snprintf(r->error, sizeof(r->error), "%s",
			 trace_text__error(tt));
	trace_text__stats(tt, &r->text);
	trace_text__free(tt);
	return ret;
}

int report__run(const char *path, const struct report_opts *o, struct report *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (strcmp(path, "-") && replay__is_recording(path))
		ret = run_recording(path, o, r);
	else
		ret = run_text(path, o, r);
	if (r->engine) {
		/* What the live daemon's last interval would have swept */
		engine__sweep(r->engine, r->last_ns, o->pending_ttl_ns);
		engine__snapshot(r->engine, &r->snap);
	}
	r->status = ret;
	return ret;
}

void report__release(struct report *r)
{
	engine__free(r->engine);
	r->engine = NULL;
}
