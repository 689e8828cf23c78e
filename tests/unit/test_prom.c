// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hist.h"
#include "names.h"
#include "prom_fixture.h"

const char *prom_counter_family(unsigned int cnt, int *rows);

/* The exact ns value of a decimal seconds string; -1 if inexact. */
static long long seconds_to_ns(const char *s)
{
	long long sec = 0, frac = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9')
		sec = sec * 10 + (*s++ - '0');
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++)
			frac = frac * 10 + (*s - '0');
	}
	if (*s || digits > 9)
		return -1;
	while (digits++ < 9)
		frac *= 10;
	return sec * 1000000000LL + frac;
}

static char *render(const struct prom_input *in)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(prom__render(in, &sb), 0);
	return strbuf__detach(&sb, NULL);
}

static void test_ns_to_seconds(void **state)
{
	char buf[32];

	assert_string_equal(prom__ns_to_seconds(0, buf, sizeof(buf)), "0");
	assert_string_equal(prom__ns_to_seconds(1, buf, sizeof(buf)),
			    "0.000000001");
	assert_string_equal(prom__ns_to_seconds(1023, buf, sizeof(buf)),
			    "0.000001023");
	assert_string_equal(prom__ns_to_seconds(1000000000, buf, sizeof(buf)),
			    "1");
	assert_string_equal(prom__ns_to_seconds(1500000000, buf, sizeof(buf)),
			    "1.5");
	assert_string_equal(prom__ns_to_seconds((1ULL << 46) - 1, buf,
						sizeof(buf)),
			    "70368.744177663");
}

/*
 * One observation in every slot.  Each bucket bound must be >= every value
 * its slot holds and < the next slot's smallest value, the buckets must be
 * cumulative, and the last slot must only be in +Inf.
 */
static void test_bucket_bounds(void **state)
{
	static const struct prom_buckets all = { 0, HIST_SLOTS - 2, 1 };
	struct snapshot snap;
	struct prom_input in = { .snap = &snap, .bpf_stats_enabled = -1,
				 .buckets = &all };
	const char *want =
		"spte_trace_zap_to_reinstall_seconds_bucket{level=\"2M\",le=\"";
	unsigned int s = 0;
	char *out, *p, *q, *rest = NULL;
	long long le;

	memset(&snap, 0, sizeof(snap));
	for (s = 0; s < HIST_SLOTS; s++)
		snap.hists.h[HIST_ZAP_TO_INSTALL][1].slots[s] = 1;
	snap.hists.h[HIST_ZAP_TO_INSTALL][1].sum_ns = 2500000001ULL;
	out = render(&in);
	p = out;
	for (s = 0; (p = strstr(p, want)); s++) {
		p += strlen(want);
		q = strchr(p, '"');
		assert_non_null(q);
		*q = '\0';
		if (s == HIST_SLOTS - 1) {
			assert_string_equal(p, "+Inf");
		} else {
			le = seconds_to_ns(p);
			assert_true(le >= 0);
			assert_true((__u64)le >= hist_slot_high(s));
			assert_true((__u64)le < hist_slot_low(s + 1));
		}
		assert_int_equal(strtoull(q + 3, NULL, 10), s + 1);
		p = q + 1;
		rest = p;
	}
	assert_int_equal(s, HIST_SLOTS);
	assert_non_null(strstr(
		rest,
		"spte_trace_zap_to_reinstall_seconds_sum{level=\"2M\"} 2.500000001\n"));
	assert_non_null(strstr(
		rest,
		"spte_trace_zap_to_reinstall_seconds_count{level=\"2M\"} 48\n"));
	free(out);
}

/*
 * The default buckets: every second slot end from 1.023 us to 68.7 s, each
 * the exact cumulative count of the slots up to it, then +Inf.
 */
