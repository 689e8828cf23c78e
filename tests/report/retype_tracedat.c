// SPDX-License-Identifier: GPL-2.0
/*
 * Test fixture maker: turn the records of one event in an uncompressed
 * trace.dat into kvmmmu:kvm_tdp_mmu_spte_changed records with the values
 * of a script, in place.  This host's kernel declares the KVM event (its
 * format is in the file) but has no TDP MMU to emit it, so a trace of
 * sched_switch, recorded here for real with its CPUs, timestamps and lost
 * events, is rewritten instead.  Records keep their place, time and size;
 * only the event id, the pid and the fields change.
 *
 *   retype_tracedat FILE.dat SCRIPT
 *
 * SCRIPT has one line per record to rewrite, in time order:
 *   TID GFN LEVEL OLD_SPTE NEW_SPTE      (GFN and SPTEs in hexadecimal)
 * Records of the source event past the script become "nonpresent" writes
 * of gfn 0 by TID 1, so that every source record is rewritten.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trace-cmd/trace-cmd.h>

#define SOURCE_EVENT "sched_switch"
#define TARGET_EVENT "kvm_tdp_mmu_spte_changed"
#define MAX_PATCHES 100000

struct patch {
	unsigned long long off; /* of the record's data in the file */
	unsigned char data[64];
	size_t len;
};

static int put(struct tep_format_field *f, unsigned char *data,
	       unsigned long long v)
{
	if (!f || f->offset + f->size > 64)
		return -1;
	memcpy(data + f->offset, &v, f->size); /* little endian host */
	return 0;
}

int main(int argc, char **argv)
{
	struct tep_format_field *gfn, *level, *old, *new, *as_id;
	static struct patch patches[MAX_PATCHES];
	struct tracecmd_input *h;
	struct tep_event *src, *dst;
	struct tep_handle *tep;
	struct tep_record **next;
	unsigned char check[16];
	size_t n = 0, i;
	int cpus, cpu, fd, done = 0;
	FILE *script;

	if (argc != 3) {
		fprintf(stderr, "usage: retype_tracedat FILE.dat SCRIPT\n");
		return 2;
	}
	h = tracecmd_open(argv[1], TRACECMD_FL_LOAD_NO_PLUGINS);
	script = fopen(argv[2], "r");
	if (!h || !script) {
		fprintf(stderr, "retype_tracedat: cannot open the inputs\n");
		return 1;
	}
	tep = tracecmd_get_tep(h);
	src = tep_find_event_by_name(tep, NULL, SOURCE_EVENT);
	dst = tep_find_event_by_name(tep, NULL, TARGET_EVENT);
	if (!src || !dst) {
		fprintf(stderr, "retype_tracedat: no %s or %s format\n",
			SOURCE_EVENT, TARGET_EVENT);
		return 1;
	}
	gfn = tep_find_field(dst, "gfn");
	level = tep_find_field(dst, "level");
	old = tep_find_field(dst, "old_spte");
	new = tep_find_field(dst, "new_spte");
	as_id = tep_find_field(dst, "as_id");
	/* the top buffer, or its first instance if the top one is empty */
	cpus = tep_get_cpus(tep);
	next = calloc(cpus, sizeof(*next));
	for (cpu = 0; cpu < cpus; cpu++)
		next[cpu] = tracecmd_read_data(h, cpu);
	for (cpu = 0; cpu < cpus && !next[cpu]; cpu++)
		;
	if (cpu == cpus && tracecmd_buffer_instances(h) > 0) {
		struct tracecmd_input *ih = tracecmd_buffer_instance_handle(h, 0);

		if (!ih) {
			fprintf(stderr, "retype_tracedat: no instance\n");
			return 1;
		}
		h = ih;
		for (cpu = 0; cpu < cpus; cpu++)
			next[cpu] = tracecmd_read_data(h, cpu);
	}
	fd = open(argv[1], O_RDWR);
	while (fd >= 0 && n < MAX_PATCHES) {
		unsigned long long g = 0, o = 0, w = 0;
		unsigned int tid = 1, lvl = 1;
		struct tep_record *rec;
		struct patch *p;
		int best = -1;
		char line[256];

		for (cpu = 0; cpu < cpus; cpu++)
			if (next[cpu] && (best < 0 || next[cpu]->ts < next[best]->ts))
				best = cpu;
		if (best < 0)
			break;
		rec = next[best];
		next[best] = tracecmd_read_data(h, best);
		if (tep_data_type(tep, rec) != src->id || rec->size > 64) {
			tracecmd_free_record(rec);
			continue;
		}
		if (!done && fgets(line, sizeof(line), script)) {
			if (sscanf(line, "%u %llx %u %llx %llx", &tid, &g, &lvl,
				   &o, &w) != 5) {
				fprintf(stderr, "retype_tracedat: bad line: %s", line);
				return 1;
			}
		} else {
			done = 1;
		}
		p = &patches[n++];
		p->len = rec->size;
		memset(p->data, 0, sizeof(p->data));
		memcpy(p->data, rec->data, rec->size);
		/* small records have a 4-byte header: check that it is so */
		p->off = rec->offset + 4;
		if (pread(fd, check, sizeof(check), p->off) != sizeof(check) ||
		    memcmp(check, rec->data, sizeof(check))) {
			fprintf(stderr, "retype_tracedat: record at %llu is "
				"not where expected (compressed file?)\n",
				rec->offset);
			return 1;
		}
		memset(p->data + 8, 0, p->len - 8);
		*(unsigned short *)p->data = dst->id;
		*(int *)(p->data + 4) = tid;
		if (put(gfn, p->data, g) || put(level, p->data, lvl) ||
		    put(old, p->data, o) || put(new, p->data, w) ||
		    put(as_id, p->data, 0)) {
			fprintf(stderr, "retype_tracedat: fields out of reach\n");
			return 1;
		}
		tracecmd_free_record(rec);
	}
	for (cpu = 0; cpu < cpus; cpu++)
		tracecmd_free_record(next[cpu]);
	for (i = 0; i < n; i++)
		if (pwrite(fd, patches[i].data, patches[i].len, patches[i].off) !=
		    (ssize_t)patches[i].len) {
			perror("retype_tracedat: pwrite");
			return 1;
		}
	close(fd);
	printf("%zu records rewritten\n", n);
	return 0;
}
