// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"
#include "monitor.h"
#include "spte.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

enum {
	OPT_STOCK = 0x100,
	OPT_REMOVED,
	OPT_MMU,
	OPT_MAX_SPTES,
	OPT_MAX_PENDING,
	OPT_MAX_VMS,
	OPT_MAX_STACKS,
	OPT_PENDING_TTL,
	OPT_NO_STACKS,
	OPT_NO_HISTS,
	OPT_PROMETHEUS,
	OPT_TEXTFILE,
	OPT_FOLDED,
	OPT_SVG,
	OPT_RECORD,
	OPT_USER,
	OPT_NO_PRIVDROP,
	OPT_VM_LIMIT,
	OPT_SINGLE_VM,
	OPT_HOOKS,
};

static const struct option long_opts[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "stock", no_argument, NULL, OPT_STOCK },
	{ "removed-spte", required_argument, NULL, OPT_REMOVED },
	{ "mmu", required_argument, NULL, OPT_MMU },
	{ "max-sptes", required_argument, NULL, OPT_MAX_SPTES },
	{ "max-pending", required_argument, NULL, OPT_MAX_PENDING },
	{ "max-vms", required_argument, NULL, OPT_MAX_VMS },
	{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
	{ "pending-ttl", required_argument, NULL, OPT_PENDING_TTL },
	{ "no-stacks", no_argument, NULL, OPT_NO_STACKS },
	{ "no-hists", no_argument, NULL, OPT_NO_HISTS },
	{ "json", no_argument, NULL, 'j' },
	{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
	{ "textfile", required_argument, NULL, OPT_TEXTFILE },
	{ "folded", required_argument, NULL, OPT_FOLDED },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "user", required_argument, NULL, OPT_USER },
	{ "no-privdrop", no_argument, NULL, OPT_NO_PRIVDROP },
	{ "vm-limit", required_argument, NULL, OPT_VM_LIMIT },
	{ "single-vm", no_argument, NULL, OPT_SINGLE_VM },
	{ "hooks", required_argument, NULL, OPT_HOOKS },
	{}
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options] [interval [count]]\n"
		"       %s report [options] FILE\n"
		"\n"
		"Trace the KVM TDP MMU's removed-SPTE protocol: report every guest mapping\n"
		"reinstalled before the remote TLB flush that must follow its zap, and show\n"
		"how SPTEs cycle present -> removed -> present.\n"
		"\n"
		"  interval               print counters and histograms every N seconds\n"
		"  count                  stop after this many intervals\n"
		"  -d, --duration SECS    stop after SECS seconds\n"
		"      --stock            ignore a patched kernel's tracepoints\n"
		"      --hooks KIND       unpatched flush/teardown hooks: auto (fentry, else\n"
		"                         kprobe), fentry, kprobe or none\n"
		"      --removed-spte VAL exact removed-SPTE value (default: recognise\n"
		"                         0x5a0, with or without bit 63, as on 5.13-6.x)\n"
		"      --mmu npt|ept      SPTE format (default: from kvm_amd/kvm_intel)\n"
		"      --max-sptes N      SPTEs with history (LRU, default 262144)\n"
		"      --max-pending N    zaps awaiting a flush (default 65536)\n"
		"      --max-vms N        VMs tracked (default 1024)\n"
		"      --max-stacks N     distinct kernel stacks (default 16384)\n"
		"      --pending-ttl SECS drop zaps no flush covered after SECS\n"
		"                         (default 60, 0: never), counted as 'expired'\n"
		"      --no-stacks        do not capture kernel stacks\n"
		"      --no-hists         no histograms in interval reports\n"
		"\n"
		"outputs:\n"
		"  -j, --json             JSON lines on stdout: violations and summaries\n"
		"      --prometheus [ADDR:]PORT  serve /metrics (default address 127.0.0.1)\n"
		"      --textfile PATH    write the metrics for node_exporter, atomically\n"
		"      --folded FILE      folded stacks of zap, install and violation sites\n"
		"      --svg FILE         the same as an interactive SVG flame graph\n"
		"      --record FILE      record every event for 'spte-trace report'\n"
		"      --vm-limit N       VMs with their own metric labels (default 64)\n"
		"      --user USER        run as USER after attaching (default nobody)\n"
		"      --no-privdrop      keep running as root\n"
		"\n"
		"report FILE: replay a --record file, or the text of /sys/kernel/tracing/trace\n"
		"or 'trace-cmd report', through the same protocol monitor; takes -j,\n"
		"--folded, --svg, --textfile, --pending-ttl and --single-vm (stock ftrace\n"
		"text without TGIDs: treat every event as one VM).\n"
		"  -v, --verbose          libbpf debug output\n"
		"  -V, --version          print the version\n"
		"  -h, --help             this text\n"
		"\n"
		"examples:\n"
		"  spte-trace             trace until Ctrl-C, then print a summary\n"
		"  spte-trace 5           report every 5 seconds\n"
		"  spte-trace 1 10        report every second, 10 times\n"
		"  spte-trace -d 30 --no-hists   30 s, violations and counters only\n"
		"  spte-trace --stock     use kvm_tdp_mmu_spte_changed even on a patched kernel\n"
		"  spte-trace --prometheus 9464 --folded zaps.folded 60\n"
		"  spte-trace --record run.spte -d 60 && spte-trace report run.spte\n"
		"  trace-cmd report | spte-trace report /dev/stdin\n"
		"\n"
		"Exit status: 0 on success, 1 on a runtime error, 2 on bad usage.\n"
		"See spte-trace(8).\n",
		prog, prog);
}

