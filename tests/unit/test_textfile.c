// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "textfile.h"

struct fixture {
	char dir[64];
	char path[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_textfile_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/spte.prom", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.' ||
		     (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	*len = fread(buf, 1, n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void test_write_and_replace(void **state)
{
	struct fixture *f = *state;
	char err[256] = "", *got;
	struct stat st1, st2;
	size_t len;

	assert_int_equal(textfile__check(f->path, err, sizeof(err)), 0);
	assert_int_equal(textfile__write(f->path, "a 1\n", 4, err, sizeof(err)),
			 0);
	got = slurp(f->path, &len);
	assert_string_equal(got, "a 1\n");
	free(got);
	assert_int_equal(stat(f->path, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0644);

	assert_int_equal(textfile__write(f->path, "b 2\n", 4, err, sizeof(err)),
			 0);
	assert_int_equal(stat(f->path, &st2), 0);
	/* replaced by rename, not rewritten in place */
	assert_int_not_equal(st1.st_ino, st2.st_ino);
	got = slurp(f->path, &len);
	assert_string_equal(got, "b 2\n");
	free(got);
	/* no temporary file left behind */
	assert_int_equal(entries(f->dir), 1);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	char err[256] = "", path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/missing/x.prom", f->dir);
	assert_int_equal(textfile__write(path, "x", 1, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "missing"));
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(textfile__check(path, err, sizeof(err)), -ENOENT);

	/* the target is a directory: the temporary file must not stay */
	assert_int_equal(mkdir(f->path, 0755), 0);
	assert_int_equal(textfile__write(f->path, "x", 1, err, sizeof(err)),
			 -EISDIR);
	assert_non_null(strstr(err, "rename"));
	assert_int_equal(entries(f->dir), 1);
	assert_int_equal(textfile__check(f->path, err, sizeof(err)), -EISDIR);
	rmdir(f->path);

	snprintf(path, sizeof(path), "%s/", f->dir);
	assert_int_equal(textfile__write(path, "x", 1, err, sizeof(err)),
			 -EISDIR);
	assert_int_equal(textfile__write("", "x", 1, err, sizeof(err)),
			 -ENAMETOOLONG);

	/* /proc takes no new files, even from root */
	assert_true(textfile__write("/proc/spte_trace_test.prom", "x", 1, err,
				    sizeof(err)) < 0);
	assert_non_null(strstr(err, "temporary file in /proc"));

	/* a file where the directory should be */
	assert_int_equal(textfile__write(f->path, "x", 1, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/sub.prom", f->path);
	assert_int_equal(textfile__check(path, err, sizeof(err)), -ENOTDIR);
}

/* A reader never sees anything but one complete version. */
static void test_atomic_for_readers(void **state)
{
	struct fixture *f = *state;
	size_t big = 256 * 1024, len, i;
	char *a = malloc(big), *b = malloc(big), *got, err[256];
	int status, bad = 0;
	pid_t pid;

	memset(a, 'a', big);
	memset(b, 'b', big);
	assert_int_equal(textfile__write(f->path, a, big, err, sizeof(err)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (i = 0; i < 400; i++) {
			got = slurp(f->path, &len);
			if (!got || len != big ||
			    (memcmp(got, a, big) && memcmp(got, b, big)))
				bad++;
			free(got);
		}
		_exit(bad ? 1 : 0);
	}
	for (i = 0; i < 60; i++)
		assert_int_equal(textfile__write(f->path, i & 1 ? a : b, big,
						 err, sizeof(err)),
				 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_replace, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_for_readers, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
