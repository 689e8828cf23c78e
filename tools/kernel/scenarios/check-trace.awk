# SPDX-License-Identifier: GPL-2.0
#
# Checks an ftrace text trace of the events of the kernel series
# (docs/tracepoints.md) against their documented format and the flush
# protocol, for tools/kernel/scenarios/events.sh.  POSIX awk (mawk, gawk,
# busybox): SPTE values are 64-bit, beyond awk's doubles, so they are
# taken apart as hex strings.
#
#   awk -v frozen=0x5a0 -v nonpresent=0x0 -v state=FILE -f check-trace.awk TRACE
#
# frozen, nonpresent: the values a freeze writes and an unfreeze writes on
# this kernel line; state: a file of page table and root addresses seen
# by earlier runs (read first, appended to), so that a page table freed
# in one run can be matched with its removal in an earlier one.
#
# Prints "name value" lines (see the END block) and "sample LINE" lines,
# the first line of each event.
#
# The protocol checks, per VM, in trace order:
#  - atomic zap: a freeze later unfrozen by the same task must have a
#    remote TLB flush of that task ended in between (uncovered);
#  - deadline: at kvm_mmu_flush_deadline reason yield, unlock or notifier,
#    the last zap the task made since its previous such deadline must be
#    covered by a flush of the VM that began after it and has ended
#    (deadline_uncovered_<reason>).  A zap is a kvm_tdp_mmu_spte_set from
#    present to not present in a valid root (root_invalid=0), outside a
#    root teardown of the task; freezes are not counted (an atomic zap is
#    checked above, the children of a removed table are covered with their
#    parent);
#  - dirty_log: at reason dirty_log, the last write protection (present to
#    present, writable bit 1 cleared) the task made since its previous
#    dirty_log deadline must be covered likewise (dirty_uncovered);
#  - kvm_tdp_mmu_free_sp: the freed table must be a root seen in a root=
#    field or a table whose removal (a write whose old value pointed to
#    it) was seen (free_matched, free_unmatched);
#  - kvm_destroy_vm: once per VM (destroy_twice), and afterwards the VM
#    only has flush events and the events of a root teardown (its brackets
#    and what the tearing-down task emits inside them, SPTE writes and
#    yield deadlines) (after_destroy);
#  - huge page split, with the stock kvmmmu:kvm_mmu_split_huge_page
#    enabled (it follows every attempt to link a filled table, errno 0 or
#    -EBUSY): the 512 kvm_tdp_mmu_spte_set of the task just before it (or
#    before the link's set, which must be there when errno is 0) are the
#    fill of the new table, one per entry, with the entry's gfn and level,
#    and must report the line's non-present value as their old value,
#    whatever the table held (bad_fill; fill_missing when the task emitted
#    anything else in between or too few).  A split whose link lost the
#    race is counted (split_lost); when the same task's next split fills
#    the same table (the sptep of entry 0), eager splitting reused it
#    (split_reused, split_reused_elsewhere when at another gfn).

function norm(h) {
	h = tolower(h)
	sub(/^0x/, "", h)
	sub(/^0+/, "", h)
	return h == "" ? "0" : h
}

# h as 16 hex digits.
function pad16(h) {
	h = norm(h)
	while (length(h) < 16)
		h = "0" h
	return h
}

function nibble(c) {
	return index("0123456789abcdef", c) - 1
}

# Bit k of hex value h.
function bit(h, k,   s, n) {
	s = pad16(h)
	n = nibble(substr(s, 16 - int(k / 4), 1))
	return int(n / pow2[k % 4]) % 2
}

# The physical address in an SPTE (bits 12..51), normalised.
function spte_pa(h) {
	return norm(substr(pad16(h), 4, 10) "000")
}

function present(h) {
	return bit(h, 11)
}

function leaf(h, level) {
	return level == 1 || bit(h, 7)
}

# Hex h as a number: for gfns, well below 2^53.
function hexnum(h,   s, i, n) {
	s = norm(h)
	n = 0
	for (i = 1; i <= length(s); i++)
		n = n * 16 + nibble(substr(s, i, 1))
	return n
}

