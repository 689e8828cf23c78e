/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The removed-SPTE protocol monitor: the one implementation of the state
 * machine and the rules described in docs/protocol.md.
 *
 * It is compiled twice: into the BPF programs (bpf/spte_trace.bpf.c, state in
 * BPF maps, bpf/maps.bpf.h) and into the daemon for `spte-trace report` and
 * the unit tests (src/engine.c, state in userspace tables).  The includer
 * defines `struct env` and the env_*() functions below before including this
 * file; nothing here knows which side it runs on.
 *
 *   env_cfg(), env_stats(), env_hists()          configuration and results
 *   env_state_lookup/update/delete()             per-SPTE history (LRU)
 *   env_pending_lookup/update/delete()           zaps awaiting a flush
 *   env_vm_lookup/create()                       per-VM flush bookkeeping
 *                                                (create: zeroed, pid, first seen)
 *   env_vm_bury(), env_vm_is_dead()              destroyed VMs
 *   env_inflight_lookup/update/delete()          flushes in progress
 *   env_teardown_lookup/update/delete()          tasks tearing down roots
 *   env_holder_lookup/create()                   per-task batches
 *   env_table_lookup/update/delete()             removed page tables
 *   env_site_add(), env_stack()                  stacks
 *   env_violation(), env_report()                a violation record, its report
 *   env_pending_view()                           scratch for a pending zap
 *   env_fetch_add(), env_store_max()             atomics (plain in userspace)
 *   env_loop()                                   a bounded loop (bpf_loop)
 *   env_launder()                                a value the verifier forgets
 *
 * What KVM promises, and where each promise comes from (upstream commits
 * named in each rule below): a zapped SPTE may still be cached by vCPUs
 * until a remote TLB flush that began after the zap has completed, and
 * that flush must complete
 *
 *   R2  before an atomically zapped (frozen) SPTE is unfrozen,
 *   R3  before mmu_lock is yielded or released by the task that zapped,
 *   R4  before the MMU notifier's invalidate_range_start returns,
 *   R5  before a removed page table is freed,
 *   R6  and a write-protection before dirty state is reported,
 *
 * and R1 follows from all of them: no vCPU may install a translation while
 * a zapped one it overlaps may still be cached, unless the two agree.  R7
 * (a present leaf never changes pfn) is the kernel's own BUG() condition.
 */
#ifndef __SPTE_PROTOCOL_H
#define __SPTE_PROTOCOL_H

#include "spte_rules.h"

/* ---- Results ------------------------------------------------------------ */

/* One sample of @value that stands for @n. */
PROTO_INLINE void proto_hist_add_n(struct env *env, __u32 kind, __u32 index,
				   __u64 value, __u32 n)
{
	struct hists *hists = env_hists(env);
	struct hist *h;
	__u32 slot = hist_slot(value);

	proto_opaque(index);
	proto_opaque(slot);
	if (kind >= HIST_KINDS || index >= SPTE_LEVELS || slot >= HIST_SLOTS)
		return;
	h = &hists->h[kind][index];
	h->slots[slot] += n;
	h->sum_ns += value * n;
}

PROTO_INLINE void proto_hist_add(struct env *env, __u32 kind, __u32 index,
				 __u64 value)
{
	proto_hist_add_n(env, kind, index, value, 1);
}

/*
 * The history entry an install writes serves one purpose: the
 * present_lifetime histogram (install -> zap).  Everything else the rules
 * need is written by the zap.  A first install would pay an LRU insert,
 * which evicts when the map is full, most of the cost of an install on a
 * busy host (docs/performance.md), so the lifetime is sampled: kept for
 * one SPTE in LIFETIME_SAMPLE, chosen by a hash of its key (the same SPTE
 * every time, and the same in both engines), each sample counted
 * LIFETIME_SAMPLE times.
 */
#define LIFETIME_SAMPLE 16

PROTO_INLINE bool proto_lifetime_sampled(const struct spte_key *key)
{
	__u64 h = (key->gla ^ ((__u64)key->root << 32) ^ key->vm) *
		  0x9e3779b97f4a7c15ULL;

	return (h >> 60) == 0;	/* 1 in 16: LIFETIME_SAMPLE */
}

PROTO_INLINE void proto_count(struct env *env, __u32 counter)
{
	proto_opaque(counter);
	if (counter < CNT_MAX)
		env_stats(env)->counters[counter]++;
}

PROTO_INLINE void proto_count_transition(struct env *env, __u32 tr,
					 __u32 level)
{
	__u32 idx = level_index(level);

	tr = env_launder(env, tr);
	proto_opaque(idx);
	proto_opaque(tr);
	if (tr < TR_MAX && idx < SPTE_LEVELS)
		env_stats(env)->transitions[tr][idx]++;
}

PROTO_INLINE void proto_count_outcome(struct env *env, __u32 out, __u32 level)
{
	__u32 idx = level_index(level);

	out = env_launder(env, out);
	proto_opaque(idx);
	proto_opaque(out);
	if (out < OUT_MAX && idx < SPTE_LEVELS)
		env_stats(env)->outcomes[out][idx]++;
}

/* Count a violation of @v->kind and hand it to whoever reports it. */
PROTO_INLINE void proto_report(struct env *env, struct violation *v,
			       const struct vm_state *vm)
{
	__u32 idx = level_index(v->level), kind = env_launder(env, v->kind);

	proto_opaque(idx);
	proto_opaque(kind);
	if (kind < VK_MAX && idx < SPTE_LEVELS)
		env_stats(env)->violations[kind][idx]++;
	if (vm) {
		v->vm_begun_seq = vm->begun_seq;
		v->vm_full_done_seq = vm->full_done_seq;
		if (!v->pid)
			v->pid = vm->pid;
	}
	env_site_add(env, SITE_VIOLATION, v->stack_id);
	env_report(env, v);
}

/* ---- VMs ------------------------------------------------------------------ */

/*
 * VM identity (docs/protocol.md): the kernel's trace id on the patched
 * kernel, a monitor-assigned id for a struct kvm on a stock kernel, never
 * reused while the monitor runs, so a new VM at a reused address starts
 * with no history (it cannot inherit the flush sequence of its
 * predecessor).  Flush sequences start from the kernel's own numbering or
 * from zero, and a VM state created after its zaps were recorded (evicted,
 * or the monitor started late) marks them as of unknown coverage.
 */
