// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's start-up order for --prometheus and --user, without BPF:
 * listen (as root), drop privileges, start the HTTP thread, then publish
 * the fixture exposition every second until SIGTERM or SIGINT.
 * tests/operator/serve_privdrop.sh runs daemon_privdrop.sh against it.
 *
 *   serve_dump --prometheus [ADDR:]PORT [--user USER]
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "privdrop.h"
#include "prom_fixture.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int publish(struct http_server *s, struct prom_fixture *f)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	f->in.now = time(NULL);
	ret = prom__render(&f->in, &sb);
	if (!ret)
		ret = http_server__publish(s, sb.buf, sb.len);
	strbuf__release(&sb);
	return ret;
}

static int serve(const char *spec, const char *user)
{
	struct http_server *s = NULL;
	struct prom_fixture f;
	char err[512];
	int ret;

	prom_fixture__init(&f);
	ret = http_server__listen(&s, spec, err, sizeof(err));
	if (!ret)
		ret = privdrop__apply(user, err, sizeof(err));
	if (!ret)
		ret = http_server__start(s, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "serve_dump: %s\n", err);
		goto out;
	}
	fprintf(stderr, "serve_dump: serving http://%s/metrics\n",
		http_server__address(s));
	while (!stop && !publish(s, &f))
		sleep(1);
out:
	http_server__stop(s);
	prom_fixture__release(&f);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *spec = NULL, *user = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--prometheus") && i + 1 < argc)
			spec = argv[++i];
		else if (!strcmp(argv[i], "--user") && i + 1 < argc)
			user = argv[++i];
		else
			break;
	}
	if (i < argc || !spec) {
		fprintf(stderr,
			"usage: serve_dump --prometheus [ADDR:]PORT [--user USER]\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	return serve(spec, user);
}
