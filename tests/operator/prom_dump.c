// SPDX-License-Identifier: GPL-2.0
/*
 * Print prom__render()'s output for the test fixture, so that
 * tests/operator/promtool.sh can hand real output to `promtool check metrics`.
 */
#include <stdio.h>

#include "prom_fixture.h"

int main(int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	struct prom_fixture f;
	int ret = 1;

	prom_fixture__init(&f);
	if (argc > 1 && argv[1][0] == 'e') {
		/* "empty": a fresh daemon, before any event */
		memset(&f.snap, 0, sizeof(f.snap));
		f.in.vms = NULL;
		f.in.progs = NULL;
		f.in.plan = NULL;
		f.in.bpf_stats_enabled = -1;
	}
	if (prom__render(&f.in, &sb)) {
		fprintf(stderr, "prom_dump: render failed\n");
		goto out;
	}
	fputs(strbuf__str(&sb), stdout);
	ret = fflush(stdout) ? 1 : 0;
out:
	strbuf__release(&sb);
	prom_fixture__release(&f);
	return ret;
}