PROTO_INLINE struct vm_state *proto_vm_get(struct env *env, __u64 vm,
					   __u32 pid, __u64 now)
{
	struct vm_state *st = env_vm_lookup(env, vm);

	if (st)
		return st;
	/* A destroyed VM's last events (its teardown) create nothing. */
	if (env_vm_is_dead(env, vm))
		return 0;
	st = env_vm_create(env, vm, pid, now);
	if (!st)
		proto_count(env, CNT_VM_FULL);
	return st;
}

/* Is this task zapping roots that no vCPU can use any more? */
PROTO_INLINE bool proto_in_teardown(struct env *env, __u64 vm, __u32 tid)
{
	__u64 *td = env_teardown_lookup(env, tid);

	return td && *td == vm;
}

/*
 * Zaps that owe no remote flush: in a root being torn down (VM destruction,
 * kvm_tdp_mmu_zap_invalidated_roots(): no vCPU can load it again, and a
 * vCPU loading a new root flushes its own TLB) or in an invalid root
 * (upstream fcdffe97f80e, "Don't do TLB flush when zappings SPTEs in
 * invalid roots": vCPUs left invalid roots when they were invalidated).
 */
PROTO_INLINE bool proto_zap_exempt(struct env *env,
				   const struct spte_event *ev)
{
	return (ev->flags & (SPTE_F_ROOT_INVALID | SPTE_F_TEARDOWN)) ||
	       proto_in_teardown(env, ev->vm, ev->tid);
}

/* ---- Per-task batches (R3, R6) ---------------------------------------------- */

PROTO_INLINE void proto_holder_key(struct holder_key *hk, __u64 vm, __u32 tid)
{
	__builtin_memset(hk, 0, sizeof(*hk));
	hk->vm = vm;
	hk->tid = tid;
}

/*
 * Add a zap or a write-protection to its task's batch.  A batch that a
 * completed flush already covers is settled first, so that a batch only
 * ever holds what is still owed (and one covering flush suffices).
 */
PROTO_STEP void proto_batch_add(struct env *env, struct vm_state *vm,
				  const struct spte_event *ev, bool protect)
{
	struct holder_key hk;
	struct holder *h;
	struct batch *b;
	__u64 end = ev->gfn + level_pages(ev->level);

	proto_holder_key(&hk, ev->vm, ev->tid);
	h = env_holder_lookup(env, &hk);
	if (!h) {
		h = env_holder_create(env, &hk);
		if (!h) {
			proto_count(env, CNT_HOLDERS_FULL);
			return;
		}
	}
	b = protect ? &h->protects : &h->zaps;
	if (b->count &&
	    proto_coverage(vm, b->last_seq, b->lo, b->hi) == COVERAGE_FLUSHED)
		b->count = 0;
	if (!b->count) {
		b->first_seq = vm->begun_seq;
		b->lo = ev->gfn;
		b->hi = end;
		b->first_reqs = ev->flush_reqs;
	}
	b->count++;
	b->last_seq = vm->begun_seq;
	if (ev->gfn < b->lo)
		b->lo = ev->gfn;
	if (end > b->hi)
		b->hi = end;
	b->last_ns = ev->ts_ns;
	b->last_gfn = ev->gfn;
	b->last_old = ev->old_spte;
	b->last_new = ev->new_spte;
	b->last_level = ev->level;
	b->last_as_id = ev->as_id;
}

/*
 * Stock kernels: the hooks may miss a flush (an inlined call, a ranged
 * flush through a hypervisor).  An uncovered zap can then only be reported
 * when kvm->stat.generic's remote_tlb_flush_requests + remote_tlb_flush,
 * which every call of kvm_flush_remote_tlbs() increments, show that no
 * flush was even requested since the zap (flush_requests(), bpf side).
 */
PROTO_INLINE bool proto_evidence_complete(const struct spte_config *c,
					  __u64 reqs_at_zap, __u64 reqs_now)
{
	if (c->flush_visible == FLUSH_COMPLETE)
		return true;
	return c->flush_visible == FLUSH_PARTIAL && !c->counter_blind &&
	       reqs_at_zap && reqs_at_zap == reqs_now;
}

/*
 * R3/R4/R6, at a deadline event: everything the task owes for its zaps
 * (yield, unlock, notifier) or write-protections (dirty_log) must be
 * covered.  Sources: a835429cda91 ("Ensure TLBs are flushed when yielding
 * during GFN range zap"), 048f49809c52 ("Ensure TLBs are flushed for TDP
 * MMU during NX zapping"), 35ef80eb29ab (KVM must flush "before dropping
 * mmu_lock (to synchronize with mmu_notifiers invalidating mappings)"),
 * and kvm_get_dirty_log_protect(), which flushes before copying the
 * bitmap to userspace.
 */
PROTO_STEP void proto_deadline(struct env *env, const struct vm_event *ev)
{
	const struct spte_config *c = env_cfg(env);
	struct holder_key hk;
	struct violation *v;
	struct vm_state *vm;
	struct holder *h;
	struct batch *b;
	__u32 cov;

	proto_count(env, CNT_DEADLINES + (ev->reason < DEADLINE_MAX ?
						 ev->reason : DEADLINE_YIELD));
	if (c->flush_visible == FLUSH_NONE)
		return;
	proto_holder_key(&hk, ev->vm, ev->tid);
	h = env_holder_lookup(env, &hk);
	if (!h)
		return;
	b = ev->reason == DEADLINE_DIRTY_LOG ? &h->protects : &h->zaps;
	if (!b->count)
		return;
	vm = env_vm_lookup(env, ev->vm);
	/* A destroyed VM's vCPUs are gone: nothing is owed any more. */
	if (!vm && env_vm_is_dead(env, ev->vm)) {
		b->count = 0;
		return;
	}
	cov = vm ? proto_batch_coverage(vm, b) : COVERAGE_UNKNOWN;
	if (cov == COVERAGE_NONE &&
	    !proto_evidence_complete(c, b->first_reqs, ev->flush_reqs)) {
		proto_count(env, CNT_DEADLINE_UNVERIFIED);
	} else if (cov == COVERAGE_NONE && (v = env_violation(env))) {
		__builtin_memset(v, 0, sizeof(*v));
		v->ts_ns = ev->ts_ns;
		v->zap_ns = b->last_ns;
		v->vm = ev->vm;
		v->gfn = b->last_gfn;
		v->new_gfn = b->last_gfn;
		v->old_spte = b->last_old;
		v->zap_spte = b->last_new;
		v->zap_flush_seq = b->last_seq;
		v->count = b->count;
		v->pid = ev->pid;
		v->tid = ev->tid;
		v->zap_tid = ev->tid;
		v->stack_id = env_stack(env, ev->stack_id);
		v->zap_stack_id = -1;
		v->as_id = b->last_as_id;
		v->level = b->last_level;
		v->kind = deadline_kind(ev->reason);
		v->reason = ev->reason;
		proto_report(env, v, vm);
	} else if (cov != COVERAGE_FLUSHED) {
		proto_count(env, CNT_DEADLINE_UNDECIDED);
	}
	b->count = 0;
}

