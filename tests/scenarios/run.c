// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "run.h"

static void on_violation(void *arg, const struct violation *v)
{
	seen_add(arg, v);
}

static int engine_feed(void *ctx, const struct event *ev)
{
	engine__feed(ctx, ev);
	return 0;
}

static int engine_sweep(void *ctx, __u64 now_ns, __u64 ttl_ns)
{
	return engine__sweep(ctx, now_ns, ttl_ns);
}

void scenario_run_engine(const struct scenario *sc, struct snapshot *snap,
			 struct seen *seen)
{
	static const struct scenario_driver engine_driver = {
		.feed = engine_feed,
		.sweep = engine_sweep,
	};
	struct spte_config cfg;
	struct spte_limits lim;
	struct engine *e;

	memset(seen, 0, sizeof(*seen));
	scenario_config(sc, &cfg, &lim);
	e = engine__new(&cfg, &lim);
	assert_non_null(e);
	engine__on_violation(e, on_violation, seen);
	scenario_play(sc, &engine_driver, e);
	engine__snapshot(e, snap);
	engine__free(e);
}
