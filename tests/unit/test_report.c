// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "report.h"
#include "spte.h"
#include "stacks.h"
#include "vmtab.h"

#define VM 0xffff888012340000ULL
#define P1 0x600000010f867ULL
#define P2 0x6000000abc867ULL

#define TMPDIR_FIXTURE_NAME "test_report"
#include "tmpdir_fixture.h"

static void spte(struct event *ev, __u64 ts, __u64 gfn, __u64 old, __u64 new)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = EVENT_SPTE;
	ev->spte = (struct spte_event){
		.ts_ns = ts,
		.vm = VM,
		.gfn = gfn,
		.old_spte = old,
		.new_spte = new,
		.pid = 77,
		.tid = old ? 78 : 80, /* zaps by one task, installs by another */
		.stack_id = 5,
		.level = 1,
		.op = SPTE_OP_SET,
	};
}

static void flush(struct event *ev, __u32 type, __u64 ts, __u64 seq)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->vm = (struct vm_event){
		.ts_ns = ts,
		.vm = VM,
		.pages = FLUSH_ALL_PAGES,
		.seq = seq,
		.tag = seq,
		.pid = 77,
		.tid = 79,
	};
}

/*
 * 100 GFNs: install, zap, then half are reinstalled with another page
 * after a flush (covered) and half before it (violations).
 */
static size_t make_events(struct event *evs)
{
	__u64 t = 1000, g;
	size_t n = 0;

	for (g = 0; g < 100; g++)
		spte(&evs[n++], t += 10, g, 0, P1 + (g << 12));
	for (g = 0; g < 100; g++)
		spte(&evs[n++], t += 10, g, P1 + (g << 12), 0);
	for (g = 0; g < 50; g++)
		spte(&evs[n++], t += 10, g, 0, P2 + (g << 12));
	flush(&evs[n++], EVENT_FLUSH_BEGIN, t += 10, 1);
	flush(&evs[n++], EVENT_FLUSH_END, t += 1000, 1);
	for (g = 50; g < 100; g++)
		spte(&evs[n++], t += 10, g, 0, P2 + (g << 12));
	return n;
}

static void count_violation(void *arg, const struct violation *v)
{
	(*(unsigned int *)arg)++;
}

static void record(const char *path, const struct event *evs, size_t n,
		   size_t cut_events)
{
	const struct stack_frame fr = { .ip = 1,
					.sym = "tdp_mmu_map",
					.module = "kvm" };
	struct stack st = { .id = 5,
			    .depth = 1,
			    .frames = (struct stack_frame *)&fr };
	struct record_info info;
	struct recorder *r;
	char err[256];
	size_t i;

	memset(&info, 0, sizeof(info));
	spte_config__default(&info.cfg);
	spte_limits__default(&info.limits);
	info.limits.max_vms = 77; /* the live run's own size */
	info.cfg.flush_visible = FLUSH_COMPLETE;
	assert_int_equal(recorder__open(&r, path, &info, err, sizeof(err)), 0);
	recorder__write_vm(r, VM, 77, "qemu-test");
	recorder__write_stack(r, &st);
	for (i = 0; i < n; i++)
		recorder__write(r, &evs[i]);
	assert_int_equal(recorder__close(r), 0);
	if (cut_events)
		assert_int_equal(
			truncate(path,
				 236 + 32 + 32 + 32 + 29 +
					 cut_events * sizeof(struct event)),
			0);
}

static void opts_init(struct report_opts *o, unsigned int *viol)
{
	memset(o, 0, sizeof(*o));
	spte_limits__default(&o->limits);
	o->pending_ttl_ns = 0;
	o->sweep_every_ns = 60ULL * 1000000000ULL;
	o->on_violation = count_violation;
	o->arg = viol;
}