/* ---- Removed page tables (R5) --------------------------------------------------- */

/*
 * A page table left its parent (zapped, or replaced by a huge leaf).  Its
 * memory is freed after an RCU grace period (handle_removed_pt()); until a
 * covering flush, vCPUs' paging-structure caches may still walk it.
 */
PROTO_STEP void proto_table_removed(struct env *env, struct vm_state *vm,
				      const struct spte_event *ev, bool exempt,
				      __u64 seq)
{
	const struct spte_config *c = env_cfg(env);
	struct removed_table t;

	__builtin_memset(&t, 0, sizeof(t));
	t.vm = ev->vm;
	t.seq = vm ? seq : 0;
	t.removed_ns = ev->ts_ns;
	t.gfn = ev->gfn;
	t.old_spte = ev->old_spte;
	t.new_spte = ev->new_spte;
	t.flush_reqs = ev->flush_reqs;
	t.tid = ev->tid;
	t.stack = exempt ? -1 : env_stack(env, ev->stack_id);
	t.level = ev->level;
	t.flags = exempt || !vm ? TABLE_EXEMPT : 0;
	if (env_table_update(env, spte_pfn(c, ev->old_spte), &t))
		proto_count(env, CNT_TABLES_FULL);
}

/*
 * R5: the table is being freed.  The flush had to come first: 35ef80eb29ab
 * ("KVM must only flush TLBs before dropping RCU (to avoid use-after-free
 * of the zapped page tables)"), the rule 048f49809c52 re-established for
 * NX huge page recovery.
 */
PROTO_STEP void proto_free_pt(struct env *env, const struct vm_event *ev)
{
	const struct spte_config *c = env_cfg(env);
	struct removed_table *t;
	struct violation *v;
	struct vm_state *vm;
	__u64 pfn = ev->pt >> 12;
	__u32 cov;

	proto_count(env, CNT_FREE_PT);
	t = env_table_lookup(env, pfn);
	if (!t) {
		proto_count(env, CNT_FREE_UNKNOWN);
		return;
	}
	if (t->flags & TABLE_EXEMPT)
		goto out;
	vm = env_vm_lookup(env, t->vm);
	/*
	 * Freed after its VM was destroyed: kvm_destroy_vm() runs once the
	 * last reference is gone, vCPU file descriptors included, so no vCPU
	 * can walk the table any more, flushed or not.
	 */
	if (!vm && env_vm_is_dead(env, t->vm))
		goto out;
	cov = vm ? proto_coverage(vm, t->seq, t->gfn,
				  t->gfn + level_pages(t->level))
		 : COVERAGE_UNKNOWN;
	if (cov == COVERAGE_NONE && c->flush_visible != FLUSH_COMPLETE) {
		proto_count(env, CNT_DEADLINE_UNVERIFIED);
	} else if (cov == COVERAGE_NONE && (v = env_violation(env))) {
		__builtin_memset(v, 0, sizeof(*v));
		v->ts_ns = ev->ts_ns;
		v->zap_ns = t->removed_ns;
		v->vm = t->vm;
		v->gfn = t->gfn;
		v->new_gfn = t->gfn;
		v->old_spte = t->old_spte;
		v->zap_spte = t->new_spte;
		v->sptep = ev->pt;
		v->zap_flush_seq = t->seq;
		v->count = 1;
		v->tid = ev->tid;
		v->zap_tid = t->tid;
		v->stack_id = -1;
		v->zap_stack_id = t->stack;
		v->as_id = ev->as_id;
		v->level = t->level;
		v->kind = VK_PT_FREED;
		proto_report(env, v, vm);
	} else if (cov != COVERAGE_FLUSHED) {
		proto_count(env, CNT_DEADLINE_UNDECIDED);
	}
out:
	env_table_delete(env, pfn);
}

/* ---- SPTE transitions ---------------------------------------------------------- */

PROTO_INLINE void proto_key(struct spte_key *key, const struct spte_event *ev)
{
	__builtin_memset(key, 0, sizeof(*key));
	spte_key_set(key, ev->vm, ev->root, ev->as_id, ev->gfn, ev->level);
}

/*
 * Remember, per 2M and 1G region, the latest sequence at which a smaller
 * leaf in it was zapped: an install of a huge leaf then knows whether any
 * smaller zap below it may still be uncovered without looking up 512 keys.
 */
PROTO_STEP void proto_summarise(struct env *env, const struct spte_key *leaf,
				  const struct pending_zap *p, __u32 level)
{
	struct pending_zap *s, init;
	struct spte_key key = *leaf;
	__u32 l;

	for (l = level + 1; l <= LEAF_LEVELS; l++) {
		spte_key_move(&key, gfn_align(spte_key_gfn(leaf), l),
			      l | SPTE_KEY_SUMMARY);
		s = env_pending_lookup(env, &key);
		if (s) {
			if (s->seq < p->seq)
				s->seq = p->seq;
			s->zap_ns = p->zap_ns;
			continue;
		}
		__builtin_memset(&init, 0, sizeof(init));
		init.zap_ns = p->zap_ns;
		init.seq = p->seq;
		init.flags = p->flags;
		if (env_pending_update(env, &key, &init))
			proto_count(env, CNT_PENDING_FULL);
	}
}

/*
 * The entries of a removed page table are zapped or frozen after their
 * parent's unlink, by the same task, before it does anything else: on 6.1
 * and for zaps under the write lock right after it, on 6.12 for an atomic
 * zap (the collapse of a table into a huge page) after the flush and the
 * unfreeze, because aca48556c592 handles the removed table last.  No vCPU
 * can reach them since the unlink, so a flush that began after the unlink
 * covers them: they take the unlink's sequence (and, on a stock kernel,
 * its "late" flag).  Sets @p's seq, flush_reqs and inherited flags; true
 * for such an entry.
 */
PROTO_INLINE bool proto_child_of_removal(struct env *env,
					 const struct spte_event *ev,
					 const struct vm_state *vm,
					 struct pending_zap *p)
{
	struct removal_ctx *r = env_removal_lookup(env, ev->tid);

