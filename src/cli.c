// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "engine.h"
#include "http.h"
#include "parse.h"
#include "privdrop.h"
#include "proc.h"
#include "prom.h"
#include "spte.h"
#include "util.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

volatile sig_atomic_t spte_exiting;

#define ON_LIVE (1U << CLI_LIVE)
#define ON_REPORT (1U << CLI_REPORT)
#define ON_ALL (ON_LIVE | ON_REPORT)

static const char *const cmd_names[CLI_CMDS] = {
	[CLI_LIVE] = "live tracing",
	[CLI_REPORT] = "report",
};

struct cli_opt;
typedef int (*opt_fn)(struct cli *cli, const struct cli_opt *o,
		      const char *arg);

/* One option: getopt's list, --help and the checks all come from here. */
struct cli_opt {
	const char *name;
	char key; /* short option, 0: none */
	const char *arg; /* its argument in --help, NULL: none */
	unsigned int on; /* ON_* */
	const char *help;
	opt_fn fn;
	size_t off; /* --max-*: the field of struct spte_limits */
	__u64 min, max; /* numeric arguments */
};

/* ---- Values ----------------------------------------------------------------- */

static int bad(const struct cli_opt *o, const char *val, const char *why)
{
	/* Positional arguments (interval, count) have no help line. */
	if (o->help)
		fprintf(stderr, "spte-trace: invalid --%s '%s': %s\n", o->name,
			val, why);
	else
		fprintf(stderr, "spte-trace: invalid %s '%s': %s\n", o->name,
			val, why);
	fprintf(stderr, "spte-trace: try 'spte-trace --help'\n");
	return -EINVAL;
}

/* A message that names the option and its value itself. */
static int bad_msg(const char *what, const char *why)
{
	if (what)
		fprintf(stderr, "spte-trace: %s: %s\n", what, why);
	else
		fprintf(stderr, "spte-trace: %s\n", why);
	fprintf(stderr, "spte-trace: try 'spte-trace --help'\n");
	return -EINVAL;
}

static int number(const struct cli_opt *o, const char *s, __u64 *out)
{
	char why[96];
	__u64 v;

	*out = 0;
	if (parse_u64(s, &v))
		return bad(o, s,
			   "not a number (decimal, or hexadecimal after 0x; "
			   "no signs or blanks)");
	if (v < o->min || v > o->max) {
		snprintf(why, sizeof(why), "must be between %llu and %llu",
			 o->min, o->max);
		return bad(o, s, why);
	}
	*out = v;
	return 0;
}

static int opt_duration(struct cli *cli, const struct cli_opt *o,
			const char *arg)
{
	__u64 v;
	int err = number(o, arg, &v);

	if (!err)
		cli->duration_s = v;
	return err;
}

static int opt_verbose(struct cli *cli, const struct cli_opt *o,
		       const char *arg)
{
	cli->verbose = true;
	return 0;
}

static int opt_stock(struct cli *cli, const struct cli_opt *o, const char *arg)
{
	cli->mon.force_stock = true;
	return 0;
}

static int opt_hooks(struct cli *cli, const struct cli_opt *o, const char *arg)
{
	static const struct {
		const char *name;
		bool no_fentry, no_kprobe;
	} kinds[] = {
		{ "auto", false, false },
		{ "fentry", false, true },
		{ "kprobe", true, false },
		{ "none", true, true },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(arg, kinds[i].name)) {
			cli->mon.no_fentry = kinds[i].no_fentry;
			cli->mon.no_kprobe = kinds[i].no_kprobe;
			return 0;
		}
	}
	return bad(o, arg, "expected auto, fentry, kprobe or none");
}

static int opt_removed(struct cli *cli, const struct cli_opt *o,
		       const char *arg)
{
	__u64 v;
	int err = number(o, arg, &v);

	if (!err) {
		cli->mon.cfg.removed_value = v;
		cli->removed_given = true;
	}
	return err;
}

static int opt_mmu(struct cli *cli, const struct cli_opt *o, const char *arg)
{
	if (!strcmp(arg, "npt"))
		cli->mon.cfg.flavor = MMU_NPT;
	else if (!strcmp(arg, "ept"))
		cli->mon.cfg.flavor = MMU_EPT;
	else
		return bad(o, arg, "expected 'npt' or 'ept'");
	cli->mon.mmu_auto = false;
	cli->mmu_given = true;
	return 0;
}

