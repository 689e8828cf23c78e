# SPDX-License-Identifier: GPL-2.0
#
# The spte-trace daemon: BPF object -> skeleton -> userspace.
#
# Every src/*.c except main.c goes into a static library that the daemon
# and the unit tests link against, so a new module needs no rule here.

BPF_OBJ     := $(BUILD)/spte_trace.bpf.o
BPF_SKEL    := $(BUILD)/spte_trace.skel.h
BPF_HDRS    := $(wildcard bpf/*.h) vmlinux.h

LIB_SRCS    := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJS    := $(patsubst src/%.c,$(BUILD)/src/%.o,$(LIB_SRCS))
LIB_A       := $(BUILD)/libspte.a
SRC_HDRS    := $(wildcard src/*.h) bpf/spte_trace.h bpf/spte_rules.h \
	       bpf/protocol.h

$(BPF_OBJ): bpf/spte_trace.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -mcpu=v3 -c $< -o $@.tmp
	$(LLVM_STRIP) -g $@.tmp
	mv $@.tmp $@

$(BPF_SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name spte_trace > $@.tmp
	mv $@.tmp $@

# Only the files that include the skeleton need it first; listing it for
# all objects keeps the rule simple and costs nothing.
$(BUILD)/src/%.o: src/%.c $(SRC_HDRS) $(BPF_SKEL)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

spte-trace: $(BUILD)/src/main.o $(LIB_A)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

.PHONY: bpf
bpf: $(BPF_OBJ)
