/* Unix sockets at a path: the guest's control sockets (PID 1's, the service supervisor's). */
#ifndef GUESTINIT_UNIXSOCK_H
#define GUESTINIT_UNIXSOCK_H

#include <sys/types.h>

/* Binds type (SOCK_SEQPACKET, SOCK_STREAM: also listens; SOCK_DGRAM) at path, replacing what
 * was there, with the socket file's mode; non-blocking, close-on-exec. The fd or -errno. */
int unixsock_listen(const char *path, int type, mode_t mode);
/* Connects a close-on-exec socket of type to path: the fd or -errno. */
int unixsock_connect(const char *path, int type);

#endif