/* A recording replays to exactly what the engine computed from the events. */
static void test_recording_equals_direct(void **state)
{
	struct event evs[400];
	size_t n = make_events(evs), i;
	unsigned int direct_viol = 0, replay_viol = 0;
	struct spte_limits lim;
	struct spte_config cfg;
	struct snapshot direct;
	struct report_opts o;
	struct report r;
	struct engine *e;
	char path[128];

	spte_config__default(&cfg);
	cfg.flush_visible = FLUSH_COMPLETE;
	spte_limits__default(&lim);
	e = engine__new(&cfg, &lim);
	engine__on_violation(e, count_violation, &direct_viol);
	for (i = 0; i < n; i++)
		engine__feed(e, &evs[i]);
	engine__sweep(e, evs[n - 1].spte.ts_ns, 0);
	engine__snapshot(e, &direct);
	engine__free(e);

	snprintf(path, sizeof(path), "%s/a.rec", dir);
	record(path, evs, n, 0);
	opts_init(&o, &replay_viol);
	o.stacks = stack_table__new(NULL);
	o.vms = vmtab__new(4);
	assert_int_equal(report__run(path, &o, &r), 0);
	assert_int_equal(r.format, INGEST_RECORDING);
	assert_int_equal(r.events, n);
	assert_int_equal(r.cfg.flush_visible, FLUSH_COMPLETE);
	assert_memory_equal(&r.snap, &direct, sizeof(direct));
	assert_int_equal(replay_viol, direct_viol);
	assert_int_equal(direct_viol, 50);
	assert_int_equal(r.snap.stats.violations[VK_STALE_PFN][0], 50);
	assert_non_null(stack_table__get(o.stacks, 5));
	assert_string_equal(vmtab__find(o.vms, VM)->comm, "qemu-test");
	assert_int_equal(vmtab__find(o.vms, VM)->events, n - 2);
	report__release(&r);
	stack_table__free(o.stacks);
	vmtab__free(o.vms);
}

/* A cut recording still gives what it holds, and says it was cut. */
static void test_truncated_recording(void **state)
{
	struct event evs[400];
	size_t n = make_events(evs);
	unsigned int viol = 0;
	struct report_opts o;
	struct report r;
	char path[128];

	snprintf(path, sizeof(path), "%s/cut.rec", dir);
	record(path, evs, n, 100);
	opts_init(&o, &viol);
	assert_int_equal(report__run(path, &o, &r), -ENODATA);
	assert_non_null(strstr(r.error, "truncated"));
	assert_int_equal(r.events, 0); /* the only event block is cut */
	assert_non_null(r.engine);
	report__release(&r);

	assert_int_equal(report__run("/nonexistent/x", &o, &r), -ENOENT);
	assert_null(r.engine);
	assert_non_null(strstr(r.error, "No such file"));
}

