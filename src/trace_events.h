/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracepoints spte-trace reads from a tracer's output, with their
 * fields: one table for trace text (src/trace_text.c) and trace.dat
 * records (src/tracedat.c), and the one place where fields become a
 * struct event.  The field names are the kernel's TP_STRUCT__entry names,
 * which the TP_printk formats repeat.
 */
#ifndef __SPTE_TRACE_EVENTS_H
#define __SPTE_TRACE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include "spte_trace.h"
#include "trace_text.h"

enum trace_field {
	F_KVM,
	F_PID,
	F_AS_ID,
	F_GFN,
	F_LEVEL,
	F_SPTEP,
	F_OLD,
	F_NEW,
	F_START,
	F_PAGES,
	F_SEQ,
	F_ROOT,
	F_ROOT_INVALID,
	F_REASON,
	F_PT,
	F_MAX,
};

#define FIELD_BIT(f) (1U << (f))

struct trace_event_def {
	const char *name;
	__u32 type; /* enum event_type */
	__u8 op; /* enum spte_op */
	__u32 required; /* FIELD_BIT()s */
};

/* The values of one event, by field. */
struct trace_fields {
	__u64 v[F_MAX];
	__u32 seen; /* FIELD_BIT()s */
};

/* Who wrote the event, as the tracer shows it. */
struct trace_task {
	__u64 ts_ns;
	__u32 tid;
	__u32 tgid; /* 0: not shown */
};

extern const struct trace_event_def trace_event_defs[];
extern const size_t trace_event_ndefs;
/* The kernel's name of each field ("old_spte"). */
extern const char *const trace_field_names[F_MAX];

const struct trace_event_def *trace_event__find(const char *name, size_t n);
/* Text aliases too ("as" of "as id", "old"); -1 if not a field we use. */
int trace_field__lookup(const char *name, size_t n, int *base);
/* "yield" -> DEADLINE_YIELD; -1 if unknown. */
int trace_reason__lookup(const char *name, size_t n);
/* Whether the table's event is only emitted by the patched kernel. */
bool trace_event__patched(const struct trace_event_def *def);

/*
 * Build @ev from @fl.  1, or -EINVAL with "<event>: <why>" in @err.
 * Stock events get their VM from @task per @vm (trace_text.h); @no_tgid
 * counts those keyed by thread.
 */
int trace_event__build(const struct trace_event_def *def,
		       const struct trace_task *task,
		       const struct trace_fields *fl, enum trace_text_vm vm,
		       __u64 *no_tgid, struct event *ev, char *err,
		       size_t errlen);

#endif /* __SPTE_TRACE_EVENTS_H */
