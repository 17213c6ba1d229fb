/* PID 1's control socket server: one request, one reply, never blocking PID 1. */
#ifndef GUESTINIT_INIT_CONTROL_H
#define GUESTINIT_INIT_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct evloop;

/* privileged: the peer is root or holds CAP_SYS_ADMIN. Writes a reply of at most cap bytes. */
typedef void (*control_handler_fn)(void *ctx, const char *req, bool privileged, pid_t peer, char *reply,
				   size_t cap);

int control_listen(struct evloop *loop, const char *path, control_handler_fn fn, void *ctx);

/* At shutdown: stop listening and remove the socket. */
void control_close(struct evloop *loop);

#endif
