// SPDX-License-Identifier: GPL-2.0
/*
 * Write the flame graph test fixture as folded stacks and as SVG, for
 * tests/operator/svg_chromium.sh:  flame_dump OUT.folded OUT.svg
 */
#include <stdio.h>

#include "flame_fixture.h"

static int write_file(struct flame *f, const char *path, int svg)
{
	struct flame_svg_opts o = {
		.title = "spte-trace test fixture",
		.subtitle = "zaps, installs and violations",
	};
	FILE *out = fopen(path, "w");
	int ret;

	if (!out) {
		perror(path);
		return 1;
	}
	ret = svg ? flame__write_svg(f, out, &o) : flame__write_folded(f, out);
	if (fclose(out) || ret) {
		fprintf(stderr, "flame_dump: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct stack_table *st;
	struct flame *f;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: flame_dump OUT.folded OUT.svg\n");
		return 2;
	}
	st = flame_fixture__stacks();
	f = flame__new(st);
	flame_fixture__fill(f);
	ret = write_file(f, argv[1], 0) || write_file(f, argv[2], 1);
	flame__free(f);
	stack_table__free(st);
	return ret;
}
