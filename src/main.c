// SPDX-License-Identifier: GPL-2.0
/*
 * spte-trace: command line, privilege check, and the main loop that polls
 * the violation ring buffer and prints a report every interval.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "ksyms.h"
#include "monitor.h"
#include "outputs.h"
#include "print.h"
#include "privdrop.h"
#include "report.h"
#include "stacks.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct daemon {
	struct cli cli;
	struct monitor *mon;
	struct source_plan plan;
	struct ksyms *ksyms;
	struct stack_table *stacks;
	struct print_ctx pctx;
	struct outputs *out;
	FILE *text; /* human output: stdout, stderr with -j */
	struct snapshot prev, cur;
	__u64 reported; /* violation records printed */
	__u64 start_ns;
};

static void on_violation(void *arg, const struct violation *v)
{
	struct daemon *d = arg;

	d->reported++;
	/* Fetch both stacks now: the kernel may reuse their ids later. */
	if (v->stack_id >= 0)
		stack_table__fetch(d->stacks, d->pctx.stack_fd, v->stack_id);
	if (v->zap_stack_id >= 0)
		stack_table__fetch(d->stacks, d->pctx.stack_fd,
				   v->zap_stack_id);
	if (!d->cli.json)
		print_violation(stdout, &d->pctx, v);
	outputs__violation(d->out, v);
}

static void on_event(void *arg, const struct event *ev)
{
	struct daemon *d = arg;

	outputs__event(d->out, ev);
}

static void add_site(void *arg, __u32 kind, __s32 stack_id, __u64 count)
{
	struct daemon *d = arg;

	if (stack_id >= 0)
		stack_table__fetch(d->stacks, d->pctx.stack_fd, stack_id);
	outputs__site(d->out, kind, stack_id, count);
}

static void cli__outputs_opts(const struct cli *cli, struct outputs_opts *o,
			      const char *mode)
{
	memset(o, 0, sizeof(*o));
	o->json = cli->json;
	o->prometheus = cli->prometheus;
	o->textfile = cli->textfile;
	o->folded = cli->folded;
	o->svg = cli->svg;
	o->record = cli->record;
	o->vm_limit = cli->vm_limit;
	o->mode = mode;
}

static int daemon__open(struct daemon *d)
{
	struct monitor_opts o;
	int err;

	struct outputs_opts oo;

	monitor_opts__default(&o);
	cli__monitor_opts(&d->cli, &o);
	o.on_violation = on_violation;
	o.on_event = on_event;
	o.arg = d;
	err = monitor__open(&d->mon, &o, &d->plan);
	if (err)
		return err;

	/* Symbols first: unprivileged readers see zeroed addresses. */
	d->ksyms = ksyms__load("/proc/kallsyms");
	if (!d->ksyms)
		fprintf(stderr,
			"spte-trace: warning: /proc/kallsyms: %s; "
			"stacks will show addresses only\n",
			strerror(errno));
	d->stacks = stack_table__new(d->ksyms);
	if (!d->stacks)
		return -ENOMEM;
	d->pctx.cfg = monitor__config(d->mon);
	d->pctx.stacks = d->stacks;
	d->pctx.stack_fd = monitor__stack_fd(d->mon);
	d->pctx.mono_to_real_ns = print_clock_offset();
	d->pctx.hists = !d->cli.no_hists;
	cli__outputs_opts(&d->cli, &oo, "live");
	return outputs__open(&d->out, &oo, d->pctx.cfg, &d->plan, d->stacks);
}

/*
 * Everything privileged is done: the programs are attached, the maps,
 * files and the listening socket are open.  Become --user, then start the
 * HTTP thread, which so never runs with privilege.
 */
static int daemon__drop_privileges(struct daemon *d)
{
	char err[256];
	int ret;

	if (d->cli.user) {
		ret = privdrop__apply(d->cli.user, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "spte-trace: dropping privileges: %s\n",
				err);
			return ret;
		}
	}
	return outputs__start(d->out);
}

static int daemon__close(struct daemon *d)
{
	int err = outputs__close(d->out);

	monitor__destroy(d->mon);
	stack_table__free(d->stacks);
	ksyms__free(d->ksyms);
	return err;
}

