// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the whole report path on any bytes: format detection,
 * decompression, recordings, trace.dat (libtracecmd), trace text, the
 * engine and the sweeps.  The input reaches report__run() as a file.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine.h"
#include "report.h"
#include "stacks.h"
#include "vmtab.h"

static void on_violation(void *arg, const struct violation *v)
{
	(*(unsigned long *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_opts o = { .pending_ttl_ns = 1000000000ULL };
	unsigned long violations = 0;
	struct report r;
	char path[64];
	int fd = memfd_create("fuzz", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* small maps, so that full maps and evictions are reached too */
	o.limits.max_sptes = 64;
	o.limits.max_pending = 32;
	o.limits.max_vms = 4;
	o.limits.max_inflight = 8;
	o.limits.max_holders = 8;
	o.limits.max_tables = 16;
	o.limits.max_stacks = 16;
	o.limits.max_sites = 16;
	o.text_vm = size && data[size - 1] == '1' ? TRACE_TEXT_VM_SINGLE :
						    TRACE_TEXT_VM_TASK;
	o.on_violation = on_violation;
	o.arg = &violations;
	o.stacks = stack_table__new(NULL);
	o.vms = vmtab__new(4);
	if (o.stacks && o.vms) {
		report__run(path, &o, &r);
		report__release(&r);
	}
	vmtab__free(o.vms);
	stack_table__free(o.stacks);
	close(fd);
	return 0;
}
