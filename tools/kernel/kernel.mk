# SPDX-License-Identifier: GPL-2.0
#
# The patched guest kernel (included by the top Makefile).
#
#   make kernel             build (or find in the cache) base + kernel-patch/*.patch
#   make kernel-checkpatch  checkpatch.pl --strict on the series
#   make kernel-w1          new W=1 warnings in arch/x86/kvm with the series
#   make kernel-boot-test   boot it under QEMU/TCG and check every new event
#                           fires (tools/kernel/scenarios/events.sh)
#
# For other fragments: depend on `kernel`, then use $(KERNEL_BZIMAGE) or
# $(KERNEL_VMLINUX) in the recipe.  They are recursive variables, expanded
# when a recipe runs (after its prerequisites are made); they query the
# cache without building and are empty when the kernel is not built yet.

KERNEL_BUILD_SH  := tools/kernel/build.sh
KERNEL_CACHE      = $(SPTE_CACHE)/kernel
KERNEL_DIR        = $(shell $(KERNEL_BUILD_SH) --print-path --no-build 2>/dev/null)
KERNEL_BZIMAGE    = $(if $(KERNEL_DIR),$(KERNEL_DIR)/bzImage)
KERNEL_VMLINUX    = $(if $(KERNEL_DIR),$(KERNEL_DIR)/vmlinux)
KERNEL_JOBS      ?= $(shell nproc)

.PHONY: kernel kernel-checkpatch kernel-w1 kernel-boot-test
kernel:
	@$(KERNEL_BUILD_SH) -j $(KERNEL_JOBS)

kernel-checkpatch:
	@tools/kernel/checkpatch.sh

kernel-w1:
	@tools/kernel/w1-check.sh -j $(KERNEL_JOBS)

# The guest scenario parses large traces with awk; the host's mawk, when
# there is one, does that several times faster than busybox's.
KERNEL_BOOT_TEST_OUT ?= $(BUILD)/kernel-boot-test
KERNEL_BOOT_TEST_AWK := $(firstword $(wildcard /usr/bin/mawk /usr/bin/gawk))

kernel-boot-test: kernel $(BUILD)/spte-vmm
	tools/qemu/run-guest.sh --kernel $(KERNEL_BZIMAGE) \
		--scenario tools/kernel/scenarios/events.sh \
		--add $(BUILD)/spte-vmm \
		$(if $(KERNEL_BOOT_TEST_AWK),--add $(KERNEL_BOOT_TEST_AWK):/add/awk) \
		--out $(KERNEL_BOOT_TEST_OUT) --timeout 1800
