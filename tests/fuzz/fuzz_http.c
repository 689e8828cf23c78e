// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: raw bytes sent to the /metrics server (libmicrohttpd and our
 * handler) over loopback, as a scraper or an attacker would.  The server
 * is started once; each input is one connection, read until the server
 * closes it or 200 ms pass.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"

static struct http_server *server;

static void start(void)
{
	static const char body[] =
		"# TYPE spte_trace_up gauge\nspte_trace_up 1\n";
	char err[256];

	if (http_server__listen(&server, "127.0.0.1:0", err, sizeof(err)) ||
	    http_server__start(server, err, sizeof(err)) ||
	    http_server__publish(server, body, sizeof(body) - 1)) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct pollfd pfd;
	char buf[4096];
	ssize_t n;
	int fd;

	if (!server)
		start();
	sa.sin_port = htons(http_server__port(server));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		if (size)
			(void)!send(fd, data, size, MSG_NOSIGNAL);
		shutdown(fd, SHUT_WR);
		pfd.fd = fd;
		pfd.events = POLLIN;
		while (poll(&pfd, 1, 200) > 0 &&
		       (n = recv(fd, buf, sizeof(buf), 0)) > 0)
			;
	}
	close(fd);
	return 0;
}
