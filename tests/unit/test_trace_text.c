// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine.h"
#include "spte.h"
#include "ingest.h"
#include "trace_text.h"

static struct trace_text *tt_new(enum trace_text_vm vm)
{
	struct trace_text_opts o = { .vm = vm };
	struct trace_text *tt = trace_text__new(&o);

	assert_non_null(tt);
	return tt;
}

static void test_stock_tracefs(void **state)
{
	struct trace_text *tt = tt_new(TRACE_TEXT_VM_TASK);
	const struct trace_text_stats *st = trace_text__stats(tt);
	struct event ev;

	assert_int_equal(trace_text__parse_line(tt, "# tracer: nop", &ev), 0);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
			&ev),
		0);
	assert_int_equal(trace_text__parse_line(tt, "", &ev), 0);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" qemu-system-x86-4243    [001] .....  1234.567890: kvm_tdp_mmu_spte_changed: as id 0 gfn 7f000 level 1 old_spte 0 new_spte 600000010f867\n",
			&ev),
		1);
	assert_int_equal(ev.type, EVENT_SPTE);
	assert_int_equal(ev.spte.ts_ns, 1234567890000ULL);
	assert_int_equal(ev.spte.gfn, 0x7f000);
	assert_int_equal(ev.spte.level, 1);
	assert_int_equal(ev.spte.old_spte, 0);
	assert_int_equal(ev.spte.new_spte, 0x600000010f867ULL);
	assert_int_equal(ev.spte.as_id, 0);
	assert_int_equal(ev.spte.tid, 4243);
	assert_int_equal(ev.spte.pid, 0); /* no TGID shown: process unknown */
	assert_int_equal(ev.spte.vm, 4243); /* ... and the TID is the key */
	assert_int_equal(ev.spte.op, SPTE_OP_CHANGED);
	assert_int_equal(ev.spte.stack_id, -1);
	assert_int_equal(ev.spte.sptep, 0);
	assert_string_equal(trace_text__comm(tt), "qemu-system-x86");
	assert_int_equal(st->lines, 4);
	assert_int_equal(st->comments, 3);
	assert_int_equal(st->events, 1);
	assert_int_equal(st->no_tgid, 1);
	trace_text__free(tt);
}

/* record-tgid, vCPU thread names with spaces, and unrecorded TGIDs. */
static void test_tgid_and_names(void **state)
{
	struct trace_text *tt = tt_new(TRACE_TEXT_VM_TASK);
	struct event ev;

	assert_int_equal(
		trace_text__parse_line(
			tt,
			"       CPU 0/KVM-4250  (   4242) [002] d..1.   77.000000123: kvm_tdp_mmu_spte_changed: as id 1 gfn 1 level 2 old_spte 6000000200ae7 new_spte 5a0",
			&ev),
		1);
	assert_string_equal(trace_text__comm(tt), "CPU 0/KVM");
	assert_int_equal(ev.spte.tid, 4250);
	assert_int_equal(ev.spte.pid, 4242);
	assert_int_equal(ev.spte.vm, 4242);
	assert_int_equal(ev.spte.as_id, 1);
	assert_int_equal(ev.spte.level, 2);
	assert_int_equal(ev.spte.ts_ns, 77000000123ULL);
	assert_int_equal(ev.spte.new_spte, 0x5a0);

	assert_int_equal(
		trace_text__parse_line(
			tt,
			"   kvm-nx-lpage-re-900  (-------) [000] ....   5.5: kvm_tdp_mmu_spte_changed: as id 0 gfn 200 level 2 old_spte 1 new_spte 0",
			&ev),
		1);
	assert_int_equal(ev.spte.vm, 900);
	assert_int_equal(ev.spte.ts_ns, 5500000000ULL);
	assert_string_equal(trace_text__comm(tt), "kvm-nx-lpage-re");
	trace_text__free(tt);
}

