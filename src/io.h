/* SPDX-License-Identifier: GPL-2.0 */
/* Writing whole buffers to file descriptors: the one place it is done. */
#ifndef __SPTE_IO_H
#define __SPTE_IO_H

#include <stddef.h>
#include <sys/uio.h>

/* Write all of @iov (modified as it goes), retrying after EINTR.  0 or -errno. */
int io__writev_all(int fd, struct iovec *iov, int n);
/* Write all @len bytes of @data.  0 or -errno. */
int io__write_all(int fd, const void *data, size_t len);

#endif /* __SPTE_IO_H */
