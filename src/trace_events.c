// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trace_events.h"
#include "util.h"

const char *const trace_field_names[F_MAX] = {
	[F_KVM] = "vm",
	[F_PID] = "pid",
	[F_AS_ID] = "as_id",
	[F_GFN] = "gfn",
	[F_LEVEL] = "level",
	[F_SPTEP] = "sptep",
	[F_OLD] = "old_spte",
	[F_NEW] = "new_spte",
	[F_START] = "start_gfn",
	[F_PAGES] = "pages",
	[F_SEQ] = "seq",
	[F_ROOT] = "root",
	[F_ROOT_INVALID] = "root_invalid",
	[F_REASON] = "reason",
	[F_PT] = "pt",
};

static const struct {
	const char *name;
	enum trace_field f;
	int base; /* in text, without a 0x prefix */
} field_aliases[] = {
	{ "vm", F_KVM, 10 }, /* the patched kernel's kvm->trace_id */
	{ "pid", F_PID, 10 },	      { "as_id", F_AS_ID, 10 },
	{ "as", F_AS_ID, 10 },	      { "gfn", F_GFN, 16 },
	{ "level", F_LEVEL, 10 },     { "sptep", F_SPTEP, 16 },
	{ "old_spte", F_OLD, 16 },    { "old", F_OLD, 16 },
	{ "new_spte", F_NEW, 16 },    { "new", F_NEW, 16 },
	{ "start_gfn", F_START, 16 }, { "start", F_START, 16 },
	{ "pages", F_PAGES, 16 },     { "seq", F_SEQ, 10 },
	{ "root", F_ROOT, 16 },	      { "root_invalid", F_ROOT_INVALID, 10 },
	{ "reason", F_REASON, 10 },   { "pt", F_PT, 16 },
};

#define SPTE_FIELDS                                                   \
	(FIELD_BIT(F_AS_ID) | FIELD_BIT(F_GFN) | FIELD_BIT(F_LEVEL) | \
	 FIELD_BIT(F_OLD) | FIELD_BIT(F_NEW))
#define FLUSH_FIELDS                                                  \
	(FIELD_BIT(F_KVM) | FIELD_BIT(F_START) | FIELD_BIT(F_PAGES) | \
	 FIELD_BIT(F_SEQ))

const struct trace_event_def trace_event_defs[] = {
	{ "kvm_tdp_mmu_spte_changed", EVENT_SPTE, SPTE_OP_CHANGED,
	  SPTE_FIELDS },
	{ "kvm_tdp_mmu_spte_set", EVENT_SPTE, SPTE_OP_SET,
	  SPTE_FIELDS | FIELD_BIT(F_KVM) },
	{ "kvm_tdp_mmu_spte_freeze", EVENT_SPTE, SPTE_OP_FREEZE,
	  SPTE_FIELDS | FIELD_BIT(F_KVM) },
	{ "kvm_tdp_mmu_spte_unfreeze", EVENT_SPTE, SPTE_OP_UNFREEZE,
	  SPTE_FIELDS | FIELD_BIT(F_KVM) },
	{ "kvm_remote_tlb_flush_begin", EVENT_FLUSH_BEGIN, 0, FLUSH_FIELDS },
	{ "kvm_remote_tlb_flush_end", EVENT_FLUSH_END, 0, FLUSH_FIELDS },
	{ "kvm_tdp_mmu_root_teardown_begin", EVENT_TEARDOWN_BEGIN, 0,
	  FIELD_BIT(F_KVM) },
	{ "kvm_tdp_mmu_root_teardown_end", EVENT_TEARDOWN_END, 0,
	  FIELD_BIT(F_KVM) },
	{ "kvm_mmu_flush_deadline", EVENT_DEADLINE, 0,
	  FIELD_BIT(F_KVM) | FIELD_BIT(F_REASON) },
	{ "kvm_tdp_mmu_free_sp", EVENT_FREE_PT, 0,
	  FIELD_BIT(F_PT) | FIELD_BIT(F_GFN) | FIELD_BIT(F_LEVEL) },
	{ "kvm_destroy_vm", EVENT_VM_DESTROY, 0, FIELD_BIT(F_KVM) },
};

const size_t trace_event_ndefs = ARRAY_SIZE(trace_event_defs);

/* kvm_mmu_flush_deadline prints its reason by name. */
static const char *const reason_names[DEADLINE_MAX] = {
	[DEADLINE_YIELD] = "yield",
	[DEADLINE_UNLOCK] = "unlock",
	[DEADLINE_NOTIFIER] = "notifier",
	[DEADLINE_DIRTY_LOG] = "dirty_log",
};

static bool same(const char *a, const char *b, size_t n)
{
	return strlen(a) == n && !strncmp(a, b, n);
}

const struct trace_event_def *trace_event__find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < trace_event_ndefs; i++)
		if (same(trace_event_defs[i].name, name, n))
			return &trace_event_defs[i];
	return NULL;
}

int trace_field__lookup(const char *name, size_t n, int *base)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(field_aliases); i++) {
		if (same(field_aliases[i].name, name, n)) {
			*base = field_aliases[i].base;
			return field_aliases[i].f;
		}
	}
	return -1;
}

