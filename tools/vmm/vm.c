// SPDX-License-Identifier: GPL-2.0
/*
 * One spte-vmm VM: a tiny flat 32-bit protected-mode guest (no paging)
 * whose vCPUs each write one 32-bit word into every 4 KiB page of their
 * slice of guest memory and then report with an OUT to DONE_PORT.  That
 * is a "round".  Between rounds the VMM zaps the guest's mappings in one
 * of several ways (enum zap_kind), so the next round faults everything
 * back in through the TDP MMU.  The VMM checks after every round that
 * each page holds that round's word.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define PAGE_SIZE	4096UL
#define HPAGE_SIZE	(2UL << 20)

#define CODE_SLOT	0
#define DATA_SLOT	1
#define CODE_GPA	0x0UL
#define CODE_SIZE	0x10000UL
#define CODE_ENTRY	0x1000UL

/*
 * memslot-move flips the data slot between these two addresses.  The
 * guest runs without paging, so both must sit below 4 GiB; 1 GiB each
 * bounds --mem.  Both are 2 MiB aligned, as huge mappings need.
 */
#define DATA_GPA_A	0x40000000UL
#define DATA_GPA_B	0x80000000UL

#define DONE_PORT	0x10

/*
 * With --exec-data the guest runs a copy of its code at this offset of the
 * first data page, past the word each round writes at offset 0 of every
 * page.  The VMM rewrites the copy before each round: a zap may have
 * dropped the page.
 */
#define EXEC_DATA_OFFSET	0x800UL

/*
 * The guest.  On entry ESI = first GPA of the slice, ECX = number of
 * pages (> 0), EAX = the word to write.  The VMM sets these and RIP at
 * the start of every round, so the guest needs no loop of its own.
 */
static const uint8_t guest_code[] = {
	0x89, 0xf7,				/* mov  %esi,%edi        */
	0x89, 0x07,				/* 1: mov %eax,(%edi)    */
	0x81, 0xc7, 0x00, 0x10, 0x00, 0x00,	/* add  $0x1000,%edi     */
	0x49,					/* dec  %ecx             */
	0x75, 0xf5,				/* jnz  1b               */
	0xe6, DONE_PORT,			/* out  %al,$DONE_PORT   */
	0xf4,					/* 2: hlt                */
	0xeb, 0xfd,				/* jmp  2b               */
};

const char *const zap_names[NR_ZAP_KINDS] = {
	[ZAP_NONE]		= "none",
	[ZAP_MADVISE]		= "madvise",
	[ZAP_MPROTECT]		= "mprotect",
	[ZAP_SLOT_DELETE]	= "memslot-delete",
	[ZAP_SLOT_MOVE]		= "memslot-move",
	[ZAP_DIRTY_LOG]		= "dirty-log",
	[ZAP_DIRTY_LOG_RACE]	= "dirty-log-race",
};

const char *const backing_names[NR_BACKINGS] = {
	[BACKING_4K]		= "4k",
	[BACKING_THP]		= "thp",
	[BACKING_HUGETLB]	= "hugetlb",
};

struct vm;

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	unsigned long first_page;
	unsigned long nr_pages;
	unsigned int seen_round;
	unsigned long exits_io;
	unsigned long exits_intr;
	char err[256];
};

struct vm {
	const struct options *opt;
	int index;
	int kvm_fd;
	int vm_fd;
	int marker_fd;
	size_t run_size;
	void *code;
	void *map;		/* the mmap()ed area, larger when aligned */
	size_t map_size;
	uint8_t *mem;		/* guest data, 2 MiB aligned unless 4k */
	size_t mem_size;
	unsigned long nr_pages;
	uint64_t data_gpa;
	uint32_t data_flags;
	struct vcpu vcpus[MAX_VCPUS];

	/* Round hand-off between the main thread and the vCPU threads. */
	pthread_mutex_t lock;
	pthread_cond_t go;
	pthread_cond_t done;
	unsigned int round;
	unsigned int nr_done;
	bool failed;
	bool stop;

	const struct vm_hooks *hooks;
	unsigned int rounds_done;
	unsigned long zaps[NR_ZAP_KINDS];
	unsigned long pages_touched;
	unsigned long dirty_pages;
};

