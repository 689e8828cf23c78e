// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: the cost per event of each BPF program, measured in this
 * kernel.  Raw tracepoint programs cannot use BPF_PROG_TEST_RUN's repeat
 * loop, so each case is run REPEAT times and the kernel's own run-time
 * statistics (BPF_ENABLE_STATS) give the time spent inside the program,
 * without the syscall around it.  The states the programs find are the
 * ones they would find on a busy host: a warm SPTE history, pending zaps,
 * a VM with flushes in flight.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "monitor.h"
#include "spte.h"

#define VM 0xffff888100000000ULL
#define PRESENT (1ULL << 11)
#define REPEAT 20000

struct bench_case {
	const char *name;
	const char *prog;
	__u64 args[7];
	int nargs;
};

static void nop_violation(void *arg, const struct violation *v)
{
}

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

static int run_case(struct monitor *m, const struct bench_case *c)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = c->args,
		    .ctx_size_in = c->nargs * sizeof(__u64));
	int fd = monitor__prog_fd(m, c->prog), i, err;
	__u64 cnt0 = 0, ns0 = 0, cnt1 = 0, ns1 = 0;

	if (fd < 0) {
		fprintf(stderr, "bench: no program %s\n", c->prog);
		return -ENOENT;
	}
	err = prog_stats(fd, &cnt0, &ns0);
	for (i = 0; i < REPEAT && !err; i++)
		if (bpf_prog_test_run_opts(fd, &opts))
			err = -errno;
	if (!err)
		err = prog_stats(fd, &cnt1, &ns1);
	if (err) {
		fprintf(stderr, "bench: %s: %s\n", c->name, strerror(-err));
		return err;
	}
	if (cnt1 == cnt0) {
		fprintf(stderr,
			"bench: %s: the kernel counted no runs "
			"(no BPF run-time statistics?)\n",
			c->name);
		return -ENODATA;
	}
	printf("%-44s %8.0f ns/event\n", c->name,
	       (double)(ns1 - ns0) / (cnt1 - cnt0));
	return 0;
}

static int run_plan(const struct bench_case *cases, int n, bool stock,
		    bool stacks)
{
	struct source_plan plan = {
		.spte = stock ? SPTE_SRC_STOCK : SPTE_SRC_PATCHED,
		.flush = HOOK_SRC_PATCHED,
		.teardown = HOOK_SRC_PATCHED,
	};
	struct monitor_opts o;
	struct monitor *m;
	int i, err;

	monitor_opts__default(&o);
	spte_config__default(&o.cfg);
	o.cfg.stacks = stacks;
	o.on_violation = nop_violation;
	err = monitor__open_detached(&m, &o, &plan);
	if (err) {
		fprintf(stderr, "bench: loading: %s\n", strerror(-err));
		return err;
	}
	printf("\n%s mode, kernel stacks %s:\n", stock ? "stock" : "patched",
	       stacks ? "on" : "off (--no-stacks)");
	for (i = 0; i < n && !err; i++)
		if (!strncmp(cases[i].prog, "stock_", 6) == stock)
			err = run_case(m, &cases[i]);
	monitor__destroy(m);
	return err;
}

int main(void)
{
	__u64 leaf = PRESENT | 0x7 | (0x1234ULL << 12);
	const struct bench_case cases[] = {
		{ "install (first)",
		  "patched_spte_set",
		  { VM, 0, 0x10, 1, 0, 0, leaf },
		  7 },
		{ "present->present (A/D bit)",
		  "patched_spte_set",
		  { VM, 0, 0x10, 1, 0, leaf, leaf | (1 << 5) },
		  7 },
		{ "freeze (zap + pending insert)",
		  "patched_spte_freeze",
		  { VM, 0, 0x20, 1, 0, leaf, 0x5a0 },
		  7 },
		{ "unfreeze (frozen window)",
		  "patched_spte_unfreeze",
		  { VM, 0, 0x20, 1, 0, 0x5a0, 0 },
		  7 },
		{ "install after zap (coverage check)",
		  "patched_spte_set",
		  { VM, 0, 0x20, 1, 0, 0, leaf },
		  7 },
		{ "flush begin", "patched_flush_begin", { VM, 0, ~0ULL, 1 }, 4 },
		{ "flush end", "patched_flush_end", { VM, 0, ~0ULL, 1 }, 4 },
		{ "install (first)",
		  "stock_spte_changed",
		  { 0, 0x30, 1, 0, leaf },
		  5 },
		{ "freeze (zap + pending insert)",
		  "stock_spte_changed",
		  { 0, 0x30, 1, leaf, 0x5a0 },
		  5 },
		{ "present->present (A/D bit)",
		  "stock_spte_changed",
		  { 0, 0x40, 1, leaf, leaf | (1 << 5) },
		  5 },
	};
	int n = sizeof(cases) / sizeof(cases[0]), err = 0, stats_fd;

	if (geteuid()) {
		fprintf(stderr, "bench: needs root to load BPF programs\n");
		return 1;
	}
	libbpf_set_print(NULL);
	/* Run-time statistics stay on while this fd is open. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bench: BPF_ENABLE_STATS: %s\n",
			strerror(errno));
		return 1;
	}
	printf("per-event cost of the BPF programs, %d runs per line, time "
	       "inside the program (kernel run-time statistics)\n",
	       REPEAT);
	err = run_plan(cases, n, false, true);
	if (!err)
		err = run_plan(cases, n, false, false);
	if (!err)
		err = run_plan(cases, n, true, true);
	close(stats_fd);
	return err ? 1 : 0;
}
