# SPDX-License-Identifier: GPL-2.0
#
# spte-vmm: the static KVM workload VMM run inside QEMU guests.
#
#   make vmm   build $(BUILD)/spte-vmm (static: the guest has no libc)

VMM_SRCS   := tools/vmm/spte-vmm.c tools/vmm/vm.c
VMM_CFLAGS ?= -O2 -g
VMM_CFLAGS += -Wall -Wextra -std=gnu11 -pthread

$(BUILD)/spte-vmm: $(VMM_SRCS) tools/vmm/vmm.h tools/vmm/vmm.mk
	@mkdir -p $(@D)
	$(CC) $(VMM_CFLAGS) -static -o $@ $(VMM_SRCS) -pthread

.PHONY: vmm
vmm: $(BUILD)/spte-vmm
