/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line, bpftool style: a subcommand (live tracing, the
 * default, or `report FILE`), then options from one table (src/cli.c)
 * that says which subcommands take each option and generates getopt's
 * list and the --help text.  The option structs of the modules are filled
 * in place: struct cli embeds them.
 */
#ifndef __SPTE_CLI_H
#define __SPTE_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "monitor.h"
#include "outputs.h"
#include "trace_text.h"

enum cli_cmd {
	CLI_LIVE, /* spte-trace [options] [interval [count]] */
	CLI_REPORT, /* spte-trace report [options] FILE */
	CLI_CMDS,
};

struct cli {
	enum cli_cmd cmd;
	struct monitor_opts mon; /* cfg, limits, --stock, --hooks, --mmu */
	struct outputs_opts out; /* -j, --prometheus, ..., --vm-limit */
	struct spte_limits limits_given; /* --max-* given, 0: not given */
	unsigned int site_sample; /* --site-sample, 0: not given */
	bool user_given, no_privdrop;
	bool verbose;
	bool no_hists;
	bool mmu_given, removed_given;
	unsigned int interval_s; /* 0: summary at the end only */
	unsigned int count; /* intervals, 0: unlimited */
	unsigned int duration_s; /* 0: until a signal */
	__u64 pending_ttl_ns;
	const char *user; /* NULL: keep root (--no-privdrop) */
	const char *input; /* report FILE */
	enum trace_text_vm text_vm; /* --single-vm */
};

/*
 * 0: run; 1: help or version printed; negative: bad usage (the message is
 * printed already).  Parsing again starts from scratch.
 */
int cli__parse(struct cli *cli, int argc, char **argv);
void cli__usage(FILE *f);
/* Can we load BPF programs?  Prints what is missing when not. */
int cli__check_privileges(void);

#endif /* __SPTE_CLI_H */
