// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmtab.h"

static int fake_comm(void *arg, __u32 pid, char *comm)
{
	int *calls = arg;

	(*calls)++;
	snprintf(comm, COMM_LEN, "qemu-%u", pid);
	return 0;
}

static struct vmtab *new_tab(size_t limit, int *calls)
{
	struct vmtab *t = vmtab__new(limit);

	assert_non_null(t);
	vmtab__set_comm_fn(t, fake_comm, calls);
	return t;
}

static void test_labels(void **state)
{
	int calls = 0;
	struct vmtab *t = new_tab(8, &calls);
	struct vm_entry *a, *b, *c, *d;

	a = vmtab__note(t, 0xffff888000001000ULL, 1234, NULL);
	b = vmtab__note(t, 0xffff888000002000ULL, 1234, "given");
	c = vmtab__note(t, 0xffff888000003000ULL, 0, NULL);
	d = vmtab__note(t, 0xffff888000004000ULL, 99, NULL);
	assert_string_equal(a->label, "1234");
	assert_string_equal(a->comm, "qemu-1234");
	assert_string_equal(b->label, "1234.2");
	assert_string_equal(b->comm, "given");
	assert_string_equal(c->label, "vm3");
	assert_string_equal(c->comm, "");
	assert_string_equal(d->label, "99");
	/* comm is looked up once per VM, not per note */
	assert_int_equal(calls, 2);
	assert_ptr_equal(vmtab__note(t, 0xffff888000001000ULL, 1234, NULL), a);
	assert_int_equal(calls, 2);
	assert_int_equal(vmtab__count(t), 4);
	assert_null(vmtab__note(t, 0, 5, NULL));
	vmtab__free(t);
}

/* A pid learnt later fills the entry but keeps the series' name. */
static void test_pid_later(void **state)
{
	int calls = 0;
	struct vmtab *t = new_tab(4, &calls);
	struct vm_entry *e = vmtab__note(t, 0x1000, 0, NULL);

	assert_string_equal(e->label, "vm1");
	assert_ptr_equal(vmtab__note(t, 0x1000, 77, NULL), e);
	assert_int_equal(e->pid, 77);
	assert_string_equal(e->comm, "qemu-77");
	assert_string_equal(e->label, "vm1");
	vmtab__free(t);
}

static void test_overflow(void **state)
{
	struct violation v = { .kind = VK_STALE_PFN };
	int calls = 0;
	struct vmtab *t = new_tab(2, &calls);
	const struct vm_entry *other;
	__u64 k;

	for (k = 1; k <= 10; k++) {
		v.vm = k << 12;
		v.pid = 100 + k;
		vmtab__add_violation(t, &v);
		vmtab__add_violation(t, &v);
		vmtab__add_events(t, v.vm, v.pid, 5);
	}
	other = vmtab__other(t);
	assert_int_equal(vmtab__count(t), 2);
	assert_int_equal(vmtab__at(t, 0)->violations[VK_STALE_PFN], 2);
	assert_int_equal(vmtab__at(t, 1)->events, 5);
	assert_int_equal(other->violations[VK_STALE_PFN], 16);
	assert_int_equal(other->events, 40);
	assert_string_equal(other->label, "other");
	assert_int_equal(vmtab__overflowed(t), 8); /* distinct VMs */
	assert_false(vmtab__overflow_saturated(t));
	assert_null(vmtab__find(t, 5 << 12));
	assert_ptr_equal(vmtab__lookup(t, 5 << 12), other);
	assert_ptr_equal(vmtab__lookup(t, 1 << 12), vmtab__at(t, 0));
	assert_null(vmtab__lookup(t, 999 << 12));
	vmtab__free(t);
}

static void test_limit_zero(void **state)
{
	int calls = 0;
	struct vmtab *t = new_tab(0, &calls);

	assert_ptr_equal(vmtab__note(t, 0x1000, 1, NULL), vmtab__other(t));
	assert_int_equal(vmtab__count(t), 0);
	assert_int_equal(vmtab__overflowed(t), 1);
	vmtab__free(t);
}

/* A freed struct kvm's address reused by a new VM with another pid. */
static void test_key_reuse(void **state)
{
	int calls = 0;
	struct vmtab *t = new_tab(2, &calls);
	struct vm_entry *a, *b;

	a = vmtab__note(t, 0x1000, 10, NULL);
	b = vmtab__note(t, 0x1000, 20, NULL);
	assert_ptr_not_equal(a, b);
	assert_string_equal(b->label, "20");
	assert_ptr_equal(vmtab__find(t, 0x1000), b);
	/* the table is full now: a third tenant goes to "other" */
	assert_ptr_equal(vmtab__note(t, 0x1000, 30, NULL), vmtab__other(t));
	assert_null(vmtab__find(t, 0x1000));
	assert_ptr_equal(vmtab__lookup(t, 0x1000), vmtab__other(t));
	assert_ptr_equal(vmtab__note(t, 0x1000, 0, NULL), vmtab__other(t));
	vmtab__free(t);
}

/* Many VMs: the hash keeps every own entry findable. */
static void test_many(void **state)
{
	int calls = 0;
	struct vmtab *t = new_tab(1000, &calls);
	__u64 k;

	for (k = 1; k <= 1500; k++)
		vmtab__add_events(t, 0xffff888100000000ULL + k * 4096, (__u32)k,
				  k);
	assert_int_equal(vmtab__count(t), 1000);
	for (k = 1; k <= 1000; k++)
		assert_int_equal(
			vmtab__find(t, 0xffff888100000000ULL + k * 4096)->events,
			k);
	assert_int_equal(vmtab__overflowed(t), 500);
	vmtab__free(t);
}

/* The default lookup reads /proc/PID/comm. */
static void test_proc_comm(void **state)
{
	struct vmtab *t = vmtab__new(4);
	struct vm_entry *e = vmtab__note(t, 0x1000, getpid(), NULL);

	assert_string_equal(e->comm, "test_vmtab");
	vmtab__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_pid_later),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_limit_zero),
		cmocka_unit_test(test_key_reuse),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_proc_comm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