static void test_default_buckets(void **state)
{
	static const char *const les[] = {
		"0.000001023",	"0.000004095",	"0.000016383",	"0.000065535",
		"0.000262143",	"0.001048575",	"0.004194303",	"0.016777215",
		"0.067108863",	"0.268435455",	"1.073741823",	"4.294967295",
		"17.179869183", "68.719476735", "+Inf",
	};
	struct snapshot snap;
	struct prom_input in = { .snap = &snap, .bpf_stats_enabled = -1 };
	const struct prom_buckets def = PROM_BUCKETS_DEFAULT;
	char want[160], *out;
	unsigned int s, i, cum;

	memset(&snap, 0, sizeof(snap));
	for (s = 0; s < HIST_SLOTS; s++)
		snap.hists.h[HIST_ZAP_TO_INSTALL][0].slots[s] = 1;
	out = render(&in);
	assert_int_equal(prom_buckets__count(&def), 15);
	for (i = 0; i < 15; i++) {
		/* slot 10 + 2i ends bucket i: slots 0 .. 10 + 2i counted */
		cum = i < 14 ? 11 + 2 * i : HIST_SLOTS;
		snprintf(want, sizeof(want),
			 "spte_trace_zap_to_reinstall_seconds_bucket{level=\"4K\",le=\"%s\"} %u\n",
			 les[i], cum);
		assert_non_null(strstr(out, want));
	}
	assert_null(strstr(out, "le=\"0.000002047\""));
	/* L4 and L5 only once they count something */
	assert_null(strstr(out, "level=\"L4\""));
	free(out);
}