static int bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "spte-trace: invalid %s '%s': %s\n", opt, val, why);
	fprintf(stderr, "spte-trace: try 'spte-trace --help'\n");
	return -EINVAL;
}

static int parse_uint(const char *opt, const char *s, unsigned long long max,
		      unsigned long long min, __u64 *out)
{
	__u64 v;

	if (parse_u64(s, &v))
		return bad(opt, s, "not a non-negative integer");
	if (v < min || v > max) {
		char why[64];

		snprintf(why, sizeof(why), "must be between %llu and %llu", min,
			 max);
		return bad(opt, s, why);
	}
	*out = v;
	return 0;
}

static int parse_u32_opt(const char *opt, const char *s, __u32 min, __u32 *out)
{
	__u64 v;
	int err = parse_uint(opt, s, 1U << 26, min, &v);

	if (!err)
		*out = v;
	return err;
}

static int parse_mmu(struct cli *cli, const char *s)
{
	if (!strcmp(s, "npt"))
		cli->cfg.flavor = MMU_NPT;
	else if (!strcmp(s, "ept"))
		cli->cfg.flavor = MMU_EPT;
	else
		return bad("--mmu", s, "expected 'npt' or 'ept'");
	cli->cfg_flavor_set = true;
	return 0;
}

static int parse_hooks(struct cli *cli, const char *s)
{
	cli->no_fentry = cli->no_kprobe = false;
	if (!strcmp(s, "fentry"))
		cli->no_kprobe = true;
	else if (!strcmp(s, "kprobe"))
		cli->no_fentry = true;
	else if (!strcmp(s, "none"))
		cli->no_fentry = cli->no_kprobe = true;
	else if (strcmp(s, "auto"))
		return bad("--hooks", s,
			   "expected auto, fentry, kprobe or none");
	return 0;
}

static int parse_opt(struct cli *cli, int opt, const char *arg)
{
	__u64 v;
	int err = 0;

	switch (opt) {
	case 'd':
		err = parse_uint("--duration", arg, 86400 * 365, 1, &v);
		cli->duration_s = v;
		break;
	case 'v':
		cli->verbose = true;
		break;
	case OPT_STOCK:
		cli->force_stock = true;
		break;
	case OPT_REMOVED:
		err = parse_uint("--removed-spte", arg, ~0ULL, 1, &v);
		cli->cfg.removed_value = v;
		break;
	case OPT_MMU:
		err = parse_mmu(cli, arg);
		break;
	case OPT_MAX_SPTES:
		err = parse_u32_opt("--max-sptes", arg, 16, &cli->limits.max_sptes);
		break;
	case OPT_MAX_PENDING:
		err = parse_u32_opt("--max-pending", arg, 16,
				    &cli->limits.max_pending);
		break;
	case OPT_MAX_VMS:
		err = parse_u32_opt("--max-vms", arg, 1, &cli->limits.max_vms);
		break;
	case OPT_MAX_STACKS:
		err = parse_u32_opt("--max-stacks", arg, 16, &cli->limits.max_stacks);
		break;
	case OPT_PENDING_TTL:
		err = parse_uint("--pending-ttl", arg, 86400, 0, &v);
		cli->pending_ttl_ns = v * 1000000000ULL;
		break;
	case OPT_NO_STACKS:
		cli->cfg.stacks = 0;
		break;
	case OPT_NO_HISTS:
		cli->no_hists = true;
		break;
	case 'j':
		cli->json = true;
		break;
	case OPT_PROMETHEUS:
		cli->prometheus = arg;
		break;
	case OPT_TEXTFILE:
		cli->textfile = arg;
		break;
	case OPT_FOLDED:
		cli->folded = arg;
		break;
	case OPT_SVG:
		cli->svg = arg;
		break;
	case OPT_RECORD:
		cli->record = arg;
		cli->cfg.record = 1;
		break;
	case OPT_USER:
		cli->user = arg;
		break;
	case OPT_NO_PRIVDROP:
		cli->user = NULL;
		break;
	case OPT_VM_LIMIT:
		err = parse_uint("--vm-limit", arg, 100000, 0, &v);
		cli->vm_limit = v;
		break;
	case OPT_SINGLE_VM:
		cli->single_vm = true;
		break;
	case OPT_HOOKS:
		err = parse_hooks(cli, arg);
		break;
	default:
		fprintf(stderr, "spte-trace: try 'spte-trace --help'\n");
		err = -EINVAL;
	}
	return err;
}

