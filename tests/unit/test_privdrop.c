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
	snprintf(want, sizeof(want), "\t%u\t%u\t%u\t%u", pw->pw_uid,
		 pw->pw_uid, pw->pw_uid, pw->pw_uid);
	if (!status_line("Uid", buf, sizeof(buf)) || strcmp(buf, want)) {
		say(out, "Uid:%s, want%s", buf, want);
		return;
	}
	snprintf(want, sizeof(want), "\t%u\t%u\t%u\t%u", pw->pw_gid,
		 pw->pw_gid, pw->pw_gid, pw->pw_gid);
	if (!status_line("Gid", buf, sizeof(buf)) || strcmp(buf, want)) {
		say(out, "Gid:%s, want%s", buf, want);
		return;
	}
	if (!status_line("Groups", buf, sizeof(buf)) || buf[strspn(buf, "\t ")]) {
		say(out, "Groups:%s", buf);
		return;
	}
	if (!status_line("NoNewPrivs", buf, sizeof(buf)) || strcmp(buf, "\t1")) {
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

static void test_bad_users(void **state)
{
	char err[256];
	uid_t uid;
	gid_t gid;

	assert_int_equal(privdrop__resolve("no-such-user-xyz", &uid, &gid,
					   err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "--user no-such-user-xyz: no such user");
	assert_int_equal(privdrop__resolve("root", &uid, &gid, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--user root: uid or gid 0"));
	assert_int_equal(privdrop__resolve("0", &uid, &gid, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(privdrop__resolve("", &uid, &gid, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(privdrop__resolve("12x", &uid, &gid, err,
					   sizeof(err)), -ENOENT);
	if (getpwnam("nobody")) {
		assert_int_equal(privdrop__resolve(NULL, &uid, &gid, err,
						   sizeof(err)), 0);
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
		cmocka_unit_test(test_bad_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
