// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "prom.h"

/*
 * Slow and silent clients: the server polls every connection from one
 * thread (epoll), so a client that trickles its request holds one slot and
 * nothing else.  Slots are many (HTTP_MAX_CONNECTIONS, fewer if the file
 * descriptor limit is low), a connection silent for CONNECTION_TIMEOUT_S is
 * closed, and a request whose headers pass CONNECTION_MEMORY bytes is
 * refused, so a scrape keeps its answer time while hundreds of clients
 * trickle (tests/operator/slow_clients.sh, docs/operators.md).
 */
#define LISTEN_BACKLOG 256
#define CONNECTION_TIMEOUT_S 10
#define CONNECTION_MEMORY (16 * 1024)
#define FDS_KEPT 128 /* descriptors left for the daemon's own use */

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>spte-trace</title></head>\n"
	"<body><h1>spte-trace</h1>\n"
	"<p>KVM TDP MMU zap, remote TLB flush and reinstall monitor.</p>\n"
	"<p><a href=\"/metrics\">Metrics</a></p>\n</body></html>\n";

struct http_server {
	int fd; /* ours until MHD owns it */
	struct MHD_Daemon *mhd;
	unsigned int port;
	char address[80];
	pthread_mutex_t lock;
	char *body; /* NULL until the first publish */
	size_t body_len;
};

/* ---- Address ------------------------------------------------------------------ */

static int parse_port(const char *s, unsigned int *port, char *err,
		      size_t errlen)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (*p - '0');
	if (!*s || *p || v > 65535) {
		snprintf(err, errlen,
			 "invalid port '%s': expected a number from 0 to 65535",
			 s);
		return -EINVAL;
	}
	*port = v;
	return 0;
}

static int copy_host(const char *s, size_t n, char *host, size_t hostlen,
		     char *err, size_t errlen)
{
	if (n >= hostlen) {
		snprintf(err, errlen, "address too long");
		return -EINVAL;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

int http__parse_spec(const char *spec, char *host, size_t hostlen,
		     unsigned int *port, char *err, size_t errlen)
{
	const char *colon, *close;
	int ret;

	if (!spec || !*spec) {
		snprintf(err, errlen, "empty address: expected [ADDR:]PORT");
		return -EINVAL;
	}
	if (spec[0] == '[') {
		close = strchr(spec, ']');
		if (!close || close[1] != ':') {
			snprintf(err, errlen, "'%s': expected [IPV6]:PORT",
				 spec);
			return -EINVAL;
		}
		ret = copy_host(spec + 1, close - spec - 1, host, hostlen, err,
				errlen);
		return ret ? ret : parse_port(close + 2, port, err, errlen);
	}
	colon = strrchr(spec, ':');
	if (!colon) {
		snprintf(host, hostlen, "%s", HTTP_DEFAULT_ADDR);
		return parse_port(spec, port, err, errlen);
	}
	if (colon == spec) {
		snprintf(
			err, errlen,
			"'%s': no address before the port; write 0.0.0.0%s or [::]%s to listen on every interface",
			spec, spec, spec);
		return -EINVAL;
	}
	if (memchr(spec, ':', colon - spec)) {
		snprintf(
			err, errlen,
			"'%s': an IPv6 address needs brackets, e.g. [::1]:9464",
			spec);
		return -EINVAL;
	}
	ret = copy_host(spec, colon - spec, host, hostlen, err, errlen);
	return ret ? ret : parse_port(colon + 1, port, err, errlen);
}

static void format_address(struct http_server *s, const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, ip,
			  sizeof(ip));
		snprintf(s->address, sizeof(s->address), "[%s]:%u", ip,
			 s->port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  ip, sizeof(ip));
		snprintf(s->address, sizeof(s->address), "%s:%u", ip, s->port);
	}
}

