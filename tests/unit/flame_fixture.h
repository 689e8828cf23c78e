/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stacks and site counts for tests/unit/test_flame.c and
 * tests/operator/flame_dump.c: zaps, installs and violations with kernel
 * and module frames, as a live run or a replay would give them.
 */
#ifndef __SPTE_FLAME_FIXTURE_H
#define __SPTE_FLAME_FIXTURE_H

#include "flame.h"
#include "stacks.h"

#define FR(s, m, o) { .ip = 0xffffffff81000000ULL + (o), .sym = (s), .module = (m), .offset = (o) }

static const struct stack_frame fx_zap[] = {	/* innermost first */
	FR("tdp_mmu_zap_leafs", "kvm", 0x1a),
	FR("kvm_tdp_mmu_unmap_gfn_range", "kvm", 0x40),
	FR("kvm_mmu_notifier_invalidate_range_start", "kvm", 0x99),
	FR("__mmu_notifier_invalidate_range_start", NULL, 0x10),
	FR("try_to_migrate_one", NULL, 0x300),
};

static const struct stack_frame fx_zap2[] = {	/* same functions, other offsets */
	FR("tdp_mmu_zap_leafs", "kvm", 0x2b),
	FR("kvm_tdp_mmu_unmap_gfn_range", "kvm", 0x48),
	FR("kvm_mmu_notifier_invalidate_range_start", "kvm", 0x99),
	FR("__mmu_notifier_invalidate_range_start", NULL, 0x10),
	FR("try_to_migrate_one", NULL, 0x300),
};

static const struct stack_frame fx_install[] = {
	FR("tdp_mmu_map_handle_target_level", "kvm", 0x77),
	FR("kvm_tdp_mmu_map", "kvm", 0x1f0),
	FR("direct_page_fault", "kvm", 0x2e0),
	FR("kvm_mmu_page_fault", "kvm", 0x8a),
	FR("vmx_handle_exit", "kvm_intel", 0x10),
	FR("kvm_arch_vcpu_ioctl_run", "kvm", 0x900),
	FR("kvm_vcpu_ioctl", "kvm", 0x2a0),
	FR("__x64_sys_ioctl", NULL, 0x8b),
	FR("do_syscall_64", NULL, 0x3b),
};

static const struct stack_frame fx_odd[] = {
	FR("weird;name<&>", "mod\"x", 0x1),
	FR("", NULL, 0x2),
};

static struct stack_table *flame_fixture__stacks(void)
{
	struct stack_table *st = stack_table__new(NULL);

	stack_table__add_frames(st, 1, fx_zap, 5);
	stack_table__add_frames(st, 2, fx_zap2, 5);
	stack_table__add_frames(st, 3, fx_install, 9);
	stack_table__add_frames(st, 4, fx_odd, 2);
	return st;
}

static void flame_fixture__fill(struct flame *f)
{
	struct violation v = { .stack_id = 3, .kind = VK_STALE_PFN };

	flame__add_site(f, SITE_ZAP, 1, 300);
	flame__add_site(f, SITE_ZAP, 2, 200);
	flame__add_site(f, SITE_INSTALL, 3, 400);
	flame__add_site(f, SITE_INSTALL, 4, 7);
	flame__add_site(f, SITE_INSTALL, -1, 3);
	for (int i = 0; i < 250; i++)
		flame__add_violation(f, &v);
	v.kind = VK_UNFREEZE;
	flame__add_violation(f, &v);
}

#endif /* __SPTE_FLAME_FIXTURE_H */
