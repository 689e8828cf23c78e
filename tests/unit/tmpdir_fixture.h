/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scratch directory for the tests of one binary: created by the group
 * setup, removed with everything in it by the group teardown.  The includer
 * defines TMPDIR_FIXTURE_NAME, the directory's name prefix under /tmp.
 */
#ifndef __SPTE_TMPDIR_FIXTURE_H
#define __SPTE_TMPDIR_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static char dir[] = "/tmp/" TMPDIR_FIXTURE_NAME "_XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

#endif /* __SPTE_TMPDIR_FIXTURE_H */
