# SPDX-License-Identifier: GPL-2.0
#
# The patched guest kernels (included by the top Makefile).  Two kernel
# lines have a series: kernel-patch/6.1/ and kernel-patch/6.12/.  The
# targets below work on KERNEL_LINE (default 6.1), except kernel-checkpatch,
# which checks every line unless KERNEL_LINE is given on the command line.
#
#   make kernel [KERNEL_LINE=6.12]   build (or find in the cache) base + series
#   make kernel-checkpatch           checkpatch.pl --strict on the series
#   make kernel-w1                   new W=1 warnings in arch/x86/kvm
#   make kernel-hotpath              machine code of the hot paths with
#                                    tracing off: base versus series
#   make kernel-boot-test            boot it under QEMU/TCG and check every
#                                    event and injection site
#                                    (tools/kernel/scenarios/events.sh)
#
# For other fragments: depend on `kernel`, then use $(KERNEL_BZIMAGE) or
# $(KERNEL_VMLINUX) in the recipe.  They are recursive variables, expanded
# when a recipe runs (after its prerequisites are made); they query the
# cache without building and are empty when the kernel is not built yet.

KERNEL_LINE      ?= 6.1
export KERNEL_LINE
KERNEL_LINES     := $(patsubst kernel-patch/%/BASE,%,$(wildcard kernel-patch/*/BASE))
KERNEL_BUILD_SH  := tools/kernel/build.sh
KERNEL_CACHE      = $(SPTE_CACHE)/kernel
KERNEL_DIR        = $(shell $(KERNEL_BUILD_SH) --line $(KERNEL_LINE) --print-path --no-build 2>/dev/null)
KERNEL_BZIMAGE    = $(if $(KERNEL_DIR),$(KERNEL_DIR)/bzImage)
KERNEL_VMLINUX    = $(if $(KERNEL_DIR),$(KERNEL_DIR)/vmlinux)
KERNEL_JOBS      ?= $(shell nproc)

# checkpatch: every line, unless one was asked for.
KERNEL_CHECKPATCH_LINES := $(if $(filter command line environment,$(origin KERNEL_LINE)),$(KERNEL_LINE),$(KERNEL_LINES))

.PHONY: kernel kernel-checkpatch kernel-w1 kernel-hotpath kernel-boot-test
kernel:
	@$(KERNEL_BUILD_SH) --line $(KERNEL_LINE) -j $(KERNEL_JOBS)

kernel-checkpatch:
	@tools/kernel/checkpatch.sh $(addprefix --line ,$(KERNEL_CHECKPATCH_LINES))

kernel-w1:
	@tools/kernel/w1-check.sh --line $(KERNEL_LINE) -j $(KERNEL_JOBS)

kernel-hotpath:
	@tools/kernel/hotpath-check.sh --line $(KERNEL_LINE) -j $(KERNEL_JOBS)

# The guest scenario parses large traces with awk; the host's mawk, when
# there is one, does that several times faster than busybox's.
KERNEL_BOOT_TEST_OUT ?= $(BUILD)/kernel-boot-test-$(KERNEL_LINE)
KERNEL_BOOT_TEST_AWK := $(firstword $(wildcard /usr/bin/mawk /usr/bin/gawk))

kernel-boot-test: kernel $(BUILD)/spte-vmm
	tools/qemu/run-guest.sh --kernel $(KERNEL_BZIMAGE) \
		--scenario tools/kernel/scenarios/events.sh \
		--add $(BUILD)/spte-vmm --add tools/kernel/scenarios/check-trace.awk \
		$(if $(KERNEL_BOOT_TEST_AWK),--add $(KERNEL_BOOT_TEST_AWK):/add/awk) \
		--out $(KERNEL_BOOT_TEST_OUT) --timeout 1800
