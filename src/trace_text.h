/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `spte-trace report` on ftrace text: /sys/kernel/tracing/trace (or
 * trace_pipe) and `trace-cmd report` output, for users who can run ftrace
 * but not BPF.  Lines of the events spte-trace knows become struct event
 * and go through the same engine as a recording.
 *
 * The patched kernel's events (kernel-patch/) name the VM by its trace id
 * ("vm=N", never reused) and the VMM's pid: the VM key is that id.
 *
 * Stock kernels only have kvmmmu:kvm_tdp_mmu_spte_changed, which carries no
 * VM identity and no flushes.  The VM key is then the task's TGID when the
 * trace shows it (tracefs option record-tgid, "comm-TID (TGID)"), else the
 * TID of the task: vCPU threads of one VM then look like separate VMs, so
 * a zap by one thread and a reinstall by another are never paired.  Use
 * record-tgid, or TRACE_TEXT_VM_SINGLE when one VM ran.  Without flush
 * events every reinstall is "unverified": the histograms and transitions
 * are still right.
 */
#ifndef __SPTE_TRACE_TEXT_H
#define __SPTE_TRACE_TEXT_H

#include <stddef.h>
#include "spte_trace.h"

struct trace_text;

enum trace_text_vm {
	TRACE_TEXT_VM_TASK, /* TGID if shown, else TID (stock event) */
	TRACE_TEXT_VM_SINGLE, /* every stock event belongs to one VM */
};

struct trace_text_opts {
	enum trace_text_vm vm;
};

struct trace_text_stats {
	__u64 lines;
	__u64 events; /* lines turned into events */
	__u64 comments; /* '#' headers and blank lines */
	__u64 unknown; /* other events and other text, skipped */
	__u64 lost; /* "[LOST N EVENTS]" the tracer reported */
	__u64 no_tgid; /* stock events keyed by TID: no TGID shown */
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

/* Read @path ("-": stdin).  0, or -errno with a message in @err. */
int trace_text__open(struct trace_text **out, const char *path,
		     const struct trace_text_opts *opts, char *err,
		     size_t errlen);
/* 1: @ev filled; 0: end of input; < 0: error in trace_text__error(). */
int trace_text__next(struct trace_text *tt, struct event *ev);

const char *trace_text__error(const struct trace_text *tt);
/* The task name of the last event's line ("qemu-system-x86"). */
const char *trace_text__comm(const struct trace_text *tt);
void trace_text__stats(const struct trace_text *tt,
		       struct trace_text_stats *st);

#endif /* __SPTE_TRACE_TEXT_H */
