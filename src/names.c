// SPDX-License-Identifier: GPL-2.0
#include "names.h"
#include "spte_trace.h"

#define NAME(tab, i) \
	((i) < sizeof(tab) / sizeof(tab[0]) && tab[i] ? tab[i] : "unknown")

static const char *const levels[SPTE_LEVELS] = {
	"4K", "2M", "1G", "512G", "256T",
};

const char *level_name(__u32 level)
{
	return level >= 1 ? NAME(levels, level - 1) : "unknown";
}

static const char *const transitions[TR_MAX][2] = {
	[TR_INSTALL] = { "install", "non-present to present" },
	[TR_ZAP] = { "zap", "present to non-present, directly" },
	[TR_FREEZE] = { "freeze", "present to the removed value" },
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
	return tr < TR_MAX ? transitions[tr][0] : "unknown";
}

const char *transition_help(__u32 tr)
{
	return tr < TR_MAX ? transitions[tr][1] : "unknown";
}

static const char *const outcomes[OUT_MAX][2] = {
	[OUT_FIRST] = { "first", "install with no zap seen before it" },
	[OUT_COVERED] = { "covered",
			  "a remote flush that began after the zap completed first" },
	[OUT_VIOL_PFN] = { "pfn_changed",
			   "VIOLATION: reinstalled with another PFN before the flush" },
	[OUT_VIOL_PERM] = { "perm_widened",
			    "VIOLATION: reinstalled with wider permissions before the flush" },
	[OUT_SAME_MAPPING] = { "same_mapping",
			       "reinstalled unchanged before the flush (benign)" },
	[OUT_UNVERIFIED] = { "unverified",
			     "no flush source attached: cannot decide" },
	[OUT_UNDECIDABLE] = { "undecidable",
			      "the flush history needed was lost" },
	[OUT_UNTRACKED] = { "untracked",
			    "the zap was not tracked (map full or no VM identity)" },
	[OUT_EXPIRED] = { "expired", "the pending zap outlived --pending-ttl" },
	[OUT_NEW_ROOT] = { "new_root",
			   "zapped in a torn-down root; vCPUs flush when they load a new one" },
	[OUT_PRESENT_PFN] = { "present_pfn_changed",
			      "VIOLATION: present SPTE changed PFN without a zap" },
};

const char *outcome_name(__u32 out)
{
	return out < OUT_MAX ? outcomes[out][0] : "unknown";
}

const char *outcome_help(__u32 out)
{
	return out < OUT_MAX ? outcomes[out][1] : "unknown";
}

static const char *const counters[CNT_MAX][2] = {
	[CNT_SPTE_EVENTS] = { "spte_events", "SPTE change events processed" },
	[CNT_FLUSH_BEGIN] = { "flush_begin", "remote TLB flushes begun" },
	[CNT_FLUSH_END] = { "flush_end", "remote TLB flushes completed" },
	[CNT_SAME_VALUE] = { "same_value",
			     "SPTE writes that did not change the value" },
	[CNT_NO_VM] = { "no_vm",
			"SPTE events without VM identity (kernel threads in stock mode)" },
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
				 "flush completions without a seen begin" },
	[CNT_STACK_ERRORS] = { "stack_errors",
			       "kernel stacks that could not be captured" },
	[CNT_SITES_FULL] = { "sites_full",
			     "flame graph samples lost: site map full" },
};

const char *counter_name(__u32 cnt)
{
	return cnt < CNT_MAX ? counters[cnt][0] : "unknown";
}

const char *counter_help(__u32 cnt)
{
	return cnt < CNT_MAX ? counters[cnt][1] : "unknown";
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
	return kind < HIST_KINDS ? hist_names[kind][0] : "unknown";
}

const char *hist_help(__u32 kind)
{
	return kind < HIST_KINDS ? hist_names[kind][1] : "unknown";
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