static void test_text(void **state)
{
	static const char stock[] =
		"# tracer: nop\n"
		" qemu-77 [000] .... 1.000000: kvm_tdp_mmu_spte_changed: as id 0 gfn 10 level 1 old_spte 0 new_spte 600000010f867\n"
		" qemu-77 [000] .... 1.000100: kvm_tdp_mmu_spte_changed: as id 0 gfn 10 level 1 old_spte 600000010f867 new_spte 0\n"
		" qemu-77 [000] .... 1.000300: kvm_tdp_mmu_spte_changed: as id 0 gfn 10 level 1 old_spte 0 new_spte 6000000abc867\n";
	static const char patched[] =
		" CPU 0/KVM-11 [000] ..... 1.000000: kvm_tdp_mmu_spte_set: pid=10 vm=1 as_id=0 gfn=0x10 level=1 sptep=ffff0008 old_spte=0x0 new_spte=0x600000010f867\n"
		" qemu-10 [001] ..... 1.000100: kvm_tdp_mmu_spte_set: pid=10 vm=1 as_id=0 gfn=0x10 level=1 sptep=ffff0008 old_spte=0x600000010f867 new_spte=0x0\n"
		" CPU 0/KVM-11 [000] ..... 1.000200: kvm_tdp_mmu_spte_set: pid=10 vm=1 as_id=0 gfn=0x10 level=1 sptep=ffff0008 old_spte=0x0 new_spte=0x6000000abc867\n"
		" qemu-10 [001] ..... 1.000300: kvm_remote_tlb_flush_begin: pid=10 vm=1 start_gfn=0x0 pages=all seq=1\n"
		" qemu-10 [001] ..... 1.000400: kvm_remote_tlb_flush_end: pid=10 vm=1 start_gfn=0x0 pages=all seq=1\n"
		" qemu-10 [001] ..... 1.000500: kvm_tdp_mmu_spte_set: pid=10 vm=1 as_id=0 gfn=0x10 level=1 sptep=ffff0008 old_spte=0x6000000abc867 new_spte=0x6000000abc865\n";
	struct report_opts o;
	unsigned int viol = 0;
	struct report r;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stock.txt", dir);
	f = fopen(path, "w");
	fputs(stock, f);
	fclose(f);
	opts_init(&o, &viol);
	o.vms = vmtab__new(4);
	assert_int_equal(report__run(path, &o, &r), 0);
	assert_int_equal(r.format, INGEST_TEXT);
	assert_int_equal(r.cfg.flush_visible, 0);
	assert_int_equal(r.events, 3);
	assert_int_equal(r.in.comments, 1);
	assert_int_equal(r.snap.stats.outcomes[OUT_UNVERIFIED][0], 1);
	assert_int_equal(r.first_ns, 1000000000ULL);
	assert_int_equal(r.last_ns, 1000300000ULL);
	assert_string_equal(vmtab__find(o.vms, 77)->comm, "qemu");
	report__release(&r);
	vmtab__free(o.vms);

	snprintf(path, sizeof(path), "%s/patched.txt", dir);
	f = fopen(path, "w");
	fputs(patched, f);
	fclose(f);
	opts_init(&o, &viol);
	assert_int_equal(report__run(path, &o, &r), 0);
	assert_int_equal(r.cfg.flush_visible, FLUSH_COMPLETE);
	assert_int_equal(r.snap.stats.violations[VK_STALE_PFN][0], 1);
	assert_int_equal(viol, 1);
	report__release(&r);

	/* a malformed line stops the report with its line number */
	f = fopen(path, "a");
	fputs(" qemu-10 [001] ..... 1.0006: kvm_tdp_mmu_spte_set: pid=10 vm=1\n",
	      f);
	fclose(f);
	assert_int_equal(report__run(path, &o, &r), -EINVAL);
	assert_non_null(strstr(r.error,
			       "line 7: kvm_tdp_mmu_spte_set: no as_id field"));
	assert_int_equal(r.events, 6);
	report__release(&r);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * The map sizes: a recording's own, the defaults for traces, or the
 * options; and the hostile teardown case (a 4-byte key before an 8-byte
 * value in the engine's tables: UBSan in make test-asan).
 */
static void test_limits_and_teardown(void **state)
{
	static const char teardown[] =
		" qemu-100 [000] 1.000000: kvm_tdp_mmu_root_teardown_begin: pid=100 vm=1\n"
		" qemu-100 [000] 1.000001: kvm_tdp_mmu_spte_set: pid=100 vm=1 as_id=0 gfn=0x1 level=1 sptep=0x0 old_spte=0x800 new_spte=0x0\n";
	struct event evs[400];
	size_t n = make_events(evs);
	unsigned int viol = 0;
	struct spte_limits def;
	struct report_opts o;
	struct report r;
	char path[128];

	spte_limits__default(&def);
	snprintf(path, sizeof(path), "%s/t.txt", dir);
	write_text(path, teardown);
	opts_init(&o, &viol);
	memset(&o.limits, 0, sizeof(o.limits));
	assert_int_equal(report__run(path, &o, &r), 0);
	assert_int_equal(r.limits.max_pending, def.max_pending);
	assert_int_equal(r.cfg.flush_visible, FLUSH_COMPLETE);
	assert_int_equal(r.events, 2);
	report__release(&r);
	o.limits.max_pending = 32;
	assert_int_equal(report__run(path, &o, &r), 0);
	assert_int_equal(r.limits.max_pending, 32);
	assert_int_equal(r.limits.max_sptes, def.max_sptes);
	report__release(&r);

	/* --mmu is a trace's, a recording carries its own */
	snprintf(path, sizeof(path), "%s/l.rec", dir);
	record(path, evs, n, 0);
	memset(&o.limits, 0, sizeof(o.limits));
	assert_int_equal(report__run(path, &o, &r), 0);
	assert_int_equal(r.limits.max_vms, 77);
	report__release(&r);
	o.limits.max_vms = 5; /* an option wins over the recording */
	assert_int_equal(report__run(path, &o, &r), 0);
	assert_int_equal(r.limits.max_vms, 5);
	report__release(&r);
	o.mmu_set = true;
	assert_int_equal(report__run(path, &o, &r), -EINVAL);
	assert_non_null(strstr(r.error, "carries its own SPTE format"));
	report__release(&r);
}

/*
 * Every input a fuzz target crashed on (tests/fuzz/crashes/) goes through
 * the whole report path again: under make test-asan, any memory error or
 * undefined behaviour fails this test.  Each must end in an error or a
 * result, never a crash.
 */
static void test_fuzz_crashes(void **state)
{
	DIR *d = opendir("tests/fuzz/crashes");
	unsigned int viol = 0, n = 0;
	struct report_opts o;
	struct dirent *e;
	struct report r;
	char path[512];

	if (!d) {
		print_message("no tests/fuzz/crashes here: run from the tree\n");
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "tests/fuzz/crashes/%s", e->d_name);
		opts_init(&o, &viol);
		o.stacks = stack_table__new(NULL);
		o.vms = vmtab__new(4);
		if (report__run(path, &o, &r))
			assert_true(r.error[0] != '\0');
		report__release(&r);
		stack_table__free(o.stacks);
		vmtab__free(o.vms);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recording_equals_direct),
		cmocka_unit_test(test_truncated_recording),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_limits_and_teardown),
		cmocka_unit_test(test_fuzz_crashes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