static void vm_err(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vm_err(struct vm *vm, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "spte-vmm: vm %d: %s\n", vm->index, msg);
}

/* Write all of buf: a summary line must reach stdout in one piece. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Mark a phase in the ftrace buffer so a reader of the trace can tell
 * which events each zap caused.  Best effort: the trace is a diagnostic.
 */
static void trace_mark(struct vm *vm, const char *phase, const char *edge)
{
	char buf[128];
	int len;

	if (vm->marker_fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "spte-vmm vm=%d %s %s\n",
		       vm->index, phase, edge);
	if (write(vm->marker_fd, buf, len) != len)
		vm_err(vm, "trace_marker write failed: %s", strerror(errno));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int set_slot(struct vm *vm, int slot, uint64_t gpa, uint64_t size,
		    void *hva, uint32_t flags)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		vm_err(vm, "KVM_SET_USER_MEMORY_REGION slot %d gpa %#lx size %#lx flags %#x: %s",
		       slot, (unsigned long)gpa, (unsigned long)size, flags,
		       strerror(errno));
		return -1;
	}
	return 0;
}

static int set_data_slot(struct vm *vm)
{
	return set_slot(vm, DATA_SLOT, vm->data_gpa, vm->mem_size, vm->mem,
			vm->data_flags);
}

/* Say how many hugetlb pages there are and how many are still to be had. */
static void hugetlb_hint(struct vm *vm)
{
	unsigned long total = 0, free_pages = 0, rsvd = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Total: %lu", &total);
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "HugePages_Rsvd: %lu", &rsvd);
	}
	fclose(f);
	/* Free pages include those reserved by other mappings. */
	vm_err(vm, "hugetlb: %lu of %lu huge pages available, this VM needs %lu: raise vm.nr_hugepages",
	       free_pages > rsvd ? free_pages - rsvd : 0, total,
	       vm->mem_size / HPAGE_SIZE);
}

/*
 * Guest data memory.  4k: THP is refused explicitly, because the guest
 * kernel runs with THP "always" and would hand us huge pages anyway.
 * thp: the area is 2 MiB aligned, so THP can back it and KVM may map it
 * at level 2.  hugetlb: MAP_HUGETLB areas are 2 MiB aligned already.
 */
