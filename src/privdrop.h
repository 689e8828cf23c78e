/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege after start-up.  Once the BPF programs are loaded and
 * attached, nothing the daemon does needs privilege: the map, ring buffer
 * and program fds it holds keep working for an unprivileged process (on
 * 6.1, as since 5.8, only map creation, program load and attach check
 * CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN).  So the daemon drops everything:
 *
 *   - no_new_privs, so no exec can gain privilege back;
 *   - securebits noroot (locked), so uid 0 would not mean capabilities;
 *   - the ambient and bounding sets cleared;
 *   - supplementary groups cleared, gid and uid set to --user (default
 *     nobody) for real, effective and saved ids;
 *   - permitted, effective and inheritable capabilities cleared.
 *
 * Open file descriptors are kept.  Capabilities and no_new_privs belong to
 * a thread, so this must run while the process has one thread: before the
 * HTTP server starts.  /proc/kallsyms shows zero addresses to an
 * unprivileged reader, so load symbols (ksyms__load) before dropping.
 */
#ifndef __SPTE_PRIVDROP_H
#define __SPTE_PRIVDROP_H

#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>

#define PRIVDROP_DEFAULT_USER "nobody"

/*
 * Drop to @user (a name or a numeric uid; NULL: nobody).  0, or -errno
 * with the step that failed in @err; on failure the caller must exit, as
 * the process may be half dropped.
 */
int privdrop__apply(const char *user, char *err, size_t errlen);

/* Check /proc/self/status: no capability in any set, uid not 0. */
int privdrop__verify(char *err, size_t errlen);

/*
 * Where the kernel needs more (see privdrop__probe_map_access()): the same,
 * but the capabilities in @keep (1ULL << CAP_*) stay in the permitted,
 * effective and bounding sets.
 */
int privdrop__apply_keep(const char *user, __u64 keep, char *err,
			 size_t errlen);
int privdrop__verify_keep(__u64 keep, char *err, size_t errlen);

/*
 * Can a process dropped to @user still read BPF map @map_fd?  Tried in a
 * forked child.  1: yes (6.1 and later); 0: no, the kernel refuses every
 * bpf() command without CAP_BPF/CAP_SYS_ADMIN (older kernels with
 * kernel.unprivileged_bpf_disabled set) and the daemon must keep one;
 * < 0: the probe failed, message in @err.
 */
int privdrop__probe_map_access(int map_fd, const char *user, char *err,
			       size_t errlen);

/* The capability bpf() needs here: CAP_BPF, or CAP_SYS_ADMIN before 5.8. */
int privdrop__bpf_cap(void);

/* Resolve @user as privdrop__apply() does.  0 or -ENOENT/-EINVAL. */
int privdrop__resolve(const char *user, uid_t *uid, gid_t *gid, char *err,
		      size_t errlen);

#endif /* __SPTE_PRIVDROP_H */
