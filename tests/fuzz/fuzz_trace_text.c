// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: trace text lines, every layout, through the line parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_text_opts o = { .vm = TRACE_TEXT_VM_TASK };
	struct trace_text *tt;
	struct event ev;
	char *buf, *line, *nl;

	if (size && data[0] & 1)
		o.vm = TRACE_TEXT_VM_SINGLE;
	tt = trace_text__new(&o);
	buf = malloc(size + 1);
	if (!tt || !buf)
		goto out;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = buf; line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (trace_text__parse_line(tt, line, &ev) < 0 &&
		    !trace_text__error(tt)[0])
			abort(); /* an error always says why */
	}
out:
	free(buf);
	trace_text__free(tt);
	return 0;
}
