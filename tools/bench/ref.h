/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tools/bench/ref.bpf.c's ref_layout tells userspace (tools/bench/
 * bench.c) about the kernel memory it lends to the benchmark.
 */
#ifndef __SPTE_BENCH_REF_H
#define __SPTE_BENCH_REF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define FAKE_SIZE 65536
#define FAKE_SP_OFF 61440 /* the struct kvm_mmu_page in "fake" */

struct bench_layout {
	__u64 fake_addr; /* kernel address of fake's value */
	__u64 page_offset_base; /* the direct map's base */
	__u32 kvm_size;
	__u32 kvm_pid_off; /* struct kvm: userspace_pid */
	__u32 kvm_reqs_off; /* stat.generic.remote_tlb_flush_requests */
	__u32 sp_size;
	__u32 sp_spt_off; /* struct kvm_mmu_page: spt */
	__u32 sp_gfn_off; /* gfn */
	__u32 sp_role_off; /* role (level: bits 0-3) */
	__u32 sp_off; /* FAKE_SP_OFF */
	__u32 fake_size;
	__u32 pad;
};

#endif /* __SPTE_BENCH_REF_H */