# The fill of a split at gfn g (hex) and level l, errno e, by task t: the
# task's last 512 sets, or the 512 before the link's set when e is 0.
function check_split(t, g, l, e,   k, first, i, j, step, base, bad) {
	if (e == -12)		# -ENOMEM: no table, no fill
		return
	k = nset[t] + 0
	if (e == 0) {
		if (k <= lastother[t] + 0 || set_level[t, k] != l ||
		    hexnum(set_gfn[t, k]) != hexnum(g) || !present(set_old[t, k]) ||
		    !leaf(set_old[t, k], l) || !present(set_new[t, k]) ||
		    leaf(set_new[t, k], l)) {
			fill_missing++
			return
		}
		k--
		split_ok++
	} else {
		split_lost++
	}
	first = k - 511
	if (first <= lastother[t] + 0) {
		if (++fill_missing <= 3)
			print "split without its 512 fills: " $0 > "/dev/stderr"
		return
	}
	step = 1
	for (i = 2; i < l; i++)
		step *= 512
	base = hexnum(g)
	bad = 0
	for (i = 0; i < 512; i++) {
		j = first + i
		if (set_level[t, j] != l - 1 || hexnum(set_gfn[t, j]) != base + i * step) {
			fill_missing++
			return
		}
		if (norm(set_old[t, j]) != nonpresent)
			bad++
	}
	fills_checked += 512
	if (bad) {
		bad_fill += bad
		if (++bad_fill_splits <= 3)
			print "split fill with " bad " old values not " nonpresent ": " $0 \
				", entry 0: old_spte=0x" norm(set_old[t, first]) > "/dev/stderr"
	}
	if (lost_sptep[t] != "" && lost_sptep[t] == set_sptep[t, first]) {
		split_reused++
		if (hexnum(lost_gfn[t]) != base)
			split_reused_elsewhere++
	}
	lost_sptep[t] = e == 0 ? "" : set_sptep[t, first]
	lost_gfn[t] = g
}

BEGIN {
	pow2[0] = 1
	pow2[3] = 8
	pow2[2] = 4
	pow2[1] = 2
	hex = "0x[0-9a-f]+"
	id = "^pid=-?[0-9]+ vm=[0-9]+"
	spte = id " as_id=[0-9]+ gfn=" hex " level=[0-9]+ sptep=[0-9a-f]+ old_spte=" hex \
	       " new_spte=" hex " root=" hex " root_invalid=[01]$"
	flush = id " start_gfn=" hex " pages=(all|" hex ") seq=[0-9]+$"
	fmt["kvm_tdp_mmu_spte_set"] = spte
	fmt["kvm_tdp_mmu_spte_freeze"] = spte
	fmt["kvm_tdp_mmu_spte_unfreeze"] = spte
	fmt["kvm_remote_tlb_flush_begin"] = flush
	fmt["kvm_remote_tlb_flush_end"] = flush
	fmt["kvm_tdp_mmu_root_teardown_begin"] = id "$"
	fmt["kvm_tdp_mmu_root_teardown_end"] = id "$"
	fmt["kvm_mmu_flush_deadline"] = id " reason=(yield|unlock|notifier|dirty_log)$"
	fmt["kvm_tdp_mmu_free_sp"] = "^pt=" hex " gfn=" hex " level=[0-9]+ as_id=[0-9]+$"
	fmt["kvm_destroy_vm"] = id "$"
	fmt["kvm_mmu_split_huge_page"] = "^gfn [0-9a-f]+ spte [0-9a-f]+ level [0-9]+ errno -?[0-9]+$"
	for (e in fmt)
		count[e] = 0
	split("yield unlock notifier dirty_log", reasons, " ")
	frozen = norm(frozen)
	nonpresent = norm(nonpresent)
	if (state != "") {
		while ((getline line < state) > 0) {
			split(line, w, " ")
			if (w[1] == "pt")
				removed_pt[w[2]] = 1
			else if (w[1] == "root")
				root_pt[w[2]] = 1
		}
		close(state)
	}
}

