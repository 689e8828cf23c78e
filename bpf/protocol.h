/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The removed-SPTE protocol monitor: the one implementation of the state
 * machine described in docs/protocol.md.
 *
 * It is compiled twice: into the BPF programs (bpf/spte_trace.bpf.c, state in
 * BPF maps) and into the daemon for `spte-trace report` and the unit tests
 * (src/replay_env.c, state in userspace tables).  The includer defines
 * `struct env` and the env_*() functions below before including this file;
 * nothing here knows which side it runs on.
 *
 *   env_cfg(), env_stats(), env_hists()          configuration and results
 *   env_state_lookup/update()                    per-SPTE history (LRU)
 *   env_pending_lookup/update/delete()           zaps awaiting a flush
 *   env_vm_lookup/create()                       per-VM flush bookkeeping
 *   env_inflight_lookup/update/delete()          flushes in progress
 *   env_teardown_lookup/update/delete()          tasks tearing down roots
 *   env_site_add(), env_report()                 stacks and violations
 *   env_fetch_add(), env_store_max()             atomics (plain in userspace)
 *
 * The protocol, as the TDP MMU implements it (arch/x86/kvm/mmu/tdp_mmu.c):
 * a present SPTE is zapped either directly (mmu_lock held for write) or by
 * freezing it to the removed value, flushing remote TLBs, and then writing
 * the non-present value.  Until a remote flush that *began after the zap*
 * has completed, vCPUs may still hold the old translation, so a new mapping
 * for the same GFN must not be installed.  Every install is checked against
 * that rule.
 */
#ifndef __SPTE_PROTOCOL_H
#define __SPTE_PROTOCOL_H

#include "spte_rules.h"

PROTO_INLINE void hist_add(struct env *env, __u32 kind, __u32 index,
			   __u64 value)
{
	struct hists *hists = env_hists(env);
	struct hist *h;
	__u32 slot = hist_slot(value);

	proto_opaque(index);
	proto_opaque(slot);
	if (kind >= HIST_KINDS || index >= SPTE_LEVELS || slot >= HIST_SLOTS)
		return;
	h = &hists->h[kind][index];
	h->slots[slot]++;
	h->sum_ns += value;
}

PROTO_INLINE void count(struct env *env, __u32 counter)
{
	if (counter < CNT_MAX)
		env_stats(env)->counters[counter]++;
}

PROTO_INLINE void count_transition(struct env *env, __u32 tr, __u32 level)
{
	__u32 idx = level_index(level);

	proto_opaque(idx);
	if (tr < TR_MAX && idx < SPTE_LEVELS)
		env_stats(env)->transitions[tr][idx]++;
}

PROTO_INLINE void count_outcome(struct env *env, __u32 out, __u32 level)
{
	__u32 idx = level_index(level);

	proto_opaque(idx);
	if (out < OUT_MAX && idx < SPTE_LEVELS)
		env_stats(env)->outcomes[out][idx]++;
}

/* ---- SPTE transitions --------------------------------------------------- */

PROTO_INLINE void key_init(struct spte_key *key, const struct spte_event *ev)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->vm = ev->vm;
	key->gfn = ev->gfn;
	key->as_id = ev->as_id;
	key->level = ev->level;
}

PROTO_INLINE struct vm_state *vm_get(struct env *env, __u64 vm, __u32 pid,
				     __u64 now)
{
	struct vm_state *st = env_vm_lookup(env, vm);
	struct vm_state init;

	if (st)
		return st;
	__builtin_memset(&init, 0, sizeof(init));
	init.pid = pid;
	init.first_seen_ns = now;
	st = env_vm_create(env, vm, &init);
	if (!st)
		count(env, CNT_VM_FULL);
	return st;
}

/* Is this task zapping roots that no vCPU can use any more? */
PROTO_INLINE bool in_root_teardown(struct env *env, const struct spte_event *ev)
{
	__u64 *vm = env_teardown_lookup(env, ev->tid);

	return vm && *vm == ev->vm;
}