static void test_trace_cmd_report(void **state)
{
	struct trace_text *tt = tt_new(TRACE_TEXT_VM_SINGLE);
	const struct trace_text_stats *st = trace_text__stats(tt);
	struct event ev;

	assert_int_equal(trace_text__parse_line(tt, "version = 6", &ev), 0);
	assert_int_equal(trace_text__parse_line(tt, "cpus=4", &ev), 0);
	assert_int_equal(trace_text__parse_line(tt, "CPU 3 is empty", &ev), 0);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			"        qemu-kvm-777   [000]   100.000001: kvm_tdp_mmu_spte_changed:     as id 0 gfn 10 level 1 old_spte 0 new_spte 1",
			&ev),
		1);
	assert_int_equal(ev.spte.vm, 1); /* one VM assumed */
	assert_int_equal(ev.spte.pid, 0);
	assert_true(ev.spte.flags & SPTE_F_VM_GUESSED);
	assert_int_equal(ev.spte.ts_ns, 100000001000ULL);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			"        qemu-kvm-777   [000]   100.000002: kvm_exit:             reason EPT_VIOLATION rip 0xffffffff81000000 info 181 0",
			&ev),
		0);
	assert_int_equal(
		trace_text__parse_line(tt, "CPU:1 [LOST 42 EVENTS]", &ev), 0);
	assert_int_equal(
		trace_text__parse_line(tt, "CPU:3 [1000 EVENTS DROPPED]", &ev),
		0);
	assert_int_equal(
		trace_text__parse_line(tt, "CPU:2 [EVENTS DROPPED]", &ev), 0);
	assert_int_equal(st->events, 1);
	assert_int_equal(st->unknown, 4);
	assert_int_equal(st->lost.total, 1042);
	assert_int_equal(st->lost.cpu[1], 42);
	assert_int_equal(st->lost.cpu[3], 1000);
	assert_int_equal(st->lost.reports, 3);
	assert_int_equal(st->lost.unknown, 1);
	assert_int_equal(st->no_tgid, 0);
	trace_text__free(tt);
}

static void test_malformed(void **state)
{
	struct trace_text *tt = tt_new(TRACE_TEXT_VM_TASK);
	struct event ev;

	trace_text__parse_line(tt, "# header", &ev);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" a-1 [000] .... 1.0: kvm_tdp_mmu_spte_changed: as id 0 gfn zz level 1 old_spte 0 new_spte 1",
			&ev),
		-EINVAL);
	assert_string_equal(
		trace_text__error(tt),
		"line 2: kvm_tdp_mmu_spte_changed: bad value 'zz' for gfn");
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" a-1 [000] .... 1.0: kvm_tdp_mmu_spte_changed: as id 0 gfn 1 old_spte 0 new_spte 1",
			&ev),
		-EINVAL);
	assert_non_null(
		strstr(trace_text__error(tt),
		       "line 3: kvm_tdp_mmu_spte_changed: no level field"));
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" a-1 [000] .... 1.0: kvm_tdp_mmu_spte_changed: as id 0 gfn 1 level 9 old_spte 0 new_spte 1",
			&ev),
		-EINVAL);
	assert_non_null(strstr(
		trace_text__error(tt),
		"line 4: kvm_tdp_mmu_spte_changed: level 9 is not 1 to 5"));
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" a-1 [000] .... 1.0: kvm_tdp_mmu_spte_changed: as id 0 gfn 1 level 1 old_spte 0 new_spte",
			&ev),
		-EINVAL);
	assert_non_null(
		strstr(trace_text__error(tt), "bad value '' for new_spte"));
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" a-1 [000] .... 1.0: kvm_tdp_mmu_spte_changed: as id 0 gfn -1 level 1 old_spte 0 new_spte 1",
			&ev),
		-EINVAL);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" a-1 [000] .... 1.0: kvm_tdp_mmu_spte_changed: as id 0 gfn 1 level 1 old_spte 0 new_spte 11111111111111111",
			&ev),
		-EINVAL);
	/* a known event whose prefix is broken is an error, not skipped */
	assert_int_equal(
		trace_text__parse_line(
			tt,
			"garbage kvm_tdp_mmu_spte_changed: as id 0 gfn 1 level 1 old_spte 0 new_spte 1",
			&ev),
		-EINVAL);
	assert_non_null(strstr(
		trace_text__error(tt),
		"line 8: kvm_tdp_mmu_spte_changed: cannot parse the task"));
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" a-1 [000] .... 1.0x: kvm_tdp_mmu_spte_changed: as id 0 gfn 1 level 1 old_spte 0 new_spte 1",
			&ev),
		-EINVAL);
	trace_text__free(tt);
}

