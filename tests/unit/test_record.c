// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "record.h"
#include "spte.h"
#include "stacks.h"
#include "vmtab.h"

#define HDR_SIZE \
	276 /* 32 + spte_config (80) + 160 (with the map limits) + crc */
#define BLK_HDR 32

#define TMPDIR_FIXTURE_NAME "test_record"
#include "tmpdir_fixture.h"

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void make_event(struct event *ev, unsigned int i)
{
	memset(ev, 0, sizeof(*ev));
	if (i % 5 == 4) {
		ev->type = EVENT_FLUSH_BEGIN + (i / 5) % 2;
		ev->vm.ts_ns = 1000 + i;
		ev->vm.vm = 0xffff888000001000ULL;
		ev->vm.pages = FLUSH_ALL_PAGES;
		ev->vm.tag = i / 10;
		return;
	}
	ev->type = EVENT_SPTE;
	ev->spte.ts_ns = 1000 + i;
	ev->spte.vm = 0xffff888000001000ULL;
	ev->spte.gfn = i;
	ev->spte.old_spte = i & 1 ? 0x600000010f867ULL : 0;
	ev->spte.new_spte = i & 1 ? 0 : 0x600000010f867ULL;
	ev->spte.level = 1;
	ev->spte.stack_id = i % 3 ? 7 : -1;
	ev->spte.pid = 4242;
}

static const struct stack_frame frames7[] = {
	{ .ip = 0xffffffffc0a01234ULL,
	  .sym = "tdp_mmu_set_spte_atomic",
	  .module = "kvm",
	  .offset = 0x34 },
	{ .ip = 0xffffffff81001000ULL, .sym = "do_syscall_64", .offset = 0 },
};

/* A recording of @n events with one stack and two VMs. */
static void write_recording(const char *path, unsigned int n)
{
	struct record_info info = { .spte_source = 2, .hook_source = 3 };
	struct stack st = { .id = 7,
			    .depth = 2,
			    .frames = (struct stack_frame *)frames7 };
	struct recorder *r;
	struct event ev;
	char err[256];
	unsigned int i;

	spte_config__default(&info.cfg);
	info.cfg.record = 1;
	snprintf(info.kernel, sizeof(info.kernel), "6.1.0-test");
	assert_int_equal(recorder__open(&r, path, &info, err, sizeof(err)), 0);
	assert_int_equal(recorder__write_vm(r, 0xffff888000001000ULL, 4242,
					    "qemu-system-x86"),
			 0);
	for (i = 0; i < n; i++) {
		if (i == 1) {
			assert_int_equal(recorder__write_stack(r, &st), 0);
			assert_int_equal(recorder__write_stack(r, &st), 0);
		}
		make_event(&ev, i);
		assert_int_equal(recorder__write(r, &ev), 0);
	}
	assert_int_equal(recorder__close(r), 0);
}

static int replay_path(struct replay **r, const char *path, char *msg,
		       size_t msglen)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		snprintf(msg, msglen, "%s", strerror(errno));
		return -errno;
	}
	return replay__open(r, f, msg, msglen);
}

