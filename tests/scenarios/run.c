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

void scenario_run_engine(const struct scenario *sc, struct snapshot *snap,
			 struct seen *seen)
{
	struct spte_config cfg;
	struct spte_limits lim;
	struct engine *e;
	struct event ev;
	__u64 now = 0;
	size_t i;

	memset(seen, 0, sizeof(*seen));
	scenario_config(sc, &cfg, &lim);
	e = engine__new(&cfg, &lim);
	assert_non_null(e);
	engine__on_violation(e, on_violation, seen);
	for (i = 0; i < sc->nevents; i++) {
		ev = sc->events[i];
		if (ev.type == STEP_SWEEP) {
			assert_int_equal(engine__sweep(e, now + ev.vm.ts_ns,
						       ev.vm.pages),
					 0);
			continue;
		}
		now = scenario_ts(i);
		if (ev.type == EVENT_SPTE)
			ev.spte.ts_ns = now;
		else
			ev.vm.ts_ns = now;
		engine__feed(e, &ev);
	}
	engine__snapshot(e, snap);
	engine__free(e);
}