static int bind_listen(struct http_server *s, const struct addrinfo *ai,
		       char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int one = 1, ret = 0;

	s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		       ai->ai_protocol);
	if (s->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-ret));
		goto out;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, ai->ai_addr, ai->ai_addrlen) ||
	    listen(s->fd, LISTEN_BACKLOG) ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &len)) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen: %s", strerror(-ret));
		goto out;
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ?
				((struct sockaddr_in6 *)&ss)->sin6_port :
				((struct sockaddr_in *)&ss)->sin_port);
	format_address(s, (struct sockaddr *)&ss);
out:
	return ret;
}

int http_server__listen(struct http_server **out, const char *spec, char *err,
			size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	struct http_server *s = NULL;
	char host[256], portstr[8], why[512];
	unsigned int port;
	int ret, gai;

	*out = NULL;
	ret = http__parse_spec(spec, host, sizeof(host), &port, why,
			       sizeof(why));
	if (ret)
		goto out;
	snprintf(portstr, sizeof(portstr), "%u", port);
	gai = getaddrinfo(host, portstr, &hints, &ai);
	if (gai) {
		snprintf(why, sizeof(why), "cannot resolve '%s': %s", host,
			 gai_strerror(gai));
		ret = -EINVAL;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		ret = -ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
		goto out;
	}
	pthread_mutex_init(&s->lock, NULL);
	ret = bind_listen(s, ai, why, sizeof(why));
out:
	if (ai)
		freeaddrinfo(ai);
	if (ret) {
		snprintf(err, errlen, "%s", why);
		http_server__stop(s);
		return ret;
	}
	*out = s;
	return 0;
}

/* ---- Requests ------------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, const char *body, size_t len,
			     bool allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status,
				  const char *msg, bool allow)
{
	return reply(c, status, "text/plain; charset=utf-8", msg, strlen(msg),
		     allow);
}

static enum MHD_Result reply_metrics(struct http_server *s,
				     struct MHD_Connection *c)
{
	enum MHD_Result ret;

	pthread_mutex_lock(&s->lock);
	if (s->body)
		ret = reply(c, MHD_HTTP_OK, PROM_CONTENT_TYPE, s->body,
			    s->body_len, false);
	else
		ret = reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				 "spte-trace has not published metrics yet\n",
				 false);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;

	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "method not allowed: use GET or HEAD\n",
				  true);
	if (!strcmp(url, "/metrics"))
		return reply_metrics(s, c);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8",
			     index_html, sizeof(index_html) - 1, false);
	return reply_text(c, MHD_HTTP_NOT_FOUND,
			  "not found: metrics are at /metrics\n", false);
}

/* HTTP_MAX_CONNECTIONS, or what the descriptor limit leaves room for. */
static unsigned int connection_limit(void)
{
	struct rlimit rl;
	unsigned int n = HTTP_MAX_CONNECTIONS;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < n + FDS_KEPT)
		n = rl.rlim_cur > FDS_KEPT + 16 ? rl.rlim_cur - FDS_KEPT : 16;
	return n;
}

int http_server__start(struct http_server *s, char *err, size_t errlen)
{
	s->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL,
				  handle, s, MHD_OPTION_LISTEN_SOCKET,
				  (MHD_socket)s->fd,
				  MHD_OPTION_CONNECTION_LIMIT,
				  connection_limit(),
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)CONNECTION_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				  (size_t)CONNECTION_MEMORY, MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, errlen, "cannot start the HTTP server");
		return -EIO;
	}
	return 0;
}

int http_server__publish(struct http_server *s, const char *body, size_t len)
{
	char *copy = malloc(len ? len : 1), *old;

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, body, len);
	pthread_mutex_lock(&s->lock);
	old = s->body;
	s->body = copy;
	s->body_len = len;
	pthread_mutex_unlock(&s->lock);
	free(old);
	return 0;
}

unsigned int http_server__port(const struct http_server *s)
{
	return s->port;
}

const char *http_server__address(const struct http_server *s)
{
	return s->address;
}

void http_server__stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd); /* closes the listening socket */
	else if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s->body);
	free(s);
}