static int opt_limit(struct cli *cli, const struct cli_opt *o, const char *arg)
{
	__u64 v;
	int err = number(o, arg, &v);

	if (!err) {
		*(__u32 *)((char *)&cli->mon.limits + o->off) = v;
		*(__u32 *)((char *)&cli->limits_given + o->off) = v;
	}
	return err;
}

static int opt_ttl(struct cli *cli, const struct cli_opt *o, const char *arg)
{
	__u64 v;
	int err = number(o, arg, &v);

	if (!err)
		cli->pending_ttl_ns = v * 1000000000ULL;
	return err;
}

static int opt_no_stacks(struct cli *cli, const struct cli_opt *o,
			 const char *arg)
{
	cli->mon.cfg.stacks = 0;
	return 0;
}

/* Flame graph sites: one stack walk in this many zaps or installs. */
#define SITE_SAMPLE_DEFAULT 64
#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)

static int opt_site_sample(struct cli *cli, const struct cli_opt *o,
			   const char *arg)
{
	__u64 v;
	int err = number(o, arg, &v);

	if (!err)
		cli->site_sample = v;
	return err;
}

static int opt_no_hists(struct cli *cli, const struct cli_opt *o,
			const char *arg)
{
	cli->no_hists = true;
	return 0;
}

static int opt_json(struct cli *cli, const struct cli_opt *o, const char *arg)
{
	cli->out.json = true;
	return 0;
}

/* The option's path or address, kept in the struct the table names. */
static int opt_string(struct cli *cli, const struct cli_opt *o, const char *arg)
{
	if (!*arg)
		return bad(o, arg, "empty");
	*(const char **)((char *)cli + o->off) = arg;
	if (o->off == offsetof(struct cli, out.record))
		cli->mon.cfg.record = 1;
	return 0;
}

static int opt_no_privdrop(struct cli *cli, const struct cli_opt *o,
			   const char *arg)
{
	cli->no_privdrop = true;
	return 0;
}

/* --user: a user that exists and is not root, checked before anything loads. */
static int opt_user(struct cli *cli, const struct cli_opt *o, const char *arg)
{
	char why[160];
	uid_t uid;
	gid_t gid;

	if (!*arg)
		return bad(o, arg, "empty");
	if (privdrop__resolve(arg, &uid, &gid, why, sizeof(why)))
		return bad_msg(NULL, why); /* "--user X: no such user" */
	cli->user = arg;
	cli->user_given = true;
	return 0;
}

/* --prometheus: [ADDR:]PORT, checked here so that a typo is a usage error. */
static int opt_listen(struct cli *cli, const struct cli_opt *o,
		      const char *arg)
{
	char host[80], why[160];
	unsigned int port;

	if (http__parse_spec(arg, host, sizeof(host), &port, why, sizeof(why)))
		return bad_msg("--prometheus", why); /* names the value */
	cli->out.prometheus = arg;
	return 0;
}

static int opt_vm_limit(struct cli *cli, const struct cli_opt *o,
			const char *arg)
{
	__u64 v;
	int err = number(o, arg, &v);

	if (!err)
		cli->out.vm_limit = v;
	return err;
}

static int opt_hist_buckets(struct cli *cli, const struct cli_opt *o,
			    const char *arg)
{
	char why[160];

	if (prom_buckets__parse(arg, &cli->out.buckets, why, sizeof(why)))
		return bad(o, arg, why);
	return 0;
}

static int opt_single_vm(struct cli *cli, const struct cli_opt *o,
			 const char *arg)
{
	cli->text_vm = TRACE_TEXT_VM_SINGLE;
	return 0;
}

/* ---- The table -------------------------------------------------------------- */

#define FLAG(n, k, on_, h, f)                                      \
	{                                                          \
		.name = n, .key = k, .on = on_, .help = h, .fn = f \
	}
#define ARG(n, k, a, on_, h, f)                                              \
	{                                                                    \
		.name = n, .key = k, .arg = a, .on = on_, .help = h, .fn = f \
	}
#define NUM(n, k, a, on_, h, f, lo, hi)                                       \
	{                                                                     \
		.name = n, .key = k, .arg = a, .on = on_, .help = h, .fn = f, \
		.min = lo, .max = hi                                          \
	}
