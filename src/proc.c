// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "proc.h"

int proc_status_field(const char *name, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t n = strlen(name);
	char line[256];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n) && line[n] == ':') {
			snprintf(buf, len, "%s",
				 line + n + 1 + strspn(line + n + 1, " \t"));
			buf[strcspn(buf, "\n")] = '\0';
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int proc_status_hex(const char *name, __u64 *out)
{
	char buf[64];
	int ret = proc_status_field(name, buf, sizeof(buf));

	if (ret)
		return ret;
	return parse_u64_base(buf, strlen(buf), 16, out);
}

int proc_comm(__u32 pid, char *comm, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, comm, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return 0;
}
