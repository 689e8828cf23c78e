# SPDX-License-Identifier: GPL-2.0
#
# spte-trace: build, test and run.  `make help` lists the targets.

BUILD       ?= build
SPTE_CACHE  ?= $(HOME)/.cache/spte-trace
CLANG       ?= clang
LLVM_STRIP  ?= llvm-strip
BPFTOOL     ?= bpftool
CC          ?= cc
PKG_CONFIG  ?= pkg-config

VERSION     := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS      ?= -O2 -g
CFLAGS      += -Wall -Wextra -Wno-unused-parameter -std=gnu11 \
	       -I$(BUILD) -Ibpf -Isrc -DSPTE_TRACE_VERSION='"$(VERSION)"'
LDLIBS      += -lbpf -lelf -lz -lmicrohttpd -lpthread -lm

BPF_CFLAGS  := -g -O2 -target bpf -D__TARGET_ARCH_x86 -I. -Ibpf \
	       -Wall -Wno-unused-function

export BUILD SPTE_CACHE

.PHONY: all
all: spte-trace

# Every Makefile fragment below adds its own targets; this file keeps the
# daemon, the tests and the dependency list.
include src/src.mk
include tests/tests.mk
-include tools/kernel/kernel.mk
-include tools/qemu/qemu.mk
-include tools/vmm/vmm.mk
include tools/e2e/e2e.mk
include tools/bench/bench.mk

# Debian packages the project needs, installed by `make deps`.
DEB_PACKAGES := build-essential clang llvm libbpf-dev bpftool libelf-dev \
	zlib1g-dev libmicrohttpd-dev libcmocka-dev pkg-config \
	qemu-system-x86 linux-source-6.1 dwarves prometheus bpftrace \
	trace-cmd busybox-static cpio bc bison flex libssl-dev kmod \
	graphviz xz-utils rsync curl chromium python3 python3-ply python3-git

.PHONY: deps
deps:
	@tools/deps.sh $(DEB_PACKAGES)

# vmlinux.h is committed; this regenerates it from a kernel's BTF.
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
.PHONY: vmlinux
vmlinux:
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > vmlinux.h.tmp
	mv vmlinux.h.tmp vmlinux.h
	@echo "vmlinux.h regenerated from $(VMLINUX_BTF) ($$(uname -r))"

.PHONY: clean
clean:
	rm -rf $(BUILD) spte-trace

.PHONY: help
help:
	@echo "make deps      install the Debian packages the project needs"
	@echo "make           build ./spte-trace"
	@echo "make test      run every test layer (unit, BPF, live, QEMU scenario a)"
	@echo "make vmlinux   regenerate vmlinux.h from VMLINUX_BTF=$(VMLINUX_BTF)"
	@echo "make kernel    build the patched 6.1 kernel (cached in $(SPTE_CACHE))"
	@echo "make e2e       run every end-to-end scenario under QEMU"
	@echo "make demo      boot a stock kernel under QEMU and show spte-trace live"
	@echo "make bench     per-event cost of the BPF programs, map memory, RSS"
	@echo "make bench-smoke / bench-profile / bench-e2e / bench-e2e-smoke"
	@echo "make kernel-checkpatch / kernel-w1 / kernel-boot-test   check the series"
	@echo "make guest-smoke / guest-lib-test / guest-kselftests    harness self-tests"
	@echo "make docs      re-render docs/protocol.svg from docs/protocol.dot"

# The protocol diagram is committed; this re-renders it after an edit.
.PHONY: docs
docs: docs/protocol.svg
docs/protocol.svg: docs/protocol.dot
	dot -Tsvg $< -o $@

# Kernel style: format C sources with the kernel tree's own .clang-format,
# taken from Debian's linux-source-6.1 (not copied into this repository).
KERNEL_SRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
FORMAT_FILES   ?= $(wildcard src/*.c src/*.h tests/unit/*.c tests/bpf/*.c tools/bench/*.c)

$(BUILD)/.clang-format: $(KERNEL_SRC_TAR)
	@mkdir -p $(@D)
	tar -xJOf $< linux-source-6.1/.clang-format > $@

.PHONY: format
format: $(BUILD)/.clang-format
	clang-format -i --style=file:$(BUILD)/.clang-format $(FORMAT_FILES)
