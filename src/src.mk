# SPDX-License-Identifier: GPL-2.0
#
# The spte-trace daemon: BPF object -> skeleton -> userspace.
#
#   make bpf         build the BPF object and its skeleton only
#
# Every src/*.c except main.c goes into a static library that the daemon,
# the tests, the fuzz targets and the bench link against, so a new module
# needs no rule here.  Header dependencies are written by the compiler
# (-MMD -MP) into build/src/*.d.

BPF_OBJ     := $(BUILD)/spte_trace.bpf.o
BPF_SKEL    := $(BUILD)/spte_trace.skel.h
BPF_HDRS    := $(wildcard bpf/*.h) vmlinux.h

LIB_SRCS    := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJS    := $(patsubst src/%.c,$(BUILD)/src/%.o,$(LIB_SRCS))
LIB_A       := $(BUILD)/libspte.a

$(BPF_OBJ): bpf/spte_trace.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -mcpu=v3 -c $< -o $@.tmp
	$(LLVM_STRIP) -g $@.tmp
	mv $@.tmp $@

$(BPF_SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name spte_trace > $@.tmp
	mv $@.tmp $@

# The skeleton is generated, so -MMD cannot know it is needed before the
# first build: order it before every object; the .d files do the rest.
$(BUILD)/src/%.o: src/%.c | $(BPF_SKEL)
	@mkdir -p $(@D)
	$(COMPILE) $(SPTE_DEPFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

spte-trace: $(BUILD)/src/main.o $(LIB_A)
	$(CC) $(CFLAGS) -o $@ $^ $(LINK_LIBS)

.PHONY: bpf
bpf: $(BPF_SKEL)

-include $(LIB_OBJS:.o=.d) $(BUILD)/src/main.d
