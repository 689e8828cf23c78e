// SPDX-License-Identifier: GPL-2.0
#include "names.h"
#include "spte_trace.h"

#define NAME(tab, i) \
	((i) < sizeof(tab) / sizeof(tab[0]) && tab[i] ? tab[i] : "unknown")
#define PAIR(tab, i, which) \
	((i) < sizeof(tab) / sizeof(tab[0]) && tab[i][0] ? tab[i][which] : \
							   "unknown")

/* Levels 4 and 5 only ever hold page tables: no page size to name them by. */
static const char *const levels[SPTE_LEVELS] = {
	"4K", "2M", "1G", "L4", "L5",
};

const char *level_name(__u32 level)
{
	return level >= 1 ? NAME(levels, level - 1) : "unknown";
}

static const char *const transitions[TR_MAX][2] = {
	[TR_INSTALL] = { "install", "non-present to a present leaf" },
	[TR_LINK] = { "link", "non-present to a page table" },
	[TR_ZAP] = { "zap", "present to non-present, directly" },
	[TR_FREEZE] = { "freeze", "present to the removed (frozen) value" },
	[TR_FREEZE_EMPTY] = { "freeze_empty",
			      "non-present to the removed value (child of a removed table)" },
	[TR_UNFREEZE] = { "unfreeze",
			  "removed value replaced after the remote flush" },
	[TR_INSTALL_REMOVED] = { "install_over_removed",
				 "removed value replaced by a present SPTE (never expected)" },
	[TR_PROTECT] = { "protect",
			 "present to present, permissions narrowed" },
	[TR_WIDEN] = { "widen", "present to present, permissions widened" },
	[TR_MODIFY] = { "modify", "present to present, other bits" },
	[TR_SPLIT] = { "split", "huge leaf replaced by a page table" },
	[TR_COLLAPSE] = { "collapse", "page table replaced by a huge leaf" },
	[TR_NONPRESENT] = { "nonpresent", "MMIO or other non-present change" },
};

const char *transition_name(__u32 tr)
{
	return PAIR(transitions, tr, 0);
}

const char *transition_help(__u32 tr)
{
	return PAIR(transitions, tr, 1);
}

static const char *const outcomes[OUT_MAX][2] = {
	[OUT_FIRST] = { "first",
			"install with no zap of its translation seen before it" },
	[OUT_COVERED] = { "covered",
			  "every zap it overlaps was covered by a completed remote flush" },
	[OUT_STALE_PFN] = { "stale_pfn",
			    "VIOLATION: installed while an overlapping zapped SPTE mapping another pfn may still be cached" },
	[OUT_STALE_PERM] = { "stale_perm",
			     "VIOLATION: installed while a cached zapped SPTE still grants more (W, X or U)" },
	[OUT_STALE_SAME] = { "stale_same",
			     "installed before the flush, identical translation (benign)" },
	[OUT_STALE_NARROWER] = { "stale_narrower",
				 "installed before the flush, the stale entry grants less (benign: a spurious fault at worst)" },
	[OUT_UNVERIFIED] = { "unverified",
			     "flushes are not (fully) visible: cannot decide" },
	[OUT_UNDECIDABLE] = { "undecidable",
			      "the flush history needed was lost" },
	[OUT_UNTRACKED] = { "untracked",
			    "the zap was not tracked (map full or no VM identity)" },
	[OUT_EXPIRED] = { "expired", "the pending zap outlived --pending-ttl" },
	[OUT_NEW_ROOT] = { "new_root",
			   "zapped in a torn-down or invalid root: vCPUs flush when they load a new one" },
};

const char *outcome_name(__u32 out)
{
	return PAIR(outcomes, out, 0);
}

const char *outcome_help(__u32 out)
{
	return PAIR(outcomes, out, 1);
}

static const char *const violation_kinds[VK_MAX][2] = {
	[VK_STALE_PFN] = { "stale_pfn",
			   "a leaf was installed while an overlapping zapped leaf mapping another pfn was not yet flushed" },
	[VK_STALE_PERM] = { "stale_perm",
			    "a leaf was installed while an overlapping zapped leaf granting more (W, X or U) was not yet flushed" },
	[VK_UNFREEZE] = { "unfreeze_unflushed",
			  "a frozen (removed) SPTE was replaced before a remote flush covering its zap completed" },
	[VK_YIELD] = { "yield_unflushed",
		       "mmu_lock was yielded with zaps of the yielding task not yet flushed" },
	[VK_UNLOCK] = { "unlock_unflushed",
			"mmu_lock was released with zaps of the releasing task not yet flushed" },
	[VK_NOTIFIER] = { "notifier_unflushed",
			  "invalidate_range_start returned with zaps not yet flushed" },
	[VK_PT_FREED] = { "pt_freed_unflushed",
			  "a removed page table was freed before a remote flush covering its removal" },
	[VK_DIRTY_LOG] = { "dirty_log_unflushed",
			   "dirty state was reported with write-protections not yet flushed (stale writable entries)" },
	[VK_PRESENT_PFN] = { "present_pfn_changed",
			     "a present leaf SPTE changed pfn without a zap (the kernel BUG()s on this)" },
};

const char *violation_kind_name(__u32 kind)
{
	return PAIR(violation_kinds, kind, 0);
}

const char *violation_kind_help(__u32 kind)
{
	return PAIR(violation_kinds, kind, 1);
}

