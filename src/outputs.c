// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flame.h"
#include "http.h"
#include "json.h"
#include "outputs.h"
#include "prom.h"
#include "record.h"
#include "stacks.h"
#include "strbuf.h"
#include "textfile.h"
#include "vmtab.h"

struct outputs {
	struct outputs_opts opts;
	const struct spte_config *cfg;
	const struct source_plan *plan;
	struct stack_table *stacks;
	struct vmtab *vms;
	struct http_server *http;
	struct recorder *rec;
	struct flame *flame;
	FILE *folded;
	FILE *svg;
	double start_time;
	int error; /* first output error, reported at close */
};

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_out_file(FILE **f, const char *opt, const char *path)
{
	if (!path)
		return 0;
	*f = fopen(path, "w");
	if (*f)
		return 0;
	fprintf(stderr, "spte-trace: %s %s: %s\n", opt, path, strerror(errno));
	return -errno;
}

static int open_record(struct outputs *o)
{
	struct record_info info = {};
	struct timespec mono;
	char err[256];
	int ret;

	if (!o->opts.record)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	info.cfg = *o->cfg;
	info.limits = o->opts.limits;
	info.monotonic_ns = mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	if (o->plan) {
		info.spte_source = o->plan->spte;
		info.hook_source = o->plan->hooks;
	}
	ret = recorder__open(&o->rec, o->opts.record, &info, err, sizeof(err));
	if (ret)
		fprintf(stderr, "spte-trace: --record %s: %s\n", o->opts.record,
			err);
	return ret;
}

static int open_http(struct outputs *o)
{
	char err[256];
	int ret;

	if (!o->opts.prometheus)
		return 0;
	ret = http_server__listen(&o->http, o->opts.prometheus, err,
				  sizeof(err));
	if (ret)
		fprintf(stderr, "spte-trace: --prometheus %s: %s\n",
			o->opts.prometheus, err);
	return ret;
}

static int check_textfile(struct outputs *o)
{
	char err[256];
	int ret;

	if (!o->opts.textfile)
		return 0;
	ret = textfile__check(o->opts.textfile, err, sizeof(err));
	if (ret)
		fprintf(stderr, "spte-trace: --textfile %s: %s\n",
			o->opts.textfile, err);
	return ret;
}

int outputs__open(struct outputs **out, const struct outputs_opts *opts,
		  const struct spte_config *cfg, const struct source_plan *plan,
		  struct stack_table *stacks)
{
	struct outputs *o = calloc(1, sizeof(*o));
	int err = -ENOMEM;

	if (!o)
		goto out;
	o->opts = *opts;
	o->cfg = cfg;
	o->plan = plan;
	o->stacks = stacks;
	o->start_time = unix_now();
	o->vms = vmtab__new(opts->vm_limit);
	if (!o->vms)
		goto out;
	if (opts->folded || opts->svg) {
		o->flame = flame__new(stacks);
		if (!o->flame)
			goto out;
	}
	err = open_out_file(&o->folded, "--folded", opts->folded);
	if (!err)
		err = open_out_file(&o->svg, "--svg", opts->svg);
	if (!err)
		err = check_textfile(o);
	if (!err)
		err = open_record(o);
	if (!err)
		err = open_http(o);
out:
	if (err) {
		outputs__close(o);
		o = NULL;
	}
	*out = o;
	return err;
}

int outputs__start(struct outputs *o)
{
	char err[256];
	int ret;

	if (!o->http)
		return 0;
	ret = http_server__start(o->http, err, sizeof(err));
	if (ret)
		fprintf(stderr, "spte-trace: --prometheus %s: %s\n",
			http_server__address(o->http), err);
	else
		fprintf(stderr,
			"spte-trace: serving metrics on http://%s/metrics\n",
			http_server__address(o->http));
	return ret;
}

static void note_error(struct outputs *o, int err, const char *what)
{
	if (!err)
		return;
	if (!o->error)
		fprintf(stderr, "spte-trace: %s: %s\n", what, strerror(-err));
	o->error = o->error ? o->error : err;
}

static void record_stack(struct outputs *o, __s32 id)
{
	const struct stack *st;

	if (!o->rec || id < 0)
		return;
	st = stack_table__get(o->stacks, id);
	if (st)
		note_error(o, recorder__write_stack(o->rec, st), "--record");
}

void outputs__violation(struct outputs *o, const struct violation *v)
{
	struct json_ctx ctx = { .cfg = o->cfg,
				.vms = o->vms,
				.stacks = o->stacks };
	struct strbuf sb;

	vmtab__add_violation(o->vms, v);
	if (o->flame)
		note_error(o, flame__add_violation(o->flame, v), "flame graph");
	record_stack(o, v->stack_id);
	record_stack(o, v->zap_stack_id);
	if (!o->opts.json)
		return;
	strbuf__init(&sb);
	if (json__violation(&sb, v, &ctx) == 0) {
		fputs(strbuf__str(&sb), stdout);
		fflush(stdout);
	}
	strbuf__release(&sb);
}

