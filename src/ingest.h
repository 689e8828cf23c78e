/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every input `spte-trace report` takes, turned into one stream of struct
 * event: a --record recording (src/record.h), a trace-cmd trace.dat
 * (src/tracedat.h, through libtracecmd) or trace text (src/trace_text.h:
 * tracefs, trace-cmd report, perf script).  The input is read once through
 * src/instream.h, so pipes, "-", FIFOs and gzip/xz/zstd files all work,
 * and the format is told from the first bytes, not from the name.
 */
#ifndef __SPTE_INGEST_H
#define __SPTE_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include "record.h"
#include "trace_text.h"

struct stack_table;
struct vmtab;
struct ingest;

enum ingest_format {
	INGEST_RECORDING,
	INGEST_TRACE_DAT,
	INGEST_TEXT,
};

struct ingest_opts {
	enum trace_text_vm text_vm; /* stock events: how to key VMs */
	struct stack_table *stacks; /* a recording's stacks go here */
	struct vmtab *vms; /* a recording's VM names go here */
};

/* What the input held besides the events, the same for every format. */
struct ingest_stats {
	__u64 events; /* delivered */
	__u64 other; /* lines or records of other events, other text */
	__u64 comments; /* headers and blank lines */
	__u64 stack_lines; /* stack trace lines (text) */
	__u64 no_tgid; /* stock events whose process the input does not show */
	struct trace_losses lost; /* events the tracer lost */
};

/* Open @path ("-": stdin).  0, or -errno with a message in @err. */
int ingest__open(struct ingest **out, const char *path,
		 const struct ingest_opts *o, char *err, size_t errlen);
void ingest__close(struct ingest *in);

/* 1: @ev filled; 0: the end; < 0: ingest__error() says why. */
int ingest__next(struct ingest *in, struct event *ev);
/* The name of the VM's process for the last event, "" if not known. */
const char *ingest__vm_comm(const struct ingest *in);

enum ingest_format ingest__format(const struct ingest *in);
const char *ingest__format_name(const struct ingest *in);
/* The recording's header; NULL for other formats. */
const struct record_info *ingest__record_info(const struct ingest *in);
/* A recording's totals (zero for other formats). */
void ingest__record_totals(const struct ingest *in, struct record_totals *t);
/*
 * What the input says about flushes before any event is read: a
 * recording's own setting, or, for trace.dat, whether the file holds the
 * patched kernel's flush events.  -1: only the events can tell (text).
 */
int ingest__flush_visibility(const struct ingest *in);
void ingest__stats(const struct ingest *in, struct ingest_stats *st);
const char *ingest__error(const struct ingest *in);

#endif /* __SPTE_INGEST_H */