/* The formats of kernel-patch/0002, 0004 and 0006. */
static void test_patched_events(void **state)
{
	struct trace_text *tt = tt_new(TRACE_TEXT_VM_TASK);
	struct event ev;

	assert_int_equal(
		trace_text__parse_line(
			tt,
			" CPU 1/KVM-4251 [003] ..... 9.000000001: kvm_tdp_mmu_spte_freeze: pid=4242 vm=3 as_id=0 gfn=0x1234 level=1 sptep=00000000c0ffee08 old_spte=0x600000010f867 new_spte=0x5a0",
			&ev),
		1);
	assert_int_equal(ev.type, EVENT_SPTE);
	assert_int_equal(ev.spte.op, SPTE_OP_FREEZE);
	assert_int_equal(ev.spte.vm, 3);
	assert_int_equal(ev.spte.pid, 4242);
	assert_int_equal(ev.spte.tid, 4251);
	assert_int_equal(ev.spte.sptep, 0xc0ffee08ULL);
	assert_int_equal(ev.spte.gfn, 0x1234);
	assert_int_equal(ev.spte.old_spte, 0x600000010f867ULL);
	assert_int_equal(ev.spte.new_spte, 0x5a0);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" CPU 1/KVM-4251 [003] ..... 9.000000001: kvm_tdp_mmu_spte_set: pid=4242 vm=12 as_id=1 gfn=0x1 level=2 sptep=(____ptrval____) old_spte=0x0 new_spte=0x1",
			&ev),
		1);
	assert_int_equal(ev.spte.op, SPTE_OP_SET);
	assert_int_equal(ev.spte.vm, 12); /* decimal, not hex */
	assert_int_equal(ev.spte.sptep, 0);
	assert_int_equal(ev.spte.as_id, 1);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" CPU 1/KVM-4251 [003] ..... 9.000000001: kvm_tdp_mmu_spte_unfreeze: pid=4242 vm=3 as_id=0 gfn=0x1234 level=1 sptep=00000000c0ffee08 old_spte=0x5a0 new_spte=0x0",
			&ev),
		1);
	assert_int_equal(ev.spte.op, SPTE_OP_UNFREEZE);

	assert_int_equal(
		trace_text__parse_line(
			tt,
			" CPU 1/KVM-4251 [003] ..... 9.000000002: kvm_remote_tlb_flush_begin: pid=4242 vm=3 start_gfn=0x0 pages=all seq=17",
			&ev),
		1);
	assert_int_equal(ev.type, EVENT_FLUSH_BEGIN);
	assert_int_equal(ev.vm.vm, 3);
	assert_int_equal(ev.vm.pid, 4242);
	assert_int_equal(ev.vm.tid, 4251);
	assert_int_equal(ev.vm.pages, FLUSH_ALL_PAGES);
	assert_int_equal(ev.vm.seq, 17);
	assert_int_equal(ev.vm.tag, 17);
	assert_int_equal(ev.vm.ts_ns, 9000000002ULL);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" CPU 1/KVM-4251 [003] ..... 9.000000003: kvm_remote_tlb_flush_end: pid=4242 vm=3 start_gfn=0x1200 pages=0x40 seq=17",
			&ev),
		1);
	assert_int_equal(ev.type, EVENT_FLUSH_END);
	assert_int_equal(ev.vm.start_gfn, 0x1200);
	assert_int_equal(ev.vm.pages, 0x40);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" qemu-4242 [000] ..... 9.1: kvm_tdp_mmu_root_teardown_begin: pid=4242 vm=3",
			&ev),
		1);
	assert_int_equal(ev.type, EVENT_TEARDOWN_BEGIN);
	assert_int_equal(ev.vm.vm, 3);
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" qemu-4242 [000] ..... 9.2: kvm_tdp_mmu_root_teardown_end: pid=4242 vm=3",
			&ev),
		1);
	assert_int_equal(ev.type, EVENT_TEARDOWN_END);

	assert_int_equal(
		trace_text__parse_line(
			tt,
			" qemu-4242 [000] ..... 9.1: kvm_remote_tlb_flush_end: pid=4242 vm=3 start_gfn=0x0 pages=all",
			&ev),
		-EINVAL);
	assert_non_null(strstr(trace_text__error(tt), "no seq field"));
	assert_int_equal(
		trace_text__parse_line(
			tt,
			" qemu-4242 [000] ..... 9.1: kvm_tdp_mmu_spte_set: pid=4242 as_id=0 gfn=0x1 level=1 old_spte=0x0 new_spte=0x1",
			&ev),
		-EINVAL);
	assert_non_null(strstr(trace_text__error(tt), "no vm field"));
	trace_text__free(tt);
}