void outputs__event(struct outputs *o, const struct event *ev)
{
	const struct spte_event *s = &ev->spte;
	const struct vm_entry *known;

	if (!o->rec)
		return;
	if (ev->type == EVENT_SPTE && s->vm) {
		/* A VM's name goes into the recording the first time it shows. */
		known = vmtab__find(o->vms, s->vm);
		if (!known) {
			known = vmtab__note(o->vms, s->vm, s->pid, NULL);
			note_error(o,
				   recorder__write_vm(o->rec, s->vm, s->pid,
						      known ? known->comm : ""),
				   "--record");
		}
		vmtab__add_events(o->vms, s->vm, s->pid, 1);
	}
	note_error(o, recorder__write(o->rec, ev), "--record");
}

static int publish_metrics(struct outputs *o, const struct snapshot *snap,
			   const struct prog_stat *progs, int nprogs)
{
	struct prom_input in = {
		.snap = snap,
		.plan = o->plan,
		.vms = o->vms,
		.mode = o->opts.mode,
		.start_time = o->start_time,
		.now = unix_now(),
		.buckets = &o->opts.buckets,
		.vm_events = o->opts.record ||
			     (o->opts.mode && !strcmp(o->opts.mode, "replay")),
	};
	struct strbuf sb;
	char err[256];
	int ret = 0;

	if (!o->http && !o->opts.textfile)
		return 0;
	if (nprogs >= 0) {
		in.nprogs = nprogs;
		in.progs = progs;
		in.bpf_stats_enabled =
			prom__bpf_stats_enabled(PROM_BPF_STATS_SYSCTL);
	} else {
		in.bpf_stats_enabled = -1;
	}
	strbuf__init(&sb);
	ret = prom__render(&in, &sb);
	if (!ret && o->http)
		ret = http_server__publish(o->http, strbuf__str(&sb), sb.len);
	if (!ret && o->opts.textfile) {
		ret = textfile__write(o->opts.textfile, strbuf__str(&sb),
				      sb.len, err, sizeof(err));
		if (ret)
			fprintf(stderr, "spte-trace: --textfile %s: %s%s\n",
				o->opts.textfile, err,
				ret == -EACCES && geteuid() ?
					" (written as the --user the daemon "
					"became after attaching: make the "
					"directory writable by that user)" :
					"");
	}
	strbuf__release(&sb);
	return ret;
}

int outputs__interval(struct outputs *o, const struct snapshot *snap,
		      const struct prog_stat *progs, int nprogs,
		      const char *json_kind, double elapsed)
{
	struct json_ctx ctx = { .cfg = o->cfg,
				.vms = o->vms,
				.stacks = o->stacks };
	struct json_summary sum = { .kind = json_kind,
				    .time = unix_now(),
				    .elapsed = elapsed };
	struct strbuf sb;
	int ret;

	ret = publish_metrics(o, snap, progs, nprogs);
	if (o->rec)
		note_error(o, recorder__flush(o->rec), "--record");
	if (!o->opts.json || !json_kind)
		return ret;
	strbuf__init(&sb);
	if (json__summary(&sb, snap, &sum, &ctx) == 0) {
		fputs(strbuf__str(&sb), stdout);
		fflush(stdout);
	}
	strbuf__release(&sb);
	return ret;
}

/* One zap or install site in this many took a stack (1: every one). */
static __u32 site_scale(const struct outputs *o)
{
	return o->cfg->record || !o->cfg->site_sample ? 1 : o->cfg->site_sample;
}

void outputs__site(struct outputs *o, __u32 kind, __s32 stack_id, __u64 count)
{
	/* Violations come one by one, with their class, from outputs__violation. */
	if (!o->flame || kind == SITE_VIOLATION)
		return;
	note_error(o, flame__add_site(o->flame, kind, stack_id,
				      count * site_scale(o)),
		   "flame graph");
}

struct vmtab *outputs__vms(struct outputs *o)
{
	return o->vms;
}

static void close_file(struct outputs *o, FILE *f, const char *what)
{
	if (f && fclose(f))
		note_error(o, -errno, what);
}

static void write_flames(struct outputs *o)
{
	char sub[128];
	struct flame_svg_opts svg = {
		.title = "spte-trace: TDP MMU zap, install and violation sites",
	};
	__u32 n = site_scale(o);

	if (!o->folded && !o->svg)
		return; /* their files never opened: nothing to write */
	if (n > 1) {
		snprintf(sub, sizeof(sub),
			 "zap and install sites sampled 1 in %u, their counts "
			 "scaled by %u; every violation counted",
			 n, n);
		svg.subtitle = sub;
		fprintf(stderr, "spte-trace: flame graph: %s\n", sub);
	}
	if (o->folded)
		note_error(o, flame__write_folded(o->flame, o->folded),
			   "--folded");
	if (o->svg)
		note_error(o, flame__write_svg(o->flame, o->svg, &svg),
			   "--svg");
}

int outputs__close(struct outputs *o)
{
	int err;

	if (!o)
		return 0;
	if (o->flame)
		write_flames(o);
	close_file(o, o->folded, "--folded");
	close_file(o, o->svg, "--svg");
	if (o->rec) {
		err = recorder__close(o->rec);
		if (err)
			fprintf(stderr, "spte-trace: --record %s: %s\n",
				o->opts.record, strerror(-err));
		o->error = o->error ? o->error : err;
	}
	if (o->http)
		http_server__stop(o->http);
	flame__free(o->flame);
	vmtab__free(o->vms);
	err = o->error;
	free(o);
	return err;
}
