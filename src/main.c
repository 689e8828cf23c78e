// SPDX-License-Identifier: GPL-2.0
/*
 * spte-trace: parse the command line (src/cli.c) and run its subcommand,
 * one file each: live tracing (src/daemon.c), report (src/report_cmd.c).
 */
#include <signal.h>

#include "cli.h"
#include "commands.h"

static void on_signal(int sig)
{
	spte_exiting = 1;
}

static int (*const cmds[CLI_CMDS])(const struct cli *cli) = {
	[CLI_LIVE] = cmd_live,
	[CLI_REPORT] = cmd_report,
};

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
	return cmds[cli.cmd](&cli) ? 1 : 0;
}