	p->seq = vm->begun_seq;
	p->flush_reqs = ev->flush_reqs;
	if (!r || r->vm != ev->vm || ev->level >= r->level ||
	    ev->gfn < r->lo || ev->gfn >= r->hi)
		return false;
	p->seq = r->seq;
	p->flush_reqs = r->flush_reqs;
	p->flags |= PZ_CHILD |
		    (r->flags & (PZ_LATE | PZ_GUESSED | PZ_UNLINK_BATCHED));
	return true;
}

/*
 * A task unlinks a page table: its entries follow (above).  @batched: the
 * unlink joined the task's batch (mmu_lock held for write), and so do its
 * entries, through it.
 */
PROTO_INLINE void proto_removal_begin(struct env *env,
				      const struct spte_event *ev,
				      const struct pending_zap *p,
				      bool batched)
{
	const struct spte_config *c = env_cfg(env);
	struct removal_ctx r;
	bool shared = (ev->flags & SPTE_F_LOCK_KNOWN) &&
		      (ev->flags & SPTE_F_SHARED);
	bool frozen = spte_is_removed(c, ev->new_spte);

	__builtin_memset(&r, 0, sizeof(r));
	r.vm = ev->vm;
	r.lo = ev->gfn;
	r.hi = ev->gfn + level_pages(ev->level);
	r.seq = p->seq;
	r.flush_reqs = p->flush_reqs;
	r.level = ev->level;
	if (ev->flags & SPTE_F_VM_GUESSED)
		r.flags |= PZ_GUESSED;
	if (!frozen && shared)
		r.flags |= PZ_LATE;
	if (batched)
		r.flags |= PZ_UNLINK_BATCHED;
	env_removal_update(env, ev->tid, &r);
}

/* A table replaced by a leaf: unlinked like a zapped one. */
PROTO_STEP void proto_table_replaced(struct env *env,
				       const struct spte_event *ev)
{
	bool exempt = proto_zap_exempt(env, ev);
	struct vm_state *vm = proto_vm_get(env, ev->vm, ev->pid, ev->ts_ns);
	struct pending_zap p;

	__builtin_memset(&p, 0, sizeof(p));
	if (vm && !exempt && proto_child_of_removal(env, ev, vm, &p)) {
		proto_table_removed(env, vm, ev, exempt, p.seq);
		return;
	}
	proto_table_removed(env, vm, ev, exempt, vm ? vm->begun_seq : 0);
	if (vm && !exempt)
		proto_removal_begin(env, ev, &p, false);
}

/* present -> non-present: a direct zap, or a freeze to the removed value. */
PROTO_STEP void proto_on_zap(struct env *env, const struct spte_event *ev,
			       const struct spte_key *key, bool frozen)
{
	const struct spte_config *c = env_cfg(env);
	struct spte_state *old = env_state_lookup(env, key);
	bool leaf = spte_is_leaf(c, ev->old_spte, ev->level);
	bool shared = (ev->flags & SPTE_F_LOCK_KNOWN) &&
		      (ev->flags & SPTE_F_SHARED);
	struct vm_state *vm = 0;
	struct spte_state st;
	struct pending_zap p;
	bool exempt, batched, child = false;

	proto_count_transition(env, frozen ? TR_FREEZE : TR_ZAP, ev->level);
	__builtin_memset(&p, 0, sizeof(p));
	/* a leaf's lifetime: not a huge SPTE's that a split made a table */
	if (leaf && old && (old->flags & STATE_PRESENT) &&
	    ev->ts_ns >= old->ts_ns)
		proto_hist_add_n(env, HIST_PRESENT_LIFETIME,
				 level_index(ev->level), ev->ts_ns - old->ts_ns,
				 LIFETIME_SAMPLE);
	env_site_add(env, SITE_ZAP, ev->stack_id);

	__builtin_memset(&st, 0, sizeof(st));
	st.ts_ns = ev->ts_ns;
	st.flags = STATE_ZAPPED | (frozen ? STATE_FROZEN : 0);

	if (!ev->vm) {
		proto_count(env, CNT_NO_VM);
		st.flags |= STATE_UNTRACKED;
		goto store;
	}
	exempt = proto_zap_exempt(env, ev);
	if (exempt)
		st.flags |= STATE_EXEMPT;
	if (c->flush_visible == FLUSH_NONE)
		goto store;
	vm = exempt ? 0 : proto_vm_get(env, ev->vm, ev->pid, ev->ts_ns);
	if (!exempt && vm)
		child = proto_child_of_removal(env, ev, vm, &p);
	/* Only the patched kernel says when a table is freed (R5). */
	if (!leaf && c->flush_visible == FLUSH_COMPLETE)
		proto_table_removed(env, vm, ev, exempt, p.seq);
	if (exempt)
		goto store;
	if (!vm) {
		st.flags |= STATE_UNTRACKED;
		goto store;
	}
	p.zap_ns = ev->ts_ns;
	p.old_spte = ev->old_spte;
	p.tid = ev->tid;
	p.stack = ev->stack_id;
	p.flags |= frozen ? PZ_FROZEN : 0;
	if (ev->flags & SPTE_F_VM_GUESSED)
		p.flags |= PZ_GUESSED;
	if (vm->flags & VM_ROOTS_INVALID)
		p.flags |= PZ_GUESSED;	/* stock: which root is unknown */
	/*
	 * aca48556c592 (6.10) moved the bookkeeping of an atomic zap after
	 * its flush and unfreeze: a stock kernel then reports a zap made
	 * under the read lock only once it was flushed, so its flush seems
	 * to come first.  Nothing can be concluded about it (nor about the
	 * entries of the table it removed, which inherit the flag).
	 */
	if (!frozen && shared)
		p.flags |= PZ_LATE;
	/*
	 * A zap that is not atomic was made with mmu_lock held for write: the
	 * task owes its flush at its next yield, unlock or notifier return.
	 */
	batched = !frozen && !shared && !child &&
		  !(p.flags & (PZ_GUESSED | PZ_LATE)) &&
		  (c->flush_visible == FLUSH_COMPLETE ||
		   (ev->flags & SPTE_F_LOCK_KNOWN));
	if (batched)
		proto_batch_add(env, vm, ev, false);
	if (!leaf && !child)
		proto_removal_begin(env, ev, &p, batched);
	/*
	 * Where every deadline is traced (the patched kernel), a batched leaf
	 * needs no pending entry: its flush is checked at the deadline, and
	 * its history entry keeps what R1 needs.  So do the entries of a
	 * table unlinked in a batch (frozen on 6.1, cleared on 6.12): the
	 * unlink's batch membership covers their range.  Elsewhere (a stock
	 * kernel misses some unlocks) every zap gets a pending entry.
	 */
	if (((batched && leaf) || (p.flags & PZ_UNLINK_BATCHED)) &&
	    c->flush_visible == FLUSH_COMPLETE) {
		st.flags |= STATE_BATCHED;
		st.seq = p.seq;
		st.old_spte = ev->old_spte;
		st.tid = ev->tid;
	} else if (frozen || leaf) {
		if (env_pending_update(env, key, &p)) {
			proto_count(env, CNT_PENDING_FULL);
			st.flags |= STATE_UNTRACKED;
			goto store;
		}
	}
	if (leaf && ev->level < LEAF_LEVELS)
		proto_summarise(env, key, &p, ev->level);
	if (vm->last_zap_seq < p.seq)
		vm->last_zap_seq = p.seq;
store:
	if (env_state_update(env, key, &st))
		proto_count(env, CNT_STATE_FULL);
}

