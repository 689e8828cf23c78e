// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "privdrop.h"
#include "proc.h"
#include "util.h"

#define BASE_SECUREBITS                                                \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |                        \
	 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | \
	 SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "dropping privileges: ");
	va_start(ap, fmt);
	n += vsnprintf(err + n, errlen > (size_t)n ? errlen - n : 0, fmt, ap);
	va_end(ap);
	if (ret && (size_t)n < errlen)
		snprintf(err + n, errlen - n, ": %s", strerror(-ret));
	return ret ? ret : -EPERM;
}

int privdrop__resolve(const char *user, uid_t *uid, gid_t *gid, char *err,
		      size_t errlen)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	if (!user)
		user = PRIVDROP_DEFAULT_USER;
	errno = 0;
	pw = getpwnam(user);
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		goto check;
	}
	/* A bare number is a uid (and gid), as in containers without it */
	v = strtoul(user, &end, 10);
	if (!*user || *end || v >= (uid_t)-1) {
		snprintf(err, errlen, "--user %s: no such user", user);
		return -ENOENT;
	}
	*uid = v;
	*gid = v;
check:
	if (!*uid || !*gid) {
		snprintf(
			err, errlen,
			"--user %s: uid or gid 0 would keep root's files and processes; choose an unprivileged user",
			user);
		return -EINVAL;
	}
	return 0;
}

/* "Name:\tvalue" from /proc/self/status into @buf. */

static int single_threaded(char *err, size_t errlen)
{
	char buf[32];
	int ret = proc_status_field("Threads", buf, sizeof(buf));

	if (ret)
		return fail(err, errlen, ret, "cannot read /proc/self/status");
	if (strcmp(buf, "1"))
		return fail(
			err, errlen, 0,
			"%s threads are running; capabilities are per thread, so drop before starting any (e.g. the HTTP server)",
			buf);
	return 0;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

int privdrop__bpf_cap(void)
{
	return last_cap() >= CAP_BPF ? CAP_BPF : CAP_SYS_ADMIN;
}

static int drop_bounding_set(__u64 keep, char *err, size_t errlen)
{
	int cap, last = last_cap();

	for (cap = 0; cap <= last; cap++) {
		if ((cap < 64 && (keep >> cap & 1)) ||
		    prctl(PR_CAPBSET_READ, cap, 0, 0, 0) <= 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return fail(
				err, errlen, -errno,
				"cannot drop capability %d from the bounding set (needs CAP_SETPCAP)",
				cap);
	}
	return 0;
}

static int lock_down(__u64 keep, char *err, size_t errlen)
{
	/* keep_caps lets the kept set survive the uid change below */
	unsigned long bits = BASE_SECUREBITS | (keep ? SECBIT_KEEP_CAPS :
						       SECBIT_KEEP_CAPS_LOCKED);

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail(err, errlen, -errno, "PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0))
		return fail(err, errlen, -errno,
			    "cannot set securebits (needs CAP_SETPCAP)");
	/* EINVAL: a kernel before 4.3 has no ambient set to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return fail(err, errlen, -errno,
			    "cannot clear ambient capabilities");
	return drop_bounding_set(keep, err, errlen);
}

static int switch_ids(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (setgroups(0, NULL))
		return fail(err, errlen, -errno, "setgroups");
	if (setresgid(gid, gid, gid))
		return fail(err, errlen, -errno, "setresgid(%u)", gid);
	if (setresuid(uid, uid, uid))
		return fail(err, errlen, -errno, "setresuid(%u)", uid);
	return 0;
}

static int set_caps(__u64 keep, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[0].permitted = data[0].effective = (__u32)keep;
	data[1].permitted = data[1].effective = keep >> 32;
	if (syscall(SYS_capset, &hdr, data))
		return fail(err, errlen, -errno, "capset");
	return 0;
}

int privdrop__apply_keep(const char *user, __u64 keep, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;
	int ret;

	ret = privdrop__resolve(user, &uid, &gid, err, errlen);
	if (!ret)
		ret = single_threaded(err, errlen);
	if (!ret)
		ret = lock_down(keep, err, errlen);
	if (!ret)
		ret = switch_ids(uid, gid, err, errlen);
	if (!ret)
		ret = set_caps(keep, err, errlen);
	if (!ret)
		ret = privdrop__verify_keep(keep, err, errlen);
	return ret;
}

int privdrop__apply(const char *user, char *err, size_t errlen)
{
	return privdrop__apply_keep(user, 0, err, errlen);
}

int privdrop__verify(char *err, size_t errlen)
{
	return privdrop__verify_keep(0, err, errlen);
}

int privdrop__verify_keep(__u64 keep, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		bool kept; /* may hold @keep */
	} sets[] = {
		{ "CapInh", false }, { "CapPrm", true },  { "CapEff", true },
		{ "CapBnd", true },  { "CapAmb", false },
	};
	unsigned long long v;
	char buf[64], *end;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(sets); i++) {
		ret = proc_status_field(sets[i].name, buf, sizeof(buf));
		if (ret == -ENOENT && !strcmp(sets[i].name, "CapAmb"))
			continue; /* before 4.3 */
		if (ret)
			return fail(err, errlen, ret, "cannot read %s",
				    sets[i].name);
		v = strtoull(buf, &end, 16);
		if (*end || v != (sets[i].kept ? keep : 0))
			return fail(err, errlen, 0, "%s is %s", sets[i].name,
				    buf);
	}
	if (!getuid() || !geteuid())
		return fail(err, errlen, 0, "still uid 0");
	if (!setuid(0))
		return fail(err, errlen, 0, "setuid(0) succeeded afterwards");
	return 0;
}

/*
 * Older kernels with kernel.unprivileged_bpf_disabled refuse every bpf()
 * command to a process without capabilities, map reads on fds it already
 * holds included; 6.1 only refuses map creation and program load.  Ask the
 * kernel rather than guess from its version: drop in a child and read.
 */
int privdrop__probe_map_access(int map_fd, const char *user, char *err,
			       size_t errlen)
{
	union bpf_attr attr;
	char key[512] = { 0 }, value[4096];
	int status, ret;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return fail(err, errlen, -errno, "fork");
	if (!pid) {
		if (privdrop__apply(user, err, errlen))
			_exit(2);
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = map_fd;
		attr.key = (unsigned long)key;
		attr.value = (unsigned long)value;
		ret = syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &attr,
			      sizeof(attr));
		_exit(ret && errno == EPERM ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) > 1)
		return fail(err, errlen, 0,
			    "the probe could not drop privileges");
	return WEXITSTATUS(status) ? 0 : 1;
}