/* --hist-buckets: durations rounded up to slot ends, powers of two. */
static void test_buckets_parse(void **state)
{
	struct prom_buckets b;
	char err[160];

	assert_int_equal(prom_buckets__parse("1us:64s:4", &b, err, sizeof(err)), 0);
	assert_int_equal(b.lo, 10);
	assert_int_equal(b.hi, 36);
	assert_int_equal(b.step, 2);
	assert_int_equal(prom_buckets__parse("100ns:1ms:2", &b, err, sizeof(err)), 0);
	assert_int_equal(b.lo, 7);	/* 127 ns >= 100 ns */
	assert_int_equal(b.hi, 20);	/* 1048575 ns >= 1 ms */
	assert_int_equal(b.step, 1);
	assert_int_equal(prom_buckets__parse("1us:1s:8", &b, err, sizeof(err)), 0);
	assert_int_equal(b.lo, 10);
	assert_int_equal(b.hi, 31);	/* 30 rounded up to the next bound, 31 */
	assert_int_equal(b.step, 3);
	assert_int_equal(prom_buckets__parse("all", &b, err, sizeof(err)), 0);
	assert_int_equal(prom_buckets__count(&b), HIST_SLOTS);
	assert_int_equal(prom_buckets__parse("1us:64s:3", &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "power of two"));
	assert_int_equal(prom_buckets__parse("1us:64s", &b, err, sizeof(err)), -EINVAL);
	assert_int_equal(prom_buckets__parse("1:64s:4", &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unit"));
	assert_int_equal(prom_buckets__parse("1s:1ms:2", &b, err, sizeof(err)), -EINVAL);
	assert_int_equal(prom_buckets__parse("-1us:1s:2", &b, err, sizeof(err)), -EINVAL);
	assert_int_equal(prom_buckets__parse("1us:1s:0x4", &b, err, sizeof(err)), -EINVAL);
}

/* Samples in an exposition (lines that are not comments). */
static unsigned int count_series(const char *out)
{
	unsigned int n = 0;
	const char *p;

	for (p = out; *p; p = strchr(p, '\n') + 1) {
		if (*p != '#')
			n++;
		if (!strchr(p, '\n'))
			break;
	}
	return n;
}

/*
 * Issue 11's budget: with defaults, at most 400 series even with every
 * --vm-limit slot in use, every program role reporting and nothing at the
 * L4/L5 levels.
 */
static void test_series_budget(void **state)
{
	static const char *const roles[] = { "spte",	 "protocol", "flush",
					     "teardown", "context",  "deadline",
					     "destroy",	 "free_sp" };
	struct violation v = { .kind = VK_STALE_PFN };
	struct prog_stat progs[8];
	struct source_plan plan;
	struct snapshot snap;
	struct prom_input in = { .snap = &snap, .plan = &plan,
				 .bpf_stats_enabled = 1, .progs = progs,
				 .nprogs = 8, .start_time = 1, .now = 2 };
	unsigned int i, n;
	char *out;

	memset(&snap, 0, sizeof(snap));
	memset(&plan, 0, sizeof(plan));
	plan.spte = SPTE_SRC_STOCK;
	plan.hooks = HOOK_SRC_FENTRY;
	memset(progs, 0, sizeof(progs));
	for (i = 0; i < 8; i++)
		snprintf(progs[i].name, sizeof(progs[i].name), "%s", roles[i]);
	in.vms = vmtab__new(32);
	for (i = 0; i < 40; i++) {
		v.vm = 0xffff888000000000ULL + i * 0x1000;
		v.pid = 100 + i;
		vmtab__add_violation((struct vmtab *)in.vms, &v);
	}
	out = render(&in);
	n = count_series(out);
	print_message("default exposition, 32 VMs: %u series\n", n);
	assert_true(n <= 400);
	free(out);
	vmtab__free((struct vmtab *)in.vms);
}

static void test_open_ended_slot(void **state)
{
	static const struct prom_buckets all = { 0, HIST_SLOTS - 2, 1 };
	struct snapshot snap;
	struct prom_input in = { .snap = &snap, .bpf_stats_enabled = -1,
				 .buckets = &all };
	char *out;

	memset(&snap, 0, sizeof(snap));
	snap.hists.h[HIST_FLUSH_LATENCY][1].slots[HIST_SLOTS - 1] = 5;
	out = render(&in);
	assert_non_null(strstr(
		out,
		"spte_trace_remote_flush_latency_seconds_bucket{scope=\"ranged\",le=\"70368.744177663\"} 0\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_remote_flush_latency_seconds_bucket{scope=\"ranged\",le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_remote_flush_latency_seconds_count{scope=\"full\"} 0\n"));
	free(out);
}

static int family_index(char **fams, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(fams[i], name))
			return i;
	return -1;
}

/* Strip _bucket/_sum/_count when the base is a declared histogram. */
static void sample_family(char *name, char **fams, char **types, int n)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	size_t len = strlen(name), l;
	unsigned int i;
	int f;

	for (i = 0; i < 3; i++) {
		l = strlen(sfx[i]);
		if (len > l && !strcmp(name + len - l, sfx[i])) {
			name[len - l] = '\0';
			f = family_index(fams, n, name);
			if (f >= 0 && !strcmp(types[f], "histogram"))
				return;
			name[len - l] = sfx[i][0];
		}
	}
}

/*
 * Every sample belongs to the family declared just before it, each family
 * has HELP then TYPE exactly once, names carry the prefix, counters end in
 * _total.
 */
static void test_structure(void **state)
{
	struct prom_fixture f;
	char *out, *line, *save, *fams[256], *types[256], name[256];
	char cur[256] = "";
	int nfam = 0, i, samples = 0;

	prom_fixture__init(&f);
	out = render(&f.in);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%255s", name);
			assert_int_equal(family_index(fams, nfam, name), -1);
			assert_int_equal(strncmp(name, "spte_trace_", 11), 0);
			fams[nfam] = strdup(name);
			types[nfam] = NULL;
			snprintf(cur, sizeof(cur), "%s", name);
			nfam++;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char type[32];

			sscanf(line + 7, "%255s %31s", name, type);
			assert_string_equal(name, cur);
			assert_null(types[nfam - 1]);
			types[nfam - 1] = strdup(type);
			if (!strcmp(type, "counter"))
				assert_non_null(strstr(name, "_total"));
			continue;
		}
		sscanf(line, "%255[^{ ]", name);
		sample_family(name, fams, types, nfam);
		assert_string_equal(name, cur);
		assert_non_null(types[nfam - 1]);
		samples++;
	}
	assert_true(nfam > 20);
	assert_true(samples > 300);
	for (i = 0; i < nfam; i++) {
		free(fams[i]);
		free(types[i]);
	}
	free(out);
	prom_fixture__release(&f);
}

