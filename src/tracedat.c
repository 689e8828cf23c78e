// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trace-cmd/trace-cmd.h>

#include "trace_events.h"
#include "tracedat.h"

#define MAX_HANDLES 64 /* the top buffer and its instances */

/* One known event as this file's header declares it. */
struct td_event {
	const struct trace_event_def *def;
	int id;
	struct tep_format_field *field[F_MAX];
};

/* The next record of one CPU of one buffer. */
struct td_cpu {
	struct tracecmd_input *h;
	int cpu;
	struct tep_record *rec;
};

struct tracedat {
	struct tracecmd_input *top;
	struct tep_handle *tep;
	enum trace_text_vm vm;
	struct td_event *events;
	size_t nevents;
	struct td_cpu *cpus;
	size_t ncpus;
	bool patched;
	struct trace_text_stats st;
	char comm[COMM_LEN];
	char err[256];
};

static int td_fail(struct tracedat *td, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int td_fail(struct tracedat *td, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(td->err, sizeof(td->err), fmt, ap);
	va_end(ap);
	return err;
}

/* Which of our events the file declares, and where their fields are. */
static int find_events(struct tracedat *td)
{
	struct tep_event *e;
	size_t i;
	int f;

	td->events = calloc(trace_event_ndefs, sizeof(*td->events));
	if (!td->events)
		return -ENOMEM;
	for (i = 0; i < trace_event_ndefs; i++) {
		const struct trace_event_def *def = &trace_event_defs[i];
		struct td_event *te = &td->events[td->nevents];

		e = tep_find_event_by_name(td->tep, NULL, def->name);
		if (!e)
			continue;
		te->def = def;
		te->id = e->id;
		for (f = 0; f < F_MAX; f++)
			te->field[f] = tep_find_field(e, trace_field_names[f]);
		td->nevents++;
		if (trace_event__patched(def))
			td->patched = true;
	}
	return 0;
}

static int add_buffer(struct tracedat *td, struct tracecmd_input *h)
{
	int cpus = tep_get_cpus(tracecmd_get_tep(h)), cpu;
	struct td_cpu *c;

	if (cpus < 0 || cpus > 8192)
		return td_fail(td, -EBADMSG, "%d CPUs in the file header",
			       cpus);
	c = realloc(td->cpus, (td->ncpus + cpus) * sizeof(*c));
	if (!c && cpus)
		return -ENOMEM;
	td->cpus = c;
	for (cpu = 0; cpu < cpus; cpu++) {
		c = &td->cpus[td->ncpus++];
		c->h = h;
		c->cpu = cpu;
		c->rec = tracecmd_read_data(h, cpu);
	}
	return 0;
}

int tracedat__open(struct tracedat **out, int fd, enum trace_text_vm vm,
		   char *err, size_t errlen)
{
	struct tracedat *td = calloc(1, sizeof(*td));
	int i, n, ret = -ENOMEM, lfd;

	*out = NULL;
	if (!td)
		goto fail;
	td->vm = vm;
	tracecmd_set_loglevel(TEP_LOG_NONE);
	lfd = dup(fd); /* libtracecmd closes its descriptor */
	if (lfd < 0) {
		ret = -errno;
		goto fail;
	}
	td->top = tracecmd_open_fd(lfd,
				   TRACECMD_FL_LOAD_NO_PLUGINS |
					   TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!td->top) {
		close(lfd);
		ret = td_fail(
			td, -EBADMSG,
			"libtracecmd cannot read this trace.dat (damaged, "
			"or a version it does not know)");
		goto fail;
	}
	td->tep = tracecmd_get_tep(td->top);
	ret = find_events(td);
	if (!ret)
		ret = add_buffer(td, td->top);
	n = tracecmd_buffer_instances(td->top);
	for (i = 0; !ret && i < n && i < MAX_HANDLES; i++) {
		struct tracecmd_input *h =
			tracecmd_buffer_instance_handle(td->top, i);

		if (!h) {
			ret = td_fail(td, -EBADMSG,
				      "cannot read buffer instance %d", i);
			break;
		}
		ret = add_buffer(td, h);
	}
	if (ret)
		goto fail;
	*out = td;
	return 0;
fail:
	snprintf(err, errlen, "%s",
		 td && td->err[0] ? td->err : strerror(-ret));
	tracedat__close(td);
	return ret;
}

void tracedat__close(struct tracedat *td)
{
	struct tracecmd_input *last = NULL;
	size_t i;

	if (!td)
		return;
	for (i = 0; i < td->ncpus; i++) {
		tracecmd_free_record(td->cpus[i].rec);
		/* instance handles are closed once, after their records */
		if (td->cpus[i].h != td->top && td->cpus[i].h != last) {
			last = td->cpus[i].h;
			tracecmd_close(last);
		}
	}
	if (td->top)
		tracecmd_close(td->top);
	free(td->cpus);
	free(td->events);
	free(td);
}

static const struct td_event *known(const struct tracedat *td, int id)
{
	size_t i;

	for (i = 0; i < td->nevents; i++)
		if (td->events[i].id == id)
			return &td->events[i];
	return NULL;
}

/* The earliest pending record of every CPU of every buffer. */
static struct td_cpu *earliest(struct tracedat *td)
{
	struct td_cpu *best = NULL;
	size_t i;

	for (i = 0; i < td->ncpus; i++)
		if (td->cpus[i].rec &&
		    (!best || td->cpus[i].rec->ts < best->rec->ts))
			best = &td->cpus[i];
	return best;
}

static int convert(struct tracedat *td, const struct td_event *te,
		   struct tep_record *rec, struct event *ev)
{
	struct trace_task task = { .ts_ns = rec->ts };
	unsigned long long v;
	struct trace_fields fl = {};
	const char *comm;
	char why[160];
	int f, ret, pid;

	pid = tep_data_pid(td->tep, rec);
	task.tid = pid < 0 ? 0 : pid;
	for (f = 0; f < F_MAX; f++) {
		if (!te->field[f])
			continue;
		if (tep_read_number_field(te->field[f], rec->data, &v))
			return td_fail(td, -EINVAL,
				       "%s at %llu ns: cannot read field %s",
				       te->def->name, rec->ts,
				       trace_field_names[f]);
		fl.v[f] = v;
		fl.seen |= FIELD_BIT(f);
	}
	ret = trace_event__build(te->def, &task, &fl, td->vm, &td->st.no_tgid,
				 ev, why, sizeof(why));
	if (ret < 0)
		return td_fail(td, ret, "at %llu ns: %s", rec->ts, why);
	pid = ev->type == EVENT_SPTE ? ev->spte.pid : ev->vm.pid;
	comm = pid ? tep_data_comm_from_pid(td->tep, pid) : NULL;
	snprintf(td->comm, sizeof(td->comm), "%s",
		 comm && strcmp(comm, "<...>") ? comm : "");
	return 1;
}

int tracedat__next(struct tracedat *td, struct event *ev)
{
	const struct td_event *te;
	struct tep_record *rec;
	struct td_cpu *c;
	int ret;

	while ((c = earliest(td))) {
		rec = c->rec;
		c->rec = tracecmd_read_data(c->h, c->cpu);
		td->st.lines++;
		if (rec->missed_events)
			trace_losses__add(&td->st.lost, c->cpu,
					  rec->missed_events > 0 ?
						  rec->missed_events :
						  0);
		te = known(td, tep_data_type(td->tep, rec));
		if (!te) {
			td->st.unknown++;
			tracecmd_free_record(rec);
			continue;
		}
		ret = convert(td, te, rec, ev);
		tracecmd_free_record(rec);
		if (ret == 1)
			td->st.events++;
		return ret;
	}
	return 0;
}

const char *tracedat__vm_comm(const struct tracedat *td)
{
	return td->comm;
}

bool tracedat__patched(const struct tracedat *td)
{
	return td->patched;
}

const struct trace_text_stats *tracedat__stats(const struct tracedat *td)
{
	return &td->st;
}

const char *tracedat__error(const struct tracedat *td)
{
	return td->err;
}
