// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "names.h"
#include "spte.h"
#include "spte_rules.h"

void spte_config__default(struct spte_config *c)
{
	*c = (struct spte_config)SPTE_CONFIG_DEFAULT;
}

/* Accessed and dirty bits: bits 5/6 on NPT, 8/9 on EPT with A/D enabled. */
static void ad_bits(const struct spte_config *c, __u64 spte, char ad[3])
{
	int a = c->flavor == MMU_EPT ? 8 : 5;

	ad[0] = spte >> a & 1 ? 'A' : '-';
	ad[1] = spte >> (a + 1) & 1 ? 'D' : '-';
	ad[2] = '\0';
}

char *spte__describe(const struct spte_config *c, __u64 spte, __u32 level,
		     char *buf, size_t len)
{
	__u32 perms;
	char ad[3];

	if (!spte_is_present(c, spte)) {
		if (spte_is_removed(c, spte))
			snprintf(buf, len, "removed (0x%llx)", spte);
		else if (!(spte & ~c->removed_extra))
			snprintf(buf, len, "non-present (0x%llx)", spte);
		else
			snprintf(buf, len,
				 "non-present, MMIO or other (0x%llx)", spte);
		return buf;
	}
	perms = spte_perms(c, spte);
	ad_bits(c, spte, ad);
	snprintf(buf, len, "pfn 0x%llx %s %c%c%c%s %s (0x%llx)",
		 spte_pfn(c, spte),
		 spte_is_leaf(c, spte, level) ? level_name(level) : "table",
		 perms & PERM_READ ? 'r' : '-', perms & PERM_WRITE ? 'w' : '-',
		 perms & PERM_EXEC ? 'x' : '-',
		 c->flavor == MMU_NPT ? (perms & PERM_USER ? "u" : "-") : "",
		 ad, spte);
	return buf;
}
