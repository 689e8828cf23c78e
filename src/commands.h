/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands, one file each (bpftool's layout): src/main.c picks one
 * from its table after src/cli.c has parsed the command line.
 */
#ifndef __SPTE_COMMANDS_H
#define __SPTE_COMMANDS_H

#include <signal.h>

struct cli;

/* Set by SIGINT/SIGTERM: the running command winds down. */
extern volatile sig_atomic_t spte_exiting;

/* Each returns 0 or a negative errno (already reported on stderr). */
int cmd_live(const struct cli *cli); /* src/daemon.c */
int cmd_report(const struct cli *cli); /* src/report_cmd.c */

#endif /* __SPTE_COMMANDS_H */
