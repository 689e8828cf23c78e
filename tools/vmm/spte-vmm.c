// SPDX-License-Identifier: GPL-2.0
/*
 * spte-vmm: a small KVM VMM whose only job is SPTE traffic, run as a
 * workload inside QEMU guests (see docs/e2e.md).
 *
 * This file is the supervisor: options, the processes and threads that
 * run the VMs, stop requests and the readiness line.  One VM - guest,
 * rounds and zaps - lives in vm.c.
 *
 *   parent ──fork──> process 0 ──thread──> VM 0, VM 1, ... (--vms)
 *          ──fork──> process 1 ──thread──> VM n, ...       (--procs)
 *
 * Each process tells the parent on a pipe when all its VMs finished their
 * first round (every page mapped); when all processes have, the parent
 * writes one line to --ready PATH.  SIGTERM/SIGINT to the parent is passed
 * to the processes, whose VMs stop after their current round, tear down
 * and print their summary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define EAGER_SPLIT_PARAM "/sys/module/kvm/parameters/eager_page_split"

/* ------------------------------------------------------ one process ---- */

/*
 * State of one VM process, shared by its VM threads.  A stop request
 * (signal, or a VM that failed) sets `stop` and wakes every pause
 * through the eventfd.
 */
static struct proc_state {
	const struct options *opt;
	int ready_fd;		/* write end of the parent's ready pipe */
	int stop_fd;		/* eventfd, readable once stop is set */
	volatile sig_atomic_t stop;
	pthread_mutex_t lock;
	unsigned int nr_ready;
} proc;

static void request_stop(void)
{
	uint64_t one = 1;

	proc.stop = 1;
	/* Async-signal-safe; a full counter only means "already woken". */
	if (write(proc.stop_fd, &one, sizeof(one)) < 0) {
		/* nothing more to do */
	}
}

static void on_stop_signal(int sig)
{
	(void)sig;
	request_stop();
}

static void hook_ready(void *arg)
{
	char c = 'r';

	(void)arg;
	pthread_mutex_lock(&proc.lock);
	if (++proc.nr_ready == proc.opt->vms &&
	    write(proc.ready_fd, &c, 1) != 1)
		perror("spte-vmm: ready pipe");
	pthread_mutex_unlock(&proc.lock);
}

static bool hook_stopping(void *arg)
{
	(void)arg;
	return proc.stop;
}

static void hook_pause(void *arg, unsigned int ms)
{
	struct pollfd pfd = { .fd = proc.stop_fd, .events = POLLIN };

	(void)arg;
	if (!proc.stop)
		poll(&pfd, 1, (int)ms);
}

static const struct vm_hooks hooks = {
	.ready = hook_ready,
	.stopping = hook_stopping,
	.pause = hook_pause,
};

struct vm_thread {
	pthread_t thread;
	int index;
	int ret;
};

static void *vm_thread_main(void *arg)
{
	struct vm_thread *t = arg;

	t->ret = vm_main(proc.opt, t->index, &hooks);
	if (t->ret)
		request_stop();	/* the run failed: let the other VMs end */
	return NULL;
}

/* Body of VM process `index`: its VMs, one thread each.  Never returns. */
static void proc_main(const struct options *opt, unsigned int index,
		      int ready_fd)
{
	struct vm_thread threads[MAX_VMS];
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t set;
	unsigned int i, started = 0;
	int ret = 0, err;

	proc.opt = opt;
	proc.ready_fd = ready_fd;
	pthread_mutex_init(&proc.lock, NULL);
	proc.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (proc.stop_fd < 0) {
		perror("spte-vmm: eventfd");
		_exit(1);
	}
	/* Handlers first, then unblock what the parent blocked. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	for (i = 0; i < opt->vms; i++) {
		threads[i].index = index * opt->vms + i;
		err = pthread_create(&threads[i].thread, NULL, vm_thread_main,
				     &threads[i]);
		if (err) {
			fprintf(stderr, "spte-vmm: pthread_create: %s\n", strerror(err));
			request_stop();
			ret = 1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(threads[i].thread, NULL);
		ret |= threads[i].ret;
	}
	/* Exiting also ends vCPU threads that a failed VM left in KVM_RUN. */
	_exit(ret ? 1 : 0);
}