#define LIMIT_OPT(field, def, opt, what)                \
	{ .name = opt,                                  \
	  .arg = "N",                                   \
	  .on = ON_ALL,                                 \
	  .help = "map size (default " #def "): " what, \
	  .fn = opt_limit,                              \
	  .off = offsetof(struct spte_limits, field),   \
	  .min = 1,                                     \
	  .max = 1U << 26 },
#define STRING_OPT(n, a, on_, h, field)                                      \
	{                                                                    \
		.name = n, .arg = a, .on = on_, .help = h, .fn = opt_string, \
		.off = offsetof(struct cli, field)                           \
	}

static const struct cli_opt options[] = {
	NUM("duration", 'd', "SECS", ON_LIVE, "stop after SECS seconds",
	    opt_duration, 1, 86400ULL * 365),
	FLAG("stock", 0, ON_LIVE, "ignore a patched kernel's tracepoints",
	     opt_stock),
	ARG("hooks", 0, "KIND", ON_LIVE,
	    "unpatched flush/teardown hooks: auto (fentry, else kprobe), "
	    "fentry, kprobe or none",
	    opt_hooks),
	NUM("removed-spte", 0, "VAL", ON_ALL,
	    "exact removed-SPTE value (default: recognise 0x5a0, with or "
	    "without bit 63, as on 5.13-6.x)",
	    opt_removed, 1, ~0ULL),
	ARG("mmu", 0, "npt|ept", ON_ALL,
	    "SPTE format (default: from kvm_amd/kvm_intel live, npt for "
	    "traces; a recording keeps its own)",
	    opt_mmu),
	SPTE_MAP_LIMITS(LIMIT_OPT) NUM(
		"pending-ttl", 0, "SECS", ON_ALL,
		"drop zaps no flush covered after SECS (default 60, 0: never), "
		"counted as 'expired'",
		opt_ttl, 0, 86400),
	FLAG("no-stacks", 0, ON_LIVE, "do not capture kernel stacks",
	     opt_no_stacks),
	NUM("site-sample", 0, "N", ON_LIVE,
	    "flame graph: take the stack of one zap or install in N "
	    "(default " CLI_STR(SITE_SAMPLE_DEFAULT) "; counts are scaled by N)",
	    opt_site_sample, 1, 1U << 20),
	FLAG("no-hists", 0, ON_LIVE, "no histograms in interval reports",
	     opt_no_hists),
	FLAG("single-vm", 0, ON_REPORT,
	     "stock events without TGIDs: every event belongs to one VM",
	     opt_single_vm),
	FLAG("json", 'j', ON_ALL,
	     "JSON lines on stdout: violations and summaries", opt_json),
	ARG("prometheus", 0, "[ADDR:]PORT", ON_LIVE,
	    "serve /metrics (default address 127.0.0.1)", opt_listen),
	STRING_OPT("textfile", "PATH", ON_ALL,
		   "write the metrics for node_exporter, atomically",
		   out.textfile),
	STRING_OPT("folded", "FILE", ON_ALL,
		   "folded stacks of zap, install and violation sites",
		   out.folded),
	STRING_OPT("svg", "FILE", ON_ALL,
		   "the same as an interactive SVG flame graph", out.svg),
	STRING_OPT("record", "FILE", ON_LIVE,
		   "record every event for 'spte-trace report'", out.record),
	NUM("vm-limit", 0, "N", ON_ALL,
	    "VMs with their own metric labels (default 32)", opt_vm_limit, 0,
	    100000),
	ARG("hist-buckets", 0, "MIN:MAX:F", ON_ALL,
	    "histogram buckets in the metrics: MIN to MAX, one every factor F "
	    "(default 1us:64s:4), or 'all' (48 log2 buckets)",
	    opt_hist_buckets),
	ARG("user", 0, "USER", ON_LIVE,
	    "run as USER after attaching (default " PRIVDROP_DEFAULT_USER ")",
	    opt_user),
	FLAG("no-privdrop", 0, ON_LIVE, "keep running as root",
	     opt_no_privdrop),
	FLAG("verbose", 'v', ON_ALL, "libbpf debug output", opt_verbose),
	FLAG("version", 'V', ON_ALL, "print the version", NULL),
	FLAG("help", 'h', ON_ALL, "this text", NULL),
};

