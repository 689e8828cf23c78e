# SPDX-License-Identifier: GPL-2.0
#
# spte-trace: build, test, install and package.  `make help` lists the
# targets: it reads the "#   make TARGET  what it does" lines that every
# fragment below keeps in its header.
#
#   make all         build ./spte-trace (what plain `make` does)
#   make deps        install the Debian packages the project needs (root)
#   make help        this list
#   make clean       remove build/ and ./spte-trace
#   make format      format the C sources with the kernel's .clang-format
#   make vmlinux     regenerate the committed vmlinux.h from VMLINUX_BTF
#   make docs        re-render docs/protocol.svg from docs/protocol.dot
#
# Variables a user may set on the command line: CC, CFLAGS (optimisation,
# debug, warnings: `make CFLAGS=-O0` works), CPPFLAGS, LDFLAGS, BUILD,
# PREFIX, DESTDIR.  Include paths, defines and libraries the build needs
# are kept in SPTE_* variables that the command line does not replace.

BUILD       ?= build
SPTE_CACHE  ?= $(HOME)/.cache/spte-trace
CLANG       ?= clang
LLVM_STRIP  ?= llvm-strip
BPFTOOL     ?= bpftool
CC          ?= cc
PKG_CONFIG  ?= pkg-config

VERSION     := $(shell cat .version 2>/dev/null || git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS      ?= -O2 -g
SPTE_CFLAGS := -Wall -Wextra -Wno-unused-parameter -std=gnu11
SPTE_CPPFLAGS := -I$(BUILD) -Ibpf -Isrc -DSPTE_TRACE_VERSION='"$(VERSION)"' \
	       $(shell $(PKG_CONFIG) --cflags libtracecmd 2>/dev/null)
SPTE_DEPFLAGS = -MMD -MP
SPTE_LDLIBS := -lbpf -lelf -lz -llzma -lzstd -lmicrohttpd -lpthread -lm \
	       $(shell $(PKG_CONFIG) --libs libtracecmd 2>/dev/null || \
		       echo -ltracecmd -ltracefs -ltraceevent)

# Compile and link lines: the user's flags last, so they win.
COMPILE     = $(CC) $(SPTE_CPPFLAGS) $(CPPFLAGS) $(SPTE_CFLAGS) $(CFLAGS)
LINK_LIBS   = $(LDFLAGS) $(SPTE_LDLIBS) $(LDLIBS)

BPF_CFLAGS  := -g -O2 -target bpf -D__TARGET_ARCH_x86 -I. -Ibpf \
	       -Wall -Wno-unused-function

export BUILD SPTE_CACHE

# A rule that fails leaves no half-written target behind.
.DELETE_ON_ERROR:

.PHONY: all
all: spte-trace

# Every fragment is committed and included the same way.
include src/src.mk
include tests/tests.mk
include tests/fuzz/fuzz.mk
include tools/kernel/kernel.mk
include tools/qemu/qemu.mk
include tools/vmm/vmm.mk
include tools/e2e/e2e.mk
include tools/bench/bench.mk
include deploy/deploy.mk

# Debian packages the project needs, installed by `make deps`.
DEB_PACKAGES := build-essential clang llvm libbpf-dev bpftool libelf-dev \
	zlib1g-dev liblzma-dev libzstd-dev libmicrohttpd-dev libcmocka-dev \
	pkg-config libtracecmd-dev libtraceevent-dev libtracefs-dev \
	libclang-rt-14-dev \
	qemu-system-x86 linux-source-6.1 linux-source-6.12 dwarves prometheus \
	bpftrace trace-cmd linux-perf busybox-static cpio bc bison flex \
	libssl-dev kmod graphviz xz-utils zstd gzip rsync curl chromium \
	python3 python3-ply python3-git debhelper fakeroot lintian

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

# The targets, from the "#   make TARGET  text" lines of every fragment.
.PHONY: help
help:
	@awk 'function put() { if (t != "") printf "make %-18s %s\n", t, d; t = "" } \
		/^#   make [a-z]/ { put(); t = $$3; if (seen[t]++) { t = ""; next } \
			sub(/^#   make [^ ]+ +/, ""); d = $$0; next } \
		t != "" && /^#    +[^ ]/ { sub(/^# +/, ""); d = d " " $$0; next } \
		{ put() } END { put() }' $(MAKEFILE_LIST)

# The protocol diagram is committed; this re-renders it after an edit.
.PHONY: docs
docs: docs/protocol.svg
docs/protocol.svg: docs/protocol.dot
	dot -Tsvg $< -o $@

# Kernel style: format C sources with the kernel tree's own .clang-format,
# taken from Debian's linux-source-6.1 (not copied into this repository).
KERNEL_SRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
FORMAT_FILES   ?= $(wildcard src/*.c src/*.h tests/unit/*.c tests/fuzz/*.c \
		  tests/bpf/*.c tests/operator/*.c tools/bench/*.c)

$(BUILD)/.clang-format: $(KERNEL_SRC_TAR)
	@mkdir -p $(@D)
	tar -xJOf $< linux-source-6.1/.clang-format > $@

.PHONY: format
format: $(BUILD)/.clang-format
	clang-format -i --style=file:$(BUILD)/.clang-format $(FORMAT_FILES)
