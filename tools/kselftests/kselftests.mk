# SPDX-License-Identifier: GPL-2.0
#
# Static KVM selftests used as guest workloads (included by the top Makefile).
#
#   make kselftests   build them (or find them in the cache), print their dir
#
# For other fragments: depend on `kselftests`, then use $(KSELFTESTS_DIR) in
# the recipe (recursive, expanded when the recipe runs).

KSELFTESTS_BUILD_SH := tools/kselftests/build.sh
KSELFTESTS_DIR       = $(shell $(KSELFTESTS_BUILD_SH) --print-path)

.PHONY: kselftests
kselftests:
	@$(KSELFTESTS_BUILD_SH)