PROTO_INLINE void report(struct env *env, const struct spte_event *ev,
			 const struct pending_zap *p, const struct vm_state *vm,
			 __u32 out)
{
	struct violation v;

	__builtin_memset(&v, 0, sizeof(v));
	v.ts_ns = ev->ts_ns;
	v.vm = ev->vm;
	v.gfn = ev->gfn;
	v.new_spte = ev->new_spte;
	v.sptep = ev->sptep;
	v.pid = ev->pid;
	v.tid = ev->tid;
	v.stack_id = ev->stack_id;
	v.as_id = ev->as_id;
	v.level = ev->level;
	v.outcome = out;
	v.zap_stack_id = -1;
	if (p) {
		v.zap_ns = p->zap_ns;
		v.old_spte = p->old_spte;
		v.zap_spte = p->zap_spte;
		v.zap_flush_seq = p->flush_seq;
		v.zap_tid = p->zap_tid;
		v.zap_stack_id = p->zap_stack;
	} else {
		v.old_spte = ev->old_spte;
	}
	if (vm) {
		v.vm_begun_seq = vm->begun_seq;
		v.vm_full_done_seq = vm->full_done_seq;
		if (!v.pid)
			v.pid = vm->pid;
	}
	env_site_add(env, SITE_VIOLATION, ev->stack_id);
	env_report(env, &v);
}

/* present -> non-present: a direct zap, or a freeze to the removed value. */
PROTO_INLINE void on_zap(struct env *env, const struct spte_event *ev,
			 const struct spte_key *key, bool frozen)
{
	const struct spte_config *c = env_cfg(env);
	struct spte_state *old = env_state_lookup(env, key);
	struct spte_state st;
	struct pending_zap p;
	struct vm_state *vm;

	count_transition(env, frozen ? TR_FREEZE : TR_ZAP, ev->level);
	if (old && (old->flags & STATE_PRESENT) && old->install_ns &&
	    ev->ts_ns >= old->install_ns)
		hist_add(env, HIST_PRESENT_LIFETIME, level_index(ev->level),
			 ev->ts_ns - old->install_ns);
	env_site_add(env, SITE_ZAP, ev->stack_id);

	__builtin_memset(&st, 0, sizeof(st));
	st.zap_ns = ev->ts_ns;
	st.freeze_ns = frozen ? ev->ts_ns : 0;
	st.last_spte = ev->old_spte;
	st.zap_stack = ev->stack_id;
	st.flags = STATE_ZAPPED | (frozen ? STATE_FROZEN : 0);

	if (!ev->vm) {
		count(env, CNT_NO_VM);
		st.flags |= STATE_UNTRACKED;
	} else if (in_root_teardown(env, ev)) {
		/*
		 * Roots being torn down are unreachable: every vCPU loads a
		 * new root, with a local flush, before it runs again.  No
		 * remote flush is owed for these zaps.
		 */
		st.flags |= STATE_TEARDOWN;
	} else if (c->flush_visible) {
		vm = vm_get(env, ev->vm, ev->pid, ev->ts_ns);
		__builtin_memset(&p, 0, sizeof(p));
		p.zap_ns = ev->ts_ns;
		/*
		 * Every flush counted here began before this event, and its
		 * begin event ran before it sent any IPI, so only a larger
		 * sequence can cover this zap.
		 */
		p.flush_seq = vm ? vm->begun_seq : 0;
		p.old_spte = ev->old_spte;
		p.zap_spte = ev->new_spte;
		p.zap_stack = ev->stack_id;
		p.zap_tid = ev->tid;
		if (!vm || env_pending_update(env, key, &p)) {
			count(env, CNT_PENDING_FULL);
			st.flags |= STATE_UNTRACKED;
		}
	}
	if (env_state_update(env, key, &st))
		count(env, CNT_STATE_FULL);
}

/* Decide whether an install at a zapped SPTE was covered by a flush. */
PROTO_INLINE __u32 install_outcome(struct env *env, const struct spte_event *ev,
				   const struct spte_key *key,
				   const struct spte_state *old)
{
	const struct spte_config *c = env_cfg(env);
	struct pending_zap *p;
	struct vm_state *vm;
	__u32 out;

	if (!c->flush_visible)
		return old && (old->flags & STATE_ZAPPED) ? OUT_UNVERIFIED
							   : OUT_FIRST;
	p = ev->vm ? env_pending_lookup(env, key) : 0;
	if (!p) {
		if (!old || !(old->flags & STATE_ZAPPED))
			return OUT_FIRST;
		if (old->flags & STATE_TEARDOWN)
			return OUT_NEW_ROOT;
		if (old->flags & STATE_UNTRACKED)
			return OUT_UNTRACKED;
		if (old->flags & STATE_EXPIRED)
			return OUT_EXPIRED;
		/* The sweeper only drops pending zaps that a flush covered. */
		return OUT_COVERED;
	}

	vm = env_vm_lookup(env, ev->vm);
	if (!vm)
		out = OUT_UNDECIDABLE;
	else
		switch (proto_coverage(vm, p->flush_seq, ev->gfn, ev->level)) {
		case COVERAGE_FLUSHED:
			out = OUT_COVERED;
			break;
		case COVERAGE_UNKNOWN:
			out = OUT_UNDECIDABLE;
			break;
		default:
			out = proto_classify(c, p->old_spte, ev->new_spte);
			break;
		}
	if (outcome_is_violation(out))
		report(env, ev, p, vm, out);
	env_pending_delete(env, key);
	return out;
}

