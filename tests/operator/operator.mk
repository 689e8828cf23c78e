# SPDX-License-Identifier: GPL-2.0
#
# Operator-facing tests (tests/operator/*.sh, run by tests/run.sh as the
# "operator" layer): Prometheus output checked by promtool, the SVG flame
# graph rendered by Chromium, the daemon's dropped privileges, deploy/,
# the /metrics endpoint under slow clients, install and the package.
# The helper programs they run are built here.

OPERATOR_BINS := $(BUILD)/tests/prom_dump $(BUILD)/tests/flame_dump \
		 $(BUILD)/tests/serve_dump

$(BUILD)/tests/%_dump: tests/operator/%_dump.c $(LIB_A)
	@mkdir -p $(@D)
	$(COMPILE) $(SPTE_DEPFLAGS) -Itests/unit -o $@ $< $(LIB_A) $(LINK_LIBS)

.PHONY: test-operator
test-operator: $(OPERATOR_BINS) spte-trace
	@tests/run.sh operator

-include $(OPERATOR_BINS:=.d)
