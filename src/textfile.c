// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "textfile.h"

/* "dir" and ".base.XXXXXX" of @path, in @dir and @tmp. */
static int split_path(const char *path, char *dir, char *tmp, size_t len)
{
	char a[PATH_MAX], b[PATH_MAX];
	const char *base;

	if (!*path || strlen(path) >= sizeof(a))
		return -ENAMETOOLONG;
	snprintf(a, sizeof(a), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	base = basename(b);
	if (!*base || !strcmp(base, "/") || !strcmp(base, ".") ||
	    !strcmp(base, "..") || path[strlen(path) - 1] == '/')
		return -EISDIR;
	snprintf(dir, len, "%s", dirname(a));
	if ((size_t)snprintf(tmp, len, "%s/.%s.XXXXXX", dir, base) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* "cannot write /dir/.x.prom.Ab12Cd: No space left on device" */
static void fail(char *err, size_t errlen, const char *what, const char *path,
		 int ret)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(-ret));
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int textfile__write(const char *path, const char *data, size_t len, char *err,
		    size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	int fd = -1, ret;

	ret = split_path(path, dir, tmp, sizeof(dir));
	if (ret) {
		fail(err, errlen, "cannot use", path, ret);
		return ret;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		fail(err, errlen, "cannot create a temporary file in", dir,
		     ret);
		return ret;
	}
	/* mkostemp() gives 0600; node_exporter runs as another user. */
	if (fchmod(fd, 0644)) {
		ret = -errno;
		fail(err, errlen, "cannot chmod", tmp, ret);
		goto out;
	}
	ret = io__write_all(fd, data, len);
	if (ret) {
		fail(err, errlen, "cannot write", tmp, ret);
		goto out;
	}
	if (fsync(fd)) {
		ret = -errno;
		fail(err, errlen, "cannot fsync", tmp, ret);
		goto out;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		fail(err, errlen, "cannot rename the temporary file to", path,
		     ret);
		goto out;
	}
	ret = fsync_dir(dir);
	if (ret)
		fail(err, errlen, "cannot fsync directory", dir, ret);
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp); /* harmless after a successful rename */
	return ret;
}

int textfile__check(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	int ret;

	ret = split_path(path, dir, tmp, sizeof(dir));
	if (ret) {
		fail(err, errlen, "cannot use", path, ret);
		return ret;
	}
	if (stat(dir, &st)) {
		ret = -errno;
		fail(err, errlen, "cannot use directory", dir, ret);
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		fail(err, errlen, "cannot use directory", dir, -ENOTDIR);
		return -ENOTDIR;
	}
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		fail(err, errlen, "cannot replace", path, -EISDIR);
		return -EISDIR;
	}
	if (access(dir, W_OK | X_OK)) {
		ret = -errno;
		fail(err, errlen, "cannot write in directory", dir, ret);
		return ret;
	}
	return 0;
}