static const char *const deadline_reasons[DEADLINE_MAX] = {
	[DEADLINE_YIELD] = "yield",
	[DEADLINE_UNLOCK] = "unlock",
	[DEADLINE_NOTIFIER] = "notifier",
	[DEADLINE_DIRTY_LOG] = "dirty_log",
};

const char *deadline_reason_name(__u32 reason)
{
	return NAME(deadline_reasons, reason);
}

static const char *const counters[CNT_MAX][2] = {
	[CNT_SPTE_EVENTS] = { "spte_events", "SPTE change events processed" },
	[CNT_FLUSH_BEGIN] = { "flush_begin", "remote TLB flushes begun" },
	[CNT_FLUSH_END] = { "flush_end", "remote TLB flushes completed" },
	[CNT_SAME_VALUE] = { "same_value",
			     "SPTE writes that did not change the value" },
	[CNT_NO_VM] = { "no_vm", "SPTE events without VM identity" },
	[CNT_VIOLATION_DROPS] = { "violation_drops",
				  "violation records dropped: ring buffer full" },
	[CNT_RECORD_DROPS] = { "record_drops",
			       "event records dropped: record ring buffer full" },
	[CNT_STATE_FULL] = { "state_update_failures",
			     "SPTE state updates that failed" },
	[CNT_PENDING_FULL] = { "pending_full",
			       "zaps not tracked: pending map full" },
	[CNT_VM_FULL] = { "vm_full", "VMs not tracked: VM map full" },
	[CNT_INFLIGHT_FULL] = { "inflight_full",
				"flushes whose latency was lost: in-flight map full" },
	[CNT_FLUSH_UNPAIRED] = { "flush_unpaired",
				 "flush completions without a seen begin (they cover nothing)" },
	[CNT_STACK_ERRORS] = { "stack_errors",
			       "kernel stacks that could not be captured or kept" },
	[CNT_SITES_FULL] = { "sites_full",
			     "flame graph samples lost: site map full" },
	[CNT_HOLDERS_FULL] = { "holders_full",
			       "zaps or write-protections not batched for their deadline: holder map full" },
	[CNT_TABLES_FULL] = { "tables_full",
			      "removed page tables not tracked until their free: table map full" },
	[CNT_DEADLINES] = { "deadlines_yield",
			    "flush deadlines seen: mmu_lock yielded" },
	[CNT_DEADLINES_UNLOCK] = { "deadlines_unlock",
				   "flush deadlines seen: mmu_lock released" },
	[CNT_DEADLINES_NOTIFIER] = { "deadlines_notifier",
				     "flush deadlines seen: invalidate_range_start returned" },
	[CNT_DEADLINES_DIRTY_LOG] = { "deadlines_dirty_log",
				      "flush deadlines seen: dirty state reported" },
	[CNT_DEADLINE_UNDECIDED] = { "deadline_undecided",
				     "deadline checks that could not decide: partly covered or flush history lost" },
	[CNT_DEADLINE_UNVERIFIED] = { "deadline_unverified",
				      "deadline checks that found no covering flush but cannot rule out one the hooks missed" },
	[CNT_FREE_PT] = { "pt_frees", "page table frees seen" },
	[CNT_FREE_UNKNOWN] = { "pt_frees_unknown",
			       "page table frees whose removal was not seen (roots, or removed before start)" },
	[CNT_VM_DESTROYED] = { "vms_destroyed", "VMs destroyed" },
	[CNT_VM_HISTORY_LOST] = { "vm_history_lost",
				  "zaps older than their VM's state (the state was re-created): undecidable" },
	[CNT_PROTOCOL_MISSED] = { "protocol_missed",
				  "SPTE events lost: the tail call to the protocol program failed" },
	[CNT_UNFREEZE_UNKNOWN] = { "unfreeze_unknown",
				   "unfreezes whose freeze was not tracked" },
};

const char *counter_name(__u32 cnt)
{
	return PAIR(counters, cnt, 0);
}

const char *counter_help(__u32 cnt)
{
	return PAIR(counters, cnt, 1);
}

static const char *const hist_names[HIST_KINDS][2] = {
	[HIST_ZAP_TO_INSTALL] = { "zap_to_reinstall",
				  "time from a zap to the next install of the same SPTE" },
	[HIST_PRESENT_LIFETIME] = { "present_lifetime",
				    "time an SPTE stayed present, install to zap" },
	[HIST_FROZEN_WINDOW] = { "frozen_window",
				 "time from the freeze to the write after the remote flush" },
	[HIST_FLUSH_LATENCY] = { "flush_latency",
				 "remote TLB flush latency, begin to completion" },
};

const char *hist_name(__u32 kind)
{
	return PAIR(hist_names, kind, 0);
}

const char *hist_help(__u32 kind)
{
	return PAIR(hist_names, kind, 1);
}

const char *hist_index_name(__u32 kind, __u32 index)
{
	if (kind == HIST_FLUSH_LATENCY)
		return index == 0 ? "full" : index == 1 ? "ranged" : "unknown";
	return level_name(index + 1);
}

static const char *const sites[SITE_KINDS] = {
	[SITE_ZAP] = "zap",
	[SITE_INSTALL] = "install",
	[SITE_VIOLATION] = "violation",
};

const char *site_name(__u32 kind)
{
	return NAME(sites, kind);
}