static void test_every_counter_exported(void **state)
{
	unsigned int c;
	int rows;

	for (c = 0; c < CNT_MAX; c++) {
		assert_non_null(prom_counter_family(c, &rows));
		assert_int_equal(rows, 1);
	}
}

static void test_labels_and_vms(void **state)
{
	struct prom_fixture f;
	char *out;

	prom_fixture__init(&f);
	out = render(&f.in);
	/* quote, backslash and newline escaped in label values */
	assert_non_null(strstr(
		out,
		"spte_trace_vm_spte_events_total{vm=\"101\",comm=\"we\\\"ird\\\\vm\\n\"} 10\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_build_info{version=\"v1.2-test \\\"q\\\"\",mode=\"live\"} 1\n"));
	/* VMs 3 and 4 are over the limit of 2 */
	assert_non_null(strstr(
		out,
		"spte_trace_vm_spte_events_total{vm=\"other\",comm=\"\"} 70\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_vm_violations_total{vm=\"other\",comm=\"\"} 2\n"));
	assert_non_null(strstr(out, "spte_trace_vms_overflowed_total 2\n"));
	assert_non_null(strstr(out, "spte_trace_vm_series_limit 2\n"));
	assert_null(strstr(out, "vm=\"103\""));
	/* kernel addresses never leave the process */
	assert_null(strstr(out, "ffff888"));
	assert_non_null(strstr(
		out,
		"spte_trace_source_attached{class=\"hooks\",source=\"kprobe\"} 1\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_source_attached{class=\"hooks\",source=\"fentry\"} 0\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_bpf_prog_run_seconds_total{prog=\"stock_spte\"} 0.001234567\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_violations_total{kind=\"stale_perm\",level=\"2M\"} 3\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_outcomes_total{outcome=\"covered\",level=\"4K\"} 1\n"));
	assert_non_null(strstr(
		out, "spte_trace_map_full_total{map=\"pending\"} 1008\n"));
	assert_non_null(strstr(
		out,
		"spte_trace_pending_zaps_dropped_total{reason=\"expired\"} 2\n"));
	free(out);
	prom_fixture__release(&f);
}

/* Without a plan, VMs or programs those families are left out. */
static void test_minimal(void **state)
{
	struct snapshot snap;
	struct prom_input in = { .snap = &snap,
				 .bpf_stats_enabled = -1,
				 .mode = "replay" };
	char *out;

	memset(&snap, 0, sizeof(snap));
	out = render(&in);
	assert_non_null(strstr(out, "mode=\"replay\"} 1\n"));
	assert_null(strstr(out, "source_attached"));
	assert_null(strstr(out, "vm_violations"));
	assert_null(strstr(out, "bpf_prog_runs"));
	assert_null(strstr(out, "bpf_stats_enabled"));
	assert_null(strstr(out, "start_time_seconds"));
	free(out);
	in.snap = NULL;
	assert_int_equal(prom__render(&in, NULL), -EINVAL);
}

static void test_bpf_stats_sysctl(void **state)
{
	char path[] = "/tmp/test_prom_XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "1\n", 2), 2);
	assert_int_equal(prom__bpf_stats_enabled(path), 1);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, "0\n", 2, 0), 2);
	assert_int_equal(prom__bpf_stats_enabled(path), 0);
	close(fd);
	unlink(path);
	assert_int_equal(prom__bpf_stats_enabled(path), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns_to_seconds),
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_default_buckets),
		cmocka_unit_test(test_buckets_parse),
		cmocka_unit_test(test_series_budget),
		cmocka_unit_test(test_open_ended_slot),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_every_counter_exported),
		cmocka_unit_test(test_labels_and_vms),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_bpf_stats_sysctl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