int trace_reason__lookup(const char *name, size_t n)
{
	int r;

	for (r = 0; r < DEADLINE_MAX; r++)
		if (same(reason_names[r], name, n))
			return r;
	return -1;
}

bool trace_event__patched(const struct trace_event_def *def)
{
	return !(def->type == EVENT_SPTE && def->op == SPTE_OP_CHANGED);
}

/* The stock event has no VM: key it by task (see trace_text.h). */
static __u64 stock_vm(const struct trace_task *t, enum trace_text_vm vm,
		      __u64 *no_tgid)
{
	if (vm == TRACE_TEXT_VM_SINGLE)
		return 1;
	if (t->tgid)
		return t->tgid;
	(*no_tgid)++;
	return t->tid;
}

static int build_spte(const struct trace_event_def *def,
		      const struct trace_task *t, const struct trace_fields *fl,
		      enum trace_text_vm vm, __u64 *no_tgid, struct event *ev,
		      char *err, size_t errlen)
{
	struct spte_event *s = &ev->spte;

	if (fl->v[F_LEVEL] < 1 || fl->v[F_LEVEL] > SPTE_LEVELS) {
		snprintf(err, errlen, "%s: level %llu is not 1 to %d",
			 def->name, fl->v[F_LEVEL], SPTE_LEVELS);
		return -EINVAL;
	}
	if (fl->v[F_AS_ID] > 0xffff) {
		snprintf(err, errlen, "%s: as_id %llu out of range", def->name,
			 fl->v[F_AS_ID]);
		return -EINVAL;
	}
	s->ts_ns = t->ts_ns;
	s->gfn = fl->v[F_GFN];
	s->old_spte = fl->v[F_OLD];
	s->new_spte = fl->v[F_NEW];
	s->sptep = fl->v[F_SPTEP];
	s->tid = t->tid;
	s->stack_id = -1;
	s->as_id = fl->v[F_AS_ID];
	s->level = fl->v[F_LEVEL];
	s->op = def->op;
	s->root = fl->v[F_ROOT];
	if (fl->v[F_ROOT_INVALID])
		s->flags |= SPTE_F_ROOT_INVALID;
	if (def->op == SPTE_OP_CHANGED) {
		/* The VM is a guess: never enough for a violation. */
		s->vm = stock_vm(t, vm, no_tgid);
		s->pid = t->tgid; /* 0: the process is not known */
		s->flags |= SPTE_F_VM_GUESSED;
	} else {
		s->vm = fl->v[F_KVM];
		s->pid = fl->seen & FIELD_BIT(F_PID) ? fl->v[F_PID] : t->tgid;
	}
	return 1;
}

static int build_vm_event(const struct trace_event_def *def,
			  const struct trace_task *t,
			  const struct trace_fields *fl, struct event *ev,
			  char *err, size_t errlen)
{
	struct vm_event *f = &ev->vm;

	if (def->type == EVENT_DEADLINE && fl->v[F_REASON] >= DEADLINE_MAX) {
		snprintf(err, errlen, "%s: reason %llu is not known", def->name,
			 fl->v[F_REASON]);
		return -EINVAL;
	}
	if (def->type == EVENT_FREE_PT &&
	    (fl->v[F_LEVEL] < 1 || fl->v[F_LEVEL] > SPTE_LEVELS)) {
		snprintf(err, errlen, "%s: level %llu is not 1 to %d",
			 def->name, fl->v[F_LEVEL], SPTE_LEVELS);
		return -EINVAL;
	}
	f->ts_ns = t->ts_ns;
	f->vm = fl->v[F_KVM];
	f->start_gfn = def->type == EVENT_FREE_PT ? fl->v[F_GFN] :
						    fl->v[F_START];
	f->pages = fl->v[F_PAGES];
	f->seq = fl->v[F_SEQ];
	f->tag = fl->v[F_SEQ]; /* as the BPF programs pair them */
	f->reason = fl->v[F_REASON];
	f->pt = fl->v[F_PT];
	f->level = fl->v[F_LEVEL];
	f->as_id = fl->v[F_AS_ID];
	f->stack_id = -1;
	f->pid = fl->seen & FIELD_BIT(F_PID) ? fl->v[F_PID] : t->tgid;
	f->tid = t->tid;
	return 1;
}

int trace_event__build(const struct trace_event_def *def,
		       const struct trace_task *task,
		       const struct trace_fields *fl, enum trace_text_vm vm,
		       __u64 *no_tgid, struct event *ev, char *err,
		       size_t errlen)
{
	int f;

	for (f = 0; f < F_MAX; f++) {
		if ((def->required & FIELD_BIT(f)) &&
		    !(fl->seen & FIELD_BIT(f))) {
			snprintf(err, errlen, "%s: no %s field", def->name,
				 trace_field_names[f]);
			return -EINVAL;
		}
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = def->type;
	if (def->type == EVENT_SPTE)
		return build_spte(def, task, fl, vm, no_tgid, ev, err, errlen);
	return build_vm_event(def, task, fl, ev, err, errlen);
}
