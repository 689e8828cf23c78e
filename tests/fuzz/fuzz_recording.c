// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: --record files through the reader, stacks and VM blocks too. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "stacks.h"
#include "vmtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stack_table *st = stack_table__new(NULL);
	struct vmtab *vms = vmtab__new(4);
	FILE *f = fmemopen((void *)data, size, "rb");
	struct replay *r;
	struct event ev;
	char err[256];

	if (f && st && vms && replay__open(&r, f, err, sizeof(err)) == 0) {
		replay__set_sinks(r, st, vms);
		while (replay__next(r, &ev) == 1)
			;
		replay__close(r);
	}
	vmtab__free(vms);
	stack_table__free(st);
	return 0;
}
