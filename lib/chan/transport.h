/* Transports of the host channel behind one API, addressed by URI:
 *   vsock://CID:PORT   (production; CID 2 is the host, 1 the guest itself, "any" to listen)
 *   tcp://HOST:PORT    (numeric IPv4 or [IPv6]; no name lookups)
 *   unix:///PATH       (an absolute path) */
#ifndef GUESTINIT_TRANSPORT_H
#define GUESTINIT_TRANSPORT_H

#include <stddef.h>
#include <sys/socket.h>

enum transport_kind { TRANSPORT_VSOCK, TRANSPORT_TCP, TRANSPORT_UNIX };

struct transport_addr {
	enum transport_kind kind;
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[128]; /* the URI as given, for messages */
};

/* 0, or -EINVAL with err naming what is wrong with the URI. */
int transport_parse(const char *uri, struct transport_addr *a, char *err, size_t errlen);
/* A connected, blocking, close-on-exec stream socket, or -errno. timeout_ms bounds the
 * connect (0: the kernel's own). */
int transport_connect(const struct transport_addr *a, int timeout_ms);
/* The same without waiting, for an event loop: a non-blocking socket in *fd, and 0 (connected
 * already), -EINPROGRESS (wait for it to be writable, then transport_connect_finish), or
 * -errno (no socket; a unix listener with a full backlog says -EAGAIN). */
int transport_connect_start(const struct transport_addr *a, int *fd);
/* After writability: 0 if the connection is up, else its -errno. */
int transport_connect_finish(int fd);
/* A listening close-on-exec socket, or -errno. A unix path is replaced if it is a stale
 * socket; its mode is 0600. */
int transport_listen(const struct transport_addr *a);

#endif
