/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace-cmd's trace.dat, read through Debian's libtracecmd and
 * libtraceevent: the event formats come from the file's own header, the
 * fields are read by name from the binary records (no text round trip),
 * every CPU and every buffer instance is merged in time order, and the
 * records' missed-event counts become tracer losses.
 *
 * Stock events carry no VM: the VM is the thread, as for text without
 * TGIDs (upstream trace.dat does not save TGIDs), or one VM with
 * TRACE_TEXT_VM_SINGLE.
 */
#ifndef __SPTE_TRACEDAT_H
#define __SPTE_TRACEDAT_H

#include <stdbool.h>
#include <stddef.h>
#include "trace_text.h"

#define TRACEDAT_MAGIC "\027\010\104tracing"
#define TRACEDAT_MAGIC_LEN 10

struct tracedat;

/* Read the trace.dat in @fd (a regular file at offset 0; not closed). */
int tracedat__open(struct tracedat **out, int fd, enum trace_text_vm vm,
		   char *err, size_t errlen);
void tracedat__close(struct tracedat *td);
/* 1: @ev filled; 0: the end; < 0: tracedat__error(). */
int tracedat__next(struct tracedat *td, struct event *ev);
/* The process name the trace saved for the last event's VM pid. */
const char *tracedat__vm_comm(const struct tracedat *td);
/* Whether the file's formats include the patched kernel's events. */
bool tracedat__patched(const struct tracedat *td);
const struct trace_text_stats *tracedat__stats(const struct tracedat *td);
const char *tracedat__error(const struct tracedat *td);

#endif /* __SPTE_TRACEDAT_H */
