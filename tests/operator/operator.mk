# SPDX-License-Identifier: GPL-2.0
#
# Operator-facing tests (tests/operator/*.sh, run by tests/run.sh as the
# "operator" layer): Prometheus output checked by promtool, the SVG flame
# graph rendered by Chromium, the daemon's dropped privileges, deploy/.
# The helper programs they run are built here: add $(OPERATOR_BINS) to the
# prerequisites of the layer.

OPERATOR_BINS := $(BUILD)/tests/prom_dump $(BUILD)/tests/flame_dump \
		 $(BUILD)/tests/serve_dump

$(BUILD)/tests/prom_dump: tests/operator/prom_dump.c tests/unit/prom_fixture.h $(LIB_A) $(SRC_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_A) $(LDLIBS)

$(BUILD)/tests/flame_dump: tests/operator/flame_dump.c tests/unit/flame_fixture.h $(LIB_A) $(SRC_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_A) $(LDLIBS)

$(BUILD)/tests/serve_dump: tests/operator/serve_dump.c tests/unit/prom_fixture.h $(LIB_A) $(SRC_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_A) $(LDLIBS)

.PHONY: test-operator
test-operator: $(OPERATOR_BINS) spte-trace
	@tests/run.sh operator