/* ------------------------------------------------------- supervisor ---- */

struct supervisor {
	const struct options *opt;
	pid_t pids[MAX_PROCS];
	unsigned int left;		/* processes not yet reaped */
	unsigned int nr_ready;		/* processes whose VMs are all ready */
	int ready_rd;			/* read end of the ready pipe, or -1 */
	int sig_fd;
	bool stopping;
	double deadline;		/* 0: none */
	int ret;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void signal_children(struct supervisor *s, int sig)
{
	unsigned int i;

	for (i = 0; i < s->opt->procs; i++) {
		if (s->pids[i] > 0)
			kill(s->pids[i], sig);
	}
}

/* Ask every process to stop, bounded by one round's deadline. */
static void stop_all(struct supervisor *s)
{
	if (!s->stopping) {
		s->stopping = true;
		s->deadline = now_s() + s->opt->deadline_s + 30;
	}
	signal_children(s, SIGTERM);
}

/* Record the exit of child `pid`. */
static void reap_one(struct supervisor *s, pid_t pid, int status)
{
	unsigned int i;

	for (i = 0; i < s->opt->procs; i++) {
		if (s->pids[i] != pid)
			continue;
		s->pids[i] = 0;
		s->left--;
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "spte-vmm: process %u killed by signal %d\n",
				i, WTERMSIG(status));
			s->ret = 1;
		} else if (WEXITSTATUS(status)) {
			fprintf(stderr, "spte-vmm: process %u exited with status %d\n",
				i, WEXITSTATUS(status));
			s->ret = 1;
			/* One failed: the others' result no longer matters. */
			stop_all(s);
		}
		return;
	}
}

/*
 * The line a scenario waits for.  Failing to write it (no such directory,
 * a FIFO without a reader) fails the run: the waiter would only time out.
 */
static int write_ready(const struct supervisor *s)
{
	char line[128];
	int fd, len, ret = 0;

	if (!s->opt->ready_path)
		return 0;
	len = snprintf(line, sizeof(line), "ready pid=%d procs=%u vms=%u\n",
		       (int)getpid(), s->opt->procs, s->opt->procs * s->opt->vms);
	fd = open(s->opt->ready_path,
		  O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, len) != len) {
		fprintf(stderr, "spte-vmm: writing the ready line to %s: %s\n",
			s->opt->ready_path, strerror(errno));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}


static void handle_signals(struct supervisor *s)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;	/* reaped below, whatever woke us */
		stop_all(s);
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		reap_one(s, pid, status);
}

static void handle_ready(struct supervisor *s)
{
	char buf[MAX_PROCS];
	ssize_t n;

	n = read(s->ready_rd, buf, sizeof(buf));
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN) {
			close(s->ready_rd);	/* every writer is gone */
			s->ready_rd = -1;
		}
		return;
	}
	/* One byte per process, sent once: the line goes out once. */
	if (s->nr_ready < s->opt->procs && s->nr_ready + n >= s->opt->procs &&
	    write_ready(s)) {
		s->ret = 1;
		stop_all(s);
	}
	s->nr_ready += n;
}

/*
 * Wait for every VM process.  Each one bounds its rounds itself; the
 * deadline here is the backstop for a process stuck elsewhere (an ioctl
 * that never returns).  A run without a round limit has no deadline until
 * it is asked to stop.
 */