static int alloc_guest_mem(struct vm *vm)
{
	enum backing backing = vm->opt->backing;
	size_t align = backing == BACKING_THP ? HPAGE_SIZE : 0;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	uintptr_t start;
	int advice;

	vm->mem_size = vm->opt->mem_mb << 20;
	vm->nr_pages = vm->mem_size / PAGE_SIZE;
	vm->map_size = vm->mem_size + align;
	if (backing == BACKING_HUGETLB)
		flags |= MAP_HUGETLB;
	vm->map = mmap(NULL, vm->map_size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (vm->map == MAP_FAILED) {
		vm->map = NULL;
		vm_err(vm, "mmap %zu bytes of %s guest memory: %s", vm->map_size,
		       backing_names[backing], strerror(errno));
		if (backing == BACKING_HUGETLB)
			hugetlb_hint(vm);
		return -1;
	}
	start = (uintptr_t)vm->map;
	if (align)
		start = (start + align - 1) & ~(uintptr_t)(align - 1);
	vm->mem = (uint8_t *)start;
	if (backing == BACKING_HUGETLB)
		return 0;

	advice = backing == BACKING_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
	if (madvise(vm->mem, vm->mem_size, advice) < 0) {
		vm_err(vm, "madvise(%s): %s",
		       advice == MADV_HUGEPAGE ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
		       strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_code(struct vm *vm)
{
	vm->code = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->code == MAP_FAILED) {
		vm->code = NULL;
		vm_err(vm, "mmap guest code: %s", strerror(errno));
		return -1;
	}
	memcpy((uint8_t *)vm->code + CODE_ENTRY, guest_code, sizeof(guest_code));
	return set_slot(vm, CODE_SLOT, CODE_GPA, CODE_SIZE, vm->code, 0);
}

static void flat_segment(struct kvm_segment *seg, uint16_t sel, uint8_t type)
{
	memset(seg, 0, sizeof(*seg));
	seg->base = 0;
	seg->limit = 0xffffffff;
	seg->selector = sel;
	seg->type = type;
	seg->present = 1;
	seg->dpl = 0;
	seg->db = 1;		/* 32-bit */
	seg->s = 1;		/* code/data, not system */
	seg->g = 1;		/* 4 KiB granularity */
}

/*
 * Enter 32-bit protected mode directly: KVM takes the segment caches as
 * given, so no GDT is needed as long as the guest never reloads a
 * segment register.
 */
static int setup_sregs(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;
	int ret = -1;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0) {
		vm_err(vcpu->vm, "vcpu %d: KVM_GET_SREGS: %s", vcpu->id,
		       strerror(errno));
		goto out;
	}
	flat_segment(&sregs.cs, 0x08, 0xb);	/* execute/read, accessed */
	flat_segment(&sregs.ds, 0x10, 0x3);	/* read/write, accessed */
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	sregs.cr0 = 0x11;			/* PE | ET; caches on */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0) {
		vm_err(vcpu->vm, "vcpu %d: KVM_SET_SREGS: %s", vcpu->id,
		       strerror(errno));
		goto out;
	}
	ret = 0;
out:
	return ret;
}

static int create_vcpu(struct vm *vm, int id)
{
	struct vcpu *vcpu = &vm->vcpus[id];
	unsigned long per = vm->nr_pages / vm->opt->vcpus;
	void *run;

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->first_page = per * id;
	/* The last vCPU also takes the remainder. */
	vcpu->nr_pages = id == (int)vm->opt->vcpus - 1 ?
			 vm->nr_pages - vcpu->first_page : per;

	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		vm_err(vm, "KVM_CREATE_VCPU %d: %s", id, strerror(errno));
		return -1;
	}
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu->fd, 0);
	if (run == MAP_FAILED) {
		vm_err(vm, "vcpu %d: mmap kvm_run: %s", id, strerror(errno));
		return -1;
	}
	vcpu->run = run;
	return setup_sregs(vcpu);
}

static const char *exit_reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:		return "IO";
	case KVM_EXIT_HLT:		return "HLT";
	case KVM_EXIT_MMIO:		return "MMIO";
	case KVM_EXIT_SHUTDOWN:		return "SHUTDOWN (triple fault)";
	case KVM_EXIT_FAIL_ENTRY:	return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR:	return "INTERNAL_ERROR";
	default:			return "other";
	}
}

static int set_round_regs(struct vcpu *vcpu, unsigned int round,
			  uint64_t data_gpa)
{
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = vcpu->vm->opt->exec_data ? data_gpa + EXEC_DATA_OFFSET :
					      CODE_GPA + CODE_ENTRY;
	regs.rflags = 0x2;		/* reserved bit; interrupts off */
	regs.rsi = data_gpa + vcpu->first_page * PAGE_SIZE;
	regs.rcx = vcpu->nr_pages;
	regs.rax = 0x5e770000u | (round & 0xffff);
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0) {
		snprintf(vcpu->err, sizeof(vcpu->err), "KVM_SET_REGS: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* Run the vCPU until the guest reports the round done. */
static int vcpu_run_round(struct vcpu *vcpu, unsigned int round,
			  uint64_t data_gpa)
{
	struct kvm_run *run = vcpu->run;

	if (set_round_regs(vcpu, round, data_gpa))
		return -1;
	for (;;) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR) {
				vcpu->exits_intr++;
				continue;
			}
			snprintf(vcpu->err, sizeof(vcpu->err), "KVM_RUN: %s",
				 strerror(errno));
			return -1;
		}
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == DONE_PORT) {
			vcpu->exits_io++;
			return 0;
		}
		snprintf(vcpu->err, sizeof(vcpu->err),
			 "unexpected exit %u (%s), hw reason %#llx, suberror %u",
			 run->exit_reason, exit_reason_name(run->exit_reason),
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			 run->internal.suberror);
		return -1;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	unsigned int round;
	uint64_t gpa;
	int ret;

	for (;;) {
		pthread_mutex_lock(&vm->lock);
		while (vcpu->seen_round == vm->round && !vm->stop)
			pthread_cond_wait(&vm->go, &vm->lock);
		if (vm->stop) {
			pthread_mutex_unlock(&vm->lock);
			break;
		}
		round = vm->round;
		gpa = vm->data_gpa;
		pthread_mutex_unlock(&vm->lock);

		vcpu->seen_round = round;
		ret = vcpu_run_round(vcpu, round, gpa);

		pthread_mutex_lock(&vm->lock);
		if (ret)
			vm->failed = true;
		vm->nr_done++;
		pthread_cond_signal(&vm->done);
		pthread_mutex_unlock(&vm->lock);
		if (ret)
			break;
	}
	return NULL;
}