/*
 * R2, at the unfreeze of an atomic zap: the frozen SPTE may only be
 * replaced once a flush that began after the freeze has completed.
 * Source: 08f07c800e9d ("Flush TLBs after zap in TDP MMU PF handler"),
 * which introduced the freeze, flush, clear sequence of
 * tdp_mmu_zap_spte_atomic().
 */
PROTO_STEP void proto_on_unfreeze(struct env *env,
				    const struct spte_event *ev,
				    const struct spte_key *key)
{
	const struct spte_config *c = env_cfg(env);
	struct spte_state *st = env_state_lookup(env, key);
	struct pending_zap *p;
	struct vm_state *vm;
	struct violation *v;
	__u32 cov;

	proto_count_transition(env, TR_UNFREEZE, ev->level);
	if (st && (st->flags & STATE_FROZEN)) {
		if (ev->ts_ns >= st->ts_ns)
			proto_hist_add(env, HIST_FROZEN_WINDOW,
				       level_index(ev->level),
				       ev->ts_ns - st->ts_ns);
		st->flags &= ~(__u32)STATE_FROZEN;
	}
	if (c->flush_visible != FLUSH_COMPLETE || !ev->vm ||
	    (st && (st->flags & STATE_EXEMPT)))
		return;
	p = env_pending_lookup(env, key);
	if (!p || !(p->flags & PZ_FROZEN)) {
		proto_count(env, CNT_UNFREEZE_UNKNOWN);
		return;
	}
	p->flags &= ~(__u32)PZ_FROZEN;
	vm = env_vm_lookup(env, ev->vm);
	cov = vm ? proto_coverage(vm, p->seq, ev->gfn,
				  ev->gfn + level_pages(ev->level))
		 : COVERAGE_UNKNOWN;
	if (cov == COVERAGE_FLUSHED) {
		env_pending_delete(env, key);
		return;
	}
	if (cov != COVERAGE_NONE) {
		proto_count(env, CNT_DEADLINE_UNDECIDED);
		return;
	}
	v = env_violation(env);
	if (!v)
		return;
	__builtin_memset(v, 0, sizeof(*v));
	v->ts_ns = ev->ts_ns;
	v->zap_ns = p->zap_ns;
	v->vm = ev->vm;
	v->gfn = ev->gfn;
	v->new_gfn = ev->gfn;
	v->old_spte = p->old_spte;
	v->zap_spte = ev->old_spte;
	v->sptep = ev->sptep;
	v->root = ev->root;
	v->zap_flush_seq = p->seq;
	v->count = 1;
	v->pid = ev->pid;
	v->tid = ev->tid;
	v->zap_tid = p->tid;
	v->stack_id = env_stack(env, ev->stack_id);
	v->zap_stack_id = p->stack;
	v->as_id = ev->as_id;
	v->level = ev->level;
	v->kind = VK_UNFREEZE;
	p->flags |= PZ_REPORTED;
	proto_report(env, v, vm);
}

/*
 * R1 for one zapped leaf @p at @at that the install @ev overlaps: the
 * outcome it contributes.
 */
PROTO_STEP __u32 proto_judge(struct env *env, const struct spte_event *ev,
			     struct vm_state *vm, struct pending_zap *p,
			     const struct spte_key *at)
{
	const struct spte_config *c = env_cfg(env);
	__u32 level = spte_key_level(at);
	__u64 gfn = spte_key_gfn(at);
	struct violation *v;
	__u32 out, perm_bits, cov;

	if (!spte_is_leaf(c, p->old_spte, level))
		return OUT_FIRST;	/* a table: its children carry translations */
	cov = proto_coverage(vm, p->seq, gfn, gfn + level_pages(level));
	if (cov == COVERAGE_FLUSHED)
		return OUT_COVERED;
	if (cov == COVERAGE_UNKNOWN)
		return OUT_UNDECIDABLE;
	if (p->zap_ns < vm->first_seen_ns) {
		proto_count(env, CNT_VM_HISTORY_LOST);
		return OUT_UNDECIDABLE;
	}
	if ((p->flags & (PZ_LATE | PZ_GUESSED)) ||
	    (ev->flags & SPTE_F_VM_GUESSED) ||
	    !proto_evidence_complete(c, p->flush_reqs, ev->flush_reqs))
		return OUT_UNVERIFIED;
	out = proto_classify_stale(c, p->old_spte, gfn, ev->new_spte, ev->gfn,
				   &perm_bits);
	if (!outcome_is_violation(out) || (p->flags & PZ_REPORTED) ||
	    ((p->flags & PZ_OWN_LOCK) && out == OUT_STALE_PFN))
		return out;
	v = env_violation(env);
	if (!v)
		return out;
	__builtin_memset(v, 0, sizeof(*v));
	v->ts_ns = ev->ts_ns;
	v->zap_ns = p->zap_ns;
	v->vm = ev->vm;
	v->gfn = gfn;
	v->new_gfn = ev->gfn;
	v->old_spte = p->old_spte;
	v->new_spte = ev->new_spte;
	v->sptep = ev->sptep;
	v->root = ev->root;
	v->zap_flush_seq = p->seq;
	v->count = 1;
	v->pid = ev->pid;
	v->tid = ev->tid;
	v->zap_tid = p->tid;
	v->stack_id = env_stack(env, ev->stack_id);
	v->zap_stack_id = p->stack;
	v->as_id = ev->as_id;
	v->level = level;
	v->new_level = ev->level;
	v->kind = out == OUT_STALE_PFN ? VK_STALE_PFN : VK_STALE_PERM;
	v->perm_bits = perm_bits;
	p->flags |= PZ_REPORTED;
	proto_report(env, v, vm);
	return out;
}