static const char trace_file[] =
	"# tracer: nop\n"
	"#\n"
	" vcpu-100 [000] .... 1.000000: kvm_tdp_mmu_spte_changed: as id 0 gfn 10 level 1 old_spte 0 new_spte 600000010f867\n"
	" vcpu-100 [000] .... 1.000100: kvm_tdp_mmu_spte_changed: as id 0 gfn 10 level 1 old_spte 600000010f867 new_spte 0\r\n"
	" vcpu-100 [000] .... 1.000300: kvm_tdp_mmu_spte_changed: as id 0 gfn 10 level 1 old_spte 0 new_spte 6000000abc867\n"
	"CPU:0 [LOST 3 EVENTS]\n"
	" vcpu-100 [000] .... 1.000400: kvm_mmu_set_spte: whatever\n";

/* Text goes through the same engine as recordings and live events. */
static void test_file_through_engine(void **state)
{
	char path[] = "/tmp/test_trace_text_XXXXXX", err[256];
	struct ingest_opts io = { .text_vm = TRACE_TEXT_VM_TASK };
	struct ingest_stats st;
	struct spte_limits lim;
	struct spte_config cfg;
	struct snapshot snap;
	struct ingest *in;
	struct engine *e;
	struct event ev;
	int fd = mkstemp(path), ret, n = 0;

	assert_int_equal(write(fd, trace_file, sizeof(trace_file) - 1),
			 (ssize_t)sizeof(trace_file) - 1);
	close(fd);
	spte_config__default(&cfg);
	spte_limits__default(&lim);
	e = engine__new(&cfg, &lim);
	assert_int_equal(ingest__open(&in, path, &io, err, sizeof(err)), 0);
	assert_int_equal(ingest__format(in), INGEST_TEXT);
	while ((ret = ingest__next(in, &ev)) == 1) {
		engine__feed(e, &ev);
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(n, 3);
	ingest__stats(in, &st);
	assert_int_equal(st.lost.total, 3);
	assert_int_equal(st.other, 1);
	engine__snapshot(e, &snap);
	assert_int_equal(snap.stats.counters[CNT_SPTE_EVENTS], 3);
	assert_int_equal(snap.stats.transitions[TR_INSTALL][0], 2);
	assert_int_equal(snap.stats.transitions[TR_ZAP][0], 1);
	/* 200us zap to reinstall: slot 18 holds [131072, 262143] ns */
	assert_int_equal(snap.hists.h[HIST_ZAP_TO_INSTALL][0].slots[18], 1);
	/* no flush source in stock text: the reinstall cannot be judged */
	assert_int_equal(snap.stats.outcomes[OUT_UNVERIFIED][0], 1);
	ingest__close(in);
	engine__free(e);

	assert_int_equal(ingest__open(&in, "/nonexistent/trace", &io, err,
				      sizeof(err)),
			 -ENOENT);
	/* the caller names the input: the message does not repeat it */
	assert_string_equal(err, "No such file or directory");

	/* errors carry the line number */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(
		write(fd,
		      "#\n a-1 [000] .... 1.0: kvm_tdp_mmu_spte_changed: as id 0\n",
		      58),
		58);
	close(fd);
	assert_int_equal(ingest__open(&in, path, &io, err, sizeof(err)), 0);
	assert_int_equal(ingest__next(in, &ev), -EINVAL);
	assert_string_equal(ingest__error(in),
			    "line 2: kvm_tdp_mmu_spte_changed: no gfn field");
	ingest__close(in);

	/* binary input is refused, not half-parsed */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "SPTEREX\n\0\0\0", 11), 11);
	close(fd);
	assert_int_equal(ingest__open(&in, path, &io, err, sizeof(err)), 0);
	assert_int_equal(ingest__next(in, &ev), -EINVAL);
	assert_non_null(strstr(ingest__error(in), "NUL byte"));
	ingest__close(in);
	unlink(path);
}

