/* One SOCK_SEQPACKET request server at a unix socket path (PID 1's control socket, the service
 * supervisor's): it accepts, reads each connection's one request with the fds sent along and
 * who sent it (SO_PEERCRED, peercred.h), and hands the connection to a handler, which replies
 * when it is ready (at once, or when a job is done) and closes it. A message keeps its
 * boundaries, so a request is one recv and needs no framing. */
#ifndef GUESTINIT_BASE_SEQSRV_H
#define GUESTINIT_BASE_SEQSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "fdpass.h"

struct evloop;
struct seqsrv;

struct seqsrv_request {
	int fd;               /* the connection, the handler's from here: it replies on it and closes it */
	const char *data;     /* the request, NUL-terminated for text protocols; valid during the call only */
	size_t len;
	int fds[FDPASS_MAX];  /* sent along (SCM_RIGHTS, close-on-exec): the handler's */
	size_t nfds;
	pid_t pid;            /* of the peer (SO_PEERCRED) */
	uid_t uid;
	bool privileged;      /* root, or CAP_SYS_ADMIN in its effective set */
};

typedef void (*seqsrv_fn)(void *ctx, struct seqsrv_request *req);

struct seqsrv_options {
	const char *path;
	mode_t mode;             /* of the socket file: who may connect (authority is the handler's) */
	size_t max_request;      /* bytes; a longer request gets too_long_reply */
	size_t max_fds;          /* fds taken per request (at most FDPASS_MAX); more are closed */
	unsigned max_clients;    /* connections waiting for their request; one more gets busy_reply */
	const char *busy_reply;  /* NULL: such a connection is just closed */
	const char *too_long_reply;
};

/* Binds and listens (replacing what was at path) and serves from loop: 0 or -errno. */
int seqsrv_listen(struct evloop *loop, const struct seqsrv_options *o, seqsrv_fn fn, void *ctx,
		  struct seqsrv **out);
/* Stops listening, closes the connections still waiting for their request and removes the
 * socket file (a bound socket pins its file system); connections handed out stay the
 * handler's. NULL is a no-op. */
void seqsrv_close(struct seqsrv *srv);

#endif
