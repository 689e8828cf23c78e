// SPDX-License-Identifier: GPL-2.0
/*
 * privdrop__apply() in forked children (it cannot be undone): afterwards
 * /proc/self/status must show no capability in any set and the new ids,
 * and descriptors opened before must still work.  Needs root; skipped
 * otherwise.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "privdrop.h"

/* The child writes "ok" or its complaint into the pipe. */
typedef void (*child_fn)(int out);

static void run_child(child_fn fn, char *msg, size_t len)
{
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(fds[0]);
		fn(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void say(int out, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(out, buf, strlen(buf)) < 0)
		_exit(1);
}

static int status_line(const char *name, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t n = strlen(name);
	char line[256];
	int found = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n) && line[n] == ':') {
			snprintf(buf, len, "%s", line + n + 1);
			buf[strcspn(buf, "\n")] = '\0';
			found = 1;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void drop_and_check(int out)
{
	static const char *const zero[] = {
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
	};
	struct passwd *pw = getpwnam("nobody");
	char err[256], buf[128], want[128];
	unsigned int i;

	if (privdrop__apply(NULL, err, sizeof(err))) {
		say(out, "apply: %s", err);
		return;
	}
	for (i = 0; i < 5; i++) {
		if (!status_line(zero[i], buf, sizeof(buf)) ||
		    strcmp(buf, "\t0000000000000000")) {
			say(out, "%s:%s", zero[i], buf);
			return;
		}
	}
	snprintf(want, sizeof(want), "\t%u\t%u\t%u\t%u", pw->pw_uid, pw->pw_uid,
		 pw->pw_uid, pw->pw_uid);
	if (!status_line("Uid", buf, sizeof(buf)) || strcmp(buf, want)) {
		say(out, "Uid:%s, want%s", buf, want);
		return;
	}
	snprintf(want, sizeof(want), "\t%u\t%u\t%u\t%u", pw->pw_gid, pw->pw_gid,
		 pw->pw_gid, pw->pw_gid);
	if (!status_line("Gid", buf, sizeof(buf)) || strcmp(buf, want)) {
		say(out, "Gid:%s, want%s", buf, want);
		return;
	}
	if (!status_line("Groups", buf, sizeof(buf)) ||
	    buf[strspn(buf, "\t ")]) {
		say(out, "Groups:%s", buf);
		return;
	}
	if (!status_line("NoNewPrivs", buf, sizeof(buf)) ||
	    strcmp(buf, "\t1")) {
		say(out, "NoNewPrivs:%s", buf);
		return;
	}
	if (!setuid(0) || !setgid(0)) {
		say(out, "regained root");
		return;
	}
	if (privdrop__verify(err, sizeof(err))) {
		say(out, "verify: %s", err);
		return;
	}
	/* the pipe was opened as root and still works: fds are kept */
	say(out, "ok");
}

static void skip_unless_root(void)
{
	if (geteuid()) {
		print_message("skipped: dropping privileges needs root\n");
		skip();
	}
	if (!getpwnam("nobody")) {
		print_message("skipped: no user nobody\n");
		skip();
	}
}

static void test_drop(void **state)
{
	char msg[512];

	skip_unless_root();
	run_child(drop_and_check, msg, sizeof(msg));
	assert_string_equal(msg, "ok");
}

static void *idle(void *arg)
{
	pause();
	return NULL;
}

static void drop_with_thread(int out)
{
	char err[256];
	pthread_t t;

	pthread_create(&t, NULL, idle, NULL);
	if (!privdrop__apply("nobody", err, sizeof(err)))
		say(out, "dropped with two threads");
	else if (!geteuid() && strstr(err, "2 threads are running"))
		say(out, "ok");
	else
		say(out, "unexpected: %s", err);
}

/* A second thread would keep its capabilities: refused, nothing done. */
static void test_refuses_threads(void **state)
{
	char msg[512];

	skip_unless_root();
	run_child(drop_with_thread, msg, sizeof(msg));
	assert_string_equal(msg, "ok");
}

static void drop_numeric(int out)
{
	char err[256], buf[128];

	if (privdrop__apply("54321", err, sizeof(err)))
		say(out, "apply: %s", err);
	else if (!status_line("Uid", buf, sizeof(buf)) ||
		 strcmp(buf, "\t54321\t54321\t54321\t54321"))
		say(out, "Uid:%s", buf);
	else
		say(out, "ok");
}

static void test_numeric_user(void **state)
{
	char msg[512];

	skip_unless_root();
	run_child(drop_numeric, msg, sizeof(msg));
	assert_string_equal(msg, "ok");
}

static void drop_keep_bpf(int out)
{
	char err[256], buf[128];

	if (privdrop__apply_keep("nobody", 1ULL << 39 /* CAP_BPF */, err,
				 sizeof(err)))
		say(out, "apply_keep: %s", err);
	else if (!status_line("CapEff", buf, sizeof(buf)) ||
		 strcmp(buf, "\t0000008000000000"))
		say(out, "CapEff:%s", buf);
	else if (!status_line("CapBnd", buf, sizeof(buf)) ||
		 strcmp(buf, "\t0000008000000000"))
		say(out, "CapBnd:%s", buf);
	else if (!status_line("CapInh", buf, sizeof(buf)) ||
		 strcmp(buf, "\t0000000000000000"))
		say(out, "CapInh:%s", buf);
	else if (!privdrop__verify(err, sizeof(err)))
		say(out, "verify() did not notice the kept capability");
	else
		say(out, "ok");
}

/* For older kernels: keep exactly the capabilities asked for. */
static void test_keep(void **state)
{
	char msg[512];

	skip_unless_root();
	run_child(drop_keep_bpf, msg, sizeof(msg));
	assert_string_equal(msg, "ok");
}

/* A map fd created as root stays readable after the drop on this kernel. */
static void test_probe_map_access(void **state)
{
	union bpf_attr attr;
	char err[256];
	int fd, ret;

	skip_unless_root();
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0) {
		print_message("skipped: cannot create a BPF map here (%s)\n",
			      strerror(errno));
		skip();
	}
	ret = privdrop__probe_map_access(fd, "nobody", err, sizeof(err));
	close(fd);
	/* 6.1 and later answer yes whatever unprivileged_bpf_disabled says */
	assert_int_equal(ret, 1);
	/* a closed fd is not a refusal: the probe only reports EPERM */
	assert_int_equal(
		privdrop__probe_map_access(fd, "nobody", err, sizeof(err)), 1);
}

static void test_bad_users(void **state)
{
	char err[256];
	uid_t uid;
	gid_t gid;

	assert_int_equal(privdrop__resolve("no-such-user-xyz", &uid, &gid, err,
					   sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "--user no-such-user-xyz: no such user");
	assert_int_equal(privdrop__resolve("root", &uid, &gid, err,
					   sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "--user root: uid or gid 0"));
	assert_int_equal(privdrop__resolve("0", &uid, &gid, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(privdrop__resolve("", &uid, &gid, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(privdrop__resolve("12x", &uid, &gid, err, sizeof(err)),
			 -ENOENT);
	if (getpwnam("nobody")) {
		assert_int_equal(privdrop__resolve(NULL, &uid, &gid, err,
						   sizeof(err)),
				 0);
		assert_int_equal(uid, getpwnam("nobody")->pw_uid);
	}
	/* apply stops at the first step: the test process stays root */
	assert_int_equal(privdrop__apply("no-such-user-xyz", err, sizeof(err)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_refuses_threads),
		cmocka_unit_test(test_numeric_user),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_probe_map_access),
		cmocka_unit_test(test_bad_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
