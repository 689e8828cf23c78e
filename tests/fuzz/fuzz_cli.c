// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the command line (every option's value, numbers included) and
 * the --prometheus listen address.  The input is split at NUL bytes into
 * arguments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "http.h"

#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *buf = malloc(size + 1), host[256], err[256];
	unsigned int port;
	struct cli cli;
	int argc = 1;
	size_t i = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "spte-trace";
	while (i <= size && argc <= MAX_ARGS) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	http__parse_spec(argv[1], host, sizeof(host), &port, err, sizeof(err));
	/* --help and --version print: keep them out of the corpus's way */
	for (i = 1; i < (size_t)argc; i++)
		if (!strncmp(argv[i], "-h", 2) || !strncmp(argv[i], "--h", 3) ||
		    !strncmp(argv[i], "-V", 2) || !strncmp(argv[i], "--ve", 4))
			goto out;
	cli__parse(&cli, argc, argv);
out:
	free(buf);
	return 0;
}
