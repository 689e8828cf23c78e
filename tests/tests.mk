# SPDX-License-Identifier: GPL-2.0
#
# The test layers (tests/run.sh); each ends in a line "<layer>: N passed,
# N failed" or a printed reason for a skip, and run.sh adds them up.
#
#   make test        every layer: unit report bpf live operator e2e-stock e2e-patched
#                    (TEST_LAYERS="unit report" runs only those)
#   make tests       build every test program without running any
#   make test-unit   tests/unit/test_*.c (cmocka) against libspte.a
#   make test-asan   the unit tests again, built with ASan and UBSan
#   make test-report spte-trace report on every case and input layout
#   make test-bpf    the BPF programs in this kernel via BPF_PROG_TEST_RUN
#   make test-live   spte-trace attached on this host, checked with bpftool
#   make test-operator  promtool, Chromium, privileges, deploy/, packaging
#   make test-e2e-stock    the QEMU harness and the stock-kernel scenarios
#   make test-e2e-patched  scenarios b and c on each cached patched kernel

include tests/operator/operator.mk

UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TEST_LDLIBS := -lcmocka

# The scenario table (tests/scenarios/): one table of event sequences that
# the engine tests and the BPF tests both run.
SCEN_SRCS   := $(wildcard tests/scenarios/*.c)

$(BUILD)/tests/%: tests/unit/%.c $(SCEN_SRCS) $(LIB_A)
	@mkdir -p $(@D)
	$(COMPILE) $(SPTE_DEPFLAGS) -Itests/unit -Itests/scenarios -o $@ $< \
		$(SCEN_SRCS) $(LIB_A) $(TEST_LDLIBS) $(LINK_LIBS)

BPF_TEST_BIN := $(BUILD)/tests/bpf_test_run

$(BPF_TEST_BIN): $(wildcard tests/bpf/*.c) $(SCEN_SRCS) $(LIB_A) $(BPF_SKEL)
	@mkdir -p $(@D)
	$(COMPILE) $(SPTE_DEPFLAGS) -Itests/bpf -Itests/scenarios -o $@ \
		$(filter %.c,$^) $(LIB_A) $(TEST_LDLIBS) $(LINK_LIBS)

# The unit tests under AddressSanitizer and UndefinedBehaviorSanitizer,
# built from scratch in their own tree (clang, Debian's libclang-rt).
ASAN_BUILD  := $(BUILD)/asan
SAN_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -fno-omit-frame-pointer

.PHONY: test test-unit test-report test-bpf test-live test-asan test-e2e-stock \
	test-e2e-patched tests
tests: $(UNIT_BINS) $(BPF_TEST_BIN) $(OPERATOR_BINS) spte-trace $(BUILD)/spte-vmm

test: tests
	@tests/run.sh $(TEST_LAYERS)

test-unit: $(UNIT_BINS)
	@tests/run.sh unit

test-asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CC=clang \
		CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		$(patsubst $(BUILD)/%,$(ASAN_BUILD)/%,$(UNIT_BINS))
	@BUILD=$(ASAN_BUILD) UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
		ASAN_OPTIONS=detect_leaks=1 tests/run.sh unit-asan

test-bpf: $(BPF_TEST_BIN)
	@tests/run.sh bpf

test-report: spte-trace $(BUILD)/tests/retype_tracedat
	@tests/run.sh report

test-live: spte-trace
	@tests/run.sh live

test-e2e-stock: spte-trace $(BUILD)/spte-vmm
	@tests/run.sh e2e-stock

test-e2e-patched: spte-trace $(BUILD)/spte-vmm
	@tests/run.sh e2e-patched

-include $(UNIT_BINS:=.d) $(BPF_TEST_BIN).d

# Makes trace.dat fixtures for tests/report/tracedat.sh.
$(BUILD)/tests/retype_tracedat: tests/report/retype_tracedat.c
	@mkdir -p $(@D)
	$(COMPILE) $(SPTE_DEPFLAGS) -o $@ $< $(LINK_LIBS)

tests: $(BUILD)/tests/retype_tracedat
