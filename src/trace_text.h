/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace text: /sys/kernel/tracing/trace and trace_pipe, `trace-cmd report`
 * in its layouts, and `perf script`, for users who can run a tracer but not
 * BPF.  Lines of the events spte-trace knows become struct event and go
 * through the same engine as a recording; src/ingest.c feeds the lines.
 *
 * The patched kernel's events name the VM by its trace id ("vm=N", never
 * reused) and the VMM's pid: the VM key is that id.
 *
 * Stock kernels only have kvmmmu:kvm_tdp_mmu_spte_changed, which carries no
 * VM identity.  The VM key is then the process (TGID) when the text shows
 * it (tracefs option record-tgid, "comm-TID (TGID)"; perf script -F +pid,
 * "PID/TID"), else the thread: vCPU threads of one VM then look like
 * separate VMs and the summary says so (trace_text_stats.no_tgid).  With
 * TRACE_TEXT_VM_SINGLE every stock event belongs to one VM.  Either way the
 * VM is marked guessed (SPTE_F_VM_GUESSED): no violation is reported on it.
 */
#ifndef __SPTE_TRACE_TEXT_H
#define __SPTE_TRACE_TEXT_H

#include <stddef.h>
#include "spte_trace.h"

#define TRACE_LOST_CPUS 256 /* CPUs whose losses are told apart */

struct trace_text;

enum trace_text_vm {
	TRACE_TEXT_VM_TASK, /* TGID if shown, else TID (stock event) */
	TRACE_TEXT_VM_SINGLE, /* every stock event belongs to one VM */
};

struct trace_text_opts {
	enum trace_text_vm vm;
};

/* Events the tracer said it lost, by CPU. */
struct trace_losses {
	__u64 total;
	__u64 reports; /* lost-event notes seen */
	__u64 unknown; /* notes without a count ("[EVENTS DROPPED]") */
	__u64 cpu[TRACE_LOST_CPUS]; /* the last slot: CPUs beyond */
	__u64 noted[TRACE_LOST_CPUS / 64]; /* CPUs with a note, counted or not */
};

struct trace_text_stats {
	__u64 lines;
	__u64 events; /* lines turned into events */
	__u64 comments; /* '#' headers and blank lines */
	__u64 unknown; /* other events and other text, skipped */
	__u64 stack_lines; /* "=> func" lines of stack traces, skipped */
	__u64 no_tgid; /* stock events keyed by TID: no TGID shown */
	struct trace_losses lost;
};

struct trace_text *trace_text__new(const struct trace_text_opts *opts);
void trace_text__free(struct trace_text *tt);

/*
 * Parse one line (without or with its newline).  1: @ev filled; 0: not an
 * event spte-trace uses (counted); -EINVAL: a known event that does not
 * parse, with "line N: ..." in trace_text__error().
 */
int trace_text__parse_line(struct trace_text *tt, const char *line,
			   struct event *ev);

const char *trace_text__error(const struct trace_text *tt);
/* The task name of the last event's line ("qemu-system-x86"). */
const char *trace_text__comm(const struct trace_text *tt);
const struct trace_text_stats *trace_text__stats(const struct trace_text *tt);

/* Add @n lost events on @cpu (-1: unknown CPU) to @l. */
void trace_losses__add(struct trace_losses *l, int cpu, __u64 n);

#endif /* __SPTE_TRACE_TEXT_H */