#define NOPTS ARRAY_SIZE(options)

/* ---- Help ------------------------------------------------------------------- */

static void print_opt(FILE *f, const struct cli_opt *o)
{
	char left[40];
	const char *h = o->help;
	int width = 76 - 26;

	if (o->key)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(f, "  %-24s", left);
	if (strlen(left) > 23)
		fprintf(f, "\n  %-24s", "");
	/* wrap the help at word boundaries */
	while (strlen(h) > (size_t)width) {
		int cut = width;

		while (cut > 0 && h[cut] != ' ')
			cut--;
		if (!cut)
			cut = width;
		fprintf(f, "%.*s\n  %-24s", cut, h, "");
		h += cut + (h[cut] == ' ');
	}
	fprintf(f, "%s\n", h);
}

static void print_section(FILE *f, const char *title, unsigned int on)
{
	size_t i;

	fprintf(f, "\n%s:\n", title);
	for (i = 0; i < NOPTS; i++)
		if (options[i].on == on)
			print_opt(f, &options[i]);
}

void cli__usage(FILE *f)
{
	fprintf(f,
		"usage: spte-trace [options] [interval [count]]\n"
		"       spte-trace report [options] FILE\n"
		"\n"
		"Trace the KVM TDP MMU's removed-SPTE protocol: report every rule the\n"
		"remote TLB flush protocol breaks, and show how SPTEs cycle present ->\n"
		"removed -> present.\n"
		"\n"
		"  interval                print counters and histograms every N seconds\n"
		"  count                   stop after this many intervals\n"
		"  report FILE             replay FILE through the same protocol monitor:\n"
		"                          a --record file, a trace-cmd trace.dat, the\n"
		"                          text of tracefs, 'trace-cmd report' or 'perf\n"
		"                          script'; '-' or a pipe for stdin; gzip, xz or\n"
		"                          zstd compressed\n");
	print_section(f, "live tracing", ON_LIVE);
	print_section(f, "report", ON_REPORT);
	print_section(f, "both", ON_ALL);
	fprintf(f,
		"\nNumbers are decimal, or hexadecimal after 0x.\n"
		"\n"
		"examples:\n"
		"  spte-trace             trace until Ctrl-C, then print a summary\n"
		"  spte-trace 5           report every 5 seconds\n"
		"  spte-trace -d 30 --no-hists   30 s, violations and counters only\n"
		"  spte-trace --prometheus 9464 --folded zaps.folded 60\n"
		"  spte-trace --record run.spte -d 60 && spte-trace report run.spte\n"
		"  spte-trace report trace.dat\n"
		"  trace-cmd report | spte-trace report -\n"
		"\n"
		"Exit status: 0 on success, 1 on a runtime error, 2 on bad usage.\n"
		"See spte-trace(8).\n");
}

/* ---- Parsing ------------------------------------------------------------ */

static void defaults(struct cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	monitor_opts__default(&cli->mon);
	spte_config__default(&cli->mon.cfg);
	spte_limits__default(&cli->mon.limits);
	cli->mon.mmu_auto = true;
	cli->pending_ttl_ns = 60ULL * 1000000000ULL;
	cli->out.vm_limit = 32;
	cli->out.buckets = (struct prom_buckets)PROM_BUCKETS_DEFAULT;
	cli->user = PRIVDROP_DEFAULT_USER;
	cli->text_vm = TRACE_TEXT_VM_TASK;
}

static void build_getopt(struct option *longs, char *shorts)
{
	size_t i;

	memset(longs, 0, (NOPTS + 1) * sizeof(*longs));
	*shorts++ = ':'; /* a missing value is ':', not '?' */
	for (i = 0; i < NOPTS; i++) {
		longs[i].name = options[i].name;
		longs[i].has_arg = options[i].arg ? required_argument :
						    no_argument;
		longs[i].val = 0x100 + i;
		if (options[i].key) {
			*shorts++ = options[i].key;
			if (options[i].arg)
				*shorts++ = ':';
		}
	}
	*shorts = '\0';
}

static const struct cli_opt *find_opt(int val)
{
	size_t i;

	if (val >= 0x100 && val < 0x100 + (int)NOPTS)
		return &options[val - 0x100];
	for (i = 0; i < NOPTS; i++)
		if (options[i].key && options[i].key == val)
			return &options[i];
	return NULL;
}

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "spte-trace: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nspte-trace: try 'spte-trace --help'\n");
	return -EINVAL;
}