static double daemon__elapsed(const struct daemon *d)
{
	return (now_ns() - d->start_ns) / 1e9;
}

/* Sweep covered and expired pending zaps, then read every counter. */
static int daemon__read(struct daemon *d)
{
	int err = monitor__sweep(d->mon, d->cli.pending_ttl_ns);

	if (!err)
		err = monitor__snapshot(d->mon, &d->cur);
	if (err)
		fprintf(stderr, "spte-trace: reading BPF maps: %s\n",
			strerror(-err));
	return err;
}

static int daemon__interval(struct daemon *d, bool print)
{
	struct snapshot delta;
	int err;

	err = daemon__read(d);
	if (err)
		return err;
	snapshot__delta(&delta, &d->cur, &d->prev);
	if (print && !d->cli.json)
		print_interval(stdout, &d->pctx, &delta, &d->cur);
	d->prev = d->cur;
	return outputs__interval(d->out, &d->cur, d->mon,
				 print ? "interval" : NULL, daemon__elapsed(d));
}

static void print_banner(struct daemon *d)
{
	FILE *f = d->cli.json ? stderr : stdout;

	fprintf(f, "spte-trace %s: tracing the TDP MMU removed-SPTE protocol",
		SPTE_TRACE_VERSION);
	if (d->cli.interval_s)
		fprintf(f, ", reporting every %us", d->cli.interval_s);
	fprintf(f, ". Ctrl-C to end.\n");
	sources__describe(&d->plan, f);
	fprintf(f, "\n");
	fflush(f);
}

/* Poll until the next interval is due, the run ends, or a signal. */
static int daemon__run(struct daemon *d)
{
	__u64 interval_ns = d->cli.interval_s * 1000000000ULL;
	__u64 end_ns = d->cli.duration_s ?
			       d->start_ns + d->cli.duration_s * 1000000000ULL :
			       0;
	__u64 next = interval_ns ? d->start_ns + interval_ns : 0;
	__u64 refresh = d->start_ns; /* metrics and sweeps: every second */
	unsigned int printed = 0;
	int err = 0, n, timeout;

	while (!exiting) {
		__u64 now = now_ns(), due = next;

		if (end_ns && (!due || end_ns < due))
			due = end_ns;
		if (!due || refresh < due)
			due = refresh;
		timeout = due ? (due > now ? (int)((due - now) / 1000000) : 0) :
				1000;
		if (timeout > 1000)
			timeout = 1000;
		n = monitor__poll(d->mon, timeout);
		if (n < 0) {
			fprintf(stderr, "spte-trace: polling: %s\n",
				strerror(-n));
			err = n;
			break;
		}
		now = now_ns();
		if (next && now >= next) {
			err = daemon__interval(d, true);
			if (err)
				break;
			next += interval_ns;
			refresh = now + 1000000000ULL;
			if (d->cli.count && ++printed >= d->cli.count)
				break;
		} else if (now >= refresh) {
			err = daemon__interval(d, false);
			if (err)
				break;
			refresh = now + 1000000000ULL;
		}
		if (end_ns && now >= end_ns)
			break;
	}
	return err;
}

static int daemon__finish(struct daemon *d)
{
	double secs = daemon__elapsed(d);
	int err;

	/* Drain what the kernel reported before the last snapshot. */
	monitor__poll(d->mon, 0);
	err = daemon__read(d);
	if (err)
		return err;
	err = monitor__for_each_site(d->mon, add_site, d);
	if (err)
		fprintf(stderr, "spte-trace: reading flame graph sites: %s\n",
			strerror(-err));
	if (!d->cli.json)
		print_summary(stdout, &d->pctx, &d->cur, secs);
	return outputs__interval(d->out, &d->cur, d->mon, "final", secs);
}

