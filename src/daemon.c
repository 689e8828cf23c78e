// SPDX-License-Identifier: GPL-2.0
/*
 * Live tracing, the default subcommand: load and attach the BPF monitor,
 * drop privileges, then poll the violation ring buffer and report every
 * interval until the duration, the count or a signal ends the run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "commands.h"
#include "ksyms.h"
#include "monitor.h"
#include "outputs.h"
#include "print.h"
#include "privdrop.h"
#include "stacks.h"
#include "util.h"

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
	if (!d->cli.out.json)
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

static int daemon__open(struct daemon *d)
{
	struct monitor_opts o = d->cli.mon;
	struct outputs_opts oo = d->cli.out;
	int err;

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
	else if (ksyms__restricted(d->ksyms))
		fprintf(stderr,
			"spte-trace: warning: /proc/kallsyms hides addresses "
			"(kernel.kptr_restrict); stacks will show addresses only\n");
	d->stacks = stack_table__new(d->ksyms);
	if (!d->stacks)
		return -ENOMEM;
	d->pctx.cfg = monitor__config(d->mon);
	d->pctx.stacks = d->stacks;
	d->pctx.stack_fd = monitor__stack_fd(d->mon);
	d->pctx.mono_to_real_ns = print_clock_offset();
	d->pctx.hists = !d->cli.no_hists;
	oo.mode = "live";
	oo.limits = o.limits;
	err = outputs__open(&d->out, &oo, d->pctx.cfg, &d->plan, d->stacks);
	if (!err)
		d->pctx.vms = outputs__vms(d->out);
	return err;
}

/*
 * Everything privileged is done: the programs are attached, the maps,
 * files and the listening socket are open.  Become --user, then start the
 * HTTP thread, which so never runs with privilege.
 */
static int daemon__drop_privileges(struct daemon *d)
{
	__u64 keep = 0;
	char err[256];
	int ret;

	if (!d->cli.user)
		return outputs__start(d->out);
	/*
	 * Kernels before 6.1 with kernel.unprivileged_bpf_disabled refuse
	 * every bpf() command, map reads included, without the capability:
	 * find out by trying, and keep that one capability if needed.
	 */
	ret = privdrop__probe_map_access(monitor__stack_fd(d->mon), d->cli.user,
					 err, sizeof(err));
	if (ret < 0)
		fprintf(stderr,
			"spte-trace: warning: cannot tell whether maps stay "
			"readable after dropping privileges (%s); dropping "
			"everything\n",
			err);
	if (!ret) {
		keep = 1ULL << privdrop__bpf_cap();
		fprintf(stderr,
			"spte-trace: this kernel refuses bpf() to unprivileged "
			"processes: keeping %s after becoming %s\n",
			privdrop__bpf_cap() == 21 ? "CAP_SYS_ADMIN" : "CAP_BPF",
			d->cli.user);
	}
	ret = keep ? privdrop__apply_keep(d->cli.user, keep, err, sizeof(err)) :
		     privdrop__apply(d->cli.user, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "spte-trace: dropping privileges: %s\n", err);
		return ret;
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

/* Metrics and JSON of the last snapshot, with the programs' run counts. */
static int daemon__publish(struct daemon *d, const char *json_kind,
			   double elapsed)
{
	struct prog_stat progs[SNAPSHOT_MAX_PROGS];
	int n = monitor__prog_stats(d->mon, progs, SNAPSHOT_MAX_PROGS);

	return outputs__interval(d->out, &d->cur, progs, n < 0 ? 0 : n,
				 json_kind, elapsed);
}

static int daemon__interval(struct daemon *d, bool print)
{
	struct snapshot delta;
	int err;

	err = daemon__read(d);
	if (err)
		return err;
	snapshot__delta(&delta, &d->cur, &d->prev);
	if (print && !d->cli.out.json)
		print_interval(stdout, &d->pctx, &delta, &d->cur);
	d->prev = d->cur;
	return daemon__publish(d, print ? "interval" : NULL,
			       daemon__elapsed(d));
}

static void print_banner(struct daemon *d)
{
	FILE *f = d->cli.out.json ? stderr : stdout;

	fprintf(f, "spte-trace %s: tracing the TDP MMU removed-SPTE protocol",
		SPTE_TRACE_VERSION);
	if (d->cli.interval_s)
		fprintf(f, ", reporting every %us", d->cli.interval_s);
	fprintf(f, ". Ctrl-C to end.\n");
	sources__describe(&d->plan, f);
	fprintf(f, "\n");
	fflush(f);
	/* The one setting that makes the whole run blind: said on stderr too. */
	if (d->plan.tdp_mmu_disabled)
		fprintf(stderr,
			"spte-trace: warning: kvm.tdp_mmu=N on this host: the "
			"TDP MMU is off and no SPTE event will be seen "
			"(load kvm with tdp_mmu=Y)\n");
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

	while (!spte_exiting) {
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
	if (!d->cli.out.json)
		print_summary(stdout, &d->pctx, &d->cur, secs);
	return daemon__publish(d, "final", secs);
}

int cmd_live(const struct cli *cli)
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