{
	if (!match($0, / kvm_[a-z_]+: /))
		next
	ev = substr($0, RSTART + 1, RLENGTH - 3)
	if (!(ev in fmt))
		next
	body = substr($0, RSTART + RLENGTH)
	hdr = substr($0, 1, RSTART - 1)
	count[ev]++
	if (count[ev] <= 200) {
		if (body !~ fmt[ev] && ++bad_format <= 3)
			print "bad line: " $0 > "/dev/stderr"
		if (count[ev] == 1)
			sample[ev] = $0
	}
	# "comm-TID [cpu] flags time:"; comm may itself contain '-'.
	if (!match(hdr, /-[0-9]+ +\[[0-9]+\]/)) {
		bad_header++
		next
	}
	tid = substr(hdr, RSTART + 1)
	sub(/ .*/, "", tid)
	comm = substr(hdr, 1, RSTART - 1)
	sub(/^ +/, "", comm)

	delete f
	n = split(body, kv, " ")
	for (i = 1; i <= n; i++) {
		j = index(kv[i], "=")
		f[substr(kv[i], 1, j - 1)] = substr(kv[i], j + 1)
	}
	vm = f["vm"]
	task = vm SUBSEP tid

	if (ev == "kvm_mmu_split_huge_page") {
		n = split(body, kv, " ")
		check_split(tid, kv[2], kv[6] + 0, kv[8] + 0)
		next
	}
	# The fill of a split is the task's last sets, with nothing between;
	# kvm_tdp_mmu_free_sp runs in an RCU callback, which may interrupt it.
	if (ev == "kvm_tdp_mmu_spte_set") {
		k = ++nset[tid]
		set_old[tid, k] = f["old_spte"]
		set_new[tid, k] = f["new_spte"]
		set_level[tid, k] = f["level"] + 0
		set_gfn[tid, k] = f["gfn"]
		set_sptep[tid, k] = f["sptep"]
		if (k > 520) {
			k -= 520
			delete set_old[tid, k]
			delete set_new[tid, k]
			delete set_level[tid, k]
			delete set_gfn[tid, k]
			delete set_sptep[tid, k]
		}
	} else if (ev != "kvm_tdp_mmu_free_sp") {
		lastother[tid] = nset[tid] + 0
	}

	if (ev == "kvm_tdp_mmu_free_sp") {
		pt = norm(f["pt"])
		if (pt in removed_pt || pt in root_pt)
			free_matched++
		else if (++free_unmatched <= 3)
			print "free of an unknown table: " $0 > "/dev/stderr"
		next
	}

	if (vm in destroyed_at && ev != "kvm_destroy_vm") {
		if (!(ev ~ /^kvm_remote_tlb_flush_/ || ev ~ /^kvm_tdp_mmu_root_teardown_/ ||
		      teardown[tid] > 0))
			if (++after_destroy <= 3)
				print "after destroy: " $0 > "/dev/stderr"
	}

	if (ev ~ /^kvm_tdp_mmu_spte_/) {
		old = f["old_spte"]
		new = f["new_spte"]
		level = f["level"] + 0
		root = norm(f["root"])
		if (!(root in root_pt)) {
			root_pt[root] = 1
			new_state[++nstate] = "root " root
		}
		if (f["root_invalid"] == 1)
			invalid_writes++
		else
			valid_writes++
		# A page table leaves the paging structure.
		if (present(old) && !leaf(old, level) &&
		    (!present(new) || spte_pa(new) != spte_pa(old))) {
			pt = spte_pa(old)
			if (!(pt in removed_pt)) {
				removed_pt[pt] = 1
				new_state[++nstate] = "pt " pt
			}
		}
	}

	if (ev == "kvm_tdp_mmu_spte_set") {
		if (f["root_invalid"] == 0 && teardown[tid] == 0 && present(old)) {
			if (!present(new))
				last_zap[task] = NR
			else if (bit(old, 1) && !bit(new, 1))
				last_wrprot[task] = NR
		}
	} else if (ev == "kvm_tdp_mmu_spte_freeze") {
		if (norm(new) != frozen)
			bad_freeze++
		frozen_by[vm, f["sptep"]] = tid SUBSEP (flushes_done[tid] + 0)
	} else if (ev == "kvm_tdp_mmu_spte_unfreeze") {
		key = vm SUBSEP f["sptep"]
		if (norm(old) != frozen || norm(new) != nonpresent)
			bad_unfreeze++
		if (!(key in frozen_by)) {
			bad_unfreeze++
			next
		}
		split(frozen_by[key], fz, SUBSEP)
		atomic_zaps++
		if (fz[1] != tid || flushes_done[tid] + 0 == fz[2] + 0)
			uncovered++
		delete frozen_by[key]
	} else if (ev == "kvm_remote_tlb_flush_begin") {
		if (f["seq"] != 0)
			flush_begun[vm, f["seq"]] = NR
	} else if (ev == "kvm_remote_tlb_flush_end") {
		key = vm SUBSEP f["seq"]
		if (f["seq"] != 0) {
			if (key in flush_begun) {
				if (flush_begun[key] > covered_from[vm] + 0)
					covered_from[vm] = flush_begun[key]
				delete flush_begun[key]
			} else {
				unpaired++
			}
		}
		flushes_done[tid]++
	} else if (ev == "kvm_tdp_mmu_root_teardown_begin") {
		teardown[tid]++
	} else if (ev == "kvm_tdp_mmu_root_teardown_end") {
		if (teardown[tid] > 0)
			teardown[tid]--
		else
			unpaired_teardown++
	} else if (ev == "kvm_mmu_flush_deadline") {
		r = f["reason"]
		deadlines[r]++
		if (r == "dirty_log") {
			if (last_wrprot[task] + 0 > last_dirty_deadline[task] + 0) {
				dirty_checked++
				if (last_wrprot[task] > covered_from[vm] + 0)
					dirty_uncovered++
			}
			last_dirty_deadline[task] = NR
		} else {
			if (last_zap[task] + 0 > last_zap_deadline[task] + 0) {
				deadline_checked[r]++
				if (comm ~ /^kvm-nx-lpage/)
					nx_checked++
				if (last_zap[task] > covered_from[vm] + 0) {
					deadline_uncovered[r]++
					if (comm ~ /^kvm-nx-lpage/)
						nx_uncovered++
				}
			}
			last_zap_deadline[task] = NR
		}
	} else if (ev == "kvm_destroy_vm") {
		if (vm in destroyed_at)
			destroy_twice++
		destroyed_at[vm] = NR
	}
	if (vm != "")
		vm_seen[vm] = 1
}

