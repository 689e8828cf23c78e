# SPDX-License-Identifier: GPL-2.0
#
# Real KVM end to end (included by the top Makefile).
#
#   make e2e    every scenario of tools/e2e/e2e.sh, with a results table
#               (b and c need the patched kernel: built first, cached)
#   make demo   boot Debian's stock kernel under QEMU, run a VM that is
#               zapped in every way, and show spte-trace's live output

E2E_DEPS := spte-trace $(BUILD)/spte-vmm

.PHONY: e2e demo
e2e: $(E2E_DEPS) kernel kselftests
	@tools/e2e/e2e.sh

demo: $(E2E_DEPS)
	@tools/qemu/run-guest.sh --kernel stock --timeout 600 --console \
		--scenario tools/e2e/scenarios/demo.sh --out $(BUILD)/demo.$$$$ \
		--add spte-trace --add $(BUILD)/spte-vmm \
		--add tools/e2e/scenarios/common.sh \
		| sed -n '/^spte-trace /,/^violations: /p'
