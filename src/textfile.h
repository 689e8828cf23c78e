/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --textfile PATH: the exposition for node_exporter's textfile collector.
 * The collector may read at any moment, so PATH is replaced atomically:
 * written to a temporary file in the same directory (so rename() cannot
 * cross filesystems), fsync'ed, renamed over PATH, and the directory
 * fsync'ed so the rename survives a crash.  The temporary name does not
 * end in ".prom", so the collector never reads a half-written file.
 */
#ifndef __SPTE_TEXTFILE_H
#define __SPTE_TEXTFILE_H

#include <stddef.h>

/*
 * Replace @path with @len bytes of @data, mode 0644.  0, or -errno with a
 * message naming the path and the step that failed in @err.
 */
int textfile__write(const char *path, const char *data, size_t len, char *err,
		    size_t errlen);

/* Check once, at startup, that @path can be written (same rules). */
int textfile__check(const char *path, char *err, size_t errlen);

#endif /* __SPTE_TEXTFILE_H */
