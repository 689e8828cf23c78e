// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol's state operations, counted: src/engine.c (bpf/protocol.h
 * over userspace tables) compiled once more with tools/bench/opcount/
 * protocol.h in front of bpf/protocol.h, which counts every env_*() call.
 * The state machine is the one the BPF programs run, so the counts are the
 * map operations the protocol program makes for an event (each env_*() of
 * bpf/maps.bpf.h is one map operation, env_vm_create() and
 * env_holder_create() two: an insert and a lookup).
 *
 * This object defines the engine's symbols itself, so the linker takes
 * none from libspte.a's engine.o; the two are the same code.
 */
#include "../../src/engine.c"

__u64 *opcount_ops;

#define OP_MAP_NAMES(m, name)                                                  \
	[OP_##m##_HIT] = name " hit", [OP_##m##_MISS] = name " miss",          \
	[OP_##m##_NEW] = name " insert", [OP_##m##_REPLACE] = name " replace", \
	[OP_##m##_DELETE] = name " delete"

const char *const op_names[OP_MAX] = {
	OP_MAP_NAMES(STATE, "spte_state"),
	OP_MAP_NAMES(PENDING, "pending"),
	OP_MAP_NAMES(VMS, "vms"),
	OP_MAP_NAMES(INFLIGHT, "inflight"),
	OP_MAP_NAMES(TEARDOWN, "teardown"),
	OP_MAP_NAMES(HOLDERS, "holders"),
	OP_MAP_NAMES(TABLES, "tables"),
	[OP_VM_CREATE] = "vms create",
	[OP_HOLDER_CREATE] = "holders create",
	[OP_SITE_ADD] = "sites add",
	[OP_STACK] = "stack",
	[OP_REPORT] = "report",
	[OP_LAUNDER] = "launder",
	[OP_LOOP] = "bpf_loop",
	[OP_LOOP_STEP] = "bpf_loop steps",
	[OP_FETCH_ADD] = "atomic add",
	[OP_STORE_MAX] = "atomic max",
};

struct opcount {
	struct engine *e;
};

struct opcount *opcount__new(const struct spte_config *cfg)
{
	struct opcount *oc = calloc(1, sizeof(*oc));
	struct spte_limits lim;

	if (!oc)
		return NULL;
	spte_limits__default(&lim);
	oc->e = engine__new(cfg, &lim);
	if (!oc->e) {
		free(oc);
		return NULL;
	}
	return oc;
}

void opcount__free(struct opcount *oc)
{
	if (!oc)
		return;
	engine__free(oc->e);
	free(oc);
}

void opcount__feed(struct opcount *oc, const struct event *ev, __u64 *ops)
{
	opcount_ops = ops;
	engine__feed(oc->e, ev);
	opcount_ops = NULL;
}
