# SPDX-License-Identifier: GPL-2.0
#
# Real KVM end to end (included by the top Makefile).
#
#   make e2e    every scenario of tools/e2e/e2e.sh on each kernel line of
#               E2E_LINES (default: 6.1 6.12), with a results table (b and c
#               need the patched kernel of the line: built first, cached)
#   make demo   boot Debian's stock kernel under QEMU, run a VM that is
#               zapped in every way, and show spte-trace's live output

E2E_DEPS := spte-trace $(BUILD)/spte-vmm
E2E_LINES ?= 6.1 6.12

.PHONY: e2e demo
e2e: $(E2E_DEPS) kselftests
	@set -e; for line in $(E2E_LINES); do \
		$(KERNEL_BUILD_SH) --line $$line -j $(KERNEL_JOBS); \
		tools/e2e/e2e.sh --line $$line; \
	done

demo: $(E2E_DEPS)
	@tools/qemu/run-guest.sh --kernel stock --timeout 600 --console \
		--scenario tools/e2e/scenarios/demo.sh --out $(BUILD)/demo.$$$$ \
		--add spte-trace --add $(BUILD)/spte-vmm \
		--add tools/e2e/scenarios/common.sh \
		| sed -n '/^spte-trace /,/^violations: /p'