/* non-present -> present */
PROTO_INLINE void on_install(struct env *env, const struct spte_event *ev,
			     const struct spte_key *key, bool was_removed)
{
	struct spte_state *old = env_state_lookup(env, key);
	struct spte_state st;
	__u32 out;

	count_transition(env, was_removed ? TR_INSTALL_REMOVED : TR_INSTALL,
			 ev->level);
	env_site_add(env, SITE_INSTALL, ev->stack_id);
	if (old && (old->flags & STATE_ZAPPED) && ev->ts_ns >= old->zap_ns)
		hist_add(env, HIST_ZAP_TO_INSTALL, level_index(ev->level),
			 ev->ts_ns - old->zap_ns);

	out = install_outcome(env, ev, key, old);
	count_outcome(env, out, ev->level);

	__builtin_memset(&st, 0, sizeof(st));
	st.install_ns = ev->ts_ns;
	st.last_spte = ev->new_spte;
	st.zap_stack = -1;
	st.flags = STATE_PRESENT;
	if (env_state_update(env, key, &st))
		count(env, CNT_STATE_FULL);
}

/* present -> present */
PROTO_INLINE void on_change(struct env *env, const struct spte_event *ev,
			    const struct spte_key *key)
{
	const struct spte_config *c = env_cfg(env);
	bool was_leaf = spte_is_leaf(c, ev->old_spte, ev->level);
	bool is_leaf = spte_is_leaf(c, ev->new_spte, ev->level);
	__u32 old_perms, new_perms, tr;
	struct spte_state *st;

	if (was_leaf && !is_leaf) {
		tr = TR_SPLIT;
	} else if (!was_leaf && is_leaf) {
		tr = TR_COLLAPSE;
	} else if (was_leaf &&
		   spte_pfn(c, ev->old_spte) != spte_pfn(c, ev->new_spte)) {
		/* The kernel BUG()s on this; report it if it ever gets past. */
		count_outcome(env, OUT_PRESENT_PFN, ev->level);
		report(env, ev, 0, env_vm_lookup(env, ev->vm), OUT_PRESENT_PFN);
		tr = TR_MODIFY;
	} else {
		old_perms = spte_perms(c, ev->old_spte);
		new_perms = spte_perms(c, ev->new_spte);
		if (old_perms & ~new_perms)
			tr = TR_PROTECT;
		else if (new_perms & ~old_perms)
			tr = TR_WIDEN;
		else
			tr = TR_MODIFY;
	}
	count_transition(env, tr, ev->level);

	st = env_state_lookup(env, key);
	if (st) {
		st->last_spte = ev->new_spte;
		st->flags = (st->flags & ~(__u32)(STATE_ZAPPED | STATE_FROZEN)) |
			    STATE_PRESENT;
	}
}

/* non-present -> non-present */
PROTO_INLINE void on_nonpresent(struct env *env, const struct spte_event *ev,
				const struct spte_key *key, bool was_removed,
				bool is_removed)
{
	struct spte_state *st;

	if (was_removed && !is_removed) {
		count_transition(env, TR_UNFREEZE, ev->level);
		st = env_state_lookup(env, key);
		if (st && (st->flags & STATE_FROZEN) &&
		    ev->ts_ns >= st->freeze_ns) {
			hist_add(env, HIST_FROZEN_WINDOW,
				 level_index(ev->level),
				 ev->ts_ns - st->freeze_ns);
			st->flags &= ~(__u32)STATE_FROZEN;
		}
	} else if (!was_removed && is_removed) {
		count_transition(env, TR_FREEZE_EMPTY, ev->level);
	} else {
		count_transition(env, TR_NONPRESENT, ev->level);
	}
}

