# SPDX-License-Identifier: GPL-2.0
#
# Per-event cost of the BPF programs, measured in the running kernel.
#
#   make bench       measure the per-event cost of the BPF programs

$(BUILD)/bench: tools/bench/bench.c $(LIB_A) $(BPF_SKEL)
	@mkdir -p $(@D)
	$(COMPILE) $(SPTE_DEPFLAGS) -o $@ $< $(LIB_A) $(LINK_LIBS)

.PHONY: bench
bench: $(BUILD)/bench
	@$(BUILD)/bench