static int supervise(struct supervisor *s)
{
	struct pollfd pfd[2];
	int timeout_ms, n;

	while (s->left) {
		timeout_ms = -1;
		if (s->deadline) {
			double rem = s->deadline - now_s();

			if (rem <= 0) {
				fprintf(stderr, "spte-vmm: %u process(es) still running past the deadline, killing them\n",
					s->left);
				signal_children(s, SIGKILL);
				while (waitpid(-1, NULL, 0) > 0)
					;
				return 1;
			}
			timeout_ms = (int)(rem * 1000) + 1;
		}
		pfd[0] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->ready_rd, .events = POLLIN };
		n = poll(pfd, s->ready_rd >= 0 ? 2 : 1, timeout_ms);
		if (n < 0 && errno != EINTR) {
			perror("spte-vmm: poll");
			signal_children(s, SIGKILL);
			return 1;
		}
		if (n > 0 && pfd[0].revents)
			handle_signals(s);
		if (n > 0 && s->ready_rd >= 0 && pfd[1].revents)
			handle_ready(s);
	}
	return s->ret;
}

/* ---------------------------------------------------------- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spte-vmm [options]\n"
		"\n"
		"Run small KVM guests that touch every 4 KiB page of their memory\n"
		"each round, and zap their mappings between rounds.\n"
		"\n"
		"  --vcpus N          vCPUs per VM, each on its slice of memory (default 2)\n"
		"  --mem MB           guest memory per VM, 1..%lu (default 64)\n"
		"  --backing KIND     4k: MADV_NOHUGEPAGE (default); thp: 2 MiB aligned,\n"
		"                     MADV_HUGEPAGE; hugetlb: MAP_HUGETLB (reserve\n"
		"                     vm.nr_hugepages first)\n"
		"  --hugepages        same as --backing thp\n"
		"  --rounds R         guest rounds, a zap between two (default 3);\n"
		"                     0: run until SIGTERM or SIGINT\n"
		"  --zap LIST         comma list cycled per zap: none, madvise, mprotect,\n"
		"                     memslot-delete, memslot-move, dirty-log,\n"
		"                     dirty-log-race (default madvise); dirty-log-race\n"
		"                     write-protects the huge SPTEs without splitting them,\n"
		"                     then enables logging while the vCPUs run, so that\n"
		"                     eager splitting (turned on for it) races their faults;\n"
		"                     it toggles kvm's global eager_page_split: one VM\n"
		"                     at a time\n"
		"  --vms N            VMs per process, one thread each (default 1, max %d)\n"
		"  --procs N          processes, each running --vms VMs (default 1, max %d)\n"
		"  --interval MS      pause between rounds (default 0)\n"
		"  --ready PATH       append one line to PATH (file or FIFO) once every VM\n"
		"                     has mapped all its memory (after round 1)\n"
		"  --eager-split on|off  set kvm's eager_page_split for the run and\n"
		"                     restore it after; off makes dirty logging leave huge\n"
		"                     SPTEs in place, to be zapped atomically on write faults\n"
		"  --deadline SECS    fail when a round takes longer (default 120)\n"
		"  --trace-marker     write phase markers to tracefs' trace_marker\n"
		"  --exec-data        run the guest code from a copy in the first data\n"
		"                     page, so that instruction fetches hit memory that\n"
		"                     huge pages may back (what kvm.nx_huge_pages acts on)\n"
		"  -v, --verbose      print each round's time\n"
		"  -h, --help         this text\n"
		"\n"
		"Prints one summary line per VM; exits 0 when every VM ran every round\n"
		"(or every round until a stop request), 1 on a failure, 2 on bad usage.\n",
		MAX_MEM_MB, MAX_VMS, MAX_PROCS);
}

static int parse_uint(const char *name, const char *s, unsigned long min,
		      unsigned long max, unsigned long *val)
{
	char *end;

	errno = 0;
	*val = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || *val < min ||
	    *val > max) {
		fprintf(stderr, "spte-vmm: %s wants an integer in %lu..%lu, not '%s'\n",
			name, min, max, s);
		return -1;
	}
	return 0;
}

static int parse_zaps(struct options *opt, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int k, ret = -1;

	if (!copy)
		goto out;
	opt->nr_zaps = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < NR_ZAP_KINDS; k++)
			if (!strcmp(tok, zap_names[k]))
				break;
		if (k == NR_ZAP_KINDS) {
			fprintf(stderr, "spte-vmm: unknown zap kind '%s'\n", tok);
			goto out;
		}
		if (opt->nr_zaps == MAX_ZAPS) {
			fprintf(stderr, "spte-vmm: more than %d zaps in --zap\n",
				MAX_ZAPS);
			goto out;
		}
		opt->zaps[opt->nr_zaps++] = k;
	}
	if (!opt->nr_zaps) {
		fprintf(stderr, "spte-vmm: --zap needs at least one kind\n");
		goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

static int parse_backing(struct options *opt, const char *s)
{
	int k;

	for (k = 0; k < NR_BACKINGS; k++) {
		if (!strcmp(s, backing_names[k])) {
			opt->backing = k;
			return 0;
		}
	}
	fprintf(stderr, "spte-vmm: --backing wants 4k, thp or hugetlb, not '%s'\n", s);
	return -1;
}

enum { OPT_VCPUS = 256, OPT_MEM, OPT_HUGE, OPT_BACKING, OPT_ROUNDS, OPT_ZAP,
       OPT_VMS, OPT_PROCS, OPT_INTERVAL, OPT_READY, OPT_EAGER, OPT_DEADLINE,
       OPT_MARKER, OPT_EXEC_DATA };

static const struct option long_opts[] = {
	{ "vcpus",	  required_argument, NULL, OPT_VCPUS },
	{ "mem",	  required_argument, NULL, OPT_MEM },
	{ "hugepages",	  no_argument,	     NULL, OPT_HUGE },
	{ "backing",	  required_argument, NULL, OPT_BACKING },
	{ "rounds",	  required_argument, NULL, OPT_ROUNDS },
	{ "zap",	  required_argument, NULL, OPT_ZAP },
	{ "vms",	  required_argument, NULL, OPT_VMS },
	{ "procs",	  required_argument, NULL, OPT_PROCS },
	{ "interval",	  required_argument, NULL, OPT_INTERVAL },
	{ "ready",	  required_argument, NULL, OPT_READY },
	{ "eager-split",  required_argument, NULL, OPT_EAGER },
	{ "deadline",	  required_argument, NULL, OPT_DEADLINE },
	{ "trace-marker", no_argument,	     NULL, OPT_MARKER },
	{ "exec-data",	  no_argument,	     NULL, OPT_EXEC_DATA },
	{ "verbose",	  no_argument,	     NULL, 'v' },
	{ "help",	  no_argument,	     NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Returns 0 to run, 1 after --help, -1 on bad usage. */
