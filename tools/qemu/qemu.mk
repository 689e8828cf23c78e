# SPDX-License-Identifier: GPL-2.0
#
# Real KVM under QEMU/TCG (included by the top Makefile).  docs/e2e.md
# explains the harness; tools/qemu/run-guest.sh --help its options.
#
#   make stock-kernel      fetch and unpack Debian's stock kernel of
#                          KERNEL_LINE (6.1 or 6.12; cached)
#   make kselftests        build the static KVM selftests (cached)
#   make vmm               build the static workload VMM (tools/vmm/vmm.mk)
#   make guest-smoke       the harness's own end-to-end check, stock kernel
#   make guest-lib-test    test the guest-side scenario library
#   make guest-kselftests  KVM selftests as workloads, stock kernel
#
# Output of each goes to $(GUEST_OUT)/NAME (console.log, results.txt, ...).
# The guest-* targets boot GUEST_KERNEL: stock (= stock-6.1, default),
# stock-6.12 or the path of a bzImage.

include tools/kselftests/kselftests.mk

RUN_GUEST   := tools/qemu/run-guest.sh
GUEST_OUT   ?= $(BUILD)/guest
GUEST_KERNEL ?= stock
# The daemon rides along when it is built (the smoke checks that it runs).
GUEST_ADD_TRACE = $(if $(wildcard spte-trace),--add spte-trace)

.PHONY: stock-kernel guest-smoke guest-lib-test guest-kselftests

stock-kernel:
	@env=$$(tools/qemu/fetch-stock-kernel.sh --line $(KERNEL_LINE)) && eval "$$env" && \
		echo "stock kernel $(KERNEL_LINE): $$STOCK_KERNEL_PACKAGE in $(SPTE_CACHE)/stock-kernel"

# $(call run_guest,NAME,ARGS): run-guest.sh into $(GUEST_OUT)/NAME, then
# print its counts table (if any), a PASS/FAIL tally, the timings and
# every FAIL line; fails when the run or any check failed.
define run_guest
	@rc=0; $(RUN_GUEST) --kernel $(GUEST_KERNEL) --out $(GUEST_OUT)/$(1) $(2) || rc=$$?; \
	d=$(GUEST_OUT)/$(1); cat $$d/counts.txt 2>/dev/null; \
	echo "---- $(1): $$(grep -c '^PASS' $$d/results.txt 2>/dev/null) passed," \
		"$$(grep -c '^FAIL' $$d/results.txt 2>/dev/null) failed;" \
		"$$(cat $$d/timing.txt 2>/dev/null); output in $$d"; \
	grep '^FAIL' $$d/results.txt 2>/dev/null; exit $$rc
endef

guest-smoke: vmm stock-kernel
	$(call run_guest,smoke,--timeout 900 --add $(BUILD)/spte-vmm $(GUEST_ADD_TRACE) \
		--scenario tools/qemu/scenarios/smoke.sh)

guest-lib-test: vmm stock-kernel
	$(call run_guest,lib-test,--timeout 300 --add $(BUILD)/spte-vmm \
		--scenario tools/qemu/scenarios/lib-test.sh)

KSELFTEST_WORKLOADS := \
	--env WORKLOAD_1='demand_paging_test -b 16M -v 2' \
	--env WORKLOAD_2='demand_paging_test -u MISSING -b 16M -v 1' \
	--env WORKLOAD_3='dirty_log_perf_test -b 16M -v 2 -i 2' \
	--env WORKLOAD_4='memslot_modification_stress_test -b 16M -v 2 -i 5'

guest-kselftests: kselftests stock-kernel
	$(call run_guest,kselftests,--timeout 600 --add "$(KSELFTESTS_DIR):/add" \
		$(KSELFTEST_WORKLOADS) --scenario tools/qemu/scenarios/workload.sh)
