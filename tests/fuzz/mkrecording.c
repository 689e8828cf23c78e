// SPDX-License-Identifier: GPL-2.0
/*
 * A seed for fuzz_recording and fuzz_report: a small recording with SPTE
 * and flush events, a symbolized stack and a VM name, in every block kind
 * the reader knows.   mkrecording FILE
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "record.h"
#include "spte.h"
#include "stacks.h"

int main(int argc, char **argv)
{
	const struct stack_frame fr = { .ip = 0xffffffff81000010ULL,
					.sym = "tdp_mmu_map_handle_target_level",
					.module = "kvm",
					.offset = 0x10 };
	struct stack st = { .id = 3, .depth = 1,
			    .frames = (struct stack_frame *)&fr };
	struct record_info info = {};
	struct recorder *r;
	struct event ev;
	char err[256];
	int i;

	if (argc != 2)
		return 2;
	spte_config__default(&info.cfg);
	info.cfg.flush_visible = FLUSH_COMPLETE;
	spte_limits__default(&info.limits);
	if (recorder__open(&r, argv[1], &info, err, sizeof(err))) {
		fprintf(stderr, "mkrecording: %s\n", err);
		return 1;
	}
	recorder__write_vm(r, 7, 700, "qemu-system-x86");
	recorder__write_stack(r, &st);
	for (i = 0; i < 12; i++) {
		memset(&ev, 0, sizeof(ev));
		if (i % 4 == 3) {
			ev.type = EVENT_FLUSH_END - (i & 4 ? 1 : 0);
			ev.vm.ts_ns = 1000 + i;
			ev.vm.vm = 7;
			ev.vm.pages = FLUSH_ALL_PAGES;
			ev.vm.seq = ev.vm.tag = i / 4 + 1;
		} else {
			ev.type = EVENT_SPTE;
			ev.spte.ts_ns = 1000 + i;
			ev.spte.vm = 7;
			ev.spte.pid = 700;
			ev.spte.tid = 701;
			ev.spte.gfn = 0x100 + i / 3;
			ev.spte.level = 1;
			ev.spte.op = SPTE_OP_SET;
			ev.spte.stack_id = 3;
			ev.spte.old_spte = i % 2 ? 0x6000004552a0b77ULL : 0;
			ev.spte.new_spte = i % 2 ? 0 : 0x6000004552a0b77ULL;
		}
		recorder__write(r, &ev);
	}
	return recorder__close(r) ? 1 : 0;
}