static int parse_args(int argc, char **argv, struct options *opt)
{
	unsigned long v;
	int c;

	*opt = (struct options){
		.vcpus = 2, .rounds = 3, .vms = 1, .procs = 1,
		.deadline_s = 120, .mem_mb = 64, .backing = BACKING_4K,
		.eager_split = -1, .zaps = { ZAP_MADVISE }, .nr_zaps = 1,
	};
	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_VCPUS:
			if (parse_uint("--vcpus", optarg, 1, MAX_VCPUS, &v))
				return -1;
			opt->vcpus = v;
			break;
		case OPT_MEM:
			if (parse_uint("--mem", optarg, 1, MAX_MEM_MB, &v))
				return -1;
			opt->mem_mb = v;
			break;
		case OPT_HUGE:
			opt->backing = BACKING_THP;
			break;
		case OPT_BACKING:
			if (parse_backing(opt, optarg))
				return -1;
			break;
		case OPT_ROUNDS:
			if (parse_uint("--rounds", optarg, 0, 1000000, &v))
				return -1;
			opt->rounds = v;
			break;
		case OPT_ZAP:
			if (parse_zaps(opt, optarg))
				return -1;
			break;
		case OPT_VMS:
			if (parse_uint("--vms", optarg, 1, MAX_VMS, &v))
				return -1;
			opt->vms = v;
			break;
		case OPT_PROCS:
			if (parse_uint("--procs", optarg, 1, MAX_PROCS, &v))
				return -1;
			opt->procs = v;
			break;
		case OPT_INTERVAL:
			if (parse_uint("--interval", optarg, 0, 3600000, &v))
				return -1;
			opt->interval_ms = v;
			break;
		case OPT_READY:
			opt->ready_path = optarg;
			break;
		case OPT_EAGER:
			if (!strcmp(optarg, "on")) {
				opt->eager_split = 1;
			} else if (!strcmp(optarg, "off")) {
				opt->eager_split = 0;
			} else {
				fprintf(stderr, "spte-vmm: --eager-split wants on or off, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case OPT_DEADLINE:
			if (parse_uint("--deadline", optarg, 1, 86400, &v))
				return -1;
			opt->deadline_s = v;
			break;
		case OPT_MARKER:
			opt->trace_marker = true;
			break;
		case OPT_EXEC_DATA:
			opt->exec_data = true;
			break;
		case 'v':
			opt->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spte-vmm: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (opt->backing != BACKING_4K && opt->mem_mb % 2) {
		fprintf(stderr, "spte-vmm: --backing %s wants an even --mem (whole 2 MiB pages)\n",
			backing_names[opt->backing]);
		return -1;
	}
	if ((opt->mem_mb << 20) / 4096 < opt->vcpus) {
		fprintf(stderr, "spte-vmm: --mem %lu gives fewer pages than vCPUs\n",
			opt->mem_mb);
		return -1;
	}
	return 0;
}

/* ----------------------------------------------------- eager split ---- */

/* Reads kvm's eager_page_split: 1 (Y), 0 (N) or -1 when unknown. */
int eager_split_get(void)
{
	char c = 0;
	int fd = open(EAGER_SPLIT_PARAM, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y' ? 1 : c == 'N' ? 0 : -1;
}

int eager_split_set(int on)
{
	int fd = open(EAGER_SPLIT_PARAM, O_WRONLY | O_CLOEXEC);
	int ok = fd >= 0 && write(fd, on ? "Y" : "N", 1) == 1;

	if (!ok)
		fprintf(stderr, "spte-vmm: cannot set %s to %s: %s\n",
			EAGER_SPLIT_PARAM, on ? "Y" : "N", strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------- main ---- */

int main(int argc, char **argv)
{
	struct supervisor s = { .ready_rd = -1, .sig_fd = -1 };
	struct options opt;
	int ready_pipe[2], old_split = -1, ret;
	unsigned int i;
	sigset_t set;

	ret = parse_args(argc, argv, &opt);
	if (ret)
		return ret > 0 ? 0 : 2;
	s.opt = &opt;

	if (opt.eager_split >= 0) {
		old_split = eager_split_get();
		if (old_split < 0 || eager_split_set(opt.eager_split))
			return 1;
	}
	fprintf(stderr, "spte-vmm: %u process(es) x %u VM(s), %u vCPU(s) and %lu MiB (%s) each, eager_page_split=%d\n",
		opt.procs, opt.vms, opt.vcpus, opt.mem_mb,
		backing_names[opt.backing], eager_split_get());

	/* Blocked here, taken through the signalfd; children unblock them. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s.sig_fd < 0 || pipe2(ready_pipe, O_CLOEXEC)) {
		perror("spte-vmm: signalfd/pipe");
		ret = 1;
		goto out;
	}
	fflush(NULL);

	for (i = 0; i < opt.procs; i++) {
		s.pids[i] = fork();
		if (s.pids[i] < 0) {
			perror("spte-vmm: fork");
			s.pids[i] = 0;
			signal_children(&s, SIGKILL);
			while (waitpid(-1, NULL, 0) > 0)
				;
			ret = 1;
			goto out;
		}
		if (!s.pids[i]) {
			close(ready_pipe[0]);
			close(s.sig_fd);
			proc_main(&opt, i, ready_pipe[1]);
		}
		s.left++;
	}
	close(ready_pipe[1]);
	s.ready_rd = ready_pipe[0];
	fcntl(s.ready_rd, F_SETFL, O_NONBLOCK);
	if (opt.rounds)
		s.deadline = now_s() + (double)opt.rounds * opt.deadline_s + 60;
	ret = supervise(&s);
out:
	if (old_split >= 0)
		eager_split_set(old_split);
	return ret;
}
