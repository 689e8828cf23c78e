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

const char *const op_names[OP_MAX] = {
	[OP_STATE_LOOKUP] = "spte_state lookup",
	[OP_STATE_UPDATE] = "spte_state update",
	[OP_PENDING_LOOKUP] = "pending lookup",
	[OP_PENDING_UPDATE] = "pending update",
	[OP_PENDING_DELETE] = "pending delete",
	[OP_VM_LOOKUP] = "vms lookup",
	[OP_VM_CREATE] = "vms create",
	[OP_INFLIGHT_LOOKUP] = "inflight lookup",
	[OP_INFLIGHT_UPDATE] = "inflight update",
	[OP_INFLIGHT_DELETE] = "inflight delete",
	[OP_TEARDOWN_LOOKUP] = "teardown lookup",
	[OP_TEARDOWN_UPDATE] = "teardown update",
	[OP_TEARDOWN_DELETE] = "teardown delete",
	[OP_HOLDER_LOOKUP] = "holders lookup",
	[OP_HOLDER_CREATE] = "holders create",
	[OP_TABLE_LOOKUP] = "tables lookup",
	[OP_TABLE_UPDATE] = "tables update",
	[OP_TABLE_DELETE] = "tables delete",
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