/*
 * R1 for a batched zap (STATE_BATCHED): classified like a pending zap, but
 * reported only while the zap is still in its task's unchecked batch and
 * another task installs over it, i.e. before the zapping task reached a
 * deadline (a deadline no event shows).  Once the deadline came, R3/R4
 * judged the batch; the install is only counted.  Nor is the zapping
 * task's own install of another pfn while it still holds mmu_lock for
 * write: that is 6.1's change_pte handler (set_spte_gfn()), which zaps and
 * installs the new pfn in one critical section and flushes before the
 * unlock, which R3/R4 check.  Its own install of the same memory with
 * fewer rights is no such pattern and is still reported.
 */
PROTO_STEP __u32 proto_judge_batched(struct env *env,
				     const struct spte_event *ev,
				     struct vm_state *vm,
				     const struct spte_state *st,
				     const struct spte_key *at)
{
	struct pending_zap *p = env_pending_view(env);
	struct holder_key hk;
	struct holder *h;

	if (!p)
		return OUT_FIRST;
	__builtin_memset(p, 0, sizeof(*p));
	p->zap_ns = st->ts_ns;
	p->seq = st->seq;
	p->old_spte = st->old_spte;
	p->tid = st->tid;
	p->stack = -1;
	proto_holder_key(&hk, ev->vm, st->tid);
	h = env_holder_lookup(env, &hk);
	if (!h || !h->zaps.count || h->zaps.first_seq > st->seq)
		p->flags = PZ_REPORTED;
	else if (st->tid == ev->tid)
		p->flags = PZ_OWN_LOCK;
	return proto_judge(env, ev, vm, p, at);
}

/*
 * What an install of a leaf is judged against, one candidate per step of
 * one loop (so that the verifier checks the judging once): step 0 the same
 * SPTE, steps 1 and 2 the huge SPTEs above it, steps 3.. the 512 SPTEs one
 * level below it when the region summary says a smaller zap there may be
 * uncovered.
 */
struct proto_walk {
	struct env *env;
	const struct spte_event *ev;
	struct vm_state *vm;
	const struct spte_key *key;
	__u32 out;
	__u32 sub;	/* the level below the install */
};

static long proto_walk_step(__u32 i, void *data)
{
	struct proto_walk *w = data;
	const struct spte_event *ev = w->ev;
	struct spte_key k = *w->key;
	struct spte_state *st;
	struct pending_zap *p;
	__u32 level = ev->level;
	__u64 gfn = ev->gfn;

	if (i >= 1 && i <= 2) {
		level += i;
		if (level > LEAF_LEVELS)
			return 0;
		gfn = gfn_align(gfn, level);
	} else if (i >= 3) {
		level = w->sub;
		gfn += (i - 3) * level_pages(level);
	}
	spte_key_move(&k, gfn, level);
	p = env_pending_lookup(w->env, &k);
	if (p) {
		/* Laundered: the verifier need not tell apart each outcome. */
		w->out = env_launder(w->env,
				     outcome_worse(w->out, proto_judge(w->env, ev,
								       w->vm, p,
								       &k)));
		/* The install replaced this SPTE: its old zap is settled. */
		if (!i)
			env_pending_delete(w->env, &k);
	} else {
		st = env_state_lookup(w->env, &k);
		if (st && (st->flags & STATE_BATCHED) &&
		    (st->flags & STATE_ZAPPED))
			w->out = env_launder(
				w->env,
				outcome_worse(w->out,
					      proto_judge_batched(w->env, ev,
								  w->vm, st,
								  &k)));
	}
	if (i < 3 || level < 2)
		return 0;
	spte_key_move(&k, gfn, level | SPTE_KEY_SUMMARY);
	p = env_pending_lookup(w->env, &k);
	if (p && proto_coverage(w->vm, p->seq, gfn, gfn + level_pages(level)) !=
		     COVERAGE_FLUSHED)
		w->out = env_launder(w->env,
				     outcome_worse(w->out, OUT_UNDECIDABLE));
	return 0;
}

/*
 * How many steps the walk needs: 3, or 3 + 512 below a huge install whose
 * region summary is not covered.  Below a 1G install, a 2M entry whose own
 * region summary is uncovered would need 512 more lookups: the step says
 * undecidable instead.
 */
PROTO_INLINE __u32 proto_walk_steps(struct proto_walk *w)
{
	const struct spte_event *ev = w->ev;
	struct spte_key k = *w->key;
	struct pending_zap *p;

	if (ev->level < 2 || ev->level > LEAF_LEVELS)
		return 3;
	spte_key_move(&k, ev->gfn, ev->level | SPTE_KEY_SUMMARY);
	p = env_pending_lookup(w->env, &k);
	if (!p)
		return 3;
	if (proto_coverage(w->vm, p->seq, ev->gfn,
			   ev->gfn + level_pages(ev->level)) ==
	    COVERAGE_FLUSHED) {
		env_pending_delete(w->env, &k);
		w->out = OUT_COVERED;
		return 3;
	}
	w->sub = ev->level - 1;
	return 3 + 512;
}

/* R1: what the install of a leaf overlaps that may still be cached. */
PROTO_STEP __u32 proto_install_outcome(struct env *env,
				       const struct spte_event *ev,
				       const struct spte_key *key,
				       const struct spte_state *old)
{
	const struct spte_config *c = env_cfg(env);
	struct proto_walk w = { .env = env, .ev = ev, .key = key,
				.out = OUT_FIRST };
	__u32 base = OUT_FIRST;

	if (old && (old->flags & STATE_ZAPPED)) {
		if (old->flags & STATE_EXEMPT)
			base = OUT_NEW_ROOT;
		else if (old->flags & STATE_UNTRACKED)
			base = OUT_UNTRACKED;
		else if (old->flags & STATE_EXPIRED)
			base = OUT_EXPIRED;
		else if (c->flush_visible == FLUSH_NONE)
			base = OUT_UNVERIFIED;
		else
			base = OUT_COVERED; /* the sweeper saw it covered */
	}
	if (c->flush_visible == FLUSH_NONE || !ev->vm)
		return base;
	w.vm = env_vm_lookup(env, ev->vm);
	if (!w.vm)
		return base;
	/* Every tracked zap of this VM is covered by a full flush. */
	if (w.vm->last_zap_seq < w.vm->full_done_seq)
		return base;
	env_loop(env, proto_walk_steps(&w), proto_walk_step, &w);
	return w.out == OUT_FIRST ? base : w.out;
}