/* Entry point for every SPTE change, from any source. */
PROTO_INLINE void proto_spte(struct env *env, const struct spte_event *ev)
{
	const struct spte_config *c = env_cfg(env);
	bool was_present = spte_is_present(c, ev->old_spte);
	bool is_present = spte_is_present(c, ev->new_spte);
	struct spte_key key;

	count(env, CNT_SPTE_EVENTS);
	if (ev->old_spte == ev->new_spte) {
		count(env, CNT_SAME_VALUE);
		return;
	}
	key_init(&key, ev);

	if (was_present && is_present)
		on_change(env, ev, &key);
	else if (was_present)
		on_zap(env, ev, &key, spte_is_removed(c, ev->new_spte));
	else if (is_present)
		on_install(env, ev, &key, spte_is_removed(c, ev->old_spte));
	else
		on_nonpresent(env, ev, &key, spte_is_removed(c, ev->old_spte),
			      spte_is_removed(c, ev->new_spte));
}

/* ---- Remote TLB flushes --------------------------------------------------- */

PROTO_INLINE void inflight_key_init(struct inflight_key *k,
				    const struct flush_event *ev)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->vm = ev->vm;
	k->tag = ev->tag;
}

PROTO_INLINE void proto_flush_begin(struct env *env,
				    const struct flush_event *ev)
{
	struct inflight_flush f;
	struct inflight_key k;
	struct vm_state *vm;

	count(env, CNT_FLUSH_BEGIN);
	vm = vm_get(env, ev->vm, ev->pid, ev->ts_ns);
	if (!vm)
		return;

	__builtin_memset(&f, 0, sizeof(f));
	if (ev->seq) {
		/* The kernel numbers its flushes (patched kernel). */
		f.seq = ev->seq;
		env_store_max(&vm->begun_seq, ev->seq);
	} else {
		f.seq = env_fetch_add(&vm->begun_seq, 1) + 1;
	}
	f.begin_ns = ev->ts_ns;
	f.start_gfn = ev->start_gfn;
	f.pages = ev->pages;
	inflight_key_init(&k, ev);
	if (env_inflight_update(env, &k, &f))
		count(env, CNT_INFLIGHT_FULL);
}

PROTO_INLINE void flush_complete(struct env *env, struct vm_state *vm,
				 __u64 seq, __u64 start, __u64 pages)
{
	__u64 head, slot, end;

	if (pages == FLUSH_ALL_PAGES) {
		env_store_max(&vm->full_done_seq, seq);
		return;
	}
	end = start + pages;
	if (end < start)
		end = ~0ULL;
	head = env_fetch_add(&vm->ring_head, 1);
	slot = head & (FLUSH_RING - 1);
	if (vm->ring[slot].seq)
		env_store_max(&vm->ranged_lost_seq, vm->ring[slot].seq);
	/* Invalidate the slot first: a reader must not match a torn range. */
	vm->ring[slot].seq = 0;
	vm->ring[slot].start = start;
	vm->ring[slot].end = end;
	vm->ring[slot].seq = seq;
}

PROTO_INLINE void proto_flush_end(struct env *env, const struct flush_event *ev)
{
	struct inflight_flush *f;
	struct inflight_key k;
	struct vm_state *vm;
	__u64 seq, start, pages;

	count(env, CNT_FLUSH_END);
	vm = env_vm_lookup(env, ev->vm);
	inflight_key_init(&k, ev);
	f = env_inflight_lookup(env, &k);
	if (f) {
		seq = f->seq;
		start = f->start_gfn;
		pages = f->pages;
		if (ev->ts_ns >= f->begin_ns)
			hist_add(env, HIST_FLUSH_LATENCY,
				 pages == FLUSH_ALL_PAGES ? 0 : 1,
				 ev->ts_ns - f->begin_ns);
		env_inflight_delete(env, &k);
	} else {
		/* Only a kernel-numbered end can be used without its begin. */
		count(env, CNT_FLUSH_UNPAIRED);
		seq = ev->seq;
		start = ev->start_gfn;
		pages = ev->pages;
	}
	if (vm && seq)
		flush_complete(env, vm, seq, start, pages);
}

/* ---- Root teardown ------------------------------------------------------------ */

/*
 * kvm_tdp_mmu_zap_invalidated_roots() and kvm_tdp_mmu_zap_all() zap roots
 * that no vCPU can load again; the zaps they make owe no remote flush.
 */
PROTO_INLINE void proto_teardown_begin(struct env *env,
				       const struct flush_event *ev)
{
	__u64 vm = ev->vm;

	env_teardown_update(env, ev->tid, &vm);
}

PROTO_INLINE void proto_teardown_end(struct env *env,
				     const struct flush_event *ev)
{
	env_teardown_delete(env, ev->tid);
}

#endif /* __SPTE_PROTOCOL_H */
