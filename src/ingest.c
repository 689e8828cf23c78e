// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "instream.h"
#include "record.h"
#include "tracedat.h"

#define PERF_DATA_MAGIC "PERFILE2"

struct ingest {
	struct ingest_opts opts;
	enum ingest_format format;
	struct instream *s;
	struct replay *rec;
	struct tracedat *td;
	struct trace_text *tt;
	const char *comm; /* the last event's VM process name */
	char err[320];
};

static int set_err(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int set_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static int open_recording(struct ingest *in, char *err, size_t errlen)
{
	FILE *f = instream__file(in->s);
	int ret;

	if (!f)
		return set_err(err, errlen, -errno, "%s", strerror(errno));
	ret = replay__open(&in->rec, f, err, errlen);
	if (!ret)
		replay__set_sinks(in->rec, in->opts.stacks, in->opts.vms);
	return ret;
}

static int open_tracedat(struct ingest *in, char *err, size_t errlen)
{
	int fd, ret = instream__spool(in->s, &fd);

	if (ret)
		return set_err(err, errlen, ret, "%s",
			       instream__error(in->s)[0] ?
				       instream__error(in->s) :
				       strerror(-ret));
	return tracedat__open(&in->td, fd, in->opts.text_vm, err, errlen);
}

int ingest__open(struct ingest **out, const char *path,
		 const struct ingest_opts *o, char *err, size_t errlen)
{
	struct trace_text_opts to = { .vm = o->text_vm };
	struct ingest *in = calloc(1, sizeof(*in));
	const void *head;
	ssize_t n;
	int ret;

	*out = NULL;
	if (!in)
		return set_err(err, errlen, -ENOMEM, "%s", strerror(ENOMEM));
	in->opts = *o;
	in->comm = "";
	ret = instream__open(&in->s, path);
	if (ret) {
		set_err(err, errlen, ret, "%s",
			in->s && instream__error(in->s)[0] ?
				instream__error(in->s) :
				strerror(-ret));
		goto fail;
	}
	n = instream__peek(in->s, &head, 16);
	if (n < 0) {
		ret = set_err(err, errlen, n, "%s",
			      instream__error(in->s)[0] ?
				      instream__error(in->s) :
				      strerror(-n));
		goto fail;
	}
	if (replay__is_recording(head, n)) {
		in->format = INGEST_RECORDING;
		ret = open_recording(in, err, errlen);
	} else if (n >= TRACEDAT_MAGIC_LEN &&
		   !memcmp(head, TRACEDAT_MAGIC, TRACEDAT_MAGIC_LEN)) {
		in->format = INGEST_TRACE_DAT;
		ret = open_tracedat(in, err, errlen);
	} else if (n >= 8 && !memcmp(head, PERF_DATA_MAGIC, 8)) {
		ret = set_err(err, errlen, -EPROTONOSUPPORT,
			      "a perf.data file: give spte-trace the text of "
			      "'perf script' instead (docs/operators.md)");
	} else {
		in->format = INGEST_TEXT;
		in->tt = trace_text__new(&to);
		ret = in->tt ? 0 : -ENOMEM;
		if (ret)
			set_err(err, errlen, ret, "%s", strerror(-ret));
	}
	if (ret)
		goto fail;
	*out = in;
	return 0;
fail:
	ingest__close(in);
	return ret;
}

void ingest__close(struct ingest *in)
{
	if (!in)
		return;
	replay__close(in->rec);
	tracedat__close(in->td);
	trace_text__free(in->tt);
	instream__close(in->s);
	free(in);
}

static int next_text(struct ingest *in, struct event *ev)
{
	char *line;
	size_t len;
	int ret;

	for (;;) {
		ret = instream__getline(in->s, &line, &len);
		if (ret == -E2BIG)
			return set_err(
				in->err, sizeof(in->err), ret,
				"line %llu: longer than %d bytes: not trace text",
				(unsigned long long)trace_text__stats(in->tt)
						->lines +
					1,
				INSTREAM_LINE_MAX);
		if (ret == -EILSEQ)
			return set_err(
				in->err, sizeof(in->err), -EINVAL,
				"line %llu: a NUL byte: not trace text",
				(unsigned long long)trace_text__stats(in->tt)
						->lines +
					1);
		if (ret < 0)
			return set_err(in->err, sizeof(in->err), ret, "%s",
				       instream__error(in->s)[0] ?
					       instream__error(in->s) :
					       strerror(-ret));
		if (!ret)
			return 0;
		ret = trace_text__parse_line(in->tt, line, ev);
		if (ret < 0)
			return set_err(in->err, sizeof(in->err), ret, "%s",
				       trace_text__error(in->tt));
		if (ret) {
			/*
			 * A vCPU thread's name is not the VMM's: the main
			 * thread's is; a VM keyed by thread is that thread.
			 */
			const struct spte_event *s = &ev->spte;
			bool named = ev->type == EVENT_SPTE &&
				     ((s->pid && s->tid == s->pid) ||
				      (!s->pid && s->vm == s->tid));

			in->comm = named ? trace_text__comm(in->tt) : "";
			if (!strcmp(in->comm, "<...>")) /* name not saved */
				in->comm = "";
			return 1;
		}
	}
}

int ingest__next(struct ingest *in, struct event *ev)
{
	int ret;

	switch (in->format) {
	case INGEST_RECORDING:
		in->comm = "";
		ret = replay__next(in->rec, ev);
		if (ret < 0)
			set_err(in->err, sizeof(in->err), ret, "%s",
				replay__error(in->rec));
		return ret;
	case INGEST_TRACE_DAT:
		ret = tracedat__next(in->td, ev);
		if (ret < 0)
			set_err(in->err, sizeof(in->err), ret, "%s",
				tracedat__error(in->td));
		in->comm = ret == 1 ? tracedat__vm_comm(in->td) : "";
		return ret;
	case INGEST_TEXT:
		return next_text(in, ev);
	}
	return -EINVAL;
}

const char *ingest__vm_comm(const struct ingest *in)
{
	return in->comm;
}

enum ingest_format ingest__format(const struct ingest *in)
{
	return in->format;
}

const char *ingest__format_name(const struct ingest *in)
{
	static const char *const names[] = {
		[INGEST_RECORDING] = "a recording",
		[INGEST_TRACE_DAT] = "trace-cmd trace.dat",
		[INGEST_TEXT] = "trace text",
	};

	return names[in->format];
}

const struct record_info *ingest__record_info(const struct ingest *in)
{
	return in->rec ? replay__info(in->rec) : NULL;
}

void ingest__record_totals(const struct ingest *in, struct record_totals *t)
{
	memset(t, 0, sizeof(*t));
	if (in->rec)
		replay__totals(in->rec, t);
}

int ingest__flush_visibility(const struct ingest *in)
{
	switch (in->format) {
	case INGEST_RECORDING:
		return replay__info(in->rec)->cfg.flush_visible;
	case INGEST_TRACE_DAT:
		return tracedat__patched(in->td) ? FLUSH_COMPLETE : FLUSH_NONE;
	case INGEST_TEXT:
		break;
	}
	return -1;
}

static void from_text(struct ingest_stats *st, const struct trace_text_stats *t)
{
	st->events = t->events;
	st->other = t->unknown;
	st->comments = t->comments;
	st->stack_lines = t->stack_lines;
	st->no_tgid = t->no_tgid;
	st->lost = t->lost;
}

void ingest__stats(const struct ingest *in, struct ingest_stats *st)
{
	struct record_totals t;

	memset(st, 0, sizeof(*st));
	switch (in->format) {
	case INGEST_RECORDING:
		replay__totals(in->rec, &t);
		st->events = t.events;
		break;
	case INGEST_TRACE_DAT:
		from_text(st, tracedat__stats(in->td));
		break;
	case INGEST_TEXT:
		from_text(st, trace_text__stats(in->tt));
		break;
	}
}

const char *ingest__error(const struct ingest *in)
{
	return in->err;
}