/* Say which vCPUs failed or did not report; called with vm->lock held. */
static void report_stuck(struct vm *vm, unsigned int round)
{
	unsigned int i;

	for (i = 0; i < vm->opt->vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		if (vcpu->err[0])
			vm_err(vm, "round %u: vcpu %u: %s", round, i, vcpu->err);
		else if (!vm->failed)
			vm_err(vm, "round %u: vcpu %u did not report within %u s",
			       round, i, vm->opt->deadline_s);
	}
}

static int dirty_log_set(struct vm *vm, bool on);
static void *dirty_log_race_enable(void *arg);

/*
 * After ZAP_DIRTY_LOG_RACE, the vCPUs are let go 0, 1, ... RACE_DELAYS - 1
 * times RACE_DELAY_US (in turn, one per such zap) after another thread
 * began to enable dirty logging: around when KVM, done with the memslot,
 * splits the huge SPTEs that their first writes fault on, which depends
 * on the kernel and the machine.
 */
#define RACE_DELAY_US	250
#define RACE_DELAYS	9

/*
 * Start round `round` on every vCPU and wait, bounded, for all of them.
 * After ZAP_DIRTY_LOG_RACE, dirty logging is enabled while they run.
 */
static int run_round(struct vm *vm, unsigned int round, enum zap_kind kind)
{
	struct timespec deadline;
	pthread_t enabler;
	void *enabled = NULL;
	int ret = 0, rc = 0, err;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += vm->opt->deadline_s;

	if (vm->opt->exec_data)
		memcpy(vm->mem + EXEC_DATA_OFFSET, guest_code, sizeof(guest_code));

	if (kind == ZAP_DIRTY_LOG_RACE) {
		err = pthread_create(&enabler, NULL, dirty_log_race_enable, vm);
		if (err) {
			vm_err(vm, "pthread_create: %s", strerror(err));
			return -1;
		}
		usleep(RACE_DELAY_US * (vm->zaps[kind] % RACE_DELAYS));
	}
	trace_mark(vm, "round", "begin");
	pthread_mutex_lock(&vm->lock);
	vm->round = round;
	vm->nr_done = 0;
	pthread_cond_broadcast(&vm->go);
	while (vm->nr_done < vm->opt->vcpus && !vm->failed && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&vm->done, &vm->lock, &deadline);
	if (vm->failed || vm->nr_done < vm->opt->vcpus) {
		report_stuck(vm, round);
		ret = -1;
	}
	pthread_mutex_unlock(&vm->lock);
	trace_mark(vm, "round", "end");
	if (kind == ZAP_DIRTY_LOG_RACE) {
		pthread_join(enabler, &enabled);
		if (!enabled)
			ret = -1;
	}
	return ret;
}

/* Every page must hold this round's word: proof the guest wrote it. */
static int verify_round(struct vm *vm, unsigned int round)
{
	uint32_t want = 0x5e770000u | (round & 0xffff);
	unsigned long i, bad = 0, first_bad = 0;

	for (i = 0; i < vm->nr_pages; i++) {
		uint32_t got = *(volatile uint32_t *)(vm->mem + i * PAGE_SIZE);

		if (got != want && !bad++)
			first_bad = i;
	}
	if (bad) {
		vm_err(vm, "round %u: %lu of %lu pages lack the guest's write (first: page %lu)",
		       round, bad, vm->nr_pages, first_bad);
		return -1;
	}
	vm->pages_touched += vm->nr_pages;
	return 0;
}