/* A reinstall with another PFN and no flush in between, from patched text. */
static void test_patched_violation(void **state)
{
	static const char *const lines[] = {
		" CPU 0/KVM-11 [000] ..... 1.000000: kvm_tdp_mmu_spte_set: pid=10 vm=1 as_id=0 gfn=0x10 level=1 sptep=ffff0008 old_spte=0x0 new_spte=0x600000010f867",
		" qemu-10 [001] ..... 1.000100: kvm_tdp_mmu_spte_set: pid=10 vm=1 as_id=0 gfn=0x10 level=1 sptep=ffff0008 old_spte=0x600000010f867 new_spte=0x0",
		" CPU 0/KVM-11 [000] ..... 1.000200: kvm_tdp_mmu_spte_set: pid=10 vm=1 as_id=0 gfn=0x10 level=1 sptep=ffff0008 old_spte=0x0 new_spte=0x6000000abc867",
		" qemu-10 [001] ..... 1.000300: kvm_remote_tlb_flush_begin: pid=10 vm=1 start_gfn=0x0 pages=all seq=1",
		" qemu-10 [001] ..... 1.000400: kvm_remote_tlb_flush_end: pid=10 vm=1 start_gfn=0x0 pages=all seq=1",
	};
	struct trace_text *tt = tt_new(TRACE_TEXT_VM_TASK);
	struct spte_limits lim;
	struct spte_config cfg;
	struct snapshot snap;
	struct engine *e;
	struct event ev;
	unsigned int i;

	spte_config__default(&cfg);
	cfg.flush_visible = FLUSH_COMPLETE;
	spte_limits__default(&lim);
	e = engine__new(&cfg, &lim);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(trace_text__parse_line(tt, lines[i], &ev), 1);
		engine__feed(e, &ev);
	}
	engine__snapshot(e, &snap);
	assert_int_equal(snap.stats.violations[VK_STALE_PFN][0], 1);
	assert_int_equal(snap.stats.counters[CNT_FLUSH_BEGIN], 1);
	assert_int_equal(snap.stats.counters[CNT_FLUSH_END], 1);
	engine__free(e);
	trace_text__free(tt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stock_tracefs),
		cmocka_unit_test(test_tgid_and_names),
		cmocka_unit_test(test_trace_cmd_report),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_patched_events),
		cmocka_unit_test(test_file_through_engine),
		cmocka_unit_test(test_patched_violation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
