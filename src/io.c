// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>

#include "io.h"

int io__writev_all(int fd, struct iovec *iov, int n)
{
	ssize_t done;

	while (n) {
		done = writev(fd, iov, n);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -errno;
		while (n && (size_t)done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

int io__write_all(int fd, const void *data, size_t len)
{
	struct iovec iov = { (void *)data, len };

	return io__writev_all(fd, &iov, 1);
}