static int zap_madvise(struct vm *vm)
{
	if (madvise(vm->mem, vm->mem_size, MADV_DONTNEED) < 0) {
		vm_err(vm, "madvise(MADV_DONTNEED): %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Dropping write permission makes the MMU notifier zap the range. */
static int zap_mprotect(struct vm *vm)
{
	if (mprotect(vm->mem, vm->mem_size, PROT_READ) < 0) {
		vm_err(vm, "mprotect(PROT_READ): %s", strerror(errno));
		return -1;
	}
	if (mprotect(vm->mem, vm->mem_size, PROT_READ | PROT_WRITE) < 0) {
		vm_err(vm, "mprotect(PROT_READ|PROT_WRITE): %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int zap_slot_delete(struct vm *vm)
{
	if (set_slot(vm, DATA_SLOT, vm->data_gpa, 0, vm->mem, vm->data_flags))
		return -1;
	return set_data_slot(vm);
}

/* Move the slot to the other GPA; the next round writes there. */
static int zap_slot_move(struct vm *vm)
{
	vm->data_gpa = vm->data_gpa == DATA_GPA_A ? DATA_GPA_B : DATA_GPA_A;
	return set_data_slot(vm);
}

static int dirty_log_set(struct vm *vm, bool on)
{
	if (on)
		vm->data_flags |= KVM_MEM_LOG_DIRTY_PAGES;
	else
		vm->data_flags &= ~KVM_MEM_LOG_DIRTY_PAGES;
	return set_data_slot(vm);
}

/*
 * ZAP_DIRTY_LOG_RACE, before the round: write-protect every huge SPTE
 * without splitting it (logging on with eager splitting off, then off
 * again), so that the vCPUs of the next round fault on the huge SPTEs
 * while dirty_log_race_enable() splits them.
 */
static int dirty_log_race_prepare(struct vm *vm)
{
	int old = eager_split_get();

	if (old < 0 || eager_split_set(0))
		return -1;
	if (dirty_log_set(vm, true) || dirty_log_set(vm, false)) {
		eager_split_set(old);
		return -1;
	}
	return eager_split_set(old);
}

/*
 * ZAP_DIRTY_LOG_RACE, in a thread of its own while the vCPUs run: enable
 * logging with eager splitting on.  KVM splits the huge SPTEs with
 * mmu_lock held for read while the vCPUs fault on them; a split whose
 * link loses to a vCPU's fault reuses its page table for the next huge
 * SPTE.  Returns non-NULL on success.
 */
static void *dirty_log_race_enable(void *arg)
{
	struct vm *vm = arg;
	int old = eager_split_get(), ret;

	if (old < 0 || eager_split_set(1))
		return NULL;
	trace_mark(vm, "dirty-log-race-enable", "begin");
	ret = dirty_log_set(vm, true);
	trace_mark(vm, "dirty-log-race-enable", "end");
	if (eager_split_set(old))
		ret = -1;
	return ret ? NULL : vm;
}

/*
 * After a logged round: every page was written, so every bit must be
 * set (with ZAP_DIRTY_LOG_RACE, only the pages written after logging
 * began, so none may be more).  Then stop logging, which makes KVM zap
 * the SPTEs that can be collapsed back into huge pages.
 */
static int dirty_log_finish(struct vm *vm, enum zap_kind kind)
{
	size_t words = (vm->nr_pages + 63) / 64;
	struct kvm_dirty_log log = { .slot = DATA_SLOT };
	uint64_t *bitmap;
	unsigned long dirty = 0;
	size_t i;
	int ret = -1;

	bitmap = calloc(words, sizeof(*bitmap));
	if (!bitmap) {
		vm_err(vm, "out of memory for the dirty bitmap");
		goto out;
	}
	log.dirty_bitmap = bitmap;
	trace_mark(vm, "dirty-log-get", "begin");
	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0) {
		vm_err(vm, "KVM_GET_DIRTY_LOG: %s", strerror(errno));
		goto out;
	}
	trace_mark(vm, "dirty-log-get", "end");
	for (i = 0; i < words; i++)
		dirty += __builtin_popcountll(bitmap[i]);
	vm->dirty_pages += dirty;
	if (dirty > vm->nr_pages ||
	    (dirty != vm->nr_pages && kind != ZAP_DIRTY_LOG_RACE)) {
		vm_err(vm, "dirty log has %lu pages, the guest wrote %lu",
		       dirty, vm->nr_pages);
		goto out;
	}
	trace_mark(vm, "dirty-log-disable", "begin");
	if (dirty_log_set(vm, false))
		goto out;
	trace_mark(vm, "dirty-log-disable", "end");
	ret = 0;
out:
	free(bitmap);
	return ret;
}

static int do_zap(struct vm *vm, enum zap_kind kind)
{
	const char *phase = kind == ZAP_DIRTY_LOG ? "dirty-log-enable" :
			    zap_names[kind];
	int ret = 0;

	trace_mark(vm, phase, "begin");
	switch (kind) {
	case ZAP_NONE:
		break;
	case ZAP_MADVISE:
		ret = zap_madvise(vm);
		break;
	case ZAP_MPROTECT:
		ret = zap_mprotect(vm);
		break;
	case ZAP_SLOT_DELETE:
		ret = zap_slot_delete(vm);
		break;
	case ZAP_SLOT_MOVE:
		ret = zap_slot_move(vm);
		break;
	case ZAP_DIRTY_LOG:
		ret = dirty_log_set(vm, true);
		break;
	case ZAP_DIRTY_LOG_RACE:
		ret = dirty_log_race_prepare(vm);
		break;
	case NR_ZAP_KINDS:
		ret = -1;
		break;
	}
	trace_mark(vm, phase, "end");
	if (!ret)
		vm->zaps[kind]++;
	return ret;
}

static int open_marker(struct vm *vm)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/trace_marker",
		"/sys/kernel/debug/tracing/trace_marker",
	};
	size_t i;

	vm->marker_fd = -1;
	if (!vm->opt->trace_marker)
		return 0;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		vm->marker_fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (vm->marker_fd >= 0)
			return 0;
	}
	vm_err(vm, "--trace-marker: cannot open %s: %s", paths[0],
	       strerror(errno));
	return -1;
}

static int open_kvm(struct vm *vm)
{
	int api, size;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		vm_err(vm, "open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		vm_err(vm, "KVM API version %d, want %d", api, KVM_API_VERSION);
		return -1;
	}
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run)) {
		vm_err(vm, "KVM_GET_VCPU_MMAP_SIZE: %d (%s)", size,
		       strerror(errno));
		return -1;
	}
	vm->run_size = size;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		vm_err(vm, "KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int init_sync(struct vm *vm)
{
	pthread_condattr_t attr;
	int ret = -1;

	if (pthread_condattr_init(&attr))
		return -1;
	/* Deadlines must not move with the wall clock. */
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC))
		goto out;
	if (pthread_mutex_init(&vm->lock, NULL) ||
	    pthread_cond_init(&vm->go, &attr) ||
	    pthread_cond_init(&vm->done, &attr))
		goto out;
	ret = 0;
out:
	pthread_condattr_destroy(&attr);
	if (ret)
		vm_err(vm, "cannot set up thread synchronisation");
	return ret;
}