/* non-present -> present */
PROTO_STEP void proto_on_install(struct env *env, const struct spte_event *ev,
				   const struct spte_key *key, bool was_removed)
{
	const struct spte_config *c = env_cfg(env);
	struct spte_state *old = env_state_lookup(env, key);
	struct spte_state st;
	__u32 out;

	if (!spte_is_leaf(c, ev->new_spte, ev->level)) {
		proto_count_transition(env,
				       was_removed ? TR_INSTALL_REMOVED : TR_LINK,
				       ev->level);
		return;
	}
	proto_count_transition(env, was_removed ? TR_INSTALL_REMOVED : TR_INSTALL,
			       ev->level);
	env_site_add(env, SITE_INSTALL, ev->stack_id);
	if (old && (old->flags & STATE_ZAPPED) && ev->ts_ns >= old->ts_ns)
		proto_hist_add(env, HIST_ZAP_TO_INSTALL, level_index(ev->level),
			       ev->ts_ns - old->ts_ns);

	out = proto_install_outcome(env, ev, key, old);
	proto_count_outcome(env, out, ev->level);

	/* A present SPTE needs no history unless its lifetime is sampled. */
	if (!proto_lifetime_sampled(key)) {
		if (old)
			env_state_delete(env, key);
		return;
	}
	__builtin_memset(&st, 0, sizeof(st));
	st.ts_ns = ev->ts_ns;
	st.flags = STATE_PRESENT;
	if (env_state_update(env, key, &st))
		proto_count(env, CNT_STATE_FULL);
}

/* present -> present */
PROTO_STEP void proto_on_change(struct env *env, const struct spte_event *ev,
				  const struct spte_key *key)
{
	const struct spte_config *c = env_cfg(env);
	bool was_leaf = spte_is_leaf(c, ev->old_spte, ev->level);
	bool is_leaf = spte_is_leaf(c, ev->new_spte, ev->level);
	bool pfn_changed = spte_pfn(c, ev->old_spte) != spte_pfn(c, ev->new_spte);
	bool tracked = c->flush_visible != FLUSH_NONE && ev->vm;
	__u32 old_perms, new_perms, tr = TR_MODIFY;
	struct violation *v;

	if (was_leaf && !is_leaf) {
		tr = TR_SPLIT;
	} else if (!was_leaf) {
		/* A table replaced by a huge leaf (or, wrongly, another table). */
		tr = is_leaf ? TR_COLLAPSE : TR_MODIFY;
		if ((is_leaf || pfn_changed) &&
		    c->flush_visible == FLUSH_COMPLETE && ev->vm)
			proto_table_replaced(env, ev);
	} else if (pfn_changed && (v = env_violation(env))) {
		/* handle_changed_spte() BUG()s on this: report it if it gets past. */
		__builtin_memset(v, 0, sizeof(*v));
		v->ts_ns = ev->ts_ns;
		v->zap_ns = ev->ts_ns;
		v->vm = ev->vm;
		v->gfn = ev->gfn;
		v->new_gfn = ev->gfn;
		v->old_spte = ev->old_spte;
		v->new_spte = ev->new_spte;
		v->sptep = ev->sptep;
		v->root = ev->root;
		v->count = 1;
		v->pid = ev->pid;
		v->tid = ev->tid;
		v->zap_tid = ev->tid;
		v->stack_id = env_stack(env, ev->stack_id);
		v->zap_stack_id = -1;
		v->as_id = ev->as_id;
		v->level = ev->level;
		v->new_level = ev->level;
		v->kind = VK_PRESENT_PFN;
		proto_report(env, v, ev->vm ? env_vm_lookup(env, ev->vm) : 0);
	} else {
		old_perms = spte_perms(c, ev->old_spte);
		new_perms = spte_perms(c, ev->new_spte);
		if (old_perms & ~new_perms)
			tr = TR_PROTECT;
		else if (new_perms & ~old_perms)
			tr = TR_WIDEN;
		/*
		 * Taking write access away, or clearing the dirty bit (PML),
		 * owes a flush before the dirty state is reported
		 * (kvm_mmu_slot_apply_flags() explains why even an SPTE that
		 * is only MMU-writable needs it).  Aging's access tracking
		 * owes none.
		 */
		if ((((old_perms & PERM_WRITE) && !(new_perms & PERM_WRITE) &&
		      !spte_access_tracked(c, ev->new_spte)) ||
		     spte_dirty_cleared(c, ev->old_spte, ev->new_spte)) &&
		    tracked && !(ev->flags & SPTE_F_VM_GUESSED) &&
		    !proto_zap_exempt(env, ev)) {
			struct vm_state *vm = proto_vm_get(env, ev->vm, ev->pid,
							   ev->ts_ns);

			if (vm)
				proto_batch_add(env, vm, ev, true);
		}
	}
	proto_count_transition(env, tr, ev->level);
}

/* non-present -> non-present */
PROTO_INLINE void proto_on_nonpresent(struct env *env,
				      const struct spte_event *ev,
				      const struct spte_key *key,
				      bool was_removed, bool is_removed)
{
	if (was_removed && !is_removed)
		proto_on_unfreeze(env, ev, key);
	else if (!was_removed && is_removed)
		proto_count_transition(env, TR_FREEZE_EMPTY, ev->level);
	else
		proto_count_transition(env, TR_NONPRESENT, ev->level);
}

/* Every SPTE change, from any source. */
/*
 * A task's unlink context lasts while it writes the removed table's
 * entries (and, on 6.12, unfreezes the unlinked SPTE itself): any other
 * SPTE write of the task ends it, so that a later zap in the same range
 * never inherits an old sequence.
 */
PROTO_INLINE void proto_removal_settle(struct env *env,
				       const struct spte_event *ev)
{
	struct removal_ctx *r = env_removal_lookup(env, ev->tid);

	if (!r || !r->vm)
		return;
	if (r->vm == ev->vm && ev->gfn >= r->lo && ev->gfn < r->hi &&
	    (ev->level < r->level ||
	     (ev->level == r->level && ev->gfn == r->lo)))
		return;
	r->vm = 0;
}

PROTO_INLINE void proto_spte(struct env *env, const struct spte_event *ev)
{
	const struct spte_config *c = env_cfg(env);
	bool was_present = spte_is_present(c, ev->old_spte);
	bool is_present = spte_is_present(c, ev->new_spte);
	struct spte_key key;

	proto_count(env, CNT_SPTE_EVENTS);
	proto_removal_settle(env, ev);
	if (ev->old_spte == ev->new_spte) {
		proto_count(env, CNT_SAME_VALUE);
		return;
	}
	proto_key(&key, ev);

	if (was_present && is_present)
		proto_on_change(env, ev, &key);
	else if (was_present)
		proto_on_zap(env, ev, &key, spte_is_removed(c, ev->new_spte));
	else if (is_present)
		proto_on_install(env, ev, &key,
				 spte_is_removed(c, ev->old_spte));
	else
		proto_on_nonpresent(env, ev, &key,
				    spte_is_removed(c, ev->old_spte),
				    spte_is_removed(c, ev->new_spte));
}

