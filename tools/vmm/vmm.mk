# SPDX-License-Identifier: GPL-2.0
#
# spte-vmm: the static KVM workload VMM run inside QEMU guests.

VMM_CFLAGS ?= -O2 -g
VMM_CFLAGS += -Wall -Wextra -std=gnu11 -pthread

$(BUILD)/spte-vmm: tools/vmm/spte-vmm.c tools/vmm/vmm.mk
	@mkdir -p $(@D)
	$(CC) $(VMM_CFLAGS) -static -o $@ $< -pthread

.PHONY: vmm
vmm: $(BUILD)/spte-vmm