static int parse_positional(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt interval = { .name = "interval",
						 .min = 1,
						 .max = 86400 };
	static const struct cli_opt count = { .name = "count",
					      .min = 1,
					      .max = UINT_MAX };
	__u64 v;
	int err;

	if (cli->cmd == CLI_REPORT) {
		if (argc != 1)
			return usage_error("%s",
					   "report needs exactly one FILE "
					   "(a recording, a trace.dat or trace "
					   "text; '-' for stdin)");
		cli->input = argv[0];
		return 0;
	}
	if (argc > 2)
		return usage_error("unexpected argument '%s'", argv[2]);
	if (argc >= 1) {
		err = number(&interval, argv[0], &v);
		if (err)
			return err;
		cli->interval_s = v;
	}
	if (argc == 2) {
		err = number(&count, argv[1], &v);
		if (err)
			return err;
		cli->count = v;
	}
	return 0;
}

int cli__parse(struct cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[2 * NOPTS + 2];
	const struct cli_opt *o;
	int val, err;

	defaults(cli);
	build_getopt(longs, shorts);
	if (argc > 1 && !strcmp(argv[1], "report")) {
		cli->cmd = CLI_REPORT;
		argc--;
		argv++;
	}
	optind = 0; /* glibc: start over, forgetting any earlier parse */
	opterr = 0; /* our messages, not getopt's (they name argv[0]) */
	while ((val = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		o = find_opt(val);
		if (!o) {
			if (val == ':')
				fprintf(stderr,
					"spte-trace: option '%s' needs a value\n",
					argv[optind - 1]);
			else if (optopt && optopt < 0x100)
				fprintf(stderr,
					"spte-trace: unknown option '-%c'\n",
					optopt);
			else
				fprintf(stderr,
					"spte-trace: unknown option '%s'\n",
					argv[optind - 1]);
			fprintf(stderr,
				"spte-trace: try 'spte-trace --help'\n");
			return -EINVAL;
		}
		if (o->key == 'h') {
			cli__usage(stdout);
			return 1;
		}
		if (o->key == 'V') {
			printf("spte-trace %s\n", SPTE_TRACE_VERSION);
			return 1;
		}
		if (!(o->on & (1U << cli->cmd))) {
			fprintf(stderr,
				"spte-trace: --%s applies to %s only, not to %s\n",
				o->name,
				cmd_names[cli->cmd == CLI_LIVE ? CLI_REPORT :
								 CLI_LIVE],
				cmd_names[cli->cmd]);
			return -EINVAL;
		}
		err = o->fn(cli, o, optarg);
		if (err)
			return err;
	}
	err = parse_positional(cli, argc - optind, argv + optind);
	if (err)
		return err;
	if (cli->no_privdrop && cli->user_given)
		return usage_error("%s", "--user and --no-privdrop contradict "
					 "each other");
	if (cli->no_privdrop)
		cli->user = NULL;
	/*
	 * Zap and install sites for a live flame graph: a stack walk costs
	 * about 1.8 us (docs/performance.md), so only one site in N takes
	 * one.  A recording takes every stack anyway: then every site counts.
	 */
	if (cli->site_sample && !cli->out.folded && !cli->out.svg)
		return usage_error("%s", "--site-sample needs --folded or --svg");
	if (cli->site_sample && cli->mon.cfg.record)
		return usage_error("%s", "--site-sample: with --record every "
					 "stack is taken, no site is sampled");
	if (cli->cmd == CLI_LIVE && (cli->out.folded || cli->out.svg) &&
	    !cli->mon.cfg.record)
		cli->mon.cfg.site_sample = cli->site_sample ?:
						   SITE_SAMPLE_DEFAULT;
	return 0;
}

int cli__check_privileges(void)
{
	__u64 caps = 0;

	proc_status_hex("CapEff", &caps);
	if (caps & (1ULL << CAP_SYS_ADMIN_BIT))
		return 0;
	if ((caps & (1ULL << CAP_BPF_BIT)) &&
	    (caps & (1ULL << CAP_PERFMON_BIT)))
		return 0;
	fprintf(stderr,
		"spte-trace: needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load "
		"its BPF programs; run it as root\n");
	return -EPERM;
}
