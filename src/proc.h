/* SPDX-License-Identifier: GPL-2.0 */
/* This host's /proc: the one place the daemon reads it. */
#ifndef __SPTE_PROC_H
#define __SPTE_PROC_H

#include <stddef.h>
#include <linux/types.h>

/* The value of "Name:" in /proc/self/status, trimmed.  0 or -errno. */
int proc_status_field(const char *name, char *buf, size_t len);
/* A hexadecimal field of /proc/self/status (CapEff).  0 or -errno. */
int proc_status_hex(const char *name, __u64 *out);
/* /proc/PID/comm into @comm (@len bytes).  0 or -errno. */
int proc_comm(__u32 pid, char *comm, size_t len);

#endif /* __SPTE_PROC_H */
