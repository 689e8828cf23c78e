/* SPDX-License-Identifier: GPL-2.0 */
/* The command line: options, their validation, and the privilege check. */
#ifndef __SPTE_CLI_H
#define __SPTE_CLI_H

#include <stdbool.h>
#include "spte_trace.h"

struct monitor_opts;

struct cli {
	struct spte_config cfg;
	bool cfg_flavor_set; /* --mmu given */
	bool force_stock;
	bool no_fentry, no_kprobe; /* --hooks */
	bool verbose;
	bool no_hists;
	unsigned int interval_s; /* 0: summary at the end only */
	unsigned int count; /* intervals, 0: unlimited */
	unsigned int duration_s; /* 0: until a signal */
	__u64 pending_ttl_ns;
	struct spte_limits limits; /* --max-* */

	/* Operator outputs (src/outputs.c). */
	bool json;
	const char *prometheus;
	const char *textfile;
	const char *folded;
	const char *svg;
	const char *record;
	unsigned int vm_limit;
	const char *user; /* NULL: keep root (--no-privdrop) */

	/* spte-trace report FILE */
	const char *report;
	bool single_vm; /* stock ftrace text holds one VM */
};

/*
 * 0: run; 1: help or version printed; negative: bad usage (the message is
 * printed already).
 */
int cli__parse(struct cli *cli, int argc, char **argv);
void cli__monitor_opts(const struct cli *cli, struct monitor_opts *o);
/* Can we load BPF programs?  Prints what is missing when not. */
int cli__check_privileges(void);

#endif /* __SPTE_CLI_H */
