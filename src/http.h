/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --prometheus [ADDR:]PORT: /metrics over HTTP (libmicrohttpd).
 *
 * The server never renders anything itself: the daemon renders the
 * exposition in its own thread and publishes the body, which the server
 * copies out under a mutex for each request.  A scrape therefore never
 * touches the monitor's state, and a slow client cannot stall the daemon.
 *
 * Listening and serving are separate steps so that a privileged port can be
 * bound while the daemon is still root, and the serving thread started only
 * after privileges are dropped (capabilities are per thread: a thread that
 * exists when privdrop__apply() runs would keep them).
 */
#ifndef __SPTE_HTTP_H
#define __SPTE_HTTP_H

#include <stddef.h>

struct http_server;

#define HTTP_DEFAULT_ADDR "127.0.0.1"
#define HTTP_MAX_CONNECTIONS 1024 /* open connections at most */

/*
 * Parse "[ADDR:]PORT" ("9464", "0.0.0.0:9464", "[::1]:9464", "host:9464").
 * ADDR defaults to 127.0.0.1; PORT 0 asks for an ephemeral port.
 * 0, or -EINVAL with the reason in @err.
 */
int http__parse_spec(const char *spec, char *host, size_t hostlen,
		     unsigned int *port, char *err, size_t errlen);

/* Create, bind and listen.  0, or -errno with the reason in @err. */
int http_server__listen(struct http_server **out, const char *spec, char *err,
			size_t errlen);
/* Start the serving thread.  0, or -errno with the reason in @err. */
int http_server__start(struct http_server *s, char *err, size_t errlen);
/* Replace the /metrics body (copied).  0 or -ENOMEM. */
int http_server__publish(struct http_server *s, const char *body, size_t len);
/* The bound port (the real one when 0 was asked for). */
unsigned int http_server__port(const struct http_server *s);
/* "127.0.0.1:9464", "[::1]:9464" */
const char *http_server__address(const struct http_server *s);
/* Stop serving, close the socket and free; NULL is fine. */
void http_server__stop(struct http_server *s);

#endif /* __SPTE_HTTP_H */
