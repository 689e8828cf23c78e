// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: gzip, xz and zstd streams, and bounded lines, from memory. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "instream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct instream *s;
	size_t len, total = 0;
	char *line;
	int ret;

	if (instream__open_mem(&s, data, size) == 0) {
		while ((ret = instream__getline(s, &line, &len)) == 1 ||
		       ret == -EILSEQ)
			total += len;
	}
	instream__close(s);
	return total > (1ULL << 40); /* keep the loop */
}