static int vm_setup(struct vm *vm)
{
	unsigned int i;
	int err;

	if (open_marker(vm) || open_kvm(vm) || init_sync(vm) ||
	    setup_code(vm) || alloc_guest_mem(vm))
		return -1;
	vm->data_gpa = DATA_GPA_A;
	if (set_data_slot(vm))
		return -1;
	for (i = 0; i < vm->opt->vcpus; i++) {
		if (create_vcpu(vm, i))
			return -1;
	}
	for (i = 0; i < vm->opt->vcpus; i++) {
		err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread,
				     &vm->vcpus[i]);
		if (err) {
			vm_err(vm, "pthread_create: %s", strerror(err));
			return -1;
		}
		vm->vcpus[i].started = true;
	}
	return 0;
}

/*
 * Round 1 maps every page; each later round follows one zap, the kinds
 * taken in turn from --zap.  With --rounds 0 this goes on until the
 * process is asked to stop; a stop request is honoured between rounds.
 */
static int vm_rounds(struct vm *vm)
{
	const struct options *opt = vm->opt;
	const struct vm_hooks *hooks = vm->hooks;
	enum zap_kind kind = ZAP_NONE;
	unsigned int round;
	double t0;

	for (round = 1; !opt->rounds || round <= opt->rounds; round++) {
		if (round > 1 && hooks->stopping(hooks->arg))
			break;
		t0 = now_s();
		if (round > 1) {
			kind = opt->zaps[(round - 2) % opt->nr_zaps];
			if (do_zap(vm, kind))
				return -1;
		}
		if (run_round(vm, round, kind) || verify_round(vm, round))
			return -1;
		if ((kind == ZAP_DIRTY_LOG || kind == ZAP_DIRTY_LOG_RACE) &&
		    dirty_log_finish(vm, kind))
			return -1;
		vm->rounds_done = round;
		if (opt->verbose)
			fprintf(stderr, "spte-vmm: vm %d: round %u after %s: %.3f s\n",
				vm->index, round, round > 1 ? zap_names[kind] : "start",
				now_s() - t0);
		if (round == 1)
			hooks->ready(hooks->arg);
		if (opt->interval_ms && (!opt->rounds || round < opt->rounds))
			hooks->pause(hooks->arg, opt->interval_ms);
	}
	return 0;
}

