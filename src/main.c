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
#include "print.h"
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
	struct snapshot prev, cur;
	__u64 reported;			/* violation records printed */
	__u64 start_ns;
};

static void on_violation(void *arg, const struct violation *v)
{
	struct daemon *d = arg;

	d->reported++;
	print_violation(stdout, &d->pctx, v);
}

static int daemon__open(struct daemon *d)
{
	struct monitor_opts o;
	int err;

	monitor_opts__default(&o);
	cli__monitor_opts(&d->cli, &o);
	o.on_violation = on_violation;
	o.arg = d;
	err = monitor__open(&d->mon, &o, &d->plan);
	if (err)
		return err;

	d->ksyms = ksyms__load("/proc/kallsyms");
	if (!d->ksyms)
		fprintf(stderr, "spte-trace: warning: /proc/kallsyms: %s; "
			"stacks will show addresses only\n", strerror(errno));
	d->stacks = stack_table__new(d->ksyms);
	if (!d->stacks)
		return -ENOMEM;
	d->pctx.cfg = monitor__config(d->mon);
	d->pctx.stacks = d->stacks;
	d->pctx.stack_fd = monitor__stack_fd(d->mon);
	d->pctx.mono_to_real_ns = print_clock_offset();
	d->pctx.hists = !d->cli.no_hists;
	return 0;
}

static void daemon__close(struct daemon *d)
{
	monitor__destroy(d->mon);
	stack_table__free(d->stacks);
	ksyms__free(d->ksyms);
}

static int daemon__interval(struct daemon *d, bool print)
{
	struct snapshot delta;
	int err;

	err = monitor__sweep(d->mon, d->cli.pending_ttl_ns);
	if (!err)
		err = monitor__snapshot(d->mon, &d->cur);
	if (err) {
		fprintf(stderr, "spte-trace: reading BPF maps: %s\n",
			strerror(-err));
		return err;
	}
	snapshot__delta(&delta, &d->cur, &d->prev);
	if (print)
		print_interval(stdout, &d->pctx, &delta, &d->cur);
	d->prev = d->cur;
	return 0;
}

static void print_banner(struct daemon *d)
{
	printf("spte-trace %s: tracing the TDP MMU removed-SPTE protocol",
	       SPTE_TRACE_VERSION);
	if (d->cli.interval_s)
		printf(", reporting every %us", d->cli.interval_s);
	printf(". Ctrl-C to end.\n");
	sources__describe(&d->plan, stdout);
	printf("\n");
	fflush(stdout);
}

/* Poll until the next interval is due, the run ends, or a signal. */
static int daemon__run(struct daemon *d)
{
	__u64 interval_ns = d->cli.interval_s * 1000000000ULL;
	__u64 end_ns = d->cli.duration_s ?
		       d->start_ns + d->cli.duration_s * 1000000000ULL : 0;
	__u64 next = interval_ns ? d->start_ns + interval_ns : 0;
	unsigned int printed = 0;
	int err = 0, n, timeout;

	while (!exiting) {
		__u64 now = now_ns(), due = next;

		if (end_ns && (!due || end_ns < due))
			due = end_ns;
		timeout = due ? (due > now ? (int)((due - now) / 1000000) : 0) : 1000;
		if (timeout > 1000)
			timeout = 1000;
		n = monitor__poll(d->mon, timeout);
		if (n < 0) {
			fprintf(stderr, "spte-trace: polling: %s\n", strerror(-n));
			err = n;
			break;
		}
		now = now_ns();
		if (next && now >= next) {
			err = daemon__interval(d, true);
			if (err)
				break;
			next += interval_ns;
			if (d->cli.count && ++printed >= d->cli.count)
				break;
		}
		if (end_ns && now >= end_ns)
			break;
	}
	return err;
}

static int daemon__finish(struct daemon *d)
{
	double secs = (now_ns() - d->start_ns) / 1e9;
	int err;

	/* Drain what the kernel reported before the last snapshot. */
	monitor__poll(d->mon, 0);
	err = daemon__interval(d, false);
	if (err)
		return err;
	print_summary(stdout, &d->pctx, &d->cur, secs);
	return 0;
}

static int run_live(struct cli *cli)
{
	struct daemon d = { .cli = *cli };
	int err;

	if (cli->verbose)
		libbpf_set_print(libbpf_print);
	else
		libbpf_set_print(NULL);
	err = cli__check_privileges();
	if (err)
		return err;
	err = daemon__open(&d);
	if (err)
		goto out;
	print_banner(&d);
	d.start_ns = now_ns();
	err = daemon__run(&d);
	if (!err)
		err = daemon__finish(&d);
out:
	daemon__close(&d);
	return err;
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
	err = run_live(&cli);
	return err ? 1 : 0;
}
