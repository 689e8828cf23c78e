// SPDX-License-Identifier: GPL-2.0
/*
 * `spte-trace report FILE`: replay an input (src/report.h) and give the
 * same outputs as a live run, with what the input lost said plainly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "outputs.h"
#include "print.h"
#include "report.h"
#include "stacks.h"

struct report_cmd {
	const struct cli *cli;
	struct print_ctx pctx;
	struct outputs *out;
};

static void on_violation(void *arg, const struct violation *v)
{
	struct report_cmd *rc = arg;

	if (!rc->cli->out.json)
		print_violation(stdout, &rc->pctx, v);
	outputs__violation(rc->out, v);
}

static void on_site(void *arg, __u32 kind, __s32 stack_id, __u64 count)
{
	struct report_cmd *rc = arg;

	outputs__site(rc->out, kind, stack_id, count);
}

static void describe(FILE *f, const struct report *r)
{
	if (r->format == INGEST_RECORDING) {
		fprintf(f,
			"spte-trace: replayed a recording: %llu events "
			"(spte-trace %s on %s)\n",
			r->events, r->info.version, r->info.kernel);
		return;
	}
	fprintf(f,
		"spte-trace: replayed %s: %llu events, %llu other events or "
		"lines skipped, %llu events the tracer lost; flushes %s\n",
		r->format_name, r->events, r->in.other, r->in.lost.total,
		r->cfg.flush_visible == FLUSH_COMPLETE ?
			"visible (the patched kernel's events)" :
			"not visible (stock events only): reinstalls are "
			"'unverified'");
}

int cmd_report(const struct cli *cli)
{
	struct report_cmd rc = { .cli = cli };
	struct outputs_opts oo = cli->out;
	struct report_opts ro = {};
	struct report r = {};
	double secs;
	int err, ret;

	rc.pctx.stack_fd = -1;
	rc.pctx.stacks = stack_table__new(NULL);
	if (!rc.pctx.stacks)
		return -ENOMEM;
	/* The recording's config is known only after reading its header. */
	rc.pctx.cfg = &r.cfg;
	oo.mode = "replay";
	err = outputs__open(&rc.out, &oo, &r.cfg, NULL, rc.pctx.stacks);
	if (err)
		goto out;
	rc.pctx.vms = outputs__vms(rc.out);
	ro.limits = cli->limits_given;
	ro.pending_ttl_ns = cli->pending_ttl_ns;
	ro.text_vm = cli->text_vm;
	ro.mmu_set = cli->mmu_given;
	ro.mmu = cli->mon.cfg.flavor;
	ro.removed_value = cli->removed_given ? cli->mon.cfg.removed_value : 0;
	ro.on_violation = on_violation;
	ro.arg = &rc;
	ro.stacks = rc.pctx.stacks;
	ro.vms = outputs__vms(rc.out);
	err = report__run(cli->input, &ro, &r);
	if (r.status)
		fprintf(stderr, "spte-trace: report %s: %s\n", cli->input,
			r.error[0] ? r.error : strerror(-r.status));
	/* Damaged input: what came before the damage is still reported. */
	if (!r.engine || (r.status && !r.events))
		goto out;
	if (r.format == INGEST_TEXT && !r.events && !r.in.comments &&
	    !r.in.lost.reports && !err) {
		fprintf(stderr,
			"spte-trace: report %s: no tracer header and no event "
			"spte-trace knows: not a recording, a trace.dat or "
			"trace text\n",
			cli->input);
		err = -EINVAL;
		goto out;
	}
	describe(stderr, &r);
	engine__for_each_site(r.engine, on_site, &rc);
	secs = r.last_ns > r.first_ns ? (r.last_ns - r.first_ns) / 1e9 : 0;
	if (!cli->out.json)
		print_summary(stdout, &rc.pctx, &r.snap, secs);
	ret = outputs__interval(rc.out, &r.snap, NULL, -1, "final", secs);
	err = err ? err : ret;
out:
	ret = outputs__close(rc.out);
	report__release(&r);
	stack_table__free(rc.pctx.stacks);
	return err ? err : ret;
}