/* Stop the vCPU threads; only safe when none is inside KVM_RUN. */
static void stop_vcpus(struct vm *vm)
{
	unsigned int i;

	pthread_mutex_lock(&vm->lock);
	vm->stop = true;
	pthread_cond_broadcast(&vm->go);
	pthread_mutex_unlock(&vm->lock);
	for (i = 0; i < vm->opt->vcpus; i++) {
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	}
}

/* Closing the last fd destroys the VM and tears its page tables down. */
static void vm_teardown(struct vm *vm)
{
	unsigned int i;

	trace_mark(vm, "teardown", "begin");
	for (i = 0; i < vm->opt->vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
	}
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->map)
		munmap(vm->map, vm->map_size);
	if (vm->code)
		munmap(vm->code, CODE_SIZE);
	trace_mark(vm, "teardown", "end");
	if (vm->marker_fd >= 0)
		close(vm->marker_fd);
}

static void print_summary(struct vm *vm, double secs)
{
	const struct options *opt = vm->opt;
	unsigned long io = 0, intr = 0;
	char line[512];
	int len, k;
	unsigned int i;

	for (i = 0; i < opt->vcpus; i++) {
		io += vm->vcpus[i].exits_io;
		intr += vm->vcpus[i].exits_intr;
	}
	len = snprintf(line, sizeof(line),
		       "spte-vmm: vm %d: pid=%d rounds=%u vcpus=%u mem=%luM backing=%s pages=%lu zaps",
		       vm->index, (int)getpid(), vm->rounds_done, opt->vcpus,
		       opt->mem_mb, backing_names[opt->backing], vm->pages_touched);
	for (k = 0; k < NR_ZAP_KINDS; k++)
		len += snprintf(line + len, sizeof(line) - len, " %s=%lu",
				zap_names[k], vm->zaps[k]);
	len += snprintf(line + len, sizeof(line) - len,
			" dirty-pages=%lu exits io=%lu intr=%lu time=%.2fs\n",
			vm->dirty_pages, io, intr, secs);
	write_all(STDOUT_FILENO, line, len);
}

int vm_main(const struct options *opt, int index, const struct vm_hooks *hooks)
{
	struct vm *vm;
	double t0 = now_s();
	unsigned int i;
	int ret = 1;

	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		fprintf(stderr, "spte-vmm: vm %d: out of memory\n", index);
		return 1;
	}
	vm->opt = opt;
	vm->index = index;
	vm->hooks = hooks;
	vm->kvm_fd = vm->vm_fd = vm->marker_fd = -1;
	for (i = 0; i < MAX_VCPUS; i++)
		vm->vcpus[i].fd = -1;

	if (vm_setup(vm))
		goto out;
	if (vm_rounds(vm))
		goto out;
	stop_vcpus(vm);
	vm_teardown(vm);
	print_summary(vm, now_s() - t0);
	ret = 0;
out:
	/*
	 * On failure a vCPU thread may still sit in KVM_RUN; exiting the
	 * process is what stops it, so no teardown is tried here.
	 */
	if (ret)
		vm_err(vm, "failed");
	else
		free(vm);
	return ret;
}