END {
	for (e in count)
		print e, count[e]
	print "bad_format", bad_format + 0
	print "bad_header", bad_header + 0
	print "bad_freeze", bad_freeze + 0
	print "bad_unfreeze", bad_unfreeze + 0
	for (k in flush_begun)
		unpaired++
	print "unpaired_flush", unpaired + 0
	print "unpaired_teardown", unpaired_teardown + 0
	print "atomic_zaps", atomic_zaps + 0
	print "uncovered", uncovered + 0
	for (i = 1; i <= 4; i++) {
		r = reasons[i]
		print "deadline_" r, deadlines[r] + 0
		print "deadline_checked_" r, deadline_checked[r] + 0
		print "deadline_uncovered_" r, deadline_uncovered[r] + 0
	}
	print "nx_checked", nx_checked + 0
	print "nx_uncovered", nx_uncovered + 0
	print "dirty_checked", dirty_checked + 0
	print "dirty_uncovered", dirty_uncovered + 0
	print "valid_writes", valid_writes + 0
	print "invalid_writes", invalid_writes + 0
	print "splits", split_ok + split_lost
	print "split_lost", split_lost + 0
	print "split_reused", split_reused + 0
	print "split_reused_elsewhere", split_reused_elsewhere + 0
	print "fills_checked", fills_checked + 0
	print "fill_missing", fill_missing + 0
	print "bad_fill", bad_fill + 0
	print "free_matched", free_matched + 0
	print "free_unmatched", free_unmatched + 0
	nvm = 0
	nd = 0
	for (v in vm_seen) {
		nvm++
		if (v in destroyed_at)
			nd++
	}
	print "vms", nvm
	print "vms_destroyed", nd
	print "destroy_twice", destroy_twice + 0
	print "after_destroy", after_destroy + 0
	for (e in sample)
		print "sample", sample[e]
	if (state != "") {
		for (i = 1; i <= nstate; i++)
			print new_state[i] >> state
	}
}