static bool is_recording(const char *path)
{
	unsigned char head[16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return false;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return replay__is_recording(head, n);
}

/* Replay @path; returns the final status, events checked as they come. */
static int replay_all(const char *path, unsigned int *count, char *msg,
		      size_t msglen)
{
	struct replay *r;
	struct event ev, want;
	int ret;

	*count = 0;
	ret = replay_path(&r, path, msg, msglen);
	if (ret)
		return ret;
	while ((ret = replay__next(r, &ev)) == 1) {
		make_event(&want, *count);
		assert_memory_equal(&ev, &want, sizeof(ev));
		(*count)++;
	}
	snprintf(msg, msglen, "%s", replay__error(r));
	replay__close(r);
	return ret;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;

	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	buf = malloc(*len);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static void spill(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void test_roundtrip(void **state)
{
	struct stack_table *st = stack_table__new(NULL);
	struct vmtab *vms = vmtab__new(4);
	const struct record_info *info;
	const struct vm_entry *vm;
	const struct stack *s;
	struct record_totals t;
	struct replay *r;
	struct event ev, want;
	char path[128], err[256];
	unsigned int n = 0;

	path_of(path, sizeof(path), "rt.rec");
	write_recording(path, 3000);
	assert_true(is_recording(path));
	assert_int_equal(replay_path(&r, path, err, sizeof(err)), 0);
	info = replay__info(r);
	assert_int_equal(info->cfg.present_mask, SPTE_DEF_PRESENT_MASK);
	assert_int_equal(info->cfg.record, 1);
	assert_int_equal(info->spte_source, 2);
	assert_int_equal(info->hook_source, 3);
	assert_string_equal(info->kernel, "6.1.0-test");
	assert_true(info->realtime_ns > 1600000000ULL * 1000000000ULL);
	replay__set_sinks(r, st, vms);
	while (replay__next(r, &ev) == 1) {
		make_event(&want, n++);
		assert_memory_equal(&ev, &want, sizeof(ev));
		if (ev.type == EVENT_SPTE && ev.spte.stack_id == 7)
			assert_non_null(stack_table__get(st, 7));
	}
	assert_int_equal(n, 3000);
	assert_int_equal(replay__next(r, &ev), 0);
	assert_string_equal(replay__error(r), "");
	replay__totals(r, &t);
	assert_int_equal(t.events, 3000);
	assert_int_equal(t.stacks, 1); /* written twice, stored once */
	assert_int_equal(t.vms, 1);
	assert_int_equal(t.blocks,
			 6); /* VMs, stacks, 1024 + 1024 + 952 events, end */
	replay__close(r);

	s = stack_table__get(st, 7);
	assert_int_equal(s->depth, 2);
	assert_string_equal(s->frames[0].sym, "tdp_mmu_set_spte_atomic");
	assert_string_equal(s->frames[0].module, "kvm");
	assert_int_equal(s->frames[0].offset, 0x34);
	assert_null(s->frames[1].module);
	vm = vmtab__find(vms, 0xffff888000001000ULL);
	assert_non_null(vm);
	assert_int_equal(vm->pid, 4242);
	assert_string_equal(vm->comm, "qemu-system-x86");
	stack_table__free(st);
	vmtab__free(vms);
}

static void test_empty_recording(void **state)
{
	char path[128], err[256];
	unsigned int n;

	path_of(path, sizeof(path), "empty.rec");
	write_recording(path, 0);
	assert_int_equal(replay_all(path, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

/*
 * Cut the file at every length: the reader must deliver exactly the events
 * of the complete blocks before the cut and then say "truncated", never
 * crash and never deliver a damaged event.
 */
static void test_truncation_everywhere(void **state)
{
	char path[128], cut[128], msg[512];
	unsigned char *buf;
	size_t len, l;
	unsigned int n;
	int ret;

	path_of(path, sizeof(path), "full.rec");
	path_of(cut, sizeof(cut), "cut.rec");
	write_recording(path,
			1100); /* blocks: VMs, stacks, 1024 events, 76, end */
	buf = slurp(path, &len);
	/* every byte near the block boundaries, a prime stride elsewhere */
	for (l = 0; l < len; l += l < 2048 || len - l < 2048 ? 1 : 61) {
		spill(cut, buf, l);
		ret = replay_all(cut, &n, msg, sizeof(msg));
		if (l == 0) {
			assert_int_equal(ret, -EBADMSG);
			assert_non_null(strstr(msg, "empty file"));
			continue;
		}
		assert_int_equal(ret, -ENODATA);
		assert_true(n == 0 || n == 1024 || n == 1100);
		if (l < HDR_SIZE)
			assert_non_null(strstr(msg, "file header"));
		else
			assert_true(strstr(msg, "truncated") ||
				    strstr(msg, "without an end block"));
	}
	spill(cut, buf, len);
	assert_int_equal(replay_all(cut, &n, msg, sizeof(msg)), 0);
	assert_int_equal(n, 1100);
	free(buf);
}

static void test_truncation_message(void **state)
{
	char path[128], cut[128], msg[512], want[128];
	size_t len, second = HDR_SIZE + BLK_HDR + 32; /* after the VM block */
	unsigned char *buf;
	unsigned int n;

	path_of(path, sizeof(path), "full.rec");
	path_of(cut, sizeof(cut), "cut.rec");
	write_recording(path, 10);
	buf = slurp(path, &len);
	/* the stack block is block 1: cut 10 bytes into its payload */
	spill(cut, buf, second + BLK_HDR + 10);
	assert_int_equal(replay_all(cut, &n, msg, sizeof(msg)), -ENODATA);
	snprintf(want, sizeof(want), "block 1 at offset %zu: truncated",
		 second);
	assert_non_null(strstr(msg, want));
	assert_non_null(strstr(msg, "only 10 present"));
	/* cut inside the header of block 1 */
	spill(cut, buf, second + 5);
	assert_int_equal(replay_all(cut, &n, msg, sizeof(msg)), -ENODATA);
	assert_non_null(strstr(
		msg, "truncated inside the block header (5 of 32 bytes)"));
	/* the end block missing: a daemon that was killed */
	spill(cut, buf, len - BLK_HDR - 24);
	assert_int_equal(replay_all(cut, &n, msg, sizeof(msg)), -ENODATA);
	assert_int_equal(n, 10);
	assert_non_null(strstr(msg, "without an end block"));
	assert_non_null(strstr(msg, "(10 events read)"));
	free(buf);
}

static int corrupt(const unsigned char *orig, size_t len, size_t at,
		   unsigned char xor, char *msg, size_t msglen, unsigned int *n)
{
	unsigned char *buf = malloc(len);
	char path[128];
	int ret;

	path_of(path, sizeof(path), "bad.rec");
	memcpy(buf, orig, len);
	buf[at] ^= xor;
	spill(path, buf, len);
	free(buf);
	ret = replay_all(path, n, msg, msglen);
	return ret;
}

static void test_corruption(void **state)
{
	char path[128], msg[512], want[128];
	size_t len, b1 = HDR_SIZE + BLK_HDR + 32, l;
	unsigned char *buf;
	unsigned int n;

	path_of(path, sizeof(path), "good.rec");
	write_recording(path, 10);
	buf = slurp(path, &len);

	/* every single-bit flip anywhere is caught */
	for (l = 0; l < len; l++) {
		assert_true(corrupt(buf, len, l, 0x10, msg, sizeof(msg), &n) <
			    0);
		assert_true(n == 0 || n == 10);
	}

	/* payload of block 1 (stacks) */
	assert_int_equal(corrupt(buf, len, b1 + BLK_HDR + 3, 0xff, msg,
				 sizeof(msg), &n),
			 -EBADMSG);
	snprintf(want, sizeof(want), "block 1 at offset %zu: checksum mismatch",
		 b1);
	assert_non_null(strstr(msg, want));
	/* block magic */
	assert_int_equal(corrupt(buf, len, b1, 0x01, msg, sizeof(msg), &n),
			 -EBADMSG);
	assert_non_null(strstr(msg, "bad block magic"));
	/* sequence number */
	assert_int_equal(corrupt(buf, len, b1 + 8, 0x01, msg, sizeof(msg), &n),
			 -EBADMSG);
	assert_non_null(strstr(msg, "sequence number 0"));
	/* absurd payload length */
	assert_int_equal(corrupt(buf, len, b1 + 23, 0x40, msg, sizeof(msg), &n),
			 -EBADMSG);
	assert_non_null(strstr(msg, "too large"));
	/* file header fields */
	assert_int_equal(corrupt(buf, len, 0, 0x20, msg, sizeof(msg), &n),
			 -EBADMSG);
	assert_non_null(strstr(msg, "not a spte-trace recording"));
	assert_int_equal(corrupt(buf, len, 8, 0x03, msg, sizeof(msg), &n),
			 -EBADMSG);
	assert_non_null(strstr(msg, "format version 1"));
	assert_int_equal(corrupt(buf, len, 20, 0x08, msg, sizeof(msg), &n),
			 -EBADMSG);
	assert_non_null(strstr(msg, "sizeof(struct event) 104"));
	assert_int_equal(corrupt(buf, len, 40, 0x01, msg, sizeof(msg), &n),
			 -EBADMSG);
	assert_non_null(strstr(msg, "file header checksum mismatch"));
	free(buf);
}

static void test_foreign_files(void **state)
{
	char path[128], msg[512];
	unsigned char *buf;
	unsigned int n;
	size_t len;
	__u32 swapped = 0x04030201;

	path_of(path, sizeof(path), "text.rec");
	spill(path, (const unsigned char *)"# tracer: nop\n#\n", 16);
	assert_false(is_recording(path));
	assert_int_equal(replay_all(path, &n, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "bad magic"));
	assert_false(is_recording("/nonexistent/x"));
	assert_int_equal(replay_all("/nonexistent/x", &n, msg, sizeof(msg)),
			 -ENOENT);
	assert_non_null(strstr(msg, "No such file"));

	/* the other byte order */
	path_of(path, sizeof(path), "good.rec");
	write_recording(path, 3);
	buf = slurp(path, &len);
	memcpy(buf + 12, &swapped, 4);
	path_of(path, sizeof(path), "be.rec");
	spill(path, buf, len);
	assert_int_equal(replay_all(path, &n, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "other byte order"));

	/* data after the end block */
	buf = realloc(buf, len + 4);
	memcpy(buf + 12, "\x04\x03\x02\x01", 4);
	memcpy(buf + len, "junk", 4);
	spill(path, buf, len + 4);
	assert_int_equal(replay_all(path, &n, msg, sizeof(msg)), -EBADMSG);
	assert_int_equal(n, 3);
	assert_non_null(strstr(msg, "data after the end block"));
	free(buf);
}

static void test_writer_errors(void **state)
{
	struct record_info info;
	struct recorder *r;
	char err[256];

	memset(&info, 0, sizeof(info));
	assert_int_equal(recorder__open(&r, "/nonexistent/dir/x.rec", &info,
					err, sizeof(err)),
			 -ENOENT);
	/* the caller names the option and the path, not the message */
	assert_string_equal(err, "No such file or directory");
	if (access("/dev/full", W_OK)) {
		print_message("skipping the disk-full case: no /dev/full\n");
		return;
	}
	/* /dev/full takes nothing: the header write already fails */
	assert_int_equal(recorder__open(&r, "/dev/full", &info, err,
					sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "No space left on device"));
}

/* A write error mid-way sticks, names the file, and close reports it. */
static void test_writer_sticky_error(void **state)
{
	struct rlimit lim = { 8192, 8192 };
	struct record_info info;
	struct recorder *r;
	struct event ev;
	char path[128], err[256];
	int status, i, ret = 0;
	pid_t pid;

	memset(&info, 0, sizeof(info));
	path_of(path, sizeof(path), "big.rec");
	pid = fork();
	if (pid == 0) {
		/* the file size limit turns the first big block into EFBIG */
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &lim);
		if (recorder__open(&r, path, &info, err, sizeof(err)))
			_exit(10);
		make_event(&ev, 0);
		for (i = 0; i < RECORD_BLOCK_EVENTS && !ret; i++)
			ret = recorder__write(r, &ev);
		if (ret != -EFBIG || i != RECORD_BLOCK_EVENTS)
			_exit(11);
		if (recorder__write(r, &ev) != -EFBIG)
			_exit(12);
		if (strcmp(recorder__error(r), "write: File too large"))
			_exit(13);
		_exit(recorder__close(r) == -EFBIG ? 0 : 14);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_empty_recording),
		cmocka_unit_test(test_truncation_everywhere),
		cmocka_unit_test(test_truncation_message),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_foreign_files),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_writer_sticky_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