static int run_live(struct cli *cli)
{
	struct daemon d = { .cli = *cli };
	int err, ret;

	if (cli->verbose)
		libbpf_set_print(libbpf_print);
	else
		libbpf_set_print(NULL);
	err = cli__check_privileges();
	if (err)
		return err;
	err = daemon__open(&d);
	if (!err)
		err = daemon__drop_privileges(&d);
	if (err)
		goto out;
	print_banner(&d);
	d.start_ns = now_ns();
	err = daemon__run(&d);
	if (!err)
		err = daemon__finish(&d);
out:
	ret = daemon__close(&d);
	return err ? err : ret;
}

struct replay_ctx {
	struct cli *cli;
	struct print_ctx pctx;
	struct outputs *out;
};

static void on_replayed_violation(void *arg, const struct violation *v)
{
	struct replay_ctx *rc = arg;

	if (!rc->cli->json)
		print_violation(stdout, &rc->pctx, v);
	outputs__violation(rc->out, v);
}

static void replayed_site(void *arg, __u32 kind, __s32 stack_id, __u64 count)
{
	struct replay_ctx *rc = arg;

	outputs__site(rc->out, kind, stack_id, count);
}

static void report_describe(const struct report *r)
{
	if (r->format == REPORT_RECORDING)
		fprintf(stderr,
			"spte-trace: replaying a recording: %llu events "
			"(spte-trace %s on %s)\n",
			r->events, r->info.version, r->info.kernel);
	else
		fprintf(stderr,
			"spte-trace: replaying ftrace text: %llu events, "
			"%llu other lines skipped, %llu events the tracer lost%s\n",
			r->events, r->text.unknown, r->text.lost,
			r->text.no_tgid ?
				"; no TGIDs shown: VMs keyed by thread "
				"(record with trace-cmd -R / options/record-tgid)" :
				"");
}

/* spte-trace report FILE: the same state machine, fed from a file. */
static int run_report(struct cli *cli)
{
	struct replay_ctx rc = { .cli = cli };
	struct report_opts ro = {};
	struct outputs_opts oo;
	struct report r = {};
	int err, ret;

	rc.pctx.stack_fd = -1;
	rc.pctx.stacks = stack_table__new(NULL);
	if (!rc.pctx.stacks)
		return -ENOMEM;
	cli__outputs_opts(cli, &oo, "replay");
	/* The recording's config is known only after reading its header. */
	rc.pctx.cfg = &r.cfg;
	err = outputs__open(&rc.out, &oo, &r.cfg, NULL, rc.pctx.stacks);
	if (err)
		goto out;
	ro.limits = cli->limits;
	ro.pending_ttl_ns = cli->pending_ttl_ns;
	ro.text_vm = cli->single_vm ? TRACE_TEXT_VM_SINGLE : TRACE_TEXT_VM_TASK;
	ro.on_violation = on_replayed_violation;
	ro.arg = &rc;
	ro.stacks = rc.pctx.stacks;
	ro.vms = outputs__vms(rc.out);
	err = report__run(cli->report, &ro, &r);
	if (r.status)
		fprintf(stderr, "spte-trace: report %s: %s\n", cli->report,
			r.error);
	if (err && err != -ENODATA)
		goto out;
	if (r.format == REPORT_TEXT && !r.events && !r.text.comments) {
		fprintf(stderr,
			"spte-trace: report %s: neither a recording nor "
			"ftrace text (no tracer header, no known event)\n",
			cli->report);
		err = -EINVAL;
		goto out;
	}
	report_describe(&r);
	if (r.engine)
		engine__for_each_site(r.engine, replayed_site, &rc);
	if (!cli->json)
		print_summary(stdout, &rc.pctx, &r.snap,
			      (r.last_ns - r.first_ns) / 1e9);
	ret = outputs__interval(rc.out, &r.snap, NULL, "final",
				(r.last_ns - r.first_ns) / 1e9);
	err = err ? err : ret;
out:
	ret = outputs__close(rc.out);
	report__release(&r);
	stack_table__free(rc.pctx.stacks);
	return err ? err : ret;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct cli cli;
	int err;

	err = cli__parse(&cli, argc, argv);
	if (err)
		return err > 0 ? 0 : 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = cli.report ? run_report(&cli) : run_live(&cli);
	return err ? 1 : 0;
}