static int parse_positional(struct cli *cli, int argc, char **argv)
{
	__u64 v;
	int err;

	if (argc > 2) {
		fprintf(stderr, "spte-trace: unexpected argument '%s'\n",
			argv[2]);
		fprintf(stderr, "spte-trace: try 'spte-trace --help'\n");
		return -EINVAL;
	}
	if (argc >= 1) {
		err = parse_uint("interval", argv[0], 86400, 1, &v);
		if (err)
			return err;
		cli->interval_s = v;
	}
	if (argc == 2) {
		err = parse_uint("count", argv[1], UINT_MAX, 1, &v);
		if (err)
			return err;
		cli->count = v;
	}
	return 0;
}

/* Which options mean nothing to a replay: say so rather than ignore them. */
static int check_report_opts(const struct cli *cli)
{
	const char *bad_opt = cli->prometheus  ? "--prometheus" :
			      cli->record      ? "--record" :
			      cli->duration_s  ? "--duration" :
			      cli->force_stock ? "--stock" :
						 NULL;

	if (!bad_opt)
		return 0;
	fprintf(stderr, "spte-trace: report: %s applies to live tracing only\n",
		bad_opt);
	return -EINVAL;
}

static int parse_report(struct cli *cli, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "spte-trace: report needs exactly one FILE "
				"(a --record file or ftrace text)\n");
		fprintf(stderr, "spte-trace: try 'spte-trace --help'\n");
		return -EINVAL;
	}
	cli->report = argv[0];
	return check_report_opts(cli);
}

static void cli__defaults(struct cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	spte_config__default(&cli->cfg);
	cli->pending_ttl_ns = 60ULL * 1000000000ULL;
	spte_limits__default(&cli->limits);
	cli->vm_limit = 64;
	cli->user = "nobody";
}

int cli__parse(struct cli *cli, int argc, char **argv)
{
	int opt, err;

	cli__defaults(cli);
	optind = 1;
	opterr = 1;
	if (argc > 1 && !strcmp(argv[1], "report")) {
		cli->report = "";
		argc--;
		argv++;
	}
	while ((opt = getopt_long(argc, argv, "d:jvVh", long_opts, NULL)) !=
	       -1) {
		if (opt == 'h') {
			usage(stdout, "spte-trace");
			return 1;
		}
		if (opt == 'V') {
			printf("spte-trace %s\n", SPTE_TRACE_VERSION);
			return 1;
		}
		err = parse_opt(cli, opt, optarg);
		if (err)
			return err;
	}
	if (cli->report)
		return parse_report(cli, argc - optind, argv + optind);
	return parse_positional(cli, argc - optind, argv + optind);
}

void cli__monitor_opts(const struct cli *cli, struct monitor_opts *o)
{
	o->cfg = cli->cfg;
	o->force_stock = cli->force_stock;
	o->mmu_auto = !cli->cfg_flavor_set;
	o->no_fentry = cli->no_fentry;
	o->no_kprobe = cli->no_kprobe;
	o->limits = cli->limits;
}

/* Effective capabilities from /proc/self/status; 0 if unreadable. */
static unsigned long long cap_effective(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

int cli__check_privileges(void)
{
	unsigned long long caps = cap_effective();

	if (caps & (1ULL << CAP_SYS_ADMIN_BIT))
		return 0;
	if ((caps & (1ULL << CAP_BPF_BIT)) &&
	    (caps & (1ULL << CAP_PERFMON_BIT)))
		return 0;
	fprintf(stderr,
		"spte-trace: needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load "
		"its BPF programs;\n"
		"            run it as root: sudo spte-trace\n");
	return -EPERM;
}
