# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (included by the top Makefile).  docs/performance.md explains
# the method and holds the latest figures.
#
#   make bench         per-event cost of the BPF programs in this kernel,
#                      as ratios to an empty program; map memory; RSS
#   make bench-smoke   the same, short: fails only on a broken benchmark
#   make bench-profile where the per-event cost goes (needs perf)
#   make bench-e2e     a real workload in a QEMU guest, interleaved and
#                      repeated: nothing, spte-trace, bpftrace, trace-cmd
#   make bench-e2e-smoke  one short round of bench-e2e
#   make bench-ci      bench-smoke, then bench-e2e-smoke (what CI runs)
#
# The compile and link lines work with both ways the top Makefile has
# spelt them (CFLAGS/LDLIBS, or COMPILE/LINK_LIBS).

BENCH_DIR    := $(BUILD)/bench
BENCH_REF_O  := $(BENCH_DIR)/ref.bpf.o
BENCH_REF_SK := $(BENCH_DIR)/ref.skel.h
BENCH_SRCS   := tools/bench/bench.c tools/bench/cases.c tools/bench/opcount.c
BENCH_HDRS   := $(wildcard tools/bench/*.h tools/bench/opcount/*.h)
BENCH_CC      = $(if $(COMPILE),$(COMPILE),$(CC) $(CFLAGS))
BENCH_LIBS    = $(if $(LINK_LIBS),$(LINK_LIBS),$(LDFLAGS) $(LDLIBS))

$(BENCH_REF_O): tools/bench/ref.bpf.c tools/bench/ref.h bpf/spte_trace.h vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -Itools/bench -mcpu=v3 -c $< -o $@.tmp
	$(LLVM_STRIP) -g $@.tmp
	mv $@.tmp $@

$(BENCH_REF_SK): $(BENCH_REF_O)
	$(BPFTOOL) gen skeleton $< name bench_ref > $@.tmp
	mv $@.tmp $@

# opcount.c compiles src/engine.c with its own protocol.h first on the
# quote path (-iquote), which counts every state operation of bpf/protocol.h.
$(BUILD)/bench/bench: $(BENCH_SRCS) $(BENCH_HDRS) $(BENCH_REF_SK) $(LIB_A) \
		$(BPF_SKEL) src/engine.c bpf/protocol.h bpf/spte_rules.h
	@mkdir -p $(@D)
	$(BENCH_CC) -I$(BENCH_DIR) -Itools/bench -iquote tools/bench/opcount \
		-o $@ $(BENCH_SRCS) $(LIB_A) $(BENCH_LIBS)

BENCH_ARGS ?=

.PHONY: bench bench-smoke bench-profile bench-e2e bench-e2e-smoke bench-ci
bench: $(BUILD)/bench/bench spte-trace
	@$(BUILD)/bench/bench --daemon ./spte-trace $(BENCH_ARGS)

bench-smoke: $(BUILD)/bench/bench spte-trace
	@$(BUILD)/bench/bench --smoke --daemon ./spte-trace $(BENCH_ARGS)

bench-profile: $(BUILD)/bench/bench
	@tools/bench/profile.sh $(BUILD)/bench/bench

BENCH_E2E_DEPS := spte-trace $(BUILD)/spte-vmm $(BUILD)/bench/bench

bench-e2e: $(BENCH_E2E_DEPS)
	@tools/bench/e2e/bench-e2e.sh $(BENCH_E2E_ARGS)

bench-e2e-smoke: $(BENCH_E2E_DEPS)
	@tools/bench/e2e/bench-e2e.sh --smoke $(BENCH_E2E_ARGS)

# Sequential: the guest and the in-kernel measurements would share CPUs.
bench-ci: $(BENCH_E2E_DEPS)
	@$(MAKE) --no-print-directory bench-smoke
	@$(MAKE) --no-print-directory bench-e2e-smoke
