# SPDX-License-Identifier: GPL-2.0
#
# make test: every layer, each ending in a line "<layer>: N passed, N failed"
# (or a printed reason for a skip), then tests/summary.sh adds them up.
#
#   unit   tests/unit/test_*.c, cmocka, against $(LIB_A)
#   bpf    tests/bpf/: the BPF programs in this kernel via BPF_PROG_TEST_RUN
#   live   tests/live/: spte-trace attached on this host, then bpftool checks
#   e2e-stock    QEMU harness self-test, then scenarios a d e f on Debian's
#                stock 6.1 and 6.12 kernels (real KVM guests)
#   e2e-patched  scenarios b and c on the patched kernel of each line whose
#                build is cached (make kernel KERNEL_LINE=...)

include tests/operator/operator.mk

UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_HDRS   := $(wildcard tests/unit/*.h)
TEST_LDLIBS := -lcmocka $(LDLIBS)

# The scenario table (tests/scenarios/): one table of event sequences that
# the engine tests and the BPF tests both run.
SCEN_SRCS   := $(wildcard tests/scenarios/*.c)
SCEN_HDRS   := $(wildcard tests/scenarios/*.h)

$(BUILD)/tests/%: tests/unit/%.c $(SCEN_SRCS) $(SCEN_HDRS) $(LIB_A) $(UNIT_HDRS) $(SRC_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -Itests/scenarios -o $@ $< $(SCEN_SRCS) \
		$(LIB_A) $(TEST_LDLIBS)

BPF_TEST_BIN := $(BUILD)/tests/bpf_test_run

$(BPF_TEST_BIN): $(wildcard tests/bpf/*.c) $(wildcard tests/bpf/*.h) $(SCEN_SRCS) $(SCEN_HDRS) $(LIB_A) $(BPF_SKEL)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/bpf -Itests/scenarios -o $@ \
		$(filter %.c,$^) $(LIB_A) $(TEST_LDLIBS)

.PHONY: test test-unit test-bpf test-live test-e2e-stock test-e2e-patched tests
tests: $(UNIT_BINS) $(BPF_TEST_BIN) $(OPERATOR_BINS) spte-trace $(BUILD)/spte-vmm

test: tests
	@tests/run.sh $(TEST_LAYERS)

test-unit: $(UNIT_BINS)
	@tests/run.sh unit

test-bpf: $(BPF_TEST_BIN)
	@tests/run.sh bpf

test-live: spte-trace
	@tests/run.sh live

test-e2e-stock: spte-trace $(BUILD)/spte-vmm
	@tests/run.sh e2e-stock

test-e2e-patched: spte-trace $(BUILD)/spte-vmm
	@tests/run.sh e2e-patched
