/* Passing open files over a unix socket (SCM_RIGHTS) with one message. */
#ifndef GUESTINIT_FDPASS_H
#define GUESTINIT_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#define FDPASS_MAX 8

/* Sends len bytes and nfds fds in one sendmsg; returns bytes sent or -errno. */
ssize_t fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds);
/* Receives one message (non-blocking when the socket is); fds beyond maxfds are closed.
 * Received fds are close-on-exec. Returns bytes received (0: peer closed) or -errno. */
ssize_t fdpass_recv(int sock, void *buf, size_t cap, int *fds, size_t *nfds, size_t maxfds);

#endif
