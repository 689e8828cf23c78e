/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the monitor's enums, as they appear in every output: terminal,
 * JSON, Prometheus labels and the docs.  One table each, so that renaming a
 * thing renames it everywhere.
 */
#ifndef __SPTE_NAMES_H
#define __SPTE_NAMES_H

#include <linux/types.h>

const char *level_name(__u32 level); /* "4K", "2M", ... */
const char *transition_name(__u32 tr); /* "install", "zap", ... */
const char *transition_help(__u32 tr);
const char *outcome_name(__u32 out); /* "covered", "stale_pfn", ... */
const char *outcome_help(__u32 out);
const char *violation_kind_name(__u32 kind); /* "unfreeze_unflushed", ... */
const char *violation_kind_help(__u32 kind);
const char *deadline_reason_name(__u32 reason); /* "yield", ... */
const char *counter_name(__u32 cnt);
const char *counter_help(__u32 cnt);
const char *hist_name(__u32 kind); /* "zap_to_reinstall", ... */
const char *hist_help(__u32 kind);
const char *hist_index_name(__u32 kind, __u32 index); /* level or full/ranged */
const char *site_name(__u32 kind); /* "zap", "install", "violation" */

#endif /* __SPTE_NAMES_H */
