// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "http.h"

struct response {
	int status;
	char headers[2048];
	char *body;
	size_t body_len;
};

/* One request over a fresh connection; the server closes after replying. */
static int request(unsigned int port, const char *raw, struct response *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *end;
	ssize_t n;
	int fd, ret = -1;

	memset(r, 0, sizeof(*r));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	if (write(fd, raw, strlen(raw)) != (ssize_t)strlen(raw))
		goto out;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	end = strstr(buf, "\r\n\r\n");
	if (!end || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
		goto out;
	snprintf(r->headers, sizeof(r->headers), "%.*s", (int)(end - buf), buf);
	r->body_len = len - (end + 4 - buf);
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, end + 4, r->body_len + 1);
	ret = 0;
out:
	close(fd);
	free(buf);
	return ret;
}

static int get(unsigned int port, const char *method, const char *path,
	       struct response *r)
{
	char raw[256];

	snprintf(
		raw, sizeof(raw),
		"%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		method, path);
	return request(port, raw, r);
}

static struct http_server *start(const char *spec)
{
	struct http_server *s;
	char err[256] = "";

	if (http_server__listen(&s, spec, err, sizeof(err)))
		fail_msg("listen: %s", err);
	if (http_server__start(s, err, sizeof(err)))
		fail_msg("start: %s", err);
	return s;
}

static void test_parse_spec(void **state)
{
	char host[64], err[256];
	unsigned int port;

	assert_int_equal(http__parse_spec("9464", host, sizeof(host), &port,
					  err, sizeof(err)),
			 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9464);
	assert_int_equal(http__parse_spec("0.0.0.0:80", host, sizeof(host),
					  &port, err, sizeof(err)),
			 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(port, 80);
	assert_int_equal(http__parse_spec("[::1]:0", host, sizeof(host), &port,
					  err, sizeof(err)),
			 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	assert_int_equal(http__parse_spec("localhost:65535", host, sizeof(host),
					  &port, err, sizeof(err)),
			 0);
	assert_string_equal(host, "localhost");

	assert_int_equal(http__parse_spec("65536", host, sizeof(host), &port,
					  err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "invalid port '65536'"));
	assert_int_equal(http__parse_spec("12x", host, sizeof(host), &port, err,
					  sizeof(err)),
			 -EINVAL);
	assert_int_equal(http__parse_spec("1.2.3.4:", host, sizeof(host), &port,
					  err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(http__parse_spec("", host, sizeof(host), &port, err,
					  sizeof(err)),
			 -EINVAL);
	assert_int_equal(http__parse_spec(":9464", host, sizeof(host), &port,
					  err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "0.0.0.0:9464"));
	assert_int_equal(http__parse_spec("::1:9464", host, sizeof(host), &port,
					  err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "brackets"));
	assert_int_equal(http__parse_spec("[::1]9464", host, sizeof(host),
					  &port, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(http__parse_spec("99999999999999999999", host,
					  sizeof(host), &port, err,
					  sizeof(err)),
			 -EINVAL);
}

static void test_listen_errors(void **state)
{
	struct http_server *a = start("127.0.0.1:0"), *b;
	char spec[64], err[256] = "";

	snprintf(spec, sizeof(spec), "127.0.0.1:%u", http_server__port(a));
	assert_int_equal(http_server__listen(&b, spec, err, sizeof(err)),
			 -EADDRINUSE);
	assert_null(b);
	assert_non_null(strstr(err, "Address already in use"));
	/* the caller names the option and its value, not the message */
	assert_null(strstr(err, "--prometheus"));
	assert_true(http_server__listen(&b, "no.such.host.invalid:1", err,
					sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot resolve"));
	http_server__stop(a);
}

static void test_requests(void **state)
{
	struct http_server *s = start("0"); /* default address */
	unsigned int port = http_server__port(s);
	const char *body = "# HELP x y\n# TYPE x gauge\nx 1\n";
	struct response r;
	char want[64];

	assert_true(port > 0);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	assert_string_equal(http_server__address(s), want);

	/* before the daemon published anything */
	assert_int_equal(get(port, "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 503);
	free(r.body);

	assert_int_equal(http_server__publish(s, body, strlen(body)), 0);
	assert_int_equal(get(port, "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, body);
	assert_non_null(strcasestr(r.headers,
				   "Content-Type: text/plain; version=0.0.4"));
	free(r.body);

	assert_int_equal(get(port, "HEAD", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	snprintf(want, sizeof(want), "Content-Length: %zu", strlen(body));
	assert_non_null(strcasestr(r.headers, want));
	free(r.body);

	assert_int_equal(get(port, "GET", "/", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<a href=\"/metrics\">"));
	assert_non_null(strcasestr(r.headers, "Content-Type: text/html"));
	free(r.body);

	assert_int_equal(get(port, "GET", "/metricsx", &r), 0);
	assert_int_equal(r.status, 404);
	free(r.body);
	assert_int_equal(get(port, "GET", "/metrics/../etc/passwd", &r), 0);
	assert_int_equal(r.status, 404);
	free(r.body);

	assert_int_equal(get(port, "DELETE", "/metrics", &r), 0);
	assert_int_equal(r.status, 405);
	assert_non_null(strcasestr(r.headers, "Allow: GET, HEAD"));
	free(r.body);
	assert_int_equal(
		request(port,
			"POST /metrics HTTP/1.1\r\nHost: x\r\n"
			"Connection: close\r\nContent-Length: 5\r\n\r\nhello",
			&r),
		0);
	assert_int_equal(r.status, 405);
	assert_non_null(strcasestr(r.headers, "Allow: GET, HEAD"));
	free(r.body);

	/* a new publish replaces the body */
	assert_int_equal(http_server__publish(s, "x 2\n", 4), 0);
	assert_int_equal(get(port, "GET", "/metrics", &r), 0);
	assert_string_equal(r.body, "x 2\n");
	free(r.body);

	http_server__stop(s);
	/* stopped means stopped: nobody listens on the port any more */
	assert_int_not_equal(get(port, "GET", "/metrics", &r), 0);
}

struct publisher {
	struct http_server *s;
	char *a, *b;
	size_t len;
	volatile bool stop;
};

static void *publish_loop(void *arg)
{
	struct publisher *p = arg;
	unsigned long i;

	for (i = 0; !p->stop; i++)
		http_server__publish(p->s, i & 1 ? p->a : p->b, p->len);
	return NULL;
}

/* Scrapes racing with publishes only ever see whole bodies. */
static void test_publish_race(void **state)
{
	struct publisher p = { .s = start("127.0.0.1:0"), .len = 200000 };
	struct response r;
	pthread_t t;
	int i;

	p.a = malloc(p.len);
	p.b = malloc(p.len);
	memset(p.a, 'a', p.len);
	memset(p.b, 'b', p.len);
	http_server__publish(p.s, p.a, p.len);
	pthread_create(&t, NULL, publish_loop, &p);
	for (i = 0; i < 50; i++) {
		assert_int_equal(
			get(http_server__port(p.s), "GET", "/metrics", &r), 0);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body_len, p.len);
		assert_true(!memcmp(r.body, p.a, p.len) ||
			    !memcmp(r.body, p.b, p.len));
		free(r.body);
	}
	p.stop = true;
	pthread_join(t, NULL);
	http_server__stop(p.s);
	free(p.a);
	free(p.b);
}

/* Stopping, whether serving or only listening, leaks no socket. */
static void test_listen_only(void **state)
{
	struct http_server *s;
	char err[256];
	int before, after;

	before = dup(0);
	close(before);
	assert_int_equal(
		http_server__listen(&s, "127.0.0.1:0", err, sizeof(err)), 0);
	http_server__stop(s);
	s = start("127.0.0.1:0");
	http_server__stop(s);
	after = dup(0);
	close(after);
	assert_int_equal(before, after);
}

static void test_ipv6(void **state)
{
	struct http_server *s;
	char err[256];

	if (http_server__listen(&s, "[::1]:0", err, sizeof(err))) {
		print_message("skipping: no IPv6 loopback (%s)\n", err);
		skip();
	}
	assert_int_equal(strncmp(http_server__address(s), "[::1]:", 6), 0);
	http_server__stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_spec),
		cmocka_unit_test(test_listen_errors),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_publish_race),
		cmocka_unit_test(test_listen_only),
		cmocka_unit_test(test_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
