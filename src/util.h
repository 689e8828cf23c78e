/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers every module may use. */
#ifndef __SPTE_UTIL_H
#define __SPTE_UTIL_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The Makefile defines it from git (or the package's .version). */
#ifndef SPTE_TRACE_VERSION
#define SPTE_TRACE_VERSION "unknown"
#endif

#endif /* __SPTE_UTIL_H */
