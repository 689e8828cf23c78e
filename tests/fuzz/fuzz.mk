# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer targets for every parser of untrusted bytes, built with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer in their own tree.
#
#   make fuzz        build the fuzz targets (build/fuzz/fuzz_*)
#   make fuzz-smoke  run each target briefly on its seeds (CI: FUZZ_SECONDS)
#
# tests/fuzz/README.md says what each target covers, how the seeds are
# made and what the longer runs found.

FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
FUZZ_FLAGS   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 20

# The library is rebuilt with the sanitizers and coverage, in FUZZ_BUILD.
$(FUZZ_BUILD)/libspte.a: FORCE_FUZZ_LIB
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		CFLAGS="$(FUZZ_FLAGS)" $(FUZZ_BUILD)/libspte.a

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libspte.a
	clang $(SPTE_CPPFLAGS) -I$(FUZZ_BUILD) $(SPTE_CFLAGS) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libspte.a \
		$(SPTE_LDLIBS)

# Seed maker (tests/fuzz/seeds.sh), an ordinary build.
$(BUILD)/tests/mkrecording: tests/fuzz/mkrecording.c $(LIB_A)
	@mkdir -p $(@D)
	$(COMPILE) $(SPTE_DEPFLAGS) -o $@ $< $(LIB_A) $(LINK_LIBS)

.PHONY: fuzz fuzz-smoke FORCE_FUZZ_LIB
fuzz: $(FUZZ_BINS) $(BUILD)/tests/mkrecording

fuzz-smoke: fuzz
	@tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) $(FUZZ_BINS)
