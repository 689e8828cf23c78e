/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sweeping the kernel's pending-zap map: entries a completed flush covers
 * can never become violations and are dropped; entries older than the TTL
 * are dropped and counted, and their SPTE marked so a late install says so.
 */
#ifndef __SPTE_SWEEP_H
#define __SPTE_SWEEP_H

#include "snapshot.h"

struct sweep_maps {
	int pending_fd;
	int vms_fd;
	int state_fd;
};

int sweep_pending(const struct sweep_maps *maps, __u64 now_ns, __u64 ttl_ns,
		  struct sweep_stats *stats);

#endif /* __SPTE_SWEEP_H */
