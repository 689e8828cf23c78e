/* SPDX-License-Identifier: GPL-2.0 */
/* Running a scenario through the userspace engine (tests/scenarios/). */
#ifndef __SPTE_TEST_SCENARIO_RUN_H
#define __SPTE_TEST_SCENARIO_RUN_H

#include "scenario.h"

/*
 * Feed @sc's events to a fresh engine (sweeping at SWEEP steps); the
 * snapshot and the violation records in order.
 */
void scenario_run_engine(const struct scenario *sc, struct snapshot *snap,
			 struct seen *seen);

#endif /* __SPTE_TEST_SCENARIO_RUN_H */