/* ---- Remote TLB flushes ------------------------------------------------------- */

PROTO_INLINE void proto_inflight_key(struct inflight_key *k,
				     const struct vm_event *ev)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->vm = ev->vm;
	k->tag = ev->tag;
}

PROTO_INLINE void proto_flush_begin(struct env *env, const struct vm_event *ev)
{
	struct inflight_flush f;
	struct inflight_key k;
	struct vm_state *vm;

	proto_count(env, CNT_FLUSH_BEGIN);
	vm = proto_vm_get(env, ev->vm, ev->pid, ev->ts_ns);
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
	proto_inflight_key(&k, ev);
	/*
	 * An untracked flush would cover nothing at its end: the zaps it may
	 * cover (those before it) become undecidable instead.
	 */
	if (env_inflight_update(env, &k, &f)) {
		proto_count(env, CNT_INFLIGHT_FULL);
		env_store_max(&vm->lost_seq, f.seq);
	}
}

PROTO_INLINE void proto_flush_complete(struct env *env, struct vm_state *vm,
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
		env_store_max(&vm->lost_seq, vm->ring[slot].seq);
	/* Invalidate the slot first: a reader must not match a torn range. */
	vm->ring[slot].seq = 0;
	vm->ring[slot].start = start;
	vm->ring[slot].end = end;
	vm->ring[slot].seq = seq;
}

/*
 * A flush end covers zaps only if its begin was seen: an end whose begin
 * came before the monitor started (or was lost) may have begun before or
 * after a zap the monitor recorded, so it covers none of them, and the
 * ones it may have covered become undecidable.
 */
PROTO_INLINE void proto_flush_end(struct env *env, const struct vm_event *ev)
{
	struct inflight_flush *f;
	struct inflight_key k;
	struct vm_state *vm;
	__u64 seq, start, pages;

	proto_count(env, CNT_FLUSH_END);
	proto_inflight_key(&k, ev);
	f = env_inflight_lookup(env, &k);
	if (!f) {
		proto_count(env, CNT_FLUSH_UNPAIRED);
		/*
		 * A flush whose begin was not seen (it began before the
		 * monitor attached its flush programs, or its begin could not
		 * be tracked) may have begun after any zap recorded so far,
		 * or after those numbered below its own sequence: they become
		 * undecidable rather than uncovered.
		 */
		vm = env_vm_lookup(env, ev->vm);
		if (vm)
			env_store_max(&vm->lost_seq,
				      ev->seq ? ev->seq : vm->begun_seq + 1);
		return;
	}
	seq = f->seq;
	start = f->start_gfn;
	pages = f->pages;
	if (ev->ts_ns >= f->begin_ns)
		proto_hist_add(env, HIST_FLUSH_LATENCY,
			       pages == FLUSH_ALL_PAGES ? 0 : 1,
			       ev->ts_ns - f->begin_ns);
	env_inflight_delete(env, &k);
	vm = env_vm_lookup(env, ev->vm);
	if (vm && seq)
		proto_flush_complete(env, vm, seq, start, pages);
}

/* ---- Root teardown, invalidation, VM lifetime --------------------------------- */

PROTO_INLINE void proto_teardown_begin(struct env *env,
				       const struct vm_event *ev)
{
	__u64 vm = ev->vm;

	env_teardown_update(env, ev->tid, &vm);
}

PROTO_INLINE void proto_teardown_end(struct env *env, const struct vm_event *ev)
{
	struct vm_state *vm = env_vm_lookup(env, ev->vm);

	env_teardown_delete(env, ev->tid);
	/* Stock: the invalidated roots are gone; roots are unambiguous again. */
	if (vm)
		vm->flags &= ~(__u32)VM_ROOTS_INVALID;
}

/*
 * Stock kernels: kvm_mmu_zap_all_fast() invalidated every root.  Until the
 * invalid roots are torn down, zaps may be in a root no vCPU uses (which
 * owes no flush, fcdffe97f80e) while installs go to the new root, and the
 * stock tracepoint does not say which root: such zaps are not judged.
 */
PROTO_INLINE void proto_roots_invalid(struct env *env,
				      const struct vm_event *ev)
{
	struct vm_state *vm = proto_vm_get(env, ev->vm, ev->pid, ev->ts_ns);

	if (vm)
		vm->flags |= VM_ROOTS_INVALID;
}

/*
 * The VM is being destroyed: its state goes at once, so that a host with VM
 * churn never fills the VM map with dead VMs; the sweeper drops what else
 * it left (pending zaps, batches, tables), and its id is remembered so that
 * the events of its teardown do not bring it back.
 */
PROTO_INLINE void proto_vm_destroy(struct env *env, const struct vm_event *ev)
{
	proto_count(env, CNT_VM_DESTROYED);
	env_vm_bury(env, ev->vm);
}

/* ---- Dispatch ------------------------------------------------------------------ */

/* Every event other than an SPTE write. */
PROTO_INLINE void proto_vm_event(struct env *env, __u32 type,
				 const struct vm_event *ev)
{
	switch (type) {
	case EVENT_FLUSH_BEGIN:
		proto_flush_begin(env, ev);
		break;
	case EVENT_FLUSH_END:
		proto_flush_end(env, ev);
		break;
	case EVENT_TEARDOWN_BEGIN:
		proto_teardown_begin(env, ev);
		break;
	case EVENT_TEARDOWN_END:
		proto_teardown_end(env, ev);
		break;
	case EVENT_DEADLINE:
		proto_deadline(env, ev);
		break;
	case EVENT_FREE_PT:
		proto_free_pt(env, ev);
		break;
	case EVENT_VM_DESTROY:
		proto_vm_destroy(env, ev);
		break;
	case EVENT_ROOTS_INVALID:
		proto_roots_invalid(env, ev);
		break;
	}
}

/* Every event, from any source, in time order per CPU. */
PROTO_INLINE void proto_event(struct env *env, const struct event *ev)
{
	if (ev->type == EVENT_SPTE)
		proto_spte(env, &ev->spte);
	else
		proto_vm_event(env, ev->type, &ev->vm);
}

#endif /* __SPTE_PROTOCOL_H */
