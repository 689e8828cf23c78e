/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting the state operations of bpf/protocol.h (make bench's profile).
 *
 * tools/bench/opcount.c compiles src/engine.c with this directory first on
 * the quote include path, so engine.c's #include "protocol.h" lands here
 * after engine.c has defined its env_*() functions.  Each env_*() call of
 * the state machine then also counts one operation in opcount_ops (when
 * set) before calling engine.c's function; the real bpf/protocol.h
 * follows, unchanged.  A function-like macro does not expand inside its
 * own expansion, so each macro calls the function of the same name.
 */
#ifndef __SPTE_BENCH_OPCOUNT_PROTOCOL_H
#define __SPTE_BENCH_OPCOUNT_PROTOCOL_H

#include "bench.h"

extern __u64 *opcount_ops;

#define OPC(k) ((void)(opcount_ops ? opcount_ops[k]++ : 0))

/* Lookups: found or not.  The engine's tables are engine.c's env fields. */
#define OPC_LOOKUP(m, call)						\
	({								\
		__typeof__(call) opc_r_ = (call);			\
									\
		OPC(opc_r_ ? OP_##m##_HIT : OP_##m##_MISS);		\
		opc_r_;							\
	})
/* Updates: a new entry or a replaced one, asked of the table first. */
#define OPC_UPDATE(m, tab, key, call)					\
	({								\
		OPC(htab__lookup(tab, key) ? OP_##m##_REPLACE :	\
					     OP_##m##_NEW);		\
		call;							\
	})

#define env_state_lookup(e, k) OPC_LOOKUP(STATE, env_state_lookup(e, k))
#define env_state_update(e, k, v) OPC_UPDATE(STATE, (e)->state, k, env_state_update(e, k, v))
#define env_state_delete(e, k) (OPC(OP_STATE_DELETE), env_state_delete(e, k))
#define env_pending_lookup(e, k) OPC_LOOKUP(PENDING, env_pending_lookup(e, k))
#define env_pending_update(e, k, v) OPC_UPDATE(PENDING, (e)->pending, k, env_pending_update(e, k, v))
#define env_pending_delete(e, k) (OPC(OP_PENDING_DELETE), env_pending_delete(e, k))
#define env_vm_lookup(e, v) OPC_LOOKUP(VMS, env_vm_lookup(e, v))
#define env_vm_create(e, v, p, t) (OPC(OP_VM_CREATE), env_vm_create(e, v, p, t))
#define env_inflight_lookup(e, k) OPC_LOOKUP(INFLIGHT, env_inflight_lookup(e, k))
#define env_inflight_update(e, k, v) OPC_UPDATE(INFLIGHT, (e)->inflight, k, env_inflight_update(e, k, v))
#define env_inflight_delete(e, k) (OPC(OP_INFLIGHT_DELETE), env_inflight_delete(e, k))
#define env_teardown_lookup(e, t) OPC_LOOKUP(TEARDOWN, env_teardown_lookup(e, t))
#define env_teardown_update(e, t, v) (OPC(OP_TEARDOWN_NEW), env_teardown_update(e, t, v))
#define env_teardown_delete(e, t) (OPC(OP_TEARDOWN_DELETE), env_teardown_delete(e, t))
#define env_holder_lookup(e, k) OPC_LOOKUP(HOLDERS, env_holder_lookup(e, k))
#define env_holder_create(e, k) (OPC(OP_HOLDER_CREATE), env_holder_create(e, k))
#define env_table_lookup(e, p) OPC_LOOKUP(TABLES, env_table_lookup(e, p))
#define env_table_update(e, p, t)					\
	({								\
		__u64 opc_p_ = (p);					\
									\
		OPC_UPDATE(TABLES, (e)->tables, &opc_p_,		\
			   env_table_update(e, opc_p_, t));		\
	})
#define env_table_delete(e, p) (OPC(OP_TABLES_DELETE), env_table_delete(e, p))
#define env_site_add(e, k, s) (OPC(OP_SITE_ADD), env_site_add(e, k, s))
#define env_stack(e, h) (OPC(OP_STACK), env_stack(e, h))
#define env_report(e, v) (OPC(OP_REPORT), env_report(e, v))
#define env_launder(e, v) (OPC(OP_LAUNDER), env_launder(e, v))
#define env_fetch_add(p, v) (OPC(OP_FETCH_ADD), env_fetch_add(p, v))
#define env_store_max(p, v) (OPC(OP_STORE_MAX), env_store_max(p, v))
#define env_loop(e, n, fn, d)						\
	({								\
		__u32 opc_n_ = (n);					\
									\
		OPC(OP_LOOP);						\
		if (opcount_ops)					\
			opcount_ops[OP_LOOP_STEP] += opc_n_;		\
		env_loop(e, opc_n_, fn, d);				\
	})

#include "../../../bpf/protocol.h"

#endif /* __SPTE_BENCH_OPCOUNT_PROTOCOL_H */
